"""The cases ``check --impl`` generates reach every region of a loss, and the honest input
forms a loss's spec names are conventions.

1. probabilities exactly 0 and 1: all right (about 0 under any clip) apart from all wrong
   (the clip convention);
2. class labels out of order, repeated, a class absent (integers and one-hot rows);
3. counts of 0; MSLE predictions in (-1, 0), which the reference clips at ε as Keras does;
4. the input forms of ``LossSpec.input_forms``: log rate (poisson), log-probabilities
   (kl_divergence), labels 0/1 (hinge, squared_hinge), reported as the convention's form.

Each planted bug must fail on the case built for it; each correct implementation must pass.
"""

from __future__ import annotations

import importlib.util
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import impl_specs

from lossadvisor import implcheck
from lossadvisor import reference as ref
from lossadvisor.errors import UsageError
from lossadvisor.implcheck import check_implementation

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_JAX = importlib.util.find_spec("jax") is not None
JAX_POISSON = Path(implcheck.__file__).parent / "frameworks" / "snippets" / "jax" / "poisson.py"

USER_CODE = textwrap.dedent('''
    import numpy as np

    # ------------------------------------------------------ 1: probabilities exactly 0 and 1
    def _charge_log_zero(t):                    # log 0 replaced by 20, also on right predictions
        return np.where(np.isfinite(t), t, 20.0)

    def bce_edge_wrong(y, p):                   # 0 x log 0 = NaN on a right prediction: charged 20
        with np.errstate(all="ignore"):
            return float(np.mean(_charge_log_zero(-(y * np.log(p) + (1 - y) * np.log(1 - p)))))

    def cce_edge_wrong(y, p):
        with np.errstate(all="ignore"):
            return float(np.mean(np.sum(_charge_log_zero(-y * np.log(p)), axis=-1)))

    def bce_clip(y, p):
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    def cce_clip_1e12(y, p):
        p = np.clip(p, 1e-12, 1 - 1e-12)
        return float(np.mean(np.sum(-y * np.log(p), axis=-1)))

    # ------------------------------------------------------------------------- 2: class labels
    def scce(y, p):
        p = np.clip(np.atleast_2d(p), 1e-7, 1)
        return float(-np.mean(np.log(p[np.arange(len(p)), np.atleast_1d(y)])))

    def scce_unique(y, p):                      # labels re-encoded per batch
        p = np.clip(np.atleast_2d(p), 1e-7, 1)
        _, index = np.unique(np.atleast_1d(y), return_inverse=True)
        return float(-np.mean(np.log(p[np.arange(len(p)), index])))

    def scce_arange(y, p):                      # never reads y
        p = np.clip(np.atleast_2d(p), 1e-7, 1)
        return float(-np.mean(np.log(p[np.arange(len(p)), np.arange(len(p)) % p.shape[1]])))

    def cce_arange(y, p):                       # one-hot rows, never read
        p = np.clip(np.atleast_2d(p), 1e-7, 1)
        return float(-np.mean(np.log(p[np.arange(len(p)), np.arange(len(p)) % p.shape[1]])))

    # ------------------------------------------------------------ 3: zero counts, MSLE below 0
    def poisson(y, p):
        return float(np.mean(p - y * np.log(p + 1e-7)))

    def poisson_zero_counts_dropped(y, p):
        y, p = np.asarray(y), np.asarray(p)
        with np.errstate(all="ignore"):
            return float(np.sum(np.where(y > 0, p - y * np.log(p + 1e-7), 0.0)) / y.size)

    def msle_keras(y, p):
        return float(np.mean((np.log1p(np.maximum(p, 1e-7)) - np.log1p(np.maximum(y, 1e-7))) ** 2))

    def msle_abs(y, p):
        return float(np.mean((np.log1p(np.abs(p)) - np.log1p(y)) ** 2))

    # ----------------------------------------------------------------------- 4: input forms
    def poisson_log_rate(log_rate, y):          # PyTorch's PoissonNLLLoss(log_input=True)
        return float(np.mean(np.exp(log_rate) - y * log_rate))

    def poisson_log_rate_no_exp(log_rate, y):   # the rate term left as the log rate
        return float(np.mean(log_rate - y * log_rate))

    def torch_kl_div(logp, y):                  # KLDivLoss takes log-probabilities
        import torch
        return torch.nn.functional.kl_div(torch.as_tensor(logp), torch.as_tensor(y), reduction="batchmean").item()

    def kl_log_probabilities(y, logp):
        y = np.atleast_2d(y)
        safe = np.where(y > 0, y, 1.0)
        return float(np.mean(np.sum(np.where(y > 0, y * (np.log(safe) - logp), 0.0), axis=-1)))

    def hinge_zero_one(y, p):                   # labels 0/1 mapped inside, as Keras does
        y = 2 * np.asarray(y) - 1
        return float(np.mean(np.maximum(1 - y * p, 0)))

    def squared_hinge_zero_one(y, p):
        y = 2 * np.asarray(y) - 1
        return float(np.mean(np.maximum(1 - y * p, 0) ** 2))

    def hinge_zero_one_flipped(y, p):           # labels 0/1 mapped the wrong way round
        y = 1 - 2 * np.asarray(y)
        return float(np.mean(np.maximum(1 - y * p, 0)))
''')


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    """``user(name)``: the --impl spec of a function of USER_CODE."""
    return impl_specs(tmp_path_factory.mktemp("cases"), USER_CODE)


