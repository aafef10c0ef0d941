"""The streaming statistics of `lossadvisor infer`: bounded memory per target column.

:class:`Accumulator` takes the blocks a reader yields (see :mod:`lossadvisor.datareaders`) and keeps,
per column, a :class:`ColumnStats` (exact counts of distinct values up to ``distinct_cap``, then a
systematic :class:`StrideSample`; min, max, mean and variance; the strings of a text column) and,
for several columns, a :class:`MatrixStats` (0/1 cells, row sums, ones per row). Memory grows
with the number of distinct values and the block, not the file.
"""

from __future__ import annotations

import math

from lossadvisor.errors import InputError
from lossadvisor.infer.thresholds import SAMPLE_CAP, TEXT_CHARS_CAP, threshold
from lossadvisor.infer.values import is_number, json_number, number_label, quoted

TOP_VALUES = 10  # values shown per column in the output


class StrideSample:
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


class ColumnStats:
    """One target column: exact counts of its distinct values (numbers up to distinct_cap, then a
    sample; strings up to distinct_cap and TEXT_CHARS_CAP), range, mean and variance."""

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
        self.sample = StrideSample()
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

        cap = threshold("distinct_cap")
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
        self.add_text([number_label(x, kind) for x in u.tolist()], c)

    # ---- text
    def add_text(self, texts, counts):
        if self.text is None:
            self.text = {}
            if self.n:
                if self.overflow:
                    raise InputError(
                        f"column '{self.name}' holds numbers with many distinct values and also text "
                        f"({quoted(next((t for t in texts if not is_number(t)), texts[0]))}); clean the column "
                        "or choose another one"
                    )
                self.mixed = True
                nums = [(number_label(k, "int" if float(k).is_integer() else "float"), int(c))
                        for k, c in zip(self.keys.tolist(), self.cnts.tolist())]
                for label, c in nums:
                    self.text[label] = self.text.get(label, 0) + c
        if self.mixed and self.first_text is None:
            self.first_text = next((t for t in texts if not is_number(t)), None)
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
        if not self.text_overflow and (len(self.text) > threshold("distinct_cap") or self.text_chars > TEXT_CHARS_CAP):
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

    def quantiles(self, qs):
        """The ``qs`` quantiles of the values (exact, or from the sample past distinct_cap)."""
        vals, w = self.weighted()
        return weighted_quantiles(vals, w, qs)

    def summary(self):
        out = {"name": self.name, "kind": _kind_name(self), "values": self.n,
               "distinct": self.distinct if self.distinct is not None else f">{threshold('distinct_cap')}"}
        if self.is_text:
            if not self.text_overflow:
                top = sorted(self.text.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_VALUES]
                out["top"] = [{"value": k, "count": c} for k, c in top]
            return out
        if self.n:
            out["min"] = json_number(self.vmin)
            out["max"] = json_number(self.vmax)
            std = math.sqrt(self.m2 / self.n) if self.m2 >= 0 else math.nan
            if math.isfinite(self.mean) and math.isfinite(std):  # not for values near the float limit
                out["mean"] = round(self.mean, 6)
                out["std"] = round(std, 6)
        if not self.overflow and len(self.keys):
            import numpy as np

            order = np.argsort(-self.cnts, kind="stable")[:TOP_VALUES]
            out["top"] = [{"value": json_number(float(self.keys[i])), "count": int(self.cnts[i])} for i in order]
        return out


class MatrixStats:
    """Several target columns as rows: all 0/1? all >= 0? rows summing to 1, ones per row, column sums."""

    def __init__(self, k):
        import numpy as np

        self.k = k
        self.rows = 0
        self.all01 = True
        self.nonneg = True
        self.sum1 = 0
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
        self.sum1 += int(np.count_nonzero(np.abs(rs - 1) <= threshold("row_sum_tolerance") + 1e-9))
        self.col_sums += X.sum(axis=0)
        if is01:
            ones = rs.astype(np.int64)
            self.card += np.bincount(ones, minlength=self.k + 1)[: self.k + 1]


class Accumulator:
    """The statistics of every target column, fed block by block; counts missing and infinite rows
    (for one column, by the text of the missing cell where the reader gives it)."""

    def __init__(self, name):
        self.name = name
        self.names = None
        self.stats = None
        self.matrix = None
        self.rows = 0
        self.missing_rows = 0
        self.infinite_rows = 0
        self.missing_words = {}  # one column: cell text read as missing -> rows ("" the empty cell)
        self.class_words = {}  # one column: missing-value words read as classes -> rows (see decide)
        self.delimiter = None  # delimited text: the delimiter the file was read with
        self.header = False  # delimited text: whether the first row was a header (the column names)
        self.decimal_commas = 0  # delimited text: cells read as numbers written with a decimal comma
        self.delimiter_given = False  # delimited text: the caller gave the delimiter
        self.column_given = False  # the caller named the target column(s)

    def add_missing(self, words):
        """Rows whose target cell was missing, by the cell's text (word -> rows; "" the empty cell).

        >>> acc = accumulate_array(["cat", "dog"])
        >>> acc.add_missing({"NA": 3, "": 1})
        >>> acc.rows, acc.missing_rows, acc.missing_words
        (6, 4, {'NA': 3, '': 1})
        """
        rows = sum(words.values())
        self.rows += rows
        self.missing_rows += rows
        self._count_missing_words(words)

    def _count_missing_words(self, words):
        for word, rows in words.items():
            self.missing_words[word] = self.missing_words.get(word, 0) + int(rows)

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
            self.stats = [ColumnStats(nm) for nm in self.names]
            if len(cols) > 1:
                self.matrix = MatrixStats(len(cols))
        elif len(cols) != len(self.stats):
            raise InputError(f"{self.name}: rows from {block.first_row + 1} have {len(cols)} target values, "
                             f"earlier rows {len(self.stats)}")
        n = block.n
        self.rows += n
        self.decimal_commas += sum(c.decimal_commas for c in cols)
        if len(cols) == 1:
            c = cols[0]
            st = self.stats[0]
            # which texts the reader took for missing values, where it says (not for NaN in binary formats)
            self._count_missing_words(c.missing_words or {})
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


def accumulate_array(arr, name: str = "array") -> Accumulator:
    """The statistics of an in-memory 1-D or 2-D array, read in blocks as a file would be.

    >>> acc = accumulate_array([[1, 0], [0, 1], [0, 1]])
    >>> acc.rows, acc.names, acc.matrix.col_sums.tolist()
    (3, ['0', '1'], [1.0, 2.0])
    """
    import numpy as np

    from lossadvisor.datareaders import ROWS_PER_BLOCK, Block, _array_chunks

    arr = np.asarray(arr)
    names = [name] if arr.ndim == 1 else [str(j) for j in range(arr.shape[1])]
    acc = Accumulator(name)
    for i in range(0, arr.shape[0], ROWS_PER_BLOCK):
        rows = arr[i: i + ROWS_PER_BLOCK]
        acc.add(Block(_array_chunks(rows), rows.shape[0], i, 0), names)
    return acc


def weighted_quantiles(vals, w, qs):
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


def _kind_name(st) -> str:
    """The kind of values a column holds: text, bool, float, int or empty."""
    if st.is_text:
        return "text"
    if st.kinds == {"bool"}:
        return "bool"
    if "float" in st.kinds:
        return "float"
    if st.kinds:
        return "int"
    return "empty"
