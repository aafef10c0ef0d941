"""Read a Keras model's output layer and compiled loss without importing Keras.

Two inputs, one format:

* a ``.keras`` archive: a zip holding ``config.json`` (the model serialized by
  ``keras.saving.serialize_keras_object``, with a ``compile_config`` when the
  model was compiled), ``metadata.json`` (``keras_version``, ``date_saved``) and
  ``model.weights.h5`` (keras/src/saving/saving_lib.py: ``_CONFIG_FILENAME``,
  ``_METADATA_FILENAME``, ``_VARS_FNAME``). A folder of the same files (Keras'
  ``zipped=False``) is read too.
* the JSON of ``model.to_json()``: the same serialized dict (Keras 3), or the
  Keras 2 form ``{"class_name", "config", "keras_version", "backend"}``.

What is read: the last layer's units and activation (looking through a trailing
``Activation``/``Softmax``/``ReLU`` layer, dropout/reshape layers and nested
models), and ``compile_config["loss"]``: a string (``"mse"``, ``"bce"``), a loss object ``{"module": "keras.losses", "class_name":
"BinaryCrossentropy", "config": {"from_logits": true, ...}}``, a function
``{"class_name": "function", "config": "mse"}``, or a dict/list
of those for a model with several outputs (one lint model per output).

What cannot be read (a custom layer or loss class, a lambda) becomes a warning
finding (LA301, LA302) naming it, never a silent "clean".
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

from lossadvisor.errors import InputError, UsageError
from lossadvisor.lint.pysource import positive_int
from lossadvisor.lint.spellings import LintData, ModelInput, lookup_activation, lookup_loss
from lossadvisor.textutil import MAX_DOCUMENT_BYTES, read_at_most, read_bytes, read_head

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
MAX_CONFIG_BYTES = MAX_DOCUMENT_BYTES  # a config.json this large is not a model config
MAX_METADATA_BYTES = 1 << 20  # metadata.json holds a version and a date
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_DEPTH = 32


def looks_like_keras_config(doc: Any) -> bool:
    """True for the dict of `model.to_json()` / a `.keras` config.json."""
    return isinstance(doc, dict) and isinstance(doc.get("class_name"), str) and "config" in doc


def needs_random_access(path: str) -> InputError:
    """The error for a .keras archive in a pipe, a FIFO or a device (standard input included)."""
    # zipfile reopens the file and seeks to its end: a FIFO blocks or cannot, a device has no end
    return InputError(f"{path}: a .keras archive needs random access, and this is a pipe or a device; "
                      "save it to a regular file first")


def read_keras(path: str, data: LintData) -> list[ModelInput]:
    """The lint models of a `.keras` archive (or unzipped folder)."""
    p = Path(path)
    metadata: dict = {}
    if p.is_dir():
        cfg_path = p / CONFIG_FILENAME
        if not cfg_path.is_file():
            raise InputError(f"{path}: a .keras folder needs {CONFIG_FILENAME}; it has none")
        raw = read_bytes(str(cfg_path), what=f"a Keras {CONFIG_FILENAME}")
        meta_path = p / METADATA_FILENAME
        if meta_path.is_file():
            with open(meta_path, "rb") as fh:
                metadata = _json_or_empty(read_at_most(fh, MAX_METADATA_BYTES) or b"")
    else:
        if os.path.exists(path) and not os.path.isfile(path):
            raise needs_random_access(path)
        head = read_head(path, 8)
        if head == HDF5_SIGNATURE:
            raise InputError(f"{path}: this is an HDF5 file (the legacy Keras .h5 format), not a .keras zip; "
                             "re-save it with model.save('model.keras') or lint model.to_json()")
        if not zipfile.is_zipfile(path):
            raise InputError(f"{path}: not a zip archive; a .keras file is a zip holding {CONFIG_FILENAME}")
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                if CONFIG_FILENAME not in names:
                    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "") if names else "nothing"
                    raise InputError(f"{path}: no {CONFIG_FILENAME} in the archive (it holds {shown}); "
                                     "is this a model saved with model.save('...keras')?")
                info = zf.getinfo(CONFIG_FILENAME)
                if info.file_size > MAX_CONFIG_BYTES:
                    raise InputError(f"{path}: {CONFIG_FILENAME} is {info.file_size} bytes; too large for a model config")
                raw = _read_member(zf, CONFIG_FILENAME, MAX_CONFIG_BYTES)
                if raw is None:
                    raise InputError(f"{path}: {CONFIG_FILENAME} inflates beyond {MAX_CONFIG_BYTES} bytes; "
                                     "too large for a model config")
                if METADATA_FILENAME in names and zf.getinfo(METADATA_FILENAME).file_size < MAX_METADATA_BYTES:
                    metadata = _json_or_empty(_read_member(zf, METADATA_FILENAME, MAX_METADATA_BYTES) or b"")
        except zipfile.BadZipFile as exc:
            raise InputError(f"{path}: damaged zip archive: {exc}") from None
        except (OSError, RuntimeError, NotImplementedError) as exc:
            raise InputError(f"{path}: cannot read the archive: {exc}") from None
    try:
        text = raw.decode("utf-8")
        doc = json.loads(text)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: {CONFIG_FILENAME} is not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: {CONFIG_FILENAME}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{path}: {CONFIG_FILENAME}: invalid JSON: nested too deeply") from None
    if not looks_like_keras_config(doc):
        raise InputError(f"{path}: {CONFIG_FILENAME} is not a serialized Keras model (no class_name/config)")
    models = models_from_config(doc, path, data)
    version = metadata.get("keras_version") if isinstance(metadata, dict) else None
    for m in models:
        if isinstance(version, str):
            m.display["keras_version"] = version
    return models


def _read_member(zf: zipfile.ZipFile, member: str, limit: int) -> bytes | None:
    """A member's bytes, or None past ``limit``. The header's size can lie (a zip bomb):
    ``zf.read`` would inflate everything at once, so read in bounded pieces."""
    with zf.open(member) as fh:
        return read_at_most(fh, limit)


def _json_or_empty(raw: bytes) -> dict:
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return {}
    return doc if isinstance(doc, dict) else {}


# ------------------------------------------------------------------ the model


def models_from_config(doc: dict, path: str, data: LintData) -> list[ModelInput]:
    """One lint ModelInput per model output of a serialized Keras model."""
    cls = doc.get("class_name")
    config = doc.get("config")
    if _role(cls, data) != "model" and (cls in data.layers or not isinstance(config, (dict, list))):
        raise InputError(f"{path}: the top-level object is a {cls}, not a Keras model")
    name = _model_name(doc) or Path(path).stem
    outputs = _output_layers(doc, path)
    compile_config = doc.get("compile_config")
    losses = _losses_per_output(compile_config, [o[0] for o in outputs], path)
    models = []
    for out_name, layer, owner in outputs:
        values: dict = {"framework": "keras"}
        display: dict = {}
        notes: list = []
        _read_output(layer, owner, data, values, display, notes, depth=0)
        loss = losses.get(out_name, losses.get(None)) if losses else None
        if loss is not None:
            _read_loss(loss, data, values, display, notes)
        elif losses and not _names_output(compile_config, out_name):
            # losses keyed by names that are not this model's outputs: say so, rather than
            # "the model does not say its loss"
            keys = ", ".join(repr(k) for k in list(losses)[:5])
            notes.append(("LA301", {"loss_spelling": f"given for {keys}",
                                    "reason": "no loss is keyed by " + (f"the output {out_name!r}" if out_name
                                                                      else "the model's one output")}))
        label = name if len(outputs) == 1 else f"{name}[{out_name}]"
        models.append(ModelInput(name=label, values=values, source=path, line=1, kind="keras",
                                 display=display, notes=notes))
    return models


def _model_name(doc: dict) -> str | None:
    config = doc.get("config")
    if isinstance(config, dict) and isinstance(config.get("name"), str):
        return config["name"]
    return None


def _role(cls: Any, data) -> str | None:
    spec = data.layers.get(cls) if isinstance(cls, str) else None
    return spec["role"] if spec else None


def _layers(doc: dict) -> list:
    config = doc.get("config")
    if isinstance(config, list):  # very old Keras Sequential: config is the list of layers
        return config
    if isinstance(config, dict) and isinstance(config.get("layers"), list):
        return config["layers"]
    return []


def _layer_name(layer: dict) -> str | None:
    if not isinstance(layer, dict):
        return None
    if isinstance(layer.get("name"), str):
        return layer["name"]
    cfg = layer.get("config")
    if isinstance(cfg, dict) and isinstance(cfg.get("name"), str):
        return cfg["name"]
    return None


def _is_sequential(doc: dict) -> bool:
    config = doc.get("config")
    if doc.get("class_name") == "Sequential":
        return True
    # a Functional config names its outputs; a Sequential one does not
    return isinstance(config, list) or (isinstance(config, dict) and "output_layers" not in config)


def _output_layers(doc: dict, path: str) -> list[tuple[str | None, dict, dict]]:
    """[(output name, output layer, the model that holds it)]."""
    layers = _layers(doc)
    if not layers:
        raise InputError(f"{path}: the model config has no layers")
    if _is_sequential(doc):
        return [(None, layers[-1], doc)]
    config = doc["config"]
    spec = config.get("output_layers")
    refs: list[tuple[str | None, str]] = []
    if isinstance(spec, dict):
        for key, ref in spec.items():
            refs.append((str(key), _ref_name(ref)))
    elif isinstance(spec, list) and spec and isinstance(spec[0], str):
        refs.append((None, spec[0]))  # Keras 3, one output: ["name", 0, 0]
    elif isinstance(spec, list):
        for ref in spec:
            refs.append((_ref_name(ref), _ref_name(ref)))
    by_name = {_layer_name(layer): layer for layer in layers}
    out = []
    for key, ref in refs:
        if ref not in by_name:
            raise InputError(f"{path}: the model's output layer {ref!r} is not among its layers")
        out.append((key, by_name[ref], doc))
    if not out:
        raise InputError(f"{path}: the model config names no output layers")
    if len(out) == 1:
        out = [(None, out[0][1], doc)]
    return out


def _ref_name(ref: Any) -> str | None:
    # ["name", node, tensor] or a nested list of them, or a keras-tensor dict
    while isinstance(ref, list) and ref and isinstance(ref[0], list):
        ref = ref[0]
    if isinstance(ref, list) and ref and isinstance(ref[0], str):
        return ref[0]
    if isinstance(ref, dict):
        hist = (ref.get("config") or {}).get("keras_history")
        if isinstance(hist, list) and hist:
            return hist[0]
    return None


def _previous(layer: dict, owner: dict) -> dict | None:
    """The layer feeding ``layer`` (one input only), in a Sequential or Functional model."""
    layers = _layers(owner)
    if _is_sequential(owner):
        for i, candidate in enumerate(layers):
            if candidate is layer:
                return layers[i - 1] if i > 0 else None
        return None
    nodes = layer.get("inbound_nodes")
    if not isinstance(nodes, list) or len(nodes) != 1:
        return None
    node = nodes[0]
    names: list = []
    if isinstance(node, dict):  # Keras 3: {"args": [keras tensor...], "kwargs": {...}}
        for arg in node.get("args") or []:
            items = arg if isinstance(arg, list) else [arg]
            for item in items:
                name = _ref_name(item)
                if name is not None:
                    names.append(name)
    elif isinstance(node, list):  # Keras 2: [["name", 0, 0, {}], ...]
        for item in node:
            name = _ref_name(item)
            if name is not None:
                names.append(name)
    if len(names) != 1:
        return None
    for candidate in layers:
        if _layer_name(candidate) == names[0]:
            return candidate
    return None


def _canonical_activation(name, layer, data, notes):
    """The lint name of a layer's activation, or None with an LA302 note saying why not."""
    if name is None:
        notes.append(("LA302", {"reason": f"{_describe_layer(layer)} uses a custom activation"}))
        return None
    try:
        return lookup_activation(name, data)
    except UsageError:
        notes.append(("LA302", {"reason": f"{_describe_layer(layer)} uses the unknown activation '{name}'"}))
        return None


