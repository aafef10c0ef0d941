"""Reading .keras archives and model.to_json() JSON without Keras.

The configs here are hand-written in the layout Keras 3 writes
(keras/src/saving/saving_lib.py: config.json, metadata.json, model.weights.h5;
serialization_lib.serialize_keras_object with a compile_config).
"""

import json
import zipfile

import pytest
from conftest import FIXTURES

from lossadvisor.errors import InputError
from lossadvisor.lint import lint_models, load_lint_data, models_from_config, read_input

DATA = load_lint_data()


def dense(name, units, activation="linear"):
    return {"module": "keras.layers", "class_name": "Dense",
            "config": {"name": name, "units": units, "activation": activation}, "registered_name": None}


def sequential(layers, loss=None, name="seq"):
    doc = {"module": "keras", "class_name": "Sequential",
           "config": {"name": name, "layers": [{"module": "keras.layers", "class_name": "InputLayer",
                                                "config": {"batch_shape": [None, 4], "name": "input"}}] + layers},
           "registered_name": None}
    if loss is not None:
        doc["compile_config"] = {"optimizer": "adam", "loss": loss}
    return doc


def write_keras(tmp_path, doc, name="model.keras", members=None):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        for member, content in (members or {"metadata.json": json.dumps({"keras_version": "3.15.1"}),
                                            "config.json": json.dumps(doc),
                                            "model.weights.h5": b""}).items():
            zf.writestr(member, content)
    return path


def facts(doc, flags=None):
    payload = lint_models(models_from_config(doc, "m.json", DATA), flags=flags)
    return payload


def test_archive_and_to_json_read_the_same(tmp_path):
    config = FIXTURES / "lint" / "LA103.keras.json"
    doc = json.loads(config.read_text())
    from_zip = lint_models(read_input(str(write_keras(tmp_path, doc))))
    from_json = lint_models(read_input(str(config)))
    assert from_zip["models"][0]["facts"] == from_json["models"][0]["facts"]
    f = from_zip["models"][0]["facts"]
    assert (f["activation"], f["units"], f["loss"], f["from_logits"], f["framework"]) == (
        "softmax", 3, "categorical_crossentropy", True, "keras")


def test_unzipped_keras_folder(tmp_path):
    folder = tmp_path / "model.keras"
    folder.mkdir()
    (folder / "config.json").write_text((FIXTURES / "lint" / "LA119.keras.json").read_text())
    payload = lint_models(read_input(str(folder)), flags={"task": "binary"})
    assert [f["code"] for f in payload["findings"]] == ["LA119"]


def test_trailing_activation_layer_and_dropout_are_looked_through():
    doc = sequential([dense("logits", 10),
                      {"class_name": "Activation", "config": {"name": "act", "activation": "softmax"}},
                      {"class_name": "Dropout", "config": {"name": "drop", "rate": 0.1}}], loss="mse")
    m = facts(doc)["models"][0]["facts"]
    assert (m["activation"], m["units"]) == ("softmax", 10)


def test_outer_activation_wins_over_the_dense_activation():
    doc = sequential([dense("logits", 3, "relu"), {"class_name": "Softmax", "config": {"name": "sm", "axis": -1}}],
                     loss="categorical_crossentropy")
    assert facts(doc)["models"][0]["facts"]["activation"] == "softmax"


def test_serialized_activation_dict_and_function_loss():
    activation = {"module": "keras.activations", "class_name": "function", "config": "sigmoid",
                  "registered_name": "function"}
    doc = sequential([dense("out", 1, activation)],
                     loss={"module": "keras.losses", "class_name": "function", "config": "binary_crossentropy",
                           "registered_name": "function"})
    payload = facts(doc, {"task": "binary"})
    assert payload["models"][0]["facts"]["activation"] == "sigmoid"
    assert payload["findings"] == []


def test_nested_model_as_last_layer():
    inner = {"module": "keras", "class_name": "Sequential",
             "config": {"name": "head", "layers": [dense("h", 8, "relu"), dense("out", 1, "sigmoid")]}}
    doc = sequential([dense("base", 16, "relu"), inner], loss="binary_crossentropy")
    payload = facts(doc, {"task": "binary"})
    assert payload["models"][0]["facts"]["activation"] == "sigmoid"
    assert payload["findings"] == []


