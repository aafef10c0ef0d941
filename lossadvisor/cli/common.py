"""Options and helpers every command shares."""

from __future__ import annotations

import functools

import click

FORMATS = ("text", "json")


def format_option(*extra: str, default: str = "text"):
    """`--format text|json[|extra...]` and `--json`, merged into one `fmt` argument."""
    choices = FORMATS + tuple(extra)

    def decorator(func):
        @click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                      help="Output format.")
        @click.option("--json", "as_json", is_flag=True, help="Short for --format json.")
        @functools.wraps(func)
        def wrapper(*args, fmt, as_json, **kwargs):
            return func(*args, fmt="json" if as_json else fmt, **kwargs)

        return wrapper

    return decorator


def rules_option(func):
    """`--rules PATH` (repeatable): overlay rule files or folders for this run."""
    return click.option(
        "--rules", "rules_paths", multiple=True, metavar="PATH",
        help="Extra rule file or folder; adds or overrides questions, rules and losses by id. Repeatable.",
    )(func)


def load_rules(paths=()):
    from lossadvisor.rulebase import load_rulebase

    return load_rulebase(paths)
