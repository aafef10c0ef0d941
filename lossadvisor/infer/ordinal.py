"""The ordinal rules of `lossadvisor infer`: ordered words, integer rating scales, ``--order``.

Rules of :mod:`lossadvisor.infer.decide` (they take a column's
:class:`~lossadvisor.infer.stats.ColumnStats` and a :class:`~lossadvisor.infer.decide.Framing`):

- :func:`ordered_words` (rule 5): text whose every value is a level of one known ordered vocabulary
  (:data:`~lossadvisor.infer.scales.ORDERED_VOCABULARIES`), in any case, with at least
  ordinal_min_levels levels -> ordinal;
- :func:`integer_scale_levels` (rule 9): integers that run 1..K (K at most ordinal_scale_top) or
  0..ordinal_scale_top, at most ordinal_absent_share_max of the levels absent, and for 0-10 not
  count-shaped with at most ordinal_zero_share_max zeros -> ordinal;
- :func:`ordered_by_caller`: ``--order a,b,c`` fixes the levels (any value not listed is an error);
- :func:`ordinal_column`: ``--task ordinal`` without ``--order``;
- :func:`words_of_a_scale_but_one` (after rule 6 read text as classes): every word but one a level
  of one known vocabulary, at least ordinal_min_levels of them -> ordinal listed as the alternative,
  with the ``--order`` of the known words.

Each proposal of ordinal (the first two) lists multiclass and regression as the alternatives, and
an integer scale whose histogram is count-shaped (count_tail_*) also regression target=count. The
answers: task ordinal, classes K (levels counted from the lowest to the highest, absent ones
included), imbalance over the levels that occur; the label mapping level -> 0..K-1.
"""

from __future__ import annotations

from lossadvisor.errors import UsageError
from lossadvisor.infer.imbalance import imbalance_from_counts
from lossadvisor.infer.scales import level_key, vocabulary_but_one, vocabulary_order
from lossadvisor.infer.target import integer_shape
from lossadvisor.infer.thresholds import threshold
from lossadvisor.infer.values import fmt_value, percent, quoted


def parse_order(order) -> list[str] | None:
    """The levels of ``--order`` (a comma-separated text or a list), lowest first; None stays None.
    UsageError for an empty level, a level given twice (in any case) or fewer than ordinal_min_levels.

    >>> parse_order("none, mild,severe")
    ['none', 'mild', 'severe']
    >>> parse_order("low,High,high")
    Traceback (most recent call last):
    ...
    lossadvisor.errors.UsageError: --order lists the level 'high' twice ('High', 'high'); each level once, lowest first
    """
    if order is None:
        return None
    items = order.split(",") if isinstance(order, str) else [str(o) for o in order]
    levels = [item.strip() for item in items]
    if any(not level for level in levels):
        raise UsageError(f"--order has an empty level ({','.join(levels)!r}); list the levels lowest first, "
                         "separated by commas: --order none,mild,severe")
    seen = {}
    for level in levels:
        key = level_key(level)
        if key in seen:
            raise UsageError(f"--order lists the level {key!r} twice ({seen[key]!r}, {level!r}); each level once, "
                             "lowest first")
        seen[key] = level
    if len(levels) < threshold("ordinal_min_levels"):
        raise UsageError(f"--order lists {len(levels)} level{'s' if len(levels) > 1 else ''}; an ordinal target has "
                         f"at least {threshold('ordinal_min_levels')} (ordinal_min_levels); two ordered values are a "
                         "binary target")
    return levels


def integer_scale(st):
    """``(scale, why_not)``: the rating scale an integer column reads as, else None with, when its
    range is a scale's but its histogram is a count's, the reason in words (else None).

    ``scale``: ``lo``, ``hi``, ``absent`` (the levels no row takes).

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> integer_scale(accumulate_array([1, 2, 4, 5, 4, 2, 1, 5]).stats[0])[0]
    {'lo': 1, 'hi': 5, 'absent': [3]}
    >>> integer_scale(accumulate_array([0, 1, 2, 3, 2, 1, 0]).stats[0])  # 0..3: class indices
    (None, None)
    """
    k = st.distinct
    if not (st.integral and k is not None and k >= threshold("ordinal_min_levels")):
        return None, None
    lo, hi, top = int(st.vmin), int(st.vmax), threshold("ordinal_scale_top")
    if not ((lo == 1 and hi <= top) or (lo == 0 and hi == top)):
        return None, None
    present = {int(v) for v in st.keys.tolist()}
    absent = [v for v in range(lo, hi + 1) if v not in present]
    if len(absent) > threshold("ordinal_absent_share_max") * (hi - lo + 1):
        return None, None
    if lo == 0:
        zeros = float(st.cnts[0]) / st.n
        shape = integer_shape(st)
        if shape["count_shaped"]:
            return None, (f"0..{hi} may be a 0-{hi} rating scale, but the histogram falls away after its mode "
                          f"{fmt_value(shape['mode'])} like a count's (count_tail_*)")
        if zeros > threshold("ordinal_zero_share_max"):
            return None, (f"0..{hi} may be a 0-{hi} rating scale, but {percent(zeros, 1.0)} are zeros (more than "
                          f"{threshold('ordinal_zero_share_max'):.0%}, ordinal_zero_share_max), like counts")
    return {"lo": lo, "hi": hi, "absent": absent}, None


