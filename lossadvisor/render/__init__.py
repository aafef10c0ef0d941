"""Renderers: turn the core's plain data into text (rich) or JSON.

`json_text` never imports rich. Text renderers live in one module per command
and import rich only when called.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable

SCHEMA_VERSION = 1

#: the exit code of a program ended by a closed pipe, as the shell reports SIGPIPE (128 + 13)
CLOSED_PIPE_EXIT = 141


def discard_stdout() -> None:
    """Point stdout at the null device, so that the interpreter's final flush of what is
    still buffered cannot fail again after a write to it failed."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - a stdout without a descriptor
        pass


def closed_pipe() -> None:
    """The reader of stdout went away (`| head -1`): end quietly with the closed-pipe code,
    never the findings code."""
    discard_stdout()
    raise SystemExit(CLOSED_PIPE_EXIT)


def write_out(text: str) -> None:
    """Write ``text`` to stdout and flush it; a closed pipe ends the program quietly."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        closed_pipe()


def json_text(payload: dict) -> str:
    """Stable JSON: schema_version first, then the payload's own key order."""
    body = {"schema_version": SCHEMA_VERSION}
    body.update({k: v for k, v in payload.items() if k != "schema_version"})
    return json.dumps(body, indent=2, ensure_ascii=False, allow_nan=False, default=_default) + "\n"


def _default(value: Any) -> Any:
    # numpy scalars and arrays, tuples inside dataclasses, paths
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def render(payload: dict, fmt: str, text: Callable[[dict, Any], None]) -> None:
    """Write ``payload`` to stdout as JSON, or through the text renderer ``text``."""
    if fmt == "json":
        write_out(json_text(payload))
        return
    from lossadvisor.render.console import make_console

    text(payload, make_console())
