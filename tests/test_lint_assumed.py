"""Lint judges from what the model itself says: the task a model implies when none is given,
units against classes whatever the task, the rules not applied for lack of facts, and a run in
which nothing could be checked.

Each case is linted in every input form lint takes: flags, a YAML spec, a JSON spec, the JSON
of Keras model.to_json() and a .keras archive (the Keras forms where Keras can spell the model).
The expected codes come from the rule definitions in rules/lint.yaml.
"""

import itertools
import json
import os
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossadvisor.errors import UsageError
from lossadvisor.lint import ModelInput, lint_models, read_input
from lossadvisor.lint.data import DERIVED_FACTS, FACTS, STATED_FACTS
from lossadvisor.lint.facts import possible_answers
from lossadvisor.rulebase import load_rulebase


def _keras_config(units, activation, loss, name="model"):
    """A Sequential config in the layout Keras 3 writes (keras/src/saving/saving_lib.py)."""
    return {
        "module": "keras", "class_name": "Sequential", "registered_name": None,
        "config": {"name": name, "layers": [
            {"module": "keras.layers", "class_name": "InputLayer",
             "config": {"batch_shape": [None, 4], "name": "input"}, "registered_name": None},
            {"module": "keras.layers", "class_name": "Dense",
             "config": {"name": "out", "units": units, "activation": activation}, "registered_name": None},
        ]},
        "compile_config": {"optimizer": "adam", "loss": loss},
    }


def _inputs(tmp_path, values, keras_loss=None):
    """The model ``values`` in each input form: (form, files, flags left for the command line)."""
    values = dict(values)
    forms = [("flags", [], values)]
    spec = tmp_path / "model.yaml"
    spec.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in values.items()))
    forms.append(("yaml", [spec], {}))
    spec_json = tmp_path / "model_spec.json"
    spec_json.write_text(json.dumps(values))
    forms.append(("json", [spec_json], {}))
    if keras_loss is not None:
        rest = {k: v for k, v in values.items() if k not in ("units", "activation", "loss")}
        doc = _keras_config(values["units"], values["activation"], keras_loss)
        to_json = tmp_path / "model.json"
        to_json.write_text(json.dumps(doc))
        forms.append(("model.to_json", [to_json], rest))
        archive = tmp_path / "model.keras"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
            zf.writestr("config.json", json.dumps(doc))
            zf.writestr("model.weights.h5", b"")
        forms.append((".keras", [archive], rest))
    return forms


def _lint_form(files, flags):
    models = [m for f in files for m in read_input(str(f))] or [ModelInput("flags", {})]
    return lint_models(models, flags=flags)


def _codes(payload):
    return [f["code"] for f in payload["findings"]]


def _cli_args(files, flags):
    args = ["lint", *map(str, files)]
    for key, value in flags.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    return args


# ------------------------------------------------------- the task a model implies


def test_softmax_over_10_units_with_binary_crossentropy_is_linted_as_multiclass(tmp_path):
    # the first example: it was "clean"; softmax over 10 units means exclusive classes,
    # and binary cross-entropy on exclusive classes is LA108
    model = {"units": 10, "activation": "softmax", "loss": "binary_crossentropy"}
    for form, files, flags in _inputs(tmp_path, model, keras_loss="binary_crossentropy"):
        payload = _lint_form(files, flags)
        assert _codes(payload) == ["LA108"], form
        assert payload["models"][0]["assumed"] == {"task": "multiclass", "because": "softmax over 10 units"}, form
        assert payload["models"][0]["facts"]["task"] == "multiclass"
        assert payload["clean"] is False


def test_cross_entropy_loss_implies_exclusive_classes(tmp_path):
    # a loss over exclusive classes implies multiclass by itself: with a sigmoid output it is LA109
    # (sigmoid outputs for exclusive classes) and the assumption names the loss
    payload = _lint_form([], {"units": 4, "activation": "sigmoid", "loss": "categorical_crossentropy"})
    assert _codes(payload) == ["LA109"]
    assert payload["models"][0]["assumed"] == {
        "task": "multiclass", "because": "categorical_crossentropy is a loss over exclusive classes"}
    payload = _lint_form([], {"activation": "linear", "loss": "nn.CrossEntropyLoss()"})
    assert payload["models"][0]["assumed"]["because"] == "nn.CrossEntropyLoss() is a loss over exclusive classes"
    for loss in ("sparse_categorical_crossentropy", "optax.softmax_cross_entropy_with_integer_labels"):
        assert _lint_form([], {"activation": "linear", "loss": loss})["models"][0]["assumed"]["task"] == "multiclass"


