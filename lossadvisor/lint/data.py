"""The lint data: ``rules/lint.yaml`` and the loss catalog's spellings, validated and indexed.

``rules/lint.yaml`` holds the activations (range and spellings), the task a model
implies by itself, the Keras layer roles and the rules (the LA codes with their
explanations, whose ``when``/``unless`` conditions :func:`conditions_hold` interprets). The spellings of a
loss are part of its catalog entry (``spellings:`` in ``rules/losses.yaml``, or
in a ``--rules`` overlay), so lint understands every loss of the rule base in use.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from lossadvisor.errors import RuleBaseError, UsageError
from lossadvisor.lint.spellings import FRAMEWORKS, INPUT_KINDS, LAYOUTS, LINT_PARAMS, LintData, norm_spelling
from lossadvisor.textutil import suggest

SEVERITIES = ("error", "warning", "info")
HEADINGS = ("What it flags", "Why it matters", "Example", "Use instead", "References")
# near_non_negative: never below -0.31 (GELU, SiLU, Mish); lower_bounded: a floor of -1 or lower (ELU, SELU)
RANGES = ("real", "unit_interval", "simplex", "signed_unit", "non_negative", "positive", "non_positive",
          "lower_bounded", "near_non_negative")
LAYER_ROLES = ("units", "activation", "passthrough", "input", "model")
# PyTorch module roles (the `modules:` section): wrapper = wraps the module given first (DataParallel)
MODULE_ROLES = ("units", "activation", "passthrough", "wrapper")
# What the `datasets:` section may say of a set's labels: a `labels` answer and the label array's shape
DATASET_LABELS = ("integer", "one_hot", "probabilities", "zero_one", "plus_minus_one")
DATASET_SHAPES = ("(N,)", "(N, 1)")
# The parts of a model a reader's note may stand in for (a rule's `covers:`, a note's `_covers`)
COVERED_PARTS = ("activation", "loss")
# The facts rules may test. Computed from the input in `lossadvisor.lint.facts.model_facts`.
FACTS = (
    "task", "labels", "classes", "target", "framework", "units", "activation", "output_range",
    "effective_activation", "loss", "loss_family", "loss_input", "link", "logits_via", "from_logits",
    "reduction", "broadcasts_target", "target_ndim", "units_match_classes", "custom",
    # the structured-target families (rules/lint.yaml LA129-LA133)
    "blank", "blank_clash", "layout", "loss_layout", "label_start", "batch_size", "event_rate",
    "no_event_batch_chance", "class_weight",
)
# The facts a model states (a flag, a spec key or a Keras file), each with how a rule that
# could not be applied for its lack says so, and the input key that gives it.
STATED_FACTS = {
    "task": ("no task given", "task"),
    "labels": ("no label format given", "labels"),
    "classes": ("no class count given", "classes"),
    "target": ("no target kind given", "target"),
    "framework": ("no framework given", "framework"),
    "units": ("no output units given", "units"),
    "target_ndim": ("no target shape given", "target_shape"),
    "activation": ("no readable output activation", "activation"),
    "loss": ("no readable loss", "loss"),
    "layout": ("no output layout given", "layout"),
    "label_start": ("no first label given", "label_start"),
    "batch_size": ("no batch size given", "batch_size"),
    "event_rate": ("no event rate given", "event_rate"),
    "class_weight": ("no class_weight use given", "class_weight"),
}
# The facts computed from stated ones: absent when the stated facts are known, such a fact does
# not apply (a loss without from_logits); absent when one of them is missing, it is unknown.
DERIVED_FACTS = {
    "output_range": ("activation",),
    "effective_activation": ("activation", "loss"),   # a loss applies its link to a linear output
    "loss_family": ("loss",),
    "loss_input": ("loss",),
    "link": ("loss",),
    "logits_via": ("loss",),
    "from_logits": ("loss",),
    "reduction": ("loss",),
    "broadcasts_target": ("loss",),
    "custom": ("loss",),
    "units_match_classes": ("units", "classes"),
    "blank": ("loss",),                                  # the blank index of a CTC loss
    "blank_clash": ("loss", "units", "label_start"),     # the blank is a real class
    "loss_layout": ("loss",),                            # the layout the loss requires
    "no_event_batch_chance": ("batch_size", "event_rate"),
}
# Template names the computed rules fill in, besides the facts and their spellings.
EXTRA_TEMPLATE_NAMES = (
    "activation_spelling", "loss_spelling", "answers", "recommended", "rule", "current", "alternative",
    "recommend_args", "reason", "missing", "missing_flags", "no_event_batch_percent",
)



def condition_holds(condition: Any, value: Any, known: bool) -> bool:
    """One `when`/`unless` condition against one fact (see rules/lint.yaml)."""
    if isinstance(condition, list):
        if not known:
            return None in condition
        return value in condition
    if not known:
        return False
    if isinstance(condition, dict):
        if "not" in condition:
            banned = condition["not"]
            banned = banned if isinstance(banned, list) else [banned]
            return value not in banned
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        lo, hi = condition.get("min"), condition.get("max")
        return (lo is None or value >= lo) and (hi is None or value <= hi)
    return value == condition


def conditions_hold(when: dict, unless: dict, facts: dict) -> bool:
    """Every condition of ``when`` holds on ``facts`` and not every one of ``unless`` does."""
    if not all(condition_holds(c, facts.get(k), k in facts) for k, c in when.items()):
        return False
    return not (unless and all(condition_holds(c, facts.get(k), k in facts) for k, c in unless.items()))


class _Template(dict):
    def __missing__(self, key):
        return "?"


def fill_template(text: str, values: dict) -> str:
    """A message, fix or reason of rules/lint.yaml with its {names} filled in (``?`` for an unknown one)."""
    try:
        return text.format_map(_Template(values))
    except (ValueError, IndexError, KeyError):
        return text


_TABLES: dict[str, LintData] = {}   # lint.yaml path -> its tables, without loss spellings
_DATA: dict[str, LintData] = {}     # lint.yaml path -> with the shipped catalog's loss spellings


def lint_data_path() -> Path:
    from lossadvisor.rulebase import shipped_rules_dir

    return Path(shipped_rules_dir()) / "lint.yaml"


def load_lint_data(path: str | os.PathLike | None = None, rb=None) -> LintData:
    """The lint data: ``path`` (the shipped ``rules/lint.yaml`` unless given) with the loss
    spellings of ``rb``'s catalog (the shipped rule base unless given).

    The file is parsed once per process. Raises RuleBaseError listing every problem
    ``path:line: message``.
    """
    from lossadvisor.rulebase import load_rulebase

    key = str(path) if path is not None else str(lint_data_path())
    tables = _load_tables(key)
    shipped = load_rulebase()
    if rb is not None and rb is not shipped:
        return with_loss_spellings(tables, rb.losses)
    if key not in _DATA:
        _DATA[key] = with_loss_spellings(tables, shipped.losses)
    return _DATA[key]


def _load_tables(path: str) -> LintData:
    """A lint.yaml's own tables (no loss spellings), parsed once per process."""
    from lossadvisor.rulebase import read_yaml

    if path not in _TABLES:
        _TABLES[path] = _lint_tables(path, read_yaml(path))
    return _TABLES[path]


