"""The ordinal family: cumulative_link, corn and coral.

The references against values worked out by hand and against second formulas, their
ValueErrors, the snippets of each installed framework against the references, the cut-point
parameterisation of the generated heads, the rule reached by flags and by the prompts, the
checks, the picture, and the cut-points of a trained program. The programs themselves run in
tests/test_emitted_programs.py (``-k ordinal``).
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

from conftest import PYTHON, ROOT, python_env
from lossadvisor import reference as ref
from lossadvisor.engine import recommend, resolve_answers
from lossadvisor.frameworks import framework_code
from lossadvisor.frameworks.pieces import pieces, snippet_path
from lossadvisor.frameworks.problem import make_problem
from lossadvisor.rulebase import load_rulebase

RB = load_rulebase()
ORDINAL = ("cumulative_link", "corn", "coral")
NEEDS = {"pytorch": ("torch",), "jax": ("jax", "optax"), "keras": ("keras",)}
LN2, LN3 = math.log(2.0), math.log(3.0)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _batch(seed: int, rows: int = 40, levels: int = 5):
    """Levels covering 0..levels-1, scores, ordered cut-points and per-task logits."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(rows) % levels)
    score = rng.normal(0.0, 1.5, rows)
    cut = np.cumsum(np.concatenate([[-2.0], rng.uniform(0.3, 1.5, levels - 2)]))
    logits = rng.normal(0.0, 2.0, (rows, levels - 1))
    return y, score, cut, logits


def _require(framework: str):
    for module in NEEDS[framework]:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed")
    if framework == "keras":
        from lossadvisor.checks import load_framework

        load_framework("keras")  # the NumPy backend unless KERAS_BACKEND (or tensorflow) says otherwise


# ------------------------------------------------------------------ values by hand


def test_worked_values_by_hand():
    # cut-points 0 and ln 3: level 0 at f = 0 has P = sigmoid(0) = 1/2; level 1 at f = 0 has
    # P = sigmoid(ln 3) - sigmoid(0) = 3/4 - 1/2 = 1/4; level 2 at f = ln 3 has P = 1 - sigmoid(0) = 1/2:
    # mean (ln 2 + ln 4 + ln 2) / 3 = 4 ln 2 / 3
    assert ref.cumulative_link([0, 1, 2], [0.0, 0.0, LN3], cutpoints=[0.0, LN3]) == pytest.approx(4 * LN2 / 3,
                                                                                                 rel=1e-12)
    # CORN: level 0 keeps task 0 (target 0): ln 2; level 1 keeps tasks 0 (target 1) and 1 (target 0):
    # -log 0.8 - log 0.75 = ln(5/3); level 2 keeps both (targets 1): 2 ln 2; 5 pairs kept
    assert ref.corn([0, 1, 2], [[0.5, 0.5], [0.8, 0.25], [0.5, 0.5]]) == pytest.approx(
        (3 * LN2 + math.log(5 / 3)) / 5, rel=1e-12)
    # CORAL: level 0, targets (0, 0): -log 0.5 - log 0.8; level 2, targets (1, 1): -log 0.8 - log 0.5;
    # mean ln 2 + ln(5/4) = ln(5/2)
    assert ref.coral([0, 2], [[0.5, 0.2], [0.8, 0.5]]) == pytest.approx(math.log(2.5), rel=1e-12)


def test_catalog_worked_examples_hold():
    for loss in ORDINAL:
        ex = RB.losses[loss]["worked_example"]
        got = ref.LOSSES[loss](ex["y_true"], ex["y_pred"], **(ex.get("params") or {}))
        assert got == pytest.approx(ex["expected"], rel=1e-12)


# ------------------------------------------------------------------ second formulas


