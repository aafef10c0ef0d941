"""The problem a generated program trains on, and its NumPy data section.

``make_problem(rec, spec)`` reads what the program must build from the recommendation and
the ``code`` entry of its loss in the catalog (``spec``): the target kind, the width of the
target's last axis, the class weighting. ``data_section`` and ``labels_text`` depend on the
target kind only, so every framework's program trains on the same batch.
"""

from __future__ import annotations

import functools
import pathlib
from string import Template

from lossadvisor.rulebase import Record  # plain records: dataclasses cost start-up time

TEMPLATES = pathlib.Path(__file__).resolve().parent / "templates"

# The tiny problem every program trains on.
N_EXAMPLES = 512
N_FEATURES = 8
HIDDEN = 32
STEPS = 100

# Positive rate per label by imbalance answer (binary, multilabel), and the
# per-class logit decrement that skews multiclass frequencies.
POSITIVE_RATE = {"binary": {"none": 0.5, "moderate": 0.1, "severe": 0.01},
                 "multilabel": {"none": 0.3, "moderate": 0.1, "severe": 0.01}}
CLASS_SKEW = {"none": 0.0, "moderate": 0.4, "severe": 0.8}
#: target kind -> the data part that draws the true weights before the targets
TARGET_WEIGHTS = {"real": "regression_weights", "positive": "regression_weights", "count": "regression_weights",
                  "zero_one": "label_scores", "plus_minus_one": "label_scores",
                  "integer": "classes", "one_hot": "classes", "probabilities": "classes"}


class Problem(Record):
    """What the program must build, derived from the recommendation.

    loss, units; target: real | positive | count | zero_one | plus_minus_one |
    integer | one_hot | probabilities; width: last axis of y (regression outputs,
    labels, classes; integer labels: the classes); params (the catalog's defaults, then
    the recommendation's), answers, rule, loss_name; heteroscedastic, outliers,
    positive_rate, class_skew; weighting: "pos_weight" | "class_weight" | None;
    quantiles; notes.
    """

    __slots__ = ("loss", "units", "target", "width", "params", "answers", "rule", "loss_name",
                 "heteroscedastic", "outliers", "positive_rate", "class_skew", "weighting", "quantiles", "notes",
                 "data_parts", "data", "labels")
    _defaults = {"heteroscedastic": False, "outliers": False, "positive_rate": 0.5, "class_skew": 0.0,
                 "weighting": None, "quantiles": (), "notes": list, "data_parts": (), "data": dict, "labels": ""}


def _target(spec: dict, answers: dict) -> str:
    """The target kind: fixed by the loss, or read from an answer (``answer``, ``values``, ``default``)."""
    target = spec.get("target", "real")
    if isinstance(target, str):
        return target
    return target["values"].get(answers.get(target["answer"]), target["default"])


