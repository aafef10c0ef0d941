"""Shared machinery of the NumPy reference: input validation, chunking, error messages.

Every loss walks its inputs in chunks of ``CHUNK`` elements through small preallocated
buffers, so a 10-million-element input never builds a full-size temporary: the work set
stays in the CPU cache, and the memory cost beyond the inputs is a few buffers of
``CHUNK`` elements (plus a contiguous copy of an input that is not C-contiguous).

Partial sums are taken per chunk in the working dtype (float32 or float64) and
accumulated across chunks in a Python float (float64).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

#: Keras' ``backend.epsilon()``: the clipping constant of the probability-based losses.
EPSILON = 1e-7

#: Elements per chunk. 8192 float64 values are 64 KiB, so three or four buffers fit in
#: L2; it also keeps OpenBLAS' dot product single-threaded (it threads above 10,000).
CHUNK = 8192


# ----------------------------------------------------------------------- coercion


def as_array(value, name: str) -> np.ndarray:
    """``value`` as a real numeric ndarray (bool, integer or floating), or ValueError."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists, objects that refuse conversion
        raise ValueError(f"{name} cannot be read as a numeric array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, not {arr.dtype} values")
    return arr


def work_dtype(y_pred: np.ndarray) -> np.dtype:
    """The dtype the arithmetic runs in: float32 for float16/float32 predictions, else float64.

    As in Keras, ``y_true`` is cast to the prediction's dtype.
    """
    if y_pred.dtype in (np.float32, np.float16):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def contiguous(arr: np.ndarray) -> np.ndarray:
    return arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)


def fmt_shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def fmt_index(shape, flat_index: int) -> str:
    if len(shape) <= 1:
        return f"index {flat_index}"
    return "index " + fmt_shape(tuple(int(i) for i in np.unravel_index(flat_index, shape)))


def fmt_value(v) -> str:
    v = float(v)
    if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


def require_nonempty(arr: np.ndarray, name: str) -> None:
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {fmt_shape(arr.shape)}); the mean of no losses is undefined")


def same_shape(y_true: np.ndarray, y_pred: np.ndarray, what: str = "y_pred") -> None:
    if y_true.shape != y_pred.shape:
        hint = ""
        if y_true.size == y_pred.size:
            hint = "; reshape one of them (a (N, 1) against (N,) is not broadcast)"
        raise ValueError(
            f"y_true has shape {fmt_shape(y_true.shape)} but {what} has shape {fmt_shape(y_pred.shape)}: "
            f"the shapes must match exactly{hint}"
        )


# ------------------------------------------------------------------------ chunks


class Flat:
    """A C-contiguous array seen as one flat vector, served chunk by chunk in the work dtype."""

    __slots__ = ("arr", "buf", "flat", "name")

    def __init__(self, arr: np.ndarray, work: np.dtype, name: str, chunk: int = CHUNK):
        self.arr = contiguous(arr)
        self.flat = self.arr.reshape(-1)
        self.name = name
        self.buf = None if self.flat.dtype == work else np.empty(min(chunk, self.flat.size), work)

    def get(self, start: int, stop: int) -> np.ndarray:
        part = self.flat[start:stop]
        if self.buf is None:
            return part
        out = self.buf[: stop - start]
        np.copyto(out, part, casting="unsafe")
        return out


def pair(y_true, y_pred):
    """Two inputs of one shape, not empty: ``(y_true, y_pred, work dtype, Flat of y_true, Flat of y_pred)``."""
    yt = as_array(y_true, "y_true")
    yp = as_array(y_pred, "y_pred")
    same_shape(yt, yp)
    require_nonempty(yp, "y_pred")
    work = work_dtype(yp)
    return yt, yp, work, Flat(yt, work, "y_true"), Flat(yp, work, "y_pred")


