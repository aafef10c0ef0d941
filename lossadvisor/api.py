"""The Python API: ``lossadvisor.recommend``, ``check``, ``infer`` and ``lint`` for notebooks and scripts.

Each function returns a result object whose :meth:`Result.to_dict` is the very document the
command prints with ``--json`` (the same schema, ``schema_version`` included), so a script
can move between the command line and Python without translating anything::

    import lossadvisor

    rec = lossadvisor.recommend(task="binary", framework="pytorch")
    rec.loss, rec.activation          # ('binary_crossentropy', 'sigmoid')
    print(rec.code)                   # the runnable training program
    rec.to_dict()                     # what `recommend --task binary --framework pytorch --json` prints

The command line is one client of this module: where a command does more than call one core
function (answers from flags, a file and data; the frameworks to compare with; the inputs of
lint), that work is a ``*_document`` function here, which the command and the API both call.
Errors are the project's own (:mod:`lossadvisor.errors`: UsageError, InputError,
RuleBaseError), never SystemExit; nothing prompts.

Importing this module is light (no numpy, click or rich); each function imports what it needs.
"""

from __future__ import annotations

import copy
import json
import os
import types
from abc import abstractmethod
from collections.abc import Iterator, Mapping
from typing import Any, Callable, Iterable

from lossadvisor.errors import InputError, OptionError, UsageError

# ============================================================================ result objects


class Result(Mapping):
    """The JSON document of one command, read-only: ``result["key"]``, ``result.to_dict()``.

    A mapping, so ``dict(result)``, ``"check" in result`` and ``result == document`` work.
    """

    def __init__(self, payload: dict):
        from lossadvisor.render import json_text

        # through the renderer's JSON: its key order, schema_version first, plain Python values
        self._doc = json.loads(json_text(payload))

    def to_dict(self) -> dict:
        """The document ``lossadvisor <command> --json`` prints, as a new dict."""
        return copy.deepcopy(self._doc)

    def to_json(self) -> str:
        """The document as the command prints it (JSON text ending in a newline)."""
        from lossadvisor.render import json_text

        return json_text(self._doc)

    def __getitem__(self, key: str) -> Any:
        return self._doc[key]

    def __iter__(self):
        return iter(self._doc)

    def __len__(self) -> int:
        return len(self._doc)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.headline()}>"

    @abstractmethod
    def headline(self) -> str:
        """One line that says what the document holds."""


class RecommendResult(Result):
    """``lossadvisor recommend --json``: ``.loss``, ``.activation``, ``.units``, ``.code``, ``.passed``."""

    @property
    def loss(self) -> str:
        """The loss id, e.g. ``binary_crossentropy``."""
        return self._doc["loss"]["id"]

    @property
    def activation(self) -> str:
        """The output activation of the pairing (the inverse link), e.g. ``sigmoid``."""
        return self._doc["output"]["activation"]

    @property
    def units(self) -> int:
        """Units of the output layer."""
        return self._doc["output"]["units"]

    @property
    def code(self) -> str:
        """The runnable training program for the framework (what ``--emit-code`` prints)."""
        return self._doc["framework"]["code"]

    @property
    def passed(self) -> bool | None:
        """Whether the reference check of the pairing passed; None when it did not run (check=False)."""
        return self._doc["check"]["passed"] if "check" in self._doc else None

    def headline(self) -> str:
        check = self._doc.get("check")
        verdict = f"; check {check['status'].replace('_', ' ')}" if check else ""
        units = self.units
        return (f"{self.loss} on a {self.activation} output ({units} unit{'' if units == 1 else 's'}), "
                f"{self._doc['framework']['name']}{verdict}")


class CheckResult(Result):
    """``lossadvisor check --json``: ``.passed``, ``.status``, ``.counts``, ``.results``."""

    @property
    def passed(self) -> bool:
        """True when no check failed and at least one passed (the command exits 0)."""
        return self._doc["passed"]

    @property
    def status(self) -> str:
        """passed, failed or not_checked."""
        return self._doc["status"]

    @property
    def counts(self) -> dict:
        """Checks passed, failed and skipped."""
        return dict(self._doc["counts"])

    @property
    def results(self) -> list[dict]:
        """Every check: loss, name, passed (None when skipped), detail."""
        return self._doc["results"]

    def headline(self) -> str:
        c = self._doc["counts"]
        return (f"{self.status.replace('_', ' ')}: {c['passed']} passed, {c['failed']} failed, "
                f"{c['skipped']} skipped")


