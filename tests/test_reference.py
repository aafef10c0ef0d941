"""lossadvisor.reference: values from hand computation and closed forms, validation,
stability, dtypes and chunking.

Every expected number says where it comes from; none was copied from the code's output.
"""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest

from conftest import central_differences
from lossadvisor import reference as ref
from lossadvisor.reference import CHUNK, EPSILON

LOG2 = math.log(2.0)

# ------------------------------------------------------------------- the contract


#: the loss ids of the contract (architecture.md); more may be added, none removed
CONTRACT_IDS = {
    "mean_squared_error", "mean_absolute_error", "mean_squared_logarithmic_error", "huber", "log_cosh", "poisson",
    "gaussian_nll", "quantile", "binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence", "categorical_focal_crossentropy",
}


def test_losses_cover_the_catalog_ids(rb):
    # the catalog and the reference must agree, and hold every id of the contract
    assert set(ref.LOSSES) == set(rb.losses)
    assert CONTRACT_IDS <= set(ref.LOSSES)


def test_from_logits_exactly_where_keras_has_it():
    keras_has_it = {"binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
                    "sparse_categorical_crossentropy", "categorical_focal_crossentropy"}
    # the structured-target losses (issue 12) take from_logits where their family's design says
    structured = {loss_id for loss_id, spec in ref.SPECS.items() if spec.structured}
    assert ref.FROM_LOGITS - structured == keras_has_it
    for loss_id, fn in ref.LOSSES.items():
        params = inspect.signature(fn).parameters
        if loss_id not in structured:
            assert ("from_logits" in params) == (loss_id in keras_has_it), loss_id
        if "from_logits" in params:
            assert params["from_logits"].kind is inspect.Parameter.KEYWORD_ONLY
            assert params["from_logits"].default is False


def test_every_loss_returns_a_python_float():
    assert type(ref.mean_squared_error([1.0], [2.0])) is float
    assert type(ref.categorical_crossentropy([[0.0, 1.0]], [[0.0, 0.0]], from_logits=True)) is float


def test_activations_table():
    assert set(ref.ACTIVATIONS) == {"linear", "sigmoid", "softmax", "tanh", "exponential", "softplus"}
    for fn, deriv in ref.ACTIVATIONS.values():
        assert callable(fn) and callable(deriv)


# ----------------------------------------------------------------- hand computation


def test_mse_by_hand():
    # errors 1 and 3: (1 + 9) / 2
    assert ref.mean_squared_error([0.0, 0.0], [1.0, 3.0]) == pytest.approx(5.0, rel=1e-15)
    # 2-D: only one element differs, by 2: 4 / 4 elements (Keras: mean over the last axis, then the rows)
    assert ref.mean_squared_error([[1, 2], [3, 4]], [[1, 2], [3, 6]]) == pytest.approx(1.0, rel=1e-15)


def test_mae_by_hand():
    # |1| + |-2| + |3| + |-4| = 10, over 4
    assert ref.mean_absolute_error([0, 0, 0, 0], [1, -2, 3, -4]) == pytest.approx(2.5, rel=1e-15)


def test_msle_by_hand_with_keras_clip():
    # y = 0 is clipped to eps: log(1 + eps); prediction e - 1: log(e) = 1
    expected = (1.0 - math.log1p(EPSILON)) ** 2
    assert ref.mean_squared_logarithmic_error([0.0], [math.e - 1]) == pytest.approx(expected, rel=1e-12)
    # a negative prediction is clipped to eps as in Keras: both sides log(1 + eps), loss 0
    assert ref.mean_squared_logarithmic_error([0.0], [-5.0]) == pytest.approx(0.0, abs=1e-20)


def test_huber_by_hand():
    # delta = 2: |e| = 1 inside: ½·1 = 0.5; |e| = 3 outside: 2·(3 - 1) = 4; mean 2.25
    assert ref.huber([0.0, 0.0], [1.0, -3.0], delta=2.0) == pytest.approx(2.25, rel=1e-15)
    # at |e| = delta both branches give ½ δ²: δ = 1, e = 1 -> 0.5
    assert ref.huber([0.0], [1.0]) == pytest.approx(0.5, rel=1e-15)


