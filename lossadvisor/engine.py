"""The one engine behind every way in: answers -> Recommendation -> the `recommend` document.

Pure: no click, no rich; numpy only for the reference check of the pairing.
"""

from __future__ import annotations

from typing import Any, Callable

from lossadvisor.errors import UsageError
from lossadvisor.rulebase import Question, Record, RuleBase, conditions_match, evaluate_units

#: ``ask(question, answers_so_far)`` -> a raw answer, or None for the question's default.
Ask = Callable[[Question, dict], Any]

# Where an answer came from, in the order a person would expect to override.
SOURCES = ("flag", "file", "data", "prompt", "default")


class Recommendation(Record):
    """The advice for one set of answers: plain data, ready to render.

    answers, sources (where each answer came from), rule (id), units and
    activation of the output layer (heads for multi-head outputs), loss (id),
    loss_name, distribution, params, why, alternatives, warnings.
    """

    __slots__ = ("answers", "sources", "rule", "units", "activation", "heads", "loss", "loss_name",
                 "distribution", "params", "why", "alternatives", "warnings")
    _defaults = {"heads": (), "params": dict, "alternatives": (), "warnings": ()}

    @property
    def framework(self) -> str:
        return self.answers.get("framework", "pytorch")

    def as_dict(self) -> dict:
        """The contract fields of `recommend --json` this object owns."""
        output: dict[str, Any] = {"units": self.units, "activation": self.activation}
        if self.heads:
            output["heads"] = [dict(h) for h in self.heads]
        return {
            "answers": dict(self.answers),
            "sources": dict(self.sources),
            "rule": self.rule,
            "output": output,
            "loss": {
                "id": self.loss,
                "name": self.loss_name,
                "distribution": self.distribution,
                "params": dict(self.params),
            },
            "why": self.why,
            "alternatives": [dict(a) for a in self.alternatives],
            "warnings": list(self.warnings),
        }


def resolve_answers(
    rb: RuleBase,
    given: dict[str, Any],
    *,
    given_sources: dict[str, str] | None = None,
    ask: Ask | None = None,
) -> tuple[dict, dict]:
    """Walk the question tree: take given answers, ask the missing ones, default the rest.

    ``given`` maps question id to a raw value (flag text, YAML/JSON value).
    ``given_sources`` says where each given answer came from (default "flag").
    ``ask(question, answers_so_far)`` returns a raw value, or None for the default.
    Returns (answers, sources), both in question order.
    Raises UsageError for an unknown id, an invalid value, or an answer that
    does not apply to the other answers.
    """
    given_sources = given_sources or {}
    known = set(rb.question_ids())
    unknown = [k for k in given if k not in known]
    if unknown:
        from lossadvisor.textutil import preview, suggest

        hint = suggest(str(unknown[0]), rb.question_ids(), fold_case=True,
                       fallback=f"; the questions are: {', '.join(rb.question_ids())}")
        raise UsageError(f"unknown question {preview(unknown[0])}{hint}")
    answers: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for q in rb.questions:
        if q.id in answers or not q.applies(answers):
            continue
        if q.id in given:
            context = _context(answers)
            answers[q.id] = q.parse(given[q.id], context)
            sources[q.id] = given_sources.get(q.id, "flag")
        elif ask is not None:
            raw = ask(q, dict(answers))
            if raw is None:
                if q.default is None:
                    raise UsageError(f"an answer for {q.id} is needed")
                answers[q.id], sources[q.id] = q.default, "default"
            else:
                answers[q.id] = q.parse(raw, _context(answers))
                sources[q.id] = "prompt"
        elif q.default is not None:
            answers[q.id], sources[q.id] = q.default, "default"
        else:
            raise UsageError(
                f"no answer for {q.id!r} and it has no default; give it "
                f"(choose from: {q.describe_valid()})"
            )
    for qid in given:
        if qid not in answers and given_sources.get(qid) != "data":
            # answers inferred from data are suggestions: one that does not apply to
            # the task the user chose is dropped; a given one is an error
            asked_when = [_context(q.when) for q in rb.questions_with_id(qid)]
            raise UsageError(
                f"{qid}={given[qid]} does not apply when {_context(answers, only=_deciding(rb, qid))}; "
                f"{qid} is asked only when {' or '.join(asked_when)}"
            )
    return answers, sources


def _deciding(rb: RuleBase, qid: str) -> set:
    return {k for q in rb.questions_with_id(qid) for k in q.when}


def _context(answers: dict, only: set | None = None) -> str:
    items = [(k, v) for k, v in answers.items() if only is None or k in only]
    return ", ".join(f"{k}={'|'.join(v) if isinstance(v, tuple) else v}" for k, v in items)


def recommend(rb: RuleBase, answers: dict, sources: dict | None = None) -> Recommendation:
    """The recommendation of the most specific rule for complete answers."""
    rule = rb.resolve(answers)
    catalog = rb.losses[rule.loss]
    params = dict(catalog.get("params") or {})
    params.update(rule.params)
    try:
        units = evaluate_units(rule.output.get("units"), answers, params)
        heads = tuple(
            {"name": h["name"], "units": evaluate_units(h["units"], answers, params), "activation": h["activation"]}
            for h in rule.output.get("heads", []) or []
        )
    except ValueError as exc:  # an integer answer too small for the rule's layer
        raise UsageError(f"rule {rule.id}: {exc}") from None
    alternatives = tuple(
        {"loss": a["loss"], "name": rb.losses[a["loss"]]["name"], "when": a["when"]} for a in rule.alternatives
    )
    warnings = tuple(w["text"] for w in rule.warnings if conditions_match(w["when"], answers))
    return Recommendation(
        answers=dict(answers),
        sources=dict(sources or {k: "flag" for k in answers}),
        rule=rule.id,
        units=units,
        activation=rule.output["activation"],
        heads=heads,
        loss=rule.loss,
        loss_name=catalog["name"],
        distribution=catalog["distribution"],
        params=params,
        why=rule.why,
        alternatives=alternatives,
        warnings=warnings,
    )


def advise(rb: RuleBase, given: dict[str, Any], *, given_sources: dict[str, str] | None = None,
           ask: Ask | None = None) -> Recommendation:
    """Resolve the answers (given, asked, defaulted) and pick the rule."""
    answers, sources = resolve_answers(rb, given, given_sources=given_sources, ask=ask)
    return recommend(rb, answers, sources)


def advice_payload(rb: RuleBase, rec: Recommendation, *, check: bool = True) -> dict:
    """The `recommend --json` document (without schema_version, added by the renderer).

    With ``check``, the NumPy reference checks of the pairing run (numpy is
    imported only then) and go under "check".
    """
    from lossadvisor.frameworks import framework_code

    payload = rec.as_dict()
    payload["framework"] = framework_code(rec, rb)
    # keep the contract's order: framework after loss
    order = ["answers", "sources", "rule", "output", "loss", "framework", "why", "alternatives", "warnings"]
    payload = {k: payload[k] for k in order}
    if check:
        from lossadvisor.checks import check_pairing

        payload["check"] = check_pairing(rec.loss, rec.params, rec.activation, frameworks=(rec.framework,),
                                         catalog=rb.losses)
    return payload
