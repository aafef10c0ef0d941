"""Regression losses: Keras 3 semantics, mean over every element.

Keras takes the mean over the last axis per sample, then the mean over the samples;
for a rectangular batch that is the mean over all elements, which is what these
functions return. PyTorch's default ``reduction="mean"`` is the same mean, so the
values agree with ``nn.MSELoss()``, ``nn.L1Loss()`` and ``nn.HuberLoss(delta)``
directly; optax returns per-element values: take ``.mean()``.

Unlike Keras, shapes must match exactly: Keras squeezes a ``(N, 1)`` against ``(N,)``,
PyTorch broadcasts it to ``(N, N)``; here it is a ValueError.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from lossadvisor.reference._core import (
    CHUNK,
    EPSILON,
    Flat,
    as_array,
    check_range,
    chunk_sum,
    elementwise_mean,
    finish,
    fmt_shape,
    pair,
    positive_param,
    require_nonempty,
    work_dtype,
)

_LOG2 = math.log(2.0)


def _squared_error_sum(t, p, i, j, d):
    """``sum((y_true - y_pred)**2)`` over the elements ``[i, j)`` (``d``: scratch)."""
    np.subtract(t.get(i, j), p.get(i, j), out=d)
    return float(np.dot(d, d))


def mean_squared_error(y_true, y_pred) -> float:
    """Mean squared error, ``mean((y_true - y_pred)**2)``.

    Gaussian negative log-likelihood with a fixed variance, up to constants.
    PyTorch: ``nn.MSELoss()`` (same value). optax: ``squared_error(y_pred, y_true).mean()``
    (``l2_loss`` is half of it).

    >>> mean_squared_error([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])  # (0.25 + 0 + 1) / 3
    0.4166666666666667
    """
    return elementwise_mean(y_true, y_pred, _squared_error_sum)


def mean_absolute_error(y_true, y_pred) -> float:
    """Mean absolute error, ``mean(|y_true - y_pred|)``.

    Laplace negative log-likelihood with a fixed scale, up to constants.
    PyTorch: ``nn.L1Loss()``. optax: none; ``jnp.abs(y_pred - y_true).mean()``.
    """
    def chunk(t, p, i, j, d):
        np.subtract(t.get(i, j), p.get(i, j), out=d)
        np.abs(d, out=d)
        return float(d.sum())

    return elementwise_mean(y_true, y_pred, chunk)


def mean_squared_logarithmic_error(y_true, y_pred) -> float:
    """Mean squared logarithmic error, ``mean((log1p(max(y_pred, eps)) - log1p(max(y_true, eps)))**2)``.

    As Keras, both sides are clipped below at ``EPSILON`` (a negative prediction counts as
    ``eps``). Unlike Keras, a negative *target* is a ValueError (Keras clips it silently).
    PyTorch and optax: ``mse_loss(log1p(clamp(y_pred, eps)), log1p(clamp(y_true, eps)))``.
    """
    def chunk(t, p, i, j, x, y):
        tc = t.get(i, j)
        check_range(tc, t, i, 0.0, None, "non-negative (log1p of a negative target is meaningless)")
        np.maximum(p.get(i, j), EPSILON, out=x)
        np.log1p(x, out=x)
        np.maximum(tc, EPSILON, out=y)
        np.log1p(y, out=y)
        np.subtract(x, y, out=x)
        return float(np.dot(x, x))

    return elementwise_mean(y_true, y_pred, chunk, (None, None))


def huber(y_true, y_pred, *, delta: float = 1.0) -> float:
    """Huber loss: ``0.5 e**2`` where ``|e| <= delta``, else ``delta * (|e| - 0.5 * delta)``.

    Computed branch-free: with ``a = |e|`` and ``m = min(a, delta)`` the loss is
    ``m * (a - 0.5 m)``, summed as ``m.a - 0.5 m.m``.
    PyTorch: ``nn.HuberLoss(delta=delta)`` (``SmoothL1Loss(beta)`` is Huber / beta).
    optax: ``huber_loss(y_pred, y_true, delta=delta).mean()``.
    """
    delta = positive_param(delta, "delta")

    def chunk(t, p, i, j, a, m, deltas):
        np.subtract(t.get(i, j), p.get(i, j), out=a)
        np.abs(a, out=a)
        np.minimum(a, deltas, out=m)
        return float(np.dot(m, a)) - 0.5 * float(np.dot(m, m))

    # deltas: a constant array operand, faster than the scalar delta
    return elementwise_mean(y_true, y_pred, chunk, (None, None, delta))


def log_cosh(y_true, y_pred) -> float:
    """Log-cosh, ``mean(log(cosh(y_pred - y_true)))``.

    Evaluated as ``|x| + log1p(exp(-2|x|)) - log 2`` (the same as Keras'
    ``x + softplus(-2x) - log 2``), which never overflows; cosh itself overflows past 710.
    PyTorch: no built-in. optax: ``log_cosh(y_pred, y_true).mean()``.
    """
    def chunk(t, p, i, j, x, s):
        np.subtract(p.get(i, j), t.get(i, j), out=x)
        np.abs(x, out=x)
        np.multiply(x, -2.0, out=s)
        np.exp(s, out=s)
        np.log1p(s, out=s)
        np.add(x, s, out=x)
        np.subtract(x, _LOG2, out=x)
        np.maximum(x, 0.0, out=x)  # rounding near x = 0 must not make it negative
        return float(x.sum())

    return elementwise_mean(y_true, y_pred, chunk, (None, None))


def poisson(y_true, y_pred) -> float:
    """Poisson negative log-likelihood, ``mean(y_pred - y_true * log(y_pred + eps))``, Keras' form.

    ``y_pred`` is the *rate* (after an exponential activation), ``y_true`` the counts;
    ``log(y!)`` is dropped (it does not depend on the prediction). Both must be
    non-negative: a negative rate is a ValueError (Keras would return NaN).
    PyTorch: ``nn.PoissonNLLLoss(log_input=False, eps=1e-7)`` on the rate gives the same
    value; the default ``log_input=True`` takes the *log* rate ``z`` and computes
    ``exp(z) - y z`` (equal up to the ``eps`` in the log). optax: no built-in.
    """
    def chunk(t, p, i, j, lg):
        tc, pc = t.get(i, j), p.get(i, j)
        check_range(tc, t, i, 0.0, None, "a non-negative count")
        check_range(pc, p, i, 0.0, None, "a non-negative rate (use an exponential or softplus output)")
        np.add(pc, EPSILON, out=lg)
        np.log(lg, out=lg)
        return float(pc.sum()) - float(np.dot(tc, lg))

    return elementwise_mean(y_true, y_pred, chunk)


#: PyTorch's GaussianNLLLoss clamps the variance at this value.
GAUSSIAN_NLL_EPS = 1e-6


def gaussian_nll(y_true, y_pred, *, variance) -> float:
    """Gaussian negative log-likelihood with a predicted variance, without the constant.

    ``mean(0.5 * (log(v) + (y_true - y_pred)**2 / v))`` with ``v = max(variance, 1e-6)``.
    ``y_pred`` is the mean head; ``variance`` (keyword, required) is the variance head:
    an array of the same shape as ``y_pred``, or one number for a shared variance.
    A negative variance is a ValueError; zero is clamped at 1e-6.

    This is exactly PyTorch's ``nn.GaussianNLLLoss()(y_pred, y_true, variance)``
    (``full=False``, ``eps=1e-6``); the full negative log-likelihood adds ``0.5 log(2 pi)``.
    Keras and optax have no built-in. A model with ``2 * outputs`` units splits its output:
    the first ``outputs`` are the mean, the rest go through softplus to give the variance.
    """
    if variance is None:
        raise ValueError("gaussian_nll needs variance= (the predicted variance, same shape as y_pred)")
    yt, yp, work, t, p = pair(y_true, y_pred)
    var = as_array(variance, "variance")
    n = yp.size
    ea = np.empty(min(CHUNK, n), work)
    eb = np.empty(min(CHUNK, n), work)
    if var.ndim == 0:  # one shared variance
        value = float(var)
        if math.isnan(value) or value < 0:
            raise ValueError(f"variance must be non-negative (a variance; use a softplus head), not {value!r}")
        value = max(value, GAUSSIAN_NLL_EPS)
        sq = chunk_sum(n, partial(_squared_error_sum, t, p), (eb,))
        return finish(0.5 * (n * math.log(value) + sq / value), n, (("y_true", yt), ("y_pred", yp)))
    if var.shape != yp.shape:
        raise ValueError(
            f"variance has shape {fmt_shape(var.shape)} but y_pred has shape {fmt_shape(yp.shape)}: "
            "give one variance per prediction (or a single number)"
        )
    v = Flat(var, work, "variance")

    def chunk(i, j, vv, d):
        vc = v.get(i, j)
        check_range(vc, v, i, 0.0, None, "non-negative (a variance; use a softplus head)")
        np.maximum(vc, GAUSSIAN_NLL_EPS, out=vv)
        np.subtract(t.get(i, j), p.get(i, j), out=d)
        np.multiply(d, d, out=d)
        np.divide(d, vv, out=d)
        np.log(vv, out=vv)
        return 0.5 * (float(vv.sum()) + float(d.sum()))

    return finish(chunk_sum(n, chunk, (ea, eb)), n, (("y_true", yt), ("y_pred", yp), ("variance", var)))


def quantile_levels(quantiles) -> np.ndarray:
    """The quantile levels as a 1-D float64 array, each strictly between 0 and 1."""
    try:
        q = np.atleast_1d(np.asarray(quantiles, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"quantiles must be numbers in (0, 1), not {quantiles!r}") from None
    if q.ndim != 1 or q.size == 0:
        raise ValueError(f"quantiles must be a non-empty list of numbers in (0, 1), not {quantiles!r}")
    bad = ~((q > 0) & (q < 1))
    if bad.any():
        raise ValueError(f"each quantile must be strictly between 0 and 1, not {q[bad][0]!r}")
    return q


def quantile(y_true, y_pred, *, quantiles=(0.1, 0.5, 0.9)) -> float:
    """Pinball (quantile) loss, the mean over every output and quantile of ``max(q e, (q - 1) e)``,
    ``e = y_true - y_pred_q``.

    Shapes: ``y_true`` is ``(..., outputs)`` (or ``(N,)`` for one output) and ``y_pred`` is
    either ``(..., outputs * Q)``, the recommended output layer, with the ``Q = len(quantiles)``
    predictions of one output next to each other (column ``o * Q + k`` is output ``o`` at level
    ``quantiles[k]``), or ``(..., outputs, Q)``. No framework has a built-in.

    >>> quantile([1.0], [[0.0, 2.0]], quantiles=[0.1, 0.9])  # (0.1 * 1 + 0.1 * 1) / 2
    0.1
    """
    q = quantile_levels(quantiles)
    nq = q.size
    yt = as_array(y_true, "y_true")
    yp = as_array(y_pred, "y_pred")
    require_nonempty(yt, "y_true")
    base = yt.shape if yt.ndim else (1,)
    if yt.ndim == 0:
        yt = yt.reshape(1)
    if yp.shape == base + (nq,) or yp.ndim == len(base) and yp.shape[:-1] == base[:-1] and yp.shape[-1] == base[-1] * nq or yt.ndim == 1 and yp.shape == (base[0], nq):
        pass
    else:
        raise ValueError(
            f"y_true has shape {fmt_shape(yt.shape)} and y_pred {fmt_shape(yp.shape)}: with {nq} "
            f"quantile{'s' if nq != 1 else ''} y_pred must be {fmt_shape(base[:-1] + (base[-1] * nq,))} "
            f"(outputs x quantiles, quantiles adjacent) or {fmt_shape(base + (nq,))}"
        )
    work = work_dtype(yp)
    n_true = yt.size
    t = Flat(yt, work, "y_true")
    p = Flat(yp, work, "y_pred")
    rows = max(1, CHUNK // nq)
    err = np.empty((min(rows, n_true), nq), work)
    tmp = np.empty((min(rows, n_true), nq), work)
    qw = q.astype(work)
    qm1 = (q - 1.0).astype(work)

    def chunk(i, j, e, s):
        pc = p.get(i * nq, j * nq).reshape(j - i, nq)
        np.subtract(t.get(i, j)[:, None], pc, out=e)
        np.multiply(e, qw, out=s)
        np.multiply(e, qm1, out=e)
        np.maximum(s, e, out=s)
        return float(s.sum())

    return finish(chunk_sum(n_true, chunk, (err, tmp), step=rows), yp.size, (("y_true", yt), ("y_pred", yp)))
