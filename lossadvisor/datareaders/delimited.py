"""Delimited text (CSV, TSV, and other one-character delimiters): sniffing, then reading in chunks.

The delimiter and the header are detected from the first lines (:data:`limits.SNIFF_LINES`). The
data is then read in chunks of whole lines; each chunk goes to the vectorised fast path
(:mod:`lossadvisor.datareaders.bytefields`) until a chunk holds a double quote, which switches
the rest of the file to Python's ``csv`` module (correct for quoted fields and embedded
newlines, slower).
"""

from __future__ import annotations

import io
import re

from lossadvisor.datareaders import limits
from lossadvisor.datareaders.blocks import Block, TargetSource
from lossadvisor.datareaders.bytefields import parse_csv_chunk
from lossadvisor.datareaders.cells import DECIMAL_COMMA, MISSING_TOKENS, classify_strings, decimal_comma_applies
from lossadvisor.datareaders.columns import TARGET_NAMES, default_target, resolve_columns
from lossadvisor.datareaders.streams import ChainedReader, close_quietly, safe_read, whole_lines
from lossadvisor.errors import InputError, UsageError
from lossadvisor.textutil import fmt_bytes

DELIMITERS = (",", "\t", ";", "|")


def parse_delimiter(text: str) -> bytes:
    names = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
    value = names.get(text.lower(), text) if isinstance(text, str) else text
    if len(value) != 1 or not value.isascii() or value in "\r\n\"" or value.isalnum() or value in ".-+":
        raise UsageError(
            f"--delimiter takes one ASCII character such as ',' ';' '|' or 'tab', got {text!r}"
        )
    return value.encode("ascii")


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


def _looks_numeric(s, decimal_comma=False):
    s = s.strip()
    if s.lower() in MISSING_TOKENS:
        return None
    if decimal_comma and DECIMAL_COMMA.match(s):
        return True
    try:
        if "_" in s:
            return False
        float(s)
        return True
    except ValueError:
        return False


def _detect_header(rows, wanted, decimal_comma=False):
    """Is the first row a header? (rule order documented in the README / infer docs). With
    ``decimal_comma`` (a delimiter other than ','), ``10,03`` is a number."""
    def numeric(s):
        return _looks_numeric(s, decimal_comma)

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
            below = [numeric(r[j]) for r in rest if j < len(r)]
            below = [b for b in below if b is not None]
            if numeric(f) is False and below and all(below):
                return True
    # 3. no field of the first row is numeric, none reappears in its column below, and a column
    #    below repeats its values (labels do) without ever showing its first-row text
    if all(numeric(f) is False for f in first):
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
        below = [numeric(r[j]) for r in rest if j < len(r)]
        below = [b for b in below if b is not None]
        if numeric(f) is True and len(below) >= 2 and not any(below):
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
            if not col or not all(numeric(c) for c in col):
                continue
            if all(re.search(r"[.,eE]", c) for c in col):
                return True
            if int(f) >= 2 and all(float(c.replace(",", ".")) in (0.0, 1.0) for c in col):
                return True
    return False


def open_csv(name, stream, size, wanted, delim, *, tsv, counter=None):
    import csv

    counter = counter if counter is not None else stream
    prefix = safe_read(stream, limits.SNIFF_BYTES, name)
    parts = [prefix]
    lines = prefix.count(b"\n")
    got = len(prefix)
    # newlines are counted per part (not over the growing prefix), and binary data stops the
    # sniffing at once: /dev/zero or a 64 MiB line without a newline must not take minutes
    while lines < limits.SNIFF_LINES + 1 and b"\x00" not in parts[-1]:
        more = safe_read(stream, limits.SNIFF_BYTES, name)
        if not more:
            break
        parts.append(more)
        lines += more.count(b"\n")
        got += len(more)
        if got > limits.MAX_LINE_BYTES:
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
    if cut < 0 and got > limits.MAX_LINE_BYTES:
        raise InputError(f"{name}: line 1 is longer than {fmt_bytes(limits.MAX_LINE_BYTES)}; is this a CSV file?")
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
    text_lines = text_lines[: limits.SNIFF_LINES + 1]
    d = delim if delim is not None else _sniff_delimiter(text_lines, tsv)
    try:
        rows = list(csv.reader([ln for ln in text_lines if ln.strip()], delimiter=d.decode()))
    except csv.Error as exc:
        raise InputError(f"{name}: not a readable CSV ({exc})") from None
    if not rows:
        raise InputError(f"{name}: the file holds only blank lines")
    ncols = len(rows[0])
    header = _detect_header(rows[: limits.SNIFF_LINES + 1], wanted, decimal_comma_applies(d, ncols))
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
    if delim is None and d == b"," and ncols == 2:
        split_note = _comma_split_note(rows[1:] if header else rows, header)
        if split_note:
            notes.append(split_note)
    if wanted is None:
        targets = default_target(all_names, notes)
    else:
        targets = resolve_columns(name, all_names, wanted, header=header)
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
                close_quietly(counter)

    return TargetSource(name, details["format"], [all_names[i] for i in targets], all_names, size, blocks,
                        details=details, notes=notes)


