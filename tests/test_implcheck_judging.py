"""How ``check --impl`` judges: scalars judged as returned, clipping conventions on the edge
cases, soft targets and targets with zeros, diagnoses that name the real mistake, the
one-output-at-a-time convention, counts over the cases, the kind of a lost child.

Each planted bug must fail with its own diagnosis; each correct implementation (the
frameworks' built-ins where installed) must pass.
"""

from __future__ import annotations

import importlib.util
import json
import math
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import impl_specs
from hypothesis import given, settings
from hypothesis import strategies as st

from lossadvisor import implcheck
from lossadvisor.implcheck import DIAGNOSES, check_implementation

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_KERAS = importlib.util.find_spec("keras") is not None
HAS_OPTAX = importlib.util.find_spec("optax") is not None

USER_CODE = textwrap.dedent('''
    import os, signal, sys, time
    import numpy as np

    def clip(p, eps=1e-7):
        return np.clip(p, eps, 1 - eps)

    # ---------------------------------------------------- item 1: a wrong scalar on a 2-D batch
    def cce_sum(y, p):                          # sum over the rows
        return -np.sum(y * np.log(clip(p)))

    def scce_sum(y, p):                         # sparse CCE summed over the rows
        p = clip(np.atleast_2d(p))
        return -np.sum(np.log(p[np.arange(len(p)), np.atleast_1d(y)]))

    def mse_sum_outputs(y, p):                  # mean over rows, sum over outputs
        return np.sum(np.mean((y - p) ** 2, axis=0))

    def mae_sum_outputs(y, p):
        return np.sum(np.mean(np.abs(y - p), axis=0))

    def bce_sum_outputs(y, p):
        p = clip(p)
        return np.sum(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)), axis=0))

    def mse_sum_rows(y, p):                     # sum over rows, mean over outputs
        return np.sum(np.mean((y - p) ** 2, axis=-1))

    def mse_loop(y, p):                         # the seed article's loop, for 1-D vectors
        return sum((a - b) ** 2 for a, b in zip(y, p)) / len(y)

    # ------------------------------------------------------------- item 2: clipping conventions
    def bce_clip(eps):
        def f(y, p):
            p = clip(p, eps)
            return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
        return f

    bce_clip_1e7, bce_clip_1e12, bce_clip_1e3 = bce_clip(1e-7), bce_clip(1e-12), bce_clip(1e-3)

    def bce_log_clamp(y, p):                    # PyTorch's BCELoss: each log clamped at -100
        with np.errstate(divide="ignore"):
            return float(np.mean(-(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100))))

    def bce_unclipped(y, p):                    # log 0
        with np.errstate(all="ignore"):
            return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    def torch_bce(y, p):
        import torch
        return torch.nn.functional.binary_cross_entropy(torch.as_tensor(p), torch.as_tensor(y)).item()

    def _keras():
        os.environ.setdefault("KERAS_BACKEND", "torch")
        import keras
        return keras

    def _keras_loss(loss, y, p):
        keras = _keras()
        return float(keras.ops.convert_to_numpy(loss(np.asarray(y, "float32"), np.asarray(p, "float32"))))

    def keras_bce(y, p):                        # float32: the clip 1e-7 rounds to about 1.1e-7
        keras = _keras()
        return float(keras.ops.convert_to_numpy(keras.ops.mean(
            keras.losses.binary_crossentropy(np.asarray(y, "float32"), np.asarray(p, "float32")))))

    def keras_binary_focal(y, p):
        return _keras_loss(_keras().losses.BinaryFocalCrossentropy(), y, p)

    def keras_cce(y, p):
        return _keras_loss(_keras().losses.CategoricalCrossentropy(), y, p)

    def keras_kl(y, p):
        return _keras_loss(_keras().losses.KLDivergence(), y, p)

    # ------------------------------------------------------ item 3: soft targets, targets with zeros
    def kl_naive(y, p):                         # 0 log 0 = NaN
        return np.mean(np.sum(y * np.log(y / p), axis=-1))

    def kl_zero_terms_dropped(y, p):            # 0 log 0 = 0: correct
        y, p = np.atleast_2d(y), np.atleast_2d(p)
        safe = np.where(y > 0, y, 1.0)
        return float(np.mean(np.sum(np.where(y > 0, y * np.log(safe / p), 0.0), axis=-1)))

    def bce_hard(y, p):                         # right for labels 0 / 1 only
        return -np.mean(np.log(np.where(y == 1, clip(p), 1 - clip(p))))

    def cce_argmax(y, p):                       # right for one-hot rows only
        y, p = np.atleast_2d(y), clip(np.atleast_2d(p))
        return -np.mean(np.log(p[np.arange(len(y)), np.argmax(y, -1)]))

    def torch_kl(p, y):
        import torch
        return torch.nn.functional.kl_div(torch.log(torch.as_tensor(p)), torch.as_tensor(y),
                                          reduction="batchmean").item()

    def torch_cce_logits(z, y):                 # class probabilities as targets (label smoothing)
        import torch
        return torch.nn.functional.cross_entropy(torch.as_tensor(z), torch.as_tensor(y)).item()

    def optax_kl(p, y):
        import jax.numpy as jnp, optax
        return float(optax.losses.kl_divergence(jnp.log(jnp.asarray(p)), jnp.asarray(y)).mean())

    def optax_bce(z, y):
        import jax.numpy as jnp, optax
        return float(optax.losses.sigmoid_binary_cross_entropy(jnp.asarray(z), jnp.asarray(y)).mean())

    # ----------------------------------------------------------------------- item 4: diagnoses
    def rmse(y, p):
        return np.sqrt(np.mean((y - p) ** 2))

    def huber_delta_half(y, p):                 # another delta than the reference's 1: lower on large errors
        e = np.abs(y - p)
        return float(np.mean(np.where(e <= 0.5, 0.5 * e ** 2, 0.5 * (e - 0.25))))

    def mse_capped(y, p):                       # errors capped: lower on large errors, not a clipped log
        return float(np.mean(np.minimum((y - p) ** 2, 100.0)))

    def bce_probs(y, p):
        p = clip(p)
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    def bce_logits_clipped(y, z):               # log(clip(sigmoid(z))): saturates on large logits
        p = clip(1 / (1 + np.exp(-np.clip(z, -500, 500))))
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    # ------------------------------------------------------------ item 5: one output at a time
    Q = np.array([0.1, 0.5, 0.9])

    def quantile_one_output(y, p):
        y = np.asarray(y).reshape(-1, 1) if np.ndim(y) <= 1 else y
        e = y - p
        return np.mean(np.maximum(Q * e, (Q - 1) * e))

    def quantile_levels_reversed(y, p):         # the levels the wrong way round
        y = np.asarray(y).reshape(-1, 1) if np.ndim(y) <= 1 else y
        e = y - p
        return np.mean(np.maximum(Q[::-1] * e, (Q[::-1] - 1) * e))

    def quantile_first_output(y, p):            # a scalar on the multi-output batch: judged as it is
        y = np.asarray(y)
        if np.ndim(y) == 2:
            y, p = y[:, 0], p[:, :3]
        e = np.asarray(y).reshape(-1, 1) - p
        return np.mean(np.maximum(Q * e, (Q - 1) * e))

    def mse(y, p):
        return float(np.mean((y - p) ** 2))

    # ------------------------------------------------------------ item 7: lost in the row path
    def _row_call(y):
        return np.ndim(y) == 1 and len(y) == 3 and 0 < abs(y[0]) < 100

    def rows_sleep(y, p):                       # an array on the batch, then a hang on row 0
        if np.ndim(y) == 2:
            return (y - p) ** 2
        if _row_call(y):
            time.sleep(30)
        return float(np.mean((y - p) ** 2))

    def rows_crash(y, p):
        if np.ndim(y) == 2:
            return (y - p) ** 2
        if _row_call(y):
            os.kill(os.getpid(), signal.SIGSEGV)
        return float(np.mean((y - p) ** 2))

    def rows_os_exit(y, p):
        if np.ndim(y) == 2:
            return (y - p) ** 2
        if _row_call(y):
            os._exit(3)
        return float(np.mean((y - p) ** 2))
''')


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    """``user(name)``: the --impl spec of a function of USER_CODE."""
    return impl_specs(tmp_path_factory.mktemp("judging"), USER_CODE)


