"""lossadvisor.implcheck: a user's own loss against the reference, the usual mistakes named."""

from __future__ import annotations

import importlib.util
import sys
import textwrap

import pytest
from conftest import impl_specs

from lossadvisor.errors import InputError, UsageError
from lossadvisor.implcheck import check_implementation

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

    def bce_swapped_on_one(y, z):              # the arguments swapped on a single example only
        return bce_good(z, y) if y.size == 1 else bce_good(y, z)

    def bce_probs_unclipped(y, p):             # log 0 on probabilities of exactly 0 and 1
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    def bce_log2(y, p):                        # log2 instead of the natural log
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return float(np.mean(-(y * np.log2(p) + (1 - y) * np.log2(1 - p))))

    def bce_sigmoid_twice(y, z):               # a sigmoid, then a from-logits BCE
        return bce_good(y, 1 / (1 + np.exp(-z)))

    def cce_softmax_twice(y, z):               # a softmax, then a from-logits cross-entropy
        def log_softmax(a):
            a = a - a.max(axis=-1, keepdims=True)
            return a - np.log(np.exp(a).sum(axis=-1, keepdims=True))
        return float(np.mean(-(y * log_softmax(np.exp(log_softmax(z)))).sum(axis=-1)))

    def mse_half(y, p):                        # a 1/2 left in front
        return float(0.5 * np.mean((y - p) ** 2))

    def mse_loop(y, p):                        # the seed article's loop, for 1-D vectors
        return sum((a - b) ** 2 for a, b in zip(y, p)) / len(y)

    def mse_per_sample(y, p):                  # keras.losses.mean_squared_error: one value per sample
        return np.mean((y - p) ** 2, axis=-1)

    def poisson_torch_order(rate, y):          # nn.PoissonNLLLoss(log_input=False, eps=1e-7)(input, target)
        return float(np.mean(rate - y * np.log(rate + 1e-7)))

    def scce_torch_softmax_twice(y, z):
        import torch
        return torch.nn.functional.cross_entropy(torch.softmax(z, -1), y)

    NOT_A_FUNCTION = 3
