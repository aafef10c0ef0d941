"""The model to lint and the spelling tables: how each framework writes an activation or a loss.

The leaf of :mod:`lossadvisor.lint`: the readers of inputs (spec files, Keras
files) and the rules both import it, and it imports neither.

A spelling matches case-insensitively after removing a module prefix (``nn.``,
``torch.nn.functional.``, ``keras.losses.``, ``optax.``, ...) and is read as a
call when it has one: ``nn.KLDivLoss(reduction="batchmean")``.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from typing import Any

from lossadvisor import framework_names
from lossadvisor.errors import UsageError
from lossadvisor.textutil import preview, suggest

#: lint's order of the frameworks: Keras first, then the display order. It is the order in
#: which built-in spellings are consulted (Keras' short names such as "mse" come first) and
#: the order lint's messages name frameworks in.
FRAMEWORKS = tuple(sorted(framework_names.FRAMEWORKS, key=lambda name: name != "keras"))
INPUT_KINDS = ("logits", "probabilities", "log_probabilities", "rate", "log_rate", "values", "scores")
# Loss parameters lint reads (others in a spelled call, e.g. label_smoothing, are ignored).
LINT_PARAMS = ("from_logits", "reduction", "log_input", "blank")
# Other frameworks' names of a parameter lint reads: a spelled call's keyword is read as lint's
# name (keras.ops.ctc_loss's mask_index and optax.ctc_loss's blank_id are the CTC blank index).
PARAM_ALIASES = {"mask_index": "blank", "blank_id": "blank"}
# The layouts of a sequence output a loss may require (a catalog spelling's `layout:`)
LAYOUTS = ("batch_major", "time_major")

# Module prefixes stripped from a spelling, longest first; each hints at a framework.
_PREFIXES = (
    ("torch.nn.functional.", "pytorch"), ("tf.keras.activations.", "keras"), ("tf.keras.losses.", "keras"),
    ("tf.keras.layers.", "keras"), ("keras.activations.", "keras"), ("torchvision.ops.", "pytorch"),
    ("nn.functional.", "pytorch"), ("keras.losses.", "keras"), ("keras.layers.", "keras"),
    ("optax.losses.", "jax"), ("keras.ops.", "keras"), ("tf.keras.", "keras"), ("torch.nn.", "pytorch"),
    ("jax.nn.", "jax"), ("keras.", "keras"), ("optax.", "jax"), ("torch.", "pytorch"), ("tf.nn.", None),
    ("ops.", None), ("jnp.", "jax"), ("nn.", "pytorch"), ("F.", "pytorch"),
)


@dataclass
class LintData:
    """rules/lint.yaml and the catalog's loss spellings, validated and indexed."""

    path: str
    activations: dict            # canonical -> {"range", "spellings"}
    activation_index: dict       # normalised spelling -> canonical
    losses: list                 # loss spellings (dicts), in the order lint consults them
    loss_index: dict             # normalised spelling -> [entry, ...]
    layers: dict                 # Keras class name -> role dict
    rules: list                  # rule dicts, file order
    codes: dict                  # code -> rule
    implied_tasks: list = field(default_factory=list)  # implies_task: {"task", "when", "unless", "because"}
    catalog: dict = field(default_factory=dict)  # loss id -> catalog entry: whose spellings these are
    modules: dict = field(default_factory=dict)  # PyTorch module class name -> role dict
    datasets: dict = field(default_factory=dict)  # keras.datasets name -> {"labels", "classes", "target_shape"}


@dataclass
class ModelInput:
    """One model to lint, before normalisation.

    ``values`` maps the keys of MODEL_KEYS (and question ids) to raw values.
    ``display`` may give how the file spells the activation / loss.
    ``notes`` are findings a reader already made: (code, {template names}); a note's
    ``_line``/``_col`` locate it, and ``_covers`` names the part ("activation", "loss") it
    stands for.
    ``key_cols`` and ``col`` are the 1-based columns of the keys and of the model (scripts).
    """

    name: str
    values: dict
    source: str | None = None
    line: int | None = None
    key_lines: dict = field(default_factory=dict)
    kind: str = "flags"
    display: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    key_cols: dict = field(default_factory=dict)
    col: int | None = None

    def where(self, key: str | None = None) -> str:
        """``"file:line: "`` of ``key`` (or of the model) for a message; "" for flags."""
        if self.source is None:
            return ""
        line = self.key_lines.get(key) if key else None
        line = line or self.line
        return f"{self.source}:{line}: " if line else f"{self.source}: "


def shown_text(text: Any, limit: int = 80) -> str:
    """str() of a user's value for an error message, bounded like :func:`~lossadvisor.textutil.preview`."""
    text = str(text) if isinstance(text, str) else preview(text, limit)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text):,} characters)"


def norm_spelling(text: str) -> tuple[str, str | None]:
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


