"""Interactive questions in a terminal (rich on stderr, answers from stdin).

A person types what they know: a choice by name in any case (``Binary``), by the start of its
name (``bin``), by the number shown beside it, ``y``/``n`` for a yes/no question, or ``?`` for
the help of the choices. :func:`interpret` reads one typed answer; :func:`make_asker` asks.
"""

from __future__ import annotations

import sys

from lossadvisor.errors import UsageError
from lossadvisor.rulebase import Question

HELP = "?"  # typed at a prompt: the help of the question's choices


class InputClosed(UsageError):
    """End of input while a question was open."""


def stdin_is_terminal() -> bool:
    from lossadvisor.render.console import is_terminal

    return is_terminal(sys.stdin)


def _interruptible() -> None:
    """Let Ctrl-C end the prompts even when SIGINT was inherited as ignored.

    A shell starts a background job (`cmd &` in a script, a job control-less shell) with
    SIGINT ignored, and Python keeps it so: a person at a prompt could then not interrupt.
    The questions are asked only on a terminal, where Ctrl-C must work.
    """
    import signal

    from lossadvisor.cli import catch_interrupts

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        catch_interrupts()


def interpret(q: Question, text: str):
    """The value of ``q`` that ``text`` (typed at its prompt, not empty) names; UsageError saying why not.

    Tried in order: the question's own reading (a value, an integer), then for a choice the
    number shown beside it, then the one value whose name starts with ``text``, case ignored
    (``bin`` is binary, ``y`` is yes). A start that several values share lists them.

    >>> from lossadvisor.rulebase import Choice
    >>> q = Question(id="task", prompt="?", kind="choice",
    ...              choices=(Choice("binary"), Choice("multiclass"), Choice("multilabel")))
    >>> interpret(q, "Bin"), interpret(q, "2")
    ('binary', 'multiclass')
    >>> interpret(q, "multi")
    Traceback (most recent call last):
    ...
    lossadvisor.errors.UsageError: 'multi' starts more than one choice: multiclass, multilabel; type more of it
    """
    try:
        return q.parse(text)
    except UsageError as exc:
        refusal = exc
    if q.kind != "choice":
        raise refusal
    if text.isascii() and text.isdigit():
        if 1 <= int(text) <= len(q.choices):
            return q.choices[int(text) - 1].value
        raise UsageError(f"{text} is not one of the numbers shown; choose 1-{len(q.choices)}")
    start = text.casefold()
    matches = [v for v in q.values if v.casefold().startswith(start)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(f"{text!r} starts more than one choice: {', '.join(matches)}; type more of it")
    raise refusal


def _is_yes_no(q: Question) -> bool:
    return q.kind == "choice" and sorted(q.values) == ["no", "yes"]


def _hint(q: Question) -> str:
    """The short reminder beside the prompt: how to answer, where help is, what Enter takes."""
    if _is_yes_no(q):
        how = "y/n"
    elif q.kind == "choice":
        how = f"1-{len(q.choices)} or a name"
    else:
        how = q.describe_valid()
    enter = f", Enter for {q.default}" if q.default is not None else ""
    return f"{how}, {HELP} for help{enter}"


def _choice_lines(q: Question) -> list[str]:
    """The numbered choices with their help (rich markup), as listed under the question."""
    from rich.markup import escape

    width = max(len(c.value) for c in q.choices)
    return [f"  {i}. {escape(c.value.ljust(width))}  [dim]{escape(c.help)}[/dim]"
            + (" [cyan](default)[/cyan]" if c.value == q.default else "")
            for i, c in enumerate(q.choices, 1)]


def help_text(q: Question) -> str:
    """What ``?`` prints (rich markup): the choices with their help, or the valid range, and how to answer."""
    from rich.markup import escape

    if q.kind == "choice":
        lines = _choice_lines(q)
        how = "the number, the name or the start of a name (any case)"
        if _is_yes_no(q):
            how += ": y or n"
    else:
        lines = []
        how = escape(q.describe_valid())
    enter = f"; Enter takes the default, {escape(str(q.default))}" if q.default is not None else ""
    return "\n".join([f"[bold]{escape(q.prompt)}[/bold]", *lines, f"Answer with {how}{enter}."])


def make_asker(*, every_question: bool = True):
    """An `ask(question, answers)` for the engine: shows the choices, re-asks on bad input.

    With ``every_question`` False, a question with a default is not asked (the engine takes its
    default): once a person gave some answers, only what has no default stops them.
    """
    _interruptible()
    console = None

    def ask(q: Question, answers: dict):
        nonlocal console
        if not every_question and q.default is not None:
            return None
        from rich.markup import escape

        if console is None:  # rich is imported only when a question is asked
            from lossadvisor.render.console import make_console

            console = make_console(stderr=True)
        console.print()
        console.print(f"[bold]{escape(q.prompt)}[/bold]")
        if q.kind == "choice":
            for line in _choice_lines(q):
                console.print(line)
        while True:
            console.print(f"[bold]{escape(q.id)}[/bold] [dim]({escape(_hint(q))})[/dim]: ", end="")
            sys.stderr.flush()
            line = sys.stdin.readline()
            if line == "":
                raise InputClosed(f"input ended before {q.id} was answered")
            text = line.strip()
            if text == "":
                if q.default is not None:
                    return q.default
                console.print("[red]An answer is needed.[/red]")
            elif text == HELP:
                console.print(help_text(q))
            else:
                try:
                    return interpret(q, text)
                except UsageError as exc:
                    console.print(f"[red]{escape(str(exc))}[/red]")

    return ask
