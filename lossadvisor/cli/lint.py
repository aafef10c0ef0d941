"""`lossadvisor lint`: find mismatched output activation / loss / label pairings."""

from __future__ import annotations

import click

from lossadvisor.cli.common import format_option, load_rules, rules_option

EPILOG = """\b
Examples:
  lossadvisor lint --activation Softmax --loss nn.CrossEntropyLoss
  lossadvisor lint --task binary --activation sigmoid --loss BinaryCrossentropy --from-logits
  lossadvisor lint --task multiclass --labels integer --units 10 --classes 10 \\
      --activation linear --loss "nn.CrossEntropyLoss()" --json
  lossadvisor lint model.keras --task multiclass --labels one_hot
  lossadvisor lint models.yaml model.json --format github
  cat spec.yaml | lossadvisor lint -
  lossadvisor explain LA101

\b
FILES are spec files (YAML or JSON: one model, a list, or {models: [...]},
with the keys of the flags: task, activation, loss, framework, from_logits,
units, labels, classes, target, reduction, target_shape, name), .keras
archives, or the JSON of Keras model.to_json(). - reads a spec from
standard input; a file without a suffix (a pipe, <(...)) is judged by its
content. Specs stop at 64 MiB; like cat, lint waits for a pipe whose
writer neither writes nor closes it. Flags fill in what a file does not
say (task, labels); a flag that contradicts a file is an error.
Without --task, a softmax over several units or a loss over exclusive
classes (nn.CrossEntropyLoss, categorical cross-entropy) is linted as
multiclass, and the output says so; --task overrides it. Rules that lack
a fact (labels, classes, units, ...) are listed as not checked.
Spellings of all three frameworks are understood: Softmax, nn.Softmax,
jax.nn.softmax; nn.BCEWithLogitsLoss, BinaryCrossentropy,
"binary_crossentropy", optax's sigmoid_binary_cross_entropy.

\b
Exit codes: 0 no error findings (or --exit-zero), 1 error findings, or
nothing could be checked (no rule had the facts it needs, e.g. a model
without activation and loss), 2 usage or input error.
"""


@click.command(epilog=EPILOG)
@click.argument("files", nargs=-1, type=click.Path(), metavar="[FILES]...")
@click.option("--task", metavar="CHOICE", help="regression | binary | multiclass | multilabel.")
@click.option("--activation", metavar="NAME", help="The model's output activation, as any framework spells it.")
@click.option("--loss", metavar="NAME", help="The loss, as the framework spells it (a call with keyword args is read).")
@click.option("--framework", metavar="CHOICE", help="keras | pytorch | jax (usually implied by the loss).")
@click.option("--from-logits/--no-from-logits", "from_logits", default=None,
              help="Keras losses: whether the loss gets logits.")
@click.option("--units", metavar="N", help="Units of the output layer.")
@click.option("--labels", metavar="CHOICE",
              help="binary: zero_one | plus_minus_one; multiclass: integer | one_hot | probabilities.")
@click.option("--classes", metavar="N", help="Number of classes (multiclass, multilabel).")
@click.option("--target", metavar="CHOICE", help="Regression target: real | positive_wide | count.")
@click.option("--reduction", metavar="NAME", help="The loss's reduction (PyTorch), e.g. mean or batchmean.")
@click.option("--target-shape", metavar="SHAPE", help="Shape of the targets given to the loss, e.g. '(N,)' or '(N, 1)'.")
@click.option("--answer", "answer_pairs", multiple=True, metavar="ID=VALUE",
              help="Any other question of the rule base (imbalance, outliers, ...). Repeatable.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are error findings or nothing could be checked (report only).")
@rules_option
@format_option("github")
@click.pass_context
def lint(ctx, files, fmt, answer_pairs, exit_zero, rules_paths, **flags):
    """Find mismatched output activation / loss / label pairings.

    Checks a model described by flags, by spec files, or read from Keras model
    files, against the lint rules (codes LA###; see `lossadvisor explain LA101`).
    """
    from lossadvisor.answers import parse_answer_pairs
    from lossadvisor.lint import ModelInput, lint_models, load_lint_data, read_inputs

    given = {k: v for k, v in flags.items() if v is not None}
    for key, value in parse_answer_pairs(answer_pairs).items():
        if key in given and str(given[key]) != value:
            raise click.UsageError(f"--answer {key}={value} conflicts with --{key.replace('_', '-')} {given[key]}")
        given[key] = value
    rb = load_rules(rules_paths)
    if files:
        models = read_inputs(files, load_lint_data(rb=rb))  # the loss spellings of the rule base in use
    elif given:
        models = [ModelInput(name="flags", values={}, kind="flags")]
    else:
        raise click.UsageError("nothing to lint: give FILES (spec, .keras, model JSON) or flags such as "
                               "--activation and --loss")
    payload = lint_models(models, flags=given, rb=rb)
    if fmt == "github":
        from lossadvisor.render import write_out
        from lossadvisor.render.lint import github_text

        write_out(github_text(payload))
    else:
        from lossadvisor.render import render
        from lossadvisor.render.lint import lint_text

        render(payload, fmt, lint_text)
    if (payload["summary"]["error"] or payload["nothing_checked"]) and not exit_zero:
        ctx.exit(1)
