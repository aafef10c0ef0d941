"""Pairing lint: find output-layer / loss / label combinations that train badly.

Pure core: no click, no rich. The rules, the spellings of activations and losses
in each framework, and the Keras layer roles are data (``rules/lint.yaml``);
this module interprets them.

A model is described by a few keys (``task``, ``activation``, ``loss``,
``framework``, ``from_logits``, ``units``, ``labels``, ``classes``, ...) given by
flags, a spec file (YAML or JSON, one model or a list), or read from a Keras
model file (:mod:`lossadvisor.kerasfile`). Each is normalised into *facts*
(canonical activation, catalog loss id, what the loss takes as input, ...) and
every rule whose ``when`` holds gives a finding.

>>> from lossadvisor.lint import lint_models, ModelInput
>>> report = lint_models([ModelInput("m", {"activation": "nn.Softmax", "loss": "nn.CrossEntropyLoss"})])
>>> [f["code"] for f in report["findings"]]
['LA101']
"""

from __future__ import annotations

import ast
import difflib
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lossadvisor.errors import InputError, LossAdvisorError, RuleBaseError, UsageError
from lossadvisor.textutil import decode_text, preview, read_bytes

SEVERITIES = ("error", "warning", "info")
HEADINGS = ("What it flags", "Why it matters", "Example", "Use instead", "References")
INPUT_KINDS = ("logits", "probabilities", "log_probabilities", "rate", "log_rate", "values", "scores")
RANGES = ("real", "unit_interval", "simplex", "signed_unit", "non_negative", "positive", "non_positive",
          "lower_bounded")
LAYER_ROLES = ("units", "activation", "passthrough", "input", "model")
FRAMEWORKS = ("keras", "pytorch", "jax")
# Loss parameters lint reads (others in a spelled call, e.g. label_smoothing, are ignored).
LINT_PARAMS = ("from_logits", "reduction", "log_input")
# The facts rules may test. Computed from the input in `_facts`.
FACTS = (
    "task", "labels", "classes", "target", "framework", "units", "activation", "output_range",
    "effective_activation", "loss", "loss_family", "loss_input", "link", "logits_via", "from_logits",
    "reduction", "broadcasts_target", "target_ndim", "units_match_classes", "custom",
)
# Keys a model description may have. Question ids of the rule base are accepted too.
MODEL_KEYS = (
    "name", "task", "labels", "classes", "target", "framework", "activation", "loss", "from_logits",
    "units", "reduction", "log_input", "target_shape",
)
# Template names the computed rules fill in, besides the facts and their spellings.
EXTRA_TEMPLATE_NAMES = (
    "activation_spelling", "loss_spelling", "answers", "recommended", "rule", "current", "alternative",
    "recommend_args", "reason", "missing", "missing_flags",
)

# Module prefixes stripped from a spelling, longest first; each hints at a framework.
_PREFIXES = (
    ("torch.nn.functional.", "pytorch"), ("tf.keras.activations.", "keras"), ("tf.keras.losses.", "keras"),
    ("tf.keras.layers.", "keras"), ("keras.activations.", "keras"), ("torchvision.ops.", "pytorch"),
    ("nn.functional.", "pytorch"), ("keras.losses.", "keras"), ("keras.layers.", "keras"),
    ("optax.losses.", "jax"), ("keras.ops.", "keras"), ("tf.keras.", "keras"), ("torch.nn.", "pytorch"),
    ("jax.nn.", "jax"), ("keras.", "keras"), ("optax.", "jax"), ("torch.", "pytorch"), ("tf.nn.", None),
    ("ops.", None), ("jnp.", "jax"), ("nn.", "pytorch"), ("F.", "pytorch"),
)


# --------------------------------------------------------------------- the data


@dataclass
class LintData:
    """rules/lint.yaml, validated and indexed."""

    path: str
    activations: dict            # canonical -> {"range", "spellings"}
    activation_index: dict       # normalised spelling -> canonical
    losses: list                 # alias entries (dicts)
    loss_index: dict             # normalised spelling -> [entry, ...]
    layers: dict                 # Keras class name -> role dict
    rules: list                  # rule dicts, file order
    codes: dict                  # code -> rule