def _describe_layer(layer: dict) -> str:
    cls = layer.get("class_name", "?")
    name = _layer_name(layer)
    return f"{cls} '{name}'" if name else str(cls)


def _activation_name(value: Any) -> str | None:
    """A serialized activation -> its name, or None when it is custom."""
    if value is None:
        return "linear"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        cfg = value.get("config")
        if value.get("class_name") == "function" and isinstance(cfg, str):
            module = str(value.get("module") or "")
            if module.startswith("keras") or module in ("builtins", ""):
                return cfg
        if isinstance(value.get("class_name"), str) and isinstance(cfg, dict):
            return None
    return None


def _read_output(layer: dict, owner: dict, data, values: dict, display: dict, notes: list, depth: int) -> None:
    """Walk back from the output layer: outer activation, then the layer with units."""
    outer: tuple[str, str] | None = None  # (activation, how the file spells it)
    seen = 0
    while layer is not None and seen < 200:
        seen += 1
        if not isinstance(layer, dict):
            notes.append(("LA302", {"reason": "the output layer is not a layer config"}))
            return
        cls = layer.get("class_name")
        cfg = layer.get("config") if isinstance(layer.get("config"), dict) else {}
        spec = data.layers.get(cls)
        role = spec["role"] if spec else None
        if role in ("units", "activation", "model") and not isinstance(layer.get("config"), dict):
            # no config to read: an absent activation would otherwise read as linear
            notes.append(("LA302", {"reason": f"{_describe_layer(layer)} has no readable config"}))
            return
        if role is None:
            what = "a Lambda layer (its function is opaque)" if cls == "Lambda" else \
                f"the layer {_describe_layer(layer)} is of a type lint does not know"
            if _activation_known(outer, data):
                break  # the outer activation is known: that is what the loss sees
            notes.append(("LA302", {"reason": what}))
            return
        if role == "model":
            if depth >= MAX_DEPTH:
                notes.append(("LA302", {"reason": "models nested too deeply"}))
                return
            inner = {"class_name": cls, "config": cfg}
            try:
                inner_outputs = _output_layers(inner, "<nested model>")
            except InputError:
                notes.append(("LA302", {"reason": f"the nested model {_describe_layer(layer)} cannot be read"}))
                return
            if len(inner_outputs) != 1:
                notes.append(("LA302", {"reason": f"the nested model {_describe_layer(layer)} has several outputs"}))
                return
            sub_values: dict = {}
            sub_display: dict = {}
            _read_output(inner_outputs[0][1], inner, data, sub_values, sub_display, notes, depth + 1)
            if outer is None or outer[0] == "linear":
                if "activation" in sub_values:
                    values["activation"] = sub_values["activation"]
                    display["activation"] = sub_display.get("activation", sub_values["activation"])
            else:
                values["activation"], display["activation"] = outer
            if "units" in sub_values:
                values["units"] = sub_values["units"]
            return
        if role == "passthrough":
            layer = _previous(layer, owner)
            continue
        if role == "input":
            notes.append(("LA302", {"reason": "the model has no layer after its input"}))
            return
        if role == "activation":
            name = spec.get("activation")
            raw = name
            if name is None:
                raw = cfg.get(spec.get("activation_key", "activation"))
                name = _activation_name(raw)
            canonical = _canonical_activation(name, layer, data, notes)
            if canonical is None:
                return
            if outer is None or outer[0] == "linear":
                outer = (canonical, f"{canonical} (layer {_describe_layer(layer)})")
            layer = _previous(layer, owner)
            continue
        # role == "units"
        units_key = spec.get("units")
        units = layer_units(cfg.get(units_key) if units_key else None)
        if units is not None:
            values["units"] = units
        raw = cfg.get(spec.get("activation", "activation"))
        name = _activation_name(raw)
        if outer is not None and outer[0] != "linear":
            values["activation"], display["activation"] = outer
            return
        canonical = _canonical_activation(name, layer, data, notes)
        if canonical is None:
            return
        values["activation"] = canonical
        shown = f"units={units}, " if isinstance(units, int) else ""
        display["activation"] = f"{canonical} (layer '{_layer_name(layer)}': {cls}({shown}activation='{name}'))"
        return
    if outer is not None:
        values["activation"], display["activation"] = outer
        return
    notes.append(("LA302", {"reason": "no output layer found"}))