def build_lint_data(path: str, doc: Any, catalog: dict | None = None) -> LintData:
    """Validate a parsed lint.yaml ``doc`` and add the loss spellings of ``catalog``
    (loss id -> catalog entry; the shipped catalog unless given)."""
    return with_loss_spellings(_lint_tables(path, doc), catalog)


def with_loss_spellings(tables: LintData, catalog: dict | None) -> LintData:
    """``tables`` with the spellings of every loss of ``catalog``, in the order lint consults
    them: built-ins before custom code, then by framework (FRAMEWORKS), then catalog order."""
    if catalog is None:
        from lossadvisor.rulebase import load_rulebase

        catalog = load_rulebase().losses
    problems: list[str] = []
    losses: list = []
    for loss_id, entry in catalog.items():
        items = entry.get("spellings") or []
        if not isinstance(items, list):
            problems.append(f"{entry.get('where')}: spellings of {loss_id!r} must be a list")
            continue
        for item in items:
            record = _loss_spelling(item, loss_id, entry.get("where"), tables.activations, problems)
            if record is not None:
                losses.append(record)
    if problems:
        raise RuleBaseError(problems)

    def rank(record: dict) -> tuple:
        return record["custom"], FRAMEWORKS.index(record["frameworks"][0])

    losses.sort(key=rank)
    loss_index: dict = {}
    for record in losses:
        for s in record["spellings"]:
            norm, _ = norm_spelling(s)
            loss_index.setdefault(norm, []).append(record)
    return replace(tables, losses=losses, loss_index=loss_index, catalog=catalog)


