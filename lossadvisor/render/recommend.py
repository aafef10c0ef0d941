"""Text rendering of a recommendation (rich)."""

from __future__ import annotations

from lossadvisor.framework_names import TITLES


def recommendation_text(payload: dict, console) -> None:
    from rich.markup import escape
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.table import Table

    out = payload["output"]
    loss = payload["loss"]
    fw = payload["framework"]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    units = f"{out['units']} unit{'s' if out['units'] != 1 else ''}, {out['activation']}"
    for head in out.get("heads", []):
        units += f"\n  {head['name']}: {head['units']} {head['activation']}"
    grid.add_row("Output layer", escape(units))
    params = ", ".join(f"{k}={v}" for k, v in loss["params"].items())
    grid.add_row("Loss", escape(f"{loss['id']}" + (f" ({params})" if params else "") + f"  [{loss['distribution']}]"))
    title = TITLES.get(fw["name"], fw["name"])
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
    console.print(Panel(grid, title=f"[bold]{escape(payload['rule'])}[/bold]", title_align="left", expand=False))
    console.print("[bold]Why[/bold]")
    console.print(Padding(escape(payload["why"]), (0, 0, 0, 2), expand=False))
    if payload["alternatives"]:
        console.print("[bold]Alternatives[/bold]")
        for alt in payload["alternatives"]:
            console.print(Padding(f"• [bold]{escape(alt['loss'])}[/bold]: {escape(alt['when'])}", (0, 0, 0, 2), expand=False))
    if payload["warnings"]:
        console.print("[bold yellow]Warnings[/bold yellow]")
        for w in payload["warnings"]:
            console.print(Padding(f"! {escape(w)}", (0, 0, 0, 2), expand=False))
    if fw.get("code"):
        console.print(f"[bold]{escape(title)} program[/bold] [dim](lossadvisor recommend ... --emit-code)[/dim]")
        console.print(Syntax(fw["code"], "python", theme="ansi_dark", background_color="default",
                             word_wrap=False))
    check = payload.get("check")
    if check:
        from lossadvisor.render.check import check_table, summary_line

        console.print(check_table(check.get("results", []), title="Reference check"))
        console.print(summary_line(check))
