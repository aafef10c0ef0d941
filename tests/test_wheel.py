"""`pip install .` gives a working `lossadvisor` with the rules inside the wheel.

Builds the wheel, installs it into a fresh virtual environment (its run-time
dependencies from the package index), and runs it from a folder outside the
checkout so the source tree cannot be imported by accident.
"""

import json
import os
import subprocess
import sys
import venv

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{r.stdout}\n{r.stderr}")
    wheels = list(dist.glob("lossadvisor-*.whl"))
    assert len(wheels) == 1
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    r = subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheels[0])],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"installing the wheel failed:\n{r.stdout}\n{r.stderr}")
    return bindir, tmp, wheels[0]


def _run(cmd, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)


def test_wheel_contains_the_rule_base(installed):
    import zipfile

    _, _, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    for f in ("questions.yaml", "recommendations.yaml", "losses.yaml", "compiled.json"):
        assert f"lossadvisor/rules/{f}" in names
    assert "lossadvisor/schemas/recommend.schema.json" in names
    # every loss module, program template and snippet file of the checkout is in the wheel
    for sub in ("reference/losses", "frameworks/templates", "frameworks/snippets"):
        for path in sorted((ROOT / "lossadvisor" / sub).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                assert f"lossadvisor/{path.relative_to(ROOT / 'lossadvisor').as_posix()}" in names


def test_installed_program_uses_the_packaged_snippets(installed):
    # quantile regression in PyTorch has no built-in loss: the program carries the snippet file
    bindir, tmp, _ = installed
    r = _run([str(bindir / "lossadvisor"), "recommend", "--task", "regression", "--uncertainty", "quantiles",
              "--framework", "pytorch", "--no-input", "--emit-code"], cwd=tmp)
    assert r.returncode == 0, r.stderr
    assert "def quantile_loss(" in r.stdout


def test_console_script_and_module(installed):
    bindir, tmp, _ = installed
    r = _run([str(bindir / "lossadvisor"), "recommend", "--task", "multiclass", "--labels", "integer",
              "--classes", "10", "--framework", "keras", "--json", "--no-check"], cwd=tmp)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["rule"] == "multiclass-integer" and doc["output"]["units"] == 10
    r = _run([str(bindir / "python"), "-m", "lossadvisor", "rules", "validate"], cwd=tmp)
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout
    r = _run([str(bindir / "python"), "-c", "import lossadvisor, os; print(lossadvisor.__file__)"], cwd=tmp)
    assert str(ROOT) not in r.stdout  # the installed copy, not the checkout


def test_installed_default_run_checks_the_pairing(installed):
    bindir, tmp, _ = installed
    r = _run([str(bindir / "lossadvisor"), "recommend", "--task", "binary", "--no-input", "--json"], cwd=tmp)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["check"]["passed"] is True
