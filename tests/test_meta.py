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
