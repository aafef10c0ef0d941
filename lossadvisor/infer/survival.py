"""Survival targets in `lossadvisor infer`: a time column read beside an event (or censoring) column.

``infer FILE --column time --event died`` reads both columns row by row
(:class:`SurvivalAccumulator`) and :func:`decide_survival` applies, in this order:

1. a row whose time or event is missing is left out (counted, with a warning); an infinite time too
   (``missing`` counts every row left out, ``infinite`` those of them with an infinite time);
2. the time column must hold numbers, none negative (durations), and not be a row number or an ID
   (the integer run of :func:`~lossadvisor.infer.decide.integer_run`); InputError otherwise;
   distinct integers of one length get the warning of
   :func:`~lossadvisor.infer.decide.id_like_integers` (IDs, timestamps);
3. the event column must be binary: 0/1, true/false, or event and censoring words
   (:data:`~lossadvisor.infer.scales.EVENT_WORDS`, :data:`~lossadvisor.infer.scales.CENSORED_WORDS`);
   a column whose name says censoring (``censored``) reads 1 as censored. Other values (2 of a
   competing risk, R's 1/2 status coding, unknown words) are an InputError naming them;
4. no event at all is an InputError: no survival loss learns from it (the Cox partial likelihood has
   no term; a discrete-time hazard model would only learn that nothing ever happens); no censored row
   is a warning (the survival losses still apply);
5. ``time``: ``discrete`` when every time is an integer from 0 or 1 up to survival_max_intervals
   (``intervals`` = the largest time, + 1 when time 0 occurs; the interval index is the time, or
   time - 1 for times from 1), else ``continuous``; the other reading is listed as an alternative.

The evidence gives the events, the censored share and the tied event times (several events at one
time: the Cox reference handles them with Breslow's approximation); the output's ``survival``
object holds the same counts.
"""

from __future__ import annotations

from lossadvisor.errors import InputError, UsageError
from lossadvisor.infer.scales import CENSORING_NAME, event_value, level_key
from lossadvisor.infer.stats import ColumnStats
from lossadvisor.infer.thresholds import threshold
from lossadvisor.infer.values import fmt_value, percent, quoted


def survival_columns(columns, event, task, order) -> list[str]:
    """The columns to read for ``--column TIME --event EVENT``: ``[time, event]``; UsageError when
    the options do not fit a survival target.

    >>> survival_columns(["time"], "died", None, None)
    ['time', 'died']
    >>> survival_columns(None, "died", None, None)
    Traceback (most recent call last):
    ...
    lossadvisor.errors.UsageError: --event needs the time column: --column TIME (one column)
    """
    event = str(event).strip()
    if not event:
        raise UsageError("--event takes a name or an index, got an empty value")
    if task not in (None, "survival"):
        raise UsageError(f"--event names the event column of a survival target; it cannot go with --task {task}")
    if order is not None:
        raise UsageError("--order gives the levels of an ordinal target; it cannot go with --event (survival)")
    if not columns or len(columns) != 1:
        raise UsageError("--event needs the time column: --column TIME (one column)")
    if str(columns[0]).strip() == event:
        raise UsageError(f"--column and --event name the same column {event!r}: the time and the event are two "
                         "columns")
    return [str(columns[0]), event]