def test_multi_output_model_gives_one_lint_model_per_output():
    def node(layer, src):
        layer = dict(layer, name=layer["config"]["name"])
        layer["inbound_nodes"] = [{"args": [{"class_name": "__keras_tensor__",
                                              "config": {"keras_history": [src, 0, 0]}}], "kwargs": {}}]
        return layer

    x = {"class_name": "InputLayer", "config": {"name": "x"}, "name": "x", "inbound_nodes": []}
    doc = {"module": "keras.src.models.functional", "class_name": "Functional",
           "config": {"name": "two_heads", "layers": [x, node(dense("a", 1, "sigmoid"), "x"),
                                                      node(dense("b", 3, "softmax"), "x")],
                      "input_layers": ["x", 0, 0], "output_layers": {"a": ["a", 0, 0], "b": ["b", 0, 0]}},
           "compile_config": {"loss": {"a": "bce", "b": {"module": "keras.losses",
                                                         "class_name": "SparseCategoricalCrossentropy",
                                                         "config": {"from_logits": True}}}}}
    payload = facts(doc)
    assert [m["name"] for m in payload["models"]] == ["two_heads[a]", "two_heads[b]"]
    # head b: a softmax output with from_logits=True
    assert _codes(payload) == {"two_heads[a]": [], "two_heads[b]": ["LA103"]}


def test_keras2_functional_inbound_nodes():
    doc = {"class_name": "Functional", "config": {
        "name": "k2", "layers": [
            {"class_name": "InputLayer", "config": {"name": "in"}, "name": "in", "inbound_nodes": []},
            {"class_name": "Dense", "config": {"name": "logits", "units": 4, "activation": "linear"},
             "name": "logits", "inbound_nodes": [[["in", 0, 0, {}]]]},
            {"class_name": "Activation", "config": {"name": "probs", "activation": "softmax"},
             "name": "probs", "inbound_nodes": [[["logits", 0, 0, {}]]]}],
        "input_layers": [["in", 0, 0]], "output_layers": [["probs", 0, 0]]},
        "keras_version": "2.15.0", "backend": "tensorflow"}
    m = facts(doc)["models"][0]["facts"]
    assert (m["activation"], m["units"]) == ("softmax", 4)


def _codes(payload):
    got = {m["name"]: [] for m in payload["models"]}
    for f in payload["findings"]:
        got[f["model"]].append(f["code"])
    return got


# ------------------------------------------------- what cannot be read


@pytest.mark.parametrize("loss, reason", [
    ({"module": None, "class_name": "FocalLoss", "config": {}, "registered_name": "my_pkg>FocalLoss"},
     "a custom loss class (FocalLoss)"),
    ({"class_name": "__lambda__", "config": {"value": ["abc", None, None]}}, "a lambda function"),
    ({"module": "my_losses", "class_name": "function", "config": "weird", "registered_name": "function"},
     "the function my_losses.weird"),
    ("crossentropy_of_my_own", "not a loss lint knows"),
    (42, "an unreadable loss entry"),
])
def test_unreadable_loss_is_a_warning_never_clean(loss, reason):
    payload = facts(sequential([dense("out", 1, "sigmoid")], loss=loss), {"task": "binary"})
    (finding,) = payload["findings"]
    assert finding["code"] == "LA301" and finding["severity"] == "warning"
    assert reason in finding["message"]
    assert payload["clean"] is False


@pytest.mark.parametrize("last, reason", [
    ({"module": "my_pkg", "class_name": "MyHead", "config": {"name": "head"}}, "MyHead 'head'"),
    ({"class_name": "Lambda", "config": {"name": "lam", "function": {}}}, "a Lambda layer"),
    (dense("out", 2, {"module": "my_pkg", "class_name": "MyAct", "config": {}, "registered_name": "MyAct"}),
     "Dense 'out' uses a custom activation"),
    (dense("out", 2, "my_activation"), "unknown activation 'my_activation'"),
])
def test_unreadable_output_layer_is_a_warning_naming_it(last, reason):
    payload = facts(sequential([dense("h", 8), last], loss="binary_crossentropy"), {"task": "binary"})
    codes = [f["code"] for f in payload["findings"]]
    assert codes == ["LA302"], payload["findings"]
    assert reason in payload["findings"][0]["message"]


