"""The checks: every rule whose ``when`` holds on a model's facts gives a finding (an LA code).

Besides the rules of ``rules/lint.yaml`` decided by ``when``/``unless``, the
computed ones are decided here: LA201 (the rule base recommends another pairing
for the stated framing) and LA303 (the activation or loss is missing); LA301 and
LA302 come as notes from the Keras reader.
"""

from __future__ import annotations

import json
from typing import Any

from lossadvisor.errors import LossAdvisorError, UsageError
from lossadvisor.lint.data import SEVERITIES, load_lint_data
from lossadvisor.lint.facts import merge_flags, model_facts
from lossadvisor.lint.spellings import LintData, ModelInput


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

    ``data`` defaults to rules/lint.yaml with the loss spellings of ``rb``'s catalog.
    Returns the `lint --format json` payload: findings, clean, models, summary.
    """
    if rb is None:
        from lossadvisor.rulebase import load_rulebase

        rb = load_rulebase()
    data = data or load_lint_data(rb=rb)
    if not models:
        raise UsageError("nothing to lint: give a spec file, a Keras model file, or flags such as "
                         "--activation and --loss")
    findings: list[dict] = []
    reports = []
    for model in models:
        merge_flags(model, dict(flags or {}), data)
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
