"""Issue 11: `lossadvisor lint PATH...` over training scripts and folders: walking folders,
reading scripts in a process pool, findings located at line:col, noqa comments,
--select/--ignore, per-file errors, and the output formats.

These tests do not depend on the real readers (lint.torchscript, lint.kerasscript): a tiny
reader, :func:`wire_reader`, is patched in for ``pysource.script_wirings``. It turns each call
``wire(ACTIVATION, LOSS, key=value...)`` of a script into one wiring, the activation and the loss
located where the script writes them; ``wire(None, LOSS)`` is a prediction not followed,
``wire(ACTIVATION, None)`` a loss not followed. :data:`REAL_READER` is the real one.
"""

from __future__ import annotations

import ast
import json
import os
import re
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
REAL_READER = pysource.script_wirings     # before the fixture patches it


def wire_reader(source, data):
    """The test reader: one Wiring per ``wire(activation, loss, **facts)`` call, in file order."""
    found = []
    calls = [n for n in ast.walk(source.tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "wire"]
    for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
        activation, loss = node.args[:2]
        wiring = Wiring(framework="pytorch", at=source.loc(node))
        for part, arg, unfollowed in (
            ("loss", loss, "the loss `criterion` is a parameter of train() that no call in this file gives"),
            ("activation", activation, "the prediction `out` comes from `self.head(x)`, which lint cannot follow"),
        ):
            if isinstance(arg, ast.Constant) and arg.value is None:     # None: this part is not followed
                wiring.not_followed.append(NotFollowed(unfollowed, source.loc(arg), part))
            else:
                setattr(wiring, part, ast.unparse(arg))
                setattr(wiring, f"{part}_text", ast.unparse(arg))
                setattr(wiring, f"{part}_at", source.loc(arg))
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
    assert f"activation {path}:4:13\n" in out and f"loss {path}:5:13\n" in out


def test_columns_count_characters_not_bytes(run_cli, tmp_path):
    path = write(tmp_path, {"train.py": "import torch\nnäme = wire(nn.Softmax, nn.CrossEntropyLoss())\n"}) / "train.py"
    _, doc, _ = lint_json(run_cli, str(path))
    # "näme = wire(" is 12 characters (13 UTF-8 bytes): the activation starts at column 13
    assert doc["findings"][0]["col"] == 13


def test_github_annotations_give_the_column(run_cli, tmp_path):
    path = write(tmp_path, {"train.py": DOUBLE_SOFTMAX}) / "train.py"
    _, out, _ = run_cli("lint", str(path), "--format", "github")
    assert out.startswith(f"::error file={path},line=4,col=13,title=LA101 softmax-before-cross-entropy-loss::")
    # an annotation has one place (the activation's): the loss's, line 5 col 13, ends its text
    assert out.splitlines()[0].endswith(f" (loss {path}:5:13)")


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
    # issue 11: an option given without any code is a usage error, not "every code"
    for select, ignore in (([], None), (None, ["", " "]), ([","], None)):
        with pytest.raises(UsageError, match="no code given"):
            code_filter(select, ignore, load_lint_data())


@pytest.mark.parametrize("option,value,message", [
    ("--select", "LA199", "unknown lint code or prefix LA199; did you mean LA1"),
    ("--ignore", "LA9", "unknown lint code or prefix LA9"),
    ("--select", "E501", "unknown lint code or prefix E501; known codes: LA101,"),
    ("--ignore", "LA101,XY", "unknown lint code or prefix XY"),
    # a typo of the same length is preferred to a shorter prefix, and a letter O for a zero is read
    # as one: LA1O1 is LA101, not LA11 nor LA121
    ("--select", "LA1O1", "unknown lint code or prefix LA1O1; did you mean LA101?"),
    ("--ignore", "la1o8", "unknown lint code or prefix LA1O8; did you mean LA108?"),
    ("--select", "LA3O", "unknown lint code or prefix LA3O; did you mean LA30?"),
])
def test_unknown_codes_are_usage_errors_naming_the_option_as_typed(run_cli, tmp_path, option, value, message):
    path = write(tmp_path, {"train.py": DOUBLE_SOFTMAX}) / "train.py"
    code, out, err = run_cli("lint", str(path), option, value)
    assert code == 2 and out == "" and err.startswith(f"Error: {option}: {message}")
    # the API names its keyword as it is typed there
    keyword = option[2:]
    with pytest.raises(UsageError) as exc:
        lossadvisor.lint(str(path), **{keyword: value})
    assert str(exc.value).startswith(f"{keyword}=: {message}")


# ----------------------------------------------------------------------------- errors


def test_a_syntax_error_in_one_file_of_three_is_an_error_for_that_file(run_cli, tmp_path):
    write(tmp_path, {"a.py": DOUBLE_SOFTMAX, "b.py": "import torch\n\ndef broken(:\n    pass\n",
                     "c.py": "import torch\nwire(None, nn.NLLLoss())\n"})
    code, out, err = run_cli("lint", str(tmp_path), "--json")
    doc = json.loads(out)
    broken = str(tmp_path / "b.py")
    assert code == 2       # after printing everything else
    assert doc["errors"] == [{"source": broken, "message": f"{broken}:3:12: syntax error: invalid syntax",
                              "line": 3, "col": 12, "model": None}]       # where the message says; a file
    assert err == f"Error: {broken}:3:12: syntax error: invalid syntax\n"
    assert [f["code"] for f in doc["findings"]] == ["LA101", "LA304"] and doc["clean"] is False
    assert lossadvisor.lint(str(tmp_path)).errors == doc["errors"]     # the API does not raise either
    # the text report too, then the error on stderr
    code, out, err = run_cli("lint", str(tmp_path))
    assert code == 2 and "LA101" in out and "LA304" in out and err.startswith("Error: ")
    # the summary (wrapped), then "Explain a code"
    assert " ".join(out.split()).endswith(" 1 wiring could not be followed. 1 file could not be read. "
                                          "Explain a code: lossadvisor explain LA101")
    # a file that could not be read and nothing else: its error is the whole report, exit 2
    code, out, err = run_cli("lint", broken)
    assert (code, out) == (2, "") and err.startswith("Error: ") and err.count("\n") == 1


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


# ----------------------------------------------------------------------------- wirings not followed


GENERIC_LOOP = '''import torch


def train_one_epoch(model, loader, criterion, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
'''
NOT_FOLLOWED = "import torch\n\nloss = wire(\n    None,\n    None)\n"     # the model on line 3, LA304 on 4 and 5


def test_a_correct_generic_loop_is_not_followed_exit_0_never_nothing_checked(run_cli, tmp_path, monkeypatch):
    # the real reader: model and criterion are parameters no call gives, so neither part is followed;
    # the user did nothing wrong, so the pre-commit hook must not block the file
    monkeypatch.setattr(pysource, "script_wirings", REAL_READER)
    path = write(tmp_path, {"train.py": GENERIC_LOOP}) / "train.py"
    code, doc, _ = lint_json(run_cli, str(path))
    assert code == 0 and {(f["code"], f["severity"]) for f in doc["findings"]} == {("LA304", "info")}
    (model,) = doc["models"]
    assert model["not_followed"] is True and model["nothing_checked"] is False and model["clean"] is False
    assert doc["nothing_checked"] is False and doc["clean"] is False
    assert (doc["counts"]["not_followed"], doc["counts"]["nothing_checked"], doc["counts"]["clean"]) == (1, 0, 0)
    code, out, _ = run_cli("lint", str(path), env={"COLUMNS": "400"})
    # "        loss = criterion(" : the call that joins prediction and loss starts at column 16
    assert code == 0 and out.startswith(f"{path}:7:16: could not be followed\n")
    assert out.splitlines()[-2] == "Found 0 errors, 0 warnings, 2 info in 1 model. 1 wiring could not be followed."
    assert "nothing could be checked" not in out.lower() and "not checked:" not in out


@pytest.mark.parametrize("args,comment", [
    ((), ""),
    (("--ignore", "LA304"), ""),
    (("--select", "LA1"), ""),
    ((), "  # lossadvisor: noqa: LA304"),          # on the model's line: silences both notes
])
def test_leaving_the_notes_out_does_not_make_a_wiring_not_followed_nothing_checked(run_cli, tmp_path, args, comment):
    path = write(tmp_path, {"train.py": NOT_FOLLOWED.replace("wire(\n", f"wire({comment}\n")}) / "train.py"
    code, doc, _ = lint_json(run_cli, str(path), *args)
    left = 0 if args or comment else 2
    assert code == 0 and len(doc["findings"]) == left and doc["counts"]["silenced"] == (2 if comment else 0)
    assert [(m["not_followed"], m["nothing_checked"], m["clean"]) for m in doc["models"]] == [(True, False, False)]
    assert doc["clean"] is False and doc["counts"]["not_followed"] == 1
    _, out, _ = run_cli("lint", str(path), *args)
    last = out.splitlines()[-1] if not left else out.splitlines()[-2]
    assert "1 wiring could not be followed." in last and not last.startswith(("Clean", "Nothing"))
    if not left:
        assert last.startswith("No findings in 1 model. 1 wiring could not be followed.")


def test_one_part_not_followed_and_the_other_read_is_not_followed_too(run_cli, tmp_path):
    path = write(tmp_path, {"train.py": "import torch\nwire(nn.Softmax, None)\n"}) / "train.py"
    code, doc, _ = lint_json(run_cli, str(path))
    assert code == 0 and [f["code"] for f in doc["findings"]] == ["LA304"]
    assert doc["models"][0]["not_followed"] is True and doc["models"][0]["nothing_checked"] is False


def _notes_model(*notes, **values):
    return ModelInput("m", dict(values), source="m.py", line=1, kind="script",
                      notes=[(code, {"reason": "x", "loss_spelling": "x", "_line": 1, **extra}) for code, extra in notes])


@pytest.mark.parametrize("notes,values,not_followed,nothing_checked,codes", [
    # both parts stand in for LA304 (info): not followed
    ([("LA304", {"_covers": "activation"}), ("LA304", {"_covers": "loss"})], {}, True, False, ["LA304", "LA304"]),
    # the warnings of Keras files keep today's behaviour: nothing checked (exit 1)
    ([("LA301", {}), ("LA302", {})], {}, False, True, ["LA301", "LA302"]),
    # a part missing that no note stands in for: LA303, nothing checked
    ([("LA304", {"_covers": "activation"})], {}, False, True, ["LA303", "LA304"]),
    # an info for one part, a warning for the other: the warning decides
    ([("LA304", {"_covers": "activation"}), ("LA301", {})], {}, False, True, ["LA301", "LA304"]),
    # both parts read: the notes are about something else, not "not followed"
    ([("LA304", {"_covers": "labels"})], {"activation": "linear", "loss": "nn.CrossEntropyLoss"}, False, False,
     ["LA304"]),
])
def test_not_followed_means_every_missing_part_stands_in_for_an_info_note(notes, values, not_followed,
                                                                          nothing_checked, codes):
    doc = lint_models([_notes_model(*notes, **values)])
    (model,) = doc["models"]
    assert (model["not_followed"], model["nothing_checked"], model["clean"]) == (not_followed, nothing_checked, False)
    assert [f["code"] for f in doc["findings"]] == codes
    assert doc["counts"]["not_followed"] == int(not_followed)


# ----------------------------------------------------------------------------- covers: (rules/lint.yaml)


def test_la301_and_la302_cover_their_part_from_the_data_and_a_note_s_own_part_wins():
    data = load_lint_data()
    assert (data.codes["LA301"]["covers"], data.codes["LA302"]["covers"], data.codes["LA304"]["covers"]) == \
        ("loss", "activation", None)
    # a note without _covers stands in for its rule's part: no LA303 for it
    assert [f["code"] for f in lint_models([_notes_model(("LA302", {}), loss="mse")])["findings"]] == ["LA302"]
    assert [f["code"] for f in lint_models([_notes_model(("LA301", {}), activation="linear")])["findings"]] == \
        ["LA301"]
    # the rule's part is not the other part: LA303 names the loss that nothing stands in for
    found = lint_models([_notes_model(("LA302", {}))])["findings"]
    assert [f["code"] for f in found] == ["LA302", "LA303"] and "does not say its loss" in found[1]["message"]
    # a note's own _covers wins over its rule's covers
    assert [f["code"] for f in lint_models([_notes_model(("LA302", {"_covers": "loss"}), activation="linear")])
            ["findings"]] == ["LA302"]


def test_keras_file_notes_carry_no_covers_of_their_own():
    source = (ROOT / "lossadvisor" / "lint" / "kerasfile.py").read_text()
    assert "_covers" not in source


@pytest.mark.parametrize("old,new,problem", [
    ("    covers: loss ", "    covers: labels ", "covers names the part"),
    ("    at: activation\n    covers: activation", "    at: activation\n    covers: [activation]", "covers names the part"),
    ("    name: softmax-before-cross-entropy-loss\n", "    name: softmax-before-cross-entropy-loss\n    covers: loss\n",
     "LA101: covers names the part a computed rule"),
])
def test_covers_is_validated(tmp_path, old, new, problem):
    from lossadvisor.errors import RuleBaseError
    from lossadvisor.lint import build_lint_data
    from lossadvisor.rulebase import read_yaml

    text = (ROOT / "rules" / "lint.yaml").read_text()
    assert text.count(old) == 1, old
    path = tmp_path / "lint.yaml"
    path.write_text(text.replace(old, new))
    with pytest.raises(RuleBaseError) as err:
        build_lint_data(str(path), read_yaml(path))
    assert any(problem in p for p in err.value.problems), err.value.problems


# ----------------------------------------------------------------------------- noqa on the model's line


MODEL_LINE = "import torch\nfrom torch import nn\n\nloss = wire(\n    nn.Softmax,\n    nn.CrossEntropyLoss())\n"
# the model (the call joining prediction and loss) on line 4, the activation on 5, the loss on 6


@pytest.mark.parametrize("comment,left", [
    ("  # lossadvisor: noqa", 0), ("  # lossadvisor: noqa: LA1", 0), ("  # lossadvisor: noqa: LA102", 1), ("", 1),
])
def test_noqa_on_the_model_line_silences_its_findings(run_cli, tmp_path, comment, left):
    path = write(tmp_path, {"train.py": MODEL_LINE.replace("wire(\n", f"wire({comment}\n")}) / "train.py"
    code, doc, _ = lint_json(run_cli, str(path))
    assert doc["models"][0]["line"] == 4
    assert [(f["code"], f["line"]) for f in doc["findings"]] == [("LA101", 5)] * left
    assert code == left and doc["counts"]["silenced"] == 1 - left


def test_help_says_where_a_noqa_may_go(run_cli):
    _, out, _ = run_cli("lint", "--help")
    text = " ".join(out.split())
    assert ("on a line it points to: its own line, the line of the model's activation or loss, or the line of "
            "the call that joins prediction and loss") in text


# ----------------------------------------------------------------------------- errors located


SYNTAX_ERROR = "import torch\n\ndef broken(:\n    pass\n"    # CPython: line 3, column 12


def test_a_file_that_could_not_be_read_is_located_in_every_format(run_cli, tmp_path):
    from test_sarif import SARIF_SUBSET

    write(tmp_path, {"a.py": DOUBLE_SOFTMAX, "b.py": SYNTAX_ERROR})
    broken, missing = str(tmp_path / "b.py"), str(tmp_path / "missing.py")
    args = (str(tmp_path / "a.py"), broken, missing)
    code, doc, _ = lint_json(run_cli, *args)
    assert code == 2
    assert [(e["source"], e["line"], e["col"]) for e in doc["errors"]] == [(broken, 3, 12), (missing, None, None)]
    code, out, err = run_cli("lint", *args, "--format", "github")
    assert code == 2 and err.count("Error: ") == 2
    lines = out.splitlines()
    assert f"::error file={broken},line=3,col=12::{broken}:3:12: syntax error: invalid syntax" in lines
    assert any(line.startswith(f"::error file={missing}::{missing}: cannot read") for line in lines)
    code, out, _ = run_cli("lint", *args, "--format", "sarif")
    log = json.loads(out)
    jsonschema.Draft7Validator(SARIF_SUBSET).validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert code == 2 and invocation["executionSuccessful"] is False
    located, unlocated = invocation["toolExecutionNotifications"]
    location_schema = {**SARIF_SUBSET["definitions"]["location"], "definitions": SARIF_SUBSET["definitions"]}
    for note in (located, unlocated):
        jsonschema.Draft7Validator(location_schema).validate(note["locations"][0])
    assert located["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 12}
    assert located["level"] == "error" and located["message"]["text"].startswith(f"{broken}:3:12: syntax error")
    assert "region" not in unlocated["locations"][0]["physicalLocation"]
    # without an error the run succeeded
    _, out, _ = run_cli("lint", str(tmp_path / "a.py"), "--format", "sarif")
    assert json.loads(out)["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_a_wiring_the_rules_cannot_take_is_located_at_the_wiring(tmp_path):
    write(tmp_path, {"b.py": "import torch\n\nx = wire(nn.Softmax, nn.NLLLoss(from_logits=True))\n"})
    (error,) = lossadvisor.lint(str(tmp_path / "b.py")).errors
    assert (error["line"], error["col"]) == (3, 5)         # "x = wire(": the call starts at column 5


# ----------------------------------------------------------------------------- text locations


LOCATION_LINE = re.compile(r"^          (activation|loss|activation and loss|at) (\S+?):(\d+)(:\d+)?$")


def test_every_location_line_has_one_form_the_finding_s_own_place_first(run_cli, tmp_path):
    path = write(tmp_path, {"train.py": MODEL_LINE + "wire(None,\n     nn.NLLLoss())\n"}) / "train.py"
    _, out, _ = run_cli("lint", str(path), env={"COLUMNS": "400"})
    shown = [line for line in out.splitlines() if str(path) in line and not line.startswith(str(path))]
    assert shown and all(LOCATION_LINE.match(line) for line in shown), shown
    # LA101 is the activation's: its role first, then the loss; LA304 is at the `None` (no part of
    # the model's), then the loss it was found with
    assert shown == [f"          activation {path}:5:5", f"          loss {path}:6:5",
                     f"          at {path}:7:6", f"          loss {path}:8:6"]


def test_a_spec_file_gives_lines_in_the_same_form(run_cli, tmp_path):
    spec = write(tmp_path, {"m.yaml": "task: multiclass\nactivation: softmax\nloss: nn.CrossEntropyLoss\n"}) / "m.yaml"
    _, out, _ = run_cli("lint", str(spec), env={"COLUMNS": "400"})
    assert f"          activation {spec}:2\n" in out and f"          loss {spec}:3\n" in out


# ----------------------------------------------------------------------------- help and schema


def test_each_paragraph_of_the_epilog_is_its_own_block(run_cli):
    from lossadvisor.cli.lint import EPILOG

    paragraphs = EPILOG.split("\n\n")
    assert all(p.startswith("\b\n") for p in paragraphs)    # click rewraps none of them
    starts = [p.split("\n")[1].split()[0] for p in paragraphs]
    assert starts == ["Examples:", "PATHS", "Scripts", "Each", "A", "--select", "Without", "Exit"]
    # a paragraph ends a sentence: none breaks off mid-way into the next
    assert all(p.rstrip().endswith((".", ":", "LA101")) or p.startswith("\bExamples") for p in paragraphs[1:])
    _, out, _ = run_cli("lint", "--help")
    assert "\n\n  Without --task, a model" in out and "Rules that lack\n" not in out


def test_the_schema_requires_what_is_always_emitted():
    finding = SCHEMA["$defs"]["finding"]["required"]
    assert "errors" in SCHEMA["required"] and {"col", "locations"} <= set(finding)
    assert "not_followed" in SCHEMA["properties"]["counts"]["required"]
    assert "not_followed" in SCHEMA["properties"]["models"]["items"]["required"]
    assert {"line", "col"} <= set(SCHEMA["properties"]["errors"]["items"]["required"])
    doc = lossadvisor.lint(activation="softmax", loss="nn.CrossEntropyLoss").to_dict()
    validator = jsonschema.Draft202012Validator(SCHEMA)
    validator.validate({"schema_version": 1, **doc})
    for key in ("col", "locations"):
        broken = json.loads(json.dumps(doc))
        del broken["findings"][0][key]
        assert not validator.is_valid({"schema_version": 1, **broken}), key


# ----------------------------------------------------------------------------- second fix round (issue 11)


def relative_files(folder: Path, *exclude: str) -> list[str]:
    return [Path(p).relative_to(folder).as_posix() for p in python_files(str(folder), exclude)]


def test_a_folder_walk_takes_regular_files_only_so_a_fifo_never_hangs_it(run_cli, tmp_path):
    import socket

    write(tmp_path, {"src/a.py": DOUBLE_SOFTMAX})
    os.mkfifo(tmp_path / "src" / "fifo.py")                 # opening it would wait for a writer forever
    (tmp_path / "src" / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    (tmp_path / "src" / "link.py").symlink_to(tmp_path / "src" / "a.py")     # a symlink to a file is read
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "src" / "sock.py"))
        assert relative_files(tmp_path) == ["src/a.py", "src/link.py"]
    finally:
        server.close()
    code, doc, err = lint_json(run_cli, str(tmp_path))
    assert (code, err, doc["errors"]) == (1, "", []) and doc["counts"]["scripts"] == 2


def test_notebook_checkpoints_and_conda_environments_are_skipped(tmp_path):
    write(tmp_path, {"train.py": "", ".ipynb_checkpoints/train-checkpoint.py": "",
                     "env/conda-meta/history": "", "env/lib/python3.12/os.py": "", "conda-meta.py": ""})
    assert relative_files(tmp_path) == ["conda-meta.py", "train.py"]


@pytest.mark.parametrize("exclude, left", [
    # a pattern without a leading / matches at any depth, as .gitignore and Ruff read it
    (["tests/*"], ["src/train.py", "train.py"]),
    (["tests"], ["src/train.py", "train.py"]),
    # a leading / anchors it at the folder given
    (["/tests/*"], ["src/tests/t1.py", "src/train.py", "train.py"]),
    (["/src/tests"], ["src/train.py", "tests/t2.py", "train.py"]),
    # a trailing / matches folders only: the file tests.py stays... (there is none called tests here)
    (["train.py/"], ["src/tests/t1.py", "src/train.py", "tests/t2.py", "train.py"]),
    (["tests/"], ["src/train.py", "train.py"]),
    (["train.py"], ["src/tests/t1.py", "tests/t2.py"]),
])
def test_exclude_patterns_match_at_any_depth_unless_anchored(tmp_path, exclude, left):
    write(tmp_path, {"src/tests/t1.py": "", "src/train.py": "", "tests/t2.py": "", "train.py": ""})
    assert relative_files(tmp_path, *exclude) == left


@pytest.mark.parametrize("pattern", ["", "/", " "])
def test_an_empty_exclude_pattern_is_a_usage_error_before_anything_is_read(run_cli, tmp_path, pattern):
    write(tmp_path, {"a.py": DOUBLE_SOFTMAX})
    code, out, err = run_cli("lint", str(tmp_path), "--exclude", pattern)
    assert (code, out) == (2, "") and err.startswith("Error: --exclude: an empty pattern")
    with pytest.raises(UsageError, match="^exclude=: an empty pattern"):
        lossadvisor.lint(str(tmp_path), exclude=[pattern])


BROKEN_INPUTS = {
    "bad.yaml": "models: [\n",                       # a broken spec
    "broken.keras": "hello",                         # not a zip
    "notes.txt": "hi\n",                             # an unknown kind of file
    "two.yaml": "models:\n  - name: m1\n    task: binary\n    activation: sigmoid\n    loss: nn.BCELoss\n"
                "  - name: m2\n    activaton: sigmoid\n    loss: nn.BCELoss\n",    # one model of two broken
}


def test_every_input_file_is_its_own_unit(run_cli, tmp_path):
    write(tmp_path, {"train.py": DOUBLE_SOFTMAX, **BROKEN_INPUTS})
    names = ["bad.yaml", "train.py", "broken.keras", "two.yaml", "notes.txt"]
    code, doc, err = lint_json(run_cli, *(str(tmp_path / n) for n in names))
    # the script and the good model of two.yaml are linted; exit 2 after the report
    assert code == 2 and [m["name"] for m in doc["models"]] == [f"{tmp_path / 'train.py'}:4:8", "m1"]
    assert [f["code"] for f in doc["findings"]] == ["LA101"]
    # each error once, in input order, a model's error named and located at the model (line 6)
    assert [(Path(e["source"]).name, e["line"], e["model"]) for e in doc["errors"]] == [
        ("bad.yaml", 2, None), ("broken.keras", None, None), ("two.yaml", 6, "m2"), ("notes.txt", None, None)]
    assert doc["errors"][0]["message"] == f"{tmp_path / 'bad.yaml'}:2: YAML syntax error: did not find expected node content"
    assert doc["errors"][2]["message"].startswith(f"{tmp_path / 'two.yaml'}:7: unknown key 'activaton'")
    assert err.count("Error: ") == 4 and err.count("\n") == 4
    # the text report says what was left out; the errors follow on stderr, sorted by path
    code, out, err = run_cli("lint", *(str(tmp_path / n) for n in names))
    assert code == 2 and "3 files could not be read. 1 model could not be linted." in " ".join(out.split())
    shown = [line.split(": ", 1)[1] for line in err.splitlines()]
    assert [Path(line.split(":")[0]).name for line in shown] == ["bad.yaml", "broken.keras", "notes.txt", "two.yaml"]


def test_a_bad_spec_on_stdin_is_an_error_and_the_script_is_linted(run_cli, tmp_path):
    path = write(tmp_path, {"train.py": DOUBLE_SOFTMAX}) / "train.py"
    code, out, err = run_cli("lint", "-", str(path), "--json", input="task: [binary\n")
    doc = json.loads(out)
    assert code == 2 and [f["code"] for f in doc["findings"]] == ["LA101"]
    assert doc["errors"] == [{"source": "<stdin>", "message": "<stdin>:2: YAML syntax error: did not find expected "
                              "',' or ']'", "line": 2, "col": None, "model": None}]


@pytest.mark.parametrize("flag, conflict", [
    # a flag that contradicts the model
    (("--labels", "one_hot"), "says labels=integer, but the flag gives labels=one_hot"),
    # a flag that does not apply to it
    # (the model states two answers the task refuses; either refusal names the conflict)
    (("--task", "binary"), ("classes=10 does not apply to task=binary", "invalid value 'integer' for labels (task=binary)")),
])
def test_a_flag_that_does_not_fit_one_model_is_an_error_for_that_model(run_cli, tmp_path, flag, conflict):
    write(tmp_path, {
        "a.py": "import torch\nx = wire(nn.Linear, nn.CrossEntropyLoss(), labels='integer', classes=10)\n",
        "b.py": "import torch\nwire(torch.sigmoid, nn.BCEWithLogitsLoss())\n",
        "spec.yaml": "models:\n  - name: m1\n    labels: integer\n    classes: 10\n    activation: linear\n"
                     "    loss: nn.CrossEntropyLoss\n  - name: m2\n    activation: sigmoid\n    loss: nn.BCELoss\n",
    })
    script, spec = str(tmp_path / "a.py"), str(tmp_path / "spec.yaml")
    code, doc, err = lint_json(run_cli, script, str(tmp_path / "b.py"), spec, *flag)
    assert code == 2
    # the two others are linted: b.py (a sigmoid before BCEWithLogitsLoss) and m2
    assert [m["name"] for m in doc["models"]] == [f"{tmp_path / 'b.py'}:2:1", "m2"]
    assert [(e["source"], e["model"]) for e in doc["errors"]] == [(script, f"{script}:2:5"), (spec, "m1")]
    conflicts = conflict if isinstance(conflict, tuple) else (conflict,)
    assert all(any(c in e["message"] for c in conflicts) for e in doc["errors"]), doc["errors"]
    assert doc["errors"][0]["message"].endswith(f"(model {script}:2:5)") and doc["errors"][1]["message"].endswith(
        "(model m1)")
    assert (doc["errors"][0]["line"], doc["errors"][0]["col"]) == (2, 5)
    assert err.count("Error: ") == 2


@pytest.mark.parametrize("args, message", [
    (("--task", "foo"), "invalid value 'foo' for task"),
    (("--task", "binary", "--classes", "10"), "classes=10 does not apply to task=binary"),
    (("--units", "0"), "units must be an integer >= 1"),
    (("--select", "LA999"), "--select: unknown lint code or prefix LA999"),
])
def test_the_flags_own_mistakes_are_usage_errors_before_anything_is_read(run_cli, tmp_path, args, message):
    # the file is missing: were it read first, its error would come first
    code, out, err = run_cli("lint", str(tmp_path / "missing.yaml"), *args)
    assert (code, out) == (2, "") and err.startswith("Error: ") and message in err and "missing" not in err


def live_codes() -> list[str]:
    return [code for code, rule in load_lint_data().codes.items() if not rule["retired"]]


@pytest.mark.parametrize("args, reported", [
    (("--ignore", "ALL"), ()),
    (("--select", "LA3"), ("LA3",)),           # LA3xx: none fires on this model
    (("--select", "LA109", "--ignore", "LA109"), ()),
])
def test_leaving_out_every_code_a_model_could_get_is_no_findings_exit_0(run_cli, tmp_path, args, reported):
    path = write(tmp_path, {"train.py": DOUBLE_SOFTMAX}) / "train.py"
    code, doc, _ = lint_json(run_cli, str(path), *args)
    # the rules had their facts (activation and loss): not "nothing could be checked"
    assert code == 0 and doc["findings"] == [] and doc["nothing_checked"] is False
    # left out: every code of rules/lint.yaml but those of the prefixes reported
    left_out = [c for c in live_codes() if not c.startswith(reported)] if reported else live_codes()
    assert doc["counts"]["left_out"] == len(left_out)
    # clean for the codes reported, if any was; never clean of no code at all
    assert doc["clean"] is bool(reported) and doc["models"][0]["clean"] is bool(reported)
    code, out, _ = run_cli("lint", str(path), *args)
    assert code == 0 and "Nothing could be checked" not in out
    assert out.splitlines()[-1].endswith(f"--select/--ignore left out {len(left_out)} codes.")
    assert ("clean" in out.splitlines()[0]) is bool(reported)


def test_a_model_without_facts_is_still_nothing_checked_whatever_the_filter(run_cli):
    code, out, _ = run_cli("lint", "-", "--select", "LA1", "--json", input="name: bare\ntask: binary\n")
    assert code == 1 and json.loads(out)["nothing_checked"] is True


@pytest.mark.parametrize("value", ["", ",", " , "])
def test_select_or_ignore_without_any_code_is_a_usage_error(run_cli, tmp_path, value):
    path = write(tmp_path, {"train.py": DOUBLE_SOFTMAX}) / "train.py"
    for option in ("--select", "--ignore"):
        code, out, err = run_cli("lint", str(path), option, value)
        assert (code, out) == (2, "") and err.startswith(f"Error: {option}: no code given")
    with pytest.raises(UsageError, match="^select=: no code given"):
        lossadvisor.lint(str(path), select=value)


def test_sarif_declares_columns_in_unicode_code_points(run_cli, tmp_path):
    # "é" is one character, two UTF-8 bytes and one UTF-16 unit; "𝑥" is two UTF-16 units
    path = write(tmp_path, {"t.py": "import torch\n𝑥 = 'é'; wire(nn.Softmax, nn.CrossEntropyLoss())\n"}) / "t.py"
    _, out, _ = run_cli("lint", str(path), "--format", "sarif")
    (run,) = json.loads(out)["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    # "𝑥 = 'é'; wire(" is 14 characters: the activation starts at character 15
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 15}


@pytest.mark.parametrize("stdin", [True, False])
def test_a_python_script_read_as_a_spec_says_where_a_script_goes(run_cli, tmp_path, stdin):
    script = "import torch\nfrom torch import nn\n\ndef train(model):\n    loss = nn.CrossEntropyLoss()\n"
    if stdin:
        code, out, err = run_cli("lint", "-", input=script)
        expected = "<stdin>: this is Python, not a spec: - reads a spec (YAML or JSON)"
    else:
        path = write(tmp_path, {"train": script}) / "train"
        code, out, err = run_cli("lint", str(path))
        expected = f"{path}: this is Python, not a spec: a file without a suffix is read as a spec (YAML or JSON)"
    assert code == 2 and err == f"Error: {expected}; give a training script as a .py file (lossadvisor lint train.py)\n"
    # a spec is never taken for Python, even one that fails
    code, _, err = run_cli("lint", "-", input="task: [binary\n")
    assert "Python" not in err


def test_a_script_past_16_mib_is_an_error_read_no_further_than_the_cap(run_cli, tmp_path):
    from lossadvisor.textutil import MAX_DOCUMENT_BYTES, read_bytes

    big = tmp_path / "big.py"
    line = b"import torch  # " + b"x" * 47 + b"\n"                     # 64 bytes
    big.write_bytes(line * ((16 << 20) // 64 + 1))                     # 16 MiB and 64 bytes
    write(tmp_path, {"a.py": DOUBLE_SOFTMAX})
    code, doc, _ = lint_json(run_cli, str(big), str(tmp_path / "a.py"))
    assert code == 2 and [f["code"] for f in doc["findings"]] == ["LA101"]
    assert doc["errors"][0]["message"] == f"{big}: too large for a training script (stopped reading at 16 MiB)"
    # the cap is read_bytes's, lower than the documents' cap
    assert MAX_DOCUMENT_BYTES > 16 << 20
    with pytest.raises(lossadvisor.errors.InputError, match="too large for a test file"):
        read_bytes(str(big), what="a test file", limit=1 << 20)


def test_errors_keep_input_order_in_json_serial_or_pool(run_cli, tmp_path):
    # 40 scripts (a pool with 2 jobs), every fifth broken, a spec whose model a flag contradicts first
    write(tmp_path, {f"s/m{i:02d}.py": SYNTAX_ERROR if i % 5 == 0 else DOUBLE_SOFTMAX for i in range(40)})
    spec = write(tmp_path, {"z.yaml": "labels: integer\nactivation: linear\nloss: nn.CrossEntropyLoss\n"}) / "z.yaml"
    args = ("lint", str(spec), str(tmp_path / "s"), "--labels", "one_hot", "--json")
    serial = run_cli(*args, env={inputs.JOBS_ENV: "1"})
    parallel = run_cli(*args, env={inputs.JOBS_ENV: "2"})
    assert serial == parallel
    errors = json.loads(serial[1])["errors"]
    assert [Path(e["source"]).name for e in errors] == ["z.yaml"] + [f"m{i:02d}.py" for i in range(0, 40, 5)]
    # stderr: sorted by path (s/... before z.yaml)
    assert [line.split(": ", 1)[1].startswith(str(spec)) for line in serial[2].splitlines()] == [False] * 8 + [True]
