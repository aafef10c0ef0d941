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


def _place(source, line, col) -> str:
    """``path:line:col``, ``path:line`` or ``path``: as much as is known."""
    if not line:
        return str(source)
    return f"{source}:{line}:{col}" if col else f"{source}:{line}"


def _parts_at(finding: dict) -> tuple[list[str], list[tuple[str, dict]]]:
    """The model's located parts (activation, loss) split by the finding's own place: the names
    of those at it, and (name, location) of those elsewhere."""
    here = (finding.get("line"), finding.get("col"))
    own, elsewhere = [], []
    for part, where in (finding.get("locations") or {}).items():
        if (where["line"], where["col"]) == here:
            own.append(part)
        else:
            elsewhere.append((part, where))
    return own, elsewhere


def _location_lines(finding: dict) -> list[str]:
    """Where a finding is, one ``ROLE path:line[:col]`` per line: its own place first, named by
    the part it is (``activation train.py:10:16``) or else ``at train.py:4:40``; then the model's
    activation and loss where they are elsewhere (``loss train.py:13:13``), so that both ends of
    the pairing are a click away. Nothing for a finding without a file (flags)."""
    source = finding.get("source")
    if not source:
        return []
    own, elsewhere = _parts_at(finding)
    lines = [f"{' and '.join(own) or 'at'} {_place(source, finding.get('line'), finding.get('col'))}"]
    lines += [f"{part} {_place(source, where['line'], where['col'])}" for part, where in elsewhere]
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(payload: dict) -> str:
    """The last line of the text report: what was found in how many models, then how many
    script wirings could not be followed, how many findings noqa comments silenced, how many
    scripts had no loss wiring, how many codes --select/--ignore left out, how many files could
    not be read and how many models of a file could not be linted (a flag contradicts them)."""
    counts = payload.get("counts", {})
    if not payload["summary"]["models"] and (counts.get("scripts") is not None or counts.get("errors")):
        line = _nothing_linted(counts)
    else:
        line = _findings_line(payload)
        if counts.get("not_followed"):
            line += f" {_plural(counts['not_followed'], 'wiring')} could not be followed."
        if counts.get("silenced"):
            line += f" {_plural(counts['silenced'], 'finding')} silenced by noqa."
        if counts.get("no_wiring"):
            line += f" {_plural(counts['no_wiring'], 'Python file')} had no loss wiring."
        if counts.get("left_out"):
            line += f" --select/--ignore left out {_plural(counts['left_out'], 'code')}."
    errors = payload.get("errors", [])
    unread = sum(1 for error in errors if error.get("model") is None)
    if unread:
        line += f" {_plural(unread, 'file')} could not be read."
    if len(errors) > unread:
        line += f" {_plural(len(errors) - unread, 'model')} could not be linted."
    return line


def _nothing_linted(counts: dict) -> str:
    """The summary of a run whose files gave no model at all: scripts without a loss wiring (exit
    0, never clean), or files and models that could not be read (exit 2)."""
    if counts.get("no_wiring"):
        return f"No loss wiring found in {_plural(counts['no_wiring'], 'Python file')}: nothing linted."
    return "No Python files found: nothing linted."


def _findings_line(payload: dict) -> str:
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
    if not payload["findings"]:     # not clean all the same: a wiring not followed, its LA304 left out
        return f"No findings in {models}{tail}."
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
    """Findings grouped by model, with the task assumed and the rules not applied; then a summary
    line. Nothing when every input failed: the `Error:` lines on stderr are the whole report."""
    from rich.markup import escape

    counts = payload.get("counts", {})
    if not payload.get("models") and counts.get("errors") and not counts.get("no_wiring"):
        return
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
        if source and not model["name"].startswith(source):  # "<stdin>[1]", "train.py:42" name it
            head += f" [dim]({escape(_clean(model['source']))})[/dim]"
        found = by_model.get(key, [])
        if model.get("nothing_checked"):
            console.print(f"[bold]{head}[/bold]: [yellow]nothing could be checked[/yellow]")
        elif model.get("not_followed"):
            console.print(f"[bold]{head}[/bold]: [cyan]could not be followed[/cyan]")
        elif not found and model.get("clean", True):
            console.print(f"[green]✓[/green] {head}: clean")
        elif not found:     # --select/--ignore left out every code
            console.print(f"[bold]{head}[/bold]: no findings")
        else:
            console.print(f"[bold]{head}[/bold]")
        if model.get("assumed"):
            _print_indented(console, _clean(assumed_text(model["assumed"])), 2)
        for f in found:
            style = SEVERITY_STYLE.get(f["severity"], "")
            console.print(f"  [{style}]{f['severity']:<7}[/{style}] [bold]{f['code']}[/bold] "
                          f"{escape(f['name'])}")
            for line in _location_lines(f):
                console.print(f"          [dim]{escape(_clean(line))}[/dim]", soft_wrap=True)
            _print_indented(console, _clean(f["message"]), 10)
            _print_indented(console, _clean(f["fix"]), 10, label="fix: ")
        skipped = skipped_by_model.get(key)
        if skipped and not model.get("nothing_checked") and not model.get("not_followed"):
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