_DATA: dict[str, LintData] = {}


def lint_data_path() -> Path:
    from lossadvisor.rulebase import shipped_rules_dir

    return Path(shipped_rules_dir()) / "lint.yaml"


def load_lint_data(path: str | os.PathLike | None = None) -> LintData:
    """The lint rules (shipped ``rules/lint.yaml`` unless ``path``), parsed once per process.

    Raises RuleBaseError listing every problem ``path:line: message``.
    """
    from lossadvisor.rulebase import read_yaml

    key = str(path) if path is not None else str(lint_data_path())
    if key not in _DATA:
        _DATA[key] = build_lint_data(key, read_yaml(key))
    return _DATA[key]


def _norm_spelling(text: str) -> tuple[str, str | None]:
    """`keras.losses.BinaryCrossentropy` -> ('binarycrossentropy', 'keras')."""
    text = text.strip()
    hint = None
    changed = True
    while changed:
        changed = False
        for prefix, fw in _PREFIXES:
            if text.lower().startswith(prefix.lower()) and len(text) > len(prefix):
                text = text[len(prefix):]
                hint = hint or fw
                changed = True
                break
    return text.lower(), hint


def build_lint_data(path: str, doc: Any) -> LintData:
    problems: list[str] = []

    def where(node, key=None) -> str:
        return node.where(key) if hasattr(node, "where") else f"{path}:0"

    if not isinstance(doc, dict):
        raise RuleBaseError([f"{path}:1: expected a mapping with activations, losses, layers, rules"])
    for section in ("activations", "losses", "layers", "rules"):
        if section not in doc:
            problems.append(f"{where(doc)}: missing section {section!r}")
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
            norm, _ = _norm_spelling(str(s))
            if norm in activation_index and activation_index[norm] != name:
                problems.append(f"{where(spec)}: spelling {s!r} means both {activation_index[norm]} and {name}")
            activation_index[norm] = name

    # losses
    losses: list = []
    loss_index: dict = {}
    for entry in doc["losses"] or []:
        if not isinstance(entry, dict):
            problems.append(f"{where(doc, 'losses')}: each loss alias is a mapping")
            continue
        fw = entry.get("framework")
        fws = [fw] if isinstance(fw, str) else list(fw or [])
        if not fws or any(f not in FRAMEWORKS for f in fws):
            problems.append(f"{where(entry)}: framework must be one of {', '.join(FRAMEWORKS)} or a list of them")
        inp = entry.get("input")
        if isinstance(inp, dict):
            ok = len(inp) == 1 and all(
                isinstance(v, dict) and all(x in INPUT_KINDS for x in v.values()) for v in inp.values()
            ) and next(iter(inp)) in (entry.get("params") or {})
        else:
            ok = inp in INPUT_KINDS
        if not ok:
            problems.append(f"{where(entry, 'input')}: input must be one of {', '.join(INPUT_KINDS)} or "
                            "{param: {value: input}} for a declared param")
        if isinstance(inp, dict):
            # the YAML loader reads `true:` keys as "yes"; map them back to booleans
            inp = {param: {_bool_key(k): v for k, v in table.items()} if isinstance(table, dict) else table
                   for param, table in inp.items()}
        link = entry.get("link")
        if link is not None and link not in activations:
            problems.append(f"{where(entry, 'link')}: unknown link activation {link!r}")
        for p in entry.get("params") or {}:
            if p not in LINT_PARAMS:
                problems.append(f"{where(entry, 'params')}: param {p!r} is not one lint reads ({', '.join(LINT_PARAMS)})")
        record = {
            "spellings": [str(s) for s in entry.get("spellings") or []],
            "frameworks": fws,
            "loss": entry.get("loss"),
            "input": inp,
            "link": link,
            "params": dict(entry.get("params") or {}),
            "by_labels": dict(entry.get("by_labels") or {}),
            "broadcasts_target": bool(entry.get("broadcasts_target", False)),
            "custom": bool(entry.get("custom", False)),
            "where": where(entry),
        }
        if not record["spellings"] or not isinstance(record["loss"], str):
            problems.append(f"{where(entry)}: a loss alias needs spellings and a loss id")
            continue
        losses.append(record)
        for s in record["spellings"]:
            norm, _ = _norm_spelling(s)
            loss_index.setdefault(norm, []).append(record)

    # layers
    layers: dict = {}
    for cls, spec in (doc["layers"] or {}).items():
        if not isinstance(spec, dict) or spec.get("role") not in LAYER_ROLES:
            problems.append(f"{where(doc['layers'], cls)}: layer {cls!r} needs a role ({', '.join(LAYER_ROLES)})")
            continue
        if spec.get("activation") is not None and spec["role"] == "activation" and spec["activation"] not in activations:
            problems.append(f"{where(spec)}: layer {cls!r} names unknown activation {spec['activation']!r}")
        layers[cls] = dict(spec)

    # rules
    rules: list = []
    codes: dict = {}
    names: set = set()
    import re

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
            "at": item.get("at"), "message": " ".join(str(item.get("message", "")).split()),
            "fix": " ".join(str(item.get("fix", "")).split()),
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
    return LintData(path, activations, activation_index, losses, loss_index, layers, rules, codes)


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
    data = data or load_lint_data()
    key = str(code).strip().upper()
    rule = data.codes.get(key)
    if rule is None:
        near = difflib.get_close_matches(key, list(data.codes), n=1, cutoff=0.5)
        hint = f"; did you mean {near[0]}?" if near else f"; known codes: {', '.join(data.codes)}"
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
    import re

    return re.sub(r"\{(\w+)\}", lambda m: "<" + m.group(1).replace("_spelling", "") + ">", text)


