"""`lossadvisor recommend`: prompts, flags or an answers file -> one recommendation."""

from __future__ import annotations

import click

from lossadvisor.cli.common import format_option, load_rules, rules_option
from lossadvisor.rulebase import shipped_questions


def _question_flags(func):
    """One `--ID` option per question of the shipped rule base."""
    by_id: dict[str, list] = {}
    for q in shipped_questions():
        by_id.setdefault(q.id, []).append(q)
    for qid, qs in reversed(list(by_id.items())):
        parts = []
        for q in qs:
            valid = "|".join(q.values) if q.kind == "choice" else q.describe_valid()
            scope = ", ".join(f"{k}={'|'.join(v) if isinstance(v, tuple) else v}" for k, v in q.when.items())
            parts.append(f"{scope}: {valid}" if scope else valid)
        default = qs[0].default
        text = qs[0].prompt.rstrip("?") + " (" + "; ".join(parts) + ")"
        if default is not None:
            text += f" [default: {default}]"
        metavar = "N" if qs[0].kind == "integer" else "CHOICE"
        func = click.option(f"--{qid.replace('_', '-')}", qid, metavar=metavar, default=None, help=text)(func)
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
  lossadvisor recommend --from-data train.csv --column label --framework jax
  lossadvisor recommend --rules my-rules.yaml --answer domain=vision --task binary

\b
Answers come from, strongest first: flags and --answer, --answers FILE,
--from-data, then the prompts (only on a terminal, and not with --no-input),
then the defaults. The JSON says where each answer came from ("sources").
With --from-data, the task given (flag, --answer or file) is the one the data
is read under, and a given answer that differs from the data's is a warning.
"""


@click.command(epilog=EPILOG)
@_question_flags
@click.option("--answer", "answer_pairs", multiple=True, metavar="ID=VALUE",
              help="Answer any question by id (also those of a custom rule base). Repeatable.")
@click.option("--answers", "answers_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="A YAML or JSON file mapping question id to answer.")
@click.option("--no-input", is_flag=True, help="Never prompt; missing answers take their defaults.")
@click.option("--emit-code", is_flag=True,
              help="Print only the runnable training program (not with --json or --format).")
@click.option("--no-check", is_flag=True, help="Skip the NumPy reference check of the pairing.")
@click.option("--from-data", "data_file", metavar="FILE",
              help="Infer answers from target data (CSV, TSV, .npy, .npz, JSON Lines, Parquet, Feather, - for stdin).")
@click.option("--column", "columns", multiple=True, metavar="NAME|INDEX",
              help="With --from-data: the target column(s). Repeatable.")
@click.option("--key", metavar="NAME", help="With --from-data: the array in an .npz file.")
@click.option("--delimiter", metavar="CHAR", help="With --from-data: the CSV delimiter (detected by default).")
@rules_option
@format_option()
def recommend(fmt, answer_pairs, answers_file, no_input, emit_code, no_check, data_file, columns, key, delimiter,
              rules_paths, **flags):
    """Recommend the output layer (units, activation) and the loss for a problem.

    Prints the pairing, the code for your framework, why it is the
    maximum-likelihood choice, the alternatives, any warnings, and the NumPy
    reference check of the pairing (exit 1 if a check fails or nothing could be
    checked, as for a loss without a NumPy reference; --no-check skips it).
    """
    from lossadvisor.answers import FlagConflict, answers_with_data
    from lossadvisor.engine import advice_payload, advise
    from lossadvisor.render import render

    if emit_code and _format_given(click.get_current_context()):
        raise click.UsageError("--emit-code prints only the program: it cannot be combined with --json or --format")
    if not data_file and (columns or key or delimiter):
        raise click.UsageError("--column, --key and --delimiter go with --from-data")
    if data_file:
        from lossadvisor.infer import infer_framing

        def read_data(task):
            return infer_framing(data_file, columns=list(columns) or None, key=key, delimiter=delimiter, task=task)
    else:
        read_data = None
    try:
        given, sources, data = answers_with_data(flags, answer_pairs=answer_pairs, answers_file=answers_file,
                                                 read_data=read_data)
    except FlagConflict as exc:
        raise click.UsageError(str(exc)) from None  # a usage error of the flags: points to --help

    rb = load_rules(rules_paths)
    ask = None
    if not no_input:
        from lossadvisor.cli.prompts import make_asker, stdin_is_terminal

        if stdin_is_terminal():
            ask = make_asker()
    rec = advise(rb, given, given_sources=sources, ask=ask)
    payload = advice_payload(rb, rec, check=not no_check and not emit_code)
    if data is not None:
        payload["data"] = {k: data[k] for k in ("evidence", "warnings", "rows", "missing", "missing_values")
                           if k in data}
    if emit_code:
        from lossadvisor.render import write_out

        write_out(payload["framework"]["code"])
        return
    from lossadvisor.render.recommend import recommendation_text

    if data is not None and fmt == "text":
        # the text has one list of warnings: the data's (a given answer the data contradicts,
        # labels to map) lead it; the JSON keeps them apart, under "data"
        payload = {**payload, "warnings": payload["data"]["warnings"] + payload["warnings"]}
    render(payload, fmt, recommendation_text)
    # a check that failed, or that could check nothing (a custom loss without a NumPy
    # reference: --no-check says the check is not wanted), is not a success
    return 1 if payload.get("check", {}).get("status") in ("failed", "not_checked") else 0
