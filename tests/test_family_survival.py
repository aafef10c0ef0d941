"""The survival family: the Cox partial likelihood (Breslow ties) and the discrete-time hazard.

Expected numbers come from hand computations (in the comments), from a second formula
written out here (the product of the conditional probabilities of the Cox model; the
survival probabilities of the discrete-time model), or from the life table.
The snippets of the generated programs are compared with the reference in each installed
framework; the programs themselves run in tests/test_emitted_programs.py (-k survival).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conftest import PYTHON, python_env
from lossadvisor import reference as ref
from lossadvisor.checks import FrameworkUnavailable, load_framework, run_checks
from lossadvisor.engine import recommend, resolve_answers
from lossadvisor.frameworks import framework_code
from lossadvisor.frameworks.pieces import snippet_path
from lossadvisor.frameworks.problem import data_section, make_problem

LOG2, LOG3 = math.log(2), math.log(3)
RNG = np.random.default_rng(12)


def cox_by_products(y, eta) -> float:
    """The Cox partial likelihood as a product over events of P(this row fails | the rows at risk):
    exp(η_i) / Σ_{t_j >= t_i} exp(η_j) (Breslow ties), -log over the events, by plain loops."""
    y, eta = np.asarray(y, float), np.asarray(eta, float).reshape(-1)
    product, events = 1.0, 0
    for i in range(len(eta)):
        if y[i, 1] == 1:
            at_risk = [j for j in range(len(eta)) if y[j, 0] >= y[i, 0]]
            product *= math.exp(eta[i]) / sum(math.exp(eta[j]) for j in at_risk)
            events += 1
    return -math.log(product) / events


def hazard_by_survival(y, hazards) -> float:
    """The discrete-time likelihood from the survival probabilities: an event in interval b has
    probability S(b - 1) h_b, a row censored in b survives it, S(b) = Π_{t<=b}(1 - h_t)."""
    total = 0.0
    for (b, event), h in zip(np.asarray(y, int), np.asarray(hazards, float)):
        survived = math.prod(1.0 - h[t] for t in range(b))
        total -= math.log(survived * h[b] if event else survived * (1.0 - h[b]))
    return total / len(hazards)


def survival_rows(rows, times, event_rate=0.6, rng=RNG):
    """(rows, 2) targets with times drawn from ``times`` (a small set: ties) and some censored rows."""
    event = (rng.random(rows) < event_rate).astype(float)
    event[0] = 1.0
    return np.stack([rng.choice(times, rows).astype(float), event], axis=1)


# ------------------------------------------------------------------ values by hand


def test_cox_worked_example_with_a_tie_by_hand():
    # risks exp(η) = 1, 2, 1, 3, 1; the two events at t = 2 share the risk set of all five rows (Breslow),
    # sum 8; the event at t = 5 has the rows at 5 and 6, sum 4: -(log 1/8 + log 2/8 + log 3/4) / 3
    y = [[2, 1], [2, 1], [3, 0], [5, 1], [6, 0]]
    eta = [0.0, LOG2, 0.0, LOG3, 0.0]
    by_hand = (7 * LOG2 - LOG3) / 3
    assert ref.cox_partial_likelihood(y, eta) == pytest.approx(by_hand, rel=1e-13)
    assert cox_by_products(y, eta) == pytest.approx(by_hand, rel=1e-13)
    # the order of the rows and the (N, 1) layout change nothing
    order = [3, 0, 4, 2, 1]
    assert ref.cox_partial_likelihood(np.array(y)[order], np.array(eta)[order].reshape(-1, 1)) == \
        pytest.approx(by_hand, rel=1e-13)
    # not Efron's method: it divides the second tied event by 8 - (1 + 2)/2 = 6.5
    efron = (math.log(8) + math.log(6.5) - LOG2 + math.log(4) - LOG3) / 3
    assert abs(ref.cox_partial_likelihood(y, eta) - efron) > 0.05


def test_cox_one_event_is_minus_log_its_share_of_the_risk_set():
    # one event at t = 1 among three rows at risk: -log(e^1 / (e^1 + e^0 + e^2))
    y = [[1, 1], [4, 0], [2, 0]]
    assert ref.cox_partial_likelihood(y, [1.0, 0.0, 2.0]) == pytest.approx(
        -math.log(math.e / (math.e + 1 + math.e**2)), rel=1e-13)


@pytest.mark.parametrize("seed", range(5))
def test_cox_equals_the_product_of_conditional_probabilities(seed):
    rng = np.random.default_rng(seed)
    y = survival_rows(30, [1, 2, 3, 4, 5, 7.5], rng=rng)
    eta = rng.normal(0, 2, 30)
    assert ref.cox_partial_likelihood(y, eta) == pytest.approx(cox_by_products(y, eta), rel=1e-12)
    # float32 log-risks compute in float32
    assert ref.cox_partial_likelihood(y, eta.astype(np.float32)) == pytest.approx(cox_by_products(y, eta), rel=1e-5)


def test_discrete_hazard_worked_example_by_hand():
    # hazards [½, ½, ½], [¾, ¼, ½], [½, ¾, ¼]: event in 0: log 2; censored in 1: log 4 + log 4/3;
    # event in 2: log 2 + log 4 + log 4; mean (10 log 2 - log 3) / 3
    y = [[0, 1], [1, 0], [2, 1]]
    z = np.array([[0, 0, 0], [LOG3, -LOG3, 0], [0, LOG3, -LOG3]])
    by_hand = (10 * LOG2 - LOG3) / 3
    assert ref.discrete_time_hazard(y, z, from_logits=True) == pytest.approx(by_hand, rel=1e-13)
    assert ref.discrete_time_hazard(y, ref.sigmoid(z)) == pytest.approx(by_hand, rel=1e-13)


@pytest.mark.parametrize("seed", range(5))
def test_discrete_hazard_equals_the_survival_likelihood(seed):
    rng = np.random.default_rng(seed)
    y = survival_rows(25, [0, 1, 2, 3, 4, 5], rng=rng)
    z = rng.normal(0, 2, (25, 6))
    expected = hazard_by_survival(y, ref.sigmoid(z))
    assert ref.discrete_time_hazard(y, z, from_logits=True) == pytest.approx(expected, rel=1e-12)
    assert ref.discrete_time_hazard(y, ref.sigmoid(z)) == pytest.approx(expected, rel=1e-9)


def test_discrete_hazard_rows_beyond_a_chunk():
    # 3000 rows of 10 intervals: four chunks of the reference; the direct formula over all of them
    rng = np.random.default_rng(4)
    y = survival_rows(3000, np.arange(10), rng=rng)
    z = rng.normal(0, 1, (3000, 10))
    assert ref.discrete_time_hazard(y, z, from_logits=True) == pytest.approx(
        hazard_by_survival(y, ref.sigmoid(z)), rel=1e-11)


# ------------------------------------------------------------------ invalid inputs


@pytest.mark.parametrize("y, eta, message", [
    ([[1, 0], [2, 0]], [0.0, 1.0], r"no events \(all 2 rows censored\)"),
    ([[-1, 1], [2, 0]], [0.0, 1.0], r"a time >= 0, but holds -1 at row 0"),
    ([[1, 1], [2, 2]], [0.0, 1.0], r"event indicator, 0 \(censored\) or 1 \(event\), but holds 2 at row 1"),
    ([[1, 1], [2, 0.5]], [0.0, 1.0], r"but holds 0.5 at row 1"),
    ([1, 2], [0.0, 1.0], r"y_true has shape \(2,\): survival targets have shape \(N, 2\)"),
    ([[1, 1, 0], [2, 0, 0]], [0.0, 1.0], r"y_true has shape \(2, 3\)"),
    ([[1, 1], [2, 0], [3, 1]], [0.0, 1.0], r"y_true has 3 rows but y_pred has 2"),
    ([[1, 1], [2, 0]], [[0.0, 1.0], [1.0, 0.0]], r"y_pred has shape \(2, 2\): the Cox loss takes one log-risk"),
    ([[1, 1], [np.nan, 0]], [0.0, 1.0], r"y_true contains NaN at index \(1, 0\)"),
    ([[1, 1], [2, 0]], [0.0, np.nan], r"y_pred contains NaN at index 1"),
    ([[1, 1], [2, 0]], [0.0, np.inf], r"y_pred contains an infinite value at index 1"),
    (np.zeros((0, 2)), np.zeros(0), r"y_pred is empty"),
])
def test_cox_rejects(y, eta, message):
    with pytest.raises(ValueError, match=message):
        ref.cox_partial_likelihood(y, eta)


@pytest.mark.parametrize("y, z, message", [
    ([[3, 1], [0, 0]], np.zeros((2, 3)), r"holds interval 3 at row 0, outside 0..2 \(y_pred has 3 intervals"),
    ([[0, 1], [-1, 0]], np.zeros((2, 3)), r"holds interval -1 at row 1, outside 0..2"),
    ([[0.5, 1], [1, 0]], np.zeros((2, 3)), r"an interval index \(an integer stored as a float\), but holds 0.5 at row 0"),
    ([[0, 1], [1, 3]], np.zeros((2, 3)), r"event indicator, .* but holds 3 at row 1"),
    ([[0, 1], [1, 0]], np.zeros(2), r"y_pred has shape \(2,\): the discrete-time hazard takes one hazard per row"),
    ([0, 1], np.zeros((2, 3)), r"y_true has shape \(2,\)"),
    ([[0, 1]], np.zeros((2, 3)), r"y_true has 1 rows but y_pred has 2"),
    ([[0, np.nan], [1, 0]], np.zeros((2, 3)), r"y_true contains NaN at index \(0, 1\)"),
    ([[0, 1], [1, 0]], [[0.5, np.nan, 0.5], [0.5, 0.5, 0.5]], r"y_pred contains NaN at index \(0, 1\)"),
    ([[0, 1], [1, 0]], [[0.5, 1.5, 0.5], [0.5, 0.5, 0.5]], r"a probability in \[0, 1\] .* but holds 1.5 at index \(0, 1\)"),
])
def test_discrete_hazard_rejects(y, z, message):
    with pytest.raises(ValueError, match=message):
        ref.discrete_time_hazard(y, z)


def test_discrete_hazard_takes_an_all_censored_batch():
    # no events is still a likelihood: every row survived its intervals, -log(1 - ½) each
    assert ref.discrete_time_hazard([[1, 0], [0, 0]], np.zeros((2, 3)), from_logits=True) == \
        pytest.approx(3 * LOG2 / 2, rel=1e-13)


# ------------------------------------------------------------------ gradients and the bias


def _central_differences(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = h
        g.flat[i] = (f(x + step) - f(x - step)) / (2 * h)
    return g


def test_cox_gradient_matches_central_differences_and_sums_to_zero():
    y = survival_rows(12, [1, 2, 3], rng=np.random.default_rng(3))
    eta = np.random.default_rng(4).normal(0, 1.5, (12, 1))
    analytic = ref.loss_gradient("cox_partial_likelihood", y, eta)
    assert analytic.shape == (12, 1)
    assert np.allclose(analytic, _central_differences(lambda e: ref.cox_partial_likelihood(y, e), eta), atol=1e-8)
    # a constant shift of every log-risk changes nothing, so the gradient sums to 0
    assert analytic.sum() == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize("from_logits", [True, False])
def test_discrete_hazard_gradient_matches_central_differences(from_logits):
    y = survival_rows(10, [0, 1, 2, 3], rng=np.random.default_rng(5))
    z = np.random.default_rng(6).normal(0, 1.5, (10, 4))
    pred = z if from_logits else ref.sigmoid(z)
    analytic = ref.loss_gradient("discrete_time_hazard", y, pred, from_logits=from_logits)
    numeric = _central_differences(lambda p: ref.discrete_time_hazard(y, p, from_logits=from_logits), pred)
    assert np.allclose(analytic, numeric, atol=1e-8)
    # no gradient reaches the intervals after a row's own
    after = np.arange(4)[None, :] > y[:, :1]
    assert (analytic[after] == 0).all()


def test_cox_extremes_stay_finite():
    # log-risks ±1e3 with the longest time an event of log-risk -1e3 (a plain cumulative sum of exp
    # underflows to 0 there): terms -2000 (t = 5, first), 0, -log 2 (t = 2), -2000 - log 2 (t = 1);
    # the loss is (4000 + 2 log 2) / 4
    y = [[5, 1], [5, 1], [3, 0], [2, 1], [1, 1]]
    eta = [-1e3, 1e3, -1e3, 1e3, -1e3]
    with np.errstate(all="raise", under="ignore"):
        assert ref.cox_partial_likelihood(y, eta) == pytest.approx(1000 + LOG2 / 2, rel=1e-13)
        assert np.isfinite(ref.loss_gradient("cox_partial_likelihood", y, np.array(eta))).all()


# ------------------------------------------------------------------ the minimisers


def test_cox_constant_prediction_is_the_mean_log_risk_set_size():
    # with every log-risk equal, each event's term is log |risk set|: sizes 5, 5 (the tie), 2 above
    y = [[2, 1], [2, 1], [3, 0], [5, 1], [6, 0]]
    expected = (2 * math.log(5) + math.log(2)) / 3
    for level in (0.0, -7.0, 40.0):
        assert ref.cox_partial_likelihood(y, np.full(5, level)) == pytest.approx(expected, rel=1e-12)


def test_discrete_hazard_minimum_at_the_life_table():
    # interval 0: 4 rows at risk, 1 event -> 1/4; interval 1: 3 at risk, 1 event -> 1/3;
    # interval 2: 2 at risk (the event there and the row censored there), 1 event -> 1/2
    y = np.array([[0, 1], [1, 1], [2, 1], [2, 0]])
    life_table = np.array([1 / 4, 1 / 3, 1 / 2])
    z = np.tile(np.log(life_table / (1 - life_table)), (4, 1))
    assert np.allclose(ref.loss_gradient("discrete_time_hazard", y, z, from_logits=True).sum(axis=0), 0.0,
                       atol=1e-15)
    best = ref.discrete_time_hazard(y, z, from_logits=True)
    for step in np.eye(3) * 1e-3:
        assert ref.discrete_time_hazard(y, z + step, from_logits=True) > best
        assert ref.discrete_time_hazard(y, z - step, from_logits=True) > best


# ------------------------------------------------------------------ the checks


@pytest.mark.parametrize("loss_id", ["cox_partial_likelihood", "discrete_time_hazard"])
def test_check_passes(loss_id):
    report = run_checks([loss_id], frameworks=[])
    assert report["passed"], [r for r in report["results"] if r["passed"] is False]
    passed = {r["name"] for r in report["results"] if r["passed"]}
    assert {"worked example", "maximum likelihood", "gradient", "stability", "minimiser"} <= passed


def test_check_cli_exit_0(run_cli):
    code, out, _ = run_cli("check", "cox_partial_likelihood", "discrete_time_hazard", "--framework", "none", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["passed"] is True


# ------------------------------------------------------------------ the snippets


def _snippet(framework: str, loss: str):
    import importlib.util

    path = snippet_path(framework, loss)
    spec = importlib.util.spec_from_file_location(f"snippet_{framework}_{loss}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, loss)


def _framework(framework: str) -> dict:
    try:
        return load_framework(framework)  # Keras: the NumPy backend when nothing else is set
    except FrameworkUnavailable as exc:
        pytest.skip(str(exc))


def _call(framework: str, mods: dict, function, y, pred) -> float:
    """The snippet as the programs call it: (outputs, targets) for PyTorch and JAX, Keras (y_true, y_pred)."""
    y, pred = np.asarray(y, np.float32), np.asarray(pred, np.float32)
    if framework == "pytorch":
        torch = mods["torch"]
        return float(function(torch.from_numpy(pred), torch.from_numpy(y)))
    if framework == "jax":
        return float(function(mods["jnp"].asarray(pred), mods["jnp"].asarray(y)))
    ops = mods["keras"].ops
    return float(np.mean(ops.convert_to_numpy(function(ops.convert_to_tensor(y), ops.convert_to_tensor(pred)))))


FRAMEWORK_IDS = ["pytorch", "keras", "jax"]


@pytest.mark.parametrize("framework", FRAMEWORK_IDS)
@pytest.mark.parametrize("times", [[1, 2, 3, 4], np.arange(1, 41) * 0.5], ids=["ties", "distinct"])
def test_cox_snippet_matches_the_reference(framework, times):
    mods = _framework(framework)
    rng = np.random.default_rng(len(times))
    rows = 40 if len(times) > 4 else 24
    y = survival_rows(rows, times, rng=rng)
    if len(times) > 4:
        y[:, 0] = rng.permutation(times)[:rows]  # every time distinct
    eta = rng.normal(0, 1.5, (rows, 1))
    got = _call(framework, mods, _snippet(framework, "cox_partial_likelihood"), y, eta)
    assert got == pytest.approx(ref.cox_partial_likelihood(y, eta), rel=2e-5)


COX_EXTREMES = ref.SPECS["cox_partial_likelihood"].extremes(None)
#: the stability cases by hand (the names as the spec gives them)
COX_EXTREMES_BY_HAND = {
    # terms -2000 (t = 5), 0 (its tie), -log 2 (t = 2), -2000 - log 2 (t = 1) over 4 events
    "log-risks ±1e3 (a tie, a censored row)": 1000 + LOG2 / 2,
    # t = 5 alone: term 0; t = 1: 0 - log(e^-120 + e^0) = -log1p(e^-120); over 2 events
    "the longest time alone, its log-risk 120 below the rest": math.log1p(math.exp(-120)) / 2,
    # the one event (t = 3, η -1) against the rows of t >= 3 (η 2, -1, 0.5)
    "all censored but one event": math.log(math.exp(2) + math.exp(-1) + math.exp(0.5)) + 1,
}


@pytest.mark.parametrize("framework", FRAMEWORK_IDS)
@pytest.mark.parametrize("case", COX_EXTREMES, ids=[case[0] for case in COX_EXTREMES])
def test_cox_snippet_on_the_stability_cases(framework, case):
    # a cumulative sum of exp(η - max η) in float32 underflowed to 0 (-inf) on the longest time
    # alone 120 below the rest; every snippet must stay exact on every case of the spec's extremes
    name, y, eta, _, _ = case
    mods = _framework(framework)
    got = _call(framework, mods, _snippet(framework, "cox_partial_likelihood"), y, eta)
    assert got == pytest.approx(COX_EXTREMES_BY_HAND[name], rel=2e-5, abs=1e-6)


def _cox_gradient(framework: str, mods: dict, y, eta) -> np.ndarray:
    """The gradient of the PyTorch or JAX snippet with respect to the log-risks, by autodiff in float32."""
    function = _snippet(framework, "cox_partial_likelihood")
    y, eta = np.asarray(y, np.float32), np.asarray(eta, np.float32)
    if framework == "pytorch":
        torch = mods["torch"]
        log_risk = torch.from_numpy(eta).requires_grad_()
        function(log_risk, torch.from_numpy(y)).backward()
        return log_risk.grad.numpy()
    import jax

    return np.asarray(jax.grad(lambda e: function(e, mods["jnp"].asarray(y)))(mods["jnp"].asarray(eta)))


@pytest.mark.parametrize("framework", ["pytorch", "jax"])
@pytest.mark.parametrize("case", COX_EXTREMES, ids=[case[0] for case in COX_EXTREMES])
def test_cox_snippet_gradient_on_the_stability_cases(framework, case):
    # against the reference's closed-form gradient (exp(η_k) Σ 1/S_i - δ_k) / D, summed in log space;
    # a running log-sum-exp near ±1e3 rounds to float32's spacing there (6.1e-5): atol 1e-4
    _, y, eta, _, _ = case
    got = _cox_gradient(framework, _framework(framework), y, eta)
    assert np.allclose(got, ref.loss_gradient("cox_partial_likelihood", y, eta), rtol=1e-5, atol=1e-4)


KERAS_COX_GRADIENT = """
import json, sys
import jax, keras, numpy as np
from lossadvisor import reference as ref
from lossadvisor.frameworks.pieces import snippet_path
import importlib.util
spec = importlib.util.spec_from_file_location("cox", snippet_path("keras", "cox_partial_likelihood"))
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
out = []
for _, y, eta, _, _ in ref.SPECS["cox_partial_likelihood"].extremes(None):
    y32 = keras.ops.convert_to_tensor(y.astype("float32"))
    grad = jax.grad(lambda e: module.cox_partial_likelihood(y32, e))(eta.astype("float32"))
    out.append((np.asarray(grad).tolist(), ref.loss_gradient("cox_partial_likelihood", y, eta).tolist()))
