"""`lossadvisor recommend` through the real entry point: flags, answer files, JSON, errors."""

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from conftest import PYTHON, ROOT, python_env

SCHEMA = json.loads((ROOT / "lossadvisor" / "schemas" / "recommend.schema.json").read_text())


def _json(run_cli, *args):
    code, out, err = run_cli("recommend", *args, "--json")
    assert code == 0, err
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    return doc


def test_contract_example(run_cli):
    doc = _json(run_cli, "--task", "binary", "--framework", "pytorch", "--no-input")
    assert doc["schema_version"] == 1
    assert doc["answers"] == {"task": "binary", "labels": "zero_one", "imbalance": "none", "framework": "pytorch"}
    assert doc["rule"] == "binary-default"
    assert doc["output"] == {"units": 1, "activation": "sigmoid"}
    assert doc["loss"]["id"] == "binary_crossentropy"
    assert doc["loss"]["distribution"] == "Bernoulli"
    assert doc["loss"]["params"] == {}
    assert doc["framework"]["name"] == "pytorch"
    assert list(doc)[:2] == ["schema_version", "answers"]


def _all_answer_sets():
    from lossadvisor.rulebase import load_rulebase

    rb = load_rulebase()
    for answers in rb.answer_sets():
        for fw in ("pytorch", "keras", "jax"):
            yield {**answers, "framework": fw}


@pytest.mark.parametrize("answers", list(_all_answer_sets()), ids=lambda a: "-".join(map(str, a.values())))
def test_every_combination_by_flags_gives_schema_valid_json(run_cli, answers):
    args = []
    for k, v in answers.items():
        args += [f"--{k}", str(v)]
    doc = _json(run_cli, *args, "--no-input", "--no-check")
    for k, v in answers.items():
        assert doc["answers"][k] == v
        assert doc["sources"][k] == "flag"


