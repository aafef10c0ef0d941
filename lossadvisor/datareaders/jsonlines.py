"""JSON Lines (one record, list or value per line) and ``.json`` files holding one array of them.

Fields are learned from the first records; JSON strings stay text even when they look like
numbers, and lists of numbers become one column per position.
"""

from __future__ import annotations

from lossadvisor.datareaders import limits
from lossadvisor.datareaders.blocks import Block, ColumnChunk, TargetSource
from lossadvisor.datareaders.cells import MISSING_TOKENS, text_codes
from lossadvisor.datareaders.columns import default_target, describe_columns, did_you_mean, resolve_columns
from lossadvisor.datareaders.streams import close_quietly, safe_read, whole_lines
from lossadvisor.errors import InputError
from lossadvisor.textutil import fmt_bytes, read_at_most


def open_jsonl(name, stream, size, wanted, *, counter, whole_json=False):
    import json

    # look at the first records to learn the fields (pieces joined once: a long first line
    # must not be copied once per piece)
    parts = [safe_read(stream, limits.SNIFF_BYTES, name)]
    got = len(parts[0])
    while b"\n" not in parts[-1] and got <= limits.MAX_LINE_BYTES:
        more = safe_read(stream, limits.SNIFF_BYTES, name)
        if not more:
            break
        parts.append(more)
        got += len(more)
    prefix = b"".join(parts)
    if prefix.startswith(b"\xef\xbb\xbf"):
        prefix = prefix[3:]
    if not prefix.strip():
        raise InputError(f"{name}: the file is empty")
    stripped = prefix.lstrip()
    if whole_json and stripped.startswith(b"["):
        # a whole JSON array (a .json file): read it at once
        data = _read_array(name, stream, prefix, bounded=size is None)
        close_quietly(stream)
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
        total = len(data) if size is None else size  # a pipe has no size: the bytes read stand for it
        return _jsonl_source(name, size, wanted, records[:limits.SNIFF_LINES], lambda: _records_blocks(records, total),
                             "json")
    if got > limits.MAX_LINE_BYTES and b"\n" not in prefix:
        raise InputError(f"{name}: line 1 is longer than {fmt_bytes(limits.MAX_LINE_BYTES)}")
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
        if len(first_records) >= limits.SNIFF_LINES:
            break

    def blocks():
        try:
            yield from _jsonl_blocks(name, stream, counter, prefix)
        finally:
            if counter is not stream:
                close_quietly(counter)

    return _jsonl_source(name, size, wanted, first_records, blocks, "jsonl")


def _read_array(name, stream, prefix, *, bounded):
    """``prefix`` and the rest of ``stream``: a JSON array, parsed whole. From a pipe or a device
    (``bounded``) at most :data:`limits.MAX_JSON_ARRAY_BYTES`, far less than the stream cap: the
    parsed records take several times the bytes in memory."""
    if not bounded:
        return prefix + safe_read(stream, -1, name)
    cap = limits.MAX_JSON_ARRAY_BYTES
    rest = read_at_most(lambda n: safe_read(stream, n, name), cap - len(prefix))
    if rest is not None:
        return prefix + rest
    raise InputError(f"{name}: stopped reading at {fmt_bytes(cap)}, the size limit for a JSON array from a pipe "
                     "or a device (it is parsed whole); write JSON Lines (one record per line), or save it to "
                     "a regular file")


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
            idx = default_target(fields, notes, what="field")
            chosen = [fields[i] for i in idx]
        else:
            chosen = []
            for w in wanted:
                if w in fields:
                    chosen.append(w)
                else:
                    raise InputError(f"{name}: no field '{w}'{did_you_mean(w, fields)}; "
                                     f"fields: {describe_columns(fields)}")
        mode = ("dict", chosen)
        all_cols = fields
    elif first_records and shapes <= {"list"}:
        width = len(first_records[0])
        all_cols = [str(i) for i in range(width)]
        if wanted is None:
            idx = list(range(width))
        else:
            idx = resolve_columns(name, all_cols, wanted, header=False)
        mode = ("list", idx)
        chosen = [all_cols[i] for i in idx]
    elif first_records and not (shapes & {"dict", "list"}):
        if wanted is not None:
            raise InputError(f"{name}: the lines hold single values, not records; leave out --column")
        mode = ("value", None)
        all_cols = chosen = ["value"]
    elif not first_records:
        if wanted is None:
            raise InputError(f"{name}: no JSON record found in the first {limits.SNIFF_BYTES // 1024} KiB; "
                             "pass --column")
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
    for i in range(0, len(records), limits.ROWS_PER_BLOCK):
        part = records[i: i + limits.ROWS_PER_BLOCK]
        yield part, i, size if i + limits.ROWS_PER_BLOCK >= len(records) else size * (i + len(part)) // len(records)


def _jsonl_blocks(name, stream, counter, prefix):
    import json

    line = 1
    row = 0
    try:
        for buf, cut, eof in whole_lines(name, stream, prefix, lambda: line):
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
        close_quietly(stream)


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
    missing_words = {uniq[i]: int(counts[i]) for i in np.flatnonzero(miss)}
    if n_missing == n:
        return ColumnChunk(None, n, values=np.full(n, np.nan), n_missing=n, missing_words=missing_words)
    keep = ~miss
    return ColumnChunk("text", n, text=[u for u, k in zip(uniq, keep) if k], counts=counts[keep],
                       n_missing=n_missing, missing_words=missing_words, codes=text_codes(keep, inv))
