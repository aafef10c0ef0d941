"""Log-cosh: the hyperbolic secant likelihood, smooth like MSE near 0 and like MAE far away."""

from __future__ import annotations

import math

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._core import elementwise_mean
from lossadvisor.reference._regression import extremes
from lossadvisor.reference.spec import LossSpec

_LOG2 = math.log(2.0)


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


def gradient(t, p):
    return np.tanh(p - t) / p.size


def curve(y, p, params):
    x = p - y
    # log cosh x = x + softplus(-2x) - log 2 (no overflow)
    return x + np.logaddexp(0.0, -2.0 * x) - np.log(2.0), np.tanh(x)


def nll(y, p, heads, params):
    dens = 1.0 / (math.pi * np.cosh(p - y))
    return -np.log(dens).mean(), math.log(math.pi), "hyperbolic secant 1 / (π cosh(y - ŷ)), constant log π"


def minimiser(value, params, rng):
    n = c.N_MINIMISER
    y, m, mean, median = c.lognormal_argmin(value, params, rng)
    foc = float(np.tanh(m - y).mean())
    ok = abs(foc) <= 1e-7
    return ok, (f"{n} log-normal targets: argmin {c.fmt(m)} solves mean tanh(c - y) = 0 (residual {foc:.1e}); "
                f"median {c.fmt(median)}, mean {c.fmt(mean)}")


def _jax(mods, pairing, y, z, extra):
    L = mods["optax"].losses
    return (c.scalar(L.log_cosh(c.jax_array(mods, pairing.act(z)), c.jax_array(mods, y)).mean()),
            "optax.losses.log_cosh(y_pred, y).mean()")


SPEC = LossSpec(
    value=log_cosh, gradient=gradient, curve=curve, target="real", nll=nll, minimiser=minimiser, extremes=extremes,
    frameworks={"jax": _jax, "keras": c.keras_loss(lambda K, kw, fl: K.LogCosh(), lambda kw, fl: "LogCosh()")},
)
