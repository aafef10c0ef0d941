"""CORN: the conditional (continuation-ratio) chain P(y > k | y > k - 1), one binary task per
cut, each trained on the rows that reach it; its product is the likelihood of the level."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference import _ordinal as o
from lossadvisor.reference._classes import bce_curve
from lossadvisor.reference.spec import LossSpec


def _pieces(y_true, y_pred, from_logits):
    p = o.task_rows(y_pred, from_logits)
    levels = o.ordinal_levels(y_true, p.shape[0], p.shape[1] + 1)
    return p, o.above(levels, p.shape[1]), o.reached(levels, p.shape[1])


def corn(y_true, y_pred, *, from_logits: bool = False) -> float:
    """CORN loss: binary cross-entropy of task k (target ``1[y > k]``) on the rows with ``y >= k``,
    summed over the (row, task) pairs kept and divided by their number.

    ``y_pred`` has shape ``(N, K - 1)``: the conditional probabilities
    ``P(y > k | y > k - 1)`` after a sigmoid (or their logits with ``from_logits=True``);
    ``y_true`` the integer levels 0..K-1, shape ``(N,)``. This is coral-pytorch's
    ``corn_loss(logits, y, num_classes)`` (1.4: the sum over the kept pairs divided by their
    number). Decode with the cumulative product: ``P(y > k) = prod_{j <= k} p_j``, the level is
    ``sum_k 1[P(y > k) > 0.5]``. Probabilities are clipped to ``[1e-7, 1 - 1e-7]`` as Keras.
    """
    p, target, kept = _pieces(y_true, y_pred, from_logits)
    return float((o.bce_terms(target, p, from_logits) * kept).sum() / kept.sum())


def gradient(t, p, from_logits=False):
    _, target, kept = _pieces(t, p, from_logits)
    return o.bce_gradient(target, p, from_logits) * kept / kept.sum()


def curve(y, p, params):
    bce, dbce, _, _ = bce_curve(y, p)
    return bce, dbce


def level_probabilities(conditional: np.ndarray) -> np.ndarray:
    """P(y = k) from the conditional probabilities p_k = P(y > k | y > k - 1): the chain
    ``prod_{j < k} p_j (1 - p_k)``, and ``prod_j p_j`` for the top level."""
    rows = conditional.shape[0]
    survive = np.hstack([np.ones((rows, 1)), np.cumprod(conditional, axis=1)])  # P(y > k - 1), k = 0..K-1
    stop = np.hstack([1.0 - conditional, np.ones((rows, 1))])
    return survive * stop


def likelihood(pairing, y, z, extra):
    """The loss times (pairs kept) / rows is the mean -log of the chain's P(y)."""
    pmf = level_probabilities(pairing.act(z))
    total = pmf.sum(axis=1)
    nll = float(-np.log(pmf[np.arange(y.size), y]).mean())
    pairs = float(o.reached(y, z.shape[1]).sum())
    got = pairing.value(y, z, extra) * pairs / y.size
    ok = c.close(got, nll, 1e-9) and bool(np.allclose(total, 1.0, rtol=0, atol=1e-12))
    return ok, (f"mean -log P(y) of the chain P(y = k) = prod_(j<k) p_j (1 - p_k) (its levels sum to 1) = "
                f"{c.fmt(nll)} {'=' if ok else '!='} loss x {pairs:g} pairs kept / {y.size} rows = {c.fmt(got)}: "
                "the exact likelihood of the level, no constant, averaged over the kept (row, task) pairs")


def minimiser(value, params, rng):
    levels, tasks = o.minimiser_levels(), len(o.MINIMISER_COUNTS) - 1
    want = o.above(levels, tasks).sum(axis=0) / o.reached(levels, tasks).sum(axis=0)
    return o.task_minimisers(value, want, "the conditional fractions P(y > k | y >= k) =")


def _masks(y, tasks):
    y = np.asarray(y)
    return o.above(y, tasks), o.reached(y, tasks)


def _pytorch(mods, pairing, y, z, extra):
    target, kept = _masks(y, z.shape[1])
    value = c.framework_bce(mods, "pytorch", pairing, target, z, kept).sum() / kept.sum()
    return c.scalar(value), ("F.binary_cross_entropy_with_logits(logits, y > k, weight=y >= k, reduction='none')"
                             ".sum() / pairs")


def _jax(mods, pairing, y, z, extra):
    target, kept = _masks(y, z.shape[1])
    value = c.framework_bce(mods, "jax", pairing, target, z, kept).sum() / kept.sum()
    return c.scalar(value), "(optax.losses.sigmoid_binary_cross_entropy(logits, y > k) * (y >= k)).sum() / pairs"


def _keras(mods, pairing, y, z, extra):
    target, kept = _masks(y, z.shape[1])
    value = mods["keras"].ops.sum(c.framework_bce(mods, "keras", pairing, target, z, kept)) / kept.sum()
    return c.scalar(value), (f"sum(keras.ops.binary_crossentropy(y > k, p, from_logits={pairing.from_logits}) "
                             "* (y >= k)) / pairs")


SPEC = LossSpec(
    value=corn, gradient=gradient, curve=curve, target="ordinal", prediction="probability", logits_of="sigmoid",
    likelihood=likelihood, minimiser=minimiser,
    canonical=("sigmoid", "(sigmoid(z) - 1[y > k]) 1[y >= k] / pairs",
               lambda p, t, heads, n: (p - o.above(t, p.shape[1])) * o.reached(t, p.shape[1])
               / o.reached(t, p.shape[1]).sum()),
    extremes=o.task_extremes, sample=o.sample_tasks,
    frameworks={"pytorch": _pytorch, "jax": _jax, "keras": _keras},
    plot={"unavailable": "one example's CORN loss depends on K - 1 conditional probabilities and on which tasks its "
                         "level reaches; each kept term alone is binary cross-entropy (explain binary_crossentropy "
                         "--plot)"},
)
