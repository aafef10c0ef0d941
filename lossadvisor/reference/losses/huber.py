"""Huber loss: Gaussian in the centre, Laplace in the tails."""

from __future__ import annotations

import math

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._core import elementwise_mean, positive_param
from lossadvisor.reference._regression import extremes
from lossadvisor.reference.spec import LossSpec


def huber(y_true, y_pred, *, delta: float = 1.0) -> float:
    """Huber loss: ``0.5 e**2`` where ``|e| <= delta``, else ``delta * (|e| - 0.5 * delta)``.

    Computed branch-free: with ``a = |e|`` and ``m = min(a, delta)`` the loss is
    ``m * (a - 0.5 m)``, summed as ``m.a - 0.5 m.m``.
    PyTorch: ``nn.HuberLoss(delta=delta)`` (``SmoothL1Loss(beta)`` is Huber / beta).
    optax: ``huber_loss(y_pred, y_true, delta=delta).mean()``.

    >>> huber([0.0, 0.0, 0.0], [0.5, -2.0, 3.0])  # (0.125 + 1.5 + 2.5) / 3
    1.375
    """
    delta = positive_param(delta, "delta")

    def chunk(t, p, i, j, a, m, deltas):
        np.subtract(t.get(i, j), p.get(i, j), out=a)
        np.abs(a, out=a)
        np.minimum(a, deltas, out=m)
        return float(np.dot(m, a)) - 0.5 * float(np.dot(m, m))

    # deltas: a constant array operand, faster than the scalar delta
    return elementwise_mean(y_true, y_pred, chunk, (None, None, delta))


def gradient(t, p, delta=1.0):
    return np.clip(p - t, -delta, delta) / p.size


def curve(y, p, params):
    d = float(params.get("delta", 1.0))
    e = p - y
    a = np.abs(e)
    return np.where(a <= d, 0.5 * e * e, d * a - 0.5 * d * d), np.clip(e, -d, d)


def nll(y, p, heads, params):
    d = float(params.get("delta", 1.0))
    e = y - p
    rho = np.where(np.abs(e) <= d, 0.5 * e**2, d * np.abs(e) - 0.5 * d**2)
    # normaliser: Gaussian centre sqrt(2π) erf(δ/√2) plus two exponential tails 2 exp(-δ²/2) / δ
    z = math.sqrt(2 * math.pi) * math.erf(d / math.sqrt(2)) + 2 * math.exp(-(d**2) / 2) / d
    dens = np.exp(-rho) / z
    return -np.log(dens).mean(), math.log(z), f"Huber density exp(-ρ_δ(e)) / Z, δ = {c.fmt(d)}, constant log Z = {c.fmt(math.log(z))}"


def minimiser(value, params, rng):
    n = c.N_MINIMISER
    y, m, mean, median = c.lognormal_argmin(value, params, rng)
    d = float(params.get("delta", 1.0))
    foc = float(np.clip(y - m, -d, d).mean())
    ok = abs(foc) <= 1e-7 * d and min(mean, median) <= m <= max(mean, median)
    return ok, (f"{n} log-normal targets: argmin {c.fmt(m)} solves mean clip(y - c, ±δ) = 0 (residual {foc:.1e}) "
                f"and lies between the median {c.fmt(median)} and the mean {c.fmt(mean)}")


def _pytorch(mods, pairing, y, z, extra):
    T = lambda a: c.torch_tensor(mods, a)  # noqa: E731
    d = float(pairing.kwargs.get("delta", 1.0))
    return c.scalar(mods["F"].huber_loss(T(pairing.act(z)), T(y), delta=d)), f"F.huber_loss(y_pred, y, delta={c.fmt(d)})"


def _jax(mods, pairing, y, z, extra):
    L = mods["optax"].losses
    d = float(pairing.kwargs.get("delta", 1.0))
    v = L.huber_loss(c.jax_array(mods, pairing.act(z)), c.jax_array(mods, y), delta=d).mean()
    return c.scalar(v), f"optax.losses.huber_loss(y_pred, y, delta={c.fmt(d)}).mean()"


SPEC = LossSpec(
    value=huber, gradient=gradient, curve=curve, target="real", nll=nll, minimiser=minimiser, extremes=extremes,
    frameworks={"pytorch": _pytorch, "jax": _jax,
                "keras": c.keras_loss(lambda K, kw, fl: K.Huber(delta=float(kw.get("delta", 1.0))),
                                      lambda kw, fl: f"Huber(delta={c.fmt(kw.get('delta', 1.0))})")},
)