def ordered_words(st, r) -> bool:
    """Rule 5: text whose values are the levels of one known ordered vocabulary (any case), at least
    ordinal_min_levels of them -> ordinal, classes K (the levels that occur), with the mapping.

    >>> from lossadvisor.infer.decide import Framing
    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> ordered_words(accumulate_array(["medium", "low", "High", "medium"] * 5).stats[0], r)
    True
    >>> r.answers, r.label_mapping
    ({'task': 'ordinal', 'classes': 3, 'imbalance': 'none'}, {'low': 0, 'medium': 1, 'High': 2})
    """
    if not st.is_text or st.text_overflow or len(st.text) < threshold("ordinal_min_levels"):
        return False
    found = vocabulary_order(list(st.text))
    if found is None:
        return False
    vocabulary, rank = found
    ranks = sorted(set(rank.values()))
    if len(ranks) < threshold("ordinal_min_levels"):
        return False
    index = {p: i for i, p in enumerate(ranks)}
    spellings = [[t for t in sorted(st.text) if rank[t] == p] for p in ranks]
    scale = " < ".join(level.split("|")[0] for level in vocabulary)
    _set_ordinal(st, r, [level[0] for level in spellings], spellings, {t: index[p] for t, p in rank.items()},
                 f"{len(ranks)} ordered levels of the known scale {scale}")
    _alternatives(r, len(ranks), "words")
    return True


def integer_scale_levels(st, r) -> bool:
    """Rule 9: integers that read as a rating scale (:func:`integer_scale`) -> ordinal, classes K =
    hi - lo + 1 (absent levels included, with a warning), levels from 1 mapped to 0..K-1.

    >>> from lossadvisor.infer.decide import Framing
    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> integer_scale_levels(accumulate_array([1] * 30 + [2] * 20 + [3] * 12 + [4] * 8 + [5] * 4 + [6] * 3).stats[0], r)
    True
    >>> r.answers
    {'task': 'ordinal', 'classes': 6, 'imbalance': 'moderate'}
    """
    scale, _ = integer_scale(st)
    if scale is None:
        return False
    lo, hi = scale["lo"], scale["hi"]
    levels = [fmt_value(v) for v in range(lo, hi + 1)]
    kind = "floats with integer values" if st.float_stored else "integers"
    _set_ordinal(st, r, levels, [[v] for v in levels], {v: i for i, v in enumerate(levels)},
                 f"{kind} {lo}..{hi}, a {lo}-{hi} rating scale ({'1 to at most' if lo == 1 else '0 to exactly'} "
                 f"{threshold('ordinal_scale_top')}, ordinal_scale_top)")
    _alternatives(r, hi - lo + 1, "integers")
    shape = integer_shape(st)
    if shape["count_shaped"]:
        r.ambiguous("task", "ordinal", {"task": "regression", "target": "count"},
                    f"the histogram falls away after its mode {fmt_value(shape['mode'])} like a count's "
                    f"(count_tail_*): {lo}..{hi} may be counts that start at {lo} (rooms, items per order) "
                    "rather than a rating scale",
                    "if the values count something, pass --task regression --target count")
    return True


