"""`explain`, `losses`, `rules list`, `rules validate` through the real entry point."""

import json

import pytest

LOSS_IDS = ["mean_squared_error", "mean_absolute_error", "mean_squared_logarithmic_error", "huber", "log_cosh",
            "poisson", "gaussian_nll", "quantile", "binary_crossentropy", "binary_focal_crossentropy", "hinge",
            "squared_hinge", "categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence",
            "categorical_focal_crossentropy", "dice", "dice_crossentropy", "tversky", "ctc",
            "cox_partial_likelihood", "discrete_time_hazard",
            "cumulative_link", "corn", "coral"]  # the contract's lists in architecture.md (the seed's, then turn 2's)


def test_losses_json_lists_the_contract_ids(run_cli):
    code, out, err = run_cli("losses", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema_version"] == 1
    assert [r["id"] for r in doc["losses"]] == LOSS_IDS
    assert {r["activation"] for r in doc["losses"]} <= {"linear", "sigmoid", "softmax", "tanh", "exponential",
                                                        "softplus"}


def test_losses_family_filter(run_cli):
    code, out, _ = run_cli("losses", "--family", "binary", "--json")
    assert [r["id"] for r in json.loads(out)["losses"]] == ["binary_crossentropy", "binary_focal_crossentropy",
                                                            "hinge", "squared_hinge"]


@pytest.mark.parametrize("loss_id", LOSS_IDS)
def test_explain_every_loss(run_cli, loss_id):
    code, out, err = run_cli("explain", loss_id, "--json")
    assert code == 0, err
    e = json.loads(out)["loss"]
    for key in ("formula", "distribution", "likelihood", "target_domain", "use_when", "pitfalls", "frameworks"):
        assert e[key], key
    assert set(e["frameworks"]) == {"keras", "pytorch", "jax"}
    code, out, err = run_cli("explain", loss_id)
    assert code == 0 and "Formula" in out and "Pitfalls" in out


def test_explain_rule_and_unknown_id(run_cli):
    code, out, _ = run_cli("explain", "regression-counts", "--json")
    r = json.loads(out)["rule"]
    assert r["loss"]["id"] == "poisson" and r["output"]["activation"] == "exponential"
    assert r["source"].endswith(tuple(f"recommendations.yaml:{n}" for n in range(1, 1000)))
    code, out, err = run_cli("explain", "hubr")
    assert code == 2 and "did you mean 'huber'" in err and out == ""
    code, out, err = run_cli("explain")
    assert code == 2 and "missing ID" in err


def test_rules_list_json(run_cli):
    code, out, _ = run_cli("rules", "list", "--json")
    doc = json.loads(out)
    assert len(doc["rules"]) == 32
    assert {q["id"] for q in doc["questions"]} == {"task", "target", "outliers", "uncertainty", "outputs", "labels",
                                                   "classes", "imbalance", "framework", "masks", "time", "intervals"}


def test_rules_validate_shipped_and_overlay(run_cli, tmp_path):
    code, out, _ = run_cli("rules", "validate", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["valid"] is True and doc["rules"] == 32
    # 18 regression + 6 binary + 9 multiclass + 3 multilabel + 9 segmentation + 1 sequence + 2 survival + 3 ordinal
    assert doc["combinations"] == 51
    bad = tmp_path / "tie.yaml"
    bad.write_text("rules:\n  - id: dup\n    match: {task: binary, labels: zero_one}\n"
                   "    output: {units: 1, activation: sigmoid}\n    loss: {id: hinge}\n    why: w\n")
    code, out, _ = run_cli("rules", "validate", str(bad), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["valid"] is False
    assert any("equally specific" in p and "dup" in p and "binary-default" in p for p in doc["problems"])
    code, out, _ = run_cli("rules", "validate", str(bad))
    assert code == 1 and "invalid" in out and f"{bad}:2" in out
    code, out, err = run_cli("rules", "validate", str(tmp_path / "missing.yaml"))
    assert code == 2 and "no such file" in err


def test_rules_validate_standalone(run_cli, tmp_path):
    from lossadvisor.rulebase import shipped_rules_dir
    import shutil

    d = tmp_path / "mine"
    shutil.copytree(shipped_rules_dir(), d, ignore=shutil.ignore_patterns("lint.yaml", "*.json", "*.py"))
    code, out, err = run_cli("rules", "validate", str(d), "--standalone", "--json")
    assert code == 0 and json.loads(out)["valid"] is True, err
    (d / "questions.yaml").write_text("questions: []\n")
    code, out, _ = run_cli("rules", "validate", str(d), "--standalone", "--json")
    assert code == 1 and any("no 'task' question" in p for p in json.loads(out)["problems"])


@pytest.mark.parametrize("match, reason", [
    ("{task: binary}", "a more specific rule wins"),  # binary-default etc. cover every binary answer
    ("{task: regression, labels: integer}", "cannot be answered"),  # labels is never asked for regression
])
def test_rules_validate_reports_rules_that_never_apply(run_cli, tmp_path, match, reason):
    f = tmp_path / "dead.yaml"
    f.write_text(f"rules:\n  - id: dead\n    match: {match}\n    output: {{units: 1, activation: sigmoid}}\n"
                 "    loss: {id: hinge}\n    why: w\n")
    code, out, _ = run_cli("rules", "validate", str(f), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["valid"] is False
    assert any("'dead' never applies" in p and reason in p for p in doc["problems"]), doc["problems"]
