"""The lint rules data (rules/lint.yaml): codes, names, explanations, explain/list API."""

import json
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

from lossadvisor.errors import RuleBaseError, UsageError
from lossadvisor.lint import (
    HEADINGS,
    build_lint_data,
    explain_code,
    list_codes,
    load_lint_data,
)
from lossadvisor.rulebase import read_yaml

DATA = load_lint_data()
CODES = [r["code"] for r in DATA.rules]


def test_codes_are_stable_format_unique_and_sorted():
    assert all(re.fullmatch(r"LA\d{3}", c) for c in CODES)
    assert len(CODES) == len(set(CODES))
    assert CODES == sorted(CODES)
    names = [r["name"] for r in DATA.rules]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in names)


def test_the_issue_and_framework_facts_mistakes_are_covered():
    # one code per mistake listed in framework-facts.md "Pairing mistakes people really make"
    # and in the issue; the names are the contract of what each flags
    by_name = {r["name"]: r["code"] for r in DATA.rules}
    for name in (
        "softmax-before-cross-entropy-loss", "sigmoid-before-bce-with-logits",
        "from-logits-on-probability-output", "logits-read-as-probabilities",
        "categorical-crossentropy-with-integer-labels", "sparse-crossentropy-with-one-hot-labels",
        "categorical-crossentropy-on-one-unit", "binary-crossentropy-for-multiclass",
        "log-probability-loss-without-log-softmax", "kl-div-loss-mean-reduction", "target-shape-broadcast",
        "regression-loss-for-classification", "bounded-output-for-unbounded-regression",
        "msle-on-negative-targets", "rate-loss-on-signed-output", "msle-on-signed-output",
        "softmax-over-one-unit", "sigmoid-output-for-multiclass", "softmax-output-for-multilabel",
        "differs-from-recommendation",
    ):
        assert name in by_name, name
    assert DATA.codes["LA201"]["severity"] == "info"


@pytest.mark.parametrize("code", CODES)
def test_every_code_has_an_explanation_with_all_headings(code):
    payload = explain_code(code)
    assert list(payload["explanation"]) == list(HEADINGS)
    for heading in HEADINGS:
        value = payload["explanation"][heading]
        assert value, f"{code}: empty {heading}"
    assert isinstance(payload["explanation"]["References"], list)
    assert payload["severity"] in ("error", "warning", "info")
    assert payload["message"] and payload["fix"]
    # the message of explain shows the template's names, not raw braces
    assert "{" not in payload["message"] and "{" not in payload["fix"]


@pytest.mark.parametrize("code", CODES)
def test_every_code_has_a_fixture(code):
    """Each code is expected by a spec or Keras fixture (expected.yaml) or by a training script's
    ``# expect:`` marker (tests/fixtures/lint/scripts; LA304 comes from scripts only)."""
    expected = read_yaml(FIXTURES / "lint" / "expected.yaml")
    listed = {c for entry in expected.values() for codes in entry["findings"].values() for c in codes}
    for script in (FIXTURES / "lint" / "scripts").glob("*.py"):
        for marker in re.findall(r"#\s*expect:([^\n]*)", script.read_text()):
            listed.update(re.findall(r"LA\d{3}", marker))
    assert code in listed, f"no fixture expects {code}"


def test_explain_is_case_insensitive_and_unknown_code_suggests_the_nearest():
    assert explain_code("la101")["code"] == "LA101"
    with pytest.raises(UsageError) as err:
        explain_code("LA199")
    message = str(err.value)
    assert message.startswith("unknown lint code LA199; did you mean LA1")
    suggested = re.search(r"did you mean (LA\d{3})", message).group(1)
    # the suggestion is one character away from what was typed
    assert sum(a != b for a, b in zip(suggested, "LA199", strict=True)) == 1
    with pytest.raises(UsageError):
        explain_code("ZZZZZZZ")


def test_list_codes():
    codes = list_codes()
    assert [c["code"] for c in codes] == CODES
    assert all(set(c) == {"code", "name", "severity", "summary"} and c["summary"] for c in codes)


def test_explain_payloads_match_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "lossadvisor" / "schemas" / "lint.schema.json").read_text())
    code_schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/code"}
    list_schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/code_list"}
    for code in CODES:
        jsonschema.validate(explain_code(code), code_schema)
    jsonschema.validate({"codes": list_codes()}, list_schema)


def _doc(text, tmp_path):
    path = tmp_path / "lint.yaml"
    path.write_text(text)
    return str(path), read_yaml(path)


BASE = (ROOT / "rules" / "lint.yaml").read_text()


@pytest.mark.parametrize("change, problem", [
    (("code: LA102", "code: LA101"), "duplicate code LA101"),
    (("code: LA102", "code: L102"), "code must be LA followed by three digits"),
    (("name: sigmoid-before-bce-with-logits", "name: Sigmoid_Before"), "name must be kebab-case"),
    (("severity: warning\n    when: {task: multiclass, loss: [binary",
      "severity: fatal\n    when: {task: multiclass, loss: [binary"), "severity must be one of"),
    (("when: {logits_via: loss, link: softmax", "when: {logits_by: loss, link: softmax"), "unknown fact 'logits_by'"),
    (("      Why it matters: >-\n        These losses compute", "      Why it mattered: >-\n        These losses compute"),
     "unknown explanation heading 'Why it mattered'"),
    (("the loss sees probabilities as logits", "the loss sees {probs} as logits"), "unknown name {probs}"),
])
def test_broken_lint_data_is_reported_with_its_line(tmp_path, change, problem):
    old, new = change
    assert old in BASE
    path, doc = _doc(BASE.replace(old, new, 1), tmp_path)
    with pytest.raises(RuleBaseError) as err:
        build_lint_data(path, doc)
    found = [p for p in err.value.problems if problem in p]
    assert found, err.value.problems
    assert re.match(rf"{re.escape(path)}:\d+: ", found[0])


def test_lint_yaml_is_not_read_as_part_of_the_recommendation_rule_base(rb):
    # rulebase skips lint.yaml; loading the shipped folder must still work with it present
    from lossadvisor.rulebase import load_rulebase

    assert (Path(ROOT) / "rules" / "lint.yaml").is_file()
    load_rulebase(base=ROOT / "rules")