def test_log_cosh_closed_forms():
    # acosh(2) = ln(2 + √3) and cosh of it is 2, so log cosh = log 2
    assert ref.log_cosh([0.0], [math.log(2 + math.sqrt(3))]) == pytest.approx(LOG2, rel=1e-14)
    # for large x, log cosh x = x - log 2 + log(1 + e^-2x); e^-20000 vanishes in double precision
    assert ref.log_cosh([0.0], [1e4]) == pytest.approx(1e4 - LOG2, rel=1e-15)
    assert ref.log_cosh([1.0], [1.0]) == 0.0


def test_poisson_by_hand():
    # rate 3, count 3: 3 - 3 log(3 + eps) (Keras adds eps inside the log)
    assert ref.poisson([3.0], [3.0]) == pytest.approx(3 - 3 * math.log(3 + EPSILON), rel=1e-14)
    # count 0: the loss is the rate itself
    assert ref.poisson([0.0, 0.0], [2.0, 4.0]) == pytest.approx(3.0, rel=1e-15)


def test_gaussian_nll_by_hand():
    # shared variance 2, errors ±2: ½(log 2 + 4/2) each
    assert ref.gaussian_nll([0.0, 0.0], [2.0, -2.0], variance=2.0) == pytest.approx(0.5 * LOG2 + 1.0, rel=1e-14)
    # per-element variances 1 and 4, errors 1 and 2: ½(0 + 1) and ½(log 4 + 1); mean
    expected = (0.5 + 0.5 * (math.log(4) + 1)) / 2
    assert ref.gaussian_nll([1.0, 3.0], [0.0, 1.0], variance=[1.0, 4.0]) == pytest.approx(expected, rel=1e-14)
    # a zero variance is clamped at 1e-6 (PyTorch's eps): perfect prediction gives ½ log 1e-6
    assert ref.gaussian_nll([1.0], [1.0], variance=[0.0]) == pytest.approx(0.5 * math.log(1e-6), rel=1e-14)


def test_quantile_by_hand_and_layouts():
    # q = 0.5 is half the absolute error: ½(1 + 3) / 2
    assert ref.quantile([0.0, 0.0], [[1.0], [-3.0]], quantiles=[0.5]) == pytest.approx(1.0, rel=1e-15)
    # q = 0.9 under-prediction by 1 costs 0.9, over-prediction by 1 costs 0.1
    assert ref.quantile([1.0], [[0.0]], quantiles=[0.9]) == pytest.approx(0.9, rel=1e-15)
    assert ref.quantile([0.0], [[1.0]], quantiles=[0.9]) == pytest.approx(0.1, rel=1e-14)
    # two outputs, levels (0.25, 0.75): (rows, outputs * Q) with the levels adjacent per output
    # equals (rows, outputs, Q). Output 0: y=0, preds 1 and -1; output 1: y=2, preds 2 and 4.
    # terms: q=.25,e=-1 -> .75; q=.75,e=1 -> .75; 0; q=.75,e=-2 -> .5; mean 2.0/4
    y = np.array([[0.0, 2.0]])
    flat = np.array([[1.0, -1.0, 2.0, 4.0]])
    assert ref.quantile(y, flat, quantiles=[0.25, 0.75]) == pytest.approx(0.5, rel=1e-15)
    assert ref.quantile(y, flat.reshape(1, 2, 2), quantiles=[0.25, 0.75]) == pytest.approx(0.5, rel=1e-15)


def test_bce_by_hand():
    # p = ½ either way: log 2
    assert ref.binary_crossentropy([1.0], [0.5]) == pytest.approx(LOG2, rel=1e-15)
    assert ref.binary_crossentropy([0.0], [0.0], from_logits=True) == pytest.approx(LOG2, rel=1e-15)
    # wrong confident logits: -log sigmoid(-1e4) = 1e4 exactly in double precision (softplus)
    assert ref.binary_crossentropy([1.0, 0.0], [-1e4, 1e4], from_logits=True) == pytest.approx(1e4, rel=1e-15)
    # right confident logits: log(1 + e^-1e4) underflows to 0
    assert ref.binary_crossentropy([1.0, 0.0], [1e4, -1e4], from_logits=True) == 0.0
    # probability exactly 0 for a positive: Keras clips at eps, -log(1e-7) = 7 log 10
    assert ref.binary_crossentropy([1.0], [0.0]) == pytest.approx(7 * math.log(10), rel=1e-9)
    # soft label ½ with p = ½ is the entropy of a fair coin
    assert ref.binary_crossentropy([0.5], [0.5]) == pytest.approx(LOG2, rel=1e-15)