def layer_units(value: Any) -> int | None:
    """A layer's number of output units from its units argument: an int (``Dense(10)``), or the
    last axis of an output shape (``EinsumDense(..., output_shape=(None, 10))``); None otherwise."""
    if isinstance(value, (list, tuple)) and value:
        value = value[-1]
    return positive_int(value)


def _activation_known(outer, data) -> bool:
    return outer is not None and outer[0] != "linear"


# ------------------------------------------------------------------- the loss


def _losses_per_output(compile_config: Any, output_names: list, path: str) -> dict:
    """{output name or None: serialized loss}; {} when the model was not compiled with a loss."""
    if not isinstance(compile_config, dict) or compile_config.get("loss") is None:
        return {}
    loss = compile_config["loss"]
    if isinstance(loss, dict) and not _is_serialized_object(loss):
        return {str(k): v for k, v in loss.items() if v is not None}
    if isinstance(loss, list):
        named = [n for n in output_names]
        if len(loss) == 1:
            return {None: loss[0]}
        return {name: item for name, item in zip(named, loss, strict=False) if item is not None}
    return {None: loss}


def _names_output(compile_config: Any, out_name: str | None) -> bool:
    """Does a dict of losses name this output (with None for "no loss on purpose")?"""
    loss = compile_config.get("loss") if isinstance(compile_config, dict) else None
    return isinstance(loss, dict) and not _is_serialized_object(loss) and out_name in loss


