"""Normalise a model into facts: canonical activation, catalog loss id, what the loss takes, ...

The rules (:mod:`lossadvisor.lint.rules`) test these facts. Flags given on the
command line fill in what a model leaves out (:func:`merge_flags`).
"""

from __future__ import annotations

import json
import math
from typing import Any

from lossadvisor.errors import LossAdvisorError, UsageError
from lossadvisor.lint.data import FACTS, conditions_hold, fill_template
from lossadvisor.rulebase import condition_matches
from lossadvisor.lint.spellings import (
    LAYOUTS,
    LINT_PARAMS,
    LintData,
    ModelInput,
    describe_input,
    lookup_activation,
    lookup_loss,
    parse_spelling,
)
from lossadvisor.textutil import fmt_number, preview, suggest

# Keys a model description may have. Question ids of the rule base are accepted too.
MODEL_KEYS = (
    "name", "task", "labels", "classes", "target", "framework", "activation", "loss", "from_logits",
    "units", "reduction", "log_input", "target_shape",
    "blank", "layout", "label_start", "batch_size", "event_rate", "class_weight",
)


def _as_bool(value: Any, key: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "off"):
        return False
    raise UsageError(f"{where}{key} must be true or false, got {preview(value)}")


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
        raise UsageError(f"{where}{key} must be an integer >= {minimum}, got {preview(value)}")
    return out


def _fraction(value: Any, key: str, where: str) -> float:
    """A share in (0, 1] (the event rate of survival data)."""
    out = None
    if not isinstance(value, bool):
        try:
            out = float(value)
        except (TypeError, ValueError):
            out = None
    if out is None or not math.isfinite(out) or not 0 < out <= 1:
        raise UsageError(f"{where}{key} must be a number in (0, 1], got {preview(value)}")
    return out


def _choice(value: Any, key: str, where: str, choices: tuple) -> str:
    text = str(value).strip().lower().replace("-", "_") if isinstance(value, str) else None
    if text not in choices:
        raise UsageError(f"{where}{key} must be one of {', '.join(choices)}, got {preview(value)}"
                         f"{suggest(str(value), choices, fold_case=True)}")
    return text


def blank_clash(blank: int, units: int | None, label_start: int | None) -> bool | None:
    """Whether a CTC blank index is also a real class: None when the facts do not decide it.

    The C classes are numbered ``label_start .. label_start + C - 1`` beside the blank, with
    ``units = C + 1`` outputs. A blank strictly inside ``0 .. units - 1`` is a class whichever way
    the labels are numbered; at an end it clashes when the labels start there (blank 0 with labels
    from 0, blank ``units - 1`` with labels from 1).

    >>> blank_clash(3, 10, None), blank_clash(0, 10, 1), blank_clash(0, None, 0), blank_clash(9, 10, 1)
    (True, False, True, True)
    """
    if units is not None and 0 < blank < units - 1:
        return True
    if label_start is None:
        return None
    if blank == 0:
        return label_start == 0
    if units is None:
        # labels from 1: a blank from 1 on is a class, or past the last output (wrong either way)
        return True if label_start >= 1 and blank >= label_start else None
    return label_start <= blank <= label_start + units - 2


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
        raise UsageError(f"{where}target_shape must look like (N,) or (N, 1), got {preview(value)}")
    return len(dims)


def question_for(rb, qid: str, task: str, given: dict):
    """The question ``qid`` as asked under ``task`` and the answers ``given``; where it also depends on
    an answer lint does not read (segmentation's classes on masks), the first one whose task condition
    holds. None when it does not apply to the task."""
    return rb.applicable(qid, {**given, "task": task}) or next(
        (q for q in rb.questions_with_id(qid) if condition_matches(q.when.get("task"), task)), None)


