"""Soft Dice loss: one minus the soft Dice overlap of a mask and its predicted probabilities, per image
and channel (Keras 3's ``Dice(axis=(1, 2))``). An overlap surrogate, not a likelihood."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference import _masks as m
from lossadvisor.reference._core import EPSILON
from lossadvisor.reference.spec import LossSpec


def dice(y_true, y_pred) -> float:
    """Soft Dice loss, ``1 - 2 sum(y p) / (sum y + sum p + 1e-7)`` per image and channel, mean over both.

    Channels last: ``y_pred`` ``(N, H, W, C)`` (any number of spatial axes between the first and the
    last) holds probabilities, the output of a sigmoid (binary, overlapping masks) or a softmax
    (exclusive classes); ``y_true`` has the same shape (0/1 masks, one-hot for exclusive classes).
    The sums run over the spatial axes; the 1e-7 (Keras' epsilon) is in the denominator only, so an
    empty mask predicted empty scores 1.
    Keras: ``keras.losses.Dice(axis=(1, 2))`` on 4-D input (its default ``axis=None`` gives one
    batch-wide score). optax: ``optax.losses.dice_loss(logits, y, smooth=...).mean()`` takes logits
    and adds ``smooth`` to the numerator too. PyTorch: none.
    """
    inter, tsum, psum = m.overlap_sums(y_true, y_pred)
    return float((1.0 - 2.0 * inter / (tsum + psum + EPSILON)).mean())


def _slope(inter, tsum, psum, y, p):
    d = tsum + psum + EPSILON
    return -2.0 * (y * d - inter) / (d * d)


def gradient(t, p):
    return m.per_image_channel(_slope, t, p) / (p.shape[0] * p.shape[-1])


def curve(y, p, params):
    inter, tsum, psum = m.picture_sums(y, p)
    return 1.0 - 2.0 * inter / (tsum + psum + EPSILON), _slope(inter, tsum, psum, y, p)


def minimiser(value, params, rng):
    y, q = m.share_mask(), m.SHARE
    best = m.constant_argmin(value, params, y, hi=1.0)
    at_one, at_share = (1 - q) / (1 + q), 1 - q  # 1 - 2cq/(q + c) at c = 1 and c = q
    got = value(y, np.full(y.shape, best), **params)
    ok = best > 1 - 1e-6 and c.close(got, at_one, 1e-6)
    return ok, (f"1 image, {q:.0%} foreground: the constant prediction minimising soft Dice is {c.fmt(best)} "
                f"{'=' if ok else '!='} 1 (closed form: 1 - 2cq/(q + c) falls as c grows, slope -2q²/(q + c)²; "
                f"loss {c.fmt(got)} = (1 - q)/(1 + q) at c = 1, against {c.fmt(at_share)} at the share c = q): "
                "not the share, so Dice is not a proper scoring rule")


SPEC = LossSpec(
    value=dice, gradient=gradient, curve=curve, target="mask", prediction="probability",
    minimiser=minimiser, extremes=m.extremes, sample=m.sample,
    frameworks={"keras": m.keras_overlap(lambda K, kw, axis: K.Dice(axis=axis), lambda kw, axis: f"Dice(axis={axis})"),
                "jax": m.optax_overlap(lambda kw: (0.5, 0.5))},
    plot={"needs": ("sigmoid",)},
)
