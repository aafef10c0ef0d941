"""The entry point: :func:`open_target` checks the options, detects the format, and hands the
file to its reader.
"""

from __future__ import annotations

import os

from lossadvisor.datareaders.arrays import open_npy, open_npz
from lossadvisor.datareaders.arrow import open_arrow
from lossadvisor.datareaders.blocks import TargetSource
from lossadvisor.datareaders.delimited import open_csv, parse_delimiter
from lossadvisor.datareaders.jsonlines import open_jsonl
from lossadvisor.datareaders.streams import counted_and_decompressed, open_file, open_stdin
from lossadvisor.errors import InputError, UsageError
from lossadvisor.textutil import STDIN, STDIN_NAME


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
    delim = parse_delimiter(delimiter) if delimiter is not None else None
    if source == STDIN:
        if key is not None:
            raise UsageError("--key applies to .npz files, not to standard input (read as CSV)")
        return open_csv(STDIN_NAME, open_stdin(), None, columns, delim, tsv=False)

    name = source
    fh, head, size = open_file(source)
    fmt = _detect_format(source, head)
    if size is None and fmt not in ("csv", "tsv", "jsonl", "json"):
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
            counting, stream = counted_and_decompressed(fh, head)
            return open_csv(name, stream, size, columns, delim, tsv=fmt == "tsv", counter=counting)
        if fmt in ("jsonl", "json"):
            counting, stream = counted_and_decompressed(fh, head)
            return open_jsonl(name, stream, size, columns, counter=counting, whole_json=fmt == "json")
        fh.close()
        if fmt == "npy":
            return open_npy(name, source, size, columns)
        if fmt == "npz":
            return open_npz(name, source, size, columns, key)
        if fmt in ("parquet", "feather"):
            return open_arrow(name, source, size, columns, fmt)
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
