"""Tversky loss: the soft Dice overlap with false negatives and false positives weighted apart
(Keras 3's ``Tversky(alpha, beta, axis=(1, 2))``). An overlap surrogate, not a likelihood."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference import _masks as m
from lossadvisor.reference._core import EPSILON, nonneg_param
from lossadvisor.reference.spec import LossSpec


def tversky(y_true, y_pred, *, alpha: float = 0.5, beta: float = 0.5) -> float:
    """Tversky loss, ``1 - TP / (TP + alpha FN + beta FP + 1e-7)`` per image and channel, mean over both.

    ``TP = sum(y p)``, ``FN = sum(y (1 - p))`` (foreground the prediction misses) and
    ``FP = sum((1 - y) p)`` (background it claims), summed over the spatial axes; the layout is
    ``dice``'s (channels last, probabilities). These are Keras' formula and defaults: in Keras' code
    **alpha weights the false negatives** and beta the false positives (its docstring says the
    opposite; Salehi et al. 2017 and optax name the false-negative weight beta). So ``alpha > beta``
    punishes missed foreground; ``alpha = beta = 0.5`` is Dice (up to where the 1e-7 sits).
    Keras: ``keras.losses.Tversky(alpha=alpha, beta=beta, axis=(1, 2))``. optax:
    ``optax.losses.dice_loss(logits, y, alpha=beta, beta=alpha, smooth=...)`` (its alpha weights the
    false positives). PyTorch: none.
    """
    a, b = nonneg_param(alpha, "alpha"), nonneg_param(beta, "beta")
    inter, tsum, psum = m.overlap_sums(y_true, y_pred)
    return float((1.0 - inter / (inter + a * (tsum - inter) + b * (psum - inter) + EPSILON)).mean())


def _slope(a, b):
    def slope(inter, tsum, psum, y, p):
        e = inter + a * (tsum - inter) + b * (psum - inter) + EPSILON
        return -(y * e - inter * ((1.0 - a) * y + b * (1.0 - y))) / (e * e)

    return slope


def gradient(t, p, alpha=0.5, beta=0.5):
    return m.per_image_channel(_slope(alpha, beta), t, p) / (p.shape[0] * p.shape[-1])


def curve(y, p, params):
    a, b = params.get("alpha", 0.5), params.get("beta", 0.5)
    inter, tsum, psum = m.picture_sums(y, p)
    e = inter + a * (tsum - inter) + b * (psum - inter) + EPSILON
    return 1.0 - inter / e, _slope(a, b)(inter, tsum, psum, y, p)


def minimiser(value, params, rng):
    y, q = m.share_mask(), m.SHARE
    a, b = params.get("alpha", 0.5), params.get("beta", 0.5)
    best = m.constant_argmin(value, params, y, hi=1.0)
    at_one = 1 - q / (q + b * (1 - q))  # c = 1: TP = qS, FN = 0, FP = (1 - q)S
    got = value(y, np.full(y.shape, best), **params)
    ok = a > 0 and best > 1 - 1e-6 and c.close(got, at_one, 1e-6)
    return ok, (f"1 image, {q:.0%} foreground, alpha={c.fmt(a)}, beta={c.fmt(b)}: the constant prediction minimising "
                f"Tversky is {c.fmt(best)} {'=' if ok else '!='} 1 (closed form: TP/(TP + alpha FN + beta FP) = "
                f"c/(alpha + c(1 - alpha + beta(1/q - 1))) rises with c while alpha > 0; loss {c.fmt(got)} = "
                f"1 - q/(q + beta(1 - q)) at c = 1): not the share, so Tversky is not a proper scoring rule")


SPEC = LossSpec(
    value=tversky, gradient=gradient, curve=curve, target="mask", prediction="probability",
    minimiser=minimiser, extremes=m.extremes, sample=m.sample,
    frameworks={"keras": m.keras_overlap(lambda K, kw, axis: K.Tversky(alpha=kw.get("alpha", 0.5), beta=kw.get("beta", 0.5),
                                                                       axis=axis),
                                         lambda kw, axis: f"Tversky(alpha={kw.get('alpha', 0.5)}, beta={kw.get('beta', 0.5)}, "
                                                          f"axis={axis})"),
                "jax": m.optax_overlap(lambda kw: (kw.get("beta", 0.5), kw.get("alpha", 0.5)))},
    plot={"needs": ("sigmoid",)},
)