class SurvivalAccumulator:
    """The statistics of a time column and an event column, fed block by block, row by row.

    Keeps the time column's :class:`ColumnStats`, the event column's (as written), the times of
    the events (for ties), and the rows left out; the event column's unknown words and values
    other than 0/1 are collected for the error message.
    """

    def __init__(self, name, names):
        self.name = name
        self.names = list(names)
        self.time_name, self.event_name = self.names
        self.censoring = CENSORING_NAME in level_key(self.event_name)
        self.stats = [ColumnStats(self.time_name), ColumnStats(self.event_name)]
        self.event_times = ColumnStats(self.time_name)
        self.rows = self.missing_rows = self.infinite_rows = 0
        self.events = 0
        self.negative = 0
        self.unknown_words = {}  # event column text that is no event or censoring word -> rows
        self.other_values = {}  # event column numbers other than 0 and 1 -> rows
        self.word_values = {}  # event column text -> 1 (event) / 0 (censored), as read
        self.missing_words, self.class_words = {}, {}  # as Accumulator: none are classes here
        self.column_given = self.delimiter_given = False
        self.delimiter, self.header, self.decimal_commas = None, False, 0

    def add(self, block, names):
        import numpy as np

        if len(block.columns) != 2:
            raise InputError(f"{self.name}: --column and --event must name one column each; rows from "
                             f"{block.first_row + 1} hold {len(block.columns)} values")
        time, event = block.columns
        n = block.n
        self.rows += n
        if time.kind == "text":
            raise InputError(f"{self.name}: time column '{self.time_name}' holds text (e.g. "
                             f"{quoted(time.mixed or time.text[0])}): times are numbers >= 0 (durations)")
        t = time.values if time.kind is not None else np.full(n, np.nan)
        e = self._event_values(event, n)
        missing = np.isnan(t) | np.isnan(e)
        infinite = np.isinf(t) & ~missing
        self.missing_rows += int((missing | infinite).sum())  # every row left out, as `missing` reports
        self.infinite_rows += int(infinite.sum())
        kept = ~(missing | infinite)
        t, e = t[kept], e[kept]
        self.negative += int(np.count_nonzero(t < 0))
        self.stats[0].add_numeric(t, time.kind)
        is_event = e == 1
        self.events += int(is_event.sum())
        self.event_times.add_numeric(t[is_event], time.kind)
        if event.kind == "text":
            rows = np.bincount(event.codes[kept], minlength=len(event.text))
            self.stats[1].add_text([w for w, c in zip(event.text, rows) if c], rows[rows > 0])
        elif event.kind is not None:
            self.stats[1].add_numeric(event.values[kept], event.kind)

    def _event_values(self, event, n):
        """Per row 1 (event), 0 (censored) or NaN (missing, or a value reported at the end)."""
        import numpy as np

        if event.kind is None:
            return np.full(n, np.nan)
        if event.kind == "text":
            per_text = np.full(len(event.text) + 1, np.nan)  # the last entry: code -1, a missing cell
            for i, (word, rows) in enumerate(zip(event.text, event.counts.tolist())):
                value = event_value(word)
                if value is None:
                    self.unknown_words[word] = self.unknown_words.get(word, 0) + int(rows)
                    continue
                self.word_values[word] = value
                per_text[i] = value
            e = per_text[event.codes]
        else:
            e = event.values.copy()
            other = ~np.isnan(e) & (e != 0) & (e != 1)
            if other.any():
                values, rows = np.unique(e[other], return_counts=True)
                for v, c in zip(values.tolist(), rows.tolist()):
                    self.other_values[v] = self.other_values.get(v, 0) + int(c)
                e[other] = np.nan
        return 1 - e if self.censoring else e


