"""Classification losses: Keras 3 semantics.

Binary family (binary_crossentropy, binary_focal_crossentropy, hinge, squared_hinge):
the mean over every element, as Keras' mean over the last axis then over the samples.
Categorical family (categorical_crossentropy, sparse_categorical_crossentropy,
kl_divergence, categorical_focal_crossentropy): the **sum** over the last (class) axis,
then the mean over the rows.

With ``from_logits=True`` the losses are computed from the logits with log-sum-exp and
``log1p(exp(-|z|))``: exact for any finite logit (1e4 included). With probabilities, as
Keras, the prediction is clipped to ``[EPSILON, 1 - EPSILON]`` (categorical losses first
renormalise each row to sum to 1), so a probability of exactly 0 or 1 gives a finite loss.
"""

from __future__ import annotations

import numpy as np

from lossadvisor.reference._core import (
    CHUNK,
    EPSILON,
    Flat,
    as_array,
    check_range,
    chunk_sum,
    contiguous,
    elementwise_mean,
    finish,
    fmt_index,
    fmt_shape,
    fmt_value,
    nonneg_param,
    pair,
    require_nonempty,
    same_shape,
    work_dtype,
)

# ------------------------------------------------------------------ binary family


_LABEL_NEED = "a label in [0, 1] (a 0/1 class or a probability)"
_PROB_NEED = "a probability in [0, 1] (pass from_logits=True for raw scores)"


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
        check_range(tc, t, i, 0.0, 1.0, _LABEL_NEED)
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
        check_range(zc, p, i, 0.0, 1.0, _PROB_NEED)
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


def _sigmoid_pair(z: np.ndarray):
    """(sigmoid(z), sigmoid(-z)), both computed without overflow or cancellation."""
    e = np.exp(-np.abs(z))
    big = 1.0 / (1.0 + e)
    small = e * big
    pos = z >= 0
    return np.where(pos, big, small), np.where(pos, small, big)


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
        check_range(tc, t, i, 0.0, 1.0, _LABEL_NEED)
        if from_logits:
            bce = np.maximum(zc, 0.0) - zc * tc + np.log1p(np.exp(-np.abs(zc)))
            prob, comp = _sigmoid_pair(zc)
            one_minus_pt = tc * comp + (1.0 - tc) * prob
        else:
            check_range(zc, p, i, 0.0, 1.0, _PROB_NEED)
            clipped = np.clip(zc, EPSILON, 1.0 - EPSILON)
            bce = -(tc * np.log(clipped) + (1.0 - tc) * np.log1p(-clipped))
            one_minus_pt = 1.0 - (tc * zc + (1.0 - tc) * (1.0 - zc))
        loss = np.power(np.maximum(one_minus_pt, 0.0), gamma) * bce
        if apply_class_balancing:
            loss = (tc * alpha + (1.0 - tc) * (1.0 - alpha)) * loss
        return float(loss.sum())

    return elementwise_mean(y_true, y_pred, chunk, ())


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


