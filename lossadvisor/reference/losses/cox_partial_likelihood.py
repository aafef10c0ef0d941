"""Cox partial likelihood: the likelihood of the observed order of events, the baseline hazard
cancelled; Breslow's method for tied times."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._core import as_array, finish, first_nonfinite, fmt_shape, fmt_value, require_nonempty, work_dtype
from lossadvisor.reference._survival import sample_events, survival_batch, survival_targets
from lossadvisor.reference.spec import LossSpec


def cox_partial_likelihood(y_true, y_pred) -> float:
    """Negative log partial likelihood of the Cox model, divided by the number of events.

    ``y_true`` has shape ``(N, 2)``: column 0 the time (>= 0), column 1 the event indicator
    (1 event, 0 censored). ``y_pred`` is the log-risk ``η``, shape ``(N,)`` or ``(N, 1)``
    (a linear output without bias: a constant shift of ``η`` cancels).

    ``-(1 / D) Σ_{i: event} [η_i - log Σ_{j: t_j >= t_i} exp(η_j)]``, ``D`` the number of
    events. Tied times use Breslow's method: every event of a tied time has the whole risk
    set of that time (the tied rows included) as its denominator. A batch without events has
    no terms (0/0) and is a ValueError.

    Computed in order of time with a running log-sum-exp (``np.logaddexp.accumulate``), so
    log-risks of any finite size (±1e3 included) give a finite value. The loss is batch-level
    (each event's term depends on every row still at risk), so the whole batch is sorted at
    once rather than walked in chunks.

    No framework has it built in. PyTorch third parties: pycox ``cox_ph_loss(log_h, durations,
    events)`` (no tie correction: tied rows get nested risk sets), torchsurv
    ``neg_partial_log_likelihood(log_hz, event, time, ties_method="breslow")`` (Efron by default).
    """
    yp = as_array(y_pred, "y_pred")
    if not (yp.ndim == 1 or (yp.ndim == 2 and yp.shape[1] == 1)):
        raise ValueError(f"y_pred has shape {fmt_shape(yp.shape)}: the Cox loss takes one log-risk per row, "
                         "shape (N,) or (N, 1)")
    require_nonempty(yp, "y_pred")
    time, event = survival_targets(y_true, yp.shape[0], "time")
    if (time < 0).any():
        i = int(np.argmax(time < 0))
        raise ValueError(f"y_true[:, 0] must be a time >= 0, but holds {fmt_value(time[i])} at row {i}")
    events = int(event.sum())
    if events == 0:
        raise ValueError(f"the batch has no events (all {time.size} rows censored): the Cox partial likelihood "
                         "has no terms (0/0); every batch needs at least one event")
    first_nonfinite((("y_pred", yp),))
    eta = yp.reshape(-1).astype(work_dtype(yp), copy=False)
    log_risk_set = log_risk_sets(time, eta)
    # log-sum-exp minus the row's own log-risk, each >= 0: no negation, so a lone event is 0.0, not -0.0
    return finish(float(np.sum(log_risk_set[event] - eta[event], dtype=np.float64)), events, (("y_pred", yp),))


def log_risk_sets(time: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Per row i, ``log Σ_{j: t_j >= t_i} exp(η_j)``: the log of its Breslow risk-set sum."""
    order = np.argsort(time, kind="stable")
    ascending = time[order]
    # log of the sum over every later position, by a running log-sum-exp from the end
    suffix = np.logaddexp.accumulate(eta[order][::-1])[::-1]
    # Breslow: the risk set of a tied time starts at the first row of the tie
    first_of_tie = np.searchsorted(ascending, ascending, side="left")
    out = np.empty_like(suffix)
    out[order] = suffix[first_of_tie]
    return out


def gradient(t, p):
    """``dL/dη_k = (exp(η_k) Σ_{i: event, t_i <= t_k} 1 / S_i - δ_k) / D``, ``S_i`` the risk-set
    sum of event i, summed in log space (``exp(η_k - log S_i) <= 1``)."""
    eta = p.reshape(-1)
    time, event = t[:, 0], t[:, 1] == 1.0
    order = np.argsort(time, kind="stable")
    ascending, fails, e = time[order], event[order], eta[order]
    log_s = log_risk_sets(ascending, e)
    # the events whose risk set holds row k: those at or before its time (its tie included)
    last_of_tie = np.searchsorted(ascending, ascending, side="right") - 1
    count = np.cumsum(fails)[last_of_tie]
    log_inverse_sums = np.logaddexp.accumulate(-log_s[fails])
    share = np.zeros_like(e)
    held = count > 0
    share[held] = np.exp(e[held] + log_inverse_sums[count[held] - 1])
    g = np.empty_like(e)
    g[order] = (share - fails) / fails.sum()
    return g.reshape(p.shape)


def curve(y, p, params):
    raise ValueError("the Cox loss has no elementwise curve: each term depends on the whole risk set")


def nll(y, p, heads, params):
    """The partial likelihood written out: the product over events of the probability that the
    event's row, of all rows still at risk then, is the one that fails."""
    eta = p.reshape(-1)
    time, event = y[:, 0], y[:, 1] == 1.0
    risk = np.exp(eta)
    probability = np.prod([risk[i] / risk[time >= time[i]].sum() for i in np.flatnonzero(event)])
    return (-np.log(probability) / event.sum(), 0.0,
            "the partial likelihood Π over events of exp(η_i) / Σ_{t_j >= t_i} exp(η_j) (Breslow ties), "
            "its -log over the number of events")


def _targets(rng, rows: int) -> np.ndarray:
    """Integer times 1..5 (ties), row 1 tied with row 0, about 30% censored."""
    time = rng.integers(1, 6, rows).astype(np.float64)
    time[1] = time[0]
    return survival_batch(time, sample_events(rng, rows))


def sample(pairing, rng):
    return _targets(rng, 8), rng.normal(0.0, 1.0, (8, 1)), {}


def extremes(pairing):
    """Log-risks of ±1e3, the longest time an event with the smallest log-risk (a naive
    cumulative sum of exp(η) underflows to 0 there); the longest time alone, an event 120
    below the batch's largest log-risk (a cumulative sum of exp(η - max η) underflows to 0 in
    float32 there: -inf); a batch with one event."""
    y = survival_batch([5, 5, 3, 2, 1], [1, 1, 0, 1, 1])
    z = np.array([[-1e3], [1e3], [-1e3], [1e3], [-1e3]])
    alone = survival_batch([5, 1], [1, 1])
    one = survival_batch([4, 3, 3, 1], [0, 1, 0, 0])
    return [("log-risks ±1e3 (a tie, a censored row)", y, z, {}, False),
            ("the longest time alone, its log-risk 120 below the rest", alone, np.array([[-120.0], [0.0]]), {},
             False),
            ("all censored but one event", one, np.array([[2.0], [-1.0], [0.5], [30.0]]), {}, False)]


def minimiser(value, params, rng):
    """The bias is unidentifiable: a constant shift of the log-risk leaves the loss unchanged,
    and every constant prediction gives the mean over events of log |risk set|."""
    n = 40
    y = _targets(rng, n)
    time, event = y[:, 0], y[:, 1] == 1.0
    eta = rng.normal(0.0, 1.0, n)
    base = value(y, eta)
    shifted = [value(y, eta + shift) for shift in (-30.0, 2.5, 400.0)]
    at_risk = np.mean([np.log(np.sum(time >= time[i])) for i in np.flatnonzero(event)])
    constant = [value(y, np.full(n, level)) for level in (0.0, -3.0, 12.0)]
    shift_ok = all(c.close(v, base, 1e-9) for v in shifted)
    constant_ok = all(c.close(v, at_risk, 1e-9) for v in constant)
    return shift_ok and constant_ok, (
        f"{n} rows with ties and censoring: log-risk shifted by -30, 2.5, 400 gives {c.fmt_list(shifted)} "
        f"{'=' if shift_ok else '!='} {c.fmt(base)} unshifted (the bias cancels); constant log-risks 0, -3, 12 "
        f"give {c.fmt_list(constant)} {'=' if constant_ok else '!='} the mean over events of log |risk set| "
        f"{c.fmt(at_risk)}")


SPEC = LossSpec(
    value=cox_partial_likelihood, gradient=gradient, curve=curve, target="survival", prediction="real",
    nll=nll, minimiser=minimiser, extremes=extremes, sample=sample,
    plot={"unavailable": "each example's term depends on the log-risks of every example still at risk at its "
                         "time, so no curve of one output against its target says anything about the loss"},
)