def test_cumulative_link_equals_the_level_probabilities_written_out():
    y, score, cut, _ = _batch(1)
    cumulative = _sigmoid(cut[None, :] - score[:, None])  # P(y <= k)
    pmf = np.diff(np.hstack([np.zeros((y.size, 1)), cumulative, np.ones((y.size, 1))]), axis=1)
    assert np.allclose(pmf.sum(axis=1), 1.0)
    expected = -np.log(pmf[np.arange(y.size), y]).mean()
    assert ref.cumulative_link(y, score, cutpoints=cut) == pytest.approx(expected, rel=1e-12)
    # a (N, 1) column of scores is the same
    assert ref.cumulative_link(y, score[:, None], cutpoints=cut) == pytest.approx(expected, rel=1e-12)


def test_two_levels_are_binary_crossentropy():
    # K = 2: P(y = 1) = 1 - sigmoid(cut - f) = sigmoid(f - cut): logistic regression on the logit f - cut
    y, score, _, logits = _batch(2, levels=2)
    assert ref.cumulative_link(y, score, cutpoints=[0.4]) == pytest.approx(
        ref.binary_crossentropy(y.astype(float), score - 0.4, from_logits=True), rel=1e-12)
    # CORN and CORAL with one task: every row keeps it, the target is y itself
    for loss in ("corn", "coral"):
        assert ref.LOSSES[loss](y, logits, from_logits=True) == pytest.approx(
            ref.binary_crossentropy(y[:, None].astype(float), logits, from_logits=True), rel=1e-12)


def test_corn_equals_the_task_by_task_sum():
    # coral-pytorch's corn_loss, written as its loop: task k on the rows with y > k - 1, target y > k
    y, _, _, logits = _batch(3)
    total, pairs = 0.0, 0
    for k in range(logits.shape[1]):
        rows = y > k - 1
        p = _sigmoid(logits[rows, k])
        t = (y[rows] > k).astype(float)
        total += -(t * np.log(p) + (1 - t) * np.log(1 - p)).sum()
        pairs += int(rows.sum())
    assert ref.corn(y, logits, from_logits=True) == pytest.approx(total / pairs, rel=1e-12)
    assert ref.corn(y, _sigmoid(logits)) == pytest.approx(total / pairs, rel=1e-6)  # probabilities, clipped at 1e-7


def test_coral_equals_the_sum_of_binary_crossentropies():
    y, _, _, logits = _batch(4)
    levels = (y[:, None] > np.arange(logits.shape[1])).astype(float)  # levels_from_labelbatch
    per_task = ref.binary_crossentropy(levels, logits, from_logits=True)  # the mean over N x (K - 1)
    assert ref.coral(y, logits, from_logits=True) == pytest.approx(per_task * logits.shape[1], rel=1e-12)
    assert ref.coral(y, _sigmoid(logits)) == pytest.approx(per_task * logits.shape[1], rel=1e-6)


def test_cumulative_link_is_finite_far_from_its_cut_points():
    # f = ±1e4: -log P(level 0 | f = 1e4) = softplus(f - cut_0) = 1e4 + 1 exactly in float64
    assert ref.cumulative_link([0], [1e4], cutpoints=[-1.0, 1.0]) == pytest.approx(1e4 + 1.0, rel=1e-12)
    assert ref.cumulative_link([2], [1e4], cutpoints=[-1.0, 1.0]) == pytest.approx(0.0, abs=1e-300)
    assert math.isfinite(ref.cumulative_link([1], [-1e4], cutpoints=[-1.0, 1.0]))


# ------------------------------------------------------------------ ValueErrors