def annotation_text(finding: dict, payload: dict) -> str:
    """A finding as one annotation (GitHub, SARIF): the message and the fix, led by the model's
    name when the file holds several models or there is no file."""
    text = f"{finding['message']} Fix: {finding['fix']}"
    if len(payload.get("models", [])) > 1 or not finding.get("source"):
        text = f"[{finding['model']}] {text}"
    return text


def _github_place(item: dict) -> list[str]:
    """The ``file=``, ``line=`` and ``col=`` properties of an annotation, as far as known."""
    props = []
    if item.get("source"):
        props.append(f"file={_escape_property(item['source'])}")
        if item.get("line"):
            props.append(f"line={int(item['line'])}")
            if item.get("col"):
                props.append(f"col={int(item['col'])}")
    return props


def github_text(payload: dict) -> str:
    """One workflow command per finding: `::error file=F,line=N,col=C,title=LA101 name::message`
    (the message ends with where the model's activation or loss is, when elsewhere), and one
    ``::error`` per file that could not be read (located where its message says: a syntax
    error); then the task each model was assumed to have, and the summary line."""
    lines = []
    for f in payload["findings"]:
        props = _github_place(f) + [f"title={_escape_property(f['code'] + ' ' + f['name'])}"]
        # an annotation has one place: the other end of the pairing is named in its text
        elsewhere = _location_lines(f)[1:]
        message = _escape_data(annotation_text(f, payload) + (f" ({'; '.join(elsewhere)})" if elsewhere else ""))
        lines.append(f"::{GITHUB_LEVEL[f['severity']]} {','.join(props)}::{message}")
    lines.extend(f"::error {','.join(_github_place(error))}::{_escape_data(error['message'])}"
                 for error in payload.get("errors", []))
    # what lint assumed goes to the log as plain lines, not as annotations
    lines.extend(f"[{_clean(m['name'])}] {assumed_text(m['assumed'])}"
                 for m in payload.get("models", []) if m.get("assumed"))
    lines.append(summary_line(payload))
    return "\n".join(lines) + "\n"


def code_text(payload: dict, console) -> None:
    """One lint code explained under its headings (payload of lint.explain_code)."""
    from rich.markup import escape

    from lossadvisor.render.console import print_code

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
            print_code(console, value, 2)
        else:
            _print_indented(console, value, 2)


def codes_text(payload: dict, console) -> None:
    """The table of every lint code (payload {"codes": lint.list_codes()}); one record per code
    when the table does not fit the width."""
    from rich.markup import escape
    from rich.table import Table

    from lossadvisor.render.console import fit_table

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("code", no_wrap=True)
    table.add_column("name", overflow="fold")
    table.add_column("severity", no_wrap=True)
    table.add_column("flags", overflow="fold")
    for c in payload["codes"]:
        style = SEVERITY_STYLE.get(c["severity"], "")
        table.add_row(c["code"], escape(c["name"]), f"[{style}]{c['severity']}[/{style}]", escape(c["summary"]))
    console.print(fit_table(console, table))


# ----------------------------------------------------------------------------- SARIF 2.1.0

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SARIF_COLUMN_KIND = "unicodeCodePoints"    # lint counts columns in characters, not UTF-16 units


def sarif_text(payload: dict) -> str:
    """The lint payload as one SARIF 2.1.0 log (JSON text), for GitHub code scanning and other viewers."""
    import json

    return json.dumps(sarif_log(payload), indent=2, ensure_ascii=False) + "\n"


def sarif_log(payload: dict, explanations: dict | None = None) -> dict:
    """One run of the `lossadvisor` driver: a rule per lint code found, described from its
    explanation (``explanations``: code -> the payload of ``lint.explain_code``; looked up when
    None), and a result per finding, located in its file and line when the input has them
    (a spec or Keras file, a script: with its column, and the model's activation and loss as
    related locations; columns are counted in characters, ``columnKind`` unicodeCodePoints;
    flags have no location). A file that could not be read (located where
    known: a syntax error; the run is then not ``executionSuccessful``), and a model of which
    nothing could be checked, are tool notifications, so that the exit status is explained in
    the log too."""
    from lossadvisor import __version__

    codes = sorted({f["code"] for f in payload["findings"]})
    if explanations is None:
        from lossadvisor.lint import explain_code

        explanations = {code: explain_code(code) for code in codes}
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for f in payload["findings"]:
        result = {"ruleId": f["code"], "ruleIndex": index[f["code"]], "level": SARIF_LEVEL[f["severity"]],
                  "message": {"text": annotation_text(f, payload)}}
        location = _sarif_location(f.get("source"), f.get("line"), f.get("col"))
        if location:
            result["locations"] = [location]
            related = _sarif_related(f)
            if related:
                result["relatedLocations"] = related
        result["properties"] = {"model": f["model"]}
        results.append(result)
    errors = payload.get("errors", [])
    invocation = {"executionSuccessful": not errors}
    unchecked = [m for m in payload.get("models", []) if m.get("nothing_checked")]
    # the files that could not be read (the others were linted), then the models not checked
    notifications = []
    for error in errors:
        notification = {"level": "error", "message": {"text": error["message"]}}
        location = _sarif_location(error.get("source"), error.get("line"), error.get("col"))
        if location:
            notification["locations"] = [location]
        notifications.append(notification)
    notifications += [
        {"level": "warning", "message": {"text": f"[{m['name']}] nothing could be checked: no rule had "
                                                  "the facts it needs"}}
        for m in unchecked]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    driver = {"name": "lossadvisor", "version": __version__,
              "rules": [_sarif_rule(explanations[code]) for code in codes]}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION,
            "runs": [{"tool": {"driver": driver}, "invocations": [invocation], "columnKind": SARIF_COLUMN_KIND,
                      "results": results}]}


