"""The lint core: fixtures per code, clean recommended pairings, spellings, malformed specs."""

import json
import zipfile

import pytest
from conftest import FIXTURES, ROOT

from lossadvisor.errors import InputError, LossAdvisorError, UsageError
from lossadvisor.lint import (
    ModelInput,
    lint_models,
    load_lint_data,
    lookup_activation,
    lookup_loss,
    model_facts,
    parse_spelling,
    read_input,
)
from lossadvisor.rulebase import read_yaml

LINT = FIXTURES / "lint"
EXPECTED = read_yaml(LINT / "expected.yaml")


def _codes_by_model(payload):
    got = {m["name"]: [] for m in payload["models"]}
    for f in payload["findings"]:
        got[f["model"]].append(f["code"])
    return got


def _lint(**values):
    return lint_models([ModelInput("m", dict(values))])


def _codes(**values):
    return [f["code"] for f in _lint(**values)["findings"]]


def _keras_zip(config_path, tmp_path):
    """A .keras archive with the real layout (keras/src/saving/saving_lib.py):
    config.json, metadata.json, model.weights.h5 (here empty: lint never reads it)."""
    target = tmp_path / (config_path.name.replace(".keras.json", "") + ".keras")
    with zipfile.ZipFile(target, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}))
        zf.writestr("config.json", config_path.read_text())
        zf.writestr("model.weights.h5", b"")
    return target


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=str)
def test_fixture_gives_the_expected_findings(name, tmp_path):
    entry = EXPECTED[name]
    paths = [LINT / name]
    if name.endswith(".keras.json"):
        paths.append(_keras_zip(LINT / name, tmp_path))
    for path in paths:
        payload = lint_models(read_input(str(path)), flags=dict(entry.get("flags") or {}))
        assert _codes_by_model(payload) == dict(entry["findings"]), path
        errors = [f for f in payload["findings"] if f["severity"] == "error"]
        assert payload["summary"]["error"] == len(errors)
        assert payload["clean"] == (not payload["findings"])
        for f in payload["findings"]:
            assert f["message"] and "{" not in f["message"] and "{" not in f["fix"]
            assert f["source"] == str(path)


def test_spec_findings_point_at_the_line_of_the_key():
    payload = lint_models(read_input(str(LINT / "LA101.yaml")))
    (finding,) = payload["findings"]
    lines = (LINT / "LA101.yaml").read_text().splitlines()
    # LA101 points at the activation of the first model
    assert "activation: nn.Softmax" in lines[finding["line"] - 1]


def _custom_spelling(rb, loss_id: str, framework: str) -> str:
    """How the generated code of ``framework`` names a loss it has no built-in of: the catalog's custom
    spelling for that framework (the snippet's function), else the id."""
    for item in rb.losses[loss_id].get("spellings") or ():
        frameworks = item["framework"] if isinstance(item["framework"], list) else [item["framework"]]
        if item.get("custom") and framework in frameworks:
            return item["spellings"][0]
    return loss_id


