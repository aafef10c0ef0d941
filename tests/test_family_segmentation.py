"""The segmentation family: dice, tversky, dice_crossentropy and the per-pixel cross-entropies.

Where each expected number comes from is said beside it: a hand computation, a closed form, or a
second formula written here with explicit loops. The frameworks (torch, keras on its NumPy backend,
jax + optax) are compared when installed. The emitted programs run in test_emitted_programs.py
(``-k segmentation``).
"""

from __future__ import annotations

import importlib.util
import json
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from lossadvisor import reference as ref
from lossadvisor.engine import recommend, resolve_answers
from lossadvisor.frameworks import framework_code
from lossadvisor.reference.activations import sigmoid, softmax

SNIPPETS = Path(__file__).resolve().parent.parent / "lossadvisor" / "frameworks" / "snippets"
EPS = Fraction(1, 10**7)
RNG = np.random.default_rng(12)
MASKS = (RNG.random((3, 5, 4, 2)) < 0.3).astype(float)
LOGITS = RNG.normal(0.0, 1.5, (3, 5, 4, 2))
ONE_HOT = np.eye(3)[RNG.integers(0, 3, (3, 5, 4))]
LOGITS3 = RNG.normal(0.0, 1.5, (3, 5, 4, 3))


def _loops(y, p, score):
    """The mean over images and channels of ``score(tp, fn, fp, t, s)``, the sums taken by explicit loops."""
    values = []
    for i in range(y.shape[0]):
        for k in range(y.shape[-1]):
            tp = fn = fp = t = s = 0.0
            for yy, pp in zip(y[i, ..., k].ravel(), p[i, ..., k].ravel()):
                tp += yy * pp
                fn += yy * (1 - pp)
                fp += (1 - yy) * pp
                t += yy
                s += pp
            values.append(score(tp, fn, fp, t, s))
    return sum(values) / len(values)


# ------------------------------------------------------------------ values by hand


def test_dice_by_hand():
    # image 1: Σyp = 1.5, Σy = 2, Σp = 2 -> 1 - 3/(4 + eps); image 2: perfect, 1 - 2/(2 + eps)
    y = [[[[1], [1]], [[0], [0]]], [[[1], [0]], [[0], [0]]]]
    p = [[[[0.5], [1]], [[0.5], [0]]], [[[1], [0]], [[0], [0]]]]
    expected = ((1 - 3 / (4 + EPS)) + (1 - 2 / (2 + EPS))) / 2
    assert ref.dice(y, p) == pytest.approx(float(expected), rel=1e-12)


def test_tversky_alpha_weights_the_false_negatives_as_keras_code():
    # one foreground pixel missed (FN = 1), none claimed wrongly (FP = 0): TP = 1
    y = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]]])
    p = np.array([[[[1.0], [0.0]], [[0.0], [0.0]]]])
    assert ref.tversky(y, p, alpha=0.7, beta=0.3) == pytest.approx(float(1 - 1 / (1 + Fraction(7, 10) + EPS)), rel=1e-12)
    assert ref.tversky(y, p, alpha=0.3, beta=0.7) == pytest.approx(float(1 - 1 / (1 + Fraction(3, 10) + EPS)), rel=1e-12)


def test_dice_crossentropy_by_hand():
    # cross-entropy (-log ½ - log ¾)/2; Dice 1 - 2·½/(1 + ¾ + eps)
    expected = (np.log(2) + np.log(4 / 3)) / 2 + float(1 - 1 / (Fraction(7, 4) + EPS))
    assert ref.dice_crossentropy([[[[1.0], [0.0]]]], [[[[0.5], [0.25]]]]) == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------------ second formulas


def test_dice_and_tversky_equal_the_loops():
    p = sigmoid(LOGITS)
    assert ref.dice(MASKS, p) == pytest.approx(_loops(MASKS, p, lambda tp, fn, fp, t, s: 1 - 2 * tp / (t + s + 1e-7)), rel=1e-12)
    assert ref.tversky(MASKS, p, alpha=0.7, beta=0.2) == pytest.approx(
        _loops(MASKS, p, lambda tp, fn, fp, t, s: 1 - tp / (tp + 0.7 * fn + 0.2 * fp + 1e-7)), rel=1e-12)


