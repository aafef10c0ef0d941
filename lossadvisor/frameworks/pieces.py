"""One framework's pieces of a program, read from the ``code`` entry of the loss in the catalog.

Each loss's ``code.<framework>`` mapping gives the pieces (``output_layer``, ``loss``,
``raw``, ``call``, ``body``, ``setup``, ``inference``, ``from_logits``, ``same_shape``,
``layer_comment``, ``fit_extra``, ``eval_extra``, ``notes``; Keras ``input_shape``: the shape of one
example, for ``keras.Input``; ``layer_setup``: definitions a custom
output layer needs, placed before the model; JAX ``extra_params``: entries of the params dict; JAX
``out_params``: the output layer's entries of the params dict, replacing the default ``w_out``
of shape ``(in_features, units)`` and ``b_out``, e.g. a head without a bias) as
``string.Template`` text, and ``variants``: mappings whose ``when`` conditions (``weighting``,
``target``, ``units``, ``given``: a parameter the recommendation sets, ``answer``: answers that
must hold) select pieces that replace the base ones,
in order. ``setup: snippet`` is the emitted part of ``snippets/<framework>/<loss>.py``, a
real module: its upper-case constants (``OUTPUTS``, ``QUANTILES``, ``GAMMA``...) are
replaced by the template variables of the same name in lower case.
"""

from __future__ import annotations

import pathlib
import re
from string import Template

SNIPPETS = pathlib.Path(__file__).resolve().parent / "snippets"
#: the line of a snippet file after which its text is copied into the program
SNIPPET_MARK = "# ---- emitted into the program (the constants above are filled in)"

#: piece -> its value where neither the loss nor the framework gives one
DEFAULTS = {"loss": "", "raw": "outputs", "call": "", "body": [], "setup": [], "inference": "the output itself",
            "from_logits": None, "same_shape": False, "layer_comment": "", "fit_extra": "", "eval_extra": "",
            "notes": [], "layer_setup": [], "extra_params": [], "input_shape": "(n_features,)",
            "out_params": ['"w_out": jax.random.normal(key_out, (in_features, ${units})) * np.sqrt(1 / in_features),',
                           '"b_out": jnp.zeros(${units}),']}
#: the output layer of each framework, where the loss does not name another
OUTPUT_LAYER = {
    "pytorch": "nn.Linear(in_features, ${units})",
    "keras": "keras.layers.Dense(${units})",
    "jax": 'jnp.dot(h, params["w_out"]) + params["b_out"]  # w_out: (in_features, ${units})',
}
#: a variant's ``when`` key -> does it hold for the problem and the condition's value
CONDITIONS = {
    "weighting": lambda p, value: p.weighting == value,
    "target": lambda p, value: p.target == value,
    "units": lambda p, value: p.units == value,
    "given": lambda p, value: p.params.get(value) is not None,
    "answer": lambda p, value: all(p.answers.get(k) == v for k, v in value.items()),
}


def _num(value) -> str:
    """A parameter as Python source (2.0, 0.25, 1, True)."""
    return repr(float(value)) if isinstance(value, float) else repr(value)


def variables(p, entry: dict, spec: dict) -> dict:
    """The template variables of one loss's pieces: the sizes, the levels of ``quantiles`` and the
    numeric parameters (the recommendation's, else the piece's ``param_defaults``, else the catalog's)."""
    levels = ", ".join(_num(q) for q in p.quantiles)
    found = {
        "units": str(p.units),
        "outputs": str(p.width),
        "plural": "s" if p.width != 1 else "",
        "quantile_levels": levels,
        "quantiles": f"[{levels}]",
        "n_quantiles": str(len(p.quantiles)),
    }
    # integer answers (classes, intervals) and the data constants (frames, height) by name
    found.update({k: str(v) for k, v in p.answers.items() if isinstance(v, int) and not isinstance(v, bool)})
    found.update({k: str(v) for k, v in (entry["code"].get("data") or {}).items()})
    for name, value in entry.get("params", {}).items():
        if isinstance(value, (int, float)):
            found[name] = _num(value if isinstance(value, bool) else float(value))
    found.update(spec.get("param_defaults", {}))
    for name, value in p.params.items():
        if isinstance(value, (int, float)):
            found[name] = _num(value if isinstance(value, bool) else float(value))
    return found


def pieces(framework: str, p, entry: dict) -> dict:
    """The pieces of ``framework``'s program for problem ``p``, whose loss has the catalog entry ``entry``."""
    spec = entry["code"][framework]
    chosen = dict(DEFAULTS, output_layer=OUTPUT_LAYER[framework])
    for part in [spec, *(v for v in spec.get("variants", ()) if _applies(v["when"], p))]:
        chosen.update({k: v for k, v in part.items() if k not in ("variants", "when", "param_defaults")})
    found = variables(p, entry, spec)

    def fill(text: str) -> str:
        return Template(text).substitute(found)

    out = {key: fill(value) if isinstance(value, str) else value for key, value in chosen.items()}
    out["loss"] = out["loss"] or out["call"]
    out["body"] = [fill(line) for line in chosen["body"]]
    for key in ("notes", "layer_setup", "extra_params", "out_params"):
        out[key] = [fill(line) for line in chosen[key]]
    found["loss"] = out["loss"]
    out["setup"] = (snippet_lines(framework, p.loss, found) if chosen["setup"] == "snippet"
                    else [fill(line) for line in chosen["setup"]])
    return out


def _applies(when: dict, p) -> bool:
    return all(CONDITIONS[key](p, value) for key, value in when.items())


def snippet_path(framework: str, loss: str) -> pathlib.Path:
    return SNIPPETS / framework / f"{loss}.py"


def snippet_lines(framework: str, loss: str, found: dict) -> list[str]:
    """The emitted part of the snippet file, its constants replaced by the variables' values."""
    text = snippet_path(framework, loss).read_text(encoding="utf-8")
    head, emitted = text.split(SNIPPET_MARK + "\n", 1)
    constants = re.findall(r"^([A-Z][A-Z0-9_]*) = ", head, flags=re.MULTILINE)
    if constants:
        pattern = re.compile(r"\b(" + "|".join(constants) + r")\b")
        emitted = pattern.sub(lambda m: found[m.group(1).lower()], emitted)
    return emitted.rstrip("\n").split("\n")