def decide_survival(acc):
    """The survival framing of the accumulated time and event columns (see the module docstring).

    >>> import numpy as np
    >>> r = decide_survival(accumulate_survival(np.array([5.0, 3.5, 3.5, 8.0, 1.0]), np.array([1, 1, 1, 0, 0])))
    >>> r.answers, r.survival["tied_event_times"]
    ({'task': 'survival', 'time': 'continuous'}, 1)
    """
    from lossadvisor.infer.decide import Framing, id_like_integers, integer_run

    r = Framing()
    name, tn, en = acc.name, acc.time_name, acc.event_name
    n = acc.stats[0].n
    _event_column_is_binary(acc)  # first: values other than 0/1 are left out, and may be every row
    if n == 0:
        infinite = ", or has an infinite time" if acc.infinite_rows else ""
        raise InputError(f"{name}: every row misses its time or its event{infinite} (columns '{tn}', '{en}'; "
                         f"{acc.rows:,} rows)")
    if acc.negative:
        raise InputError(f"{name}: time column '{tn}' has {acc.negative:,} negative value"
                         f"{'s' if acc.negative > 1 else ''} (the smallest {fmt_value(acc.stats[0].vmin)}): survival "
                         "times are durations >= 0")
    run = integer_run(acc.stats[0])
    if run:
        raise InputError(f"{name}: time {run}: a row number or an ID, not a survival time; name the time column "
                         "with --column")
    id_like = id_like_integers(acc.stats[0])
    if id_like:
        r.warnings.append(f"time {id_like}")
    events, censored = acc.events, n - acc.events
    if events == 0:
        raise InputError(f"{name}: event column '{en}' has no event in {n:,} rows (every row is censored): no "
                         "survival loss learns from it (the Cox partial likelihood has no term)")
    unread = acc.missing_rows - acc.infinite_rows
    if unread:
        r.warnings.append(f"{unread:,} of {acc.rows:,} rows miss their time or event; "
                          f"{'it was' if unread == 1 else 'they were'} left out")
    if acc.infinite_rows:
        r.warnings.append(f"{acc.infinite_rows:,} row{'s' if acc.infinite_rows > 1 else ''} with an infinite time "
                          "left out")
    if acc.censoring:
        r.warnings.append(f"column '{en}' is read as a censoring indicator by its name (1 = censored, 0 = event): "
                          f"the survival losses take the event indicator, 1 - {en}")
    if censored == 0:
        r.warnings.append(f"no row is censored: every one of the {n:,} rows has its event; the survival losses "
                          "apply, and so would a regression on the (log) times")
    tied = acc.event_times.cnts[acc.event_times.cnts > 1] if acc.event_times.distinct is not None else None
    if tied is None:
        ties = "ties not counted (too many distinct event times)"
    elif len(tied):
        ties = (f"ties: {len(tied):,} event time{'s' if len(tied) > 1 else ''} shared by {int(tied.sum()):,} events "
                "(the Cox partial likelihood takes them with Breslow's approximation)")
    else:
        ties = "no tied event times"
    st = acc.stats[0]
    reading = _event_reading(acc)
    r.set("task", "survival", f"time column '{tn}' ({n:,} values from {fmt_value(st.vmin)} to {fmt_value(st.vmax)}) "
                              f"with event column '{en}' ({reading}): {events:,} events ({percent(events, n)}), "
                              f"{censored:,} censored ({percent(censored, n)}); {ties}")
    if acc.word_values:
        r.label_mapping = dict(sorted(acc.word_values.items(), key=lambda kv: (kv[1], kv[0])))
    _time_answer(acc, r)
    r.survival = {"time_column": tn, "event_column": en, "events": events, "censored": censored,
                  "censored_share": round(censored / n, 6),
                  "tied_event_times": None if tied is None else len(tied),
                  "events_in_ties": None if tied is None else int(tied.sum())}
    return r


def _event_reading(acc) -> str:
    """How the event column was read, for the evidence."""
    if acc.word_values:
        event = sorted(w for w, v in acc.word_values.items() if v == 1)
        censored = sorted(w for w, v in acc.word_values.items() if v == 0)
        return (f"{', '.join(quoted(w) for w in event) or 'no event word'} = event, "
                f"{', '.join(quoted(w) for w in censored) or 'no censoring word'} = censored")
    yes, no = ("true", "false") if acc.stats[1].kinds == {"bool"} else ("1", "0")
    if acc.censoring:
        return f"a censoring indicator, by its name: {yes} = censored, {no} = event; the losses take 1 - it"
    return f"{yes} = event, {no} = censored"


