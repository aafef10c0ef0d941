"""Binary focal cross-entropy: Bernoulli cross-entropy re-weighted by (1 - p_t)^γ (Keras' form)."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._classes import (
    LABEL_NEED,
    PROB_NEED,
    bce_curve,
    bernoulli_nll,
    binary_extremes,
    sigmoid_pair,
)
from lossadvisor.reference._core import EPSILON, check_range, elementwise_mean, nonneg_param
from lossadvisor.reference.activations import sigmoid
from lossadvisor.reference.spec import LossSpec


def binary_focal_crossentropy(y_true, y_pred, *, from_logits: bool = False, gamma: float = 2.0,
                              alpha: float = 0.25, apply_class_balancing: bool = False) -> float:
    """Binary focal cross-entropy, ``mean((1 - p_t)**gamma * bce)``, Keras' definition.

    ``p_t = y p + (1 - y)(1 - p)``; alpha weighs the terms (``alpha`` for y = 1, ``1 - alpha``
    for y = 0) only with ``apply_class_balancing=True``, as Keras. ``gamma = 0`` gives binary
    cross-entropy. With ``from_logits=True`` both factors come from the logit exactly (Keras
    applies the sigmoid and clips at eps, so it caps each term for ``|z| > 16``; equal below).
    PyTorch: ``torchvision.ops.sigmoid_focal_loss(z, y, alpha=-1, gamma=gamma, reduction="mean")``
    (its default alpha=0.25 applies class balancing). optax:
    ``sigmoid_focal_loss(z, y, alpha=None, gamma=gamma).mean()``.
    """
    gamma = nonneg_param(gamma, "gamma")
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], not {alpha!r}")

    def chunk(t, p, i, j):
        tc, zc = t.get(i, j), p.get(i, j)
        check_range(tc, t, i, 0.0, 1.0, LABEL_NEED)
        if from_logits:
            bce = np.maximum(zc, 0.0) - zc * tc + np.log1p(np.exp(-np.abs(zc)))
            prob, comp = sigmoid_pair(zc)
            one_minus_pt = tc * comp + (1.0 - tc) * prob
        else:
            check_range(zc, p, i, 0.0, 1.0, PROB_NEED)
            clipped = np.clip(zc, EPSILON, 1.0 - EPSILON)
            bce = -(tc * np.log(clipped) + (1.0 - tc) * np.log1p(-clipped))
            one_minus_pt = 1.0 - (tc * zc + (1.0 - tc) * (1.0 - zc))
        loss = np.power(np.maximum(one_minus_pt, 0.0), gamma) * bce
        if apply_class_balancing:
            loss = (tc * alpha + (1.0 - tc) * (1.0 - alpha)) * loss
        return float(loss.sum())

    return elementwise_mean(y_true, y_pred, chunk, ())


def gradient(t, p, from_logits=False, gamma=2.0, alpha=0.25, apply_class_balancing=False):
    gamma = float(gamma)
    if from_logits:
        s, q = sigmoid(p), sigmoid(-p)
        bce = np.maximum(p, 0.0) - p * t + np.log1p(np.exp(-np.abs(p)))
        dbce = s - t
        omp = t * q + (1.0 - t) * s            # 1 - p_t
        domp = (1.0 - 2.0 * t) * s * q         # d(1 - p_t)/dz
    else:
        q = np.clip(p, EPSILON, 1.0 - EPSILON)
        inside = (p > EPSILON) & (p < 1.0 - EPSILON)
        bce = -(t * np.log(q) + (1.0 - t) * np.log1p(-q))
        dbce = np.where(inside, -t / q + (1.0 - t) / (1.0 - q), 0.0)
        omp = 1.0 - (t * p + (1.0 - t) * (1.0 - p))
        domp = 1.0 - 2.0 * t
    omp = np.maximum(omp, 0.0)
    w = omp**gamma
    with np.errstate(divide="ignore", invalid="ignore"):
        dw = np.where(omp > 0, gamma * omp ** (gamma - 1.0) * domp, 0.0) if gamma != 0 else 0.0
    g = dw * bce + w * dbce
    if apply_class_balancing:
        g = g * (t * alpha + (1.0 - t) * (1.0 - alpha))
    return g / p.size


def curve(y, p, params):
    _, _, pc, inside = bce_curve(y, p)
    g = float(params.get("gamma", 2.0))
    pt = y * pc + (1.0 - y) * (1.0 - pc)          # probability of the true label
    dpt = np.where(inside, 2.0 * y - 1.0, 0.0)     # d pt / d p
    w = (1.0 - pt) ** g
    # focal = (1 - pt)^g * (-log pt); d/dpt = g (1 - pt)^(g-1) log pt - (1 - pt)^g / pt
    dfocal_dpt = g * (1.0 - pt) ** (g - 1.0) * np.log(pt) - w / pt
    return w * -np.log(pt), dfocal_dpt * dpt


def likelihood(pairing, y, z, extra):
    """Not a likelihood; at gamma = 0 it must reduce to the Bernoulli one."""
    got = pairing.with_params(gamma=0.0, alpha=1.0, apply_class_balancing=False).value(y, z, extra)
    nll = bernoulli_nll(y, pairing.act(z))
    ok = c.close(got, nll, 1e-9)
    return ok, ("not a likelihood (the Bernoulli NLL re-weighted by (1 - p_t)^γ); at γ = 0 it is the Bernoulli NLL: "
                f"{c.fmt(got)} {'=' if ok else '!='} {c.fmt(nll)} from the pmf")


def minimiser(value, params, rng):
    _, m = c.binary_labels_30(value, params)
    pi = 0.3
    g = float(params.get("gamma", 2.0))
    eff = pi
    if params.get("apply_class_balancing"):
        a = float(params.get("alpha", 0.25))
        eff = a * pi / (a * pi + (1 - a) * (1 - pi))
    lo, hi = sorted((eff, 0.5))
    ok = (lo - 1e-9 <= m <= hi + 1e-9) if g > 0 else c.close(m, eff, 1e-7)
    return ok, (f"100 labels, 30% positive: argmin probability {c.fmt(m)} lies between the "
                f"{'class-weighted ' if eff != pi else ''}rate {c.fmt(eff)} and 0.5 "
                f"(γ = {c.fmt(g)} pulls probabilities towards ½: not calibrated)")


def hypotheses(from_logits, params, y, pred, ref_value):
    """A mean of ``-y (1 - p)^γ log p`` alone: the negatives' term forgotten."""
    p = sigmoid(pred) if from_logits else np.clip(pred, EPSILON, 1 - EPSILON)
    with np.errstate(all="ignore"):
        logp = -np.logaddexp(0.0, -pred) if from_logits else np.log(p)
        term = -(y * logp) * (1 - p) ** float(params.get("gamma", 2.0))
    return {"missing_negative": (float(np.mean(term)),
                                 "yours = the mean of -y log p alone: add the (1 - y) log(1 - p) term for the negatives")}


