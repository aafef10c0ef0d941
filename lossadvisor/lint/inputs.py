"""The models to lint, read from files: spec files (YAML or JSON: one model, a list, or
``{models: [...]}``), ``.keras`` archives and the JSON of Keras ``model.to_json()``; a file
without a known suffix (``-`` for standard input, a pipe, a device) is judged by its content.

Flags are the third input; the command line turns them into a :class:`ModelInput`
and :func:`lossadvisor.lint.lint_models` merges them into every model.
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lossadvisor.errors import InputError, RuleBaseError, UsageError
from lossadvisor.lint import kerasfile
from lossadvisor.lint.data import load_lint_data
from lossadvisor.lint.spellings import LintData, ModelInput
from lossadvisor import textutil
from lossadvisor.textutil import (
    STDIN,
    STDIN_NAME,
    decode_text,
    preview,
    read_at_most,
    read_bytes,
    read_head,
    read_stdin,
    size_limit_message,
)

SPEC = "a spec file"            # the kind of file in the size cap's message
ZIP_SIGNATURE = b"PK\x03\x04"   # the start of a zip (a .keras archive)


def read_inputs(paths: Iterable[str], data: LintData | None = None) -> list[ModelInput]:
    """Every model of every file: spec files (YAML/JSON), `.keras` archives, `model.to_json()` JSON."""
    paths = list(paths)
    if paths.count(STDIN) > 1:
        raise UsageError(f"{STDIN} (standard input) can be given once")
    models: list[ModelInput] = []
    for path in paths:
        models.extend(read_input(path, data))
    return models


def read_input(path: str, data: LintData | None = None) -> list[ModelInput]:
    """The models of one file: by its suffix (.yaml, .yml, .json, .keras, .h5; another is a .keras
    archive when it starts as a zip) or, without one (a pipe such as ``<(...)``, a device, ``-``
    for standard input), by its content: a zip signature is a .keras archive (which needs a
    regular file), anything else is read through the size cap as a spec or the JSON of
    ``model.to_json()``."""
    if path == STDIN:
        raw = read_stdin("a spec", SPEC, refuse=(ZIP_SIGNATURE, kerasfile.needs_random_access(STDIN_NAME)))
        return _parse_document(raw, STDIN_NAME, None, data)
    p = Path(path)
    if p.is_dir():
        if (p / "config.json").is_file() and p.suffix == ".keras":
            return kerasfile.read_keras(path, data or load_lint_data())
        raise InputError(f"{path}: is a folder; give spec files or Keras model files")
    suffix = p.suffix.lower()
    if suffix in (".keras", ".h5", ".hdf5"):
        return kerasfile.read_keras(path, data or load_lint_data())
    if suffix in (".json", ".yaml", ".yml"):
        return _parse_document(read_bytes(path, what=SPEC), path, suffix[1:], data)
    if suffix:
        # only a zip's signature tells anything here: 4 bytes, not the whole of a device
        if read_head(path, len(ZIP_SIGNATURE)) == ZIP_SIGNATURE:
            return kerasfile.read_keras(path, data or load_lint_data())
        raise InputError(f"{path}: unknown kind of file; expected a spec (.yaml, .yml, .json), a .keras "
                         "archive or the JSON of model.to_json()")
    try:
        with open(path, "rb") as fh:
            return _read_by_content(fh, path, stat.S_ISREG(os.fstat(fh.fileno()).st_mode), data)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _read_by_content(stream, path: str, regular: bool, data: LintData | None) -> list[ModelInput]:
    """A file without a known suffix, judged by its first bytes: a zip is a .keras archive, read
    from ``path`` when it is a regular file; anything else a document read whole, through the cap.
    The stream is read once, so a pipe loses nothing to the look at its head."""
    try:
        head = stream.read(len(ZIP_SIGNATURE))
        if head == ZIP_SIGNATURE:
            if regular:
                return kerasfile.read_keras(path, data or load_lint_data())
            raise kerasfile.needs_random_access(path)
        rest = read_at_most(stream, textutil.MAX_DOCUMENT_BYTES - len(head))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if rest is None:
        raise InputError(size_limit_message(path, SPEC))
    return _parse_document(head + rest, path, None, data)


def _parse_document(raw: bytes, path: str, kind: str | None, data: LintData | None) -> list[ModelInput]:
    """A spec (YAML or JSON) or the JSON of ``model.to_json()``. ``kind`` is the suffix's ``json``,
    ``yaml`` or ``yml``; None when there was none: a document that parses as JSON is JSON, any
    other is YAML (a superset of JSON, so a flow mapping such as ``{loss: mse}`` is read too)."""
    text = decode_text(raw, path)
    sniffed = kind is None and text.lstrip()[:1] in ("{", "[")
    if kind == "json" or sniffed:
        try:
            doc = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            if not sniffed:
                raise InputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        except ValueError as exc:
            raise InputError(f"{path}: {exc}") from None
        except RecursionError:
            raise InputError(f"{path}: invalid JSON: nested too deeply") from None
        else:
            if kerasfile.looks_like_keras_config(doc):
                return kerasfile.models_from_config(doc, path, data or load_lint_data())
            return _spec_models(doc, path)
    from lossadvisor.rulebase import read_yaml

    try:
        doc = read_yaml(path, text)
    except RuleBaseError as exc:
        raise InputError(str(exc.problems[0]) if exc.problems else str(exc)) from None
    except RecursionError:
        raise InputError(f"{path}: YAML nested too deeply") from None
    return _spec_models(doc, path)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a valid value")


def _spec_models(doc: Any, path: str) -> list[ModelInput]:
    items: list
    if isinstance(doc, dict) and "models" in doc:
        extra = [k for k in doc if k not in ("models", "schema_version")]
        if extra:
            raise UsageError(f"{_node_where(doc, path, extra[0])}unknown top-level key '{extra[0]}'; a spec "
                             "with several models has only `models:` (a list)")
        items = doc["models"]
        if not isinstance(items, list):
            raise InputError(f"{_node_where(doc, path, 'models')}models must be a list of models")
        single = False
    elif isinstance(doc, list):
        items, single = doc, False
    elif isinstance(doc, dict):
        items, single = [doc], True
    else:
        raise InputError(f"{path}: expected a model (a mapping) or a list of models, got {type(doc).__name__}")
    if not items:
        raise InputError(f"{path}: no models in the file")
    models = []
    seen = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError(f"{_node_where(doc, path)}model {i + 1} must be a mapping of keys such as "
                             f"task, activation, loss; got {type(item).__name__}")
        values = {("yes" if k else "no") if isinstance(k, bool) else k: val for k, val in item.items()
                  if k != "schema_version"}
        for key, val in values.items():
            if not isinstance(key, str):
                raise InputError(f"{_node_where(item, path)}keys are text, got {key!r}")
            if isinstance(val, float) and not math.isfinite(val):
                raise InputError(f"{_node_where(item, path, key)}{key} is not a finite number ({val})")
            if isinstance(val, dict) or (isinstance(val, list) and key != "target_shape"):
                raise InputError(f"{_node_where(item, path, key)}{key} must be a single value, got "
                                 f"{preview(val)}")
        name = values.pop("name", None)
        if name is None:
            name = Path(path).stem if single else f"{Path(path).stem}[{i + 1}]"
        name = str(name)
        if name in seen:
            raise InputError(f"{_node_where(item, path, 'name')}two models are named '{name}'")
        seen.add(name)
        line = getattr(item, "line", None)
        key_lines = dict(getattr(item, "key_lines", {}) or {})
        models.append(ModelInput(name=name, values=values, source=path, line=line or 1,
                                 key_lines=key_lines, kind="spec"))
    return models


def _node_where(node: Any, path: str, key: str | None = None) -> str:
    if hasattr(node, "where"):
        return node.where(key) + ": "
    return f"{path}: "
