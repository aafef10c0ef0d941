"""`lossadvisor infer`: read target data, report the framing and the answers it implies."""

from __future__ import annotations

import click

from lossadvisor.cli.common import NameChoice, format_option
from lossadvisor.infer.decide import TASKS  # no numpy at import
from lossadvisor.infer.thresholds import MISSING_CLASS_MAX_DISTINCT, threshold
from lossadvisor.infer.values import missing_tokens_text

EPILOG = f"""\b
Examples:
  lossadvisor infer train.csv --column label
  lossadvisor infer y_train.npy
  lossadvisor infer data.npz --key y_train --json
  lossadvisor infer onehot.csv --column 1:11
  lossadvisor infer records.jsonl --column tags
  lossadvisor infer train.parquet --column target
  cut -d, -f3 train.csv | lossadvisor infer -
  lossadvisor infer train.csv --column label --task multiclass
  lossadvisor infer survey.csv --column pain --order none,mild,moderate,severe
  lossadvisor infer patients.csv --column time --event died
  lossadvisor infer train.csv --column label --json > framing.json
  lossadvisor recommend --answers framing.json --framework pytorch

\b
Reads CSV/TSV (delimiter and header detected; .gz too), .npy, .npz, JSON Lines,
and Parquet/Feather (with pip install 'lossadvisor[data]'); - is CSV on stdin.
Several --column values make a matrix target (one-hot, multi-hot, probabilities,
multi-output regression). Missing cells are counted per word and left out:
{missing_tokens_text()};
but a word such as None that takes at least {threshold("missing_class_share"):.0%} of the rows of a text
column of at most {MISSING_CLASS_MAX_DISTINCT} values is a class. --task derives the other
answers for the task you give. Ambiguous cases are listed with the alternative and what settles it;
every threshold used is named in the output (see the README).
Integer rating scales (1-5, 1-7, 0-10) and words of a known ordered scale
(none/mild/severe, low/medium/high, strongly disagree..strongly agree) are
ordinal; --order fixes the levels (lowest first) of any other. --event reads
a survival target: the --column time beside an event (or censoring) column.

\b
Exit codes: 0 framing inferred, 2 usage or input error (unreadable or empty
data, a column that does not exist, a column of IDs, timestamps or lines split
at the wrong delimiter, data that cannot be a target of the --task given, a value
that --order does not list, negative survival times, an event column that is
not binary or has no event).
"""


@click.command(epilog=EPILOG)
@click.argument("file", metavar="FILE")
@click.option("--column", "-c", "columns", multiple=True, metavar="NAME|INDEX",
              help="A target column: its header name, a 0-based index (negative from the end) or a range "
                   "A:B. Repeatable. Default: the column named label/target/y/class, else the last one "
                   "(CSV, Parquet), the whole array (npy).")
@click.option("--key", metavar="NAME", help="The array to read from an .npz file.")
@click.option("--delimiter", metavar="CHAR",
              help="CSV delimiter, e.g. ',' ';' '|' or 'tab' (detected by default).")
@click.option("--task", type=NameChoice(TASKS),
              help="The task, if you know it: the other answers are derived from the data for it.")
@click.option("--order", metavar="A,B,C",
              help="The levels of an ordinal target, lowest first (implies --task ordinal); every value of the "
                   "column must be one of them.")
@click.option("--event", metavar="NAME|INDEX",
              help="The event column of a survival target (1/0, true/false, died/censored...; a column named "
                   "'censored' reads 1 as censored); --column is then the time.")
@format_option()
def infer(file, columns, key, delimiter, task, order, event, fmt):
    """Infer the problem framing (task, labels, classes, target kind, outliers,
    imbalance) from the target data in FILE, with the evidence for each answer.

    The JSON output is a valid answers file for `lossadvisor recommend --answers`.
    """
    from lossadvisor.infer import infer_framing
    from lossadvisor.render import render
    from lossadvisor.render.infer import infer_text

    progress, finish = _progress()
    try:
        payload = infer_framing(file, columns=list(columns) or None, key=key, delimiter=delimiter, task=task,
                                order=order, event=event, progress=progress)
    finally:
        finish()
    render(payload, fmt, infer_text)


def _progress():
    """A rich progress bar on stderr, only on a terminal and only once reading takes a moment."""
    import sys
    import time

    from lossadvisor.render.console import is_terminal, live_console

    if not is_terminal(sys.stderr):
        return None, lambda: None
    start = time.monotonic()
    state: dict = {}

    def update(done, total):
        if "bar" not in state:
            if time.monotonic() - start < 0.5 or (total is not None and done >= total):
                return
            from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                                       TransferSpeedColumn)

            bar = Progress(TextColumn("reading"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                           TimeRemainingColumn(), console=live_console(), transient=True)
            bar.start()
            state["bar"] = bar
            state["task"] = bar.add_task("reading", total=total)
        state["bar"].update(state["task"], completed=done, total=total)

    def finish():
        if "bar" in state:
            state["bar"].stop()

    return update, finish
