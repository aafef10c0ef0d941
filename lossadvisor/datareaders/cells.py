"""Cell texts to column chunks: which texts are missing, numbers (integers or not), or text.

Shared by the delimited-text, array and Arrow readers.
"""

from __future__ import annotations

import re

from lossadvisor.datareaders.blocks import ColumnChunk

#: cell texts read as missing (compared after stripping spaces, case-insensitive)
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "-nan", "+nan", "null", "none", "nil", "<na>", "#n/a", "#na"})

_INT_TEXT = re.compile(r"[+-]?\d+\Z")
#: a number written with a decimal comma (``10,03``, ``-0,5``): read as a number only when the
#: delimiter is not ',' and every other non-missing cell of the chunk is a number too
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+\Z")


def decimal_comma_applies(delimiter: bytes, ncols: int) -> bool:
    """Can a ',' inside a field of delimited text be a decimal comma? Yes when the delimiter is
    another character, or when the file has one column (nothing was split)."""
    return delimiter != b"," or ncols == 1


def classify_strings(uniq, inv, n, *, decimal_comma=False):
    """Distinct cell texts ``uniq`` (stripped str) and the row -> distinct index ``inv`` -> ColumnChunk.

    ``decimal_comma``: when every non-missing text is a number, written with '.' or with a decimal
    comma (:data:`DECIMAL_COMMA`), the comma ones are numbers too (the chunk's ``decimal_commas``
    counts their cells); otherwise they stay text.

    >>> import numpy as np
    >>> c = classify_strings(["10,03", "7", "NA"], np.array([0, 1, 2, 0]), 4, decimal_comma=True)
    >>> c.kind, c.values.tolist()[:2], c.decimal_commas
    ('float', [10.03, 7.0], 2)
    >>> classify_strings(["10,03", "cat"], np.array([0, 1]), 2, decimal_comma=True).kind
    'text'
    """
    import numpy as np

    m = len(uniq)
    nums = np.full(m, np.nan)
    is_missing = np.zeros(m, dtype=bool)
    is_text = np.zeros(m, dtype=bool)
    all_int = True
    for i, s in enumerate(uniq):
        if s.lower() in MISSING_TOKENS:
            is_missing[i] = True
            continue
        try:
            if "_" in s:
                raise ValueError
            nums[i] = float(s)
            if all_int and not _INT_TEXT.match(s):
                all_int = False
        except ValueError:
            is_text[i] = True
    counts = np.bincount(inv, minlength=m) if m else np.zeros(0, dtype=np.int64)
    comma_cells = 0
    if decimal_comma and is_text.any() and all(DECIMAL_COMMA.match(uniq[i]) for i in np.flatnonzero(is_text)):
        for i in np.flatnonzero(is_text):
            nums[i] = float(uniq[i].replace(",", "."))
        comma_cells = int(counts[is_text].sum())
        is_text[:] = False
        all_int = False
    n_missing = int(counts[is_missing].sum())
    missing_words = {uniq[i]: int(counts[i]) for i in np.flatnonzero(is_missing)}
    if n_missing == n:
        return ColumnChunk(None, n, values=np.full(n, np.nan), n_missing=n, missing_words=missing_words)
    if is_text.any():
        keep = ~is_missing
        texts = [uniq[i] for i in np.flatnonzero(keep)]
        mixed = uniq[int(np.flatnonzero(is_text)[0])] if (keep & ~is_text).any() else None
        return ColumnChunk("text", n, text=texts, counts=counts[keep], n_missing=n_missing, mixed=mixed,
                           missing_words=missing_words, codes=text_codes(keep, inv))
    values = nums[inv]  # missing -> NaN already
    return ColumnChunk("int" if all_int else "float", n, values=values, n_missing=n_missing,
                       missing_words=missing_words, decimal_commas=comma_cells)


def text_codes(keep, inv):
    """Per row, the index of its text among the kept distinct texts (-1 where not kept).

    >>> import numpy as np
    >>> text_codes(np.array([True, False, True]), np.array([2, 1, 0, 2])).tolist()
    [1, -1, 0, 1]
    """
    import numpy as np

    index = np.where(keep, np.cumsum(keep) - 1, -1)
    return index[inv]


def text_chunk_from_array(arr):
    """A 1-D numpy array of str/bytes (object or U/S) with None for missing -> ColumnChunk."""
    import numpy as np

    n = len(arr)
    if arr.dtype == object:
        vals = []
        for v in arr.tolist():
            if v is None:
                vals.append("")
            elif isinstance(v, bytes):
                vals.append(v.decode("utf-8", "replace"))
            else:
                vals.append(str(v))
        arr = np.array(vals, dtype=str) if vals else np.zeros(0, dtype="U1")
    elif arr.dtype.kind == "S":
        arr = np.char.decode(arr, "utf-8", "replace")
    uniq, inv = np.unique(arr, return_inverse=True)
    stripped = [str(u).strip() for u in uniq.tolist()]
    return classify_strings(stripped, inv.reshape(-1), n)
