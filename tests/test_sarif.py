"""Issue 10, section 5: `lint --format sarif` (SARIF 2.1.0 for code scanning) and the counts of
`lint --format json`.

No copy of the official SARIF 2.1.0 JSON schema is available offline, so SARIF_SUBSET below
writes down, by hand, the constraints of that schema on the objects lint emits: each object's
required properties, the enumerations (level, version), the minimums (startLine, ruleIndex),
and, as the official schema does, no properties beyond the ones it defines.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from conftest import FIXTURES, ROOT

import lossadvisor
from lossadvisor.lint import explain_code, list_codes
from lossadvisor.render.lint import sarif_log

LINT = FIXTURES / "lint"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}   # SARIF 2.1.0 §3.58.6 levels
HEADINGS = ("What it flags", "Why it matters", "Example", "Use instead", "References")


def _object(required=(), **properties):
    return {"type": "object", "additionalProperties": False, "required": list(required),
            "properties": {name: properties.get(name, {}) for name in properties}}


def _names(*names):
    return {name: {} for name in names}


MESSAGE = {"type": "object", "additionalProperties": False,
           "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
           "properties": {"text": {"type": "string", "minLength": 1}, **_names("markdown", "id", "arguments",
                                                                                "properties")}}
MULTIFORMAT = _object(["text"], text={"type": "string", "minLength": 1}, markdown={"type": "string"},
                      properties={})
LEVELS = {"enum": ["none", "note", "warning", "error"]}
SARIF_SUBSET = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    **_object(["version", "runs"], **{
        "$schema": {"type": "string"}, "version": {"enum": ["2.1.0"]},
        "runs": {"type": "array", "items": {"$ref": "#/definitions/run"}},
        "inlineExternalProperties": {}, "properties": {}}),
    "definitions": {
        "run": _object(["tool"], tool={"$ref": "#/definitions/tool"},
                       invocations={"type": "array", "items": {"$ref": "#/definitions/invocation"}},
                       results={"type": "array", "items": {"$ref": "#/definitions/result"}},
                       **_names("language", "versionControlProvenance", "originalUriBaseIds", "artifacts",
                                "logicalLocations", "graphs", "automationDetails", "runAggregates",
                                "baselineGuid", "redactionTokens", "defaultEncoding", "defaultSourceLanguage",
                                "newlineSequences", "columnKind", "externalPropertyFileReferences",
                                "threadFlowLocations", "taxonomies", "addresses", "translations", "policies",
                                "webRequests", "webResponses", "specialLocations", "properties", "conversion")),
        "tool": _object(["driver"], driver={"$ref": "#/definitions/toolComponent"}, extensions={}, properties={}),
        "toolComponent": _object(
            ["name"], name={"type": "string", "minLength": 1}, version={"type": "string"},
            informationUri={"type": "string", "format": "uri"},
            rules={"type": "array", "items": {"$ref": "#/definitions/reportingDescriptor"}},
            **_names("guid", "organization", "product", "productSuffix", "shortDescription", "fullDescription",
                     "fullName", "semanticVersion", "dottedQuadFileVersion", "releaseDateUtc", "downloadUri",
                     "globalMessageStrings", "notifications", "taxa", "locations", "language", "contents",
                     "isComprehensive", "localizedDataSemanticVersion",
                     "minimumRequiredLocalizedDataSemanticVersion", "associatedComponent",
                     "translationMetadata", "supportedTaxonomies", "properties")),
        "reportingDescriptor": _object(
            ["id"], id={"type": "string", "minLength": 1}, name={"type": "string"},
            shortDescription=MULTIFORMAT, fullDescription=MULTIFORMAT, help=MULTIFORMAT,
            helpUri={"type": "string", "format": "uri"},
            defaultConfiguration=_object(level=LEVELS, enabled={"type": "boolean"}, rank={}, parameters={},
                                         properties={}),
            **_names("deprecatedIds", "guid", "deprecatedGuids", "deprecatedNames", "messageStrings",
                     "relationships", "properties")),
        "invocation": _object(
            ["executionSuccessful"], executionSuccessful={"type": "boolean"},
            toolExecutionNotifications={"type": "array", "items": _object(
                ["message"], message=MESSAGE, level=LEVELS,
                **_names("locations", "threadId", "timeUtc", "exception", "descriptor", "associatedRule",
                         "properties"))},
            **_names("commandLine", "arguments", "responseFiles", "startTimeUtc", "endTimeUtc", "exitCode",
                     "ruleConfigurationOverrides", "notificationConfigurationOverrides",
                     "toolConfigurationNotifications", "exitCodeDescription", "exitSignalName",
                     "exitSignalNumber", "processStartFailureMessage", "machine", "account", "processId",
                     "executableLocation", "workingDirectory", "environmentVariables", "stdin", "stdout",
                     "stderr", "stdoutStderr", "properties")),
        "result": _object(
            ["message"], ruleId={"type": "string"}, ruleIndex={"type": "integer", "minimum": -1}, level=LEVELS,
            message=MESSAGE, locations={"type": "array", "items": {"$ref": "#/definitions/location"}},
            properties={"type": "object"},
            **_names("rule", "kind", "analysisTarget", "guid", "correlationGuid", "occurrenceCount",
                     "partialFingerprints", "fingerprints", "stacks", "codeFlows", "graphs", "graphTraversals",
                     "relatedLocations", "suppressions", "baselineState", "rank", "attachments", "hostedViewerUri",
                     "workItemUris", "provenance", "fixes", "taxa", "webRequest", "webResponse")),
        "location": _object(
            physicalLocation={
                **_object(artifactLocation=_object(uri={"type": "string", "minLength": 1},
                                                   **_names("uriBaseId", "index", "description", "properties")),
                          region=_object(startLine={"type": "integer", "minimum": 1},
                                         **_names("startColumn", "endLine", "endColumn", "charOffset",
                                                  "charLength", "byteOffset", "byteLength", "snippet",
                                                  "message", "sourceLanguage", "properties")),
                          **_names("address", "contextRegion", "properties")),
                "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}]},
            **_names("id", "logicalLocations", "message", "annotations", "relationships", "properties")),
    },
}


def sarif(run_cli, *args, input=None):
    code, out, err = run_cli("lint", *args, "--format", "sarif", input=input)
    assert err == ""
    log = json.loads(out)
    jsonschema.Draft7Validator(SARIF_SUBSET).validate(log)
    return code, log


def lint_json(run_cli, *args, input=None):
    code, out, _ = run_cli("lint", *args, "--json", input=input)
    return code, json.loads(out)


def line_of(path: Path, fragment: str) -> int:
    """The 1-based line of ``path`` holding ``fragment``, read from the file itself."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if fragment in line)


