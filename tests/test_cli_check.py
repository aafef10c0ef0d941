"""`lossadvisor check` through the real entry point: exit codes, JSON contract, text table."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES

SCHEMA = Path(__file__).resolve().parent.parent / "lossadvisor" / "schemas" / "check.schema.json"


@pytest.fixture(scope="module")
def validator():
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_all_losses_numpy_only(run_cli, validator):
    code, out, err = run_cli("check", "--framework", "none", "--json")
    assert code == 0, err
    doc = json.loads(out)
    validator.validate(doc)
    assert list(doc)[0] == "schema_version" and doc["schema_version"] == 1
    assert doc["passed"] is True
    from lossadvisor.rulebase import load_rulebase

    assert {r["loss"] for r in doc["results"]} == set(load_rulebase().losses)  # every loss of the catalog
    assert all(r["passed"] is not False for r in doc["results"])


def test_named_losses_only(run_cli, validator):
    code, out, _ = run_cli("check", "huber", "poisson", "--framework", "none", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    validator.validate(doc)
    assert [r["loss"] for r in doc["results"]][0] == "huber"
    assert {r["loss"] for r in doc["results"]} == {"huber", "poisson"}


def test_text_table_has_marks(run_cli):
    # the table is the --verbose text (the default is a line per loss: tests/test_compact_output.py)
    code, out, _ = run_cli("check", "hinge", "--framework", "none", "--verbose", env={"NO_COLOR": "1"})
    assert code == 0
    assert "✓" in out and "–" in out  # passed checks, and the skipped likelihood / framework rows
    assert "worked example" in out and "hinge" in out
    assert "\x1b[" not in out  # no colour codes off a terminal
    # skipped rows: the verdict is passed, but never "all checks passed" (issue "Trust")
    assert "1 loss: " in out and "— passed (the skipped checks were not run" in out
    assert "all checks passed" not in out


def test_param_reaches_the_checks(run_cli):
    code, out, _ = run_cli("check", "huber", "--param", "delta=2.5", "--framework", "none", "--json")
    assert code == 0
    details = " ".join(r["detail"] for r in json.loads(out)["results"])
    assert "δ = 2.5" in details


@pytest.mark.parametrize("args, words", [
    (["check", "hubber"], ["did you mean 'huber'"]),
    (["check", "huber", "--param", "delta=-1"], ["delta"]),
    (["check", "huber", "--param", "nonsense"], ["KEY=VALUE"]),
    (["check", "--param", "foo=1"], ["foo"]),
    (["check", "--impl", "x.py:f"], ["exactly one LOSS"]),
    (["check", "huber", "--logits"], ["only with --impl"]),
    (["check", "--framework", "none", "--framework", "pytorch"], ["cannot be combined"]),
    (["check", "huber", "--impl", "no/such/file.py:f"], ["no such file"]),
    (["check", "--framework", "tensorflow"], ["tensorflow"]),
])
def test_usage_and_input_errors_exit_2(run_cli, args, words):
    code, out, err = run_cli(*args)
    assert code == 2
    assert out == ""
    assert err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err
    for w in words:
        assert w in err, (w, err)


def test_a_failing_check_exits_1(run_cli, validator):
    # a rule overlay whose worked example is wrong: the check must fail, exit 1
    rules = FIXTURES / "rules" / "wrong-mse-worked-example.yaml"
    code, out, err = run_cli("check", "mean_squared_error", "--rules", str(rules), "--framework", "none", "--json")
    assert code == 1, err
    doc = json.loads(out)
    validator.validate(doc)
    assert doc["passed"] is False
    row = next(r for r in doc["results"] if r["name"] == "worked example")
    assert row["passed"] is False and "5 != 4" in row["detail"]


def test_impl_good_and_bad(run_cli, tmp_path, validator):
    mod = tmp_path / "mine.py"
    mod.write_text(textwrap.dedent('''
        import numpy as np
        import sys
        def good(y, z):
            print("noise on stderr", file=sys.stderr)
            return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))
        def noisy(y, z):
            print("noise on stdout")
            return good(y, z)
        def summed(y, z):
            return float(np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))
    '''))
    code, out, err = run_cli("check", "binary_crossentropy", "--impl", f"{mod}:good", "--json")
    assert code == 0, err
    doc = json.loads(out)
    validator.validate(doc)
    assert doc["passed"] is True and doc["diagnoses"] == [] and doc["impl"].endswith("mine.py:good")
    assert doc["convention"] == {"order": "y_true, y_pred", "form": "logits", "shape": "2-D batches", "pinned": []}
    # output on stdout (the report's channel) fails the check; it used to pass, moved to stderr
    code, out, _ = run_cli("check", "binary_crossentropy", "--impl", f"{mod}:noisy", "--json")
    assert code == 1
    doc = json.loads(out)
    validator.validate(doc)
    assert [d["code"] for d in doc["diagnoses"]] == ["stdout"]
    code, out, _ = run_cli("check", "binary_crossentropy", "--impl", f"{mod}:summed", "--json")
    assert code == 1
    doc = json.loads(out)
    validator.validate(doc)
    assert [d["name"] for d in doc["diagnoses"]] == ["sum instead of mean"]
    code, out, _ = run_cli("check", "binary_crossentropy", "--impl", f"{mod}:summed", env={"NO_COLOR": "1"})
    assert code == 1 and "sum instead of mean" in out and "FAILED" in out


def test_impl_module_spec_from_the_working_directory(tmp_path):
    (tmp_path / "mylosses.py").write_text("import numpy as np\ndef mse(y, p):\n    return float(np.mean((y - p) ** 2))\n")
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "lossadvisor", "check", "mean_squared_error", "--impl", "mylosses:mse",
                           "--json"], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["passed"] is True


def test_impl_convention_in_text(run_cli, tmp_path):
    mod = tmp_path / "mine.py"
    mod.write_text(textwrap.dedent('''
        import numpy as np
        def bce(y, p):                        # plain NumPy BCE on probabilities
            p = np.clip(p, 1e-7, 1 - 1e-7)
            return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
    '''))
    code, out, err = run_cli("check", "binary_crossentropy", "--impl", f"{mod}:bce", env={"NO_COLOR": "1"})
    assert code == 0, out + err  # was: exit 1, "logits taken as probabilities", unless --probabilities was given
    assert "Convention assumed: f(y_true, y_pred), probabilities, 2-D batches" in out
    code, out, _ = run_cli("check", "binary_crossentropy", "--impl", f"{mod}:bce", "--logits", env={"NO_COLOR": "1"})
    assert code == 1 and "logits taken as probabilities" in out
    assert "Convention assumed: f(y_true, y_pred), logits, 2-D batches (form pinned by the flag)" in out


@pytest.mark.parametrize("args, words", [
    (["check", "huber", "--timeout", "2"], ["only with --impl"]),
    (["check", "huber", "--memory-limit", "100"], ["only with --impl"]),
    (["check", "huber", "--impl", "x.py:f", "--timeout", "0"], ["--timeout must be a positive number"]),
    (["check", "huber", "--impl", "x.py:f", "--memory-limit", "-1"], ["memory-limit"]),
])
def test_impl_limit_flags_are_checked(run_cli, args, words):
    code, out, err = run_cli(*args)  # refused before any file is looked at
    assert code == 2 and out == ""
    for w in words:
        assert w in err, (w, err)


def test_help_documents_the_impl_limits(run_cli):
    code, out, _ = run_cli("check", "--help")
    assert code == 0
    flat = " ".join(out.split())
    for words in ("--timeout SECONDS", "--memory-limit MIB", "RLIMIT_DATA", "f(y_pred, y_true)",
                  "1-D vectors", "logits or probabilities", "prints to stdout is a failed check (exit 1)",
                  "hangs is an input error (exit 2)", "--impl my_losses.py:mse --timeout 2"):
        assert words in flat, words


def test_help_has_examples(run_cli):
    code, out, _ = run_cli("check", "--help")
    assert code == 0
    assert "Examples:" in out
    assert "lossadvisor check binary_crossentropy --impl my_losses.py:bce" in out