def _codes(out):
    return [d["code"] for d in out["diagnoses"]]


def _cases(out):
    return [r for r in out["results"] if r["name"].startswith("case: ")]


# ============================================================ 1: a scalar is judged as it is


@pytest.mark.parametrize("name, loss, code, factor", [
    # 8 rows in the first class batch: yours = 8 x reference
    ("cce_sum", "categorical_crossentropy", "sum", "x 8"),
    ("scce_sum", "sparse_categorical_crossentropy", "sum", "x 8"),
    # the 6 x 3 batch: summed over its 3 outputs, yours = 3 x reference; over its 6 rows, 6 x
    ("mse_sum_outputs", "mean_squared_error", "output_sum", "x 3"),
    ("mae_sum_outputs", "mean_absolute_error", "output_sum", "x 3"),
    ("bce_sum_outputs", "binary_crossentropy", "output_sum", "x 3"),
    ("mse_sum_rows", "mean_squared_error", "row_sum", "x 6"),
])
def test_a_wrong_scalar_on_a_batch_is_not_redone_row_by_row(user, name, loss, code, factor):
    # before: each passed as "1-D vectors", the batch's wrong scalar thrown away
    out = check_implementation(loss, user(name))
    assert out["passed"] is False, out["results"]
    assert code in _codes(out), out["diagnoses"]
    assert any(factor in r["detail"] for r in _cases(out))
    assert out["convention"]["shape"] == "2-D batches"


