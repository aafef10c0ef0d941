"""lossadvisor.checks: the reference check of a pairing (check_pairing for recommend,
run_checks for the check command). The checks must pass on the shipped pairings and must
fail when the reference is wrong: each is shown to catch a planted bug."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from lossadvisor import checks
from lossadvisor import reference as ref
from lossadvisor.errors import UsageError

NAMES = {"worked example", "maximum likelihood", "gradient", "stability", "minimiser"}


def _by_name(result):
    return {r["name"]: r for r in result["results"]}


def test_contract_shape():
    out = checks.check_pairing("binary_crossentropy", {}, "sigmoid", frameworks=())
    assert set(out) == {"passed", "status", "counts", "unchecked", "results"}
    assert out["passed"] is True
    for r in out["results"]:
        # a skipped row also carries its short reason as data
        assert set(r) == {"loss", "name", "passed", "detail"} | ({"skip"} if r["passed"] is None else set())
        assert r["loss"] == "binary_crossentropy"
        assert r["passed"] in (True, False, None)
        assert isinstance(r["detail"], str) and r["detail"] and "\n" not in r["detail"]
    assert NAMES <= set(_by_name(out))


def test_framework_agreement_rows_name_their_framework():
    # every comparison with one framework says which, as data (the compact text reads it);
    # PyTorch has no built-in log_cosh (framework-facts.md), a skipped row names it all the same
    out = checks.check_pairing("log_cosh", {}, "linear", frameworks=("pytorch", "jax"))
    rows = [r for r in out["results"] if r["name"].startswith("framework agreement (")]
    assert {r["framework"] for r in rows} == {"pytorch", "jax"}
    assert all("framework" not in r for r in out["results"] if not r["name"].startswith("framework agreement"))


def test_every_shipped_rule_pairing_passes(rb):
    """What recommend will run: each rule's loss, params and output activation."""
    for rule in rb.rules.values():
        out = checks.check_pairing(rule.loss, dict(rule.params), rule.output.get("activation"), frameworks=(),
                                   catalog=rb.losses)
        failed = [r for r in out["results"] if r["passed"] is False]
        assert out["passed"] and not failed, (rule.id, failed)


def test_every_loss_with_its_catalog_activation():
    out = checks.run_checks(None, frameworks=[])
    assert out["passed"], [r for r in out["results"] if r["passed"] is False]
    losses = {r["loss"] for r in out["results"]}
    assert losses == set(ref.LOSSES)
    # every loss has the five numeric checks, each passed or (for the likelihood of the margin losses and
    # of the overlap surrogates of segmentation, which no density has as -log p) skipped
    not_likelihoods = {"hinge", "squared_hinge", "dice", "tversky"}
    for loss in losses:
        rows = {r["name"]: r for r in out["results"] if r["loss"] == loss}
        assert NAMES <= set(rows), loss
        for name in NAMES:
            expected = None if (loss in not_likelihoods and name == "maximum likelihood") else True
            assert rows[name]["passed"] is expected, (loss, name, rows[name]["detail"])


def test_canonical_gradient_is_stated():
    out = _by_name(checks.check_pairing("categorical_crossentropy", {}, "softmax", frameworks=()))
    assert "softmax(z) - y" in out["gradient"]["detail"]
    out = _by_name(checks.check_pairing("poisson", {}, "exponential", frameworks=()))
    assert "exp(z) - y" in out["gradient"]["detail"]


def test_class_weight_is_reported_and_the_unweighted_loss_checked():
    out = checks.check_pairing("binary_crossentropy", {"class_weight": "balanced"}, "sigmoid", frameworks=())
    rows = _by_name(out)
    assert rows["parameters"]["passed"] is None
    assert "class_weight=balanced" in rows["parameters"]["detail"]
    assert "unweighted" in rows["parameters"]["detail"]
    assert rows["parameters"]["skip"] == {"reason": "params_not_checked", "subject": "class_weight"}
    assert out["passed"] is True


def test_recommendation_params_are_used():
    out = _by_name(checks.check_pairing("huber", {"delta": 2.5}, "linear", frameworks=()))
    assert "δ = 2.5" in out["maximum likelihood"]["detail"]
    out = _by_name(checks.check_pairing("quantile", {"quantiles": [0.25, 0.75]}, "linear", frameworks=()))
    assert "q=0.25" in out["minimiser"]["detail"] and "q=0.75" in out["minimiser"]["detail"]


def test_custom_loss_without_reference_is_skipped_not_passed():
    out = checks.check_pairing("my_custom_loss", {}, "linear", frameworks=("pytorch",))
    assert out["results"] == [
        {"loss": "my_custom_loss", "name": "reference", "passed": None,
         "detail": "skipped: no NumPy reference for loss 'my_custom_loss' (a custom loss); nothing was checked",
         "skip": {"reason": "custom_loss", "subject": "my_custom_loss"}}
    ]


