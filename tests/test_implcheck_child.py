"""check --impl runs the user's code in a child process: every way a call or an import can go
wrong is named, bounded in time, and never passes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import PYTHON, python_env
from lossadvisor.errors import InputError
from lossadvisor.implcheck import check_implementation

CALLS = textwrap.dedent('''
    import os, signal, sys, time
    import numpy as np

    def mse(y, p):
        return float(np.mean((y - p) ** 2))

    def exits_0(y, p):
        sys.exit(0)

    def exits_3(y, p):
        sys.exit(3)

    def hard_exit(y, p):
        os._exit(5)

    def hangs(y, p):
        time.sleep(600)

    def segfaults(y, p):
        import ctypes
        return ctypes.string_at(0)

    def killed(y, p):
        os.kill(os.getpid(), signal.SIGKILL)

    def allocates(y, p):
        block = bytearray(1 << 30)             # 1 GiB, over a 512 MiB limit
        return mse(y, p) + len(block) * 0

    def prints(y, p):
        print("debug", (y - p).sum())
        return mse(y, p)

    def writes_fd1(y, p):                      # below sys.stdout: the descriptor itself
        os.write(1, b"raw bytes")
        return mse(y, p)

    def raises(y, p):
        raise ValueError("shapes differ")

    def interrupts(y, p):
        raise KeyboardInterrupt

    def returns_text(y, p):
        return "0.5"

    def returns_nan(y, p):
        return float("nan")
''')


@pytest.fixture
def calls(tmp_path):
    path = tmp_path / "calls.py"
    path.write_text(CALLS)
    return lambda name: f"{path}:{name}"


def _rows(out):
    return [r for r in out["results"] if r["name"].startswith("case: ")]


@pytest.mark.parametrize("name, code, words", [
    ("exits_0", "exit", "called sys.exit(0)"),
    ("exits_3", "exit", "called sys.exit(3)"),
    ("raises", "raises", "raised ValueError: shapes differ"),
    ("interrupts", "raises", "raised KeyboardInterrupt"),
    ("returns_text", "raises", "returned str '0.5', not a number"),
    ("prints", "stdout", "wrote 'debug"),
    ("writes_fd1", "stdout", "wrote 'raw bytes'"),
])
def test_a_call_that_goes_wrong_fails_and_the_child_carries_on(calls, name, code, words):
    out = check_implementation("mean_squared_error", calls(name))
    assert out["passed"] is False
    assert code in [d["code"] for d in out["diagnoses"]]
    rows = _rows(out)
    assert all(r["passed"] is False for r in rows)  # every case was run, and failed
    assert words in rows[0]["detail"], rows[0]["detail"]


@pytest.mark.parametrize("name, code, words", [
    ("hard_exit", "exit", "ended the process with exit code 5 (os._exit(5)?)"),
    ("segfaults", "crash", "crashed: the process was killed by SIGSEGV"),
    ("killed", "crash", "killed by SIGKILL (out of memory?)"),
])
def test_a_lost_child_fails_the_case_and_the_rest_are_not_run(calls, name, code, words):
    out = check_implementation("mean_squared_error", calls(name))
    assert out["passed"] is False
    assert [d["code"] for d in out["diagnoses"]] == [code]
    first, *rest = _rows(out)
    assert first["passed"] is False and words in first["detail"]
    assert rest and all(r["passed"] is None and r["detail"].startswith("not run") for r in rest)


def test_a_call_that_never_returns_is_stopped_at_the_timeout(calls):
    start = time.monotonic()
    out = check_implementation("mean_squared_error", calls("hangs"), timeout=0.5)
    assert time.monotonic() - start < 20  # one call of 0.5 s, the child's start-up and its end
    assert out["passed"] is False and [d["code"] for d in out["diagnoses"]] == ["timeout"]
    assert _rows(out)[0]["detail"] == "did not return within 0.5 s"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_DATA is enforced on Linux")
def test_the_memory_limit(calls):
    out = check_implementation("mean_squared_error", calls("allocates"), memory_limit=512)
    assert out["passed"] is False and "memory" in [d["code"] for d in out["diagnoses"]]
    assert "went past the memory limit (MemoryError" in _rows(out)[0]["detail"]
    # without a limit the same function is right (1 GiB is allocated and freed)
    assert check_implementation("mean_squared_error", calls("allocates"), memory_limit=0)["passed"] is True


def test_nan_is_never_a_pass(calls):
    out = check_implementation("mean_squared_error", calls("returns_nan"))
    assert out["passed"] is False and "not_finite" in [d["code"] for d in out["diagnoses"]]
    assert "on ordinary inputs" in next(d["detail"] for d in out["diagnoses"] if d["code"] == "not_finite")


@pytest.mark.parametrize("source, words", [
    ("import sys\nsys.exit(0)\n", "called sys.exit(0)"),
    ("import sys\nsys.exit('no GPU')\n", "called sys.exit('no GPU')"),
    ("import os\nos._exit(4)\n", "ended the process with exit code 4"),
    ("import ctypes\nctypes.string_at(0)\n", "crashed: the process was killed by SIGSEGV"),
    ("import time\ntime.sleep(600)\n", "did not finish within 5 s"),
    ("raise RuntimeError('needs a GPU')\n", "failed: RuntimeError: needs a GPU"),
])
def test_an_import_that_goes_wrong_is_an_input_error(tmp_path, source, words):
    path = tmp_path / "bad_import.py"
    path.write_text(source)
    with pytest.raises(InputError, match="importing") as info:
        check_implementation("mean_squared_error", f"{path}:f", timeout=0.5)  # the import gets max(5, 6 x 0.5) s
    assert words in str(info.value)


def _cli(*args, cwd):
    proc = subprocess.run([PYTHON, "-m", "lossadvisor", "check", *args], cwd=cwd, capture_output=True, text=True,
                          env=python_env(NO_COLOR="1"), timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def test_cli_sys_exit_0_is_a_failed_check_not_a_silent_pass(tmp_path):
    (tmp_path / "calls.py").write_text(CALLS)
    code, out, err = _cli("mean_squared_error", "--impl", "calls.py:exits_0", "--json", cwd=tmp_path)
    assert code == 1, err  # was: exit 0 and no output at all
    doc = json.loads(out)
    assert doc["passed"] is False and "called sys.exit(0)" in doc["results"][0]["detail"]


def test_cli_hang_is_bounded(tmp_path):
    (tmp_path / "calls.py").write_text(CALLS)
    code, out, _ = _cli("mean_squared_error", "--impl", "calls.py:hangs", "--timeout", "0.5", "--json", cwd=tmp_path)
    assert code == 1  # was: never returned
    assert json.loads(out)["results"][0]["detail"] == "did not return within 0.5 s"


def test_cli_print_in_the_loss_stays_off_the_json(tmp_path):
    (tmp_path / "calls.py").write_text(CALLS)
    code, out, _ = _cli("mean_squared_error", "--impl", "calls.py:prints", "--json", cwd=tmp_path)
    assert code == 1
    doc = json.loads(out)  # stdout is the JSON alone
    assert [d["code"] for d in doc["diagnoses"]] == ["stdout"]


def test_cli_import_exit_is_exit_2(tmp_path):
    (tmp_path / "quits.py").write_text("import os\nos._exit(0)\n")
    code, out, err = _cli("mean_squared_error", "--impl", "quits.py:f", cwd=tmp_path)
    assert code == 2 and out == ""
    assert err.startswith("Error: --impl: importing 'quits.py' ended the process with exit code 0")
    assert err.count("\n") == 1
