"""Cell texts to column chunks: which texts are missing, numbers (integers or not), or text.

Shared by the delimited-text, array and Arrow readers.
"""

from __future__ import annotations

import re

from lossadvisor.datareaders.blocks import ColumnChunk

#: cell texts read as missing (compared after stripping spaces, case-insensitive)
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "-nan", "+nan", "null", "none", "nil", "<na>", "#n/a", "#na"})

_INT_TEXT = re.compile(r"[+-]?\d+\Z")


def classify_strings(uniq, inv, n):
    """Distinct cell texts ``uniq`` (stripped str) and the row -> distinct index ``inv`` -> ColumnChunk."""
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
    n_missing = int(counts[is_missing].sum())
    missing_words = {uniq[i]: int(counts[i]) for i in np.flatnonzero(is_missing)}
    if n_missing == n:
        return ColumnChunk(None, n, values=np.full(n, np.nan), n_missing=n, missing_words=missing_words)
    if is_text.any():
        keep = ~is_missing
        texts = [uniq[i] for i in np.flatnonzero(keep)]
        mixed = uniq[int(np.flatnonzero(is_text)[0])] if (keep & ~is_text).any() else None
        return ColumnChunk("text", n, text=texts, counts=counts[keep], n_missing=n_missing, mixed=mixed,
                           missing_words=missing_words)
    values = nums[inv]  # missing -> NaN already
    return ColumnChunk("int" if all_int else "float", n, values=values, n_missing=n_missing,
                       missing_words=missing_words)


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