def test_unknown_activation_skips_the_numeric_checks():
    rows = _by_name(checks.check_pairing("mean_squared_error", {}, "relu", frameworks=()))
    for name in ("maximum likelihood", "gradient", "stability", "minimiser"):
        assert rows[name]["passed"] is None and "relu" in rows[name]["detail"]
        assert rows[name]["skip"] == {"reason": "unknown_activation", "subject": "relu"}
    assert rows["worked example"]["passed"] is True


def test_a_bad_catalog_parameter_is_a_failed_row_not_a_crash():
    out = checks.check_pairing("huber", {"delta": -1}, "linear", frameworks=())
    assert out["passed"] is False
    assert "delta" in out["results"][-1]["detail"]


def test_run_checks_errors():
    with pytest.raises(UsageError, match="did you mean 'huber'"):
        checks.run_checks(["hubr"], frameworks=[])
    with pytest.raises(UsageError, match="delta"):
        checks.run_checks(["huber"], frameworks=[], params={"delta": 0})
    with pytest.raises(UsageError, match="takes no parameter 'gamma'"):
        checks.run_checks(["huber"], frameworks=[], params={"gamma": 2})
    # a parameter some of the named losses take applies to those only
    out = checks.run_checks(["huber", "mean_squared_error"], frameworks=[], params={"delta": 3.0})
    assert out["passed"]
    assert "δ = 3" in _by_name({"results": [r for r in out["results"] if r["loss"] == "huber"]})["maximum likelihood"]["detail"]


# ------------------------------------------------------- the checks catch planted bugs


def _with(monkeypatch, loss_id, fn):
    monkeypatch.setitem(ref.LOSSES, loss_id, fn)