def _sarif_location(source: str | None, line: int | None, col: int | None) -> dict | None:
    """A location in a file: the file as a URI reference (a relative path stays relative, to the
    directory the log is read from), and its line and column when known; None without a file."""
    from pathlib import PurePath
    from urllib.parse import quote

    from lossadvisor.textutil import STDIN_NAME

    if not source or source == STDIN_NAME:
        return None
    path = PurePath(source)
    uri = path.as_uri() if path.is_absolute() else quote(path.as_posix())
    physical: dict = {"artifactLocation": {"uri": uri}}
    if line:
        physical["region"] = {"startLine": int(line)}
        if col:
            physical["region"]["startColumn"] = int(col)
    return {"physicalLocation": physical}


def _sarif_related(finding: dict) -> list[dict]:
    """The model's activation and loss where the finding is not: SARIF relatedLocations, each
    with its own id and a message naming the part."""
    related = []
    for part, where in _parts_at(finding)[1]:
        location = _sarif_location(finding.get("source"), where["line"], where["col"])
        if location:
            related.append(dict(location, id=len(related) + 1, message={"text": f"the {part}"}))
    return related


def _sarif_rule(code: dict) -> dict:
    """A reportingDescriptor from one lint code explained: the help is the explanation itself,
    and helpUri the first https page among its References (the framework documentation it
    cites); a code that cites none has no helpUri."""
    rule = {
        "id": code["code"],
        "name": code["name"],
        "shortDescription": {"text": code["summary"]},
        "fullDescription": {"text": code["explanation"]["What it flags"]},
        "help": {"text": code_plain_text(code), "markdown": code_markdown(code)},
        "defaultConfiguration": {"level": SARIF_LEVEL[code["severity"]]},
    }
    urls = [_reference_url(item) for item in code["explanation"].get("References", [])]
    help_uri = next((url for url in urls if url and url.startswith("https://")), None)
    if help_uri:
        rule["helpUri"] = help_uri
    return rule


def code_plain_text(payload: dict) -> str:
    """One lint code explained, as `lossadvisor explain CODE` prints it, without colour or wrapping."""
    lines = [f"{payload['code']} {payload['name']} ({payload['severity']})",
             f"  {payload['message']}", f"  fix: {payload['fix']}"]
    for heading, value in payload["explanation"].items():
        lines += ["", heading]
        items = value if isinstance(value, list) else None
        if items is not None:
            lines += [f"  • {item}" for item in items]
        else:
            lines += [f"  {line}".rstrip() for line in value.splitlines()]
    return "\n".join(lines) + "\n"


def code_markdown(payload: dict) -> str:
    """One lint code explained in Markdown: the same headings, the examples as code blocks
    (unlabelled: most are Python, some are commands), references as links."""
    out = [f"**{payload['code']}** `{payload['name']}` ({payload['severity']})", "",
           _md_escape(payload["message"]), "", f"**Fix:** {_md_escape(payload['fix'])}"]
    for heading, value in payload["explanation"].items():
        out += ["", f"### {heading}", ""]
        if isinstance(value, list):
            out += [f"- {_md_reference(item)}" for item in value]
        elif heading in ("Example", "Use instead"):
            out += ["```", value.rstrip(), "```"]
        else:
            out.append(_md_escape(value))
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    """Markdown's special characters escaped with a backslash: the texts name placeholders as
    <loss> (an HTML tag to a Markdown reader) and identifiers such as log_softmax."""
    import re

    return re.sub(r"([\\`*_<>\[\]|#])", r"\\\1", text)


def _reference_url(item: str) -> str | None:
    """The web address a reference starts with (``https://... (what it says)``), else None."""
    url = item.partition(" ")[0]
    return url if url.startswith(("https://", "http://")) else None


def _md_reference(item: str) -> str:
    """``https://... (what it says)`` -> an autolink and the escaped rest."""
    url = _reference_url(item)
    if url is None:
        return _md_escape(item)
    rest = item.partition(" ")[2]
    return f"<{url}>" + (f" {_md_escape(rest)}" if rest else "")