def words_of_a_scale_but_one(st, r) -> None:
    """Text labels read as classes whose words but one are levels of one known ordered scale, at
    least ordinal_min_levels of them (none, mild, severe beside an unknown 'extreme'): ordinal is
    listed as the alternative, with the ``--order`` of the known words and the unknown one named.

    >>> from lossadvisor.infer.decide import Framing
    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> r.set("task", "multiclass", "4 distinct strings")
    >>> words_of_a_scale_but_one(accumulate_array(["High", "low", "extreme", "medium"] * 5).stats[0], r)
    >>> r.ambiguities[0]["alternative"]
    {'task': 'ordinal', 'classes': 4}
    >>> r.ambiguities[0]["settle"]  # doctest: +ELLIPSIS
    "if the values are ordered levels, pass them lowest first: --order low,medium,High with 'extreme' in its ..."
    """
    if not st.is_text or st.text_overflow:
        return
    found = vocabulary_but_one(list(st.text), threshold("ordinal_min_levels"))
    if found is None:
        return
    vocabulary, rank, unknown = found
    known = [min(t for t in rank if rank[t] == p) for p in sorted(set(rank.values()))]
    scale = " < ".join(level.split("|")[0] for level in vocabulary)
    other = " or ".join(quoted(t) for t in unknown)
    order = ",".join(known)
    r.ambiguous("task", r.answers["task"], {"task": "ordinal", "classes": len(known) + 1},
                f"{', '.join(quoted(t) for t in known)} are levels of the known scale {scale}; {other} is not: "
                "the values may be ordered levels",
                f"if the values are ordered levels, pass them lowest first: --order {order} with {other} in its "
                f"place (e.g. --order {order},{unknown[0]} if it is the highest)")


def ordered_by_caller(st, r, order):
    """``--order``: the levels in the order given. Returns None, or why the column does not fit the
    order (a value it does not list; too many distinct values).

    >>> from lossadvisor.infer.decide import Framing
    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> ordered_by_caller(accumulate_array(["b", "a", "c", "B"]).stats[0], r, ["c", "b", "a"])
    >>> r.answers["classes"], r.label_mapping
    (3, {'c': 0, 'B': 1, 'b': 1, 'a': 2})
    """
    if st.distinct is None:
        return (f"column '{st.name}' holds more than {threshold('distinct_cap'):,} distinct values: too many to be "
                "the levels of --order")
    labels = _written_labels(st)
    position = {level_key(level): i for i, level in enumerate(order)}
    stray = {t: c for t, c in labels.items() if level_key(t) not in position}
    if stray:
        from lossadvisor.textutil import suggest

        first = max(stray, key=lambda t: stray[t])
        shown = ", ".join(f"{quoted(t)} ({c:,} row{'s' if c > 1 else ''})" for t, c in list(stray.items())[:5])
        return (f"column '{st.name}' holds {len(stray)} value{'s' if len(stray) > 1 else ''} that --order does not "
                f"list: {shown}{suggest(first, order, fold_case=True)}; --order must list every level")
    spellings = [sorted(t for t in labels if position[level_key(t)] == i) for i in range(len(order))]
    mapping = {level: i for i, level in enumerate(order)}
    mapping.update({t: position[level_key(t)] for t in labels})
    _set_ordinal(st, r, order, spellings, mapping, "the order given (--order)", counts=labels)
    return None


def ordinal_column(st, r):
    """Task ordinal given (``--task ordinal``), one column, no ``--order``: ordered words of a known
    vocabulary, or integers (the levels lo..hi, or the distinct values when more than
    ordinal_absent_share_max of that range is absent). Returns None, or why the data cannot be ordinal.

    >>> from lossadvisor.infer.decide import Framing
    >>> from lossadvisor.infer.stats import accumulate_array
    >>> r = Framing()
    >>> ordinal_column(accumulate_array([2, 3, 4, 3, 2, 6]).stats[0], r), r.answers["classes"]
    (None, 5)
    >>> ordinal_column(accumulate_array(["cat", "dog", "cow"]).stats[0], Framing())  # doctest: +ELLIPSIS
    "column 'array' holds text that is no known ordered scale ('cat', 'cow', 'dog'): pass the order ..."
    """
    least = threshold("ordinal_min_levels")
    if st.is_text:
        if not st.text_overflow and ordered_words(st, r):
            r.ambiguities.clear()
            return None
        shown = "many distinct strings" if st.text_overflow else ", ".join(quoted(t) for t in sorted(st.text)[:6])
        return (f"column '{st.name}' holds text that is no known ordered scale ({shown}): pass the order of the "
                "levels, lowest first, with --order a,b,c")
    if not st.integral:
        return f"column '{st.name}' holds numbers that are not integers: ordinal levels are integers or ordered words"
    k = st.distinct
    if k is None or k < least or k > threshold("class_max_distinct"):
        kd = f"{k:,}" if k is not None else f"more than {threshold('distinct_cap'):,}"
        return (f"column '{st.name}' has {kd} distinct values; an ordinal target has {least} to "
                f"{threshold('class_max_distinct'):,} levels (ordinal_min_levels, class_max_distinct)")
    values = [int(v) for v in st.keys.tolist()]
    lo, hi = values[0], values[-1]
    if (hi - lo + 1) - k <= threshold("ordinal_absent_share_max") * (hi - lo + 1):
        values = list(range(lo, hi + 1))
    levels = [fmt_value(v) for v in values]
    _set_ordinal(st, r, levels, [[v] for v in levels], {v: i for i, v in enumerate(levels)},
                 "integer levels in sorted order")
    return None