def _row(out, name):
    return next(r for r in out["results"] if r["name"] == f"case: {name}")


def _failed(out):
    return [r["name"] for r in out["results"] if r["name"].startswith("case: ") and r["passed"] is False]


# ================================================== 1: probabilities exactly 0 and 1


@pytest.mark.parametrize("name, loss", [("bce_edge_wrong", "binary_crossentropy"),
                                        ("cce_edge_wrong", "categorical_crossentropy")])
def test_a_loss_on_right_predictions_of_0_and_1_fails(user, name, loss):
    # before: 20 on every term of the mixed case passed as "clipping assumed ε = 4.25e-18"
    out = check_implementation(loss, user(name))
    assert out["passed"] is False, out["results"]
    assert _failed(out) == [f"case: {implcheck.EDGE_RIGHT}"], out["results"]
    # on all wrong, 20 per term is a clip at ε = exp(-20), within the range
    assert "clipping assumed" in _row(out, implcheck.EDGE_WRONG)["detail"]


@pytest.mark.parametrize("name, loss, eps", [("bce_clip", "binary_crossentropy", 1e-7),
                                             ("cce_clip_1e12", "categorical_crossentropy", 1e-12)])
def test_a_clip_is_about_0_on_right_and_minus_log_eps_on_wrong(user, name, loss, eps):
    out = check_implementation(loss, user(name))
    assert out["passed"] is True, out["results"]
    assert _row(out, implcheck.EDGE_RIGHT)["passed"] is True
    # each term of the all-wrong case is -log eps (one per row for one-hot rows)
    assert f"yours {implcheck._fmt(-math.log(eps))}" in _row(out, implcheck.EDGE_WRONG)["detail"]


def test_the_right_edge_bound_is_a_clip_at_1e_4():
    # by hand: -log(1 - 1e-4) = 1e-4 + 1e-8 / 2 + ... = 1.00005e-4
    assert implcheck.RIGHT_EDGE_BOUND == pytest.approx(1.000050003e-4, rel=1e-9)


# ============================================================================ 2: class labels


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "categorical_crossentropy"])
def test_class_labels_are_out_of_order_repeated_and_miss_a_class(loss):
    spec = ref.SPECS[loss]
    for case in implcheck._cases(spec, False, {}):
        labels = np.atleast_1d(case.y) if spec.target == "integer" else np.argmax(np.atleast_2d(case.y), -1)
        if case.kind == "perfect" or "label smoothing" in case.name or len(labels) == 1:
            continue
        assert not np.array_equal(labels, np.arange(len(labels)) % 4), case.name
        assert not np.array_equal(labels, np.sort(labels)), case.name
        assert len(set(labels)) < len(labels) and len(set(labels)) < 4, case.name  # repeated, one absent
        _, index = np.unique(labels, return_inverse=True)
        assert not np.array_equal(index.ravel(), labels), case.name