def _question_value(rb, qid: str, raw: Any, task: str | None, where: str, given: dict | None = None) -> Any:
    """``raw`` parsed as the answer to ``qid`` under the task and the answers ``given`` before it."""
    if task is not None and qid != "task":
        q = question_for(rb, qid, task, given or {})
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
            raise UsageError(f"{where}invalid value '{raw}' for {qid}; choose from: {', '.join(valid)}"
                             f"{suggest(str(raw).strip(), valid, fold_case=True)}")
        raise UsageError(f"{where}{last_error}")
    raise UsageError(f"{where}unknown key {qid!r}")


def merge_flags(model: ModelInput, flags: dict, data: LintData) -> None:
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
            raise UsageError(f"{model.where(key)}unknown key '{key}'{suggest(str(key), options, fold_case=True)}; "
                             f"known keys: {', '.join(options)}")
    facts: dict[str, Any] = {}
    names: dict[str, Any] = {}
    answers: dict[str, Any] = {}

    task = None
    if v.get("task") is not None:
        task = _question_value(rb, "task", v["task"], None, model.where("task"))
        facts["task"] = answers["task"] = task
    for qid in [q for q in dict.fromkeys(rb.question_ids()) if q != "task"]:  # in the order they are asked
        if v.get(qid) is not None:
            value = _question_value(rb, qid, v[qid], task, model.where(qid), answers)
            answers[qid] = value
            if qid in FACTS:
                facts[qid] = value
    if v.get("units") is not None:
        facts["units"] = _as_int(v["units"], "units", model.where("units"))
    if v.get("target_shape") is not None:
        facts["target_ndim"] = _target_ndim(v["target_shape"], model.where("target_shape"))
    if "units" in facts and "classes" in facts:
        facts["units_match_classes"] = facts["units"] == facts["classes"]
    if v.get("layout") is not None:
        facts["layout"] = _choice(v["layout"], "layout", model.where("layout"), LAYOUTS)
    if v.get("label_start") is not None:
        facts["label_start"] = _as_int(v["label_start"], "label_start", model.where("label_start"), minimum=0)
    if v.get("batch_size") is not None:
        facts["batch_size"] = _as_int(v["batch_size"], "batch_size", model.where("batch_size"))
    if v.get("event_rate") is not None:
        facts["event_rate"] = _fraction(v["event_rate"], "event_rate", model.where("event_rate"))
    if v.get("class_weight") is not None:
        facts["class_weight"] = _as_bool(v["class_weight"], "class_weight", model.where("class_weight"))
    if "batch_size" in facts and "event_rate" in facts:
        # every row of a batch censored: (1 - rate)^batch, rows drawn independently
        chance = (1 - facts["event_rate"]) ** facts["batch_size"]
        facts["no_event_batch_chance"] = chance
        names["no_event_batch_percent"] = fmt_number(100 * chance) + "%"

    # activation
    if v.get("activation") is not None:
        try:
            act = lookup_activation(v["activation"], data)
        except UsageError as exc:
            raise UsageError(f"{model.where('activation')}{exc}") from None
        facts["activation"] = act
        facts["output_range"] = data.activations[act]["range"]
        names["activation_spelling"] = model.display.get("activation") or str(v["activation"])

    # loss
    if v.get("loss") is not None:
        where = model.where("loss")
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
                    raise UsageError(f"{model.where(key)}{key}={_show(value)} contradicts the loss "
                                     f"{v['loss']!r}")
                given[key] = value
        for key, value in given.items():
            if key not in entry["params"]:
                name = parse_spelling(v["loss"])[0]
                extra = f" (it {describe_input(entry)})" if key == "from_logits" else ""
                reads = f"; lint reads its {', '.join(entry['params'])}" if entry["params"] else ""
                raise UsageError(f"{model.where(key)}the loss '{name}' has no {key}{extra}{reads}")
            if key in ("from_logits", "log_input"):
                value = _as_bool(value, key, model.where(key))
            elif key == "blank":
                value = _as_int(value, key, model.where(key), minimum=0)
            elif key == "reduction":
                if not isinstance(value, str) or not value.strip():
                    raise UsageError(f"{model.where(key)}reduction must be a name like mean or batchmean")
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
        if entry["layout"] is not None:
            facts["loss_layout"] = entry["layout"]
        if "blank" in params:
            facts["blank"] = params["blank"]
            # the labels' first class as stated, else as the loss's convention fixes it (Keras: 1)
            clash = blank_clash(params["blank"], facts.get("units"), facts.get("label_start", entry["label_start"]))
            if clash is not None:
                facts["blank_clash"] = clash
        spelled = model.display.get("loss") or str(v["loss"])
        names["loss_spelling"] = spelled

    # the output the likelihood sees; a loss may apply its link to a linear or log-softmax
    # output, so without the loss those are unknown
    act = facts.get("activation")
    if act is not None:
        inp = facts.get("loss_input")
        if act == "linear" and inp in ("logits", "log_rate") and facts.get("link"):
            facts["effective_activation"] = facts["link"]
        elif act == "log_softmax" and inp == "log_probabilities":
            facts["effective_activation"] = "softmax"
        elif "loss" in facts or act not in ("linear", "log_softmax"):
            facts["effective_activation"] = act
    names["_answers"] = answers
    assumed = assumed_task(facts, names, rb, data)
    if assumed is not None:
        facts["task"] = assumed["task"]
    names["_assumed"] = assumed
    names["_possible"] = possible_answers(rb, facts, answers)
    return facts, names


