"""Squared hinge: the hinge squared, smooth at the margin; its minimiser is 2 P(y = 1) - 1."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._classes import binary_extremes, hinge_labels, hinge_total
from lossadvisor.reference.spec import ZERO_ONE_LABELS, LossSpec


def squared_hinge(y_true, y_pred) -> float:
    """Squared hinge, ``mean(max(1 - y y_pred, 0)**2)`` with labels -1/+1 (all-0/1 are mapped).

    PyTorch and optax: no built-in.
    """
    return hinge_total(y_true, y_pred, squared=True)


def gradient(t, p):
    y = hinge_labels(t)
    return -2.0 * y * np.maximum(1.0 - y * p, 0.0) / p.size


def curve(y, p, params):
    m = 1.0 - y * p
    return np.maximum(m, 0.0) ** 2, np.where(m > 0, -2.0 * m * y, 0.0)


def minimiser(value, params, rng):
    _, m = c.binary_labels_30(value, params, plus_minus=True)
    ok = c.close(m, 2 * 0.3 - 1, 1e-6, 1e-9)
    return ok, (f"100 labels, 30% +1: argmin score {c.fmt(m)} {'=' if ok else '!='} 2 P(y = 1) - 1 = -0.4 "
                "(its sign is the decision)")


SPEC = LossSpec(
    value=squared_hinge, gradient=gradient, curve=curve, target="plus_minus_one", minimiser=minimiser,
    input_forms=ZERO_ONE_LABELS, extremes=binary_extremes,
    frameworks={"keras": c.keras_loss(lambda K, kw, fl: K.SquaredHinge(), lambda kw, fl: "SquaredHinge()")},
)
