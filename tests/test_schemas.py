"""The shipped rule files validate against the JSON Schemas shipped for editors, and the
schemas reject what the loader rejects."""

import json

import jsonschema
import pytest
import yaml

from conftest import ROOT

SCHEMAS = ROOT / "lossadvisor" / "schemas"


@pytest.mark.parametrize("name", ["questions", "recommendations", "losses"])
def test_shipped_rule_file_validates(name):
    doc = yaml.safe_load((ROOT / "rules" / f"{name}.yaml").read_text())
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema)
    first = (ROOT / "rules" / f"{name}.yaml").read_text().splitlines()[0]
    assert first == f"# yaml-language-server: $schema=../lossadvisor/schemas/{name}.schema.json"


@pytest.mark.parametrize("doc", [
    {"rules": [{"id": "x", "match": {"task": "binary"}, "output": {"units": 1, "activation": "sigmoid"},
                "loss": {"id": "hinge"}, "why": "w", "colour": "red"}]},  # unknown key
    {"rules": [{"id": "x", "match": {"task": "binary"}, "output": {"units": 0, "activation": "sigmoid"},
                "loss": {"id": "hinge"}, "why": "w"}]},  # zero units
    {"rules": [{"id": "x", "match": {"task": "binary"}, "output": {"units": "2 outputs", "activation": "sigmoid"},
                "loss": {"id": "hinge"}, "why": "w"}]},  # not a product expression
    {"rules": [{"id": "x", "output": {"units": 1, "activation": "sigmoid"}, "loss": {"id": "hinge"},
                "why": "w"}]},  # no match
])
def test_recommendations_schema_rejects_what_the_loader_rejects(tmp_path, doc):
    from lossadvisor.errors import RuleBaseError
    from lossadvisor.rulebase import load_rulebase

    schema = json.loads((SCHEMAS / "recommendations.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)
    f = tmp_path / "r.yaml"
    f.write_text(yaml.safe_dump(doc))
    with pytest.raises(RuleBaseError):
        load_rulebase([f])


def test_schema_id_enums_match_the_catalog_and_the_registry():
    # the JSON Schemas spell the contract's ids out; the catalog, the registry of loss
    # modules and the activations table are where the ids live: all must agree
    from lossadvisor import reference
    from lossadvisor.rulebase import load_rulebase

    schema = json.loads((SCHEMAS / "recommend.schema.json").read_text())
    catalog = list(load_rulebase().losses)
    assert schema["properties"]["loss"]["properties"]["id"]["enum"] == catalog
    assert sorted(reference.LOSSES) == sorted(catalog)
    assert sorted(schema["properties"]["output"]["properties"]["activation"]["enum"]) == sorted(reference.ACTIVATIONS)


def test_the_loss_families_of_the_schema_are_the_ones_losses_family_takes():
    from lossadvisor.catalog import FAMILIES

    schema = json.loads((SCHEMAS / "losses.schema.json").read_text())
    assert tuple(schema["$defs"]["loss"]["properties"]["family"]["enum"]) == FAMILIES
