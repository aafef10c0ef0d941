"""Sparse categorical cross-entropy: the multinoulli likelihood of integer class labels."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._classes import categorical_extremes, probability_rows, row_max, rows_view, softmax_rows_gradient
from lossadvisor.reference._core import (
    CHUNK,
    EPSILON,
    Flat,
    as_array,
    chunk_sum,
    contiguous,
    finish,
    fmt_index,
    fmt_shape,
    fmt_value,
    require_integers,
    require_nonempty,
    work_dtype,
)
from lossadvisor.reference.spec import LossSpec


def sparse_labels(y_true, y_pred: np.ndarray) -> np.ndarray:
    """Integer class labels of shape ``y_pred.shape[:-1]`` (a trailing axis of 1 is squeezed,
    as Keras), as int64; ValueError for another shape, a fraction, or a class out of range."""
    yt = as_array(y_true, "y_true")
    k = y_pred.shape[-1]
    if yt.shape == y_pred.shape[:-1] + (1,) and yt.ndim >= 1:
        yt = yt.reshape(yt.shape[:-1])
    if yt.shape != y_pred.shape[:-1]:
        hint = " (one-hot labels need categorical_crossentropy)" if yt.shape == y_pred.shape else ""
        raise ValueError(
            f"y_true has shape {fmt_shape(yt.shape)} but y_pred has shape {fmt_shape(y_pred.shape)}: "
            f"sparse labels need shape {fmt_shape(y_pred.shape[:-1])}, one class index per row{hint}"
        )
    require_integers(yt, "y_true", "integer class indices")
    flat = contiguous(yt).reshape(-1)
    if flat.size:
        lo, hi = flat.min(), flat.max()
        if lo < 0 or hi > k - 1:
            bad = (flat < 0) | (flat > k - 1)
            i = int(np.argmax(bad))
            raise ValueError(
                f"y_true holds class {fmt_value(flat[i])} at {fmt_index(yt.shape, i)}, outside 0..{k - 1} "
                f"(y_pred has {k} classes)"
            )
    return flat if flat.dtype == np.int64 else flat.astype(np.int64)


def sparse_categorical_crossentropy(y_true, y_pred, *, from_logits: bool = False) -> float:
    """Sparse categorical cross-entropy, ``-log p[y]`` per row, mean over rows.

    ``y_true`` holds integer class indices of shape ``y_pred.shape[:-1]`` (a trailing axis of
    1 is accepted, as Keras). ``from_logits=True``: ``(m - z_y) + log sum exp(z - m)``;
    otherwise the probabilities are renormalised and clipped as Keras.
    PyTorch: ``nn.CrossEntropyLoss()`` with int64 indices of shape ``(N,)`` and logits
    ``(N, C)``. optax: ``softmax_cross_entropy_with_integer_labels(z, y).mean()``.
    """
    yp = as_array(y_pred, "y_pred")
    if yp.ndim == 0:
        raise ValueError("y_pred must have a class axis (its last axis), not be a single number")
    require_nonempty(yp, "y_pred")
    labels = sparse_labels(y_true, yp)
    work = work_dtype(yp)
    zz = rows_view(yp)
    rows, k = zz.shape
    per = max(1, CHUNK // k)
    p = Flat(zz, work, "y_pred", chunk=per * k)
    ones = np.ones(k, work)

    def chunk(r0, r1, m, e, s, g, idx, base):
        zc = p.get(r0 * k, r1 * k).reshape(r1 - r0, k)
        np.add(base, labels[r0:r1], out=idx)
        if from_logits:
            row_max(zc, m)
            np.subtract(zc, m[:, None], out=e)
            np.take(e.reshape(-1), idx, out=g)  # z_y - m <= 0
            np.exp(e, out=e)
            np.matmul(e, ones, out=s)
            np.log(s, out=s)
            return float(s.sum()) - float(g.sum())
        logq = np.log(probability_rows(zc, p, r0))
        return -float(np.take(logq.reshape(-1), idx).sum())

    nb = min(per, rows)
    buffers = (np.empty(nb, work), np.empty((nb, k), work), np.empty(nb, work), np.empty(nb, work),
               np.empty(nb, np.int64), np.arange(nb, dtype=np.int64) * k)  # idx, and base: the row offsets
    return finish(chunk_sum(rows, chunk, buffers, step=per), rows, (("y_pred", yp),))


def _one_hot(t, p):
    labels = sparse_labels(t, p)
    onehot = np.zeros(p.shape, dtype=np.float64).reshape(-1, p.shape[-1])
    onehot[np.arange(onehot.shape[0]), labels] = 1.0
    return onehot.reshape(p.shape)


def gradient(t, p, from_logits=False):
    return softmax_rows_gradient(_one_hot(t, p), p, from_logits=from_logits)


def curve(y, p, params):
    pc = np.clip(p, EPSILON, 1.0)
    return (-y * np.log(pc)).sum(axis=-1), np.where(p > EPSILON, -y / pc, 0.0)


def nll(y, p, heads, params):
    pmf = p[np.arange(p.shape[0]), y.astype(int)]
    return -np.log(pmf).mean(), 0.0, "Multinoulli p[y], no constant"


def minimiser(value, params, rng):
    rows, freq, _, best, values = c.class_frequency_minimum(value, params, rng, "integer")
    return c.at_frequencies_detail(rows, freq, best, values, soft=False)


def _pytorch(mods, pairing, y, z, extra):
    torch = mods["torch"]
    T = lambda a, dtype=None: c.torch_tensor(mods, a, dtype)  # noqa: E731
    return (c.scalar(mods["F"].cross_entropy(T(c.class_logits(pairing, z, 1e-300)), T(y, torch.int64))),
            "F.cross_entropy(logits, y_int64)")


def _jax(mods, pairing, y, z, extra):
    L = mods["optax"].losses
    v = L.softmax_cross_entropy_with_integer_labels(c.jax_array(mods, c.class_logits(pairing, z, 1e-30)),
                                                    mods["jnp"].asarray(np.asarray(y, dtype=np.int32)))
    return c.scalar(v.mean()), "optax.losses.softmax_cross_entropy_with_integer_labels(logits, y).mean()"


SPEC = LossSpec(
    value=sparse_categorical_crossentropy, gradient=gradient, curve=curve, target="integer", prediction="simplex", logits_of="softmax",
    nll=nll, minimiser=minimiser,
    canonical=("softmax", "(softmax(z) - onehot(y)) / rows", lambda p, t, heads, n: (p - t) / n),
    extremes=categorical_extremes,
    frameworks={"pytorch": _pytorch, "jax": _jax,
                "keras": c.keras_loss(lambda K, kw, fl: K.SparseCategoricalCrossentropy(from_logits=fl),
                                      lambda kw, fl: f"SparseCategoricalCrossentropy(from_logits={fl})")},
    plot={"needs": ("softmax",)},
)
