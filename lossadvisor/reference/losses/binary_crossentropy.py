"""Binary cross-entropy: the Bernoulli likelihood, with the sigmoid as its canonical link."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._classes import (
    LABEL_NEED,
    PROB_NEED,
    bce_curve,
    bernoulli_nll,
    binary_extremes,
)
from lossadvisor.reference._core import EPSILON, check_range, elementwise_mean
from lossadvisor.reference.activations import sigmoid
from lossadvisor.reference.spec import LossSpec


def binary_crossentropy(y_true, y_pred, *, from_logits: bool = False) -> float:
    """Binary cross-entropy, ``mean(-[y log p + (1 - y) log(1 - p)])``.

    ``from_logits=True``: ``y_pred`` is the logit ``z`` and each term is
    ``max(z, 0) - z y + log1p(exp(-|z|))``, exact and finite for any finite ``z``
    (PyTorch ``nn.BCEWithLogitsLoss()``, optax ``sigmoid_binary_cross_entropy(z, y).mean()``,
    Keras' JAX and PyTorch backends: the same value).
    ``from_logits=False``: ``y_pred`` is a probability, clipped to ``[eps, 1 - eps]`` as Keras
    (PyTorch ``nn.BCELoss()`` clamps each log at -100 instead: equal inside the clip range).
    ``y_true`` must be in [0, 1] (labels or soft targets).
    """
    def chunk(t, p, i, j, s1, s2, s3, zeros, ones):
        tc, zc = t.get(i, j), p.get(i, j)
        check_range(tc, t, i, 0.0, 1.0, LABEL_NEED)
        if from_logits:
            # the one trick: log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), never overflows;
            # max(z, 0) - z y is formed per element so that confident correct logits cancel
            # exactly instead of leaving the rounding error of two large sums. Both parts are
            # sums of non-negative terms.
            np.abs(zc, out=s1)
            np.negative(s1, out=s1)
            np.exp(s1, out=s1)
            np.log1p(s1, out=s1)
            np.maximum(zc, zeros, out=s2)
            np.multiply(zc, tc, out=s3)
            np.subtract(s2, s3, out=s2)
            return float(np.dot(s1, ones)) + float(np.dot(s2, ones))
        check_range(zc, p, i, 0.0, 1.0, PROB_NEED)
        np.clip(zc, EPSILON, 1.0 - EPSILON, out=s1)
        np.negative(s1, out=s2)
        np.log1p(s2, out=s2)        # log(1 - p)
        np.log(s1, out=s1)          # log p
        # y log p + (1 - y) log(1 - p), formed per element: with y exactly 0 or 1 one product
        # is exactly 0, so a perfect prediction costs only the clip (about eps) instead of the
        # float32 rounding left by cancelling y (log p - log(1 - p)) against log(1 - p)
        np.multiply(s1, tc, out=s1)
        np.subtract(ones, tc, out=s3)
        np.multiply(s2, s3, out=s2)
        np.add(s1, s2, out=s1)
        return -float(np.dot(s1, ones))

    # constant arrays zeros and ones: a ufunc with an array operand runs ~2.5x faster than
    # with a scalar, and a dot with ones is a faster sum than .sum()
    return elementwise_mean(y_true, y_pred, chunk, (None, None, None, 0.0, 1.0))


def gradient(t, p, from_logits=False):
    if from_logits:
        return (sigmoid(p) - t) / p.size
    inside = (p > EPSILON) & (p < 1.0 - EPSILON)
    q = np.clip(p, EPSILON, 1.0 - EPSILON)
    return np.where(inside, -t / q + (1.0 - t) / (1.0 - q), 0.0) / p.size


def curve(y, p, params):
    bce, dbce, _, _ = bce_curve(y, p)
    return bce, dbce


def nll(y, p, heads, params):
    return bernoulli_nll(y, p), 0.0, "Bernoulli p^y (1 - p)^(1 - y), no constant"


def minimiser(value, params, rng):
    _, m = c.binary_labels_30(value, params)
    ok = c.close(m, 0.3, 1e-7)
    return ok, f"100 labels, 30% positive: argmin probability {c.fmt(m)} {'=' if ok else '!='} the rate 0.3"


def hypotheses(from_logits, params, y, pred, ref_value):
    """A mean of ``-y log p`` alone: the negatives' term forgotten."""
    with np.errstate(all="ignore"):
        logp = -np.logaddexp(0.0, -pred) if from_logits else np.log(np.clip(pred, EPSILON, 1 - EPSILON))
        term = -(y * logp)
    return {"missing_negative": (float(np.mean(term)),
                                 "yours = the mean of -y log p alone: add the (1 - y) log(1 - p) term for the negatives")}


def _pytorch(mods, pairing, y, z, extra):
    F = mods["F"]
    T = lambda a: c.torch_tensor(mods, a)  # noqa: E731
    if pairing.from_logits:
        return c.scalar(F.binary_cross_entropy_with_logits(T(z), T(y))), "F.binary_cross_entropy_with_logits(z, y)"
    return c.scalar(F.binary_cross_entropy(T(pairing.act(z)), T(y))), "F.binary_cross_entropy(p, y)"


def _jax(mods, pairing, y, z, extra):
    L = mods["optax"].losses
    zz = z if pairing.from_logits else c.logit(pairing.act(z))
    return (c.scalar(L.sigmoid_binary_cross_entropy(c.jax_array(mods, zz), c.jax_array(mods, y)).mean()),
            "optax.losses.sigmoid_binary_cross_entropy(z, y).mean()")


SPEC = LossSpec(
    value=binary_crossentropy, gradient=gradient, curve=curve, target="zero_one", prediction="probability", logits_of="sigmoid",
    nll=nll, minimiser=minimiser, canonical=("sigmoid", "(sigmoid(z) - y) / N", lambda p, t, heads, n: (p - t) / n),
    extremes=binary_extremes, hypotheses=hypotheses,
    frameworks={"pytorch": _pytorch, "jax": _jax,
                "keras": c.keras_loss(lambda K, kw, fl: K.BinaryCrossentropy(from_logits=fl),
                                      lambda kw, fl: f"BinaryCrossentropy(from_logits={fl})")},
    plot={"needs": ("sigmoid",)},
)