def _written_labels(st) -> dict:
    """The column's values as written (numbers as :func:`fmt_value` writes them) -> rows (a column
    whose distinct values were counted)."""
    if st.is_text:
        return dict(st.text)
    return {fmt_value(v): int(c) for v, c in zip(st.keys.tolist(), st.cnts.tolist())}


def _set_ordinal(st, r, levels, spellings, mapping, how, counts=None) -> None:
    """Set task ordinal, classes, imbalance, the label mapping and the warnings.

    ``levels``: the names of the levels, lowest first; ``spellings``: per level, the values of the
    column written for it; ``mapping``: value as written -> level index; ``counts``: value as
    written -> rows (default: the column's own counts).
    """
    counts = _written_labels(st) if counts is None else counts
    k = len(levels)
    rows = [sum(counts.get(t, 0) for t in level) for level in spellings]
    names = [quoted(level) if st.is_text else level for level in levels]
    shown = ", ".join(f"{name} -> {i}" for i, name in enumerate(names))
    dist = ", ".join(f"{name} ({percent(c, st.n)})" for name, c in zip(names, rows))
    r.set("task", "ordinal", f"{how}: {dist}")
    r.set("classes", k, f"{k} levels, lowest first: {shown}")
    present = [(name, c) for name, c in zip(names, rows) if c]
    imbalance_from_counts(r, [name for name, _ in present], [c for _, c in present])
    r.label_mapping = dict(sorted(mapping.items(), key=lambda kv: (kv[1], kv[0])))
    if list(r.label_mapping.items()) != [(str(i), i) for i in range(k)]:
        why = "ordinal losses take levels 0..K-1"
        r.warnings.append(f"the levels run {levels[0]}..{levels[-1]}: shift them to 0..{k - 1} ({why})"
                          if not st.is_text and _is_run(levels) else
                          f"map the levels to 0..{k - 1} (the label mapping: {shown}); {why}")
    absent = [name for name, c in zip(names, rows) if not c]
    if absent:
        many = len(absent) > 1
        r.warnings.append(f"level{'s' if many else ''} {', '.join(absent)} never occur{'' if many else 's'}: "
                          f"{'they keep' if many else 'it keeps'} a place in the {k} levels, but the cut-points "
                          "beside it have no rows to fit them; if the scale has no such level, map the levels "
                          "without it")
    for level in spellings:
        if len(level) > 1:
            r.warnings.append(f"the level {quoted(level_key(level[0]))} is written {len(level)} ways "
                              f"({', '.join(quoted(t) for t in level)}): read as one level; write it one way "
                              "before training (the label mapping maps each)")
    if st.float_stored:
        r.warnings.append("the levels are stored as floats: cast them to integers (int64) for the ordinal losses")


def _is_run(levels) -> bool:
    """Are the levels written as the consecutive integers lo..hi?"""
    try:
        values = [int(level) for level in levels]
    except ValueError:
        return False
    return values == list(range(values[0], values[0] + len(values)))


def _alternatives(r, k, kind) -> None:
    """The alternatives to an ordinal proposal: unordered classes, or a regression on the levels."""
    r.ambiguous("task", "ordinal", {"task": "multiclass", "labels": "integer", "classes": k},
                f"the {k} levels may be categories whose order does not matter (an unordered code)",
                "if the levels are unordered categories, pass --task multiclass")
    numbers = "the levels" if kind == "integers" else "the level indices 0..K-1"
    r.ambiguous("task", "ordinal", {"task": "regression", "target": "real"},
                f"with equal, meaningful steps between levels, a regression on {numbers} also fits (it predicts "
                "values between levels and gives no probability per level)",
                "if the steps between levels are equal and a mean score is what you need, pass --task regression")