@pytest.mark.parametrize("loss, y, pred, kwargs, message", [
    # ratings 1..3 with 3 levels: the top one overflows, and the message says why
    ("cumulative_link", [1, 2, 3], [0.0, 0.0, 0.0], {"cutpoints": [0.0, 1.0]}, "numbered from 1 (1..3)"),
    ("corn", [1, 2, 3], [[0.5, 0.5]] * 3, {}, "shift them to 0..2 with y - 1"),
    ("coral", [1, 2, 3], [[0.5, 0.5]] * 3, {}, "numbered from 1"),
    ("cumulative_link", [0, 5], [0.0, 0.0], {"cutpoints": [0.0, 1.0]}, "level 5 at index 1, outside 0..2"),
    ("cumulative_link", [0, -1], [0.0, 0.0], {"cutpoints": [0.0, 1.0]}, "level -1 at index 1"),
    ("cumulative_link", [0, 1.5], [0.0, 0.0], {"cutpoints": [0.0, 1.0]}, "integer levels 0..2, but holds 1.5"),
    ("corn", [0, np.nan], [[0.5, 0.5]] * 2, {}, "but holds NaN at index 1"),
    # unordered and tied cut-points
    ("cumulative_link", [0, 1], [0.0, 0.0], {"cutpoints": [1.0, 0.0]}, "cutpoints[1] = 0 <= cutpoints[0] = 1"),
    ("cumulative_link", [0, 1], [0.0, 0.0], {"cutpoints": [0.0, 0.5, 0.5]}, "strictly increasing"),
    ("cumulative_link", [0, 1], [0.0, 0.0], {"cutpoints": [0.0, np.nan]}, "cutpoints[1] is NaN"),
    ("cumulative_link", [0, 1], [0.0, 0.0], {"cutpoints": []}, "cutpoints has shape (0,)"),
    ("cumulative_link", [0, 1], [0.0, 0.0], {"cutpoints": None}, "needs cutpoints="),
    # shapes
    ("cumulative_link", [0, 1], [[0.0, 0.0], [0.0, 0.0]], {"cutpoints": [0.0, 1.0]}, "one score per row"),
    ("cumulative_link", [0, 1, 2], [0.0, 0.0], {"cutpoints": [0.0, 1.0]}, "y_true has shape (3,)"),
    ("corn", [0, 1], [0.5, 0.5], {}, "must be (rows, levels - 1)"),
    ("coral", [[0, 0], [1, 0]], [[0.5, 0.5]] * 2, {}, "levels.sum(axis=1)"),  # coral-pytorch's levels matrix
    # NaN and values outside [0, 1]
    ("cumulative_link", [0, 1], [0.0, np.nan], {"cutpoints": [0.0, 1.0]}, "y_pred contains NaN at index 1"),
    ("coral", [0, 1], [[0.5, np.nan]] * 2, {"from_logits": True}, "y_pred contains NaN at index (0, 1)"),
    ("coral", [0, 1], [[0.5, 1.5]] * 2, {}, "must be a probability in [0, 1]"),
    # infinities, as every other reference says them (they gave NaN or inf)
    ("cumulative_link", [0, 1], [np.inf, 0.0], {"cutpoints": [0.0, 1.0]}, "y_pred contains an infinite value at index 0"),
    ("corn", [0, 1], [[np.inf, 0.0]] * 2, {"from_logits": True}, "y_pred contains an infinite value at index (0, 0)"),
    ("coral", [0, 1], [[0.0, -np.inf]] * 2, {"from_logits": True}, "y_pred contains an infinite value at index (0, 1)"),
    ("coral", [0, 1], [[0.5, np.inf]] * 2, {}, "y_pred contains an infinite value at index (0, 1)"),
    ("corn", [0, np.inf], [[0.5, 0.5]] * 2, {}, "integer levels 0..2, but holds inf at index 1"),
    # cut-points whose difference overflows float64 (1e308 - (-1e308)): the loss came out 5e307
    ("cumulative_link", [1, 2], [0.0, 0.0], {"cutpoints": [-1e308, 1e308]}, "cutpoints[1] - cutpoints[0] = "
     "1e+308 - (-1e+308) overflows float64"),
    # booleans are a binary target, not levels (True read as level 1)
    ("cumulative_link", np.array([True, False]), [0.0, 0.0], {"cutpoints": [-1.0, 1.0]}, "y_true holds booleans"),
    ("corn", np.array([True, False]), [[0.5, 0.5]] * 2, {}, "binary target (binary_crossentropy), not 3 ordered"),
])
def test_bad_inputs_are_value_errors_that_say_what(loss, y, pred, kwargs, message):
    with pytest.raises(ValueError) as caught:
        ref.LOSSES[loss](y, pred, **kwargs)
    assert message in str(caught.value)


