"""Dice + cross-entropy: the per-pixel cross-entropy (a likelihood) plus the soft Dice loss (an overlap
term that keeps a rare foreground from being drowned by the background)."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference import _masks as m
from lossadvisor.reference._classes import bce_curve, bernoulli_nll, multinoulli_nll, softmax_rows_gradient
from lossadvisor.reference._core import CHUNK, fmt_shape
from lossadvisor.reference.activations import activation_vjp, sigmoid, softmax
from lossadvisor.reference.losses.binary_crossentropy import binary_crossentropy, gradient as bce_gradient
from lossadvisor.reference.losses.categorical_crossentropy import categorical_crossentropy
from lossadvisor.reference.losses.dice import curve as dice_curve, dice, gradient as dice_gradient
from lossadvisor.reference.spec import LossSpec
from lossadvisor.textutil import fmt_number


def dice_crossentropy(y_true, y_pred, *, from_logits: bool = False, exclusive: bool = False) -> float:
    """Mean per-pixel cross-entropy plus ``dice(y_true, probabilities)``.

    The layout is ``dice``'s: channels last, ``(N, H, W, C)``, ``y_true`` of the same shape.
    ``exclusive=False`` (binary or overlapping masks, sigmoid): binary cross-entropy per pixel and
    channel, mean over all of them (Keras ``BinaryCrossentropy``). ``exclusive=True`` (one class per
    pixel, softmax, one-hot ``y_true``): categorical cross-entropy over the channels, mean over the
    pixels (Keras ``CategoricalCrossentropy``). ``from_logits=True``: ``y_pred`` holds the logits, and
    the Dice term is taken on their sigmoid (softmax with ``exclusive``).
    No framework has it built in: Keras ``BinaryCrossentropy(from_logits=True)(y, z) +
    Dice(axis=(1, 2))(y, sigmoid(z))`` is the same value.
    """
    yt, yp = m.mask_shapes(y_true, y_pred)
    if exclusive:
        _exclusive_targets(yt, yp)
    crossentropy = categorical_crossentropy if exclusive else binary_crossentropy
    ce = crossentropy(y_true, y_pred, from_logits=from_logits)
    probs = (softmax if exclusive else sigmoid)(y_pred) if from_logits else y_pred
    return ce + dice(y_true, probs)


#: how far a target row's sum over the channels may be from 1 (float32 one-hot and soft rows)
ROW_SUM_TOLERANCE = 1e-5


def _exclusive_targets(yt, yp) -> None:
    """ValueError unless ``exclusive=True`` has a class per channel (at least two) and target rows
    (the channels of each pixel) that sum to 1, as one-hot rows do: the first row that does not is
    named. Taken over blocks of images, so no full-size float64 copy is made."""
    if yp.shape[-1] < 2:
        raise ValueError(
            f"y_pred has shape {fmt_shape(yp.shape)}: exclusive=True needs one channel per class (at least 2, "
            "softmax over them); a single channel is a binary mask: use exclusive=False"
        )
    per_image = yt.size // yt.shape[0]
    block = max(1, 8 * CHUNK // per_image)
    for i in range(0, yt.shape[0], block):
        sums = np.sum(yt[i:i + block], axis=-1, dtype=np.float64)
        bad = np.argwhere(np.abs(sums - 1.0) > ROW_SUM_TOLERANCE)
        if bad.size:
            where = (i + int(bad[0][0]), *(int(v) for v in bad[0][1:]))
            raise ValueError(
                f"y_true[{', '.join(map(str, where))}, :] sums to {fmt_number(float(sums[tuple(bad[0])]))} over "
                "the channels: exclusive=True needs one-hot targets (each pixel's channels sum to 1); "
                "overlapping or empty masks need exclusive=False"
            )


def gradient(t, p, from_logits=False, exclusive=False):
    ce = softmax_rows_gradient(t, p, from_logits=from_logits) if exclusive else bce_gradient(t, p, from_logits=from_logits)
    if not from_logits:
        return ce + dice_gradient(t, p)
    activation = "softmax" if exclusive else "sigmoid"
    probs = (softmax if exclusive else sigmoid)(p)
    return ce + activation_vjp(activation, p, dice_gradient(t, probs))


def curve(y, p, params):
    """The picture's image (see ``_masks.PICTURE_FIXED``): the mean cross-entropy of its 16 pixels plus its Dice loss."""
    fixed = 3 * -np.log(0.8) + 12 * -np.log(0.9)  # the other 15 pixels' cross-entropy
    bce, dbce, _, _ = bce_curve(y, p)
    pixels = m.PICTURE_FIXED["pixels"]
    value, slope = dice_curve(y, p, params)
    return (fixed + bce) / pixels + value, dbce / pixels + slope


