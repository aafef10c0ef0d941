"""What the survival losses share: the (N, 2) targets, time or interval index then the
event indicator, validated; the batches their checks draw.

Column 0 is the time (Cox) or the interval index 0..T-1 stored as a float (discrete-time
hazard); column 1 is 1 for an event, 0 for a row censored then (still event-free when
follow-up ended).
"""

from __future__ import annotations

import numpy as np

from lossadvisor.reference._core import as_array, first_nonfinite, fmt_shape, fmt_value


def survival_targets(y_true, rows: int, first: str) -> tuple[np.ndarray, np.ndarray]:
    """(column 0 as float64, the event indicator as bool) of ``y_true``, shape ``(rows, 2)``.

    ValueError for another shape, NaN or an infinite value, or an event indicator other than
    0 and 1; ``first`` names column 0 in the messages ("time", "interval index").
    """
    yt = as_array(y_true, "y_true")
    if yt.ndim != 2 or yt.shape[1] != 2:
        raise ValueError(f"y_true has shape {fmt_shape(yt.shape)}: survival targets have shape (N, 2), column 0 "
                         f"the {first}, column 1 the event indicator (1 event, 0 censored)")
    if yt.shape[0] != rows:
        raise ValueError(f"y_true has {yt.shape[0]} rows but y_pred has {rows}: one (time, event) row per prediction")
    yt = yt.astype(np.float64, copy=False)
    first_nonfinite((("y_true", yt),))
    event = yt[:, 1]
    bad = (event != 0.0) & (event != 1.0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"y_true[:, 1] must be the event indicator, 0 (censored) or 1 (event), but holds "
                         f"{fmt_value(event[i])} at row {i}")
    return yt[:, 0], event == 1.0


def sample_events(rng, rows: int) -> np.ndarray:
    """Event indicators (float) for ``rows`` rows: about 70% events, rows 0 and 1 events, row 2
    censored, so that a batch always has events, censored rows and (see the callers) a tie."""
    event = (rng.random(rows) < 0.7).astype(np.float64)
    event[:3] = (1.0, 1.0, 0.0)
    return event


def survival_batch(column0: np.ndarray, event: np.ndarray) -> np.ndarray:
    """The (N, 2) float64 targets of a time (or interval) column and an event column."""
    return np.stack([np.asarray(column0, np.float64), np.asarray(event, np.float64)], axis=1)


__all__ = ["sample_events", "survival_batch", "survival_targets"]