# ------------------------------------------------------------------ the rule, by flags and by the prompts
# (before any test imports jax: the terminal test forks)


@pytest.mark.parametrize("classes, imbalance", [(3, "none"), (5, "moderate"), (11, "severe")])
def test_flags_reach_the_ordinal_rule(run_cli, classes, imbalance):
    code, out, err = run_cli("recommend", "--task", "ordinal", "--classes", str(classes), "--imbalance", imbalance,
                             "--framework", "jax", "--json", "--no-check")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["rule"] == "ordinal-default"
    assert doc["loss"]["id"] == "cumulative_link"
    assert doc["output"]["units"] == 1 and doc["output"]["activation"] == "linear"
    assert doc["output"]["heads"] == [{"name": "cutpoints", "units": classes - 1, "activation": "linear"}]
    assert [a["loss"] for a in doc["alternatives"]] == ["corn", "coral", "sparse_categorical_crossentropy"]
    assert any("cumulative product" in w for w in doc["warnings"])
    assert any("0 .. classes-1" in w for w in doc["warnings"])
    assert (imbalance != "none") == any("Rare extreme levels" in w for w in doc["warnings"])
    assert doc["framework"]["labels"] == f"int64 ordered levels 0 .. classes-1 ({classes} levels), shape (batch,)"
    assert f'"cut_raw_gaps": jnp.zeros({classes} - 2),' in doc["framework"]["code"]


def test_fewer_than_three_levels_are_refused(run_cli):
    code, out, err = run_cli("recommend", "--task", "ordinal", "--classes", "2", "--json", "--no-check")
    assert code == 2 and out == ""
    assert "expected an integer >= 3" in err


def test_prompts_reach_the_ordinal_rule(monkeypatch):
    import io

    from lossadvisor.cli.prompts import make_asker

    typed = io.StringIO("ordinal\n4\nmod\npy\n")  # task, classes, imbalance, framework
    monkeypatch.setattr(sys, "stdin", typed)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    answers, sources = resolve_answers(RB, {}, ask=make_asker(every_question=True))
    assert answers == {"task": "ordinal", "classes": 4, "imbalance": "moderate", "framework": "pytorch"}
    assert set(sources.values()) == {"prompt"}
    assert recommend(RB, answers, sources).rule == "ordinal-default"


def test_prompts_in_a_terminal_reach_the_ordinal_rule():
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(PYTHON, ["-m", "lossadvisor", "recommend", "--json", "--no-check"],
                          env=python_env(NO_COLOR="1"), encoding="utf-8", timeout=30, dimensions=(50, 140))
    child.expect(r"task .*: ")
    child.sendline("ord")  # a unique start
    child.expect(r"How many ordered levels\?")
    child.expect(r"classes .*: ")
    child.sendline("2")
    child.expect(r"expected an integer >= 3")
    child.expect(r"classes .*: ")
    child.sendline("")  # the default, 5
    child.expect(r"imbalance .*: ")
    child.sendline("")
    child.expect(r"framework .*: ")
    child.sendline("keras")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    doc = json.loads(child.before[child.before.index("{"):])
    assert doc["rule"] == "ordinal-default"
    assert doc["answers"] == {"task": "ordinal", "classes": 5, "imbalance": "none", "framework": "keras"}


# ------------------------------------------------------------------ the checks