def test_cross_entropy_on_5_units_for_10_classes_is_an_error_without_task(tmp_path, run_cli):
    # the second example: nn.CrossEntropyLoss on a linear layer of 5 units, 10 integer classes
    model = {"units": 5, "activation": "linear", "loss": "nn.CrossEntropyLoss", "classes": 10, "labels": "integer"}
    for form, files, flags in _inputs(tmp_path, model):
        payload = _lint_form(files, flags)
        assert _codes(payload) == ["LA123"], form
        assert "5 units but the task has 10 classes" in payload["findings"][0]["message"]
        code, out, _ = run_cli(*_cli_args(files, flags))
        assert code == 1, (form, out)
    # Keras spells it SparseCategoricalCrossentropy(from_logits=True); the class count is a flag
    keras_loss = {"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy",
                  "config": {"from_logits": True}, "registered_name": None}
    model = {"units": 5, "activation": "linear", "loss": "SparseCategoricalCrossentropy", "classes": 10}
    for form, files, flags in _inputs(tmp_path, model, keras_loss=keras_loss)[3:]:
        assert _codes(_lint_form(files, flags)) == ["LA123"], form


def test_units_against_classes_is_a_mismatch_whatever_the_task():
    # no task and nothing implied (sigmoid + binary cross-entropy: multilabel or not): still LA123
    payload = _lint_form([], {"units": 5, "classes": 10, "activation": "sigmoid", "loss": "binary_crossentropy"})
    assert _codes(payload) == ["LA123"] and payload["models"][0]["assumed"] is None
    for task in ("multiclass", "multilabel"):
        assert _codes(_lint_form([], {"task": task, "units": 5, "classes": 10, "activation": "linear",
                                      "loss": "nn.BCEWithLogitsLoss"})) == ["LA123"] + (
            ["LA108"] if task == "multiclass" else [])
    # one unit for two classes is the binary form of a single-label task: not a mismatch
    assert "LA123" not in _codes(_lint_form([], {"units": 1, "classes": 2, "activation": "sigmoid",
                                                 "loss": "binary_crossentropy"}))


def test_nothing_is_assumed_from_one_unit_or_independent_outputs():
    for values in ({"units": 1, "activation": "sigmoid", "loss": "binary_crossentropy"},
                   {"units": 8, "activation": "sigmoid", "loss": "binary_crossentropy"},   # multilabel?
                   {"units": 1, "activation": "linear", "loss": "mse"}):
        assert _lint_form([], values)["models"][0]["assumed"] is None, values
    # softmax over one unit is its own error (LA119), not a multiclass model
    payload = _lint_form([], {"units": 1, "activation": "softmax", "loss": "binary_crossentropy"})
    assert payload["models"][0]["assumed"] is None and _codes(payload) == ["LA119"]


def test_nothing_is_assumed_when_the_stated_labels_do_not_fit_multiclass():
    # 0/1 labels are binary labels: the model does not say which of the two it is
    payload = _lint_form([], {"units": 10, "activation": "softmax", "loss": "binary_crossentropy", "labels": "zero_one"})
    assert payload["models"][0]["assumed"] is None
    assert "task" not in payload["models"][0]["facts"]


def test_the_assumption_is_said_in_text_and_json(run_cli):
    args = ["lint", "--units", "10", "--activation", "softmax", "--loss", "binary_crossentropy"]
    code, out, _ = run_cli(*args)
    assert code == 0    # LA108 is a warning
    assert "assumed multiclass: softmax over 10 units (--task overrides)" in out
    assert out.splitlines()[0] == "flags"
    code, out, _ = run_cli(*args, "--json")
    model = json.loads(out)["models"][0]
    assert model["assumed"] == {"task": "multiclass", "because": "softmax over 10 units"}


def test_an_explicit_task_overrides_what_the_model_implies(run_cli):
    # --task multilabel on a softmax output: the stated task wins and the existing rule says
    # that a softmax cannot serve several labels (LA120); nothing is assumed
    model = ["--units", "10", "--activation", "softmax", "--loss", "binary_crossentropy"]
    code, out, _ = run_cli("lint", *model, "--task", "multilabel", "--json")
    payload = json.loads(out)
    assert code == 1 and _codes(payload) == ["LA120"]
    assert payload["models"][0]["assumed"] is None and payload["models"][0]["facts"]["task"] == "multilabel"
    code, out, _ = run_cli("lint", *model, "--task", "multilabel")
    assert "assumed" not in out
    # a spec that states its task is read the same way
    payload = _lint_form([], {"task": "binary", "units": 1, "activation": "linear", "loss": "nn.CrossEntropyLoss"})
    assert payload["models"][0]["assumed"] is None and "LA107" in _codes(payload)


