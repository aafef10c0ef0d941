"""The rule base as reference data: explain an id or a name, list losses and rules, validate."""

from __future__ import annotations

from pathlib import Path

from lossadvisor.errors import InputError, RuleBaseError, UsageError
from lossadvisor.rulebase import RuleBase, load_rulebase
from lossadvisor.textutil import suggest

#: the families of the catalog's losses (``family:`` in rules/losses.yaml; its JSON Schema lists the same)
FAMILIES = ("regression", "binary", "multiclass", "ordinal", "segmentation", "sequence", "survival")

LOSS_FIELDS = (
    "id", "name", "family", "formula", "distribution", "likelihood", "statistic", "activation",
    "target_domain", "prediction_domain", "params", "from_logits", "use_when", "pitfalls", "frameworks",
)


def loss_entry(rb: RuleBase, loss_id: str) -> dict:
    entry = rb.losses[loss_id]
    out = {k: entry.get(k) for k in LOSS_FIELDS if k in entry}
    out["from_logits"] = bool(entry.get("from_logits", False))
    out["pitfalls"] = list(entry.get("pitfalls") or [])
    out["frameworks"] = dict(entry.get("frameworks") or {})
    out["recommended_by"] = [r.id for r in rb.rules.values() if r.loss == loss_id]
    if entry.get("worked_example"):
        out["worked_example"] = entry["worked_example"]
    return out


def rule_entry(rb: RuleBase, rule_id: str) -> dict:
    r = rb.rules[rule_id]
    return {
        "id": r.id,
        "match": {k: list(v) if isinstance(v, tuple) else v for k, v in r.match.items()},
        "specificity": r.specificity,
        "output": {k: v for k, v in r.output.items()},
        "loss": {"id": r.loss, "name": rb.losses[r.loss]["name"], "params": dict(r.params)},
        "why": r.why,
        "alternatives": [{"loss": a["loss"], "when": a["when"]} for a in r.alternatives],
        "warnings": [
            {"text": w["text"], **({"when": _plain(w["when"])} if w["when"] else {})} for w in r.warnings
        ],
        "source": r.where,
    }


def _plain(conditions: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in conditions.items()}


def activation_entry(rb: RuleBase, activation_id: str, lint_data) -> dict:
    """An activation: its output range, its names in the frameworks, the losses it pairs with
    (the catalog's activation of each) and the rules that recommend it."""
    spec = lint_data.activations[activation_id]
    return {
        "id": activation_id,
        "range": spec["range"],
        "spellings": [s for s in dict.fromkeys(spec["spellings"]) if s != activation_id],
        "losses": [loss_id for loss_id, entry in rb.losses.items() if entry.get("activation") == activation_id],
        "recommended_by": [r.id for r in rb.rules.values() if r.output.get("activation") == activation_id],
    }


def explain(rb: RuleBase, item_id: str) -> dict:
    """A loss, a rule or an activation, explained.

    Ids come first (a loss id, then a rule id); then any name of a loss (``mse``,
    ``nn.CrossEntropyLoss``, ``optax.softmax_cross_entropy``: see :mod:`lossadvisor.names`),
    then any name of an activation. A loss or activation named otherwise than by its id
    carries ``given``, the name as given (and ``by_labels`` when its meaning depends on the
    labels). A call's keyword arguments are read as the loss's parameters, shown in its
    ``params`` (``keras.losses.Huber(delta=2.0)``); any other is refused, as ``check`` does
    (:func:`lossadvisor.names.resolve_loss_call`). An unknown name suggests the nearest known one.
    """
    from lossadvisor.lint.spellings import shown_text
    from lossadvisor.names import find_activation, find_loss, loss_spellings

    if item_id in rb.losses:
        return {"kind": "loss", "loss": loss_entry(rb, item_id)}
    if item_id in rb.rules:
        return {"kind": "rule", "rule": rule_entry(rb, item_id)}
    found = find_loss(item_id, rb.losses)
    lint_data = None
    if found is None:
        from lossadvisor.lint import load_lint_data

        lint_data = load_lint_data(rb=rb)
        found = find_activation(item_id, lint_data)
    if found is not None:
        if found.kind == "loss":
            entry = loss_entry(rb, found.id)
            entry["params"] = {**entry["params"], **_named_loss(rb, item_id)[1]}
        else:
            entry = activation_entry(rb, found.id, lint_data)
        payload = {"kind": found.kind, found.kind: entry}
        if found.given != found.id:
            payload["given"] = found.given
        if found.by_labels:
            payload["by_labels"] = found.by_labels
        return payload
    known = [*rb.losses, *rb.rules, *loss_spellings(rb.losses),
             *(s for a in lint_data.activations.values() for s in a["spellings"])]
    hint = suggest(item_id, known, cutoff=0.5, fold_case=True,
                   fallback="; see 'lossadvisor losses' and 'lossadvisor rules list'")
    raise UsageError(f"unknown id '{shown_text(item_id)}': not a loss, an activation, a rule or a lint code{hint}")