def list_codes(data: LintData | None = None) -> list[dict]:
    """Every lint code: code, name, severity and a one-line summary."""
    data = data or load_lint_data()
    out = []
    for rule in data.rules:
        if rule["retired"]:
            continue
        out.append({"code": rule["code"], "name": rule["name"], "severity": rule["severity"],
                    "summary": rule["summary"]})
    return out


# ------------------------------------------------------------------ the input


@dataclass
class ModelInput:
    """One model to lint, before normalisation.

    ``values`` maps the keys of MODEL_KEYS (and question ids) to raw values.
    ``display`` may give how the file spells the activation / loss.
    ``notes`` are findings a reader already made: (code, {template names}).
    """

    name: str
    values: dict
    source: str | None = None
    line: int | None = None
    key_lines: dict = field(default_factory=dict)
    kind: str = "flags"
    display: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def _where(model: ModelInput, key: str | None = None) -> str:
    if model.source is None:
        return ""
    line = model.key_lines.get(key) if key else None
    line = line or model.line
    return f"{model.source}:{line}: " if line else f"{model.source}: "


def _suggest(value: str, options: Iterable[str]) -> str:
    options = list(options)
    near = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if not near:
        near = difflib.get_close_matches(value.lower(), [o.lower() for o in options], n=1, cutoff=0.6)
        if near:
            near = [next(o for o in options if o.lower() == near[0])]
    return f"; did you mean '{near[0]}'?" if near else ""


_r = preview  # bounded repr() of a user's value for messages


def _s(text: Any, limit: int = 80) -> str:
    """str() of a user's value for an error message, bounded like :func:`_r`."""
    text = str(text) if isinstance(text, str) else _r(text, limit)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text):,} characters)"


