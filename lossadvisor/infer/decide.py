"""The decision of `lossadvisor infer`: one named function per rule, applied in the documented order.

Each rule takes the statistics (an :class:`~lossadvisor.infer.stats.Accumulator` for several target
columns, a :class:`~lossadvisor.infer.stats.ColumnStats` for one) and a :class:`Framing`; when
its condition holds it sets the answers, with evidence, warnings and ambiguities, and returns
True. :func:`decide` applies them in order and the first that returns True decides: a rule only
looks at its own condition, the rules before it have ruled themselves out.

Several target columns (:data:`MATRIX_RULES`):
  1. :func:`one_hot_rows`             every cell 0 or 1, every row exactly one 1
  2. :func:`multi_hot_rows`           every cell 0 or 1, otherwise
  3. :func:`probability_rows`         every cell >= 0, every row sums to 1
  4. :func:`multi_output_regression`  otherwise
One target column, before the rules: :func:`missing_words_as_levels` (a missing-value word that
``--order`` lists, or that is a level of the known ordered scale the other values belong to, is a
level), :func:`missing_words_as_classes` (a frequent missing-value word of a text column of few
values is a class), :func:`not_an_id_column` and :func:`wrong_delimiter`
(IDs, timestamps and lines split at the wrong delimiter stop with an InputError; integers of one
run only warn when --column or --task chose the column) and
:func:`id_like_integers` (distinct integers of one length: a warning). Then (:data:`COLUMN_RULES`):
  5. :func:`~lossadvisor.infer.ordinal.ordered_words`         text of a known ordered scale (any case)
  6. :func:`text_labels`              text
  7. :func:`single_value`             one distinct value
  8. :func:`two_values`               two distinct numbers
  9. :func:`~lossadvisor.infer.ordinal.integer_scale_levels`  integers of a rating scale (1..K, 0..10)
 10. :func:`integer_class_labels`     class-like integers with 3 or more distinct values
 11. :func:`single_output_regression` everything else
A task given by the caller replaces the rules' choice of task: :data:`COLUMN_TASK_RULES` and
:data:`MATRIX_TASK_RULES` derive the other answers for it, or say why the data cannot be such a target.
``--order`` (levels lowest first) makes the column ordinal with those levels
(:func:`~lossadvisor.infer.ordinal.ordered_by_caller`). Survival (a time column with ``--event``)
is decided by :func:`lossadvisor.infer.survival.decide_survival`, not by these rules.
"""

from __future__ import annotations

from lossadvisor.errors import InputError, UsageError
from lossadvisor.infer.imbalance import imbalance_from_counts, imbalance_multilabel
from lossadvisor.infer.ordinal import (integer_scale, integer_scale_levels, ordered_by_caller, ordered_words,
                                       ordinal_column, words_of_a_scale_but_one)
from lossadvisor.infer.stats import weighted_quantiles
from lossadvisor.infer.target import count_rule, integer_shape, outliers, target_verdict
from lossadvisor.infer.thresholds import (FEW_INTEGERS, LABEL_MAPPING_MAX, MISSING_CLASS_MAX_DISTINCT,
                                          NONE_ROWS_SHARE, threshold)
from lossadvisor.infer.values import distribution_text, fmt_value, is_number, missing_tokens_text, percent, quoted

# the words that make one of two string labels the negative class (0) or the positive one (1)
NEGATIVE_WORDS = frozenset({"false", "no", "n", "neg", "negative", "ham", "normal", "benign", "healthy",
                            "legit", "legitimate", "other", "off", "f"})
POSITIVE_WORDS = frozenset({"true", "yes", "y", "pos", "positive", "spam", "fraud", "malignant", "anomaly",
                            "abnormal", "sick", "on", "t"})


class Framing:
    """The answers the data decides, each with its evidence; warnings; ambiguities; a label mapping."""

    def __init__(self):
        self.answers = {}
        self.evidence = {}
        self.warnings = []
        self.ambiguities = []
        self.label_mapping = None
        self.survival = None  # survival targets: the counts of events, censored rows and ties

    def set(self, key, value, why):
        self.answers[key] = value
        self.evidence[key] = why

    def ambiguous(self, answer, chosen, alternative, why, settle):
        self.ambiguities.append({"answer": answer, "chosen": chosen, "alternative": alternative,
                                 "why": why, "settle": settle})


def named_task(task: str | None) -> str | None:
    """The task of :data:`TASKS` that ``task`` names, in any case (``Binary`` is binary); None
    stays None; any other is a UsageError listing the tasks and suggesting the nearest.

    >>> named_task("Binary"), named_task(None)
    ('binary', None)
    """
    if task is None:
        return None
    from lossadvisor.textutil import preview, suggest

    text = str(task).strip()
    known = next((t for t in TASKS if t.casefold() == text.casefold()), None)
    if known is None:
        raise UsageError(f"unknown task {preview(text)}; choose from: {', '.join(TASKS)}"
                         f"{suggest(text, TASKS, fold_case=True)}")
    return known


