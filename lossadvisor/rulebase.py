"""Load and validate the rule base: questions, recommendation rules, loss catalog.

The shipped rule base lives in ``rules/`` (packaged as ``lossadvisor.rules``).
Extra files given with ``--rules PATH`` add or replace entries by id.

Every problem is reported as ``path:line: message``; a rule base with any problem
raises :class:`~lossadvisor.errors.RuleBaseError` listing them all.
"""

from __future__ import annotations

import os

from lossadvisor.errors import InputError, RuleBaseError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:  # the stdlib's own idiom for annotations without importing typing
    from typing import Any, Iterable, Iterator

# Start-up time matters (`recommend --json` should cost little more than Python
# itself), so this module avoids dataclasses, typing and pathlib at import:
# annotations are strings (see the __future__ import) and records are plain classes.


class Record:
    """A small plain-data class: fields in ``__slots__``, defaults in ``_defaults``."""

    __slots__ = ()
    _defaults: dict = {}

    def __init__(self, *args, **values):
        if len(args) > len(self.__slots__):
            raise TypeError(f"{type(self).__name__} takes at most {len(self.__slots__)} arguments")
        for name, value in zip(self.__slots__, args):
            if name in values:
                raise TypeError(f"{type(self).__name__} got {name!r} twice")
            values[name] = value
        for name in self.__slots__:
            if name in values:
                value = values.pop(name)
            elif name in self._defaults:
                value = self._defaults[name]
                value = value() if callable(value) else value
            else:
                raise TypeError(f"{type(self).__name__} needs {name!r}")
            object.__setattr__(self, name, value)
        if values:
            raise TypeError(f"{type(self).__name__} has no field {next(iter(values))!r}")

    def __eq__(self, other):
        return type(self) is type(other) and all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # mutable containers inside

    def __repr__(self):
        body = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({body})"

RULE_FILES = ("questions.yaml", "recommendations.yaml", "losses.yaml")
COMPILED = "compiled.json"  # the shipped rule base, validated and pre-built (see compile_shipped)
RULES_DIR_MARK = "<rules>"
SECTIONS = ("questions", "rules", "losses")
QUESTION_KINDS = ("choice", "integer")


def shipped_rules_dir() -> str:
    """The folder of the shipped YAML: inside the installed package, or ``rules/``
    at the top of a source checkout."""
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "rules"), os.path.join(os.path.dirname(here), "rules")):
        if os.path.isfile(os.path.join(candidate, "recommendations.yaml")):
            return candidate
    raise RuleBaseError([f"{here}: the shipped rule base is missing (no rules/recommendations.yaml)"])


# --------------------------------------------------------------------------- YAML


class Node(dict):
    """A mapping read from YAML that remembers where it and each key came from."""

    path: str = "<memory>"
    line: int = 0
    key_lines: dict

    def where(self, key: str | None = None) -> str:
        line = self.key_lines.get(key, self.line) if key is not None else self.line
        return f"{self.path}:{line}"


def _loader_class(path: str):
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    def construct_mapping(loader, node, deep=False):
        mapping = Node()
        mapping.path = path
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, bool):  # YAML 1.1 reads a bare `no:` as False
                key = "yes" if key else "no"
            try:
                hash(key)
            except TypeError:
                raise RuleBaseError([f"{path}:{key_node.start_mark.line + 1}: a mapping key must be a scalar"])
            if key in mapping:
                raise RuleBaseError([f"{path}:{key_node.start_mark.line + 1}: duplicate key {key!r}"])
            mapping[key] = loader.construct_object(value_node, deep=True)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping

    Loader.add_constructor("tag:yaml.org,2002:map", construct_mapping)
    return Loader


def read_shipped_yaml(name: str) -> tuple[str, Any]:
    """A shipped rule file: (path, document)."""
    path = os.path.join(shipped_rules_dir(), name)
    return path, read_yaml(path)


def shipped_questions() -> list[Question]:
    """The questions of the shipped rule base (for building CLI flags)."""
    return load_rulebase().questions


