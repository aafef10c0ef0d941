"""Kullback-Leibler divergence: the multinoulli likelihood of soft targets, less their entropy."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._classes import ClassRows, categorical_extremes
from lossadvisor.reference._core import EPSILON, check_range
from lossadvisor.reference.spec import LossSpec


def kl_divergence(y_true, y_pred) -> float:
    """Kullback-Leibler divergence ``sum_k y_k log(y_k / p_k)`` per row, mean over rows.

    As Keras, both sides are clipped to ``[eps, 1]`` first (so a zero target contributes
    ``eps log(eps / p)``, not exactly 0). Values outside [0, 1] are a ValueError.
    PyTorch: ``nn.KLDivLoss(reduction="batchmean")(log(p), y)`` takes *log*-probabilities and
    gives the same value for ``(N, C)`` inputs with targets > 0 (``reduction="mean"`` divides by
    N*C as well). optax: ``kl_divergence(log(p), y).mean()``.
    """
    rows = ClassRows(y_true, y_pred)

    def chunk(r0, r1):
        tc, zc = rows.chunk(r0, r1, "a probability in [0, 1]")
        pc = zc.reshape(-1)
        check_range(pc, rows.p, r0 * rows.k, 0.0, 1.0, "a probability in [0, 1]")
        a = np.clip(tc, EPSILON, 1.0)
        b = np.clip(pc, EPSILON, 1.0)
        return float(np.dot(a, np.log(a) - np.log(b)))

    return rows.mean(chunk)


def gradient(t, p):
    r = p.size // p.shape[-1]
    a = np.clip(t, EPSILON, 1.0)
    b = np.clip(p, EPSILON, 1.0)
    return np.where(p >= EPSILON, -a / b, 0.0) / r


def curve(y, p, params):
    pc = np.clip(p, EPSILON, 1.0)
    yc = np.clip(y, EPSILON, 1.0)
    return (yc * np.log(yc / pc)).sum(axis=-1), np.where(p > EPSILON, -yc / pc, 0.0)


def nll(y, p, heads, params):
    ce = -(y * np.log(p)).sum(axis=-1)
    ent = -(y * np.log(y)).sum(axis=-1)
    return (ce - ent).mean(), 0.0, "Multinoulli likelihood of soft targets: cross-entropy minus the targets' entropy"


def minimiser(value, params, rng):
    rows, freq, _, best, values = c.class_frequency_minimum(value, params, rng, "probabilities", logits=False)
    return c.at_frequencies_detail(rows, freq, best, values, soft=True)


def _pytorch(mods, pairing, y, z, extra):
    torch = mods["torch"]
    T = lambda a: c.torch_tensor(mods, a)  # noqa: E731
    return (c.scalar(mods["F"].kl_div(torch.log(T(pairing.act(z))), T(y), reduction="batchmean")),
            "F.kl_div(log(p), y, reduction='batchmean')")


def _jax(mods, pairing, y, z, extra):
    L = mods["optax"].losses
    return (c.scalar(L.kl_divergence(c.jax_array(mods, np.log(pairing.act(z))), c.jax_array(mods, y)).mean()),
            "optax.losses.kl_divergence(log(p), y).mean()")


SPEC = LossSpec(
    value=kl_divergence, gradient=gradient, curve=curve, target="probabilities", prediction="simplex", nll=nll,
    minimiser=minimiser, canonical=("softmax", "(softmax(z) - y) / rows", lambda p, t, heads, n: (p - t) / n),
    extremes=categorical_extremes,
    frameworks={"pytorch": _pytorch, "jax": _jax,
                "keras": c.keras_loss(lambda K, kw, fl: K.KLDivergence(), lambda kw, fl: "KLDivergence()")},
    plot={"needs": ("softmax",), "target": (0.7, 0.2, 0.1)},
    # PyTorch's KLDivLoss / kl_div and optax's kl_divergence take log-probabilities
    input_forms={"log-probabilities": ("y_pred", np.log)},
)
