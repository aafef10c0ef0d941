"""Hinge: the margin loss of a linear SVM; a decision, not a likelihood."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._classes import binary_extremes, hinge_labels, hinge_total
from lossadvisor.reference.spec import ZERO_ONE_LABELS, LossSpec


def hinge(y_true, y_pred) -> float:
    """Hinge, ``mean(max(1 - y y_pred, 0))`` with labels -1/+1 (all-0/1 labels are mapped).

    ``y_pred`` is a score (tanh keeps it in (-1, 1)). Labels that are neither all 0/1 nor
    all -1/+1 are a ValueError (Keras would use them unchanged). PyTorch: no binary
    built-in (``HingeEmbeddingLoss`` is another loss). optax: ``hinge_loss(y_pred, y).mean()``
    with labels strictly -1/+1.

    >>> hinge([1.0, -1.0], [0.5, 0.5])  # max(1 - 0.5, 0) = 0.5 and max(1 + 0.5, 0) = 1.5, mean 1
    1.0
    """
    return hinge_total(y_true, y_pred, squared=False)


def gradient(t, p):
    y = hinge_labels(t)
    return np.where(1.0 - y * p > 0, -y, 0.0) / p.size


def curve(y, p, params):
    m = 1.0 - y * p
    return np.maximum(m, 0.0), np.where(m > 0, -y, 0.0)


def minimiser(value, params, rng):
    _, m = c.binary_labels_30(value, params, plus_minus=True)
    ok = c.close(m, -1.0, 1e-6, 1e-6)
    return ok, (f"100 labels, 30% +1: argmin score {c.fmt(m)} {'=' if ok else '!='} sign(P(y = 1) - ½) = -1 "
                "(a decision, not a probability)")


def _jax(mods, pairing, y, z, extra):
    L = mods["optax"].losses
    return (c.scalar(L.hinge_loss(c.jax_array(mods, pairing.act(z)), c.jax_array(mods, hinge_labels(y))).mean()),
            "optax.losses.hinge_loss(y_pred, y).mean()")


SPEC = LossSpec(
    value=hinge, gradient=gradient, curve=curve, target="plus_minus_one", minimiser=minimiser,
    input_forms=ZERO_ONE_LABELS, kink=lambda y, p: np.abs(1.0 - hinge_labels(y) * p), extremes=binary_extremes,
    frameworks={"jax": _jax, "keras": c.keras_loss(lambda K, kw, fl: K.Hinge(), lambda kw, fl: "Hinge()")},
)