def test_recommended_pairings_of_every_rule_are_clean(rb):
    """The rule base's own recommendation, spelled as the catalog names it in each framework,
    gives no error or warning; the only exception is LA117 on the positive_wide rule, whose
    linear output can go negative under MSLE (reported to the lead)."""
    from lossadvisor.engine import recommend

    data = load_lint_data()
    seen = 0
    for answers in rb.answer_sets():
        for fw in ("keras", "pytorch", "jax"):
            a = dict(answers, framework=fw)
            rec = recommend(rb, a)
            spelled = (rb.losses[rec.loss].get("frameworks") or {}).get(fw) or _custom_spelling(rb, rec.loss, fw)
            entry, kwargs, _ = lookup_loss(spelled, data, fw)
            inp = entry["input"]
            if isinstance(inp, dict):
                param, table = next(iter(inp.items()))
                inp = table[kwargs.get(param, entry["params"][param])]
            # the model emits raw values where the loss applies the activation itself
            act = {"logits": "linear", "log_rate": "linear", "log_probabilities": "log_softmax"}.get(inp, rec.activation)
            values = dict(a, activation=act, loss=spelled, units=rec.units)
            if rec.loss == "categorical_focal_crossentropy":
                values["labels"] = "one_hot"  # the generated code one-hot encodes integer labels
            payload = lint_models([ModelInput("m", values)], rb=rb)
            codes = [f["code"] for f in payload["findings"]]
            if rec.rule == "regression-positive-wide":
                assert codes == ["LA117"], (a, codes)
            elif rec.loss == "tversky" and fw == "jax" and rec.activation == "sigmoid":
                # optax's dice_loss (Tversky through alpha/beta) applies a sigmoid to one channel and a
                # softmax to several; lint reads its link as the softmax (LA201, info)
                assert codes == ["LA201"], (a, codes)
            elif rec.loss == "dice_crossentropy" and rec.params.get("exclusive"):
                # the bare name reads as its sigmoid form; lint does not read exclusive=True from the
                # name alone, so it names the softmax recommendation (LA201, info)
                assert codes == ["LA201"], (a, codes)
            else:
                assert codes == [], (a, spelled, act, payload["findings"])
            seen += 1
    assert seen > 50


# ----------------------------------------------------------------- facts


@pytest.mark.parametrize("spelling, canonical", [
    ("Softmax", "softmax"), ("nn.Softmax(dim=-1)", "softmax"), ("jax.nn.softmax", "softmax"),
    ("torch.sigmoid", "sigmoid"), ("keras.activations.sigmoid", "sigmoid"), ("nn.LogSoftmax", "log_softmax"),
    ("None", "linear"), ("nn.Identity()", "linear"), ("swish", "silu"), ("exp", "exponential"),
])
def test_activation_spellings(spelling, canonical):
    assert lookup_activation(spelling, load_lint_data()) == canonical


@pytest.mark.parametrize("spelling, loss, framework, loss_input", [
    ("nn.CrossEntropyLoss", "categorical_crossentropy", "pytorch", "logits"),
    ("CrossEntropyLoss()", "categorical_crossentropy", "pytorch", "logits"),
    ("torch.nn.functional.cross_entropy", "categorical_crossentropy", "pytorch", "logits"),
    ("BCEWithLogitsLoss", "binary_crossentropy", "pytorch", "logits"),
    ("nn.BCELoss", "binary_crossentropy", "pytorch", "probabilities"),
    ("CategoricalCrossentropy", "categorical_crossentropy", "keras", "probabilities"),
    ("categorical_crossentropy", "categorical_crossentropy", "keras", "probabilities"),
    ("keras.losses.BinaryCrossentropy(from_logits=True)", "binary_crossentropy", "keras", "logits"),
    ("tf.keras.losses.SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", "keras", "probabilities"),
    ("bce", "binary_crossentropy", "keras", "probabilities"),
    ("optax.losses.sigmoid_binary_cross_entropy", "binary_crossentropy", "jax", "logits"),
    ("optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()",
     "sparse_categorical_crossentropy", "jax", "logits"),
    ("nn.PoissonNLLLoss()", "poisson", "pytorch", "log_rate"),
    ("nn.PoissonNLLLoss(log_input=False)", "poisson", "pytorch", "rate"),
    ("nn.KLDivLoss", "kl_divergence", "pytorch", "log_probabilities"),
])
def test_loss_spellings(spelling, loss, framework, loss_input):
    facts, _ = model_facts(ModelInput("m", {"loss": spelling}), _rb(), load_lint_data())
    assert (facts["loss"], facts["framework"], facts["loss_input"]) == (loss, framework, loss_input)


def _rb():
    from lossadvisor.rulebase import load_rulebase

    return load_rulebase()


def test_cross_entropy_loss_id_follows_the_labels():
    facts, _ = model_facts(ModelInput("m", {"loss": "nn.CrossEntropyLoss", "task": "multiclass", "labels": "integer"}),
                           _rb(), load_lint_data())
    assert facts["loss"] == "sparse_categorical_crossentropy"
    facts, _ = model_facts(ModelInput("m", {"loss": "nn.CrossEntropyLoss", "task": "multiclass", "labels": "one_hot"}),
                           _rb(), load_lint_data())
    assert facts["loss"] == "categorical_crossentropy"


