"""`explain`, `losses`, `rules list`, `rules validate`: the rule base as reference."""

from __future__ import annotations

import re

import click

from lossadvisor.cli import completion
from lossadvisor.catalog import FAMILIES
from lossadvisor.cli.common import NameChoice, format_option, load_rules, rules_option

LINT_CODE = re.compile(r"^LA\d{3}$", re.IGNORECASE)


@click.command(epilog="""\b
Examples:
  lossadvisor explain huber
  lossadvisor explain mse
  lossadvisor explain nn.CrossEntropyLoss
  lossadvisor explain sigmoid
  lossadvisor explain multiclass-integer
  lossadvisor explain LA101
  lossadvisor explain --all-codes
  lossadvisor explain binary_crossentropy --plot bce.png
  lossadvisor explain poisson --json""")
@click.argument("item_id", metavar="ID", required=False, shell_complete=completion.explain_ids)
@click.option("--all-codes", is_flag=True, help="List every lint code.")
@click.option("--plot", "plot_path", metavar="FILE", help="Draw the loss and its gradient beside its alternatives (PNG or SVG; needs the 'plot' extra).")
@rules_option
@format_option()
def explain(item_id, all_codes, plot_path, rules_paths, fmt):
    """Explain a loss, an activation, a rule or a lint code (LA###).

    A loss or an activation may be named by its id or as any framework
    spells it (mse, keras.losses.Huber, nn.CrossEntropyLoss, F.cross_entropy,
    optax.sigmoid_binary_cross_entropy). A call's keyword arguments are read
    as the loss's parameters (keras.losses.Huber(delta=2.0)); any other
    argument is refused, as by check. A loss: formula, likelihood, target
    domain, when to use it, pitfalls and its name in each framework. An
    activation: its range and the losses it pairs with. A rule: what it
    matches and recommends.
    """
    from lossadvisor import catalog
    from lossadvisor.render import render
    from lossadvisor.render import catalog as text

    if all_codes:
        if item_id:
            raise click.UsageError("give an ID or --all-codes, not both")
        from lossadvisor import lint
        from lossadvisor.render import lint as lint_text

        render({"codes": lint.list_codes()}, fmt, lint_text.codes_text)
        return
    if not item_id:
        raise click.UsageError("missing ID: a loss, an activation, a rule id or a lint code; list them with 'lossadvisor losses', 'lossadvisor rules list', 'lossadvisor explain --all-codes'")
    if LINT_CODE.match(item_id):
        if plot_path is not None:
            raise click.UsageError("--plot draws a loss, not a lint code")
        from lossadvisor import lint
        from lossadvisor.render import lint as lint_text

        render(lint.explain_code(item_id.upper()), fmt, lint_text.code_text)
        return
    rb = load_rules(rules_paths)
    payload = catalog.explain(rb, item_id)
    if plot_path is not None:
        if payload["kind"] != "loss":
            from lossadvisor.lint.spellings import shown_text

            article = "an" if payload["kind"][0] in "aeiou" else "a"
            raise click.UsageError(f"--plot draws a loss; {shown_text(item_id)} is {article} {payload['kind']}")
        from lossadvisor.plot import plot_loss

        payload["plot"] = plot_loss(rb, payload["loss"]["id"], plot_path)
        click.echo(f"Wrote {payload['plot']['path']}", err=True)  # stdout keeps only the explanation
    render(payload, fmt, text.explain_text)


@click.command(epilog="""\b
Examples:
  lossadvisor losses
  lossadvisor losses --family binary
  lossadvisor losses --family survival
  lossadvisor losses mse bce nn.CrossEntropyLoss
  lossadvisor losses --json""")
@click.argument("names", nargs=-1, metavar="[NAME]...", shell_complete=completion.loss_ids)
@click.option("--family", type=NameChoice(FAMILIES), help="Only this family.")
@rules_option
@format_option()
def losses(names, family, rules_paths, fmt):
    """List the loss catalog: id, likelihood, output activation, framework names.

    NAME limits the list to those losses, each named by its id or as any
    framework spells it (mse, nn.BCEWithLogitsLoss, optax.softmax_cross_entropy).
    """
    from lossadvisor import catalog
    from lossadvisor.render import catalog as text
    from lossadvisor.render import render

    rb = load_rules(rules_paths)
    render(catalog.list_losses(rb, family=family, names=names), fmt, text.losses_text)


@click.group(epilog="""\b
Examples:
  lossadvisor rules list
  lossadvisor rules list --json
  lossadvisor rules validate
  lossadvisor rules validate my-rules.yaml
  lossadvisor rules validate my-rule-base/ --standalone""")
def rules():
    """List the rule base, or validate a custom one."""


@rules.command("list", epilog="""\b
Examples:
  lossadvisor rules list
  lossadvisor rules list --rules my-rules.yaml --json""")
@rules_option
@format_option()
def rules_list(rules_paths, fmt):
    """List every rule: what it matches, the output layer and the loss."""
    from lossadvisor import catalog
    from lossadvisor.render import catalog as text
    from lossadvisor.render import render

    rb = load_rules(rules_paths)
    render(catalog.list_rules(rb), fmt, text.rules_text)


@rules.command("validate", epilog="""\b
Examples:
  lossadvisor rules validate                      # the shipped rule base
  lossadvisor rules validate my-rules.yaml        # shipped + overlay, as --rules would
  lossadvisor rules validate my-rules/ --standalone

\b
Exit 0 when valid, 1 when the rule base has problems (each printed as
file:line: message), 2 when PATH cannot be read.""")
@click.argument("paths", metavar="[PATH]...", nargs=-1)
@click.option("--standalone", is_flag=True, help="Validate PATH alone as a complete rule base, without the shipped one.")
@format_option()
def rules_validate(paths, standalone, fmt):
    """Validate a rule base: schema, references, and that every combination of
    answers resolves to exactly one rule."""
    from lossadvisor import catalog
    from lossadvisor.render import catalog as text
    from lossadvisor.render import render

    if standalone and not paths:
        raise click.UsageError("--standalone needs a PATH")
    payload = catalog.validate(paths, standalone=standalone)
    render(payload, fmt, text.validate_text)
    return 0 if payload["valid"] else 1
