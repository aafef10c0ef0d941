"""The models to lint, read from files: spec files (YAML or JSON: one model, a list, or
``{models: [...]}``), ``.keras`` archives and the JSON of Keras ``model.to_json()``; a file
without a known suffix (``-`` for standard input, a pipe, a device) is judged by its content.
Training scripts (``.py`` files, and the ``*.py`` files of folders, see
:mod:`lossadvisor.lint.discover`) are read statically by :mod:`lossadvisor.lint.pysource`, in a
process pool when there are many. Each file given is its own unit: one that cannot be read is
an error of the result (:func:`read_inputs`), and the others are read.

Flags are the third input; the command line turns them into a :class:`ModelInput`
and :func:`lossadvisor.lint.lint_models` merges them into every model.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lossadvisor.errors import InputError, RuleBaseError, UsageError
from lossadvisor.lint import kerasfile
from lossadvisor.lint.data import load_lint_data
from lossadvisor.lint.discover import exclude_patterns, python_files
from lossadvisor.lint.pysource import ScriptResult, read_script
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


SCRIPT_SUFFIX = ".py"
# A line only Python starts so: a spec piped in that fails as a spec and holds one is a script
PYTHON_LINE = re.compile(r"^(?:import [\w.]+|from [\w.]+ import |def \w+\s*\(|class \w+\s*[(:])", re.MULTILINE)
# Scripts are read in a process pool when there are at least this many and more than one
# usable core; below it, starting the workers costs more than it saves.
PARALLEL_MIN_SCRIPTS = 32
# The number of processes reading scripts, when set: 1 reads them serially, N > 1 in a pool of N
# whatever their number (the tests compare both ways; benchmarks pin it). Unset: automatic.
JOBS_ENV = "LOSSADVISOR_LINT_JOBS"


@dataclass
class LintInputs:
    """What the paths given hold: the models, in input order, and what the Python files among
    them said. ``scripts`` is the number of Python files found (None when neither a ``.py``
    file nor a folder was given); ``no_wiring`` how many of those read without error hold no
    loss wiring; ``noqa`` maps each script to its noqa comments (line -> codes, None for all);
    ``errors`` are the files that could not be read, ``{"source", "message"}`` (and ``line``,
    ``col`` where the message locates it: a syntax error), in input order; ``order`` every
    source (file read, folder that could not be listed) in input order, to keep the errors
    that come later (a model a flag contradicts) in the same order."""

    models: list[ModelInput] = field(default_factory=list)
    scripts: int | None = None
    no_wiring: int = 0
    noqa: dict[str, dict] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    order: list[str] = field(default_factory=list)


def read_inputs(paths: Iterable[str], data: LintData | None = None, *, exclude: Iterable[str] = ()) -> LintInputs:
    """Every model of every path: spec files (YAML/JSON), `.keras` archives, `model.to_json()` JSON,
    ``.py`` training scripts and folders (their ``*.py`` files, less the ``exclude`` globs; a file
    given by name is always read). Each file is its own unit: one that cannot be read (a syntax
    error, a broken spec or archive, an unknown kind of file) is an error of the result, and the
    others go on. UsageError only for ``-`` given twice or an empty ``exclude`` glob."""
    paths = list(paths)
    exclude = list(exclude)
    exclude_patterns(exclude)   # a bad glob is a usage error before anything is read
    if paths.count(STDIN) > 1:
        raise UsageError(f"{STDIN} (standard input) can be given once")
    result = LintInputs()
    # each path as the files it stands for: (is a script, path), and the folders' listing errors
    # as (None, error) where they were met
    expanded: list[tuple[bool | None, Any]] = []
    seen_scripts: set[str] = set()
    for path in paths:
        if path != STDIN and _is_source_folder(path):
            listing_errors: list[dict] = []
            found = python_files(path, exclude, listing_errors)
            expanded.extend((None, error) for error in listing_errors)
        elif path.lower().endswith(SCRIPT_SUFFIX):
            found = [path]
        else:
            expanded.append((False, path))
            continue
        result.scripts = result.scripts or 0     # scripts were asked for, even if none is found
        for script in found:
            key = os.path.normpath(script)
            if key not in seen_scripts:
                seen_scripts.add(key)
                expanded.append((True, script))
    scripts = [path for is_script, path in expanded if is_script]
    if scripts:
        data = data or load_lint_data()
    read = iter(read_scripts(scripts, data))
    for is_script, path in expanded:
        if is_script is None:       # a folder that could not be listed
            result.errors.append(path)
            result.order.append(path["source"])
            continue
        result.order.append(STDIN_NAME if path == STDIN else path)
        if not is_script:
            try:
                result.models.extend(read_input(path, data))
            except (InputError, UsageError) as exc:
                result.errors.append(file_error(STDIN_NAME if path == STDIN else path, str(exc)))
            continue
        script: ScriptResult = next(read)
        result.scripts += 1
        if script.error is not None:
            result.errors.append(file_error(script.path, script.error))
            continue
        if not script.models:
            result.no_wiring += 1
        result.models.extend(script.models)
        if script.noqa:
            result.noqa[script.path] = script.noqa
    return result


def file_error(path: str, message: str) -> dict:
    """A file's error as an entry of ``errors``: located at the ``line`` (and ``col``) its message
    starts with (``train.py:3:12: syntax error: ...``, ``bad.yaml:2: YAML syntax error: ...``),
    else without them.

    >>> file_error("t.py", "t.py:3:12: syntax error: invalid syntax")["line"]
    3
    >>> file_error("bad.yaml", "bad.yaml:2: YAML syntax error: did not find expected node content")["col"]
    >>> file_error("t.py", "t.py: cannot read: No such file or directory")
    {'source': 't.py', 'message': 't.py: cannot read: No such file or directory'}
    """
    error = {"source": path, "message": message}
    place = re.match(re.escape(path) + r":(\d+):(?:(\d+):)? ", message)
    if place:
        error.update(line=int(place.group(1)), col=int(place.group(2)) if place.group(2) else None)
    return error


def _is_source_folder(path: str) -> bool:
    """A folder to search for scripts (a ``.keras`` folder is a model, read as before)."""
    p = Path(path)
    return p.is_dir() and not (p.suffix == ".keras" and (p / "config.json").is_file())


def script_jobs(count: int) -> int:
    """How many processes read ``count`` scripts: :data:`JOBS_ENV` when set; else the usable
    cores when there are at least :data:`PARALLEL_MIN_SCRIPTS` scripts, else 1."""
    forced = os.environ.get(JOBS_ENV, "").strip()
    if forced:
        if not forced.isdigit() or int(forced) < 1:
            raise UsageError(f"{JOBS_ENV} must be a whole number >= 1, got {forced!r}")
        return max(1, min(int(forced), count))
    if count < PARALLEL_MIN_SCRIPTS:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:          # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, count))


def read_scripts(paths: list[str], data: LintData | None, jobs: int | None = None) -> list[ScriptResult]:
    """Each script read (:func:`~lossadvisor.lint.pysource.read_script`), in the order given:
    serially, or in a pool of ``jobs`` processes (:func:`script_jobs` when None). The pool forks
    where the platform can, so the workers inherit the lint data loaded here."""
    jobs = script_jobs(len(paths)) if jobs is None else jobs
    if jobs <= 1 or len(paths) < 2:
        return [read_script(path, data) for path in paths]
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(jobs, initializer=_start_worker, initargs=(data,)) as pool:
        return pool.map(_read_in_worker, paths, chunksize=max(1, len(paths) // (jobs * 8)))


_WORKER_DATA: list = []    # the lint data of a worker process (set by _start_worker)


def _start_worker(data: LintData) -> None:
    """A worker keeps the lint data and leaves Ctrl-C to the parent, which ends the pool."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_DATA[:] = [data]


def _read_in_worker(path: str) -> ScriptResult:
    return read_script(path, _WORKER_DATA[0])


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
        raise InputError(f"{path}: is a folder, not a spec or a Keras model file")
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
    other is YAML (a superset of JSON, so a flow mapping such as ``{loss: mse}`` is read too).
    Such a document that is no spec but reads as Python (a script piped to ``-``) is an error
    saying where a training script goes."""
    text = decode_text(raw, path)
    if kind is not None:
        return _parse_text(text, path, kind, data)
    try:
        return _parse_text(text, path, kind, data)
    except (InputError, UsageError):
        if not PYTHON_LINE.search(text):
            raise
    given = f"{STDIN} reads" if path == STDIN_NAME else "a file without a suffix is read as"
    raise InputError(f"{path}: this is Python, not a spec: {given} a spec (YAML or JSON); give a "
                     f"training script as a {SCRIPT_SUFFIX} file (lossadvisor lint train{SCRIPT_SUFFIX})")


def _parse_text(text: str, path: str, kind: str | None, data: LintData | None) -> list[ModelInput]:
    """:func:`_parse_document` once the bytes are text."""
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
