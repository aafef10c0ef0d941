"""Every command has help with examples, is documented in the README, and takes --format."""

import click
import pytest

from conftest import ROOT
from lossadvisor.cli import COMMANDS, cli


def _walk(group, prefix=()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        path = (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, path)
        else:
            yield path, cmd


COMMAND_PATHS = list(_walk(cli))


def test_every_top_level_command_is_listed():
    assert set(COMMANDS) == {"recommend", "check", "infer", "lint", "explain", "losses", "rules"}


@pytest.mark.parametrize("path, cmd", COMMAND_PATHS, ids=lambda p: " ".join(p) if isinstance(p, tuple) else "")
def test_help_has_examples_and_format(run_cli, path, cmd):
    code, out, err = run_cli(*path, "--help")
    assert code == 0, err
    assert "Examples:" in out
    assert out.count(f"lossadvisor {' '.join(path)}") >= 1
    params = {p.name for p in cmd.params}
    assert "fmt" in params and "as_json" in params, f"{path} lacks --format/--json"


@pytest.mark.parametrize("path", [p for p, _ in COMMAND_PATHS], ids=" ".join)
def test_documented_in_readme(path):
    readme = (ROOT / "README.md").read_text()
    assert f"lossadvisor {' '.join(path)}" in readme


def test_top_level_help_and_unknown_command(run_cli):
    code, out, err = run_cli("--help")
    assert code == 0 and "Examples:" in out and "Exit codes" in out
    code, out, err = run_cli("recomend")
    assert code == 2 and "did you mean 'recommend'" in err


@pytest.mark.parametrize("name", list(COMMANDS))
def test_top_level_one_liner_opens_the_command_s_own_help(name):
    # `lossadvisor --help` lists COMMANDS' one-liners without importing the commands: each must be
    # the first sentence of the command's help, or its start (ending where a word ends)
    cmd = cli.get_command(click.Context(cli), name)
    first_paragraph = " ".join(cmd.help.split("\n\n")[0].split())
    one_liner = COMMANDS[name][2]
    assert one_liner.endswith(".")
    assert first_paragraph == one_liner or (
        first_paragraph.startswith(one_liner[:-1]) and first_paragraph[len(one_liner) - 1] in " .,:;("), \
        (one_liner, first_paragraph)


def test_explain_one_liner_names_every_kind_of_id():
    assert COMMANDS["explain"][2] == "Explain a loss, an activation, a rule or a lint code."


def test_check_help_says_a_loss_takes_any_framework_s_name(run_cli):
    code, out, err = run_cli("check", "--help", env={"COLUMNS": "100"})
    assert code == 0, err
    text = " ".join(out.split())
    assert "A LOSS is its id or any framework's name for it" in text
    assert "lossadvisor check mse nn.BCEWithLogitsLoss --framework none" in out
