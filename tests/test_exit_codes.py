"""Exit codes that must not lie: a closed pipe is not a finding, conflicting flags are a
usage error. (Ctrl-C at a prompt with SIGINT inherited as ignored: tests/test_tty.py.)"""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import PYTHON, python_env

#: what a shell reports for a program ended by SIGPIPE: 128 + 13
CLOSED_PIPE = 141


def run_into_closed_pipe(*args) -> subprocess.CompletedProcess:
    """Run the CLI with stdout a pipe whose reading end is already closed: every write fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([PYTHON, "-m", "lossadvisor", *args], stdout=write_end, stderr=subprocess.PIPE,
                              env=python_env(), text=True, timeout=120)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [
    ("check", "huber", "--framework", "none"),
    ("check", "huber", "--framework", "none", "--json"),
    ("losses",),
    ("explain", "huber"),
    ("recommend", "--task", "binary", "--no-input", "--no-check"),
    ("recommend", "--task", "binary", "--no-input", "--emit-code"),
    ("lint", "--activation", "softmax", "--loss", "binary_crossentropy", "--format", "github"),
])
def test_closed_pipe_ends_quietly(args):
    proc = run_into_closed_pipe(*args)
    assert proc.returncode == CLOSED_PIPE, proc.stderr
    assert proc.stderr == ""


@pytest.mark.parametrize("extra", [("--json",), ("--format", "json"), ("--format", "text")])
def test_emit_code_with_a_format_is_a_usage_error(run_cli, extra):
    code, out, err = run_cli("recommend", "--task", "binary", "--no-input", "--emit-code", *extra)
    assert code == 2 and out == ""
    assert "--emit-code" in err and err.count("\n") == 1


def test_emit_code_alone_prints_the_program(run_cli):
    code, out, _ = run_cli("recommend", "--task", "binary", "--no-input", "--emit-code")
    assert code == 0 and out.startswith('"""') and "BCEWithLogitsLoss" in out


def test_closed_stdout_is_a_one_line_error():
    # started with fd 1 closed (`lossadvisor ... >&-`): Python gives sys.stdout None
    proc = subprocess.run([PYTHON, "-m", "lossadvisor", "recommend", "--task", "binary", "--no-input", "--no-check"],
                          stderr=subprocess.PIPE, env=python_env(), text=True, timeout=120,
                          preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2
    assert proc.stderr == "Error: standard output is closed; redirect it to a file or to /dev/null\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("args", [
    ("recommend", "--task", "binary", "--no-input", "--no-check"),
    ("recommend", "--task", "binary", "--no-input", "--no-check", "--json"),
    ("check", "huber", "--framework", "none"),
])
def test_a_full_disk_is_a_one_line_error(args):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([PYTHON, "-m", "lossadvisor", *args], stdout=full, stderr=subprocess.PIPE,
                              env=python_env(), text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "Error: cannot write the output: No space left on device\n"
