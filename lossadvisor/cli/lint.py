"""`lossadvisor lint`: find mismatched output activation / loss / label pairings."""

from __future__ import annotations

import click

from lossadvisor.cli import completion
from lossadvisor.cli.common import format_option, rules_option

EPILOG = """\b
Examples:
  lossadvisor lint train.py
  lossadvisor lint src/ --exclude 'tests/*'
  lossadvisor lint src/ --select LA1 --ignore LA108
  lossadvisor lint --activation Softmax --loss nn.CrossEntropyLoss
  lossadvisor lint --task binary --activation sigmoid --loss BinaryCrossentropy --from-logits
  lossadvisor lint --task multiclass --labels integer --units 10 --classes 10 \\
      --activation linear --loss "nn.CrossEntropyLoss()" --json
  lossadvisor lint model.keras --task multiclass --labels one_hot
  lossadvisor lint models.yaml model.json --format github
  lossadvisor lint models.yaml --format sarif > lint.sarif
  cat spec.yaml | lossadvisor lint -
  lossadvisor explain LA101

\b
PATHS are PyTorch and Keras training scripts (.py), folders, spec files
(YAML or JSON: one model, a list, or {models: [...]}, with the keys of the
flags: task, activation, loss, framework, from_logits, units, labels,
classes, target, reduction, target_shape, layout, blank, label_start,
batch_size, event_rate, class_weight, name), .keras archives, or the
JSON of Keras model.to_json(). - reads a spec from standard input (a
training script is given as a .py file); a file without a suffix (a pipe,
<(...)) is judged by its content. Specs stop at 64 MiB, scripts at 16
MiB; like cat, lint waits for a pipe whose writer neither writes nor closes
it (a FIFO given by name is read that way too). Flags fill in what a file
does not say (task, labels); a flag that contradicts a file's model, or does
not apply to it, is an error for that model.

\b
Scripts are read without being imported or run: each loss call is followed
back to the model's output, and what cannot be followed (a loss or a model
passed in as a parameter) is an info finding (LA304); such a wiring is never
called clean, and is not a failure either. Folders are searched for *.py
files only (not spec and Keras files, nor FIFOs, sockets, devices and
dangling symlinks named *.py), skipping .git, virtual and
conda environments (a folder holding pyvenv.cfg or conda-meta),
__pycache__, .ipynb_checkpoints, build, dist, *.egg-info, node_modules and
tool caches; symlinked folders are not followed. --exclude GLOB skips more,
as .gitignore and Ruff read it: 'tests/*' or '*_pb2.py' match at any depth
below the folder, '/tests/*' only at its top, and 'tests/' matches folders
only; a file named on the command line is always read.

\b
Each file is its own unit: one that cannot be read (a syntax error, a
broken spec or .keras file, a file of an unknown kind, a script over 16 MiB)
is an error for that file, and a model that a flag contradicts is an error
for that model; the others are linted, the errors are printed (Error: ...)
after the report, sorted by path, and lint exits 2. A flag whose value is
not valid on its own (--task foo) is a usage error before any file is read.

\b
A finding is silenced by a comment `# lossadvisor: noqa` (every code) or
`# lossadvisor: noqa: LA101` (codes or prefixes, comma-separated) on a line
it points to: its own line, the line of the model's activation or loss, or
the line of the call that joins prediction and loss (the model's header,
train.py:LINE:COL). A bare `# noqa` does not silence lossadvisor.

\b
--select and --ignore take codes or prefixes (LA1, LA10, LA101, ALL),
comma-separated or repeated; for each code the most specific entry wins,
and --ignore wins a tie. The summary says how many codes they left out;
clean then means clean for the codes reported, and leaving out every code
a model could get is no findings (exit 0), not "nothing could be checked".

\b
Without --task, a model with a softmax over several units, a loss over
exclusive classes (nn.CrossEntropyLoss, categorical cross-entropy) or
one-hot labels is linted as multiclass, and the output says so; --task
overrides it. Rules that lack a fact (labels, classes, units, ...) are
listed as not checked. Spellings of all three frameworks are understood:
Softmax, nn.Softmax, jax.nn.softmax; nn.BCEWithLogitsLoss,
BinaryCrossentropy, "binary_crossentropy", optax's
sigmoid_binary_cross_entropy.

\b
Exit codes: 0 no error findings (or --exit-zero; also scripts without
any loss wiring, and wirings that could not be followed), 1 error findings,
or nothing could be checked (no rule had the facts it needs, e.g. a model
without activation and loss), 2 usage or input error, or a file or a
model that could not be read or linted (after the report).
"""