def test_flag_gives_what_the_file_cannot():
    doc = sequential([dense("h", 8), {"module": "my_pkg", "class_name": "MyHead", "config": {"name": "head"}}],
                     loss="binary_crossentropy")
    # the file's activation is unreadable; the flag states it, the warning stays (the file was not read)
    payload = facts(doc, {"task": "binary", "activation": "linear"})
    assert sorted(f["code"] for f in payload["findings"]) == ["LA104", "LA302"]


def test_model_not_compiled_and_compiled_without_loss():
    for doc in (sequential([dense("out", 1, "sigmoid")]), sequential([dense("out", 1, "sigmoid")], loss=None)):
        payload = facts(doc, {"task": "binary"})
        assert [f["code"] for f in payload["findings"]] == ["LA303"]
    doc = sequential([dense("out", 1, "sigmoid")])
    doc["compile_config"] = {"optimizer": "adam", "loss": None}
    assert [f["code"] for f in facts(doc, {"task": "binary"})["findings"]] == ["LA303"]


def test_flag_contradicting_the_file_is_an_error():
    # an error entry for that model (issue 11: every file and model is its own unit), not an exception
    doc = json.loads((FIXTURES / "lint" / "LA103.keras.json").read_text())
    (error,) = facts(doc, {"from_logits": False})["errors"]
    assert "says from_logits=true, but the flag gives from_logits=false" in error["message"]


# ---------------------------------------------------- malformed archives


def test_not_a_zip(tmp_path):
    path = tmp_path / "model.keras"
    path.write_text("hello")
    with pytest.raises(InputError, match="not a zip archive; a .keras file is a zip holding config.json"):
        read_input(str(path))


def test_legacy_hdf5(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(InputError, match="HDF5 file"):
        read_input(str(path))
    h5 = tmp_path / "model.h5"
    h5.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(InputError, match="legacy Keras .h5 format"):
        read_input(str(h5))


def test_zip_without_config(tmp_path):
    path = write_keras(tmp_path, {}, members={"metadata.json": "{}", "model.weights.h5": b""})
    with pytest.raises(InputError, match=r"no config.json in the archive \(it holds metadata.json, model.weights.h5\)"):
        read_input(str(path))


def test_broken_config_json(tmp_path):
    path = write_keras(tmp_path, {}, members={"config.json": "{not json"})
    with pytest.raises(InputError, match=r"config.json:1: invalid JSON"):
        read_input(str(path))
    path = write_keras(tmp_path, {}, name="b.keras", members={"config.json": json.dumps([1, 2])})
    with pytest.raises(InputError, match="not a serialized Keras model"):
        read_input(str(path))


def test_truncated_zip(tmp_path):
    good = write_keras(tmp_path, json.loads((FIXTURES / "lint" / "clean.keras.json").read_text()))
    data = good.read_bytes()
    bad = tmp_path / "bad.keras"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as err:
        read_input(str(bad))
    assert str(bad) in str(err.value)


def test_model_without_layers_or_with_a_missing_output(tmp_path):
    with pytest.raises(InputError, match="has no layers"):
        models_from_config({"class_name": "Sequential", "config": {"name": "s", "layers": []}}, "m.json", DATA)
    doc = {"class_name": "Functional", "config": {"name": "f", "layers": [dense("a", 1)], "output_layers": ["zzz", 0, 0]}}
    with pytest.raises(InputError, match="output layer 'zzz' is not among its layers"):
        models_from_config(doc, "m.json", DATA)


def test_reading_keras_files_never_imports_keras_or_tensorflow(tmp_path):
    import subprocess

    from conftest import PYTHON, python_env

    path = write_keras(tmp_path, json.loads((FIXTURES / "lint" / "clean.keras.json").read_text()))
    code = ("import sys; from lossadvisor.lint import read_input, lint_models; "
            f"lint_models(read_input({str(path)!r})); "
            "print(sorted(m for m in ('keras', 'tensorflow', 'torch', 'jax', 'h5py', 'matplotlib', 'rich', 'click') "
            "if m in sys.modules))")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=python_env(), check=True)
    assert out.stdout.strip() == "[]"
