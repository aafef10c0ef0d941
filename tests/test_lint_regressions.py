"""Regressions found by the adversarial review of `lossadvisor lint` (lint, kerasfile, render, rules).

Each test names the bug it pins. Expected codes follow from the rule definitions in
rules/lint.yaml and from Keras' own source (keras/src/backend/numpy/nn.py
categorical_crossentropy divides the predictions by their sum before the log).
"""

from __future__ import annotations

import json
import struct
import subprocess
import zipfile

import pytest
from conftest import PYTHON, ROOT, python_env

from lossadvisor.errors import InputError, UsageError
from lossadvisor.lint import ModelInput, lint_models, load_lint_data, read_input

DATA = load_lint_data()


def codes(models, **flags):
    return [f["code"] for f in lint_models(models, flags=flags)["findings"]]


def keras_doc(units, activation, loss, name="m", layer_config=None):
    layer = {"module": "keras.layers", "class_name": "Dense",
             "config": layer_config if layer_config is not None else
             {"name": "out", "units": units, "activation": activation}}
    doc = {"module": "keras", "class_name": "Sequential",
           "config": {"name": name, "layers": [
               {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 4]}}, layer]}}
    if loss is not None:
        doc["compile_config"] = {"optimizer": "adam", "loss": loss}
    return doc


# ---------------------------------------------------------------- missed mistakes


def test_sigmoid_with_categorical_crossentropy_is_flagged_without_a_task(tmp_path):
    # LA109's own Example (Dense(10, activation="sigmoid") + "categorical_crossentropy") was
    # "clean" when linted from a .keras file, which has no task: the categorical loss says
    # single-label multiclass by itself
    path = tmp_path / "m.json"
    path.write_text(json.dumps(keras_doc(10, "sigmoid", "categorical_crossentropy")))
    assert codes(read_input(str(path))) == ["LA109"]
    finding = lint_models(read_input(str(path)))["findings"][0]
    assert "?" not in finding["message"]  # the message used {units}, unknown here


def test_categorical_loss_on_a_multilabel_task_is_an_error():
    # sigmoid per label with Keras categorical cross-entropy: the sigmoids are divided by their
    # sum (one distribution), so two present labels cannot both be predicted; only the info
    # LA201 was reported
    m = ModelInput("m", {"task": "multilabel", "classes": 3, "units": 3, "activation": "sigmoid",
                         "loss": "categorical_crossentropy"})
    assert codes([m]) == ["LA124"]
    # a softmax output is LA120's case, not said twice
    m = ModelInput("m", {"task": "multilabel", "activation": "softmax", "loss": "categorical_crossentropy"})
    assert codes([m]) == ["LA120"]
    # binary cross-entropy per label is right
    m = ModelInput("m", {"task": "multilabel", "activation": "sigmoid", "loss": "binary_crossentropy"})
    assert codes([m]) == []


def test_a_dense_layer_without_a_config_is_not_read_as_linear(tmp_path):
    # {"class_name": "Dense", "config": [1]}: the missing activation read as linear
    path = tmp_path / "m.json"
    path.write_text(json.dumps(keras_doc(1, None, "binary_crossentropy", layer_config=[1])))
    found = lint_models(read_input(str(path)))["findings"]
    assert [f["code"] for f in found] == ["LA302"]
    assert "no readable config" in found[0]["message"]


# ---------------------------------------------------------------- no tracebacks


def test_deeply_nested_json_spec_is_an_input_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="nested too deeply"):
        read_input(str(path))


