"""Infer the problem framing (the answers of the question tree) from the user's target data.

:func:`infer_framing` reads a file in one streaming pass (see :mod:`lossadvisor.datareaders`),
keeps bounded statistics per target column, then applies the rules below in this order and says
why for every answer. Every number the rules use is a named threshold in :data:`THRESHOLDS`; the
output names them and :func:`thresholds_markdown` documents them.

Rules (first match wins), each a function of :mod:`lossadvisor.infer.decide`:

Several target columns (K >= 2), rows with a missing cell left out:
  1. every cell 0 or 1, every row exactly one 1        -> multiclass, labels one_hot, classes K
  2. every cell 0 or 1, otherwise                      -> multilabel, classes K
  3. every cell >= 0, every row sums to 1 (row_sum_tolerance) -> multiclass, labels probabilities
  4. otherwise                                         -> regression, outputs K (target and outliers
     from the columns: the target kind when all columns agree, outliers when any column has them)
One target column, first:
     missing-value words (None, NA, null, ...; :data:`lossadvisor.datareaders.MISSING_TOKENS`) that take
     at least missing_class_share of the rows of a text column of at most MISSING_CLASS_MAX_DISTINCT
     values are classes, and a missing-value word that --order lists, or that is a level of the known
     ordered scale the other values belong to (none beside mild and severe), is a level whatever its
     share; the other missing cells are left out and counted per word. A column of IDs,
     timestamps or lines split at the wrong delimiter (more than distinct_share_max distinct text,
     integers that are one consecutive run, each once, or text whose every value and header hold the
     same number of another delimiter) is no target: InputError (exit 2), never a 2,000-class answer;
     the integer run only warns when the caller chose the column (--column, or the task). Numbers
     written with a decimal comma (10,03) are numbers when the delimiter is not ',' (or the file has
     one column). Distinct integers of id_min_digits or more digits each, all of one length, get a
     warning (IDs, timestamps). Then:
  5. text whose every value (in any case) is a level of one known ordered scale (none < mild <
     severe, low < medium < high, strongly disagree .. strongly agree, ...;
     :data:`~lossadvisor.infer.scales.ORDERED_VOCABULARIES`), at least ordinal_min_levels levels
                                                       -> ordinal, classes K, the mapping level -> 0..K-1;
     multiclass and regression listed as the alternatives
  6. text: two values true/false, or any two strings   -> binary, labels zero_one (with the mapping);
     three or more strings                             -> multiclass, labels integer (sorted mapping);
     ordinal listed as the alternative (with the --order of the known words) when every word but
     one is a level of one known ordered scale, at least ordinal_min_levels of them
  7. one distinct value                                -> a single class (binary) or a constant
  8. two distinct numbers: {-1, +1} -> binary plus_minus_one; otherwise binary zero_one
     ({0, 1} as is, any other pair mapped smaller -> 0)
  9. integers of a rating scale: from 1 up to at most ordinal_scale_top (1-3 .. 1-10), or from 0 up to
     exactly ordinal_scale_top (0-10), at least ordinal_min_levels distinct, at most
     ordinal_absent_share_max of the levels absent; a 0-10 column that is count-shaped or more than
     ordinal_zero_share_max zeros is counts (rule 11)  -> ordinal, classes hi - lo + 1 (levels from 1
     mapped to 0..K-1); multiclass and regression listed as the alternatives, and regression
     target=count too when the histogram is count-shaped (count_tail_*: counts from 1)
 10. integers with 3 or more distinct values: class labels when the values are contiguous, start at
     -1, 0 or 1, are at most class_max_distinct, and the histogram is not count-shaped
     (-> multiclass, labels integer; ordinal listed as an alternative); otherwise counts / integers
     (-> regression)
 11. everything else                                   -> regression
Regression target (:mod:`~lossadvisor.infer.target`): count (non-negative integers whose 5th
percentile is at most count_small; when they are also wide, an ambiguity names positive_wide), else
positive_wide (all >= 0 with at most wide_zero_share exact zeros, whole numbers included;
(1 + 99th percentile) / (1 + 1st) >= wide_ratio, and log(1 + y) makes the quartiles more symmetric),
else real. Outliers: the share of
values whose robust z-score exceeds outlier_z is above outlier_share (on the log scale for
positive_wide; when it has zeros, the positive values on log(1 + y), the allowed zeros never
outliers; on the Anscombe scale 2 sqrt(y + 3/8) with a spread
of at least 1 for counts).
A task given by the caller (``task=``) replaces rules 1-11: the answers are derived for that task
(:data:`~lossadvisor.infer.decide.COLUMN_TASK_RULES`; binary also takes probabilities in [0, 1],
soft labels, as labels zero_one with a warning), or InputError says why the data cannot be such a
target. ``order=`` (``--order a,b,c``, lowest first) makes the column ordinal with those levels: a
value not listed is an InputError, a level listed twice a UsageError.
Survival (``event=``, ``--event``: the time column read beside an event or censoring column) is
decided by :func:`~lossadvisor.infer.survival.decide_survival`: time continuous, or discrete with
``intervals`` for few integer times (survival_max_intervals); negative times, an event column that
is not binary and no event at all are InputErrors.
Imbalance (:mod:`~lossadvisor.infer.imbalance`): r = count(rarest class) / count(most common class)
(multilabel: positives vs negatives of each label, the worst label; probabilities: the column
sums): none if r >= 1/5, moderate if 1/100 <= r < 1/5, severe if r < 1/100.

The package: :mod:`~lossadvisor.infer.stats` (the streaming statistics),
:mod:`~lossadvisor.infer.thresholds` (the named thresholds), :mod:`~lossadvisor.infer.decide`
(the rules), :mod:`~lossadvisor.infer.target` and :mod:`~lossadvisor.infer.imbalance` (the answers
past the task), :mod:`~lossadvisor.infer.values` (numbers and labels as the output writes them).

Pure core: no click, no rich; raises ``InputError`` / ``UsageError``.
"""

