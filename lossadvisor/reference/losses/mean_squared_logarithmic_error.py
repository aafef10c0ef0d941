"""Mean squared logarithmic error: a Gaussian on log(1 + y)."""

from __future__ import annotations

import math

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._core import EPSILON, check_range, elementwise_mean
from lossadvisor.reference.spec import LossSpec


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


def gradient(t, p):
    lp = np.log1p(np.maximum(p, EPSILON))
    lt = np.log1p(np.maximum(t, EPSILON))
    return np.where(p > EPSILON, 2.0 * (lp - lt) / (1.0 + p), 0.0) / p.size


def curve(y, p, params):
    # Keras: log(max(., eps) + 1) on both sides; the clip has zero gradient below eps
    pc = np.maximum(p, EPSILON)
    diff = np.log1p(np.maximum(y, EPSILON)) - np.log1p(pc)
    grad = np.where(p > EPSILON, -2.0 * diff / (1.0 + pc), 0.0)
    return diff * diff, grad


def nll(y, p, heads, params):
    s2 = 0.5
    u, mu = np.log(1.0 + y), np.log(1.0 + p)
    dens = np.exp(-((u - mu) ** 2) / (2 * s2)) / np.sqrt(2 * np.pi * s2)
    return (-np.log(dens).mean(), 0.5 * math.log(math.pi),
            "Gaussian on log(1 + y) with mean log(1 + ŷ), σ² = ½, constant ½ log π")


def minimiser(value, params, rng):
    n = c.N_MINIMISER
    y, m, mean, _ = c.lognormal_argmin(value, params, rng)
    gm = float(np.expm1(np.mean(np.log1p(y))))
    ok = c.close(m, gm, 1e-7)
    return ok, (f"{n} log-normal targets: argmin {c.fmt(m)} {'=' if ok else '!='} exp(mean log(1 + y)) - 1 = {c.fmt(gm)} "
                f"(mean {c.fmt(mean)})")


def extremes(pairing):
    y = np.array([0.0, 1e30, 0.0, 1e30])
    z = np.array([0.0, 0.0, 1e30, 1e30]) if pairing.activation == "linear" else np.array([-1e4, -1e4, 1e4, 1e4])
    return [("targets and predictions 0 and 1e30", y, z, {}, False)]


def _pytorch(mods, pairing, y, z, extra):
    torch, F = mods["torch"], mods["F"]
    T = lambda a: c.torch_tensor(mods, a)  # noqa: E731
    e = EPSILON
    v = F.mse_loss(torch.log1p(T(pairing.act(z)).clamp(min=e)), torch.log1p(T(y).clamp(min=e)))
    return c.scalar(v), "F.mse_loss(log1p(y_pred.clamp(min=eps)), log1p(y.clamp(min=eps)))"


SPEC = LossSpec(
    value=mean_squared_logarithmic_error, gradient=gradient, curve=curve, target="positive", prediction="positive",
    nll=nll, minimiser=minimiser, extremes=extremes,
    frameworks={"pytorch": _pytorch,
                "keras": c.keras_loss(lambda K, kw, fl: K.MeanSquaredLogarithmicError(),
                                      lambda kw, fl: "MeanSquaredLogarithmicError()")},
    plot={"x": (-2.0, 12.0), "target": 3.0},
)
