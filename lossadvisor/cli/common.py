"""Options and helpers every command shares."""

from __future__ import annotations

import functools

import click

FORMATS = ("text", "json")


class NameChoice(click.Choice):
    """A click choice of names, matched case-insensitively (``--format JSON``), that also takes the
    other names ``aliases`` maps to a choice (``--framework torch``: see
    :func:`lossadvisor.framework_names.aliases`) and gives the canonical choice. An unknown value
    lists the choices and suggests the nearest one. (Not :class:`lossadvisor.rulebase.Choice`, a
    choice of a question.)"""

    def __init__(self, choices, aliases: dict[str, str] | None = None):
        super().__init__(choices, case_sensitive=False)
        self.aliases = {name.casefold(): choice for name, choice in (aliases or {}).items()}

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.strip().casefold() in self.aliases:
            return self.aliases[value.strip().casefold()]
        return super().convert(value.strip() if isinstance(value, str) else value, param, ctx)

    def get_invalid_choice_message(self, value, ctx) -> str:
        from lossadvisor.textutil import suggest

        choices = ", ".join(repr(c) for c in self.choices)
        hint = suggest(str(value), [*self.choices, *self.aliases], fold_case=True)
        return f"{value!r} is not one of {choices}{hint or '.'}"


def format_option(*extra: str, default: str = "text"):
    """`--format text|json[|extra...]` and `--json`, merged into one `fmt` argument."""
    choices = FORMATS + tuple(extra)

    def decorator(func):
        @click.option("--format", "fmt", type=NameChoice(choices), default=default, show_default=True,
                      help="Output format.")
        @click.option("--json", "as_json", is_flag=True, help="Short for --format json.")
        @functools.wraps(func)
        def wrapper(*args, fmt, as_json, **kwargs):
            return func(*args, fmt="json" if as_json else fmt, **kwargs)

        return wrapper

    return decorator


def rules_option(func):
    """`--rules PATH` (repeatable): overlay rule files or folders for this run; completes paths."""
    from lossadvisor.cli.completion import paths

    return click.option(
        "--rules", "rules_paths", multiple=True, metavar="PATH", shell_complete=paths,
        help="Extra rule file or folder; adds or overrides questions, rules and losses by id. Repeatable.",
    )(func)


def load_rules(paths=()):
    from lossadvisor.rulebase import load_rulebase

    return load_rulebase(paths)