from __future__ import annotations

from lossadvisor.errors import InputError, UsageError
from lossadvisor.infer.decide import NEGATIVE_WORDS, POSITIVE_WORDS, TASKS, decide, named_task
from lossadvisor.infer.ordinal import parse_order
from lossadvisor.infer.stats import Accumulator, accumulate_array
from lossadvisor.infer.survival import SurvivalAccumulator, accumulate_survival, decide_survival, survival_columns
from lossadvisor.infer.thresholds import SAMPLE_CAP, TEXT_CHARS_CAP, THRESHOLDS, thresholds_markdown

__all__ = ["infer_framing", "infer_array", "THRESHOLDS", "thresholds_markdown", "NEGATIVE_WORDS",
           "POSITIVE_WORDS", "SAMPLE_CAP", "TEXT_CHARS_CAP", "TASKS"]


def infer_framing(source: str, *, columns: list[str] | None = None, key: str | None = None,
                  delimiter: str | None = None, task: str | None = None, order=None, event: str | None = None,
                  progress=None) -> dict:
    """Read the target in ``source`` and infer the answers it implies, with evidence.

    Args:
        source: a path (CSV, TSV, .npy, .npz, JSON Lines, Parquet, Feather) or ``-`` (CSV on stdin).
        columns: target columns: names, 0-based indices (negative from the end) or ``A:B`` ranges.
            Default: the column named label/target/y/class..., else the last one (CSV), the whole
            array (npy/npz).
        key: the array of an .npz file.
        delimiter: the CSV delimiter (default: detected).
        task: the task, when the caller knows it (one of :data:`TASKS`): the other answers are
            derived from the data under this task instead of the inferred one.
        order: the levels of an ordinal target, lowest first (``"none,mild,severe"`` or a list).
        event: the event (or censoring) column of a survival target, a name or an index; ``columns``
            is then the one time column.
        progress: called as ``progress(bytes_done, bytes_total_or_None)`` after each chunk.

    Returns:
        The ``infer --json`` document without ``schema_version``: ``answers`` (question id ->
        value, only what the data decides), ``evidence`` (id -> sentence), ``warnings``,
        ``ambiguities``, ``thresholds``, ``rows``, ``missing``, ``source`` and ``columns``.

    Raises:
        InputError: unreadable, empty or malformed data; a missing column (naming those that exist);
            a column of IDs or timestamps; data that cannot be a target of the given ``task``.
        UsageError: options that do not fit the file; an unknown ``task``; ``order`` with a level
            given twice; ``task`` survival without ``event``.
    """
    from lossadvisor.datareaders import open_target

    task = named_task(task)  # before reading: a misspelt task is known without the data
    order = parse_order(order)
    if event is not None:
        columns = survival_columns(columns, event, task, order)
    elif task == "survival":
        raise UsageError("--task survival needs the event column: --event NAME|INDEX (and --column for the time)")
    src = open_target(source, columns=columns, key=key, delimiter=delimiter)
    import numpy as np  # after opening: imported first, it raised the peak memory by 3.6 MiB

    # values near the float limit overflow in sums and differences: the statistics say so in
    # words (no mean, 'inf' ratios), numpy's RuntimeWarnings would only clutter stderr
    with np.errstate(all="ignore"):
        return _read_and_decide(src, task, order, event is not None, progress, column_given=bool(columns),
                                delimiter_given=delimiter is not None)