def test_tversky_at_one_half_is_dice_up_to_where_the_epsilon_sits():
    # 1 - TP/(TP + ½FN + ½FP + eps) = 1 - 2TP/(Σy + Σp + 2 eps)
    p = sigmoid(LOGITS)
    assert ref.tversky(MASKS, p) == pytest.approx(ref.dice(MASKS, p), rel=1e-6)


def test_many_blocks_and_float32_agree_with_the_whole_array_formula():
    # 40 images of 64 x 64 x 2 = 8192 values each: blocks of 8 images
    rng = np.random.default_rng(3)
    y = (rng.random((40, 64, 64, 2)) < 0.1).astype(np.float32)
    p = rng.random((40, 64, 64, 2)).astype(np.float32)
    y64, p64 = y.astype(float), p.astype(float)
    whole = (1 - 2 * (y64 * p64).sum(axis=(1, 2)) / (y64.sum(axis=(1, 2)) + p64.sum(axis=(1, 2)) + 1e-7)).mean()
    assert ref.dice(y, p) == pytest.approx(whole, rel=1e-12)


def test_dice_crossentropy_is_its_crossentropy_plus_dice():
    # binary: the mean per-element cross-entropy written out; exclusive: the categorical one over channels
    p = sigmoid(LOGITS)
    bce = -(MASKS * np.log(p) + (1 - MASKS) * np.log(1 - p)).mean()
    assert ref.dice_crossentropy(MASKS, LOGITS, from_logits=True) == pytest.approx(bce + ref.dice(MASKS, p), rel=1e-10)
    q = softmax(LOGITS3)
    cce = -(ONE_HOT * np.log(q)).sum(axis=-1).mean()
    assert ref.dice_crossentropy(ONE_HOT, LOGITS3, from_logits=True, exclusive=True) == pytest.approx(
        cce + ref.dice(ONE_HOT, q), rel=1e-10)
    assert ref.dice_crossentropy(ONE_HOT, q, exclusive=True) == pytest.approx(cce + ref.dice(ONE_HOT, q), rel=1e-9)


@pytest.mark.parametrize(("loss", "params", "y", "z", "activation"), [
    ("dice", {}, MASKS, LOGITS, sigmoid),
    ("tversky", {"alpha": 0.7, "beta": 0.3}, ONE_HOT, LOGITS3, softmax),
    ("dice_crossentropy", {"from_logits": True}, MASKS, LOGITS, None),
    ("dice_crossentropy", {"from_logits": True, "exclusive": True}, ONE_HOT, LOGITS3, None),
])
def test_the_gradient_equals_central_differences(loss, params, y, z, activation):
    from lossadvisor.reference.activations import activation_vjp

    def f(zz):
        return ref.LOSSES[loss](y, zz if activation is None else activation(zz), **params)

    if activation is None:
        analytic = ref.loss_gradient(loss, y, z, **params)
    else:
        name = "sigmoid" if activation is sigmoid else "softmax"
        analytic = activation_vjp(name, z, ref.loss_gradient(loss, y, activation(z), **params))
    numeric = np.zeros_like(z)
    for i in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        numeric[i] = (f(up) - f(down)) / 2e-6
    assert np.allclose(analytic, numeric, rtol=1e-5, atol=1e-9)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(("y", "p", "kw", "message"), [
    (np.zeros((2, 4, 4)), np.zeros((2, 4, 4, 1)), {}, "y[..., None]"),
    (np.zeros((2, 4, 4)), np.full((2, 4, 4, 3), 1 / 3), {}, "np.eye(3)[y]"),
    (np.zeros((2, 4)), np.zeros((2, 4)), {}, "(N, H, W, C)"),
    (np.zeros((1, 2, 2, 1)), np.array([[[[2.5], [0]], [[0], [0]]]]), {}, "probabilit"),
    (np.array([[[[255.0], [0]], [[0], [0]]]]), np.zeros((1, 2, 2, 1)), {}, "holds 255"),
    (np.zeros((1, 2, 2, 1)), np.array([[[[np.nan], [0]], [[0], [0]]]]), {}, "NaN"),
    (np.zeros((0, 2, 2, 1)), np.zeros((0, 2, 2, 1)), {}, "empty"),
])
@pytest.mark.parametrize("loss", ["dice", "tversky", "dice_crossentropy"])
def test_bad_inputs_are_value_errors_naming_the_problem(loss, y, p, kw, message):
    if loss == "dice_crossentropy" and message == "probabilit":
        message = "y_pred"
    with pytest.raises(ValueError) as err:
        ref.LOSSES[loss](y, p, **kw)
    assert message in str(err.value)


