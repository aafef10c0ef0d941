"""The reference against the frameworks' own losses (an independent implementation each),
after the documented conversions. Each framework's tests skip cleanly when it is absent."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from lossadvisor import reference as ref

RNG = np.random.default_rng(1234)
Y = RNG.normal(0, 1.5, (40, 3))
P = RNG.normal(0, 1.5, (40, 3))
LABELS01 = (RNG.random((40, 3)) < 0.35).astype(float)
LOGITS = RNG.normal(0, 3, (40, 3))
ZC = RNG.normal(0, 2, (30, 5))
LAB = RNG.integers(0, 5, 30)
ONEHOT = np.eye(5)[LAB]
SOFT = ref.softmax(RNG.normal(0, 1, (30, 5)))
COUNTS = RNG.poisson(3.0, (40, 3)).astype(float)
VAR = np.exp(RNG.normal(0, 0.7, (40, 3)))


# =============================================================================== PyTorch


@pytest.fixture(scope="module")
def torch_f():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    return torch, F


def _t(torch, a, dtype=None):
    return torch.as_tensor(np.ascontiguousarray(a), dtype=dtype or torch.float64)


def test_torch_regression(torch_f):
    torch, F = torch_f
    T = lambda a: _t(torch, a)
    assert ref.mean_squared_error(Y, P) == pytest.approx(F.mse_loss(T(P), T(Y)).item(), rel=1e-12)
    assert ref.mean_absolute_error(Y, P) == pytest.approx(F.l1_loss(T(P), T(Y)).item(), rel=1e-12)
    for delta in (0.3, 1.0, 2.5):
        assert ref.huber(Y, P, delta=delta) == pytest.approx(F.huber_loss(T(P), T(Y), delta=delta).item(), rel=1e-12)
        # SmoothL1Loss(beta) is Huber / beta (framework-facts.md)
        assert ref.huber(Y, P, delta=delta) / delta == pytest.approx(
            F.smooth_l1_loss(T(P), T(Y), beta=delta).item(), rel=1e-12)
    assert ref.gaussian_nll(Y, P, variance=VAR) == pytest.approx(F.gaussian_nll_loss(T(P), T(Y), T(VAR)).item(), rel=1e-12)


def test_torch_poisson_conversions(torch_f):
    torch, F = torch_f
    log_rate = P
    rate = np.exp(log_rate)
    # log_input=False with eps=1e-7 is exactly Keras' form
    exact = F.poisson_nll_loss(_t(torch, rate), _t(torch, COUNTS), log_input=False, eps=1e-7).item()
    assert ref.poisson(COUNTS, rate) == pytest.approx(exact, rel=1e-12)
    # the default log_input=True takes the log rate: exp(z) - y z, equal up to Keras' eps in the log
    fused = F.poisson_nll_loss(_t(torch, log_rate), _t(torch, COUNTS), log_input=True).item()
    assert ref.poisson(COUNTS, rate) == pytest.approx(fused, rel=1e-6)


def test_torch_msle_conversion(torch_f):
    torch, F = torch_f
    y, p = np.abs(Y), np.abs(P)
    conv = F.mse_loss(torch.log1p(_t(torch, p).clamp(min=1e-7)), torch.log1p(_t(torch, y).clamp(min=1e-7))).item()
    assert ref.mean_squared_logarithmic_error(y, p) == pytest.approx(conv, rel=1e-12)


def test_torch_binary(torch_f):
    torch, F = torch_f
    T = lambda a: _t(torch, a)
    assert ref.binary_crossentropy(LABELS01, LOGITS, from_logits=True) == pytest.approx(
        F.binary_cross_entropy_with_logits(T(LOGITS), T(LABELS01)).item(), rel=1e-12)
    probs = ref.sigmoid(LOGITS)
    assert ref.binary_crossentropy(LABELS01, probs) == pytest.approx(
        F.binary_cross_entropy(T(probs), T(LABELS01)).item(), rel=1e-12)
    # extreme logits: both stay exact
    z = np.array([1e4, -1e4, 30.0, -30.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    assert ref.binary_crossentropy(y, z, from_logits=True) == pytest.approx(
        F.binary_cross_entropy_with_logits(T(z), T(y)).item(), rel=1e-12)


def test_torch_categorical(torch_f):
    torch, F = torch_f
    T = lambda a: _t(torch, a)
    assert ref.categorical_crossentropy(ONEHOT, ZC, from_logits=True) == pytest.approx(
        F.cross_entropy(T(ZC), T(ONEHOT)).item(), rel=1e-12)
    assert ref.categorical_crossentropy(SOFT, ZC, from_logits=True) == pytest.approx(
        F.cross_entropy(T(ZC), T(SOFT)).item(), rel=1e-12)
    assert ref.sparse_categorical_crossentropy(LAB, ZC, from_logits=True) == pytest.approx(
        F.cross_entropy(T(ZC), _t(torch, LAB, torch.int64)).item(), rel=1e-12)
    # KL: log-probabilities in, reduction="batchmean" for the true KL; "mean" also divides by the classes
    p = ref.softmax(ZC)
    batchmean = F.kl_div(torch.log(T(p)), T(SOFT), reduction="batchmean").item()
    assert ref.kl_divergence(SOFT, p) == pytest.approx(batchmean, rel=1e-12)
    mean = F.kl_div(torch.log(T(p)), T(SOFT), reduction="mean").item()
    assert ref.kl_divergence(SOFT, p) / 5 == pytest.approx(mean, rel=1e-12)


def test_torchvision_focal_if_installed(torch_f):
    torch, _ = torch_f
    ops = pytest.importorskip("torchvision.ops")
    v = ops.sigmoid_focal_loss(_t(torch, LOGITS), _t(torch, LABELS01), alpha=-1, gamma=2.0, reduction="mean").item()
    assert ref.binary_focal_crossentropy(LABELS01, LOGITS, from_logits=True, gamma=2.0) == pytest.approx(v, rel=1e-9)


# ================================================================================ optax


@pytest.fixture(scope="module")
def optax_losses():
    pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    import jax.numpy as jnp

    return jnp, optax.losses


def test_optax(optax_losses):
    jnp, L = optax_losses
    J = lambda a: jnp.asarray(np.asarray(a, np.float32))
    f32 = {"rel": 2e-6, "abs": 1e-6}
    assert ref.mean_squared_error(Y, P) == pytest.approx(float(L.squared_error(J(P), J(Y)).mean()), **f32)
    assert ref.huber(Y, P, delta=0.7) == pytest.approx(float(L.huber_loss(J(P), J(Y), delta=0.7).mean()), **f32)
    assert ref.log_cosh(Y, P) == pytest.approx(float(L.log_cosh(J(P), J(Y)).mean()), **f32)
    assert ref.binary_crossentropy(LABELS01, LOGITS, from_logits=True) == pytest.approx(
        float(L.sigmoid_binary_cross_entropy(J(LOGITS), J(LABELS01)).mean()), **f32)
    for gamma in (0.5, 2.0):
        assert ref.binary_focal_crossentropy(LABELS01, LOGITS, from_logits=True, gamma=gamma) == pytest.approx(
            float(L.sigmoid_focal_loss(J(LOGITS), J(LABELS01), alpha=None, gamma=gamma).mean()), rel=2e-5)
    assert ref.binary_focal_crossentropy(LABELS01, LOGITS, from_logits=True, apply_class_balancing=True,
                                         alpha=0.3) == pytest.approx(
        float(L.sigmoid_focal_loss(J(LOGITS), J(LABELS01), alpha=0.3, gamma=2.0).mean()), rel=2e-5)
    signed = 2 * LABELS01 - 1
    assert ref.hinge(signed, np.tanh(P)) == pytest.approx(float(L.hinge_loss(J(np.tanh(P)), J(signed)).mean()), **f32)
    assert ref.categorical_crossentropy(ONEHOT, ZC, from_logits=True) == pytest.approx(
        float(L.softmax_cross_entropy(J(ZC), J(ONEHOT)).mean()), **f32)
    assert ref.sparse_categorical_crossentropy(LAB, ZC, from_logits=True) == pytest.approx(
        float(L.softmax_cross_entropy_with_integer_labels(J(ZC), jnp.asarray(LAB.astype(np.int32))).mean()), **f32)
    assert ref.kl_divergence(SOFT, ref.softmax(ZC)) == pytest.approx(
        float(L.kl_divergence(J(ref.log_softmax(ZC)), J(SOFT)).mean()), **f32)


# ================================================================================ Keras


@pytest.fixture(scope="module")
def keras_losses():
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed")
    if not os.environ.get("KERAS_BACKEND"):
        backend = next((b for b in ("jax", "torch") if importlib.util.find_spec(b)), None)
        if backend is None and importlib.util.find_spec("tensorflow") is None:
            pytest.skip("keras has no backend installed")
        if backend and importlib.util.find_spec("tensorflow") is None:
            os.environ["KERAS_BACKEND"] = backend
    keras = pytest.importorskip("keras")
    return keras.losses


def _k(loss, y, p):
    return float(np.asarray(loss(np.asarray(y, np.float32), np.asarray(p, np.float32))))


def test_keras_every_builtin(keras_losses):
    K = keras_losses
    f32 = {"rel": 2e-6, "abs": 1e-6}
    y_pos, p_pos = np.abs(Y), np.abs(P)
    rate = np.exp(P)
    probs = ref.sigmoid(LOGITS)
    pc = ref.softmax(ZC)
    cases = [
        (ref.mean_squared_error(Y, P), _k(K.MeanSquaredError(), Y, P)),
        (ref.mean_absolute_error(Y, P), _k(K.MeanAbsoluteError(), Y, P)),
        (ref.mean_squared_logarithmic_error(y_pos, p_pos), _k(K.MeanSquaredLogarithmicError(), y_pos, p_pos)),
        (ref.huber(Y, P, delta=0.4), _k(K.Huber(delta=0.4), Y, P)),
        (ref.log_cosh(Y, P), _k(K.LogCosh(), Y, P)),
        (ref.poisson(COUNTS, rate), _k(K.Poisson(), COUNTS, rate)),
        (ref.binary_crossentropy(LABELS01, LOGITS, from_logits=True), _k(K.BinaryCrossentropy(from_logits=True), LABELS01, LOGITS)),
        (ref.binary_crossentropy(LABELS01, probs), _k(K.BinaryCrossentropy(), LABELS01, probs)),
        (ref.binary_focal_crossentropy(LABELS01, probs, gamma=1.5, alpha=0.3, apply_class_balancing=True),
         _k(K.BinaryFocalCrossentropy(gamma=1.5, alpha=0.3, apply_class_balancing=True), LABELS01, probs)),
        (ref.binary_focal_crossentropy(LABELS01, LOGITS, from_logits=True),
         _k(K.BinaryFocalCrossentropy(from_logits=True), LABELS01, LOGITS)),
        (ref.hinge(LABELS01, np.tanh(P)), _k(K.Hinge(), LABELS01, np.tanh(P))),
        (ref.squared_hinge(2 * LABELS01 - 1, P), _k(K.SquaredHinge(), 2 * LABELS01 - 1, P)),
        (ref.categorical_crossentropy(ONEHOT, ZC, from_logits=True), _k(K.CategoricalCrossentropy(from_logits=True), ONEHOT, ZC)),
        (ref.categorical_crossentropy(ONEHOT, pc), _k(K.CategoricalCrossentropy(), ONEHOT, pc)),
        (ref.kl_divergence(SOFT, pc), _k(K.KLDivergence(), SOFT, pc)),
        (ref.categorical_focal_crossentropy(ONEHOT, ZC, from_logits=True),
         _k(K.CategoricalFocalCrossentropy(from_logits=True), ONEHOT, ZC)),
        (ref.categorical_focal_crossentropy(ONEHOT, pc, alpha=0.5, gamma=1.0),
         _k(K.CategoricalFocalCrossentropy(alpha=0.5, gamma=1.0), ONEHOT, pc)),
    ]
    for i, (ours, theirs) in enumerate(cases):
        assert ours == pytest.approx(theirs, rel=2e-5, abs=1e-6), i
    sparse = float(np.asarray(K.SparseCategoricalCrossentropy(from_logits=True)(LAB.astype(np.int32), ZC.astype(np.float32))))
    assert ref.sparse_categorical_crossentropy(LAB, ZC, from_logits=True) == pytest.approx(sparse, **f32)
