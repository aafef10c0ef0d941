"""Poisson negative log-likelihood: counts, with the log link (an exponential output)."""

from __future__ import annotations

import math

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._core import EPSILON, check_range, elementwise_mean
from lossadvisor.reference.spec import LossSpec


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


def gradient(t, p):
    return (1.0 - t / (p + EPSILON)) / p.size


def curve(y, p, params):
    with np.errstate(invalid="ignore", divide="ignore"):
        value = p - y * np.log(p + EPSILON)
        grad = 1.0 - y / (p + EPSILON)
    bad = p + EPSILON <= 0
    return np.where(bad, np.nan, value), np.where(bad, np.nan, grad)


def nll(y, p, heads, params):
    fact = np.array([math.factorial(int(k)) for k in y.reshape(-1)], dtype=np.float64).reshape(y.shape)
    pmf = p**y * np.exp(-p) / fact
    return (-np.log(pmf).mean(), float(np.log(fact).mean()),
            "Poisson λ^y e^-λ / y! with λ = ŷ, constant mean log y!")


def minimiser(value, params, rng):
    n = c.N_MINIMISER
    y = rng.poisson(3.5, n).astype(np.float64)
    m = c.golden(lambda m: value(y, np.full(n, m)), 1e-3, float(y.max()) + 1.0)
    ok = c.close(m, float(y.mean()), 1e-7)
    return ok, f"{n} Poisson(3.5) counts: argmin rate {c.fmt(m)} {'=' if ok else '!='} sample mean {c.fmt(y.mean())}"


def extremes(pairing):
    y = np.array([0.0, 5.0, 0.0, 5.0])
    if pairing.activation == "exponential":
        return [("log-rates -1e4 and 700 (exp overflows past 709.8)", y, np.array([-1e4, -1e4, 700.0, 700.0]), {}, False)]
    return [("rates 0 and 1e300", y, np.array([0.0, 0.0, 1e300, 1e300]) if pairing.activation == "linear"
             else np.array([-1e4, -1e4, 1e4, 1e4]), {}, False)]


def _pytorch(mods, pairing, y, z, extra):
    F = mods["F"]
    T = lambda a: c.torch_tensor(mods, a)  # noqa: E731
    if pairing.activation == "exponential":
        # log_input=True has no eps inside the log
        return c.scalar(F.poisson_nll_loss(T(z), T(y), log_input=True)), "F.poisson_nll_loss(log_rate, y, log_input=True)", 1e-6
    return (c.scalar(F.poisson_nll_loss(T(pairing.act(z)), T(y), log_input=False, eps=EPSILON)),
            "F.poisson_nll_loss(rate, y, log_input=False, eps=1e-7)")


SPEC = LossSpec(
    value=poisson, gradient=gradient, curve=curve, target="count", prediction="positive", nll=nll,
    nll_rtol=1e-6, nll_note=" (Keras' ε in log(ŷ + ε) allowed)", minimiser=minimiser,
    canonical=("exponential", "(exp(z) - y) / N", lambda p, t, heads, n: (p - t) / n, 1e-5), extremes=extremes,
    frameworks={"pytorch": _pytorch, "keras": c.keras_loss(lambda K, kw, fl: K.Poisson(), lambda kw, fl: "Poisson()")},
    # PyTorch's PoissonNLLLoss(log_input=True) and the generated JAX programs take the log rate
    input_forms={"log rate": ("y_pred", np.log)},
)