def _pytorch(mods, pairing, y, z, extra):
    if mods.get("tvops") is None:
        return None, "torchvision (sigmoid_focal_loss) is not installed"
    kw = pairing.kwargs
    T = lambda a: c.torch_tensor(mods, a)  # noqa: E731
    zz = z if pairing.from_logits else c.logit(pairing.act(z))
    a = float(kw.get("alpha", 0.25)) if kw.get("apply_class_balancing") else -1
    g = float(kw.get("gamma", 2.0))
    v = mods["tvops"].sigmoid_focal_loss(T(zz), T(y), alpha=a, gamma=g, reduction="mean")
    return c.scalar(v), f"torchvision.ops.sigmoid_focal_loss(z, y, alpha={c.fmt(a)}, gamma={c.fmt(g)}, reduction='mean')"


def _jax(mods, pairing, y, z, extra):
    kw = pairing.kwargs
    L = mods["optax"].losses
    zz = z if pairing.from_logits else c.logit(pairing.act(z))
    a = float(kw.get("alpha", 0.25)) if kw.get("apply_class_balancing") else None
    g = float(kw.get("gamma", 2.0))
    return (c.scalar(L.sigmoid_focal_loss(c.jax_array(mods, zz), c.jax_array(mods, y), alpha=a, gamma=g).mean()),
            f"optax.losses.sigmoid_focal_loss(z, y, alpha={a}, gamma={c.fmt(g)}).mean()")


def _keras(K, kw, fl):
    return K.BinaryFocalCrossentropy(gamma=float(kw.get("gamma", 2.0)), alpha=float(kw.get("alpha", 0.25)),
                                     from_logits=fl, apply_class_balancing=bool(kw.get("apply_class_balancing", False)))


SPEC = LossSpec(
    value=binary_focal_crossentropy, gradient=gradient, curve=curve, target="zero_one", prediction="probability", logits_of="sigmoid",
    likelihood=likelihood, minimiser=minimiser, extremes=binary_extremes, hypotheses=hypotheses,
    frameworks={"pytorch": _pytorch, "jax": _jax,
                "keras": c.keras_loss(_keras, lambda kw, fl: f"BinaryFocalCrossentropy(gamma={c.fmt(float(kw.get('gamma', 2.0)))}, from_logits={fl})")},
    plot={"needs": ("sigmoid",)},
)
