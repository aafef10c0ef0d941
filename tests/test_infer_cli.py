"""`lossadvisor infer` through the real entry point: JSON, text, errors, stdin, progress."""

from __future__ import annotations

import io
import json
import subprocess

import numpy as np
import pytest

from conftest import FIXTURES, PYTHON, ROOT, python_env

INFER = FIXTURES / "infer"
SCHEMA = json.loads((ROOT / "lossadvisor" / "schemas" / "infer.schema.json").read_text())


def _labels_csv(tmp_path, counts=(61, 39)):
    p = tmp_path / "train.csv"
    rows = [f"{i * 0.1:.1f},{cls}" for cls, n in enumerate(counts) for i in range(n)]
    p.write_text("feature,label\n" + "\n".join(rows) + "\n")
    return p


def test_json_contract(run_cli, tmp_path):
    p = _labels_csv(tmp_path)
    code, out, err = run_cli("infer", str(p), "--column", "label", "--json")
    assert code == 0, err
    assert err == ""  # nothing on stderr when stderr is not a terminal
    doc = json.loads(out)
    assert list(doc)[:2] == ["schema_version", "answers"] and doc["schema_version"] == 1
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, SCHEMA)
    assert doc["answers"] == {"task": "binary", "labels": "zero_one", "imbalance": "none"}
    assert doc["evidence"]["task"] == "2 distinct values: 0 (61%), 1 (39%)"
    assert doc["rows"] == 100 and doc["missing"] == 0
    assert doc["source"] == {"path": str(p), "format": "csv", "columns": ["label"], "delimiter": ",",
                             "header": True, "columns_in_file": 2}


def test_format_json_equals_json_flag(run_cli, tmp_path):
    p = _labels_csv(tmp_path)
    assert run_cli("infer", str(p), "--format", "json")[1] == run_cli("infer", str(p), "--json")[1]


def test_text_output(run_cli, tmp_path):
    p = _labels_csv(tmp_path, counts=(95, 5))
    code, out, err = run_cli("infer", str(p), "--column", "label")
    assert code == 0, err
    assert "100 rows, 0 missing" in out
    assert "binary" in out and "moderate" in out  # 5 / 95 = 0.053
    assert "lossadvisor recommend --task binary --labels zero_one --imbalance moderate" in out
    assert "\x1b[" not in out  # no colour off a terminal


def test_ambiguities_and_warnings_in_text(run_cli, tmp_path):
    p = tmp_path / "y.csv"
    p.write_text("y\n" + "\n".join(["0.0", "1.0"] * 10 + [""]) + "\n")
    code, out, _ = run_cli("infer", str(p))
    assert code == 0
    assert "Ambiguous" in out and "task=regression" in out and "settle:" in out
    assert "Warnings" in out and "missing" in out


def test_output_is_an_answers_file_for_recommend(run_cli, tmp_path):
    y = np.eye(3)[np.arange(30) % 3]
    np.save(tmp_path / "y.npy", y)
    code, out, err = run_cli("infer", str(tmp_path / "y.npy"), "--json")
    assert code == 0, err
    (tmp_path / "framing.json").write_text(out)
    code, rec, err = run_cli("recommend", "--answers", str(tmp_path / "framing.json"), "--no-input", "--no-check",
                             "--json")
    assert code == 0, err
    doc = json.loads(rec)
    assert doc["answers"]["labels"] == "one_hot" and doc["answers"]["classes"] == 3
    assert doc["loss"]["id"] == "categorical_crossentropy"


@pytest.mark.parametrize("name, extra, message", [
    ("ragged.csv", [], "line 4 has 1 field, expected 2"),
    ("junk.csv", [], "binary data"),
    ("empty.csv", [], "the file is empty"),
    ("latin1.csv", [], "not UTF-8"),
    ("pm1.tsv", ["--column", "z"], "no column 'z'; columns: 'x', 'y'"),
    ("pm1.tsv", ["--key", "y"], "--key applies to .npz"),
    ("pm1.tsv", ["--delimiter", "ab"], "--delimiter takes one ASCII character"),
    ("missing.csv", [], "no such file"),
])
def test_errors_are_one_line_and_exit_2(run_cli, name, extra, message):
    code, out, err = run_cli("infer", str(INFER / name), *extra, "--json")
    assert code == 2
    assert out == ""
    assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1, err
    assert message in err


def test_stdin_through_a_real_process():
    proc = subprocess.run([PYTHON, "-m", "lossadvisor", "infer", "-", "--json"], input=b"label\na\nb\nb\n",
                          capture_output=True, env=python_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["label_mapping"] == {"a": 0, "b": 1} and doc["source"]["path"] == "<stdin>"
    assert proc.stderr == b""


def test_progress_bar_only_on_a_terminal(monkeypatch):
    import sys

    from lossadvisor.cli import infer as cli_infer

    class FakeErr(io.StringIO):
        def __init__(self, tty):
            super().__init__()
            self.tty = tty

        def isatty(self):
            return self.tty

    monkeypatch.setattr(sys, "stderr", FakeErr(False))
    update, finish = cli_infer._progress()
    assert update is None  # not a terminal: no bar at all
    finish()

    err = FakeErr(True)
    monkeypatch.setattr(sys, "stderr", err)
    clock = iter([0.0, 0.1, 5.0, 6.0, 7.0, 8.0])
    monkeypatch.setattr("time.monotonic", lambda: next(clock, 9.0))
    update, finish = cli_infer._progress()
    update(10, 100)  # 0.1 s after the start: too early for a bar
    assert err.getvalue() == ""
    update(50, 100)  # 5 s: the bar starts
    update(100, 100)
    finish()
    assert "reading" in err.getvalue()
