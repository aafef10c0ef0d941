"""Infer the problem framing (the answers of the question tree) from the user's target data.

:func:`infer_framing` reads a file in one streaming pass (see :mod:`lossadvisor.datareaders`),
keeps bounded statistics per target column, then applies the rules below in this order and says
why for every answer. Every number the rules use is a named threshold in :data:`THRESHOLDS`; the
output names them and :func:`thresholds_markdown` documents them.

Rules (first match wins):

Several target columns (K >= 2), rows with a missing cell left out:
  1. every cell 0 or 1, every row exactly one 1        -> multiclass, labels one_hot, classes K
  2. every cell 0 or 1, otherwise                      -> multilabel, classes K
  3. every cell >= 0, every row sums to 1 (row_sum_tolerance) -> multiclass, labels probabilities
  4. otherwise                                         -> regression, outputs K (target and outliers
     from the columns: the target kind when all columns agree, outliers when any column has them)
One target column:
  5. text: two values true/false, or any two strings   -> binary, labels zero_one (with the mapping);
     three or more strings                             -> multiclass, labels integer (sorted mapping)
  6. one distinct value                                -> a single class (binary) or a constant
  7. two distinct numbers: {-1, +1} -> binary plus_minus_one; otherwise binary zero_one
     ({0, 1} as is, any other pair mapped smaller -> 0)
  8. integers with 3 or more distinct values: class labels when the values are contiguous, start at
     -1, 0 or 1, are at most class_max_distinct, and the histogram is not count-shaped
     (-> multiclass, labels integer); otherwise counts / integers (-> regression)
  9. everything else                                   -> regression
Regression target: count (non-negative integers whose 5th percentile is at most count_small),
positive_wide (all > 0, 99th / 1st percentile >= wide_ratio, and the logarithm makes the quartiles
more symmetric), else real. Outliers: the share of
values whose robust z-score exceeds outlier_z is above outlier_share (on the log scale for
positive_wide, on the Anscombe scale 2 sqrt(y + 3/8) with a spread of at least 1 for counts).
Imbalance: r = count(rarest class) / count(most common class) (multilabel: positives vs negatives
of each label, the worst label; probabilities: the column sums): none if r >= 1/5, moderate if
1/100 <= r < 1/5, severe if r < 1/100.

Pure core: no click, no rich; raises ``InputError`` / ``UsageError``.
"""

from __future__ import annotations

import math

from lossadvisor.errors import InputError

#: name -> (value, meaning). Part of the output; documented in the README.
THRESHOLDS = {
    "imbalance_moderate": (0.2, "imbalance is at least moderate when r = count(rarest class) / "
                                "count(most common class) < 1/5 (multilabel: positives vs negatives of "
                                "each label, the worst label)"),
    "imbalance_severe": (0.01, "imbalance is severe when r < 1/100"),
    "outlier_z": (3.5, "a value is an outlier when |y - median| / (1.4826 MAD) exceeds this "
                       "(Iglewicz and Hoaglin's modified z-score; if MAD is 0 the spread is IQR / 1.349, "
                       "then 1.2533 x the mean absolute deviation)"),
    "outlier_share": (0.01, "outliers is yes when more than this share of the values are outliers "
                            "(Gaussian noise gives 0.05%)"),
    "wide_ratio": (100.0, "target is positive_wide when every value is > 0, the 99th percentile is at "
                          "least this many times the 1st (two orders of magnitude) and the logarithm makes the "
                          "values more symmetric (smaller absolute quartile skewness)"),
    "count_small": (10, "non-negative integers are counts when their 5th percentile is at most this "
                        "(small counts occur; large counts without small ones behave like real values)"),
    "class_max_distinct": (1000, "integers with more distinct values are never read as class labels"),
    "count_tail_ratio": (0.2, "a count-shaped histogram ends at most this fraction of its mode's "
                              "frequency at the largest value"),
    "count_tail_steps": (3, "a count-shaped histogram has at least this many values above its mode"),
    "count_tail_decreasing": (0.75, "a count-shaped histogram decreases at least at this share of the "
                                    "steps above its mode"),
    "row_sum_tolerance": (0.01, "a row of a matrix sums to 1 when |sum - 1| is at most this"),
    "distinct_cap": (100000, "distinct values counted exactly per column; beyond this, quantiles and "
                             "outlier shares come from a systematic sample of 65,536 to 131,072 values"),
}

# the words that make one of two string labels the negative class (0) or the positive one (1)
NEGATIVE_WORDS = frozenset({"false", "no", "n", "neg", "negative", "ham", "normal", "benign", "healthy",
                            "legit", "legitimate", "other", "off", "f"})
POSITIVE_WORDS = frozenset({"true", "yes", "y", "pos", "positive", "spam", "fraud", "malignant", "anomaly",
                            "abnormal", "sick", "on", "t"})

SAMPLE_CAP = 1 << 17
TEXT_CHARS_CAP = 16 << 20  # distinct strings stop being counted beyond 16 Mi characters in all
_TOP = 10  # values shown per column in the output


def _t(name):
    return THRESHOLDS[name][0]


# --------------------------------------------------------------------------- public API


