"""Rendering of lint results (text, GitHub annotations) and of lint-code explanations."""

from __future__ import annotations

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
# GitHub workflow commands: ::error / ::warning / ::notice
GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _clean(text) -> str:
    """Control characters shown as escapes: model names and loss spellings come from the files
    being linted, and an ESC in a .keras config must not drive the reader's terminal."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


def _location(finding: dict) -> str:
    source = finding.get("source")
    if not source:
        return ""
    line = finding.get("line")
    return f"{source}:{line}" if line else str(source)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(payload: dict) -> str:
    s = payload["summary"]
    models = _plural(s["models"], "model")
    unchecked = [m["name"] for m in payload.get("models", []) if m.get("nothing_checked")]
    if unchecked and len(unchecked) == s["models"]:
        parts = [_plural(s[k], k) for k in ("error", "warning") if s[k]]
        tail = f" ({', '.join(parts)})" if parts else ""
        return f"Nothing could be checked: no rule had the facts it needs{tail}."
    if payload["clean"]:
        line = f"All clean: {models}, no findings." if s["models"] > 1 else "Clean: no findings."
        skipped = len(payload.get("not_applied", []))
        if skipped:
            line += f" {_plural(skipped, 'rule')} not applied for lack of facts."
        return line
    parts = [_plural(s["error"], "error"), _plural(s["warning"], "warning"), f"{s['info']} info"]
    clean = sum(1 for m in payload.get("models", []) if m.get("clean"))
    tail = f" ({clean} clean)" if clean and s["models"] > 1 else ""
    if unchecked:
        tail += f"; nothing could be checked in {', '.join(unchecked)}"
    return f"Found {', '.join(parts)} in {models}{tail}."


def assumed_text(assumed: dict) -> str:
    """``assumed multiclass: softmax over 10 units`` (a model's ``assumed`` in the JSON)."""
    return f"assumed {assumed['task']}: {assumed['because']} (--task overrides)"


def not_applied_text(items: list[dict]) -> str:
    """The rules a model lacks facts for, grouped by what is missing:
    ``not checked: LA105, LA106 (no label format given); LA123 (no class count given)``."""
    by_reason: dict = {}
    for item in items:
        by_reason.setdefault(item["reason"], []).append(item["code"])
    groups = "; ".join(f"{', '.join(codes)} ({reason})" for reason, codes in by_reason.items())
    flags = sorted({f"--{key.replace('_', '-')}" for item in items for key in item["missing"]})
    return f"not checked: {groups}; give {', '.join(flags)} to check them"


def lint_text(payload: dict, console) -> None:
    """Findings grouped by model, with the task assumed and the rules not applied; then a summary line."""
    from rich.markup import escape

    by_model: dict = {}
    for f in payload["findings"]:
        by_model.setdefault((f.get("source"), f["model"]), []).append(f)
    skipped_by_model: dict = {}
    for item in payload.get("not_applied", []):
        skipped_by_model.setdefault((item.get("source"), item["model"]), []).append(item)
    for model in payload.get("models", []):
        key = (model.get("source"), model["name"])
        head = escape(_clean(model["name"]))
        source = model.get("source")
        if source and model["name"] != source and not model["name"].startswith(f"{source}["):  # "<stdin>[1]" names it
            head += f" [dim]({escape(_clean(model['source']))})[/dim]"
        found = by_model.get(key, [])
        if model.get("nothing_checked"):
            console.print(f"[bold]{head}[/bold]: [yellow]nothing could be checked[/yellow]")
        elif not found:
            console.print(f"[green]✓[/green] {head}: clean")
        else:
            console.print(f"[bold]{head}[/bold]")
        if model.get("assumed"):
            _print_indented(console, _clean(assumed_text(model["assumed"])), 2)
        for f in found:
            style = SEVERITY_STYLE.get(f["severity"], "")
            where = _clean(_location(f))
            where = f" [dim]{escape(where)}[/dim]" if where else ""
            console.print(f"  [{style}]{f['severity']:<7}[/{style}] [bold]{f['code']}[/bold] "
                          f"{escape(f['name'])}{where}")
            _print_indented(console, _clean(f["message"]), 10)
            _print_indented(console, _clean(f["fix"]), 10, label="fix: ")
        skipped = skipped_by_model.get(key)
        if skipped and not model.get("nothing_checked"):
            _print_indented(console, not_applied_text(skipped), 2, hang=2)
    line = summary_line(payload)
    style = "green" if payload["clean"] else ("bold red" if payload["summary"]["error"] else "yellow")
    console.print(f"[{style}]{escape(line)}[/{style}]")
    if payload["findings"] and not payload["clean"]:
        codes = sorted({f["code"] for f in payload["findings"]})
        console.print(f"[dim]Explain a code: lossadvisor explain {codes[0]}[/dim]")


def _print_indented(console, text: str, indent: int, label: str = "", hang: int = 0) -> None:
    """``text`` wrapped under an indent, the optional label dimmed. Wrapped here rather than by
    rich's Padding, which pads every line with spaces to the full width: no trailing spaces, and
    no break inside a hyphenated name or a long token such as a call."""
    import textwrap

    from rich.text import Text

    width = max((console.width or 100) - indent, 20)
    lines = textwrap.wrap(label + text, width=width, break_long_words=False, break_on_hyphens=False,
                          subsequent_indent=" " * hang) or [label]
    for i, line in enumerate(lines):
        out = Text(" " * indent)
        if i == 0 and label and line.startswith(label):
            out.append(label, style="dim")
            line = line[len(label):]
        out.append(line)
        console.print(out, soft_wrap=True)


def _escape_data(text: str) -> str:
    # actions/toolkit packages/core/src/command.ts escapeData; then other control characters
    # (an ESC from a linted file) as visible escapes
    return _clean(str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    # actions/toolkit packages/core/src/command.ts escapeProperty
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_text(payload: dict) -> str:
    """One workflow command per finding: `::error file=F,line=N,title=LA101 name::message`; then the
    task each model was assumed to have, and the summary line."""
    lines = []
    for f in payload["findings"]:
        props = []
        if f.get("source"):
            props.append(f"file={_escape_property(f['source'])}")
            if f.get("line"):
                props.append(f"line={int(f['line'])}")
        props.append(f"title={_escape_property(f['code'] + ' ' + f['name'])}")
        message = f"{f['message']} Fix: {f['fix']}"
        if len(payload.get("models", [])) > 1 or not f.get("source"):
            message = f"[{f['model']}] {message}"
        lines.append(f"::{GITHUB_LEVEL[f['severity']]} {','.join(props)}::{_escape_data(message)}")
    # what lint assumed goes to the log as plain lines, not as annotations
    lines.extend(f"[{_clean(m['name'])}] {assumed_text(m['assumed'])}"
                 for m in payload.get("models", []) if m.get("assumed"))
    lines.append(summary_line(payload))
    return "\n".join(lines) + "\n"


def code_text(payload: dict, console) -> None:
    """One lint code explained under its headings (payload of lint.explain_code)."""
    from rich.markup import escape
    from rich.padding import Padding
    from rich.syntax import Syntax

    style = SEVERITY_STYLE.get(payload["severity"], "")
    console.print(f"[bold]{payload['code']}[/bold] {escape(payload['name'])} "
                  f"[{style}]({payload['severity']})[/{style}]")
    _print_indented(console, payload["message"], 2)
    _print_indented(console, payload["fix"], 2, label="fix: ")
    for heading, value in payload["explanation"].items():
        console.print(f"\n[bold]{escape(heading)}[/bold]")
        if isinstance(value, list):
            for item in value:
                _print_indented(console, "• " + item, 2, hang=2)
        elif heading in ("Example", "Use instead"):
            console.print(Padding(Syntax(value, "python", theme="ansi_dark", background_color="default",
                                         word_wrap=False), (0, 0, 0, 2), expand=False))
        else:
            _print_indented(console, value, 2)


def codes_text(payload: dict, console) -> None:
    """The table of every lint code (payload {"codes": lint.list_codes()})."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("code", no_wrap=True)
    table.add_column("name", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("flags", ratio=1)
    for c in payload["codes"]:
        style = SEVERITY_STYLE.get(c["severity"], "")
        table.add_row(c["code"], escape(c["name"]), f"[{style}]{c['severity']}[/{style}]", escape(c["summary"]))
    console.print(table)