def test_binary_focal_by_hand():
    # p = ½, y = 1: (1 - ½)² log 2; with class balancing alpha = 0.25 multiplies it
    assert ref.binary_focal_crossentropy([1.0], [0.5]) == pytest.approx(0.25 * LOG2, rel=1e-14)
    assert ref.binary_focal_crossentropy([1.0], [0.5], apply_class_balancing=True) == \
        pytest.approx(0.25 * 0.25 * LOG2, rel=1e-14)
    # y = 0 with class balancing is weighted by 1 - alpha = 0.75
    assert ref.binary_focal_crossentropy([0.0], [0.5], apply_class_balancing=True) == \
        pytest.approx(0.75 * 0.25 * LOG2, rel=1e-14)


def test_binary_focal_gamma_zero_is_bce():
    # a second formula: gamma = 0 removes the focal factor
    rng = np.random.default_rng(0)
    y = (rng.random(50) < 0.4).astype(float)
    z = rng.normal(0, 3, 50)
    assert ref.binary_focal_crossentropy(y, z, from_logits=True, gamma=0.0) == \
        pytest.approx(ref.binary_crossentropy(y, z, from_logits=True), rel=1e-13)


def test_hinge_by_hand_and_label_mapping():
    # labels -1, +1; scores 0.5: margins 1.5 and 0.5; mean 1
    assert ref.hinge([-1.0, 1.0], [0.5, 0.5]) == pytest.approx(1.0, rel=1e-15)
    # all-0/1 labels are mapped to -1/+1 (Keras): same value
    assert ref.hinge([0, 1], [0.5, 0.5]) == pytest.approx(1.0, rel=1e-15)
    # squared: 1.5² + 0.5² = 2.5, over 2
    assert ref.squared_hinge([-1.0, 1.0], [0.5, 0.5]) == pytest.approx(1.25, rel=1e-15)


def test_categorical_by_hand():
    # uniform logits over 4 classes: log 4 whatever the label
    assert ref.categorical_crossentropy([[0, 0, 1, 0]], [[0.0] * 4], from_logits=True) == \
        pytest.approx(math.log(4), rel=1e-15)
    assert ref.sparse_categorical_crossentropy([2], [[0.0] * 4], from_logits=True) == \
        pytest.approx(math.log(4), rel=1e-15)
    # probabilities are renormalised (Keras): [1, 1] reads as [½, ½]
    assert ref.categorical_crossentropy([[0.0, 1.0]], [[1.0, 1.0]]) == pytest.approx(LOG2, rel=1e-12)
    # a trailing axis of 1 on sparse labels is accepted, as in Keras
    assert ref.sparse_categorical_crossentropy([[2]], [[0.0] * 4], from_logits=True) == \
        pytest.approx(math.log(4), rel=1e-15)
    # mean over rows, sum over classes: rows log 4 and log 2 -> (log 4 + log 2) / 2
    got = ref.categorical_crossentropy([[1, 0, 0, 0], [0, 1, 0, 0]], [[0, 0, 0, 0], [0, 0, -1e4, -1e4]], from_logits=True)
    assert got == pytest.approx((math.log(4) + LOG2) / 2, rel=1e-14)


def test_kl_by_hand_with_keras_clip():
    # identical distributions: 0
    assert ref.kl_divergence([[0.2, 0.8]], [[0.2, 0.8]]) == pytest.approx(0.0, abs=1e-15)
    # y = [1, 0], p = [½, ½]: log 2 plus the clipped zero's eps·log(eps / ½) (Keras clips to [eps, 1])
    expected = LOG2 + EPSILON * math.log(EPSILON / 0.5)
    assert ref.kl_divergence([[1.0, 0.0]], [[0.5, 0.5]]) == pytest.approx(expected, rel=1e-12)


