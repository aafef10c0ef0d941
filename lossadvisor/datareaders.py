"""Read target columns from data files, in chunks, for `lossadvisor infer`.

Formats: CSV and TSV (also ``.gz``; ``-`` is CSV on standard input), ``.npy``, ``.npz``,
JSON Lines, and Parquet / Feather when the optional extra ``data`` (pyarrow) is installed.

:func:`open_target` looks at the file (format, delimiter, header, the target columns) and returns
a :class:`TargetSource`; iterating :meth:`TargetSource.blocks` yields :class:`Block` objects of at
most a few thousand to a few hundred thousand rows, so memory grows with the chunk, not the file.

Each block holds one :class:`ColumnChunk` per target column:

- numeric (``kind`` ``int``, ``float`` or ``bool``): ``values`` is float64, one per row, NaN where
  the cell is missing;
- ``text``: the distinct non-missing strings of the chunk (``text``) with their ``counts``, and the
  number of missing cells (text columns are single-column targets, so rows need no alignment);
- ``None`` kind: every cell of the chunk is missing.

Missing cells: empty fields, NaN, and the tokens in :data:`MISSING_TOKENS` (case-insensitive).

CSV fast path: binary chunks of :data:`CHUNK_BYTES` are cut at the last newline and the target
fields are located and parsed with vectorised byte arithmetic (no per-line Python). A chunk with a
double quote switches the rest of the file to Python's ``csv`` module (correct for quoted
fields and embedded newlines, slower).

This module is part of the pure core: no click, no rich; errors are ``InputError`` / ``UsageError``.
"""

from __future__ import annotations

import io
import os
import re
import stat
import sys

from lossadvisor.errors import InputError, UsageError

CHUNK_BYTES = 1 << 20  # 1 MiB of CSV text per chunk (about 70k short rows)
ROWS_PER_BLOCK = 1 << 16  # rows per block for npy / npz / parquet / feather / JSON Lines
MAX_LINE_BYTES = 64 << 20  # a "line" longer than this is not a CSV
SNIFF_BYTES = 64 << 10  # bytes read to detect the delimiter and the header
SNIFF_LINES = 50

#: cell texts read as missing (compared after stripping spaces, case-insensitive)
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "-nan", "+nan", "null", "none", "nil", "<na>", "#n/a", "#na"})
#: column names taken as the target when no --column is given (case-insensitive, first match wins)
TARGET_NAMES = ("label", "labels", "target", "targets", "y", "class", "outcome")
DELIMITERS = (",", "\t", ";", "|")
EXTRA_HINT = "pip install 'lossadvisor[data]'"

_INT_TEXT = re.compile(r"[+-]?\d+\Z")


class ColumnChunk:
    """One target column's values in one block (see the module docstring)."""

    __slots__ = ("kind", "values", "text", "counts", "n_missing", "n", "mixed")

    def __init__(self, kind, n, values=None, text=None, counts=None, n_missing=0, mixed=None):
        self.kind = kind
        self.n = n
        self.values = values
        self.text = text
        self.counts = counts
        self.n_missing = n_missing
        self.mixed = mixed  # text chunks: an example of a non-number when numbers occur too


class Block:
    """Rows ``first_row .. first_row + n - 1`` (0-based data rows) of every target column."""

    __slots__ = ("columns", "n", "first_row", "bytes_done")

    def __init__(self, columns, n, first_row, bytes_done):
        self.columns = columns
        self.n = n
        self.first_row = first_row
        self.bytes_done = bytes_done


class Info(str):
    """A note that is information (which column was taken), not a warning."""


class TargetSource:
    """A data file opened for reading its target columns.

    ``columns`` are the names of the target columns, ``all_columns`` every column the file has,
    ``details`` what was detected (format, delimiter, header, key), ``notes`` remarks for the user
    (e.g. which column was taken by default).
    """

    def __init__(self, name, fmt, columns, all_columns, total_bytes, blocks_fn, details=None, notes=None):
        self.name = name
        self.format = fmt
        self.columns = list(columns)
        self.all_columns = list(all_columns)
        self.total_bytes = total_bytes
        self._blocks_fn = blocks_fn
        self.details = details or {}
        self.notes = [n for n in notes or [] if not isinstance(n, Info)]  # warnings for the user
        self.info = [n for n in notes or [] if isinstance(n, Info)]  # how the target was chosen

    def blocks(self):
        return self._blocks_fn()


# --------------------------------------------------------------------------- entry point


def open_target(source: str, *, columns=None, key=None, delimiter=None) -> TargetSource:
    """Open ``source`` (a path or ``-`` for standard input) and choose its target columns."""
    if columns is not None:
        columns = [str(c) for c in columns]
        if not columns:
            columns = None
    if columns is not None:
        seen = set()
        for c in columns:
            if not c.strip():
                raise UsageError("--column takes a name or an index, got an empty value")
            if c in seen:
                raise UsageError(f"--column '{c}' is given twice")
            seen.add(c)
    delim = _parse_delimiter(delimiter) if delimiter is not None else None
    if source == "-":
        if key is not None:
            raise UsageError("--key applies to .npz files, not to standard input (read as CSV)")
        raw = getattr(sys.stdin, "buffer", sys.stdin)
        if raw is None:  # the shell closed standard input (`<&-`)
            raise InputError("<stdin>: standard input is closed; give a file, or pipe the data in")
        return _open_csv("<stdin>", _Counting(raw), None, columns, delim, tsv=False)

    name = source
    if os.path.isdir(source):
        raise InputError(f"{name}: is a folder, expected a data file")
    try:
        regular = stat.S_ISREG(os.stat(source).st_mode)
        size = os.path.getsize(source) if regular else None
        fh = open(source, "rb")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        head = fh.read(8)
        if regular:
            fh.seek(0)
    except OSError as exc:
        fh.close()
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if regular and size == 0:
        fh.close()
        raise InputError(f"{name}: the file is empty")
    if not regular:
        # a pipe, a FIFO or `<(command)`: no size and no seeking; the bytes already read
        # for the format check go first
        fh = _Chain(head, fh, close_raw=True)
    fmt = _detect_format(source, head)
    if not regular and fmt not in ("csv", "tsv", "jsonl", "json"):
        fh.close()
        raise InputError(f"{name}: a {fmt.upper()} file needs random access, and this is a pipe or a device; "
                         "save it to a regular file first")
    if key is not None and fmt != "npz":
        fh.close()
        raise UsageError(f"--key applies to .npz files; {name} is read as {fmt.upper()}")
    if delim is not None and fmt not in ("csv", "tsv"):
        fh.close()
        raise UsageError(f"--delimiter applies to CSV/TSV files; {name} is read as {fmt.upper()}")
    try:
        if fmt in ("csv", "tsv"):
            counting = _Counting(fh)
            stream = counting
            if head[:2] == b"\x1f\x8b":
                import gzip

                stream = gzip.GzipFile(fileobj=counting, mode="rb")
            return _open_csv(name, stream, size, columns, delim, tsv=fmt == "tsv", counter=counting)
        if fmt in ("jsonl", "json"):
            counting = _Counting(fh)
            stream = counting
            if head[:2] == b"\x1f\x8b":
                import gzip

                stream = gzip.GzipFile(fileobj=counting, mode="rb")
            return _open_jsonl(name, stream, size, columns, counter=counting, whole_json=fmt == "json")
        fh.close()
        if fmt == "npy":
            return _open_npy(name, source, size, columns)
        if fmt == "npz":
            return _open_npz(name, source, size, columns, key)
        if fmt in ("parquet", "feather"):
            return _open_arrow(name, source, size, columns, fmt)
    except BaseException:
        fh.close()
        raise
    raise InputError(f"{name}: unsupported format")  # pragma: no cover - _detect_format is total