def test_the_subset_schema_is_a_schema_and_rejects_what_sarif_rejects():
    jsonschema.Draft7Validator.check_schema(SARIF_SUBSET)
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "level": "note"}]}]}
    jsonschema.validate(good, SARIF_SUBSET)
    for bad in ({"version": "2.0.0", "runs": []},                                      # not 2.1.0
                {"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]},               # driver without name
                {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                               "results": [{"message": {"text": "m"}, "level": "info"}]}]},
                {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
                    {"message": {"text": "m"}, "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}]}]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SARIF_SUBSET)


def test_a_spec_file_gives_rules_results_and_locations(run_cli, monkeypatch):
    monkeypatch.chdir(LINT)  # the file given as a relative path, as a CI job gives it
    code, log = sarif(run_cli, "LA101.yaml")
    assert code == 1  # an error finding: the exit code of the other formats
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json" and log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "lossadvisor" and driver["version"] == lossadvisor.__version__
    # the project publishes no web page (pyproject has no [project.urls]): no informationUri is made up
    assert "[project.urls]" not in (ROOT / "pyproject.toml").read_text()
    assert "informationUri" not in driver
    # helpUri: the first reference of LA101's explanation in rules/lint.yaml (read from the file)
    (rule,) = driver["rules"]
    assert rule["helpUri"] == "https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html"
    assert [rule["id"] for rule in driver["rules"]] == ["LA101"]
    (result,) = run["results"]
    assert result["ruleId"] == "LA101" and result["ruleIndex"] == 0 and result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "LA101.yaml"
    # the finding points at the activation of the model "double-softmax" in the file
    assert location["region"] == {"startLine": line_of(LINT / "LA101.yaml", "activation: nn.Softmax")}
    assert result["properties"] == {"model": "double-softmax"}
    # the file holds two models: the message names the one it is about
    assert result["message"]["text"].startswith("[double-softmax] The model ends in nn.Softmax(dim=-1)")
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_results_match_the_json_findings_one_to_one(run_cli):
    files = [str(LINT / name) for name in ("LA101.yaml", "LA103.keras.json", "LA105.yaml", "LA303.yaml")]
    code, log = sarif(run_cli, *files)
    json_code, doc = lint_json(run_cli, *files)
    assert code == json_code
    (run,) = log["runs"]
    rules, results = run["tool"]["driver"]["rules"], run["results"]
    assert [rule["id"] for rule in rules] == sorted({f["code"] for f in doc["findings"]})
    assert len(results) == len(doc["findings"])
    for result, finding in zip(results, doc["findings"]):
        assert result["ruleId"] == finding["code"] == rules[result["ruleIndex"]]["id"]
        assert result["level"] == LEVEL[finding["severity"]]
        assert finding["message"] in result["message"]["text"] and finding["fix"] in result["message"]["text"]
        physical = result["locations"][0]["physicalLocation"]
        # an absolute path is a file: URI of the same path
        assert physical["artifactLocation"]["uri"] == Path(finding["source"]).as_uri()
        assert physical["region"]["startLine"] == finding["line"]


def test_a_path_with_spaces_is_a_percent_encoded_relative_uri(run_cli, tmp_path, monkeypatch):
    folder = tmp_path / "my models"
    folder.mkdir()
    shutil.copy(LINT / "LA101.yaml", folder / "spec 1.yaml")
    monkeypatch.chdir(tmp_path)
    _, log = sarif(run_cli, "my models/spec 1.yaml")
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20models/spec%201.yaml"
    parts = urlsplit(uri)
    assert not parts.scheme and not parts.netloc and unquote(parts.path) == "my models/spec 1.yaml"


def test_flags_have_no_location(run_cli):
    code, log = sarif(run_cli, "--activation", "softmax", "--loss", "nn.CrossEntropyLoss")
    assert code == 1
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "LA101" and "locations" not in result
    assert result["message"]["text"].startswith("[flags] ")   # no file: the message names the model


def test_stdin_has_no_location_and_nothing_checked_is_a_notification(run_cli):
    code, log = sarif(run_cli, "-", input="name: bare\ntask: binary\n")
    assert code == 1  # nothing could be checked, as in the other formats
    (run,) = log["runs"]
    (result,) = run["results"]
    assert result["ruleId"] == "LA303" and result["level"] == "warning" and "locations" not in result
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning" and note["message"]["text"].startswith("[bare] nothing could be checked")


@pytest.mark.parametrize("args", [
    (str(LINT / "clean.yaml"),),
    (str(LINT / "LA101.yaml"),),
    (str(LINT / "LA101.yaml"), "--exit-zero"),
    (str(LINT / "LA303.yaml"),),
    ("--task", "binary", "--activation", "sigmoid", "--loss", "bce"),
])
def test_exit_codes_are_those_of_the_json_format(run_cli, args):
    code, log = sarif(run_cli, *args)
    json_code, doc = lint_json(run_cli, *args)
    assert code == json_code
    assert len(log["runs"][0]["results"]) == len(doc["findings"])


def test_a_clean_file_is_an_empty_run(run_cli):
    code, log = sarif(run_cli, str(LINT / "clean.yaml"))
    assert code == 0
    run = log["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []


def _words(text: str) -> list[str]:
    return text.split()


def test_help_is_the_text_explain_prints(run_cli):
    _, log = sarif(run_cli, str(LINT / "LA101.yaml"), str(LINT / "LA303.yaml"))
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        code, out, _ = run_cli("explain", rule["id"], env={"COLUMNS": "100"})
        assert code == 0
        # the same words in the same order: explain wraps them to the terminal, the help does not
        assert _words(rule["help"]["text"]) == _words(out)
        explained = explain_code(rule["id"])
        assert rule["name"] == explained["name"]
        assert rule["shortDescription"]["text"] == explained["summary"]
        assert rule["fullDescription"]["text"] == explained["explanation"]["What it flags"]
        assert rule["defaultConfiguration"]["level"] == LEVEL[explained["severity"]]


def _outside_code(markdown: str) -> str:
    return re.sub(r"```.*?```", "", markdown, flags=re.S)


@pytest.mark.parametrize("code", [c["code"] for c in list_codes()])
def test_every_code_becomes_a_sarif_rule(code):
    explained = explain_code(code)
    finding = {"code": code, "name": explained["name"], "severity": explained["severity"], "message": "m",
               "fix": "f", "model": "m", "source": None, "line": None}
    log = sarif_log({"findings": [finding], "models": [{"name": "m"}]})
    jsonschema.Draft7Validator(SARIF_SUBSET).validate(log)
    (rule,) = log["runs"][0]["tool"]["driver"]["rules"]
    markdown = rule["help"]["markdown"]
    for heading in HEADINGS:
        assert f"\n{heading}\n" in rule["help"]["text"]
        assert f"\n### {heading}\n" in markdown
    # the examples verbatim in code blocks
    assert f"```\n{explained['explanation']['Example'].rstrip()}\n```" in markdown
    # placeholders such as <loss> would be HTML tags to a Markdown reader: escaped; links are autolinks
    prose = _outside_code(markdown)
    assert re.findall(r"(?<!\\)<(?!https?://)", prose) == []
    for reference in explained["explanation"]["References"]:
        if reference.startswith("http"):
            assert f"- <{reference.split()[0]}>" in markdown


def _references_in_lint_yaml() -> dict[str, list[str]]:
    """code -> its References, read from rules/lint.yaml as plain text (not through the loader)."""
    references: dict[str, list[str]] = {}
    code, inside = None, False
    for line in (ROOT / "rules" / "lint.yaml").read_text().splitlines():
        if m := re.match(r"\s*- code: (LA\d+)", line):
            code, inside = m.group(1), False
        elif code and line.strip() == "References:":
            inside = True
            references[code] = []
        elif inside and (m := re.match(r"\s+- (\S.*)", line)):
            references[code].append(m.group(1))
        elif inside and line.strip() and not line.strip().startswith("#"):
            inside = False
    return references


@pytest.mark.parametrize("code", [c["code"] for c in list_codes()])
def test_help_uri_is_the_first_https_reference_or_absent(code):
    references = _references_in_lint_yaml()[code]
    https = [item.split()[0] for item in references if item.startswith("https://")]
    explained = explain_code(code)
    finding = {"code": code, "name": explained["name"], "severity": explained["severity"], "message": "m",
               "fix": "f", "model": "m", "source": None, "line": None}
    (rule,) = sarif_log({"findings": [finding], "models": [{"name": "m"}]})["runs"][0]["tool"]["driver"]["rules"]
    if https:
        assert rule["helpUri"] == https[0]
        parts = urlsplit(rule["helpUri"])
        assert parts.scheme == "https" and parts.netloc and " " not in rule["helpUri"]
    else:   # LA3xx cite the project's own commands: no page to point to
        assert "helpUri" not in rule


def test_most_codes_have_a_help_uri():
    # the issue asks for help URIs: every code that cites framework documentation gets one
    references = _references_in_lint_yaml()
    with_https = [code for code, items in references.items() if any(i.startswith("https://") for i in items)]
    assert len(references) == len(list_codes()) and len(with_https) > len(references) // 2


# ----------------------------------------------------------------------------- counts


def test_lint_json_counts(run_cli):
    code, doc = lint_json(run_cli, str(LINT / "LA101.yaml"))
    assert code == 1
    # LA101.yaml: the model "double-softmax" (one LA101 error) and the model "fixed" (clean)
    assert doc["counts"] == {"findings": 1, "error": 1, "warning": 0, "info": 0, "models": 2, "clean": 1,
                             "nothing_checked": 0, "not_applied": 0, "not_followed": 0,
                             # issue 11: errors, noqa, scripts (none here) and codes left out
                             "errors": 0, "silenced": 0, "scripts": 0, "no_wiring": 0, "left_out": 0}


def test_counts_say_what_was_not_checked(run_cli):
    # a model with neither activation nor loss: one LA303 warning and nothing checked
    _, doc = lint_json(run_cli, "-", input="name: bare\ntask: binary\n")
    counts = dict(doc["counts"])
    # every rule that tests the activation or the loss lacks a fact: each is counted as not applied
    assert counts.pop("not_applied") == len(doc["not_applied"]) > 0
    assert counts == {"findings": 1, "error": 0, "warning": 1, "info": 0, "models": 1, "clean": 0,
                      "nothing_checked": 1, "not_followed": 0, "errors": 0, "silenced": 0, "scripts": 0, "no_wiring": 0,
                      "left_out": 0}
    # a Keras model without labels: the rules that need them are counted as not applied
    _, doc = lint_json(run_cli, str(LINT / "LA103.keras.json"))
    assert doc["counts"]["not_applied"] == len(doc["not_applied"]) > 0


@pytest.mark.parametrize("name", sorted(p.name for p in LINT.iterdir() if p.suffix in (".yaml", ".json")
                                        and p.name != "expected.yaml"))
def test_counts_are_the_lengths_of_the_lists_and_match_the_schema(run_cli, name):
    _, doc = lint_json(run_cli, str(LINT / name))
    schema = json.loads((ROOT / "lossadvisor" / "schemas" / "lint.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)
    counts, findings, models = doc["counts"], doc["findings"], doc["models"]
    assert counts["findings"] == len(findings)
    for severity in ("error", "warning", "info"):
        assert counts[severity] == sum(1 for f in findings if f["severity"] == severity) == doc["summary"][severity]
    assert counts["models"] == len(models) == doc["summary"]["models"]
    assert counts["clean"] == sum(1 for m in models if m["clean"])
    assert counts["nothing_checked"] == sum(1 for m in models if m["nothing_checked"])
    assert counts["not_applied"] == len(doc["not_applied"])