def decide(acc, task=None, order=None) -> Framing:
    """The framing of the accumulated target: warnings on missing and mixed values, then the rules.

    ``task`` (one of :data:`TASKS`), when given, overrides the task the rules infer: the other answers
    (labels, classes, imbalance, target, ...) are then derived from the data under that task, by
    :data:`COLUMN_TASK_RULES` / :data:`MATRIX_TASK_RULES`; data that cannot be such a target raises
    ``InputError`` naming the data. ``order`` (the levels of ``--order``, lowest first; see
    :func:`~lossadvisor.infer.ordinal.parse_order`) makes one column ordinal with those levels.
    """
    if acc.stats is None or acc.rows == 0:
        raise InputError(f"{acc.name}: no data rows")
    task = named_task(task)
    if task == "survival":
        raise UsageError("--task survival needs the event column: --event NAME|INDEX (and --column for the time)")
    if order is not None and task not in (None, "ordinal"):
        raise UsageError(f"--order gives the levels of an ordinal target; it cannot go with --task {task}")
    if order is not None and len(acc.stats) > 1:
        raise UsageError("--order applies to one target column of levels; several --column values were given")
    r = Framing()
    levels_note = None
    if len(acc.stats) == 1:
        levels_note = missing_words_as_levels(acc, order)
        missing_words_as_classes(acc, r)
    names = ", ".join(f"'{n}'" for n in acc.names)
    if all(st.n == 0 for st in acc.stats) or (acc.matrix is not None and acc.matrix.rows == 0):
        what = f"every row has a missing ({missing_tokens_text()})" + (" or infinite" if acc.infinite_rows else "") \
            + " value"
        raise InputError(f"{acc.name}: target column{'s' if len(acc.stats) > 1 else ''} {names}: {what} "
                         f"({acc.rows:,} rows)")
    if acc.missing_rows:
        r.warnings.append(f"{acc.missing_rows:,} of {acc.rows:,} rows {'has' if acc.missing_rows == 1 else 'have'} "
                          f"a missing target value ({missing_words_text(acc)}); "
                          f"{'it was' if acc.missing_rows == 1 else 'they were'} left out")
    if acc.infinite_rows:
        r.warnings.append(f"{acc.infinite_rows:,} row{'s' if acc.infinite_rows > 1 else ''} with an infinite target "
                          "value left out")
    for st in acc.stats:
        if st.mixed:
            r.warnings.append(f"column '{st.name}' mixes numbers and text (e.g. {quoted(st.first_text)}); "
                              "every value was read as a text label")
    if len(acc.stats) > 1:
        rules, subject, forced_rule = MATRIX_RULES, acc, MATRIX_TASK_RULES.get(task)
    else:
        rules, subject, forced_rule = COLUMN_RULES, acc.stats[0], COLUMN_TASK_RULES.get(task)
        chosen_by = "--column named it" if acc.column_given else "--task was given" if task is not None else None
        id_run = not_an_id_column(subject, acc.name, chosen_by)
        if id_run:
            r.warnings.append(id_run)
        wrong_delimiter(acc)
        id_like = id_like_integers(subject)
        if id_like:
            r.warnings.append(id_like)
    if order is not None:
        reason = ordered_by_caller(subject, r, order)
        if reason:
            raise InputError(f"{acc.name}: {reason}")
        return _reading_evidence(acc, r, levels_note)
    inferred = Framing()
    inferred.warnings = list(r.warnings)
    for rule in rules:
        if rule(subject, inferred):
            break
    if forced_rule is None or inferred.answers.get("task") == task:
        return _reading_evidence(acc, inferred, levels_note)
    reason = forced_rule(subject, r)
    if reason:
        raise InputError(f"{acc.name}: the data cannot be a {task} target: {reason}")
    r.evidence["task"] = f"given; the data alone reads as {inferred.answers['task']}: {inferred.evidence['task']}"
    return _reading_evidence(acc, r, levels_note)


def _reading_evidence(acc, r, levels_note=None):
    """``r``, its task evidence saying which missing-value words were read as levels
    (``levels_note``, from :func:`missing_words_as_levels`) and how many cells were numbers written
    with a decimal comma."""
    if levels_note:
        r.evidence["task"] += f"; {levels_note}"
    if acc.decimal_commas:
        why = "the file has one column" if acc.delimiter == "," else f"the delimiter is {acc.delimiter!r}"
        r.evidence["task"] += (f"; {acc.decimal_commas:,} value{'s' if acc.decimal_commas > 1 else ''} written "
                               f"with a decimal comma (10,5 for 10.5) read as numbers ({why}, and every other "
                               "value is a number)")
    return r


# --------------------------------------------------------------------------- before the rules (one column)


def missing_words_as_levels(acc, order=None) -> str | None:
    """Missing-value words that are levels of an ordered scale, moved from the missing cells to the
    values of a text column, whatever their share of the rows: a word ``--order`` lists (``order``,
    the levels lowest first), or, without ``--order``, a word of the known ordered scale
    (:data:`~lossadvisor.infer.scales.ORDERED_VOCABULARIES`) that the column's other values, at least
    two levels of it, belong to (``none`` beside ``mild`` and ``severe``). Returns the sentence the
    task evidence gets, or None when no word moved.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> acc = accumulate_array(["mild", "severe", "mild"] * 30)
    >>> acc.add_missing({"none": 2, "NA": 1})
    >>> missing_words_as_levels(acc)
    "'none' (2 rows) is read as a level of the known scale the other values belong to, not as a missing value"
    >>> acc.missing_rows, acc.missing_words, acc.class_words, acc.stats[0].text["none"]
    (1, {'NA': 1}, {'none': 2}, 2)
    >>> acc = accumulate_array(["low", "high", "low"] * 30)
    >>> acc.add_missing({"none": 2})
    >>> missing_words_as_levels(acc) is None  # 'none' is no level of low < normal < high
    True
    """
    from lossadvisor.infer.scales import level_key, vocabulary_order

    st = acc.stats[0]
    if not acc.missing_words or not st.is_text or st.text_overflow:
        return None
    if order is not None:
        listed = {level_key(level) for level in order}
        words = [w for w in acc.missing_words if w and level_key(w) in listed]
        why = "a level --order lists"
    else:
        own = vocabulary_order(list(st.text))
        if own is None or len(set(own[1].values())) < 2:
            return None
        words = [w for w in acc.missing_words if w and (vocabulary_order(list(st.text) + [w]) or (None,))[0] == own[0]]
        why = "a level of the known scale the other values belong to"
    for word in words:
        rows = acc.missing_words.pop(word)
        st.add_text([word], [rows])
        acc.missing_rows -= rows
        acc.class_words[word] = rows
    if not words:
        return None
    return "; ".join(f"{quoted(w)} ({acc.class_words[w]:,} row{'s' if acc.class_words[w] > 1 else ''}) is read as "
                     f"{why}, not as a missing value" for w in words)


def missing_words_as_classes(acc, r) -> None:
    """Missing-value words that are classes: in a text column of at most MISSING_CLASS_MAX_DISTINCT
    values, a word the readers take for a missing value (None, NA, null, ...; see
    :data:`lossadvisor.datareaders.MISSING_TOKENS`) that takes at least missing_class_share of the rows
    is a class label and is counted as one; the empty cell and rarer words stay missing.

    A numeric column has no classes of words: there every such word is missing.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> acc = accumulate_array(["Some", "Marked", "Some"] * 20)
    >>> acc.add_missing({"None": 40, "": 3})
    >>> r = Framing()
    >>> missing_words_as_classes(acc, r)
    >>> sorted(acc.stats[0].text.items()), acc.missing_rows, acc.missing_words, acc.class_words
    ([('Marked', 20), ('None', 40), ('Some', 40)], 3, {'': 3}, {'None': 40})
    >>> acc = accumulate_array(["cat", "dog"] * 100)
    >>> acc.add_missing({"NA": 4})  # 4 of 204 rows: 2% < 5%
    >>> missing_words_as_classes(acc, Framing())
    >>> acc.missing_rows, acc.class_words
    (4, {})
    """
    st = acc.stats[0]
    if not acc.missing_words or not st.is_text or st.text_overflow or len(st.text) > MISSING_CLASS_MAX_DISTINCT:
        return
    share = threshold("missing_class_share")
    for word, rows in sorted(acc.missing_words.items()):
        if not word or rows < share * acc.rows:
            continue
        st.add_text([word], [rows])
        acc.missing_rows -= rows
        del acc.missing_words[word]
        acc.class_words[word] = rows
        r.warnings.append(f"{quoted(word)} ({rows:,} rows, {percent(rows, acc.rows)}) is read as a class, not as "
                          f"a missing value: a text column of few values where it takes at least "
                          f"{share:.0%} of the rows (missing_class_share); if it marks a missing label, drop those "
                          "rows")