class InferResult(Result):
    """``lossadvisor infer --json``: ``.answers`` (a valid ``recommend(**answers)``), ``.task``, ``.warnings``."""

    @property
    def answers(self) -> dict:
        """The answers the data implies: question id -> value."""
        return dict(self._doc["answers"])

    @property
    def task(self) -> str | None:
        return self._doc["answers"].get("task")

    @property
    def warnings(self) -> list[str]:
        return list(self._doc["warnings"])

    def headline(self) -> str:
        answers = ", ".join(f"{k}={v}" for k, v in self._doc["answers"].items())
        return f"{answers} ({self._doc['rows']} rows)"


class LintResult(Result):
    """``lossadvisor lint --format json``: ``.findings``, ``.clean``, ``.counts``."""

    @property
    def findings(self) -> list[dict]:
        """Every finding: code, name, severity, message, fix, model, source, line, col, locations."""
        return self._doc["findings"]

    @property
    def clean(self) -> bool:
        """No finding of any severity, every model had a rule with the facts it needs, and every
        script wiring could be followed."""
        return self._doc["clean"]

    @property
    def counts(self) -> dict:
        """Findings by severity, models linted, clean, with nothing checked, not followed (script
        wirings), rules not applied, errors, findings silenced by noqa, scripts read and those
        without a loss wiring."""
        return dict(self._doc["counts"])

    @property
    def errors(self) -> list[dict]:
        """The inputs that could not be read (a script with a syntax error, a broken spec) and the
        models of a file that could not be linted (a flag contradicts one), in input order:
        source, message, line and col (None when unknown), model (None for a file)."""
        return self._doc["errors"]

    def headline(self) -> str:
        from lossadvisor.render.lint import summary_line

        return summary_line(self._doc).rstrip(".")


# ============================================================================ the documents


def given_answers_with_data(rb, flags: dict[str, Any], *, answer_pairs: Iterable[str] = (),
                            answers_file: str | None = None, data_file: str | None = None,
                            columns: list[str] | None = None, key: str | None = None,
                            delimiter: str | None = None, order: str | None = None,
                            event: str | None = None) -> tuple[dict, dict, dict | None]:
    """The answers given to `recommend` (flags or keyword answers, ``--answer`` pairs, an answers
    file), named as the rule base ``rb`` names them, with those the target data in ``data_file``
    implies under the task given.

    Returns (answers, sources, the ``infer`` document or None): see
    :func:`lossadvisor.answers.answers_with_data`. Raises OptionError (a UsageError) when a flag
    and ``--answer`` give one question two values, or for data options without a data file.
    """
    from lossadvisor.answers import answers_with_data

    if not data_file and (columns or key or delimiter or order or event):
        raise OptionError("--column, --key, --delimiter, --order and --event go with --from-data")
    read_data = None
    if data_file:
        from lossadvisor.infer import infer_framing

        def read_data(task):
            return infer_framing(data_file, columns=list(columns or ()) or None, key=key, delimiter=delimiter,
                                 task=task, order=order, event=event)
    return answers_with_data(flags, answer_pairs=tuple(answer_pairs), answers_file=answers_file,
                             read_data=read_data, canonical=rb.canonical_answer)


def recommend_document(rb, rec, data: dict | None = None, *, check: bool = True) -> dict:
    """The `recommend --json` document (without schema_version) of the recommendation ``rec``
    (:func:`lossadvisor.engine.advise`): the rule picked, the framework code, the reference check
    unless ``check`` is false, and under "data" what the data said (``data``, the ``infer``
    document the answers were read from)."""
    from lossadvisor.engine import advice_payload

    payload = advice_payload(rb, rec, check=check)
    if data is not None:
        payload["data"] = {k: data[k] for k in ("evidence", "warnings", "rows", "missing", "missing_values")
                           if k in data}
    return payload