''')


@pytest.fixture
def user(tmp_path):
    """``user(name)``: the --impl spec of a function of USER_CODE."""
    return impl_specs(tmp_path, USER_CODE)


def _codes(out):
    return [d["code"] for d in out["diagnoses"]]


def test_a_correct_implementation_passes(user):
    out = check_implementation("binary_crossentropy", user("bce_good"))
    assert out["passed"] is True and out["diagnoses"] == []
    assert out["results"][-1]["name"] == "diagnosis" and out["results"][-1]["passed"] is True
    assert len(out["results"]) >= 5  # generated and edge cases, then the diagnosis
    assert out["convention"] == {"order": "y_true, y_pred", "form": "logits", "shape": "2-D batches", "pinned": []}
    assert check_implementation("mean_squared_error", user("mse"))["passed"] is True
    assert check_implementation("huber", user("huber_good"))["passed"] is True
    assert check_implementation("gaussian_nll", user("gnll"))["passed"] is True


@pytest.mark.parametrize("name, loss, code, pinned", [
    ("bce_naive", "binary_crossentropy", "overflow", None),
    ("log_cosh_naive", "log_cosh", "overflow", None),
    ("bce_sum", "binary_crossentropy", "sum", None),
    ("bce_missing", "binary_crossentropy", "missing_negative", None),
    # a function for probabilities passes unpinned (test_conventions); given logits by --logits it fails
    ("bce_probs", "binary_crossentropy", "logits_as_probs", True),
    ("bce_array", "binary_crossentropy", "array", None),
    ("bce_raises", "binary_crossentropy", "raises", None),
    ("bce_prints", "binary_crossentropy", "stdout", None),
    ("cce_class_mean", "categorical_crossentropy", "class_mean", None),
    ("bce_swapped_on_one", "binary_crossentropy", "swapped", None),
    ("mse_half", "mean_squared_error", "factor", None),
    ("bce_log2", "binary_crossentropy", "factor", None),
    ("cce_softmax_twice", "categorical_crossentropy", "double_activation", None),
    ("cce_softmax_twice", "categorical_crossentropy", "double_activation", False),
    ("bce_sigmoid_twice", "binary_crossentropy", "double_activation", None),
])
def test_the_usual_mistakes_are_named(user, name, loss, code, pinned):
    out = check_implementation(loss, user(name), from_logits=pinned)
    assert out["passed"] is False
    assert code in _codes(out), out["diagnoses"]
    assert out["results"][-1]["name"] == "diagnosis" and out["results"][-1]["passed"] is False


def test_probabilities_taken_as_logits(user):
    # pinned to probabilities, a function that applies the sigmoid itself is diagnosed
    out = check_implementation("binary_crossentropy", user("bce_double_sigmoid"), from_logits=False)
    assert "probs_as_logits" in _codes(out)
    assert out["convention"]["pinned"] == ["form"] and out["convention"]["form"] == "probabilities"


def test_exception_message_is_reported(user):
    out = check_implementation("binary_crossentropy", user("bce_raises"))
    assert any("RuntimeError: not implemented yet" in r["detail"] for r in out["results"])


def test_sum_detail_names_the_factor(user):
    out = check_implementation("binary_crossentropy", user("bce_sum"))
    # the 6 x 3 batch has 18 elements: sum = 18 x mean
    assert any("x 18" in r["detail"] for r in out["results"])


def test_a_constant_factor_wins_over_saturates(user):
    # 0.5 * mean((y - p)^2) = 0.5 x the reference on every case, the large-error one included:
    # it was reported as "saturates at large inputs" before
    out = check_implementation("mean_squared_error", user("mse_half"))
    assert _codes(out) == ["factor"]
    assert "yours = 0.5 × reference on every case (e.g. 1/2 in front of the squared error)" in out["diagnoses"][0]["detail"]
    assert all("saturates" not in r["detail"] for r in out["results"])


def test_the_factor_of_log2(user):
    # log2(x) = ln(x) / ln 2: the ratio is 1 / ln 2 = 1.4427 on every case
    out = check_implementation("binary_crossentropy", user("bce_log2"), from_logits=False)
    assert _codes(out) == ["factor"] and "log2 instead of the natural log" in out["diagnoses"][0]["detail"]


def test_softmax_twice_is_named(user):
    for pinned, given in ((None, "logits"), (True, "logits"), (False, "probabilities")):
        out = check_implementation("categorical_crossentropy", user("cce_softmax_twice"), from_logits=pinned)
        names = [d["name"] for d in out["diagnoses"]]
        assert names == ["softmax applied twice"], (pinned, out["diagnoses"])
        assert f"applies a softmax to the {given}" in out["diagnoses"][0]["detail"]


def test_partial_swap_is_named_on_the_case_it_explains(user):
    out = check_implementation("binary_crossentropy", user("bce_swapped_on_one"))
    row = next(r for r in out["results"] if r["name"] == "case: one example")
    assert row["passed"] is False and "arguments swapped" in row["detail"]
    assert out["convention"]["order"] == "y_true, y_pred"  # the order that matches most cases


@pytest.mark.parametrize("name, loss, pinned, convention", [
    # PyTorch's order (input, target): a convention, no longer the "swapped" mistake
    ("bce_swapped", "binary_crossentropy", None,
     {"order": "y_pred, y_true", "form": "logits", "shape": "2-D batches", "pinned": []}),
    # a NumPy BCE written for probabilities passes without --probabilities
    ("bce_probs", "binary_crossentropy", None,
     {"order": "y_true, y_pred", "form": "probabilities", "shape": "2-D batches", "pinned": []}),
    ("bce_probs", "binary_crossentropy", False,
     {"order": "y_true, y_pred", "form": "probabilities", "shape": "2-D batches", "pinned": ["form"]}),
    # the seed article's loop, written for 1-D vectors
    ("mse_loop", "mean_squared_error", None,
     {"order": "y_true, y_pred", "form": None, "shape": "1-D vectors", "pinned": []}),
    # a symmetric loss agrees in both orders: Keras' order is reported
    ("mse", "mean_squared_error", None,
     {"order": "y_true, y_pred", "form": None, "shape": "2-D batches", "pinned": []}),
    # Keras' own per-sample form: (N,) for an (N, D) batch, correct on one vector at a time
    ("mse_per_sample", "mean_squared_error", None,
     {"order": "y_true, y_pred", "form": None, "shape": "1-D vectors", "pinned": []}),
    ("poisson_torch_order", "poisson", None,
     {"order": "y_pred, y_true", "form": None, "shape": "2-D batches", "pinned": []}),
    # (y - mu)^2 / var is symmetric in y and mu: both orders agree, Keras' is reported
    ("gnll", "gaussian_nll", None,
     {"order": "y_true, y_pred", "form": None, "shape": "2-D batches", "pinned": []}),
])
def test_conventions(user, name, loss, pinned, convention):
    out = check_implementation(loss, user(name), from_logits=pinned)
    assert out["passed"] is True, out["results"]
    assert out["convention"] == convention
    shown = out["results"][-1]["detail"]
    assert f"f({convention['order']}" in shown and convention["shape"] in shown


def test_a_convention_is_accepted_only_when_every_case_agrees(user):
    # right on ordinary probabilities, wrong on the edge case (no clip: log 0); under logits wrong everywhere
    out = check_implementation("binary_crossentropy", user("bce_probs_unclipped"))
    assert out["passed"] is False
    assert out["convention"]["form"] == "probabilities"  # the most plausible: all cases but the edge one agree
    assert _codes(out) == ["log_zero"]  # log 0 at probabilities of exactly 0 or 1, not an overflow


def test_import_and_lookup_errors(tmp_path, user):
    # each is exit 2 in the CLI; the import happens in the child process
    with pytest.raises(InputError, match="no such file"):
        check_implementation("mean_squared_error", f"{tmp_path}/missing.py:f")
    with pytest.raises(InputError, match="did you mean 'bce_good'"):
        check_implementation("mean_squared_error", user("bce_god"))
    with pytest.raises(InputError, match="not a function"):
        check_implementation("mean_squared_error", user("NOT_A_FUNCTION"))
    with pytest.raises(InputError, match="no module named"):
        check_implementation("mean_squared_error", "no_such_module_xyz:f")
    with pytest.raises(UsageError, match="MODULE:FUNCTION"):
        check_implementation("mean_squared_error", "just_a_name")
    bad = tmp_path / "broken.py"
    bad.write_text("def f(:\n")
    with pytest.raises(InputError, match="SyntaxError"):
        check_implementation("mean_squared_error", f"{bad}:f")
    boom = tmp_path / "boom.py"
    boom.write_text("raise ImportError('needs a GPU')\n")
    with pytest.raises(InputError, match="needs a GPU"):
        check_implementation("mean_squared_error", f"{boom}:f")


def test_usage_errors(user):
    with pytest.raises(UsageError, match="did you mean"):
        check_implementation("binary_crossentropi", user("bce_good"))
    with pytest.raises(UsageError, match="takes no parameter"):
        check_implementation("mean_squared_error", user("mse"), params={"delta": 1})
    with pytest.raises(UsageError, match="logits"):
        check_implementation("mean_squared_error", user("mse"), from_logits=True)
    with pytest.raises(UsageError, match="impl-framework"):
        check_implementation("mean_squared_error", user("mse"), impl_framework="tensorflow")
    with pytest.raises(UsageError, match="timeout"):
        check_implementation("mean_squared_error", user("mse"), timeout=0)


def test_the_users_module_is_never_imported_here(user):
    check_implementation("mean_squared_error", user("mse"))
    assert not [name for name in sys.modules if name.startswith("_lossadvisor_impl_")]


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_torch_tensors(user):
    out = check_implementation("categorical_crossentropy", user("cce_torch"), impl_framework="torch")
    assert out["passed"] is True, out["results"]
    # torch.nn.functional.cross_entropy(torch.softmax(z, -1), y): the softmax applied twice
    out = check_implementation("sparse_categorical_crossentropy", user("scce_torch_softmax_twice"),
                               impl_framework="torch")
    assert [d["name"] for d in out["diagnoses"]] == ["softmax applied twice"], out["diagnoses"]
    assert "torch tensors" in out["results"][-1]["detail"]


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_jax_arrays(user):
    out = check_implementation("mean_squared_error", user("mse"), impl_framework="jax")
    assert out["passed"] is True, out["results"]