def test_the_seed_loop_still_passes_as_1d_vectors(user):
    # it returns an array on a 2-D batch (a sum of rows over len): only then is a case redone row by row
    out = check_implementation("mean_squared_error", user("mse_loop"))
    assert out["passed"] is True and out["convention"]["shape"] == "1-D vectors"


# ============================================================= 2: clipping on the edge cases


@pytest.mark.parametrize("name, eps", [
    ("bce_clip_1e7", 1e-7),
    ("bce_clip_1e12", 1e-12),
    ("bce_log_clamp", math.exp(-100)),
])
def test_a_clip_between_1e_4_and_the_log_clamp_passes(user, name, eps):
    out = check_implementation("binary_crossentropy", user(name))
    assert out["passed"] is True, out["results"]
    edge = next(r for r in out["results"] if r["name"] == "case: probabilities exactly 0 and 1, all wrong")
    if eps != 1e-7:
        # each of the four terms is -log eps (all predictions wrong): the value is -log(eps)
        assert f"yours {implcheck._fmt(-math.log(eps))}" in edge["detail"]
        assert f"clipped at ε = {implcheck._fmt(eps)}" in edge["detail"] and "clipping assumed" in edge["detail"]


def test_the_log_clamp_is_named(user):
    out = check_implementation("binary_crossentropy", user("bce_log_clamp"))
    edge = next(r for r in out["results"] if r["name"] == "case: probabilities exactly 0 and 1, all wrong")
    assert "yours 100" in edge["detail"] and "PyTorch's log clamp at -100" in edge["detail"]


def test_a_clip_coarser_than_1e_4_or_log_0_fails(user):
    # clip 1e-3: -log(1e-3) = 6.91 on the all-wrong edge case, below the range
    out = check_implementation("binary_crossentropy", user("bce_clip_1e3"))
    assert out["passed"] is False
    edge = next(r for r in out["results"] if r["name"] == "case: probabilities exactly 0 and 1, all wrong")
    assert edge["passed"] is False
    out = check_implementation("binary_crossentropy", user("bce_unclipped"))
    assert out["passed"] is False and _codes(out) == ["log_zero"]


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_torch_bce_passes(user):
    out = check_implementation("binary_crossentropy", user("torch_bce"), timeout=60)
    assert out["passed"] is True, out["results"]