def test_answer_pairs_and_answers_file(run_cli, tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("task: multiclass\nlabels: one_hot\nclasses: 5\n")
    doc = _json(run_cli, "--answers", str(f), "--answer", "classes=7", "--no-input")
    assert doc["rule"] == "multiclass-one-hot"
    assert doc["output"]["units"] == 7  # --answer beats the file
    assert doc["sources"]["labels"] == "file" and doc["sources"]["classes"] == "flag"
    assert doc["sources"]["imbalance"] == "default"


def test_answers_file_json_and_bare_yaml_booleans(run_cli, tmp_path):
    f = tmp_path / "a.json"
    f.write_text(json.dumps({"task": "regression", "outliers": "yes"}))
    assert _json(run_cli, "--answers", str(f))["loss"]["id"] == "huber"
    g = tmp_path / "a.yaml"
    g.write_text("task: regression\noutliers: yes\n")  # YAML 1.1 boolean, read as the choice "yes"
    assert _json(run_cli, "--answers", str(g))["loss"]["id"] == "huber"


def test_infer_output_is_an_answers_file(run_cli, tmp_path):
    f = tmp_path / "infer.json"
    f.write_text(json.dumps({"schema_version": 1, "answers": {"task": "regression", "target": "count"},
                             "evidence": {}, "warnings": [], "rows": 10, "missing": 0}))
    assert _json(run_cli, "--answers", str(f))["loss"]["id"] == "poisson"


BAD = [
    (["--task", "banana"], "invalid value 'banana' for task"),
    (["--task", "regression", "--labels", "integer"], "does not apply"),
    (["--task", "multiclass", "--labels", "zero_one"], "choose from: integer, one_hot, probabilities"),
    (["--task", "multiclass", "--classes", "1"], "expected an integer >= 2"),
    (["--task", "multiclass", "--classes", "ten"], "expected an integer >= 2"),
    (["--task", "regression", "--outputs", "2.5"], "expected an integer >= 1"),
    (["--answer", "colour=red", "--task", "binary"], "unknown question 'colour'"),
    (["--answer", "task"], "--answer takes ID=VALUE"),
    (["--answer", "task=binary", "--task", "regression"], "conflicts"),
    (["--no-input"], "no answer for 'task'"),
    (["--task", "binary", "--framework", "tensorflow"], "choose from: pytorch, keras, jax"),
    (["--bogus"], "No such option"),
    (["--rules", "/nonexistent/rules.yaml", "--task", "binary"], "no such file or folder"),
]


@pytest.mark.parametrize("args, message", BAD)
def test_bad_input_is_one_line_and_exit_2(run_cli, args, message):
    code, out, err = run_cli("recommend", *args, "--json")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert message in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize("content, message", [
    ("", "empty"),
    ("- a\n- b\n", "expected a mapping"),
    ("task: [binary]\n", "must be a single value"),
    ("task: binary\n  bad: indent\n", "invalid YAML"),
    (b"\xff\xfe\x00", "not UTF-8"),
])
def test_bad_answers_file(run_cli, tmp_path, content, message):
    f = tmp_path / "a.yaml"
    f.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = run_cli("recommend", "--answers", str(f), "--no-input")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_broken_rules_overlay_names_file_and_line(run_cli, tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("rules:\n  - id: x\n    match: {task: binary\n")
    code, out, err = run_cli("recommend", "--rules", str(f), "--task", "binary")
    assert code == 2 and f"{f}:" in err and "YAML syntax error" in err


def test_custom_question_through_answer_flag(run_cli, tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text(
        "questions:\n  - id: domain\n    when: {task: binary}\n    prompt: Domain?\n    default: generic\n"
        "    choices: [generic, vision]\n"
        "rules:\n  - id: binary-vision\n    match: {task: binary, labels: zero_one, imbalance: none, domain: vision}\n"
        "    output: {units: 1, activation: sigmoid}\n    loss: {id: binary_focal_crossentropy}\n    why: detection\n")
    doc = _json(run_cli, "--rules", str(f), "--task", "binary", "--answer", "domain=vision")
    assert doc["rule"] == "binary-vision"


def test_text_output_has_no_colour_when_piped():
    r = subprocess.run([PYTHON, "-m", "lossadvisor", "recommend", "--task", "binary", "--no-check"],
                       capture_output=True, text=True, env=python_env(), stdin=subprocess.DEVNULL)
    assert r.returncode == 0
    assert "\x1b[" not in r.stdout
    assert "binary_crossentropy" in r.stdout and "Bernoulli" in r.stdout


def test_fast_path_does_not_import_numpy_or_rich():
    code = (
        "import sys, runpy\n"
        "sys.argv = ['lossadvisor', 'recommend', '--task', 'binary', '--framework', 'pytorch', '--json', '--no-check']\n"
        "try:\n    runpy.run_module('lossadvisor', run_name='__main__')\n"
        "except SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'rich', 'torch', 'jax'))\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy))\n"
    )
    r = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=python_env())
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().endswith("HEAVY="), r.stderr[-500:]
    assert json.loads(r.stdout)["rule"] == "binary-default"


def test_emit_code_prints_only_the_program(run_cli):
    code, out, err = run_cli("recommend", "--task", "binary", "--framework", "pytorch", "--emit-code", "--no-check")
    assert code == 0
    compile(out, "<emitted>", "exec")
    assert not out.lstrip().startswith("{")


def test_version_and_help():
    r = subprocess.run([PYTHON, "-m", "lossadvisor", "--version"], capture_output=True, text=True, env=python_env())
    assert r.returncode == 0 and r.stdout.startswith("lossadvisor ")
    from lossadvisor import __version__

    assert __version__ in r.stdout


def test_from_data_fills_answers_and_flags_override(run_cli, tmp_path):
    f = tmp_path / "y.csv"
    # 0/1 labels with 3 positives in 40 rows: ratio 3/37 is between 1/100 and 1/5 -> moderate imbalance
    f.write_text("x,label\n" + "".join(f"{i},{1 if i < 3 else 0}\n" for i in range(40)))
    doc = _json(run_cli, "--from-data", str(f), "--column", "label", "--no-input", "--no-check")
    assert doc["answers"]["task"] == "binary" and doc["sources"]["task"] == "data"
    assert doc["answers"]["imbalance"] == "moderate"
    assert doc["rule"] == "binary-imbalance-moderate"
    assert doc["data"]["rows"] == 40
    # a flag beats the data; answers inferred for another task are dropped, not an error
    doc = _json(run_cli, "--from-data", str(f), "--column", "label", "--task", "regression", "--no-check")
    assert doc["sources"]["task"] == "flag" and "labels" not in doc["answers"]


def test_from_data_reads_survival_and_ordinal_targets(run_cli, tmp_path):
    f = tmp_path / "patients.csv"
    # 6 subjects, 4 events (died=yes) and 2 censored: a time column beside an event column
    f.write_text("time,died\n5.0,yes\n3.5,no\n8.2,yes\n1.1,yes\n9.9,no\n4.4,yes\n")
    doc = _json(run_cli, "--from-data", str(f), "--column", "time", "--event", "died", "--no-input", "--no-check")
    assert doc["answers"]["task"] == "survival" and doc["sources"]["task"] == "data"
    assert doc["rule"] == "survival-continuous" and doc["loss"]["id"] == "cox_partial_likelihood"
    g = tmp_path / "survey.csv"
    # the words of a scale the table does not know, ordered by --order: 3 levels -> ordinal, classes 3
    g.write_text("answer\n" + "".join(f"{w}\n" for w in ["rarely", "often", "sometimes"] * 4))
    doc = _json(run_cli, "--from-data", str(g), "--order", "rarely,sometimes,often", "--no-input", "--no-check")
    assert doc["answers"]["task"] == "ordinal" and doc["answers"]["classes"] == 3
    assert doc["rule"] == "ordinal-default" and doc["output"]["units"] == 1


def test_from_data_errors_are_input_errors(run_cli, tmp_path):
    f = tmp_path / "empty.csv"
    f.write_text("")
    code, out, err = run_cli("recommend", "--from-data", str(f), "--no-input", "--json")
    assert code == 2 and err.startswith("Error: ") and len(err.strip().splitlines()) == 1
    code, out, err = run_cli("recommend", "--column", "label", "--task", "binary", "--json")
    assert code == 2 and "go with --from-data" in err
    code, out, err = run_cli("recommend", "--event", "died", "--task", "survival", "--json")
    assert code == 2 and "go with --from-data" in err


@pytest.mark.parametrize("name, text", [
    ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n"),
    ("deep.json", "[" * 100000 + "]" * 100000),
])
def test_deeply_nested_files_are_input_errors(run_cli, tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text)
    for args in (["--answers", str(f)], ["--rules", str(f), "--task", "binary"]):
        code, out, err = run_cli("recommend", *args, "--no-input", "--no-check", "--json")
        assert code == 2, err
        assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1
        assert "nested" in err or "YAML" in err


def test_alias_bomb_answers_file_gives_a_short_message(run_cli, tmp_path):
    f = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]"
              for i in range(1, 7)]
    f.write_text("\n".join(lines) + "\n")
    code, out, err = run_cli("recommend", "--answers", str(f), "--no-input", "--no-check")
    assert code == 2 and len(err) < 300, err[:300]


