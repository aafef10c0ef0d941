"""Mean absolute error: the Laplace likelihood with a fixed scale; its minimiser is the median."""

from __future__ import annotations

import math

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._core import elementwise_mean
from lossadvisor.reference._regression import extremes, vector_width
from lossadvisor.reference.spec import LossSpec


def mean_absolute_error(y_true, y_pred) -> float:
    """Mean absolute error, ``mean(|y_true - y_pred|)``.

    Laplace negative log-likelihood with a fixed scale, up to constants.
    PyTorch: ``nn.L1Loss()``. optax: none; ``jnp.abs(y_pred - y_true).mean()``.

    >>> mean_absolute_error([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])  # (0.5 + 0 + 1) / 3
    0.5
    """
    def chunk(t, p, i, j, d):
        np.subtract(t.get(i, j), p.get(i, j), out=d)
        np.abs(d, out=d)
        return float(d.sum())

    return elementwise_mean(y_true, y_pred, chunk)


def gradient(t, p):
    return np.sign(p - t) / p.size


def curve(y, p, params):
    e = p - y
    return (np.abs(e).mean(axis=-1) if p.ndim == 2 else np.abs(e)), np.sign(e) / vector_width(p)


def nll(y, p, heads, params):
    b = 1.0
    dens = np.exp(-np.abs(y - p) / b) / (2 * b)
    return -np.log(dens).mean(), math.log(2.0), "Laplace(y | ŷ, b = 1), constant log 2"


def minimiser(value, params, rng):
    return c.lognormal_argmin_is(value, params, rng, "median")


def _pytorch(mods, pairing, y, z, extra):
    T = lambda a: c.torch_tensor(mods, a)  # noqa: E731
    return c.scalar(mods["F"].l1_loss(T(pairing.act(z)), T(y))), "F.l1_loss(y_pred, y)"


SPEC = LossSpec(
    value=mean_absolute_error, gradient=gradient, curve=curve, target="real", nll=nll, minimiser=minimiser,
    kink=lambda y, p: np.abs(y - p), extremes=extremes,
    frameworks={"pytorch": _pytorch,
                "keras": c.keras_loss(lambda K, kw, fl: K.MeanAbsoluteError(), lambda kw, fl: "MeanAbsoluteError()")},
)