def missing_words_text(acc) -> str:
    """The missing cells in words: ``'NA' 30 rows, empty 12 rows`` where the readers said which.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> acc = accumulate_array(["a", "b"])
    >>> acc.add_missing({"NA": 30, "": 12})
    >>> missing_words_text(acc)
    "empty 12 rows, 'NA' 30 rows"
    >>> missing_words_text(accumulate_array([1.5, float("nan")]))  # a binary format: no words
    'empty, #n/a, #na, +nan, -nan, <na>, n/a, na, nan, nil, none, null (in any case)'
    """
    words = sorted(acc.missing_words.items())
    if not words:
        return missing_tokens_text()
    parts = [f"{'empty' if not w else quoted(w)} {c:,} row{'' if c == 1 else 's'}" for w, c in words]
    other = acc.missing_rows - sum(c for _, c in words)
    if other > 0:
        parts.append(f"NaN or other {other:,}")
    return ", ".join(parts)


def not_an_id_column(st, name, chosen_by=None) -> str | None:
    """Stop (``InputError``) on a column that is no target: with at least distinct_min_rows rows, more
    than distinct_share_max of them distinct text (IDs, timestamps, whole lines split at the wrong
    delimiter), or integers that are one consecutive run with every value once (row numbers, IDs).

    Presenting such a column as a 2,000-class problem would be a wrong answer; there is no right one.
    Integers of one run are also an honest rank or permutation target: when the caller chose the
    column (``chosen_by`` says how: "--column named it", "--task was given"), they get the warning
    this returns instead of a stop.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> not_an_id_column(accumulate_array(list(range(100, 130))).stats[0], "f.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lossadvisor.errors.InputError: f.csv: column 'array': the 30 values are the integers 100..129, each once: ...
    >>> not_an_id_column(accumulate_array(list(range(1, 31))).stats[0], "f.csv", "--column named it")
    "column 'array': the 30 values are the integers 1..30, each once, like a row number or an ID; read as ..."
    >>> not_an_id_column(accumulate_array(["a", "b", "c"] * 10).stats[0], "f.csv")  # 3 classes: fine
    """
    n = st.n
    if n < threshold("distinct_min_rows"):
        return None
    share = threshold("distinct_share_max")
    if st.is_text:
        k = st.distinct
        if k is not None and k <= share * n or k is None and threshold("distinct_cap") <= share * n:
            return None
        example = min(st.text) if st.text else ""
        many = f"{k:,} of {n:,}" if k is not None else f"more than {threshold('distinct_cap'):,} of {n:,}"
        hint = ""
        sep = next((c for c in (";", "\t", "|", ",") if c in example), None)
        from lossadvisor.datareaders.cells import DECIMAL_COMMA

        if sep == "," and DECIMAL_COMMA.match(example):
            text = next((t for t in sorted(st.text) if not DECIMAL_COMMA.match(t)), None)
            hint = f"; values such as {quoted(example)} are numbers written with a decimal comma" + (
                f", others are text (e.g. {quoted(text)}): clean the text values" if text is not None else
                " in a file delimited by ',': write them with a decimal point")
        elif sep is not None:
            hint = f"; the values contain {sep!r}: is that the delimiter (--delimiter)?"
        elif st.mixed:
            hint = f"; the column mixes numbers and text (e.g. {quoted(st.first_text)}): clean the text values"
        raise InputError(f"{name}: column '{st.name}': {many} values are distinct text (e.g. {quoted(example)}), "
                         f"more than {share:.0%} (distinct_share_max): an ID, a timestamp or a line read with the "
                         f"wrong delimiter, not class labels; choose the target column with --column{hint}")
    run = integer_run(st)
    if run:
        if chosen_by:
            return f"{run}, like a row number or an ID; read as the target because {chosen_by}"
        raise InputError(f"{name}: {run}: a row number or an ID, not a target; choose the target column with "
                         "--column (or name this one with --column to take it as the target, e.g. a rank)")
    return None


def integer_run(st) -> str | None:
    """The words for a column of at least distinct_min_rows integers that are one consecutive run,
    every value once (row numbers, IDs), else None.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> integer_run(accumulate_array(list(range(5, 35))).stats[0])
    "column 'array': the 30 values are the integers 5..34, each once"
    >>> integer_run(accumulate_array(list(range(5, 34)) + [35]).stats[0]) is None  # a gap at 34
    True
    """
    n = st.n
    if not (n >= threshold("distinct_min_rows") and st.integral and st.distinct == n and st.vmax - st.vmin == n - 1):
        return None
    return (f"column '{st.name}': the {n:,} values are the integers {fmt_value(st.vmin)}..{fmt_value(st.vmax)}, "
            "each once")


def id_like_integers(st) -> str | None:
    """A warning for integers that look like IDs or timestamps, else None: in a column of at least
    distinct_min_rows rows, every value a different integer, and all of them with the same number
    of digits, at least id_min_digits (5-digit IDs; epoch seconds, 10 digits from 2001 to 2286;
    epoch milliseconds, 13). A warning, not a stop: a real integer target may be all distinct.

    >>> import numpy as np
    >>> from lossadvisor.infer.stats import accumulate_array
    >>> ids = np.random.default_rng(0).choice(np.arange(10000, 100000), 300, replace=False)
    >>> id_like_integers(accumulate_array(ids).stats[0])  # doctest: +ELLIPSIS
    "column 'array': the 300 values are different integers of 5 digits each (10245..99521): ..."
    >>> id_like_integers(accumulate_array(np.arange(2000) * 7 + 3).stats[0]) is None  # 1 to 5 digits
    True
    >>> id_like_integers(accumulate_array([1200, 1300, 1200] * 10).stats[0]) is None  # repeated values
    True
    """
    n = st.n
    if not (st.integral and n >= threshold("distinct_min_rows") and st.distinct == n and st.vmin >= 0):
        return None
    digits = len(str(int(st.vmin)))
    if digits < threshold("id_min_digits") or len(str(int(st.vmax))) != digits:
        return None
    epoch = ""
    for unit, scale in (("seconds", 1), ("milliseconds", 1000)):
        if len(str(int(1e9 * scale))) == digits:
            import datetime

            def day(v, scale=scale):
                return datetime.datetime.fromtimestamp(v / scale, datetime.timezone.utc).date().isoformat()
            epoch = f"; read as epoch {unit} they are the dates {day(st.vmin)}..{day(st.vmax)}"
    return (f"column '{st.name}': the {n:,} values are different integers of {digits} digits each "
            f"({fmt_value(st.vmin)}..{fmt_value(st.vmax)}){epoch}: they may be IDs or timestamps, not a "
            "target (id_min_digits); if so, choose the target column with --column")


