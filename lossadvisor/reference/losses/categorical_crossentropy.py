"""Categorical cross-entropy: the multinoulli likelihood of one-hot or soft labels, with the
softmax as its canonical link."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._classes import (
    ClassRows,
    categorical_extremes,
    multinoulli_nll,
    probability_rows,
    row_max,
    softmax_rows_gradient,
)
from lossadvisor.reference._core import EPSILON
from lossadvisor.reference.spec import LossSpec


def categorical_crossentropy(y_true, y_pred, *, from_logits: bool = False) -> float:
    """Categorical cross-entropy, ``-sum_k y_k log p_k`` per row, mean over rows.

    ``from_logits=True``: each row is ``sum_k y_k (m - z_k) + (sum_k y_k) log sum_k exp(z_k - m)``
    with ``m`` the row maximum (log-sum-exp; both parts are sums of non-negative terms, so
    no cancellation). ``from_logits=False``: as Keras, each row of probabilities is divided
    by its sum, then clipped to ``[eps, 1 - eps]``. ``y_true`` holds one-hot rows or
    probability rows (values in [0, 1]); shapes must match.
    PyTorch: ``nn.CrossEntropyLoss()`` takes *logits* and, with probability targets of the
    same shape, gives this value (logits as ``(N, C)``; move a class axis elsewhere to dim 1).
    optax: ``softmax_cross_entropy(z, y).mean()``.
    """
    rows = ClassRows(y_true, y_pred)
    k, work = rows.k, rows.work
    ones = np.ones(k, work)

    def chunk(r0, r1, m, e, s, ys):
        tc, zc = rows.chunk(r0, r1, "a one-hot or probability value in [0, 1]")
        if from_logits:
            row_max(zc, m)
            np.subtract(zc, m[:, None], out=e)        # z - m <= 0
            part = -float(np.dot(tc, e.reshape(-1)))  # sum y (m - z) >= 0
            np.exp(e, out=e)
            np.matmul(e, ones, out=s)                 # in [1, K]
            np.log(s, out=s)
            np.matmul(tc.reshape(r1 - r0, k), ones, out=ys)
            return part + float(np.dot(s, ys))
        logq = np.log(probability_rows(zc, rows.p, r0))
        return -float(np.dot(tc, logq.reshape(-1)))

    nb = min(rows.per, rows.rows)
    return rows.mean(chunk, (np.empty(nb, work), np.empty((nb, k), work), np.empty(nb, work), np.empty(nb, work)))


def curve(y, p, params):
    pc = np.clip(p, EPSILON, 1.0)
    return (-y * np.log(pc)).sum(axis=-1), np.where(p > EPSILON, -y / pc, 0.0)


def nll(y, p, heads, params):
    return multinoulli_nll(y, p), 0.0, "Multinoulli Π p_k^y_k, no constant"


def minimiser(value, params, rng):
    rows, freq, _, best, values = c.class_frequency_minimum(value, params, rng, "one_hot")
    return c.at_frequencies_detail(rows, freq, best, values, soft=False)


def _pytorch(mods, pairing, y, z, extra):
    T = lambda a: c.torch_tensor(mods, a)  # noqa: E731
    return (c.scalar(mods["F"].cross_entropy(T(c.class_logits(pairing, z, 1e-300)), T(y))),
            "F.cross_entropy(logits, y_probabilities)")


def _jax(mods, pairing, y, z, extra):
    L = mods["optax"].losses
    zz = c.class_logits(pairing, z, 1e-30)
    return (c.scalar(L.softmax_cross_entropy(c.jax_array(mods, zz), c.jax_array(mods, y)).mean()),
            "optax.losses.softmax_cross_entropy(logits, y).mean()")


SPEC = LossSpec(
    value=categorical_crossentropy, gradient=softmax_rows_gradient, curve=curve, target="one_hot",
    prediction="simplex", logits_of="softmax", nll=nll, minimiser=minimiser,
    canonical=("softmax", "(softmax(z) - y) / rows", lambda p, t, heads, n: (p - t) / n),
    extremes=categorical_extremes,
    frameworks={"pytorch": _pytorch, "jax": _jax,
                "keras": c.keras_loss(lambda K, kw, fl: K.CategoricalCrossentropy(from_logits=fl),
                                      lambda kw, fl: f"CategoricalCrossentropy(from_logits={fl})")},
    plot={"needs": ("softmax",)},
)
