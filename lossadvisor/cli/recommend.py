"""`lossadvisor recommend`: prompts, flags or an answers file -> one recommendation."""

from __future__ import annotations

import click

from lossadvisor.cli import completion
from lossadvisor.cli.common import format_option, load_rules, rules_option
from lossadvisor.rulebase import shipped_questions


def _question_flags(func):
    """One `--ID` option per question of the shipped rule base."""
    by_id: dict[str, list] = {}
    for q in shipped_questions():
        by_id.setdefault(q.id, []).append(q)
    for qid, qs in reversed(list(by_id.items())):
        parts = []
        defaults = {q.default for q in qs}
        for q in qs:
            valid = "|".join(q.values) if q.kind == "choice" else q.describe_valid()
            if len(defaults) > 1 and q.default is not None:  # the default differs by scope: say each one
                valid += f", default {q.default}"
            scope = ", ".join(f"{k}={'|'.join(v) if isinstance(v, tuple) else v}" for k, v in q.when.items())
            parts.append(f"{scope}: {valid}" if scope else valid)
        default = qs[0].default
        text = qs[0].prompt.rstrip("?") + " (" + "; ".join(parts) + ")"
        if default is not None and len(defaults) == 1:
            text += f" [default: {default}]"
        metavar = "N" if qs[0].kind == "integer" else "CHOICE"
        func = click.option(f"--{qid.replace('_', '-')}", qid, metavar=metavar, default=None, help=text,
                            shell_complete=completion.question_values(qid))(func)
    return func


def _format_given(ctx) -> bool:
    """Whether --format or --json was on the command line (not their default)."""
    from click.core import ParameterSource

    return any(ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT) for name in ("fmt", "as_json"))


EPILOG = """\b
Examples:
  lossadvisor recommend
  lossadvisor recommend --task binary --framework pytorch
  lossadvisor recommend --task multiclass --labels integer --classes 10 --framework keras --json
  lossadvisor recommend --task regression --target count --emit-code > train.py
  lossadvisor recommend --answers answers.yaml --no-input
  lossadvisor infer targets.csv --json | lossadvisor recommend --answers -
  lossadvisor recommend --from-data train.csv --column label --framework jax
  lossadvisor recommend --from-data patients.csv --column time --event died
  lossadvisor recommend --rules my-rules.yaml --answer domain=vision --task binary

\b
Answers come from, strongest first: flags and --answer, --answers FILE,
--from-data, then the prompts, then the defaults. The JSON says where each
answer came from ("sources"). Prompts appear only on a terminal: with no
answer given they ask every question; once one is given, only those without
a default (the task), or all with --ask. Never with --no-input, nor when
--answers - or --from-data - reads stdin.
With --from-data, the task given (flag, --answer or file) is the one the data
is read under, and a given answer that differs from the data's is a warning.
"""


@click.command(epilog=EPILOG)
@_question_flags
@click.option("--answer", "answer_pairs", multiple=True, metavar="ID=VALUE", shell_complete=completion.answer_pairs,
              help="Answer any question by id (also those of a custom rule base). Repeatable.")
@click.option("--answers", "answers_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="A YAML or JSON file mapping question id to answer (such as infer --json); "
                   "- reads it from stdin, and then nothing is prompted.")
@click.option("--no-input", is_flag=True, help="Never prompt; missing answers take their defaults.")
@click.option("--ask", "ask_all", is_flag=True,
              help="Prompt for every unanswered question, also those with a default (on a terminal).")
@click.option("--emit-code", is_flag=True,
              help="Print only the runnable training program (not with --json or --format).")
@click.option("--code", "show_code", is_flag=True, help="Text output: add the runnable training program.")
@click.option("--verbose", "-v", is_flag=True,
              help="Text output: show everything (the full reason, the program, the table of the reference check).")
@click.option("--no-check", is_flag=True, help="Skip the NumPy reference check of the pairing.")
@click.option("--from-data", "data_file", metavar="FILE",
              help="Infer answers from target data (CSV, TSV, .npy, .npz, JSON Lines, Parquet, Feather, - for stdin).")