def assumed_task(facts: dict, names: dict, rb, data: LintData) -> dict | None:
    """The task the model implies when none is given: ``{"task", "because"}``, or None.

    The one place that decides it; the rules read the ``task`` fact it sets. The entries of
    ``implies_task`` in rules/lint.yaml whose conditions hold give the task and the reasons (a
    softmax over several units, a loss over exclusive classes: multiclass). Nothing is assumed
    when the task is given (``--task`` wins), when the entries that hold give different tasks,
    when the rule base has no such task, or when another stated answer does not fit it
    (``--labels zero_one``).
    """
    if "task" in facts:
        return None
    implied = [item for item in data.implied_tasks if conditions_hold(item["when"], item["unless"], facts)]
    tasks = {item["task"] for item in implied}
    if len(tasks) != 1:
        return None
    task = tasks.pop()
    if not _answers_fit_task(rb, names["_answers"], task):
        return None
    values = dict(facts, loss_spelling=names.get("loss_spelling", facts.get("loss")))
    return {"task": task, "because": "; ".join(fill_template(item["because"], values) for item in implied)}


def possible_answers(rb, facts: dict, answers: dict) -> dict[str, tuple]:
    """For each unknown choice fact (task, labels, target), the values it could still take given
    the stated answers: ``--labels zero_one`` leaves only the binary task, and a binary task has
    no integer labels. A rule that no such value lets fire is decided, not "not applied"."""
    question = rb.applicable("task", {})
    # an assumed task yields to a stated answer (--labels zero_one), so only a given one narrows
    tasks = (answers["task"],) if "task" in answers else tuple(
        t for t in (question.values if question is not None else ()) if _answers_fit_task(rb, answers, t))
    possible: dict[str, tuple] = {}
    if not tasks:
        return possible     # the stated answers fit no task together: nothing to narrow
    if "task" not in facts and question is not None:
        possible["task"] = tasks
    for qid in FACTS:
        if qid in facts or qid == "task" or not rb.questions_with_id(qid):
            continue
        asked = [rb.applicable(qid, {"task": t}) for t in tasks]
        if any(q is not None and q.kind != "choice" for q in asked):
            continue    # a number (classes): any value may make a rule fire
        possible[qid] = tuple(dict.fromkeys(v for q in asked if q is not None for v in q.values))
    return possible


def _answers_fit_task(rb, answers: dict, task: str) -> bool:
    """Whether ``task`` is a choice of the rule base and every stated answer applies to it."""
    question = rb.applicable("task", {})
    if question is None or task not in question.values:
        return False
    for qid, value in answers.items():
        if qid == "task":
            continue
        q = question_for(rb, qid, task, answers)
        if q is None:
            return False
        try:
            q.parse(value)
        except UsageError:
            return False
    return True
