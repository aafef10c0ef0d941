"""Text rendering of reference checks (rich): a table with a mark per check."""

from __future__ import annotations

MARKS = {True: ("✓", "green"), False: ("✗", "bold red"), None: ("–", "dim")}


def check_table(results: list[dict], title: str):
    """A rich Table: one row per check, with a mark (✓ passed, ✗ failed, – skipped), the
    check's name, the loss and the one-line detail."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style="bold", show_lines=False,
                  expand=False, pad_edge=False, header_style="bold")
    table.add_column("", no_wrap=True, width=1)
    table.add_column("check", no_wrap=True)
    table.add_column("loss", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for r in results:
        mark, style = MARKS.get(r.get("passed"), MARKS[None])
        table.add_row(f"[{style}]{mark}[/{style}]", escape(str(r.get("name", ""))), escape(str(r.get("loss", ""))),
                      escape(str(r.get("detail", ""))))
    return table


def summary_line(results: list[dict]) -> str:
    passed = sum(r.get("passed") is True for r in results)
    failed = sum(r.get("passed") is False for r in results)
    skipped = sum(r.get("passed") is None for r in results)
    losses = len(dict.fromkeys(r.get("loss") for r in results))
    return (f"{losses} loss{'es' if losses != 1 else ''}: {passed} passed, {failed} failed, "
            f"{skipped} skipped")


def check_text(payload: dict, console) -> None:
    """`lossadvisor check` in text: the table, then a summary (and the diagnoses for --impl)."""
    from rich.markup import escape

    results = payload.get("results", [])
    if payload.get("impl"):
        title = f"Your implementation {payload['impl']} against the reference"
    else:
        title = "Reference checks"
    console.print(check_table(results, title=title))
    for d in payload.get("diagnoses", []) or []:
        console.print(f"[bold red]✗ {escape(d['name'])}[/bold red]: {escape(d['detail'])}")
    verdict = "[green]all checks passed[/green]" if payload.get("passed") else "[bold red]FAILED[/bold red]"
    console.print(f"{escape(summary_line(results))} — {verdict}")
