"""Interactive questions in a terminal (rich on stderr, answers from stdin)."""

from __future__ import annotations

import sys

from lossadvisor.errors import UsageError
from lossadvisor.rulebase import Question


class InputClosed(UsageError):
    """End of input while a question was open."""


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _interruptible() -> None:
    """Let Ctrl-C end the prompts even when SIGINT was inherited as ignored.

    A shell starts a background job (`cmd &` in a script, a job control-less shell) with
    SIGINT ignored, and Python keeps it so: a person at a prompt could then not interrupt.
    The questions are asked only on a terminal, where Ctrl-C must work.
    """
    import signal

    try:
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # pragma: no cover - not the main thread: leave the handler alone
        pass


def make_asker():
    """An `ask(question, answers)` for the engine: shows the choices, re-asks on bad input."""
    from rich.markup import escape

    _interruptible()
    from lossadvisor.render.console import make_console

    console = make_console(stderr=True)

    def ask(q: Question, answers: dict):
        console.print()
        console.print(f"[bold]{escape(q.prompt)}[/bold]")
        if q.kind == "choice":
            width = max(len(c.value) for c in q.choices)
            for i, c in enumerate(q.choices, 1):
                mark = " [cyan](default)[/cyan]" if c.value == q.default else ""
                console.print(f"  {i}. {escape(c.value.ljust(width))}  [dim]{escape(c.help)}[/dim]{mark}")
            hint = f"1-{len(q.choices)} or a name" + (f", Enter for {q.default}" if q.default is not None else "")
        else:
            hint = q.describe_valid() + (f", Enter for {q.default}" if q.default is not None else "")
        while True:
            console.print(f"[bold]{escape(q.id)}[/bold] [dim]({escape(hint)})[/dim]: ", end="")
            sys.stderr.flush()
            line = sys.stdin.readline()
            if line == "":
                raise InputClosed(f"input ended before {q.id} was answered")
            text = line.strip()
            if text == "":
                if q.default is not None:
                    return q.default
                console.print("[red]An answer is needed.[/red]")
                continue
            if q.kind == "choice" and text.isdigit() and 1 <= int(text) <= len(q.choices):
                return q.choices[int(text) - 1].value
            try:
                return q.parse(text)
            except UsageError as exc:
                console.print(f"[red]{escape(str(exc))}[/red]")

    return ask
