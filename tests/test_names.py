"""One name, whatever spelling a user knows: losses and activations by any framework's name,
choices case-insensitively and by their other names, and a did-you-mean for every unknown value.

The expected ids come from the catalog itself (each `spellings:` item of rules/losses.yaml
says which loss it spells) or, for the issue's own examples, from the frameworks' documentation:
Keras 3 maps the aliases bce, kld, mse, mae and msle to its loss functions
(keras/src/losses/__init__.py, ALL_OBJECTS_DICT); torch.nn.functional.cross_entropy is
nn.CrossEntropyLoss as a function; optax.softmax_cross_entropy takes one-hot labels.
"""

import json
import textwrap

import pytest

from lossadvisor.errors import UsageError
from lossadvisor.rulebase import load_rulebase


def _spelled_losses():
    """(spelling, loss id) for every spelling of the shipped catalog, as written there."""
    rb = load_rulebase()
    return [(name, loss_id) for loss_id, entry in rb.losses.items()
            for item in entry.get("spellings") or [] for name in item["spellings"]]


SPELLINGS = _spelled_losses()


def test_the_catalog_has_spellings_to_test():
    assert len(SPELLINGS) > 60
    assert {loss for _, loss in SPELLINGS} == set(load_rulebase().losses)  # every loss has a spelling


@pytest.mark.parametrize("spelling, loss_id", SPELLINGS, ids=[f"{s}->{i}" for s, i in SPELLINGS])
def test_every_spelling_explains_its_loss(run_cli, spelling, loss_id):
    code, out, err = run_cli("explain", spelling, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["kind"], doc["loss"]["id"]) == ("loss", loss_id)
    assert doc.get("given", loss_id) == spelling  # the JSON keeps the id; `given` says how it was named


@pytest.mark.parametrize("loss_id", sorted({loss for _, loss in SPELLINGS}))
def test_every_spelling_checks_its_loss(run_cli, loss_id):
    # all the names of one loss at once: each resolves to that loss, and the loss is checked once
    names = [s for s, i in SPELLINGS if i == loss_id]
    code, out, err = run_cli("check", *names, "--framework", "none", "--json")
    assert code in (0, 1), err
    assert {row["loss"] for row in json.loads(out)["results"]} == {loss_id}


def test_every_framework_name_of_the_catalog_resolves(rb):
    from lossadvisor.names import resolve_loss

    spelled = {s.lower(): i for s, i in SPELLINGS}
    for loss_id, entry in rb.losses.items():
        for framework, name in entry["frameworks"].items():
            if name is None:
                continue
            # nn.CrossEntropyLoss() is the PyTorch name of both cross-entropies: the catalog's
            # spelling gives its default meaning (one-hot or probability targets)
            expected = spelled.get(name.split("(")[0].rsplit(".", 1)[-1].lower(), loss_id)
            assert resolve_loss(name, rb.losses) == expected, name


@pytest.mark.parametrize("name, loss_id", [
    ("mse", "mean_squared_error"), ("MSE", "mean_squared_error"), ("bce", "binary_crossentropy"),
    ("kld", "kl_divergence"), ("msle", "mean_squared_logarithmic_error"), ("mae", "mean_absolute_error"),
    ("CategoricalCrossentropy", "categorical_crossentropy"), ("keras.losses.Huber", "huber"),
    ("tf.keras.losses.BinaryCrossentropy", "binary_crossentropy"), ("Huber", "huber"),
    ("nn.CrossEntropyLoss", "categorical_crossentropy"), ("torch.nn.MSELoss", "mean_squared_error"),
    ("F.cross_entropy", "categorical_crossentropy"), ("torch.nn.functional.binary_cross_entropy_with_logits",
                                                      "binary_crossentropy"),
    ('nn.KLDivLoss(reduction="batchmean")', "kl_divergence"), ("nn.SmoothL1Loss", "huber"),
    ("optax.softmax_cross_entropy", "categorical_crossentropy"),
    ("optax.losses.softmax_cross_entropy_with_integer_labels", "sparse_categorical_crossentropy"),
    ("sigmoid_binary_cross_entropy", "binary_crossentropy"), ("  mse  ", "mean_squared_error"),
])
def test_the_issues_names(run_cli, name, loss_id):
    code, out, err = run_cli("explain", name, "--json")
    assert code == 0, err
    assert json.loads(out)["loss"]["id"] == loss_id
    code, out, err = run_cli("losses", name, "--json")
    assert code == 0, err
    assert [row["id"] for row in json.loads(out)["losses"]] == [loss_id]


