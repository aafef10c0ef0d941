"""Property-based tests of lossadvisor.reference (hypothesis) over shapes, dtypes and value
ranges: every loss is finite, non-negative where it should be, and zero (or at its
minimum) at the perfect prediction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lossadvisor import reference as ref

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DTYPES = st.sampled_from([np.float32, np.float64])
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=7)

REGRESSION = ["mean_squared_error", "mean_absolute_error", "huber", "log_cosh"]


def _arrays(draw, shape, dtype, lo, hi):
    return draw(hnp.arrays(dtype, shape, elements=st.floats(lo, hi, allow_nan=False, width=32)))


@st.composite
def regression_case(draw, lo=-1e3, hi=1e3):
    dtype = draw(DTYPES)
    shape = draw(SHAPES)
    return _arrays(draw, shape, dtype, lo, hi), _arrays(draw, shape, dtype, lo, hi)


@pytest.mark.parametrize("loss_id", REGRESSION)
@SETTINGS
@given(case=regression_case())
def test_regression_losses_finite_nonnegative_zero_at_perfect(loss_id, case):
    y, p = case
    fn = ref.LOSSES[loss_id]
    value = fn(y, p)
    assert math.isfinite(value) and value >= 0.0
    assert fn(y, y) == 0.0  # the perfect prediction costs exactly nothing


@SETTINGS
@given(case=regression_case(lo=0.0, hi=1e6))
def test_msle_finite_nonnegative_zero_at_perfect(case):
    y, p = case
    assert math.isfinite(ref.mean_squared_logarithmic_error(y, p))
    assert ref.mean_squared_logarithmic_error(y, p) >= 0.0
    assert ref.mean_squared_logarithmic_error(y, y) == 0.0


@SETTINGS
@given(case=regression_case(lo=-1e3, hi=1e3), qs=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=4))
def test_quantile_finite_nonnegative_zero_at_perfect(case, qs):
    y, _ = case
    rng = np.random.default_rng(0)
    p = np.repeat(y[..., None], len(qs), axis=-1) + rng.normal(0, 1, y.shape + (len(qs),)).astype(y.dtype)
    value = ref.quantile(y, p, quantiles=qs)
    assert math.isfinite(value) and value >= 0.0
    assert ref.quantile(y, np.repeat(y[..., None], len(qs), axis=-1), quantiles=qs) == 0.0


@SETTINGS
@given(dtype=DTYPES, shape=SHAPES, data=st.data())
def test_poisson_minimised_at_the_count(dtype, shape, data):
    counts = data.draw(hnp.arrays(dtype, shape, elements=st.integers(0, 50).map(float)))
    rate = data.draw(hnp.arrays(dtype, shape, elements=st.floats(float(np.float32(1e-3)), 1e3, width=32)))
    assert math.isfinite(ref.poisson(counts, rate))
    at = ref.poisson(counts, counts)
    # λ - y log λ is minimised at λ = y (derivative 1 - y/λ): moving every rate away costs more
    for factor in (0.7, 1.4):
        assert ref.poisson(counts, counts * factor) >= at - 1e-6 * abs(at) - 1e-6


@SETTINGS
@given(case=regression_case(lo=-100, hi=100), v=st.floats(1e-3, 1e3))
def test_gaussian_nll_minimised_at_the_mean(case, v):
    y, p = case
    value = ref.gaussian_nll(y, p, variance=v)
    assert math.isfinite(value)
    # at μ = y only ½ log σ² is left
    assert ref.gaussian_nll(y, y, variance=v) == pytest.approx(0.5 * math.log(v), rel=1e-5, abs=1e-6)
    assert ref.gaussian_nll(y, y, variance=v) <= value + 1e-6 * abs(value) + 1e-6


@st.composite
def binary_case(draw, logit_range=1e4):
    dtype = draw(DTYPES)
    shape = draw(SHAPES)
    y = draw(hnp.arrays(dtype, shape, elements=st.sampled_from([0.0, 1.0])))
    z = _arrays(draw, shape, dtype, -logit_range, logit_range)
    return y, z


@pytest.mark.parametrize("loss_id", ["binary_crossentropy", "binary_focal_crossentropy"])
@SETTINGS
@given(case=binary_case())
def test_binary_losses_from_logits(loss_id, case):
    y, z = case
    fn = ref.LOSSES[loss_id]
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        value = fn(y, z, from_logits=True)
    assert math.isfinite(value) and value >= 0.0
    perfect = np.where(y > 0, 60.0, -60.0).astype(y.dtype)  # log(1 + e^-60) ≈ 1e-26
    assert fn(y, perfect, from_logits=True) <= 1e-20


@pytest.mark.parametrize("loss_id", ["binary_crossentropy", "binary_focal_crossentropy"])
@SETTINGS
@given(case=binary_case(), data=st.data())
def test_binary_losses_from_probabilities(loss_id, case, data):
    y, _ = case
    p = data.draw(hnp.arrays(y.dtype, y.shape, elements=st.floats(0.0, 1.0, width=32)))
    fn = ref.LOSSES[loss_id]
    value = fn(y, p)
    assert math.isfinite(value) and value >= 0.0
    # the perfect probability is clipped to 1 - eps: -log(1 - 1e-7) ≈ 1e-7 (float32 rounds eps)
    assert fn(y, y) <= 2e-7


@pytest.mark.parametrize("loss_id", ["hinge", "squared_hinge"])
@SETTINGS
@given(case=binary_case())
def test_hinge_losses(loss_id, case):
    y, z = case
    fn = ref.LOSSES[loss_id]
    signed = 2 * y - 1
    value = fn(signed, z)
    assert math.isfinite(value) and value >= 0.0
    assert fn(signed, signed) == 0.0  # margin exactly 1 everywhere
    assert fn(y, z) == pytest.approx(value, rel=1e-12)  # 0/1 labels are mapped to -1/+1


@st.composite
def categorical_case(draw):
    dtype = draw(DTYPES)
    rows = draw(st.integers(1, 12))
    k = draw(st.integers(1, 12))
    labels = draw(hnp.arrays(np.int64, (rows,), elements=st.integers(0, k - 1)))
    z = _arrays(draw, (rows, k), dtype, -1e4, 1e4)
    return labels, z


@pytest.mark.parametrize("loss_id", ["categorical_crossentropy", "sparse_categorical_crossentropy",
                                     "categorical_focal_crossentropy"])
@SETTINGS
@given(case=categorical_case())
def test_categorical_losses_from_logits(loss_id, case):
    labels, z = case
    k = z.shape[1]
    y = labels if loss_id.startswith("sparse") else np.eye(k, dtype=z.dtype)[labels]
    fn = ref.LOSSES[loss_id]
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        value = fn(y, z, from_logits=True)
    assert math.isfinite(value) and value >= 0.0
    perfect = np.where(np.eye(k)[labels] > 0, 60.0, -60.0).astype(z.dtype)
    assert fn(y, perfect, from_logits=True) <= 1e-20
    # the same loss from the probabilities (softmax) agrees where nothing is clipped
    if loss_id != "categorical_focal_crossentropy":
        small = np.clip(z, -5, 5)
        assert fn(y, ref.softmax(small.astype(np.float64))) == pytest.approx(
            fn(y, small.astype(np.float64), from_logits=True), rel=1e-9, abs=2e-7)  # one class: p = 1 clips at 1 - eps


@SETTINGS
@given(rows=st.integers(1, 10), k=st.integers(2, 8), dtype=DTYPES, data=st.data())
def test_kl_divergence_nonnegative_and_zero_at_perfect(rows, k, dtype, data):
    raw_y = data.draw(hnp.arrays(np.float64, (rows, k), elements=st.floats(1e-3, 1.0)))
    raw_p = data.draw(hnp.arrays(np.float64, (rows, k), elements=st.floats(1e-3, 1.0)))
    y = (raw_y / raw_y.sum(axis=1, keepdims=True)).astype(dtype)
    p = (raw_p / raw_p.sum(axis=1, keepdims=True)).astype(dtype)
    value = ref.kl_divergence(y, p)
    assert math.isfinite(value)
    assert value >= -1e-6  # Gibbs' inequality, up to float32 rounding of the rows' sums
    assert ref.kl_divergence(y, y) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("loss_id", ["mean_squared_error", "huber", "binary_crossentropy"])
@SETTINGS
@given(n=st.integers(1, 3 * ref.CHUNK), seed=st.integers(0, 2**31))
def test_float32_and_float64_agree(loss_id, n, seed):
    rng = np.random.default_rng(seed)
    p = rng.normal(0, 3, n)
    y = (rng.random(n) < 0.5).astype(float) if loss_id == "binary_crossentropy" else rng.normal(0, 3, n)
    kw = {"from_logits": True} if loss_id == "binary_crossentropy" else {}
    fn = ref.LOSSES[loss_id]
    assert fn(y.astype(np.float32), p.astype(np.float32), **kw) == pytest.approx(fn(y, p, **kw), rel=1e-5, abs=1e-7)


def test_binary_crossentropy_perfect_float32_prediction_costs_only_the_clip():
    """Regression (hypothesis found it): 0/1 labels predicted exactly, float32.

    Keras clips p to [eps, 1 - eps]. By hand: the 23 zeros are predicted as p = eps and cost
    -log(1 - eps) = 1.0e-7 each; the 5 ones are predicted as 1 - eps, which in float32 rounds
    to 1 - 2**-23 (the spacing below 1 is 2**-24, and 1e-7 is nearer 2**-23 = 1.19e-7 than
    2**-24), costing -log(1 - 2**-23) = 1.19e-7 each; the mean is (23 a + 5 b) / 28 = 1.034e-7.
    The old form cancelled two sums of about 16 each and left 2.7e-7 of rounding.
    """
    y = np.zeros((4, 7), np.float32)
    y[0, :5] = 1
    value = ref.binary_crossentropy(y, y)
    a = -math.log1p(-float(np.float32(1e-7)))
    b = -math.log1p(-(2.0 ** -23))
    assert value == pytest.approx((23 * a + 5 * b) / 28, rel=1e-3)