def chosen_frameworks(names: Iterable[str] | None) -> list[str] | None:
    """`check --framework` values -> the frameworks to compare with: None (none named: every
    installed one), [] for ``none``, all of them for ``all``; other names of one (torch) are
    understood, an unknown one is left to :func:`lossadvisor.checks.run_checks` to reject.
    UsageError for ``none`` beside another.

    >>> chosen_frameworks(["jax", "torch", "jax"])
    ['jax', 'pytorch']
    >>> chosen_frameworks(["none"]), chosen_frameworks(None)
    ([], None)
    """
    from lossadvisor.framework_names import FRAMEWORKS, framework_id

    names = [str(n).strip().lower() for n in (names or ())]
    if not names:
        return None
    if "none" in names:
        if len(set(names)) > 1:
            raise OptionError("--framework none cannot be combined with other frameworks")
        return []
    if "all" in names:
        return list(FRAMEWORKS)
    return list(dict.fromkeys(framework_id(name) or name for name in names))


def check_document(losses: Iterable[str] = (), *, impl: str | None = None, frameworks: Iterable[str] | None = None,
                   params: dict | None = None, rules_paths: Iterable[str] = (), **impl_options) -> dict:
    """The `check --json` document (without schema_version): the reference checks of ``losses``
    (every loss of the catalog when none is named) against ``frameworks`` (see
    :func:`chosen_frameworks`), or, with ``impl`` (``MODULE:FUNCTION`` or
    ``path/to/file.py:FUNCTION``), the check of the user's own implementation of one loss;
    ``impl_options`` (impl_framework, from_logits, timeout, memory_limit) go to
    :func:`lossadvisor.implcheck.check_implementation`. ``rules_paths`` overlay the rule base.
    """
    losses = list(losses)
    catalog = None
    if rules_paths:
        from lossadvisor.rulebase import load_rulebase

        catalog = load_rulebase(list(rules_paths)).losses
    if impl:
        if len(losses) != 1:
            raise OptionError("--impl checks one loss: name exactly one LOSS (e.g. check binary_crossentropy "
                             "--impl f.py:bce)")
        from lossadvisor.implcheck import check_implementation

        payload = check_implementation(losses[0], impl, params=params, catalog=catalog, **impl_options)
        payload["impl"] = impl
        return payload
    if impl_options:
        raise UsageError(f"{', '.join(sorted(impl_options))} apply only with an implementation to check (impl)")
    from lossadvisor.checks import run_checks

    return run_checks(losses or None, frameworks=chosen_frameworks(frameworks), catalog=catalog, params=params)


