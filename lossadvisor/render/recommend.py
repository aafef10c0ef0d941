"""Text rendering of a recommendation (rich).

By default the answer fits one screen: the panel, the reason in at most three lines, the
alternatives and warnings, one line about the program and one about the reference check.
``show_code`` adds the program; ``verbose`` shows everything (the full reason, the program
and the check table). The program is printed as it is, never wrapped or cropped.
"""

from __future__ import annotations

import re

from lossadvisor.framework_names import TITLES

#: the reason's lines in the compact text
WHY_LINES = 3
#: how a shortened reason ends
WHY_MORE = " (more with --verbose)"
#: the end of a sentence: a full stop, then a capital letter, a digit or an opening bracket
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")


def recommendation_text(payload: dict, console, *, show_code: bool = False, verbose: bool = False) -> None:
    from rich.markup import escape
    from rich.padding import Padding
    from rich.table import Table

    from lossadvisor.render.console import marked_list, print_code

    fw = payload["framework"]
    title = TITLES.get(fw["name"], fw["name"])
    console.print(_panel(payload, title))
    console.print("[bold]Why[/bold]")
    why = payload["why"] if verbose else short_reason(payload["why"], _fits_lines(console, WHY_LINES, indent=2))
    console.print(Padding(escape(why), (0, 0, 0, 2), expand=False))
    if payload["alternatives"]:
        console.print("[bold]Alternatives[/bold]")
        console.print(marked_list([("•", f"[bold]{escape(alt['loss'])}[/bold]: {escape(alt['when'])}")
                                   for alt in payload["alternatives"]]))
    if payload["warnings"]:
        console.print("[bold yellow]Warnings[/bold yellow]")
        console.print(marked_list([("!", escape(w)) for w in payload["warnings"]]))
    # the closing lines of the compact text: how to get the program, what the check found
    closing = Table.grid(padding=(0, 2))
    closing.add_column(style="bold", no_wrap=True)
    closing.add_column(overflow="fold")
    if fw.get("code"):
        if show_code or verbose:
            console.print(f"[bold]{escape(title)} program[/bold] [dim](lossadvisor recommend ... --emit-code)[/dim]")
            print_code(console, fw["code"])
        else:
            closing.add_row("Program", "--code to show it, --emit-code to print it alone")
    check = payload.get("check")
    if check and not verbose:
        from lossadvisor.render.check import failure_lines

        closing.add_row("Reference check", check_summary(check, console.width - len("Reference check") - 2))
        for line in failure_lines(check.get("results", [])):
            closing.add_row("", line)
    if closing.row_count:
        console.print(closing)
    if check and verbose:
        from lossadvisor.render.check import check_table, summary_line

        console.print(check_table(check.get("results", []), title="Reference check"))
        console.print(summary_line(check))


def _panel(payload: dict, title: str):
    """The answer: output layer, loss, the framework's lines and the answers, titled by the rule."""
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    out = payload["output"]
    loss = payload["loss"]
    fw = payload["framework"]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")  # a long code line folds at a narrow width, never cropped
    units = f"{out['units']} unit{'s' if out['units'] != 1 else ''}, {out['activation']}"
    for head in out.get("heads", []):
        units += f"\n  {head['name']}: {head['units']} {head['activation']}"
    grid.add_row("Output layer", escape(units))
    params = ", ".join(f"{k}={v}" for k, v in loss["params"].items())
    grid.add_row("Loss", escape(f"{loss['id']}" + (f" ({params})" if params else "") + f"  [{loss['distribution']}]"))
    if fw.get("output_layer"):
        grid.add_row(f"{title} layer", escape(fw["output_layer"]))
    if fw.get("loss"):
        grid.add_row(f"{title} loss", escape(fw["loss"]))
    if fw.get("inference"):
        grid.add_row("Predictions", escape(fw["inference"]))
    answers = ", ".join(
        f"{k}={v}" + ("" if payload.get("sources", {}).get(k) in (None, "flag") else f" ({payload['sources'][k]})")
        for k, v in payload["answers"].items()
    )
    grid.add_row("Answers", escape(answers))
    return Panel(grid, title=f"[bold]{escape(payload['rule'])}[/bold]", title_align="left", expand=False)


def short_reason(text: str, fits) -> str:
    """``text`` if ``fits(text)``; otherwise its first whole sentences that fit, ending in
    WHY_MORE (the first sentence cut at a word and marked with "…" when even it does not fit).

    >>> short_reason("One. Two. Three. Four. Five. Six.", lambda t: len(t) <= 31)
    'One. Two. (more with --verbose)'
    >>> short_reason("Alpha beta gamma delta epsilon zeta eta.", lambda t: len(t) <= 35)
    'Alpha beta… (more with --verbose)'
    """
    if fits(text):
        return text
    kept = ""
    for sentence in _SENTENCE_END.split(text):
        candidate = f"{kept} {sentence}".strip()
        if not fits(candidate + WHY_MORE):
            break
        kept = candidate
    if kept:
        return kept + WHY_MORE
    words = text.split()
    while len(words) > 1 and not fits(" ".join(words) + "…" + WHY_MORE):
        words.pop()
    return " ".join(words) + "…" + WHY_MORE


def _fits_lines(console, lines: int, indent: int):
    """Whether a text wraps into at most ``lines`` lines of the console, less ``indent`` columns."""
    from rich.text import Text

    width = max(console.width - indent, 20)
    return lambda text: len(Text(text).wrap(console, width)) <= lines


def check_summary(check: dict, width: int) -> str:
    """``✓ 6/6 passed (NumPy vs PyTorch) · --verbose for the table`` (rich markup): what passed,
    which checks failed, what was skipped and why; the reasons of the skips are left to the
    table when they would take the line past ``width``."""
    from rich.markup import escape
    from rich.text import Text

    from lossadvisor.framework_names import TITLES
    from lossadvisor.render.check import VERBOSE_HINT, rows_mark, skip_note, tally

    results = check.get("results", [])
    notes = [skip_note(results) or "nothing checked", skip_note(results, reasons=False) or "nothing checked"]
    if all(r.get("passed") is None for r in results):
        parts = []
    else:
        compared = [TITLES.get(r["framework"], r["framework"]) for r in results
                    if r.get("passed") is True and r.get("framework")]
        parts = [f"{tally(results)} passed (NumPy{' vs ' + ', '.join(compared) if compared else ''})"]
        failed = [str(r.get("name", "")) for r in results if r.get("passed") is False]
        if failed:
            parts.append(f"{len(failed)} failed: {', '.join(failed)}")
        if not any(r.get("passed") is None for r in results):
            notes = [""]
    lines = [f"{rows_mark(results)} {escape(', '.join(parts + [n] if n else parts))} · {VERBOSE_HINT}"
             for n in notes]
    return next((line for line in lines if Text.from_markup(line).cell_len <= width), lines[-1])
