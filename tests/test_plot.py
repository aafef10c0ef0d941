"""The loss picture: curve formulas against closed forms, the files written, the optional extra."""

import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from conftest import PYTHON, python_env

from lossadvisor.errors import InputError, UsageError
from lossadvisor.plot import SCENARIOS, loss_curve, plot_plan


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


# ------------------------------------------------------------ the formulas


def test_bce_on_sigmoid_closed_form():
    z = np.array([-6.0, -2.0, 0.0, 1.5, 5.0])
    value, grad = loss_curve("binary_crossentropy", "sigmoid", z, 1.0)
    # -log sigmoid(z) = log(1 + e^-z); gradient sigmoid(z) - 1 (canonical link: p - y)
    assert value == pytest.approx([math.log1p(math.exp(-v)) for v in z], rel=1e-6)
    assert grad == pytest.approx([sigmoid(v) - 1.0 for v in z], rel=1e-6)
    assert value[2] == pytest.approx(math.log(2.0))  # z = 0: p = 1/2


def test_mse_on_sigmoid_stalls_on_confident_mistakes():
    value, grad = loss_curve("mean_squared_error", "sigmoid", np.array([0.0, -8.0]), 1.0)
    # z = 0: (1 - 1/2)^2 = 1/4; d/dz = -2 (1 - p) p (1 - p) = -2 * 1/2 * 1/4 = -1/4 (by hand)
    assert value[0] == pytest.approx(0.25)
    assert grad[0] == pytest.approx(-0.25)
    # z = -8: p = sigmoid(-8); the gradient -2 (1-p)^2 p is about -6.7e-4, while BCE's is p - 1 ~ -1
    p = sigmoid(-8.0)
    assert grad[1] == pytest.approx(-2.0 * (1.0 - p) ** 2 * p, rel=1e-6)
    _, bce_grad = loss_curve("binary_crossentropy", "sigmoid", np.array([-8.0]), 1.0)
    assert abs(bce_grad[0]) > 1000 * abs(grad[1])


def test_hinge_on_sigmoid():
    value, grad = loss_curve("hinge", "sigmoid", np.array([0.0]), 1.0)
    # max(0, 1 - 1 * 1/2) = 1/2; d/dz = -p (1 - p) = -1/4
    assert value[0] == pytest.approx(0.5) and grad[0] == pytest.approx(-0.25)


def test_categorical_crossentropy_three_classes():
    value, grad = loss_curve("categorical_crossentropy", "softmax", np.array([0.0, 2.0]), (1.0, 0.0, 0.0))
    # logits (z, 0, 0): p0 = e^z / (e^z + 2); loss -log p0; d/dz0 = p0 - 1
    for i, z in enumerate((0.0, 2.0)):
        p0 = math.exp(z) / (math.exp(z) + 2.0)
        assert value[i] == pytest.approx(-math.log(p0))
        assert grad[i] == pytest.approx(p0 - 1.0)
    assert value[0] == pytest.approx(math.log(3.0))


def test_kl_divergence_soft_target_gradient_is_p_minus_y():
    y = (0.7, 0.2, 0.1)
    z = np.array([-1.0, 0.0, 1.0])
    value, grad = loss_curve("kl_divergence", "softmax", z, y)
    cce, cce_grad = loss_curve("categorical_crossentropy", "softmax", z, y)
    for i, zi in enumerate(z):
        p0 = math.exp(zi) / (math.exp(zi) + 2.0)
        assert grad[i] == pytest.approx(p0 - 0.7, abs=1e-9)
    # KL = cross-entropy - entropy(y): the same gradient, shifted by a constant
    entropy = -sum(t * math.log(t) for t in y)
    assert (cce - value) == pytest.approx([entropy] * 3)
    assert cce_grad == pytest.approx(grad)


def test_focal_losses_reduce_to_cross_entropy():
    z = np.linspace(-4, 4, 9)
    # binary focal with gamma = 0 is binary cross-entropy (catalog: "γ = 0 gives binary cross-entropy")
    assert loss_curve("binary_focal_crossentropy", "sigmoid", z, 1.0, {"gamma": 0.0})[0] == pytest.approx(
        loss_curve("binary_crossentropy", "sigmoid", z, 1.0)[0])
    # categorical focal with gamma = 0 and alpha = 1 is categorical cross-entropy
    a = loss_curve("categorical_focal_crossentropy", "softmax", z, (1.0, 0.0, 0.0), {"gamma": 0.0, "alpha": 1.0})
    b = loss_curve("categorical_crossentropy", "softmax", z, (1.0, 0.0, 0.0))
    assert a[0] == pytest.approx(b[0]) and a[1] == pytest.approx(b[1])


def test_regression_losses_by_hand():
    yhat = np.array([2.0])
    assert loss_curve("huber", "linear", yhat, 0.0, {"delta": 1.0})[0][0] == pytest.approx(1.5)  # δ|e| - δ²/2
    assert loss_curve("huber", "linear", yhat, 0.0, {"delta": 1.0})[1][0] == pytest.approx(1.0)
    v, g = loss_curve("log_cosh", "linear", np.array([1.0]), 0.0)
    assert v[0] == pytest.approx(math.log(math.cosh(1.0))) and g[0] == pytest.approx(math.tanh(1.0))
    v, g = loss_curve("quantile", "linear", np.array([-1.0]), 0.0, {"quantile": 0.9})
    assert v[0] == pytest.approx(0.9) and g[0] == pytest.approx(-0.9)  # e = y - ŷ = 1: q e, d/dŷ = -q