def _read_and_decide(src, task, order, survival, progress, *, column_given, delimiter_given):
    """One pass over the blocks of an opened target, then the decision."""
    acc = SurvivalAccumulator(src.name, src.columns) if survival else Accumulator(src.name)
    acc.column_given, acc.delimiter_given = column_given, delimiter_given
    if src.format in ("csv", "tsv"):
        acc.delimiter, acc.header = src.details.get("delimiter"), bool(src.details.get("header"))
    total = src.total_bytes
    for block in src.blocks():
        acc.add(block, src.columns)
        if progress is not None:
            progress(block.bytes_done, total)
    if progress is not None and total is not None:
        progress(total, total)
    if acc.rows == 0:
        below = " below the header row" if src.details.get("header") else ""
        raise InputError(f"{src.name}: no data rows{below}")
    source_info = {"path": src.name, "format": src.format, "columns": acc.names}
    source_info.update({k: v for k, v in src.details.items() if k != "format"})
    if src.info:
        source_info["notes"] = [str(n) for n in src.info]
    framing = decide_survival(acc) if survival else decide(acc, task, order)
    return _payload(acc, framing, src.notes, source_info)


def infer_array(y, *, name: str = "array", task: str | None = None, order=None, event=None) -> dict:
    """The same inference on an in-memory array (1-D or 2-D; numbers, booleans or strings);
    ``order`` as for :func:`infer_framing`; ``event``: the event indicators (or words) of a
    survival target, one per row of the 1-D times ``y``."""
    import numpy as np

    task = named_task(task)
    order = parse_order(order)
    if event is not None:
        survival_columns([name], "event", task, order)
        with np.errstate(all="ignore"):
            acc = accumulate_survival(y, event, name, (name, "event"))
            return _payload(acc, decide_survival(acc), [], None)
    if task == "survival":
        raise UsageError("task survival needs the event indicators: event=")

    arr = np.asarray(y)
    if arr.dtype.hasobject:
        arr = np.array([None if v is None else str(v) for v in arr.reshape(-1).tolist()], dtype=object) \
            if arr.ndim == 1 else arr
        if arr.ndim != 1:
            raise InputError(f"{name}: an object array must be 1-D")
    if arr.ndim == 0 or arr.ndim > 2:
        raise InputError(f"{name}: expected shape (N,) or (N, K), got {arr.shape}")
    if arr.shape[0] == 0 or (arr.ndim == 2 and arr.shape[1] == 0):
        raise InputError(f"{name}: the array is empty (shape {arr.shape})")
    if arr.dtype.kind not in "biufUSO":
        raise InputError(f"{name}: unsupported dtype {arr.dtype}")
    with np.errstate(all="ignore"):
        acc = accumulate_array(arr, name)
        return _payload(acc, decide(acc, task, order), [], None)


def _payload(acc, framing, notes, source_info):
    """The ``infer --json`` document without ``schema_version``."""
    out = {
        "answers": framing.answers,
        "evidence": framing.evidence,
        "warnings": list(notes) + framing.warnings,
        "ambiguities": framing.ambiguities,
        "rows": acc.rows,
        "missing": acc.missing_rows,
    }
    if acc.missing_words or acc.class_words:
        out["missing_values"] = {"missing": dict(sorted(acc.missing_words.items())),
                                 "classes": dict(sorted(acc.class_words.items()))}
    if acc.infinite_rows:
        out["infinite"] = acc.infinite_rows
    if framing.label_mapping is not None:
        out["label_mapping"] = framing.label_mapping
    if framing.survival is not None:
        out["survival"] = framing.survival
    if source_info is not None:
        out["source"] = source_info
    out["columns"] = [c.summary() for c in acc.stats]
    out["thresholds"] = {name: {"value": value, "meaning": meaning} for name, (value, meaning) in THRESHOLDS.items()}
    return out


from lossadvisor.api import callable_package as _callable_package  # noqa: E402 - after the package's names

_callable_package(__name__)  # lossadvisor.infer(path_or_array) runs lossadvisor.api.infer
del _callable_package
