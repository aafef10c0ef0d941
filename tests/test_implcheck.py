"""lossadvisor.implcheck: a user's own loss against the reference, the usual mistakes named."""

from __future__ import annotations

import importlib.util
import textwrap

import pytest

from lossadvisor.errors import InputError, UsageError
from lossadvisor.implcheck import check_implementation, load_function

USER_CODE = textwrap.dedent('''
    import numpy as np

    def bce_good(y, z):
        return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))

    def bce_naive(y, z):                       # log(sigmoid): overflows for large logits
        p = 1 / (1 + np.exp(-z))
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    def bce_swapped(z, y):                     # PyTorch's (input, target) order
        return bce_good(y, z)

    def bce_sum(y, z):
        return float(np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))

    def bce_missing(y, z):                     # forgot the negatives
        return float(np.mean(y * np.logaddexp(0, -z)))

    def bce_probs(y, p):                       # written for probabilities
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    def bce_double_sigmoid(y, z):              # applies the sigmoid itself
        return bce_good(y, z)

    def bce_array(y, z):
        return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))

    def bce_raises(y, z):
        raise RuntimeError("not implemented yet")

    def bce_prints(y, z):
        print("debug output")
        return bce_good(y, z)

    def cce_class_mean(y, z):                  # np.mean over everything, like KLDivLoss(reduction="mean")
        z = z - z.max(axis=-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        return float(np.mean(-(y * logp)))

    def mse(y, p):
        return float(np.mean((y - p) ** 2))

    def log_cosh_naive(y, p):                  # cosh overflows past 710
        return float(np.mean(np.log(np.cosh(p - y))))

    def huber_good(y, p):
        e = np.abs(y - p)
        return float(np.mean(np.where(e <= 1, 0.5 * e**2, e - 0.5)))

    def gnll(y, mu, var):
        return float(np.mean(0.5 * (np.log(var) + (y - mu) ** 2 / var)))

    def cce_torch(y, z):
        import torch
        return torch.nn.functional.cross_entropy(z, y)

    NOT_A_FUNCTION = 3
''')


@pytest.fixture
def user(tmp_path):
    path = tmp_path / "user_losses.py"
    path.write_text(USER_CODE)

    def get(name):
        return load_function(f"{path}:{name}")

    return get


def _codes(out):
    return [d["code"] for d in out["diagnoses"]]


def test_a_correct_implementation_passes(user):
    out = check_implementation("binary_crossentropy", user("bce_good"))
    assert out["passed"] is True and out["diagnoses"] == []
    assert out["results"][-1]["name"] == "diagnosis" and out["results"][-1]["passed"] is True
    assert len(out["results"]) >= 5  # generated and edge cases, then the diagnosis
    assert check_implementation("mean_squared_error", user("mse"))["passed"] is True
    assert check_implementation("huber", user("huber_good"))["passed"] is True
    assert check_implementation("gaussian_nll", user("gnll"))["passed"] is True


@pytest.mark.parametrize("name, loss, code", [
    ("bce_naive", "binary_crossentropy", "overflow"),
    ("log_cosh_naive", "log_cosh", "overflow"),
    ("bce_swapped", "binary_crossentropy", "swapped"),
    ("bce_sum", "binary_crossentropy", "sum"),
    ("bce_missing", "binary_crossentropy", "missing_negative"),
    ("bce_probs", "binary_crossentropy", "logits_as_probs"),
    ("bce_array", "binary_crossentropy", "array"),
    ("bce_raises", "binary_crossentropy", "raises"),
    ("cce_class_mean", "categorical_crossentropy", "class_mean"),
])
def test_the_usual_mistakes_are_named(user, name, loss, code):
    out = check_implementation(loss, user(name))
    assert out["passed"] is False
    assert code in _codes(out), out["diagnoses"]
    assert out["results"][-1]["name"] == "diagnosis" and out["results"][-1]["passed"] is False


def test_probabilities_taken_as_logits(user):
    # called with probabilities, a function that applies the sigmoid itself is diagnosed
    out = check_implementation("binary_crossentropy", user("bce_double_sigmoid"), from_logits=False)
    assert "probs_as_logits" in _codes(out)


def test_exception_message_is_reported(user):
    out = check_implementation("binary_crossentropy", user("bce_raises"))
    assert any("RuntimeError: not implemented yet" in r["detail"] for r in out["results"])


def test_sum_detail_names_the_factor(user):
    out = check_implementation("binary_crossentropy", user("bce_sum"))
    # the 6 x 3 batch has 18 elements: sum = 18 x mean
    assert any("x 18" in r["detail"] for r in out["results"])


def test_stdout_of_the_user_function_is_kept_off_stdout(user, capsys):
    out = check_implementation("binary_crossentropy", user("bce_prints"))
    assert out["passed"] is True
    captured = capsys.readouterr()
    assert "debug output" not in captured.out and "debug output" in captured.err


def test_load_function_errors(tmp_path, user):
    with pytest.raises(InputError, match="no such file"):
        load_function(f"{tmp_path}/missing.py:f")
    with pytest.raises(InputError, match="did you mean 'bce_good'"):
        user("bce_god")
    with pytest.raises(InputError, match="not a function"):
        user("NOT_A_FUNCTION")
    with pytest.raises(InputError, match="no module named"):
        load_function("no_such_module_xyz:f")
    with pytest.raises(UsageError, match="MODULE:FUNCTION"):
        load_function("just_a_name")
    bad = tmp_path / "broken.py"
    bad.write_text("def f(:\n")
    with pytest.raises(InputError, match="SyntaxError"):
        load_function(f"{bad}:f")
    boom = tmp_path / "boom.py"
    boom.write_text("raise ImportError('needs a GPU')\n")
    with pytest.raises(InputError, match="needs a GPU"):
        load_function(f"{boom}:f")


def test_usage_errors(user):
    with pytest.raises(UsageError, match="did you mean"):
        check_implementation("binary_crossentropi", user("bce_good"))
    with pytest.raises(UsageError, match="takes no parameter"):
        check_implementation("mean_squared_error", user("mse"), params={"delta": 1})
    with pytest.raises(UsageError, match="logits"):
        check_implementation("mean_squared_error", user("mse"), from_logits=True)
    with pytest.raises(UsageError, match="impl-framework"):
        check_implementation("mean_squared_error", user("mse"), impl_framework="tensorflow")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_torch_tensors(user):
    out = check_implementation("categorical_crossentropy", user("cce_torch"), impl_framework="torch")
    assert out["passed"] is True, out["results"]


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_jax_arrays(user):
    out = check_implementation("mean_squared_error", user("mse"), impl_framework="jax")
    assert out["passed"] is True, out["results"]