def _hinge_total(y_true, y_pred, squared: bool):
    """Sum of the (squared) hinge terms, in chunks: a first pass decides whether the labels
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


def hinge(y_true, y_pred) -> float:
    """Hinge, ``mean(max(1 - y y_pred, 0))`` with labels -1/+1 (all-0/1 labels are mapped).

    ``y_pred`` is a score (tanh keeps it in (-1, 1)). Labels that are neither all 0/1 nor
    all -1/+1 are a ValueError (Keras would use them unchanged). PyTorch: no binary
    built-in (``HingeEmbeddingLoss`` is another loss). optax: ``hinge_loss(y_pred, y).mean()``
    with labels strictly -1/+1.
    """
    return _hinge_total(y_true, y_pred, squared=False)


def squared_hinge(y_true, y_pred) -> float:
    """Squared hinge, ``mean(max(1 - y y_pred, 0)**2)`` with labels -1/+1 (all-0/1 are mapped).

    PyTorch and optax: no built-in.
    """
    return _hinge_total(y_true, y_pred, squared=True)


# ------------------------------------------------------------- categorical family


def _rows(arr: np.ndarray) -> np.ndarray:
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


class _ClassRows:
    """Same-shape ``(..., classes)`` inputs seen as ``(rows, k)`` blocks, served ``per`` rows
    (about ``CHUNK`` elements) at a time in the work dtype by the Flats ``t`` and ``p``."""

    __slots__ = ("k", "p", "per", "rows", "t", "work", "yp", "yt")

    def __init__(self, y_true, y_pred):
        self.yt, self.yp, self.work = _categorical_pair(y_true, y_pred)
        zt, zz = _rows(self.yt), _rows(self.yp)
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


def _row_max(z: np.ndarray, out: np.ndarray) -> np.ndarray:
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


def _probability_rows(p: np.ndarray, src: Flat, row0: int) -> np.ndarray:
    """A ``(rows, K)`` block of y_pred probabilities from row ``row0`` on, checked to lie in
    [0, 1] with no row summing to 0, then renormalised and clipped as Keras."""
    check_range(p.reshape(-1), src, row0 * p.shape[1], 0.0, 1.0, _PROB_NEED)
    _zero_row_check(p, src, row0)
    return _renormalised_clipped(p)


def categorical_crossentropy(y_true, y_pred, *, from_logits: bool = False) -> float:
    """Categorical cross-entropy, ``-sum_k y_k log p_k`` per row, mean over rows.

    ``from_logits=True``: each row is ``sum_k y_k (m - z_k) + (sum_k y_k) log sum_k exp(z_k - m)``
    with ``m`` the row maximum (log-sum-exp; both parts are sums of non-negative terms, so
    no cancellation). ``from_logits=False``: as Keras, each row of probabilities is divided
    by its sum, then clipped to ``[eps, 1 - eps]``. ``y_true`` holds one-hot rows or
    probability rows (values in [0, 1]); shapes must match.
    PyTorch: ``nn.CrossEntropyLoss()`` takes *logits* and, with probability targets of the
    same shape, gives this value (logits as ``(N, C)``; move a class axis elsewhere to dim 1).
    optax: ``softmax_cross_entropy(z, y).mean()``.
    """
    c = _ClassRows(y_true, y_pred)
    k, work = c.k, c.work
    ones = np.ones(k, work)

    def chunk(r0, r1, m, e, s, ys):
        tc, zc = c.chunk(r0, r1, "a one-hot or probability value in [0, 1]")
        if from_logits:
            _row_max(zc, m)
            np.subtract(zc, m[:, None], out=e)        # z - m <= 0
            part = -float(np.dot(tc, e.reshape(-1)))  # sum y (m - z) >= 0
            np.exp(e, out=e)
            np.matmul(e, ones, out=s)                 # in [1, K]
            np.log(s, out=s)
            np.matmul(tc.reshape(r1 - r0, k), ones, out=ys)
            return part + float(np.dot(s, ys))
        logq = np.log(_probability_rows(zc, c.p, r0))
        return -float(np.dot(tc, logq.reshape(-1)))

    nb = min(c.per, c.rows)
    return c.mean(chunk, (np.empty(nb, work), np.empty((nb, k), work), np.empty(nb, work), np.empty(nb, work)))


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
    flat = contiguous(yt).reshape(-1)
    if yt.dtype.kind == "f":
        bad = ~np.isfinite(flat) | (flat != np.floor(flat))
        if bad.any():
            i = int(np.argmax(bad))
            what = "NaN" if np.isnan(flat[i]) else fmt_value(flat[i])
            raise ValueError(f"y_true must hold integer class indices, but holds {what} at {fmt_index(yt.shape, i)}")
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
    zz = _rows(yp)
    rows, k = zz.shape
    per = max(1, CHUNK // k)
    p = Flat(zz, work, "y_pred", chunk=per * k)
    ones = np.ones(k, work)

    def chunk(r0, r1, m, e, s, g, idx, base):
        zc = p.get(r0 * k, r1 * k).reshape(r1 - r0, k)
        np.add(base, labels[r0:r1], out=idx)
        if from_logits:
            _row_max(zc, m)
            np.subtract(zc, m[:, None], out=e)
            np.take(e.reshape(-1), idx, out=g)  # z_y - m <= 0
            np.exp(e, out=e)
            np.matmul(e, ones, out=s)
            np.log(s, out=s)
            return float(s.sum()) - float(g.sum())
        logq = np.log(_probability_rows(zc, p, r0))
        return -float(np.take(logq.reshape(-1), idx).sum())

    nb = min(per, rows)
    buffers = (np.empty(nb, work), np.empty((nb, k), work), np.empty(nb, work), np.empty(nb, work),
               np.empty(nb, np.int64), np.arange(nb, dtype=np.int64) * k)  # idx, and base: the row offsets
    return finish(chunk_sum(rows, chunk, buffers, step=per), rows, (("y_pred", yp),))


def kl_divergence(y_true, y_pred) -> float:
    """Kullback-Leibler divergence ``sum_k y_k log(y_k / p_k)`` per row, mean over rows.

    As Keras, both sides are clipped to ``[eps, 1]`` first (so a zero target contributes
    ``eps log(eps / p)``, not exactly 0). Values outside [0, 1] are a ValueError.
    PyTorch: ``nn.KLDivLoss(reduction="batchmean")(log(p), y)`` takes *log*-probabilities and
    gives the same value for ``(N, C)`` inputs with targets > 0 (``reduction="mean"`` divides by
    N*C as well). optax: ``kl_divergence(log(p), y).mean()``.
    """
    c = _ClassRows(y_true, y_pred)

    def chunk(r0, r1):
        tc, zc = c.chunk(r0, r1, "a probability in [0, 1]")
        pc = zc.reshape(-1)
        check_range(pc, c.p, r0 * c.k, 0.0, 1.0, "a probability in [0, 1]")
        a = np.clip(tc, EPSILON, 1.0)
        b = np.clip(pc, EPSILON, 1.0)
        return float(np.dot(a, np.log(a) - np.log(b)))

    return c.mean(chunk)


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
    c = _ClassRows(y_true, y_pred)

    def chunk(r0, r1):
        tc, zc = c.chunk(r0, r1, "a one-hot or probability value in [0, 1]")
        if from_logits:
            m = _row_max(zc, np.empty(r1 - r0, c.work))
            e = zc - m[:, None]
            logp = e - np.log(np.exp(e).sum(axis=1, keepdims=True))
            prob = np.exp(logp)
        else:
            prob = _probability_rows(zc, c.p, r0)
            logp = np.log(prob)
        w = np.power(np.maximum(1.0 - prob, 0.0), gamma)
        return -(alpha * float(np.dot(tc, (w * logp).reshape(-1))))

    return c.mean(chunk)