def chunk_sum(n: int, reduce, buffers=(), step: int = CHUNK) -> float:
    """``sum(reduce(i, j, *views))`` over the chunks ``[i, j)`` of ``range(n)``, ``step`` at a time.

    ``buffers`` are arrays of ``min(step, n)`` rows, allocated once by the caller (scratch
    space, or constants); ``views`` are the same arrays cut to the chunk's ``j - i`` rows.
    ``reduce`` returns the chunk's partial sum as a Python float, so the sum across chunks
    is taken in float64.
    """
    total = 0.0
    for i in range(0, n, step):
        j = min(i + step, n)
        total += reduce(i, j, *(buffers if j - i == step else [b[: j - i] for b in buffers]))
    return total


def elementwise_mean(y_true, y_pred, reduce, scratch=(None,)) -> float:
    """The mean over every element of a loss of two same-shape inputs, summed chunk by chunk.

    ``reduce(t, p, i, j, *views)`` returns the loss summed over the elements ``[i, j)``:
    ``t`` and ``p`` are the inputs as ``Flat`` (``t.get(i, j)`` is the chunk in the work
    dtype), ``views`` one buffer of the chunk's length per entry of ``scratch``: None for
    scratch space, a number for a constant array of it (a ufunc with an array operand runs
    faster than with a scalar).
    """
    yt, yp, work, t, p = pair(y_true, y_pred)
    n = yp.size
    size = min(CHUNK, n)
    buffers = [np.empty(size, work) if s is None else np.full(size, s, work) for s in scratch]
    return finish(chunk_sum(n, partial(reduce, t, p), buffers), n, (("y_true", yt), ("y_pred", yp)))


def check_range(chunk: np.ndarray, src: Flat, offset: int, lo: float | None, hi: float | None,
                need: str) -> None:
    """ValueError naming the first value of ``chunk`` that is NaN or outside [lo, hi].

    ``need`` completes the sentence "{name} must be ...". NaN is caught here because
    min/max propagate it.
    """
    cmin = chunk.min()
    cmax = chunk.max()
    if (lo is None or cmin >= lo) and (hi is None or cmax <= hi):
        return  # also False for NaN, which falls through
    bad = np.isnan(chunk)
    if lo is not None:
        bad |= chunk < lo
    if hi is not None:
        bad |= chunk > hi
    k = int(np.argmax(bad))
    where = fmt_index(src.arr.shape, offset + k)
    value = src.flat[offset + k]
    if np.isnan(value):
        raise ValueError(f"{src.name} contains NaN at {where}")
    raise ValueError(f"{src.name} must be {need}, but holds {fmt_value(value)} at {where}")


def first_nonfinite(arrays) -> None:
    """Raise ValueError for the first NaN (then infinity) in ``arrays`` ((name, array) pairs)."""
    for kind, test in (("NaN", np.isnan), ("an infinite value", np.isinf)):
        for name, arr in arrays:
            arr = np.asarray(arr)
            if arr.dtype.kind != "f":
                continue
            flat = contiguous(arr).reshape(-1)
            for start in range(0, flat.size, CHUNK):
                bad = test(flat[start:start + CHUNK])
                if bad.any():
                    k = start + int(np.argmax(bad))
                    raise ValueError(f"{name} contains {kind} at {fmt_index(arr.shape, k)}")


def require_integers(arr: np.ndarray, name: str, need: str) -> None:
    """ValueError ``"{name} must hold {need}, but holds 1.5 at index 3"`` for the first NaN,
    infinity or fraction of a floating ``arr``; integer and boolean arrays pass."""
    if arr.dtype.kind != "f":
        return
    flat = contiguous(arr).reshape(-1)
    bad = ~np.isfinite(flat) | (flat != np.floor(flat))
    if bad.any():
        i = int(np.argmax(bad))
        what = "NaN" if np.isnan(flat[i]) else fmt_value(flat[i])
        raise ValueError(f"{name} must hold {need}, but holds {what} at {fmt_index(arr.shape, i)}")


def finish(total: float, count: int, arrays) -> float:
    """The mean ``total / count``; a NaN result is traced back to the input that caused it."""
    value = total / count
    if math.isnan(value):
        first_nonfinite(arrays)
        raise ValueError("the loss is NaN for these inputs (an infinite input minus itself?)")
    return float(value)


def positive_param(value, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive finite number, not {value!r}")
    return v


def nonneg_param(value, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a non-negative finite number, not {value!r}")
    return v
