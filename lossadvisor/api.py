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
from collections.abc import Mapping
from typing import Any, Callable, Iterable

from lossadvisor.errors import OptionError, UsageError

# ============================================================================ result objects


class Result(Mapping):
    """The JSON document of one command, read-only: ``result["key"]``, ``result.to_dict()``.

    A mapping, so ``dict(result)``, ``"check" in result`` and ``result == document`` work.
    """

    #: the command whose ``--json`` document this is
    command = ""

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

    command = "recommend"

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

    command = "check"

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

    command = "infer"

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

    command = "lint"

    @property
    def findings(self) -> list[dict]:
        """Every finding: code, name, severity, message, fix, model, source, line."""
        return self._doc["findings"]

    @property
    def clean(self) -> bool:
        """No finding of any severity, and every model had a rule with the facts it needs."""
        return self._doc["clean"]

    @property
    def counts(self) -> dict:
        """Findings by severity, models linted, clean, with nothing checked, rules not applied."""
        return dict(self._doc["counts"])

    def headline(self) -> str:
        from lossadvisor.render.lint import summary_line

        return summary_line(self._doc).rstrip(".")


# ============================================================================ the documents


def given_answers_with_data(rb, flags: dict[str, Any], *, answer_pairs: Iterable[str] = (),
                            answers_file: str | None = None, data_file: str | None = None,
                            columns: list[str] | None = None, key: str | None = None,
                            delimiter: str | None = None) -> tuple[dict, dict, dict | None]:
    """The answers given to `recommend` (flags or keyword answers, ``--answer`` pairs, an answers
    file), named as the rule base ``rb`` names them, with those the target data in ``data_file``
    implies under the task given.

    Returns (answers, sources, the ``infer`` document or None): see
    :func:`lossadvisor.answers.answers_with_data`. Raises OptionError (a UsageError) when a flag
    and ``--answer`` give one question two values, or for data options without a data file.
    """
    from lossadvisor.answers import answers_with_data

    if not data_file and (columns or key or delimiter):
        raise OptionError("--column, --key and --delimiter go with --from-data")
    read_data = None
    if data_file:
        from lossadvisor.infer import infer_framing

        def read_data(task):
            return infer_framing(data_file, columns=list(columns or ()) or None, key=key, delimiter=delimiter,
                                 task=task)
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
    from lossadvisor.framework_names import FRAMEWORKS, aliases

    names = [str(n).strip().lower() for n in (names or ())]
    if not names:
        return None
    other_names = aliases(FRAMEWORKS)
    if "none" in names:
        if len(set(names)) > 1:
            raise OptionError("--framework none cannot be combined with other frameworks")
        return []
    if "all" in names:
        return list(FRAMEWORKS)
    return list(dict.fromkeys(other_names.get(name, name) for name in names))


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
                  answer_pairs: Iterable[str] = (), rules_paths: Iterable[str] = ()) -> dict:
    """The `lint --format json` document (without schema_version) of the models in ``files`` (spec
    files, Keras model files, ``-`` for stdin) or, without files, of the one model the ``flags``
    describe; ``flags`` (model keys: task, activation, loss, units, ...; None for not given) and
    ``--answer`` pairs fill in what each file leaves out. FlagConflict (a UsageError) when a flag
    and a pair give one key two values; UsageError when there is nothing to lint."""
    from lossadvisor.answers import FlagConflict, parse_answer_pairs
    from lossadvisor.lint import ModelInput, lint_models, load_lint_data, read_inputs
    from lossadvisor.rulebase import load_rulebase

    given = {k: v for k, v in (flags or {}).items() if v is not None}
    for k, value in parse_answer_pairs(tuple(answer_pairs)).items():
        if k in given and str(given[k]) != value:
            raise FlagConflict(f"--answer {k}={value} conflicts with --{k.replace('_', '-')} {given[k]}")
        given[k] = value
    rb = load_rulebase(list(rules_paths))
    files = [os.fspath(f) for f in files]
    if files:
        models = read_inputs(files, load_lint_data(rb=rb))  # the loss spellings of the rule base in use
    else:
        models = [ModelInput(name="flags", values={}, kind="flags")] if given else []
    return lint_models(models, flags=given, rb=rb)


# ============================================================================ the API


