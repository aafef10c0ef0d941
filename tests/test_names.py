"""One name, whatever spelling a user knows: losses and activations by any framework's name,
choices case-insensitively and by their other names, and a did-you-mean for every unknown value.

The expected ids come from the catalog itself (each `spellings:` item of rules/losses.yaml
says which loss it spells) or, for the issue's own examples, from the frameworks' documentation:
Keras 3 maps the aliases bce, kld, mse, mae and msle to its loss functions
(keras/src/losses/__init__.py, ALL_OBJECTS_DICT); torch.nn.functional.cross_entropy is
nn.CrossEntropyLoss as a function; optax.softmax_cross_entropy takes one-hot labels.
"""

import json
import re
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
    ("nn.KLDivLoss()", "kl_divergence"), ("keras.losses.Huber(delta=2.0)", "huber"), ("nn.SmoothL1Loss", "huber"),
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
    # from rules/losses.yaml: the losses whose output activation is sigmoid, in catalog order
    assert entry["losses"] == ["binary_crossentropy", "binary_focal_crossentropy", "dice", "dice_crossentropy",
                               "tversky", "discrete_time_hazard", "corn", "coral"]
    assert entry["range"] == "unit_interval"
    assert "binary-default" in entry["recommended_by"] and "multilabel-default" in entry["recommended_by"]
    code, out, _ = run_cli("explain", "sigmoid", env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert code == 0 and "binary_crossentropy, binary_focal_crossentropy" in out
    code, out, err = run_cli("explain", "sigmoid", "--plot", "x.png")
    assert code == 2 and "--plot draws a loss; sigmoid is an activation" in err


# ---------------------------------------------------------------- which meaning wins

def _overlay_loss(loss_id: str, spellings: str = "", frameworks: str = "") -> str:
    """A catalog entry for an overlay, with the given `spellings:` / `frameworks:` YAML (or none)."""
    return textwrap.indent(textwrap.dedent(f'''
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
    ''') + textwrap.indent(spellings + frameworks, "  "), "  ")


TWINS = "schema_version: 1\nlosses:\n" + "".join(
    _overlay_loss(loss_id, textwrap.dedent(f"""\
        frameworks: {{keras: null, pytorch: null, jax: null}}
        spellings:
          - spellings: [twin_loss, binary-default, huber]
            framework: {framework}
            input: values
    """)) for loss_id, framework in (("twin_keras", "keras"), ("twin_torch", "pytorch")))


def _rule_file(folder, name: str, text: str) -> str:
    """An overlay rule file written for a test: its path, for --rules."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def twins(tmp_path):
    return _rule_file(tmp_path, "twins.yaml", TWINS)


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
     "invalid value 'binray' for task; choose from: regression, binary, multiclass, multilabel, ordinal, segmentation, sequence, survival; "
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
    code, out, err = run_cli("losses", "bce", "--family", "binary", "--json")
    assert [row["id"] for row in json.loads(out)["losses"]] == ["binary_crossentropy"]
    # a named loss outside --family is an error (it used to be dropped silently): see
    # test_a_named_loss_outside_the_family_is_a_usage_error


# ---------------------------------------------------------------- Question.parse


def test_question_parse_is_case_insensitive_takes_aliases_and_suggests(rb):
    task = rb.questions_with_id("task")[0]
    framework = rb.questions_with_id("framework")[0]
    assert task.parse(" Binary ") == "binary" and task.choice_value("MULTILABEL") == "multilabel"
    assert framework.parse("torch") == "pytorch" and framework.parse("PyTorch") == "pytorch"
    assert task.choice_value("torch") is None  # framework names belong to the framework question only
    with pytest.raises(UsageError, match=r"choose from: pytorch, keras, jax; did you mean 'pytorch'\?"):
        framework.parse("pytoch")
    with pytest.raises(UsageError, match=r"choose from: regression, binary, multiclass, multilabel, ordinal, segmentation, sequence, survival$"):
        task.parse("banana")  # nothing close: no suggestion


def test_choices_that_differ_only_in_case_are_a_rule_base_problem(tmp_path):
    from lossadvisor.errors import RuleBaseError

    f = tmp_path / "q.yaml"
    f.write_text("questions:\n  - id: colour\n    prompt: Which?\n    default: red\n    choices: [red, Red]\n")
    with pytest.raises(RuleBaseError, match="duplicate choice values"):
        load_rulebase([f])


# ---------------------------------------------------------------- one resolution for every command


MY_MSE = "schema_version: 1\nlosses:\n" + _overlay_loss("my_mse", textwrap.dedent('''\
    spellings:
      - spellings: [nn.MSELoss]
        framework: pytorch
        input: values
'''))


@pytest.fixture
def my_mse(tmp_path):
    return _rule_file(tmp_path, "my-mse.yaml", MY_MSE)


def test_an_overlay_spelling_wins_over_the_shipped_one_in_every_command(run_cli, my_mse):
    # the overlay rule: a later rule file replaces what an earlier one says (here, what nn.MSELoss means)
    code, out, err = run_cli("explain", "nn.MSELoss", "--rules", my_mse, "--json")
    assert code == 0, err
    assert json.loads(out)["loss"]["id"] == "my_mse"
    code, out, err = run_cli("check", "nn.MSELoss", "--rules", my_mse, "--framework", "none", "--json")
    assert {row["loss"] for row in json.loads(out)["results"]} == {"my_mse"}, err
    code, out, err = run_cli("losses", "torch.nn.MSELoss", "--rules", my_mse, "--json")
    assert [row["id"] for row in json.loads(out)["losses"]] == ["my_mse"], err
    from lossadvisor.lint import load_lint_data, lookup_loss

    data = load_lint_data(rb=load_rulebase([my_mse]))
    assert lookup_loss("nn.MSELoss", data)[0]["loss"] == "my_mse"           # lint used to say mean_squared_error
    assert lookup_loss("nn.MSELoss()", data, "pytorch")[0]["loss"] == "my_mse"
    assert lookup_loss("mse", data)[0]["loss"] == "mean_squared_error"      # the other names keep their loss
    # without the overlay, the shipped meaning
    assert lookup_loss("nn.MSELoss", load_lint_data())[0]["loss"] == "mean_squared_error"


def test_lint_reports_a_name_of_two_losses_of_one_file_as_the_other_commands_do(twins):
    from lossadvisor.lint import load_lint_data, lookup_loss

    data = load_lint_data(rb=load_rulebase([twins]))
    with pytest.raises(UsageError, match=r"'twin_loss' names several losses: twin_keras \(keras\), twin_torch "):
        lookup_loss("twin_loss", data)
    assert lookup_loss("nn.twin_loss", data)[0]["loss"] == "twin_torch"    # a prefix decides, as for explain
    assert lookup_loss("twin_loss", data, "keras")[0]["loss"] == "twin_keras"  # so does the model's framework


def test_lint_and_names_agree_on_every_shipped_spelling(rb):
    # lint's lookup and names.find_loss are asked the same question: the same loss for every
    # spelling, with no framework and with each framework a spelling is written for
    from lossadvisor.lint import load_lint_data, lookup_loss
    from lossadvisor.names import find_loss

    data = load_lint_data()
    for record in data.losses:
        for spelling in record["spellings"]:
            for framework in (None, *record["frameworks"]):
                try:
                    entry, _, _ = lookup_loss(spelling, data, framework)
                except UsageError:
                    continue  # lint asks for --framework: a question of input form, not of which loss
                assert entry["loss"] == find_loss(spelling, rb.losses, framework).id, (spelling, framework)


WRONG_MSE = str(__import__("conftest").FIXTURES / "rules" / "wrong-mse-worked-example.yaml")


def test_an_overriding_entry_keeps_the_names_of_the_loss(run_cli):
    # the fixture replaces mean_squared_error's worked example and gives no spellings or frameworks:
    # mse, nn.MSELoss and the framework names still name it in every command
    code, out, err = run_cli("check", "mse", "--rules", WRONG_MSE, "--framework", "none", "--json")
    assert code == 1, err  # the fixture's worked example is deliberately wrong: 4 where (1 + 9) / 2 = 5
    rows = json.loads(out)["results"]
    assert {r["loss"] for r in rows} == {"mean_squared_error"}
    assert [r["passed"] for r in rows if r["name"] == "worked example"] == [False]
    code, out, err = run_cli("explain", "nn.MSELoss", "--rules", WRONG_MSE, "--json")
    assert code == 0, err
    loss = json.loads(out)["loss"]
    assert loss["id"] == "mean_squared_error" and loss["frameworks"]["pytorch"] == load_rulebase().losses[
        "mean_squared_error"]["frameworks"]["pytorch"]
    code, out, err = run_cli("lint", "--rules", WRONG_MSE, "--loss", "nn.MSELoss", "--activation", "linear",
                             "--task", "regression", "--json")
    assert code == 0, err
    code, out, err = run_cli("rules", "validate", WRONG_MSE, "--json")
    assert code == 0 and json.loads(out)["valid"], out
    # rules validate, lint and the other commands read the one merged entry
    merged = load_rulebase([WRONG_MSE]).losses["mean_squared_error"]
    assert merged["spellings"] == load_rulebase().losses["mean_squared_error"]["spellings"]
    assert merged["worked_example"]["expected"] == 4.0


def test_an_overriding_entry_with_its_own_names_replaces_them(run_cli, tmp_path):
    path = _rule_file(tmp_path, "renamed.yaml", "schema_version: 1\nlosses:\n" + _overlay_loss(
        "mean_squared_error", textwrap.dedent('''\
        spellings:
          - spellings: [squared_error_of_mine]
            framework: keras
            input: values
        frameworks: {keras: null, pytorch: null, jax: null}
    ''')))
    code, out, err = run_cli("explain", "squared_error_of_mine", "--rules", path, "--json")
    assert code == 0 and json.loads(out)["loss"]["id"] == "mean_squared_error", err
    code, out, err = run_cli("explain", "nn.MSELoss", "--rules", path, "--json")
    assert code == 2 and "unknown id 'nn.MSELoss'" in err


# ---------------------------------------------------------------- a call's arguments


def _rows(out: str) -> list:
    return [(r["loss"], r["name"], r["passed"], r["detail"]) for r in json.loads(out)["results"]]


@pytest.mark.parametrize("call, flags", [
    ("keras.losses.Huber(delta=2.0)", ("huber", "--param", "delta=2.0")),
    ("nn.HuberLoss(delta=0.5)", ("huber", "--param", "delta=0.5")),
    ("CategoricalFocalCrossentropy(gamma=1.0, alpha=0.5)",
     ("categorical_focal_crossentropy", "--param", "gamma=1.0", "--param", "alpha=0.5")),
])
def test_check_reads_a_call_s_parameters_as_param_does(run_cli, call, flags):
    # the same loss with the same parameters: the same checks, detail for detail
    code, by_call, err = run_cli("check", call, "--framework", "none", "--json")
    assert code == 0, err
    code, by_flag, err = run_cli("check", *flags, "--framework", "none", "--json")
    assert _rows(by_call) == _rows(by_flag)
    code, default, _ = run_cli("check", flags[0], "--framework", "none", "--json")
    assert _rows(by_call) != _rows(default)  # the parameter changed the checks: it was not dropped


@pytest.mark.parametrize("args, message", [
    (("check", "keras.losses.BinaryCrossentropy(from_logits=True)"),
     "'keras.losses.BinaryCrossentropy(from_logits=True)': from_logits is not a parameter of binary_crossentropy "
     "(it takes none); only a loss's parameters are read from a call: name the loss without from_logits"),
    (("check", 'nn.KLDivLoss(reduction="sum")'), "reduction is not a parameter of kl_divergence (it takes none)"),
    (("check", "keras.losses.Huber(delta=2.0, reduction='sum')"),
     "reduction is not a parameter of huber (it takes delta)"),
    (("check", "keras.losses.Huber(delta=2.0)", "--param", "delta=3"),
     "'keras.losses.Huber(delta=2.0)' gives delta=2.0 but --param gives delta=3; give one"),
    (("check", "Huber(delta=2.0)", "nn.HuberLoss(delta=1.5)"),
     "huber is named with delta=2.0 and with delta=1.5; give one"),
    (("explain", 'nn.KLDivLoss(reduction="batchmean")'), "reduction is not a parameter of kl_divergence"),
    (("losses", "BinaryCrossentropy(from_logits=True)"), "from_logits is not a parameter of binary_crossentropy"),
])
def test_any_other_argument_of_a_call_is_a_usage_error(run_cli, args, message):
    code, out, err = run_cli(*args, "--framework", "none") if args[0] == "check" else run_cli(*args)
    assert (code, out) == (2, ""), err
    assert message in " ".join(err.split())


def test_a_call_and_param_that_agree_are_one_parameter(run_cli):
    code, out, err = run_cli("check", "Huber(delta=2)", "--param", "delta=2.0", "--framework", "none", "--json")
    assert code == 0, err


def test_explain_shows_the_parameters_a_call_gives(run_cli):
    code, out, err = run_cli("explain", "keras.losses.Huber(delta=2.0)", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["loss"]["params"] == {"delta": 2.0} and doc["given"] == "keras.losses.Huber(delta=2.0)"
    code, out, _ = run_cli("explain", "keras.losses.Huber(delta=2.0)", env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert "Parameters         delta=2.0" in out
    code, out, _ = run_cli("explain", "huber", "--json")
    assert json.loads(out)["loss"]["params"] == {"delta": 1.0}  # the catalog's default is untouched


def test_the_api_check_reads_a_call_too(tmp_path):
    import lossadvisor

    by_call = lossadvisor.check("keras.losses.Huber(delta=2.0)", frameworks="none")
    by_param = lossadvisor.check("huber", frameworks="none", params={"delta": 2.0})
    assert by_call.results == by_param.results
    with pytest.raises(UsageError, match="from_logits is not a parameter of binary_crossentropy"):
        lossadvisor.check("BinaryCrossentropy(from_logits=True)", frameworks="none")


def test_check_impl_reads_a_call_s_parameters(run_cli, tmp_path):
    # Huber with delta = 2 by hand: ½e² within 2, 2(|e| - 1) beyond; a function with delta 2 passes
    # only when the reference uses delta 2 as well
    (tmp_path / "h.py").write_text(
        "import numpy as np\n"
        "def huber2(y_true, y_pred):\n"
        "    e = np.abs(y_true - y_pred)\n"
        "    return float(np.mean(np.where(e <= 2, 0.5 * e ** 2, 2 * (e - 1))))\n")
    impl = f"{tmp_path / 'h.py'}:huber2"
    code, out, err = run_cli("check", "keras.losses.Huber(delta=2.0)", "--impl", impl, "--json")
    assert code == 0, err
    code, out, err = run_cli("check", "huber", "--impl", impl, "--json")
    assert code == 1, err
    code, out, err = run_cli("check", "Huber(from_logits=True)", "--impl", impl)
    assert code == 2 and "from_logits is not a parameter of huber (it takes delta)" in err


# ---------------------------------------------------------------- bounded echoes, families, activations


LONG = "a" * 100_000


@pytest.mark.parametrize("args", [
    ("explain", LONG), ("check", LONG, "--framework", "none"), ("losses", LONG),
    ("check", f"Huber({LONG}=1)", "--framework", "none"), ("explain", f"Huber({LONG}=1)"),
    ("lint", "--loss", LONG), ("lint", "--loss", f"nn.BCELoss(x='{LONG}')", "--framework", "keras"),
    ("recommend", "--answer", f"{LONG}=1", "--no-input", "--no-check"),
])
def test_a_huge_name_is_not_echoed_whole(run_cli, args):
    code, out, err = run_cli(*args)
    assert (code, out) == (2, "")
    assert len(err) < 1000 and re.search(r"\.\.\. \(100,0\d\d characters\)", err), err[:300]


def test_a_named_loss_outside_the_family_is_a_usage_error(run_cli):
    code, out, err = run_cli("losses", "--family", "regression", "bce")
    assert (code, out) == (2, "")
    assert "bce (binary_crossentropy) is not in the regression family: it is a binary loss" in err
    code, out, err = run_cli("losses", "--family", "binary", "huber")
    assert code == 2 and "huber is not in the binary family: it is a regression loss" in err


@pytest.mark.parametrize("command", [("losses",), ("check", "--framework", "none")])
@pytest.mark.parametrize("name, activation", [("sigmoid", "sigmoid"), ("nn.Softmax", "softmax")])
def test_an_activation_where_a_loss_is_expected_points_to_explain(run_cli, command, name, activation):
    code, out, err = run_cli(command[0], name, *command[1:])
    assert (code, out) == (2, "")
    named = "" if name == activation else f" ({activation})"
    assert f"'{name}' is an activation{named}, not a loss; 'lossadvisor explain {activation}'" in err


# ---------------------------------------------------------------- unknown question ids


@pytest.mark.parametrize("args, message", [
    (("--task", "binary", "--answer", "imbalnce=severe"), "unknown question 'imbalnce'; did you mean 'imbalance'?"),
    (("--answer", "tsk=binary"), "unknown question 'tsk'; did you mean 'task'?"),
    (("--answer", "Task=binary"), "unknown question 'Task'; did you mean 'task'?"),
    (("--answer", "zzz=1"), "unknown question 'zzz'; the questions are: task, target,"),
])
def test_an_unknown_question_id_gets_a_did_you_mean(run_cli, args, message):
    code, out, err = run_cli("recommend", *args, "--no-input", "--no-check")
    assert (code, out) == (2, ""), err
    assert message in err


def test_an_unknown_question_id_of_an_answers_file_or_the_api_gets_a_did_you_mean(run_cli, tmp_path):
    import lossadvisor

    answers = tmp_path / "answers.yaml"
    answers.write_text("tsk: binary\n")
    code, out, err = run_cli("recommend", "--answers", str(answers), "--no-input", "--no-check")
    assert code == 2 and "unknown question 'tsk'; did you mean 'task'?" in err
    with pytest.raises(UsageError, match=r"unknown question 'framwork'; did you mean 'framework'\?"):
        lossadvisor.recommend(task="binary", framwork="keras", check=False)


# ---------------------------------------------------------------- framework names


def test_every_reader_of_a_framework_name_gives_the_same_framework(rb):
    from lossadvisor.api import chosen_frameworks
    from lossadvisor.cli.check import check
    from lossadvisor.framework_names import FRAMEWORKS, IMPL_MODULES, SAME_FRAMEWORK, framework_id

    framework_option = {p.name: p.type for p in check.params}["frameworks"]
    question = rb.questions_with_id("framework")[0]
    for names in SAME_FRAMEWORK:
        for name in names:
            for spelled in (name, name.upper(), f" {name.title()} "):
                expected = framework_id(spelled)
                assert expected in FRAMEWORKS and framework_id(spelled, tuple(IMPL_MODULES)) in IMPL_MODULES
                assert question.parse(spelled) == expected
                assert chosen_frameworks([spelled]) == [expected]
                assert framework_option.convert(spelled.strip(), None, None) == expected
    assert framework_id("tensorflow") is None and question.choice_value("tensorflow") is None


def test_lint_takes_an_id_as_the_other_commands_do_even_where_another_loss_spells_it(run_cli, tmp_path):
    # an id comes before any spelling: `plain` is the loss plain everywhere; lint has no spelling
    # of plain to read its input form from, and says so instead of linting the other loss
    path = tmp_path / "plain.yaml"
    path.write_text("schema_version: 1\nlosses:\n" + _overlay_loss("plain") + _overlay_loss(
        "spells_plain", textwrap.dedent('''\
            spellings:
              - spellings: [plain]
                framework: keras
                input: values
        ''')), encoding="utf-8")
    code, out, err = run_cli("explain", "plain", "--rules", str(path), "--json")
    assert code == 0 and json.loads(out)["loss"]["id"] == "plain", err
    code, out, err = run_cli("lint", "--rules", str(path), "--loss", "plain")
    assert (code, out) == (2, "")
    assert "'plain' names the loss plain, which has no spelling 'plain' for lint to read" in err