def likelihood(pairing, y, z, extra):
    """The loss minus its Dice term is the per-pixel Bernoulli (categorical) negative log-likelihood."""
    probs = pairing.act(z)
    exclusive = bool(pairing.kwargs.get("exclusive"))
    got = pairing.value(y, z, extra) - dice(y, probs)
    nll = multinoulli_nll(y, probs) if exclusive else bernoulli_nll(y, probs)
    ok = c.close(got, nll, 1e-9)
    what = ("categorical Π_k p_k^y_k per pixel" if exclusive else "Bernoulli p^y (1 - p)^(1 - y) per pixel and channel")
    return ok, (f"loss - its Dice term = {c.fmt(got)} {'=' if ok else '!='} mean -log density {c.fmt(nll)} "
                f"({what}, no constant); the Dice term itself is not a likelihood")


def _share_root(q: float, exclusive: bool) -> float:
    """The root in (q, 1) of the slope of the constant prediction's loss on the minimiser's mask, by bisection:
    cross-entropy (c - q)/(c(1 - c)), Dice -2q²/(q + c)² (exclusive: the mean with the background
    channel's +2(1 - q)²/(2 - q - c)²)."""
    def slope(cst):
        dice_slope = -2 * q * q / (q + cst) ** 2
        if exclusive:
            dice_slope = (dice_slope + 2 * (1 - q) ** 2 / (2 - q - cst) ** 2) / 2
        return (cst - q) / (cst * (1 - cst)) + dice_slope

    lo, hi = q, 1 - 1e-9
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if slope(mid) < 0 else (lo, mid)
    return (lo + hi) / 2


def minimiser(value, params, rng):
    exclusive = bool(params.get("exclusive"))
    q = m.SHARE
    y = m.share_mask(2 if exclusive else 1)
    best = m.constant_argmin(value, params, y)
    root = _share_root(q, exclusive)
    ok = q < best < 1 and c.close(best, root, 1e-6)
    return ok, (f"1 image, {q:.0%} foreground{' (two exclusive channels)' if exclusive else ''}: the constant "
                f"prediction minimising it is {c.fmt(best)} {'=' if ok else '!='} {c.fmt(root)}, the root of its "
                "slope (c - q)/(c(1 - c)) - 2q²/(q + c)²" + (" (+ the background channel's term)" if exclusive else "")
                + f" (bisection): between the share {c.fmt(q)} (cross-entropy alone) and 1 (Dice alone), so the "
                "Dice term biases the probabilities upwards")


def _crossentropy_names(pairing):
    return ("CategoricalCrossentropy", "softmax") if pairing.kwargs.get("exclusive") else ("BinaryCrossentropy", "sigmoid")


def _keras(mods, pairing, y, z, extra):
    K = mods["keras"].losses
    name, _ = _crossentropy_names(pairing)
    fl = pairing.from_logits
    axis = m.spatial_axes(np.ndim(z))
    y32, probs = np.asarray(y, dtype=np.float32), np.asarray(pairing.act(z), dtype=np.float32)
    ce = getattr(K, name)(from_logits=fl)(y32, np.asarray(z, dtype=np.float32) if fl else probs)
    return (c.scalar(ce) + c.scalar(K.Dice(axis=axis)(y32, probs)),
            f"keras.losses.{name}(from_logits={fl})(y, {'z' if fl else 'p'}) + keras.losses.Dice(axis={axis})(y, p)")


def _jax(mods, pairing, y, z, extra):
    _, activation = _crossentropy_names(pairing)
    if pairing.activation != activation:
        return None, (f"optax's cross-entropy and dice_loss take the logits of a {activation} output here, "
                      f"not of a {pairing.activation} one")
    L, logits = mods["optax"].losses, z
    if activation == "softmax":
        ce, expr = L.softmax_cross_entropy(c.jax_array(mods, logits), c.jax_array(mods, y)), "softmax_cross_entropy"
    else:
        ce, expr = L.sigmoid_binary_cross_entropy(c.jax_array(mods, logits), c.jax_array(mods, y)), "sigmoid_binary_cross_entropy"
    overlap, overlap_expr = m.optax_overlap(lambda kw: (0.5, 0.5))(mods, pairing, y, z, extra)
    return c.scalar(ce.mean()) + overlap, f"optax.losses.{expr}(logits, y).mean() + {overlap_expr.removeprefix('optax.losses.')}"


SPEC = LossSpec(
    value=dice_crossentropy, gradient=gradient, curve=curve, target="mask", prediction="probability", logits_of="sigmoid",
    likelihood=likelihood, minimiser=minimiser, extremes=m.extremes, sample=m.sample,
    frameworks={"keras": _keras, "jax": _jax},
    plot={"needs": ("sigmoid",)},
)
