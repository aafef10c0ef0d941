"""Answers given outside the prompts: `--answer ID=VALUE` and `--answers FILE`."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from lossadvisor.errors import InputError, UsageError


def parse_answer_pairs(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`ID=VALUE` texts -> {id: value}. A repeated id with another value is an error."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise UsageError(f"--answer takes ID=VALUE, got '{pair}'")
        if key in out and out[key] != value:
            raise UsageError(f"--answer gives {key} twice: '{out[key]}' and '{value}'")
        out[key] = value
    return out


def read_answers_file(path: str) -> tuple[dict[str, Any], str]:
    """A YAML or JSON mapping of question id to a scalar answer, and its kind.

    The kind is "file", or "data" for the output of `infer --json` (a document
    with `schema_version` and `answers`): answers inferred from data are
    suggestions, dropped where they do not apply to the task a flag chose.
    """
    from lossadvisor.textutil import MAX_YAML_DEPTH, decode_text, preview, read_bytes, yaml_too_deep

    p = Path(path)
    text = decode_text(read_bytes(path, "a YAML or JSON file"), path, "answers file")
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        except RecursionError:
            raise InputError(f"{path}: JSON nested too deeply") from None
    else:
        import yaml

        deep = yaml_too_deep(text)
        if deep is not None:
            raise InputError(f"{path}:{deep}: YAML nested more than {MAX_YAML_DEPTH} levels deep")
        try:
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "invalid YAML"
            raise InputError(f"{path}{where}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of question id to answer, got {type(data).__name__}")
    kind = "file"
    if isinstance(data.get("answers"), dict) and "schema_version" in data:
        data = data["answers"]  # the output of `infer --json` or `recommend --json`
        kind = "data"
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(key, bool):
            key = "yes" if key else "no"
        if not isinstance(key, str):
            raise InputError(f"{path}: question ids are text, got {preview(key)}")
        if isinstance(value, (dict, list)) or value is None:
            raise InputError(f"{path}: the answer for {preview(key)} must be a single value, got {preview(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"{path}: the answer for {key} is not a finite number ({value})")
        out[key] = value
    return out, kind