def parse_spelling(text: Any) -> tuple[str, dict]:
    """`nn.KLDivLoss(reduction="batchmean")` -> ('nn.KLDivLoss', {'reduction': 'batchmean'}).

    Keyword arguments must be literals; positional arguments are ignored. A keyword of
    PARAM_ALIASES is read under lint's name (``mask_index=3`` -> ``{'blank': 3}``).
    """
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"expected a name, got {preview(text)}")
    text = text.strip()
    if "(" not in text:
        return text, {}
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise UsageError(f"cannot read {preview(text)}: expected a name or a call like Name(key=value)") from None
    # optax style `loss_fn(logits, labels).mean()`: read the inner call
    while (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
           and node.func.attr in ("mean", "sum") and isinstance(node.func.value, ast.Call)):
        node = node.func.value
    if not isinstance(node, ast.Call):
        raise UsageError(f"cannot read {preview(text)}: expected a name or a call like Name(key=value)")
    name = ast.unparse(node.func)
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            continue
        key = PARAM_ALIASES.get(kw.arg, kw.arg)
        try:
            kwargs[key] = ast.literal_eval(kw.value)
        except ValueError:
            kwargs[key] = ast.unparse(kw.value)
    return name, kwargs


def lookup_activation(text: Any, data: LintData) -> str:
    """A spelling of an activation -> its canonical name (UsageError with a suggestion)."""
    if text is None:
        return "linear"
    if not isinstance(text, str):
        raise UsageError(f"the activation must be a name, got {preview(text)}")
    name, _ = parse_spelling(text) if "(" in text else (text, {})
    norm, _ = norm_spelling(name)
    if norm in data.activation_index:
        return data.activation_index[norm]
    spellings = [s for a in data.activations.values() for s in a["spellings"]]
    raise UsageError(f"unknown activation '{shown_text(text)}'{suggest(name, spellings, fold_case=True)}; "
                     f"known: {', '.join(data.activations)}")


def lookup_loss(text: str, data: LintData, framework: str | None = None) -> tuple[dict, dict, str | None]:
    """A spelling of a loss -> (spelling entry, keyword args given in the call, framework).

    The loss is the one :func:`lossadvisor.names.find_loss` says the name means (as for
    every other command), asked with the model's framework; the entry is that loss's
    spelling for the framework. The framework is the given one, the one the spelling
    implies, or None when several frameworks spell it the same way with the same meaning.
    """
    name, kwargs = parse_spelling(text)
    norm, hint = norm_spelling(name)
    candidates = data.loss_index.get(norm, [])
    if not candidates:
        spellings = [s for e in data.losses for s in e["spellings"]]
        raise UsageError(f"unknown loss '{shown_text(text)}'{suggest(name, spellings, fold_case=True)}")
    from lossadvisor.names import find_loss

    loss = find_loss(text, data.catalog, framework).id  # the catalog whose spellings these are
    candidates = [e for e in candidates if e["loss"] == loss]
    if not candidates:  # the name is first the id of a loss that lint has no spelling of
        raise UsageError(f"'{shown_text(text)}' names the loss {loss}, which has no spelling "
                         f"'{shown_text(name)}' for lint to read")
    wanted = framework or hint
    if wanted is not None:
        fitting = [e for e in candidates if wanted in e["frameworks"]]
        builtin = [e for e in fitting if not e["custom"]]
        fitting = builtin or fitting
        if not fitting:
            names = sorted({f for e in candidates for f in e["frameworks"]})
            others = [e for e in data.losses if e["loss"] == candidates[0]["loss"] and wanted in e["frameworks"]]
            alt = ", ".join(f"{e['spellings'][0]} ({describe_input(e)})" for e in others)
            hint_text = f"; in {wanted} use {alt}" if alt else ""
            raise UsageError(f"'{shown_text(text)}' is a {'/'.join(names)} loss, not {wanted}{hint_text}")
        return fitting[0], kwargs, wanted
    builtin = [e for e in candidates if not e["custom"]] or candidates
    first = builtin[0]
    if all(_semantics(e) == _semantics(first) for e in builtin):
        fws = {f for e in builtin for f in e["frameworks"]}
        return first, kwargs, (next(iter(fws)) if len(fws) == 1 else None)
    options = "; ".join(f"{'/'.join(e['frameworks'])}: {describe_input(e)}" for e in builtin)
    raise UsageError(f"'{shown_text(text)}' means different things in different frameworks ({options}); "
                     f"give --framework")


def _semantics(entry: dict) -> tuple:
    return (entry["loss"], json.dumps(entry["input"], sort_keys=True, default=str), entry["link"],
            json.dumps(entry["params"], sort_keys=True), entry["broadcasts_target"], entry["custom"],
            json.dumps(entry["by_labels"], sort_keys=True), entry["layout"], entry["label_start"])


def describe_input(entry: dict) -> str:
    """What a loss spelling takes: "takes logits", or "logits with from_logits=True, ..."."""
    inp = entry["input"]
    if isinstance(inp, dict):
        param, values = next(iter(inp.items()))
        return ", ".join(f"{v} with {param}={k}" for k, v in values.items())
    return f"takes {inp.replace('_', '-')}"