def _named_loss(rb: RuleBase, name: str) -> tuple[str, dict]:
    """(the id of the loss ``name`` names, the parameters its call gives: ``Huber(delta=2.0)``)."""
    from lossadvisor.names import resolve_loss_call

    def parameters(loss_id: str) -> set:
        from lossadvisor.checks import loss_parameters  # the reference (numpy): only for a call

        return loss_parameters(loss_id, rb.losses)

    return resolve_loss_call(name, rb.losses, parameters)


def list_losses(rb: RuleBase, family: str | None = None, names=()) -> dict:
    """The catalog's losses: those ``names`` name, in their order, when given (each once), else all
    of ``family`` when given, else all. A named loss outside ``family`` is a UsageError."""
    from lossadvisor.lint.spellings import shown_text

    chosen = list(rb.losses)
    if names:
        chosen = []
        for name in names:
            loss_id, _ = _named_loss(rb, name)  # a call's arguments are read or refused as everywhere
            loss_family = rb.losses[loss_id].get("family")
            if family and loss_family != family:
                named = loss_id if name.strip() == loss_id else f"{shown_text(name.strip())} ({loss_id})"
                raise UsageError(f"{named} is not in the {family} family: it is a {loss_family or 'family-less'} "
                                 "loss; leave out --family or the name")
            chosen.append(loss_id)
    rows = []
    for loss_id in dict.fromkeys(chosen):
        entry = rb.losses[loss_id]
        if family and entry.get("family") != family:
            continue
        rows.append({
            "id": loss_id,
            "name": entry["name"],
            "family": entry.get("family"),
            "distribution": entry["distribution"],
            "activation": entry["activation"],
            "frameworks": dict(entry.get("frameworks") or {}),
        })
    return {"losses": rows}


def list_rules(rb: RuleBase) -> dict:
    rows = []
    for r in rb.rules.values():
        rows.append({
            "id": r.id,
            "match": _plain(r.match),
            "units": r.output.get("units"),
            "activation": r.output.get("activation"),
            "loss": r.loss,
            "params": dict(r.params),
        })
    return {"rules": rows, "questions": [
        {"id": q.id, "when": _plain(q.when), "kind": q.kind,
         "choices": list(q.values) if q.kind == "choice" else None,
         "min": q.min, "max": q.max, "default": q.default}
        for q in rb.questions
    ]}


def validate(paths=(), *, standalone: bool = False) -> dict:
    """Validate the shipped rule base, an overlay of it, or a standalone rule base.

    Returns {"valid", "sources", "problems", "rules", "combinations"}; a path that
    does not exist raises InputError.
    """
    for p in paths:
        if not Path(p).exists():
            raise InputError(f"{p}: no such file or folder")
    try:
        if standalone:
            rb = load_rulebase(paths[1:], base=paths[0]) if Path(paths[0]).is_dir() else \
                _standalone_files(paths)
        else:
            rb = load_rulebase(paths)
    except RuleBaseError as exc:
        return {"valid": False, "sources": [str(p) for p in paths] or ["(shipped)"],
                "problems": exc.problems, "rules": 0, "combinations": 0}
    combos = sum(1 for _ in rb.answer_sets())
    problems = rb.unreachable_rules()
    return {"valid": not problems, "sources": rb.sources, "problems": problems, "rules": len(rb.rules),
            "combinations": combos}


def _standalone_files(paths) -> RuleBase:
    from lossadvisor.rulebase import build_rulebase, read_yaml

    return build_rulebase([(p, read_yaml(p)) for p in paths])
