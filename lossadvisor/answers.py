"""Answers given outside the prompts: flags, `--answer ID=VALUE`, `--answers FILE` and data.

``given_answers`` applies their precedence, ``answers_with_data`` adds the answers inferred from
target data under the task given; the engine then asks or defaults the rest. ``--answers -``
reads the answers document from standard input.
``parse_pairs`` is the one reader of ``KEY=VALUE`` flags (`--answer`, and `check --param`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable

from lossadvisor.errors import InputError, OptionError, UsageError
from lossadvisor.textutil import STDIN, STDIN_NAME


ANSWERS_FILE = "an answers file"  # the kind of file in the size cap's message


#: ``canonical(question id, value)``: the value as the rule base names it
Canonical = Callable[[str, Any], Any]


class FlagConflict(OptionError):
    """A question's flag and `--answer` give it two different values."""


def parse_pairs(pairs: list[str] | tuple[str, ...], *, malformed: str, repeated: str | None = None,
                empty_ok: bool = False, convert: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """`KEY=VALUE` texts -> {key: value}, key and value stripped of spaces.

    ``malformed`` is the message for a text without "=", a key or (unless
    ``empty_ok``) a value; ``{pair}`` in it is the text. ``repeated`` is the
    message for a key given twice with two values (``{key}``, ``{first}``,
    ``{second}``); without it the last value wins. ``convert`` turns each value
    text into its value (values stay text without it).
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not (value or empty_ok):
            raise UsageError(malformed.format(pair=pair))
        if repeated is not None and key in out and out[key] != value:
            raise UsageError(repeated.format(key=key, first=out[key], second=value))
        out[key] = value
    return out if convert is None else {key: convert(value) for key, value in out.items()}


def parse_answer_pairs(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`--answer ID=VALUE` texts -> {id: value text}. A repeated id with another value is an error."""
    return parse_pairs(pairs, malformed="--answer takes ID=VALUE, got '{pair}'",
                       repeated="--answer gives {key} twice: '{first}' and '{second}'")


def given_answers(flags: dict[str, str | None], *, answer_pairs: list[str] | tuple[str, ...] = (),
                  answers_file: str | None = None, canonical: Canonical | None = None,
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers given outside the prompts, and where each came from ("flag", "file", "data").

    Strongest first: the question flags and `--answer` ("flag"), then `--answers FILE`
    ("file", or "data" for the output of `infer --json`). ``flags`` maps question id
    to the text of its flag, None when not given. The engine asks or defaults the rest.
    ``canonical(id, value)`` names each answer as the rule base does (``Binary`` is binary,
    ``torch`` is pytorch; see :meth:`~lossadvisor.rulebase.RuleBase.canonical_answer`), so two
    spellings of one answer agree.
    Raises FlagConflict when a flag and `--answer` give one question two values.
    """
    if canonical is None:
        def canonical(_key, value):
            return value
    given: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if answers_file:
        file_answers, kind = read_answers_file(answers_file)
        for k, v in file_answers.items():
            given[k], sources[k] = canonical(k, v), kind
    for k, v in parse_answer_pairs(answer_pairs).items():
        given[k], sources[k] = canonical(k, v), "flag"
    for k, v in flags.items():
        if v is not None:
            v = canonical(k, v)
            if k in given and sources[k] == "flag" and str(given[k]) != str(v):
                raise FlagConflict(f"--{k.replace('_', '-')} {v} conflicts with --answer {k}={given[k]}")
            given[k], sources[k] = v, "flag"
    return given, sources


def answers_with_data(flags: dict[str, str | None], *, answer_pairs: list[str] | tuple[str, ...] = (),
                      answers_file: str | None = None, read_data: Callable[[str | None], dict] | None = None,
                      canonical: Canonical | None = None) -> tuple[dict[str, Any], dict[str, str], dict | None]:
    """The given answers (:func:`given_answers`) with those inferred from target data under them.

    The task comes from what was given first (flags, `--answer`, `--answers FILE`);
    ``read_data(task)`` (the ``infer`` document; ``task`` None when none was given, or one
    inference does not know, left to the engine) then derives the other answers from the
    data under that task, so no inferred answer belongs to another task. A given answer
    wins over the data's ("data", weakest), and where the two differ a warning naming
    both leads the document's ``warnings``.

    Returns (answers, sources, the ``infer`` document or None without ``read_data``).
    """
    given, sources = given_answers(flags, answer_pairs=answer_pairs, answers_file=answers_file, canonical=canonical)
    if read_data is None:
        return given, sources, None
    from lossadvisor.infer import TASKS

    task = given.get("task")
    data = read_data(task if task in TASKS else None)
    inferred = data["answers"]
    differs = [f"{_given_as(k, v, sources[k], flags, answers_file)}, but the data says {k}={inferred[k]} "
               f"({data['evidence'].get(k, 'inferred')}); the given answer is used"
               for k, v in given.items() if k in inferred and str(v) != str(inferred[k])]
    data["warnings"] = differs + data["warnings"]
    answers = {**inferred, **given}
    return answers, {**{k: "data" for k in inferred}, **sources}, data


def _given_as(key: str, value: Any, source: str, flags: dict[str, str | None], answers_file: str | None) -> str:
    """How the user gave an answer, as they wrote it: ``--classes 3``, ``--answer classes=3``,
    ``classes: 3 in answers.yaml``."""
    if source == "flag":
        return f"--{key.replace('_', '-')} {value}" if flags.get(key) is not None else f"--answer {key}={value}"
    return f"{key}: {value} in {STDIN_NAME if answers_file == STDIN else answers_file}"


def read_answers_file(path: str) -> tuple[dict[str, Any], str]:
    """A YAML or JSON mapping of question id to a scalar answer, and its kind.

    ``path`` ``-`` is standard input (:data:`STDIN`), read under the same size cap; having no
    suffix, a document there that opens with ``{`` and parses as JSON is JSON, any other YAML.
    The kind is "file", or "data" for the output of `infer --json` (a document
    with `schema_version` and `answers`): answers inferred from data are
    suggestions, dropped where they do not apply to the task a flag chose.
    """
    from lossadvisor.textutil import MAX_YAML_DEPTH, decode_text, preview, read_bytes, yaml_too_deep

    if path == STDIN:
        path = STDIN_NAME
        text = decode_text(_read_stdin(), path, "answers document")
    else:
        text = decode_text(read_bytes(path, "a YAML or JSON file", what=ANSWERS_FILE), path, "answers file")
    as_json = Path(path).suffix.lower() == ".json"
    data = None
    if as_json or (path == STDIN_NAME and text.lstrip().startswith("{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if as_json:
                raise InputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
            # not JSON: YAML, which also has {key: value} mappings
        except RecursionError:
            raise InputError(f"{path}: JSON nested too deeply") from None
    if data is None:
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


def _read_stdin() -> bytes:
    """Standard input, whole, under the size cap of an answers file; InputError when it is closed,
    empty, unreadable or endless."""
    from lossadvisor.textutil import read_stdin

    raw = read_stdin("the answers", ANSWERS_FILE)
    if not raw.strip():
        raise InputError(f"{STDIN_NAME}: standard input is empty; pipe the answers in, or give a file")
    return raw
