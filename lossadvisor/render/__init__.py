"""Renderers: turn the core's plain data into text (rich) or JSON.

`json_text` never imports rich. Text renderers live in one module per command
and import rich only when called.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

SCHEMA_VERSION = 1


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
        sys.stdout.write(json_text(payload))
        sys.stdout.flush()
        return
    from lossadvisor.render.console import make_console

    text(payload, make_console())