@pytest.mark.skipif(not HAS_KERAS or not HAS_TORCH, reason="keras (torch backend) is not installed")
@pytest.mark.parametrize("name, loss", [
    ("keras_bce", "binary_crossentropy"),
    ("keras_binary_focal", "binary_focal_crossentropy"),
    ("keras_cce", "categorical_crossentropy"),
    ("keras_kl", "kl_divergence"),
])
def test_keras_builtins_pass(user, name, loss):
    out = check_implementation(loss, user(name), timeout=60)
    assert out["passed"] is True, out["results"]


# ======================================================== 3: soft targets, targets with zeros


def test_the_reference_on_soft_targets_and_zero_targets():
    from lossadvisor import reference as ref

    # by hand: -(0.9 ln 0.7 + 0.1 ln 0.3) = 0.9 x 0.3566749 + 0.1 x 1.2039728 = 0.3210074 + 0.1203973
    assert ref.LOSSES["binary_crossentropy"]([0.9], [0.7]) == pytest.approx(0.4414047, abs=1e-7)
    # by hand: -(0.85 ln 0.7 + 3 x 0.05 ln 0.1) = 0.85 x 0.3566749 + 0.15 x 2.3025851
    assert ref.LOSSES["categorical_crossentropy"]([[0.85, 0.05, 0.05, 0.05]], [[0.7, 0.1, 0.1, 0.1]]) == \
        pytest.approx(0.6485615, abs=1e-7)
    # by hand: 1 x ln(1 / 0.25) + 0 = ln 4; the reference's clip of the zero target at 1e-7 adds
    # 1e-7 ln(1e-7 / 0.75) = -1.6e-6
    assert ref.LOSSES["kl_divergence"]([[1.0, 0.0]], [[0.25, 0.75]]) == pytest.approx(math.log(4), abs=2e-6)


@pytest.mark.parametrize("name, loss, code", [
    ("kl_naive", "kl_divergence", "not_finite"),       # NaN on one-hot rows
    ("bce_hard", "binary_crossentropy", None),
    ("cce_argmax", "categorical_crossentropy", None),
])
def test_naive_implementations_fail_on_the_new_cases(user, name, loss, code):
    out = check_implementation(loss, user(name))
    assert out["passed"] is False, out["results"]
    failed = [r["name"] for r in _cases(out) if r["passed"] is False]
    assert failed == ["case: targets with zeros (0 log 0 = 0)"] if loss == "kl_divergence" else \
        failed == ["case: soft targets (label smoothing 0.2)"], out["results"]
    if code:
        assert code in _codes(out)


def test_0_log_0_is_0_passes(user):
    out = check_implementation("kl_divergence", user("kl_zero_terms_dropped"))
    assert out["passed"] is True, out["results"]


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("name, loss", [("torch_kl", "kl_divergence"), ("torch_cce_logits", "categorical_crossentropy")])
def test_torch_builtins_pass_on_the_new_cases(user, name, loss):
    out = check_implementation(loss, user(name), timeout=60)
    assert out["passed"] is True, out["results"]


@pytest.mark.skipif(not HAS_OPTAX, reason="optax is not installed")
@pytest.mark.parametrize("name, loss", [("optax_kl", "kl_divergence"), ("optax_bce", "binary_crossentropy")])
def test_optax_builtins_pass_on_the_new_cases(user, name, loss):
    out = check_implementation(loss, user(name), timeout=60)
    assert out["passed"] is True, out["results"]


# ========================================================================== 4: diagnoses


def test_rmse_is_named_root(user):
    out = check_implementation("mean_squared_error", user("rmse"))
    assert _codes(out) == ["root"], out["diagnoses"]
    assert all("saturates" not in r["detail"] for r in out["results"])