def parse_spelling(text: Any) -> tuple[str, dict]:
    """`nn.KLDivLoss(reduction="batchmean")` -> ('nn.KLDivLoss', {'reduction': 'batchmean'}).

    Keyword arguments must be literals; positional arguments are ignored.
    """
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"expected a name, got {_r(text)}")
    text = text.strip()
    if "(" not in text:
        return text, {}
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise UsageError(f"cannot read {_r(text)}: expected a name or a call like Name(key=value)") from None
    # optax style `loss_fn(logits, labels).mean()`: read the inner call
    while (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
           and node.func.attr in ("mean", "sum") and isinstance(node.func.value, ast.Call)):
        node = node.func.value
    if not isinstance(node, ast.Call):
        raise UsageError(f"cannot read {_r(text)}: expected a name or a call like Name(key=value)")
    name = ast.unparse(node.func)
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            continue
        try:
            kwargs[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            kwargs[kw.arg] = ast.unparse(kw.value)
    return name, kwargs


def lookup_activation(text: Any, data: LintData) -> str:
    """A spelling of an activation -> its canonical name (UsageError with a suggestion)."""
    if text is None:
        return "linear"
    if not isinstance(text, str):
        raise UsageError(f"the activation must be a name, got {_r(text)}")
    name, _ = parse_spelling(text) if "(" in text else (text, {})
    norm, _ = _norm_spelling(name)
    if norm in data.activation_index:
        return data.activation_index[norm]
    spellings = [s for a in data.activations.values() for s in a["spellings"]]
    raise UsageError(f"unknown activation '{_s(text)}'{_suggest(name, spellings)}; "
                     f"known: {', '.join(data.activations)}")


def lookup_loss(text: str, data: LintData, framework: str | None = None) -> tuple[dict, dict, str | None]:
    """A spelling of a loss -> (alias entry, keyword args given in the call, framework).

    The framework is the given one, the one the spelling implies, or None when
    several frameworks spell it the same way with the same meaning.
    """
    name, kwargs = parse_spelling(text)
    norm, hint = _norm_spelling(name)
    candidates = data.loss_index.get(norm, [])
    if not candidates:
        spellings = [s for e in data.losses for s in e["spellings"]]
        raise UsageError(f"unknown loss '{_s(text)}'{_suggest(name, spellings)}")
    wanted = framework or hint
    if wanted is not None:
        fitting = [e for e in candidates if wanted in e["frameworks"]]
        builtin = [e for e in fitting if not e["custom"]]
        fitting = builtin or fitting
        if not fitting:
            names = sorted({f for e in candidates for f in e["frameworks"]})
            others = [e for e in data.losses if e["loss"] == candidates[0]["loss"] and wanted in e["frameworks"]]
            alt = ", ".join(f"{e['spellings'][0]} ({_describe_input(e)})" for e in others)
            hint_text = f"; in {wanted} use {alt}" if alt else ""
            raise UsageError(f"'{text}' is a {'/'.join(names)} loss, not {wanted}{hint_text}")
        return fitting[0], kwargs, wanted
    builtin = [e for e in candidates if not e["custom"]] or candidates
    first = builtin[0]
    if all(_semantics(e) == _semantics(first) for e in builtin):
        fws = {f for e in builtin for f in e["frameworks"]}
        return first, kwargs, (next(iter(fws)) if len(fws) == 1 else None)
    options = "; ".join(f"{'/'.join(e['frameworks'])}: {_describe_input(e)}" for e in builtin)
    raise UsageError(f"'{text}' means different things in different frameworks ({options}); "
                     f"give --framework")


def _semantics(entry: dict) -> tuple:
    return (entry["loss"], json.dumps(entry["input"], sort_keys=True, default=str), entry["link"],
            json.dumps(entry["params"], sort_keys=True), entry["broadcasts_target"], entry["custom"],
            json.dumps(entry["by_labels"], sort_keys=True))


def _describe_input(entry: dict) -> str:
    inp = entry["input"]
    if isinstance(inp, dict):
        param, values = next(iter(inp.items()))
        return ", ".join(f"{v} with {param}={k}" for k, v in values.items())
    return f"takes {inp.replace('_', '-')}"


# ------------------------------------------------------------ normalisation


def _as_bool(value: Any, key: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "off"):
        return False
    raise UsageError(f"{where}{key} must be true or false, got {_r(value)}")


def _as_int(value: Any, key: str, where: str, minimum: int = 1) -> int:
    out = None
    if isinstance(value, bool):
        out = None
    elif isinstance(value, int):
        out = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        out = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        out = int(value.strip())
    if out is None or out < minimum:
        raise UsageError(f"{where}{key} must be an integer >= {minimum}, got {_r(value)}")
    return out


def _target_ndim(value: Any, where: str) -> int:
    """(N,) -> 1, (N, 1) -> 2; also [N], "N", "N,1", an integer ndim."""
    dims: list | None = None
    if isinstance(value, bool):
        dims = None
    elif isinstance(value, int):
        if 1 <= value <= 8:
            return value
    elif isinstance(value, (list, tuple)):
        dims = list(value)
    elif isinstance(value, str):
        text = value.strip().strip("()[]")
        dims = [d for d in (p.strip() for p in text.split(",")) if d]
    if not dims or len(dims) > 8 or not all(
        (isinstance(d, int) and not isinstance(d, bool) and d >= 0) or
        (isinstance(d, str) and (d.isidentifier() or d.isdigit())) or d is None for d in dims
    ):
        raise UsageError(f"{where}target_shape must look like (N,) or (N, 1), got {_r(value)}")
    return len(dims)


def _question_value(rb, qid: str, raw: Any, task: str | None, where: str) -> Any:
    context = {"task": task} if task else {}
    if task is not None and qid != "task":
        q = rb.applicable(qid, context)
        if q is None:
            scopes = " or ".join(
                ", ".join(f"{k}={'|'.join(v) if isinstance(v, tuple) else v}" for k, v in q2.when.items())
                for q2 in rb.questions_with_id(qid)
            )
            raise UsageError(f"{where}{qid}={raw} does not apply to task={task}; {qid} is for {scopes}")
        return q.parse(raw, f"task={task}")
    last_error = None
    for q in rb.questions_with_id(qid):
        try:
            return q.parse(raw)
        except UsageError as exc:
            last_error = exc
    if last_error is not None:
        if len(rb.questions_with_id(qid)) > 1:
            valid = sorted({v for q in rb.questions_with_id(qid) for v in q.values})
            raise UsageError(f"{where}invalid value '{raw}' for {qid}; choose from: {', '.join(valid)}")
        raise UsageError(f"{where}{last_error}")
    raise UsageError(f"{where}unknown key {qid!r}")


def _merge_flags(model: ModelInput, flags: dict, data: LintData) -> None:
    """Flags fill in what the model leaves out; a flag that contradicts the model is an error."""
    for key, value in flags.items():
        if value is None:
            continue
        if key not in model.values or model.values[key] is None:
            model.values[key] = value
            continue
        mine = model.values[key]
        if _same_value(key, mine, value, data, model.values.get("framework") or flags.get("framework")):
            continue
        src = model.source or "the model"
        raise UsageError(f"{src} says {key}={_show(mine)}, but the flag gives {key}={_show(value)}")


def _show(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _same_value(key: str, a: Any, b: Any, data: LintData, framework: str | None) -> bool:
    try:
        if key == "activation":
            return lookup_activation(a, data) == lookup_activation(b, data)
        if key == "loss":
            ea, ka, _ = lookup_loss(a, data, framework)
            eb, kb, _ = lookup_loss(b, data, framework)
            return ea is eb and ka == kb
        if key in ("from_logits", "log_input"):
            return _as_bool(a, key, "") == _as_bool(b, key, "")
        if key in ("units", "classes", "outputs"):
            return int(a) == int(b)
    except (LossAdvisorError, TypeError, ValueError):
        return False
    return str(a).strip().lower() == str(b).strip().lower()


def model_facts(model: ModelInput, rb, data: LintData) -> tuple[dict, dict]:
    """Normalise one model into (facts, template names). Raises UsageError on bad values."""
    v = model.values
    qids = set(rb.question_ids())
    for key in v:
        if key not in MODEL_KEYS and key not in qids:
            options = list(MODEL_KEYS) + sorted(qids - set(MODEL_KEYS))
            raise UsageError(f"{_where(model, key)}unknown key '{key}'{_suggest(str(key), options)}; "
                             f"known keys: {', '.join(options)}")
    facts: dict[str, Any] = {}
    names: dict[str, Any] = {}
    answers: dict[str, Any] = {}

    task = None
    if v.get("task") is not None:
        task = _question_value(rb, "task", v["task"], None, _where(model, "task"))
        facts["task"] = answers["task"] = task
    for qid in sorted(qids - {"task"}):
        if v.get(qid) is not None:
            value = _question_value(rb, qid, v[qid], task, _where(model, qid))
            answers[qid] = value
            if qid in FACTS:
                facts[qid] = value
    if v.get("units") is not None:
        facts["units"] = _as_int(v["units"], "units", _where(model, "units"))
    if v.get("target_shape") is not None:
        facts["target_ndim"] = _target_ndim(v["target_shape"], _where(model, "target_shape"))
    if "units" in facts and "classes" in facts:
        facts["units_match_classes"] = facts["units"] == facts["classes"]

    # activation
    if v.get("activation") is not None:
        try:
            act = lookup_activation(v["activation"], data)
        except UsageError as exc:
            raise UsageError(f"{_where(model, 'activation')}{exc}") from None
        facts["activation"] = act
        facts["output_range"] = data.activations[act]["range"]
        names["activation_spelling"] = model.display.get("activation") or str(v["activation"])

    # loss
    if v.get("loss") is not None:
        where = _where(model, "loss")
        try:
            entry, kwargs, framework = lookup_loss(v["loss"], data, facts.get("framework"))
        except UsageError as exc:
            raise UsageError(f"{where}{exc}") from None
        params = dict(entry["params"])
        # keyword args of a spelled call: read those the loss declares (a call may carry
        # others lint does not need, e.g. reduction="mean" of torchvision's focal loss);
        # from_logits on a loss without it is a misunderstanding worth an error
        given = {k: kwargs[k] for k in LINT_PARAMS if k in kwargs and (k in entry["params"] or k == "from_logits")}
        for key in LINT_PARAMS:
            if v.get(key) is not None:
                value = v[key]
                if key in given and _show(given[key]).lower() != _show(value).lower():
                    raise UsageError(f"{_where(model, key)}{key}={_show(value)} contradicts the loss "
                                     f"{v['loss']!r}")
                given[key] = value
        for key, value in given.items():
            if key not in entry["params"]:
                has = ", ".join(entry["params"]) or "none of " + "/".join(LINT_PARAMS)
                extra = ""
                if key == "from_logits":
                    extra = f" ({v['loss']} {_describe_input(entry)})"
                raise UsageError(f"{_where(model, key)}the loss '{v['loss']}' has no {key}{extra}; "
                                 f"it takes {has}")
            if key in ("from_logits", "log_input"):
                value = _as_bool(value, key, _where(model, key))
            elif key == "reduction":
                if not isinstance(value, str) or not value.strip():
                    raise UsageError(f"{_where(model, key)}reduction must be a name like mean or batchmean")
                value = value.strip().lower()
            params[key] = value
        loss_id = entry["by_labels"].get(facts.get("labels"), entry["loss"])
        facts["loss"] = loss_id
        if framework is not None:
            facts["framework"] = framework
            answers.setdefault("framework", framework)
        catalog = rb.losses.get(loss_id)
        if catalog and catalog.get("family"):
            facts["loss_family"] = catalog["family"]
        inp = entry["input"]
        if isinstance(inp, dict):
            param, table = next(iter(inp.items()))
            inp = table[params[param]]
        facts["loss_input"] = inp
        if inp in ("logits", "log_rate", "log_probabilities") and entry["link"]:
            facts["link"] = entry["link"]
        if inp == "logits":
            facts["logits_via"] = "from_logits" if "from_logits" in entry["params"] else "loss"
        if "from_logits" in params:
            facts["from_logits"] = params["from_logits"]
        if "reduction" in params:
            facts["reduction"] = params["reduction"]
        facts["broadcasts_target"] = entry["broadcasts_target"]
        facts["custom"] = entry["custom"]
        spelled = model.display.get("loss") or str(v["loss"])
        names["loss_spelling"] = spelled

    # the output the likelihood sees
    act = facts.get("activation")
    if act is not None:
        inp = facts.get("loss_input")
        if act == "linear" and inp in ("logits", "log_rate") and facts.get("link"):
            facts["effective_activation"] = facts["link"]
        elif act == "log_softmax" and inp == "log_probabilities":
            facts["effective_activation"] = "softmax"
        else:
            facts["effective_activation"] = act
    names["_answers"] = answers
    return facts, names


# ------------------------------------------------------------------- rules


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


def rule_fires(rule: dict, facts: dict) -> bool:
    if rule["computed"] or rule["retired"]:
        return False
    if not all(condition_holds(c, facts.get(k), k in facts) for k, c in rule["when"].items()):
        return False
    return not (rule["unless"] and all(condition_holds(c, facts.get(k), k in facts)
                                       for k, c in rule["unless"].items()))


class _Template(dict):
    def __missing__(self, key):
        return "?"


def _fill(text: str, values: dict) -> str:
    try:
        return text.format_map(_Template(values))
    except (ValueError, IndexError, KeyError):
        return text


def _template_values(facts: dict, names: dict) -> dict:
    out = {k: v for k, v in facts.items()}
    out.update({k: v for k, v in names.items() if not k.startswith("_")})
    if "activation_spelling" in out:
        spelled = out["activation_spelling"]
        canonical = str(facts.get("activation"))
        if canonical.replace("_", "") not in spelled.lower().replace("_", ""):
            out["activation_spelling"] = f"{spelled} ({canonical})"
    for k, v in list(out.items()):
        if isinstance(v, bool):
            out[k] = json.dumps(v)
    return out


def _finding(rule: dict, values: dict, model: ModelInput) -> dict:
    key = rule.get("at")
    line = model.key_lines.get(key) if key else None
    return {
        "code": rule["code"],
        "name": rule["name"],
        "severity": rule["severity"],
        "message": _fill(rule["message"], values),
        "fix": _fill(rule["fix"], values),
        "model": model.name,
        "source": model.source,
        "line": line or model.line,
    }


def _recommendation_finding(rb, facts: dict, names: dict, model: ModelInput, data: LintData) -> dict | None:
    """LA201: the pairing works but the rule base recommends another for the stated framing."""
    from lossadvisor.engine import recommend, resolve_answers

    if "task" not in facts or "loss" not in facts or "effective_activation" not in facts:
        return None
    given = dict(names.get("_answers") or {})
    try:
        answers, sources = resolve_answers(rb, given)
        rec = recommend(rb, answers, sources)
    except LossAdvisorError:
        return None
    if rec.heads:
        same = rec.loss == facts["loss"]
    else:
        same = rec.loss == facts["loss"] and rec.activation == facts["effective_activation"]
    if same:
        return None
    fw = facts.get("framework")
    catalog = rb.losses.get(rec.loss) or {}
    spelled = ((catalog.get("frameworks") or {}).get(fw) if fw else None) or ""
    recommended = rec.loss + (f" ({spelled})" if spelled else "")
    units = f"{rec.units} {rec.activation} unit{'s' if rec.units != 1 else ''}"
    recommended += f" on {units}" if not rec.heads else " with " + ", ".join(
        f"a {h['name']} head ({h['units']} {h['activation']})" for h in rec.heads)
    current = f"{names.get('loss_spelling', facts['loss'])} on a {facts['effective_activation']} output"
    if facts["effective_activation"] != facts.get("activation"):
        current += f" (the loss applies {facts['effective_activation']} to the model's linear output)"
    alternative = ""
    for alt in rec.alternatives:
        if alt["loss"] == facts["loss"]:
            alternative = f" The rule lists {alt['loss']} as an alternative when {alt['when']}."
            break
    shown = ", ".join(
        f"{k}={v}" + (" (default)" if sources.get(k) == "default" else "")
        for k, v in answers.items() if k in given or k in ("labels",)
    )
    args = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in answers.items() if k in given)
    values = _template_values(facts, names)
    values.update(answers=shown, recommended=recommended, rule=rec.rule, current=current,
                  alternative=alternative, recommend_args=args)
    return _finding(data.codes["LA201"], values, model)


def lint_model(model: ModelInput, rb, data: LintData) -> tuple[list[dict], dict]:
    """Findings and facts of one model."""
    facts, names = model_facts(model, rb, data)
    values = _template_values(facts, names)
    findings: list[dict] = []
    noted = set()
    for code, context in model.notes:
        rule = data.codes[code]
        vals = dict(values)
        vals.update(context)
        findings.append(_finding(rule, vals, model))
        noted.add(code)
    for rule in data.rules:
        if rule_fires(rule, facts):
            findings.append(_finding(rule, values, model))
    missing = []
    if "activation" not in facts and "LA302" not in noted:
        missing.append(("output activation", "--activation"))
    if "loss" not in facts and "LA301" not in noted:
        missing.append(("loss", "--loss"))
    if missing:
        vals = dict(values)
        vals["missing"] = " and ".join(m for m, _ in missing)
        vals["missing_flags"] = " and ".join(f for _, f in missing)
        findings.append(_finding(data.codes["LA303"], vals, model))
    if not any(f["severity"] in ("error", "warning") for f in findings):
        rec = _recommendation_finding(rb, facts, names, model, data)
        if rec is not None:
            findings.append(rec)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (order[f["severity"]], f["code"]))
    return findings, facts