def test_sum_instead_of_mean_is_caught(monkeypatch):
    def summed(y_true, y_pred):
        return float(np.sum((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2))

    _with(monkeypatch, "mean_squared_error", summed)
    rows = _by_name(checks.check_pairing("mean_squared_error", {}, "linear", frameworks=()))
    assert rows["worked example"]["passed"] is False  # 1.25 by hand is 5/12 x 3
    assert rows["maximum likelihood"]["passed"] is False


def test_wrong_statistic_is_caught(monkeypatch):
    # an absolute error under the MSE id has the median, not the mean, as minimiser
    _with(monkeypatch, "mean_squared_error", ref.mean_absolute_error)
    rows = _by_name(checks.check_pairing("mean_squared_error", {}, "linear", frameworks=()))
    assert rows["minimiser"]["passed"] is False
    assert "!=" in rows["minimiser"]["detail"]


def test_wrong_gradient_is_caught(monkeypatch):
    import dataclasses

    spec = ref.SPECS["binary_crossentropy"]
    monkeypatch.setitem(ref.SPECS, "binary_crossentropy", dataclasses.replace(
        spec, gradient=lambda t, p, from_logits=False: (ref.sigmoid(p) - t)))  # forgot the 1/N
    rows = _by_name(checks.check_pairing("binary_crossentropy", {}, "sigmoid", frameworks=()))
    assert rows["gradient"]["passed"] is False


def test_unstable_implementation_is_caught(monkeypatch):
    def naive(y_true, y_pred, *, from_logits=False):
        y, z = np.asarray(y_true, float), np.asarray(y_pred, float)
        p = 1 / (1 + np.exp(-z)) if from_logits else z
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    _with(monkeypatch, "binary_crossentropy", naive)
    rows = _by_name(checks.check_pairing("binary_crossentropy", {}, "sigmoid", frameworks=()))
    assert rows["stability"]["passed"] is False


def test_a_check_that_raises_is_a_failed_row(monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("planted")

    _with(monkeypatch, "log_cosh", broken)
    out = checks.check_pairing("log_cosh", {}, "linear", frameworks=())
    assert out["passed"] is False
    assert any("ZeroDivisionError: planted" in r["detail"] for r in out["results"])


# ------------------------------------------------------------------ framework agreement


def _modules_missing(monkeypatch, *modules):
    """The modules as if not installed (find_spec returns None for a None entry of sys.modules)."""
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setattr(checks, "_FW_CACHE", {})


def test_framework_absent_is_skipped_with_the_reason(monkeypatch):
    _modules_missing(monkeypatch, "torch", "keras", "jax")
    out = checks.check_pairing("mean_squared_error", {}, "linear", frameworks=("pytorch", "keras", "jax"))
    fw = [r for r in out["results"] if r["name"].startswith("framework agreement")]
    assert len(fw) == 1 and fw[0]["passed"] is None  # skipped, never passed
    assert "torch is not installed" in fw[0]["detail"] and "jax is not installed" in fw[0]["detail"]
    assert fw[0]["skip"] == {"reason": "no_framework"}
    assert out["passed"] is True


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_one_framework_absent_beside_others_names_its_module(monkeypatch):
    _modules_missing(monkeypatch, "keras")
    rows = _by_name(checks.check_pairing("mean_squared_error", {}, "linear",
                                         frameworks=("pytorch", "keras", "nope")))
    assert rows["framework agreement (PyTorch)"]["passed"] is True
    assert rows["framework agreement (Keras 3)"]["skip"] == {"reason": "not_installed", "subject": "keras"}
    assert rows["framework agreement (nope)"]["skip"] == {"reason": "unknown_framework", "subject": "nope"}


def test_every_skipped_row_carries_a_known_reason():
    """Every way the shipped checks skip (no framework; NumPy only: the margin losses' likelihood)
    gives a reason code of SKIP_REASONS; the skip is only on skipped rows."""
    rows = checks.run_checks(None, frameworks=[])["results"]
    rows += checks.check_pairing("huber", {}, "linear", frameworks=())["results"]
    skipped = [r for r in rows if r["passed"] is None]
    assert {r["skip"]["reason"] for r in skipped} == {"not_a_likelihood", "no_framework_requested"}
    assert not any("skip" in r for r in rows if r["passed"] is not None)
    with pytest.raises(ValueError, match="unknown skip reason"):
        checks.skip_reason("no_such_reason")


def test_a_catalog_entry_without_a_worked_example_is_skipped_with_that_reason(rb):
    catalog = {**rb.losses, "huber": {k: v for k, v in rb.losses["huber"].items() if k != "worked_example"}}
    rows = _by_name(checks.check_pairing("huber", {}, "linear", frameworks=(), catalog=catalog))
    assert rows["worked example"]["passed"] is None
    assert rows["worked example"]["skip"] == {"reason": "no_worked_example"}


def test_skip_schema_matches_the_reasons_and_validates_the_rows():
    import json

    import jsonschema

    from lossadvisor.render.check import SKIP_NOTES

    schemas = {name: json.loads((Path(checks.__file__).parent / "schemas" / f"{name}.schema.json").read_text())
               for name in ("check", "recommend")}
    check_skip = schemas["check"]["$defs"]["skip"]
    recommend_skip = schemas["recommend"]["properties"]["check"]["properties"]["results"]["items"]["properties"]["skip"]
    for skip in (check_skip, recommend_skip):
        assert set(skip["properties"]["reason"]["enum"]) == set(checks.SKIP_REASONS)
    # every reason has its short note, but not_comparable, whose note is the reference's own words
    assert set(SKIP_NOTES) == set(checks.SKIP_REASONS) - {"not_comparable"}
    payload = {"schema_version": 1, **checks.run_checks(["hinge"], frameworks=[])}
    jsonschema.validate(payload, schemas["check"])
    row = next(r for r in payload["results"] if r["passed"] is None)
    for bad in ({"reason": "reworded"}, {"subject": "optax"}, {**row["skip"], "extra": 1}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**payload, "results": [{**row, "skip": bad}]}, schemas["check"])


def test_no_framework_requested():
    rows = _by_name(checks.check_pairing("huber", {}, "linear", frameworks=()))
    assert rows["framework agreement"]["passed"] is None


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_pytorch_agreement_on_the_recommended_pairings():
    for loss, act in (("binary_crossentropy", "sigmoid"), ("sparse_categorical_crossentropy", "softmax"),
                      ("poisson", "exponential"), ("gaussian_nll", "linear"), ("kl_divergence", "softmax"),
                      ("huber", "linear")):
        rows = _by_name(checks.check_pairing(loss, {}, act, frameworks=("pytorch",)))
        row = rows["framework agreement (PyTorch)"]
        assert row["passed"] is True, (loss, row["detail"])
    rows = _by_name(checks.check_pairing("log_cosh", {}, "linear", frameworks=("pytorch",)))
    assert rows["framework agreement (PyTorch)"]["passed"] is None
    assert "no built-in" in rows["framework agreement (PyTorch)"]["detail"]
    assert rows["framework agreement (PyTorch)"]["skip"] == {"reason": "no_builtin", "subject": "PyTorch"}


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_a_reference_that_cannot_compare_gives_its_own_reason(monkeypatch):
    # the focal loss compares with torchvision's sigmoid_focal_loss: without torchvision its
    # reference declines, in its own words
    _modules_missing(monkeypatch, "torchvision")
    rows = _by_name(checks.check_pairing("binary_focal_crossentropy", {}, "sigmoid", frameworks=("pytorch",)))
    row = rows["framework agreement (PyTorch)"]
    assert row["passed"] is None
    assert row["skip"] == {"reason": "not_comparable", "subject": "PyTorch",
                           "note": "torchvision (sigmoid_focal_loss) is not installed"}


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_pytorch_disagreement_is_caught(monkeypatch):
    def halved(y_true, y_pred):
        return 0.5 * float(np.mean((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2))

    _with(monkeypatch, "mean_squared_error", halved)
    rows = _by_name(checks.check_pairing("mean_squared_error", {}, "linear", frameworks=("pytorch",)))
    assert rows["framework agreement (PyTorch)"]["passed"] is False


def test_golden_section_finds_a_known_minimum():
    # (x - 2)² has its minimum at 2 (closed form)
    from lossadvisor.reference._checks import golden

    assert golden(lambda x: (x - 2.0) ** 2, -10, 10) == pytest.approx(2.0, abs=1e-8)