def infer_framing(source: str, *, columns: list[str] | None = None, key: str | None = None,
                  delimiter: str | None = None, progress=None) -> dict:
    """Read the target in ``source`` and infer the answers it implies, with evidence.

    Args:
        source: a path (CSV, TSV, .npy, .npz, JSON Lines, Parquet, Feather) or ``-`` (CSV on stdin).
        columns: target columns: names, 0-based indices (negative from the end) or ``A:B`` ranges.
            Default: the column named label/target/y/class..., else the last one (CSV), the whole
            array (npy/npz).
        key: the array of an .npz file.
        delimiter: the CSV delimiter (default: detected).
        progress: called as ``progress(bytes_done, bytes_total_or_None)`` after each chunk.

    Returns:
        The ``infer --json`` document without ``schema_version``: ``answers`` (question id ->
        value, only what the data decides), ``evidence`` (id -> sentence), ``warnings``,
        ``ambiguities``, ``thresholds``, ``rows``, ``missing``, ``source`` and ``columns``.

    Raises:
        InputError: unreadable, empty or malformed data; a missing column (naming those that exist).
        UsageError: options that do not fit the file.
    """
    from lossadvisor.datareaders import open_target

    src = open_target(source, columns=columns, key=key, delimiter=delimiter)
    import numpy as np  # after opening: imported first, it raised the peak memory by 3.6 MiB

    # values near the float limit overflow in sums and differences: the statistics say so in
    # words (no mean, 'inf' ratios), numpy's RuntimeWarnings would only clutter stderr
    with np.errstate(all="ignore"):
        return _read_and_decide(src, progress)


def _read_and_decide(src, progress):
    acc = _Accumulator(src.name)
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
    return _payload(acc, _decide(acc), src.notes, source_info)


def infer_array(y, *, name: str = "array") -> dict:
    """The same inference on an in-memory array (1-D or 2-D; numbers, booleans or strings)."""
    import numpy as np

    from lossadvisor.datareaders import ROWS_PER_BLOCK, Block, _array_chunks

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
    names = [name] if arr.ndim == 1 else [str(j) for j in range(arr.shape[1])]
    acc = _Accumulator(name)
    with np.errstate(all="ignore"):
        for i in range(0, arr.shape[0], ROWS_PER_BLOCK):
            rows = arr[i: i + ROWS_PER_BLOCK]
            acc.add(Block(_array_chunks(rows), rows.shape[0], i, 0), names)
        return _payload(acc, _decide(acc), [], None)


def _payload(acc, result, notes, source_info):
    out = {
        "answers": result.answers,
        "evidence": result.evidence,
        "warnings": list(notes) + result.warnings,
        "ambiguities": result.ambiguities,
        "rows": acc.rows,
        "missing": acc.missing_rows,
    }
    if acc.infinite_rows:
        out["infinite"] = acc.infinite_rows
    if result.label_mapping is not None:
        out["label_mapping"] = result.label_mapping
    if source_info is not None:
        out["source"] = source_info
    out["columns"] = [c.summary() for c in acc.stats]
    out["thresholds"] = {name: {"value": value, "meaning": meaning} for name, (value, meaning) in THRESHOLDS.items()}
    return out


