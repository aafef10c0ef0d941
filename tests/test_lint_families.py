"""Lint codes of the newer task families' traps (LA129-LA133, and LA104/LA110 on their losses), from flags.

The spec-file fixtures (tests/fixtures/lint/LA129.yaml .. LA133.yaml) and the scripts
(tests/fixtures/lint/scripts/la110_ctc_*.py, la130_*.py) are checked by the fixture tests; these
drive the same rules through flags, where each fact is one option, and check what is reported when a
fact is missing (never "clean" for what was not checked).
"""

from __future__ import annotations

import json

import pytest


def lint(run_cli, *args):
    code, out, err = run_cli("lint", *args, "--json")
    return code, (json.loads(out) if out.strip() else None), err


def codes(doc) -> list[str]:
    return [f["code"] for f in doc["findings"]]


@pytest.mark.parametrize("args, expected", [
    # PyTorch's CTCLoss reads time-major (T, N, C) log-probabilities
    (("--loss", "nn.CTCLoss()", "--activation", "log_softmax", "--layout", "batch_major"), ["LA129"]),
    (("--loss", "nn.CTCLoss()", "--activation", "log_softmax", "--layout", "time_major"), []),
    # optax reads batch-major logits: the layout is right
    (("--loss", "optax.ctc_loss", "--activation", "linear", "--layout", "batch_major"), []),
    # raw logits into CTCLoss, which reads log-probabilities
    (("--loss", "nn.CTCLoss()", "--activation", "linear", "--layout", "time_major"), ["LA110"]),
])
def test_ctc_layout_and_logits(run_cli, args, expected):
    code, doc, _ = lint(run_cli, *args, "--units", "29")
    assert codes(doc) == expected
    assert code == (1 if expected else 0)


@pytest.mark.parametrize("loss, label_start, fires", [
    ("nn.CTCLoss(blank=5)", None, True),      # 0 < 5 < 28: a class whatever the numbering
    ("nn.CTCLoss(blank=28)", "1", True),      # labels 1..28 take 28
    ("nn.CTCLoss(blank=28)", "0", False),     # labels 0..27 leave 28 to the blank
    ("nn.CTCLoss(blank=0)", "1", False),      # the default convention
    ("nn.CTCLoss(blank=0)", "0", True),       # label 0 is the blank
])
def test_ctc_blank_that_is_a_class(run_cli, loss, label_start, fires):
    extra = ("--label-start", label_start) if label_start is not None else ()
    code, doc, _ = lint(run_cli, "--loss", loss, "--activation", "log_softmax", "--units", "29", *extra)
    assert ("LA130" in codes(doc)) is fires


@pytest.mark.parametrize("loss", ["corn", "coral", "cumulative_link", "nn.CrossEntropyLoss()"])
def test_ordinal_levels_from_one(run_cli, loss):
    base = ("--task", "ordinal", "--loss", loss, "--activation", "linear", "--framework", "pytorch")
    code, doc, _ = lint(run_cli, *base, "--label-start", "1")
    assert "LA131" in codes(doc) and code == 1
    code, doc, _ = lint(run_cli, *base, "--label-start", "0")
    assert "LA131" not in codes(doc)


def test_cox_batches_without_events(run_cli):
    base = ("--task", "survival", "--loss", "cox_partial_likelihood", "--activation", "linear", "--units", "1")
    # (1 - 0.2)^8 = 0.1678 >= 1%: a batch without events is likely (a warning: exit 0)
    code, doc, _ = lint(run_cli, *base, "--batch-size", "8", "--event-rate", "0.2")
    assert codes(doc) == ["LA132"] and code == 0
    assert "16.7772%" in doc["findings"][0]["message"]
    # (1 - 0.2)^64 = 6.3e-7: fine
    code, doc, _ = lint(run_cli, *base, "--batch-size", "64", "--event-rate", "0.2")
    assert codes(doc) == [] and doc["clean"] is True and doc["counts"]["not_applied"] == 0
    # without the event rate the rule is not applied, and the output says so
    code, doc, _ = lint(run_cli, *base, "--batch-size", "8")
    assert codes(doc) == [] and doc["counts"]["not_applied"] == 1
    assert [(n["code"], n["missing"]) for n in doc["not_applied"]] == [("LA132", ["event_rate"])]