def _width(spec: dict, rec, units: int, quantiles: tuple) -> int:
    """The last axis of the targets: the units, the units of the head named ``mean``, or the units per level of ``quantiles``."""
    width = spec.get("width", "units")
    if width == "mean_head":
        mean_heads = [h for h in rec.heads if h.get("name") == "mean"]
        return int(mean_heads[0]["units"]) if mean_heads else max(units // 2, 1)
    if width == "per_quantile":
        return max(units // len(quantiles), 1)
    return units


def make_problem(rec, entry: dict) -> Problem:
    """The problem for ``rec``, whose loss has the catalog entry ``entry``."""
    spec = entry["code"]
    loss, units, answers, params = rec.loss, int(rec.units), dict(rec.answers), dict(rec.params)
    task = answers.get("task")
    imbalance = answers.get("imbalance", "none")
    target = _target(spec, answers)
    quantiles = ()
    if spec.get("width") == "per_quantile":
        quantiles = tuple(float(q) for q in params.get("quantiles") or entry["params"]["quantiles"])
    p = Problem(loss=loss, units=units, target=target, width=_width(spec, rec, units, quantiles),
                params=params, answers=answers, rule=rec.rule, loss_name=rec.loss_name or loss,
                quantiles=quantiles)
    parts = spec.get("data_parts") or ()
    if isinstance(parts, dict):  # by target kind: the loss serves several (a per-pixel variant)
        parts = parts.get(target) or ()
    values = {k: str(v) for k, v in answers.items()}
    p.data_parts = tuple(Template(part).substitute(values) for part in parts)
    p.data = dict(spec.get("data") or {})
    labels = spec.get("labels") or ""
    p.labels = labels.get(target, "") if isinstance(labels, dict) else labels  # by target kind, as data_parts
    p.outliers = answers.get("outliers") == "yes" and target == "real"
    p.heteroscedastic = bool(spec.get("heteroscedastic")) and target == "real"
    p.positive_rate = POSITIVE_RATE["multilabel" if task == "multilabel" else "binary"].get(imbalance, 0.5)
    p.class_skew = CLASS_SKEW.get(imbalance, 0.0)
    if params.get("class_weight") == "balanced":
        p.weighting = spec.get("balanced")
        if p.weighting is None:
            p.notes.append(f"class_weight=balanced is not applied to {loss}")
    return p


def data_section(p: Problem) -> list[str]:
    """The data section of every program, with its heading and the blank line after it."""
    return ["# ---- a seeded, learnable batch", *_data_lines(p), ""]


def _data_lines(p: Problem) -> list[str]:
    """The lines of the data parts (``templates/data.py.tmpl``) the target kind needs, filled in."""
    kind = "real_heteroscedastic" if p.target == "real" and p.heteroscedastic else p.target
    if p.data_parts:  # the loss names its parts (structured targets: images, sequences, times)
        names = list(p.data_parts)
    else:
        names = ["start", TARGET_WEIGHTS[p.target]]
        if p.class_skew and p.target in ("integer", "one_hot"):
            names.append("class_bias")
        names.append(kind)
    if p.outliers:
        names.append("outliers")
    if p.weighting:
        names.append(p.weighting)
    rate = p.positive_rate
    values = {
        "n_examples": N_EXAMPLES, "n_features": N_FEATURES, "hidden": HIDDEN, "steps": STEPS, "width": p.width,
        "quantile_level": f"{1 - rate:.2f}", "positive_percent": f"{rate:.0%}", "class_skew": p.class_skew,
        "skew": " + class_bias" if p.class_skew else "", "labels_expr": "y" if p.target == "integer" else "y.argmax(axis=1)",
        **_answer_values(p),
    }
    parts = _data_parts()
    return [line for name in names for line in Template(parts[name]).substitute(values).split("\n")]


def _answer_values(p: Problem) -> dict:
    """The integer answers (classes, intervals) and the loss's data constants, for the data parts."""
    found = {k: v for k, v in p.answers.items() if isinstance(v, int) and not isinstance(v, bool)}
    found.update(p.data)
    return found


@functools.lru_cache(maxsize=1)
def _data_parts() -> dict[str, str]:
    """``templates/data.py.tmpl`` as part name -> text."""
    parts: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (TEMPLATES / "data.py.tmpl").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = parts[line[3:]] = []
        elif not line.startswith("###"):
            current.append(line)
    return {name: "\n".join(lines) for name, lines in parts.items()}


def labels_text(p: Problem) -> str:
    """The targets the loss takes, for the ``labels`` field: dtype, kind and shape."""
    k = p.width
    if p.labels:
        return Template(p.labels).substitute({"width": k, **_answer_values(p)})
    return {
        "real": f"float32 real values, shape (batch, {k})",
        "positive": f"float32 positive values, shape (batch, {k})",
        "count": f"non-negative integer counts as float32, shape (batch, {k})",
        "zero_one": f"float32 0/1 labels, shape (batch, {k})",
        "plus_minus_one": f"float32 -1/+1 labels, shape (batch, {k})",
        "integer": f"int64 class indices 0..{k - 1}, shape (batch,)",
        "one_hot": f"float32 one-hot rows, shape (batch, {k})",
        "probabilities": f"float32 probability rows summing to 1, shape (batch, {k})",
    }[p.target]