def test_an_assumed_task_gives_no_recommendation_info():
    # LA201 compares with the recommendation for a stated framing; an assumed task is none
    values = {"units": 10, "activation": "softmax", "loss": "categorical_crossentropy", "classes": 10,
              "labels": "one_hot", "framework": "keras"}
    payload = _lint_form([], values)
    assert _codes(payload) == [] and payload["clean"] is True
    assert [(i["code"], i["reason"]) for i in payload["not_applied"]] == [("LA201", "no task given")]


# ---------------------------------------------------- rules not applied, nothing checked


def test_a_clean_result_lists_the_rules_not_applied(tmp_path, run_cli):
    # Keras softmax + categorical cross-entropy: clean, but the labels (LA105: integer labels)
    # and the class count (LA123) are unknown
    model = {"units": 10, "activation": "softmax", "loss": "categorical_crossentropy"}
    for form, files, flags in _inputs(tmp_path, model, keras_loss="categorical_crossentropy"):
        payload = _lint_form(files, flags)
        assert payload["clean"] is True and payload["nothing_checked"] is False, form
        got = {(i["code"], i["reason"], tuple(i["missing"])) for i in payload["not_applied"]}
        assert got == {("LA105", "no label format given", ("labels",)),
                       ("LA123", "no class count given", ("classes",)),
                       ("LA201", "no task given", ("task",))}, form
        assert payload["models"][0]["not_applied"] == 3
        code, out, _ = run_cli(*_cli_args(files, flags))
        lines = out.splitlines()
        assert code == 0 and lines[0].endswith(": clean"), out
        assert ("not checked: LA105 (no label format given); LA123 (no class count given); "
                "LA201 (no task given); give --classes, --labels, --task to check them") in " ".join(
                    line.strip() for line in lines)
        assert lines[-1] == "Clean: no findings. 3 rules not applied for lack of facts."


def test_a_fully_described_model_is_plainly_clean(run_cli):
    code, out, _ = run_cli("lint", "--task", "multiclass", "--labels", "one_hot", "--classes", "10", "--units", "10",
                           "--activation", "softmax", "--loss", "categorical_crossentropy", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["clean"] is True and payload["not_applied"] == []
    code, out, _ = run_cli("lint", "--task", "multiclass", "--labels", "one_hot", "--classes", "10", "--units", "10",
                           "--activation", "softmax", "--loss", "categorical_crossentropy")
    assert out.splitlines() == ["✓ flags: clean", "Clean: no findings."]


def test_a_given_fact_turns_a_rule_not_applied_into_its_finding():
    base = {"units": 10, "activation": "softmax", "loss": "categorical_crossentropy"}
    assert _codes(_lint_form([], dict(base, labels="integer"))) == ["LA105"]
    assert _codes(_lint_form([], dict(base, classes=7))) == ["LA123"]


@pytest.mark.parametrize("values", [
    {"task": "binary"},                        # neither activation nor loss
    {"activation": "softmax"},                 # no loss
    {"units": 10, "classes": 10},              # the task would decide LA123; no activation, no loss
])
def test_nothing_checked_is_never_clean_and_exits_1(values, run_cli, tmp_path):
    for form, files, flags in _inputs(tmp_path, values):
        payload = _lint_form(files, flags)
        assert payload["nothing_checked"] is True and payload["clean"] is False, form
        assert payload["models"][0]["nothing_checked"] is True
        code, out, _ = run_cli(*_cli_args(files, flags))
        assert code == 1, (form, out)
        text = " ".join(out.split())
        assert ": nothing could be checked " in text     # the model's head line
        assert "Nothing could be checked: no rule had the facts it needs" in text
        code, _, _ = run_cli(*_cli_args(files, flags), "--exit-zero")
        assert code == 0


def test_one_model_of_several_with_nothing_checked_fails_the_run(tmp_path, run_cli):
    spec = tmp_path / "two.yaml"
    spec.write_text("models:\n"
                    "  - {name: full, task: binary, units: 1, labels: zero_one, activation: sigmoid, "
                    "loss: binary_crossentropy}\n"
                    "  - {name: bare, task: binary}\n")
    code, out, _ = run_cli("lint", str(spec), "--json")
    payload = json.loads(out)
    assert code == 1 and payload["nothing_checked"] is True
    assert [(m["name"], m["nothing_checked"]) for m in payload["models"]] == [("full", False), ("bare", True)]
    code, out, _ = run_cli("lint", str(spec))
    assert "; nothing could be checked in bare." in " ".join(out.split())


def test_help_documents_the_assumption_and_the_exit_code(run_cli):
    code, out, _ = run_cli("lint", "--help")
    text = " ".join(out.split())
    assert code == 0
    assert "is linted as multiclass, and the output says so; --task overrides it" in text
    assert "1 error findings, or nothing could be checked" in text


def test_stated_and_derived_facts_cover_every_fact():
    assert set(STATED_FACTS) | set(DERIVED_FACTS) == set(FACTS)
    assert all(f in STATED_FACTS for needs in DERIVED_FACTS.values() for f in needs)


def test_the_payload_with_assumptions_matches_the_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from conftest import ROOT

    from lossadvisor.render import json_text

    schema = json.loads((ROOT / "lossadvisor" / "schemas" / "lint.schema.json").read_text())
    for values in ({"units": 10, "activation": "softmax", "loss": "binary_crossentropy"}, {"task": "binary"}):
        jsonschema.validate(json.loads(json_text(_lint_form([], values))), schema)


# ------------------------------------------------- properties over random models

_ACTIVATIONS = ["softmax", "sigmoid", "linear", "relu", "log_softmax", "exponential", "tanh"]
_LOSSES = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "nn.CrossEntropyLoss", "nn.BCEWithLogitsLoss", "nn.MSELoss", "mse", "poisson", "nn.KLDivLoss",
           "optax.hinge_loss", "nn.NLLLoss", "msle", "BinaryCrossentropy(from_logits=True)"]
