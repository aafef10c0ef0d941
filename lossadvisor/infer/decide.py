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
One target column (:data:`COLUMN_RULES`):
  5. :func:`text_labels`              text
  6. :func:`single_value`             one distinct value
  7. :func:`two_values`               two distinct numbers
  8. :func:`integer_class_labels`     class-like integers with 3 or more distinct values
  9. :func:`single_output_regression` everything else
"""

from __future__ import annotations

from lossadvisor.errors import InputError
from lossadvisor.infer.imbalance import imbalance_from_counts, imbalance_multilabel
from lossadvisor.infer.stats import weighted_quantiles
from lossadvisor.infer.target import count_rule, integer_shape, outliers, target_verdict
from lossadvisor.infer.thresholds import FEW_INTEGERS, LABEL_MAPPING_MAX, NONE_ROWS_SHARE, threshold
from lossadvisor.infer.values import distribution_text, fmt_value, is_number, percent, quoted

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

    def set(self, key, value, why):
        self.answers[key] = value
        self.evidence[key] = why

    def ambiguous(self, answer, chosen, alternative, why, settle):
        self.ambiguities.append({"answer": answer, "chosen": chosen, "alternative": alternative,
                                 "why": why, "settle": settle})


def decide(acc) -> Framing:
    """The framing of the accumulated target: warnings on missing and mixed values, then the rules."""
    if acc.stats is None or acc.rows == 0:
        raise InputError(f"{acc.name}: no data rows")
    r = Framing()
    names = ", ".join(f"'{n}'" for n in acc.names)
    if all(st.n == 0 for st in acc.stats) or (acc.matrix is not None and acc.matrix.rows == 0):
        what = "every row has a missing (empty, NA or NaN)" + (" or infinite" if acc.infinite_rows else "") + " value"
        raise InputError(f"{acc.name}: target column{'s' if len(acc.stats) > 1 else ''} {names}: {what} "
                         f"({acc.rows:,} rows)")
    if acc.missing_rows:
        r.warnings.append(f"{acc.missing_rows:,} of {acc.rows:,} rows {'has' if acc.missing_rows == 1 else 'have'} "
                          f"a missing target value (empty, NA or NaN); {'it was' if acc.missing_rows == 1 else 'they were'} "
                          "left out")
    if acc.infinite_rows:
        r.warnings.append(f"{acc.infinite_rows:,} row{'s' if acc.infinite_rows > 1 else ''} with an infinite target "
                          "value left out")
    for st in acc.stats:
        if st.mixed:
            r.warnings.append(f"column '{st.name}' mixes numbers and text (e.g. {quoted(st.first_text)}); "
                              "every value was read as a text label")
    if len(acc.stats) > 1:
        rules, subject = MATRIX_RULES, acc
    else:
        rules, subject = COLUMN_RULES, acc.stats[0]
    for rule in rules:
        if rule(subject, r):
            break
    return r


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
    """Rule 5: text. Two strings -> binary zero_one (true/false, or the negative word, -> 0, else sorted
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
    """Rule 6: one distinct number -> a single class (0, 1 or -1: binary) or a constant (regression).

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
    """Rule 7: two distinct numbers -> binary; labels plus_minus_one for {-1, +1}, else zero_one
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
    """Rule 8: integers with 3 or more distinct values, contiguous, starting at -1, 0 or 1, at most
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
        r.warnings.append(f"the class labels run {lo}..{hi}: shift them to 0..{k - 1} "
                          "(sparse cross-entropy expects 0-based class indices)")
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
    return True


def single_output_regression(st, r) -> bool:
    """Rule 9: everything else -> regression, outputs 1; target count, positive_wide or real; outliers.

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
    target, why_target = target_verdict(st)
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
    o = outliers(st, target)
    r.set("outliers", o[0], o[1])
    r.set("outputs", 1, "1 target column")
    if shape is not None and (shape["candidate"] or k <= FEW_INTEGERS):
        reindex = "" if shape["contiguous"] and shape["lo"] == 0 else f" (and re-index the {k} values to 0..{k - 1})"
        r.ambiguous("task", "regression", {"task": "multiclass", "labels": "integer", "classes": k},
                    f"{k} distinct integers {shape['lo']}..{shape['hi']} may also be class indices",
                    "if each value names a class, pass --task multiclass" + reindex)
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
        if pos.any():
            q01, q99 = weighted_quantiles(vals[pos], w[pos], [0.01, 0.99])
            if q01 > 0 and q99 / q01 >= threshold("wide_ratio"):
                r.ambiguous("target", "real", {"target": "positive_wide"},
                            f"the positive values span orders of magnitude (99th / 1st percentile "
                            f"{q99 / q01:,.0f}), but {percent(float(w[~pos].sum()), float(w.sum()))} are zeros",
                            "if relative errors matter, pass --target positive_wide (mean squared "
                            "logarithmic error uses log(1 + y), which accepts zeros)")
    return True


#: the rules for several target columns, in order: the first that returns True decides
MATRIX_RULES = (one_hot_rows, multi_hot_rows, probability_rows, multi_output_regression)
#: the rules for one target column, in order: the first that returns True decides
COLUMN_RULES = (text_labels, single_value, two_values, integer_class_labels, single_output_regression)
