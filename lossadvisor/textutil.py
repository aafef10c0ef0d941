"""Small helpers for reading users' files safely and quoting their values in messages."""

from __future__ import annotations

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