@pytest.mark.parametrize("name, loss, passed", [
    ("scce", "sparse_categorical_crossentropy", True),
    ("scce_unique", "sparse_categorical_crossentropy", False),  # before: passed
    ("scce_arange", "sparse_categorical_crossentropy", False),  # before: passed
    ("cce_arange", "categorical_crossentropy", False),
])
def test_a_function_that_re_encodes_or_ignores_the_labels_fails(user, name, loss, passed):
    out = check_implementation(loss, user(name))
    assert out["passed"] is passed, out["results"]


# =============================================================== 3: zero counts, MSLE below 0


def test_the_reference_on_zero_counts_and_negative_predictions():
    # by hand: ((1 - 0) + (2 - 2 ln 2)) / 2 = (3 - 1.3862944) / 2 = 0.8068528 (log(p + 1e-7): 1e-7 off)
    assert ref.LOSSES["poisson"]([0.0, 2.0], [1.0, 2.0]) == pytest.approx(0.8068528, abs=1e-6)
    # by hand: the prediction -0.5 clipped at 1e-7, as Keras: ((ln 2)² + (ln 2 - ln 3)²) / 2
    # = (0.4804530 + 0.1644019) / 2 = 0.3224275
    assert ref.LOSSES["mean_squared_logarithmic_error"]([1.0, 2.0], [-0.5, 1.0]) == pytest.approx(0.3224275, abs=1e-6)


@pytest.mark.parametrize("name, loss, failed", [
    ("poisson", "poisson", []),
    ("poisson_zero_counts_dropped", "poisson", ["case: zero counts"]),  # before: passed
    ("msle_keras", "mean_squared_logarithmic_error", []),
    ("msle_abs", "mean_squared_logarithmic_error", ["case: predictions in (-1, 0)"]),  # before: passed
])
def test_zero_counts_and_negative_predictions_are_reached(user, name, loss, failed):
    out = check_implementation(loss, user(name))
    assert _failed(out) == failed, out["results"]
    assert out["passed"] is (not failed)


# ========================================================================= 4: input forms


@pytest.mark.parametrize("name, loss, order, form", [
    ("poisson_log_rate", "poisson", "y_pred, y_true", "log rate"),
    ("kl_log_probabilities", "kl_divergence", "y_true, y_pred", "log-probabilities"),
    ("hinge_zero_one", "hinge", "y_true, y_pred", "labels 0/1"),
    ("squared_hinge_zero_one", "squared_hinge", "y_true, y_pred", "labels 0/1"),
])
def test_an_input_form_of_the_spec_passes_and_is_reported(user, name, loss, order, form):
    # before: each failed every case, its inputs given in the reference's form
    out = check_implementation(loss, user(name))
    assert out["passed"] is True, out["results"]
    assert out["convention"] == {"order": order, "form": form, "shape": "2-D batches", "pinned": []}
    assert f"called as f({order}), {form}, 2-D batches" in out["results"][-1]["detail"]


@pytest.mark.parametrize("name, loss", [("poisson_log_rate_no_exp", "poisson"), ("hinge_zero_one_flipped", "hinge")])
def test_a_wrong_function_in_an_input_form_fails(user, name, loss):
    out = check_implementation(loss, user(name))
    assert out["passed"] is False, out["results"]


def test_the_reference_form_comes_first(user):
    out = check_implementation("poisson", user("poisson"))
    assert out["convention"]["form"] is None


@pytest.mark.parametrize("from_logits", [True, False])
def test_logits_stay_refused_for_a_loss_without_from_logits(user, from_logits):
    with pytest.raises(UsageError, match="applies only to the losses that take from_logits"):
        check_implementation("poisson", user("poisson_log_rate"), from_logits=from_logits)


@pytest.mark.skipif(not HAS_JAX, reason="jax is not installed")
def test_the_projects_jax_poisson_snippet_passes():
    # before: 0 of 4 cases, given rates where it takes log rates
    out = check_implementation("poisson", f"{JAX_POISSON}:poisson_nll", impl_framework="jax", timeout=120)
    assert out["passed"] is True, out["results"]
    assert out["convention"]["form"] == "log rate"


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_torch_kl_div_on_log_probabilities_passes(user):
    out = check_implementation("kl_divergence", user("torch_kl_div"), timeout=60)
    assert out["passed"] is True, out["results"]
    assert out["convention"]["order"] == "y_pred, y_true" and out["convention"]["form"] == "log-probabilities"
