"""Discrete-time hazard: one sigmoid hazard per time interval, the exact likelihood of
"survived to interval b, then the event (or censoring) there"."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._classes import PROB_NEED, bce_curve
from lossadvisor.reference._core import (
    CHUNK,
    EPSILON,
    Flat,
    as_array,
    check_range,
    chunk_sum,
    finish,
    fmt_shape,
    fmt_value,
    require_nonempty,
    work_dtype,
)
from lossadvisor.reference._survival import sample_events, survival_batch, survival_targets
from lossadvisor.reference.activations import sigmoid
from lossadvisor.reference.spec import LossSpec


def interval_targets(y_true, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(interval index as int64, event as bool) of ``y_true``, shape ``(N, 2)``, for ``y_pred`` of
    shape ``(N, T)``; ValueError for a fraction or an index outside 0..T-1."""
    interval, event = survival_targets(y_true, y_pred.shape[0], "interval index")
    intervals = y_pred.shape[1]
    fraction = interval != np.floor(interval)
    if fraction.any():
        i = int(np.argmax(fraction))
        raise ValueError(f"y_true[:, 0] must be an interval index (an integer stored as a float), but holds "
                         f"{fmt_value(interval[i])} at row {i}")
    outside = (interval < 0) | (interval > intervals - 1)
    if outside.any():
        i = int(np.argmax(outside))
        raise ValueError(f"y_true[:, 0] holds interval {fmt_value(interval[i])} at row {i}, outside 0..{intervals - 1} "
                         f"(y_pred has {intervals} intervals, one hazard per interval)")
    return interval.astype(np.int64), event


def interval_labels(interval: np.ndarray, event: np.ndarray, intervals: int) -> tuple[np.ndarray, np.ndarray]:
    """(the BCE label of each row and interval, at risk there): the label is 1 in the interval
    of an event and 0 elsewhere; a row is at risk in the intervals up to its own."""
    steps = np.arange(intervals)
    at_risk = steps[None, :] <= interval[:, None]
    label = (steps[None, :] == interval[:, None]) & event[:, None]
    return label, at_risk