def test_tversky_refuses_a_negative_weight():
    with pytest.raises(ValueError, match="alpha must be a non-negative"):
        ref.tversky(MASKS, sigmoid(LOGITS), alpha=-0.1)


# ------------------------------------------------------------------ frameworks

def _needs(*modules):
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")


def _keras():
    _needs("keras")
    if "keras" not in __import__("sys").modules and not os.environ.get("KERAS_BACKEND"):
        os.environ["KERAS_BACKEND"] = "numpy" if importlib.util.find_spec("tensorflow") is None else "tensorflow"
    import keras

    return keras


def _snippet(framework: str, loss: str):
    path = SNIPPETS / framework / f"{loss}.py"
    spec = importlib.util.spec_from_file_location(f"seg_snippet_{framework}_{loss}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: the extreme cases: logits of ±30 (sigmoid 1 - 1e-13), and probabilities exactly 0 and 1 with an empty image
EMPTY_AND_FULL = np.concatenate([np.zeros((1, 2, 2, 1)), np.ones((1, 2, 2, 1))])


def test_pytorch_snippets_equal_the_reference():
    _needs("torch")
    import torch

    T = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    p = sigmoid(LOGITS)
    assert float(_snippet("pytorch", "dice").soft_dice_loss(T(p), T(MASKS))) == pytest.approx(ref.dice(MASKS, p), rel=1e-12)
    tversky = _snippet("pytorch", "tversky").tversky_loss
    assert float(tversky(T(p), T(MASKS), alpha=0.7, beta=0.3)) == pytest.approx(
        ref.tversky(MASKS, p, alpha=0.7, beta=0.3), rel=1e-12)
    combined = _snippet("pytorch", "dice_crossentropy").dice_crossentropy_loss
    assert float(combined(T(LOGITS), T(MASKS))) == pytest.approx(ref.dice_crossentropy(MASKS, LOGITS, from_logits=True), rel=1e-10)
    assert float(combined(T(LOGITS3), T(ONE_HOT), exclusive=True)) == pytest.approx(
        ref.dice_crossentropy(ONE_HOT, LOGITS3, from_logits=True, exclusive=True), rel=1e-10)
    assert float(_snippet("pytorch", "dice").soft_dice_loss(T(EMPTY_AND_FULL), T(EMPTY_AND_FULL))) == pytest.approx(
        ref.dice(EMPTY_AND_FULL, EMPTY_AND_FULL), rel=1e-12)  # (1 + 0) / 2: the empty image scores 1


def test_jax_snippet_equals_the_reference():
    _needs("jax", "optax")
    import jax.numpy as jnp

    combined = _snippet("jax", "dice_crossentropy").dice_crossentropy
    assert float(combined(jnp.asarray(LOGITS, jnp.float32), jnp.asarray(MASKS, jnp.float32))) == pytest.approx(
        ref.dice_crossentropy(MASKS, LOGITS, from_logits=True), rel=1e-5)
    assert float(combined(jnp.asarray(LOGITS3, jnp.float32), jnp.asarray(ONE_HOT, jnp.float32), exclusive=True)) == pytest.approx(
        ref.dice_crossentropy(ONE_HOT, LOGITS3, from_logits=True, exclusive=True), rel=1e-5)


def test_keras_snippet_equals_the_reference_also_on_a_squeezed_binary_mask():
    keras = _keras()
    combined = _snippet("keras", "dice_crossentropy").dice_crossentropy
    value = lambda y, z, **kw: float(keras.ops.convert_to_numpy(combined(y.astype("float32"), z.astype("float32"), **kw)))  # noqa: E731
    assert value(MASKS, LOGITS) == pytest.approx(ref.dice_crossentropy(MASKS, LOGITS, from_logits=True), rel=1e-5)
    assert value(ONE_HOT, LOGITS3, exclusive=True) == pytest.approx(
        ref.dice_crossentropy(ONE_HOT, LOGITS3, from_logits=True, exclusive=True), rel=1e-5)
    # through the wrapper compile puts a loss function in (keras/src/trainers/compile_utils.py get_loss),
    # as fit calls it: a (N, H, W) mask against a (N, H, W, 1) output, squeezed to (N, H, W)
    from keras.src.losses.losses import LossFunctionWrapper

    wrapped = LossFunctionWrapper(combined)
    y3, z4 = MASKS[..., :1], LOGITS[..., :1]
    got = float(keras.ops.convert_to_numpy(wrapped(y3[..., 0].astype("float32"), z4.astype("float32"))))
    assert got == pytest.approx(ref.dice_crossentropy(y3, z4, from_logits=True), rel=1e-5)


@pytest.mark.parametrize(("y", "p"), [(MASKS, sigmoid(LOGITS)), (ONE_HOT, softmax(LOGITS3)),
                                      (MASKS, sigmoid(30 * np.sign(LOGITS))), (EMPTY_AND_FULL, EMPTY_AND_FULL)],
                         ids=["random", "one-hot", "saturated", "empty-and-full"])
def test_keras_dice_and_tversky_agree_with_the_axis_of_the_spatial_axes(y, p):
    keras = _keras()
    y32, p32 = y.astype("float32"), p.astype("float32")
    k = lambda loss: float(keras.ops.convert_to_numpy(loss(y32, p32)))  # noqa: E731
    assert k(keras.losses.Dice(axis=(1, 2))) == pytest.approx(ref.dice(y, p), rel=2e-6, abs=1e-6)
    # alpha != beta: the same value only if alpha weights the false negatives in both
    assert k(keras.losses.Tversky(alpha=0.8, beta=0.1, axis=(1, 2))) == pytest.approx(
        ref.tversky(y, p, alpha=0.8, beta=0.1), rel=2e-6, abs=1e-6)
    # the default axis=None is one batch-wide score, not the mean per image (except by chance)
    if y.shape[0] > 1 and not np.array_equal(y, EMPTY_AND_FULL):
        assert k(keras.losses.Dice()) != pytest.approx(ref.dice(y, p), rel=1e-3)


@pytest.mark.parametrize(("y", "z"), [(MASKS, LOGITS), (MASKS, 30 * np.sign(LOGITS))], ids=["random", "saturated"])
def test_optax_dice_loss_agrees_with_alpha_and_beta_swapped(y, z):
    _needs("jax", "optax")
    import jax.numpy as jnp
    import optax

    moved = lambda a: jnp.moveaxis(jnp.asarray(a, jnp.float32), -1, 1)[..., None]  # noqa: E731
    got = optax.losses.dice_loss(moved(z), moved(y), axis=(2, 3), smooth=1e-7, alpha=0.1, beta=0.8).mean()
    assert float(got) == pytest.approx(ref.tversky(y, sigmoid(z), alpha=0.8, beta=0.1), rel=2e-5, abs=1e-6)


def test_optax_smoothing_differs_from_keras_only_on_an_empty_mask_predicted_empty():
    _needs("jax", "optax")
    import jax.numpy as jnp
    import optax

    z = np.where(EMPTY_AND_FULL > 0, 30.0, -30.0)
    got = optax.losses.dice_loss(jnp.asarray(z, jnp.float32), jnp.asarray(EMPTY_AND_FULL, jnp.float32), smooth=1e-7)
    # optax: (0 + s)/(0 + s) = 1 for the empty image, loss 0; Keras/reference: 0/(0 + eps), loss 1
    assert np.asarray(got)[0] == pytest.approx(0.0, abs=1e-5)  # sigmoid(-30) = 9e-14 per pixel: 1 - s/(s + 2e-13)
    assert ref.dice(EMPTY_AND_FULL[:1], sigmoid(z[:1])) == pytest.approx(1.0, abs=1e-6)


def test_the_empty_mask_warning_says_what_optax_gives(run_cli):
    # optax puts smooth in the numerator and the denominator: (0 + s) / (0.5 (P + 0) + s) is ~0 for an
    # empty mask with any predicted pixels (loss ~1), and 1 (loss 0) only when the prediction is empty too
    _needs("jax", "optax")
    import jax.numpy as jnp
    import optax

    empty = jnp.zeros((2, 2, 2, 1), jnp.float32)
    z = jnp.asarray(np.stack([np.full((2, 2, 1), 30.0), np.full((2, 2, 1), -30.0)]), jnp.float32)
    got = np.asarray(optax.losses.dice_loss(z, empty, smooth=1e-7))
    assert got[0] == pytest.approx(1.0, abs=1e-6)  # 1 - 1e-7 / (0.5 * 4 + 1e-7)
    assert got[1] == pytest.approx(0.0, abs=1e-5)  # sigmoid(-30) = 9e-14 per pixel: 1 - s / (s + 1.9e-13)
    code, out, err = run_cli("recommend", "--task", "segmentation", "--masks", "binary", "--imbalance", "moderate",
                             "--framework", "jax", "--no-input", "--no-check", "--json")
    assert code == 0, err
    (warning,) = [w for w in json.loads(out)["warnings"] if "optax" in w]
    assert "empty predicted empty scores 0" in warning and "makes it 0" not in warning


# ------------------------------------------------------------------ checks


def test_check_passes_for_the_three_losses(run_cli):
    code, out, _ = run_cli("check", "dice", "tversky", "dice_crossentropy", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["passed"], [r for r in doc["results"] if r["passed"] is False]
    names = {(r["loss"], r["name"]): r["passed"] for r in doc["results"]}
    assert names[("dice", "maximum likelihood")] is None  # not a likelihood, says so
    assert names[("dice_crossentropy", "maximum likelihood")] is True  # its cross-entropy part is one


@pytest.mark.parametrize(("masks", "imbalance", "rule", "loss", "units", "activation"), [
    ("binary", "none", "segmentation-binary", "binary_crossentropy", 1, "sigmoid"),
    ("multilabel", "none", "segmentation-multilabel", "binary_crossentropy", 4, "sigmoid"),
    ("multiclass", "none", "segmentation-multiclass", "sparse_categorical_crossentropy", 4, "softmax"),
    ("binary", "moderate", "segmentation-binary-rare", "dice_crossentropy", 1, "sigmoid"),
    ("multiclass", "moderate", "segmentation-multiclass-rare", "dice_crossentropy", 4, "softmax"),
    ("multilabel", "severe", "segmentation-multilabel-severe", "tversky", 4, "sigmoid"),
    ("multiclass", "severe", "segmentation-multiclass-severe", "tversky", 4, "softmax"),
])
def test_rules_by_flags(run_cli, masks, imbalance, rule, loss, units, activation):
    classes = ["--classes", "4"] if masks != "binary" else []
    code, out, err = run_cli("recommend", "--task", "segmentation", "--masks", masks, *classes, "--imbalance", imbalance,
                             "--framework", "keras", "--no-input", "--no-check", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["rule"], doc["loss"]["id"], doc["output"]) == (rule, loss, {"units": units, "activation": activation})


def test_rules_by_prompts_ask_masks_before_the_classes(rb):
    asked = []
    typed = {"task": "segmentation", "masks": "multilabel", "classes": "5", "imbalance": "severe", "framework": "jax"}

    def ask(question, answers):
        asked.append(question.id)
        return typed[question.id]

    answers, sources = resolve_answers(rb, {}, ask=ask)
    assert asked == ["task", "masks", "classes", "imbalance", "framework"]
    rec = recommend(rb, answers, sources)
    assert (rec.rule, rec.loss, rec.units, rec.params) == ("segmentation-multilabel-severe", "tversky", 5,
                                                           {"alpha": 0.7, "beta": 0.3})


@pytest.mark.parametrize("framework", ["pytorch", "keras", "jax"])
@pytest.mark.parametrize("masks", ["binary", "multiclass", "multilabel"])
def test_programs_are_per_pixel(rb, framework, masks):
    for imbalance in ("none", "moderate", "severe"):
        answers, sources = resolve_answers(rb, {"task": "segmentation", "masks": masks, "imbalance": imbalance,
                                                "framework": framework})
        code = framework_code(recommend(rb, answers, sources), rb)
        compile(code["code"], "program.py", "exec")
        assert "x = rng.normal(size=(n, height, width, n_features))" in code["code"]
        assert ("keras.Input(shape=(height, width, n_features))" in code["code"]) == (framework == "keras")
        assert ("np.eye(classes" in code["code"]) == (masks == "multiclass" and imbalance != "none")
        assert "(batch, 8, 8" in code["labels"]


@pytest.mark.parametrize("masks, activation", [("multilabel", "sigmoid"), ("multiclass", "softmax")])
def test_keras_tversky_program_names_its_own_activation(rb, masks, activation):
    # the multiclass program's layer is a softmax: a comment saying "the sigmoid is in the layer" was wrong there
    answers, sources = resolve_answers(rb, {"task": "segmentation", "masks": masks, "imbalance": "severe",
                                            "framework": "keras", "classes": 4})
    program = framework_code(recommend(rb, answers, sources), rb)["code"]
    assert f'activation="{activation}"' in program
    other = {"sigmoid": "softmax", "softmax": "sigmoid"}[activation]
    assert other not in program


def test_plot_of_one_pixel(tmp_path, rb):
    from lossadvisor.plot import loss_curve, plot_plan

    plan = plot_plan(rb, "dice")
    assert [c["loss"] for c in plan["curves"]] == ["dice", "binary_crossentropy"]
    # the picture's image: the drawn foreground pixel at p = ½ with 3 more foreground pixels at 0.8 and
    # 12 background ones at 0.1: Σyp = 2.4 + ½, Σy = 4, Σp = 3.6 + ½
    value, grad = loss_curve("dice", "sigmoid", np.array([0.0]), 1.0)
    assert value[0] == pytest.approx(1 - 2 * 2.9 / (4 + 4.1 + 1e-7), rel=1e-12)
    z = np.linspace(-6, 6, 13)
    for loss, params in (("dice", {}), ("tversky", {"alpha": 0.7, "beta": 0.3}), ("dice_crossentropy", {})):
        v, g = loss_curve(loss, "sigmoid", z, 1.0, params)
        up, _ = loss_curve(loss, "sigmoid", z + 1e-6, 1.0, params)
        down, _ = loss_curve(loss, "sigmoid", z - 1e-6, 1.0, params)
        assert np.allclose(g, (up - down) / 2e-6, rtol=1e-5, atol=1e-10)
    if importlib.util.find_spec("matplotlib"):
        from lossadvisor.plot import plot_loss

        assert plot_loss(rb, "tversky", str(tmp_path / "tversky.png"))["losses"] == ["tversky", "dice", "binary_crossentropy"]


# ------------------------------------------------------------------ exclusive classes need one-hot channels


@pytest.mark.parametrize("y, p, message", [
    # one channel cannot hold exclusive classes (a binary mask is exclusive=False)
    (MASKS[..., :1], LOGITS[..., :1], "has shape (3, 5, 4, 1): exclusive=True needs one channel per class"),
    # overlapping masks: pixel (0, 0, 0) of this target is on in both channels, its row sums to 2
    (np.ones((1, 2, 2, 2)), np.zeros((1, 2, 2, 2)), "y_true[0, 0, 0, :] sums to 2 over the channels"),
    # an empty pixel (background left out): the row of pixel (0, 1, 0) sums to 0
    (np.array([[[[1.0, 0.0]], [[0.0, 0.0]]]]), np.zeros((1, 2, 1, 2)), "y_true[0, 1, 0, :] sums to 0"),
])
def test_dice_crossentropy_exclusive_rejects_targets_that_are_not_one_hot(y, p, message):
    with pytest.raises(ValueError) as err:
        ref.dice_crossentropy(y, p, from_logits=True, exclusive=True)
    assert message in str(err.value)


def test_dice_crossentropy_exclusive_takes_soft_rows_that_sum_to_one():
    # label-smoothed rows (0.9, 0.05, 0.05) sum to 1: accepted, and still cross-entropy + Dice
    soft = ONE_HOT * 0.85 + 0.05
    q = softmax(LOGITS3)
    expected = ref.categorical_crossentropy(soft, q) + ref.dice(soft, q)
    assert ref.dice_crossentropy(soft, q, exclusive=True) == pytest.approx(expected, rel=1e-12)