def test_keras_class_weight_on_masks(run_cli):
    base = ("--loss", "keras.losses.Dice()", "--activation", "sigmoid", "--framework", "keras")
    code, doc, _ = lint(run_cli, *base, "--class-weight")
    assert "LA133" in codes(doc) and code == 1
    code, doc, _ = lint(run_cli, *base, "--no-class-weight")
    assert "LA133" not in codes(doc)


def test_keras_dice_on_logits_is_logits_read_as_probabilities(run_cli):
    # keras.losses.Dice takes probabilities (no from_logits): a linear output is LA104
    code, doc, _ = lint(run_cli, "--loss", "keras.losses.Dice()", "--activation", "linear", "--framework", "keras")
    assert codes(doc) == ["LA104"] and code == 1
    code, doc, _ = lint(run_cli, "--loss", "keras.losses.Dice()", "--activation", "sigmoid", "--framework", "keras")
    assert "LA104" not in codes(doc)


@pytest.mark.parametrize("code_id", ["LA129", "LA130", "LA131", "LA132", "LA133"])
def test_every_new_code_is_explained(run_cli, code_id):
    code, out, _ = run_cli("explain", code_id, "--json")
    entry = json.loads(out)
    assert code == 0 and json.dumps(entry).count(code_id) >= 1
    text = json.dumps(entry)
    for heading in ("What it flags", "Why it matters", "Example", "Use instead"):
        assert heading.lower().replace(" ", "_") in text or heading in text


@pytest.mark.parametrize("loss, framework, says, fix", [
    # Keras Dice and Tversky have no from_logits and do not clip (keras/src/losses/losses.py dice, tversky)
    ("keras.losses.Dice()", "keras", "no logits form", "End the model in the activation the loss expects"),
    ("keras.losses.Tversky()", "keras", "no logits form", "End the model in the activation the loss expects"),
    ("soft_dice_loss", "pytorch", "no logits form", "End the model in the activation the loss expects"),
    # the Keras cross-entropies clip and have from_logits
    ("keras.losses.BinaryCrossentropy()", "keras", "Keras clips them to [1e-7, 1 - 1e-7]", "from_logits=True"),
    # PyTorch BCELoss raises at run time; BCEWithLogitsLoss is its logits form
    ("nn.BCELoss()", "pytorch", "PyTorch raises at run time", "nn.BCEWithLogitsLoss"),
])
def test_logits_read_as_probabilities_says_what_the_loss_does(run_cli, loss, framework, says, fix):
    code, doc, _ = lint(run_cli, "--loss", loss, "--activation", "linear", "--framework", framework)
    (finding,) = [f for f in doc["findings"] if f["code"] == "LA104"]
    assert says in finding["message"] and fix in finding["fix"]
    if says == "no logits form":     # nothing of the other losses' words
        assert "from_logits" not in finding["fix"] and "clip" not in finding["message"]
        assert "BCEWithLogitsLoss" not in finding["fix"]


def test_keras_dice_script_on_a_linear_output(run_cli, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(
        "import keras\n"
        "from keras import layers\n"
        "inputs = keras.Input(shape=(32, 32, 3))\n"
        "x = layers.Conv2D(16, 3, padding='same', activation='relu')(inputs)\n"
        "outputs = layers.Conv2D(1, 1)(x)\n"
        "model = keras.Model(inputs, outputs)\n"
        "model.compile(optimizer='adam', loss=keras.losses.Dice(axis=(1, 2)))\n", encoding="utf-8")
    code, doc, _ = lint(run_cli, str(script))
    (finding,) = doc["findings"]
    assert finding["code"] == "LA104" and finding["line"] == 5 and code == 1
    assert "no logits form" in finding["message"] and "from_logits" not in finding["fix"]
