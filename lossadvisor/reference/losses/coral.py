"""CORAL: K - 1 binary tasks "y > k" with a shared weight vector, one binary cross-entropy each
(a composite likelihood of the level indicators, not the likelihood of y itself)."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference import _ordinal as o
from lossadvisor.reference._classes import bce_curve
from lossadvisor.reference.spec import LossSpec


def coral(y_true, y_pred, *, from_logits: bool = False) -> float:
    """CORAL loss: the sum over the K - 1 tasks of ``BCE(p_k, 1[y > k])``, mean over rows.

    ``y_pred`` has shape ``(N, K - 1)``: the sigmoid probabilities ``P(y > k)`` (or their
    logits with ``from_logits=True``); ``y_true`` the integer levels 0..K-1, shape ``(N,)``.
    coral-pytorch: ``coral_loss(logits, levels_from_labelbatch(y, K))`` (reduction 'mean');
    PyTorch: ``F.binary_cross_entropy_with_logits(logits, levels, reduction='none').sum(1).mean()``.
    Probabilities are clipped to ``[1e-7, 1 - 1e-7]`` as Keras' binary cross-entropy.
    """
    p = o.task_rows(y_pred, from_logits)
    levels = o.ordinal_levels(y_true, p.shape[0], p.shape[1] + 1)
    return float(o.bce_terms(o.above(levels, p.shape[1]), p, from_logits).sum(axis=1).mean())


def gradient(t, p, from_logits=False):
    levels = o.ordinal_levels(t, p.shape[0], p.shape[1] + 1)
    return o.bce_gradient(o.above(levels, p.shape[1]), p, from_logits) / p.shape[0]


def curve(y, p, params):
    bce, dbce, _, _ = bce_curve(y, p)
    return bce, dbce


def nll(y, p, heads, params):
    target = o.above(y, p.shape[1])
    bernoulli = p**target * (1.0 - p) ** (1.0 - target)
    return (-np.log(bernoulli.prod(axis=1)).mean(), 0.0,
            "a composite likelihood: the product of the K - 1 Bernoulli(1[y > k] | p_k) taken as independent, no "
            "constant (not a density of y: rank-consistent only through CORAL's shared weights)")


def minimiser(value, params, rng):
    levels, tasks = o.minimiser_levels(), len(o.MINIMISER_COUNTS) - 1
    want = o.above(levels, tasks).mean(axis=0)
    return o.task_minimisers(value, want, "the fractions above each cut P(y > k) =")


def _levels(y, tasks):
    return o.above(np.asarray(y), tasks)


def _pytorch(mods, pairing, y, z, extra):
    value = c.framework_bce(mods, "pytorch", pairing, _levels(y, z.shape[1]), z).sum(1).mean()
    return c.scalar(value), "F.binary_cross_entropy_with_logits(logits, levels, reduction='none').sum(1).mean()"


def _jax(mods, pairing, y, z, extra):
    value = c.framework_bce(mods, "jax", pairing, _levels(y, z.shape[1]), z).sum(axis=1).mean()
    return c.scalar(value), "optax.losses.sigmoid_binary_cross_entropy(logits, levels).sum(1).mean()"


def _keras(mods, pairing, y, z, extra):
    fl = pairing.from_logits
    pred = np.asarray(z if fl else pairing.act(z), dtype=np.float32)
    levels = np.asarray(_levels(y, z.shape[1]), dtype=np.float32)
    # BinaryCrossentropy averages over the K - 1 tasks; CORAL sums them
    value = mods["keras"].losses.BinaryCrossentropy(from_logits=fl)(levels, pred)
    return c.scalar(value) * z.shape[1], f"keras.losses.BinaryCrossentropy(from_logits={fl})(levels, p) * (K - 1)"


SPEC = LossSpec(
    value=coral, gradient=gradient, curve=curve, target="ordinal", prediction="probability", logits_of="sigmoid",
    nll=nll, minimiser=minimiser,
    canonical=("sigmoid", "(sigmoid(z) - 1[y > k]) / N",
               lambda p, t, heads, n: (p - o.above(t, p.shape[1])) / p.shape[0]),
    extremes=o.task_extremes, sample=o.sample_tasks,
    frameworks={"pytorch": _pytorch, "jax": _jax, "keras": _keras},
    plot={"unavailable": "one example's CORAL loss is a sum of K - 1 binary cross-entropies on K - 1 outputs; "
                         "each term alone is binary cross-entropy (explain binary_crossentropy --plot)"},
)
