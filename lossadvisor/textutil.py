"""Small helpers for reading users' files safely and quoting their values in messages."""

from __future__ import annotations

from lossadvisor.errors import InputError

MAX_YAML_DEPTH = 64  # rule files and specs nest a few levels; PyYAML's C composer overflows near 50,000


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


def read_bytes(path: str, expected: str = "") -> bytes:
    """A user's file as bytes; InputError for a folder or an unreadable file."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder" + (f", expected {expected}" if expected else "")) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


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