def test_categorical_focal_reduces_to_cce():
    # second formula: alpha = 1, gamma = 0 is categorical cross-entropy
    rng = np.random.default_rng(1)
    y = np.eye(5)[rng.integers(0, 5, 30)]
    z = rng.normal(0, 2, (30, 5))
    assert ref.categorical_focal_crossentropy(y, z, from_logits=True, alpha=1.0, gamma=0.0) == \
        pytest.approx(ref.categorical_crossentropy(y, z, from_logits=True), rel=1e-13)
    # and by hand: uniform over 2 classes, p_y = ½: 0.25 · (½)² · log 2
    assert ref.categorical_focal_crossentropy([[1, 0]], [[0.0, 0.0]], from_logits=True) == \
        pytest.approx(0.25 * 0.25 * LOG2, rel=1e-14)


def test_catalog_worked_examples_match_closed_forms(rb):
    """The catalog's expected numbers, recomputed here from the closed forms of their derivations."""
    closed = {
        "mean_squared_error": 5 / 12,
        "mean_absolute_error": 0.5,
        "mean_squared_logarithmic_error": LOG2**2,
        "huber": 4.125 / 3,
        "log_cosh": 0.5 * math.log(25 / 12),
        "poisson": 1.5 - math.log(2 + 1e-7),
        "gaussian_nll": 0.5 + 0.5 * LOG2,
        "quantile": 1.55 / 4,
        "binary_crossentropy": 1.5 * LOG2,
        "binary_focal_crossentropy": 11 / 16 * LOG2,
        "hinge": 2 / 3,
        "squared_hinge": 5 / 6,
        "categorical_crossentropy": 0.5 * math.log(10 / 3),
        "sparse_categorical_crossentropy": 0.5 * math.log(10 / 3),
        "kl_divergence": 0.5 * math.log(4 / 3),
        "categorical_focal_crossentropy": (LOG2 / 16 + 0.04 * math.log(5 / 3)) / 2,
    }
    for loss_id, value in closed.items():
        ex = rb.losses[loss_id]["worked_example"]
        assert float(ex["expected"]) == pytest.approx(value, rel=1e-12), loss_id
        assert ex["derivation"], loss_id
        params = dict(ex.get("params") or {})
        if ex.get("from_logits"):
            params["from_logits"] = True
        assert ref.LOSSES[loss_id](ex["y_true"], ex["y_pred"], **params) == pytest.approx(value, rel=1e-12), loss_id


# ------------------------------------------------------------------------- validation


