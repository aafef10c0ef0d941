"""What the classification losses share: label checks, the margin-loss sum, the categorical
row machinery (Keras 3 semantics).

Binary family: the mean over every element, as Keras' mean over the last axis then over
the samples. Categorical family: the **sum** over the last (class) axis, then the mean over
the rows.

With ``from_logits=True`` the losses are computed from the logits with log-sum-exp and
``log1p(exp(-|z|))``: exact for any finite logit (1e4 included). With probabilities, as
Keras, the prediction is clipped to ``[EPSILON, 1 - EPSILON]`` (categorical losses first
renormalise each row to sum to 1), so a probability of exactly 0 or 1 gives a finite loss.
"""

from __future__ import annotations

import numpy as np

from lossadvisor.reference.activations import softmax
from lossadvisor.reference._core import (
    CHUNK,
    EPSILON,
    Flat,
    as_array,
    check_range,
    chunk_sum,
    contiguous,
    finish,
    fmt_index,
    fmt_value,
    pair,
    require_nonempty,
    same_shape,
    work_dtype,
)

# ------------------------------------------------------------------ binary family


LABEL_NEED = "a label in [0, 1] (a 0/1 class or a probability)"
PROB_NEED = "a probability in [0, 1] (pass from_logits=True for raw scores)"


def sigmoid_pair(z: np.ndarray):
    """(sigmoid(z), sigmoid(-z)), both computed without overflow or cancellation."""
    e = np.exp(-np.abs(z))
    big = 1.0 / (1.0 + e)
    small = e * big
    pos = z >= 0
    return np.where(pos, big, small), np.where(pos, small, big)


def _hinge_label_error(value, shape, flat_index: int) -> ValueError:
    what = "NaN" if np.isnan(value) else fmt_value(value)
    return ValueError(
        f"y_true must hold -1/+1 labels (or only 0/1, mapped to -1/+1), but holds {what} at "
        f"{fmt_index(shape, flat_index)}"
    )


def hinge_labels(yt: np.ndarray) -> np.ndarray:
    """Hinge labels as -1/+1: all-0/1 labels are mapped with ``2y - 1`` (as Keras); anything
    other than all-0/1 or all--1/+1 is a ValueError (Keras would use it unchanged)."""
    is01 = bool(np.all((yt == 0) | (yt == 1)))
    if is01:
        return 2.0 * yt.astype(np.float64) - 1.0
    bad = ~((yt == -1) | (yt == 1))
    if bad.any():
        k = int(np.argmax(bad.reshape(-1)))
        raise _hinge_label_error(yt.reshape(-1)[k], yt.shape, k)
    return yt


def hinge_total(y_true, y_pred, squared: bool):
    """Sum of the (squared) margin terms, in chunks: a first pass decides whether the labels
    are all 0/1 (then mapped to -1/+1, as Keras) or must all be -1/+1."""
    yt, yp, work, t, p = pair(y_true, y_pred)
    n = yp.size
    is01 = True
    for i in range(0, n, CHUNK):
        tc = t.get(i, min(i + CHUNK, n))
        if not ((tc == 0) | (tc == 1)).all():
            is01 = False
            break
    if not is01:
        first_zero = None
        for i in range(0, n, CHUNK):
            tc = t.get(i, min(i + CHUNK, n))
            bad = ~((tc == -1) | (tc == 0) | (tc == 1))
            if bad.any():
                k = i + int(np.argmax(bad))
                raise _hinge_label_error(t.flat[k], yt.shape, k)
            if first_zero is None and (tc == 0).any():
                first_zero = i + int(np.argmax(tc == 0))
        if first_zero is not None:
            raise ValueError(
                f"y_true mixes 0 with -1 labels (0 at {fmt_index(yt.shape, first_zero)}): use -1/+1, "
                "or 0/1 throughout (mapped to -1/+1)"
            )

    def chunk(i, j, m, zeros):
        tc = t.get(i, j)
        if is01:
            np.multiply(tc, 2.0, out=m)
            np.subtract(m, 1.0, out=m)
            np.multiply(m, p.get(i, j), out=m)
        else:
            np.multiply(tc, p.get(i, j), out=m)
        np.subtract(1.0, m, out=m)
        np.maximum(m, zeros, out=m)
        return float(np.dot(m, m)) if squared else float(m.sum())

    size = min(CHUNK, n)
    total = chunk_sum(n, chunk, (np.empty(size, work), np.zeros(size, work)))
    return finish(total, n, (("y_true", yt), ("y_pred", yp)))


