"""`lossadvisor lint` through the CLI: formats, exit codes, errors, the pre-commit hook."""

import json
import re
import subprocess
import zipfile

import pytest
import yaml
from conftest import FIXTURES, PYTHON, ROOT, python_env

LINT = FIXTURES / "lint"


def test_double_softmax_by_flags_exits_1_with_the_code(run_cli):
    code, out, err = run_cli("lint", "--activation", "Softmax", "--loss", "nn.CrossEntropyLoss")
    assert code == 1, err
    assert "LA101" in out and "softmax-before-cross-entropy-loss" in out
    assert "Found 1 error, 0 warnings, 0 info in 1 model." in out
    assert err == ""


def test_exit_zero_reports_but_exits_0(run_cli):
    code, out, _ = run_cli("lint", "--activation", "Softmax", "--loss", "nn.CrossEntropyLoss", "--exit-zero")
    assert code == 0 and "LA101" in out


def test_clean_model_says_it_is_clean(run_cli):
    code, out, err = run_cli("lint", "--task", "binary", "--activation", "linear", "--loss", "nn.BCEWithLogitsLoss")
    assert code == 0, err
    assert "clean" in out.lower() and "Clean: no findings." in out


def test_warnings_alone_exit_0_and_are_not_clean(run_cli):
    code, out, _ = run_cli("lint", "--task", "multiclass", "--activation", "sigmoid", "--loss", "binary_crossentropy",
                           "--json")
    payload = json.loads(out)
    assert code == 0
    assert [f["code"] for f in payload["findings"]] == ["LA108"]
    assert payload["clean"] is False


def test_json_is_the_contract(run_cli):
    code, out, err = run_cli("lint", "--task", "binary", "--activation", "sigmoid", "--loss", "BinaryCrossentropy",
                             "--from-logits", "--format", "json")
    assert code == 1 and err == ""
    payload = json.loads(out)
    assert list(payload)[:3] == ["schema_version", "findings", "clean"]
    assert payload["schema_version"] == 1 and payload["clean"] is False
    (finding,) = payload["findings"]
    assert {"code", "name", "severity", "message", "fix"} <= set(finding)
    assert (finding["code"], finding["name"], finding["severity"]) == (
        "LA103", "from-logits-on-probability-output", "error")


def test_github_annotations(run_cli):
    code, out, _ = run_cli("lint", str(LINT / "LA101.yaml"), "--format", "github")
    assert code == 1
    lines = out.splitlines()
    # GitHub workflow command syntax: ::error file={name},line={line},title={title}::{message}
    annotation = lines[0]
    match = re.fullmatch(r"::error file=([^,]+),line=(\d+),title=LA101 softmax-before-cross-entropy-loss::(.+)",
                         annotation)
    assert match, annotation
    # ':' in a property value is escaped as %3A (actions/toolkit escapeProperty)
    assert match.group(1) == str(LINT / "LA101.yaml").replace(":", "%3A").replace(",", "%2C")
    # the line of the first model's `activation:` key
    first = (LINT / "LA101.yaml").read_text().splitlines().index("    activation: nn.Softmax(dim=-1)") + 1
    assert int(match.group(2)) == first
    assert "[double-softmax]" in match.group(3)
    assert lines[-1].startswith("Found 1 error")


def test_github_levels_and_escaping(run_cli, tmp_path):
    spec = tmp_path / "a,b.yaml"
    spec.write_text("models:\n"
                    "  - {name: w, task: multiclass, activation: sigmoid, loss: binary_crossentropy}\n"
                    "  - {name: i, task: regression, activation: linear, loss: nn.L1Loss}\n")
    code, out, _ = run_cli("lint", str(spec), "--format", "github")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("::warning file=") and "a%2Cb.yaml" in lines[0]
    assert lines[1].startswith("::notice file=")  # info -> notice


def test_files_and_keras_archives_together(run_cli, tmp_path):
    archive = tmp_path / "model.keras"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("metadata.json", "{}")
        zf.writestr("config.json", (LINT / "LA119.keras.json").read_text())
        zf.writestr("model.weights.h5", b"")
    code, out, err = run_cli("lint", str(archive), str(LINT / "LA303.yaml"), "--task", "binary", "--json")
    assert err == ""
    payload = json.loads(out)
    assert code == 1  # LA119 (error) in the archive, LA303 (warning) in the spec
    assert [(f["source"], f["code"]) for f in payload["findings"]] == [
        (str(archive), "LA119"), (str(LINT / "LA303.yaml"), "LA303")]
    # flags apply to every file; one that contradicts a file is an error
    code, out, err = run_cli("lint", str(archive), str(LINT / "clean.yaml"), "--task", "binary")
    assert code == 2 and "clean.yaml says task=multiclass, but the flag gives task=binary" in err


@pytest.mark.parametrize("args, fragment, report", [
    ((), "nothing to lint", ""),
    (("--activation", "sofmax", "--loss", "mse"), "did you mean 'softmax'?", ""),
    (("--task", "binary", "--labels", "integer", "--loss", "bce"), "invalid value 'integer' for labels", ""),
    (("--format", "xml"), "Invalid value for '--format'", ""),  # sarif is a format since issue 10
    # issue 11: a file that cannot be read, and nothing else: its error is the whole report
    (("does-not-exist.yaml",), "does-not-exist.yaml: cannot read", ""),
    (("--answer", "imbalance", "--task", "binary"), "--answer takes ID=VALUE", ""),
])
def test_usage_and_input_errors_exit_2_with_one_line(run_cli, args, fragment, report):
    code, out, err = run_cli("lint", *args)
    assert code == 2
    assert out == report
    assert err.startswith("Error: ") and err.count("\n") == 1
    assert fragment in err