def wrong_delimiter(acc) -> None:
    """Stop (``InputError``) on a text column of delimited data whose every value, and the header
    when there is one, holds the same number (1 or more) of another common delimiter (, ; tab |):
    whole lines read with the wrong ``--delimiter``, whatever the number of distinct values.

    A decimal comma (every value a number once ',' reads as '.') is no delimiter, nor, under a
    delimiter the caller gave (``--delimiter``), a comma followed by a space in every value (text).

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> acc = accumulate_array(["m,yes,0", "f,no,1", "m,no,0"] * 10, "sex,smoker,label")
    >>> acc.delimiter, acc.header = ";", True
    >>> wrong_delimiter(acc)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lossadvisor.errors.InputError: sex,smoker,label: column 'sex,smoker,label': the values all contain ',' 2 times, ...
    >>> acc = accumulate_array(["1,5", "2,25", "0,5"] * 10)
    >>> acc.delimiter = ";"
    >>> wrong_delimiter(acc)  # decimal commas
    """
    st = acc.stats[0]
    if acc.delimiter is None or not st.is_text or st.text_overflow or not st.text:
        return
    for sep in (",", ";", "\t", "|"):
        if sep == acc.delimiter:
            continue
        times = {t.count(sep) for t in st.text}
        if len(times) != 1 or 0 in times or (acc.header and st.name.count(sep) not in times):
            continue
        if sep == "," and all(is_number(t.replace(",", ".")) for t in st.text):
            continue
        if sep == "," and acc.delimiter_given and all(t.count(", ") == t.count(",") for t in st.text):
            continue  # text holding a comma and a space ('Paris, France'), read with the delimiter asked for
        k = times.pop()
        header = ", as does the header" if acc.header else ""
        times_text = f"{k} time{'s' if k > 1 else ''}"
        raise InputError(f"{acc.name}: column '{st.name}': the values all contain {sep!r} {times_text}{header}: "
                         f"is {sep!r} the delimiter? (read with {acc.delimiter!r}; pass --delimiter "
                         f"{'tab' if sep == chr(9) else repr(sep)})")


# --------------------------------------------------------------------------- several target columns


def one_hot_rows(acc, r) -> bool:
    """Rule 1: every cell 0 or 1 and every row exactly one 1 -> multiclass, labels one_hot, classes K.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> one_hot_rows(accumulate_array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]), r)
    True
    >>> r.answers
    {'task': 'multiclass', 'labels': 'one_hot', 'classes': 3, 'imbalance': 'none'}
    >>> one_hot_rows(accumulate_array([[1, 1, 0], [0, 1, 0]]), Framing())
    False
    """
    m = acc.matrix
    k = m.k
    rows = m.rows
    if not (m.all01 and m.card[1] == rows):
        return False
    r.set("task", "multiclass", f"{k} columns of 0/1 and every one of the {rows:,} rows has exactly one 1 "
                                "(one-hot)")
    r.set("labels", "one_hot", f"{k} columns of 0/1, one 1 per row")
    r.set("classes", k, f"{k} columns")
    imbalance_from_counts(r, [acc.names[j] for j in range(k)], m.col_sums)
    if k == 2:
        r.ambiguous("task", "multiclass", {"task": "binary", "labels": "zero_one"},
                    "a one-hot matrix of two columns is a binary target written twice",
                    "keep the second column as a 0/1 label and pass --task binary for one sigmoid unit")
    return True


def multi_hot_rows(acc, r) -> bool:
    """Rule 2: every cell 0 or 1 (rows with any number of ones) -> multilabel, classes K.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> multi_hot_rows(accumulate_array([[1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1]]), r)
    True
    >>> r.answers
    {'task': 'multilabel', 'classes': 3, 'imbalance': 'none'}
    """
    m = acc.matrix
    k = m.k
    rows = m.rows
    if not m.all01:
        return False
    mean_card = float((m.card * range(k + 1)).sum()) / rows
    lo = next(i for i in range(k + 1) if m.card[i])
    hi = max(i for i in range(k + 1) if m.card[i])
    r.set("task", "multilabel", f"{k} columns of 0/1; rows have {lo} to {hi} ones (mean {mean_card:.2f}), "
                                "so the labels are not exclusive")
    r.set("classes", k, f"{k} columns")
    imbalance_multilabel(r, acc.names, m.col_sums, rows)
    zero_rows = int(m.card[0])
    if m.card[1] + zero_rows == rows and zero_rows and zero_rows / rows <= NONE_ROWS_SHARE:
        r.ambiguous("task", "multilabel", {"task": "multiclass", "labels": "one_hot", "classes": k + 1},
                    f"every row has one 1 except {zero_rows:,} rows with none: a one-hot matrix whose "
                    "rows of zeros may mean 'none of these'",
                    "if each example has exactly one class, add a 'none' column and pass "
                    "--task multiclass --labels one_hot")
    if m.card[1] == 0 and hi == 0:
        r.warnings.append("every row is all zeros: no label is ever positive")
    return True


def probability_rows(acc, r) -> bool:
    """Rule 3: every cell >= 0 and every row sums to 1 (row_sum_tolerance) -> multiclass, labels probabilities.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> probability_rows(accumulate_array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]]), r)
    True
    >>> r.answers
    {'task': 'multiclass', 'labels': 'probabilities', 'classes': 3, 'imbalance': 'none'}
    """
    m = acc.matrix
    k = m.k
    rows = m.rows
    if not (m.nonneg and m.sum1 == rows):
        return False
    r.set("task", "multiclass", f"{k} columns of non-negative numbers and every one of the {rows:,} rows "
                                f"sums to 1 (within {threshold('row_sum_tolerance')}): class probabilities")
    r.set("labels", "probabilities", "rows are probability vectors (soft labels), not all 0/1")
    r.set("classes", k, f"{k} columns")
    imbalance_from_counts(r, list(acc.names), m.col_sums, soft=True)
    return True