def _where(node: Any, fallback: str, key: str | None = None) -> str:
    return node.where(key) if hasattr(node, "where") else fallback


def _loss_spelling(item: Any, loss_id: str, entry_where: str, activations: dict, problems: list) -> dict | None:
    """One item of a catalog entry's ``spellings:``, validated; None when it is unusable."""
    if not isinstance(item, dict):
        problems.append(f"{entry_where}: each spelling of {loss_id!r} is a mapping")
        return None
    here = _where(item, entry_where)
    count = len(problems)
    if "loss" in item:
        problems.append(f"{_where(item, entry_where, 'loss')}: a spelling of {loss_id!r} takes its loss id "
                        "from its catalog entry; remove `loss:`")
    fw = item.get("framework")
    fws = [fw] if isinstance(fw, str) else list(fw or [])
    if not fws or any(f not in FRAMEWORKS for f in fws):
        problems.append(f"{here}: framework must be one of {', '.join(FRAMEWORKS)} or a list of them")
    inp = item.get("input")
    if isinstance(inp, dict):
        ok = len(inp) == 1 and all(
            isinstance(v, dict) and all(x in INPUT_KINDS for x in v.values()) for v in inp.values()
        ) and next(iter(inp)) in (item.get("params") or {})
    else:
        ok = inp in INPUT_KINDS
    if not ok:
        problems.append(f"{_where(item, entry_where, 'input')}: input must be one of {', '.join(INPUT_KINDS)} or "
                        "{param: {value: input}} for a declared param")
    if isinstance(inp, dict):
        # the YAML loader reads `true:` keys as "yes"; map them back to booleans
        inp = {param: {_bool_key(k): v for k, v in table.items()} if isinstance(table, dict) else table
               for param, table in inp.items()}
    link = item.get("link")
    if link is not None and link not in activations:
        problems.append(f"{_where(item, entry_where, 'link')}: unknown link activation {link!r}")
    for p in item.get("params") or {}:
        if p not in LINT_PARAMS:
            problems.append(f"{_where(item, entry_where, 'params')}: param {p!r} is not one lint reads "
                            f"({', '.join(LINT_PARAMS)})")
    if item.get("layout") is not None and item["layout"] not in LAYOUTS:
        problems.append(f"{_where(item, entry_where, 'layout')}: layout must be one of {', '.join(LAYOUTS)}")
    label_start = item.get("label_start")
    if label_start is not None and (isinstance(label_start, bool) or not isinstance(label_start, int)
                                    or label_start < 0):
        problems.append(f"{_where(item, entry_where, 'label_start')}: label_start must be an integer >= 0")
    spellings = [str(s) for s in item.get("spellings") or []]
    if not spellings:
        problems.append(f"{here}: a spelling of {loss_id!r} needs a list of spellings")
    if len(problems) > count:
        return None
    return {
        "spellings": spellings,
        "frameworks": fws,
        "loss": loss_id,
        "input": inp,
        "link": link,
        "params": dict(item.get("params") or {}),
        "by_labels": dict(item.get("by_labels") or {}),
        "broadcasts_target": bool(item.get("broadcasts_target", False)),
        "custom": bool(item.get("custom", False)),
        "layout": item.get("layout"),
        "label_start": label_start,
        "where": here,
    }


