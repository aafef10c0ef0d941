"""Framework code for a recommendation: PyTorch, Keras 3 and JAX + optax.

``framework_code(rec, rb)`` returns the output layer, the loss and the
inference expression as the chosen framework spells them, and a complete,
runnable training program (a string) that:

* builds a seeded, learnable batch with the target shape and dtype the loss
  expects (NumPy, identical across frameworks);
* builds a tiny MLP ending in the recommended output layer;
* takes ``steps`` full-batch Adam steps and prints ``loss before: ...`` and
  ``loss after: ...``;
* turns the model output into predictions with the ``inference`` expression.

The program skeleton is one template per framework (``templates/<framework>.py.tmpl``);
what varies with the loss is data, in the ``code`` entry of the loss in the catalog
(``rules/losses.yaml``; see ``pieces``), and where a framework has no built-in loss, the
custom one is a real module, ``snippets/<framework>/<loss>.py``.

Policies (also stated in each program and in ``notes``):

* PyTorch and optax: fused losses on raw outputs. ``BCEWithLogitsLoss`` and
  ``CrossEntropyLoss`` get logits, ``PoissonNLLLoss(log_input=True)`` gets the
  log rate, ``KLDivLoss`` gets ``log_softmax(logits)``; ``inference`` applies
  the activation.
* Keras: classification heads are a linear ``Dense`` and the loss takes
  ``from_logits=True``. Keras losses without ``from_logits`` (``KLDivergence``,
  ``Poisson``, ``Hinge``, ``SquaredHinge``) get the activation in the layer.
  Keras programs use ``keras.ops`` only, so they run on any Keras 3 backend.
* JAX: the model is plain ``jax``/``jax.numpy`` functions (no flax); the output
  layer is ``jnp.dot(h, params["w_out"]) + params["b_out"]``.
* Where a framework has no built-in loss, the program carries a short custom
  implementation with Keras semantics (per-sample mean over the last axis for
  the regression family, then the mean over the batch).

Pure: no click, no rich, no numpy at import time.
"""

from __future__ import annotations

from collections.abc import Iterable
from string import Template

from lossadvisor.framework_names import FRAMEWORKS, TITLES
from lossadvisor.frameworks.pieces import pieces
from lossadvisor.frameworks.problem import TEMPLATES, data_section, labels_text, make_problem

__all__ = ["FRAMEWORKS", "TITLES", "SUPPORTED_LOSSES", "framework_code"]

LEARNING_RATE = 0.01
MAX_LINE = 99  # emitted lines stay within this width
#: the start of an ``inference`` that names the two outputs of a mean-and-variance head
MEAN_VARIANCE = "mean, variance = "
#: the check that model output and targets have the same shape, where the loss wants it (Keras: none)
SHAPE_ASSERT = {
    "pytorch": "assert model(inputs).shape == targets.shape  # no silent broadcasting",
    "jax": "assert model(params, inputs).shape == targets.shape  # no silent broadcasting",
}