def thresholds_markdown() -> str:
    """The thresholds as a Markdown table (for the README)."""
    lines = ["| threshold | value | meaning |", "|---|---|---|"]
    for name, (value, meaning) in THRESHOLDS.items():
        lines.append(f"| `{name}` | {value} | {meaning} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- streaming statistics


class _StrideSample:
    """A systematic sample: every ``stride``-th value; the stride doubles when the sample is full."""

    def __init__(self, cap=SAMPLE_CAP):
        self.cap = cap
        self.stride = 1
        self.parts = []
        self.size = 0
        self.seen = 0

    def add(self, v):
        import numpy as np

        start = (-self.seen) % self.stride
        self.seen += len(v)
        part = v[start:: self.stride]
        if len(part):
            self.parts.append(np.array(part, dtype=np.float64))
            self.size += len(part)
        while self.size > self.cap:
            whole = np.concatenate(self.parts)[::2]
            self.parts = [whole]
            self.size = len(whole)
            self.stride *= 2

    def values(self):
        import numpy as np

        if not self.parts:
            return np.zeros(0)
        if len(self.parts) > 1:
            self.parts = [np.concatenate(self.parts)]
        return self.parts[0]


class _ColumnStats:
    def __init__(self, name):
        import numpy as np

        self.name = name
        self.kinds = set()
        self.n = 0
        self.keys = np.zeros(0)
        self.cnts = np.zeros(0, dtype=np.int64)
        self.overflow = False
        self.vmin = math.inf
        self.vmax = -math.inf
        self.nonint = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.sample = _StrideSample()
        self.text = None  # dict str -> count once the column is text
        self.text_overflow = False
        self.text_chars = 0
        self.mixed = False
        self.first_text = None  # an example of the text in a column of numbers

    # ---- numbers
    def add_numeric(self, v, kind):
        import numpy as np

        if self.text is not None:
            self._numbers_as_text(v, kind)
            return
        if kind is not None:
            self.kinds.add(kind)
        n = len(v)
        if n == 0:
            return
        cmin = float(v.min())
        cmax = float(v.max())
        self.vmin = min(self.vmin, cmin)
        self.vmax = max(self.vmax, cmax)
        integral = kind in ("int", "bool")
        if not integral:
            nonint = int(np.count_nonzero(v != np.floor(v)))
            self.nonint += nonint
            integral = nonint == 0
        cm = float(v.mean())
        d = v - cm
        d *= d
        cm2 = float(d.sum())  # not np.dot: BLAS threads cost more than they save here
        tot = self.n + n
        delta = cm - self.mean
        self.mean += delta * n / tot
        self.m2 += cm2 + delta * delta * self.n * n / tot
        self.n = tot
        if not self.overflow:
            if integral and cmin >= 0 and cmax < (1 << 20):
                bc = np.bincount(v.astype(np.int64))
                u = np.flatnonzero(bc)
                c = bc[u]
                u = u.astype(np.float64)
            else:
                u, c = np.unique(v, return_counts=True)
            self._merge(u, c)
        self.sample.add(v)

    def _merge(self, u, c):
        import numpy as np

        cap = _t("distinct_cap")
        if len(u) > cap:
            self._drop_counts()
            return
        if len(self.keys) == 0:
            self.keys, self.cnts = u, c.astype(np.int64)
        elif len(u) == len(self.keys) and np.array_equal(u, self.keys):
            self.cnts = self.cnts + c
        else:
            allk = np.concatenate([self.keys, u])
            allc = np.concatenate([self.cnts, c])
            keys, inv = np.unique(allk, return_inverse=True)
            if len(keys) > cap:
                self._drop_counts()
                return
            self.keys = keys
            self.cnts = np.bincount(inv.reshape(-1), weights=allc, minlength=len(keys)).astype(np.int64)

    def _drop_counts(self):
        import numpy as np

        self.overflow = True
        self.keys = np.zeros(0)
        self.cnts = np.zeros(0, dtype=np.int64)

    def _numbers_as_text(self, v, kind):
        import numpy as np

        if len(v) == 0:
            return
        self.mixed = True
        u, c = np.unique(v, return_counts=True)
        self.add_text([_num_label(x, kind) for x in u.tolist()], c)

    # ---- text
    def add_text(self, texts, counts):
        if self.text is None:
            self.text = {}
            if self.n:
                if self.overflow:
                    raise InputError(
                        f"column '{self.name}' holds numbers with many distinct values and also text "
                        f"({_q(next((t for t in texts if not _is_number(t)), texts[0]))}); clean the column "
                        "or choose another one"
                    )
                self.mixed = True
                nums = [(_num_label(k, "int" if float(k).is_integer() else "float"), int(c))
                        for k, c in zip(self.keys.tolist(), self.cnts.tolist())]
                for label, c in nums:
                    self.text[label] = self.text.get(label, 0) + c
        if self.mixed and self.first_text is None:
            self.first_text = next((t for t in texts if not _is_number(t)), None)
        self.kinds.add("text")
        for t, c in zip(texts, counts.tolist() if hasattr(counts, "tolist") else counts):
            self.n += int(c)
            if self.text_overflow:
                continue
            if t in self.text:
                self.text[t] += int(c)
            else:
                self.text[t] = int(c)
                self.text_chars += len(t)
        if not self.text_overflow and (len(self.text) > _t("distinct_cap") or self.text_chars > TEXT_CHARS_CAP):
            self.text_overflow = True
            self.text = {}

    # ---- derived
    @property
    def is_text(self):
        return self.text is not None

    @property
    def distinct(self):
        if self.is_text:
            return None if self.text_overflow else len(self.text)
        return None if self.overflow else len(self.keys)

    @property
    def integral(self):
        return self.nonint == 0 and self.n > 0 and not self.is_text

    @property
    def float_stored(self):
        return "float" in self.kinds

    def weighted(self):
        """(values, weights) describing the distribution: exact counts or the sample."""
        import numpy as np

        if not self.overflow:
            return self.keys, self.cnts.astype(np.float64)
        s = np.sort(self.sample.values())
        return s, np.ones(len(s))

    def quantiles(self, qs, transform=None):
        import numpy as np

        vals, w = self.weighted()
        if transform is not None:
            vals = transform(vals)
            order = np.argsort(vals, kind="stable")
            vals, w = vals[order], w[order]
        return _wquantiles(vals, w, qs)

    def summary(self):
        out = {"name": self.name, "kind": _kind_name(self), "values": self.n,
               "distinct": self.distinct if self.distinct is not None else f">{_t('distinct_cap')}"}
        if self.is_text:
            if not self.text_overflow:
                top = sorted(self.text.items(), key=lambda kv: (-kv[1], kv[0]))[:_TOP]
                out["top"] = [{"value": k, "count": c} for k, c in top]
            return out
        if self.n:
            out["min"] = _num(self.vmin)
            out["max"] = _num(self.vmax)
            std = math.sqrt(self.m2 / self.n) if self.m2 >= 0 else math.nan
            if math.isfinite(self.mean) and math.isfinite(std):  # not for values near the float limit
                out["mean"] = round(self.mean, 6)
                out["std"] = round(std, 6)
        if not self.overflow and len(self.keys):
            import numpy as np

            order = np.argsort(-self.cnts, kind="stable")[:_TOP]
            out["top"] = [{"value": _num(float(self.keys[i])), "count": int(self.cnts[i])} for i in order]
        return out


class _MatrixStats:
    def __init__(self, k):
        import numpy as np

        self.k = k
        self.rows = 0
        self.all01 = True
        self.nonneg = True
        self.sum1 = 0
        self.onehot_rows = 0
        self.card = np.zeros(k + 1, dtype=np.int64)  # 0/1 matrices: rows with 0..K ones
        self.col_sums = np.zeros(k)

    def add(self, X):
        import numpy as np

        if X.shape[0] == 0:
            return
        self.rows += X.shape[0]
        is01 = bool(((X == 0) | (X == 1)).all())
        self.all01 = self.all01 and is01
        self.nonneg = self.nonneg and bool((X >= 0).all())
        rs = X.sum(axis=1)
        # + 1e-9: decimal roundings such as 0.33 * 3 land a hair outside in binary floating point
        self.sum1 += int(np.count_nonzero(np.abs(rs - 1) <= _t("row_sum_tolerance") + 1e-9))
        self.col_sums += X.sum(axis=0)
        if is01:
            ones = rs.astype(np.int64)
            self.card += np.bincount(ones, minlength=self.k + 1)[: self.k + 1]


class _Accumulator:
    def __init__(self, name):
        self.name = name
        self.names = None
        self.stats = None
        self.matrix = None
        self.rows = 0
        self.missing_rows = 0
        self.infinite_rows = 0

    def add(self, block, names):
        import numpy as np

        cols = block.columns
        if self.stats is None:
            if len(cols) != len(names):
                # JSON lists expand one field into several columns
                base = names[0] if len(names) == 1 else "column"
                names = [f"{base}[{j}]" for j in range(len(cols))] if len(names) == 1 else \
                    [f"{j}" for j in range(len(cols))]
            self.names = list(names)
            self.stats = [_ColumnStats(nm) for nm in self.names]
            if len(cols) > 1:
                self.matrix = _MatrixStats(len(cols))
        elif len(cols) != len(self.stats):
            raise InputError(f"{self.name}: rows from {block.first_row + 1} have {len(cols)} target values, "
                             f"earlier rows {len(self.stats)}")
        n = block.n
        self.rows += n
        if len(cols) == 1:
            c = cols[0]
            st = self.stats[0]
            if c.kind == "text":
                self.missing_rows += c.n_missing
                st.add_text(c.text, c.counts)
                if c.mixed is not None:
                    st.mixed = True
                    if st.first_text is None:
                        st.first_text = c.mixed
                return
            v = c.values
            bad = np.isnan(v)
            nmiss = int(bad.sum())
            inf = np.isinf(v)
            ninf = int(inf.sum())
            self.missing_rows += nmiss
            self.infinite_rows += ninf
            if nmiss or ninf:
                v = v[~(bad | inf)]
            st.add_numeric(v, c.kind)
            return
        text = [self.names[j] for j, c in enumerate(cols) if c.kind == "text"]
        if text:
            raise InputError(
                f"{self.name}: target column{'s' if len(text) > 1 else ''} {', '.join(repr(t) for t in text)} "
                f"hold{'s' if len(text) == 1 else ''} text; several target columns must be numeric "
                "(a one-hot, multi-hot, probability or multi-output matrix). Pass one label column"
            )
        X = np.column_stack([c.values for c in cols])
        nan_rows = np.isnan(X).any(axis=1)
        inf_rows = np.isinf(X).any(axis=1) & ~nan_rows
        nmiss = int(nan_rows.sum())
        ninf = int(inf_rows.sum())
        self.missing_rows += nmiss
        self.infinite_rows += ninf
        if nmiss or ninf:
            X = X[~(nan_rows | inf_rows)]
        self.matrix.add(X)
        for j, (st, c) in enumerate(zip(self.stats, cols)):
            st.add_numeric(np.ascontiguousarray(X[:, j]), c.kind)


# --------------------------------------------------------------------------- the decision


class _Result:
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


def _decide(acc: _Accumulator) -> _Result:
    if acc.stats is None or acc.rows == 0:
        raise InputError(f"{acc.name}: no data rows")
    r = _Result()
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
            r.warnings.append(f"column '{st.name}' mixes numbers and text (e.g. {_q(st.first_text)}); "
                              "every value was read as a text label")
    if len(acc.stats) > 1:
        _decide_matrix(acc, r)
    else:
        _decide_single(acc.stats[0], r)
    return r


def _decide_matrix(acc, r):
    m = acc.matrix
    k = m.k
    rows = m.rows
    if m.all01 and m.card[1] == rows:
        r.set("task", "multiclass", f"{k} columns of 0/1 and every one of the {rows:,} rows has exactly one 1 "
                                    "(one-hot)")
        r.set("labels", "one_hot", f"{k} columns of 0/1, one 1 per row")
        r.set("classes", k, f"{k} columns")
        _imbalance_from_counts(r, [acc.names[j] for j in range(k)], m.col_sums)
        if k == 2:
            r.ambiguous("task", "multiclass", {"task": "binary", "labels": "zero_one"},
                        "a one-hot matrix of two columns is a binary target written twice",
                        "keep the second column as a 0/1 label and pass --task binary for one sigmoid unit")
        return
    if m.all01:
        mean_card = float((m.card * range(k + 1)).sum()) / rows
        lo = next(i for i in range(k + 1) if m.card[i])
        hi = max(i for i in range(k + 1) if m.card[i])
        r.set("task", "multilabel", f"{k} columns of 0/1; rows have {lo} to {hi} ones (mean {mean_card:.2f}), "
                                    "so the labels are not exclusive")
        r.set("classes", k, f"{k} columns")
        _imbalance_multilabel(r, acc.names, m.col_sums, rows)
        zero_rows = int(m.card[0])
        if m.card[1] + zero_rows == rows and zero_rows and zero_rows / rows <= 0.01:
            r.ambiguous("task", "multilabel", {"task": "multiclass", "labels": "one_hot", "classes": k + 1},
                        f"every row has one 1 except {zero_rows:,} rows with none: a one-hot matrix whose "
                        "rows of zeros may mean 'none of these'",
                        "if each example has exactly one class, add a 'none' column and pass "
                        "--task multiclass --labels one_hot")
        if m.card[1] == 0 and hi == 0:
            r.warnings.append("every row is all zeros: no label is ever positive")
        return
    if m.nonneg and m.sum1 == rows:
        r.set("task", "multiclass", f"{k} columns of non-negative numbers and every one of the {rows:,} rows "
                                    f"sums to 1 (within {_t('row_sum_tolerance')}): class probabilities")
        r.set("labels", "probabilities", "rows are probability vectors (soft labels), not all 0/1")
        r.set("classes", k, f"{k} columns")
        _imbalance_from_counts(r, list(acc.names), m.col_sums, soft=True)
        return
    # regression with several outputs
    r.set("task", "regression", f"{k} numeric columns that are neither 0/1 labels nor rows of probabilities")
    r.set("outputs", k, f"{k} target columns")
    verdicts = [_target_verdict(st) for st in acc.stats]
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
    outl = [(_outliers(st, target), st.name) for st in acc.stats]
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


def _decide_single(st, r):
    if st.is_text:
        _decide_text(st, r)
        return
    k = st.distinct
    vals, cnts = (st.keys.tolist(), st.cnts.tolist()) if not st.overflow else (None, None)
    n = st.n
    floats = st.float_stored
    if k == 1:
        _single_value(st, r, vals[0], n)
        return
    if k == 2:
        a, b = vals
        pair = {a, b}
        dist = _dist_text(vals, cnts, n, st)
        r.set("task", "binary", f"2 distinct values: {dist}")
        if pair == {-1.0, 1.0}:
            r.set("labels", "plus_minus_one", "the values are -1 and +1")
        elif pair == {0.0, 1.0}:
            kind = "true/false" if st.kinds == {"bool"} else "0 and 1"
            r.set("labels", "zero_one", f"the values are {kind}")
            if st.kinds == {"bool"}:
                r.label_mapping = {"false": 0, "true": 1}
        else:
            r.set("labels", "zero_one", f"two numbers other than 0/1 and -1/+1: map {_fmt(a)} -> 0 and "
                                        f"{_fmt(b)} -> 1 (smaller first)")
            r.label_mapping = {_fmt(a): 0, _fmt(b): 1}
            r.warnings.append(f"the labels are {_fmt(a)} and {_fmt(b)}: map them to 0 and 1 before training")
        _imbalance_from_counts(r, [_fmt(v) for v in vals], cnts)
        if floats and pair == {0.0, 1.0}:
            r.ambiguous("task", "binary", {"task": "regression"},
                        "the column holds the floats 0.0 and 1.0: class labels stored as floats, or a measured "
                        "quantity that happens to take two values",
                        "if 0.0/1.0 are measurements rather than classes, pass --task regression")
        elif pair not in ({0.0, 1.0}, {-1.0, 1.0}):
            r.ambiguous("task", "binary", {"task": "regression"},
                        f"two distinct numbers ({_fmt(a)}, {_fmt(b)}) may be two classes or a measurement "
                        "that takes two values here",
                        "if the values are measurements, pass --task regression")
        return
    if st.integral and k is not None and k <= _t("class_max_distinct"):
        shape = _integer_shape(st)
        if shape["candidate"] and not shape["count_shaped"]:
            _integer_classes(st, r, shape)
            return
    _decide_regression_single(st, r)


def _single_value(st, r, value, n):
    label = _fmt(value)
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
        return
    r.set("task", "regression", f"one distinct value: {label} ({n:,} rows), not a 0/1 label")
    r.set("outputs", 1, "1 target column")
    r.warnings.append(f"the target is constant ({label}): there is nothing to learn; check the column")
    r.ambiguous("task", "regression", {"task": "binary"},
                "a single value may also be the only class present of a classification target",
                "check the column holds every example; pass --task binary or multiclass if these are labels")


def _decide_text(st, r):
    if st.text_overflow:
        r.set("task", "multiclass", f"too many distinct strings to count (over {_t('distinct_cap'):,}, "
                                    "or over 16 Mi characters)")
        r.set("labels", "integer", "strings, to be encoded as integer class indices")
        r.warnings.append(f"column '{st.name}' holds too many distinct strings to count: is it really the label "
                          "column? (classes and imbalance left out)")
        return
    items = sorted(st.text.items())
    k = len(items)
    n = st.n
    labels = [t for t, _ in items]
    counts = [c for _, c in items]
    if k == 1:
        r.set("task", "binary", f"one distinct value: {_q(labels[0])} ({n:,} rows)")
        r.set("labels", "zero_one", "one string label")
        r.warnings.append(f"only one class is present (every value is {_q(labels[0])}): a classifier cannot "
                          "learn from it; check that the file holds every class")
        r.ambiguous("task", "binary", {"task": "multiclass"},
                    "with a single class present the data cannot tell how many classes there are",
                    "check the data holds examples of every class; pass --task if you know it")
        return
    dist = ", ".join(f"{_q(t)} ({_pct(c, n)})" for t, c in
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
                how = f"{_q(neg)} reads as the negative class"
            else:
                neg = labels[0]
                how = "sorted order"
        pos = labels[1] if neg == labels[0] else labels[0]
        r.set("task", "binary", f"2 distinct values: {dist}")
        r.set("labels", "zero_one", f"two strings: {_q(neg)} -> 0, {_q(pos)} -> 1 ({how})")
        r.label_mapping = {neg: 0, pos: 1}
        _imbalance_from_counts(r, [_q(neg), _q(pos)], [st.text[neg], st.text[pos]])
        return
    r.set("task", "multiclass", f"{k} distinct strings: {dist}")
    r.set("labels", "integer", f"strings, encoded as integer class indices 0..{k - 1} in sorted order")
    r.set("classes", k, f"{k} distinct strings")
    r.label_mapping = {t: i for i, t in enumerate(labels)} if k <= 1000 else None
    _imbalance_from_counts(r, [_q(t) for t in labels], counts)
    if st.mixed:
        nums = sum(1 for t in labels if _is_number(t))
        if nums:
            r.ambiguous("task", "multiclass", {"task": "regression"},
                        f"{nums} of the {k} distinct values are numbers: the text may be stray entries in a "
                        "numeric column",
                        "clean the column (the text values) if the target is numeric")


def _negative_of(labels):
    low = [t.lower() for t in labels]
    neg = [t for t, lo in zip(labels, low) if lo in NEGATIVE_WORDS]
    pos = [t for t, lo in zip(labels, low) if lo in POSITIVE_WORDS]
    if len(neg) == 1 and neg[0] not in pos:
        return neg[0]
    if len(pos) == 1:
        return labels[1] if pos[0] == labels[0] else labels[0]
    return None


def _integer_shape(st):
    """Class-label or count? Looks at the exact histogram of an integer column."""
    import numpy as np

    keys, f = st.keys, st.cnts
    k = len(keys)
    lo = _num(keys[0])  # an int, but a float beyond 1e15 (its digits would fill a screen)
    contiguous = bool(keys[-1] - keys[0] == k - 1)
    candidate = contiguous and lo in (-1, 0, 1)
    m = int(np.argmax(f))
    tail = f[m:]
    steps = len(tail) - 1
    dec = int(np.count_nonzero(np.diff(tail) < 0)) if steps > 0 else 0
    ratio = float(f[-1]) / float(f[m])
    count_shaped = (lo >= 0 and steps >= _t("count_tail_steps") and dec / steps >= _t("count_tail_decreasing")
                    and ratio <= _t("count_tail_ratio"))
    return {"contiguous": contiguous, "candidate": candidate, "count_shaped": count_shaped, "mode": float(keys[m]),
            "steps": steps, "decreasing": dec, "ratio": ratio, "lo": lo, "hi": _num(keys[-1])}


def _integer_classes(st, r, shape):
    keys = st.keys.tolist()
    cnts = st.cnts.tolist()
    k = len(keys)
    n = st.n
    lo, hi = shape["lo"], shape["hi"]
    dist = _dist_text(keys, cnts, n, st)
    stored = "floats with integer values" if st.float_stored else "integers"
    r.set("task", "multiclass", f"{k} distinct {stored} {lo}..{hi} with no gap and a histogram that is not "
                                f"count-shaped: {dist}")
    r.set("labels", "integer", f"one integer class index per row ({lo}..{hi})")
    r.set("classes", k, f"{k} distinct values {lo}..{hi}")
    _imbalance_from_counts(r, [_fmt(v) for v in keys], cnts)
    if lo != 0:
        r.warnings.append(f"the class labels run {lo}..{hi}: shift them to 0..{k - 1} "
                          "(sparse cross-entropy expects 0-based class indices)")
        r.label_mapping = {_fmt(v): i for i, v in enumerate(keys)}
    if st.float_stored:
        r.warnings.append("the labels are stored as floats: cast them to integers (int64) for sparse "
                          "cross-entropy")
    if lo >= 0:
        alt = {"task": "regression", "target": "count" if _count_rule(st)[0] else "real"}
        r.ambiguous("task", "multiclass", alt,
                    f"integers {lo}..{hi} may be class indices or counts; their histogram does not fall "
                    "away like a count's, so they are read as classes",
                    "if the values count something (events, items), pass --task regression --target count")
    else:
        r.ambiguous("task", "multiclass", {"task": "regression", "target": "real"},
                    f"integers {lo}..{hi} may be ordered scores rather than classes",
                    "if the values are measurements, pass --task regression")


def _decide_regression_single(st, r):
    k = st.distinct
    target, why_target = _target_verdict(st)
    shape = None
    if not st.integral:
        why = "not all integers, so not class labels"
    elif k is None or k > _t("class_max_distinct"):
        why = f"more than {_t('class_max_distinct'):,} distinct integers (class_max_distinct)"
    else:
        shape = _integer_shape(st)
        if shape["count_shaped"]:
            why = (f"the histogram falls away after its mode {_fmt(shape['mode'])} like a count's: down at "
                   f"{shape['decreasing']} of {shape['steps']} steps, the largest value at {shape['ratio']:.2%} "
                   "of the mode (count_tail_*)")
        elif not shape["contiguous"]:
            why = f"{k} distinct integers with gaps between {shape['lo']} and {shape['hi']}: class indices have none"
        else:
            why = f"the values start at {shape['lo']}, not at 0 or 1 like class indices"
    kd = f"{k:,} distinct" if k is not None else f"more than {_t('distinct_cap'):,} distinct"
    what = "integers" if st.integral else "real values"
    r.set("task", "regression", f"{st.n:,} {what} from {_fmt(st.vmin)} to {_fmt(st.vmax)} ({kd}); {why}")
    r.set("target", target, why_target)
    o = _outliers(st, target)
    r.set("outliers", o[0], o[1])
    r.set("outputs", 1, "1 target column")
    if shape is not None and (shape["candidate"] or k <= 20):
        r.ambiguous("task", "regression", {"task": "multiclass", "labels": "integer", "classes": k},
                    f"{k} distinct integers {shape['lo']}..{shape['hi']} may also be class indices",
                    "if each value names a class, pass --task multiclass"
                    + ("" if shape["contiguous"] and shape["lo"] == 0 else f" (and re-index the {k} values to 0..{k - 1})"))
    if target != "count" and st.integral and st.vmin >= 0:
        r.ambiguous("target", target, {"target": "count"},
                    "the values are non-negative integers, but without small counts "
                    f"(5th percentile above {_t('count_small')}, count_small)",
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
            q01, q99 = _wquantiles(vals[pos], w[pos], [0.01, 0.99])
            if q01 > 0 and q99 / q01 >= _t("wide_ratio"):
                r.ambiguous("target", "real", {"target": "positive_wide"},
                            f"the positive values span orders of magnitude (99th / 1st percentile "
                            f"{q99 / q01:,.0f}), but {_pct(float(w[~pos].sum()), float(w.sum()))} are zeros",
                            "if relative errors matter, pass --target positive_wide (mean squared "
                            "logarithmic error uses log(1 + y), which accepts zeros)")


def _quartile_skew(q1, q2, q3):
    """Bowley's quartile skewness: 0 for a symmetric distribution, in [-1, 1]."""
    return (q3 + q1 - 2 * q2) / (q3 - q1) if q3 > q1 else 0.0


def _count_rule(st):
    if not (st.integral and st.vmin >= 0):
        return False, None
    q05 = st.quantiles([0.05])[0]
    return q05 <= _t("count_small"), q05


def _target_verdict(st):
    is_count, q05 = _count_rule(st)
    if is_count:
        return "count", (f"non-negative integers {_fmt(st.vmin)}..{_fmt(st.vmax)}; 5th percentile {_fmt(q05)} "
                         f"<= {_t('count_small')} (count_small)")
    if st.vmin > 0:
        q01, q25, q50, q75, q99 = st.quantiles([0.01, 0.25, 0.5, 0.75, 0.99])
        ratio = q99 / q01
        raw_skew = _quartile_skew(q25, q50, q75)
        log_skew = _quartile_skew(math.log(q25), math.log(q50), math.log(q75))
        if ratio >= _t("wide_ratio") and abs(log_skew) < abs(raw_skew):
            return "positive_wide", (f"every value > 0; the 99th percentile {_fmt(q99)} is {ratio:,.0f} times the "
                                     f"1st {_fmt(q01)} (>= {_t('wide_ratio'):g}, wide_ratio) and the logarithm "
                                     f"makes the values more symmetric (quartile skewness {raw_skew:.2f} -> "
                                     f"{log_skew:.2f})")
        if ratio >= _t("wide_ratio"):
            return "real", (f"every value > 0 and the 99th percentile is {ratio:,.0f} times the 1st, but the "
                            f"logarithm makes the values less symmetric (quartile skewness {raw_skew:.2f} -> "
                            f"{log_skew:.2f}): not log-normal-like")
        return "real", (f"every value > 0 but the 99th percentile {_fmt(q99)} is only {ratio:,.1f} times the 1st "
                        f"{_fmt(q01)} (< {_t('wide_ratio'):g}, wide_ratio)")
    if st.integral and st.vmin >= 0:
        return "real", (f"non-negative integers {_fmt(st.vmin)}..{_fmt(st.vmax)} but the 5th percentile {_fmt(q05)} "
                        f"> {_t('count_small')} (count_small): large values behave like real numbers")
    return "real", f"real values from {_fmt(st.vmin)} to {_fmt(st.vmax)}"


def _outliers(st, target):
    """(answer, evidence, share) by the robust z-score rule on the scale the target suggests."""
    import numpy as np

    vals, w = st.weighted()
    if target == "positive_wide" and st.vmin > 0:
        vals = np.log(vals)
        scale_name = "on the log scale"
        floor = 0.0
    elif target == "count" and st.vmin >= 0:
        vals = 2.0 * np.sqrt(vals + 0.375)
        scale_name = "on the Anscombe scale 2 sqrt(y + 3/8), spread at least 1"
        floor = 1.0
    else:
        scale_name = ""
        floor = 0.0
    order = np.argsort(vals, kind="stable")
    vals, w = vals[order], w[order]
    med = _wquantiles(vals, w, [0.5])[0]
    dev = np.abs(vals - med)
    o2 = np.argsort(dev, kind="stable")
    mad = _wquantiles(dev[o2], w[o2], [0.5])[0]
    how = "1.4826 MAD"
    scale = 1.4826 * mad
    if scale == 0:
        q1, q3 = _wquantiles(vals, w, [0.25, 0.75])
        scale = (q3 - q1) / 1.349
        how = "IQR / 1.349 (MAD is 0)"
    if scale == 0:
        scale = 1.2533 * float((dev * w).sum() / w.sum())
        how = "1.2533 x mean absolute deviation (MAD and IQR are 0)"
    if floor and scale < floor:
        scale = floor
        how += ", raised to 1"
    if scale == 0:
        return "no", "every value is the same", 0.0
    z = dev / scale
    share = float(w[z > _t("outlier_z")].sum() / w.sum())
    est = " (estimated from a sample)" if st.overflow else ""
    where = f" {scale_name}" if scale_name else ""
    text = (f"{share:.2%} of values lie more than {_t('outlier_z')} robust standard deviations ({how}) from the "
            f"median{where}{est}; {'above' if share > _t('outlier_share') else 'at most'} "
            f"{_t('outlier_share'):.0%} (outlier_share)")
    return ("yes" if share > _t("outlier_share") else "no"), text, share


def _imbalance_from_counts(r, labels, counts, soft=False):
    counts = [float(c) for c in counts]
    hi_i = max(range(len(counts)), key=lambda i: counts[i])
    lo_i = min(range(len(counts)), key=lambda i: counts[i])
    hi, lo = counts[hi_i], counts[lo_i]
    ratio = lo / hi if hi else 0.0
    level = _imbalance_level(ratio)
    if soft:
        def fmt(c):
            return f"{c:,.1f} expected rows"
    else:
        def fmt(c):
            return f"{int(c):,} row{'' if c == 1 else 's'}"
    if lo == hi:
        # no rarest and most common class to name: they would be the same one
        r.set("imbalance", level, f"every class has {fmt(lo)}; ratio {ratio:.3g} {_imbalance_rule(ratio)}")
    else:
        r.set("imbalance", level,
              f"rarest class {labels[lo_i]}: {fmt(lo)}, most common {labels[hi_i]}: {fmt(hi)}; "
              f"ratio {ratio:.3g} {_imbalance_rule(ratio)}")
    if lo == 0:
        r.warnings.append(f"class {labels[lo_i]} never occurs")


def _imbalance_multilabel(r, names, pos, rows):
    worst = None
    never = []
    for name, p in zip(names, pos):
        p = float(p)
        q = rows - p
        ratio = min(p, q) / max(p, q) if max(p, q) else 0.0
        if p == 0:
            never.append(name)
        if worst is None or ratio < worst[0]:
            worst = (ratio, name, p, q)
    ratio, name, p, q = worst
    level = _imbalance_level(ratio)
    r.set("imbalance", level, f"worst label '{name}': {int(p):,} positive vs {int(q):,} negative rows; ratio "
                              f"{ratio:.3g} {_imbalance_rule(ratio)}")
    if never:
        r.warnings.append(f"label{'s' if len(never) > 1 else ''} {', '.join(repr(x) for x in never[:10])} "
                          f"{'are' if len(never) > 1 else 'is'} never positive")


def _imbalance_level(ratio):
    if ratio >= _t("imbalance_moderate"):
        return "none"
    if ratio >= _t("imbalance_severe"):
        return "moderate"
    return "severe"


def _imbalance_rule(ratio):
    if ratio >= _t("imbalance_moderate"):
        return ">= 1/5 (imbalance_moderate)"
    if ratio >= _t("imbalance_severe"):
        return "< 1/5 (imbalance_moderate) and >= 1/100 (imbalance_severe)"
    return "< 1/100 (imbalance_severe)"


# --------------------------------------------------------------------------- helpers


def _wquantiles(vals, w, qs):
    """Inverted-CDF quantiles of sorted ``vals`` with weights ``w``."""
    import numpy as np

    if len(vals) == 0:
        return [math.nan for _ in qs]
    cw = np.cumsum(w)
    total = cw[-1]
    out = []
    for q in qs:
        i = int(np.searchsorted(cw, q * total, side="left"))
        out.append(float(vals[min(i, len(vals) - 1)]))
    return out


def _fmt(v):
    if isinstance(v, str):
        return v
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


def _num(v):
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return int(v)
    return v


def _num_label(x, kind):
    if kind == "bool":
        return "true" if x else "false"
    return _fmt(x)


def _pct(c, n):
    p = 100.0 * c / n
    if p >= 9.95 or p == 0:
        return f"{p:.0f}%"
    if p >= 1:
        return f"{p:.1f}%"
    return f"{p:.2g}%"


def _dist_text(vals, cnts, n, st=None):
    pairs = list(zip(vals, cnts))
    shown = pairs if len(pairs) <= 8 else pairs[:6]
    label = (lambda v: ("true" if v else "false")) if st is not None and st.kinds == {"bool"} else _fmt
    text = ", ".join(f"{label(v)} ({_pct(c, n)})" for v, c in shown)
    if len(pairs) > len(shown):
        text += f", ... {label(pairs[-1][0])} ({_pct(pairs[-1][1], n)})"
    return text


def _kind_name(st):
    if st.is_text:
        return "text"
    if st.kinds == {"bool"}:
        return "bool"
    if "float" in st.kinds:
        return "float"
    if st.kinds:
        return "int"
    return "empty"


def _q(text, limit=40):
    """A label quoted for a sentence, shortened when long."""
    text = str(text)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _is_number(t):
    try:
        float(t)
        return True
    except ValueError:
        return False