def lint_document(files: Iterable[str] = (), *, flags: dict[str, Any] | None = None,
                  answer_pairs: Iterable[str] = (), rules_paths: Iterable[str] = (),
                  select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
                  exclude: Iterable[str] = (), code_options: tuple[str, str] | None = None,
                  exclude_option: str = "--exclude") -> dict:
    """The `lint --format json` document (without schema_version) of the models in ``files`` (spec
    files, Keras model files, ``-`` for stdin, ``.py`` training scripts and folders of them, less
    the ``exclude`` globs) or, without files, of the one model the ``flags`` describe; ``flags``
    (model keys: task, activation, loss, units, ...; None for not given) and ``--answer`` pairs
    fill in what each file leaves out, each answer named as the rule base names it (``--task
    Binary`` and ``--answer task=binary`` agree), as for `recommend`. ``select`` and ``ignore``
    choose the codes reported (codes or prefixes, as Ruff's), named as ``code_options`` in an
    error (None: the flags, ``--select`` and ``--ignore``), and ``exclude_option`` names the
    globs. Each file is its own unit: one that cannot be read, or a model of it that a flag
    contradicts or does not apply to, is one of the document's ``errors`` (in input order), and
    the others are linted.
    Before anything is read: FlagConflict (a UsageError) when a flag and a pair give one key two
    values; UsageError when a flag's value is not valid on its own (``--task foo``, ``--units
    0``), when there is nothing to lint, a code is unknown or none is given, or a glob is empty."""
    from lossadvisor.answers import given_answers
    from lossadvisor.lint import ModelInput, lint_models, load_lint_data, model_facts, read_inputs
    from lossadvisor.lint.discover import exclude_patterns
    from lossadvisor.lint.rules import CODE_OPTIONS, code_filter
    from lossadvisor.rulebase import load_rulebase

    rb = load_rulebase(list(rules_paths))
    given, _ = given_answers(flags or {}, answer_pairs=tuple(answer_pairs), canonical=rb.canonical_answer)
    files = [os.fspath(f) for f in files]
    data = load_lint_data(rb=rb)  # the loss spellings of the rule base in use
    if not files:
        models = [ModelInput(name="flags", values={}, kind="flags")] if given else []
        return lint_models(models, flags=given, rb=rb, data=data, select=select, ignore=ignore,
                           code_options=code_options)
    # the options' own mistakes are usage errors before any file is read
    model_facts(ModelInput(name="flags", values=dict(given), kind="flags"), rb, data)
    code_filter(select, ignore, data, code_options or CODE_OPTIONS)
    exclude_patterns(exclude, exclude_option)
    inputs = read_inputs(files, data, exclude=exclude)
    doc = lint_models(inputs.models, flags=given, rb=rb, data=data, select=select, ignore=ignore,
                      noqa=inputs.noqa, errors=inputs.errors, scripts=inputs.scripts,
                      no_wiring=inputs.no_wiring, code_options=code_options)
    rank = {source: i for i, source in reversed(list(enumerate(inputs.order)))}
    doc["errors"].sort(key=lambda error: rank.get(error["source"], len(rank)))   # stable: input order
    return doc


# ============================================================================ the API


def recommend(answers: Mapping[str, Any] | None = None, /, *, check: bool = True, rules: Iterable[str] | str = (),
              answers_file: str | os.PathLike | None = None, from_data: str | os.PathLike | None = None,
              columns: Iterable[str] | str | None = None, key: str | None = None, delimiter: str | None = None,
              order: Iterable[str] | str | None = None, event: str | None = None,
              **more_answers: Any) -> RecommendResult:
    """The output layer and loss for a problem: ``lossadvisor recommend`` with the answers as keywords.

    Args:
        answers: question id -> answer (a mapping, for ids that are not Python names); the
            keyword answers (``task="binary"``, ``classes=10``) join them, as flags do. NumPy
            scalars (``np.int64(10)``) are taken as the Python values they hold.
        check: run the NumPy reference check of the pairing (``--no-check`` when false; numpy is
            imported only for it).
        rules: rule files or folders overlaid on the shipped rule base (``--rules``).
        answers_file: a YAML or JSON answers file, such as the output of ``infer --json`` (``--answers``).
        from_data: a file of target data to infer the other answers from (``--from-data``), with
            ``columns``, ``key``, ``delimiter``, ``order`` and ``event`` as for :func:`infer`; for targets in memory,
            pass ``infer(targets).answers`` as ``answers``.

    Returns:
        RecommendResult: ``.loss``, ``.activation``, ``.units``, ``.code``, ``.passed``;
        ``.to_dict()`` is the ``recommend --json`` document. Unanswered questions take their
        defaults (nothing prompts); a missing task is a UsageError, and so is an argument of
        the wrong type.
    """
    from lossadvisor.engine import advise
    from lossadvisor.rulebase import load_rulebase

    if answers is not None and not isinstance(answers, Mapping):
        raise UsageError(f"answers: expected a mapping of question id to answer, got {_type_name(answers)}")
    flags = {k: _answer(k, v) for k, v in {**(answers or {}), **more_answers}.items()}
    answers_path = _path(answers_file, "answers_file")
    data_path = _path(from_data, "from_data", hint="; for targets in memory, pass infer(targets).answers as answers")
    rb = load_rulebase(_paths(rules, "rules"))
    given, sources, data = given_answers_with_data(
        rb, flags, answers_file=answers_path, data_file=data_path, columns=_texts(columns, "columns"),
        key=_text(key, "key", optional=True), delimiter=_text(delimiter, "delimiter", optional=True),
        order=order, event=_text(event, "event", optional=True))
    rec = advise(rb, given, given_sources=sources)
    return RecommendResult(recommend_document(rb, rec, data, check=check))