def _event_column_is_binary(acc) -> None:
    """InputError for event column values that are neither an event nor a censoring mark."""
    en = acc.event_name
    if acc.unknown_words:
        words = sorted(acc.unknown_words.items(), key=lambda kv: -kv[1])
        shown = ", ".join(f"{quoted(w)} ({c:,} row{'s' if c > 1 else ''})" for w, c in words[:5])
        raise InputError(f"{acc.name}: event column '{en}' holds {shown}, neither an event word (1, true, yes, "
                         "event, died, ...) nor a censoring word (0, false, no, censored, alive, ...): recode it as "
                         "1 = event, 0 = censored")
    if acc.other_values:
        values = sorted(acc.other_values)
        seen = set(values) | (set() if acc.stats[1].is_text else {float(v) for v in acc.stats[1].keys.tolist()})
        shown = ", ".join(fmt_value(v) for v in values[:6])
        if seen <= {1.0, 2.0}:
            hint = "; 1/2 is R's survival coding (1 = censored, 2 = event): recode as 0/1"
        elif 2.0 in seen and seen <= {0.0, 1.0, 2.0, 3.0, 4.0, 5.0}:
            hint = ("; codes 0, 1, 2, ... are competing event types: keep one event type as 1, everything else "
                    "as 0")
        else:
            hint = "; recode it as 1 = event, 0 = censored"
        raise InputError(f"{acc.name}: event column '{en}' is not binary: it holds {shown} besides 0 and 1{hint}")


def _time_answer(acc, r) -> None:
    """``time`` (and ``intervals``): discrete for few integer times from 0 or 1, else continuous."""
    st = acc.stats[0]
    top = threshold("survival_max_intervals")
    lo, hi = st.vmin, st.vmax
    if st.integral and hi <= top and (hi + 1 if lo == 0 else hi) >= 2:
        intervals = int(hi) + 1 if lo == 0 else int(hi)
        index = "the interval index is the time itself" if lo == 0 else \
            f"the interval index is time - 1 (times 1..{int(hi)} -> 0..{intervals - 1})"
        r.set("time", "discrete", f"every time is an integer from {fmt_value(lo)} to {fmt_value(hi)}, at most "
                                  f"{top} (survival_max_intervals): time intervals")
        r.set("intervals", intervals, f"{intervals} intervals; {index}")
        if lo != 0:
            r.warnings.append(f"the times run from 1: the discrete-time hazard loss takes the interval index "
                              f"0..{intervals - 1}, so use time - 1 as the first target column")
        r.ambiguous("time", "discrete", {"time": "continuous"},
                    "integer times may be durations rounded to whole units (days, months) rather than intervals",
                    "if the times are durations and a risk ranking is what you need, answer time=continuous "
                    "(lossadvisor recommend --answer time=continuous)")
        return
    if st.integral:
        why = (f"integer times from {fmt_value(lo)} to {fmt_value(hi)}, "
               + (f"more than {top} (survival_max_intervals)" if hi > top else "a single interval"))
    else:
        why = f"times from {fmt_value(lo)} to {fmt_value(hi)}, not all integers"
    r.set("time", "continuous", f"{why}: a duration")
    r.ambiguous("time", "continuous", {"time": "discrete"},
                "the times can also be binned into intervals (months, years) for a survival curve per subject",
                "to fit a discrete-time hazard model, bin the times into intervals and answer time=discrete with "
                "--answer intervals=N")


def accumulate_survival(time, event, name: str = "array", names=("time", "event")) -> SurvivalAccumulator:
    """The statistics of in-memory ``time`` and ``event`` arrays (1-D, of one length), read in blocks.

    >>> acc = accumulate_survival([1.0, 2.0, 2.5], ["died", "alive", "died"])
    >>> acc.events, acc.stats[0].n
    (2, 3)
    """
    import numpy as np

    from lossadvisor.datareaders import ROWS_PER_BLOCK, Block, _array_chunks

    time, event = np.asarray(time), np.asarray(event)
    if time.ndim != 1 or event.ndim != 1 or len(time) != len(event):
        raise InputError(f"{name}: the times and the events must be 1-D arrays of one length, got shapes "
                         f"{time.shape} and {event.shape}")
    if event.dtype.hasobject:
        event = np.array(["" if v is None else str(v) for v in event.tolist()], dtype=str)
    acc = SurvivalAccumulator(name, names)
    for i in range(0, len(time), ROWS_PER_BLOCK):
        rows = slice(i, i + ROWS_PER_BLOCK)
        chunks = _array_chunks(time[rows]) + _array_chunks(event[rows])
        acc.add(Block(chunks, len(time[rows]), i, 0), acc.names)
    return acc
