"""The CSV fast path: a chunk of whole lines parsed with vectorised byte arithmetic.

Newlines and delimiters are located for all lines at once (which also proves every line's field
count), and the target fields are parsed one character position at a time over all rows: no
per-line Python. Fields that are not plain numbers are classified once per distinct text.
"""

from __future__ import annotations

from lossadvisor.datareaders.blocks import Block, ColumnChunk
from lossadvisor.datareaders.cells import classify_strings, decimal_comma_applies
from lossadvisor.errors import InputError


def parse_csv_chunk(name, chunk, d, ncols, targets, state, bytes_done):
    """One chunk of whole lines (ending with a newline) -> Block, vectorised; numbers written with a
    decimal comma are numbers where :func:`decimal_comma_applies` (see :func:`classify_strings`)."""
    import numpy as np

    arr = np.frombuffer(chunk, dtype=np.uint8)
    first_line = state["line"]
    D = None
    nl = None
    if ncols > 1:
        # one pass finds newlines and delimiters together; a well-formed chunk is the pattern
        # (delimiter x (ncols - 1), newline) repeated, which also proves every line's field count
        special = arr == 10
        special |= arr == d[0]
        P = np.flatnonzero(special)
        del special
        if len(P) % ncols == 0:
            Q = P.reshape(-1, ncols)
            if bool((arr[Q[:, -1]] == 10).all()) and bool((arr[Q[:, :-1]] == d[0]).all()):
                nl = Q[:, -1]
                D = Q[:, :-1]
        del P
    if nl is None:
        nl = np.flatnonzero(arr == 10)
    nlines = len(nl)
    state["line"] += nlines
    ls = np.empty(nlines, dtype=np.int64)
    ls[0] = 0
    ls[1:] = nl[:-1] + 1
    if chunk.obj.find(b"\r", 0, len(chunk)) >= 0:
        le = nl - ((nl > ls) & (arr[np.maximum(nl - 1, 0)] == 13))
    else:
        le = nl
    line_idx = None  # positions of the kept lines among the chunk's lines (blank lines dropped)
    if ncols > 1 and D is None:
        k = ncols - 1
        dpos = np.flatnonzero(arr == d[0])
        # blank lines are skipped in a file of several columns; anything else is ragged
        blank = le == ls
        if blank.any():
            keep = ~blank
            line_idx = np.flatnonzero(keep)
            ls, le, nl_kept = ls[keep], le[keep], nl[keep]
        else:
            nl_kept = nl
        n = len(ls)
        if n == 0:
            return None
        ok = len(dpos) == n * k
        if ok:
            D = dpos.reshape(n, k)
            ok = bool((D[:, 0] >= ls).all() and (D[:, -1] < le).all())
        if not ok:
            per_line = np.bincount(np.searchsorted(nl_kept, dpos), minlength=n + 1)[:n]
            bad = np.flatnonzero(per_line != k)
            i = int(bad[0]) if len(bad) else 0
            line_no = first_line + (int(line_idx[i]) if line_idx is not None else i)
            got = int(per_line[i]) + 1
            raise InputError(
                f"{name}: line {line_no} has {got} field{'s' if got != 1 else ''}, expected {ncols} "
                f"(a ragged CSV; check the delimiter {d.decode()!r} and the quoting)"
            )
    n = len(ls)
    if n == 0:
        return None
    decimal_comma = decimal_comma_applies(d, ncols)
    cols = []
    for j in targets:
        s = ls if j == 0 else D[:, j - 1] + 1
        e = le if j == ncols - 1 else D[:, j]
        cols.append(_parse_fields(arr, s, e, decimal_comma))
    first_row = state["row"]
    state["row"] += n
    return Block(cols, n, first_row, bytes_done)