@click.option("--column", "columns", multiple=True, metavar="NAME|INDEX",
              help="With --from-data: the target column(s). Repeatable.")
@click.option("--key", metavar="NAME", help="With --from-data: the array in an .npz file.")
@click.option("--delimiter", metavar="CHAR", help="With --from-data: the CSV delimiter (detected by default).")
@click.option("--order", metavar="A,B,C",
              help="With --from-data: the levels of an ordinal target, lowest first (as infer --order).")
@click.option("--event", metavar="NAME|INDEX",
              help="With --from-data: the event column of a survival target; --column is the time (as infer --event).")
@rules_option
@format_option()
def recommend(fmt, answer_pairs, answers_file, no_input, ask_all, emit_code, show_code, verbose, no_check, data_file,
              columns, key, delimiter, order, event, rules_paths, **flags):
    """Recommend the output layer (units, activation) and the loss for a problem.

    Prints, on one screen, the pairing and its lines for your framework, why
    it is the maximum-likelihood choice, the alternatives, any warnings, and
    one line for the NumPy reference check of the pairing (exit 1 if a check
    fails or nothing could be checked, as for a loss without a NumPy
    reference; --no-check skips it). --code adds the runnable program,
    --emit-code prints it alone, --verbose shows everything.
    """
    from lossadvisor.answers import STDIN
    from lossadvisor.api import given_answers_with_data, recommend_document
    from lossadvisor.engine import advise
    from lossadvisor.errors import OptionError
    from lossadvisor.render import render

    if emit_code and _format_given(click.get_current_context()):
        raise click.UsageError("--emit-code prints only the program: it cannot be combined with --json or --format")
    if answers_file == STDIN and data_file == STDIN:
        raise click.UsageError("--answers - and --from-data - cannot both read stdin; give one of them a file")
    if ask_all and no_input:
        raise click.UsageError("--ask and --no-input contradict each other: give one of them")
    if ask_all and STDIN in (answers_file, data_file):
        raise click.UsageError("--ask prompts on stdin, which --answers - or --from-data - reads: give a file")
    rb = load_rules(rules_paths)
    try:
        given, sources, data = given_answers_with_data(
            rb, flags, answer_pairs=answer_pairs, answers_file=answers_file, data_file=data_file,
            columns=list(columns), key=key, delimiter=delimiter, order=order, event=event)
    except OptionError as exc:
        raise click.UsageError(str(exc)) from None  # a usage error of the flags: points to --help

    ask = None
    if not no_input and STDIN not in (answers_file, data_file):  # stdin read for answers is not the keyboard
        from lossadvisor.cli.prompts import make_asker, stdin_is_terminal

        if stdin_is_terminal():
            # with nothing given, every question is asked; after any answer, only those without a default
            answered = bool(given) or answers_file is not None or data_file is not None
            ask = make_asker(every_question=ask_all or not answered)
    rec = advise(rb, given, given_sources=sources, ask=ask)
    from lossadvisor.render.console import progress

    check = not no_check and not emit_code
    with progress("Checking the pairing against the NumPy reference…", shown=fmt == "text" and check):
        payload = recommend_document(rb, rec, data, check=check)
    if emit_code:
        from lossadvisor.render import write_out

        write_out(payload["framework"]["code"])
        return
    from functools import partial

    from lossadvisor.render.recommend import recommendation_text

    if data is not None and fmt == "text":
        # the text has one list of warnings: the data's (a given answer the data contradicts,
        # labels to map) lead it; the JSON keeps them apart, under "data"
        payload = {**payload, "warnings": payload["data"]["warnings"] + payload["warnings"]}
    render(payload, fmt, partial(recommendation_text, show_code=show_code, verbose=verbose))
    # a check that failed, or that could check nothing (a custom loss without a NumPy
    # reference: --no-check says the check is not wanted), is not a success
    return 1 if payload.get("check", {}).get("status") in ("failed", "not_checked") else 0
