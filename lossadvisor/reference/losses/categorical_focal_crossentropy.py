"""Categorical focal cross-entropy: multinoulli cross-entropy re-weighted by α (1 - p_k)^γ (Keras' form)."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._classes import (
    ClassRows,
    categorical_extremes,
    multinoulli_nll,
    probability_rows,
    renorm_vjp,
    row_max,
)
from lossadvisor.reference._core import EPSILON, nonneg_param
from lossadvisor.reference.activations import log_softmax
from lossadvisor.reference.spec import LossSpec


def categorical_focal_crossentropy(y_true, y_pred, *, from_logits: bool = False, alpha: float = 0.25,
                                   gamma: float = 2.0) -> float:
    """Categorical focal cross-entropy, ``-alpha sum_k y_k (1 - p_k)**gamma log p_k`` per row,
    mean over rows (Keras always multiplies by alpha).

    ``gamma = 0, alpha = 1`` gives categorical cross-entropy. With probabilities, each row is
    renormalised and clipped as Keras; with ``from_logits=True``, ``log p`` is the exact
    log-softmax (Keras takes the softmax and clips at eps, so it caps terms with
    ``p < 1e-7``; equal otherwise). PyTorch and optax: no built-in.
    """
    gamma = nonneg_param(gamma, "gamma")
    alpha = nonneg_param(alpha, "alpha")
    rows = ClassRows(y_true, y_pred)

    def chunk(r0, r1):
        tc, zc = rows.chunk(r0, r1, "a one-hot or probability value in [0, 1]")
        if from_logits:
            m = row_max(zc, np.empty(r1 - r0, rows.work))
            e = zc - m[:, None]
            logp = e - np.log(np.exp(e).sum(axis=1, keepdims=True))
            prob = np.exp(logp)
        else:
            prob = probability_rows(zc, rows.p, r0)
            logp = np.log(prob)
        w = np.power(np.maximum(1.0 - prob, 0.0), gamma)
        return -(alpha * float(np.dot(tc, (w * logp).reshape(-1))))

    return rows.mean(chunk)


def gradient(t, p, from_logits=False, alpha=0.25, gamma=2.0):
    r = p.size // p.shape[-1]
    gamma = float(gamma)
    if from_logits:
        logp = log_softmax(p)
        s = np.exp(logp)
        om = np.maximum(1.0 - s, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dpow = np.where(om > 0, gamma * om ** (gamma - 1.0), 0.0) if gamma != 0 else 0.0
        # h = s * dL/ds, formed without dividing by s
        h = -alpha * t * (-dpow * s * logp + om**gamma)
        return (h - s * h.sum(axis=-1, keepdims=True)) / r
    q = np.clip(p / p.sum(axis=-1, keepdims=True), EPSILON, 1.0 - EPSILON)
    om = 1.0 - q
    with np.errstate(divide="ignore", invalid="ignore"):
        dpow = np.where(om > 0, gamma * om ** (gamma - 1.0), 0.0) if gamma != 0 else 0.0
    g_q = -alpha * t * (-dpow * np.log(q) + om**gamma / q)
    return renorm_vjp(p, g_q) / r


def curve(y, p, params):
    pc = np.clip(p, EPSILON, 1.0)
    g = float(params.get("gamma", 2.0))
    alpha = float(params.get("alpha", 0.25))
    w = alpha * (1.0 - pc) ** g
    value = (-y * w * np.log(pc)).sum(axis=-1)
    d = -y * alpha * (-g * (1.0 - pc) ** (g - 1.0) * np.log(pc) + (1.0 - pc) ** g / pc)
    return value, np.where(p > EPSILON, d, 0.0)


def likelihood(pairing, y, z, extra):
    """Not a likelihood; at gamma = 0, alpha = 1 it must reduce to the multinoulli one."""
    got = pairing.with_params(gamma=0.0, alpha=1.0).value(y, z, extra)
    nll = multinoulli_nll(y, pairing.act(z))
    ok = c.close(got, nll, 1e-9)
    return ok, ("not a likelihood (the Multinoulli NLL re-weighted by (1 - p_t)^γ); at γ = 0, α = 1 it is the "
                f"Multinoulli NLL: {c.fmt(got)} {'=' if ok else '!='} {c.fmt(nll)} from the pmf")


def minimiser(value, params, rng):
    rows, freq, at, best, _ = c.class_frequency_minimum(value, params, rng, "one_hot")
    uniform = np.full(3, 1 / 3)
    toward = at(np.log((1 - 1e-2) * freq + 1e-2 * uniform))
    ok = toward < best
    return ok, (f"{rows} labels with frequencies {c.fmt_list(freq)}: moving the prediction from the frequencies "
                f"towards uniform {'lowers' if ok else 'does not lower'} the loss ({c.fmt(best)} -> {c.fmt(toward)}): "
                "the minimiser is flatter than the frequencies (not calibrated)")


def _keras(K, kw, fl):
    return K.CategoricalFocalCrossentropy(alpha=float(kw.get("alpha", 0.25)), gamma=float(kw.get("gamma", 2.0)),
                                          from_logits=fl)


SPEC = LossSpec(
    value=categorical_focal_crossentropy, gradient=gradient, curve=curve, target="one_hot", prediction="simplex", logits_of="softmax",
    likelihood=likelihood, minimiser=minimiser, extremes=categorical_extremes,
    frameworks={"keras": c.keras_loss(_keras, lambda kw, fl: (
        f"CategoricalFocalCrossentropy(alpha={c.fmt(float(kw.get('alpha', 0.25)))}, "
        f"gamma={c.fmt(float(kw.get('gamma', 2.0)))}, from_logits={fl})"))},
    plot={"needs": ("softmax",)},
)
