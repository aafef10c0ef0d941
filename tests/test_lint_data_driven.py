"""Lint decides from data, and from what the model's own output can express.

* The task a model implies is data (``implies_task`` in rules/lint.yaml), interpreted by
  :func:`lossadvisor.lint.facts.assumed_task`: changing the data changes the assumption.
* DERIVED_FACTS cannot drift from :func:`lossadvisor.lint.facts.model_facts`: over a grid of
  models, a derived fact that a missing stated fact hides or changes lists that fact.
* Output ranges against the loss: an output that is never negative before a loss that reads
  sigmoid logits or a hinge's signed score, and an output bounded in [-1, 1] before a logits
  loss, are findings for every activation of that range and every spelling of such a loss.
* Specs from standard input (``-``) and from files without a suffix (pipes, ``<(...)``).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, PYTHON, ROOT, python_env

from lossadvisor import reference
from lossadvisor.errors import InputError, RuleBaseError, UsageError
from lossadvisor.lint import ModelInput, build_lint_data, lint_models, load_lint_data, model_facts, read_input
from lossadvisor.lint.data import DERIVED_FACTS, STATED_FACTS, lint_data_path
from lossadvisor.rulebase import load_rulebase, read_yaml

DATA = load_lint_data()
RB = load_rulebase()


def _codes(payload) -> list[str]:
    return [f["code"] for f in payload["findings"]]


def _data_with(**sections):
    """The shipped lint.yaml with some sections replaced (None removes one)."""
    doc = dict(read_yaml(lint_data_path()))
    for key, value in sections.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return build_lint_data(str(lint_data_path()), doc)


# ------------------------------------------------------------- the implied task is data


def test_the_implied_task_and_its_wording_come_from_lint_yaml():
    data = _data_with(implies_task=[
        {"task": "multilabel", "when": {"output_range": "unit_interval", "units": {"min": 2}},
         "because": "{activation} on each of {units} units"},
    ])
    model = ModelInput("m", {"activation": "sigmoid", "units": 5, "loss": "nn.BCEWithLogitsLoss"})
    payload = lint_models([model], data=data)
    assert payload["models"][0]["assumed"] == {"task": "multilabel", "because": "sigmoid on each of 5 units"}
    # and the shipped entries are gone with the section: a softmax over 10 units implies nothing
    softmax = ModelInput("s", {"activation": "softmax", "units": 10, "loss": "binary_crossentropy"})
    assert lint_models([softmax], data=data)["models"][0]["assumed"] is None


def test_without_implies_task_nothing_is_assumed():
    data = _data_with(implies_task=None)
    model = ModelInput("m", {"activation": "softmax", "units": 10, "loss": "nn.CrossEntropyLoss"})
    payload = lint_models([model], data=data)
    assert payload["models"][0]["assumed"] is None
    # with the shipped data the same model is assumed multiclass, both reasons said in file order
    shipped = lint_models([ModelInput("m", dict(model.values))])["models"][0]["assumed"]
    assert shipped == {"task": "multiclass",
                       "because": "softmax over 10 units; nn.CrossEntropyLoss is a loss over exclusive classes"}


def test_entries_that_imply_different_tasks_assume_nothing():
    data = _data_with(implies_task=[
        {"task": "multiclass", "when": {"output_range": "simplex"}, "because": "{activation}"},
        {"task": "multilabel", "when": {"loss_family": "multiclass"}, "because": "{loss_spelling}"},
    ])
    model = ModelInput("m", {"activation": "softmax", "units": 10, "loss": "nn.CrossEntropyLoss"})
    assert lint_models([model], data=data)["models"][0]["assumed"] is None


@pytest.mark.parametrize(("entry", "problem"), [
    ({"task": "multiclass", "when": {"task": "binary"}, "because": "x"}, "tests 'task', not a fact"),
    ({"task": "multiclass", "when": {"colour": "red"}, "because": "x"}, "tests 'colour', not a fact"),
    ({"task": "multiclass", "when": {"units": 3}, "because": "{shade}"}, "because uses unknown name {shade}"),
    ({"task": "multiclass", "because": "x"}, "needs a task, a `when` and a `because` text"),
])
def test_implies_task_entries_are_validated(entry, problem):
    with pytest.raises(RuleBaseError) as err:
        _data_with(implies_task=[entry])
    assert any(problem in p for p in err.value.problems), err.value.problems


# ------------------------------------------------------------- a rule's wording by the facts


def _rules_with_la104_variants(variants):
    doc = dict(read_yaml(lint_data_path()))
    doc["rules"] = [dict(r, variants=variants) if r["code"] == "LA104" else r for r in doc["rules"]]
    return build_lint_data(str(lint_data_path()), doc)


def test_a_rule_is_worded_by_its_first_variant_whose_facts_hold():
    data = _rules_with_la104_variants([
        {"when": {"framework": "jax"}, "message": "never chosen: the model is Keras"},
        {"when": {"loss": "dice"}, "message": "{loss_spelling} on {activation}"},   # no fix: the rule's own
        {"when": {"framework": "keras"}, "message": "also holds, but comes second", "fix": "unused"},
    ])
    model = ModelInput("m", {"activation": "linear", "loss": "keras.losses.Dice()", "framework": "keras"})
    (finding,) = lint_models([model], data=data)["findings"]
    assert finding["message"] == "keras.losses.Dice() on linear"
    assert finding["fix"] == " ".join(data.codes["LA104"]["fix"].split())
    # no variant holds: the rule's own message
    bce = ModelInput("b", {"activation": "linear", "loss": "nn.BCELoss", "framework": "pytorch"})
    (finding,) = lint_models([bce], data=data)["findings"]
    assert finding["message"].startswith("nn.BCELoss expects probabilities but the model ends in linear")


@pytest.mark.parametrize(("variants", "problem"), [
    ([{"when": {"colour": "red"}, "message": "x"}], "variant 1 tests unknown fact 'colour'"),
    ([{"message": "x"}], "variant 1 needs `when`"),
    ([{"when": {"loss": "dice"}, "fix": "{shade}"}], "variant 1: fix uses unknown name {shade}"),
    ([{"when": {"loss": "dice"}}], "variant 1 gives neither a message nor a fix"),
    ({"when": {"loss": "dice"}}, "variants must be a list"),
])
def test_variants_are_validated(variants, problem):
    with pytest.raises(RuleBaseError) as err:
        _rules_with_la104_variants(variants)
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_the_facts_code_names_no_task():
    # the task a model implies is decided by the data; the code that applies it names none
    source = (ROOT / "lossadvisor" / "lint" / "facts.py").read_text()
    for task in RB.applicable("task", {}).values:
        assert f'"{task}"' not in source and f"'{task}'" not in source, task


# ------------------------------------------------ DERIVED_FACTS against model_facts

_GRID_ACTIVATIONS = ["linear", "log_softmax", "softmax", "sigmoid", "tanh", "relu", "softplus", "elu"]
_GRID_LOSSES = ["nn.CrossEntropyLoss", "nn.BCEWithLogitsLoss", "nn.BCELoss", "nn.NLLLoss", "nn.PoissonNLLLoss",
                "nn.PoissonNLLLoss(log_input=False)", "nn.KLDivLoss(reduction='batchmean')", "nn.MSELoss",
                "binary_crossentropy", "BinaryCrossentropy(from_logits=True)", "sparse_categorical_crossentropy",
                "hinge", "optax.softmax_cross_entropy", "msle", "poisson"]
_GRID_CONTEXTS = [{}, {"units": 10, "classes": 10, "task": "multiclass", "labels": "integer"},
                  {"units": 1, "classes": 2, "target_shape": "(N,)"}, {"task": "regression", "target": "real"}]


def _facts(values: dict) -> dict | None:
    try:
        return model_facts(ModelInput("m", dict(values)), RB, DATA)[0]
    except UsageError:
        return None


def test_a_derived_fact_hidden_or_changed_by_a_missing_stated_fact_lists_it():
    """For every model of the grid and every stated key it gives: without that key, each derived
    fact is either unchanged or unknown; unknown only when DERIVED_FACTS lists the key's fact.
    A derived fact that kept a value without the key, a different one, claimed what it cannot know
    (a linear output read as linear before the loss is known)."""
    checked = 0
    key_fact = {key: fact for fact, (_, key) in STATED_FACTS.items()}
    for act, loss, context in itertools.product(_GRID_ACTIVATIONS, _GRID_LOSSES, _GRID_CONTEXTS):
        values = dict(context, activation=act, loss=loss)
        full = _facts(values)
        if full is None:
            continue
        for key in values:
            reduced = _facts({k: v for k, v in values.items() if k != key})
            assert reduced is not None
            for derived, needs in DERIVED_FACTS.items():
                if derived not in full:
                    continue
                checked += 1
                if derived in reduced:
                    assert reduced[derived] == full[derived], (values, key, derived)
                else:
                    assert key_fact[key] in needs, (values, key, derived, needs)
    assert checked > 1000


def test_effective_activation_waits_for_the_loss_where_the_loss_decides_it():
    # a linear output is the logits of nn.CrossEntropyLoss (softmax) and of nn.MSELoss (linear)
    assert _facts({"activation": "linear", "loss": "nn.CrossEntropyLoss"})["effective_activation"] == "softmax"
    assert "effective_activation" not in _facts({"activation": "linear"})
    assert "effective_activation" not in _facts({"activation": "log_softmax"})
    # a softmax is a softmax whatever the loss
    assert _facts({"activation": "softmax"})["effective_activation"] == "softmax"


def test_a_rule_on_the_effective_activation_is_not_applied_without_the_loss():
    # LA120 (softmax on a multi-label task) could fire for a linear output: nn.CrossEntropyLoss
    payload = lint_models([ModelInput("m", {"task": "multilabel", "activation": "linear", "classes": 5,
                                            "units": 5})])
    reasons = {i["code"]: i["reason"] for i in payload["not_applied"]}
    assert "no readable loss" in reasons["LA120"]
    filled = lint_models([ModelInput("m", {"task": "multilabel", "activation": "linear", "classes": 5,
                                           "units": 5, "loss": "nn.CrossEntropyLoss"})])
    assert "LA120" in _codes(filled)


# ------------------------------------------------ output ranges against the loss


def _activations(*ranges: str) -> list[str]:
    return [name for name, spec in DATA.activations.items() if spec["range"] in ranges]


def _logits_spellings(link: str) -> list[str]:
    """Every catalog spelling of a loss that reads logits through ``link`` (from_logits=True given)."""
    out = []
    for record in DATA.losses:
        if record["link"] != link or record["custom"]:
            continue
        inp = record["input"]
        if inp == "logits":
            out.extend(record["spellings"][:1])
        elif isinstance(inp, dict) and inp.get("from_logits", {}).get(True) == "logits":
            out.append(record["spellings"][0] + "(from_logits=True)")
    return out


def _lint_codes(activation: str, loss: str, units: int = 1) -> list[str]:
    return _codes(lint_models([ModelInput("m", {"activation": activation, "loss": loss, "units": units})]))


@pytest.mark.parametrize("activation", _activations("non_negative", "positive", "near_non_negative"))
def test_a_never_negative_output_before_sigmoid_logits_is_an_error(activation):
    spellings = _logits_spellings("sigmoid")
    assert len(spellings) >= 3     # PyTorch, Keras from_logits, optax
    for loss in spellings:
        assert "LA125" in _lint_codes(activation, loss), (activation, loss)
    assert DATA.codes["LA125"]["severity"] == "error"


@pytest.mark.parametrize("activation", _activations("signed_unit"))
def test_an_output_in_minus_one_one_before_a_logits_loss_is_a_warning(activation):
    spellings = _logits_spellings("sigmoid") + _logits_spellings("softmax")
    for loss in spellings:
        assert "LA126" in _lint_codes(activation, loss, units=1 if loss in _logits_spellings("sigmoid") else 10), \
            (activation, loss)
    assert DATA.codes["LA126"]["severity"] == "warning"


@pytest.mark.parametrize("activation", _activations("unit_interval", "simplex", "non_negative", "positive",
                                                     "near_non_negative"))
@pytest.mark.parametrize("loss", ["hinge", "Hinge", "squared_hinge", "optax.losses.hinge_loss"])
def test_a_never_negative_output_before_a_hinge_is_an_error(activation, loss):
    assert "LA127" in _lint_codes(activation, loss)


def test_the_ranges_bounded_below_hold_the_activations_the_messages_name():
    assert set(_activations("near_non_negative")) == {"gelu", "silu", "mish"}
    assert set(_activations("lower_bounded")) == {"elu", "selu", "celu"}


@pytest.mark.parametrize("activation", _activations("lower_bounded"))
def test_an_output_with_a_floor_of_minus_one_or_lower_before_sigmoid_logits_is_a_warning(activation):
    for loss in _logits_spellings("sigmoid"):
        codes = _lint_codes(activation, loss)
        assert "LA128" in codes and "LA125" not in codes, (activation, loss)
    assert DATA.codes["LA128"]["severity"] == "warning"
    # a softmax over logits >= -1 still reaches any probability; a hinge margin of -1 is within reach
    assert not {"LA125", "LA126", "LA127", "LA128"} & set(_lint_codes(activation, "nn.CrossEntropyLoss", units=10))
    assert not {"LA127", "LA128"} & set(_lint_codes(activation, "hinge"))


@pytest.mark.parametrize("activation", _activations("unit_interval", "simplex"))
def test_every_probability_output_before_a_logits_loss_is_the_double_squashing_error(activation):
    # hard sigmoid and sparsemax lie in [0, 1] like sigmoid and softmax: LA101 / LA102 / LA103
    assert "LA101" in _lint_codes(activation, "nn.CrossEntropyLoss", units=10)
    assert "LA102" in _lint_codes(activation, "nn.BCEWithLogitsLoss")
    assert "LA103" in _lint_codes(activation, "BinaryCrossentropy(from_logits=True)")


@pytest.mark.parametrize("loss", ["nn.BCEWithLogitsLoss", "nn.CrossEntropyLoss", "hinge",
                                  "BinaryCrossentropy(from_logits=True)"])
def test_a_linear_output_is_none_of_these(loss):
    assert not {"LA125", "LA126", "LA127"} & set(_lint_codes("linear", loss, units=10 if "Cross" in loss else 1))


def test_the_floors_the_messages_state():
    # closed forms, checked against the reference losses
    # tanh before a 10-class cross-entropy: best logits (1, -1, ..., -1), p = e / (e + 9/e)
    best = np.array([[1.0] + [-1.0] * 9])
    floor = reference.categorical_crossentropy(np.eye(10)[:1], best, from_logits=True)
    assert math.isclose(floor, -math.log(math.e ** 2 / (math.e ** 2 + 9)), rel_tol=1e-9)
    assert 0.79 < floor < 0.80 and math.isclose(math.e ** 2 / (math.e ** 2 + 9), 0.4509, abs_tol=1e-4)
    # a sigmoid of a logit in [-1, 1] stays within [0.27, 0.73]
    assert math.isclose(1 / (1 + math.e), 0.2689, abs_tol=1e-4)
    # a never-negative logit: the best a negative example gets is logit 0, loss log 2
    assert math.isclose(reference.binary_crossentropy(np.array([[0.0]]), np.array([[0.0]]), from_logits=True),
                        math.log(2), rel_tol=1e-12)
    # a hinge on an output in (0, 1) with y = -1: max(0, 1 + y_hat) >= 1
    outputs = np.linspace(0.0, 1.0, 11)[:, None]
    assert reference.hinge(-np.ones_like(outputs), outputs) >= 1.0


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


# Closed forms of the outputs bounded below (min found by golden-section search on the formula).
_FLOORED_ACTIVATIONS = {
    "gelu": lambda x: 0.5 * x * (1 + math.erf(x / math.sqrt(2))),
    "silu": lambda x: x * _sigmoid(x),
    "mish": lambda x: x * math.tanh(math.log1p(math.exp(x))),
}


def _minimum(f, lo=-5.0, hi=0.0):
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        lo, hi = (lo, b) if f(a) < f(b) else (a, hi)
    return (lo + hi) / 2


def test_the_floors_of_gelu_silu_mish_the_messages_state():
    where = {name: _minimum(f) for name, f in _FLOORED_ACTIVATIONS.items()}
    floor = {name: _FLOORED_ACTIVATIONS[name](x) for name, x in where.items()}
    # GELU: min -0.1700 at x = -0.7518; SiLU: min -0.2785 at x = -1.2785 (SiLU' = 0 gives x sigmoid(x) = x + 1,
    # so x = -1 - W(1/e) and the minimum is -W(1/e), W(1/e) = 0.27846); Mish: min -0.3088 at x = -1.1924
    assert math.isclose(where["gelu"], -0.7518, abs_tol=1e-4) and math.isclose(floor["gelu"], -0.1700, abs_tol=1e-4)
    assert math.isclose(where["silu"], -1.2785, abs_tol=1e-4) and math.isclose(floor["silu"], -0.2785, abs_tol=1e-4)
    w = 0.278464542761074                                   # W(1/e): w e^w = 1/e
    assert math.isclose(w * math.exp(w), math.exp(-1), rel_tol=1e-12)
    assert math.isclose(floor["silu"], -w, abs_tol=1e-12) and math.isclose(where["silu"], -1 - w, abs_tol=1e-6)
    assert math.isclose(where["mish"], -1.1924, abs_tol=1e-4) and math.isclose(floor["mish"], -0.3088, abs_tol=1e-4)
    # LA125: "never below -0.31", "p never falls below 0.42", "a negative example costs at least 0.55"
    lowest = min(floor.values())
    assert -0.31 < lowest and _sigmoid(lowest) > 0.42
    negative_cost = reference.binary_crossentropy(np.array([[0.0]]), np.array([[lowest]]), from_logits=True)
    assert math.isclose(negative_cost, -math.log(1 - _sigmoid(lowest)), rel_tol=1e-9) and negative_cost > 0.55
    # the explanation's per-activation p floors 0.458, 0.431, 0.423 and costs 0.61, 0.56, 0.55
    assert [round(_sigmoid(floor[n]), 3) for n in ("gelu", "silu", "mish")] == [0.458, 0.431, 0.423]
    assert [round(-math.log(1 - _sigmoid(floor[n])), 2) for n in ("gelu", "silu", "mish")] == [0.61, 0.56, 0.55]
    # LA127: with y = -1 the hinge max(0, 1 + y_hat) stays at least 1 + floor: 0.83, 0.72, 0.69
    floors = np.array([[floor["gelu"]], [floor["silu"]], [floor["mish"]]])
    per_example = [reference.hinge(-np.ones((1, 1)), row[None, :]) for row in floors]
    assert [round(v, 2) for v in per_example] == [0.83, 0.72, 0.69] and min(per_example) > 0.69 - 0.005


def test_the_floors_of_elu_and_selu_the_warning_states():
    # ELU/CELU (alpha = 1) tend to -1; SELU to -scale * alpha (PyTorch's constants)
    selu_floor = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717
    assert math.isclose(selu_floor, -1.7581, abs_tol=1e-4)
    assert math.isclose(_sigmoid(-1), 0.269, abs_tol=1e-3) and math.isclose(_sigmoid(selu_floor), 0.147, abs_tol=1e-3)
    # "a negative example costs at least 0.31 or 0.16"
    assert round(-math.log(1 - _sigmoid(-1)), 2) == 0.31 and round(-math.log(1 - _sigmoid(selu_floor)), 2) == 0.16


# ------------------------------------------------ specs from stdin and from pipes


@pytest.mark.parametrize("files", [("-", "-"), ("-", "tests/fixtures/lint/LA125.yaml", "-")])
def test_standard_input_given_twice_is_a_usage_error(run_cli, files):
    code, out, err = run_cli("lint", *files, input="activation: relu\nloss: nn.BCEWithLogitsLoss\n")
    assert code == 2 and out == ""
    assert "- (standard input) can be given once" in err and "empty" not in err


def test_models_read_from_stdin_are_labelled_once(run_cli, tmp_path):
    two_models = "- {activation: relu, loss: nn.BCEWithLogitsLoss}\n- {activation: linear, loss: mse}\n"
    code, out, err = run_cli("lint", "-", input=two_models)
    assert "<stdin>[1]\n" in out and "✓ <stdin>[2]: clean" in out and "(<stdin>)" not in out, out
    # a file's models still name their file
    spec = tmp_path / "models.yaml"
    spec.write_text(two_models)
    code, out, err = run_cli("lint", str(spec))
    assert f"models[1] ({spec})" in out and f"models[2] ({spec})" in out, out


def test_a_spec_from_stdin(run_cli):
    code, out, err = run_cli("lint", "-", "--json", input="activation: softmax\nloss: binary_crossentropy\nunits: 10\n")
    assert code == 0, err
    payload = json.loads(out)
    assert _codes(payload) == ["LA108"] and payload["models"][0]["source"] == "<stdin>"


def test_model_to_json_from_stdin(run_cli):
    text = (FIXTURES / "lint" / "LA103.keras.json").read_text()
    code, out, _ = run_cli("lint", "-", "--task", "multiclass", "--labels", "one_hot", "--classes", "3",
                           input=text)
    assert code == 1 and "LA103" in out


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "<stdin>: the file is empty"),
    ("task: [binary\n", "<stdin>:2: YAML syntax error"),
    ("\xff", None),
])
def test_a_bad_spec_from_stdin_is_one_line_exit_2(run_cli, text, fragment):
    raw = text.encode("latin-1")
    code, out, err = run_cli("lint", "-", input=raw)
    # the file's one-line error is the whole report
    assert code == 2 and out == "" and err.count("\n") == 1
    assert (fragment or "<stdin>: not UTF-8 text (byte 0)") in err


def test_a_keras_archive_on_stdin_needs_a_regular_file(run_cli):
    code, _, err = run_cli("lint", "-", input=b"PK\x03\x04" + b"\x00" * 100)
    assert code == 2 and "<stdin>: a .keras archive needs random access" in err


def _pipe_path(content: bytes) -> tuple[str, int]:
    """A pipe holding ``content``, closed by its writer, as the /dev/fd path <(...) gives."""
    read_end, write_end = os.pipe()
    os.write(write_end, content)
    os.close(write_end)
    return f"/dev/fd/{read_end}", read_end


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="no /dev/fd")
@pytest.mark.parametrize(("content", "expected"), [
    (b"activation: softmax\nloss: binary_crossentropy\nunits: 10\n", "LA108"),       # YAML
    (b'{"activation": "sigmoid", "loss": "nn.BCEWithLogitsLoss"}', "LA102"),           # JSON
    (b"{activation: relu, loss: nn.BCEWithLogitsLoss}", "LA125"),                      # YAML flow, not JSON
])
def test_a_spec_from_a_pipe_without_suffix(content, expected):
    path, fd = _pipe_path(content)
    try:
        models = read_input(path)
    finally:
        os.close(fd)
    assert expected in _codes(lint_models(models))


def test_a_regular_file_without_suffix_is_judged_by_its_content(tmp_path):
    spec = tmp_path / "spec"
    spec.write_text("activation: tanh\nloss: nn.CrossEntropyLoss\nunits: 10\n")
    assert _codes(lint_models(read_input(str(spec)))) == ["LA126"]
    # a zip without suffix is still a .keras archive
    archive = tmp_path / "model"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("config.json", (FIXTURES / "lint" / "LA119.keras.json").read_text())
    assert read_input(str(archive))[0].kind == "keras"


def test_random_bytes_without_suffix_are_not_utf8(tmp_path):
    path = tmp_path / "noise"
    path.write_bytes(b"\x00\x9f" * 100)
    with pytest.raises(InputError, match=r"noise: not UTF-8 text \(byte 1\)"):
        read_input(str(path))


@pytest.mark.skipif(not Path("/bin/bash").exists(), reason="no bash")
def test_process_substitution_through_the_real_cli():
    script = (f"{PYTHON} -m lossadvisor lint --json "
              "<(printf 'activation: softmax\\nloss: binary_crossentropy\\nunits: 10\\n')")
    proc = subprocess.run(["/bin/bash", "-c", script], capture_output=True, text=True, env=python_env(),
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert '"LA108"' in proc.stdout
