"""Pinball (quantile) loss: the asymmetric Laplace likelihood; its minimiser is the quantile."""

from __future__ import annotations

import math

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._core import Flat, CHUNK, as_array, chunk_sum, finish, fmt_shape, require_nonempty, work_dtype
from lossadvisor.reference._regression import extremes
from lossadvisor.reference.spec import LossSpec

DEFAULT_QUANTILES = (0.1, 0.5, 0.9)


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


def quantile(y_true, y_pred, *, quantiles=DEFAULT_QUANTILES) -> float:
    """Pinball (quantile) loss, the mean over every output and quantile of ``max(q e, (q - 1) e)``,
    ``e = y_true - y_pred_q``.

    Shapes: ``y_true`` is ``(..., outputs)`` (or ``(N,)`` for one output) and ``y_pred`` is
    either ``(..., outputs * Q)``, the recommended output layer, with the ``Q = len(quantiles)``
    predictions of one output next to each other (column ``o * Q + k`` is output ``o`` at level
    ``quantiles[k]``), or ``(..., outputs, Q)``. No framework has a built-in.

    >>> q = quantile([1.0], [[0.0, 2.0]], quantiles=[0.1, 0.9])  # e = 1, -1: (0.1 * 1 + (0.9 - 1)(-1)) / 2
    >>> round(q, 12)  # 0.1 - 1 rounds: the value is 0.09999999999999999
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


def _levels(params):
    return quantile_levels(params.get("quantiles", DEFAULT_QUANTILES))


def gradient(t, p, quantiles=DEFAULT_QUANTILES):
    q = quantile_levels(quantiles)
    pq = p.reshape(-1, q.size)
    e = t.reshape(-1)[:, None] - pq
    g = np.where(e > 0, -q, np.where(e < 0, 1.0 - q, 0.0))
    return g.reshape(p.shape) / p.size


def curve(y, p, params):
    q = float(params["quantile"])
    e = y - p
    return np.maximum(q * e, (q - 1.0) * e), np.where(e > 0, -q, 1.0 - q)


def nll(y, p, heads, params):
    q = _levels(params)
    pq = p.reshape(-1, q.size)
    e = y.reshape(-1)[:, None] - pq
    rho = np.maximum(q * e, (q - 1) * e)
    dens = q * (1 - q) * np.exp(-rho)
    const = float(np.mean(-np.log(q * (1 - q))))
    return -np.log(dens).mean(), const, "asymmetric Laplace q(1 - q) exp(-ρ_q(y - ŷ_q)), constant mean of -log q(1 - q)"


def minimiser(value, params, rng):
    n = c.N_MINIMISER
    y = rng.normal(0.0, 1.0, n)
    srt = np.sort(y)
    parts, ok = [], True
    for q in _levels(params):
        m = c.golden(lambda m, q=q: value(y, np.full((n, 1), m), quantiles=[q]), float(y.min()), float(y.max()))
        k = n * q
        if abs(k - round(k)) < 1e-9:  # the minimisers form the interval between two order statistics
            lo, hi = srt[round(k) - 1], srt[round(k)]
            good = lo - 1e-7 <= m <= hi + 1e-7
            target = f"[{c.fmt(lo)}, {c.fmt(hi)}]"
        else:
            sq = float(srt[math.ceil(k) - 1])  # the ceil(nq)-th order statistic = np.quantile(..., "inverted_cdf")
            good = c.close(m, sq, 1e-7)
            target = c.fmt(sq)
        ok = ok and good
        parts.append(f"q={c.fmt(q)}: {c.fmt(m)} {'=' if good else '!='} {target}")
    return ok, f"{n} Gaussian targets: argmin = the sample q-quantile: " + ", ".join(parts)


def kink(y, p):
    return np.abs(np.repeat(y.reshape(-1), p.shape[-1] // y.shape[-1]).reshape(p.shape) - p)


SPEC = LossSpec(
    value=quantile, gradient=gradient, curve=curve, target="real", nll=nll, minimiser=minimiser,
    units_per_target=lambda params: len(_levels(params)), kink=kink, extremes=extremes,
    plot={"curves": lambda params: [(f"quantile q={q}", {"quantile": q})
                                    for q in params.get("quantiles") or [0.1, 0.5, 0.9]]},
)