_STATED = {"task": ["regression", "binary", "multiclass", "multilabel", "ordinal", "segmentation"],
           "labels": ["zero_one", "plus_minus_one", "integer", "one_hot", "probabilities"],
           "classes": [2, 3, 10], "units": [1, 2, 5, 10], "target": ["real", "positive_wide", "count"],
           "target_shape": ["(N,)", "(N, 1)"], "class_weight": [True, False], "label_start": [0, 1],
           "layout": ["batch_major", "time_major"], "batch_size": [8, 512], "event_rate": [0.1, 0.9]}
_RULE_CODES = {"LA201", "LA303"}   # decided in code, not by the facts a model lacks


def _lint_or_none(values):
    """The payload, or None when the stated answers contradict each other (no task fits them all)."""
    try:
        payload = lint_models([ModelInput("m", dict(values))])
    except UsageError:
        return None
    answers = {k: v for k, v in values.items() if k in ("task", "labels", "classes", "target")}
    if "task" not in answers and not possible_answers(load_rulebase(), {}, answers).get("task"):
        return None
    return payload


_models = st.fixed_dictionaries(
    {"activation": st.sampled_from(_ACTIVATIONS), "loss": st.sampled_from(_LOSSES)},
    optional={k: st.sampled_from(v) for k, v in _STATED.items()},
)


@settings(max_examples=int(os.environ.get("LINT_FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_models)
def test_a_rule_that_a_further_fact_makes_fire_was_listed_as_not_applied(values):
    """Completeness: a model that gives one more fact finds nothing new that was not listed."""
    payload = _lint_or_none(values)
    if payload is None:
        return
    found = set(_codes(payload))
    listed = {i["code"] for i in payload["not_applied"]}
    assumed = payload["models"][0]["assumed"] is not None
    for key, choices in _STATED.items():
        if key in values or (key == "task" and assumed):   # --task overrides an assumption
            continue
        for value in choices:
            more = _lint_or_none(dict(values, **{key: value}))
            if more is not None:
                new = set(_codes(more)) - found - _RULE_CODES
                assert new <= listed, (values, key, value, new, listed)


@settings(max_examples=int(os.environ.get("LINT_FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_models)
def test_a_rule_listed_as_not_applied_fires_for_some_value_of_what_it_lacks(values):
    """Soundness: nothing is listed that no value of the missing facts could make fire."""
    payload = _lint_or_none(values)
    if payload is None:
        return
    for item in payload["not_applied"]:
        if item["code"] in _RULE_CODES:
            continue
        fired = False
        for combo in itertools.product(*(_STATED[k] for k in item["missing"])):
            more = _lint_or_none(dict(values, **dict(zip(item["missing"], combo))))
            if more is not None and item["code"] in _codes(more):
                fired = True
                break
        assert fired, (values, item)


def test_github_output_says_the_assumption_in_the_log(run_cli):
    code, out, _ = run_cli("lint", "--units", "10", "--activation", "softmax", "--loss", "binary_crossentropy",
                           "--format", "github")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("::warning title=LA108 binary-crossentropy-for-multiclass::")
    assert lines[1] == "[flags] assumed multiclass: softmax over 10 units (--task overrides)"
    assert lines[2].startswith("Found 0 errors, 1 warning")
