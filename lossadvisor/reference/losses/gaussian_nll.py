"""Gaussian negative log-likelihood with a predicted variance (a second, softplus head)."""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._core import CHUNK, Flat, as_array, check_range, chunk_sum, finish, fmt_shape, pair
from lossadvisor.reference._regression import extremes, squared_error_sum
from lossadvisor.reference.activations import softplus
from lossadvisor.reference.spec import LossSpec

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
        sq = chunk_sum(n, partial(squared_error_sum, t, p), (eb,))
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


def gradient(t, p, variance=None, wrt="y_pred"):
    v = np.broadcast_to(as_array(variance, "input").astype(np.float64, copy=False), p.shape)
    vv = np.maximum(v, GAUSSIAN_NLL_EPS)
    if wrt == "variance":
        return np.where(v > GAUSSIAN_NLL_EPS, 0.5 * (1.0 / vv - (t - p) ** 2 / vv**2), 0.0) / p.size
    return (p - t) / vv / p.size


def curve(y, p, params):
    var = float(params.get("variance", 1.0))
    e = p - y
    return 0.5 * (np.log(var) + e * e / var), e / var


def nll(y, p, heads, params):
    v = heads["variance"]
    dens = np.exp(-((y - p) ** 2) / (2 * v)) / np.sqrt(2 * np.pi * v)
    return -np.log(dens).mean(), 0.5 * math.log(2 * math.pi), "Gaussian N(y | μ, σ²) with both predicted, constant ½ log 2π"


def minimiser(value, params, rng):
    n = c.N_MINIMISER
    y = rng.normal(1.0, 2.0, n)
    mu = c.golden(lambda m: value(y, np.full(n, m), variance=1.0), float(y.min()), float(y.max()))
    var = c.golden(lambda v: value(y, np.full(n, mu), variance=v), 1e-3, 100.0)
    m, v = float(y.mean()), float(y.var())
    ok = c.close(mu, m, 1e-7) and c.close(var, v, 1e-7)
    return ok, (f"{n} Gaussian targets: argmin mean {c.fmt(mu)} {'=' if c.close(mu, m, 1e-7) else '!='} sample mean {c.fmt(m)}, "
                f"argmin variance {c.fmt(var)} {'=' if c.close(var, v, 1e-7) else '!='} the ML variance (ddof=0) {c.fmt(v)}")


def _pytorch(mods, pairing, y, z, extra):
    T = lambda a: c.torch_tensor(mods, a)  # noqa: E731
    v = softplus(extra["variance"])
    return c.scalar(mods["F"].gaussian_nll_loss(T(pairing.act(z)), T(y), T(v))), "F.gaussian_nll_loss(mean, y, variance)"


SPEC = LossSpec(
    value=gaussian_nll, gradient=gradient, curve=curve, target="real", nll=nll, minimiser=minimiser,
    canonical=("linear", "(mu - y) / (variance N)", lambda p, t, heads, n: (p - t) / heads["variance"] / n),
    heads={"variance": "softplus"}, extremes=extremes, frameworks={"pytorch": _pytorch},
    plot={"curves": lambda params: [("gaussian_nll (σ² = 1)", {**params, "variance": 1.0})]},
)
