"""`explain`, `losses`, `rules list`, `rules validate`: the rule base as reference."""

from __future__ import annotations

import re

import click

from lossadvisor.cli.common import format_option, load_rules, rules_option

LINT_CODE = re.compile(r"^LA\d{3}$", re.IGNORECASE)


@click.command(epilog="""\b
Examples:
  lossadvisor explain huber
  lossadvisor explain multiclass-integer
  lossadvisor explain LA101
  lossadvisor explain --all-codes
  lossadvisor explain binary_crossentropy --plot bce.png
  lossadvisor explain poisson --json""")
@click.argument("item_id", metavar="ID", required=False)
@click.option("--all-codes", is_flag=True, help="List every lint code.")
@click.option("--plot", "plot_path", metavar="FILE", help="Draw the loss and its gradient beside its alternatives (PNG or SVG; needs the 'plot' extra).")
@rules_option
@format_option()
def explain(item_id, all_codes, plot_path, rules_paths, fmt):
    """Explain a loss id, a rule id or a lint code (LA###).

    A loss: formula, likelihood, target domain, when to use it, pitfalls and
    its name in each framework. A rule: what it matches and recommends.
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
        raise click.UsageError("missing ID: a loss id, a rule id or a lint code; list them with 'lossadvisor losses', 'lossadvisor rules list', 'lossadvisor explain --all-codes'")
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
            raise click.UsageError(f"--plot draws a loss; {item_id} is a {payload['kind']}")
        from lossadvisor.plot import plot_loss

        payload["plot"] = plot_loss(rb, item_id, plot_path)
    render(payload, fmt, text.explain_text)


@click.command(epilog="""\b
Examples:
  lossadvisor losses
  lossadvisor losses --family binary
  lossadvisor losses --json""")
@click.option("--family", type=click.Choice(["regression", "binary", "multiclass"]), help="Only this family.")
@rules_option
@format_option()
def losses(family, rules_paths, fmt):
    """List the loss catalog: id, likelihood, output activation, framework names."""
    from lossadvisor import catalog
    from lossadvisor.render import catalog as text
    from lossadvisor.render import render

    rb = load_rules(rules_paths)
    render(catalog.list_losses(rb, family=family), fmt, text.losses_text)


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