def test_check_passes_for_each_ordinal_loss():
    from lossadvisor.checks import run_checks

    doc = run_checks(list(ORDINAL))
    failed = [r for r in doc["results"] if r["passed"] is False]
    assert not failed, failed
    for loss in ORDINAL:
        rows = {r["name"]: r["passed"] for r in doc["results"] if r["loss"] == loss}
        for name in ("worked example", "maximum likelihood", "gradient", "stability", "minimiser"):
            assert rows[name] is True, (loss, name)
    assert doc["passed"]


def test_check_command_passes(run_cli):
    code, out, err = run_cli("check", "cumulative_link", "--framework", "none", "--json")
    assert code == 0, err
    assert json.loads(out)["passed"] is True


# ------------------------------------------------------------------ snippets vs the reference


def _snippet(framework: str, loss: str, classes: int = 5) -> dict:
    """The emitted part of a snippet file, run in a namespace with the program's imports."""
    from lossadvisor.frameworks.pieces import snippet_lines

    namespace = _program_namespace(framework)
    exec("\n".join(snippet_lines(framework, loss, {"classes": str(classes)})), namespace)  # noqa: S102
    return namespace


def _program_namespace(framework: str) -> dict:
    namespace: dict = {"np": np}
    if framework == "pytorch":
        import torch
        from torch import nn

        namespace.update(torch=torch, nn=nn)
    elif framework == "jax":
        import jax
        import jax.numpy as jnp
        import optax

        namespace.update(jax=jax, jnp=jnp, optax=optax)
    else:
        import keras

        namespace.update(keras=keras)
    return namespace


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _call(framework: str, function, raw: np.ndarray, y: np.ndarray) -> float:
    """The snippet's loss as the programs call it (Keras: y_true first, values per example, then the mean)."""
    raw32 = raw.astype("float32")
    if framework == "pytorch":
        import torch

        return float(function(torch.from_numpy(raw32), torch.from_numpy(y.astype("int64"))))
    if framework == "jax":
        import jax.numpy as jnp

        return float(function(jnp.asarray(raw32), jnp.asarray(y)))
    import keras

    value = function(keras.ops.convert_to_tensor(y.astype("int64")), keras.ops.convert_to_tensor(raw32))
    return float(np.mean(keras.ops.convert_to_numpy(value)))


FRAMEWORKS = tuple(NEEDS)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("loss", ORDINAL)
def test_snippet_matches_the_reference(framework, loss):
    _require(framework)
    namespace = _snippet(framework, loss)
    function = namespace[f"{loss}_loss"]
    y, score, cut, logits = _batch(5)
    if loss == "cumulative_link":
        # the programs' head outputs the cumulative logits cut_k - score
        raw = cut[None, :] - score[:, None]
        expected = ref.cumulative_link(y, score, cutpoints=cut)
    else:
        raw, expected = logits, ref.LOSSES[loss](y, logits, from_logits=True)
    assert _call(framework, function, raw, y) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_cumulative_link_snippet_level_probabilities_sum_to_one(framework):
    _require(framework)
    namespace = _snippet(framework, "cumulative_link")
    y, score, cut, _ = _batch(6)
    raw = (cut[None, :] - score[:, None]).astype("float32")
    if framework == "pytorch":
        import torch

        raw = torch.from_numpy(raw)
    probabilities = _to_numpy(namespace["level_probabilities"](raw))
    assert probabilities.shape == (y.size, cut.size + 1)
    assert (probabilities >= 0).all()
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    # -log of the probability of the true level is the reference, row by row (float32)
    expected = ref.cumulative_link(y, score, cutpoints=cut)
    assert -np.log(probabilities[np.arange(y.size), y]).mean() == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("framework", ["pytorch", "jax"])