def multi_output_regression(acc, r) -> bool:
    """Rule 4: any other numeric columns -> regression, outputs K; target and outliers from the columns.

    The target kind when every column agrees (else real); outliers when any column has them.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> multi_output_regression(accumulate_array([[1.5, 20.0], [2.5, 24.0], [-0.5, 17.0], [0.2, 18.5]]), r)
    True
    >>> r.answers
    {'task': 'regression', 'outputs': 2, 'target': 'real', 'outliers': 'no'}
    """
    m = acc.matrix
    k = m.k
    r.set("task", "regression", f"{k} numeric columns that are neither 0/1 labels nor rows of probabilities")
    r.set("outputs", k, f"{k} target columns")
    verdicts = [target_verdict(st) for st in acc.stats]
    kinds = {v[0] for v in verdicts}
    if len(kinds) == 1:
        target = verdicts[0][0]
        r.set("target", target, f"every column is {target}; '{acc.stats[0].name}': {verdicts[0][1]}")
        ambiguity = next((v[2] for v in verdicts if v[2] is not None), None)
        if ambiguity is not None:
            r.ambiguous("target", target, *ambiguity)
    else:
        target = "real"
        per = "; ".join(f"'{st.name}' {v[0]}" for st, v in zip(acc.stats, verdicts))
        r.set("target", "real", f"the columns differ ({per}); real is the kind they share")
        r.warnings.append(f"the target columns are of different kinds ({per}); one loss fits one kind: "
                          "consider separate heads")
    outl = [(outliers(st, target), st.name) for st in acc.stats]
    yes = [(o, nm) for o, nm in outl if o[0] == "yes"]
    if yes:
        r.set("outliers", "yes", f"column '{yes[0][1]}': {yes[0][0][1]}")
    else:
        worst = max(outl, key=lambda o: o[0][2])
        r.set("outliers", "no", f"no column has outliers; the most: '{worst[1]}': {worst[0][1]}")
    in01 = all(st.vmin >= 0 and st.vmax <= 1 for st in acc.stats)
    if in01 and m.nonneg:
        r.ambiguous("task", "regression", {"task": "multilabel", "classes": k},
                    "every value lies in [0, 1]: these may be soft multi-label targets (probabilities per "
                    "label), which a sigmoid per unit with binary cross-entropy fits",
                    "if each column is the probability of a label, pass --task multilabel")
    return True


# --------------------------------------------------------------------------- one target column


def text_labels(st, r) -> bool:
    """Rule 6: text. Two strings -> binary zero_one (true/false, or the negative word, -> 0, else sorted
    order); three or more -> multiclass, labels integer (sorted mapping); one -> a single class.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> text_labels(accumulate_array(["spam", "ham", "spam", "ham", "spam"]).stats[0], r)
    True
    >>> r.answers, r.label_mapping
    ({'task': 'binary', 'labels': 'zero_one', 'imbalance': 'none'}, {'ham': 0, 'spam': 1})
    >>> r = Framing()
    >>> text_labels(accumulate_array(["cat", "dog", "bird", "cat"]).stats[0], r)
    True
    >>> r.answers, r.label_mapping
    ({'task': 'multiclass', 'labels': 'integer', 'classes': 3, 'imbalance': 'none'}, {'bird': 0, 'cat': 1, 'dog': 2})
    """
    if not st.is_text:
        return False
    if st.text_overflow:
        r.set("task", "multiclass", f"too many distinct strings to count (over {threshold('distinct_cap'):,}, "
                                    "or over 16 Mi characters)")
        r.set("labels", "integer", "strings, to be encoded as integer class indices")
        r.warnings.append(f"column '{st.name}' holds too many distinct strings to count: is it really the label "
                          "column? (classes and imbalance left out)")
        return True
    items = sorted(st.text.items())
    k = len(items)
    n = st.n
    labels = [t for t, _ in items]
    counts = [c for _, c in items]
    if k == 1:
        r.set("task", "binary", f"one distinct value: {quoted(labels[0])} ({n:,} rows)")
        r.set("labels", "zero_one", "one string label")
        r.warnings.append(f"only one class is present (every value is {quoted(labels[0])}): a classifier cannot "
                          "learn from it; check that the file holds every class")
        r.ambiguous("task", "binary", {"task": "multiclass"},
                    "with a single class present the data cannot tell how many classes there are",
                    "check the data holds examples of every class; pass --task if you know it")
        return True
    dist = ", ".join(f"{quoted(t)} ({percent(c, n)})" for t, c in
                     (sorted(items, key=lambda kv: -kv[1])[:6] if k > 6 else items))
    if k > 6:
        dist += ", ..."
    if k == 2:
        low = [t.lower() for t in labels]
        if set(low) == {"true", "false"}:
            neg = labels[low.index("false")]
            how = "true/false: false -> 0, true -> 1"
        else:
            neg = _negative_of(labels)
            if neg is not None:
                how = f"{quoted(neg)} reads as the negative class"
            else:
                neg = labels[0]
                how = "sorted order"
        pos = labels[1] if neg == labels[0] else labels[0]
        r.set("task", "binary", f"2 distinct values: {dist}")
        r.set("labels", "zero_one", f"two strings: {quoted(neg)} -> 0, {quoted(pos)} -> 1 ({how})")
        r.label_mapping = {neg: 0, pos: 1}
        imbalance_from_counts(r, [quoted(neg), quoted(pos)], [st.text[neg], st.text[pos]])
        return True
    r.set("task", "multiclass", f"{k} distinct strings: {dist}")
    r.set("labels", "integer", f"strings, encoded as integer class indices 0..{k - 1} in sorted order")
    r.set("classes", k, f"{k} distinct strings")
    r.label_mapping = {t: i for i, t in enumerate(labels)} if k <= LABEL_MAPPING_MAX else None
    imbalance_from_counts(r, [quoted(t) for t in labels], counts)
    words_of_a_scale_but_one(st, r)
    if st.mixed:
        nums = sum(1 for t in labels if is_number(t))
        if nums:
            r.ambiguous("task", "multiclass", {"task": "regression"},
                        f"{nums} of the {k} distinct values are numbers: the text may be stray entries in a "
                        "numeric column",
                        "clean the column (the text values) if the target is numeric")
    return True


def _negative_of(labels):
    """The one of two labels that reads as the negative class (NEGATIVE_WORDS, POSITIVE_WORDS), or None."""
    low = [t.lower() for t in labels]
    neg = [t for t, lo in zip(labels, low) if lo in NEGATIVE_WORDS]
    pos = [t for t, lo in zip(labels, low) if lo in POSITIVE_WORDS]
    if len(neg) == 1 and neg[0] not in pos:
        return neg[0]
    if len(pos) == 1:
        return labels[1] if pos[0] == labels[0] else labels[0]
    return None


def single_value(st, r) -> bool:
    """Rule 7: one distinct number -> a single class (0, 1 or -1: binary) or a constant (regression).

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> single_value(accumulate_array([1, 1, 1]).stats[0], r), r.answers
    (True, {'task': 'binary', 'labels': 'zero_one'})
    >>> r = Framing()
    >>> single_value(accumulate_array([2.5, 2.5]).stats[0], r), r.answers
    (True, {'task': 'regression', 'outputs': 1})
    """
    if st.distinct != 1:
        return False
    value = st.keys.tolist()[0]
    n = st.n
    label = fmt_value(value)
    if value in (0.0, 1.0, -1.0):
        r.set("task", "binary", f"one distinct value: {label} ({n:,} rows)")
        r.set("labels", "plus_minus_one" if value == -1.0 else "zero_one",
              f"the value {label} is a {'-1/+1' if value == -1.0 else '0/1'} label")
        r.warnings.append(f"only one class is present (every value is {label}): a classifier cannot learn "
                          "from it; check that the file holds every class")
        r.ambiguous("task", "binary", {"task": "multiclass"},
                    "with a single class present the data cannot tell how many classes there are",
                    "check the data holds examples of every class (a filter or a split may have dropped "
                    "them); pass --task if you know it")
        return True
    r.set("task", "regression", f"one distinct value: {label} ({n:,} rows), not a 0/1 label")
    r.set("outputs", 1, "1 target column")
    r.warnings.append(f"the target is constant ({label}): there is nothing to learn; check the column")
    r.ambiguous("task", "regression", {"task": "binary"},
                "a single value may also be the only class present of a classification target",
                "check the column holds every example; pass --task binary or multiclass if these are labels")
    return True


