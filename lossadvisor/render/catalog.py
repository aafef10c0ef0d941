"""Text rendering of `explain`, `losses`, `rules list` and `rules validate`."""

from __future__ import annotations


def _kv(grid, key, value):
    from rich.markup import escape

    if value not in (None, "", [], {}):
        grid.add_row(key, escape(str(value)))


def explain_text(payload: dict, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    from lossadvisor.render.console import marked_list

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    if payload["kind"] == "loss":
        e = payload["loss"]
        given = f"{escape(payload['given'])} → " if payload.get("given") else ""
        console.print(f"{given}[bold]{escape(e['id'])}[/bold]: {escape(e['name'])}")
        _kv(grid, "Other labels", ", ".join(f"labels={k}: {v}" for k, v in payload.get("by_labels", {}).items()))
        _kv(grid, "Formula", e.get("formula"))
        _kv(grid, "Likelihood", f"{e.get('distribution')}: {e.get('likelihood', '')}")
        _kv(grid, "Minimiser", e.get("statistic"))
        _kv(grid, "Output activation", e.get("activation"))
        _kv(grid, "Target domain", e.get("target_domain"))
        _kv(grid, "Prediction domain", e.get("prediction_domain"))
        _kv(grid, "Parameters", ", ".join(f"{k}={v}" for k, v in e.get("params", {}).items()))
        _kv(grid, "from_logits", "yes" if e.get("from_logits") else None)
        _kv(grid, "Use when", e.get("use_when"))
        _kv(grid, "Recommended by", ", ".join(e.get("recommended_by", [])))
        for name, api in e.get("frameworks", {}).items():
            _kv(grid, name, api or "no built-in: the generated code carries a short implementation")
        console.print(grid)
        if e.get("pitfalls"):
            console.print("[bold]Pitfalls[/bold]")
            console.print(marked_list([("!", escape(p)) for p in e["pitfalls"]]))
        example = e.get("worked_example")
        if isinstance(example, dict) and example.get("derivation"):
            console.print("[bold]Worked example[/bold]")
            console.print(marked_list([("", escape(str(example["derivation"])))]))
    elif payload["kind"] == "activation":
        a = payload["activation"]
        given = f"{escape(payload['given'])} → " if payload.get("given") else ""
        console.print(f"{given}[bold]{escape(a['id'])}[/bold]: output activation")
        _kv(grid, "Output range", a["range"].replace("_", " "))
        _kv(grid, "Also written", ", ".join(a["spellings"]))
        _kv(grid, "Pairs with", ", ".join(a["losses"]))
        _kv(grid, "Recommended by", ", ".join(a["recommended_by"]))
        console.print(grid)
    else:
        r = payload["rule"]
        console.print(f"[bold]{escape(r['id'])}[/bold] [dim]({escape(r['source'])})[/dim]")
        _kv(grid, "Matches", ", ".join(f"{k}={'|'.join(v) if isinstance(v, list) else v}" for k, v in r["match"].items()))
        _kv(grid, "Output", f"{r['output'].get('units')} units, {r['output'].get('activation')}")
        params = ", ".join(f"{k}={v}" for k, v in r["loss"]["params"].items())
        _kv(grid, "Loss", r["loss"]["id"] + (f" ({params})" if params else ""))
        _kv(grid, "Why", r["why"])
        console.print(grid)
        items = [("•", f"[bold]{escape(alt['loss'])}[/bold]: {escape(alt['when'])}") for alt in r["alternatives"]]
        for w in r["warnings"]:
            when = ", ".join(f"{k}={v}" for k, v in w.get("when", {}).items())
            items.append(("!", escape(w["text"]) + (f" [dim](when {escape(when)})[/dim]" if when else "")))
        if items:
            console.print(marked_list(items))


def losses_text(payload: dict, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    from lossadvisor.render.console import fit_table

    table = Table(show_lines=False)
    for col in ("id", "family", "likelihood", "activation", "built-in in"):
        table.add_column(col, overflow="fold", no_wrap=col == "id")
    for row in payload["losses"]:
        builtin = ", ".join(k for k, v in row["frameworks"].items() if v) or "none (custom code)"
        table.add_row(escape(row["id"]), escape(row["family"] or ""), escape(row["distribution"]),
                      escape(row["activation"]), builtin)
    console.print(fit_table(console, table))
    console.print("[dim]lossadvisor explain ID shows the formula, the likelihood and each framework's name.[/dim]")


def rules_text(payload: dict, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    from lossadvisor.render.console import fit_table

    table = Table()
    for col in ("rule", "matches", "units", "activation", "loss"):
        table.add_column(col, overflow="fold", no_wrap=col == "rule")
    for row in payload["rules"]:
        match = ", ".join(f"{k}={'|'.join(v) if isinstance(v, list) else v}" for k, v in row["match"].items())
        params = ", ".join(f"{k}={v}" for k, v in row["params"].items())
        table.add_row(escape(row["id"]), escape(match), str(row["units"]), escape(row["activation"]),
                      escape(row["loss"] + (f" ({params})" if params else "")))
    console.print(fit_table(console, table))


def validate_text(payload: dict, console) -> None:
    from rich.markup import escape

    if payload["valid"]:
        console.print(
            f"[green]valid[/green]: {payload['rules']} rules; each of {payload['combinations']} "
            f"combinations of answers resolves to exactly one rule"
        )
        return
    console.print(f"[red]invalid[/red]: {len(payload['problems'])} problem(s)")
    for p in payload["problems"]:
        console.print(escape(p), soft_wrap=True)
