"""`lossadvisor lint` on training scripts: one fixture per code a script can show, one per correct
pattern that fools a naive reader, and the not-followed cases.

The expected findings are written in each fixture, on the line a finding points to:
``# expect: LA101`` (several: ``# expect: LA107, LA109``). They were decided from rules/lint.yaml
(each rule's ``when`` on the facts the script states, and its ``at`` key), not from the readers'
code; the facts each fixture states were linted through flags to confirm the codes (e.g.
``lossadvisor lint --activation nn.Sigmoid --loss nn.BCEWithLogitsLoss --units 1`` gives LA102).
Fixtures named ``ok_*`` are correct patterns: they expect no finding, and a vacuous "no
findings" (no wiring found) must not pass for them.
"""

import json
import re
from pathlib import Path

import pytest
from conftest import FIXTURES

SCRIPTS = FIXTURES / "lint" / "scripts"
ALL_SCRIPTS = sorted(SCRIPTS.glob("*.py"))
CORRECT_PATTERNS = [p for p in ALL_SCRIPTS if p.name.startswith("ok_")]
MARKER = re.compile(r"#\s*expect:\s*(LA\d{3}(?:\s*,\s*LA\d{3})*)\s*$")

# The codes a training script can show, each with a fixture that shows it (the report's list).
# Not here, because a script never states the fact they need: LA114/LA115 (--task regression,
# --target), LA120/LA124 (--task multilabel), LA201 (a stated task), LA121/LA122 (0/1 labels for a
# PyTorch hinge, which has no built-in; -1/+1 labels); LA301/LA302/LA303 (a script reader names
# what it could not follow as LA304 instead).
SHOWN_BY = {
    "LA101": "la101_softmax_in_forward.py",
    "LA102": "la102_sigmoid_bce_with_logits.py",
    "LA103": "la103_from_logits_on_softmax.py",
    "LA104": "la104_bce_on_linear_built_elsewhere.py",
    "LA105": "la105_integer_labels_categorical.py",
    "LA106": "la106_one_hot_sparse_tf_keras.py",
    "LA107": "la107_la109_one_sigmoid_unit_categorical.py",
    "LA108": "la108_softmax_binary_crossentropy.py",
    "LA109": "la109_sigmoid_outputs_categorical.py",
    "LA110": "la110_softmax_attribute_nll.py",
    "LA111": "la111_kl_div_mean_lightning.py",
    "LA112": "la112_mse_target_view.py",
    "LA113": "la113_mse_on_softmax_one_hot.py",
    "LA116": "la116_poisson_rate_on_linear.py",
    "LA117": "la117_msle_on_linear.py",
    "LA118": "la118_exp_into_log_input_poisson.py",
    "LA119": "la119_softmax_single_unit.py",
    "LA123": "la123_units_differ_from_classes.py",
    "LA125": "la125_relu_bce_logits_aliased.py",
    "LA126": "la126_tanh_functional_cross_entropy.py",
    "LA127": "la127_sigmoid_hinge.py",
    "LA128": "la128_elu_functional_bce_logits.py",
    "LA133": "la133_class_weight_dice_masks.py",
    "LA304": "la304_model_from_torch_load.py",
}


def expected_findings(path: Path) -> set[tuple[str, int]]:
    """(code, line) of every ``# expect:`` marker of a fixture."""
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = MARKER.search(line)
        if match:
            found.update((code.strip(), number) for code in match.group(1).split(","))
    return found


def lint_json(run_cli, *paths) -> dict:
    code, out, err = run_cli("lint", *map(str, paths), "--format", "json")
    assert code in (0, 1), f"exit {code}\nstdout: {out}\nstderr: {err}"
    doc = json.loads(out)
    assert not doc.get("errors"), doc["errors"]
    return doc


def describe(findings) -> str:
    return "\n".join(f"  {f['code']} line {f['line']} col {f.get('col')}: {f['message']}" for f in findings)


@pytest.mark.parametrize("path", ALL_SCRIPTS, ids=lambda p: p.stem)
def test_findings_are_the_marked_ones(run_cli, path):
    doc = lint_json(run_cli, path)
    got = {(f["code"], f["line"]) for f in doc["findings"]}
    want = expected_findings(path)
    assert got == want, (f"missing {sorted(want - got)}, unexpected {sorted(got - want)}\n"
                         f"findings:\n{describe(doc['findings'])}")
    assert all(Path(f["source"]).name == path.name for f in doc["findings"])