def test_cumulative_link_snippet_gradient_is_finite_at_the_end_levels(framework):
    # the snippets pad the cumulative logits with -inf and +inf: levels 0 and K-1 must not
    # give a NaN gradient through the padding; the gradient matches the reference's
    _require(framework)
    function = _snippet(framework, "cumulative_link")["cumulative_link_loss"]
    y = np.array([0, 4, 0, 4, 2])
    score = np.array([3.0, -3.0, -2.0, 2.0, 0.5])
    cut = np.array([-1.5, -0.5, 0.5, 1.5])
    raw = (cut[None, :] - score[:, None]).astype("float32")
    if framework == "pytorch":
        import torch

        raw_t = torch.from_numpy(raw).requires_grad_(True)
        function(raw_t, torch.from_numpy(y)).backward()
        grad = raw_t.grad.numpy()
    else:
        import jax
        import jax.numpy as jnp

        grad = np.asarray(jax.grad(function)(jnp.asarray(raw), jnp.asarray(y)))
    assert np.isfinite(grad).all()
    # d loss / d score = -(sum over k of d loss / d raw_k), and the reference gives d loss / d score
    expected = ref.loss_gradient("cumulative_link", y, score, cutpoints=cut)
    assert np.allclose(-grad.sum(axis=1), expected, atol=1e-6)
    assert np.allclose(grad.sum(axis=0), ref.loss_gradient("cumulative_link", y, score, cutpoints=cut,
                                                           wrt="cutpoints"), atol=1e-6)


# ------------------------------------------------------------------ the heads keep the cut-points ordered


def _recommendation(framework: str, loss: str = "cumulative_link", classes: int = 6):
    answers, sources = resolve_answers(RB, {"task": "ordinal", "classes": classes, "framework": framework})
    rec = recommend(RB, answers, sources)
    if loss != "cumulative_link":
        fields = {name: getattr(rec, name) for name in type(rec).__slots__}
        fields.update(loss=loss, loss_name=RB.losses[loss]["name"], activation="sigmoid", units=classes - 1,
                      heads=())
        rec = type(rec)(**fields)
    return rec


