"""Small helpers for reading users' files safely and quoting their values in messages."""

from __future__ import annotations

from lossadvisor.errors import InputError

MAX_YAML_DEPTH = 64  # rule files and specs nest a few levels; PyYAML's C composer overflows near 50,000
MAX_DOCUMENT_BYTES = 64 << 20  # spec, answers, rule and Keras config files are KiB; /dev/urandom never ends
STDIN = "-"  # the file name that means standard input
STDIN_NAME = "<stdin>"  # how messages call standard input


def preview(value, limit: int = 80) -> str:
    """repr() of a value for an error message, bounded: a YAML alias bomb or a 5,000-character
    flag must not turn into a message of gigabytes (or one screen per character)."""
    import reprlib

    if isinstance(value, str):
        return repr(value) if len(value) <= limit else repr(value[:limit]) + f"... ({len(value):,} characters)"
    short = reprlib.Repr()
    short.maxlevel, short.maxlist, short.maxdict, short.maxstring, short.maxother = 2, 6, 6, limit, limit
    text = short.repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def yaml_too_deep(text: str) -> int | None:
    """The line where YAML nests deeper than MAX_YAML_DEPTH, else None.

    Found with the event parser (which keeps its own stack) before the recursive
    composer runs: deep nesting otherwise ends in a RecursionError, or a
    segmentation fault inside PyYAML's C extension. A syntax error returns None:
    the loader reports it, with its line.
    """
    if text.count("[") + text.count("{") + text.count("-") + text.count(":") <= MAX_YAML_DEPTH:
        return None  # too few openers to nest that deep
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    return event.start_mark.line + 1 if event.start_mark is not None else 0
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        # PyYAML 6.0.4 and newer stop at their own nesting limit: the same finding
        if "nesting depth" in str(exc):
            mark = getattr(exc, "problem_mark", None)
            return mark.line + 1 if mark is not None else 1
        return None  # a syntax error: the loader reports it, with its line
    return None


def fmt_bytes(n: int) -> str:
    """A size for a message: ``64 MiB``, ``4 GiB``, ``1.5 KiB``, or ``97 bytes`` below one KiB."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.4g} {unit}"
    return f"{n} byte" + ("" if n == 1 else "s")


def read_at_most(fh, limit: int) -> bytes | None:
    """The rest of the binary stream ``fh``, or None when it holds more than ``limit`` bytes.

    ``fh`` is a binary stream, or a function ``read(n) -> bytes`` (a reader's own read that
    turns OS errors into its messages). Reads ``limit + 1`` bytes at most, in pieces of a MiB:
    a character device, a FIFO fed forever or a zip member whose header lies ends the read
    instead of filling the memory.

    >>> import io
    >>> read_at_most(io.BytesIO(b"abc"), 3), read_at_most(io.BytesIO(b"abcd"), 3)
    (b'abc', None)
    >>> read_at_most(io.BytesIO(b"abc").read, 5)
    b'abc'
    """
    read = fh if callable(fh) else fh.read
    parts = []
    got = 0
    while got <= limit:
        piece = read(min(1 << 20, limit + 1 - got))
        if not piece:
            return b"".join(parts)
        parts.append(piece)
        got += len(piece)
    return None


def read_bytes(path: str, expected: str = "", *, what: str = "a file read whole",
               limit: int | None = None) -> bytes:
    """A user's file as bytes, at most ``limit`` (:data:`MAX_DOCUMENT_BYTES` unless a reader caps
    its kind of file lower); InputError for a folder, an unreadable file, or more bytes than that
    (``what`` names the kind of file in the message). Reading stops at the cap."""
    limit = MAX_DOCUMENT_BYTES if limit is None else limit
    try:
        with open(path, "rb") as fh:
            raw = read_at_most(fh, limit)
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder" + (f", expected {expected}" if expected else "")) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if raw is None:
        raise InputError(size_limit_message(path, what, limit))
    return raw


def read_stdin(what: str, kind: str, *, refuse: tuple[bytes, InputError] | None = None) -> bytes:
    """Standard input, whole, at most :data:`MAX_DOCUMENT_BYTES` (it may be empty).

    InputError when the shell closed it (``<&-``; ``what`` says what to pipe in: "the answers",
    "a spec"), when it cannot be read, or past the cap (``kind``, the kind of file, is named in
    that message). ``refuse`` is (prefix, error): the error is raised as soon as the input is
    seen to start with the prefix, before the rest is read (a .keras archive, which a pipe
    cannot hold: it needs random access).
    """
    import sys

    stream = getattr(sys.stdin, "buffer", sys.stdin)
    if stream is None:  # the shell closed standard input (`<&-`)
        raise InputError(f"{STDIN_NAME}: standard input is closed; pipe {what} in, or give a file")
    try:
        head = stream.read(len(refuse[0])) if refuse else b""
        if refuse and head == refuse[0]:
            raise refuse[1]
        rest = read_at_most(stream, MAX_DOCUMENT_BYTES - len(head))
    except OSError as exc:
        raise InputError(f"{STDIN_NAME}: cannot read: {exc.strerror or exc}") from None
    if rest is None:
        raise InputError(size_limit_message(STDIN_NAME, kind))
    return head + rest


def read_head(path: str, size: int) -> bytes:
    """The first ``size`` bytes of a user's file (fewer when it is shorter); InputError as :func:`read_bytes`."""
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def size_limit_message(path: str, what: str, limit: int | None = None) -> str:
    """The message for a file past its cap: past :data:`MAX_DOCUMENT_BYTES` no honest one is, so it
    names the cap and the likely cause; past a lower cap of a reader, the file is too large for
    ``what``."""
    limit = MAX_DOCUMENT_BYTES if limit is None else limit
    if limit < MAX_DOCUMENT_BYTES:
        return f"{path}: too large for {what} (stopped reading at {fmt_bytes(limit)})"
    return (f"{path}: stopped reading at {fmt_bytes(limit)}, the size limit for {what}; "
            "is this a device or an endless stream?")


def decode_text(raw: bytes, path: str, what: str = "file") -> str:
    """UTF-8 text (a byte-order mark allowed); InputError for other bytes or an empty file."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise InputError(f"{path}: the {what} is empty")
    return text


def suggest(word: str, options, *, cutoff: float = 0.6, quote: str = "'", fold_case: bool = False,
            fallback: str = "") -> str:
    """``"; did you mean 'x'?"`` for the option closest to ``word``, else ``fallback``.

    The one "did you mean" of the project (difflib, imported only when a word is wrong).
    ``fold_case`` retries case-insensitively; ``quote`` wraps the suggestion.
    """
    import difflib

    options = [str(o) for o in options]
    near = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    if not near and fold_case:
        low = [o.lower() for o in options]
        hit = difflib.get_close_matches(word.lower(), low, n=1, cutoff=cutoff)
        near = [options[low.index(hit[0])]] if hit else []
    return f"; did you mean {quote}{near[0]}{quote}?" if near else fallback


def fmt_number(v) -> str:
    """A number for a message: 0, 6 significant digits, or 3 in scientific form when tiny or huge."""
    v = float(v)
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-4:
        return f"{v:.3g}"
    return f"{v:.6g}"


def close(a: float, b: float, rtol: float, atol: float = 1e-12) -> bool:
    """Both finite and ``|a - b| <= atol + rtol * max(|a|, |b|)``: the project's one tolerance test."""
    import math

    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= atol + rtol * max(abs(a), abs(b))