def _lint_tables(path: str, doc: Any) -> LintData:
    """rules/lint.yaml validated: activations, layers and rules (the loss spellings come later)."""
    problems: list[str] = []

    def where(node, key=None) -> str:
        return _where(node, f"{path}:0", key)

    if not isinstance(doc, dict):
        raise RuleBaseError([f"{path}:1: expected a mapping with activations, layers, rules"])
    for section in ("activations", "layers", "rules"):
        if section not in doc:
            problems.append(f"{where(doc)}: missing section {section!r}")
    if "losses" in doc:
        problems.append(f"{where(doc, 'losses')}: the spellings of a loss belong to its catalog entry "
                        "(`spellings:` in rules/losses.yaml), not to lint.yaml")
    if problems:
        raise RuleBaseError(problems)

    # activations
    activations: dict = {}
    activation_index: dict = {}
    for name, spec in (doc["activations"] or {}).items():
        if not isinstance(spec, dict) or spec.get("range") not in RANGES:
            problems.append(f"{where(doc['activations'], name)}: activation {name!r} needs a range ({', '.join(RANGES)})")
            continue
        spellings = [name, *(spec.get("spellings") or [])]
        activations[name] = {"range": spec["range"], "spellings": spellings}
        for s in spellings:
            norm, _ = norm_spelling(str(s))
            if norm in activation_index and activation_index[norm] != name:
                problems.append(f"{where(spec)}: spelling {s!r} means both {activation_index[norm]} and {name}")
            activation_index[norm] = name

    # implies_task (optional: without it no task is assumed)
    implied_tasks: list = []
    for item in doc.get("implies_task") or []:
        w = where(item)
        if not isinstance(item, dict) or not isinstance(item.get("task"), str) or not isinstance(item.get("when"), dict) \
                or not item["when"] or not isinstance(item.get("because"), str) or not item["because"].strip():
            problems.append(f"{w}: each implies_task entry needs a task, a `when` and a `because` text")
            continue
        for key in ("when", "unless"):
            cond = item.get(key) or {}
            if not isinstance(cond, dict):
                problems.append(f"{w}: implies_task: {key} must map facts to conditions")
                continue
            for fact in cond:
                if fact not in FACTS or fact == "task":
                    problems.append(f"{w}: implies_task: {key} tests {fact!r}, not a fact that implies a task")
        for ref in re.findall(r"\{(\w+)\}", item["because"]):
            if ref not in FACTS and ref != "loss_spelling":
                problems.append(f"{w}: implies_task: because uses unknown name {{{ref}}}")
        implied_tasks.append({"task": item["task"], "when": dict(item["when"]),
                              "unless": dict(item.get("unless") or {}), "because": item["because"]})

    # layers
    layers: dict = {}
    for cls, spec in (doc["layers"] or {}).items():
        if not isinstance(spec, dict) or spec.get("role") not in LAYER_ROLES:
            problems.append(f"{where(doc['layers'], cls)}: layer {cls!r} needs a role ({', '.join(LAYER_ROLES)})")
            continue
        if spec.get("activation") is not None and spec["role"] == "activation" and spec["activation"] not in activations:
            problems.append(f"{where(spec)}: layer {cls!r} names unknown activation {spec['activation']!r}")
        arguments = spec.get("arguments", [])
        if not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments):
            problems.append(f"{where(spec)}: layer {cls!r}: arguments must be a list of parameter names")
        if spec.get("default_activation") is not None and spec["default_activation"] not in activations:
            problems.append(f"{where(spec)}: layer {cls!r} names unknown default_activation "
                            f"{spec['default_activation']!r}")
        layers[cls] = dict(spec)

    # modules (optional: PyTorch module classes for the script reader)
    modules: dict = {}
    for cls, spec in (doc.get("modules") or {}).items():
        if not isinstance(spec, dict) or spec.get("role") not in MODULE_ROLES:
            problems.append(f"{where(doc['modules'], cls)}: module {cls!r} needs a role ({', '.join(MODULE_ROLES)})")
            continue
        units = spec.get("units")
        if units is not None and units != "input" and not (
                isinstance(units, list) and len(units) == 2 and isinstance(units[0], str)
                and isinstance(units[1], int) and not isinstance(units[1], bool) and units[1] >= 0):
            problems.append(f"{where(spec)}: module {cls!r}: units must be [argument name, position] or input")
        if spec["role"] == "activation" and spec.get("activation") not in activations:
            problems.append(f"{where(spec)}: module {cls!r} names unknown activation {spec.get('activation')!r}")
        modules[cls] = dict(spec)

    # datasets (optional: the labels of keras.datasets sets, for the script reader)
    datasets: dict = {}
    for name, spec in (doc.get("datasets") or {}).items():
        classes = spec.get("classes") if isinstance(spec, dict) else None
        if not isinstance(spec, dict) or spec.get("labels") not in DATASET_LABELS or not (
                isinstance(classes, int) and not isinstance(classes, bool) and classes >= 2) \
                or spec.get("target_shape", "(N,)") not in DATASET_SHAPES:
            problems.append(f"{where(doc['datasets'], name)}: dataset {name!r} needs labels "
                            f"({', '.join(DATASET_LABELS)}), classes (an integer >= 2) and an optional "
                            f"target_shape ({' or '.join(DATASET_SHAPES)})")
            continue
        datasets[name] = dict(spec)

    # rules
    rules: list = []
    codes: dict = {}
    names: set = set()
    known_names = set(FACTS) | set(EXTRA_TEMPLATE_NAMES)
    for item in doc["rules"] or []:
        if not isinstance(item, dict):
            problems.append(f"{where(doc, 'rules')}: each rule is a mapping")
            continue
        w = where(item)
        code = item.get("code")
        if not isinstance(code, str) or not re.fullmatch(r"LA\d{3}", code):
            problems.append(f"{w}: code must be LA followed by three digits, not {code!r}")
            continue
        if code in codes:
            problems.append(f"{w}: duplicate code {code}")
        name = item.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
            problems.append(f"{w}: {code}: name must be kebab-case, not {name!r}")
        elif name in names:
            problems.append(f"{w}: {code}: duplicate name {name!r}")
        names.add(name)
        if item.get("severity") not in SEVERITIES:
            problems.append(f"{w}: {code}: severity must be one of {', '.join(SEVERITIES)}")
        for key in ("summary", "message", "fix"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                problems.append(f"{w}: {code}: needs a {key} text")
            else:
                for ref in re.findall(r"\{(\w+)\}", item[key]):
                    if ref not in known_names:
                        problems.append(f"{w}: {code}: {key} uses unknown name {{{ref}}}")
        computed = bool(item.get("computed"))
        variants = _variants(item.get("variants"), f"{w}: {code}", known_names, problems)
        for key in ("when", "unless"):
            cond = item.get(key)
            if cond is None:
                continue
            if not isinstance(cond, dict):
                problems.append(f"{w}: {code}: {key} must map facts to conditions")
                continue
            for fact in cond:
                if fact not in FACTS:
                    problems.append(f"{w}: {code}: {key} tests unknown fact {fact!r}")
        if not computed and not item.get("when"):
            problems.append(f"{w}: {code}: needs `when` (or `computed: true`)")
        if item.get("covers") is not None and (not computed or item["covers"] not in COVERED_PARTS):
            problems.append(f"{w}: {code}: covers names the part a computed rule's note stands in for: "
                            f"{' or '.join(COVERED_PARTS)}, not {item['covers']!r}")
        expl = item.get("explanation")
        if not isinstance(expl, dict):
            problems.append(f"{w}: {code}: needs an explanation with {', '.join(HEADINGS)}")
        else:
            for h in HEADINGS:
                value = expl.get(h)
                if h == "References":
                    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                        problems.append(f"{w}: {code}: explanation needs References as a list of texts")
                elif not isinstance(value, str) or not value.strip():
                    problems.append(f"{w}: {code}: explanation needs a {h!r} text")
            for h in expl:
                if h not in HEADINGS:
                    problems.append(f"{w}: {code}: unknown explanation heading {h!r}; use {', '.join(HEADINGS)}")
        rule = {
            "code": code, "name": name, "severity": item.get("severity"),
            "when": dict(item.get("when") or {}), "unless": dict(item.get("unless") or {}),
            "computed": computed, "retired": bool(item.get("retired", False)),
            "at": item.get("at"), "covers": item.get("covers"), "message": " ".join(str(item.get("message", "")).split()),
            "fix": " ".join(str(item.get("fix", "")).split()), "variants": variants,
            "summary": " ".join(str(item.get("summary", "")).split()),
            "explanation": _clean_explanation(expl) if isinstance(expl, dict) else {},
            "where": w,
        }
        rules.append(rule)
        codes[code] = rule
    for required in ("LA201", "LA301", "LA302", "LA303"):
        if required not in codes:
            problems.append(f"{path}: the computed rule {required} is missing")
    if problems:
        raise RuleBaseError(problems)
    return LintData(path, activations, activation_index, [], {}, layers, rules, codes, implied_tasks,
                    modules=modules, datasets=datasets)


def _variants(value: Any, where: str, known_names: set, problems: list) -> list[dict]:
    """A rule's ``variants:`` (its message and fix where other facts hold), validated into
    ``[{"when", "message", "fix"}]``; a variant without a message or fix keeps the rule's."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}: variants must be a list of mappings with when, message and fix")
        return []
    out = []
    for i, variant in enumerate(value, 1):
        cond = variant.get("when") if isinstance(variant, dict) else None
        if not isinstance(cond, dict) or not cond:
            problems.append(f"{where}: variant {i} needs `when`, a mapping of facts to conditions")
            continue
        for fact in cond:
            if fact not in FACTS:
                problems.append(f"{where}: variant {i} tests unknown fact {fact!r}")
        texts = {}
        for key in ("message", "fix"):
            text = variant.get(key)
            if text is None:
                continue
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{where}: variant {i}: {key} must be a text")
                continue
            for ref in re.findall(r"\{(\w+)\}", text):
                if ref not in known_names:
                    problems.append(f"{where}: variant {i}: {key} uses unknown name {{{ref}}}")
            texts[key] = " ".join(text.split())
        if not texts:
            problems.append(f"{where}: variant {i} gives neither a message nor a fix")
        out.append({"when": dict(cond), **texts})
    return out


def rule_texts(rule: dict, facts: dict) -> tuple[str, str]:
    """The message and fix templates of ``rule`` for a model's facts: those of its first variant
    whose ``when`` holds, each falling back to the rule's own."""
    for variant in rule.get("variants", ()):
        if conditions_hold(variant["when"], {}, facts):
            return variant.get("message", rule["message"]), variant.get("fix", rule["fix"])
    return rule["message"], rule["fix"]


def _bool_key(key: Any) -> Any:
    text = str(key).lower()
    if text in ("yes", "true"):
        return True
    if text in ("no", "false"):
        return False
    return key


def _clean_explanation(expl: dict) -> dict:
    out = {}
    for h in HEADINGS:
        value = expl.get(h)
        if h in ("Example", "Use instead"):
            out[h] = str(value or "").rstrip("\n")
        elif h == "References":
            out[h] = [str(v) for v in value or []]
        else:
            out[h] = " ".join(str(value or "").split())
    return out


# ------------------------------------------------------------ explain / list


def explain_code(code: str, data: LintData | None = None) -> dict:
    """A lint code with its explanation under the fixed headings.

    Unknown code -> UsageError suggesting the nearest known code.
    """
    data = data or _load_tables(str(lint_data_path()))
    key = str(code).strip().upper()
    rule = data.codes.get(key)
    if rule is None:
        hint = suggest(key, data.codes, cutoff=0.5, quote="", fallback=f"; known codes: {', '.join(data.codes)}")
        raise UsageError(f"unknown lint code {code}{hint}")
    return {
        "code": rule["code"],
        "name": rule["name"],
        "severity": rule["severity"],
        "summary": rule["summary"],
        # the templates, with the names they fill in shown as <name>
        "message": _placeholders(rule["message"]),
        "fix": _placeholders(rule["fix"]),
        "explanation": {h: (list(v) if isinstance(v, list) else v) for h, v in rule["explanation"].items()},
    }


def _placeholders(text: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "<" + m.group(1).replace("_spelling", "") + ">", text)


def list_codes(data: LintData | None = None) -> list[dict]:
    """Every lint code: code, name, severity and a one-line summary."""
    data = data or _load_tables(str(lint_data_path()))
    out = []
    for rule in data.rules:
        if rule["retired"]:
            continue
        out.append({"code": rule["code"], "name": rule["name"], "severity": rule["severity"],
                    "summary": rule["summary"]})
    return out
