"""Mean squared error: the Gaussian likelihood with a fixed variance."""

from __future__ import annotations

import math

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._core import elementwise_mean
from lossadvisor.reference._regression import extremes, squared_error_sum, vector_width
from lossadvisor.reference.spec import LossSpec


def mean_squared_error(y_true, y_pred) -> float:
    """Mean squared error, ``mean((y_true - y_pred)**2)``.

    Gaussian negative log-likelihood with a fixed variance, up to constants.
    PyTorch: ``nn.MSELoss()`` (same value). optax: ``squared_error(y_pred, y_true).mean()``
    (``l2_loss`` is half of it).

    >>> mean_squared_error([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])  # (0.25 + 0 + 1) / 3
    0.4166666666666667
    """
    return elementwise_mean(y_true, y_pred, squared_error_sum)


def gradient(t, p):
    return 2.0 * (p - t) / p.size


def curve(y, p, params):
    e = p - y
    return (e * e).mean(axis=-1) if p.ndim == 2 else e * e, 2.0 * e / vector_width(p)


def nll(y, p, heads, params):
    s2 = 0.5
    dens = np.exp(-((y - p) ** 2) / (2 * s2)) / np.sqrt(2 * np.pi * s2)
    return -np.log(dens).mean(), 0.5 * math.log(math.pi), "Gaussian N(y | ŷ, σ² = ½), constant ½ log π"


def minimiser(value, params, rng):
    return c.lognormal_argmin_is(value, params, rng, "mean")


def _pytorch(mods, pairing, y, z, extra):
    T = lambda a: c.torch_tensor(mods, a)  # noqa: E731
    return c.scalar(mods["F"].mse_loss(T(pairing.act(z)), T(y))), "F.mse_loss(y_pred, y)"


def _jax(mods, pairing, y, z, extra):
    L = mods["optax"].losses
    return (c.scalar(L.squared_error(c.jax_array(mods, pairing.act(z)), c.jax_array(mods, y)).mean()),
            "optax.losses.squared_error(y_pred, y).mean()")


SPEC = LossSpec(
    value=mean_squared_error, gradient=gradient, curve=curve, target="real", nll=nll, minimiser=minimiser,
    canonical=("linear", "2 (z - y) / N (Keras' MSE is not halved)", lambda p, t, heads, n: 2.0 * (p - t) / n),
    extremes=extremes,
    frameworks={"pytorch": _pytorch, "jax": _jax,
                "keras": c.keras_loss(lambda K, kw, fl: K.MeanSquaredError(), lambda kw, fl: "MeanSquaredError()")},
)
