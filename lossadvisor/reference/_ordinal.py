"""What the ordinal losses share: reading ordered levels, the binary tasks "y > k" they
are built from, the check batches and the minimiser sample.

Targets are integer levels ``0 .. K-1`` of shape ``(N,)`` (a trailing axis of 1 is
accepted). Levels numbered from 1 (ratings 1-5 with K = 5) overflow: the message says to
shift them. CORN and CORAL predict ``K - 1`` numbers per row, one per binary task
``y > k`` (k = 0 .. K-2); the cumulative link predicts one score and takes ``K - 1``
cut-points.
"""

from __future__ import annotations

import numpy as np

from lossadvisor.reference._classes import PROB_NEED, sigmoid_pair
from lossadvisor.reference._core import (
    EPSILON,
    as_array,
    contiguous,
    fmt_index,
    fmt_shape,
    fmt_value,
    first_nonfinite,
    require_integers,
    require_nonempty,
)

#: the rows and levels of the check batches (every level appears twice)
ROWS, LEVELS = 8, 4
#: the level counts of the minimiser sample: 100 levels with frequencies 0.1, 0.2, 0.4, 0.3
MINIMISER_COUNTS = (10, 20, 40, 30)


def ordinal_levels(y_true, rows: int, levels: int) -> np.ndarray:
    """Integer levels ``0 .. levels-1`` of shape ``(rows,)`` (or ``(rows, 1)``) as int64.

    ValueError for another shape, NaN, a fraction, or a level out of range; levels that
    run 1..K (numbered from 1) are named as such.
    """
    yt = as_array(y_true, "y_true")
    if yt.shape == (rows, 1):
        yt = yt.reshape(rows)
    if yt.shape != (rows,):
        hint = ""
        if yt.ndim == 2 and yt.shape == (rows, levels - 1):
            hint = (" (a 0/1 'levels' matrix, as coral-pytorch's levels_from_labelbatch makes: pass the integer "
                    "levels, levels.sum(axis=1))")
        raise ValueError(f"y_true has shape {fmt_shape(yt.shape)} but must hold one integer level per row, "
                         f"shape ({rows},){hint}")
    if yt.dtype.kind == "b":
        raise ValueError(f"y_true holds booleans but must hold integer levels 0..{levels - 1}: True/False is a "
                         f"binary target (binary_crossentropy), not {levels} ordered levels")
    require_integers(yt, "y_true", f"integer levels 0..{levels - 1}")
    flat = contiguous(yt).reshape(-1)
    bad = (flat < 0) | (flat > levels - 1)
    if bad.any():
        i = int(np.argmax(bad))
        hint = ""
        if flat.min() >= 1 and flat.max() == levels:
            hint = (f"; the levels look numbered from 1 (1..{levels}): shift them to 0..{levels - 1} with y - 1 "
                    "(otherwise level 0 never appears and the top level has no cut-point above it)")
        raise ValueError(f"y_true holds level {fmt_value(flat[i])} at {fmt_index(yt.shape, i)}, outside "
                         f"0..{levels - 1} ({levels} levels){hint}")
    return flat.astype(np.int64, copy=False)


def task_rows(y_pred, from_logits: bool) -> np.ndarray:
    """``y_pred`` of shape ``(N, K-1)``, one column per task ``y > k``, as float64; ValueError for
    another shape, NaN or an infinity, or a probability outside [0, 1] (without ``from_logits``)."""
    yp = as_array(y_pred, "y_pred")
    if yp.ndim != 2 or yp.shape[1] < 1:
        raise ValueError(f"y_pred has shape {fmt_shape(yp.shape)} but must be (rows, levels - 1): one column "
                         "per task 'y > k'")
    require_nonempty(yp, "y_pred")
    p = yp.astype(np.float64, copy=False)
    first_nonfinite((("y_pred", p),))
    if not from_logits:
        flat = contiguous(p).reshape(-1)
        bad = ~((flat >= 0.0) & (flat <= 1.0))
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"y_pred must be {PROB_NEED}, but holds {fmt_value(flat[i])} at {fmt_index(p.shape, i)}")
    return p


def above(levels: np.ndarray, tasks: int) -> np.ndarray:
    """``1[y > k]``, shape ``(N, tasks)``: the target of each binary task (CORAL's "levels")."""
    return (levels[:, None] > np.arange(tasks)).astype(np.float64)


