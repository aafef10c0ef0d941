"""Shell completion through click's protocol, run as the shell runs it: the installed console
script with _LOSSADVISOR_COMPLETE, COMP_WORDS and COMP_CWORD in its environment.

The expected values are the contract of docs/architecture.md (question ids and choices, loss
ids) and the lint codes LA101.. of rules/lint.yaml."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import PYTHON, python_env

SCRIPT = shutil.which("lossadvisor", path=str(Path(sys.executable).parent)) or shutil.which("lossadvisor")
pytestmark = pytest.mark.skipif(SCRIPT is None, reason="the lossadvisor console script is not installed")

TASKS = {"regression", "binary", "multiclass", "multilabel", "ordinal", "segmentation", "sequence", "survival"}
FRAMEWORKS = {"keras", "pytorch", "jax"}
LOSSES = {"mean_squared_error", "mean_absolute_error", "mean_squared_logarithmic_error", "huber", "log_cosh",
          "poisson", "gaussian_nll", "quantile", "binary_crossentropy", "binary_focal_crossentropy", "hinge",
          "squared_hinge", "categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence",
          "categorical_focal_crossentropy", "dice", "dice_crossentropy", "tversky", "ctc", "cox_partial_likelihood",
          "discrete_time_hazard", "cumulative_link", "corn", "coral"}


def complete(line: str, shell: str = "bash") -> list[str]:
    """The values the shell would offer for the last word of ``line`` (a trailing space: a new word)."""
    words = line.split()
    if line.endswith(" "):
        words.append("")
    env = python_env(_LOSSADVISOR_COMPLETE=f"{shell}_complete", COMP_WORDS=" ".join(words))
    env["COMP_CWORD"] = words[-1] if shell == "fish" else str(len(words) - 1)
    got = subprocess.run([SCRIPT], capture_output=True, text=True, env=env, timeout=60)
    assert got.returncode == 0, got.stderr
    assert got.stderr == ""
    if shell == "zsh":  # type, value, help: three lines per item
        lines = [line for line in got.stdout.splitlines() if line] if got.stdout.strip() else []
        return [lines[i + 1] for i in range(0, len(lines), 3)]
    return [line.split("\t")[0].split(",", 1)[1] for line in got.stdout.splitlines() if line]


def test_commands_and_choice_flags():
    assert complete("lossadvisor re") == ["recommend"]
    assert set(complete("lossadvisor check --framework ")) == FRAMEWORKS | {"all", "none"}
    assert set(complete("lossadvisor losses --format ")) == {"text", "json"}
    # infer reads no sequence or segmentation data (label sequences and masks are not a column)
    assert set(complete("lossadvisor infer data.csv --task ")) >= TASKS - {"sequence", "segmentation"}


def test_recommend_question_flags_complete_their_choices():
    assert set(complete("lossadvisor recommend --task ")) >= TASKS
    assert set(complete("lossadvisor recommend --framework ")) == FRAMEWORKS
    assert complete("lossadvisor recommend --task bi") == ["binary"]
    assert set(complete("lossadvisor recommend --imbalance ")) == {"none", "moderate", "severe"}
    assert set(complete("lossadvisor recommend --uncertainty ")) == {"none", "variance", "quantiles"}
    # an integer question has no values to offer
    assert complete("lossadvisor recommend --classes ") == []


def test_labels_follow_the_task_given():
    every = {"zero_one", "plus_minus_one", "integer", "one_hot", "probabilities"}
    assert set(complete("lossadvisor recommend --labels ")) == every
    assert set(complete("lossadvisor recommend --task binary --labels ")) == {"zero_one", "plus_minus_one"}
    assert set(complete("lossadvisor recommend --task multiclass --labels ")) == {"integer", "one_hot",
                                                                                  "probabilities"}


def test_answer_completes_ids_then_values():
    ids = complete("lossadvisor recommend --answer ")
    assert {"task=", "labels=", "framework=", "classes="} <= set(ids)
    assert set(complete("lossadvisor recommend --answer ta")) == {"task=", "target="}
    # one id fits: its pairs (bash then inserts their common part, 'task=')
    assert set(complete("lossadvisor recommend --answer tas")) == {f"task={t}" for t in TASKS}
    assert complete("lossadvisor recommend --answer framework=py", shell="zsh") == ["framework=pytorch"]
    assert complete("lossadvisor recommend --answer classes=", shell="zsh") == []
    assert complete("lossadvisor lint --answer imbalance=s", shell="fish") == ["imbalance=severe"]


def test_check_completes_loss_ids_not_yet_named():
    assert set(complete("lossadvisor check ")) == LOSSES
    assert set(complete("lossadvisor check bin")) == {"binary_crossentropy", "binary_focal_crossentropy"}
    assert set(complete("lossadvisor check binary_crossentropy bin")) == {"binary_focal_crossentropy"}
    assert set(complete("lossadvisor losses hu")) == {"huber"}


def test_explain_completes_losses_rules_and_lint_codes():
    everything = set(complete("lossadvisor explain "))
    assert LOSSES <= everything
    assert {"binary-default", "multiclass-integer", "regression-default"} <= everything
    assert {"LA101", "LA102"} <= everything
    assert {"sigmoid", "softmax", "linear"} <= everything  # explain takes activations too
    assert complete("lossadvisor explain hub") == ["huber"]
    codes = complete("lossadvisor explain la10")  # codes in any case
    assert "LA101" in codes and all(c.startswith("LA10") for c in codes)
    assert set(complete("lossadvisor explain multiclass-i")) == {
        "multiclass-integer", "multiclass-imbalance-moderate-integer", "multiclass-imbalance-moderate-one-hot",
        "multiclass-imbalance-severe"}


def test_lint_value_flags():
    assert set(complete("lossadvisor lint --task ")) >= TASKS
    assert set(complete("lossadvisor lint --framework ")) == FRAMEWORKS
    assert set(complete("lossadvisor lint --target ")) >= {"real", "positive_wide", "count"}
    assert complete("lossadvisor lint --loss hu") == ["huber"]
    assert {"sigmoid", "softmax"} <= set(complete("lossadvisor lint --activation s"))


@pytest.mark.parametrize("shell", ("zsh", "fish"))
def test_other_shells_get_the_same_values_with_help(shell):
    assert complete("lossadvisor explain hub", shell=shell) == ["huber"]
    env = python_env(_LOSSADVISOR_COMPLETE=f"{shell}_complete", COMP_WORDS="lossadvisor recommend --task",
                     COMP_CWORD="" if shell == "fish" else "3")
    out = subprocess.run([SCRIPT], capture_output=True, text=True, env=env, timeout=60).stdout
    assert "one of two classes" in out  # the choice's help (questions.yaml) shown beside it


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F"), ("zsh", "#compdef lossadvisor"),
                                           ("fish", "complete --no-files --command lossadvisor")])
def test_source_scripts(shell, marker):
    env = python_env(_LOSSADVISOR_COMPLETE=f"{shell}_source")
    got = subprocess.run([SCRIPT], capture_output=True, text=True, env=env, timeout=60)
    assert got.returncode == 0
    assert marker in got.stdout
    assert "_LOSSADVISOR_COMPLETE" in got.stdout


def test_completion_imports_neither_numpy_nor_rich():
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('LOADED', sorted(m for m in ('numpy', 'rich', 'matplotlib') "
            "if m in sys.modules)))\n"
            "from lossadvisor.cli import main\n"
            "sys.argv = ['lossadvisor']\n"
            "main()\n")
    for line in ("lossadvisor explain ", "lossadvisor check ", "lossadvisor recommend --task binary --labels ",
                 "lossadvisor lint --activation ", "lossadvisor recommend --answer labels="):
        words = line.split() + [""]
        env = python_env(_LOSSADVISOR_COMPLETE="bash_complete", COMP_WORDS=" ".join(words),
                         COMP_CWORD=str(len(words) - 1))
        got = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=env, timeout=60)
        assert got.returncode == 0, got.stderr
        assert got.stdout.splitlines()[-1] == "LOADED []", line
        assert len(got.stdout.splitlines()) > 1, line  # and it did complete


def test_every_value_option_completes():
    """Every option that takes a word from a closed set (a click.Choice, or metavar CHOICE) and
    every id argument offers values."""
    from click.shell_completion import ShellComplete

    from lossadvisor.cli import cli

    def walk(group, path):
        ctx = click.Context(group, info_name="lossadvisor")
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if isinstance(command, click.Group):
                yield from walk(command, path + [name])
            else:
                yield path + [name], command

    checked = 0
    for path, command in walk(cli, []):
        for param in command.params:
            closed = isinstance(param.type, click.Choice) or param.metavar in ("CHOICE", "ID", "[LOSS]...")
            if not closed or not isinstance(param, (click.Option, click.Argument)):
                continue
            words = path + ([param.opts[0]] if isinstance(param, click.Option) else [])
            if path == ["infer"] and isinstance(param, click.Option):
                words = path + ["data.csv", param.opts[0]]
            items = ShellComplete(cli, {}, "lossadvisor", "_LOSSADVISOR_COMPLETE").get_completions(words, "")
            assert items, f"{' '.join(words)}: no completion"
            checked += 1
    assert checked >= 15


def test_completion_does_not_run_the_command(tmp_path):
    # the completion path ends before any command runs: nothing is written, exit 0
    env = python_env(_LOSSADVISOR_COMPLETE="bash_complete", COMP_WORDS="lossadvisor explain huber --plot x.png ",
                     COMP_CWORD="5")
    got = subprocess.run([SCRIPT], capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert got.returncode == 0
    assert not os.listdir(tmp_path)


# ------------------------------------------------------------------ any case, and paths


@pytest.mark.parametrize("line, expected", [
    ("lossadvisor recommend --task B", ["binary"]),
    ("lossadvisor recommend --task MULTI", ["multiclass", "multilabel"]),
    ("lossadvisor recommend --framework P", ["pytorch"]),
    ("lossadvisor recommend --task binary --labels Zero", ["zero_one"]),
    ("lossadvisor lint --task B", ["binary"]),
    ("lossadvisor lint --framework K", ["keras"]),
    ("lossadvisor lint --activation Soft", ["softmax", "softplus", "softsign"]),
    ("lossadvisor lint --loss HU", ["huber"]),
    ("lossadvisor check HU", ["huber"]),
    ("lossadvisor check --framework P", ["pytorch"]),
    ("lossadvisor losses Poi", ["poisson"]),
    ("lossadvisor explain HUB", ["huber"]),
    ("lossadvisor explain Binary-D", ["binary-default"]),
    ("lossadvisor recommend --answer TAS", [f"task={t}" for t in TASKS]),
    ("lossadvisor recommend --answer Framework=Py", ["framework=pytorch"]),
    ("lossadvisor lint --answer Imbalance=S", ["imbalance=severe"]),
])
def test_values_complete_in_any_case_as_the_canonical_value(line, expected):
    # the commands take these values in any case (--task Binary); completion offers the value
    # as the rule base writes it (rules/questions.yaml, rules/lint.yaml)
    assert sorted(complete(line, shell="zsh")) == sorted(expected)


def _items(line: str, shell: str) -> list[tuple[str, str]]:
    """(type, value) of each item the completion protocol gives for ``line`` (ending in a space)."""
    words = line.split() + [""]
    env = python_env(_LOSSADVISOR_COMPLETE=f"{shell}_complete", COMP_WORDS=" ".join(words),
                     COMP_CWORD="" if shell == "fish" else str(len(words) - 1))
    got = subprocess.run([SCRIPT], capture_output=True, text=True, env=env, timeout=60)
    assert got.returncode == 0 and got.stderr == ""
    if shell == "zsh":  # type, value, help: three lines per item
        lines = got.stdout.splitlines()
        return [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 2, 3)]
    return [tuple(line.split("\t")[0].split(",", 1)) for line in got.stdout.splitlines() if line]


@pytest.mark.parametrize("command", ["recommend", "check", "lint", "explain", "losses", "rules list"])
def test_rules_completes_file_paths(command):
    # a "file" item: click's bash, zsh and fish scripts then complete paths (files and folders)
    for shell in ("bash", "zsh", "fish"):
        assert _items(f"lossadvisor {command} --rules ", shell) == [("file", "")], (command, shell)


def test_rules_takes_what_it_took(run_cli, tmp_path):
    from conftest import FIXTURES

    overlay = FIXTURES / "rules" / "wrong-mse-worked-example.yaml"
    folder = tmp_path / "overlays"
    folder.mkdir()
    shutil.copy(overlay, folder / overlay.name)
    # a file and a folder of files: the same overlay (its deliberately wrong worked example fails)
    for given in (str(overlay), str(folder)):
        code, out, err = run_cli("check", "mse", "--rules", given, "--framework", "none", "--json")
        assert code == 1 and '"passed": false' in out, err
    # a missing path: the project's own one-line message
    code, out, err = run_cli("rules", "list", "--rules", str(tmp_path / "missing.yaml"))
    assert code == 2 and err == f"Error: {tmp_path / 'missing.yaml'}: no such file or folder\n"