@pytest.mark.parametrize("call, words", [
    (lambda: ref.mean_squared_error(np.zeros(3), np.zeros((3, 1))), ["(3,)", "(3, 1)", "no"]),
    (lambda: ref.binary_crossentropy(np.zeros((4, 1)), np.zeros(4), from_logits=True), ["(4, 1)", "(4,)"]),
    (lambda: ref.mean_absolute_error([1.0, float("nan")], [1.0, 2.0]), ["NaN", "y_true", "index 1"]),
    (lambda: ref.huber([[1.0, 2.0]], [[1.0, float("nan")]]), ["NaN", "y_pred", "(0, 1)"]),
    (lambda: ref.sparse_categorical_crossentropy([0, 4], np.zeros((2, 4))), ["class 4", "0..3"]),
    (lambda: ref.sparse_categorical_crossentropy([0, -1], np.zeros((2, 4))), ["class -1"]),
    (lambda: ref.sparse_categorical_crossentropy([0.5, 1], np.zeros((2, 4))), ["integer", "0.5"]),
    # an infinity is named, not an OverflowError from formatting it
    (lambda: ref.sparse_categorical_crossentropy([0, np.inf], np.zeros((2, 4))), ["integer class indices", "inf"]),
    (lambda: ref.binary_crossentropy([1.0], [np.inf]), ["probability", "holds inf at index 0"]),
    (lambda: ref.sparse_categorical_crossentropy(np.eye(4)[:2], np.zeros((2, 4))), ["one-hot", "categorical_crossentropy"]),
    (lambda: ref.binary_crossentropy([1.0], [1.5]), ["1.5", "probability", "from_logits"]),
    (lambda: ref.binary_crossentropy([2.0], [0.5]), ["y_true", "2"]),
    (lambda: ref.categorical_crossentropy([[0, 1]], [[-0.5, 1.5]]), ["-0.5", "probability"]),
    (lambda: ref.kl_divergence([[0.5, 0.5]], [[1.2, -0.2]]), ["probability"]),
    (lambda: ref.mean_squared_logarithmic_error([-1.0], [1.0]), ["non-negative", "-1"]),
    (lambda: ref.poisson([-2.0], [1.0]), ["non-negative", "-2"]),
    (lambda: ref.poisson([2.0], [-1.0]), ["rate", "-1"]),
    (lambda: ref.gaussian_nll([0.0], [0.0], variance=[-1.0]), ["variance", "-1"]),
    (lambda: ref.gaussian_nll([0.0, 1.0], [0.0, 1.0], variance=[1.0]), ["variance", "(1,)", "(2,)"]),
    (lambda: ref.hinge([0.5, 1.0], [0.0, 0.0]), ["-1/+1", "0.5"]),
    (lambda: ref.hinge([-1.0, 0.0, 1.0], [0.0, 0.0, 0.0]), ["mixes"]),
    (lambda: ref.quantile([0.0], [[0.0]], quantiles=[1.5]), ["between 0 and 1", "1.5"]),
    (lambda: ref.quantile([0.0, 1.0], [[0.0], [1.0]], quantiles=[0.1, 0.9]), ["(2,)", "(2, 1)", "2 quantiles"]),
    (lambda: ref.huber([0.0], [0.0], delta=-1), ["delta", "positive"]),
    (lambda: ref.mean_squared_error([], []), ["empty"]),
    (lambda: ref.mean_squared_error(["a"], ["b"]), ["real numbers"]),
    (lambda: ref.categorical_crossentropy([[0, 1]], [[0.0, 0.0]]), ["sums to 0"]),
])
def test_bad_input_is_a_value_error_that_names_it(call, words):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    for w in words:
        assert w in message, (w, message)


def test_nan_found_in_a_later_chunk_is_located():
    y = np.zeros(3 * CHUNK + 5)
    p = np.zeros(3 * CHUNK + 5)
    p[2 * CHUNK + 7] = np.nan
    with pytest.raises(ValueError, match=f"y_pred contains NaN at index {2 * CHUNK + 7}"):
        ref.mean_squared_error(y, p)


def test_gaussian_nll_requires_variance():
    with pytest.raises(ValueError, match="variance"):
        ref.gaussian_nll([0.0], [0.0], variance=None)
    with pytest.raises(TypeError):
        ref.gaussian_nll([0.0], [0.0])  # keyword-only and required


# -------------------------------------------------------------------------- stability