@pytest.mark.parametrize("name, loss", [("huber_delta_half", "huber"), ("mse_capped", "mean_squared_error")])
def test_saturates_is_never_said_of_a_regression_loss(user, name, loss):
    out = check_implementation(loss, user(name))
    assert out["passed"] is False and _codes(out) == []
    assert "no known mistake explains it" in out["results"][-1]["detail"]


def test_saturates_is_said_of_a_loss_over_logits(user):
    out = check_implementation("binary_crossentropy", user("bce_logits_clipped"), from_logits=True)
    assert _codes(out) == ["saturates"], out["diagnoses"]


def test_logits_as_probabilities_alone(user):
    # before: "logits taken as probabilities" and a spurious "saturates" on the large logits
    out = check_implementation("binary_crossentropy", user("bce_probs"), from_logits=True)
    assert _codes(out) == ["logits_as_probs"], out["diagnoses"]


def test_every_diagnosis_code_is_in_the_schema():
    schema = json.loads((Path(implcheck.__file__).parent / "schemas" / "check.schema.json").read_text())
    codes = set()

    def walk(node):
        if isinstance(node, dict):
            if "code" in node.get("properties", {}):
                codes.update(node["properties"]["code"].get("enum", []))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert codes == set(DIAGNOSES)


# =================================================================== 5: one output at a time


def test_a_single_output_quantile_loss_passes_one_output_at_a_time(user):
    out = check_implementation("quantile", user("quantile_one_output"))
    assert out["passed"] is True, out["results"]
    assert out["convention"]["shape"] == "one output at a time"
    assert "one output at a time" in out["results"][-1]["detail"]


@pytest.mark.parametrize("name", ["quantile_levels_reversed", "quantile_first_output"])
def test_wrong_quantile_losses_fail(user, name):
    out = check_implementation("quantile", user(name))
    assert out["passed"] is False, out["results"]


# ====================================================================== 6: counts, 9: params


def test_counts_are_the_cases(user):
    out = check_implementation("mean_squared_error", user("mse"))
    cases = _cases(out)
    assert out["counts"] == {"passed": len(cases), "failed": 0, "skipped": 0}
    assert out["results"][-1]["name"] == "diagnosis" and len(out["results"]) == len(cases) + 1
    out = check_implementation("mean_squared_error", user("rmse"))
    assert out["counts"]["passed"] + out["counts"]["failed"] == len(_cases(out))


def test_a_catalog_parameter_the_reference_does_not_take_is_shown_skipped(user):
    from lossadvisor.checks import ignored_params_row

    catalog = {"binary_crossentropy": {"params": {"label_smoothing": 0.2}}}
    out = check_implementation("binary_crossentropy", user("bce_probs"), catalog=catalog)
    assert out["results"][0] == ignored_params_row("binary_crossentropy", {"label_smoothing": 0.2})
    assert out["results"][0]["detail"].startswith("skipped: label_smoothing=0.2 is applied by the framework")
    assert out["passed"] is True
    assert out["counts"] == {"passed": len(_cases(out)), "failed": 0, "skipped": 1}


# ============================================================== 7: lost in the row-by-row path


@pytest.mark.parametrize("name, code, start", [
    ("rows_sleep", "timeout", "row 0: did not return within 1 s"),
    ("rows_crash", "crash", "row 0: crashed: the process was killed by SIGSEGV"),
    ("rows_os_exit", "exit", "row 0: ended the process with exit code 3"),
])
def test_a_child_lost_row_by_row_keeps_its_kind(user, name, code, start):
    # before: each was "exits the process", read from the message after "row 0: " was prefixed
    out = check_implementation("mean_squared_error", user(name), timeout=1.0)
    assert _codes(out)[-1] == code, out["diagnoses"]
    assert any(r["detail"].startswith(start) for r in out["results"]), out["results"]


# ============================================================ 8: only the pinned form is built


