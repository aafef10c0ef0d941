"""Text rendering of reference checks (rich): one line per loss by default, the tables with --verbose."""

from __future__ import annotations

MARKS = {True: ("✓", "green"), False: ("✗", "bold red"), None: ("–", "dim")}

#: what the compact text says to get the full detail
VERBOSE_HINT = "--verbose for the table"

#: the short note of each skip reason (a row's ``skip["reason"]``, see lossadvisor.checks.SKIP_REASONS);
#: ``{}`` is the subject, or the subjects of the rows with that reason, in order, each once
SKIP_NOTES = {
    "custom_loss": "no NumPy reference for loss '{}'",
    "unknown_activation": "no reference for activation '{}'",
    "params_not_checked": "{} is applied by the framework, not the reference",
    "no_worked_example": "no worked example in the loss catalog",
    "not_a_likelihood": "not a likelihood",
    "no_framework_requested": "no framework requested",
    "no_framework": "no framework to compare with",
    "unknown_framework": "unknown framework {}",
    "not_installed": "{} not installed",
    "import_failed": "{} failed to import",
    "no_builtin": "no built-in in {}",
    "process_lost": "the function's process was lost",
}


def check_table(results: list[dict], title: str):
    """A rich Table: one row per check, with a mark (✓ passed, ✗ failed, – skipped), the
    check's name, the loss and the one-line detail."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style="bold", show_lines=False,
                  expand=False, pad_edge=False, header_style="bold")
    # every column but the mark wraps: at a narrow width no column is squeezed to nothing
    table.add_column("", no_wrap=True, width=1)
    table.add_column("check", overflow="fold")
    table.add_column("loss", overflow="fold")
    table.add_column("detail", overflow="fold")
    for r in results:
        table.add_row(mark(r.get("passed")), escape(str(r.get("name", ""))), escape(str(r.get("loss", ""))),
                      escape(str(r.get("detail", ""))))
    return table


def mark(passed) -> str:
    """The mark of a check (rich markup): ✓ passed, ✗ failed, – skipped."""
    symbol, style = MARKS.get(passed, MARKS[None])
    return f"[{style}]{symbol}[/{style}]"


def rows_mark(rows: list[dict]) -> str:
    """The mark of several checks: ✗ if one failed, ✓ if all passed, – if some were skipped."""
    outcomes = {r.get("passed") for r in rows}
    return mark(False if False in outcomes else True if outcomes == {True} else None)


def skip_note(rows: list[dict], *, reasons: bool = True) -> str:
    """``"2 skipped: no built-in in PyTorch, optax"``: the skipped checks among ``rows``, each
    reason once, worded from the rows' ``skip`` data alone (a row without it, or with a reason
    this module does not know, shows its whole detail); ``"nothing checked: ..."`` when every
    one was skipped, and "" when none was; without ``reasons``, only the count (``"2 skipped"``).

    >>> skip_note([{"passed": True},
    ...            {"passed": None, "skip": {"reason": "no_builtin", "subject": "PyTorch"}},
    ...            {"passed": None, "skip": {"reason": "no_builtin", "subject": "optax"}}])
    '2 skipped: no built-in in PyTorch, optax'
    """
    skipped = [r for r in rows if r.get("passed") is None]
    if not skipped:
        return ""
    head = "nothing checked" if len(skipped) == len(rows) else f"{len(skipped)} skipped"
    if not reasons:
        return head
    subjects: dict[tuple[str, str], list[str]] = {}  # ("template" or "text", words) -> subjects, in order
    for r in skipped:
        skip = r.get("skip") or {}
        template = SKIP_NOTES.get(skip.get("reason"))
        if skip.get("note") or template is None:  # the reference's own words, or a row not worded here
            subjects.setdefault(("text", skip.get("note") or str(r.get("detail", ""))), [])
            continue
        listed = subjects.setdefault(("template", template), [])
        if skip.get("subject") and skip["subject"] not in listed:
            listed.append(skip["subject"])
    texts = [words.format(", ".join(names)) if kind == "template" else words
             for (kind, words), names in subjects.items()]
    return f"{head}: {'; '.join(texts)}"


def tally(rows: list[dict]) -> str:
    """``"5/6"``: checks passed out of checks run or skipped."""
    return f"{sum(1 for r in rows if r.get('passed') is True)}/{len(rows)}"


def failure_lines(rows: list[dict]) -> list[str]:
    """One line (rich markup) per failed check: its name and its detail."""
    from rich.markup import escape

    return [f"{mark(False)} {escape(str(r.get('name', '')))}: {escape(str(r.get('detail', '')))}"
            for r in rows if r.get("passed") is False]


def summary_line(payload: dict, *, compact: bool = False) -> str:
    """``"2 losses: 11 passed, 0 failed, 1 skipped — passed"`` (rich markup) from a payload with
    ``results``, ``counts`` and ``status``: the verdict never says passed for what was skipped.
    ``compact``: the reasons of the skips are on the lines above, and the line is shorter."""
    counts = payload["counts"]
    losses = len(dict.fromkeys(r.get("loss") for r in payload.get("results", [])))
    line = (f"{losses} loss{'es' if losses != 1 else ''}: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped")
    status = payload["status"]
    if status == "failed":
        return f"{line} — [bold red]FAILED[/bold red]"
    if status == "not_checked":
        if losses > len(payload["unchecked"]):
            return (f"{line} — [bold yellow]NOTHING CHECKED[/bold yellow] for {', '.join(payload['unchecked'])}: "
                    "every check of it was skipped")
        return f"{line} — [bold yellow]NOTHING CHECKED[/bold yellow]: every check was skipped"
    if counts["skipped"]:
        if compact:
            return f"{line} (not run) — [green]passed[/green]"
        return f"{line} — [green]passed[/green] (the skipped checks were not run; see why above)"
    return f"{line} — [green]all checks passed[/green]"


def check_text(payload: dict, console, *, verbose: bool = False) -> None:
    """`lossadvisor check` in text: a line per loss (the tables with ``verbose``), then a summary
    (and the convention and diagnoses for --impl)."""
    from rich.text import Text

    if payload.get("impl"):
        _impl_text(payload, console, verbose)
    elif verbose:
        console.print(check_table(payload.get("results", []), title="Reference checks"))
    else:
        console.print(_loss_lines(payload.get("results", [])))
    summary = summary_line(payload, compact=not verbose)
    hinted = f"{summary} · {VERBOSE_HINT}"
    # the hint only where it fits: the summary stays one line
    console.print(summary if verbose or Text.from_markup(hinted).cell_len > console.width else hinted)


def _loss_lines(results: list[dict]):
    """A grid: per loss, its mark, id, checks passed out of all, and what was skipped; a failed
    check adds a line with its detail."""
    from rich.markup import escape
    from rich.table import Table

    by_loss: dict[str, list[dict]] = {}
    for r in results:
        by_loss.setdefault(str(r.get("loss", "")), []).append(r)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True, justify="right")
    grid.add_column(overflow="fold")
    for loss, rows in by_loss.items():
        note = skip_note(rows)
        grid.add_row(f"{rows_mark(rows)} {escape(loss)}", tally(rows), escape(f"({note})" if note else ""))
        for line in failure_lines(rows):
            grid.add_row("", "", line)
    return grid


def _impl_text(payload: dict, console, verbose: bool) -> None:
    """--impl: every case with ``verbose``; otherwise the cases that did not pass in full, the
    passed ones on one line, then the diagnosis."""
    from rich.markup import escape
    from rich.table import Table

    results = payload.get("results", [])
    loss = next((str(r["loss"]) for r in results if r.get("loss")), "")
    title = f"Your implementation {payload['impl']} against the reference"
    if verbose:
        console.print(check_table(results, title=title))
    else:
        console.print(f"[bold]{escape(title)}[/bold]" + (f" ({escape(loss)})" if loss else ""))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        passed = [r for r in results if r.get("passed") is True and r.get("name") != "diagnosis"]
        for r in results:
            if r in passed:
                if r is passed[0]:
                    names = [str(p.get("name", "")) for p in passed]
                    cases = all(name.startswith("case: ") for name in names)
                    what = f"case{'s' if len(passed) != 1 else ''} passed" if cases else "passed"
                    listed = ", ".join(name.removeprefix("case: ") if cases else name for name in names)
                    grid.add_row(mark(True), escape(f"{len(passed)} {what}: {listed}"))
                continue
            grid.add_row(mark(r.get("passed")), f"{escape(str(r.get('name', '')))}: {escape(str(r.get('detail', '')))}")
        console.print(grid)
    convention = payload.get("convention")
    if convention:  # the convention accepted, or the most plausible one
        parts = [f"f({convention['order']})", convention.get("form"), convention["shape"]]
        pinned = f" ({', '.join(convention['pinned'])} pinned by the flag)" if convention.get("pinned") else ""
        console.print(f"Convention assumed: {escape(', '.join(p for p in parts if p))}{pinned}")
    for d in payload.get("diagnoses", []) or []:
        console.print(f"[bold red]✗ {escape(d['name'])}[/bold red]: {escape(d['detail'])}")
