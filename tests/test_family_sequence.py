"""The sequence family: the CTC reference against hand values and a brute-force sum over the frame
paths, its gradient, its refusals, the three frameworks' built-ins, the rule and its programs."""

import importlib.util
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from conftest import PYTHON, central_differences, python_env
from lossadvisor.checks import load_framework
from lossadvisor.engine import recommend
from lossadvisor.frameworks import framework_code
from lossadvisor.reference import log_softmax, softmax
from lossadvisor.reference.losses import ctc as seq
from lossadvisor.reference.losses.ctc import ctc

# ------------------------------------------------------------------ values


def test_worked_example_by_hand():
    # 3 frames of p(blank) = 1/4, p(a) = 3/4. 'a': aaa, aa_, _aa, a__, _a_, __a = 54/64 = 27/32;
    # 'aa': only a_a = 9/64. Mean of -log: ½ log(2048/243).
    p = np.tile([0.25, 0.75], (2, 3, 1))
    assert ctc([[1, 0], [1, 1]], p) == pytest.approx(0.5 * math.log(2048 / 243), rel=1e-12)


def test_two_frames_by_hand():
    # frames (½, ½) and (¼, ¾) over (blank, a); 'a' by aa, a_, _a: ½·¾ + ½·¼ + ½·¾ = 7/8
    p = np.array([[[0.5, 0.5], [0.25, 0.75]]])
    assert ctc([[1]], p) == pytest.approx(math.log(8 / 7), rel=1e-12)


def test_empty_labels_are_all_blanks():
    # no labels: the one path is blank at every frame, -Σ_t log p_t(blank) (closed form)
    z = np.random.default_rng(1).normal(size=(2, 4, 3))
    expected = -log_softmax(z)[:, :, 0].sum(axis=1).mean()
    assert ctc(np.zeros((2, 2), dtype=int), z, from_logits=True) == pytest.approx(expected, rel=1e-12)


def test_one_frame_is_the_frame_cross_entropy():
    # T = 1, one label c: the only path emits c, so the loss is -log p(c) (closed form)
    z = np.random.default_rng(2).normal(size=(3, 1, 4))
    y = np.array([[1], [3], [2]])
    expected = -np.mean([log_softmax(z)[b, 0, y[b, 0]] for b in range(3)])
    assert ctc(y, z, from_logits=True) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("labels", [
    [[1, 2, 0], [2, 2, 0], [0, 0, 0]],       # distinct, repeated, empty
    [[1, 1, 1], [2, 1, 2], [1, 0, 0]],       # a triple repeat needs all 5 frames; alternating; single
    [[2, 1, 0], [1, 2, 1], [2, 2, 1]],
])
def test_agrees_with_brute_force_over_all_paths(labels):
    # a second formula: sum the probability of each of the 3^5 frame paths that collapses to the labels
    rng = np.random.default_rng(len(str(labels)))
    p = softmax(rng.normal(0.0, 1.5, (3, 5, 3)))
    y = np.array(labels)
    expected = -np.log(seq.brute_force_probability(y, p)).mean()
    assert ctc(y, p) == pytest.approx(expected, rel=1e-12)
    assert ctc(y, np.log(p), from_logits=True) == pytest.approx(expected, rel=1e-12)


def test_brute_force_collapse():
    assert seq.collapse((1, 1, 0, 1, 2, 2, 0)) == (1, 1, 2)
    assert seq.collapse((0, 0)) == ()


def test_batch_chunks_give_the_same_mean(monkeypatch):
    rng = np.random.default_rng(3)
    z = rng.normal(size=(7, 6, 4))
    y = rng.integers(1, 4, size=(7, 3))
    whole = ctc(y, z, from_logits=True)
    monkeypatch.setattr(seq, "CHUNK_ELEMENTS", 1)  # one row per chunk
    assert ctc(y, z, from_logits=True) == pytest.approx(whole, rel=1e-14)


def test_float32_input_gives_the_float64_value():
    z = np.random.default_rng(4).normal(size=(2, 5, 3)).astype(np.float32)
    y = [[1, 2], [2, 0]]
    assert ctc(y, z, from_logits=True) == pytest.approx(ctc(y, z.astype(np.float64), from_logits=True), rel=1e-12)


