"""The custom losses the generated programs carry (lossadvisor/frameworks/snippets/<framework>/<loss>.py)
against the NumPy reference, on a small fixed batch.

Each snippet file is a real module: imported from its path with its own constants (the
emitter fills them in for a program), its one function is called on the batch as the
programs call it, and its value must match ``lossadvisor.reference.<loss>``. A framework
that is not installed skips its snippets.

The snippets of losses with structured targets (ordinal levels, masks, label sequences,
survival times) carry heads and take lengths or events: each family's test module
(``tests/test_family_<family>.py``) tests them against the reference on its own batches.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
from pathlib import Path

import numpy as np
import pytest

from lossadvisor import reference as ref

SNIPPETS = Path(__file__).resolve().parent.parent / "lossadvisor" / "frameworks" / "snippets"
#: the snippets tested here: those of losses whose targets are values, labels or classes
FILES = sorted(p for p in SNIPPETS.glob("*/*.py") if not ref.SPECS[p.stem].structured)
#: framework -> the modules its snippets import
NEEDS = {"pytorch": ("torch",), "jax": ("jax", "optax"), "keras": ("keras",)}

RNG = np.random.default_rng(7)
N = 16
REAL = RNG.normal(0, 1.5, (N, 3))
RAW = RNG.normal(0, 1.5, (N, 3))
LABELS01 = (RNG.random((N, 3)) < 0.35).astype(float)
SIGNS = np.where(RNG.random((N, 3)) < 0.5, -1.0, 1.0)
ONEHOT = np.eye(4)[RNG.integers(0, 4, N)]
LOGITS4 = RNG.normal(0, 2, (N, 4))
COUNTS = RNG.poisson(3.0, (N, 3)).astype(float)


def _softplus(z):
    return np.logaddexp(0.0, z)


def _batch(loss: str, module):
    """(targets, raw model output, the reference value) for the snippet of ``loss``."""
    constant = lambda name, default=None: getattr(module, name, default)  # noqa: E731
    if loss == "mean_squared_logarithmic_error":
        y, raw = np.exp(REAL), np.exp(RAW)
        return y, raw, ref.mean_squared_logarithmic_error(y, raw)
    if loss == "log_cosh":
        return REAL, RAW, ref.log_cosh(REAL, RAW)
    if loss == "poisson":  # on the log rate
        return COUNTS, RAW, ref.poisson(COUNTS, np.exp(RAW))
    if loss == "gaussian_nll":
        k = constant("OUTPUTS")
        y, raw = REAL[:, :k], RNG.normal(0, 1.0, (N, 2 * k))
        return y, raw, ref.gaussian_nll(y, raw[:, :k], variance=_softplus(raw[:, k:]) + 1e-6)
    if loss == "quantile":
        k, levels = constant("OUTPUTS"), constant("QUANTILES")
        y, raw = REAL[:, :k], RNG.normal(0, 1.5, (N, k * len(levels)))
        return y, raw, ref.quantile(y, raw, quantiles=levels)
    if loss == "binary_crossentropy":  # the weighted one, with weight 1 per label
        assert np.all(np.asarray(constant("pos_weight")) == 1)
        return LABELS01, RAW, ref.binary_crossentropy(LABELS01, RAW, from_logits=True)
    if loss == "binary_focal_crossentropy":
        alpha = constant("ALPHA")
        balancing = {"apply_class_balancing": True, "alpha": alpha} if alpha >= 0 else {}
        return LABELS01, RAW, ref.binary_focal_crossentropy(LABELS01, RAW, from_logits=True,
                                                            gamma=constant("GAMMA"), **balancing)
    if loss in ("hinge", "squared_hinge"):
        scores = np.tanh(RAW)
        return SIGNS, scores, ref.LOSSES[loss](SIGNS, scores)
    if loss == "categorical_focal_crossentropy":
        return ONEHOT, LOGITS4, ref.categorical_focal_crossentropy(
            ONEHOT, LOGITS4, from_logits=True, alpha=constant("ALPHA"), gamma=constant("GAMMA"))
    raise AssertionError(f"no test batch for the snippet of {loss!r}: add one to _batch")


def _keras_backend() -> None:
    """Keras needs a backend: jax or torch when the variable names none and tensorflow is absent."""
    if not os.environ.get("KERAS_BACKEND") and importlib.util.find_spec("tensorflow") is None:
        backend = next((b for b in ("jax", "torch") if importlib.util.find_spec(b)), None)
        if backend is None:
            pytest.skip("keras has no backend installed")
        os.environ["KERAS_BACKEND"] = backend


def _import(path: Path):
    spec = importlib.util.spec_from_file_location(f"snippet_{path.parent.name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _value(framework: str, function, y: np.ndarray, raw: np.ndarray) -> float:
    """The snippet's loss on the batch, as the programs call it (Keras: y_true first, per-example values)."""
    y, raw = y.astype("float32"), raw.astype("float32")
    if framework == "pytorch":
        import torch

        return float(function(torch.from_numpy(raw), torch.from_numpy(y)).item())
    if framework == "jax":
        import jax.numpy as jnp

        return float(function(jnp.asarray(raw), jnp.asarray(y)))
    import keras

    value = function(keras.ops.convert_to_tensor(y), keras.ops.convert_to_tensor(raw))
    return float(np.mean(keras.ops.convert_to_numpy(value)))


def test_every_framework_has_snippets():
    assert {path.parent.name for path in FILES} == set(NEEDS)


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_snippet_matches_the_reference(path):
    framework, loss = path.parent.name, path.stem
    for module_name in NEEDS[framework]:
        if importlib.util.find_spec(module_name) is None:
            pytest.skip(f"{module_name} is not installed")
    if framework == "keras":
        _keras_backend()
    module = _import(path)
    functions = {id(f): f for f in vars(module).values()
                 if inspect.isfunction(f) and f.__module__ == module.__name__}
    assert len(functions) == 1, f"{path.name} defines one loss function"
    (function,) = functions.values()
    y, raw, expected = _batch(loss, module)
    assert _value(framework, function, y, raw) == pytest.approx(expected, rel=1e-4, abs=1e-6)


def test_snippet_comments_read_as_english():
    # "PyTorch has no a Dice loss" was in the emitted programs: no article after "has no"
    for path in sorted(SNIPPETS.glob("*/*.py")):
        text = path.read_text()
        for phrase in ("has no a ", "has no an "):
            assert phrase not in text, f"{path.parent.name}/{path.name}: {phrase!r}"