#: the keywords of :func:`check` that go with ``impl``: name -> (what it takes, a test of its value)
_IMPL_OPTIONS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "impl_framework": ("a framework name", lambda v: isinstance(v, str)),
    "from_logits": ("True, False or None", lambda v: v is None or isinstance(v, bool)),
    "timeout": ("a number of seconds", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)),
    "memory_limit": ("a whole number of MiB", lambda v: isinstance(v, int) and not isinstance(v, bool)),
}


def check(*losses: str, frameworks: Iterable[str] | str | None = None, params: Mapping[str, Any] | None = None,
          impl: str | None = None, rules: Iterable[str] | str = (), **impl_options: Any) -> CheckResult:
    """The NumPy reference checks of each loss (any name: ``"huber"``, ``"mse"``,
    ``"nn.CrossEntropyLoss"``; all of the catalog when none is named): ``lossadvisor check``.

    Args:
        frameworks: the frameworks to compare with: names (``"pytorch"``, ``"torch"``, ``"jax"``,
            ``"keras"``), ``"all"``, or ``"none"`` (or an empty list) for NumPy only. Default:
            every installed one. A framework named must be installed.
        params: loss parameters (``{"delta": 2.5}``, ``{"quantiles": [0.1, 0.9]}``).
        impl: check your own implementation of one loss, ``"MODULE:FUNCTION"`` or
            ``"path/to/file.py:FUNCTION"``, in a separate process; ``impl_options`` are
            ``impl_framework`` (numpy, torch, jax), ``from_logits``, ``timeout`` (seconds) and
            ``memory_limit`` (MiB), as the flags of ``check --impl``.
        rules: rule files or folders overlaid on the shipped rule base.

    Returns:
        CheckResult: ``.passed``, ``.status``, ``.counts``, ``.results``; ``.to_dict()`` is the
        ``check --json`` document. An argument of the wrong type is a UsageError.
    """
    losses = tuple(_text(loss, "losses") for loss in losses)
    names = _texts(frameworks, "frameworks")
    if names == []:
        names = ["none"]    # an empty list names no framework: NumPy only
    if params is not None and not isinstance(params, Mapping):
        raise UsageError(f"params: expected a mapping of parameter name to value, got {_type_name(params)}")
    options = {}
    for name, value in impl_options.items():
        if name not in _IMPL_OPTIONS:
            from lossadvisor.textutil import suggest

            raise UsageError(f"check() has no option {name!r}"
                             f"{suggest(name, _IMPL_OPTIONS, fallback='; the options of impl are ' + ', '.join(_IMPL_OPTIONS))}")
        what, fits = _IMPL_OPTIONS[name]
        options[name] = _plain(value)
        if not fits(options[name]):
            raise UsageError(f"{name}: expected {what}, got {_type_name(value)}")
    return CheckResult(check_document(losses, impl=_text(impl, "impl", optional=True), frameworks=names,
                                      params={k: _plain(v) for k, v in (params or {}).items()},
                                      rules_paths=_paths(rules, "rules"), **options))


