"""What the regression losses share: the squared-error chunk, their default stability
case, and the check that an argmin solves its first-order condition."""

from __future__ import annotations

import numpy as np

BIG = 1e4


def squared_error_sum(t, p, i, j, d):
    """``sum((y_true - y_pred)**2)`` over the elements ``[i, j)`` (``d``: scratch)."""
    np.subtract(t.get(i, j), p.get(i, j), out=d)
    return float(np.dot(d, d))


def extremes(pairing):
    """Targets and outputs of ±1e4 (and, for each extra head, pre-activations of ±1e4)."""
    y = np.array([BIG, -BIG, 0.0, BIG])
    z = np.array([-BIG, BIG, BIG, BIG])
    extra = {name: np.array([-BIG, BIG, -BIG, 0.0]) for name in pairing.spec.heads}
    if pairing.spec.units_per_target:
        k = pairing.spec.units(pairing.kwargs)
        z = np.repeat(z, k).reshape(4, k)
    label = f"targets and outputs ±{BIG:.0e}" + ("".join(f", {n} pre-activations ±1e4" for n in extra))
    return [(label, y, z, extra, False)]


def vector_width(p):
    return p.shape[1] if p.ndim == 2 else 1