def read_yaml(path: str | os.PathLike, text: str | None = None) -> Any:
    """Parse one YAML file (safe loader, C speed when available) with line numbers."""
    import yaml

    path = str(path)
    if text is None:
        from lossadvisor.textutil import read_bytes

        try:
            raw = read_bytes(path, what="a rule file")
        except InputError as exc:  # the same message, as a problem of the rule base
            raise RuleBaseError([str(exc)]) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RuleBaseError([f"{path}: not UTF-8 text (byte {exc.start})"]) from None
    from lossadvisor.textutil import MAX_YAML_DEPTH, yaml_too_deep

    deep = yaml_too_deep(text)
    if deep is not None:
        raise RuleBaseError([f"{path}:{deep}: YAML nested more than {MAX_YAML_DEPTH} levels deep"])
    try:
        return yaml.load(text, Loader=_loader_class(path))  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise RuleBaseError([f"{path}: YAML nested too deeply"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        raise RuleBaseError([f"{path}:{line}: YAML syntax error: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise RuleBaseError([f"{path}: YAML error: {exc}"]) from None


# ----------------------------------------------------------------- data classes


def _norm_value(value: Any) -> Any:
    """Answers are strings for choices; YAML 1.1 turns bare yes/no into booleans."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def condition_matches(condition: Any, value: Any) -> bool:
    """One `when`/`match` condition: a value, a list of values, or {min, max}."""
    if value is None:
        return False
    if isinstance(condition, dict):
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        lo, hi = condition.get("min"), condition.get("max")
        return (lo is None or value >= lo) and (hi is None or value <= hi)
    if isinstance(condition, (list, tuple)):
        return value in condition
    return value == condition


def conditions_match(conditions: dict, answers: dict) -> bool:
    return all(condition_matches(c, answers.get(k)) for k, c in conditions.items())


#: the question whose choices are frameworks: it also takes their other names (torch for pytorch)
FRAMEWORK_QUESTION = "framework"


class Choice(Record):
    __slots__ = ("value", "help")
    _defaults = {"help": ""}


class Question(Record):
    """One question of the tree. ``when``: conditions on earlier answers."""

    __slots__ = ("id", "prompt", "kind", "choices", "default", "min", "max", "when", "where")
    _defaults = {"choices": (), "default": None, "min": None, "max": None, "when": dict, "where": ""}

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    def applies(self, answers: dict) -> bool:
        return conditions_match(self.when, answers)

    def describe_valid(self) -> str:
        if self.kind == "choice":
            return ", ".join(self.values)
        bounds = f">= {self.min}" if self.min is not None else "any"
        if self.max is not None:
            bounds += f" and <= {self.max}"
        return f"an integer {bounds}"

    def choice_value(self, text: str) -> str | None:
        """The choice ``text`` names, case-insensitively (``Binary`` is binary), or an alias of a
        choice (the framework question takes ``torch`` for pytorch, see
        :data:`lossadvisor.framework_names.SAME_FRAMEWORK`); None when it names none.
        """
        text = text.strip()
        if text in self.values:
            return text
        if self.id == FRAMEWORK_QUESTION:
            from lossadvisor.framework_names import framework_id

            return framework_id(text, self.values)
        return {v.casefold(): v for v in self.values}.get(text.casefold())

    def parse(self, raw: Any, context: str = "") -> Any:
        """Turn a raw answer (flag text, YAML or JSON value) into a valid value.

        A choice is matched by :meth:`choice_value`; an unknown one suggests the nearest.
        """
        where = f" ({context})" if context else ""
        raw = _norm_value(raw)
        if self.kind == "choice":
            text = raw if isinstance(raw, str) else None
            if isinstance(raw, int) and not isinstance(raw, bool):
                text = str(raw)
            value = self.choice_value(text) if text is not None else None
            if value is not None:
                return value
            from lossadvisor.textutil import suggest

            hint = suggest(text.strip(), self.values, fold_case=True) if text is not None else ""
            raise UsageError(
                f"invalid value {_show(raw)} for {self.id}{where}; choose from: {self.describe_valid()}{hint}"
            )
        # integer
        value: int | None = None
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        elif isinstance(raw, str) and raw.strip().lstrip("+-").isdigit() and raw.strip().isascii():
            value = int(raw.strip())
        if value is None or (self.min is not None and value < self.min) or (
            self.max is not None and value > self.max
        ):
            raise UsageError(f"invalid value {_show(raw)} for {self.id}{where}; expected {self.describe_valid()}")
        return value


def _show(raw: Any) -> str:
    from lossadvisor.textutil import preview

    return preview(raw, 60)


class Rule(Record):
    """One recommendation rule; the most specific matching rule wins."""

    __slots__ = ("id", "match", "output", "loss", "params", "why", "alternatives", "warnings", "where")
    _defaults = {"where": ""}

    @property
    def specificity(self) -> int:
        return len(self.match)

    def matches(self, answers: dict) -> bool:
        return conditions_match(self.match, answers)


class RuleBase(Record):
    """Questions (ordered), rules by id, the loss catalog by id, and where they came from."""

    __slots__ = ("questions", "rules", "losses", "sources")

    # ---- questions
    def question_ids(self) -> list[str]:
        return list(dict.fromkeys(q.id for q in self.questions))

    def questions_with_id(self, qid: str) -> list[Question]:
        return [q for q in self.questions if q.id == qid]

    def canonical_answer(self, qid: str, value: Any) -> Any:
        """The choice ``value`` names among the questions ``qid`` (``Binary`` is binary, ``torch``
        is pytorch), so that two spellings of one answer compare equal before the engine parses
        them; ``value`` itself when it names none (the engine then says why)."""
        if isinstance(value, str):
            for q in self.questions_with_id(qid):
                if q.kind == "choice" and (choice := q.choice_value(value)) is not None:
                    return choice
        return value

    def applicable(self, qid: str, answers: dict) -> Question | None:
        for q in self.questions_with_id(qid):
            if q.applies(answers):
                return q
        return None

    # ---- rules
    def matching_rules(self, answers: dict) -> list[Rule]:
        found = [r for r in self.rules.values() if r.matches(answers)]
        found.sort(key=lambda r: -r.specificity)
        return found

    def resolve(self, answers: dict) -> Rule:
        """The single most specific rule for complete answers."""
        found = self.matching_rules(answers)
        if not found:
            raise UsageError(f"no rule matches the answers {_fmt_answers(answers)}")
        top = [r for r in found if r.specificity == found[0].specificity]
        if len(top) > 1:
            ids = ", ".join(r.id for r in top)
            raise RuleBaseError([f"rules {ids} are equally specific for {_fmt_answers(answers)}"])
        return top[0]

    def answer_sets(self) -> Iterator[dict]:
        """Every combination of finite choices the question tree allows.

        Questions that no rule matches on and no question depends on take their
        default: they cannot change which rule wins.
        """
        relevant = {k for r in self.rules.values() for k in r.match}
        relevant |= {k for q in self.questions for k in q.when}
        relevant.add("task")

        def walk(index: int, answers: dict) -> Iterator[dict]:
            if index == len(self.questions):
                yield dict(answers)
                return
            q = self.questions[index]
            if q.id in answers or not q.applies(answers):
                yield from walk(index + 1, answers)
                return
            if q.kind == "choice" and (q.id in relevant or q.default is None):
                options: Iterable[Any] = q.values
            else:
                options = (q.default,)
            for value in options:
                answers[q.id] = value
                yield from walk(index + 1, answers)
                del answers[q.id]

        yield from walk(0, {})

    def coverage_problems(self) -> list[str]:
        """Prove each combination of choices resolves to exactly one rule."""
        problems: list[str] = []
        seen: set[tuple] = set()
        for answers in self.answer_sets():
            found = self.matching_rules(answers)
            if not found:
                problems.append(f"{self.sources[0] if self.sources else ''}: no rule matches {_fmt_answers(answers)}")
                continue
            top = [r for r in found if r.specificity == found[0].specificity]
            if len(top) > 1:
                key = tuple(r.id for r in top)
                if key in seen:
                    continue
                seen.add(key)
                wheres = "; ".join(f"{r.id} at {r.where}" for r in top)
                problems.append(
                    f"{top[0].where}: rules are equally specific for {_fmt_answers(answers)}: {wheres}"
                )
        return problems


    def unreachable_rules(self) -> list[str]:
        """Rules that no combination of answers resolves to (shadowed or impossible)."""
        won = set()
        for answers in self.answer_sets():
            found = self.matching_rules(answers)
            if found:
                won.add(found[0].id)
        return [
            f"{r.where}: rule {r.id!r} never applies: no combination of answers resolves to it "
            f"({'a more specific rule wins everywhere it matches' if any(r.matches(a) for a in self.answer_sets()) else 'its match cannot be answered'})"
            for r in self.rules.values() if r.id not in won
        ]


def _fmt_answers(answers: dict) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in answers.items()) + "}"


# --------------------------------------------------------------------- loading


_SHIPPED_RB: list = []


def load_rulebase(extra: Iterable[str | os.PathLike] = (), *, base: str | os.PathLike | None = None) -> RuleBase:
    """Load the shipped rule base (or ``base``), overlay ``extra`` files, validate.

    ``extra`` entries are YAML files or folders of them; their questions, rules
    and losses replace entries of the same id and add new ones.

    The shipped rule base alone comes from ``compiled.json`` when that file was
    built from exactly the YAML beside it (same digest): no YAML parsing and no
    re-validation on every run. Otherwise the YAML is read and validated.
    """
    from pathlib import Path

    extra = list(extra)
    if base is None and not extra:
        if not _SHIPPED_RB:
            _SHIPPED_RB.append(_load_compiled() or _build_shipped())
        return _SHIPPED_RB[0]

    if base is None:
        docs = _shipped_docs()
    else:
        docs = [(p, read_yaml(p)) for p in _yaml_files(Path(base))]
    for path in extra:
        docs.extend((p, read_yaml(p)) for p in _yaml_files(Path(path)))
    return build_rulebase(docs)


def _shipped_docs() -> list:
    return [read_shipped_yaml(name) for name in RULE_FILES]


def _build_shipped() -> RuleBase:
    return build_rulebase(_shipped_docs())


def shipped_digest() -> str:
    """CRC-32 of the shipped YAML files, in order: ties compiled.json to its sources."""
    import zlib

    crc = 0
    for name in RULE_FILES:
        with open(os.path.join(shipped_rules_dir(), name), "rb") as fh:
            crc = zlib.crc32(fh.read(), crc)
    return f"{crc:08x}"


def _load_compiled() -> RuleBase | None:
    path = os.path.join(shipped_rules_dir(), COMPILED)
    try:
        with open(path, encoding="utf-8") as fh:
            import json

            doc = json.load(fh)
    except (OSError, ValueError):
        return None
    if doc.get("digest") != shipped_digest() or doc.get("format") != 1:
        return None  # stale: the YAML changed since it was compiled
    return rulebase_from_plain(doc)


def _rel(where: str, rules_dir: str) -> str:
    return where.replace(rules_dir + os.sep, RULES_DIR_MARK + "/")


def _abs(where: str, rules_dir: str) -> str:
    return where.replace(RULES_DIR_MARK + "/", rules_dir + os.sep)


def rulebase_to_plain(rb: RuleBase) -> dict:
    """JSON-ready form of a rule base (shipped paths made relative)."""
    d = shipped_rules_dir()
    lists = lambda cond: {k: list(v) if isinstance(v, tuple) else v for k, v in cond.items()}  # noqa: E731
    return {
        "format": 1,
        "digest": shipped_digest(),
        "questions": [
            {"id": q.id, "prompt": q.prompt, "kind": q.kind, "choices": [[c.value, c.help] for c in q.choices],
             "default": q.default, "min": q.min, "max": q.max, "when": lists(q.when), "where": _rel(q.where, d)}
            for q in rb.questions
        ],
        "rules": [
            {"id": r.id, "match": lists(r.match), "output": r.output, "loss": r.loss, "params": r.params,
             "why": r.why,
             "alternatives": [{**a, "where": _rel(a.get("where", ""), d)} for a in r.alternatives],
             "warnings": [{**w, "when": lists(w["when"]), "where": _rel(w.get("where", ""), d)}
                          for w in r.warnings],
             "where": _rel(r.where, d)}
            for r in rb.rules.values()
        ],
        "losses": [{**e, "where": _rel(e["where"], d)} for e in rb.losses.values()],
        "sources": [_rel(s, d) for s in rb.sources],
    }


def rulebase_from_plain(doc: dict) -> RuleBase:
    d = shipped_rules_dir()
    tuples = lambda cond: {k: tuple(v) if isinstance(v, list) else v for k, v in cond.items()}  # noqa: E731
    questions = [
        Question(id=q["id"], prompt=q["prompt"], kind=q["kind"], choices=tuple(Choice(value=v, help=h) for v, h in q["choices"]),
                 default=q["default"], min=q["min"], max=q["max"], when=tuples(q["when"]), where=_abs(q["where"], d))
        for q in doc["questions"]
    ]
    rules = {}
    for r in doc["rules"]:
        rules[r["id"]] = Rule(
            id=r["id"], match=tuples(r["match"]), output=r["output"], loss=r["loss"], params=r["params"],
            why=r["why"], alternatives=tuple({**a, "where": _abs(a["where"], d)} for a in r["alternatives"]),
            warnings=tuple({**w, "when": tuples(w["when"]), "where": _abs(w["where"], d)} for w in r["warnings"]),
            where=_abs(r["where"], d),
        )
    losses = {e["id"]: {**e, "where": _abs(e["where"], d)} for e in doc["losses"]}
    return RuleBase(questions=questions, rules=rules, losses=losses, sources=[_abs(s, d) for s in doc["sources"]])


def compile_shipped() -> str:
    """Validate the shipped YAML and write compiled.json beside it; returns its path."""
    import json

    rb = _build_shipped()
    path = os.path.join(shipped_rules_dir(), COMPILED)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(rulebase_to_plain(rb), fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return path


def _yaml_files(path) -> list:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.name != "lint.yaml")
        if not files:
            raise RuleBaseError([f"{path}: no .yaml files in this folder"])
        return files
    if path.exists():  # a file, or a pipe such as `--rules <(...)`: read_yaml bounds what it reads
        return [path]
    raise RuleBaseError([f"{path}: no such file or folder"])


def build_rulebase(docs: list[tuple[Any, Any]]) -> RuleBase:
    problems: list[str] = []
    questions: list[Question] = []
    rules: dict[str, Rule] = {}
    losses: dict[str, dict] = {}
    sources = [str(p) for p, _ in docs]

    for layer, (path, doc) in enumerate(docs):
        if doc is None:
            problems.append(f"{path}:1: the file is empty")
            continue
        if not isinstance(doc, Node):
            problems.append(f"{path}:1: expected a mapping with any of: {', '.join(SECTIONS)}")
            continue
        unknown = [k for k in doc if k not in SECTIONS and k != "schema_version"]
        for k in unknown:
            problems.append(f"{doc.where(k)}: unknown top-level key {k!r}; expected any of: {', '.join(SECTIONS)}")
        if doc.get("schema_version", 1) != 1:
            problems.append(f"{doc.where('schema_version')}: unsupported schema_version {doc['schema_version']!r} (expected 1)")
        if not any(k in doc for k in SECTIONS):
            problems.append(f"{doc.where()}: nothing to load: expected any of: {', '.join(SECTIONS)}")
        for section in SECTIONS:
            if section not in doc:
                continue
            items = doc[section]
            if not isinstance(items, list):
                problems.append(f"{doc.where(section)}: {section} must be a list")
                continue
            parsed_here: dict[str, list] = {}
            for item in items:
                if not isinstance(item, Node):
                    problems.append(f"{doc.where(section)}: each entry of {section} must be a mapping")
                    continue
                if section == "questions":
                    q = _parse_question(item, problems)
                    if q is not None:
                        parsed_here.setdefault(q.id, []).append(q)
                elif section == "rules":
                    r = _parse_rule(item, problems)
                    if r is not None:
                        if r.id in parsed_here:
                            problems.append(f"{item.where('id')}: duplicate rule id {r.id!r}")
                        parsed_here[r.id] = [r]
                        rules[r.id] = r
                else:
                    entry = _parse_loss(item, problems)
                    if entry is not None:
                        if entry["id"] in parsed_here:
                            problems.append(f"{item.where('id')}: duplicate loss id {entry['id']!r}")
                        parsed_here[entry["id"]] = [entry]
                        losses[entry["id"]] = _overriding(entry, losses.get(entry["id"]), layer)
            if section == "questions":
                for qid, qs in parsed_here.items():
                    # a file's entries replace every earlier entry of that id, in place
                    positions = [i for i, q in enumerate(questions) if q.id == qid]
                    if positions:
                        questions = [q for q in questions if q.id != qid]
                        for offset, q in enumerate(qs):
                            questions.insert(positions[0] + offset, q)
                    else:
                        questions.extend(qs)

    rb = RuleBase(questions=questions, rules=rules, losses=losses, sources=sources)
    if not problems:
        problems.extend(_cross_check(rb))
    if not problems:
        problems.extend(rb.coverage_problems())
    if problems:
        raise RuleBaseError(problems)
    _check_spellings(rb, docs)
    return rb


def _check_spellings(rb: RuleBase, docs: list) -> None:
    """Lint's own validation of the loss spellings (:func:`lossadvisor.lint.data.load_lint_data`
    raises RuleBaseError) when a file of ``docs`` other than the shipped ones declares
    ``spellings:``, so that `rules validate` reports what lint would refuse. Lint's tables are read
    only then (the shipped spellings are lint's own data, checked by its tests)."""
    if any(os.path.dirname(str(path)) != shipped_rules_dir() and isinstance(doc, dict)
           and isinstance(doc.get("losses"), list)
           and any(isinstance(item, dict) and "spellings" in item for item in doc["losses"])
           for path, doc in docs):
        from lossadvisor.lint.data import load_lint_data

        load_lint_data(rb=rb)


def _req(item: Node, key: str, kind: type | tuple, problems: list[str], what: str) -> Any:
    if key not in item:
        problems.append(f"{item.where()}: {what} is missing {key!r}")
        return None
    value = item[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        problems.append(f"{item.where(key)}: {what} {key!r} must be {_article(names)}")
        return None
    return value


def _article(name: str) -> str:
    plain = {"str": "text", "dict": "mapping", "list": "list", "int": "integer"}
    return " or ".join(plain.get(n, n) for n in name.split(" or "))


def _check_keys(item: Node, allowed: tuple, problems: list[str], what: str) -> None:
    for k in item:
        if k not in allowed:
            problems.append(f"{item.where(k)}: unknown key {k!r} in {what}; allowed: {', '.join(allowed)}")


def _parse_when(item: Node, key: str, problems: list[str]) -> dict:
    when = item.get(key, {}) or {}
    if not isinstance(when, dict):
        problems.append(f"{item.where(key)}: {key!r} must be a mapping of question id to value(s)")
        return {}
    out = {}
    for k, v in when.items():
        if isinstance(v, list):
            out[k] = tuple(_norm_value(x) for x in v)
        elif isinstance(v, dict):
            bad = [x for x in v if x not in ("min", "max")]
            if bad or not all(isinstance(x, int) and not isinstance(x, bool) for x in v.values()):
                problems.append(f"{item.where(key)}: condition on {k!r} must be a value, a list, or {{min, max}} integers")
            out[k] = dict(v)
        else:
            out[k] = _norm_value(v)
    return out


def _parse_question(item: Node, problems: list[str]) -> Question | None:
    what = "question"
    _check_keys(item, ("id", "prompt", "kind", "choices", "default", "min", "max", "when"), problems, what)
    qid = _req(item, "id", str, problems, what)
    prompt = _req(item, "prompt", str, problems, what)
    kind = item.get("kind", "choice")
    if kind not in QUESTION_KINDS:
        problems.append(f"{item.where('kind')}: question kind must be one of: {', '.join(QUESTION_KINDS)}")
        return None
    when = _parse_when(item, "when", problems)
    choices: list[Choice] = []
    if kind == "choice":
        raw_choices = _req(item, "choices", list, problems, what)
        for c in raw_choices or []:
            if isinstance(c, dict) and "value" in c:
                value = _norm_value(c["value"])
                if not isinstance(value, (str, int)) or isinstance(value, bool):
                    problems.append(f"{item.where('choices')}: a choice value must be text")
                    continue
                choices.append(Choice(str(value), str(c.get("help", ""))))
            elif isinstance(c, (str, bool)):
                choices.append(Choice(str(_norm_value(c))))
            else:
                problems.append(f"{item.where('choices')}: each choice is a text or a mapping with 'value'")
        values = [c.value for c in choices]
        if raw_choices is not None and not choices:
            problems.append(f"{item.where('choices')}: a choice question needs at least one choice")
        if len({v.casefold() for v in values}) != len(values):
            problems.append(f"{item.where('choices')}: duplicate choice values (choices match case-insensitively)")
    for key in ("min", "max"):
        if key in item and (not isinstance(item[key], int) or isinstance(item[key], bool)):
            problems.append(f"{item.where(key)}: {key!r} must be an integer")
    if qid is None or prompt is None:
        return None
    q = Question(
        id=qid, prompt=prompt, kind=kind, choices=tuple(choices),
        default=_norm_value(item.get("default")), min=item.get("min"), max=item.get("max"),
        when=when, where=item.where(),
    )
    if q.default is not None:
        try:
            q.parse(q.default)
        except UsageError:
            problems.append(f"{item.where('default')}: default {q.default!r} is not valid for {qid}: expected {q.describe_valid()}")
    elif qid != "task":
        problems.append(f"{item.where()}: question {qid!r} needs a default (only 'task' may go without)")
    return q


def _parse_rule(item: Node, problems: list[str]) -> Rule | None:
    what = "rule"
    _check_keys(item, ("id", "match", "output", "loss", "why", "alternatives", "warnings"), problems, what)
    rid = _req(item, "id", str, problems, what)
    match = _req(item, "match", dict, problems, what)
    output = _req(item, "output", dict, problems, what)
    loss = _req(item, "loss", dict, problems, what)
    why = _req(item, "why", str, problems, what)
    if None in (rid, match, output, loss, why):
        return None
    match = _parse_when(item, "match", problems)
    for k, v in match.items():
        if isinstance(v, dict):
            problems.append(f"{item.where('match')}: rules match choices only; {k!r} cannot use min/max")
    _check_keys(output, ("units", "activation", "heads"), problems, "output")
    units = output.get("units")
    if isinstance(units, bool) or not isinstance(units, (int, str)):
        problems.append(f"{output.where('units')}: output units must be an integer or an expression like 'classes' or '2*outputs'")
    if not isinstance(output.get("activation"), str):
        problems.append(f"{output.where()}: output needs an 'activation'")
    _check_keys(loss, ("id", "params"), problems, "loss")
    loss_id = loss.get("id")
    params = loss.get("params", {}) or {}
    if not isinstance(loss_id, str):
        problems.append(f"{loss.where()}: loss needs an 'id'")
    if not isinstance(params, dict):
        problems.append(f"{loss.where('params')}: loss params must be a mapping")
        params = {}
    alternatives = []
    for alt in item.get("alternatives", []) or []:
        if not isinstance(alt, dict) or not isinstance(alt.get("loss"), str) or not isinstance(alt.get("when"), str):
            problems.append(f"{item.where('alternatives')}: each alternative needs 'loss' and 'when' texts")
            continue
        alternatives.append({"loss": alt["loss"], "when": alt["when"], "where": alt.where() if isinstance(alt, Node) else ""})
    warnings = []
    for w in item.get("warnings", []) or []:
        if isinstance(w, str):
            warnings.append({"when": {}, "text": w})
        elif isinstance(w, Node) and isinstance(w.get("text"), str):
            warnings.append({"when": _parse_when(w, "when", problems), "text": w["text"], "where": w.where()})
        else:
            problems.append(f"{item.where('warnings')}: each warning is a text or {{when, text}}")
    return Rule(
        id=rid, match=match, output=dict(output), loss=loss_id if isinstance(loss_id, str) else "",
        params=dict(params), why=" ".join(why.split()), alternatives=tuple(alternatives),
        warnings=tuple(warnings), where=item.where(),
    )


LOSS_KEYS = (
    "id", "name", "family", "formula", "distribution", "likelihood", "statistic", "activation",
    "target_domain", "prediction_domain", "params", "from_logits", "use_when", "pitfalls",
    "frameworks", "worked_example", "alternatives_plot", "spellings", "code",
)


def _parse_loss(item: Node, problems: list[str]) -> dict | None:
    what = "loss"
    _check_keys(item, LOSS_KEYS, problems, what)
    values = {k: _req(item, k, str, problems, what) for k in ("id", "name", "formula", "distribution", "activation")}
    if None in values.values():
        return None
    entry = dict(item)
    entry["params"] = dict(item.get("params") or {})
    entry["where"] = item.where()
    frameworks = item.get("frameworks") or {}
    if not isinstance(frameworks, dict):
        problems.append(f"{item.where('frameworks')}: frameworks must map keras/pytorch/jax to a name or null")
    spellings = item.get("spellings", [])
    if not isinstance(spellings, list) or not all(isinstance(s, dict) for s in spellings):
        # each item is checked by lint, which reads them (lossadvisor/lint/data.py)
        problems.append(f"{item.where('spellings')}: spellings must be a list of mappings "
                        "(spellings, framework, input, ...)")
    return entry


#: the keys of a loss entry that name the loss: an entry that replaces another of its id keeps them
#: unless it gives its own, as the id is the same loss (an overlay that corrects a worked example
#: does not make ``mse`` or ``nn.MSELoss`` unknown)
LOSS_NAME_KEYS = ("spellings", "frameworks")


def _overriding(entry: dict, earlier: dict | None, layer: int) -> dict:
    """The catalog entry ``entry`` read from the ``layer``-th file, replacing ``earlier`` (the entry
    of its id from an earlier file, or None): with the names of ``earlier`` it does not give itself
    (:data:`LOSS_NAME_KEYS`) and its ``layer``, which decides between two losses spelled alike
    (the later file wins: :mod:`lossadvisor.names`)."""
    inherited = {key: earlier[key] for key in LOSS_NAME_KEYS if earlier is not None and key in earlier
                 and key not in entry}
    return {**entry, **inherited, "layer": layer}


def _cross_check(rb: RuleBase) -> list[str]:
    """References between the files: ids that must exist, values that must be valid."""
    problems: list[str] = []
    qids = set(rb.question_ids())
    if "task" not in qids:
        problems.append(f"{rb.sources[0] if rb.sources else '<rules>'}: no 'task' question")
    for q in rb.questions:
        for k in q.when:
            if k not in qids:
                problems.append(f"{q.where}: question {q.id!r} depends on unknown question {k!r}")
    choice_values: dict[str, set] = {}
    for q in rb.questions:
        if q.kind == "choice":
            choice_values.setdefault(q.id, set()).update(q.values)
    int_ids = {q.id for q in rb.questions if q.kind == "integer"}
    for r in rb.rules.values():
        for k, v in r.match.items():
            if k not in qids:
                problems.append(f"{r.where}: rule {r.id!r} matches on unknown question {k!r}")
            elif k in int_ids:
                problems.append(f"{r.where}: rule {r.id!r} matches on integer question {k!r}; rules match choices only")
            else:
                for value in v if isinstance(v, tuple) else (v,):
                    if value not in choice_values.get(k, ()):
                        problems.append(
                            f"{r.where}: rule {r.id!r} matches {k}={value!r}, not a choice of {k} "
                            f"({', '.join(sorted(choice_values.get(k, ())))})"
                        )
        if r.loss not in rb.losses:
            problems.append(f"{r.where}: rule {r.id!r} uses unknown loss {r.loss!r}")
        for alt in r.alternatives:
            if alt["loss"] not in rb.losses:
                problems.append(f"{alt.get('where') or r.where}: rule {r.id!r} names unknown alternative loss {alt['loss']!r}")
        for w in r.warnings:
            for k in w["when"]:
                if k not in qids:
                    problems.append(f"{w.get('where') or r.where}: warning of rule {r.id!r} depends on unknown question {k!r}")
        try:
            units_factors(r.output.get("units"), int_ids, r.params)
        except ValueError as exc:
            problems.append(f"{r.where}: rule {r.id!r}: {exc}")
        for head in r.output.get("heads", []) or []:
            if not isinstance(head, dict) or not {"name", "units", "activation"} <= set(head):
                problems.append(f"{r.where}: rule {r.id!r}: each output head needs name, units and activation")
    return problems


def units_factors(expr: Any, int_ids: Iterable[str], params: dict) -> list[tuple[str, Any]]:
    """Parse an output-units expression into (kind, name-or-number) factors.

    An expression is a product of factors joined by ``*`` (integer literals, integer answers,
    list parameters: their length), optionally followed by ``+ N`` or ``- N``, an integer
    literal added to the product (``classes - 1`` cut-points, ``classes + 1`` with a blank):
    kind ``offset``.

    >>> units_factors("classes + 1", ["classes"], {})
    [('answer', 'classes'), ('offset', 1)]
    >>> units_factors("2*outputs", ["outputs"], {})
    [('int', 2), ('answer', 'outputs')]
    """
    if isinstance(expr, int) and not isinstance(expr, bool):
        if expr < 1:
            raise ValueError(f"output units must be >= 1, not {expr}")
        return [("int", expr)]
    if not isinstance(expr, str) or not expr.strip():
        raise ValueError(f"output units must be an integer or an expression, not {expr!r}")
    product, offset = expr, []
    for sign in ("+", "-"):
        if sign in expr:
            product, _, literal = expr.rpartition(sign)
            if not literal.strip().isdigit() or not product.strip() or "+" in product or "-" in product:
                raise ValueError(f"output units {expr!r}: only one integer literal may be added or subtracted, "
                                 "at the end ('classes + 1')")
            offset = [("offset", int(literal) if sign == "+" else -int(literal))]
            break
    factors = []
    int_ids = set(int_ids)
    for part in product.split("*"):
        name = part.strip()
        if name.isdigit():
            factors.append(("int", int(name)))
        elif name in int_ids:
            factors.append(("answer", name))
        elif isinstance(params.get(name), list):
            factors.append(("param", name))
        else:
            raise ValueError(
                f"output units {expr!r}: {name!r} is not a number, an integer question "
                f"({', '.join(sorted(int_ids)) or 'none'}) or a list parameter of the loss"
            )
    return factors + offset


def evaluate_units(expr: Any, answers: dict, params: dict) -> int:
    """The number of units of ``expr`` for the answers; ValueError when it is below 1.

    >>> evaluate_units("classes - 1", {"classes": 5}, {})
    4
    """
    int_ids = [k for k, v in answers.items() if isinstance(v, int) and not isinstance(v, bool)]
    total, offset = 1, 0
    for kind, value in units_factors(expr, int_ids, params):
        if kind == "int":
            total *= value
        elif kind == "answer":
            total *= answers[value]
        elif kind == "offset":
            offset += value
        else:
            total *= len(params[value])
    if total + offset < 1:
        raise ValueError(f"output units {expr!r} come to {total + offset} for these answers; a layer needs at least 1")
    return total + offset


__all__ = [
    "Choice", "Question", "Rule", "RuleBase", "Node", "load_rulebase", "build_rulebase", "read_yaml",
    "shipped_rules_dir", "evaluate_units", "condition_matches", "conditions_match",
]


if __name__ == "__main__":  # python -m lossadvisor.rulebase: rebuild rules/compiled.json
    print(compile_shipped())
