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
    contiguous,
    finish,
    fmt_index,
    fmt_shape,
    fmt_value,
    nonneg_param,
    require_nonempty,
    same_shape,
    work_dtype,
)

# ------------------------------------------------------------------ binary family


def _binary_pair(y_true, y_pred):
    yt = as_array(y_true, "y_true")
    yp = as_array(y_pred, "y_pred")
    same_shape(yt, yp)
    require_nonempty(yp, "y_pred")
    work = work_dtype(yp)
    return yt, yp, work, Flat(yt, work, "y_true"), Flat(yp, work, "y_pred")


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
    yt, yp, work, t, p = _binary_pair(y_true, y_pred)
    n = yp.size
    size = min(CHUNK, n)
    b1, b2, b3 = np.empty(size, work), np.empty(size, work), np.empty(size, work)
    # constant arrays: a ufunc with an array operand runs ~2.5x faster than with a scalar,
    # and a dot with ones is a faster sum than .sum()
    zeros, ones = np.zeros(size, work), np.ones(size, work)
    total = 0.0
    for i in range(0, n, CHUNK):
        j = min(i + CHUNK, n)
        k = j - i
        tc, zc = t.get(i, j), p.get(i, j)
        check_range(tc, t, i, 0.0, 1.0, _LABEL_NEED)
        s1, s2, s3 = b1[:k], b2[:k], b3[:k]
        if from_logits:
            # the one trick: log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), never overflows;
            # max(z, 0) - z y is formed per element so that confident correct logits cancel
            # exactly instead of leaving the rounding error of two large sums. Both parts are
            # sums of non-negative terms.
            np.abs(zc, out=s1)
            np.negative(s1, out=s1)
            np.exp(s1, out=s1)
            np.log1p(s1, out=s1)
            np.maximum(zc, zeros[:k], out=s2)
            np.multiply(zc, tc, out=s3)
            np.subtract(s2, s3, out=s2)
            total += float(np.dot(s1, ones[:k])) + float(np.dot(s2, ones[:k]))
        else:
            check_range(zc, p, i, 0.0, 1.0, _PROB_NEED)
            np.clip(zc, EPSILON, 1.0 - EPSILON, out=s1)
            np.negative(s1, out=s2)
            np.log1p(s2, out=s2)        # log(1 - p)
            np.log(s1, out=s1)          # log p
            np.subtract(s1, s2, out=s1)  # log p - log(1 - p)
            total -= float(np.dot(tc, s1)) + float(np.dot(s2, ones[:k]))
    return finish(total, n, (("y_true", yt), ("y_pred", yp)))


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
    yt, yp, _, t, p = _binary_pair(y_true, y_pred)
    n = yp.size
    total = 0.0
    for i in range(0, n, CHUNK):
        j = min(i + CHUNK, n)
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
        total += float(loss.sum())
    return finish(total, n, (("y_true", yt), ("y_pred", yp)))


def hinge_labels(yt: np.ndarray) -> np.ndarray:
    """Hinge labels as -1/+1: all-0/1 labels are mapped with ``2y - 1`` (as Keras); anything
    other than all-0/1 or all--1/+1 is a ValueError (Keras would use it unchanged)."""
    is01 = bool(np.all((yt == 0) | (yt == 1)))
    if is01:
        return 2.0 * yt.astype(np.float64) - 1.0
    bad = ~((yt == -1) | (yt == 1))
    if bad.any():
        k = int(np.argmax(bad.reshape(-1)))
        value = yt.reshape(-1)[k]
        what = "NaN" if np.isnan(value) else fmt_value(value)
        raise ValueError(
            f"y_true must hold -1/+1 labels (or only 0/1, mapped to -1/+1), but holds {what} at "
            f"{fmt_index(yt.shape, k)}"
        )
    return yt