@pytest.mark.parametrize("text", [
    "a: " + "[" * 1_000 + "]" * 1_000,          # RecursionError in the composer: exit 70
    "a: " + "{x: " * 50_000 + "1" + "}" * 50_000,  # PyYAML's C composer: a segmentation fault, exit 139
], ids=["flow-1000", "mapping-50000"])
def test_deeply_nested_yaml_spec_is_an_input_error(tmp_path, text):
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    r = subprocess.run(check=False, args=[PYTHON, "-m", "lossadvisor", "lint", str(path)], capture_output=True, text=True,
                       env=python_env(), cwd=ROOT, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "nested more than 64 levels" in r.stderr and r.stderr.count("\n") == 1


def test_yaml_alias_bomb_gives_a_short_message(tmp_path):
    # 9 ** 8 strings behind aliases: the error message json.dumps'ed the expanded value
    # (hundreds of MB, then more than the machine's memory one level further)
    levels = ["&a [" + ", ".join(['"x"'] * 9) + "]"]
    for prev, cur in zip("abcdefg", "bcdefgh"):
        levels.append(f"&{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("task: binary\nactivation: sigmoid\nloss: bce\ntarget_shape: [" + ", ".join(levels) + "]\n")
    (error,) = lint_models(read_input(str(path)))["errors"]     # issue 11: an error for that model
    assert len(error["message"]) < 300


def test_a_huge_flag_value_is_shortened_in_the_error():
    with pytest.raises(UsageError) as err:
        lint_models([ModelInput("flags", {"activation": "sigmoid", "loss": "(" * 5000 + "x" + ")" * 5000})])
    message = str(err.value)
    assert len(message) < 300 and "10,001 characters" in message


# ---------------------------------------------------------------- .keras archives


def test_deeply_nested_config_json_is_an_input_error(tmp_path):
    path = tmp_path / "deep.keras"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="nested too deeply"):
        read_input(str(path))


def test_a_zip_header_that_lies_about_the_size_is_read_in_bounded_pieces(tmp_path):
    # config.json deflated from 40 MB of spaces, its sizes in the headers patched to 10 bytes:
    # the size check passed and zf.read inflated the whole member at once (431 MB resident for
    # 200 MB); read in pieces it stops at the declared size and the CRC check fails
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", b"{" + b" " * (40 << 20) + b"}")
    raw = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size fields (APPNOTE 4.3.7, 4.3.12)
        start = raw.find(sig)
        struct.pack_into("<I", raw, start + offset, 10)
    path.write_bytes(bytes(raw))
    with pytest.raises(InputError, match="damaged zip archive"):
        read_input(str(path))


# ---------------------------------------------------------------- text output


def test_control_characters_from_a_file_are_escaped_in_text_and_github_output(tmp_path):
    # a model name with ESC sequences (from a spec or a .keras config) reached the terminal raw
    path = tmp_path / "evil.yaml"
    path.write_text('name: "\\e[31mEVIL\\e[0m"\ntask: binary\nactivation: softmax\nloss: nn.BCEWithLogitsLoss\n')
    for fmt in ("text", "github"):
        r = subprocess.run(check=False, args=[PYTHON, "-m", "lossadvisor", "lint", str(path), "--format", fmt], capture_output=True,
                           text=True, env=python_env(), cwd=ROOT)
        assert r.returncode == 1
        assert "\x1b" not in r.stdout
    r = subprocess.run(check=False, args=[PYTHON, "-m", "lossadvisor", "lint", str(path)], capture_output=True, text=True,
                       env=python_env(), cwd=ROOT)
    assert "\\x1b[31mEVIL\\x1b[0m" in r.stdout


def test_text_output_has_no_trailing_spaces_and_keeps_names_whole():
    # rich's Padding filled every message line with spaces to the width
    r = subprocess.run(check=False, args=[PYTHON, "-m", "lossadvisor", "lint", "--activation", "softmax", "--loss",
                        "nn.CrossEntropyLoss"], capture_output=True, text=True, env=python_env(), cwd=ROOT)
    assert r.returncode == 1
    assert all(line == line.rstrip() for line in r.stdout.splitlines())
    assert "torch.softmax(logits, dim=-1)" in r.stdout.replace("\n          ", " ")
    r = subprocess.run(check=False, args=[PYTHON, "-m", "lossadvisor", "explain", "LA101"], capture_output=True, text=True,
                       env=python_env(), cwd=ROOT)
    prose = r.stdout.split("Example")[0]
    assert all(line == line.rstrip() for line in prose.splitlines())


def test_losses_keyed_by_unknown_outputs_are_not_reported_as_no_loss(tmp_path):
    # compile_config {"loss": {"nope": "mse"}} on a one-output model: it was LA303 "the model does
    # not say its loss"; the loss is there but keyed by a name that is no output (LA301)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(keras_doc(3, "softmax", {"nope": "mean_squared_error"})))
    found = lint_models(read_input(str(path)))["findings"]
    assert [f["code"] for f in found] == ["LA301"]
    assert "'nope'" in found[0]["message"]
    # an output given None on purpose (an auxiliary head without a loss) stays LA303
    doc = {"class_name": "Functional", "config": {"name": "two", "layers": [
        {"class_name": "InputLayer", "name": "in", "config": {"name": "in"}},
        {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 3, "activation": "softmax"},
         "inbound_nodes": [[["in", 0, 0, {}]]]},
        {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 1},
         "inbound_nodes": [[["in", 0, 0, {}]]]}],
        "output_layers": [["a", 0, 0], ["b", 0, 0]]},
        "compile_config": {"loss": {"a": "categorical_crossentropy", "b": None}}}
    path.write_text(json.dumps(doc))
    assert [(f["code"], f["model"]) for f in lint_models(read_input(str(path)))["findings"]] == [("LA303", "two[b]")]