def test_text_says_which_loss_a_name_means(run_cli):
    code, out, _ = run_cli("explain", "mse", env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert code == 0 and out.splitlines()[0] == "mse → mean_squared_error: Mean squared error"
    code, out, _ = run_cli("explain", "mean_squared_error", env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert out.splitlines()[0] == "mean_squared_error: Mean squared error"


def test_a_name_whose_loss_depends_on_the_labels_gives_its_default_and_says_so(run_cli):
    code, out, err = run_cli("explain", "nn.CrossEntropyLoss", "--json")
    doc = json.loads(out)
    assert doc["loss"]["id"] == "categorical_crossentropy"
    assert doc["by_labels"] == {"integer": "sparse_categorical_crossentropy"}
    code, out, _ = run_cli("explain", "nn.CrossEntropyLoss", env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert "labels=integer: sparse_categorical_crossentropy" in out


@pytest.mark.parametrize("name, activation", [
    ("sigmoid", "sigmoid"), ("nn.Sigmoid", "sigmoid"), ("jax.nn.softmax", "softmax"), ("F.softplus", "softplus"),
    ("keras.activations.linear", "linear"), ("Identity", "linear"), ("torch.exp", "exponential"), ("TANH", "tanh"),
])
def test_explain_an_activation_by_any_name(run_cli, name, activation):
    code, out, err = run_cli("explain", name, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["kind"], doc["activation"]["id"]) == ("activation", activation)


def test_an_activation_lists_the_losses_and_rules_it_pairs_with(run_cli, rb):
    code, out, _ = run_cli("explain", "sigmoid", "--json")
    entry = json.loads(out)["activation"]
    # from rules/losses.yaml: the losses whose output activation is sigmoid
    assert entry["losses"] == ["binary_crossentropy", "binary_focal_crossentropy"]
    assert entry["range"] == "unit_interval"
    assert "binary-default" in entry["recommended_by"] and "multilabel-default" in entry["recommended_by"]
    code, out, _ = run_cli("explain", "sigmoid", env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert code == 0 and "binary_crossentropy, binary_focal_crossentropy" in out
    code, out, err = run_cli("explain", "sigmoid", "--plot", "x.png")
    assert code == 2 and "--plot draws a loss; sigmoid is an activation" in err


# ---------------------------------------------------------------- which meaning wins

TWINS = textwrap.dedent('''
    schema_version: 1
    losses:
''') + "".join(textwrap.indent(textwrap.dedent(f'''
    - id: {loss_id}
      name: {loss_id}
      family: regression
      formula: "(y - ŷ)²"
      distribution: Gaussian
      likelihood: "Gaussian"
      statistic: mean
      activation: linear
      target_domain: real numbers
      prediction_domain: real numbers
      params: {{}}
      use_when: A test.
      pitfalls: [none]
      frameworks: {{keras: null, pytorch: null, jax: null}}
      spellings:
        - spellings: [twin_loss, binary-default, huber]
          framework: {framework}
          input: values
'''), "  ") for loss_id, framework in (("twin_keras", "keras"), ("twin_torch", "pytorch")))


@pytest.fixture
def twins(tmp_path):
    path = tmp_path / "twins.yaml"
    path.write_text(TWINS, encoding="utf-8")
    return str(path)


def test_a_name_of_two_losses_is_an_error_listing_both(run_cli, twins):
    for command in (("explain",), ("check", "--framework", "none"), ("losses",)):
        code, out, err = run_cli(*command, "twin_loss", "--rules", twins)
        assert (code, out) == (2, ""), err
        assert "'twin_loss' names several losses: twin_keras (keras), twin_torch (pytorch); name one by its id" in err


def test_a_framework_prefix_picks_the_framework_s_loss(run_cli, twins):
    code, out, err = run_cli("explain", "nn.twin_loss", "--rules", twins, "--json")
    assert code == 0, err
    assert json.loads(out)["loss"]["id"] == "twin_torch"
    code, out, err = run_cli("explain", "keras.losses.twin_loss", "--rules", twins, "--json")
    assert json.loads(out)["loss"]["id"] == "twin_keras"


def test_ids_come_before_spellings(run_cli, twins):
    # `binary-default` is a rule id and `huber` a loss id: a spelling does not take them over
    code, out, err = run_cli("explain", "binary-default", "--rules", twins, "--json")
    assert code == 0, err
    assert json.loads(out)["kind"] == "rule"
    code, out, err = run_cli("explain", "huber", "--rules", twins, "--json")
    assert json.loads(out)["loss"]["id"] == "huber" and "given" not in json.loads(out)
    code, out, err = run_cli("explain", "LA101", "--json")
    assert code == 0 and json.loads(out)["code"] == "LA101"


def test_ranking_of_kinds_of_name():
    from lossadvisor.names import find_loss, resolve_loss

    catalog = {
        "a": {"spellings": [{"spellings": ["shared"], "framework": "keras"}],
              "frameworks": {"pytorch": "nn.Other()"}},
        "b": {"spellings": [{"spellings": ["shared"], "framework": "jax", "custom": True}],
              "frameworks": {"pytorch": "nn.Other()", "keras": "keras.losses.A()"}},
        "c": {"spellings": "not a list", "frameworks": {"jax": "jnp.abs(x - y).mean()  # custom"}},
    }
    assert resolve_loss("shared", catalog) == "a"  # a built-in's spelling before custom code's
    assert resolve_loss("A", catalog) == "a"        # an id (case-insensitively) before a framework name
    assert resolve_loss("c", catalog) == "c"        # malformed spellings are lint's to report
    with pytest.raises(UsageError, match=r"'nn.Other\(\)' names several losses: a \(pytorch\), b \(pytorch\)"):
        resolve_loss("nn.Other()", catalog)
    assert find_loss("nothing", catalog) is None and find_loss("", catalog) is None


# ---------------------------------------------------------------- did you mean


@pytest.mark.parametrize("args, message", [
    (("explain", "bcee"), "not a loss, an activation, a rule or a lint code; did you mean 'bce'?"),
    (("explain", "nn.MSELos"), "did you mean 'nn.MSELoss'?"),
    (("explain", "sigmiod"), "did you mean 'sigmoid'?"),
    (("check", "binary_crossentropi", "--framework", "none"),
     "unknown loss 'binary_crossentropi'; did you mean 'binary_crossentropy'?"),
    (("check", "nn.BCELos", "--framework", "none"), "did you mean 'nn.BCELoss'?"),
    (("losses", "kullback_leibler"), "did you mean 'kullback_leibler_divergence'?"),
    (("explain", "huber", "--format", "jsn"), "'jsn' is not one of 'text', 'json'; did you mean 'json'?"),
    (("losses", "--family", "bnary"), "did you mean 'binary'?"),
    (("check", "mse", "--framework", "kears"), "did you mean 'keras'?"),
    (("check", "mse", "--impl", "x.py:f", "--impl-framework", "nunpy"), "did you mean 'numpy'?"),
    (("infer", "x.csv", "--task", "multiclas"), "did you mean 'multiclass'?"),
    (("lint", "--loss", "mse", "--format", "githb"), "did you mean 'github'?"),
    (("lint", "--loss", "mse", "--task", "regresion"), "did you mean 'regression'?"),
    (("lint", "--loss", "nn.CrossEntropyLoss", "--labels", "intger"), "did you mean 'integer'?"),
    (("recommend", "--task", "binray", "--no-input"),
     "invalid value 'binray' for task; choose from: regression, binary, multiclass, multilabel; "
     "did you mean 'binary'?"),
    (("recommend", "--task", "binary", "--framework", "pytroch", "--no-input"), "did you mean 'pytorch'?"),
    (("recommend", "--task", "multiclass", "--labels", "onehot", "--no-input"), "did you mean 'one_hot'?"),
    (("recommend", "--answer", "task=regresion", "--no-input"), "did you mean 'regression'?"),
])
def test_every_unknown_value_gets_a_did_you_mean(run_cli, args, message):
    code, out, err = run_cli(*args)
    assert (code, out) == (2, ""), err
    assert message in " ".join(err.split())


def test_an_answers_file_value_gets_a_did_you_mean(run_cli, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("task: multilable\n")
    code, out, err = run_cli("recommend", "--answers", str(answers), "--no-input", "--json")
    assert code == 2 and "did you mean 'multilabel'?" in err


# ---------------------------------------------------------------- case and other names


@pytest.mark.parametrize("flags, answers", [
    (("--task", "Binary", "--framework", "Keras"), {"task": "binary", "framework": "keras"}),
    (("--task", "MULTICLASS", "--labels", "Integer", "--framework", "JAX"),
     {"task": "multiclass", "labels": "integer", "framework": "jax"}),
    (("--task", "regression", "--outliers", "YES"), {"outliers": "yes"}),
    (("--task", "binary", "--framework", "torch"), {"framework": "pytorch"}),
    (("--task", "binary", "--framework", "Torch"), {"framework": "pytorch"}),
    (("--answer", "task=Binary", "--answer", "framework=torch"), {"task": "binary", "framework": "pytorch"}),
])
def test_recommend_choices_match_case_insensitively_and_give_the_canonical_value(run_cli, flags, answers):
    code, out, err = run_cli("recommend", *flags, "--no-input", "--json", "--no-check")
    assert code == 0, err
    got = json.loads(out)["answers"]
    assert {k: got[k] for k in answers} == answers


def test_an_answers_file_matches_case_insensitively(run_cli, tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text('{"task": "Multilabel", "imbalance": "Severe", "framework": "TORCH"}')
    code, out, err = run_cli("recommend", "--answers", str(answers), "--no-input", "--json", "--no-check")
    assert code == 0, err
    got = json.loads(out)["answers"]
    assert (got["task"], got["imbalance"], got["framework"]) == ("multilabel", "severe", "pytorch")


def test_click_choices_match_case_insensitively(run_cli):
    code, out, err = run_cli("losses", "--family", "Binary", "--format", "JSON")
    assert code == 0, err
    assert [row["id"] for row in json.loads(out)["losses"]] == ["binary_crossentropy", "binary_focal_crossentropy",
                                                                "hinge", "squared_hinge"]
    code, out, err = run_cli("lint", "--loss", "nn.MSELoss", "--activation", "linear", "--task", "Regression",
                             "--framework", "Torch", "--json")
    assert code == 0, err
    code, out, err = run_cli("check", "mse", "--framework", "NONE", "--json")
    assert code in (0, 1) and json.loads(out)["results"][0]["loss"] == "mean_squared_error", err


def test_infer_task_matches_case_insensitively(run_cli, tmp_path):
    data = tmp_path / "y.csv"
    data.write_text("label\n" + "\n".join(["0", "1"] * 20) + "\n")
    code, out, err = run_cli("infer", str(data), "--task", "Binary", "--json")
    assert code == 0, err
    assert json.loads(out)["answers"]["task"] == "binary"


def test_torch_and_pytorch_name_one_framework_everywhere(run_cli, monkeypatch, tmp_path):
    from lossadvisor.cli.check import check
    from lossadvisor.framework_names import FRAMEWORKS, IMPL_MODULES

    options = {p.name: p.type for p in check.params}
    for alias in ("torch", "pytorch", "Torch", "PyTorch"):
        assert options["frameworks"].convert(alias, None, None) == "pytorch"   # check --framework
        assert options["impl_framework"].convert(alias, None, None) == "torch"  # check --impl-framework
    assert "pytorch" in FRAMEWORKS and "torch" in IMPL_MODULES  # each option keeps its own ids
    # through the CLI: --impl-framework pytorch hands torch tensors (here: torch reported missing)
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    monkeypatch.setattr("lossadvisor.checks._FW_CACHE", {})  # the failed import is cached: for this test only
    (tmp_path / "f.py").write_text("def mse(y, p):\n    return ((y - p) ** 2).mean()\n")
    code, out, err = run_cli("check", "mse", "--impl", f"{tmp_path / 'f.py'}:mse", "--impl-framework", "pytorch")
    assert (code, out) == (2, "")
    assert err == "Error: --impl-framework torch: torch is not installed (pip install torch)\n"
    code, out, err = run_cli("check", "mse", "--framework", "torch", "--json")
    assert err == "Error: --framework: cannot compare with PyTorch: torch is not installed (pip install torch)\n"


@pytest.mark.skipif(__import__("importlib.util").util.find_spec("torch") is None, reason="torch is not installed")
def test_check_framework_torch_compares_with_pytorch(run_cli):
    code, out, err = run_cli("check", "mse", "--framework", "torch", "--json")
    assert code == 0, err
    rows = [r for r in json.loads(out)["results"] if r["name"].startswith("framework agreement")]
    assert [r["passed"] for r in rows] == [True] and "PyTorch" in rows[0]["detail"]


def test_check_impl_takes_a_spelled_loss(run_cli, tmp_path):
    (tmp_path / "f.py").write_text("def mse(y_true, y_pred):\n    return ((y_true - y_pred) ** 2).mean()\n")
    code, out, err = run_cli("check", "MSE", "--impl", f"{tmp_path / 'f.py'}:mse", "--json")
    assert code == 0, err
    assert {row["loss"] for row in json.loads(out)["results"]} == {"mean_squared_error"}


def test_losses_names_filter_in_order_each_once(run_cli):
    code, out, err = run_cli("losses", "bce", "mse", "mean_squared_error", "F.mse_loss", "--json")
    assert code == 0, err
    assert [row["id"] for row in json.loads(out)["losses"]] == ["binary_crossentropy", "mean_squared_error"]
    code, out, err = run_cli("losses", "bce", "mse", "--family", "binary", "--json")
    assert [row["id"] for row in json.loads(out)["losses"]] == ["binary_crossentropy"]


# ---------------------------------------------------------------- Question.parse


def test_question_parse_is_case_insensitive_takes_aliases_and_suggests(rb):
    task = rb.questions_with_id("task")[0]
    framework = rb.questions_with_id("framework")[0]
    assert task.parse(" Binary ") == "binary" and task.choice_value("MULTILABEL") == "multilabel"
    assert framework.parse("torch") == "pytorch" and framework.parse("PyTorch") == "pytorch"
    assert task.choice_value("torch") is None  # framework names belong to the framework question only
    with pytest.raises(UsageError, match=r"choose from: pytorch, keras, jax; did you mean 'pytorch'\?"):
        framework.parse("pytoch")
    with pytest.raises(UsageError, match=r"choose from: regression, binary, multiclass, multilabel$"):
        task.parse("banana")  # nothing close: no suggestion


def test_choices_that_differ_only_in_case_are_a_rule_base_problem(tmp_path):
    from lossadvisor.errors import RuleBaseError

    f = tmp_path / "q.yaml"
    f.write_text("questions:\n  - id: colour\n    prompt: Which?\n    default: red\n    choices: [red, Red]\n")
    with pytest.raises(RuleBaseError, match="duplicate choice values"):
        load_rulebase([f])