def recommend(answers: Mapping[str, Any] | None = None, /, *, check: bool = True, rules: Iterable[str] | str = (),
              answers_file: str | os.PathLike | None = None, from_data: str | os.PathLike | None = None,
              columns: Iterable[str] | str | None = None, key: str | None = None, delimiter: str | None = None,
              **more_answers: Any) -> RecommendResult:
    """The output layer and loss for a problem: ``lossadvisor recommend`` with the answers as keywords.

    Args:
        answers: question id -> answer (a mapping, for ids that are not Python names); the
            keyword answers (``task="binary"``, ``classes=10``) join them, as flags do.
        check: run the NumPy reference check of the pairing (``--no-check`` when false; numpy is
            imported only for it).
        rules: rule files or folders overlaid on the shipped rule base (``--rules``).
        answers_file: a YAML or JSON answers file, such as the output of ``infer --json`` (``--answers``).
        from_data: target data to infer the other answers from (``--from-data``), with
            ``columns``, ``key`` and ``delimiter`` as for :func:`infer`.

    Returns:
        RecommendResult: ``.loss``, ``.activation``, ``.units``, ``.code``, ``.passed``;
        ``.to_dict()`` is the ``recommend --json`` document. Unanswered questions take their
        defaults (nothing prompts); a missing task is a UsageError.
    """
    from lossadvisor.engine import advise
    from lossadvisor.rulebase import load_rulebase

    rb = load_rulebase(_names(rules) or [])
    flags = {**dict(answers or {}), **more_answers}
    given, sources, data = given_answers_with_data(
        rb, flags, answers_file=_path(answers_file), data_file=_path(from_data), columns=_names(columns), key=key,
        delimiter=delimiter)
    rec = advise(rb, given, given_sources=sources)
    return RecommendResult(recommend_document(rb, rec, data, check=check))


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
        ``check --json`` document.
    """
    if isinstance(frameworks, str):
        frameworks = [frameworks]
    elif frameworks is not None and not list(frameworks):
        frameworks = ["none"]    # an empty list names no framework: NumPy only
    return CheckResult(check_document(losses, impl=impl, frameworks=frameworks, params=dict(params or {}),
                                      rules_paths=_names(rules) or (), **impl_options))


def infer(path_or_array: Any, *, columns: Iterable[str] | str | None = None, key: str | None = None,
          delimiter: str | None = None, task: str | None = None) -> InferResult:
    """The problem framing the target data implies: ``lossadvisor infer``.

    Args:
        path_or_array: a file (CSV, TSV, .npy, .npz, JSON Lines, Parquet, Feather; ``"-"`` for
            CSV on stdin), or the targets themselves: a NumPy array, a list, a pandas Series,
            shape (N,) or (N, K) (numbers, booleans or strings).
        columns, key, delimiter: for a file, as ``infer --column``, ``--key``, ``--delimiter``.
        task: the task, if you know it: the other answers are derived from the data for it.

    Returns:
        InferResult: ``.answers`` (pass them on: ``recommend(result.answers, framework=...)``),
        ``.task``, ``.warnings``; ``.to_dict()`` is the ``infer --json`` document (an array has
        no ``source``).
    """
    if isinstance(path_or_array, (str, os.PathLike)):
        from lossadvisor.infer import infer_framing

        return InferResult(infer_framing(os.fspath(path_or_array), columns=_names(columns), key=key,
                                         delimiter=delimiter, task=task))
    if columns is not None or key is not None or delimiter is not None:
        raise UsageError("columns, key and delimiter choose what to read from a file; an array is read whole")
    from lossadvisor.infer import infer_array

    name = getattr(path_or_array, "name", None)  # a pandas Series names its column
    return InferResult(infer_array(path_or_array, name=name if isinstance(name, str) and name else "array",
                                   task=task))


def lint(*files: str | os.PathLike, rules: Iterable[str] | str = (), **model: Any) -> LintResult:
    """Mismatched output activation / loss / label pairings: ``lossadvisor lint``.

    Args:
        files: spec files (YAML or JSON), ``.keras`` archives or Keras ``model.to_json()``
            files; none to lint the one model the keywords describe.
        model: the model's keys, as the flags and spec keys: ``task``, ``activation``, ``loss``
            (as any framework spells them), ``framework``, ``from_logits``, ``units``, ``labels``,
            ``classes``, ``target``, ``reduction``, ``target_shape``, and any other question id
            (``imbalance``); with files they fill in what a file leaves out.
        rules: rule files or folders overlaid on the shipped rule base.

    Returns:
        LintResult: ``.findings``, ``.clean``, ``.counts``; ``.to_dict()`` is the
        ``lint --format json`` document.
    """
    return LintResult(lint_document(files, flags=model, rules_paths=_names(rules) or ()))


def _path(value: str | os.PathLike | None) -> str | None:
    return None if value is None else os.fspath(value)


def _names(value: Iterable[str] | str | os.PathLike | None) -> list[str] | None:
    """One name or path, or several -> a list; None stays None."""
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    return [os.fspath(v) for v in value]


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