def _hinge_total(y_true, y_pred, squared: bool):
    """Sum of the (squared) hinge terms, in chunks: a first pass decides whether the labels
    are all 0/1 (then mapped to -1/+1, as Keras) or must all be -1/+1."""
    yt, yp, work, t, p = _binary_pair(y_true, y_pred)
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
                value = t.flat[k]
                what = "NaN" if np.isnan(value) else fmt_value(value)
                raise ValueError(
                    f"y_true must hold -1/+1 labels (or only 0/1, mapped to -1/+1), but holds {what} at "
                    f"{fmt_index(yt.shape, k)}"
                )
            if first_zero is None and (tc == 0).any():
                first_zero = i + int(np.argmax(tc == 0))
        if first_zero is not None:
            raise ValueError(
                f"y_true mixes 0 with -1 labels (0 at {fmt_index(yt.shape, first_zero)}): use -1/+1, "
                "or 0/1 throughout (mapped to -1/+1)"
            )
    buf = np.empty(min(CHUNK, n), work)
    zeros = np.zeros(min(CHUNK, n), work)
    total = 0.0
    for i in range(0, n, CHUNK):
        j = min(i + CHUNK, n)
        m = buf[: j - i]
        tc = t.get(i, j)
        if is01:
            np.multiply(tc, 2.0, out=m)
            np.subtract(m, 1.0, out=m)
            np.multiply(m, p.get(i, j), out=m)
        else:
            np.multiply(tc, p.get(i, j), out=m)
        np.subtract(1.0, m, out=m)
        np.maximum(m, zeros[: j - i], out=m)
        total += float(np.dot(m, m)) if squared else float(m.sum())
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
    yt, yp, work = _categorical_pair(y_true, y_pred)
    zt = _rows(yt)
    zz = _rows(yp)
    rows, k = zz.shape
    per = max(1, CHUNK // k)
    t = Flat(zt, work, "y_true", chunk=per * k)
    p = Flat(zz, work, "y_pred", chunk=per * k)
    nb = min(per, rows)
    m_buf, s_buf, ys_buf = np.empty(nb, work), np.empty(nb, work), np.empty(nb, work)
    e_buf = np.empty((nb, k), work)
    ones = np.ones(k, work)
    total = 0.0
    for r0 in range(0, rows, per):
        r1 = min(r0 + per, rows)
        n = r1 - r0
        tc = t.get(r0 * k, r1 * k)
        check_range(tc, t, r0 * k, 0.0, 1.0, "a one-hot or probability value in [0, 1]")
        t2 = tc.reshape(n, k)
        zc = p.get(r0 * k, r1 * k).reshape(n, k)
        if from_logits:
            m, e, s, ys = m_buf[:n], e_buf[:n], s_buf[:n], ys_buf[:n]
            _row_max(zc, m)
            np.subtract(zc, m[:, None], out=e)        # z - m <= 0
            part = -float(np.dot(tc, e.reshape(-1)))  # sum y (m - z) >= 0
            np.exp(e, out=e)
            np.matmul(e, ones, out=s)                 # in [1, K]
            np.log(s, out=s)
            np.matmul(t2, ones, out=ys)
            total += part + float(np.dot(s, ys))
        else:
            check_range(zc.reshape(-1), p, r0 * k, 0.0, 1.0, _PROB_NEED)
            _zero_row_check(zc, p, r0)
            logq = np.log(_renormalised_clipped(zc))
            total -= float(np.dot(tc, logq.reshape(-1)))
    return finish(total, rows, (("y_true", yt), ("y_pred", yp)))


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
    nb = min(per, rows)
    m_buf, s_buf, g_buf = np.empty(nb, work), np.empty(nb, work), np.empty(nb, work)
    e_buf = np.empty((nb, k), work)
    i_buf = np.empty(nb, np.int64)
    base = np.arange(nb, dtype=np.int64) * k
    ones = np.ones(k, work)
    total = 0.0
    for r0 in range(0, rows, per):
        r1 = min(r0 + per, rows)
        n = r1 - r0
        zc = p.get(r0 * k, r1 * k).reshape(n, k)
        idx = i_buf[:n]
        np.add(base[:n], labels[r0:r1], out=idx)
        if from_logits:
            m, e, s, g = m_buf[:n], e_buf[:n], s_buf[:n], g_buf[:n]
            _row_max(zc, m)
            np.subtract(zc, m[:, None], out=e)
            np.take(e.reshape(-1), idx, out=g)  # z_y - m <= 0
            np.exp(e, out=e)
            np.matmul(e, ones, out=s)
            np.log(s, out=s)
            total += float(s.sum()) - float(g.sum())
        else:
            check_range(zc.reshape(-1), p, r0 * k, 0.0, 1.0, _PROB_NEED)
            _zero_row_check(zc, p, r0)
            logq = np.log(_renormalised_clipped(zc))
            total -= float(np.take(logq.reshape(-1), idx).sum())
    return finish(total, rows, (("y_pred", yp),))


def kl_divergence(y_true, y_pred) -> float:
    """Kullback-Leibler divergence ``sum_k y_k log(y_k / p_k)`` per row, mean over rows.

    As Keras, both sides are clipped to ``[eps, 1]`` first (so a zero target contributes
    ``eps log(eps / p)``, not exactly 0). Values outside [0, 1] are a ValueError.
    PyTorch: ``nn.KLDivLoss(reduction="batchmean")(log(p), y)`` takes *log*-probabilities and
    gives the same value for ``(N, C)`` inputs with targets > 0 (``reduction="mean"`` divides by
    N*C as well). optax: ``kl_divergence(log(p), y).mean()``.
    """
    yt, yp, work = _categorical_pair(y_true, y_pred)
    zt, zz = _rows(yt), _rows(yp)
    rows, k = zz.shape
    per = max(1, CHUNK // k)
    t = Flat(zt, work, "y_true", chunk=per * k)
    p = Flat(zz, work, "y_pred", chunk=per * k)
    total = 0.0
    for r0 in range(0, rows, per):
        r1 = min(r0 + per, rows)
        tc, pc = t.get(r0 * k, r1 * k), p.get(r0 * k, r1 * k)
        check_range(tc, t, r0 * k, 0.0, 1.0, "a probability in [0, 1]")
        check_range(pc, p, r0 * k, 0.0, 1.0, "a probability in [0, 1]")
        a = np.clip(tc, EPSILON, 1.0)
        b = np.clip(pc, EPSILON, 1.0)
        total += float(np.dot(a, np.log(a) - np.log(b)))
    return finish(total, rows, (("y_true", yt), ("y_pred", yp)))


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
    yt, yp, work = _categorical_pair(y_true, y_pred)
    zt, zz = _rows(yt), _rows(yp)
    rows, k = zz.shape
    per = max(1, CHUNK // k)
    t = Flat(zt, work, "y_true", chunk=per * k)
    p = Flat(zz, work, "y_pred", chunk=per * k)
    total = 0.0
    for r0 in range(0, rows, per):
        r1 = min(r0 + per, rows)
        n = r1 - r0
        tc = t.get(r0 * k, r1 * k)
        check_range(tc, t, r0 * k, 0.0, 1.0, "a one-hot or probability value in [0, 1]")
        zc = p.get(r0 * k, r1 * k).reshape(n, k)
        if from_logits:
            m = _row_max(zc, np.empty(n, work))
            e = zc - m[:, None]
            logp = e - np.log(np.exp(e).sum(axis=1, keepdims=True))
            prob = np.exp(logp)
        else:
            check_range(zc.reshape(-1), p, r0 * k, 0.0, 1.0, _PROB_NEED)
            _zero_row_check(zc, p, r0)
            prob = _renormalised_clipped(zc)
            logp = np.log(prob)
        w = np.power(np.maximum(1.0 - prob, 0.0), gamma)
        total -= alpha * float(np.dot(tc, (w * logp).reshape(-1)))
    return finish(total, rows, (("y_true", yt), ("y_pred", yp)))