print(json.dumps(out))
"""


def test_keras_cox_snippet_gradient_on_the_stability_cases():
    # Keras differentiates only with a backend that does: the jax one, in a child process (the
    # tests' Keras runs the NumPy backend); the repro was a NaN gradient at the longest time alone
    import subprocess

    for module_name in ("jax", "keras"):
        pytest.importorskip(module_name)
    run = subprocess.run([PYTHON, "-c", KERAS_COX_GRADIENT], capture_output=True, text=True,
                         env=python_env(KERAS_BACKEND="jax"), check=True)
    for got, expected in json.loads(run.stdout):
        assert np.allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("framework", FRAMEWORK_IDS)
def test_cox_snippet_without_events_gives_zero(framework):
    # the guard the programs carry: the sum over no events divided by max(0, 1)
    mods = _framework(framework)
    y = [[1, 0], [2, 0], [2, 0]]
    assert _call(framework, mods, _snippet(framework, "cox_partial_likelihood"), y, [[0.3], [-1.0], [2.0]]) == 0.0


@pytest.mark.parametrize("framework", FRAMEWORK_IDS)
def test_discrete_hazard_snippet_matches_the_reference(framework):
    mods = _framework(framework)
    rng = np.random.default_rng(8)
    y = survival_rows(30, np.arange(6), rng=rng)
    z = rng.normal(0, 2, (30, 6))
    got = _call(framework, mods, _snippet(framework, "discrete_time_hazard"), y, z)
    assert got == pytest.approx(ref.discrete_time_hazard(y, z, from_logits=True), rel=2e-5)


# ------------------------------------------------------------------ rules, prompts, programs


def _recommend(rb, **given):
    answers, sources = resolve_answers(rb, given)
    return recommend(rb, answers, sources)


def test_rules_by_flags(rb):
    cox = _recommend(rb, task="survival", framework="pytorch")
    assert (cox.rule, cox.loss, cox.units, cox.activation) == ("survival-continuous", "cox_partial_likelihood", 1,
                                                                "linear")
    assert [a["loss"] for a in cox.alternatives] == ["discrete_time_hazard"]
    hazard = _recommend(rb, task="survival", time="discrete", intervals=6, framework="jax")
    assert (hazard.rule, hazard.loss, hazard.units, hazard.activation) == ("survival-discrete", "discrete_time_hazard",
                                                                           6, "sigmoid")
    assert [a["loss"] for a in hazard.alternatives] == ["cox_partial_likelihood"]


def test_recommend_cli_json(run_cli):
    code, out, err = run_cli("recommend", "--task", "survival", "--time", "discrete", "--intervals", "4",
                             "--framework", "keras", "--json", "--no-input")
    doc = json.loads(out)
    assert code == 0, err
    assert doc["rule"] == "survival-discrete" and doc["output"] == {"units": 4, "activation": "sigmoid"}
    assert doc["loss"]["id"] == "discrete_time_hazard" and doc["check"]["passed"] is True
    assert "(4 intervals, numbered from 0)" in doc["framework"]["labels"]


def test_rules_by_prompts():
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(PYTHON, ["-m", "lossadvisor", "recommend", "--framework", "pytorch", "--no-check", "--json", "--ask"],
                          env=python_env(NO_COLOR="1"), encoding="utf-8", timeout=60, dimensions=(50, 140))
    child.expect(r"task .*: ")
    child.sendline("survival")
    child.expect(r"time .*: ")
    child.sendline("disc")
    child.expect(r"intervals .*: ")
    child.sendline("7")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    doc = json.loads(child.before[child.before.index("{"):])
    assert doc["answers"] == {"task": "survival", "time": "discrete", "intervals": 7, "framework": "pytorch"}
    assert doc["rule"] == "survival-discrete" and doc["output"]["units"] == 7


@pytest.mark.parametrize("time", ["continuous", "discrete"])
def test_program_data_has_censored_rows_and_ties(rb, time):
    intervals = {"intervals": 5} if time == "discrete" else {}
    rec = _recommend(rb, task="survival", time=time, framework="pytorch", **intervals)
    data = "\n".join(data_section(make_problem(rec, rb.losses[rec.loss])))
    namespace = {"np": np}
    exec(data, namespace)  # the NumPy data section every framework's program starts with
    y = namespace["y"]
    assert y.shape == (512, 2) and y.dtype == np.float32
    assert set(np.unique(y[:, 1])) == {0.0, 1.0}
    assert 0.15 < 1 - y[:, 1].mean() < 0.6  # censored rows
    assert len(np.unique(y[:, 0])) < len(y)  # ties
    if time == "discrete":
        assert set(np.unique(y[:, 0])) == {0.0, 1.0, 2.0, 3.0, 4.0}
        assert (y[y[:, 0] == 4, 1] == 0).any()  # rows followed to the end of the last interval


def test_programs_use_the_custom_losses_without_a_bias(rb):
    for framework, no_bias in (("pytorch", "nn.Linear(in_features, 1, bias=False)"),
                               ("keras", "keras.layers.Dense(1, use_bias=False)"),
                               ("jax", 'jnp.dot(h, params["w_out"])  #')):
        code = framework_code(_recommend(rb, task="survival", framework=framework), rb)["code"]
        assert no_bias in code and "def cox_partial_likelihood(" in code
        assert "max(events, 1)" in code


# ------------------------------------------------------------------ the picture


def test_discrete_hazard_picture_is_one_intervals_cross_entropy(rb):
    from lossadvisor.plot import loss_curve, plot_plan

    plan = plot_plan(rb, "discrete_time_hazard")
    z = np.linspace(-6, 6, 13)
    event, survived = plan["curves"]
    # the event's interval: -log sigmoid(z) = softplus(-z); an interval survived: softplus(z)
    value, grad = loss_curve("discrete_time_hazard", "sigmoid", z, 1.0, event["params"])
    assert np.allclose(value, np.logaddexp(0, -z)) and np.allclose(grad, ref.sigmoid(z) - 1)
    value, grad = loss_curve("discrete_time_hazard", "sigmoid", z, 1.0, survived["params"])
    assert np.allclose(value, np.logaddexp(0, z)) and np.allclose(grad, ref.sigmoid(z))


def test_cox_has_no_picture_and_says_why(run_cli, tmp_path):
    code, _, err = run_cli("explain", "cox_partial_likelihood", "--plot", str(tmp_path / "cox.png"))
    assert code == 2 and "no picture of cox_partial_likelihood: each example's term depends on" in err


def test_cox_lone_event_is_positive_zero():
    # one row, an event: its risk set is itself, -(eta - log exp(eta)) = 0; +0.0, not -0.0
    value = ref.cox_partial_likelihood([[1.0, 1.0]], [5.0])
    assert value == 0.0 and math.copysign(1.0, value) == 1.0


@pytest.mark.parametrize("framework", ["pytorch", "jax", "keras"])
def test_discrete_hazard_agrees_with_a_composition_of_the_frameworks_bce(framework):
    """No framework has the loss; each agreement hook composes its own binary cross-entropy and says so."""
    try:
        load_framework(framework)
    except FrameworkUnavailable as exc:
        pytest.skip(str(exc))
    report = run_checks(["discrete_time_hazard"], frameworks=[framework])
    (row,) = [r for r in report["results"] if r["name"].startswith("framework agreement")]
    assert row["passed"] is True, row
    assert "built from" in row["detail"] and "BCE" in row["detail"]


def test_discrete_hazard_agreement_hook_by_hand():
    """One row censored in interval 1 (at risk in 0 and 1, labels 0, 0) and one event in interval 0
    (label 1): with all logits 0 every at-risk term is log 2, three terms over 2 rows = 1.5 log 2."""
    from lossadvisor.reference.losses.discrete_time_hazard import SPEC

    try:
        mods = load_framework("pytorch")
    except FrameworkUnavailable as exc:
        pytest.skip(str(exc))
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    z = np.zeros((2, 3))

    class Logits:
        from_logits = True

    value, expr = SPEC.frameworks["pytorch"](mods, Logits, y, z, {})
    assert value == pytest.approx(1.5 * LOG2, rel=1e-12) and expr.startswith("built from PyTorch's BCE")