def two_values(st, r) -> bool:
    """Rule 8: two distinct numbers -> binary; labels plus_minus_one for {-1, +1}, else zero_one
    ({0, 1} as is, any other pair mapped smaller -> 0).

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> two_values(accumulate_array([-1, 1, 1, -1]).stats[0], r), r.answers
    (True, {'task': 'binary', 'labels': 'plus_minus_one', 'imbalance': 'none'})
    >>> r = Framing()
    >>> two_values(accumulate_array([3, 7, 7]).stats[0], r), r.answers, r.label_mapping
    (True, {'task': 'binary', 'labels': 'zero_one', 'imbalance': 'none'}, {'3': 0, '7': 1})
    """
    if st.distinct != 2:
        return False
    vals, cnts = st.keys.tolist(), st.cnts.tolist()
    a, b = vals
    pair = {a, b}
    dist = distribution_text(vals, cnts, st.n, st)
    r.set("task", "binary", f"2 distinct values: {dist}")
    if pair == {-1.0, 1.0}:
        r.set("labels", "plus_minus_one", "the values are -1 and +1")
    elif pair == {0.0, 1.0}:
        kind = "true/false" if st.kinds == {"bool"} else "0 and 1"
        r.set("labels", "zero_one", f"the values are {kind}")
        if st.kinds == {"bool"}:
            r.label_mapping = {"false": 0, "true": 1}
    else:
        r.set("labels", "zero_one", f"two numbers other than 0/1 and -1/+1: map {fmt_value(a)} -> 0 and "
                                    f"{fmt_value(b)} -> 1 (smaller first)")
        r.label_mapping = {fmt_value(a): 0, fmt_value(b): 1}
        r.warnings.append(f"the labels are {fmt_value(a)} and {fmt_value(b)}: map them to 0 and 1 before training")
    imbalance_from_counts(r, [fmt_value(v) for v in vals], cnts)
    if st.float_stored and pair == {0.0, 1.0}:
        r.ambiguous("task", "binary", {"task": "regression"},
                    "the column holds the floats 0.0 and 1.0: class labels stored as floats, or a measured "
                    "quantity that happens to take two values",
                    "if 0.0/1.0 are measurements rather than classes, pass --task regression")
    elif pair not in ({0.0, 1.0}, {-1.0, 1.0}):
        r.ambiguous("task", "binary", {"task": "regression"},
                    f"two distinct numbers ({fmt_value(a)}, {fmt_value(b)}) may be two classes or a measurement "
                    "that takes two values here",
                    "if the values are measurements, pass --task regression")
    return True


def integer_class_labels(st, r) -> bool:
    """Rule 10: integers with 3 or more distinct values, contiguous, starting at -1, 0 or 1, at most
    class_max_distinct of them, and a histogram that is not count-shaped -> multiclass, labels integer.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> integer_class_labels(accumulate_array([0, 1, 2, 3, 2, 1, 0, 3]).stats[0], r), r.answers
    (True, {'task': 'multiclass', 'labels': 'integer', 'classes': 4, 'imbalance': 'none'})
    >>> counts = [0] * 40 + [1] * 25 + [2] * 12 + [3] * 6 + [4] * 3 + [5]
    >>> integer_class_labels(accumulate_array(counts).stats[0], Framing())  # count-shaped
    False
    """
    k = st.distinct
    if not (st.integral and k is not None and k <= threshold("class_max_distinct")):
        return False
    shape = integer_shape(st)
    if not shape["candidate"] or shape["count_shaped"]:
        return False
    keys = st.keys.tolist()
    cnts = st.cnts.tolist()
    lo, hi = shape["lo"], shape["hi"]
    dist = distribution_text(keys, cnts, st.n, st)
    stored = "floats with integer values" if st.float_stored else "integers"
    r.set("task", "multiclass", f"{k} distinct {stored} {lo}..{hi} with no gap and a histogram that is not "
                                f"count-shaped: {dist}")
    r.set("labels", "integer", f"one integer class index per row ({lo}..{hi})")
    r.set("classes", k, f"{k} distinct values {lo}..{hi}")
    imbalance_from_counts(r, [fmt_value(v) for v in keys], cnts)
    if lo != 0:
        r.warnings.append(_reindex_warning(keys))
        r.label_mapping = {fmt_value(v): i for i, v in enumerate(keys)}
    if st.float_stored:
        r.warnings.append("the labels are stored as floats: cast them to integers (int64) for sparse "
                          "cross-entropy")
    if lo >= 0:
        alt = {"task": "regression", "target": "count" if count_rule(st)[0] else "real"}
        r.ambiguous("task", "multiclass", alt,
                    f"integers {lo}..{hi} may be class indices or counts; their histogram does not fall "
                    "away like a count's, so they are read as classes",
                    "if the values count something (events, items), pass --task regression --target count")
    else:
        r.ambiguous("task", "multiclass", {"task": "regression", "target": "real"},
                    f"integers {lo}..{hi} may be ordered scores rather than classes",
                    "if the values are measurements, pass --task regression")
    if k >= threshold("ordinal_min_levels"):
        r.ambiguous("task", "multiclass", {"task": "ordinal", "classes": k},
                    integer_scale(st)[1] or f"integers {lo}..{hi} may be ordered levels (a grade, a severity, a "
                                            "rating) rather than unordered classes",
                    "if the values are ordered levels, pass --task ordinal")
    return True


def _reindex_warning(keys) -> str:
    """The warning for integer class labels other than 0..K-1 (sorted ``keys``), and what to do.

    >>> _reindex_warning([1.0, 2.0, 3.0])
    'the class labels run 1..3: shift them to 0..2 (sparse cross-entropy expects 0-based class indices)'
    >>> _reindex_warning([-1.0, 1.0])  # doctest: +ELLIPSIS
    'the class labels are -1, 1: map them to 0..1 (the label mapping) before training (sparse ...)'
    """
    k = len(keys)
    lo, hi = fmt_value(keys[0]), fmt_value(keys[-1])
    why = "(sparse cross-entropy expects 0-based class indices)"
    if keys[-1] - keys[0] == k - 1:
        return f"the class labels run {lo}..{hi}: shift them to 0..{k - 1} {why}"
    shown = ", ".join(fmt_value(v) for v in keys[:6]) + (f", ... {hi}" if k > 6 else "")
    return f"the class labels are {shown}: map them to 0..{k - 1} (the label mapping) before training {why}"


