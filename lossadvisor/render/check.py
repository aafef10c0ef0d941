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


def summary_line(payload: dict) -> str:
    """``"2 losses: 11 passed, 0 failed, 1 skipped — passed"`` (rich markup) from a payload with
    ``results``, ``counts`` and ``status``: the verdict never says passed for what was skipped."""
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
        return f"{line} — [green]passed[/green] (the skipped checks were not run; see why above)"
    return f"{line} — [green]all checks passed[/green]"


def check_text(payload: dict, console) -> None:
    """`lossadvisor check` in text: the table, then a summary (and the diagnoses for --impl)."""
    from rich.markup import escape

    results = payload.get("results", [])
    if payload.get("impl"):
        title = f"Your implementation {payload['impl']} against the reference"
    else:
        title = "Reference checks"
    console.print(check_table(results, title=title))
    convention = payload.get("convention")
    if convention:  # --impl: the convention accepted, or the most plausible one
        parts = [f"f({convention['order']})", convention.get("form"), convention["shape"]]
        pinned = f" ({', '.join(convention['pinned'])} pinned by the flag)" if convention.get("pinned") else ""
        console.print(f"Convention assumed: {escape(', '.join(p for p in parts if p))}{pinned}")
    for d in payload.get("diagnoses", []) or []:
        console.print(f"[bold red]✗ {escape(d['name'])}[/bold red]: {escape(d['detail'])}")
    console.print(summary_line(payload))