def _head(framework: str, loss: str, classes: int) -> dict:
    """The program's layer_setup definitions, run."""
    rec = _recommendation(framework, loss, classes)
    entry = RB.losses[loss]
    pc = pieces(framework, make_problem(rec, entry), entry)
    namespace = _program_namespace(framework)
    exec("\n".join(pc["layer_setup"]), namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_cut_point_parameterisation_is_strictly_increasing(framework):
    _require(framework)
    classes = 7
    namespace = _head(framework, "cumulative_link", classes)
    rng = np.random.default_rng(8)
    for _ in range(20):
        first = rng.normal(0.0, 3.0, 1)
        raw_gaps = rng.normal(0.0, 2.0, classes - 2)  # any real values
        if framework == "pytorch":
            import torch

            head = namespace["CumulativeLinkHead"](4, classes)
            with torch.no_grad():
                head.first_cut.copy_(torch.from_numpy(first.astype("float32")))
                head.raw_gaps.copy_(torch.from_numpy(raw_gaps.astype("float32")))
            cut = _to_numpy(head.cutpoints())
        elif framework == "jax":
            import jax.numpy as jnp

            cut = _to_numpy(namespace["cutpoints"]({"cut_first": jnp.asarray(first, dtype=jnp.float32),
                                                    "cut_raw_gaps": jnp.asarray(raw_gaps, dtype=jnp.float32)}))
        else:
            import keras

            head = namespace["CumulativeLinkHead"](classes)
            head.build((None, 4))
            head.first_cut.assign(first.astype("float32"))
            head.raw_gaps.assign(raw_gaps.astype("float32"))
            cut = _to_numpy(keras.ops.convert_to_numpy(head.cutpoints()))
        assert cut.shape == (classes - 1,)
        assert (np.diff(cut) > 0).all(), cut
        # the same construction in NumPy: cumsum([first, softplus(raw gaps)])
        assert np.allclose(cut, np.cumsum(np.concatenate([first, np.logaddexp(0.0, raw_gaps)])), rtol=1e-5)


@pytest.mark.parametrize("framework", ["pytorch", "keras"])  # JAX's head is a line of its model function
def test_the_heads_output_one_column_per_cut(framework):
    _require(framework)
    classes, rows = 5, 3
    h = np.random.default_rng(9).normal(size=(rows, 4)).astype("float32")
    for loss, name in (("cumulative_link", "CumulativeLinkHead"), ("coral", "CoralHead")):
        namespace = _head(framework, loss, classes)
        if framework == "pytorch":
            import torch

            out = _to_numpy(namespace[name](4, classes)(torch.from_numpy(h)))
        else:
            out = _to_numpy(namespace["keras"].ops.convert_to_numpy(namespace[name](classes)(h)))
        assert out.shape == (rows, classes - 1)
        if loss == "cumulative_link":  # cut_k - score: increasing along each row, as the cut-points
            assert (np.diff(out, axis=1) > 0).all()


# ------------------------------------------------------------------ the picture


def test_cumulative_link_has_a_picture_and_the_task_losses_say_why_not(rb):
    from lossadvisor.errors import UsageError
    from lossadvisor.plot import loss_curve, plot_plan

    plan = plot_plan(rb, "cumulative_link")
    assert plan["activation"] == "linear" and plan["scenario"]["target"] == 2.0
    z = np.linspace(-6.0, 6.0, 121)
    (curve,) = plan["curves"]
    value, grad = loss_curve("cumulative_link", "linear", z, 2.0, curve["params"])
    cut = curve["params"]["cutpoints"]
    expected = [ref.cumulative_link([2], [f], cutpoints=cut) for f in z]
    assert np.allclose(value, expected, rtol=1e-12)
    assert np.allclose(grad, [ref.loss_gradient("cumulative_link", [2], np.array([f]), cutpoints=cut)[0] for f in z])
    # the loss is lowest between the level's own cut-points (-1 and 1) and grows outside them
    assert -1.0 < z[np.argmin(value)] < 1.0
    for loss in ("corn", "coral"):
        with pytest.raises(UsageError, match=f"no picture of {loss}: .*binary cross-entropy"):
            plot_plan(rb, loss)


def test_explain_plot_writes_the_cumulative_link_picture(run_cli, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "cumulative_link.png"
    code, out, err = run_cli("explain", "cumulative_link", "--plot", str(path))
    assert code == 0, err
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, err = run_cli("explain", "corn", "--plot", str(tmp_path / "corn.png"))
    assert code == 2 and "no picture of corn" in err


# ------------------------------------------------------------------ a trained program's cut-points


#: what prints the learnt cut-points at the end of each framework's program
PRINT_CUTPOINTS = {
    "pytorch": 'print("cutpoints:", output_layer.cutpoints().tolist())',
    "jax": 'print("cutpoints:", [float(v) for v in cutpoints(params)])',
    "keras": 'print("cutpoints:", [float(v) for v in keras.ops.convert_to_numpy(output_layer.cutpoints())])',
}
#: the environment of each program: Keras trains on the jax backend
PROGRAM_ENV = {"pytorch": {}, "jax": {}, "keras": {"KERAS_BACKEND": "jax"}}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_trained_program_keeps_its_cut_points_ordered(framework, tmp_path):
    needs = NEEDS[framework] + (("jax",) if framework == "keras" else ())
    for module in needs:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed")
    rec = _recommendation(framework, classes=6)
    program = framework_code(rec, RB)["code"] + PRINT_CUTPOINTS[framework] + "\n"
    path = tmp_path / "train.py"
    path.write_text(program)
    env = python_env(**PROGRAM_ENV[framework])
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=600,
                         cwd=str(tmp_path))
    assert run.returncode == 0, run.stderr[-3000:]
    losses = dict(re.findall(r"^loss (before|after): (\S+)$", run.stdout, flags=re.MULTILINE))
    assert float(losses["after"]) < float(losses["before"])
    cut = json.loads(re.search(r"^cutpoints: (\[.*\])$", run.stdout, flags=re.MULTILINE).group(1))
    assert len(cut) == 5
    assert all(b > a for a, b in zip(cut, cut[1:])), cut


@pytest.mark.parametrize("loss, w_out, b_out", [("cumulative_link", (32, 1), None), ("coral", (32, 1), (5,))])
def test_jax_heads_hold_only_parameters_that_reach_the_output(loss, w_out, b_out):
    # the cumulative link's score needs no bias (the cut-points absorb it: a b_out beside them is
    # unidentifiable); CORAL shares one weight column (a (in_features, K - 1) w_out left K - 2 unused)
    _require("jax")
    import jax

    code = framework_code(_recommendation("jax", loss, classes=6), RB)["code"]
    namespace = {}
    exec(code[:code.index("# ---- the loss")], namespace)  # noqa: S102 - the program's data, head and model
    params, model, x = namespace["params"], namespace["model"], namespace["x"]
    assert params["w_out"].shape == w_out
    assert (params["b_out"].shape if "b_out" in params else None) == b_out
    grads = jax.grad(lambda q: model(q, x[:64]).sum())(params)
    unused = [name for name, g in grads.items() if not (np.abs(np.asarray(g)) > 0).all()]
    assert not unused, f"parameters (or entries) the output never reads: {unused}"


def test_the_snippet_files_exist_for_every_framework():
    for loss in ORDINAL:
        for framework in FRAMEWORKS:
            assert snippet_path(framework, loss).is_file()
    assert ROOT.joinpath("lossadvisor", "frameworks", "templates", "data.py.tmpl").read_text().count("## ordinal\n") == 1


# ------------------------------------------------------------------ scores far beyond the cut-points


@pytest.mark.parametrize("score", [1e300, -1e300, 1e17])
def test_cumulative_link_middle_level_at_huge_scores(score):
    """With f far beyond the cut-points (-1, 0, 1), level 1's P(y) = sigmoid(-f) - sigmoid(-1 - f)
    ~ e^-f (1 - e^-1) for f > 0 (e^f (1 - e^-1) mirrored for level 2 at f < 0), so -log P(y) =
    |f| - log(1 - e^-1) = |f| + 0.4587 by hand: |f| in float64. Computing a - b from the bounds
    would give 0 there, an infinite loss and a RuntimeWarning."""
    cut = np.array([-1.0, 0.0, 1.0])
    level = np.array([1 if score > 0 else 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ref.cumulative_link(level, np.array([score]), cutpoints=cut)
    assert got == pytest.approx(abs(score) - math.log(1 - math.exp(-1)), rel=1e-15)


def test_cumulative_link_cutpoint_gradient_at_huge_scores():
    """Rows (level 1, f = 1e300) and (level 2, f = -1e300), cut-points (-1, 0, 1). By hand, the first
    row's loss is f - log(e^0 - e^-1): d/dcut_0 = e^-1 / (1 - e^-1) = 1 / (e - 1), d/dcut_1 =
    -1 / (1 - e^-1); the second's is -f - log(e^-0 - e^-1): d/dcut_1 = 1 / (1 - e^-1), d/dcut_2 =
    -1 / (e - 1). Mean over the two rows: (1 / (e - 1), 0, -1 / (e - 1)) / 2."""
    from lossadvisor.reference.losses.cumulative_link import gradient

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = gradient(np.array([1, 2]), np.array([1e300, -1e300]), cutpoints=np.array([-1.0, 0.0, 1.0]),
                       wrt="cutpoints")
    half = 1 / (math.e - 1) / 2
    assert np.allclose(got, [half, 0.0, -half], rtol=1e-12, atol=1e-15)


def test_cumulative_link_extremes_hold_a_middle_level_at_1e300():
    from lossadvisor.reference.losses.cumulative_link import SPEC

    cases = SPEC.extremes(None)
    assert any(np.max(np.abs(z)) == 1e300 and ((y > 0) & (y < 3)).all() for _, y, z, _, _ in cases)