def single_output_regression(st, r) -> bool:
    """Rule 11: everything else -> regression, outputs 1; target count, positive_wide or real; outliers.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> single_output_regression(accumulate_array([0.5, -1.2, 3.3, 2.0, 0.1]).stats[0], r), r.answers
    (True, {'task': 'regression', 'target': 'real', 'outliers': 'no', 'outputs': 1})
    >>> r = Framing()
    >>> counts = [0] * 40 + [1] * 25 + [2] * 12 + [3] * 6 + [4] * 3 + [5]
    >>> single_output_regression(accumulate_array(counts).stats[0], r), r.answers
    (True, {'task': 'regression', 'target': 'count', 'outliers': 'no', 'outputs': 1})
    """
    k = st.distinct
    target, why_target, target_ambiguity = target_verdict(st)
    shape = None
    if not st.integral:
        why = "not all integers, so not class labels"
    elif k is None or k > threshold("class_max_distinct"):
        why = f"more than {threshold('class_max_distinct'):,} distinct integers (class_max_distinct)"
    else:
        shape = integer_shape(st)
        if shape["count_shaped"]:
            why = (f"the histogram falls away after its mode {fmt_value(shape['mode'])} like a count's: down at "
                   f"{shape['decreasing']} of {shape['steps']} steps, the largest value at {shape['ratio']:.2%} "
                   "of the mode (count_tail_*)")
        elif not shape["contiguous"]:
            why = f"{k} distinct integers with gaps between {shape['lo']} and {shape['hi']}: class indices have none"
        else:
            why = f"the values start at {shape['lo']}, not at 0 or 1 like class indices"
    kd = f"{k:,} distinct" if k is not None else f"more than {threshold('distinct_cap'):,} distinct"
    what = "integers" if st.integral else "real values"
    r.set("task", "regression", f"{st.n:,} {what} from {fmt_value(st.vmin)} to {fmt_value(st.vmax)} ({kd}); {why}")
    r.set("target", target, why_target)
    if target_ambiguity is not None:
        r.ambiguous("target", target, *target_ambiguity)
    o = outliers(st, target)
    r.set("outliers", o[0], o[1])
    r.set("outputs", 1, "1 target column")
    if shape is not None and (shape["candidate"] or k <= FEW_INTEGERS):
        reindex = "" if shape["contiguous"] and shape["lo"] == 0 else f" (and re-index the {k} values to 0..{k - 1})"
        r.ambiguous("task", "regression", {"task": "multiclass", "labels": "integer", "classes": k},
                    f"{k} distinct integers {shape['lo']}..{shape['hi']} may also be class indices",
                    "if each value names a class, pass --task multiclass" + reindex)
    scale_not_taken = integer_scale(st)[1] if shape is not None else None
    if scale_not_taken is not None:
        r.ambiguous("task", "regression", {"task": "ordinal", "classes": shape["hi"] - shape["lo"] + 1},
                    scale_not_taken, "if the values are ratings on a scale, pass --task ordinal")
    if target != "count" and st.integral and st.vmin >= 0:
        r.ambiguous("target", target, {"target": "count"},
                    "the values are non-negative integers, but without small counts "
                    f"(5th percentile above {threshold('count_small')}, count_small)",
                    "if the values count events, pass --target count")
    if target == "real" and st.vmin >= 0 and st.vmax <= 1 and not st.integral:
        r.ambiguous("task", "regression", {"task": "binary", "labels": "zero_one"},
                    "every value lies in [0, 1]: they may be probabilities of a positive class (soft binary "
                    "labels), which a sigmoid with binary cross-entropy fits",
                    "if the values are probabilities of a class, pass --task binary")
    elif target == "real" and st.vmin == 0 and not st.integral:
        vals, w = st.weighted()
        pos = vals > 0
        zeros = float(w[~pos].sum()) / float(w.sum())
        if pos.any() and zeros > threshold("wide_zero_share"):
            q01, q99 = weighted_quantiles(vals[pos], w[pos], [0.01, 0.99])
            if (1 + q99) / (1 + q01) >= threshold("wide_ratio"):
                r.ambiguous("target", "real", {"target": "positive_wide"},
                            f"the positive values span {(1 + q99) / (1 + q01):,.0f} times on the scale 1 + y "
                            f"((1 + 99th) / (1 + 1st percentile), at least "
                            f"{threshold('wide_ratio'):g}, wide_ratio), but {percent(zeros, 1.0)} are zeros "
                            f"(more than {threshold('wide_zero_share'):.0%}, wide_zero_share)",
                            "if relative errors matter, pass --target positive_wide (mean squared "
                            "logarithmic error uses log(1 + y), which accepts zeros)")
    return True


# --------------------------------------------------------------------------- a task given by the caller
# Each returns None when it has set the answers of its task, else the reason the data cannot be such a
# target (decide raises it as an InputError that names the file).

def _values_text(st) -> str:
    """The distinct values of a column, the first few with their shares, for a reason."""
    if st.is_text:
        if st.text_overflow:
            return f"more than {threshold('distinct_cap'):,} distinct strings"
        items = sorted(st.text.items(), key=lambda kv: -kv[1])
        shown = ", ".join(f"{quoted(t)} ({percent(c, st.n)})" for t, c in items[:6])
        return f"{len(items):,} distinct values: {shown}{', ...' if len(items) > 6 else ''}"
    if st.distinct is None:
        return f"more than {threshold('distinct_cap'):,} distinct values"
    return f"{st.distinct:,} distinct values: {distribution_text(st.keys.tolist(), st.cnts.tolist(), st.n, st)}"


def binary_column(st, r):
    """Task binary, one column: two distinct values (text or numbers), one class label present, or
    probabilities in [0, 1] (soft labels: labels zero_one, with a warning).

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> binary_column(accumulate_array([0, 2, 2, 0]).stats[0], r), r.answers["labels"], r.label_mapping
    (None, 'zero_one', {'0': 0, '2': 1})
    >>> binary_column(accumulate_array([0, 1, 2, 1]).stats[0], Framing())  # doctest: +ELLIPSIS
    "column 'array' has 3 distinct values: 0 (25%), 1 (50%), 2 (25%); a binary target has two (or ..."
    >>> r = Framing()
    >>> binary_column(accumulate_array([0.1, 0.75, 0.5, 0.9]).stats[0], r), r.answers
    (None, {'task': 'binary', 'labels': 'zero_one', 'imbalance': 'none'})
    """
    one_label = st.distinct == 1 and (st.is_text or float(st.keys[0]) in (0.0, 1.0, -1.0))
    if st.distinct == 2 or one_label:
        text_labels(st, r) or single_value(st, r) or two_values(st, r)
        return None
    if not st.is_text and st.vmin >= 0 and st.vmax <= 1:
        kd = f"{st.distinct:,}" if st.distinct is not None else f"more than {threshold('distinct_cap'):,}"
        r.set("task", "binary", f"{st.n:,} values in [0, 1] ({kd} distinct): the probability of the positive "
                                "class per row (soft binary labels)")
        r.set("labels", "zero_one", "probabilities in [0, 1], the soft form of 0/1 labels")
        r.warnings.append(f"column '{st.name}' holds soft labels (probabilities from {fmt_value(st.vmin)} to "
                          f"{fmt_value(st.vmax)}), not 0/1: binary cross-entropy with a sigmoid accepts them as "
                          "they are")
        positives = st.mean * st.n  # the expected number of positive rows
        imbalance_from_counts(r, ["0", "1"], [st.n - positives, positives], soft=True)
        return None
    return f"column '{st.name}' has {_values_text(st)}; a binary target has two (or probabilities in [0, 1])"