def infer(path_or_array: Any, *, columns: Iterable[str] | str | None = None, key: str | None = None,
          delimiter: str | None = None, task: str | None = None, order: Iterable[str] | str | None = None,
          event: Any = None) -> InferResult:
    """The problem framing the target data implies: ``lossadvisor infer``.

    Args:
        path_or_array: a file (CSV, TSV, .npy, .npz, JSON Lines, Parquet, Feather; ``"-"`` for
            CSV on stdin), or the targets themselves: a NumPy array, a list, a pandas Series,
            shape (N,) or (N, K) (numbers, booleans or strings).
        columns, key, delimiter: for a file, as ``infer --column``, ``--key``, ``--delimiter``.
        task: the task, if you know it (any case): the other answers are derived from the data for it.
        order: the levels of an ordinal target, lowest first (``"none,mild,severe"`` or a list), as
            ``infer --order``.
        event: a survival target's event column: for a file its name or index (``columns`` is the
            time column), as ``infer --event``; for an array of times, the event indicators (0/1,
            booleans or words), one per time.

    Returns:
        InferResult: ``.answers`` (pass them on: ``recommend(result.answers, framework=...)``),
        ``.task``, ``.warnings``; ``.to_dict()`` is the ``infer --json`` document (an array has
        no ``source``). An argument of the wrong type is a UsageError; rows of different
        lengths are an InputError.
    """
    task = _text(task, "task", optional=True)
    if isinstance(path_or_array, (str, bytes, os.PathLike)):
        from lossadvisor.infer import infer_framing

        return InferResult(infer_framing(_path(path_or_array, "path_or_array"), columns=_texts(columns, "columns"),
                                         key=_text(key, "key", optional=True),
                                         delimiter=_text(delimiter, "delimiter", optional=True), task=task,
                                         order=order, event=_text(event, "event", optional=True)))
    if columns is not None or key is not None or delimiter is not None:
        raise UsageError("columns, key and delimiter choose what to read from a file; an array is read whole")
    if path_or_array is None or isinstance(path_or_array, (Mapping, bytearray, set, frozenset, Iterator)):
        raise UsageError("path_or_array: expected a file path or the targets (a NumPy array, a list, a pandas "
                         f"Series), got {_type_name(path_or_array)}")
    from lossadvisor.infer import infer_array

    label = getattr(path_or_array, "name", None)  # a pandas Series names its column
    name = label if isinstance(label, str) and label else "array"
    events = None if event is None else _target_array(event, "event")
    return InferResult(infer_array(_target_array(path_or_array, name), name=name, task=task, order=order,
                                   event=events))


def lint(*files: str | os.PathLike, rules: Iterable[str] | str = (), select: Iterable[str] | str | None = None,
         ignore: Iterable[str] | str | None = None, exclude: Iterable[str] | str = (), **model: Any) -> LintResult:
    """Mismatched output activation / loss / label pairings: ``lossadvisor lint``.

    Args:
        files: spec files (YAML or JSON), ``.keras`` archives, Keras ``model.to_json()`` files,
            ``.py`` training scripts or folders (their ``*.py`` files, read without being run);
            none to lint the one model the keywords describe.
        model: the model's keys, as the flags and spec keys: ``task``, ``activation``, ``loss``
            (as any framework spells them), ``framework``, ``from_logits``, ``units``, ``labels``,
            ``classes``, ``target``, ``reduction``, ``target_shape``, and any other question id
            (``imbalance``); with files they fill in what a file leaves out. NumPy scalars
            (``units=np.int64(10)``) are taken as the Python values they hold.
        rules: rule files or folders overlaid on the shipped rule base.
        select, ignore: the codes to report and to leave out, as codes or prefixes (``"LA1"``,
            ``["LA101", "LA108"]``, ``"ALL"``), as ``--select`` / ``--ignore``.
        exclude: globs of paths below a folder given not to read, as ``--exclude``.

    Returns:
        LintResult: ``.findings``, ``.clean``, ``.counts``, ``.errors`` (the files that could
        not be read and the models that could not be linted; the others are); ``.to_dict()`` is
        the ``lint --format json`` document. A file that is not a path, a keyword's value not
        valid on its own, an unknown code and an empty ``exclude`` glob are UsageErrors.
    """
    paths = [_path(f, "files", optional=False) for f in files]
    return LintResult(lint_document(paths, flags={k: _answer(k, v) for k, v in model.items()},
                                    rules_paths=_paths(rules, "rules"), select=_texts(select, "select"),
                                    ignore=_texts(ignore, "ignore"), exclude=_texts(exclude, "exclude") or (),
                                    code_options=("select=", "ignore="), exclude_option="exclude="))


def _type_name(value: Any) -> str:
    return type(value).__name__


def _plain(value: Any) -> Any:
    """A NumPy scalar or 0-d array (``np.int64(3)``, ``np.bool_(True)``, ``np.array("binary")``) ->
    the Python value it holds, as a flag would give it; any other value as it is. (numpy is
    not imported: a value from it is known by its type's module.)"""
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return value.item()
    return value