def _is_serialized_object(value: dict) -> bool:
    return "class_name" in value and ("config" in value or "module" in value)


def _read_loss(loss: Any, data, values: dict, display: dict, notes: list) -> None:
    spelled = None
    from_logits = None
    reason = None
    if isinstance(loss, str):
        spelled = loss
    elif isinstance(loss, dict):
        cls = loss.get("class_name")
        cfg = loss.get("config")
        module = str(loss.get("module") or "")
        registered = loss.get("registered_name")
        if cls == "__lambda__":
            reason = "a lambda function"
            spelled = "<lambda>"
        elif cls == "function" and isinstance(cfg, str):
            if module.startswith("keras") or module in ("builtins", ""):
                spelled = cfg
            else:
                reason = f"the function {module}.{cfg}"
                spelled = cfg
        elif isinstance(cls, str):
            if module.startswith("keras") and (registered in (None, cls)):
                spelled = cls
                if isinstance(cfg, dict) and "from_logits" in cfg:
                    from_logits = cfg["from_logits"]
            else:
                spelled = registered if isinstance(registered, str) else cls
                reason = f"a custom loss class ({module + '.' if module else ''}{cls})"
        else:
            reason = "an unreadable loss entry"
            spelled = json.dumps(loss)[:60]
    else:
        reason = "an unreadable loss entry"
        spelled = json.dumps(loss, default=str)[:60]
    if reason is None:
        try:
            entry, _, _ = lookup_loss(spelled, data, "keras")
        except UsageError:
            reason = "not a loss lint knows"
        else:
            values["loss"] = spelled
            shown = f"{spelled}(from_logits={from_logits})" if isinstance(from_logits, bool) else spelled
            display["loss"] = shown
            if isinstance(from_logits, bool) and "from_logits" in entry["params"]:
                values["from_logits"] = from_logits
            return
    notes.append(("LA301", {"loss_spelling": spelled, "reason": reason}))


__all__ = ["layer_units", "looks_like_keras_config", "models_from_config", "read_keras"]
