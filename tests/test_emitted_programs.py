"""Run every emitted training program with its framework, when that framework is installed.

Each framework's programs run in one worker subprocess (one import of torch,
jax or keras for all of them); each program runs there as ``__main__`` in a
fresh namespace with its stdout captured. A few programs also run truly on
their own, from ``lossadvisor recommend --emit-code``, in a subprocess.

Asserted for each program: it finishes without an exception, prints
``loss before: X`` and ``loss after: Y`` with finite X and Y, and Y < X.

Install the frameworks with:
    pip install torch==2.13.0 && pip install keras jax jaxlib optax
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import framework_variant_cases
from lossadvisor.engine import recommend
from lossadvisor.frameworks import FRAMEWORKS, framework_code
from lossadvisor.rulebase import load_rulebase

RB = load_rulebase()
ROOT = Path(__file__).resolve().parent.parent
WORKER_TIMEOUT = 1500  # seconds for all programs of one framework; a hang fails instead of blocking CI

# The worker: runs each program as __main__ in a fresh namespace, stdout captured.
WORKER = r"""
import contextlib, io, json, os, runpy, sys, tempfile, traceback

jobs = json.load(open(sys.argv[1]))
results = {}
folder = tempfile.mkdtemp(prefix="lossadvisor-programs-")
for number, job in enumerate(jobs):
    path = os.path.join(folder, f"program_{number}.py")
    with open(path, "w") as fh:
        fh.write(job["code"])
    out = io.StringIO()
    error = None
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (None, 0):
            error = f"SystemExit({exc.code!r})"
    except BaseException:
        error = traceback.format_exc()
    results[job["id"]] = {"stdout": out.getvalue(), "error": error}
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()
with open(sys.argv[2], "w") as fh:
    json.dump(results, fh)
"""

# What each group runs, what it needs, and the environment it runs in. Keras on the torch backend
# is slow per step (no compilation), so it runs one program per rule plus the swapped losses; every
# Keras program runs on the jax backend.
GROUPS = {
    "pytorch": ("pytorch", ("torch",), {}),
    "jax": ("jax", ("jax", "optax"), {}),
    "keras-jax": ("keras", ("keras", "jax"), {"KERAS_BACKEND": "jax"}),
    "keras-torch": ("keras-per-rule", ("keras", "torch"), {"KERAS_BACKEND": "torch"}),
}


def _case_id(answers: dict, extra: str = "") -> str:
    parts = [str(v) for k, v in answers.items() if k != "framework"]
    return "-".join(parts) + (f"-{extra}" if extra else "")


def programs(framework: str, *, one_per_rule: bool = False) -> dict[str, str]:
    """id -> program for every distinct program of one framework (the docstring aside).

    Beyond the shipped answer sets: the variants and swapped losses of ``framework_variant_cases``
    (conftest.py, shared with test_frameworks.py). ``one_per_rule``: only the first answer set of
    each rule, no variants, and the swapped losses.
    """
    recs = []
    rules_seen = set()
    for answers in RB.answer_sets():
        rec = recommend(RB, dict(answers, framework=framework))
        if one_per_rule and rec.rule in rules_seen:
            continue
        rules_seen.add(rec.rule)
        recs.append((_case_id(rec.answers), rec))
    for extra, rec in framework_variant_cases(RB, [framework]):
        if not (one_per_rule and extra == "variant"):
            recs.append((_case_id(rec.answers, extra), rec))
    found: dict[str, str] = {}
    bodies: set[str] = set()
    for case_id, rec in recs:
        code = framework_code(rec, RB)["code"]
        body = code.split('"""', 2)[2]
        if body not in bodies:
            bodies.add(body)
            found[case_id] = code
    return found


PROGRAMS = {fw: programs(fw) for fw in FRAMEWORKS}
PROGRAMS["keras-per-rule"] = programs("keras", one_per_rule=True)
PARAMS = [pytest.param(group, case_id, id=f"{group}-{case_id}")
          for group, (fw, _, _) in GROUPS.items() for case_id in PROGRAMS[fw]]


def _missing(modules) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None]