def test_extreme_logits_stay_finite():
    for label, y, z, _, as_prob in seq.extremes(None):
        with np.errstate(all="raise", under="ignore"):
            value = ctc(y, z, from_logits=not as_prob)
            grad = seq.gradient(y, z, from_logits=not as_prob)
        assert math.isfinite(value) and np.isfinite(grad).all(), label
    # a path spelling the labels at ±1e4 has probability 1 - O(e^-2e4): loss 0
    y, z = seq.extremes(None)[0][1:3]
    assert ctc(y, z, from_logits=True) == 0.0


# ------------------------------------------------------------------ gradient


@pytest.mark.parametrize("from_logits", [True, False])
def test_gradient_matches_central_differences(from_logits):
    rng = np.random.default_rng(5)
    z = rng.normal(0.0, 1.5, (3, 5, 3))
    y = np.array([[1, 1, 0], [2, 1, 2], [0, 0, 0]])
    x = z if from_logits else softmax(z)
    analytic = seq.gradient(y, x, from_logits=from_logits)
    numeric = central_differences(lambda v: ctc(y, v, from_logits=from_logits), x)
    assert np.abs(analytic - numeric).max() <= 1e-6 * max(np.abs(numeric).max(), 1.0)


def test_occupancies_sum_to_one_per_frame():
    # every alignment emits exactly one class per frame
    z = np.random.default_rng(6).normal(size=(2, 6, 4))
    labels, lengths = seq.sequence_labels([[1, 3, 3], [2, 0, 0]], z)
    occ = seq.occupancy(log_softmax(z), labels, lengths)
    assert occ.sum(axis=2) == pytest.approx(np.ones((2, 6)), rel=1e-12)


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize("y, z, message", [
    ([[1, 1, 1]], np.zeros((1, 4, 3)), "row 0 cannot fit in y_pred's 4 frames: its 3 labels and 2 blank(s)"),
    ([[1, 0], [2, 2]], np.zeros((2, 2, 3)), "row 1 cannot fit in y_pred's 2 frames: its 2 labels and 1 blank(s)"),
    ([[1, 0, 2]], np.zeros((1, 5, 3)), "row 0 holds 0 at index 1 before a label"),
    ([[1, 3]], np.zeros((1, 5, 3)), "label 3 at index (0, 1), outside 1..2"),
    ([[1, -1]], np.zeros((1, 5, 3)), "label -1 at index (0, 1)"),
    ([[1.5]], np.zeros((1, 5, 3)), "must hold integer labels, but holds 1.5"),
    ([[np.nan]], np.zeros((1, 5, 3)), "holds NaN at index (0, 0)"),
    ([1, 2], np.zeros((1, 5, 3)), "y_true has shape (2,)"),
    ([[1], [2]], np.zeros((1, 5, 3)), "y_true has shape (2, 1)"),
    ([[1]], np.zeros((5, 3)), "y_pred has shape (5, 3): CTC needs (batch, frames, classes)"),
    ([[1]], np.zeros((1, 5, 1)), "CTC needs the blank and at least one symbol"),
    ([[1]], np.zeros((1, 0, 3)), "y_pred is empty"),
])
def test_bad_inputs_are_value_errors(y, z, message):
    with pytest.raises(ValueError) as info:
        ctc(y, z, from_logits=True)
    assert message in str(info.value)


def test_nan_in_the_prediction_is_named():
    z = np.zeros((1, 4, 3))
    z[0, 2, 1] = np.nan
    with pytest.raises(ValueError, match=r"y_pred contains NaN at index \(0, 2, 1\)"):
        ctc([[1]], z, from_logits=True)
    p = np.full((1, 4, 3), 1 / 3)
    p[0, 2, 1] = np.nan
    with pytest.raises(ValueError, match=r"y_pred contains NaN at index \(0, 2, 1\)"):
        ctc([[1]], p)


def test_probabilities_outside_0_1_are_refused():
    p = np.full((1, 4, 3), 1 / 3)
    p[0, 1, 2] = 1.5
    with pytest.raises(ValueError, match=r"y_pred must be a probability in \[0, 1\].*holds 1.5 at index \(0, 1, 2\)"):
        ctc([[1]], p)