def test_infer_document_answers_yield_to_a_task_flag(run_cli, tmp_path):
    f = tmp_path / "framing.json"
    f.write_text(json.dumps({"schema_version": 1, "answers": {"task": "multiclass", "labels": "integer",
                                                              "classes": 3}}))
    doc = _json(run_cli, "--answers", str(f), "--task", "regression", "--no-check")
    assert doc["rule"] == "regression-default" and "labels" not in doc["answers"]
    # a hand-written answers file is not a suggestion: an answer that does not apply is an error
    g = tmp_path / "mine.yaml"
    g.write_text("labels: integer\n")
    code, out, err = run_cli("recommend", "--answers", str(g), "--task", "regression", "--no-input")
    assert code == 2 and "does not apply" in err


def test_ascii_only_stdout_does_not_crash():
    r = subprocess.run([PYTHON, "-m", "lossadvisor", "explain", "huber"], capture_output=True,
                       env=python_env(PYTHONIOENCODING="ascii"))
    assert r.returncode == 0, r.stderr
    assert b"\\u" in r.stdout or b"\\x" in r.stdout  # the formula's non-ASCII characters, escaped


def test_two_spellings_of_one_answer_do_not_conflict(run_cli):
    # torch and pytorch, Binary and binary, name one answer: a flag and --answer agree
    doc = _json(run_cli, "--framework", "torch", "--answer", "framework=pytorch", "--task", "Binary",
                "--answer", "task=binary", "--no-check")
    assert doc["answers"]["framework"] == "pytorch" and doc["answers"]["task"] == "binary"
    # two different answers still conflict
    code, out, err = run_cli("recommend", "--framework", "torch", "--answer", "framework=keras", "--no-input")
    assert code == 2 and "conflicts" in err


def test_a_task_in_any_case_is_the_task_the_data_is_read_under(run_cli, tmp_path):
    # 0/1 labels read as a regression target under --task Regression, not guessed as binary
    f = tmp_path / "y.csv"
    f.write_text("y\n" + "\n".join(["0", "1"] * 50) + "\n")
    doc = _json(run_cli, "--from-data", str(f), "--task", "Regression", "--no-check")
    assert doc["answers"]["task"] == "regression" and doc["rule"].startswith("regression")
    assert not any("but the data says task" in w for w in doc["data"]["warnings"])
