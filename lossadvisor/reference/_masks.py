"""What the segmentation losses share (Keras 3 semantics, channels last).

Layout: ``y_pred`` of shape ``(N, *spatial, C)`` (images, one or more spatial axes, channels:
``(N, H, W, C)`` for images) holds probabilities; ``y_true`` has the same shape (0/1 masks, one-hot
for exclusive classes, or soft masks in [0, 1]). The overlap losses reduce over the spatial axes
(all axes but the first and the last) per image and channel, then take the mean over images and
channels: ``keras.losses.Dice(axis=(1, 2))`` on 4-D input, whose ``sum_over_batch_size``
reduction divides the sum of the ``(N, C)`` values by ``N * C``.

The sums are taken image by image in float64 (a block of images of about ``8 * CHUNK``
elements at a time), so a float32 input never builds a full-size float64 copy.

Also here: the batches, extreme cases, minimiser and agreement glue of the segmentation checks,
and the fixed image of the one-pixel pictures. Nothing here names a loss.
"""

from __future__ import annotations

import warnings

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._classes import BIG
from lossadvisor.reference._core import CHUNK, EPSILON, Flat, as_array, check_range, fmt_shape, require_nonempty

#: what the targets must be
MASK_NEED = "a mask value in [0, 1] (0/1 masks, one-hot for exclusive classes)"
#: what the predictions must be
PROB_NEED = ("a probability in [0, 1]: the overlap losses take probabilities (apply the sigmoid or the "
             "softmax first; Keras Dice and Tversky have no from_logits)")


def mask_shapes(y_true, y_pred):
    """``(y_true, y_pred)`` as arrays of one shape ``(N, *spatial, C)``, not empty; ValueError naming the shapes."""
    yt = as_array(y_true, "y_true")
    yp = as_array(y_pred, "y_pred")
    if yp.ndim < 3:
        raise ValueError(
            f"y_pred has shape {fmt_shape(yp.shape)}: a segmentation loss needs (N, H, W, C) channels last "
            "(images, at least one spatial axis, channels)"
        )
    if yt.shape != yp.shape:
        hint = ""
        if yt.shape == yp.shape[:-1]:
            hint = ("; add the channel axis (y[..., None]) to a binary mask" if yp.shape[-1] == 1
                    else f"; a class index map needs one-hot masks: np.eye({yp.shape[-1]})[y]")
        raise ValueError(
            f"y_true has shape {fmt_shape(yt.shape)} but y_pred has shape {fmt_shape(yp.shape)}: "
            f"the shapes must match exactly{hint}"
        )
    require_nonempty(yp, "y_pred")
    return yt, yp