# ------------------------------------------------------------------ the rule


def test_rule_by_answers(rb):
    rec = recommend(rb, {"task": "sequence", "classes": 5, "framework": "pytorch"})
    assert (rec.rule, rec.loss, rec.units, rec.activation) == ("sequence-ctc", "ctc", 6, "softmax")
    assert rb.applicable("classes", {"task": "sequence"}).default == 26


def test_rule_by_flags(run_cli):
    code, out, _ = run_cli("recommend", "--task", "sequence", "--classes", "9", "--framework", "jax", "--json",
                           "--no-check", "--no-input")
    doc = json.loads(out)
    assert code == 0
    assert doc["rule"] == "sequence-ctc" and doc["output"] == {"units": 10, "activation": "softmax"}
    assert doc["loss"]["id"] == "ctc"
    assert any("1.0 where padded" in w for w in doc["warnings"])


try:
    import pexpect
except ImportError:  # pragma: no cover - the test extra installs it
    pexpect = None


@pytest.mark.skipif(pexpect is None, reason="pexpect is not installed")
def test_rule_by_prompts():
    child = pexpect.spawn(PYTHON, ["-m", "lossadvisor", "recommend", "--json", "--no-check"],
                          env=python_env(NO_COLOR="1"), encoding="utf-8", timeout=30, dimensions=(50, 140))
    child.expect(r"task .*: ")
    child.sendline("sequence")
    child.expect(r"classes .*: ")
    child.sendline("4")
    child.expect(r"framework .*: ")
    child.sendline("keras")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    doc = json.loads(child.before[child.before.index("{"):])
    assert doc["answers"] == {"task": "sequence", "classes": 4, "framework": "keras"}
    assert doc["rule"] == "sequence-ctc" and doc["output"]["units"] == 5


# ------------------------------------------------------------------ frameworks


def _framework(name):
    try:
        return load_framework(name)
    except ImportError as exc:
        pytest.skip(str(exc))


def _cases():
    rng = np.random.default_rng(8)
    y_random = np.array([[1, 2, 0, 0], [3, 3, 1, 0], [0, 0, 0, 0], [2, 1, 2, 3]])
    yield "random", y_random, rng.normal(0.0, 2.0, (4, 9, 4))
    for label, y, z, _, as_prob in seq.extremes(None):
        if not as_prob:
            yield label, y, z


CASES = list(_cases())