def reached(levels: np.ndarray, tasks: int) -> np.ndarray:
    """``1[y >= k]``, shape ``(N, tasks)``: the rows task k is trained on (CORN's conditioning)."""
    return (levels[:, None] >= np.arange(tasks)).astype(np.float64)


def bce_terms(target: np.ndarray, pred: np.ndarray, from_logits: bool) -> np.ndarray:
    """Elementwise binary cross-entropy: from logits as ``max(z, 0) - z t + log1p(exp(-|z|))`` (finite
    for any finite z), from probabilities clipped to ``[eps, 1 - eps]`` as Keras."""
    if from_logits:
        return np.maximum(pred, 0.0) - pred * target + np.log1p(np.exp(-np.abs(pred)))
    q = np.clip(pred, EPSILON, 1.0 - EPSILON)
    # each product is formed per element: a 0/1 target makes one of them exactly 0
    return -(target * np.log(q) + (1.0 - target) * np.log1p(-q))


def bce_gradient(target: np.ndarray, pred: np.ndarray, from_logits: bool) -> np.ndarray:
    """d ``bce_terms`` / d pred, elementwise (0 outside the clip range of probabilities)."""
    if from_logits:
        return sigmoid_pair(pred)[0] - target
    inside = (pred > EPSILON) & (pred < 1.0 - EPSILON)
    q = np.clip(pred, EPSILON, 1.0 - EPSILON)
    return np.where(inside, -target / q + (1.0 - target) / (1.0 - q), 0.0)


def sample_levels(rng) -> np.ndarray:
    """The check batches' levels: 0..LEVELS-1, each twice, shuffled (int64)."""
    return rng.permutation(np.arange(ROWS) % LEVELS).astype(np.int64)


def sample_tasks(pairing, rng):
    """A check batch of CORN and CORAL: levels, and one logit per task (probabilities in
    (0.05, 0.95) for a pairing with a linear output)."""
    shape = (ROWS, LEVELS - 1)
    z = rng.uniform(0.05, 0.95, shape) if pairing.activation == "linear" else rng.normal(0.0, 1.5, shape)
    return sample_levels(rng), z, {}


def minimiser_levels() -> np.ndarray:
    """The minimiser sample: 100 levels with the counts ``MINIMISER_COUNTS``."""
    return np.repeat(np.arange(len(MINIMISER_COUNTS)), MINIMISER_COUNTS).astype(np.int64)


def task_minimisers(value, want: np.ndarray, what: str):
    """The minimiser check of a loss over K - 1 binary tasks: on ``minimiser_levels``, the constant
    probability that minimises the loss in each task (the others held at 0.5), found by golden-section
    search, equals ``want`` (the statistic of that task, named ``what``)."""
    from lossadvisor.reference import _checks as c

    levels = minimiser_levels()
    n, tasks = levels.size, len(MINIMISER_COUNTS) - 1
    found = []
    for k in range(tasks):
        def at(q, k=k):
            pred = np.full((n, tasks), 0.5)
            pred[:, k] = q
            return value(levels, pred)
        found.append(c.golden(at, 1e-6, 1.0 - 1e-6))
    ok = all(c.close(a, b, 1e-7) for a, b in zip(found, want))
    return ok, (f"{n} levels with frequencies {c.fmt_list(np.bincount(levels) / n)}: the constant probabilities "
                f"minimising the loss, task by task, {c.fmt_list(found)} {'=' if ok else '!='} {what} "
                f"{c.fmt_list(want)}")


def task_extremes(pairing):
    """Logits of ±1e4 on the right and the wrong side of each task; probabilities exactly 0 and 1."""
    from lossadvisor.reference._classes import BIG

    y = np.array([0, 3, 1, 2])
    right = np.where(above(y, 3) > 0, BIG, -BIG)
    wrong = np.vstack([right[:2], -right[2:]])
    cases = [(f"logits ±{BIG:.0e} (right and wrong side of every task)", y, wrong, {}, False)]
    if pairing.from_logits or pairing.activation == "sigmoid":
        cases.append(("probabilities exactly 0 and 1", y, np.vstack([above(y[:2], 3), 1.0 - above(y[2:], 3)]),
                      {}, True))
    return cases


__all__ = ["LEVELS", "MINIMISER_COUNTS", "ROWS", "above", "bce_gradient", "bce_terms",
           "minimiser_levels", "ordinal_levels", "reached", "sample_levels", "sample_tasks", "task_extremes",
           "task_minimisers", "task_rows"]