def overlap_sums(y_true, y_pred):
    """``(I, T, P)``, each ``(N, C)`` float64: per image and channel the sums over the spatial axes of
    ``y_true * y_pred``, ``y_true`` and ``y_pred``. Validates the shapes and the ranges (masks and
    probabilities in [0, 1], no NaN)."""
    yt, yp = mask_shapes(y_true, y_pred)
    n, k = yp.shape[0], yp.shape[-1]
    per_image = yp.size // n
    block = max(1, 8 * CHUNK // per_image)  # images per block
    t = Flat(yt, np.dtype(np.float64), "y_true", chunk=block * per_image)
    p = Flat(yp, np.dtype(np.float64), "y_pred", chunk=block * per_image)
    inter, tsum, psum = (np.empty((n, k)) for _ in range(3))
    for i in range(0, n, block):
        j = min(i + block, n)
        lo, hi = i * per_image, j * per_image
        tc = t.get(lo, hi)
        check_range(tc, t, lo, 0.0, 1.0, MASK_NEED)
        pc = p.get(lo, hi)
        check_range(pc, p, lo, 0.0, 1.0, PROB_NEED)
        t3, p3 = tc.reshape(j - i, -1, k), pc.reshape(j - i, -1, k)
        np.einsum("nsc,nsc->nc", t3, p3, out=inter[i:j])
        np.sum(t3, axis=1, out=tsum[i:j])
        np.sum(p3, axis=1, out=psum[i:j])
    return inter, tsum, psum


def spatial_axes(ndim: int) -> tuple:
    """The axes the overlap is summed over: all but the first (images) and the last (channels)."""
    return tuple(range(1, ndim - 1))


def per_image_channel(fn, y, p):
    """``fn(I, T, P, y, p)`` broadcast per image and channel: the sums of ``y`` and ``p`` over the spatial
    axes with their axes kept, for the gradients (whole arrays: the checks' small batches)."""
    axes = spatial_axes(p.ndim)
    inter = (y * p).sum(axis=axes, keepdims=True)
    return fn(inter, y.sum(axis=axes, keepdims=True), p.sum(axis=axes, keepdims=True), y, p)


# ------------------------------------------------------------------ check batches


def exclusive(pairing) -> bool:
    """Exclusive classes per pixel (one-hot masks): the softmax output, or ``exclusive=True``."""
    return pairing.activation == "softmax" or bool(pairing.kwargs.get("exclusive"))


def sample(pairing, rng):
    """2 images of 4 x 4 pixels: 0/1 masks of 2 channels (about 30% foreground), or one-hot masks of 3
    classes for exclusive classes; ``z`` the pre-activation output (probabilities in [0.05, 0.95] for a
    linear output)."""
    shape = (2, 4, 4, 3 if exclusive(pairing) else 2)
    if exclusive(pairing):
        y = np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
    else:
        y = (rng.random(shape) < 0.3).astype(np.float64)
        y[:, 0, 0, :] = 1.0  # every image and channel has a foreground pixel
    if pairing.activation == "linear":
        return y, rng.uniform(0.05, 0.95, shape), {}
    return y, rng.normal(0.0, 1.5, shape), {}


def extremes(pairing):
    """Logits of +-1e4, right and wrong; probabilities of exactly 0 and 1 where an empty mask is predicted
    empty (its denominator is then the 1e-7 alone: loss 1, gradient 0) and a full one full."""
    k = 3 if exclusive(pairing) else 1
    labels = np.array([[[0, 0], [1, 1]]])
    y = np.eye(k)[labels * 2] if k > 1 else labels[..., None] * 1.0
    right = np.where(y > 0, BIG, -BIG)
    logits = (f"logits ±{BIG:.0e} (right and wrong)", np.concatenate([y, y]), np.concatenate([right, -right]), {}, False)
    if k > 1:  # image 0 all class 0: channels 1 and 2 empty and predicted empty
        exact = np.concatenate([np.eye(k)[np.zeros((1, 2, 2), dtype=int)], y])
    else:
        exact = np.concatenate([np.zeros_like(y), np.ones_like(y)])
    probs = ("probabilities exactly 0 and 1 (an empty mask predicted empty, a full one full)", exact, exact.copy(), {}, True)
    return [probs] if pairing.activation == "linear" else [logits, probs]


# ------------------------------------------------------------------ minimiser

#: the mask of the minimiser checks: one image of 10 x 10 pixels, 10% foreground
SHARE = 0.1


def share_mask(channels: int = 1) -> np.ndarray:
    """One image of 10 x 10 pixels whose first 10 pixels are foreground: ``(1, 10, 10, 1)``, or with two
    exclusive channels (background, foreground) one-hot ``(1, 10, 10, 2)``."""
    fg = np.zeros((1, 10, 10))
    fg[0, 0, :] = 1.0
    if channels == 1:
        return fg[..., None]
    return np.stack([1.0 - fg, fg], axis=-1)


def constant_argmin(value, params, y, lo: float = 1e-6, hi: float = 1.0 - 1e-6) -> float:
    """The constant foreground probability ``c`` minimising ``value`` on mask ``y`` (exclusive masks:
    ``(1 - c, c)`` per pixel), by golden-section search on ``[lo, hi]``."""
    def at(cst):
        p = np.full(y.shape, cst) if y.shape[-1] == 1 else np.broadcast_to([1.0 - cst, cst], y.shape).copy()
        return value(y, p, **params)

    return c.golden(at, lo, hi, tol=1e-12)


# ------------------------------------------------------------------ framework glue


def probabilities(pairing, z):
    """The probabilities the overlap losses take: the pairing's activation applied to ``z``."""
    return pairing.act(z)


def keras_overlap(make, expression):
    """A Keras agreement for an overlap loss: ``make(losses, params, axis)`` builds the Keras loss
    object on the spatial axes, ``expression(params, axis)`` spells it; float32 probabilities."""
    def agree(mods, pairing, y, z, extra):
        axis = spatial_axes(np.ndim(z))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = make(mods["keras"].losses, pairing.kwargs, axis)(
                np.asarray(y, dtype=np.float32), np.asarray(probabilities(pairing, z), dtype=np.float32))
        return c.scalar(value), f"keras.losses.{expression(pairing.kwargs, axis)} on probabilities"

    return agree


#: optax's smoothing, added to the numerator and the denominator; Keras adds 1e-7 to the denominator only
OPTAX_SMOOTH = EPSILON


def optax_overlap(alpha_beta):
    """An optax agreement: ``optax.losses.dice_loss`` on logits, ``alpha_beta(params)`` its (alpha, beta)
    (optax: alpha weights the false positives, beta the false negatives). A sigmoid output with several
    channels is moved to one channel per (image, mask): dice_loss applies the sigmoid only to a single
    channel and the softmax otherwise."""
    def agree(mods, pairing, y, z, extra):
        jnp, losses = mods["jnp"], mods["optax"].losses
        if pairing.activation not in ("sigmoid", "softmax"):
            return None, f"optax.losses.dice_loss takes logits of a sigmoid or softmax output, not a {pairing.activation} one"
        alpha, beta = alpha_beta(pairing.kwargs)
        kw = {"smooth": OPTAX_SMOOTH, "alpha": alpha, "beta": beta}
        if pairing.activation == "softmax":
            v = losses.dice_loss(c.jax_array(mods, z), c.jax_array(mods, y), **kw)
            expr = f"dice_loss(logits, y, smooth=1e-7, alpha={alpha}, beta={beta}).mean()"
        else:
            moved = lambda a: jnp.moveaxis(c.jax_array(mods, a), -1, 1)[..., None]  # noqa: E731
            axis = tuple(a + 1 for a in spatial_axes(np.ndim(z)))
            v = losses.dice_loss(moved(z), moved(y), axis=axis, **kw)
            expr = (f"dice_loss(moveaxis(logits, -1, 1)[..., None], moveaxis(y, -1, 1)[..., None], axis={axis}, "
                    f"smooth=1e-7, alpha={alpha}, beta={beta}).mean()")
        # smooth in the numerator too: a relative difference of about 1e-7 / (sum y + sum p), below float32's
        return c.scalar(v.mean()), f"optax.losses.{expr} (sigmoid/softmax applied by optax)"

    return agree


# ------------------------------------------------------------------ the one-pixel picture

#: the image of the pictures: 16 pixels, the drawn one and 15 fixed: 3 foreground pixels predicted
#: 0.8 and 12 background pixels predicted 0.1
PICTURE_FIXED = {"inter": 3 * 0.8, "true": 3.0, "pred": 3 * 0.8 + 12 * 0.1, "pixels": 16}


def picture_sums(y, p):
    """(I, T, P) of the picture's image with the drawn pixel's label ``y`` and prediction ``p``."""
    f = PICTURE_FIXED
    return f["inter"] + y * p, f["true"] + y, f["pred"] + p