def __getattr__(name: str):
    if name == "SUPPORTED_LOSSES":  # the catalog's losses with framework code (reads the rule base)
        from lossadvisor.rulebase import load_rulebase

        return tuple(loss for loss, entry in load_rulebase().losses.items() if entry.get("code"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------------------ notes of the framework


def _framework_notes(name: str, p, pc: dict) -> list[str]:
    """The loss's notes with the framework's own: Keras and JAX state their policy first,
    PyTorch says what shape the targets have."""
    notes = list(pc["notes"])
    if name == "pytorch":
        if p.target == "integer":
            notes.append("targets are int64 class indices of shape (batch,)")
        elif pc["same_shape"]:
            notes.append("targets have exactly the shape of the model output (no (N, 1) vs (N,) broadcasting)")
    elif name == "keras":
        if pc["from_logits"]:
            notes.insert(0, "Keras policy: a linear output layer and from_logits=True in the loss; "
                            "the sigmoid/softmax is applied at inference")
        notes.insert(0, "keras.ops only: runs on any Keras 3 backend (set KERAS_BACKEND outside the program)")
    else:
        notes.insert(0, "the model is plain jax functions (no flax); the output layer is "
                        'jnp.dot(h, params["w_out"]) + params["b_out"]')
    return notes


# ------------------------------------------------------------------ assembly


def _block(lines: Iterable[str]) -> str:
    """Lines as a block of a template: each line ends with a newline."""
    return "".join(line + "\n" for line in lines)


def _wrap_call(line: str) -> str:
    """`name = f(a, b)` longer than MAX_LINE, as `name = f(` / `    a, b,` / `)`."""
    if len(line) <= MAX_LINE or line.startswith((" ", "#")) or " = " not in line or not line.endswith(")"):
        return line
    head, args = line[:-1].split("(", 1)
    return f"{head}(\n    {args},\n)"


def _setup_block(name: str, setup: list[str]) -> str:
    """The loss section's definitions; JAX leaves two blank lines before ``loss_fn``, Keras wraps long calls."""
    if name == "keras":
        return _block([_wrap_call(line) for line in setup])
    if name == "jax" and setup:
        return _block([*setup, "", ""])
    return _block(setup)


def _prediction_lines(pc: dict) -> tuple[str, str]:
    """The predictions from the model output ``pc["raw"]``, and the line printing their shapes."""
    inference = pc["inference"]
    if inference.startswith(MEAN_VARIANCE):
        return inference, 'print("predictions:", tuple(mean.shape), tuple(variance.shape))'
    pred = f"{pc['raw']}  # {inference}" if inference.startswith("the output itself") else inference
    return f"predictions = {pred}", 'print("predictions:", tuple(predictions.shape))'


def _header(rec, p, name: str) -> list[str]:
    import textwrap

    answers = ", ".join(f"{k}={v}" for k, v in rec.answers.items())
    params = ", ".join(f"{k}={v}" for k, v in p.params.items())
    units = f"{rec.units} unit{'s' if rec.units != 1 else ''}, {rec.activation}"
    text = (f"Rule {rec.rule}. Output: {units} (the mathematical pairing). Answers: {answers}. "
            "Generated by lossadvisor: trains a tiny model on a seeded batch and prints the loss "
            "before and after.")
    return [
        f'"""{TITLES[name]}: {p.loss_name}{f" ({params})" if params else ""}.',
        "",
        *textwrap.wrap(text, width=MAX_LINE, break_on_hyphens=False),
        '"""',
    ]


def _program(rec, p, pc: dict, name: str) -> str:
    """The program: the framework's template filled with the problem's data and the loss's pieces."""
    template = Template((TEMPLATES / f"{name}.py.tmpl").read_text(encoding="utf-8"))
    prediction, prediction_print = _prediction_lines(pc)
    text = template.substitute(
        header="\n".join(_header(rec, p, name)),
        math_import="import math\n" if "math." in "\n".join(pc["setup"]) else "",
        data=_block(data_section(p)),
        layer_setup=_block([*pc["layer_setup"], ""]) if pc["layer_setup"] else "",
        extra_params=_block("    " + line for line in pc["extra_params"]),
        out_params=_block("    " + line for line in pc["out_params"]),
        units=p.units,
        input_shape=pc["input_shape"],
        output_layer=pc["output_layer"],
        layer_comment=f"  # {pc['layer_comment']}" if pc["layer_comment"] else "",
        setup=_setup_block(name, pc["setup"]),
        body=_block("    " + line for line in pc["body"]),
        raw=pc["raw"],
        call=pc["call"],
        shape_assert=_block([SHAPE_ASSERT[name]] if pc["same_shape"] else []),
        learning_rate=LEARNING_RATE,
        fit_extra=pc["fit_extra"],
        eval_extra=pc["eval_extra"],
        prediction=prediction,
        prediction_print=prediction_print,
    )
    return text.rstrip() + "\n"


def framework_code(rec, rb) -> dict:
    """The framework code for a recommendation.

    Returns ``name``, ``output_layer``, ``loss``, ``inference`` and ``code`` (a
    complete program), plus ``from_logits`` (True when the model emits raw
    values and the loss applies the activation, False when the layer applies
    it, None where it does not apply), ``labels`` (the target shape and dtype)
    and ``notes``.
    """
    name = rec.framework
    if name not in FRAMEWORKS:
        from lossadvisor.errors import UsageError

        raise UsageError(f"unknown framework {name!r}; choose from: {', '.join(FRAMEWORKS)}")
    if rb is None:
        from lossadvisor.rulebase import load_rulebase

        rb = load_rulebase()
    entry = rb.losses.get(rec.loss) or {}
    if not entry.get("code"):
        return _no_template(rec, entry, name)
    p = make_problem(rec, entry)
    pc = pieces(name, p, entry)
    inference = pc["inference"]
    if inference.startswith(MEAN_VARIANCE):
        inference = inference[len(MEAN_VARIANCE):] + "  # (mean, variance)"
    return {
        "name": name,
        "output_layer": pc["output_layer"],
        "loss": pc["loss"],
        "inference": inference,
        "code": _program(rec, p, pc, name),
        "from_logits": pc["from_logits"],
        "labels": labels_text(p),
        "notes": p.notes + _framework_notes(name, p, pc),
    }


def _no_template(rec, entry: dict, name: str) -> dict:
    """A loss without framework code (a custom catalog's): the catalog's names, and no program."""
    named = (entry.get("frameworks") or {}).get(name) or ""
    text = (f"# lossadvisor has no program template for loss {rec.loss!r} in {TITLES[name]}.\n"
            f"# The loss catalog names it: {named or 'no built-in'}.\n"
            f"# Output: {rec.units} unit(s), {rec.activation}.\n")
    return {
        "name": name,
        "output_layer": f"{rec.units} unit(s), {rec.activation}",
        "loss": named or f"{rec.loss} (no built-in in {TITLES[name]})",
        "inference": "see the loss catalog",
        "code": text,
        "from_logits": None,
        "labels": str(entry.get("target_domain", "")),
        "notes": [f"no program template for loss {rec.loss!r}"],
    }