def test_effective_activation_of_fused_losses():
    facts, _ = model_facts(ModelInput("m", {"activation": "linear", "loss": "nn.BCEWithLogitsLoss"}), _rb(),
                           load_lint_data())
    assert facts["effective_activation"] == "sigmoid"
    facts, _ = model_facts(ModelInput("m", {"activation": "log_softmax", "loss": "nn.NLLLoss"}), _rb(),
                           load_lint_data())
    assert facts["effective_activation"] == "softmax"


def test_parse_spelling_reads_literal_keyword_arguments():
    assert parse_spelling('nn.KLDivLoss(reduction="batchmean")') == ("nn.KLDivLoss", {"reduction": "batchmean"})
    assert parse_spelling("BinaryCrossentropy(from_logits=True, label_smoothing=0.1)") == (
        "BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1})
    with pytest.raises(UsageError):
        parse_spelling("nn.MSELoss(")


def test_kl_divergence_is_ambiguous_without_a_framework():
    # keras.losses.kl_divergence takes probabilities, optax.losses.kl_divergence log-probabilities
    with pytest.raises(UsageError, match="give --framework"):
        _codes(activation="softmax", loss="kl_divergence")
    assert _codes(activation="softmax", loss="kl_divergence", framework="keras") == []
    assert _codes(activation="softmax", loss="kl_divergence", framework="jax") == ["LA110"]
    assert _codes(activation="softmax", loss="optax.losses.kl_divergence") == ["LA110"]


@pytest.mark.parametrize("values, fragment", [
    ({"activation": "sofmax", "loss": "mse"}, "unknown activation 'sofmax'; did you mean 'softmax'?"),
    ({"activation": "linear", "loss": "nn.CrossEntropyLos"}, "did you mean 'nn.CrossEntropyLoss'?"),
    ({"activation": "linear", "loss": "nn.BCELoss", "from_logits": True}, "has no from_logits"),
    ({"activation": "linear", "loss": "nn.BCELoss", "framework": "keras"}, "is a pytorch loss, not keras"),
    ({"activation": "linear", "loss": "binary_crossentropy", "framework": "pytorch"},
     "in pytorch use nn.BCELoss (takes probabilities), nn.BCEWithLogitsLoss (takes logits)"),
    ({"task": "binary", "labels": "integer"},
     "invalid value 'integer' for labels (task=binary); choose from: zero_one, plus_minus_one"),
    ({"task": "regression", "labels": "integer"}, "labels=integer does not apply to task=regression"),
    ({"task": "classification"}, "invalid value 'classification' for task"),
    ({"units": 0}, "units must be an integer >= 1"),
    ({"units": "ten"}, "units must be an integer >= 1"),
    ({"classes": 1, "task": "multiclass"}, "invalid value 1 for classes"),
    ({"target_shape": "(N, ?)"}, "target_shape must look like"),
    ({"activaton": "softmax"}, "unknown key 'activaton'; did you mean 'activation'?"),
    ({"loss": "BinaryCrossentropy(from_logits=True)", "from_logits": False}, "contradicts the loss"),
])
def test_bad_values_are_one_line_usage_errors(values, fragment):
    with pytest.raises(UsageError) as err:
        _lint(**values)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_flags_fill_in_and_conflicts_are_errors(tmp_path):
    spec = tmp_path / "m.yaml"
    spec.write_text("activation: softmax\nloss: sparse_categorical_crossentropy\nunits: 10\n")
    payload = lint_models(read_input(str(spec)), flags={"task": "multiclass", "labels": "one_hot", "classes": 10})
    assert [f["code"] for f in payload["findings"]] == ["LA106"]
    # the same activation spelled differently is no conflict
    lint_models(read_input(str(spec)), flags={"activation": "nn.Softmax"})
    # issue 11: an error for that model (named), not an exception
    (error,) = lint_models(read_input(str(spec)), flags={"activation": "sigmoid"})["errors"]
    assert error["message"] == f"{spec} says activation=softmax, but the flag gives activation=sigmoid (model m)"
    assert (error["source"], error["model"]) == (str(spec), "m")


def test_recommendation_info_names_the_recommendation():
    (finding,) = _lint(task="regression", activation="linear", loss="nn.L1Loss")["findings"]
    assert finding["code"] == "LA201" and finding["severity"] == "info"
    assert "mean_squared_error (nn.MSELoss())" in finding["message"]
    assert "rule regression-default" in finding["message"]
    assert "alternative" in finding["message"]  # MAE is listed as an alternative of the rule
    assert "lossadvisor recommend --task regression" in finding["fix"]
    # the info is left out when there is an error: the error is what matters
    assert _codes(task="regression", activation="relu", loss="nn.L1Loss") == ["LA114"]


def test_no_task_no_recommendation_and_incomplete_models_are_not_clean():
    assert _codes(activation="linear", loss="nn.L1Loss") == []
    payload = _lint(task="binary", loss="nn.BCEWithLogitsLoss")
    assert [f["code"] for f in payload["findings"]] == ["LA303"]
    assert "output activation" in payload["findings"][0]["message"]
    assert payload["clean"] is False


def test_the_json_payload_matches_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from lossadvisor.render import json_text

    schema = json.loads((ROOT / "lossadvisor" / "schemas" / "lint.schema.json").read_text())
    for name, entry in EXPECTED.items():
        payload = lint_models(read_input(str(LINT / name)), flags=dict(entry.get("flags") or {}))
        jsonschema.validate(json.loads(json_text(payload)), schema)


# ------------------------------------------------------------ spec files


@pytest.mark.parametrize("text, suffix, fragment", [
    ("", ".yaml", "the file is empty"),
    ("   \n", ".yaml", "the file is empty"),
    ("task: [binary\n", ".yaml", "YAML syntax error"),
    ("- 3\n- 4\n", ".yaml", "model 1 must be a mapping"),
    ("models: {a: 1}\n", ".yaml", "models must be a list"),
    ("models: []\n", ".yaml", "no models in the file"),
    ("just text\n", ".yaml", "expected a model (a mapping) or a list of models"),
    ("units: .nan\nactivation: linear\n", ".yaml", "units is not a finite number"),
    ("activation: {name: softmax}\n", ".yaml", "activation must be a single value"),
    ("models:\n  - {name: a, loss: mse}\n  - {name: a, loss: mae}\n", ".yaml", "two models are named 'a'"),
    ("{\"task\": \"binary\",}", ".json", "invalid JSON"),
    ("{\"units\": NaN}", ".json", "NaN is not a valid value"),
    ("[1, 2]", ".json", "model 1 must be a mapping"),
    ("task: binary\n", ".txt", "unknown kind of file"),
])
def test_malformed_spec_files_are_clear_input_errors(tmp_path, text, suffix, fragment):
    path = tmp_path / f"spec{suffix}"
    path.write_text(text)
    with pytest.raises(LossAdvisorError) as err:
        lint_models(read_input(str(path)))
    assert fragment in str(err.value)
    assert err.value.exit_code == 2
    assert str(path) in str(err.value)


def test_not_utf8_and_missing_files(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"task: \xff\xfe\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_input(str(path))
    with pytest.raises(InputError, match="cannot read"):
        read_input(str(tmp_path / "missing.yaml"))
    with pytest.raises(InputError, match="is a folder"):
        read_input(str(tmp_path))


def test_unknown_key_in_a_spec_names_the_file_and_line(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("task: binary\nactivaton: sigmoid\nloss: bce\n")
    (error,) = lint_models(read_input(str(path)))["errors"]   # issue 11: an error for that model
    assert error["message"].startswith(f"{path}:2: unknown key 'activaton'; did you mean 'activation'?")


def test_nothing_to_lint_is_a_usage_error():
    with pytest.raises(UsageError, match="nothing to lint"):
        lint_models([])