@pytest.mark.parametrize("path", CORRECT_PATTERNS, ids=lambda p: p.stem)
def test_correct_pattern_was_checked_not_skipped(run_cli, path):
    """No finding must mean "checked and correct": some wiring knows both its activation and loss."""
    doc = lint_json(run_cli, path)
    assert doc["findings"] == []
    checked = [m for m in doc["models"] if "activation" in m["facts"] and "loss" in m["facts"]]
    assert checked, f"no wiring with both activation and loss: {doc['models']}"


# (fixture, code, the text the finding points at on its marked line, its 1-based column counted
# by hand: the indentation and the characters before the text, plus one)
COLUMNS = [
    ("la101_sequential_softmax_module.py", "LA101", "nn.Softmax(dim=1)", 5),       # 4 spaces
    ("la102_sigmoid_bce_with_logits.py", "LA102", "nn.Sigmoid()", 5),              # 4 spaces
    ("la111_kl_div_mean_lightning.py", "LA111", "nn.KLDivLoss()", 24),            # 8 + len("self.loss_fn = ")
    ("la125_relu_bce_logits_aliased.py", "LA125", "tnn.ReLU()", 5),               # 4 spaces
    ("la103_from_logits_on_softmax.py", "LA103", "keras.losses.Categorical", 10),  # 4 + len("loss=")
    ("la304_loss_from_getattr.py", "LA304", "getattr(nn, args.loss)()", 13),      # len("criterion = ")
    ("la304_model_from_torch_load.py", "LA304", "torch.load(", 9),                # len("model = ")
]


@pytest.mark.parametrize("name, code, text, col", COLUMNS, ids=[c[0] for c in COLUMNS])
def test_column_of_a_finding(run_cli, name, code, text, col):
    path = SCRIPTS / name
    (line,) = [line for c, line in expected_findings(path) if c == code]
    assert path.read_text(encoding="utf-8").splitlines()[line - 1][col - 1:].startswith(text)  # the hand count
    doc = lint_json(run_cli, path)
    (finding,) = [f for f in doc["findings"] if f["code"] == code]
    assert (finding["line"], finding["col"]) == (line, col)


def test_locations_of_activation_and_loss(run_cli):
    """A finding carries where the script writes the activation and the loss (counted by hand:
    `    nn.Softmax(dim=1),` on line 13, `loss_fn = nn.CrossEntropyLoss(...)` on line 15)."""
    path = SCRIPTS / "la101_sequential_softmax_module.py"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[12].startswith("    nn.Softmax(dim=1)") and lines[14].startswith("loss_fn = nn.CrossEntropyLoss(")
    (finding,) = lint_json(run_cli, path)["findings"]
    assert finding["locations"]["activation"] == {"line": 13, "col": 5}
    assert finding["locations"]["loss"] == {"line": 15, "col": 11}


def test_folder_of_fixtures_gives_the_union(run_cli):
    doc = lint_json(run_cli, SCRIPTS)
    got = {(Path(f["source"]).name, f["code"], f["line"]) for f in doc["findings"]}
    want = {(p.name, code, line) for p in ALL_SCRIPTS for code, line in expected_findings(p)}
    assert got == want, f"missing {sorted(want - got)}, unexpected {sorted(got - want)}"


def test_the_fixtures_cover_the_codes_a_script_can_show():
    """Reader-independent: each code of the list has its fixture, each fixture is a plausible
    script (15-60 lines) and marks only codes lint has."""
    from lossadvisor.lint import load_lint_data

    for code, name in SHOWN_BY.items():
        assert code in {c for c, _ in expected_findings(SCRIPTS / name)}, (code, name)
    known = set(load_lint_data().codes)
    for path in ALL_SCRIPTS:
        assert 15 <= len(path.read_text(encoding="utf-8").splitlines()) <= 60, path.name
        marked = {c for c, _ in expected_findings(path)}
        assert marked <= known, (path.name, marked - known)
        assert bool(marked) != path.name.startswith("ok_"), path.name