def _comma_split_note(rows, header=False):
    """A warning when the detected ',' may split one column in two, else None: every (sniffed) data
    row has two fields and either, without a header (two column names), the first is an integer and
    the second digits (``7,34``, a number with a decimal comma), or the second starts with a space
    and is no number (``Paris, France``, text with a comma). An honest two-column CSV (``3,0.5``;
    ``a, 1``; ``x,y`` above ``7,34``) gets no warning.

    >>> _comma_split_note([["7", "34"], ["12", "05"]])  # doctest: +ELLIPSIS
    "every line is two fields split at ',', an integer then digits (e.g. '7,34'): ..."
    >>> _comma_split_note([["Paris", " France"], ["Austin", " TX"]])  # doctest: +ELLIPSIS
    "every line is two fields split at ',', the second starting with a space (e.g. 'Paris, France'): ..."
    >>> _comma_split_note([["3", "0.5"], ["4", "1.5"]]) is None
    True
    """
    if not rows or any(len(r) != 2 for r in rows):
        return None
    example = ",".join(rows[0])
    if not header and all(re.fullmatch(r"[+-]?\d+", a.strip()) and re.fullmatch(r"\d+", b.strip())
                          for a, b in rows):
        return (f"every line is two fields split at ',', an integer then digits (e.g. {example!r}): if they are "
                "numbers written with a decimal comma in one column, pass --delimiter ';' (or any delimiter "
                "the file does not hold) to read them as numbers; if they are two columns, pass --column to "
                "choose one")
    if all(b.startswith(" ") and _looks_numeric(b) is False for _, b in rows):
        return (f"every line is two fields split at ',', the second starting with a space (e.g. {example!r}): if "
                "each line is one text value holding a comma, pass --delimiter '|' (or any delimiter the file "
                "does not hold) or quote the values; if they are two columns, pass --column to choose one")
    return None


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


def _csv_blocks(name, stream, counter, rest, d, ncols, targets, header):
    line0 = 2 if header else 1  # file line number of the first data line
    state = {"line": line0, "row": 0}
    try:
        for buf, cut, eof in whole_lines(name, stream, rest, lambda: state["line"], "; is this a CSV file?"):
            if buf.find(b"\x00", 0, cut + 1) >= 0:
                off = buf.find(b"\x00", 0, cut + 1)
                line = state["line"] + buf.count(b"\n", 0, off)
                raise InputError(f"{name}: binary data, not CSV text (a NUL byte on line {line})")
            if buf.find(b'"', 0, cut + 1) >= 0:
                # quoted fields: the csv module reads the rest of the file (this chunk included)
                yield from _csv_module_blocks(name, ChainedReader(buf, stream if not eof else io.BytesIO()), counter,
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
            block = parse_csv_chunk(name, chunk, d, ncols, targets, state, counter.count)
            if block is not None:
                yield block
    finally:
        close_quietly(stream)


def _csv_module_blocks(name, chain, counter, d, ncols, targets, state):
    decimal_comma = decimal_comma_applies(d, ncols)
    import csv

    text = io.TextIOWrapper(io.BufferedReader(chain, buffer_size=limits.CHUNK_BYTES), encoding="utf-8", newline="")
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
            if rows_in_batch >= limits.ROWS_PER_BLOCK:
                yield _text_block(batch, rows_in_batch, state, counter.count, decimal_comma)
                batch = [[] for _ in targets]
                rows_in_batch = 0
        if rows_in_batch:
            yield _text_block(batch, rows_in_batch, state, counter.count, decimal_comma)
    finally:
        state["line"] = base_line + reader.line_num + 1


def _text_block(batch, n, state, bytes_done, decimal_comma):
    import numpy as np

    cols = []
    for values in batch:
        arr = np.array(values, dtype=str)
        uniq, inv = np.unique(arr, return_inverse=True)
        texts = [u.strip() for u in uniq.tolist()]
        cols.append(classify_strings(texts, inv.reshape(-1), n, decimal_comma=decimal_comma))
    first = state["row"]
    state["row"] += n
    return Block(cols, n, first, bytes_done)
