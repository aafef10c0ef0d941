"""The checks: every rule whose ``when`` holds on a model's facts gives a finding (an LA code).

Besides the rules of ``rules/lint.yaml`` decided by ``when``/``unless``, the
computed ones are decided here: LA201 (the rule base recommends another pairing
for the stated framing) and LA303 (the activation or loss is missing); LA301,
LA302 and LA304 come as notes from the readers (Keras files, scripts). A note stands in
for the part its rule ``covers`` (rules/lint.yaml: LA301 the loss, LA302 the activation)
or, when the note says so, for its own ``_covers`` (LA304, whose part varies).

A model whose missing parts all stand in for info notes (LA304: a script's wiring the reader
could not follow, which is no mistake of the user's) is *not followed*: never clean, but not
"nothing checked" either (exit 0).

Which codes run is the user's choice (``--select`` / ``--ignore``, :func:`code_filter`), and a
script silences a finding with a ``# lossadvisor: noqa[: CODES]`` comment on a line it points to
or on the model's own line (the call that joins prediction and loss).

A rule that does not fire is either decided (a known fact rules it out) or not
applied: it lacks a stated fact (labels, classes, ...) that could make it fire.
Those are reported, so that a clean result says what it did not check.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from lossadvisor.errors import LossAdvisorError, OptionError, UsageError
from lossadvisor.lint.data import (
    COVERED_PARTS,
    DERIVED_FACTS,
    SEVERITIES,
    STATED_FACTS,
    condition_holds,
    conditions_hold,
    fill_template,
    load_lint_data,
    rule_texts,
)
from lossadvisor.lint.facts import merge_flags, model_facts
from lossadvisor.lint.pysource import silenced
from lossadvisor.lint.spellings import LintData, ModelInput, norm_spelling
from lossadvisor.textutil import suggest

ALL_CODES = "ALL"                    # --select ALL / --ignore ALL
CODE_OPTIONS = ("--select", "--ignore")   # how errors name the two options (the API: select=, ignore=)
LOOK_ALIKE_DIGITS = str.maketrans("OI", "01")    # letters typed for the digits they look like
LOCATED_PARTS = ("activation", "loss")   # the parts of a model a finding's `locations` give


def rule_fires(rule: dict, facts: dict) -> bool:
    if rule["computed"] or rule["retired"]:
        return False
    return conditions_hold(rule["when"], rule["unless"], facts)


def missing_facts(rule: dict, facts: dict, possible: dict | None = None) -> list[str] | None:
    """The stated facts a rule lacks to be decided: None when it is decided on the known facts
    (it fires, or a known fact rules it out), else the stated facts (keys of STATED_FACTS) whose
    lack leaves it open; [] when none is lacking.

    ``possible`` maps an unknown choice fact to the values the stated answers leave it
    (:func:`lossadvisor.lint.facts.possible_answers`); a fact that no such value lets fire decides.
    """
    possible = possible or {}

    def could_hold(key: str, condition: Any) -> bool:
        return key not in possible or any(condition_holds(condition, v, True) for v in possible[key])

    def could_fail(key: str, condition: Any) -> bool:
        return key not in possible or not all(condition_holds(condition, v, True) for v in possible[key])

    if rule_fires(rule, facts):
        return None
    lacking: list[str] = []
    for key, condition in rule["when"].items():
        if key in facts:
            if not condition_holds(condition, facts[key], True):
                return None
            continue
        if condition_holds(condition, None, False):
            continue
        unknown = _unknown_sources(key, facts)
        if not unknown or not could_hold(key, condition) or any(possible.get(f) == () for f in unknown):
            # decided: the fact does not apply (a loss without from_logits), or no value the
            # stated answers leave it (no integer labels for a binary task) lets the rule fire
            return None
        lacking.extend(f for f in unknown if f not in lacking)
    unless = rule["unless"]
    if unless and all(condition_holds(c, facts.get(k), k in facts) for k, c in unless.items()):
        # the exception holds; it stays open only where it holds for an unknown fact (null)
        open_keys = [f for k, c in unless.items() if k not in facts and could_fail(k, c)
                     for f in _unknown_sources(k, facts)]
        if not open_keys:
            return None
        lacking.extend(f for f in open_keys if f not in lacking)
    return lacking


def rule_is_decidable(rule: dict, facts: dict) -> bool:
    """Whether every fact the rule tests is known, or does not apply, for this model."""
    return all(key in facts or not _unknown_sources(key, facts) for key in rule["when"])


def _unknown_sources(key: str, facts: dict) -> list[str]:
    """The stated facts a fact comes from (itself, when stated) that the model does not know."""
    return [f for f in DERIVED_FACTS.get(key, (key,)) if f not in facts]


def _not_applied(rule: dict, lacking: list[str]) -> dict:
    return {"code": rule["code"], "name": rule["name"],
            "reason": ", ".join(STATED_FACTS[f][0] for f in lacking),
            "missing": [STATED_FACTS[f][1] for f in lacking]}


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


def _finding(rule: dict, values: dict, model: ModelInput, at: tuple | None = None,
             facts: dict | None = None) -> dict:
    """A finding of ``rule``, located at ``at`` (line, col) when given (a note's), else at the
    input key the rule names (``at`` in rules/lint.yaml), else at the model; worded by the
    rule's variant that ``facts`` select (:func:`lossadvisor.lint.data.rule_texts`)."""
    message, fix = rule_texts(rule, facts or {})
    key = rule.get("at")
    if at is None:
        at = (model.key_lines[key], model.key_cols.get(key)) if key and model.key_lines.get(key) \
            else (model.line, model.col)
    return {
        "code": rule["code"],
        "name": rule["name"],
        "severity": rule["severity"],
        "message": fill_template(message, values),
        "fix": fill_template(fix, values),
        "model": model.name,
        "source": model.source,
        "line": at[0],
        "col": at[1],
        "locations": _locations(model),
    }


def _locations(model: ModelInput) -> dict:
    """Where the model's activation and loss are, for those it locates: ``{"activation": {"line",
    "col"}, "loss": ...}`` (col None when the input gives lines only)."""
    return {part: {"line": model.key_lines[part], "col": model.key_cols.get(part)}
            for part in LOCATED_PARTS if model.key_lines.get(part)}


def code_filter(select: Iterable[str] | None, ignore: Iterable[str] | None,
                data: LintData, options: tuple[str, str] = CODE_OPTIONS) -> Callable[[str], bool] | None:
    """Which codes run, from ``select`` and ``ignore`` (codes or prefixes: ``LA1``, ``LA10``,
    ``LA101``, ``ALL``; each item may hold several, comma-separated), as in Ruff: for each code
    the most specific entry that matches it wins, and ``ignore`` wins a tie; without ``select``
    every code is selected. None when neither is given (every code runs). UsageError for an
    entry that is no code's prefix, naming the option as ``options`` spell them (the flags, or
    the API's keywords), with the nearest entry of the same length suggested (else the nearest),
    and for an option given without any code (``--select ''``, ``--select ,``).

    >>> from lossadvisor.lint import load_lint_data
    >>> runs = code_filter(["LA1"], ["LA108"], load_lint_data())
    >>> runs("LA101"), runs("LA108"), runs("LA201")
    (True, False, False)
    """
    selected = _code_entries(select, options[0], data)
    ignored = _code_entries(ignore, options[1], data)
    if selected is None and ignored is None:
        return None
    selected = selected if selected is not None else [ALL_CODES]
    ignored = ignored or []

    def specificity(entries: list[str], code: str) -> int:
        """How specific the most specific entry matching ``code`` is; -1 when none matches."""
        return max((0 if e == ALL_CODES else len(e) for e in entries if e == ALL_CODES or code.startswith(e)),
                   default=-1)

    return lambda code: specificity(selected, code) > specificity(ignored, code)


def _code_entries(values: Iterable[str] | None, option: str, data: LintData) -> list[str] | None:
    """The codes and prefixes of ``--select`` or ``--ignore``, validated; None when not given."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    entries = [part.strip().upper() for value in values for part in str(value).split(",") if part.strip()]
    if not entries:     # `--select ''` or `--select ,`: not "every code"
        raise UsageError(f"{option}: no code given; give codes or prefixes such as LA1, LA101 or {ALL_CODES}")
    prefixes = {code[:n] for code in data.codes for n in range(2, len(code) + 1)}
    for entry in entries:
        if entry != ALL_CODES and entry not in prefixes:
            options = sorted(prefixes - {"LA"}) + [ALL_CODES]
            # a typo keeps the length (LA1O1 -> LA101, not LA11): those entries first, and a letter
            # typed for the digit it looks like is read as that digit
            typed = entry[:2] + entry[2:].translate(LOOK_ALIKE_DIGITS)
            hint = suggest(typed, [o for o in options if len(o) == len(entry)], cutoff=0.5, quote="",
                           fallback=suggest(entry, options, cutoff=0.5, quote="",
                                            fallback=f"; known codes: {', '.join(data.codes)}"))
            raise UsageError(f"{option}: unknown lint code or prefix {entry}{hint}")
    return entries


def _bare(spelling: str) -> str:
    """A loss spelling without its module prefix and call: ``nn.CrossEntropyLoss()`` -> ``crossentropyloss``."""
    return norm_spelling(spelling.split("(", 1)[0])[0]


def _recommendation_finding(rb, facts: dict, names: dict, model: ModelInput, data: LintData) -> dict | None:
    """LA201: the pairing works but the rule base recommends another for the stated framing."""
    from lossadvisor.engine import recommend, resolve_answers

    given = dict(names.get("_answers") or {})
    if "task" not in given or "loss" not in facts or "effective_activation" not in facts:
        return None     # an assumed task is not a framing to recommend for
    try:
        answers, sources = resolve_answers(rb, given)
        rec = recommend(rb, answers, sources)
    except LossAdvisorError:
        return None
    fw = facts.get("framework")
    catalog = rb.losses.get(rec.loss) or {}
    spelled = ((catalog.get("frameworks") or {}).get(fw) if fw else None) or ""
    # the recommended loss as the framework spells it is the model's loss (nn.CrossEntropyLoss reads as
    # categorical or sparse cross-entropy by its labels, which a segmentation framing does not state)
    same_spelling = bool(spelled) and _bare(spelled) == _bare(names.get("loss_spelling") or "")
    if rec.heads:
        same = rec.loss == facts["loss"]
    else:
        same = (rec.loss == facts["loss"] or same_spelling) and rec.activation == facts["effective_activation"]
    if same:
        return None
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


def lint_model(model: ModelInput, rb, data: LintData, runs: Callable[[str], bool] | None = None) -> dict:
    """One model linted: ``findings``, ``facts``, ``assumed`` (the task the model implies when none
    is given, or None), ``not_applied`` (the rules that could fire but lack a stated fact) and
    ``rules_run`` (how many rules had every fact they test, whether their codes are reported or
    not: a model whose codes the user left out had its facts checked all the same), and
    ``not_followed``: whether the parts the model lacks (activation, loss) all stand in for info
    notes (LA304). ``runs`` (:func:`code_filter`) says which codes are reported; the others are
    still decided, so that LA201 ("this pairing works") never speaks for a finding that was left
    out, and a note left out still stands in for its part."""
    facts, names = model_facts(model, rb, data)
    values = _template_values(facts, names)
    findings: list[dict] = []
    not_applied: list[dict] = []
    # a rule has run when the facts the model states decide it; an assumed task is not stated
    stated = {k: v for k, v in facts.items() if not (k == "task" and names["_assumed"])}
    rules_run = 0
    covered: dict = {}  # part -> the severities of the notes standing in for it (unreadable, unfollowed)
    for code, context in model.notes:
        rule = data.codes[code]
        vals = dict(values)
        vals.update(context)
        at = (context["_line"], context.get("_col")) if context.get("_line") else None
        findings.append(_finding(rule, vals, model, at))
        part = context.get("_covers") or rule["covers"]
        covered.setdefault(part, set()).add(rule["severity"])
    for rule in data.rules:
        if rule["computed"] or rule["retired"]:
            continue
        if rule_fires(rule, facts):
            findings.append(_finding(rule, values, model, facts=facts))
        else:
            lacking = missing_facts(rule, facts, names["_possible"])
            if lacking:
                not_applied.append(_not_applied(rule, lacking))
        rules_run += rule_is_decidable(rule, stated)
    absent = [part for part in COVERED_PARTS if part not in facts]
    not_followed = bool(absent) and all(covered.get(part) == {"info"} for part in absent)
    missing = []
    if "activation" not in facts and "activation" not in covered:
        missing.append(("output activation", "--activation"))
    if "loss" not in facts and "loss" not in covered:
        missing.append(("loss", "--loss"))
    if missing:
        vals = dict(values)
        vals["missing"] = " and ".join(m for m, _ in missing)
        vals["missing_flags"] = " and ".join(f for _, f in missing)
        findings.append(_finding(data.codes["LA303"], vals, model))
    if not any(f["severity"] in ("error", "warning") for f in findings):
        if "task" not in names["_answers"] and "loss" in facts and "activation" in facts:
            not_applied.append(_not_applied(data.codes["LA201"], ["task"]))
        else:
            rec = _recommendation_finding(rb, facts, names, model, data)
            if rec is not None:
                findings.append(rec)
    if runs is not None:
        findings = [f for f in findings if runs(f["code"])]
        not_applied = [item for item in not_applied if runs(item["code"])]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (order[f["severity"]], f["code"]))
    not_applied.sort(key=lambda item: item["code"])
    return {"findings": findings, "facts": facts, "assumed": names["_assumed"],
            "not_applied": not_applied, "rules_run": rules_run, "not_followed": not_followed}


def lint_models(models: list[ModelInput], *, flags: dict | None = None, rb=None,
                data: LintData | None = None, select: Iterable[str] | None = None,
                ignore: Iterable[str] | None = None, noqa: dict | None = None, errors: Iterable[dict] = (),
                scripts: int | None = None, no_wiring: int = 0, code_options: tuple[str, str] | None = None) -> dict:
    """Lint every model; flags fill in what each model leaves out.

    ``data`` defaults to rules/lint.yaml with the loss spellings of ``rb``'s catalog. ``select``
    and ``ignore`` choose the codes (:func:`code_filter`; ``code_options`` name them in its
    errors, the flags when None); ``noqa`` maps a script to its noqa comments
    (:func:`lossadvisor.lint.pysource.noqa_lines`), which silence the findings pointing to their
    lines and those of the model on its line. ``errors`` are the inputs that could not be read
    (``{"source", "message"}``, with ``line`` and ``col`` when known); a file's model whose
    values are not valid (``from_logits`` on a loss without it), or that a flag contradicts
    (``--labels one_hot`` against integer labels) or does not apply to (``--task binary`` with
    classes), joins them, named and located at the model, and the others go on; a problem of
    the flags' own model (no file) is raised. Each error of the document has ``line`` and
    ``col`` (None when unknown) and ``model`` (the model's name; None for a file). ``scripts`` is the number of Python files read (None when none
    was asked for: then no model and no error at all is a UsageError) and ``no_wiring`` how many held no
    loss wiring.

    Returns the `lint --format json` payload: findings, clean (no finding among the codes
    reported, at least one code reported, every model checked and followed, no error), not_applied (the rules each model
    lacks a stated fact for), nothing_checked (some model had no rule with the facts it tests,
    and is not one whose wiring could not be followed), models (each with the task it was
    assumed to have, if any, and whether it was not followed), errors, summary, counts (see
    lint_counts).
    """
    if rb is None:
        from lossadvisor.rulebase import load_rulebase

        rb = load_rulebase()
    data = data or load_lint_data(rb=rb)
    if not models and scripts is None and not errors:
        raise OptionError("nothing to lint: give a spec file, a Keras model file, a training script, or "
                          "flags such as --activation and --loss")
    runs = code_filter(select, ignore, data, code_options or CODE_OPTIONS)
    codes = [code for code, rule in data.codes.items() if not rule["retired"]]
    left_out = 0 if runs is None else sum(1 for code in codes if not runs(code))
    reported = left_out < len(codes)    # a model is clean of the codes reported, if any is
    noqa = noqa or {}
    errors = [{**error, "line": error.get("line"), "col": error.get("col"), "model": None} for error in errors]
    findings: list[dict] = []
    not_applied: list[dict] = []
    reports = []
    silenced_count = 0
    for model in models:
        try:
            merge_flags(model, dict(flags or {}), data)
            linted = lint_model(model, rb, data, runs)
        except UsageError as exc:
            if model.kind == "flags":
                raise
            errors.append(_model_error(model, exc))
            continue
        found = linted["findings"]
        comments = noqa.get(model.source)
        if comments:
            kept = [f for f in found if not silenced(f["code"], _finding_lines(f) | {model.line}, comments)]
            silenced_count += len(found) - len(kept)
            found = kept
        findings.extend(found)
        not_applied.extend(dict(item, model=model.name, source=model.source) for item in linted["not_applied"])
        not_followed = linted["not_followed"]
        nothing_checked = linted["rules_run"] == 0 and not not_followed
        reports.append({
            "name": model.name, "source": model.source, "line": model.line, "col": model.col, "kind": model.kind,
            "facts": linted["facts"], "assumed": linted["assumed"],
            "clean": not found and not nothing_checked and not not_followed and reported, "findings": len(found),
            "not_applied": len(linted["not_applied"]), "nothing_checked": nothing_checked,
            "not_followed": not_followed,
        })
    counts = lint_counts(findings, reports, not_applied, errors=errors, silenced=silenced_count,
                         scripts=scripts or 0, no_wiring=no_wiring, left_out=left_out)
    nothing_checked = counts["nothing_checked"] > 0
    clean = bool(reports) and all(r["clean"] for r in reports) and not errors
    return {"findings": findings, "clean": clean, "not_applied": not_applied,
            "nothing_checked": nothing_checked, "models": reports, "errors": errors,
            "summary": {k: counts[k] for k in ("models", *SEVERITIES)}, "counts": counts}


def _model_error(model: ModelInput, exc: UsageError) -> dict:
    """A model of a file that the rules cannot take (a value not valid, a flag that contradicts it
    or does not apply to it) as an entry of ``errors``, its message naming the model (a file may
    hold several), located at the model."""
    return {"source": model.source, "message": f"{exc} (model {model.name})", "line": model.line,
            "col": model.col, "model": model.name}


def _finding_lines(finding: dict) -> set:
    """The lines a finding points to: its own, and its activation's and loss's."""
    return {finding["line"], *(where["line"] for where in finding["locations"].values())}


def lint_counts(findings: list[dict], reports: list[dict], not_applied: list[dict], *, errors: list = (),
                silenced: int = 0, scripts: int = 0, no_wiring: int = 0, left_out: int = 0) -> dict:
    """The counts of a lint run: ``findings`` and each severity's; ``models`` linted, how many are
    ``clean``, how many had ``nothing_checked`` (no rule with the facts it needs: check's
    ``unchecked``) and how many were ``not_followed`` (a script's wiring the reader could not
    follow: see :func:`lint_model`); ``not_applied``, the rules left out for lack of a stated fact (check's
    ``skipped``); ``errors``, the inputs that could not be read: each the length of a list of
    the document. Then ``silenced`` (findings a noqa comment silenced), ``scripts`` (Python files
    read), ``no_wiring`` (those without a loss wiring) and ``left_out`` (the lint codes
    ``--select``/``--ignore`` left out).

    >>> counts = lint_counts([{"severity": "error"}], [{"clean": False, "nothing_checked": False,
    ...                                                 "not_followed": False}], [])
    >>> counts["findings"], counts["error"], counts["warning"], counts["models"], counts["clean"]
    (1, 1, 0, 1, 0)
    """
    counts = {"findings": len(findings)}
    counts.update({s: sum(1 for f in findings if f["severity"] == s) for s in SEVERITIES})
    counts.update(models=len(reports), clean=sum(1 for r in reports if r["clean"]),
                  nothing_checked=sum(1 for r in reports if r["nothing_checked"]),
                  not_followed=sum(1 for r in reports if r["not_followed"]), not_applied=len(not_applied),
                  errors=len(errors), silenced=silenced, scripts=scripts, no_wiring=no_wiring,
                  left_out=left_out)
    return counts