def lint_models(models: list[ModelInput], *, flags: dict | None = None, rb=None,
                data: LintData | None = None) -> dict:
    """Lint every model; flags fill in what each model leaves out.

    Returns the `lint --format json` payload: findings, clean, models, summary.
    """
    if rb is None:
        from lossadvisor.rulebase import load_rulebase

        rb = load_rulebase()
    data = data or load_lint_data()
    if not models:
        raise UsageError("nothing to lint: give a spec file, a Keras model file, or flags such as "
                         "--activation and --loss")
    findings: list[dict] = []
    reports = []
    for model in models:
        _merge_flags(model, dict(flags or {}), data)
        found, facts = lint_model(model, rb, data)
        findings.extend(found)
        reports.append({
            "name": model.name, "source": model.source, "line": model.line, "kind": model.kind,
            "facts": facts, "clean": not found, "findings": len(found),
        })
    summary = {"models": len(models)}
    for s in SEVERITIES:
        summary[s] = sum(1 for f in findings if f["severity"] == s)
    return {"findings": findings, "clean": not findings, "models": reports, "summary": summary}


# --------------------------------------------------------------- spec files


def read_inputs(paths: Iterable[str], data: LintData | None = None) -> list[ModelInput]:
    """Every model of every file: spec files (YAML/JSON), `.keras` archives, `model.to_json()` JSON."""
    models: list[ModelInput] = []
    for path in paths:
        models.extend(read_input(path, data))
    return models


