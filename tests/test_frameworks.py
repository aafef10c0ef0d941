"""framework_code: the names, layers and programs for every rule x framework.

These tests need no deep-learning framework: they check the emitted text
(keys, compilation, structure) and run the NumPy data part of each program to
check the target shapes, dtypes and weights against values computed here.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from conftest import framework_variant_cases
from lossadvisor.engine import recommend
from lossadvisor.frameworks import FRAMEWORKS, SUPPORTED_LOSSES, framework_code
from lossadvisor.frameworks.problem import make_problem
from lossadvisor.reference.spec import STRUCTURED_TARGETS
from lossadvisor.rulebase import load_rulebase

RB = load_rulebase()


def _swap(rec, **changes):
    """A copy of a Recommendation with some fields changed."""
    fields = {name: getattr(rec, name) for name in type(rec).__slots__}
    fields.update(changes)
    return type(rec)(**fields)


def _rec(given: dict):
    from lossadvisor.engine import resolve_answers

    answers, sources = resolve_answers(RB, {k: v for k, v in given.items()})
    return recommend(RB, answers, sources)


def _case_id(answers: dict, extra: str = "") -> str:
    parts = [str(v) for k, v in answers.items() if k != "framework"]
    return "-".join([answers["framework"]] + parts) + (f"-{extra}" if extra else "")


def all_cases():
    """(id, Recommendation) for every answer set x framework, the variants and the swapped losses."""
    cases = []
    for answers in RB.answer_sets():
        for fw in FRAMEWORKS:
            rec = recommend(RB, dict(answers, framework=fw))
            cases.append((_case_id(rec.answers), rec))
    for extra, rec in framework_variant_cases(RB, FRAMEWORKS):
        cases.append((_case_id(rec.answers, extra), rec))
    return cases


CASES = all_cases()


def _cases(framework=None, where=lambda rec: True):
    """pytest params (rec, framework code) for the cases of one framework (or all) that satisfy ``where``."""
    return [pytest.param((rec, framework_code(rec, RB)), id=case_id) for case_id, rec in CASES
            if (framework is None or rec.framework == framework) and where(rec)]


ALL = _cases()


def _before_predictions(code: str) -> str:
    """The statements before the predictions block, without the docstring and comments."""
    assert "# ---- predictions" in code
    return _statements(code.split("# ---- predictions")[0])


def _statements(code: str) -> str:
    """Code without its module docstring and comments (no generated string contains '#')."""
    body = code.split('"""', 2)[2] if code.startswith('"""') else code
    return "\n".join(line.split("#")[0].rstrip() for line in body.splitlines())


def _catalog_name(loss: str, fw: str):
    return (RB.losses[loss].get("frameworks") or {}).get(fw)


# ------------------------------------------------------------------ coverage


def test_every_rule_and_loss_is_covered():
    rules = {rec.rule for _, rec in CASES}
    assert rules == set(RB.rules), "every rule of the shipped rule base gets code"
    assert len(RB.rules) == 19 + 1 + 1 + 2 + 9  # the seed's, + ordinal + sequence + survival + segmentation
    losses = {rec.loss for _, rec in CASES}
    assert losses == set(RB.losses) == set(SUPPORTED_LOSSES), "every catalog loss gets a program"
    assert {rec.framework for _, rec in CASES} == {"pytorch", "keras", "jax"}


# ------------------------------------------------------------------ every case


@pytest.mark.parametrize("case", ALL)
def test_keys_present_and_program_compiles(case):
    rec, fc = case
    for key in ("name", "output_layer", "loss", "inference", "code", "labels", "notes"):
        assert key in fc
        assert fc[key], f"{key} is empty"
    assert fc["name"] == rec.framework == rec.answers["framework"]
    assert fc["from_logits"] in (True, False, None)
    compile(fc["code"], f"<{rec.rule} {rec.framework}>", "exec")
    assert fc["code"].endswith("\n")
    assert 'print(f"loss before: ' in fc["code"] and 'print(f"loss after: ' in fc["code"]
    json.dumps(fc)  # plain data for `recommend --json`
    assert max(len(line) for line in fc["code"].splitlines()) <= 99, "lines fit a 100-column terminal"
    assert framework_code(rec, RB) == fc, "deterministic"


@pytest.mark.parametrize("case", ALL)
def test_output_layer_is_in_the_program_with_the_recommended_units(case):
    rec, fc = case
    code, layer, units = fc["code"], fc["output_layer"], rec.units
    head = re.match(r"(\w+)\(", layer)
    if head and f"class {head.group(1)}(" in code:  # a custom head (ordered cut-points), defined before the model
        assert code.index(f"class {head.group(1)}(") < code.index("# ---- the model")
        assert f"output_layer = {layer}" in code
    elif rec.framework == "pytorch":
        assert f"output_layer = {layer}" in code
        # a layer without bias where the loss cancels it (the Cox log-risk)
        assert f"nn.Linear(in_features, {units})" in layer or f"nn.Linear(in_features, {units}, bias=False)" in layer
        assert "model = nn.Sequential(nn.Linear(n_features, in_features), nn.ReLU(), output_layer)" in code
    elif rec.framework == "keras":
        assert f"output_layer = {layer}" in code
        assert re.fullmatch(rf'keras\.layers\.Dense\({units}(, activation="\w+")?(, use_bias=False)?\)', layer)
    else:
        assert f"    return {layer}" in code
        assert f"(in_features, {units})" in layer or 'params["w_out"]' in layer
        # the output weights (in_features, units), or one column the units share (CORAL; the cumulative
        # link's score); a bias per unit, or none where the loss cancels it (Cox) or cut-points absorb it
        assert re.search(rf'"w_out": jax\.random\.normal\(key_out, \(in_features, ({units}|1)\)\)', code)
        assert f'"b_out": jnp.zeros({units})' in code or '"b_out"' not in code


@pytest.mark.parametrize("case", ALL)
def test_params_reach_the_program(case):
    rec, fc = case
    code = fc["code"]
    if "delta" in rec.params:
        assert f"delta={float(rec.params['delta'])}" in code
    if "gamma" in rec.params:
        assert f"gamma={float(rec.params['gamma'])}" in code
    if "alpha" in rec.params:
        assert f"alpha={float(rec.params['alpha'])}" in code
    if "quantiles" in rec.params:
        assert ", ".join(repr(float(q)) for q in rec.params["quantiles"]) in code


@pytest.mark.parametrize("case", ALL)
def test_catalog_names_agree_with_the_program(case):
    """Where the catalog names a built-in, the program calls it; where it has none, the program says so
    and carries its own implementation."""
    rec, fc = case
    named = _catalog_name(rec.loss, rec.framework)
    code = fc["code"]
    if named:
        callable_name = named.split("(")[0]
        assert callable_name in code, f"{callable_name} not in the program"
    else:
        who = {"pytorch": "PyTorch", "keras": "Keras", "jax": "optax"}[rec.framework]
        assert f"{who} has no" in code, "a custom loss says why it is custom"


@pytest.mark.parametrize("case", _cases("pytorch"))
def test_pytorch_structure(case):
    rec, fc = case
    code = fc["code"]
    body = _before_predictions(code)
    model_line = next(line for line in code.splitlines() if line.startswith("model = "))
    layer_line = next(line for line in code.splitlines() if line.startswith("output_layer = "))
    assert "nn.Softmax" not in code and "nn.Sigmoid" not in code
    assert "softmax" not in model_line + layer_line.split("#")[0] and "sigmoid" not in model_line + layer_line.split("#")[0]
    if "CrossEntropyLoss" in code:
        # no softmax anywhere before the loss: CrossEntropyLoss takes raw logits
        assert "softmax(" not in body
        assert fc["from_logits"] is True
        assert fc["inference"] == "torch.softmax(logits, dim=-1)"
    if "BCEWithLogitsLoss" in code:
        assert "sigmoid" not in body
        assert fc["inference"] == "torch.sigmoid(logits)"
    if rec.loss == "binary_focal_crossentropy":
        # custom focal loss takes logits; torchvision's equivalent is named
        assert "torchvision.ops.sigmoid_focal_loss(logits, targets, alpha=" in code
        assert "binary_cross_entropy_with_logits(logits, targets" in code
        assert fc["inference"] == "torch.sigmoid(logits)"
    if rec.loss == "poisson":
        assert fc["loss"] == "nn.PoissonNLLLoss(log_input=True)"
        assert "loss_fn(log_rate, targets)" in code
        assert fc["inference"] == "torch.exp(log_rate)"
    if rec.loss == "kl_divergence":
        assert fc["loss"] == 'nn.KLDivLoss(reduction="batchmean")'
        assert "loss_fn(torch.log_softmax(logits, dim=-1), targets)" in code
    if rec.loss == "sparse_categorical_crossentropy" or (
        rec.loss == "categorical_focal_crossentropy" and rec.answers.get("labels") == "integer"
    ):
        assert ('y = np.argmax(x @ w_true' in code or "1 + np.argmax(score[..., 1:]" in code) and '.astype("int64")' in code
    if rec.loss == "categorical_crossentropy":
        assert 'y = np.eye(classes, dtype="float32")[labels]' in code or "y = (y / y.sum(" in code
    if rec.loss in ("hinge", "squared_hinge"):
        assert "nn.Tanh()" in fc["output_layer"]
        assert "HingeEmbeddingLoss()" not in code
    same_shape = "assert model(inputs).shape == targets.shape" in code
    if rec.loss in ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh",
                    "mean_squared_logarithmic_error", "poisson", "binary_crossentropy"):
        # a binary mask (batch, H, W) meets the (batch, H, W, 1) logits squeezed
        assert same_shape or "loss_fn(logits.squeeze(-1), targets)" in code, \
            "regression and BCE targets must have exactly the output's shape"


@pytest.mark.parametrize("case", _cases("keras"))
def test_keras_structure(case):
    rec, fc = case
    layer = fc["output_layer"]
    code = _statements(fc["code"])
    assert "import keras\n" in code
    assert "tensorflow" not in code and "tf." not in code
    assert "os.environ" not in code and "import torch" not in code and "import jax" not in code
    assert "from_logits=True" in fc["code"].split("import numpy")[0], "the Keras policy comment"
    # every tensor operation goes through keras.ops
    calls = set(re.findall(r"\b(np|numpy|jnp|torch|tf)\.(\w+)\(", _statements(fc["code"].split("# ---- the model")[1])))
    assert calls <= {("np", "where")}, calls
    if "from_logits=True" in code:
        assert "activation=" not in layer, "from_logits=True needs a linear output layer"
        assert fc["from_logits"] is True
    if 'activation="softmax"' in layer or 'activation="sigmoid"' in layer:
        assert "from_logits=True" not in code
    if rec.loss in ("binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
                    "sparse_categorical_crossentropy", "categorical_focal_crossentropy"):
        assert layer == f"keras.layers.Dense({rec.units})"
        if rec.params.get("class_weight") != "balanced" or rec.units == 1:
            assert "from_logits=True" in fc["loss"]
        act = "sigmoid" if rec.activation == "sigmoid" else "softmax"
        assert fc["inference"].startswith(f"keras.ops.{act}(logits")
    if rec.loss == "kl_divergence":
        assert layer == f'keras.layers.Dense({rec.units}, activation="softmax")'
        assert fc["from_logits"] is False
    if rec.loss == "poisson":
        assert layer == f'keras.layers.Dense({rec.units}, activation="exponential")'
    if rec.loss in ("hinge", "squared_hinge"):
        assert layer == f'keras.layers.Dense({rec.units}, activation="tanh")'
    if rec.loss == "categorical_focal_crossentropy" and rec.answers.get("labels") == "integer":
        assert "y = keras.utils.to_categorical(y, classes)" in code
    if rec.loss == "binary_focal_crossentropy" and "alpha" not in rec.params:
        assert "apply_class_balancing" not in code  # the default False: no alpha
    assert "model.fit(x, y, batch_size=n, epochs=steps" in code


@pytest.mark.parametrize("case", _cases("jax"))
def test_jax_structure(case):
    rec, fc = case
    code = fc["code"]
    body = _before_predictions(code)
    assert "import jax\n" in code and "import optax\n" in code
    assert "flax" not in code.replace("no flax", "")
    assert "import torch" not in code and "import keras" not in code
    if rec.activation in ("sigmoid", "softmax") and rec.loss != "dice_crossentropy":
        # optax's classification losses take logits: no activation before them (the custom Dice +
        # cross-entropy takes logits too, and applies the activation for its Dice term itself)
        assert "jax.nn.sigmoid(" not in body and "jax.nn.softmax(" not in body
        assert fc["from_logits"] is True
    if rec.loss == "kl_divergence":
        assert "optax.losses.kl_divergence(jax.nn.log_softmax(logits, axis=-1), y)" in code
    if rec.loss == "sparse_categorical_crossentropy":
        assert "optax.losses.softmax_cross_entropy_with_integer_labels(logits, y)" in code
    if rec.loss == "binary_focal_crossentropy":
        expected = "y, alpha=0.25, gamma=2.0" if "alpha" in rec.params else "y, gamma=2.0"
        assert f"optax.losses.sigmoid_focal_loss(logits, {expected})" in code
    if rec.loss == "poisson":
        assert "jnp.exp(log_rate) - counts * log_rate" in code
        assert fc["inference"] == "jnp.exp(log_rate)"
    assert "@jax.jit" in code and "optax.adam(learning_rate=" in code


@pytest.mark.parametrize("case", _cases(where=lambda rec: rec.params.get("class_weight") == "balanced"))
def test_weights_are_applied(case):
    rec, fc = case
    code = fc["code"]
    if rec.loss == "binary_crossentropy":
        assert "pos_weight = ((n - positives) / np.maximum(positives, 1))" in code
        expected = {"pytorch": "nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(pos_weight))",
                    "keras": "class_weight=class_weight" if rec.units == 1 else "pos_weight_tensor * y_true",
                    "jax": "jnp.where(labels == 1, pos_weight, 1.0)"}[rec.framework]
    else:
        assert "class_weight = (n / (classes * np.maximum(class_counts, 1)))" in code
        expected = {"pytorch": "nn.CrossEntropyLoss(weight=torch.from_numpy(class_weight))",
                    "keras": "class_weight=class_weight_by_class",
                    "jax": "class_weight[y]" if rec.loss == "sparse_categorical_crossentropy" else "(y @ class_weight)"
                    }[rec.framework]
    assert expected in code


# ------------------------------------------------------------------ the data each program trains on


def _run_data_part(code: str) -> dict:
    """Execute the NumPy part of a program (the seeded batch and its weights)."""
    start = code.index("rng = np.random.default_rng(0)")
    end = code.index("# ---- the model")
    head = re.search(r"^(class|def) ", code[start:end], flags=re.MULTILINE)  # a custom head's definitions
    end = start + head.start() if head else end
    namespace = {"np": np}
    exec(compile(code[start:end], "<data>", "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace


#: the PyTorch programs whose batch is rows of features (structured targets: their family's test module)
FLAT_PYTORCH = [c for c in CASES if c[1].framework == "pytorch"
                and make_problem(c[1], RB.losses[c[1].loss]).target not in STRUCTURED_TARGETS]


@pytest.mark.parametrize("rec", [c[1] for c in FLAT_PYTORCH], ids=[c[0] for c in FLAT_PYTORCH])
def test_batch_has_the_shape_and_dtype_the_loss_expects(rec):
    fc = framework_code(rec, RB)
    ns = _run_data_part(fc["code"])
    x, y, n, loss = ns["x"], ns["y"], ns["n"], rec.loss
    if rec.answers["task"] == "segmentation":  # features per pixel, a mask or class map per image
        assert x.shape == (n, 8, 8, 8) and x.dtype == np.float32
        class_map = loss == "sparse_categorical_crossentropy"  # else one-hot masks for the overlap losses
        masks = rec.answers["masks"]
        shape = (n, 8, 8) if masks == "binary" or class_map else (n, 8, 8, rec.units)
        assert y.shape == shape and y.dtype == (np.int64 if class_map else np.float32)
        assert "(batch, 8, 8" in fc["labels"]
        return
    assert x.shape == (n, 8) and x.dtype == np.float32
    loss, units = rec.loss, rec.units
    if loss == "sparse_categorical_crossentropy" or (
        loss == "categorical_focal_crossentropy" and rec.answers.get("labels") == "integer"
    ):
        assert y.dtype == np.int64 and y.shape == (n,)
        assert y.min() >= 0 and y.max() < units
        assert "shape (batch,)" in fc["labels"]
    elif loss in ("categorical_crossentropy", "categorical_focal_crossentropy", "kl_divergence"):
        assert y.dtype == np.float32 and y.shape == (n, units)
        np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)  # one-hot and probability rows sum to 1
        assert (y >= 0).all()
        if rec.answers.get("labels") == "one_hot":
            assert set(np.unique(y)) <= {0.0, 1.0}
        if loss == "kl_divergence":
            assert len(np.unique(y)) > 2, "soft labels, not one-hot"
    elif loss in ("binary_crossentropy", "binary_focal_crossentropy"):
        assert y.dtype == np.float32 and y.shape == (n, units)
        assert set(np.unique(y)) == {0.0, 1.0}
    elif loss in ("hinge", "squared_hinge"):
        assert y.dtype == np.float32 and y.shape == (n, units)
        assert set(np.unique(y)) == {-1.0, 1.0}
    elif RB.losses[loss]["family"] == "ordinal":
        levels = rec.answers["classes"]
        assert y.dtype == np.int64 and y.shape == (n,)
        assert set(np.unique(y)) == set(range(levels)), "every ordered level 0 .. classes-1 appears"
        assert "shape (batch,)" in fc["labels"]
    elif loss == "gaussian_nll":
        assert y.shape == (n, units // 2)  # 2 * outputs units: mean and variance heads
    elif loss == "quantile":
        q = len(rec.params["quantiles"])
        assert y.shape == (n, units // q)  # outputs * len(quantiles) units
    elif rec.answers["task"] == "survival":
        assert y.dtype == np.float32 and y.shape == (n, 2)  # (time or interval index, event) rows
        assert set(np.unique(y[:, 1])) == {0.0, 1.0}  # events and censored rows
    else:
        assert y.dtype == np.float32 and y.shape == (n, units)
    if loss == "poisson":
        assert (y >= 0).all() and (y == np.round(y)).all(), "counts are non-negative integers"
    if loss == "mean_squared_logarithmic_error":
        assert (y > 0).all() and y.max() / y.min() > 100, "positive and spanning orders of magnitude"


def test_imbalance_shows_in_the_batch():
    # binary, severe: about 1% positives; moderate: about 10% (quantile thresholds on 512 examples)
    for imbalance, low, high in (("none", 0.45, 0.55), ("moderate", 0.08, 0.12), ("severe", 0.005, 0.02)):
        rec = _rec({"task": "binary", "imbalance": imbalance, "framework": "pytorch"})
        y = _run_data_part(framework_code(rec, RB)["code"])["y"]
        assert low <= y.mean() <= high, (imbalance, y.mean())


def test_pos_weight_is_negatives_over_positives():
    rec = _rec({"task": "multilabel", "classes": 4, "imbalance": "moderate", "framework": "pytorch"})
    ns = _run_data_part(framework_code(rec, RB)["code"])
    y, pos_weight = ns["y"], ns["pos_weight"]
    # counted here label by label: negatives / positives
    for j in range(4):
        positives = sum(1 for v in y[:, j] if v == 1)
        negatives = sum(1 for v in y[:, j] if v == 0)
        assert pos_weight[j] == pytest.approx(negatives / positives, rel=1e-6)


@pytest.mark.parametrize("labels", ["integer", "one_hot"])
def test_class_weight_is_n_over_classes_times_count(labels):
    rec = _rec({"task": "multiclass", "labels": labels, "classes": 3, "imbalance": "moderate",
                "framework": "jax"})
    ns = _run_data_part(framework_code(rec, RB)["code"])
    y, weights, n = ns["y"], ns["class_weight"], ns["n"]
    classes = y if labels == "integer" else y.argmax(axis=1)
    for c in range(3):
        count = sum(1 for v in classes if v == c)
        assert count > 0
        # balanced weight, the scikit-learn definition: n_samples / (n_classes * count)
        assert weights[c] == pytest.approx(n / (3 * count), rel=1e-6)
    # every class then contributes the same total weight, n / classes
    for c in range(3):
        assert weights[c] * sum(1 for v in classes if v == c) == pytest.approx(n / 3, rel=1e-6)


# ------------------------------------------------------------------ fixed examples


def test_contract_example_binary_pytorch():
    rec = _rec({"task": "binary", "framework": "pytorch"})
    fc = framework_code(rec, RB)
    assert fc["output_layer"] == "nn.Linear(in_features, 1)"
    assert fc["loss"] == "nn.BCEWithLogitsLoss()"
    assert fc["inference"] == "torch.sigmoid(logits)"
    assert fc["from_logits"] is True


def test_multiclass_integer_each_framework():
    expected = {
        "pytorch": ("nn.Linear(in_features, 10)", "nn.CrossEntropyLoss()", "torch.softmax(logits, dim=-1)"),
        "keras": ("keras.layers.Dense(10)", "keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
                  "keras.ops.softmax(logits, axis=-1)"),
        "jax": ('jnp.dot(h, params["w_out"]) + params["b_out"]  # w_out: (in_features, 10)',
                "optax.losses.softmax_cross_entropy_with_integer_labels(logits, y).mean()",
                "jax.nn.softmax(logits, axis=-1)"),
    }
    for fw, (layer, loss, inference) in expected.items():
        fc = framework_code(_rec({"task": "multiclass", "labels": "integer", "classes": 10, "framework": fw}), RB)
        assert (fc["output_layer"], fc["loss"], fc["inference"]) == (layer, loss, inference)


def test_regression_default_is_the_output_itself():
    for fw in FRAMEWORKS:
        fc = framework_code(_rec({"task": "regression", "framework": fw}), RB)
        assert fc["inference"] == "the output itself"
        assert fc["from_logits"] is None


def test_gaussian_heads_split_one_layer():
    rec = _rec({"task": "regression", "uncertainty": "variance", "outputs": 3, "framework": "pytorch"})
    assert rec.units == 6 and [h["units"] for h in rec.heads] == [3, 3]
    fc = framework_code(rec, RB)
    assert fc["output_layer"] == "nn.Linear(in_features, 6)"
    assert "loss_fn(outputs[:, :3], targets, nn.functional.softplus(outputs[:, 3:]) + 1e-6)" in fc["code"]
    assert fc["loss"] == "nn.GaussianNLLLoss()"


def test_keras_policy_is_stated():
    fc = framework_code(_rec({"task": "binary", "framework": "keras"}), RB)
    assert any("from_logits=True" in note for note in fc["notes"])
    assert "from_logits=True" in fc["code"].split("import numpy")[0]  # the policy comment at the top


def test_unknown_loss_of_a_custom_catalog_does_not_crash():
    rec = _swap(_rec({"task": "regression", "framework": "jax"}), loss="tweedie", loss_name="Tweedie")
    fc = framework_code(rec, RB)
    assert fc["name"] == "jax" and fc["code"].startswith("#")
    compile(fc["code"], "<stub>", "exec")


def test_every_case_fits_the_recommend_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    schema = json.loads(resources.files("lossadvisor.schemas").joinpath("recommend.schema.json").read_text())
    framework_schema = schema["properties"]["framework"]
    for case_id, rec in CASES:
        jsonschema.validate(framework_code(rec, RB), framework_schema)