def _answer(key: Any, value: Any) -> Any:
    """One answer or model key given as a keyword: :func:`_plain`; a NumPy array of values is a
    UsageError (one line: the array itself is not shown)."""
    value = _plain(value)
    if type(value).__module__ == "numpy" and getattr(value, "ndim", 0):
        raise UsageError(f"{key}: expected a single value, got an array of shape {value.shape}")
    return value


def _text(value: Any, what: str, *, optional: bool = False) -> str | None:
    """A name given to the API (a loss, a framework, a column, ...) as text; None when
    ``optional``; UsageError naming the argument ``what`` for any other value."""
    value = _plain(value)
    if isinstance(value, str) or (optional and value is None):
        return value
    raise UsageError(f"{what}: expected text, got {_type_name(value)}")


def _texts(value: Any, what: str) -> list[str] | None:
    """One name or several -> a list; None stays None."""
    if value is None:
        return None
    if isinstance(_plain(value), str):
        return [_plain(value)]
    if isinstance(value, (Mapping, bytes, bytearray)) or not isinstance(value, Iterable):
        raise UsageError(f"{what}: expected a name or a list of names, got {_type_name(value)}")
    return [_text(v, what) for v in value]


def _path(value: Any, what: str, *, optional: bool = True, hint: str = "") -> str | None:
    """A file path given to the API (str or os.PathLike) as a str; None when ``optional``;
    UsageError naming the argument ``what`` for any other value, bytes included."""
    if value is None and optional:
        return None
    path = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    if not isinstance(path, str):
        raise UsageError(f"{what}: expected a file path (str or pathlib.Path), got {_type_name(value)}{hint}")
    return path


def _paths(value: Any, what: str) -> list[str]:
    """One path or several -> a list; None -> []."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, os.PathLike)):
        return [_path(value, what, optional=False)]
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise UsageError(f"{what}: expected a path or a list of paths, got {_type_name(value)}")
    return [_path(v, what, optional=False) for v in value]


def _target_array(values: Any, name: str):
    """The targets as a NumPy array; InputError naming the rows when they differ in length (NumPy
    refuses a ragged list)."""
    import numpy as np

    try:
        return np.asarray(values)
    except ValueError:
        raise InputError(f"{name}: {_ragged_rows(values)}; expected shape (N,) or (N, K)") from None


def _ragged_rows(values: Any) -> str:
    """Which rows of a ragged list differ from the first: ``rows of different lengths: row 0 has
    2 values, but row 1 has 1 value``."""

    def length(row) -> int | None:   # None: a single value, not a row of them
        return None if isinstance(row, (str, bytes)) or not hasattr(row, "__len__") else len(row)

    def described(i: int) -> str:
        n = lengths[i]
        return f"row {i} is a single value" if n is None else f"row {i} has {n} value{'' if n == 1 else 's'}"

    try:
        lengths = [length(row) for row in values]
    except TypeError:
        lengths = []
    odd = [i for i, n in enumerate(lengths) if n != lengths[0]]
    if not odd:
        return "rows nested to different depths"
    more = f" and {len(odd) - 3} more" if len(odd) > 3 else ""
    return f"rows of different lengths: {described(0)}, but {', '.join(described(i) for i in odd[:3])}{more}"


# ============================================================================ lossadvisor.infer / .lint


#: package -> the API function that calling it runs
_PACKAGE_FUNCTIONS: dict[str, Callable[..., Result]] = {"lossadvisor.infer": infer, "lossadvisor.lint": lint}


class CallablePackage(types.ModuleType):
    """A subpackage that is also an API function. ``lossadvisor.infer`` and ``lossadvisor.lint``
    are packages, and importing a package sets its name on ``lossadvisor`` to the package; calling
    the package runs :func:`infer` / :func:`lint`, so ``lossadvisor.infer(y)`` works whichever
    was imported first, and ``lossadvisor.infer.infer_framing`` stays where it is."""

    def __call__(self, *args, **kwargs) -> Result:
        return _PACKAGE_FUNCTIONS[self.__name__](*args, **kwargs)


def callable_package(name: str) -> None:
    """Make the package ``name`` (one of ``_PACKAGE_FUNCTIONS``, being imported) callable."""
    import sys

    sys.modules[name].__class__ = CallablePackage