def read_input(path: str, data: LintData | None = None) -> list[ModelInput]:
    from lossadvisor import kerasfile

    p = Path(path)
    if p.is_dir():
        if (p / "config.json").is_file() and p.suffix == ".keras":
            return kerasfile.read_keras(path, data or load_lint_data())
        raise InputError(f"{path}: is a folder; give spec files or Keras model files")
    suffix = p.suffix.lower()
    if suffix in (".keras", ".h5", ".hdf5"):
        return kerasfile.read_keras(path, data or load_lint_data())
    raw = read_bytes(path)
    if suffix == ".json":
        text = decode_text(raw, path)
        try:
            doc = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        except ValueError as exc:
            raise InputError(f"{path}: {exc}") from None
        except RecursionError:
            raise InputError(f"{path}: invalid JSON: nested too deeply") from None
        if kerasfile.looks_like_keras_config(doc):
            return kerasfile.models_from_config(doc, path, data or load_lint_data())
        return _spec_models(doc, path)
    if suffix in (".yaml", ".yml"):
        from lossadvisor.rulebase import read_yaml

        text = decode_text(raw, path)
        try:
            doc = read_yaml(path, text)
        except RuleBaseError as exc:
            raise InputError(str(exc.problems[0]) if exc.problems else str(exc)) from None
        except RecursionError:
            raise InputError(f"{path}: YAML nested too deeply") from None
        return _spec_models(doc, path)
    if raw[:4] == b"PK\x03\x04":
        return kerasfile.read_keras(path, data or load_lint_data())
    raise InputError(f"{path}: unknown kind of file; expected a spec (.yaml, .yml, .json), a .keras "
                     "archive or the JSON of model.to_json()")


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
                                 f"{_r(val)}")
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


__all__ = [
    "HEADINGS",
    "SEVERITIES",
    "LintData",
    "ModelInput",
    "condition_holds",
    "explain_code",
    "lint_model",
    "lint_models",
    "list_codes",
    "load_lint_data",
    "lookup_activation",
    "lookup_loss",
    "model_facts",
    "parse_spelling",
    "read_input",
    "read_inputs",
    "rule_fires",
]