def test_poisson_on_exponential_minimum_at_the_log_of_the_count():
    z = np.array([math.log(3.0), 0.0])
    value, grad = loss_curve("poisson", "exponential", z, 3.0)
    # rate - y log rate = e^z - 3 z (eps 1e-7 aside); gradient e^z - 3 is 0 at z = log 3
    assert grad[0] == pytest.approx(0.0, abs=1e-6)
    assert value[1] == pytest.approx(1.0, abs=1e-6)


def test_msle_keras_clip_has_zero_gradient_below_zero():
    value, grad = loss_curve("mean_squared_logarithmic_error", "linear", np.array([-1.0, 3.0]), 3.0)
    # ŷ = -1 is clipped to eps: (log 4 - log(1 + 1e-7))^2, gradient 0
    assert value[0] == pytest.approx(math.log(4.0) ** 2, rel=1e-6)
    assert grad[0] == 0.0
    assert value[1] == pytest.approx(0.0) and grad[1] == pytest.approx(0.0)


def _drawn(rb):
    """The catalog's losses that have a picture (the others say why not: see test_plot_unavailable_says_why)."""
    from lossadvisor.reference import SPECS

    return [loss_id for loss_id in rb.losses if not SPECS[loss_id].plot.get("unavailable")]


def test_plot_unavailable_says_why(rb):
    for loss_id in set(rb.losses) - set(_drawn(rb)):
        with pytest.raises(UsageError, match=f"no picture of {loss_id}: "):
            plot_plan(rb, loss_id)


def test_analytic_gradients_match_finite_differences(rb):
    for loss_id in _drawn(rb):
        plan = plot_plan(rb, loss_id)
        lo, hi = plan["scenario"]["x"]
        z = np.linspace(lo, hi, 37)[1:-1] + 0.0123  # off the kinks at whole numbers
        h = 1e-5
        for curve in plan["curves"]:
            args = (curve["loss"], plan["activation"])
            _, grad = loss_curve(*args, z, plan["scenario"]["target"], curve["params"])
            up, _ = loss_curve(*args, z + h, plan["scenario"]["target"], curve["params"])
            down, _ = loss_curve(*args, z - h, plan["scenario"]["target"], curve["params"])
            numeric = (up - down) / (2 * h)
            ok = np.isfinite(numeric) & np.isfinite(grad)
            if curve["loss"] == "mean_squared_logarithmic_error" and plan["activation"] == "linear":
                ok &= np.abs(z) > 2 * h  # the clip at 0
            assert np.allclose(grad[ok], numeric[ok], rtol=1e-4, atol=1e-6), (loss_id, curve["label"])


def test_every_catalog_loss_has_a_plan_with_its_alternatives(rb):
    for loss_id in _drawn(rb):
        entry = rb.losses[loss_id]
        plan = plot_plan(rb, loss_id)
        assert plan["activation"] in SCENARIOS
        drawn = {c["loss"] for c in plan["curves"]}
        assert loss_id in drawn
        assert set(entry.get("alternatives_plot") or []) <= drawn | {s["loss"] for s in plan["skipped"]}
    assert {c["loss"] for c in plot_plan(rb, "binary_crossentropy")["curves"]} == {
        "binary_crossentropy", "mean_squared_error", "hinge"}


# --------------------------------------------------------------- the file


def test_png_and_svg_files(rb, tmp_path):
    pytest.importorskip("matplotlib")
    from lossadvisor.plot import plot_loss

    png = tmp_path / "bce.png"
    summary = plot_loss(rb, "binary_crossentropy", str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert summary["format"] == "png" and summary["losses"] == ["binary_crossentropy", "mean_squared_error", "hinge"]
    assert summary["target"] == 1.0 and summary["activation"] == "sigmoid"
    svg = tmp_path / "huber.svg"
    summary = plot_loss(rb, "huber", str(svg))
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert summary["format"] == "svg"
    assert "mean_absolute_error" in svg.read_text()  # the legend names the alternatives


def test_bad_suffix_unknown_loss_and_unwritable_path(rb, tmp_path):
    from lossadvisor.plot import plot_loss

    with pytest.raises(UsageError, match="must be .png or .svg, not '.pdf'"):
        plot_loss(rb, "huber", str(tmp_path / "x.pdf"))
    with pytest.raises(UsageError, match="did you mean huber"):
        plot_loss(rb, "hubr", str(tmp_path / "x.png"))
    pytest.importorskip("matplotlib")
    with pytest.raises(InputError, match="cannot write"):
        plot_loss(rb, "huber", str(tmp_path / "no" / "such" / "dir" / "x.png"))


def test_without_matplotlib_the_message_names_the_extra(rb, tmp_path, monkeypatch):
    from lossadvisor.plot import plot_loss

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)  # import matplotlib... -> ImportError
    with pytest.raises(InputError) as err:
        plot_loss(rb, "huber", str(tmp_path / "x.png"))
    assert "pip install 'lossadvisor[plot]'" in str(err.value)


def test_matplotlib_is_not_imported_by_lint_or_plot_import():
    code = ("import sys, lossadvisor.plot, lossadvisor.cli.lint, lossadvisor.lint; "
            "from lossadvisor.lint import ModelInput, lint_models; "
            "lint_models([ModelInput('m', {'activation': 'softmax', 'loss': 'nn.CrossEntropyLoss'})]); "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=python_env(), check=True)
    assert out.stdout.strip() == "False"
