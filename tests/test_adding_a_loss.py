"""docs/adding-a-loss.md, followed to the letter: a toy loss registered from a temporary
folder (one catalog entry, one spec module, one rule) shows up in every command, and
nothing in the package changes.

The toy is half the squared error, ``mean(½ (y - ŷ)²)``: the Gaussian likelihood with
σ² = 1, whose constant is ½ log 2π. Its worked example is computed by hand below.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

SPEC_MODULE = '''
"""Half squared error: the Gaussian likelihood with unit variance."""

import math

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._core import elementwise_mean
from lossadvisor.reference._regression import extremes, squared_error_sum
from lossadvisor.reference.spec import LossSpec


def half_squared_error(y_true, y_pred) -> float:
    return 0.5 * elementwise_mean(y_true, y_pred, squared_error_sum)


def gradient(t, p):
    return (p - t) / p.size


def curve(y, p, params):
    e = p - y
    return 0.5 * e * e, e


def nll(y, p, heads, params):
    dens = np.exp(-((y - p) ** 2) / 2) / math.sqrt(2 * math.pi)
    return -np.log(dens).mean(), 0.5 * math.log(2 * math.pi), "Gaussian N(y | ŷ, 1), constant ½ log 2π"


def minimiser(value, params, rng):
    return c.lognormal_argmin_is(value, params, rng, "mean")


SPEC = LossSpec(value=half_squared_error, gradient=gradient, curve=curve, target="real", nll=nll,
                minimiser=minimiser, extremes=extremes,
                canonical=("linear", "(z - y) / N", lambda p, t, heads, n: (p - t) / n))
'''

# y = [1, 3], ŷ = [0, 0]: ½ (1 + 9) / 2 = 2.5 (by hand)
OVERLAY = '''
schema_version: 1
losses:
  - id: half_squared_error
    name: Half squared error
    family: regression
    formula: "mean over outputs of ½ (y - ŷ)²"
    distribution: Gaussian (σ² = 1)
    likelihood: "-log N(y | ŷ, 1) = ½ (y - ŷ)² + ½ log 2π"
    statistic: mean
    activation: linear
    target_domain: real numbers
    prediction_domain: real numbers
    params: {}
    worked_example:
      y_true: [1, 3]
      y_pred: [0, 0]
      expected: 2.5
      derivation: "½ (1² + 3²) / 2 = 2.5"
    use_when: A toy for the guide.
    pitfalls: [It is MSE halved.]
    frameworks: {keras: null, pytorch: null, jax: null}
rules:
  - id: regression-default
    match: {task: regression}
    output: {units: outputs, activation: linear}
    loss: {id: half_squared_error}
    why: The toy's Gaussian likelihood.
'''


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp("toy")
    (root / "losses").mkdir()
    (root / "losses" / "half_squared_error.py").write_text(SPEC_MODULE, encoding="utf-8")
    (root / "toy.yaml").write_text(textwrap.dedent(OVERLAY), encoding="utf-8")
    env = {**os.environ, "LOSSADVISOR_LOSS_PATH": str(root / "losses"), "NO_COLOR": "1"}

    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "lossadvisor", *args, "--rules", str(root / "toy.yaml")],
                              capture_output=True, text=True, env=env, cwd=root, timeout=300)
        return proc.returncode, proc.stdout, proc.stderr

    return run, root


def test_listed_in_losses(toy):
    run, _ = toy
    code, out, err = run("losses", "--json")
    assert code == 0, err
    assert "half_squared_error" in [row["id"] for row in json.loads(out)["losses"]]


def test_explained(toy):
    run, _ = toy
    code, out, err = run("explain", "half_squared_error", "--json")
    assert code == 0, err
    assert json.loads(out)["loss"]["distribution"] == "Gaussian (σ² = 1)"


def test_all_six_checks_run_and_pass(toy):
    run, _ = toy
    code, out, err = run("check", "half_squared_error", "--framework", "none", "--json")
    assert code == 0, err
    rows = {r["name"]: r for r in json.loads(out)["results"]}
    for name in ("worked example", "maximum likelihood", "gradient", "stability", "minimiser"):
        assert rows[name]["passed"] is True, rows[name]
    assert "2.5 = 2.5 by hand" in rows["worked example"]["detail"]
    assert "canonical-link form (z - y) / N" in rows["gradient"]["detail"]
    assert "= sample mean" in rows["minimiser"]["detail"]
    assert rows["framework agreement"]["passed"] is None  # --framework none: said, not passed


def test_plotted(toy):
    pytest.importorskip("matplotlib")
    run, root = toy
    code, out, err = run("explain", "half_squared_error", "--plot", str(root / "toy.png"), "--json")
    assert code == 0, err
    assert (root / "toy.png").stat().st_size > 1000


def test_recommended_through_a_rule(toy):
    run, _ = toy
    code, out, err = run("recommend", "--task", "regression", "--framework", "pytorch", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["loss"]["id"] == "half_squared_error"
    names = {r["name"]: r["passed"] for r in doc["check"]["results"]}
    assert names["maximum likelihood"] is True and names["gradient"] is True


def test_a_broken_spec_module_is_a_clear_error(tmp_path):
    (tmp_path / "oops.py").write_text("SPEC = 1\n")
    env = {**os.environ, "LOSSADVISOR_LOSS_PATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "lossadvisor", "check", "--framework", "none", "--json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2
    assert "oops.py: a loss module must define SPEC = LossSpec(...)" in proc.stderr
    assert "Traceback" not in proc.stderr