# ------------------------------------------------------------- categorical family


def rows_view(arr: np.ndarray) -> np.ndarray:
    """A C-contiguous (rows, classes) view of ``arr``."""
    arr = contiguous(arr)
    return arr.reshape(-1, arr.shape[-1])


def _categorical_pair(y_true, y_pred):
    yt = as_array(y_true, "y_true")
    yp = as_array(y_pred, "y_pred")
    if yp.ndim == 0:
        raise ValueError("y_pred must have a class axis (its last axis), not be a single number")
    same_shape(yt, yp)
    require_nonempty(yp, "y_pred")
    return yt, yp, work_dtype(yp)


class ClassRows:
    """Same-shape ``(..., classes)`` inputs seen as ``(rows, k)`` blocks, served ``per`` rows
    (about ``CHUNK`` elements) at a time in the work dtype by the Flats ``t`` and ``p``."""

    __slots__ = ("k", "p", "per", "rows", "t", "work", "yp", "yt")

    def __init__(self, y_true, y_pred):
        self.yt, self.yp, self.work = _categorical_pair(y_true, y_pred)
        zt, zz = rows_view(self.yt), rows_view(self.yp)
        self.rows, self.k = zz.shape
        self.per = max(1, CHUNK // self.k)
        self.t = Flat(zt, self.work, "y_true", chunk=self.per * self.k)
        self.p = Flat(zz, self.work, "y_pred", chunk=self.per * self.k)

    def chunk(self, r0: int, r1: int, true_need: str):
        """Rows ``[r0, r1)``: y_true's flat, checked to lie in [0, 1] (``true_need`` completes
        the error), and y_pred's as a ``(r1 - r0, k)`` block."""
        k = self.k
        tc = self.t.get(r0 * k, r1 * k)
        check_range(tc, self.t, r0 * k, 0.0, 1.0, true_need)
        return tc, self.p.get(r0 * k, r1 * k).reshape(r1 - r0, k)

    def mean(self, reduce, buffers=()) -> float:
        """The mean over the rows of a loss: ``reduce(r0, r1, *views)`` is its sum over the rows
        ``[r0, r1)``; ``buffers`` have ``min(per, rows)`` rows (see ``chunk_sum``)."""
        total = chunk_sum(self.rows, reduce, buffers, step=self.per)
        return finish(total, self.rows, (("y_true", self.yt), ("y_pred", self.yp)))


def row_max(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Row maxima of a (rows, K) block; a loop over the K columns is faster than
    ``max(axis=1)`` when K is small (NumPy's reduction over a short axis is slow)."""
    k = z.shape[1]
    if k == 1:
        np.copyto(out, z[:, 0])
    elif k <= 32:
        np.maximum(z[:, 0], z[:, 1], out=out)
        for c in range(2, k):
            np.maximum(out, z[:, c], out=out)
    else:
        np.max(z, axis=1, out=out)
    return out


def _renormalised_clipped(p: np.ndarray) -> np.ndarray:
    """Keras: each row divided by its sum, then clipped to [eps, 1 - eps]."""
    sums = p.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = p / sums
    return np.clip(q, EPSILON, 1.0 - EPSILON)


def _zero_row_check(p: np.ndarray, src: Flat, row0: int) -> None:
    sums = p.sum(axis=1)
    if not (sums > 0).all():
        r = int(np.argmax(~(sums > 0)))
        raise ValueError(
            f"y_pred row {row0 + r} sums to 0, so it cannot be renormalised into probabilities "
            "(pass from_logits=True for raw scores)"
        )


def probability_rows(p: np.ndarray, src: Flat, row0: int) -> np.ndarray:
    """A ``(rows, K)`` block of y_pred probabilities from row ``row0`` on, checked to lie in
    [0, 1] with no row summing to 0, then renormalised and clipped as Keras."""
    check_range(p.reshape(-1), src, row0 * p.shape[1], 0.0, 1.0, PROB_NEED)
    _zero_row_check(p, src, row0)
    return _renormalised_clipped(p)


def softmax_rows_gradient(t, p, from_logits=False):
    """d/dp (or d/dz with ``from_logits``) of the mean over rows of ``-sum_k y_k log q_k``,
    ``q`` the renormalised, clipped probabilities (Keras)."""
    r = p.size // p.shape[-1]
    if from_logits:
        return (softmax(p) * t.sum(axis=-1, keepdims=True) - t) / r
    q = np.clip(p / p.sum(axis=-1, keepdims=True), EPSILON, 1.0 - EPSILON)
    return renorm_vjp(p, -t / q) / r


def renorm_vjp(p, g_q):
    """Chain rule through Keras' q = clip(p / sum(p)): dL/dp_j = (g_j - sum_k g_k q_k) / S."""
    s = p.sum(axis=-1, keepdims=True)
    q = p / s
    inside = (q > EPSILON) & (q < 1.0 - EPSILON)
    g = np.where(inside, g_q, 0.0)
    return (g - (g * q).sum(axis=-1, keepdims=True)) / s


def bce_curve(y, p):
    """(elementwise cross-entropy, its derivative, the clipped p, inside the clip) of a probability."""
    pc = np.clip(p, EPSILON, 1.0 - EPSILON)
    inside = (p > EPSILON) & (p < 1.0 - EPSILON)
    bce = -(y * np.log(pc) + (1.0 - y) * np.log(1.0 - pc))
    dbce = np.where(inside, -(y / pc) + (1.0 - y) / (1.0 - pc), 0.0)
    return bce, dbce, pc, inside


def bernoulli_nll(y, p):
    return float(-np.log(p**y * (1 - p) ** (1 - y)).mean())


def multinoulli_nll(y, p):
    return float(-np.log(np.prod(p**y, axis=-1)).mean())


# ------------------------------------------------------------------ stability cases

BIG = 1e4


def binary_extremes(pairing):
    """Scores of ±1e4, right and wrong; probabilities of exactly 0 and 1 where the loss
    takes them (from logits, or a probability output)."""
    margin = pairing.spec.target == "plus_minus_one"
    y = np.array([1.0, -1.0, 1.0, -1.0]) if margin else np.array([1.0, 0.0, 0.0, 1.0])
    z = np.array([BIG, -BIG, BIG, -BIG])
    probs = ("probabilities exactly 0 and 1", y, np.array([1.0, 0.0, 1.0, 0.0]), {}, True)
    if pairing.activation == "linear" and not pairing.from_logits and not margin:
        return [probs]
    cases = [(f"scores ±{BIG:.0e} (right and wrong)", y, z, {}, False)]
    if pairing.from_logits:
        cases.append(probs)
    return cases


def categorical_extremes(pairing):
    """Logits of ±1e4 on the right and the wrong class; probabilities of exactly 0 and 1."""
    z = np.array([[BIG, -BIG, 0.0], [-BIG, BIG, 0.0], [0.0, -BIG, BIG]])
    target = pairing.spec.target
    if target == "integer":
        y = np.array([0, 0, 2])
    elif target == "probabilities":
        y = np.array([[0.7, 0.2, 0.1], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    else:
        y = np.eye(3)[[0, 0, 2]]
    cases = [(f"logits ±{BIG:.0e} (right and wrong class)", y, z if pairing.activation != "linear" else np.abs(z), {}, False)]
    if pairing.from_logits or pairing.activation == "softmax":
        cases.append(("probabilities exactly 0 and 1", y, np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]), {}, True))
    return cases
