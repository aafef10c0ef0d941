"""Issue 11: `lossadvisor lint PATH...` over training scripts and folders: walking folders,
reading scripts in a process pool, findings located at line:col, noqa comments,
--select/--ignore, per-file errors, and the output formats.

These tests do not depend on the real readers (lint.torchscript, lint.kerasscript): a tiny
reader, :func:`wire_reader`, is patched in for ``pysource.script_wirings``. It turns each call
``wire(ACTIVATION, LOSS, key=value...)`` of a script into one wiring, the activation and the loss
located where the script writes them; ``wire(None, LOSS)`` is a prediction not followed.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT

import lossadvisor
from lossadvisor.errors import UsageError
from lossadvisor.lint import inputs, load_lint_data, pysource
from lossadvisor.lint.discover import python_files
from lossadvisor.lint.pysource import NotFollowed, Wiring
from lossadvisor.lint.rules import code_filter, lint_models
from lossadvisor.lint.spellings import ModelInput

SCHEMA = json.loads((ROOT / "lossadvisor" / "schemas" / "lint.schema.json").read_text())


def wire_reader(source, data):
    """The test reader: one Wiring per ``wire(activation, loss, **facts)`` call, in file order."""
    found = []
    calls = [n for n in ast.walk(source.tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "wire"]
    for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
        activation, loss = node.args[:2]
        wiring = Wiring(framework="pytorch", at=source.loc(node), loss=ast.unparse(loss), loss_at=source.loc(loss),
                        loss_text=ast.unparse(loss))
        if isinstance(activation, ast.Constant) and activation.value is None:
            wiring.not_followed.append(NotFollowed("the prediction `out` comes from `self.head(x)`, which lint "
                                                   "cannot follow", source.loc(activation), "activation"))
        else:
            wiring.activation = wiring.activation_text = ast.unparse(activation)
            wiring.activation_at = source.loc(activation)
        for kw in node.keywords:
            setattr(wiring, kw.arg, ast.literal_eval(kw.value))
            setattr(wiring, ("target" if kw.arg == "target_shape" else kw.arg) + "_at", source.loc(kw.value))
        found.append(wiring)
    return found


@pytest.fixture(autouse=True)
def reader(monkeypatch):
    monkeypatch.setattr(pysource, "script_wirings", wire_reader)
    monkeypatch.delenv(inputs.JOBS_ENV, raising=False)


DOUBLE_SOFTMAX = "import torch\nfrom torch import nn\n\nloss = wire(nn.Softmax,\n            nn.CrossEntropyLoss())\n"
# LA101 at the activation (line 4, col 13: after "loss = wire("), the loss at line 5, col 13


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def lint_json(run_cli, *args, env=None):
    code, out, err = run_cli("lint", *args, "--json", env=env)
    doc = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return code, doc, err


# ----------------------------------------------------------------------------- folders


def test_folders_are_searched_for_python_files_in_sorted_order_skipping_tool_folders(tmp_path):
    write(tmp_path, {
        "b.py": "", "a/z.py": "", "a/y.py": "", "a.py": "", "notes.txt": "", "spec.yaml": "task: binary\n",
        # skipped by name
        ".git/hooks/x.py": "", "__pycache__/c.py": "", "build/lib/d.py": "", "dist/e.py": "", ".tox/f.py": "",
        "pkg.egg-info/g.py": "", "node_modules/h.py": "", ".venv/i.py": "", "venv/j.py": "", ".eggs/k.py": "",
        "lib/site-packages/l.py": "", ".mypy_cache/m.py": "", ".pytest_cache/n.py": "", ".ruff_cache/o.py": "",
        ".nox/p.py": "", ".hg/q.py": "", ".svn/r.py": "",
        # a virtual environment under any name: it holds pyvenv.cfg
        "myenv/pyvenv.cfg": "home = /usr/bin\n", "myenv/lib/s.py": "",
    })
    found = python_files(str(tmp_path))
    assert [os.path.relpath(p, tmp_path) for p in found] == [os.path.join("a", "y.py"), os.path.join("a", "z.py"),
                                                             "a.py", "b.py"]


def test_exclude_globs_match_the_path_below_the_folder_and_the_name(tmp_path):
    write(tmp_path, {"src/train.py": "", "src/gen_pb2.py": "", "tests/test_a.py": "", "tests/unit/test_b.py": "",
                     "docs/conf.py": ""})
    relative = lambda *exclude: [Path(p).relative_to(tmp_path).as_posix()  # noqa: E731
                                 for p in python_files(str(tmp_path), exclude)]
    assert relative("tests/*") == ["docs/conf.py", "src/gen_pb2.py", "src/train.py"]
    assert relative("*_pb2.py", "docs") == ["src/train.py", "tests/test_a.py", "tests/unit/test_b.py"]
    assert relative("unit") == ["docs/conf.py", "src/gen_pb2.py", "src/train.py", "tests/test_a.py"]


def test_symlinked_folders_are_not_followed_so_a_loop_ends(tmp_path):
    write(tmp_path, {"pkg/a.py": ""})
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path, target_is_directory=True)
    outside = write(tmp_path / "elsewhere", {"b.py": ""})
    (tmp_path / "pkg" / "link").symlink_to(outside, target_is_directory=True)
    assert python_files(str(tmp_path / "pkg")) == [str(tmp_path / "pkg" / "a.py")]


def test_a_file_given_by_name_is_always_read(run_cli, tmp_path):
    write(tmp_path, {"build/train.py": DOUBLE_SOFTMAX, "tests/train.py": DOUBLE_SOFTMAX})
    # the folder alone finds nothing: build/ is skipped, tests/ excluded
    _, doc, _ = lint_json(run_cli, str(tmp_path), "--exclude", "tests/*")
    assert doc["counts"]["scripts"] == 0
    code, doc, _ = lint_json(run_cli, str(tmp_path), str(tmp_path / "build" / "train.py"),
                             str(tmp_path / "tests" / "train.py"), "--exclude", "tests/*")
    assert code == 1 and [f["code"] for f in doc["findings"]] == ["LA101", "LA101"]


def test_a_script_found_twice_is_read_once(run_cli, tmp_path):
    write(tmp_path, {"train.py": DOUBLE_SOFTMAX})
    _, doc, _ = lint_json(run_cli, str(tmp_path), str(tmp_path / "train.py"))
    assert doc["counts"]["scripts"] == 1 and doc["counts"]["findings"] == 1


def test_spec_files_in_a_folder_are_not_read_but_a_spec_given_beside_it_is(run_cli, tmp_path):
    write(tmp_path, {"src/train.py": DOUBLE_SOFTMAX, "src/model.yaml": "activation: sigmoid\nloss: mse\n"})
    spec = write(tmp_path, {"m.yaml": "task: binary\nactivation: sigmoid\nloss: nn.BCELoss\n"}) / "m.yaml"
    _, doc, _ = lint_json(run_cli, str(tmp_path / "src"), str(spec))
    assert [(m["kind"], m["name"]) for m in doc["models"]] == [("script", f"{tmp_path / 'src' / 'train.py'}:4:8"), ("spec", "m")]


# ----------------------------------------------------------------------------- the process pool


def test_parallel_and_serial_reading_give_the_same_document(run_cli, tmp_path):
    # 40 scripts (past PARALLEL_MIN_SCRIPTS), each with its own mistake or none, some without wiring
    variants = [DOUBLE_SOFTMAX, "import torch\nwire(torch.sigmoid, nn.BCEWithLogitsLoss())\n",
                "import torch\nwire(None, nn.CrossEntropyLoss())\n", "import os\n", "import torch\ndef f(:\n"]
    write(tmp_path, {f"m{i:02d}/train.py": variants[i % len(variants)] for i in range(40)})
    serial = run_cli("lint", str(tmp_path), "--json", env={inputs.JOBS_ENV: "1"})
    parallel = run_cli("lint", str(tmp_path), "--json", env={inputs.JOBS_ENV: "2"})
    assert serial == parallel
    doc = json.loads(serial[1])
    assert serial[0] == 2 and doc["counts"]["scripts"] == 40 and doc["counts"]["errors"] == 8
    assert doc["counts"]["no_wiring"] == 8 and doc["counts"]["models"] == 24
    # input order whatever the pool does
    assert [m["source"] for m in doc["models"]] == sorted(m["source"] for m in doc["models"])


def test_read_scripts_keeps_the_input_order_in_a_pool(tmp_path, monkeypatch):
    def reader_naming_its_process(source, data):
        return [Wiring(framework="pytorch", at=w.at, loss=w.loss, loss_text=f"pid {os.getpid()}")
                for w in wire_reader(source, data)]

    monkeypatch.setattr(pysource, "script_wirings", reader_naming_its_process)
    paths = [str(write(tmp_path, {f"s{i}.py": "import torch\n" + "\n" * i + "wire(nn.Softmax, nn.NLLLoss())\n"})
                 / f"s{i}.py") for i in range(6)]
    data = load_lint_data()
    pooled = inputs.read_scripts(paths[::-1], data, jobs=2)
    serial = inputs.read_scripts(paths[::-1], data, jobs=1)
    assert [r.path for r in pooled] == [r.path for r in serial] == paths[::-1]
    # the wiring of s{i} is on line i + 2: the models come back in the order given
    assert [r.models[0].name for r in pooled] == [f"{paths[i]}:{i + 2}:1" for i in reversed(range(6))]
    assert {r.models[0].display["loss"] for r in serial} == {f"pid {os.getpid()}"}
    assert f"pid {os.getpid()}" not in {r.models[0].display["loss"] for r in pooled}   # read by the workers


def test_jobs_are_automatic_unless_the_variable_says(monkeypatch):
    assert inputs.script_jobs(inputs.PARALLEL_MIN_SCRIPTS - 1) == 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert inputs.script_jobs(1000) == min(cores, 1000)
    monkeypatch.setenv(inputs.JOBS_ENV, "3")
    assert inputs.script_jobs(2) == 2 and inputs.script_jobs(50) == 3
    monkeypatch.setenv(inputs.JOBS_ENV, "zero")
    with pytest.raises(UsageError, match="LOSSADVISOR_LINT_JOBS must be a whole number"):
        inputs.script_jobs(5)


# ----------------------------------------------------------------------------- locations and formats


def test_findings_carry_line_col_and_the_locations_of_activation_and_loss(run_cli, tmp_path):
    path = write(tmp_path, {"train.py": DOUBLE_SOFTMAX}) / "train.py"
    code, doc, _ = lint_json(run_cli, str(path))
    (finding,) = doc["findings"]
    # located by hand in DOUBLE_SOFTMAX: "loss = wire(" is 12 characters, so both start at column 13
    assert (finding["code"], finding["line"], finding["col"]) == ("LA101", 4, 13)
    assert finding["locations"] == {"activation": {"line": 4, "col": 13}, "loss": {"line": 5, "col": 13}}
    (model,) = doc["models"]
    assert (model["kind"], model["name"], model["line"], model["col"]) == ("script", f"{path}:4:8", 4, 8)
    _, out, _ = run_cli("lint", str(path), env={"COLUMNS": "400"})     # no wrapping inside the long path
    assert f"{path}:4:13 activation\n" in out and f"loss {path}:5:13\n" in out


def test_columns_count_characters_not_bytes(run_cli, tmp_path):
    path = write(tmp_path, {"train.py": "import torch\nnäme = wire(nn.Softmax, nn.CrossEntropyLoss())\n"}) / "train.py"
    _, doc, _ = lint_json(run_cli, str(path))
    # "näme = wire(" is 12 characters (13 UTF-8 bytes): the activation starts at column 13
    assert doc["findings"][0]["col"] == 13


def test_github_annotations_give_the_column(run_cli, tmp_path):
    path = write(tmp_path, {"train.py": DOUBLE_SOFTMAX}) / "train.py"
    _, out, _ = run_cli("lint", str(path), "--format", "github")
    assert out.startswith(f"::error file={path},line=4,col=13,title=LA101 softmax-before-cross-entropy-loss::")


def test_sarif_gives_the_column_and_the_other_part_as_a_related_location(run_cli, tmp_path):
    from test_sarif import SARIF_SUBSET

    path = write(tmp_path, {"train.py": DOUBLE_SOFTMAX}) / "train.py"
    _, out, _ = run_cli("lint", str(path), "--format", "sarif")
    log = json.loads(out)
    jsonschema.Draft7Validator(SARIF_SUBSET).validate(log)
    (result,) = log["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 13}
    (related,) = result["relatedLocations"]
    location_schema = {**SARIF_SUBSET["definitions"]["location"], "definitions": SARIF_SUBSET["definitions"]}
    jsonschema.Draft7Validator(location_schema).validate(related)
    assert related["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 13}
    assert related["message"] == {"text": "the loss"} and related["id"] == 1


def test_a_script_document_validates_against_the_schema(run_cli, tmp_path):
    write(tmp_path, {"a.py": DOUBLE_SOFTMAX, "b.py": "import torch\nwire(None, nn.NLLLoss())\n",
                     "c.py": "import torch\nx = (\n", "d.py": "print('hi')\n"})
    code, doc, err = lint_json(run_cli, str(tmp_path))       # lint_json validates
    assert code == 2
    assert doc["counts"]["errors"] == len(doc["errors"]) == 1
    assert {m["kind"] for m in doc["models"]} == {"script"}


# ----------------------------------------------------------------------------- LA304 and _covers


def test_a_prediction_not_followed_is_an_info_that_stands_in_for_the_activation(run_cli, tmp_path):
    path = write(tmp_path, {"train.py": "import torch\n\nwire(None,\n     nn.CrossEntropyLoss())\n"}) / "train.py"
    code, doc, _ = lint_json(run_cli, str(path))
    # LA304 at the `None` (line 3, col 6), and no LA303 "does not say its output activation"
    assert [(f["code"], f["severity"], f["line"], f["col"]) for f in doc["findings"]] == [("LA304", "info", 3, 6)]
    assert doc["findings"][0]["message"] == ("the prediction `out` comes from `self.head(x)`, which lint cannot "
                                             "follow; checks that need it were skipped.")
    assert code == 0 and doc["clean"] is False


def test_notes_stand_in_for_the_part_they_cover_not_for_their_code():
    # a note covering the loss stands in for it whatever its code; one covering nothing does not
    base = {"activation": "softmax"}
    covered = ModelInput("m", dict(base), notes=[("LA304", {"reason": "x", "_covers": "loss", "_line": 1})])
    uncovered = ModelInput("n", dict(base), notes=[("LA304", {"reason": "x", "_line": 1})])
    assert [f["code"] for f in lint_models([covered])["findings"]] == ["LA304"]
    assert [f["code"] for f in lint_models([uncovered])["findings"]] == ["LA303", "LA304"]


# ----------------------------------------------------------------------------- noqa


NOQA_FORMS = [
    ("  # lossadvisor: noqa", 0),
    ("  # lossadvisor: noqa: LA101", 0),
    ("  # lossadvisor:noqa:LA102,LA101", 0),
    ("  # LOSSADVISOR: NOQA: la101", 0),
    ("  # lossadvisor: noqa: LA102", 1),     # another code
    ("  # noqa", 1),                         # flake8's bare noqa is not lossadvisor's
    ("  # noqa: LA101", 1),
    ("", 1),
]


@pytest.mark.parametrize("comment,left", NOQA_FORMS)
def test_noqa_forms_on_the_activation_line(run_cli, tmp_path, comment, left):
    text = DOUBLE_SOFTMAX.replace("wire(nn.Softmax,", "wire(nn.Softmax," + comment)
    path = write(tmp_path, {"train.py": text}) / "train.py"
    code, doc, _ = lint_json(run_cli, str(path))
    assert len(doc["findings"]) == left and doc["counts"]["silenced"] == 1 - left
    assert code == left       # LA101 is an error: exit 1 unless silenced
    assert doc["models"][0]["clean"] is (left == 0)


def test_noqa_on_the_loss_line_silences_a_finding_located_at_the_activation(run_cli, tmp_path):
    text = DOUBLE_SOFTMAX.replace("nn.CrossEntropyLoss())", "nn.CrossEntropyLoss())  # lossadvisor: noqa: LA101")
    path = write(tmp_path, {"train.py": text}) / "train.py"
    _, out, _ = run_cli("lint", str(path))
    last = out.splitlines()[-1]
    assert last.startswith("Clean: no findings.") and last.endswith(" 1 finding silenced by noqa.")


def test_noqa_elsewhere_in_the_file_silences_nothing(run_cli, tmp_path):
    path = write(tmp_path, {"train.py": "# lossadvisor: noqa\n" + DOUBLE_SOFTMAX}) / "train.py"
    _, doc, _ = lint_json(run_cli, str(path))
    assert [f["code"] for f in doc["findings"]] == ["LA101"] and doc["counts"]["silenced"] == 0


# ----------------------------------------------------------------------------- --select / --ignore


@pytest.mark.parametrize("select,ignore,expected", [
    ((), (), {"LA101", "LA304"}),
    (("LA1",), (), {"LA101"}),
    (("LA1,LA3",), ("LA101",), {"LA304"}),
    (("LA1", "LA3"), ("LA10",), {"LA304"}),
    (("LA101",), ("LA1",), {"LA101", }),         # the more specific select wins
    (("LA1",), ("LA1",), set()),                 # a tie: ignore wins
    (("ALL",), ("LA3",), {"LA101"}),
    ((), ("ALL",), set()),
    (("LA3",), ("ALL",), {"LA304"}),             # LA3 is more specific than ALL
    (("la304",), (), {"LA304"}),                 # case does not matter
])
def test_select_and_ignore_precedence(run_cli, tmp_path, select, ignore, expected):
    write(tmp_path, {"a.py": DOUBLE_SOFTMAX, "b.py": "import torch\nwire(None, nn.NLLLoss())\n"})
    args = [a for code in select for a in ("--select", code)] + [a for code in ignore for a in ("--ignore", code)]
    _, doc, _ = lint_json(run_cli, str(tmp_path), *args)
    assert {f["code"] for f in doc["findings"]} == expected
    # the API takes the same keywords and gives the same document
    api = lossadvisor.lint(str(tmp_path), select=list(select) or None, ignore=list(ignore) or None)
    assert api.to_dict() == doc


def test_codes_left_out_leave_not_applied_too_and_apply_to_flags():
    # flags: softmax + CrossEntropyLoss is LA101; with LA1 ignored nothing is reported, nor not applied
    doc = lossadvisor.lint(activation="softmax", loss="nn.CrossEntropyLoss", ignore="LA1").to_dict()
    assert doc["findings"] == [] and not any(item["code"].startswith("LA1") for item in doc["not_applied"])
    # LA201 ("this pairing works") is not given for a pairing whose error was only left out
    doc = lossadvisor.lint(task="multiclass", activation="softmax", loss="nn.CrossEntropyLoss",
                           ignore="LA101").to_dict()
    assert [f["code"] for f in doc["findings"]] == []


def test_code_filter_semantics():
    runs = code_filter(["LA1", "LA304"], ["LA10", "LA101"], load_lint_data())
    assert [runs(c) for c in ("LA101", "LA102", "LA110", "LA201", "LA304", "LA303")] == \
        [False, False, True, False, True, False]
    assert code_filter(None, None, load_lint_data()) is None
    assert code_filter([], ["", " "], load_lint_data()) is None


@pytest.mark.parametrize("option,value,message", [
    ("--select", "LA199", "select: unknown lint code or prefix LA199; did you mean"),
    ("--ignore", "LA9", "ignore: unknown lint code or prefix LA9"),
    ("--select", "E501", "select: unknown lint code or prefix E501"),
    ("--ignore", "LA101,XY", "ignore: unknown lint code or prefix XY"),
])
def test_unknown_codes_are_usage_errors_with_a_suggestion(run_cli, tmp_path, option, value, message):
    path = write(tmp_path, {"train.py": DOUBLE_SOFTMAX}) / "train.py"
    code, out, err = run_cli("lint", str(path), option, value)
    assert code == 2 and out == "" and err.startswith("Error: " + message)
    with pytest.raises(UsageError, match=message.split(";")[0]):
        lossadvisor.lint(str(path), **{option[2:]: value})


# ----------------------------------------------------------------------------- errors


def test_a_syntax_error_in_one_file_of_three_is_an_error_for_that_file(run_cli, tmp_path):
    write(tmp_path, {"a.py": DOUBLE_SOFTMAX, "b.py": "import torch\n\ndef broken(:\n    pass\n",
                     "c.py": "import torch\nwire(None, nn.NLLLoss())\n"})
    code, out, err = run_cli("lint", str(tmp_path), "--json")
    doc = json.loads(out)
    broken = str(tmp_path / "b.py")
    assert code == 2       # after printing everything else
    assert doc["errors"] == [{"source": broken, "message": f"{broken}:3:12: syntax error: invalid syntax"}]
    assert err == f"Error: {broken}:3:12: syntax error: invalid syntax\n"
    assert [f["code"] for f in doc["findings"]] == ["LA101", "LA304"] and doc["clean"] is False
    assert lossadvisor.lint(str(tmp_path)).errors == doc["errors"]     # the API does not raise either
    # the text report too, then the error on stderr
    code, out, err = run_cli("lint", str(tmp_path))
    assert code == 2 and "LA101" in out and "LA304" in out and err.startswith("Error: ")
    assert out.splitlines()[-2].endswith(" 1 file could not be read.")     # the summary, then "Explain a code"
    # a file that could not be read and nothing else: nothing linted, exit 2
    code, out, _ = run_cli("lint", broken)
    assert (code, out) == (2, "Nothing linted. 1 file could not be read.\n")


def test_a_wiring_the_rules_cannot_take_is_an_error_for_its_file(run_cli, tmp_path):
    # from_logits on a PyTorch loss: model_facts refuses it; the other file is linted
    write(tmp_path, {"a.py": DOUBLE_SOFTMAX, "b.py": "import torch\nwire(nn.Softmax, nn.NLLLoss(from_logits=True))\n"})
    code, doc, err = lint_json(run_cli, str(tmp_path))
    assert code == 2 and [f["code"] for f in doc["findings"]] == ["LA101"]
    ((error),) = doc["errors"]
    assert error["source"] == str(tmp_path / "b.py") and error["message"].startswith(f"{tmp_path / 'b.py'}:2: ")
    assert "has no from_logits" in error["message"] and err.count("Error: ") == 1


def test_an_unreadable_script_is_an_error_and_the_others_go_on(run_cli, tmp_path):
    write(tmp_path, {"a.py": DOUBLE_SOFTMAX})
    code, doc, err = lint_json(run_cli, str(tmp_path / "a.py"), str(tmp_path / "missing.py"))
    assert code == 2 and [f["code"] for f in doc["findings"]] == ["LA101"]
    assert doc["errors"][0]["message"].startswith(f"{tmp_path / 'missing.py'}: cannot read")


def test_a_reader_bug_is_an_error_for_that_file(run_cli, tmp_path, monkeypatch):
    def broken(source, data):
        raise ValueError("boom")

    monkeypatch.setattr(pysource, "script_wirings", broken)
    path = write(tmp_path, {"a.py": DOUBLE_SOFTMAX}) / "a.py"
    code, doc, _ = lint_json(run_cli, str(path))
    assert code == 2 and doc["errors"][0]["message"] == (f"{path}: could not be read (ValueError: boom); "
                                                         "please report this")


# ----------------------------------------------------------------------------- scripts without wiring


def test_no_wiring_at_all_says_so_and_exits_0_not_clean(run_cli, tmp_path):
    write(tmp_path, {"a.py": "import os\n", "b.py": "import torch\nx = torch.zeros(3)\n", "pkg/c.py": ""})
    code, out, err = run_cli("lint", str(tmp_path))
    assert (code, err) == (0, "")
    assert out == "No loss wiring found in 3 Python files: nothing linted.\n"
    code, doc, _ = lint_json(run_cli, str(tmp_path))
    assert code == 0 and doc["clean"] is False and doc["models"] == [] and doc["findings"] == []
    assert (doc["counts"]["scripts"], doc["counts"]["no_wiring"]) == (3, 3)
    # --exit-zero changes nothing; --format github ends with the same line
    assert run_cli("lint", str(tmp_path), "--format", "github")[1] == out


def test_scripts_without_wiring_beside_linted_ones_are_counted(run_cli, tmp_path):
    write(tmp_path, {"a.py": DOUBLE_SOFTMAX, "b.py": "import os\n", "c.py": "import torch\n"})
    _, out, _ = run_cli("lint", str(tmp_path))
    assert "2 Python files had no loss wiring." in " ".join(out.split())


def test_an_empty_folder_is_nothing_linted_not_a_usage_error(run_cli, tmp_path):
    code, out, _ = run_cli("lint", str(tmp_path))
    assert (code, out) == (0, "No Python files found: nothing linted.\n")
    # lint_models itself: no models is fine when scripts were read
    assert lint_models([], scripts=2, no_wiring=2)["counts"]["no_wiring"] == 2
    with pytest.raises(UsageError, match="nothing to lint"):
        lint_models([])


def test_help_names_the_script_options_and_examples(run_cli):
    _, out, _ = run_cli("lint", "--help")
    text = " ".join(out.split())
    for fragment in ("lossadvisor lint train.py", "lossadvisor lint src/ --exclude 'tests/*'",
                     "--select LA1 --ignore LA108", "# lossadvisor: noqa: LA101", "*.py files only",
                     "--exclude GLOB"):
        assert fragment in text, fragment


def test_the_scripts_hook_passes_python_files_to_lint():
    import re

    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["lossadvisor-lint-scripts"]
    assert hook["entry"] == "lossadvisor lint" and hook["types"] == ["python"] and hook["pass_filenames"]
    files = re.compile(hook["files"])
    assert files.search("src/train.py") and not files.search("stubs/x.pyi") and not files.search("bin/train")
