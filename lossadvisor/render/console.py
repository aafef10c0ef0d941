"""The rich console, configured the same way for every command.

Colour: NO_COLOR (any non-empty value, no-color.org) turns it off; otherwise FORCE_COLOR (any
non-empty value, force-color.org) turns it on even in a pipe; otherwise colour is on only on a
terminal. NO_COLOR wins when both are set, as in CPython's own colour switch.

Width: COLUMNS when it is set, else the terminal's width, else (a pipe, a file) 100 columns.

Text that is not going to a terminal has no trailing spaces: rich pads panels and tables to
their width, and the console's file strips the padding from the end of every line.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys

#: the width of text written to a pipe or a file when COLUMNS does not say
PIPE_WIDTH = 100


def _env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to a non-empty value."""
    return os.environ.get(name, "") != ""


def is_terminal(stream) -> bool:
    """Whether ``stream`` (sys.stdin, sys.stdout, sys.stderr; None when closed) is a terminal."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def color_enabled(stream) -> bool:
    """Colour unless NO_COLOR; in a pipe too with FORCE_COLOR; else only on a terminal."""
    if _env_flag("NO_COLOR"):
        return False
    if _env_flag("FORCE_COLOR"):
        return True
    return is_terminal(stream)


def output_width(stream) -> int | None:
    """COLUMNS when it is a positive number; else None (the terminal's own) on a terminal,
    and PIPE_WIDTH elsewhere."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if is_terminal(stream) else PIPE_WIDTH


# spaces, and the colour codes (SGR) between them, at the end of a line
_LINE_END = re.compile(r"(?: |\x1b\[[0-9;]*m)+$")
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def strip_line_ends(text: str) -> str:
    """``text`` without the spaces that end each of its complete lines; the colour codes among
    those spaces are kept. A last line without its newline (a prompt) keeps its spaces.

    >>> strip_line_ends("│ a   │   \\n\\x1b[1mb  \\x1b[0m\\nask: ")
    '│ a   │\\n\\x1b[1mb\\x1b[0m\\nask: '
    """
    lines = text.split("\n")
    for i, line in enumerate(lines[:-1]):
        end = _LINE_END.search(line)
        if end:
            lines[i] = line[:end.start()] + "".join(_SGR.findall(end.group()))
    return "\n".join(lines)


class LineEndStripper:
    """A text stream that writes to ``stream`` without the spaces that end each line."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(strip_line_ends(text))
        return len(text)

    def __getattr__(self, name):  # flush, isatty, fileno, encoding: those of the stream
        return getattr(self._stream, name)


def make_console(stderr: bool = False):
    from rich.console import Console as RichConsole

    from lossadvisor.render import closed_pipe

    class Console(RichConsole):
        def on_broken_pipe(self) -> None:  # rich's own exits 1, the findings code
            self.quiet = True
            closed_pipe()

    stream = sys.stderr if stderr else sys.stdout
    terminal = is_terminal(stream)
    color = color_enabled(stream)
    return Console(
        file=stream if terminal else LineEndStripper(stream),
        no_color=not color,
        # colour forced into a pipe: the basic 16 colours, whatever TERM says
        color_system=("auto" if terminal else "standard") if color else None,
        force_terminal=(None if terminal else True) if color else False,
        highlight=False,
        soft_wrap=False,
        width=output_width(stream),
    )


def print_code(console, code: str, indent: int = 0) -> None:
    """Python ``code`` exactly as it is (highlighted when colour is on), each line under ``indent``
    spaces (none on a blank line) and ending in one newline: never wrapped, never cropped, so
    that what is copied from the terminal runs."""
    from rich.syntax import Syntax
    from rich.text import Text

    code = code.rstrip("\n")
    highlighted = Syntax(code, "python", theme="ansi_dark", background_color="default").highlight(code)
    margin = " " * indent
    for line in highlighted.split("\n"):
        console.print(Text(margin) + line if line.plain else line, soft_wrap=True)


def fit_table(console, table):
    """``table`` with its columns sized so that no word of a cell and no header is broken, when
    the console is wide enough for that; else the same rows as records: the first cell of each
    row on a line of its own, then each other cell under its column's header. So no column is
    squeezed to nothing at a narrow width, and no text is cropped."""
    from rich.measure import Measurement

    wide = console.options.update_width(10_000)
    whole = Measurement.get(console, wide, table)
    if whole.maximum <= console.width:
        return table
    # each column's narrowest (its longest word, its whole header) and widest (its longest line)
    narrowest, widest, words = [], [], 0
    for column in table.columns:
        header = Measurement.get(console, wide, column.header)
        sizes = [header] + [Measurement.get(console, wide, cell) for cell in column.cells]
        words += max(m.minimum for m in sizes)
        narrowest.append(max(header.maximum, *(m.minimum for m in sizes)))
        widest.append(max(m.maximum for m in sizes))
    overhead = whole.minimum - words  # the padding and the rules between the columns
    spare = console.width - overhead - sum(narrowest)
    if spare < 0:
        return _records(table)
    wants = [hi - lo for lo, hi in zip(narrowest, widest)]
    widths = [lo + spare * want // sum(wants) for lo, want in zip(narrowest, wants)]
    left = console.width - overhead - sum(widths)  # what rounding down left: less than a column each
    for i in sorted(range(len(widths)), key=lambda i: -wants[i])[:left]:
        widths[i] += 1
    for column, width in zip(table.columns, widths):
        column.width = width
    return table


def _records(table):
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    headers = [str(column.header) for column in table.columns]
    cells = [list(column.cells) for column in table.columns]
    records = []
    for row in range(table.row_count):
        key = cells[0][row]
        records.append(Text.from_markup(key, style="bold") if isinstance(key, str) else key)
        fields = Table.grid(padding=(0, 2))
        fields.add_column(style="dim", no_wrap=True)
        fields.add_column(overflow="fold")
        for header, column in zip(headers[1:], cells[1:]):
            if column[row] not in ("", None):
                fields.add_row(header, column[row])
        records.append(Padding(fields, (0, 0, 0, 2)))
    return Group(*records)


@contextlib.contextmanager
def progress(message: str, *, shown: bool = True):
    """A spinner with ``message`` on stderr while the block runs, when ``shown`` and stderr is a
    terminal (not TERM=dumb); it erases itself, and anything written to stdout meanwhile goes to
    stderr."""
    if not shown or os.environ.get("TERM") == "dumb" or not is_terminal(sys.stderr):
        yield
        return
    with live_console().status(message):
        yield


def live_console():
    """The console of a live display on stderr, a terminal (the spinner, infer's progress bar):
    drawn as on a terminal even under NO_COLOR, which takes only the colour away."""
    from rich.console import Console

    return Console(file=sys.stderr, force_terminal=True, no_color=not color_enabled(sys.stderr), highlight=False)


def marked_list(items):
    """Rows of (mark, text) (rich markup) under a two-space indent: ``  ! text``, the mark ("•",
    "!", "?", or "" for a line that continues the one above) right-aligned in three columns,
    the text folding under itself."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(width=3, justify="right")
    grid.add_column(overflow="fold")
    for mark, text in items:
        grid.add_row(mark, text)
    return grid