def _env(extra: dict) -> dict:
    env = dict(os.environ)
    env.pop("KERAS_BACKEND", None)
    env.update(extra)
    env.setdefault("PYTHONHASHSEED", "0")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


_RESULTS: dict[str, dict] = {}


def _group_results(group: str, tmp_path_factory) -> dict:
    """Run all programs of a group once, in one worker subprocess."""
    if group not in _RESULTS:
        fw, modules, extra_env = GROUPS[group]
        missing = _missing(modules)
        if missing:
            _RESULTS[group] = {"skip": f"{', '.join(missing)} not installed"}
        else:
            folder = tmp_path_factory.mktemp(group)
            jobs, results = folder / "jobs.json", folder / "results.json"
            jobs.write_text(json.dumps([{"id": k, "code": v} for k, v in PROGRAMS[fw].items()]))
            proc = subprocess.run([sys.executable, "-c", WORKER, str(jobs), str(results)], env=_env(extra_env),
                                  capture_output=True, text=True, timeout=WORKER_TIMEOUT, cwd=str(folder))
            if proc.returncode != 0 or not results.exists():
                _RESULTS[group] = {"crash": f"worker exit {proc.returncode}\n{proc.stderr[-4000:]}"}
            else:
                _RESULTS[group] = {"results": json.loads(results.read_text())}
    return _RESULTS[group]


LOSS_LINE = re.compile(r"^loss (before|after): (\S+)$", re.MULTILINE)


def _losses(stdout: str) -> dict[str, float]:
    found = dict(LOSS_LINE.findall(stdout))
    assert set(found) == {"before", "after"}, f"no 'loss before/after' lines in:\n{stdout}"
    return {k: float(v) for k, v in found.items()}


def _assert_trains(stdout: str) -> None:
    losses = _losses(stdout)
    assert math.isfinite(losses["before"]) and math.isfinite(losses["after"]), losses
    assert losses["after"] < losses["before"], f"the loss did not go down: {losses}"
    assert "predictions:" in stdout  # the inference expression ran


@pytest.mark.parametrize(("group", "case_id"), PARAMS)
def test_program_runs_and_the_loss_goes_down(group, case_id, tmp_path_factory):
    outcome = _group_results(group, tmp_path_factory)
    if "skip" in outcome:
        pytest.skip(outcome["skip"])
    assert "crash" not in outcome, outcome.get("crash")
    result = outcome["results"][case_id]
    assert result["error"] is None, result["error"]
    _assert_trains(result["stdout"])


# ------------------------------------------------------------------ truly standalone, from the CLI

STANDALONE = [
    ("pytorch", ("torch",), {}, ["--task", "multiclass", "--labels", "integer", "--classes", "5"]),
    ("jax", ("jax", "optax"), {}, ["--task", "regression", "--target", "count"]),
    ("keras", ("keras", "jax"), {"KERAS_BACKEND": "jax"}, ["--task", "binary", "--imbalance", "severe"]),
    ("keras", ("keras", "torch"), {"KERAS_BACKEND": "torch"}, ["--task", "multilabel", "--imbalance", "moderate"]),
]


@pytest.mark.parametrize(("framework", "modules", "extra_env", "flags"), STANDALONE,
                         ids=[f"{s[0]}-{s[2].get('KERAS_BACKEND', s[0])}" for s in STANDALONE])
def test_emit_code_program_runs_on_its_own(framework, modules, extra_env, flags, tmp_path):
    missing = _missing(modules)
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")
    emitted = subprocess.run(
        [sys.executable, "-m", "lossadvisor", "recommend", *flags, "--framework", framework, "--emit-code",
         "--no-input"],
        capture_output=True, text=True, env=_env({}), timeout=120, cwd=str(ROOT),
    )
    assert emitted.returncode == 0, emitted.stderr
    program = tmp_path / "train.py"
    program.write_text(emitted.stdout)
    run = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, env=_env(extra_env),
                         timeout=600, cwd=str(tmp_path))
    assert run.returncode == 0, run.stderr[-4000:]
    _assert_trains(run.stdout)
    assert "Traceback" not in run.stderr
