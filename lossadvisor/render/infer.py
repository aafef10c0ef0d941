"""Text rendering of `lossadvisor infer` (rich)."""

from __future__ import annotations

import shlex

ORDER = ("task", "labels", "classes", "target", "outliers", "outputs", "imbalance")


def recommend_command(answers: dict) -> str:
    """The `lossadvisor recommend` command line that uses these answers."""
    parts = ["lossadvisor", "recommend"]
    for key in ORDER:
        if key in answers:
            parts += [f"--{key}", shlex.quote(str(answers[key]))]
    for key, value in answers.items():
        if key not in ORDER:
            parts += ["--answer", shlex.quote(f"{key}={value}")]
    return " ".join(parts)


def _clean(text) -> str:
    """Control characters as escapes: column names and labels come from the user's file, and an
    ESC in a CSV header must not drive the reader's terminal."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


def _missing_values_text(words: dict) -> str:
    """``Missing values: 'NA' 30 rows, empty 12 rows; read as classes: 'None' 274 rows``.

    >>> _missing_values_text({"missing": {"": 12, "NA": 30}, "classes": {"None": 274}})
    "Missing values: empty 12 rows, 'NA' 30 rows; read as classes: 'None' 274 rows"
    """
    def listing(counts):
        return ", ".join(f"{repr(w) if w else 'empty'} {c:,} row{'' if c == 1 else 's'}" for w, c in counts.items())

    parts = []
    if words.get("missing"):
        parts.append(f"Missing values: {listing(words['missing'])}")
    if words.get("classes"):
        parts.append(f"read as classes: {listing(words['classes'])}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def infer_text(payload: dict, console) -> None:
    from rich.markup import escape as _escape
    from rich.table import Table

    from lossadvisor.render.console import fit_table, marked_list

    def escape(text):
        return _escape(_clean(text))

    src = payload.get("source", {})
    cols = ", ".join(f"'{c}'" for c in src.get("columns", []))
    where = src.get("format", "")
    if src.get("delimiter") and src.get("format") in ("csv", "tsv"):
        where += f", delimiter {src['delimiter']!r}, {'header' if src.get('header') else 'no header'}"
    if src.get("key"):
        where += f", array '{src['key']}'"
    head = f"[bold]{escape(str(src.get('path', '')))}[/bold] ({escape(where)}): column{'s' if ',' in cols else ''} " \
           f"{escape(cols)}; {payload['rows']:,} rows, {payload['missing']:,} missing"
    console.print(head)
    words = payload.get("missing_values")
    if words:
        console.print(escape(_missing_values_text(words)))
    for note in src.get("notes", []):
        console.print(f"[dim]{escape(note)}[/dim]")
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2, 0, 0))
    table.add_column("answer", overflow="fold")
    table.add_column("value", style="bold", overflow="fold")
    table.add_column("evidence", overflow="fold")
    answers = payload["answers"]
    evidence = payload.get("evidence", {})
    for key in list(ORDER) + [k for k in answers if k not in ORDER]:
        if key in answers:
            table.add_row(escape(key), escape(str(answers[key])), escape(evidence.get(key, "")))
    console.print(fit_table(console, table))
    mapping = payload.get("label_mapping")
    if mapping:
        items = list(mapping.items())
        shown = ", ".join(f"{k!r} -> {v}" for k, v in items[:12])
        if len(items) > 12:
            shown += f", ... ({len(items)} labels)"
        console.print(f"[bold]Label mapping[/bold]  {escape(shown)}")
    if payload.get("ambiguities"):
        console.print("[bold yellow]Ambiguous[/bold yellow]")
        items = []
        for a in payload["ambiguities"]:
            alt = ", ".join(f"{k}={v}" for k, v in a["alternative"].items())
            items.append(("?", f"{escape(a['answer'])}={escape(str(a['chosen']))}, or {escape(alt)}: "
                               f"{escape(a['why'])}"))
            items.append(("", f"[dim]settle:[/dim] {escape(a['settle'])}"))
        console.print(marked_list(items))
    if payload.get("warnings"):
        console.print("[bold yellow]Warnings[/bold yellow]")
        console.print(marked_list([("!", escape(w)) for w in payload["warnings"]]))
    # soft_wrap: the command is for copying; a line break inside it would break the paste
    console.print(f"[bold]Next[/bold]  {escape(recommend_command(answers))}", soft_wrap=True)

