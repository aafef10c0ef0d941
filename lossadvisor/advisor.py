"""The one engine behind every way in: answers -> the full advice as plain data."""

from __future__ import annotations

from typing import Any

from lossadvisor.engine import Recommendation, recommend, resolve_answers
from lossadvisor.rulebase import RuleBase


def advise(rb: RuleBase, given: dict[str, Any], *, given_sources: dict[str, str] | None = None,
           ask=None) -> Recommendation:
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

        payload["check"] = check_pairing(rec.loss, rec.params, rec.activation, frameworks=(rec.framework,))
    return payload