@pytest.mark.parametrize("label, y, z", CASES, ids=[c[0] for c in CASES])
def test_pytorch_ctc_loss_agrees(label, y, z):
    mods = _framework("pytorch")
    torch, F = mods["torch"], mods["F"]
    logits = torch.as_tensor(z, dtype=torch.float64)
    value = F.ctc_loss(logits.log_softmax(-1).transpose(0, 1), torch.as_tensor(y), torch.full((len(y),), z.shape[1]),
                       torch.as_tensor((y != 0).sum(axis=1)), blank=0, reduction="none").mean()
    assert float(value) == pytest.approx(ctc(y, z, from_logits=True), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("label, y, z", CASES, ids=[c[0] for c in CASES])
def test_optax_ctc_loss_agrees(label, y, z):
    mods = _framework("jax")
    jnp, optax = mods["jnp"], mods["optax"]
    labels = jnp.asarray(y, dtype=jnp.int32)
    value = optax.ctc_loss(jnp.asarray(z, dtype=jnp.float32), jnp.zeros(z.shape[:2]), labels,
                           (labels == 0).astype(jnp.float32), blank_id=0).mean()
    assert float(value) == pytest.approx(ctc(y, z, from_logits=True), rel=2e-5, abs=1e-5)


@pytest.mark.parametrize("label, y, z", CASES, ids=[c[0] for c in CASES])
def test_keras_ctc_agrees(label, y, z):
    keras = _framework("keras")["keras"]
    ours = ctc(y, z, from_logits=True)
    logits = z.astype(np.float32)
    labels = y.astype(np.int32)
    assert float(keras.losses.CTC()(labels, logits)) == pytest.approx(ours, rel=2e-5, abs=1e-5)
    per_sequence = keras.ops.ctc_loss(labels, logits, (labels != 0).sum(axis=1), np.full(len(y), z.shape[1]))
    assert float(np.mean(per_sequence)) == pytest.approx(ours, rel=2e-5, abs=1e-5)


def test_check_ctc_passes(run_cli):
    code, out, _ = run_cli("check", "ctc", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["passed"], [r for r in doc["results"] if r["passed"] is False]
    names = {r["name"] for r in doc["results"] if r["passed"]}
    assert {"worked example", "maximum likelihood", "gradient", "stability", "minimiser"} <= names


# ------------------------------------------------------------------ programs


PROGRAM_RUNS = [("pytorch", ("torch",), {}), ("jax", ("jax", "optax"), {}),
                ("keras", ("keras", "jax"), {"KERAS_BACKEND": "jax"})]


@pytest.mark.parametrize("framework, modules, env", PROGRAM_RUNS, ids=[r[0] for r in PROGRAM_RUNS])
def test_sequence_program_trains(rb, framework, modules, env, tmp_path):
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")
    rec = recommend(rb, {"task": "sequence", "classes": 7, "framework": framework})
    code = framework_code(rec, rb)
    assert "ctc" in code["loss"].lower()
    program = tmp_path / "program.py"
    # after the program: its predictions and the frame-wise best classes, to check the decode
    program.write_text(code["code"] + DECODED_REPORT)
    run = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=300,
                         env=python_env(**env), cwd=str(tmp_path))
    assert run.returncode == 0, run.stderr[-3000:]
    found = dict(line.split(": ", 1) for line in run.stdout.splitlines() if ": " in line)
    before, after = float(found["loss before"]), float(found["loss after"])
    assert math.isfinite(after) and after < before / 2, run.stdout
    # the predictions are the greedy decode (itertools.groupby merges the repeats, then the blanks go),
    # labels first, then padding (Keras' ctc_decode pads with -1, the others with 0 as the targets)
    decoded, best = np.array(json.loads(found["decoded"])), json.loads(found["best path"])
    assert decoded.shape == (256, 12)
    pad = -1 if framework == "keras" else 0
    for row, path in zip(decoded, best):
        labels = seq.collapse(path)
        assert tuple(row[:len(labels)]) == labels and (row[len(labels):] == pad).all()
    # trained on labels that a linear map of the frames spells: most sequences decode to their labels
    targets = [tuple(int(s) for s in row if s) for row in json.loads(found["targets"])]
    matches = sum(seq.collapse(path) == labels for path, labels in zip(best, targets))
    assert matches > len(targets) / 2, matches


#: appended to a sequence program: its decoded predictions, frame-wise best classes and targets as JSON
DECODED_REPORT = """
import json
print("decoded:", json.dumps(np.asarray(predictions).tolist()))
print("best path:", json.dumps(np.asarray(logits).argmax(axis=-1).tolist()))
print("targets:", json.dumps(np.asarray(y).tolist()))
"""


def test_program_labels_fit_their_frames(rb):
    # the data section alone: every collapsed label row fits in the frames and is right-padded with 0
    rec = recommend(rb, {"task": "sequence", "classes": 26, "framework": "pytorch"})
    code = framework_code(rec, rb)["code"]
    data = code[code.index("# ---- a seeded"):code.index("# ---- the model")]
    scope = {"np": np}
    exec(data, scope)  # noqa: S102 - the program's own data section
    y, x = scope["y"], scope["x"]
    assert x.shape == (256, 12, 8) and y.dtype == np.int64
    labels, lengths = seq.sequence_labels(y, np.zeros((256, 12, 27)))
    assert (lengths == scope["target_lengths"]).all() and 0 < lengths.mean() < 12
    for row, path in zip(y, scope["frame_symbols"]):
        assert tuple(int(s) for s in row if s) == seq.collapse(path)
    assert "labels" in framework_code(rec, rb) and "right-padded with 0" in framework_code(rec, rb)["labels"]


def test_explain_plot_says_why_there_is_no_picture(run_cli, tmp_path):
    code, _, err = run_cli("explain", "ctc", "--plot", str(tmp_path / "ctc.png"))
    assert code == 2 and "every other frame through the alignments" in err
    assert not (tmp_path / "ctc.png").exists()