def _parse_fields(arr, s, e, decimal_comma):
    """Fields ``arr[s[i]:e[i]]`` -> ColumnChunk.

    Plain integers and decimals (optional sign, digits, at most one point, at most 15 digits) are
    parsed with byte arithmetic, one character position at a time over all rows, so temporaries
    stay one value per row; anything else (exponents, spaces, NA tokens, text) takes the general
    path, which classifies each distinct text once."""
    import numpy as np

    n = len(s)
    L = e - s
    w = int(L.max()) if n else 0
    if w == 0:
        return ColumnChunk(None, n, values=np.full(n, np.nan), n_missing=n)
    if w <= 15 and int(L.min()) == w:
        # every field has the same width: plain non-negative integers (class labels) are quick
        m = None
        for p in range(w):
            d = arr[s + p] - np.uint8(48)  # wraps below '0'
            if not bool((d < 10).all()):
                m = None
                break
            m = d.astype(np.int64) if m is None else m * 10 + d
        if m is not None:
            return ColumnChunk("int", n, values=m.astype(np.float64))
    if w <= 24:
        chunk = _parse_decimals(arr, s, L, w)
        if chunk is not None:
            return chunk
    return _general_fields(arr, s, e, L, w, decimal_comma)


def _parse_decimals(arr, s, L, w):
    import numpy as np

    n = len(s)
    last = len(arr) - 1
    c0 = arr[s]
    sign = (L > 1) & ((c0 == 45) | (c0 == 43))
    m = np.zeros(n, dtype=np.int64)
    ndig = np.zeros(n, dtype=np.int64)
    ndot = np.zeros(n, dtype=np.int64)
    frac = np.zeros(n, dtype=np.int64)
    pos = np.empty(n, dtype=np.int64)
    for p in range(w):
        inb = L > p
        np.add(s, p, out=pos)
        np.minimum(pos, last, out=pos)
        c = arr[pos]
        d = c - np.uint8(48)
        isd = (d < 10) & inb
        isdot = (c == 46) & inb
        other = inb & ~(isd | isdot)
        if p == 0:
            other &= ~sign
        if other.any():
            return None  # a character no plain number has: the general path decides
        np.multiply(m, 10, out=m, where=isd)
        np.add(m, d, out=m, where=isd, casting="unsafe")
        ndig += isd
        frac += isd & (ndot > 0)
        ndot += isdot
    empty = L == 0
    ok = (ndot <= 1) & (ndig >= 1) & (ndig <= 15)
    if not bool((ok | empty).all()):
        return None
    values = m.astype(np.float64)
    any_dot = bool(ndot.any())
    if any_dot:
        # an exact integer over an exact power of ten: one correctly rounded division
        values /= 10.0 ** frac
    neg = sign & (c0 == 45)
    if neg.any():
        values[neg] = -values[neg]
    n_missing = int(empty.sum())
    if n_missing:
        values[empty] = np.nan
        if n_missing == n:
            return ColumnChunk(None, n, values=values, n_missing=n)
    return ColumnChunk("float" if any_dot else "int", n, values=values, n_missing=n_missing)


def _general_fields(arr, s, e, L, w, decimal_comma):
    """Distinct texts first (labels have few), then classify each distinct text once."""
    import numpy as np

    n = len(s)
    if n * w <= (4 << 20):
        F = np.zeros((n, w), dtype=np.uint8)
        last = len(arr) - 1
        for p in range(w):
            inb = L > p
            F[:, p] = np.where(inb, arr[np.minimum(s + p, last)], np.uint8(0))
        S = F.view(f"S{w}").reshape(n)
        uniq, inv = np.unique(S, return_inverse=True)
        texts = [u.decode("utf-8", "replace").strip() for u in uniq.tolist()]
        return classify_strings(texts, inv.reshape(-1), n, decimal_comma=decimal_comma)
    # long fields: a dict of distinct texts instead of a fixed-width n x w array
    data = arr.tobytes()
    index: dict = {}
    inv = np.empty(n, dtype=np.int64)
    for i, (a, b) in enumerate(zip(s.tolist(), e.tolist())):
        inv[i] = index.setdefault(data[a:b], len(index))
    texts = [k.decode("utf-8", "replace").strip() for k in index]
    return classify_strings(texts, inv, n, decimal_comma=decimal_comma)
