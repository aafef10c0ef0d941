"""Pairing lint: find output-layer / loss / label combinations that train badly.

Pure core: no click, no rich. The rules, the spellings and output ranges of
activations, the task a model implies and the Keras layer roles are data
(``rules/lint.yaml``); the spellings of each loss in
each framework are part of its catalog entry (``spellings:`` in
``rules/losses.yaml``). This package interprets them:

* :mod:`~lossadvisor.lint.spellings`: ``ModelInput``, the spelling tables and
  their lookups (the leaf every other module imports);
* :mod:`~lossadvisor.lint.data`: the lint data, validated; explain and list the codes;
* :mod:`~lossadvisor.lint.inputs` and :mod:`~lossadvisor.lint.kerasfile`: models
  read from spec files and Keras model files, and the inputs of a run (each file its own unit);
* :mod:`~lossadvisor.lint.discover`: the ``.py`` files of a folder (``--exclude``);
* :mod:`~lossadvisor.lint.pysource`, :mod:`~lossadvisor.lint.torchscript` and
  :mod:`~lossadvisor.lint.kerasscript`: training scripts read with ``ast`` (never imported or
  run), each loss call followed back to the prediction that reaches it (a *wiring*);
* :mod:`~lossadvisor.lint.facts` and :mod:`~lossadvisor.lint.rules`: each model
  normalised into facts, and the rules that give findings.

Calling the package lints: ``lossadvisor.lint(*files, **model)`` is :func:`lossadvisor.api.lint`.

A model is a wiring of a script, or is described by a few keys (``task``, ``activation``, ``loss``,
``framework``, ``from_logits``, ``units``, ``labels``, ``classes``, ...) given by
flags, a spec file (YAML or JSON, one model or a list), or read from a Keras
model file. Each is normalised into *facts* (canonical activation, catalog loss
id, what the loss takes as input, ...) and every rule whose ``when`` holds gives
a finding. Without a task, the task the model implies (``implies_task`` in
rules/lint.yaml: a softmax over several units, or a loss over exclusive classes, is
multiclass) is assumed and said; the rules
that lack a stated fact to be decided are listed as not applied, and a model of
which no rule could be decided is not called clean.

>>> from lossadvisor.lint import lint_models, ModelInput
>>> report = lint_models([ModelInput("m", {"activation": "nn.Softmax", "loss": "nn.CrossEntropyLoss"})])
>>> [f["code"] for f in report["findings"]]
['LA101']
"""

from lossadvisor.lint.data import (
    HEADINGS,
    SEVERITIES,
    build_lint_data,
    explain_code,
    list_codes,
    load_lint_data,
)
from lossadvisor.lint.facts import model_facts
from lossadvisor.lint.inputs import read_input, read_inputs
from lossadvisor.lint.kerasfile import looks_like_keras_config, models_from_config, read_keras
from lossadvisor.lint.rules import condition_holds, lint_model, lint_models, rule_fires
from lossadvisor.lint.spellings import (
    LintData,
    ModelInput,
    lookup_activation,
    lookup_loss,
    parse_spelling,
)

__all__ = [
    "HEADINGS",
    "SEVERITIES",
    "LintData",
    "ModelInput",
    "build_lint_data",
    "condition_holds",
    "explain_code",
    "lint_model",
    "lint_models",
    "list_codes",
    "load_lint_data",
    "looks_like_keras_config",
    "lookup_activation",
    "lookup_loss",
    "model_facts",
    "models_from_config",
    "parse_spelling",
    "read_input",
    "read_inputs",
    "read_keras",
    "rule_fires",
]

from lossadvisor.api import callable_package as _callable_package  # noqa: E402 - after the package's names

_callable_package(__name__)  # lossadvisor.lint(...) runs lossadvisor.api.lint
del _callable_package