def multiclass_column(st, r):
    """Task multiclass, one column: text labels, or integers (at most class_max_distinct of them) read as
    class indices in sorted order, whatever their histogram; two classes are allowed.

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> multiclass_column(accumulate_array([0, 1, 1, 0]).stats[0], r), r.answers
    (None, {'task': 'multiclass', 'labels': 'integer', 'classes': 2, 'imbalance': 'none'})
    >>> multiclass_column(accumulate_array([0.5, 1.25, 2.0]).stats[0], Framing())
    "column 'array' holds numbers that are not integers (e.g. 0.5): class labels are integers or text"
    """
    if st.is_text:
        if st.text_overflow or len(st.text) == 1:
            return f"column '{st.name}' has {_values_text(st)}; a multiclass target has at least two classes"
        items = sorted(st.text.items())
        labels = [quoted(t) for t, _ in items]
        mapping = {t: i for i, (t, _) in enumerate(items)}
    else:
        if not st.integral:
            example = next((v for v in st.weighted()[0].tolist() if not float(v).is_integer()), st.vmin)
            return (f"column '{st.name}' holds numbers that are not integers (e.g. {fmt_value(example)}): "
                    "class labels are integers or text")
        if st.distinct is None or st.distinct > threshold("class_max_distinct") or st.distinct < 2:
            return (f"column '{st.name}' has {_values_text(st)}; a multiclass target has 2 to "
                    f"{threshold('class_max_distinct'):,} classes (class_max_distinct)")
        items = list(zip(st.keys.tolist(), st.cnts.tolist()))
        labels = [fmt_value(v) for v, _ in items]
        mapping = {fmt_value(v): i for i, (v, _) in enumerate(items)}
        if labels != [str(i) for i in range(len(items))]:
            r.warnings.append(_reindex_warning(st.keys.tolist()))
    k = len(items)
    r.set("task", "multiclass", f"{k} distinct values: {_values_text(st)}")
    r.set("labels", "integer", f"one class index per row, 0..{k - 1} in sorted order")
    r.set("classes", k, f"{k} distinct values")
    if st.is_text or labels != [str(i) for i in range(k)]:
        r.label_mapping = mapping if k <= LABEL_MAPPING_MAX else None
    imbalance_from_counts(r, labels, [c for _, c in items])
    return None


def multilabel_column(st, r):
    """Task multilabel, one column: never; a multi-label target is one 0/1 column per label."""
    return (f"column '{st.name}' is one column; a multilabel target is one 0/1 column per label: pass "
            "them all with --column")


def regression_column(st, r):
    """Task regression, one column: numbers (rule 9, whatever the rules before it would say)."""
    if st.is_text:
        return f"column '{st.name}' holds text ({_values_text(st)}), not numbers"
    single_output_regression(st, r)
    return None


def binary_matrix(acc, r):
    """Task binary, several columns: two one-hot columns, the second read as the 0/1 label."""
    m = acc.matrix
    if not (m.k == 2 and m.all01 and m.card[1] == m.rows):
        what = "2 columns that are not one-hot" if m.k == 2 else f"{m.k} columns"
        return f"{what}; a binary target is one column, or two one-hot columns"
    r.set("task", "binary", f"2 one-hot columns; the second, '{acc.names[1]}', is the 0/1 label")
    r.set("labels", "zero_one", f"'{acc.names[1]}' is 1, '{acc.names[0]}' is 0")
    imbalance_from_counts(r, [f"'{n}'" for n in acc.names], m.col_sums)
    return None


def multiclass_matrix(acc, r):
    """Task multiclass, several columns: one-hot rows (rule 1) or probability rows (rule 3)."""
    if one_hot_rows(acc, r) or probability_rows(acc, r):
        return None
    return (f"{acc.matrix.k} columns whose rows are neither one-hot (exactly one 1) nor probabilities "
            "(non-negative, summing to 1)")


def multilabel_matrix(acc, r):
    """Task multilabel, several columns: 0/1 cells (rule 2), or soft labels in [0, 1].

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> multilabel_matrix(accumulate_array([[0.9, 0.2], [0.1, 0.7], [0.5, 0.5]]), r), r.answers
    (None, {'task': 'multilabel', 'classes': 2, 'imbalance': 'none'})
    """
    if multi_hot_rows(acc, r):
        return None
    m = acc.matrix
    if not all(0 <= st.vmin and st.vmax <= 1 for st in acc.stats):
        return f"{m.k} columns with values outside [0, 1]; multi-label targets are 0/1 or probabilities per label"
    r.set("task", "multilabel", f"{m.k} columns of values in [0, 1]: a probability per label (soft labels)")
    r.set("classes", m.k, f"{m.k} columns")
    imbalance_multilabel(r, acc.names, m.col_sums, m.rows)
    return None


def ordinal_matrix(acc, r):
    """Task ordinal, several columns: never; an ordinal target is one column of levels."""
    return (f"{acc.matrix.k} columns; an ordinal target is one column of levels (integers or ordered words): "
            "pass it with --column")


def regression_matrix(acc, r):
    """Task regression, several columns: multi-output regression (rule 4)."""
    multi_output_regression(acc, r)
    return None


#: task given by the caller -> its rule for one column / for several columns
COLUMN_TASK_RULES = {"regression": regression_column, "binary": binary_column, "multiclass": multiclass_column,
                     "multilabel": multilabel_column, "ordinal": ordinal_column}
MATRIX_TASK_RULES = {"regression": regression_matrix, "binary": binary_matrix, "multiclass": multiclass_matrix,
                     "multilabel": multilabel_matrix, "ordinal": ordinal_matrix}
#: the tasks a caller may give (survival: a time column with --event, decided by lossadvisor.infer.survival)
TASKS = (*COLUMN_TASK_RULES, "survival")
#: the rules for several target columns, in order: the first that returns True decides
MATRIX_RULES = (one_hot_rows, multi_hot_rows, probability_rows, multi_output_regression)
#: the rules for one target column, in order: the first that returns True decides
COLUMN_RULES = (ordered_words, text_labels, single_value, two_values, integer_scale_levels, integer_class_labels,
                single_output_regression)