def discrete_time_hazard(y_true, y_pred, *, from_logits: bool = False) -> float:
    """Negative log-likelihood of a discrete-time hazard model, mean over rows.

    ``y_true`` has shape ``(N, 2)``: column 0 the interval index ``b`` in 0..T-1 (an integer
    stored as a float), column 1 the event indicator (1 event in interval b, 0 censored in
    it: alive at its end). ``y_pred`` has shape ``(N, T)``: the hazard ``h_t`` of each interval
    (the probability of the event in t, given survival to t), or its logit with
    ``from_logits=True``.

    Per row, ``Σ_{t <= b} BCE(h_t, 1[t = b and event])``, which is
    ``-log[h_b Π_{t<b}(1 - h_t)]`` for an event and ``-log Π_{t<=b}(1 - h_t)`` for a
    censored row: the exact likelihood. Logits use ``max(z, 0) - z y + log1p(exp(-|z|))``,
    finite for any finite logit; probabilities are clipped to ``[eps, 1 - eps]`` as Keras'
    binary cross-entropy.

    No framework has it built in; pycox's ``nll_logistic_hazard(phi, idx_durations, events)``
    (PyTorch, logits) is the same loss.
    """
    yp = as_array(y_pred, "y_pred")
    if yp.ndim != 2:
        raise ValueError(f"y_pred has shape {fmt_shape(yp.shape)}: the discrete-time hazard takes one hazard "
                         "per row and interval, shape (N, T)")
    require_nonempty(yp, "y_pred")
    interval, event = interval_targets(y_true, yp)
    rows, intervals = yp.shape
    work = work_dtype(yp)
    per = max(1, CHUNK // intervals)
    p = Flat(yp, work, "y_pred", chunk=per * intervals)

    def chunk(r0, r1):
        zc = p.get(r0 * intervals, r1 * intervals).reshape(r1 - r0, intervals)
        label, at_risk = interval_labels(interval[r0:r1], event[r0:r1], intervals)
        if from_logits:
            # log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), never overflows
            terms = np.maximum(zc, 0.0) - zc * label + np.log1p(np.exp(-np.abs(zc)))
        else:
            check_range(zc.reshape(-1), p, r0 * intervals, 0.0, 1.0, PROB_NEED)
            pc = np.clip(zc, EPSILON, 1.0 - EPSILON)
            terms = -np.where(label, np.log(pc), np.log1p(-pc))
        return float(np.sum(terms, where=at_risk, dtype=np.float64))

    return finish(chunk_sum(rows, chunk, step=per), rows, (("y_pred", yp),))


def gradient(t, p, from_logits=False):
    interval, event = t[:, 0].astype(np.int64), t[:, 1] == 1.0
    label, at_risk = interval_labels(interval, event, p.shape[1])
    rows = p.shape[0]
    if from_logits:
        return np.where(at_risk, sigmoid(p) - label, 0.0) / rows
    inside = (p > EPSILON) & (p < 1.0 - EPSILON)
    q = np.clip(p, EPSILON, 1.0 - EPSILON)
    return np.where(at_risk & inside, np.where(label, -1.0 / q, 1.0 / (1.0 - q)), 0.0) / rows


def curve(y, p, params):
    """One interval's term against its hazard: the event's interval (label 1, the default) or
    one the row survived (``params["interval_label"]`` 0)."""
    bce, dbce, _, _ = bce_curve(params.get("interval_label", y), p)
    return bce, dbce


def _canonical(p, t, heads, n):
    label, at_risk = interval_labels(t[:, 0].astype(np.int64), t[:, 1] == 1.0, p.shape[1])
    return np.where(at_risk, p - label, 0.0) / p.shape[0]


def nll(y, p, heads, params):
    """The likelihood written out per row: P(T = b) = h_b Π_{t<b}(1 - h_t) for an event in
    interval b, P(T > b) = Π_{t<=b}(1 - h_t) for a row censored in it."""
    probabilities = []
    for (b, e), hazards in zip(y.astype(np.int64), p):
        survived = np.prod(1.0 - hazards[:b])
        probabilities.append(survived * (hazards[b] if e else 1.0 - hazards[b]))
    return (-np.mean(np.log(probabilities)), 0.0,
            "P(T = b) = h_b Π_{t<b}(1 - h_t) for an event in interval b, P(T > b) = Π_{t<=b}(1 - h_t) for a "
            "row censored in it, no constant")


INTERVALS = 4  # the intervals of the checks' batches


def _targets(rng, rows: int) -> np.ndarray:
    """Interval indices 0..3, rows 0 and 1 tied in one interval, about 30% censored."""
    interval = rng.integers(0, INTERVALS, rows).astype(np.float64)
    interval[1] = interval[0]
    return survival_batch(interval, sample_events(rng, rows))


def sample(pairing, rng):
    return _targets(rng, 8), rng.normal(0.0, 1.5, (8, INTERVALS)), {}


BIG = 1e4


def extremes(pairing):
    """Logits of ±1e4, right and wrong; hazards of exactly 0 and 1."""
    y = survival_batch([3, 1, 0, 2], [1, 0, 1, 0])
    z = np.array([[BIG, -BIG, BIG, -BIG], [-BIG, BIG, BIG, -BIG], [BIG, BIG, -BIG, BIG], [-BIG, -BIG, BIG, BIG]])
    return [(f"logits ±{BIG:.0e} (right and wrong)", y, z, {}, False),
            ("hazards exactly 0 and 1", y, (z > 0).astype(np.float64), {}, True)]


def minimiser(value, params, rng):
    """Hazards shared by every row (one per interval) minimise the loss at the life-table
    estimates d_t / n_t: the events in interval t over the rows still at risk in it."""
    rows = 60
    y = _targets(rng, rows)
    y[:8] = survival_batch([0, 0, 1, 1, 2, 2, 3, 3], [1, 0, 1, 0, 1, 0, 1, 0])  # each interval: an event, a survivor
    interval, event = y[:, 0].astype(np.int64), y[:, 1] == 1.0
    deaths = np.bincount(interval[event], minlength=INTERVALS)
    at_risk = np.array([np.sum(interval >= t) for t in range(INTERVALS)])
    life_table = deaths / at_risk
    found = []
    for t in range(INTERVALS):
        def loss_at(logit, t=t):
            z = np.zeros((rows, INTERVALS))
            z[:, t] = logit
            return value(y, z, from_logits=True)
        found.append(float(sigmoid(np.array(c.golden(loss_at, -10.0, 10.0)))))
    ok = all(c.close(f, h, 1e-7) for f, h in zip(found, life_table))
    return ok, (f"{rows} rows over {INTERVALS} intervals: the argmin hazards {c.fmt_list(found)} "
                f"{'=' if ok else '!='} the life-table estimates d_t / n_t = {c.fmt_list(life_table)} "
                f"(events {c.fmt_list(deaths)} over at risk {c.fmt_list(at_risk)})")


def _labels(y, z):
    """(the BCE label of each row and interval, at risk there) of the checks' batch, as float64."""
    label, at_risk = interval_labels(*interval_targets(y, z), z.shape[1])
    return label.astype(np.float64), at_risk.astype(np.float64)


# No framework has the loss built in; each agreement composes the framework's own binary
# cross-entropy, per element, summed over the intervals a row is at risk in, over the rows.

def _pytorch(mods, pairing, y, z, extra):
    label, at_risk = _labels(y, z)
    value = c.framework_bce(mods, "pytorch", pairing, label, z, at_risk).sum() / len(y)
    return c.scalar(value), ("built from PyTorch's BCE: F.binary_cross_entropy_with_logits(logits, 1[t = b, event], "
                             "weight=1[t <= b], reduction='sum') / N")


def _jax(mods, pairing, y, z, extra):
    label, at_risk = _labels(y, z)
    value = c.framework_bce(mods, "jax", pairing, label, z, at_risk).sum() / len(y)
    return c.scalar(value), ("built from optax's BCE: (optax.losses.sigmoid_binary_cross_entropy(logits, "
                             "1[t = b, event]) * 1[t <= b]).sum() / N")


def _keras(mods, pairing, y, z, extra):
    fl = pairing.from_logits
    label, at_risk = _labels(y, z)
    value = mods["keras"].ops.sum(c.framework_bce(mods, "keras", pairing, label, z, at_risk)) / len(y)
    return c.scalar(value), (f"built from Keras' BCE per element: sum(keras.ops.binary_crossentropy(1[t = b, event], "
                             f"{'z' if fl else 'h'}, from_logits={fl}) * 1[t <= b]) / N")


SPEC = LossSpec(
    value=discrete_time_hazard, gradient=gradient, curve=curve, target="survival", prediction="probability",
    logits_of="sigmoid", nll=nll, minimiser=minimiser, extremes=extremes, sample=sample,
    canonical=("sigmoid", "(sigmoid(z) - 1[t = b, event]) 1[t <= b] / N", _canonical),
    frameworks={"pytorch": _pytorch, "jax": _jax, "keras": _keras},
    plot={"needs": ("sigmoid",),
          "curves": lambda params: [("the interval of the event (label 1)", {**params, "interval_label": 1.0}),
                                    ("an interval survived, or censored in (label 0)", {**params, "interval_label": 0.0})]},
)
