"""Issue "Trust": nothing checked is never reported as passed.

A framework named with --framework and not installed is an error with the install
command; a loss with no NumPy reference is "not checked"; the payloads carry passed,
failed and skipped counts and a status; a run where every check was skipped exits 1;
`recommend --rules OVERLAY` checks against the overlay's catalog as `check --rules` does.
"""

from __future__ import annotations

import json
import sys
import textwrap

import pytest
from conftest import FIXTURES

from lossadvisor import checks


@pytest.fixture
def torch_missing(monkeypatch):
    """torch as if not installed: find_spec returns None for a None entry of sys.modules."""
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setattr(checks, "_FW_CACHE", {})


def test_named_framework_missing_is_exit_2_with_install_hint(run_cli, torch_missing):
    code, out, err = run_cli("check", "huber", "--framework", "pytorch")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "torch is not installed" in err and "pip install torch" in err


def test_all_frameworks_require_each(run_cli, torch_missing):
    code, _, err = run_cli("check", "huber", "--framework", "all", "--json")
    assert code == 2 and "pip install torch" in err


def test_default_frameworks_are_the_installed_ones(run_cli, torch_missing):
    # not named: every installed framework is compared; the missing one gets no row at all,
    # so nothing about it can read as passed
    code, out, _ = run_cli("check", "huber", "--json")
    doc = json.loads(out)
    assert not any("PyTorch" in r["name"] for r in doc["results"])


def test_unknown_framework_in_the_core_is_a_usage_error():
    from lossadvisor.errors import UsageError

    with pytest.raises(UsageError, match="unknown framework 'tensorflow'"):
        checks.run_checks(["huber"], frameworks=["tensorflow"])


CUSTOM = textwrap.dedent('''
    schema_version: 1
    losses:
      - id: my_loss
        name: My loss
        family: regression
        formula: "something of my own"
        distribution: none
        activation: linear
        params: {}
''')


def test_loss_without_reference_is_not_checked(run_cli, tmp_path):
    rules = tmp_path / "custom.yaml"
    rules.write_text(CUSTOM)
    code, out, err = run_cli("check", "my_loss", "--rules", str(rules), "--framework", "none", "--json")
    doc = json.loads(out)
    # one row, skipped: nothing was checked, so not passed and not exit 0
    assert doc["status"] == "not_checked" and doc["passed"] is False
    assert doc["counts"] == {"passed": 0, "failed": 0, "skipped": 1}
    assert code == 1, err
    code, out, _ = run_cli("check", "my_loss", "--rules", str(rules), "--framework", "none")
    assert code == 1 and "NOTHING CHECKED" in out and "all checks passed" not in out


def test_a_named_loss_not_checked_beside_one_that_passed_is_not_a_pass(run_cli, tmp_path):
    # my_loss has no reference: every check of it is skipped, whatever the other loss does
    rules = tmp_path / "custom.yaml"
    rules.write_text(CUSTOM)
    code, out, _ = run_cli("check", "my_loss", "huber", "--rules", str(rules), "--framework", "none", "--json")
    doc = json.loads(out)
    assert doc["status"] == "not_checked" and doc["unchecked"] == ["my_loss"] and code == 1
    assert doc["counts"]["passed"] >= 1  # huber's checks did pass
    code, out, _ = run_cli("check", "my_loss", "huber", "--rules", str(rules), "--framework", "none")
    assert code == 1 and "NOTHING CHECKED for my_loss" in out


def test_counts_match_the_rows(run_cli):
    code, out, _ = run_cli("check", "huber", "mean_squared_error", "--framework", "none", "--json")
    doc = json.loads(out)
    # the rows counted by hand, independently of checks.verdict
    rows = doc["results"]
    assert doc["counts"] == {"passed": len([r for r in rows if r["passed"] is True]),
                             "failed": len([r for r in rows if r["passed"] is False]),
                             "skipped": len([r for r in rows if r["passed"] is None])}
    assert doc["counts"]["skipped"] == 2  # "no framework requested", once per loss
    assert code == 0 and doc["status"] == "passed"
    code, out, _ = run_cli("check", "huber", "--framework", "none")
    assert "5 passed, 0 failed, 1 skipped" in out and "all checks passed" not in out


def test_verdict_statuses():
    assert checks.verdict([])["status"] == "not_checked"
    assert checks.verdict([{"passed": None}, {"passed": None}])["passed"] is False
    assert checks.verdict([{"passed": True}, {"passed": False}])["status"] == "failed"
    assert checks.verdict([{"passed": True}])["status"] == "passed"


#: an overlay whose worked example for mean_squared_error is deliberately wrong
WRONG_MSE = FIXTURES / "rules" / "wrong-mse-worked-example.yaml"


def test_recommend_checks_against_the_overlay_catalog(run_cli):
    rules = WRONG_MSE
    code_check, out, _ = run_cli("check", "mean_squared_error", "--rules", str(rules), "--framework", "none",
                                 "--json")
    assert code_check == 1
    code, out, err = run_cli("recommend", "--rules", str(rules), "--task", "regression", "--target", "real",
                             "--outliers", "no", "--uncertainty", "none", "--no-input", "--json")
    doc = json.loads(out)
    assert doc["loss"]["id"] == "mean_squared_error"
    row = next(r for r in doc["check"]["results"] if r["name"] == "worked example")
    # (1 + 9) / 2 = 5 by hand, against the overlay's deliberately wrong 4
    assert row["passed"] is False and "5 != 4" in row["detail"]
    assert doc["check"]["status"] == "failed" and code == 1 == code_check, err


def test_recommend_with_a_custom_loss_says_not_checked(run_cli, tmp_path):
    rules = tmp_path / "custom.yaml"
    rules.write_text(CUSTOM + textwrap.dedent('''
        rules:
          - id: regression-default
            match: {task: regression}
            output: {units: outputs, activation: linear}
            loss: {id: my_loss}
            why: "my own loss, which lossadvisor has no reference for"
    '''))
    code, out, err = run_cli("recommend", "--rules", str(rules), "--task", "regression", "--no-input", "--json")
    doc = json.loads(out)
    assert doc["loss"]["id"] == "my_loss", doc["rule"]
    assert doc["check"]["status"] == "not_checked" and doc["check"]["passed"] is False
    assert code == 1, err  # nothing checked is not a success...
    code, out, err = run_cli("recommend", "--rules", str(rules), "--task", "regression", "--no-input", "--json",
                             "--no-check")
    assert code == 0 and "check" not in json.loads(out)  # ...unless no check was asked for