def _strict(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            return fn()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_are_finite_without_warnings(dtype):
    z = np.array([1e4, -1e4, 1e4, -1e4], dtype)
    y = np.array([1, 0, 0, 1], dtype)
    # right and wrong by 1e4: (0 + 0 + 1e4 + 1e4) / 4
    assert _strict(lambda: ref.binary_crossentropy(y, z, from_logits=True)) == pytest.approx(5000.0, rel=1e-6)
    assert math.isfinite(_strict(lambda: ref.binary_focal_crossentropy(y, z, from_logits=True)))
    zc = np.array([[1e4, -1e4, 0], [-1e4, 1e4, 0]], dtype)
    # row 1 right (0), row 2 wrong by 2e4 (lse = 1e4, z_y = -1e4): 2e4 / 2 rows
    assert _strict(lambda: ref.categorical_crossentropy(np.eye(3, dtype=dtype)[[0, 0]], zc, from_logits=True)) == \
        pytest.approx(1e4, rel=1e-6)
    assert _strict(lambda: ref.sparse_categorical_crossentropy([0, 0], zc, from_logits=True)) == pytest.approx(1e4, rel=1e-6)
    assert math.isfinite(_strict(lambda: ref.categorical_focal_crossentropy(np.eye(3)[[0, 0]], zc, from_logits=True)))
    assert _strict(lambda: ref.log_cosh(np.zeros(2, dtype), np.array([1e4, -1e4], dtype))) == pytest.approx(1e4 - LOG2, rel=1e-6)


def test_probabilities_of_exactly_zero_and_one_are_finite():
    y = np.array([1.0, 0.0, 1.0, 0.0])
    p = np.array([0.0, 1.0, 1.0, 0.0])
    # wrong ones cost -log(eps) each, right ones -log(1 - eps): (2·7 log 10 + 2·(-log1p(-eps))) / 4
    expected = (2 * 7 * math.log(10) - 2 * math.log1p(-EPSILON)) / 4
    assert _strict(lambda: ref.binary_crossentropy(y, p)) == pytest.approx(expected, rel=1e-9)
    assert math.isfinite(_strict(lambda: ref.binary_focal_crossentropy(y, p)))
    onehot = np.eye(3)
    assert math.isfinite(_strict(lambda: ref.categorical_crossentropy(onehot, onehot[[1, 2, 0]])))
    assert math.isfinite(_strict(lambda: ref.sparse_categorical_crossentropy([0, 1, 2], onehot[[1, 2, 0]])))
    assert math.isfinite(_strict(lambda: ref.kl_divergence(onehot, onehot[[1, 2, 0]])))
    assert math.isfinite(_strict(lambda: ref.categorical_focal_crossentropy(onehot, onehot[[1, 2, 0]])))


def test_confident_right_logits_do_not_leave_rounding_noise():
    # per-element forms: 1e6 elements of z = 30, y = 1 in float32 cost log1p(e^-30) ≈ 9.4e-14 each;
    # subtracting two large sums would leave an error of order 1e-7 · 30 instead
    z = np.full(10**6, 30.0, np.float32)
    y = np.ones(10**6, np.float32)
    got = ref.binary_crossentropy(y, z, from_logits=True)
    assert 0.0 <= got <= 1e-12
    zc = np.tile(np.array([30.0, 0.0, 0.0], np.float32), (10**5, 1))
    got = ref.sparse_categorical_crossentropy(np.zeros(10**5, np.int64), zc, from_logits=True)
    # log(1 + 2 e^-30) ≈ 1.9e-13, within float32 rounding of the row terms
    assert 0.0 <= got <= 1e-6


# --------------------------------------------------------------- chunks, dtypes, layout


def _naive(loss_id, y, p):
    """A second, direct formula over the whole array in float64 (no chunks, no tricks)."""
    y = np.asarray(y, np.float64)
    p = np.asarray(p, np.float64)
    if loss_id == "mean_squared_error":
        return np.mean((y - p) ** 2)
    if loss_id == "huber":
        e = np.abs(y - p)
        return np.mean(np.where(e <= 1.0, 0.5 * e**2, e - 0.5))
    if loss_id == "binary_crossentropy":
        return np.mean(np.logaddexp(0, p) - y * p)
    if loss_id == "categorical_crossentropy":
        lse = np.log(np.exp(p).sum(axis=-1))
        return np.mean(lse * y.sum(axis=-1) - (y * p).sum(axis=-1))
    raise KeyError(loss_id)


@pytest.mark.parametrize("loss_id", ["mean_squared_error", "huber", "binary_crossentropy"])
@pytest.mark.parametrize("n", [1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
def test_chunk_boundaries_match_a_direct_formula(loss_id, n):
    rng = np.random.default_rng(n)
    p = rng.normal(0, 2, n)
    y = (rng.random(n) < 0.5).astype(float) if loss_id == "binary_crossentropy" else rng.normal(0, 2, n)
    kw = {"from_logits": True} if loss_id == "binary_crossentropy" else {}
    assert ref.LOSSES[loss_id](y, p, **kw) == pytest.approx(_naive(loss_id, y, p), rel=1e-12)


@pytest.mark.parametrize("rows", [1, CHUNK // 10 - 1, CHUNK // 10 + 1, 2500])
def test_categorical_chunk_boundaries(rows):
    rng = np.random.default_rng(rows)
    z = rng.normal(0, 2, (rows, 10))
    labels = rng.integers(0, 10, rows)
    y = np.eye(10)[labels]
    expected = _naive("categorical_crossentropy", y, z)
    assert ref.categorical_crossentropy(y, z, from_logits=True) == pytest.approx(expected, rel=1e-12)
    assert ref.sparse_categorical_crossentropy(labels, z, from_logits=True) == pytest.approx(expected, rel=1e-12)


def test_many_classes_use_the_reduction_path():
    rng = np.random.default_rng(3)
    z = rng.normal(0, 2, (40, 100))
    labels = rng.integers(0, 100, 40)
    expected = _naive("categorical_crossentropy", np.eye(100)[labels], z)
    assert ref.sparse_categorical_crossentropy(labels, z, from_logits=True) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss_id", ["mean_squared_error", "huber", "binary_crossentropy"])
def test_float32_agrees_with_float64(loss_id):
    rng = np.random.default_rng(9)
    p = rng.normal(0, 2, 50_000)
    y = (rng.random(50_000) < 0.5).astype(float) if loss_id == "binary_crossentropy" else rng.normal(0, 2, 50_000)
    kw = {"from_logits": True} if loss_id == "binary_crossentropy" else {}
    full = ref.LOSSES[loss_id](y, p, **kw)
    single = ref.LOSSES[loss_id](y.astype(np.float32), p.astype(np.float32), **kw)
    assert single == pytest.approx(full, rel=1e-5)


def test_non_contiguous_and_integer_inputs():
    rng = np.random.default_rng(4)
    big = rng.normal(0, 1, (200, 6))
    y, p = big[:, ::2], big[:, 1::2]  # strided views
    assert ref.mean_squared_error(y, p) == pytest.approx(np.mean((y - p) ** 2), rel=1e-13)
    # integers are promoted (mean of (1-0)^2, (2-4)^2 = 2.5)
    assert ref.mean_squared_error([1, 2], [0, 4]) == pytest.approx(2.5, rel=1e-15)
    # float32 predictions with float64 targets compute in float32, as Keras casts y_true to y_pred's dtype
    assert ref.mean_squared_error(np.array([0.1]), np.array([0.0], np.float32)) == pytest.approx(0.01, rel=1e-6)


# ----------------------------------------------------------- activations and gradients


@pytest.mark.parametrize("name", ["linear", "sigmoid", "tanh", "exponential", "softplus"])
def test_activation_derivatives_match_finite_differences(name):
    fn, deriv = ref.ACTIVATIONS[name]
    z = np.linspace(-4, 4, 17)
    numeric = np.array([(fn(np.array([v + 1e-6])) - fn(np.array([v - 1e-6])))[0] / 2e-6 for v in z])
    assert np.allclose(deriv(z), numeric, rtol=1e-7, atol=1e-9)


def test_activations_closed_forms_and_tails():
    # sigmoid(0) = ½; sigmoid(ln 3) = ¾; tails exact without overflow
    assert ref.sigmoid(np.array([0.0, math.log(3)])) == pytest.approx([0.5, 0.75], rel=1e-15)
    with np.errstate(over="raise"):
        s = ref.sigmoid(np.array([-1e4, 1e4]))
        sp = ref.softplus(np.array([-1e4, 1e4]))
    assert s[0] == 0.0 and s[1] == 1.0
    assert sp[0] == 0.0 and sp[1] == 1e4
    # softplus(0) = log 2; softmax of [0, ln 3] = [¼, ¾]
    assert ref.softplus(np.array([0.0]))[0] == pytest.approx(LOG2, rel=1e-15)
    assert ref.softmax(np.array([0.0, math.log(3)])) == pytest.approx([0.25, 0.75], rel=1e-15)
    # tanh' in the tail: 1 - tanh² would round to 0 at z = 20; 4e^-40 / (1 + e^-40)² does not
    assert ref.ACTIVATIONS["tanh"][1](np.array([20.0]))[0] == pytest.approx(4 * math.exp(-40), rel=1e-12)


def test_softmax_jacobian_and_vjp():
    rng = np.random.default_rng(2)
    z = rng.normal(0, 1, (3, 4))
    jac = ref.ACTIVATIONS["softmax"][1](z)
    assert jac.shape == (3, 4, 4)
    for r in range(3):
        numeric = np.stack([central_differences(lambda v, k=k: ref.softmax(v)[k], z[r].copy()) for k in range(4)])
        assert np.allclose(jac[r], numeric, atol=1e-8)
    g = rng.normal(0, 1, (3, 4))
    # the vector-Jacobian product equals g @ J row by row (a second formula)
    expected = np.einsum("rk,rkj->rj", g, jac)
    assert np.allclose(ref.activation_vjp("softmax", z, g), expected, atol=1e-12)


def _grad_case(loss_id, rng):
    if loss_id in ("categorical_crossentropy", "categorical_focal_crossentropy"):
        return np.eye(4)[rng.integers(0, 4, 5)], ref.softmax(rng.normal(0, 1, (5, 4))), {}
    if loss_id == "sparse_categorical_crossentropy":
        return rng.integers(0, 4, 5), ref.softmax(rng.normal(0, 1, (5, 4))), {}
    if loss_id == "kl_divergence":
        return ref.softmax(rng.normal(0, 1, (5, 4))), ref.softmax(rng.normal(0, 1, (5, 4))), {}
    if loss_id in ("binary_crossentropy", "binary_focal_crossentropy"):
        return (rng.random(8) < 0.5).astype(float), rng.uniform(0.05, 0.95, 8), {}
    if loss_id in ("hinge", "squared_hinge"):
        return np.where(rng.random(8) < 0.5, 1.0, -1.0), rng.uniform(-0.9, 0.9, 8) + 0.05, {}
    if loss_id in ("mean_squared_logarithmic_error", "poisson"):
        return rng.poisson(3, 8).astype(float), rng.uniform(0.5, 5, 8), {}
    if loss_id == "quantile":
        return rng.normal(0, 1, 4), rng.normal(0, 1, (4, 3)), {}
    if loss_id == "gaussian_nll":
        return rng.normal(0, 1, 8), rng.normal(0, 1, 8), {"variance": rng.uniform(0.5, 2, 8)}
    if loss_id == "cumulative_link":  # levels 0..3, scores, 3 ordered cut-points
        return rng.permutation(np.arange(8) % 4), rng.normal(0, 1, 8), {"cutpoints": np.array([-1.0, 0.2, 1.1])}
    if loss_id in ("corn", "coral"):  # levels 0..3, one probability per task y > k
        return rng.permutation(np.arange(8) % 4), rng.uniform(0.05, 0.95, (8, 3)), {}
    return rng.normal(0, 1, 8), rng.normal(0, 1, 8), {}


@pytest.mark.parametrize("loss_id", sorted(i for i in ref.LOSSES if not ref.SPECS[i].structured))
def test_loss_gradient_matches_finite_differences(loss_id):
    # the structured-target losses: their family's test module (tests/test_family_<family>.py)
    rng = np.random.default_rng(abs(hash(loss_id)) % 2**32)
    y, p, kw = _grad_case(loss_id, rng)
    analytic = ref.loss_gradient(loss_id, y, p, **kw)
    numeric = central_differences(lambda v: ref.LOSSES[loss_id](y, v, **kw), np.asarray(p, float).copy())
    assert np.allclose(analytic, numeric, rtol=1e-5, atol=1e-8)
    if loss_id in ref.FROM_LOGITS:
        z = rng.normal(0, 2, np.shape(p))
        a2 = ref.loss_gradient(loss_id, y, z, from_logits=True, **kw)
        n2 = central_differences(lambda v: ref.LOSSES[loss_id](y, v, from_logits=True, **kw), z.copy())
        assert np.allclose(a2, n2, rtol=1e-5, atol=1e-8)


def test_canonical_gradients_are_prediction_minus_target():
    rng = np.random.default_rng(8)
    z = rng.normal(0, 2, 10)
    y = (rng.random(10) < 0.5).astype(float)
    # d BCE / dz = (sigmoid(z) - y) / N, with sigmoid written out independently
    assert np.allclose(ref.loss_gradient("binary_crossentropy", y, z, from_logits=True),
                       (1 / (1 + np.exp(-z)) - y) / 10, atol=1e-15)
    zc = rng.normal(0, 2, (6, 3))
    yc = np.eye(3)[rng.integers(0, 3, 6)]
    soft = np.exp(zc) / np.exp(zc).sum(axis=1, keepdims=True)
    assert np.allclose(ref.loss_gradient("categorical_crossentropy", yc, zc, from_logits=True),
                       (soft - yc) / 6, atol=1e-15)