@click.command(epilog=EPILOG)
@click.argument("files", nargs=-1, type=click.Path(), metavar="[PATHS]...")
@click.option("--task", metavar="CHOICE", shell_complete=completion.question_values("task"),
              help="regression | binary | multiclass | multilabel | ordinal | segmentation | sequence | survival.")
@click.option("--activation", metavar="NAME", shell_complete=completion.activation_ids,
              help="The model's output activation, as any framework spells it.")
@click.option("--loss", metavar="NAME", shell_complete=completion.loss_ids,
              help="The loss, as the framework spells it (a call with keyword args is read).")
@click.option("--framework", metavar="CHOICE", shell_complete=completion.question_values("framework"),
              help="keras | pytorch | jax (usually implied by the loss).")
@click.option("--from-logits/--no-from-logits", "from_logits", default=None,
              help="Keras losses: whether the loss gets logits.")
@click.option("--units", metavar="N", help="Units of the output layer.")
@click.option("--labels", metavar="CHOICE", shell_complete=completion.question_values("labels"),
              help="binary: zero_one | plus_minus_one; multiclass: integer | one_hot | probabilities.")
@click.option("--classes", metavar="N", help="Number of classes (multiclass, multilabel).")
@click.option("--target", metavar="CHOICE", shell_complete=completion.question_values("target"),
              help="Regression target: real | positive_wide | count.")
@click.option("--reduction", metavar="NAME", help="The loss's reduction (PyTorch), e.g. mean or batchmean.")
@click.option("--target-shape", metavar="SHAPE", help="Shape of the targets given to the loss, e.g. '(N,)' or '(N, 1)'.")
@click.option("--layout", metavar="CHOICE", help="Sequence output layout: batch_major (N, T, C) | time_major (T, N, C).",
              shell_complete=completion.words([("batch_major", "(N, T, C)"), ("time_major", "(T, N, C)")]))
@click.option("--blank", metavar="N", help="The CTC blank index (PyTorch blank, Keras mask_index, optax blank_id).")
@click.option("--label-start", "label_start", metavar="N", help="The smallest label: 0, or 1 for levels numbered 1..K.")
@click.option("--batch-size", "batch_size", metavar="N", help="Training batch size (Cox: batches without events).")
@click.option("--event-rate", "event_rate", metavar="X", help="Share of rows with an event (survival), in (0, 1].")
@click.option("--class-weight/--no-class-weight", "class_weight", default=None,
              help="Keras: whether fit gets class_weight.")
@click.option("--answer", "answer_pairs", multiple=True, metavar="ID=VALUE", shell_complete=completion.answer_pairs,
              help="Any other question of the rule base (imbalance, outliers, ...). Repeatable.")
@click.option("--select", multiple=True, metavar="CODES",
              help="Report only these codes or prefixes (LA1, LA101, ALL); comma-separated. Repeatable.")
@click.option("--ignore", multiple=True, metavar="CODES",
              help="Leave out these codes or prefixes; comma-separated. Repeatable.")
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="Skip paths below a folder that match, at any depth (e.g. 'tests/', '/build/*'). Repeatable.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are error findings or nothing could be checked (report only).")
@rules_option
@format_option("github", "sarif")
@click.pass_context
def lint(ctx, files, fmt, answer_pairs, exit_zero, rules_paths, select, ignore, exclude, **flags):
    """Find mismatched output activation / loss / label pairings.

    Checks training scripts (PyTorch, Keras), a model described by flags, by
    spec files, or read from Keras model files, against the lint rules (codes
    LA###; see `lossadvisor explain LA101`). --format github prints workflow
    annotations; --format sarif a SARIF 2.1.0 log for code scanning, with
    each code's explanation as its help.
    """
    from lossadvisor.api import lint_document
    from lossadvisor.errors import OptionError

    try:
        payload = lint_document(files, flags=flags, answer_pairs=answer_pairs, rules_paths=rules_paths,
                                select=select or None, ignore=ignore or None, exclude=exclude)
    except OptionError as exc:  # conflicting flags, or nothing to lint
        raise click.UsageError(str(exc)) from None  # a usage error of the flags: points to --help
    if fmt in ("github", "sarif"):
        from lossadvisor.render import write_out
        from lossadvisor.render.lint import github_text, sarif_text

        write_out(github_text(payload) if fmt == "github" else sarif_text(payload))
    else:
        from lossadvisor.render import render
        from lossadvisor.render.lint import lint_text

        render(payload, fmt, lint_text)
    for error in sorted(payload["errors"], key=lambda e: (e["source"], e["line"] or 0, e["col"] or 0)):
        click.echo(f"Error: {' '.join(error['message'].split())}", err=True)
    if payload["errors"]:
        ctx.exit(2)
    if (payload["summary"]["error"] or payload["nothing_checked"]) and not exit_zero:
        ctx.exit(1)