def _detect_format(path: str, head: bytes) -> str:
    lower = path.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    ext = os.path.splitext(lower)[1]
    by_ext = {
        ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "csv",
        ".npy": "npy", ".npz": "npz",
        ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
        ".parquet": "parquet", ".pq": "parquet",
        ".feather": "feather", ".arrow": "feather", ".ipc": "feather",
    }
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "npz"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"ARROW1") or head.startswith(b"FEA1"):
        return "feather"
    if ext in by_ext:
        return by_ext[ext]
    if head.lstrip()[:1] == b"{":
        return "jsonl"  # no telling extension (a pipe, `<(...)`): a CSV does not start with '{'
    return "csv"


def _parse_delimiter(text: str) -> bytes:
    names = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
    value = names.get(text.lower(), text) if isinstance(text, str) else text
    if len(value) != 1 or not value.isascii() or value in "\r\n\"" or value.isalnum() or value in ".-+":
        raise UsageError(
            f"--delimiter takes one ASCII character such as ',' ';' '|' or 'tab', got {text!r}"
        )
    return value.encode("ascii")


class _Counting(io.RawIOBase):
    """A binary stream that counts the bytes read through it (for progress)."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self):
        return True

    def read(self, n=-1):
        data = self.raw.read(n)
        if data:
            self.count += len(data)
        return data

    def readinto(self, b):
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self):
        try:
            if self.raw is not getattr(sys.stdin, "buffer", None) and self.raw is not sys.stdin:
                self.raw.close()
        finally:
            super().close()


class _Chain(io.RawIOBase):
    """``prefix`` bytes, then the rest of ``raw``: hands the remainder of a stream to the csv module."""

    def __init__(self, prefix: bytes, raw, close_raw: bool = False):
        self.prefix = prefix
        self.raw = raw
        self.close_raw = close_raw

    def close(self):
        try:
            if self.close_raw and not self.closed:
                self.raw.close()
        finally:
            super().close()

    def readable(self):
        return True

    def readinto(self, b):
        if self.prefix:
            n = min(len(b), len(self.prefix))
            b[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
            return n
        data = self.raw.read(len(b))
        if not data:
            return 0
        b[: len(data)] = data
        return len(data)


def _read_error(name, exc):
    import zlib

    if isinstance(exc, (EOFError, zlib.error)) or type(exc).__name__ == "BadGzipFile":
        return InputError(f"{name}: broken compressed data ({exc})")
    return InputError(f"{name}: cannot read: {getattr(exc, 'strerror', None) or exc}")


def _safe_read(stream, n, name):
    try:
        return stream.read(n)
    except (OSError, EOFError) as exc:
        raise _read_error(name, exc) from None
    except Exception as exc:  # zlib.error from a gzip stream
        if type(exc).__name__ == "error":
            raise _read_error(name, exc) from None
        raise


# --------------------------------------------------------------------------- column choice


def _describe_columns(names) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:20])
    if len(names) > 20:
        shown += f" ... and {len(names) - 20} more"
    return shown


def _resolve_columns(name, all_names, wanted, *, header=True, what="column"):
    """Map --column values (names, 0-based indices, negative indices, ``A:B`` ranges) to indices."""
    all_names = list(all_names)
    if wanted is None:
        return None
    out = []
    for w in wanted:
        if w in all_names:
            idx = [all_names.index(w)]
        elif re.fullmatch(r"[+-]?\d+", w.strip()):
            i = int(w)
            if not -len(all_names) <= i < len(all_names):
                raise InputError(
                    f"{name}: no {what} {w}: the file has {len(all_names)} {what}{'s' if len(all_names) != 1 else ''} "
                    f"(indices 0..{len(all_names) - 1}): {_describe_columns(all_names)}"
                )
            idx = [i % len(all_names)]
        elif re.fullmatch(r"\s*[+-]?\d*\s*:\s*[+-]?\d*\s*", w) and ":" in w:
            a, b = w.split(":")
            idx = list(range(len(all_names)))[slice(int(a) if a.strip() else None, int(b) if b.strip() else None)]
            if not idx:
                raise InputError(f"{name}: the range {w} selects no {what}; {what}s are 0..{len(all_names) - 1}")
        else:
            if header:
                near = _near(w, all_names)
                raise InputError(f"{name}: no {what} '{w}'{near}; {what}s: {_describe_columns(all_names)}")
            raise InputError(
                f"{name}: no {what} named '{w}': the file has no header row; use an index 0..{len(all_names) - 1}"
            )
        for i in idx:
            if i in out:
                raise UsageError(f"--column selects {what} {all_names[i]!r} twice")
            out.append(i)
    return out


def _near(word, names):
    import difflib

    m = difflib.get_close_matches(word, [str(n) for n in names], n=1)
    if not m:
        low = [str(n).lower() for n in names]
        if word.lower() in low:
            m = [str(names[low.index(word.lower())])]
    return f" (did you mean '{m[0]}'?)" if m else ""


def _default_target(all_names, notes, what="column"):
    """No --column: a column named like a target, else the last one (with a note)."""
    if len(all_names) == 1:
        return [0]
    low = [str(n).strip().lower() for n in all_names]
    for cand in TARGET_NAMES:
        if cand in low:
            i = low.index(cand)
            notes.append(Info(f"no --column given: using the {what} named '{all_names[i]}'"))
            return [i]
    notes.append(
        f"no --column given and no {what} named {'/'.join(TARGET_NAMES[:5])}: using the last {what} "
        f"'{all_names[-1]}' of {len(all_names)}; pass --column to choose"
    )
    return [len(all_names) - 1]


# --------------------------------------------------------------------------- text cells


def _classify_strings(uniq, inv, n):
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
    if n_missing == n:
        return ColumnChunk(None, n, values=np.full(n, np.nan), n_missing=n)
    if is_text.any():
        keep = ~is_missing
        texts = [uniq[i] for i in np.flatnonzero(keep)]
        mixed = uniq[int(np.flatnonzero(is_text)[0])] if (keep & ~is_text).any() else None
        return ColumnChunk("text", n, text=texts, counts=counts[keep], n_missing=n_missing, mixed=mixed)
    values = nums[inv]  # missing -> NaN already
    return ColumnChunk("int" if all_int else "float", n, values=values, n_missing=n_missing)


def _text_chunk_from_array(arr):
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
    return _classify_strings(stripped, inv.reshape(-1), n)


# --------------------------------------------------------------------------- CSV


def _sniff_delimiter(lines, tsv):
    if tsv:
        return b"\t"
    best = None
    for d in DELIMITERS:
        counts = [ln.count(d) for ln in lines if ln.strip()]
        if not counts or counts[0] == 0:
            continue
        consistent = all(c == counts[0] for c in counts)
        if consistent and (best is None or counts[0] > best[1]):
            best = (d, counts[0])
    if best is None:
        # quoted fields can hide the count: let the csv module parse the first lines
        import csv

        for d in DELIMITERS:
            try:
                rows = list(csv.reader([ln for ln in lines if ln.strip()], delimiter=d))
            except csv.Error:
                continue
            widths = {len(r) for r in rows}
            if rows and len(widths) == 1 and widths.pop() > 1:
                return d.encode()
        # numbers separated by single spaces (numpy.savetxt's default): only when every field of
        # every line but a header is a number, so text labels with spaces ("New York") stay one column
        data = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
        fields = [ln.split(" ") for ln in data]
        body = fields[1:] if len(fields) > 1 else fields
        if data and len({len(f) for f in fields}) == 1 and len(fields[0]) > 1 and all(
                _looks_numeric(x) is not False and x.strip() for f in body for x in f):
            return b" "
        return b","  # one column (or unknown): the delimiter does not matter
    return best[0].encode()


def _looks_numeric(s):
    s = s.strip()
    if s.lower() in MISSING_TOKENS:
        return None
    try:
        if "_" in s:
            return False
        float(s)
        return True
    except ValueError:
        return False


def _detect_header(rows, wanted):
    """Is the first row a header? (rule order documented in the README / infer docs)."""
    first, rest = rows[0], rows[1:]
    # 1. a --column name matches a field of the first row
    if wanted:
        names = [f.strip() for f in first]
        for w in wanted:
            if w in names and not re.fullmatch(r"[+-]?\d+", w):
                return True
    # 2. a field of the first row is text while its column below is numeric
    if rest:
        for j, f in enumerate(first):
            below = [_looks_numeric(r[j]) for r in rest if j < len(r)]
            below = [b for b in below if b is not None]
            if _looks_numeric(f) is False and below and all(below):
                return True
    # 3. no field of the first row is numeric, none reappears in its column below, and a column
    #    below repeats its values (labels do) without ever showing its first-row text
    if all(_looks_numeric(f) is False for f in first):
        repeats = False
        for j, f in enumerate(first):
            col = [r[j].strip() for r in rest if j < len(r)]
            if f.strip() in col:
                return False
            if len(set(col)) < len(col):
                repeats = True
        return repeats or bool({f.strip().lower() for f in first} & set(TARGET_NAMES))
    if not rest:
        return False
    # 4. a field of the first row is a number while its column below is all text (at least two
    #    values): pandas writes a Series of labels under the header "0"
    for j, f in enumerate(first):
        below = [_looks_numeric(r[j]) for r in rest if j < len(r)]
        below = [b for b in below if b is not None]
        if _looks_numeric(f) is True and len(below) >= 2 and not any(below):
            return True
    # 5. the first row is pandas' default column names 0, 1, ..., K-1 (after an empty index
    #    header, ",0,1,2"), and the rows below cannot continue it: an empty index header, or a
    #    column whose name is written as an integer while every value below has a decimal point
    #    or an exponent (floats), or a 0/1 column (one-hot, multi-hot) named 2 or more
    names = [f.strip() for f in first]
    index_header = len(names) >= 2 and names[0] == ""
    body = names[1:] if index_header else names
    if len(body) >= 2 and body == [str(i) for i in range(len(body))]:
        if index_header:
            return True
        for j, f in enumerate(names):
            col = [r[j].strip() for r in rest if j < len(r)]
            col = [c for c in col if c.lower() not in MISSING_TOKENS]
            if not col or not all(_looks_numeric(c) for c in col):
                continue
            if all(re.search(r"[.eE]", c) for c in col):
                return True
            if int(f) >= 2 and all(float(c) in (0.0, 1.0) for c in col):
                return True
    return False


def _open_csv(name, stream, size, wanted, delim, *, tsv, counter=None):
    import csv

    counter = counter if counter is not None else stream
    prefix = _safe_read(stream, SNIFF_BYTES, name)
    parts = [prefix]
    lines = prefix.count(b"\n")
    got = len(prefix)
    # newlines are counted per part (not over the growing prefix), and binary data stops the
    # sniffing at once: /dev/zero or a 64 MiB line without a newline must not take minutes
    while lines < SNIFF_LINES + 1 and b"\x00" not in parts[-1]:
        more = _safe_read(stream, SNIFF_BYTES, name)
        if not more:
            break
        parts.append(more)
        lines += more.count(b"\n")
        got += len(more)
        if got > MAX_LINE_BYTES:
            break
    prefix = b"".join(parts) if len(parts) > 1 else prefix
    if prefix.startswith(b"\xef\xbb\xbf"):
        prefix = prefix[3:]
    if not prefix.strip():
        raise InputError(f"{name}: the file is empty" if not prefix else f"{name}: the file holds only blank lines")
    nul = prefix.find(b"\x00")
    if nul >= 0:
        raise InputError(f"{name}: binary data, not CSV text (a NUL byte at offset {nul})")
    # the lines to sniff: whole lines only (the last one may be cut)
    cut = prefix.rfind(b"\n")
    sniff_bytes = prefix if cut < 0 else prefix[: cut + 1]
    try:
        sniff_text = sniff_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = sniff_bytes[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{name}: not UTF-8 text (line {line}, byte {exc.start}); convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None
    # split on newlines only (str.splitlines also splits on form feeds and other separators)
    text_lines = [ln[:-1] if ln.endswith("\r") else ln for ln in sniff_text.split("\n")]
    if text_lines and text_lines[-1] == "":
        text_lines.pop()
    text_lines = text_lines[: SNIFF_LINES + 1]
    d = delim if delim is not None else _sniff_delimiter(text_lines, tsv)
    try:
        rows = list(csv.reader([ln for ln in text_lines if ln.strip()], delimiter=d.decode()))
    except csv.Error as exc:
        raise InputError(f"{name}: not a readable CSV ({exc})") from None
    if not rows:
        raise InputError(f"{name}: the file holds only blank lines")
    ncols = len(rows[0])
    header = _detect_header(rows[: SNIFF_LINES + 1], wanted)
    if header:
        all_names = [f.strip() for f in rows[0]]
        if len(set(all_names)) != len(all_names):
            # duplicate header names: keep them addressable by index
            seen = {}
            for i, nm in enumerate(all_names):
                if nm in seen:
                    all_names[i] = f"{nm}.{seen[nm]}"
                seen[nm] = seen.get(nm, 0) + 1
    else:
        all_names = [str(i) for i in range(ncols)]
    notes = []
    if wanted is None:
        targets = _default_target(all_names, notes)
    else:
        targets = _resolve_columns(name, all_names, wanted, header=header)
    # skip the header line in the byte stream
    start = 0
    if header:
        # the header may contain quoted newlines; the csv module knows where it ends
        # blank lines above the header are skipped like the sniffing skipped them
        lead = len(sniff_bytes) - len(sniff_bytes.lstrip(b" \t\r\n"))
        lead = sniff_bytes.rfind(b"\n", 0, lead) + 1  # the start of the header line
        start = lead + _first_record_end(sniff_bytes[lead:], d)
    rest = prefix[start:]
    details = {"format": "tsv" if d == b"\t" else "csv", "delimiter": d.decode(), "header": header,
               "columns_in_file": ncols}

    def blocks():
        try:
            yield from _csv_blocks(name, stream, counter, rest, d, ncols, targets, header)
        finally:
            if counter is not stream:
                _close(counter)

    return TargetSource(name, details["format"], [all_names[i] for i in targets], all_names, size, blocks,
                        details=details, notes=notes)


def _first_record_end(data: bytes, d: bytes) -> int:
    """Byte offset just past the first CSV record (quote-aware)."""
    inq = False
    q = ord('"')
    for i, b in enumerate(data):
        if b == q:
            inq = not inq
        elif b == 10 and not inq:
            return i + 1
    return len(data)


def _whole_lines(name, stream, carry, line_at, hint=""):
    """Read ``stream`` in chunks and yield ``(buf, cut, eof)``: ``buf[:cut + 1]`` is whole lines
    ending in a newline (one is added at the end of the file); what follows ``cut`` is carried
    into the next chunk. ``line_at()`` is the caller's current line number, for the error about a
    line too long to be text."""
    eof = False
    while True:
        if not eof:
            data = _safe_read(stream, CHUNK_BYTES, name)
            eof = not data
            buf = carry + data if carry else data
        else:
            buf = carry
        if eof:
            if not buf:
                return
            if not buf.endswith(b"\n"):
                buf += b"\n"
            yield buf, len(buf) - 1, True
            return
        cut = buf.rfind(b"\n")
        if cut < 0:
            if len(buf) > MAX_LINE_BYTES:
                raise InputError(f"{name}: line {line_at()} is longer than 64 MiB{hint}")
            carry = buf
            continue
        carry = buf[cut + 1:]
        yield buf, cut, False


def _csv_blocks(name, stream, counter, rest, d, ncols, targets, header):
    line0 = 2 if header else 1  # file line number of the first data line
    state = {"line": line0, "row": 0}
    try:
        for buf, cut, eof in _whole_lines(name, stream, rest, lambda: state["line"], "; is this a CSV file?"):
            if buf.find(b"\x00", 0, cut + 1) >= 0:
                off = buf.find(b"\x00", 0, cut + 1)
                line = state["line"] + buf.count(b"\n", 0, off)
                raise InputError(f"{name}: binary data, not CSV text (a NUL byte on line {line})")
            if buf.find(b'"', 0, cut + 1) >= 0:
                # quoted fields: the csv module reads the rest of the file (this chunk included)
                yield from _csv_module_blocks(name, _Chain(buf, stream if not eof else io.BytesIO()), counter,
                                              d, ncols, targets, state)
                return
            chunk = memoryview(buf)[: cut + 1]
            if not buf.isascii():
                try:
                    str(chunk, "utf-8")
                except UnicodeDecodeError as exc:
                    line = state["line"] + buf.count(b"\n", 0, exc.start)
                    raise InputError(
                        f"{name}: not UTF-8 text (line {line}); convert it, e.g. iconv -f latin1 -t utf-8"
                    ) from None
            block = _parse_csv_chunk(name, chunk, d, ncols, targets, state, counter.count)
            if block is not None:
                yield block
    finally:
        _close(stream)


def _close(stream):
    try:
        stream.close()
    except Exception:  # noqa: BLE001 - closing is best effort
        pass


def _parse_csv_chunk(name, chunk, d, ncols, targets, state, bytes_done):
    """One chunk of whole lines (ending with a newline) -> Block, vectorised."""
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
    cols = []
    for j in targets:
        s = ls if j == 0 else D[:, j - 1] + 1
        e = le if j == ncols - 1 else D[:, j]
        cols.append(_parse_fields(arr, s, e))
    first_row = state["row"]
    state["row"] += n
    return Block(cols, n, first_row, bytes_done)


def _parse_fields(arr, s, e):
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
    return _general_fields(arr, s, e, L, w)


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


def _general_fields(arr, s, e, L, w):
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
        return _classify_strings(texts, inv.reshape(-1), n)
    # long fields: a dict of distinct texts instead of a fixed-width n x w array
    data = arr.tobytes()
    index: dict = {}
    inv = np.empty(n, dtype=np.int64)
    for i, (a, b) in enumerate(zip(s.tolist(), e.tolist())):
        inv[i] = index.setdefault(data[a:b], len(index))
    texts = [k.decode("utf-8", "replace").strip() for k in index]
    return _classify_strings(texts, inv, n)


def _csv_module_blocks(name, chain, counter, d, ncols, targets, state):
    import csv

    text = io.TextIOWrapper(io.BufferedReader(chain, buffer_size=CHUNK_BYTES), encoding="utf-8", newline="")
    reader = csv.reader(text, delimiter=d.decode(), strict=False)
    base_line = state["line"] - 1
    batch = [[] for _ in targets]
    rows_in_batch = 0
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError:
                raise InputError(
                    f"{name}: not UTF-8 text (near line {base_line + reader.line_num + 1}); "
                    "convert it, e.g. iconv -f latin1 -t utf-8"
                ) from None
            except csv.Error as exc:
                raise InputError(f"{name}: line {base_line + reader.line_num}: {exc}") from None
            if not row:
                if ncols > 1:
                    continue  # a blank line, skipped as in the fast path
                row = [""]  # one column: a blank line is a missing cell
            if len(row) != ncols:
                raise InputError(
                    f"{name}: line {base_line + reader.line_num} has {len(row)} field{'s' if len(row) != 1 else ''}, "
                    f"expected {ncols} "
                    f"(a ragged CSV; check the delimiter {d.decode()!r} and the quoting)"
                )
            for b, j in zip(batch, targets):
                b.append(row[j])
            rows_in_batch += 1
            if rows_in_batch >= ROWS_PER_BLOCK:
                yield _text_block(batch, rows_in_batch, state, counter.count)
                batch = [[] for _ in targets]
                rows_in_batch = 0
        if rows_in_batch:
            yield _text_block(batch, rows_in_batch, state, counter.count)
    finally:
        state["line"] = base_line + reader.line_num + 1


def _text_block(batch, n, state, bytes_done):
    import numpy as np

    cols = []
    for values in batch:
        arr = np.array(values, dtype=str)
        uniq, inv = np.unique(arr, return_inverse=True)
        cols.append(_classify_strings([u.strip() for u in uniq.tolist()], inv.reshape(-1), n))
    first = state["row"]
    state["row"] += n
    return Block(cols, n, first, bytes_done)


# --------------------------------------------------------------------------- JSON Lines


def _open_jsonl(name, stream, size, wanted, *, counter, whole_json=False):
    import json

    # look at the first records to learn the fields
    prefix = _safe_read(stream, SNIFF_BYTES, name)
    while b"\n" not in prefix and len(prefix) < MAX_LINE_BYTES:
        more = _safe_read(stream, SNIFF_BYTES, name)
        if not more:
            break
        prefix += more
    if prefix.startswith(b"\xef\xbb\xbf"):
        prefix = prefix[3:]
    if not prefix.strip():
        raise InputError(f"{name}: the file is empty")
    stripped = prefix.lstrip()
    if whole_json and stripped.startswith(b"["):
        # a whole JSON array (a .json file): read it at once
        data = prefix + _safe_read(stream, -1, name)
        _close(stream)
        try:
            records = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: not UTF-8 text (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        except RecursionError:
            raise InputError(f"{name}: invalid JSON: too deeply nested") from None
        if not isinstance(records, list):
            raise InputError(f"{name}: expected JSON Lines or a JSON array")
        if not records:
            raise InputError(f"{name}: the JSON array is empty")
        return _jsonl_source(name, size, wanted, records[:SNIFF_LINES], lambda: _records_blocks(records, size),
                             "json")
    lines = prefix.split(b"\n")
    first_records = []
    for i, ln in enumerate(lines[:-1] if len(lines) > 1 else lines):
        if not ln.strip():
            continue
        try:
            first_records.append(json.loads(ln))
        except UnicodeDecodeError:
            raise InputError(f"{name}: not UTF-8 text (line {i + 1})") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}: line {i + 1}: invalid JSON: {exc.msg}") from None
        except RecursionError:
            raise InputError(f"{name}: line {i + 1}: invalid JSON: too deeply nested") from None
        if len(first_records) >= SNIFF_LINES:
            break

    def blocks():
        try:
            yield from _jsonl_blocks(name, stream, counter, prefix)
        finally:
            if counter is not stream:
                _close(counter)

    return _jsonl_source(name, size, wanted, first_records, blocks, "jsonl")


def _jsonl_source(name, size, wanted, first_records, blocks_fn, fmt):
    notes = []
    shapes = {type(r).__name__ for r in first_records}
    if first_records and shapes <= {"dict"}:
        fields = []
        for r in first_records:
            for k in r:
                if k not in fields:
                    fields.append(k)
        if not fields:
            raise InputError(f"{name}: the records have no fields")
        if wanted is None:
            idx = _default_target(fields, notes, what="field")
            chosen = [fields[i] for i in idx]
        else:
            chosen = []
            for w in wanted:
                if w in fields:
                    chosen.append(w)
                else:
                    raise InputError(f"{name}: no field '{w}'{_near(w, fields)}; fields: {_describe_columns(fields)}")
        mode = ("dict", chosen)
        all_cols = fields
    elif first_records and shapes <= {"list"}:
        width = len(first_records[0])
        all_cols = [str(i) for i in range(width)]
        if wanted is None:
            idx = list(range(width))
        else:
            idx = _resolve_columns(name, all_cols, wanted, header=False)
        mode = ("list", idx)
        chosen = [all_cols[i] for i in idx]
    elif first_records and not (shapes & {"dict", "list"}):
        if wanted is not None:
            raise InputError(f"{name}: the lines hold single values, not records; leave out --column")
        mode = ("value", None)
        all_cols = chosen = ["value"]
    elif not first_records:
        if wanted is None:
            raise InputError(f"{name}: no JSON record found in the first {SNIFF_BYTES // 1024} KiB; pass --column")
        mode = ("dict", list(wanted))
        all_cols = chosen = list(wanted)
    else:
        raise InputError(f"{name}: the lines mix records, lists and single values")
    details = {"format": fmt, "fields": all_cols}

    def blocks():
        for recs, first, done in blocks_fn():
            yield _records_block(name, recs, mode, first, done)

    return TargetSource(name, fmt, chosen, all_cols, size, blocks, details=details, notes=notes)


def _records_blocks(records, size):
    for i in range(0, len(records), ROWS_PER_BLOCK):
        part = records[i: i + ROWS_PER_BLOCK]
        yield part, i, size if i + ROWS_PER_BLOCK >= len(records) else size * (i + len(part)) // len(records)


def _jsonl_blocks(name, stream, counter, prefix):
    import json

    line = 1
    row = 0
    try:
        for buf, cut, eof in _whole_lines(name, stream, prefix, lambda: line):
            chunk = buf[:cut]
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad_line = line + chunk.count(b"\n", 0, exc.start)
                raise InputError(f"{name}: not UTF-8 text (line {bad_line})") from None
            lines = text.split("\n")
            numbered = [(line + i, ln) for i, ln in enumerate(lines) if ln.strip()]
            line += len(lines)
            if not numbered:
                continue
            try:
                recs = json.loads("[" + ",".join(ln for _, ln in numbered) + "]")
                if len(recs) != len(numbered):
                    raise ValueError
            except (json.JSONDecodeError, ValueError, RecursionError):
                recs = []
                for no, ln in numbered:
                    try:
                        recs.append(json.loads(ln))
                    except (json.JSONDecodeError, RecursionError) as exc:
                        msg = getattr(exc, "msg", "too deeply nested")
                        raise InputError(f"{name}: line {no}: invalid JSON: {msg}") from None
                    except ValueError:
                        raise InputError(f"{name}: line {no}: invalid JSON") from None
            yield recs, row, counter.count
            row += len(recs)
    finally:
        _close(stream)


_ABSENT = object()


def _records_block(name, recs, mode, first_row, bytes_done):
    kind, sel = mode
    n = len(recs)
    if kind == "dict":
        cols = []
        for f in sel:
            vals = []
            for i, r in enumerate(recs):
                if not isinstance(r, dict):
                    raise InputError(f"{name}: record {first_row + i + 1} is not an object")
                vals.append(r.get(f))
            cols.extend(_pyvalues_chunks(name, f, vals, first_row))
    elif kind == "list":
        cols = []
        for j in sel:
            vals = []
            for i, r in enumerate(recs):
                if not isinstance(r, list):
                    raise InputError(f"{name}: record {first_row + i + 1} is not a list")
                vals.append(r[j] if j < len(r) else None)
            cols.extend(_pyvalues_chunks(name, str(j), vals, first_row))
    else:
        cols = _pyvalues_chunks(name, "value", recs, first_row)
    return Block(cols, n, first_row, bytes_done)


def _pyvalues_chunks(name, field, vals, first_row):
    """Python values of one field (None, bool, int, float, str, or lists of numbers) -> chunks."""
    import math

    import numpy as np

    n = len(vals)
    types = {type(v) for v in vals}
    if list in types:
        width = None
        for i, v in enumerate(vals):
            if v is None:
                continue
            if not isinstance(v, list):
                raise InputError(f"{name}: record {first_row + i + 1}: field '{field}' is {_jtype(v)}, "
                                 f"others hold lists")
            if width is None:
                width = len(v)
            elif len(v) != width:
                raise InputError(f"{name}: record {first_row + i + 1}: field '{field}' has {len(v)} values, "
                                 f"expected {width} like the records before")
        if not width:
            raise InputError(f"{name}: field '{field}' holds empty lists")
        out = []
        for j in range(width):
            sub = [None if v is None else v[j] for v in vals]
            out.extend(_pyvalues_chunks(name, f"{field}[{j}]", sub, first_row))
        return out
    if dict in types:
        i = next(i for i, v in enumerate(vals) if isinstance(v, dict))
        raise InputError(f"{name}: record {first_row + i + 1}: field '{field}' holds an object, expected a value")
    if str in types:
        arr = np.array(["" if v is None else (v if isinstance(v, str) else _num_text(v)) for v in vals], dtype=str)
        uniq, inv = np.unique(arr, return_inverse=True)
        chunk = _classify_text_only([u.strip() for u in uniq.tolist()], inv.reshape(-1), n)
        if types & {int, float, bool} and chunk.kind == "text":
            chunk.mixed = next(v for v in vals if isinstance(v, str))
        return [chunk]
    values = np.full(n, np.nan)
    n_missing = 0
    all_bool = types <= {bool, type(None)}
    all_int = types <= {int, bool, type(None)}
    for i, v in enumerate(vals):
        if v is None:
            n_missing += 1
        else:
            try:
                fv = float(v)
            except OverflowError:  # a JSON integer beyond the float range: infinite, left out
                fv = math.inf if v > 0 else -math.inf
            if math.isnan(fv):
                n_missing += 1
            values[i] = fv
    if n_missing == n:
        return [ColumnChunk(None, n, values=values, n_missing=n)]
    kind = "bool" if all_bool else "int" if all_int else "float"
    return [ColumnChunk(kind, n, values=values, n_missing=n_missing)]


def _num_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _jtype(v):
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean"}.get(type(v), "a number")


def _classify_text_only(uniq, inv, n):
    """JSON strings are text even when they look like numbers; only missing tokens are special."""
    import numpy as np

    counts = np.bincount(inv, minlength=len(uniq))
    miss = np.array([u.lower() in MISSING_TOKENS for u in uniq], dtype=bool)
    n_missing = int(counts[miss].sum())
    if n_missing == n:
        return ColumnChunk(None, n, values=np.full(n, np.nan), n_missing=n)
    keep = ~miss
    return ColumnChunk("text", n, text=[u for u, k in zip(uniq, keep) if k], counts=counts[keep],
                       n_missing=n_missing)


# --------------------------------------------------------------------------- npy / npz


def _array_chunks(arr_rows):
    """Rows of a 1-D or 2-D array (any numpy dtype) -> per-column ColumnChunks."""
    import numpy as np

    n = arr_rows.shape[0]
    if arr_rows.ndim == 1:
        cols = [arr_rows]
    else:
        cols = [arr_rows[:, j] for j in range(arr_rows.shape[1])]
    out = []
    for c in cols:
        k = c.dtype.kind
        if k == "b":
            out.append(ColumnChunk("bool", n, values=c.astype(np.float64)))
        elif k in "iu":
            out.append(ColumnChunk("int", n, values=c.astype(np.float64)))
        elif k == "f":
            v = c.astype(np.float64)
            nm = int(np.isnan(v).sum())
            out.append(ColumnChunk(None if nm == n else "float", n, values=v, n_missing=nm))
        elif k in "USO":
            out.append(_text_chunk_from_array(c))
        else:  # pragma: no cover - rejected when the file is opened
            raise InputError(f"unsupported dtype {c.dtype}")
    return out


def _check_dtype(name, dtype, what="array"):
    if dtype.hasobject:
        raise InputError(f"{name}: the {what} holds Python objects (dtype object); "
                         "lossadvisor does not load pickles: save numbers or strings")
    k = dtype.kind
    if k == "c":
        raise InputError(f"{name}: the {what} holds complex numbers ({dtype}); a target must be real")
    if k in "mM":
        raise InputError(f"{name}: the {what} holds dates or durations ({dtype}); convert them to numbers")
    if k == "V" and dtype.fields is None:
        raise InputError(f"{name}: the {what} holds raw bytes ({dtype})")


def _read_npy_header(fh, name):
    import numpy as np

    fmt = np.lib.format
    try:
        version = fmt.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(fh, max_header_size=100000)
        else:
            shape, fortran, dtype = fmt.read_array_header_2_0(fh, max_header_size=100000)
    except (ValueError, EOFError, OSError, SyntaxError, TypeError) as exc:
        raise InputError(f"{name}: not a valid .npy array ({exc})") from None
    return shape, fortran, dtype


def _array_source(name, size, shape, dtype, wanted, read_rows, fmt, details):
    """Common part of npy and npz: check the shape, choose columns, build the block generator."""
    import numpy as np

    _check_dtype(name, dtype)
    if len(shape) == 0:
        raise InputError(f"{name}: the array is a single value (shape ()); expected one target per example")
    if len(shape) > 2:
        raise InputError(
            f"{name}: the array has shape {tuple(shape)}; expected (N,) or (N, K). "
            "For per-pixel or per-token labels, reshape to (-1,) or (-1, K) first"
        )
    nrows = shape[0]
    if nrows == 0 or (len(shape) == 2 and shape[1] == 0):
        raise InputError(f"{name}: the array is empty (shape {tuple(shape)})")
    notes = []
    if dtype.fields is not None:
        if len(shape) != 1:
            raise InputError(f"{name}: a structured array must be 1-D, got shape {tuple(shape)}")
        fields = list(dtype.names)
        for f in fields:
            sub = dtype.fields[f][0]
            _check_dtype(name, sub, what=f"field '{f}'")
            if sub.shape:
                raise InputError(f"{name}: field '{f}' holds sub-arrays; save it as a 2-D array")
        idx = _default_target(fields, notes, what="field") if wanted is None else \
            _resolve_columns(name, fields, wanted, what="field")
        chosen = [fields[i] for i in idx]

        def convert(rows):
            cols = []
            for f in chosen:
                cols.extend(_array_chunks(np.ascontiguousarray(rows[f])))
            return cols

        all_cols = fields
    else:
        width = 1 if len(shape) == 1 else shape[1]
        all_cols = [str(i) for i in range(width)] if len(shape) == 2 else [details.get("key") or "array"]
        idx = list(range(width)) if wanted is None else _resolve_columns(name, all_cols, wanted, header=len(shape) == 1)
        chosen = [all_cols[i] for i in idx]
        all_sel = idx == list(range(width))

        def convert(rows):
            if rows.ndim == 2 and not all_sel:
                rows = rows[:, idx]
            return _array_chunks(rows)

    def blocks():
        first = 0
        for rows, done in read_rows():
            yield Block(convert(rows), rows.shape[0], first, done)
            first += rows.shape[0]

    d = dict(details)
    d.update({"shape": list(shape), "dtype": str(dtype)})
    return TargetSource(name, fmt, chosen, all_cols, size, blocks, details=d, notes=notes)


def _stream_rows(fh, name, shape, dtype, total, offset0, close=True):
    """Read C-ordered rows sequentially from an open binary stream positioned at the data."""
    import numpy as np

    row_items = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    row_bytes = dtype.itemsize * row_items
    nrows = shape[0]
    per = max(1, min(ROWS_PER_BLOCK, CHUNK_BYTES * 4 // max(row_bytes, 1)))
    done = 0
    try:
        while done < nrows:
            k = min(per, nrows - done)
            try:
                data = fh.read(k * row_bytes)
            except Exception as exc:  # noqa: BLE001 - zip/zlib errors have several types
                raise InputError(f"{name}: cannot read the array data ({exc})") from None
            if len(data) != k * row_bytes:
                raise InputError(f"{name}: the array data is truncated (expected {nrows} rows of shape "
                                 f"{tuple(shape[1:])}, got {done + len(data) // max(row_bytes, 1)})")
            rows = np.frombuffer(data, dtype=dtype, count=k * row_items).reshape((k,) + tuple(shape[1:]))
            done += k
            yield rows, offset0 + done * row_bytes
    finally:
        if close:
            _close(fh)


def _open_npy(name, path, size, wanted):
    import numpy as np

    fh = open(path, "rb")
    try:
        shape, fortran, dtype = _read_npy_header(fh, name)
        offset = fh.tell()
    except BaseException:
        fh.close()
        raise
    fh.close()
    _check_dtype(name, dtype)

    def read_rows():
        if fortran and len(shape) == 2:
            mm = np.load(path, mmap_mode="r", allow_pickle=False)
            per = ROWS_PER_BLOCK
            for i in range(0, shape[0], per):
                yield np.ascontiguousarray(mm[i: i + per]), offset + min(i + per, shape[0]) * dtype.itemsize * shape[1]
            return
        f = open(path, "rb")
        f.seek(offset)
        yield from _stream_rows(f, name, shape, dtype, size, offset)

    return _array_source(name, size, shape, dtype, wanted, read_rows, "npy", {"format": "npy"})


def _open_npz(name, path, size, wanted, key):
    import zipfile

    import numpy as np

    try:
        zf = zipfile.ZipFile(path)
        members = [m for m in zf.namelist() if m.endswith(".npy")]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{name}: not a valid .npz file ({exc})") from None
    keys = [m[:-4] for m in members]
    if not keys:
        zf.close()
        raise InputError(f"{name}: the .npz file holds no arrays")
    notes = []
    if key is None:
        if len(keys) == 1:
            key = keys[0]
        else:
            low = [k.lower() for k in keys]
            for cand in ("y", "label", "labels", "target", "targets", "y_train"):
                if cand in low:
                    key = keys[low.index(cand)]
                    notes.append(Info(f"no --key given: using the array '{key}' of {len(keys)}"))
                    break
            else:
                zf.close()
                raise UsageError(f"{name} holds {len(keys)} arrays; choose one with --key: {_describe_columns(keys)}")
    elif key not in keys:
        zf.close()
        raise InputError(f"{name}: no array '{key}'{_near(key, keys)}; arrays: {_describe_columns(keys)}")
    member = key + ".npy"
    try:
        fh = zf.open(member)
        shape, fortran, dtype = _read_npy_header(fh, f"{name}[{key}]")
        fh.close()
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        zf.close()
        raise InputError(f"{name}: cannot read array '{key}' ({exc})") from None
    info = zf.getinfo(member)

    def read_rows():
        try:
            if fortran and len(shape) == 2:
                arr = np.load(zf.open(member), allow_pickle=False)
                arr = np.ascontiguousarray(arr)
                per = ROWS_PER_BLOCK
                for i in range(0, shape[0], per):
                    yield arr[i: i + per], size
                return
            f = zf.open(member)
            _read_npy_header(f, name)
            total_raw = max(info.file_size, 1)
            for rows, done in _stream_rows(f, f"{name}[{key}]", shape, dtype, size, 0):
                yield rows, int(size * min(done, total_raw) / total_raw)
        finally:
            zf.close()

    src = _array_source(name, size, shape, dtype, wanted, read_rows, "npz", {"format": "npz", "key": key})
    src.info[:0] = notes
    return src


# --------------------------------------------------------------------------- Parquet / Feather


def _import_pyarrow(name, fmt):
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError(
            f"{name}: reading {fmt.capitalize()} needs pyarrow, the optional extra 'data': {EXTRA_HINT}"
        ) from None
    import pyarrow as pa

    return pa


def _open_arrow(name, path, size, wanted, fmt):
    pa = _import_pyarrow(name, fmt)
    ipc_reader = None
    table0 = None
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(path)
            schema = pf.schema_arrow
            nrows = pf.metadata.num_rows
            pf.close()
        else:
            import pyarrow.ipc as ipc

            try:
                # Feather v2 is the Arrow IPC file format: read one record batch at a time
                ipc_reader = ipc.open_file(pa.memory_map(path))
                schema = ipc_reader.schema
                nrows = ipc_reader.count_rows() if hasattr(ipc_reader, "count_rows") else sum(
                    ipc_reader.get_batch(i).num_rows for i in range(ipc_reader.num_record_batches))
            except pa.ArrowInvalid:
                import pyarrow.feather as feather

                table0 = feather.read_table(path, memory_map=True)  # Feather v1: read at once
                schema = table0.schema
                nrows = table0.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"{name}: not a readable {fmt.capitalize()} file ({exc})") from None
    names = list(schema.names)
    if not names:
        raise InputError(f"{name}: the file has no columns")
    if nrows == 0:
        raise InputError(f"{name}: the file has no rows")
    notes = []
    idx = _default_target(names, notes) if wanted is None else _resolve_columns(name, names, wanted)
    chosen = [names[i] for i in idx]
    for c in chosen:
        _check_arrow_type(name, c, schema.field(c).type, pa)

    def batches():
        if fmt == "parquet":
            f = pq.ParquetFile(path)
            try:
                yield from f.iter_batches(batch_size=ROWS_PER_BLOCK, columns=chosen)
            finally:
                f.close()
        elif ipc_reader is not None:
            for i in range(ipc_reader.num_record_batches):
                batch = ipc_reader.get_batch(i).select(chosen)
                for start in range(0, batch.num_rows, ROWS_PER_BLOCK):
                    yield batch.slice(start, ROWS_PER_BLOCK)
        else:
            yield from table0.select(chosen).to_batches(max_chunksize=ROWS_PER_BLOCK)

    def blocks():
        first = 0
        try:
            for batch in batches():
                cols = []
                for c in chosen:
                    cols.extend(_arrow_chunks(name, c, batch.column(c), pa))
                n = batch.num_rows
                first += n
                yield Block(cols, n, first - n, int(size * first / max(nrows, 1)))
        except pa.ArrowException as exc:
            raise InputError(f"{name}: cannot read the data ({exc})") from None

    return TargetSource(name, fmt, chosen, names, size, blocks, details={"format": fmt}, notes=notes)


def _check_arrow_type(name, col, t, pa):
    pt = pa.types
    if pt.is_dictionary(t):
        t = t.value_type
    if pt.is_list(t) or pt.is_large_list(t) or pt.is_fixed_size_list(t):
        t = t.value_type
        if pt.is_dictionary(t):
            t = t.value_type
        if not (pt.is_integer(t) or pt.is_floating(t) or pt.is_boolean(t) or pt.is_decimal(t)):
            raise InputError(f"{name}: column '{col}' holds lists of {t}; expected lists of numbers")
        return
    if pt.is_integer(t) or pt.is_floating(t) or pt.is_boolean(t) or pt.is_decimal(t) or pt.is_null(t):
        return
    if pt.is_string(t) or pt.is_large_string(t) or getattr(pt, "is_string_view", lambda _t: False)(t):
        return
    raise InputError(f"{name}: column '{col}' has type {t}; expected numbers, booleans or text")


def _arrow_chunks(name, col, arr, pa):
    import numpy as np
    import pyarrow.compute as pc

    pt = pa.types
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pt.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    t = arr.type
    n = len(arr)
    if pt.is_list(t) or pt.is_large_list(t) or pt.is_fixed_size_list(t):
        lengths = pc.list_value_length(arr).to_numpy(zero_copy_only=False)
        valid = ~np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        lv = lengths[valid].astype(np.int64) if valid.any() else np.zeros(0, dtype=np.int64)
        if len(lv) == 0:
            return [ColumnChunk(None, n, values=np.full(n, np.nan), n_missing=n)]
        width = int(lv[0])
        if width == 0 or (lv != width).any():
            raise InputError(f"{name}: column '{col}' holds lists of different lengths "
                             f"({int(lv.min())} to {int(lv.max())})")
        flat = arr.filter(pa.array(valid)).flatten()
        if pt.is_dictionary(flat.type):
            flat = flat.dictionary_decode()
        fv = _arrow_numeric(flat, pa, pc)
        mat = np.full((n, width), np.nan)
        mat[valid] = fv.reshape(-1, width)
        kind = _arrow_kind(flat.type, pa)
        out = []
        for j in range(width):
            v = mat[:, j]
            nm = int(np.isnan(v).sum())
            out.append(ColumnChunk(None if nm == n else kind, n, values=v, n_missing=nm))
        return out
    if pt.is_string(t) or pt.is_large_string(t) or getattr(pt, "is_string_view", lambda _t: False)(t):
        values = arr.to_numpy(zero_copy_only=False)
        return [_text_chunk_from_array(values)]
    if pt.is_null(t):
        return [ColumnChunk(None, n, values=np.full(n, np.nan), n_missing=n)]
    v = _arrow_numeric(arr, pa, pc)
    nm = int(np.isnan(v).sum())
    return [ColumnChunk(None if nm == n else _arrow_kind(t, pa), n, values=v, n_missing=nm)]


def _arrow_kind(t, pa):
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_integer(t):
        return "int"
    return "float"


def _arrow_numeric(arr, pa, pc):
    import numpy as np

    nulls = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_boolean(arr.type):
        arr = pc.cast(arr, pa.int8())
    elif pa.types.is_decimal(arr.type):
        arr = pc.cast(arr, pa.float64())
    v = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64).copy()
    if nulls.any():
        v[nulls] = np.nan
    return v
