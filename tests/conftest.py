import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def rb():
    from lossadvisor.rulebase import load_rulebase

    return load_rulebase()


@pytest.fixture
def run_cli():
    """Invoke the CLI in-process through lossadvisor.cli.main, the real entry point.

    Returns (exit_code, stdout, stderr)."""
    from click.testing import CliRunner

    from lossadvisor.cli import main

    def run(*args, input=None, env=None):
        runner = CliRunner()
        result = runner.invoke(_entry, list(args), input=input, env=env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    import click

    @click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                     "help_option_names": []})
    @click.pass_context
    def _entry(ctx):
        main(ctx.args)

    return run


def python_env(**extra):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


PYTHON = sys.executable