def test_only_the_pinned_form_is_built(user, monkeypatch):
    built = []
    real = implcheck._cases

    def spy(spec, from_logits, kwargs):
        built.append(from_logits)
        return real(spec, from_logits, kwargs)

    monkeypatch.setattr(implcheck, "_cases", spy)
    check_implementation("binary_crossentropy", user("bce_probs"), from_logits=False)
    assert built == [False]


# ====================================================== property: planted bugs never pass

#: loss -> planted bugs of items 1, 3 and 4 (Y the target, P the prediction as given)
PLANTED = {
    "mean_squared_error": ["np.sum(np.mean((Y - P) ** 2, axis=0))", "np.sqrt(np.mean((Y - P) ** 2))",
                           "np.sum(np.mean((Y - P) ** 2, axis=-1))", "np.mean(np.minimum((Y - P) ** 2, 100))"],
    "categorical_crossentropy": ["-np.sum(Y * np.log(np.clip(P, {eps}, 1)))",
                                 "-np.mean(np.log(np.clip(np.atleast_2d(P), {eps}, 1)"
                                 "[np.arange(len(np.atleast_2d(Y))), np.argmax(np.atleast_2d(Y), -1)]))"],
    "binary_crossentropy": ["-np.mean(np.log(np.where(Y == 1, np.clip(P, {eps}, 1), np.clip(1 - P, {eps}, 1))))",
                            "np.sum(np.mean(-(Y * np.log(np.clip(P, {eps}, 1)) "
                            "+ (1 - Y) * np.log(np.clip(1 - P, {eps}, 1))), axis=0))"],
    "kl_divergence": ["np.mean(np.sum(Y * np.log(Y / P), axis=-1))"],
}


@st.composite
def planted_bugs(draw):
    loss = draw(st.sampled_from(sorted(PLANTED)))
    expression = draw(st.sampled_from(PLANTED[loss])).format(eps=draw(st.sampled_from(["1e-7", "1e-12", "1e-5"])))
    order = draw(st.sampled_from(["y, p", "p, y"]))
    source = textwrap.dedent(f"""
        import numpy as np

        def f({order}):
            Y, P = np.asarray(y), np.asarray(p)
            with np.errstate(all="ignore"):
                return float({expression})
    """)
    return loss, source


@settings(max_examples=12, deadline=None)
@given(planted_bugs())
def test_planted_bugs_never_pass(case):
    loss, source = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "planted.py"
        path.write_text(source)
        out = check_implementation(loss, f"{path}:f", timeout=5.0)
    assert out["passed"] is False, (source, out["results"])
    assert out["status"] == "failed"


def test_planted_bug_list_is_wrong_on_a_sample():
    # a sanity check of the list above, in this process: each expression differs from the
    # reference on a soft-target / zero-target / multi-output sample
    from lossadvisor import reference as ref

    rng = np.random.default_rng(0)
    samples = {
        "mean_squared_error": (rng.normal(size=(6, 3)) * 30, rng.normal(size=(6, 3))),
        "categorical_crossentropy": (0.8 * np.eye(4)[[0, 1, 2, 3, 0, 1]] + 0.05, ref.softmax(rng.normal(size=(6, 4)))),
        "binary_crossentropy": (np.array([[0.9, 0.1, 0.9], [0.1, 0.1, 0.9]]), ref.sigmoid(rng.normal(size=(2, 3)))),
        "kl_divergence": (np.eye(4)[[0, 1, 2]], ref.softmax(rng.normal(size=(3, 4)))),
    }
    for loss, expressions in PLANTED.items():
        Y, P = samples[loss]
        want = ref.LOSSES[loss](Y, P)
        for expression in expressions:
            with np.errstate(all="ignore"):
                got = float(eval(expression.format(eps="1e-7"), {"np": np, "Y": Y, "P": P}))  # noqa: S307
            assert not (math.isfinite(got) and math.isclose(got, want, rel_tol=1e-6)), (loss, expression)