def test_broken_archive_exits_2(run_cli, tmp_path):
    path = tmp_path / "m.keras"
    path.write_text("not a zip")
    code, _, err = run_cli("lint", str(path))
    assert code == 2 and "not a zip archive" in err


def test_answer_sets_other_questions(run_cli):
    code, out, _ = run_cli("lint", "--task", "binary", "--activation", "linear", "--loss",
                           "torchvision.ops.sigmoid_focal_loss", "--answer", "imbalance=severe", "--json")
    assert code == 0
    # severe imbalance: the rule base recommends focal loss, so no LA201
    assert json.loads(out)["findings"] == []


def test_help_has_examples(run_cli):
    code, out, _ = run_cli("lint", "--help")
    assert code == 0 and "Examples:" in out and "lossadvisor lint --activation Softmax" in out
    assert "--format [text|json|github|sarif]" in out  # sarif since issue 10


def test_pre_commit_hook_runs_the_lint_command():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    # issue 11 adds a second hook, for training scripts (tests/test_lint_scripts_cli.py)
    hook = hooks[0]
    assert [h["id"] for h in hooks] == ["lossadvisor-lint", "lossadvisor-lint-scripts"]
    assert hook["entry"] == "lossadvisor lint" and hook["language"] == "python"
    files = re.compile(hook["files"])
    for name in ("model.keras", "ml/clf.keras", "lossadvisor.yaml", "models/clf.lossadvisor.yml",
                 "x.lossadvisor.json"):
        assert files.search(name), name
    for name in ("config.yaml", "model.keras.bak", "mylossadvisor.yaml"):
        assert not files.search(name), name


def test_console_script_subprocess_and_no_color(tmp_path):
    spec = tmp_path / "m.lossadvisor.yaml"
    spec.write_text("task: binary\nactivation: sigmoid\nloss: nn.BCEWithLogitsLoss\n")
    out = subprocess.run([PYTHON, "-m", "lossadvisor", "lint", str(spec)], capture_output=True, text=True,
                         env=python_env(NO_COLOR="1"), check=False)
    assert out.returncode == 1
    assert "\x1b[" not in out.stdout
    assert "LA102" in out.stdout and str(spec) in out.stdout


def test_a_rules_overlay_loss_with_spellings_is_understood_by_lint(run_cli, tmp_path):
    overlay = tmp_path / "wobble.yaml"
    overlay.write_text(yaml.safe_dump({"losses": [{
        "id": "wobble", "name": "Wobble loss", "formula": "w(y, z)", "distribution": "Wobble",
        "activation": "sigmoid",
        "spellings": [
            {"spellings": ["nn.WobbleLoss", "WobbleLoss"], "framework": "pytorch", "input": "logits",
             "link": "sigmoid"},
            {"spellings": ["wobble_loss"], "framework": "keras", "input": "probabilities"},
        ],
    }]}))
    code, _, err = run_cli("lint", "--activation", "linear", "--loss", "nn.WobbleLoss", "--json")
    assert code == 2 and "unknown loss 'nn.WobbleLoss'" in err
    code, out, err = run_cli("lint", "--rules", str(overlay), "--activation", "linear", "--loss", "nn.WobbleLoss",
                             "--json")
    assert code == 0, err
    facts = json.loads(out)["models"][0]["facts"]
    assert (facts["loss"], facts["framework"], facts["loss_input"], facts["effective_activation"]) == (
        "wobble", "pytorch", "logits", "sigmoid")
    # a Keras model compiled with the overlay's spelling is read with the same rule base: its
    # linear output feeds a loss that the overlay says takes probabilities
    doc = json.loads((LINT / "clean.keras.json").read_text())
    doc["compile_config"]["loss"] = "wobble_loss"
    model = tmp_path / "model.json"
    model.write_text(json.dumps(doc))
    code, out, err = run_cli("lint", "--rules", str(overlay), str(model), "--json")
    payload = json.loads(out)
    assert code == 1, err
    assert [f["code"] for f in payload["findings"]] == ["LA104"]
    assert payload["models"][0]["facts"]["loss"] == "wobble"


@pytest.mark.parametrize("flag, pair", [
    (("--task", "Binary"), "task=binary"), (("--task", "binary"), "task=BINARY"),
    (("--framework", "torch"), "framework=pytorch"), (("--framework", "PyTorch"), "framework=torch"),
])
def test_a_flag_and_an_answer_that_name_one_value_agree_as_in_recommend(run_cli, flag, pair):
    # lint reads flags and --answer as recommend does (lossadvisor.answers.given_answers): one
    # value spelled two ways is no conflict
    args = ("--activation", "linear", "--loss", "nn.BCEWithLogitsLoss", *flag, "--answer", pair)
    code, out, err = run_cli("lint", *args, "--json")
    assert code == 0, err
    code, out, err = run_cli("recommend", *flag, "--answer", pair, "--task", "binary", "--no-input", "--no-check")
    assert code == 0, err


def test_a_flag_and_an_answer_that_conflict_say_so_in_recommend_s_words(run_cli):
    code, out, err = run_cli("lint", "--loss", "bce", "--task", "binary", "--answer", "task=regression")
    assert (code, out) == (2, "")
    lint_message = err.split(" (see")[0]
    code, out, err = run_cli("recommend", "--task", "binary", "--answer", "task=regression", "--no-input")
    assert code == 2 and err.split(" (see")[0] == lint_message
    assert lint_message == "Error: --task binary conflicts with --answer task=regression"
