"""`lossadvisor check`: the NumPy reference checks, or a check of the user's own loss."""

from __future__ import annotations

import click
from click.core import ParameterSource

from lossadvisor.cli import completion
from lossadvisor.cli.common import NameChoice, format_option, rules_option
from lossadvisor.framework_names import FRAMEWORKS, aliases
from lossadvisor.implcheck import (DEFAULT_MEMORY_MIB, DEFAULT_TIMEOUT, IMPL_FRAMEWORKS, IMPORT_TIMEOUT_RULE,
                                   MAX_MEMORY_MIB, MAX_TIMEOUT, MIN_MEMORY_MIB)
from lossadvisor.textutil import fmt_number

EPILOG = """\b
Examples:
  lossadvisor check                                  # every loss in the catalog
  lossadvisor check binary_crossentropy huber --json
  lossadvisor check mse nn.BCEWithLogitsLoss --framework none   # any framework's name
  lossadvisor check huber --param delta=2.5
  lossadvisor check 'keras.losses.Huber(delta=2.5)'  # the same parameter, from the call
  lossadvisor check --framework none                 # NumPy only, no framework imports
  lossadvisor check binary_crossentropy --impl my_losses.py:bce
  lossadvisor check categorical_crossentropy --impl mypkg.losses:cce --impl-framework torch
  lossadvisor check binary_crossentropy --impl my_losses.py:bce --probabilities
  lossadvisor check mean_squared_error --impl my_losses.py:mse --timeout 2

\b
Checks per loss: worked example (by hand), maximum likelihood (density formula),
gradient (finite differences), stability (extreme inputs), minimiser (the statistic
the loss targets), framework agreement (PyTorch, Keras 3, JAX + optax if installed).

\b
--impl imports your module and calls your function in a separate process, on
generated and edge cases, and names the usual mistakes. It passes when your
function agrees with the reference on every case under one convention, and
says which: argument order f(y_true, y_pred) (Keras) or f(y_pred, y_true)
(PyTorch; a variance comes last, as in f(y_true, y_pred, variance) for
gaussian_nll), logits or probabilities (losses that take from_logits; pin it
with --logits/--probabilities), the other input form a loss names, reported as
the form (log rate for poisson, log-probabilities for kl_divergence, labels 0/1
for hinge and squared_hinge), 2-D batches or 1-D vectors (one row per call,
when the whole call raised or gave no scalar), one output at a time (quantile),
and any clip of probabilities 0 and 1 from 1e-4 to PyTorch's log clamp (-100):
about 0 on right predictions, the clip's -log(eps) on wrong ones.
A call that raises, exits (sys.exit, os._exit), crashes, runs past --timeout
or --memory-limit, or prints to stdout is a failed check (exit 1); an import
that fails, exits, crashes or hangs is an input error (exit 2).
Skipped checks (a framework not installed, a loss with no NumPy reference) are
counted as skipped, never as passed.
Exit codes: 0 no check failed and at least one passed, 1 a check failed or
every check was skipped (nothing checked), 2 usage or input error (a named
--framework that is not installed included).
"""


def _param_value(text: str):
    """A `--param` value: a list (commas or [...]), a boolean (true/yes, false/no), a number, else the text."""
    text = text.strip()
    if "," in text or (text.startswith("[") and text.endswith("]")):
        items = [t for t in text.strip("[]").split(",") if t.strip()]
        return [_param_value(t) for t in items]
    low = text.lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_params(pairs) -> dict:
    """`--param KEY=VALUE` texts -> {key: value}: values converted, may be empty; a repeated key takes the last."""
    from lossadvisor.answers import parse_pairs
    from lossadvisor.errors import UsageError

    try:
        return parse_pairs(pairs, malformed="--param {pair!r}: expected KEY=VALUE (e.g. delta=2.5 or "
                                            "quantiles=0.1,0.5,0.9)", empty_ok=True, convert=_param_value)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None  # a usage error of the flags: points to --help


@click.command(epilog=EPILOG)
@click.argument("losses", nargs=-1, metavar="[LOSS]...", shell_complete=completion.loss_ids)
@click.option("--impl", "impl", metavar="MODULE:FUNCTION",
              help="Check your own loss function (MODULE:FUNCTION or path/to/file.py:FUNCTION) against the "
                   "reference. Needs exactly one LOSS.")
@click.option("--impl-framework", type=NameChoice(IMPL_FRAMEWORKS, aliases(IMPL_FRAMEWORKS)), default=IMPL_FRAMEWORKS[0],
              show_default=True, help="With --impl: pass NumPy arrays, torch tensors or jax arrays to your function.")
@click.option("--logits/--probabilities", "from_logits", default=None,
              help="With --impl, for the losses that take from_logits: pin the form your function takes "
                   "(logits or probabilities). [default: both are tried]")
@click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True, metavar="SECONDS",
              help=f"With --impl: the time limit of each call of your function, at most {fmt_number(MAX_TIMEOUT)} "
                   f"(its import gets {IMPORT_TIMEOUT_RULE}).")
@click.option("--memory-limit", type=int, default=DEFAULT_MEMORY_MIB, show_default=True, metavar="MIB",
              help=f"With --impl: the memory limit of the process running your function (RLIMIT_DATA): 0 for "
                   f"none, or {MIN_MEMORY_MIB} to {MAX_MEMORY_MIB}.")
@click.option("--framework", "frameworks", multiple=True, metavar="NAME",
              type=NameChoice([*FRAMEWORKS, "all", "none"], aliases(FRAMEWORKS)),
              help=f"Framework to compare with: {', '.join(FRAMEWORKS)}, all or none. Repeatable. A framework "
                   "named here (or by all) must be installed: exit 2 with the install command if it is not. "
                   "[default: every installed one]")
@click.option("--param", "param_pairs", multiple=True, metavar="KEY=VALUE",
              help="A loss parameter for the checks (delta=2.5, gamma=1, quantiles=0.1,0.9). Repeatable.")
@click.option("--verbose", "-v", is_flag=True,
              help="Text output: the table of every check with its detail (--impl: every case), not a line per loss.")
@rules_option
@format_option()
def check(fmt, losses, impl, impl_framework, from_logits, timeout, memory_limit, frameworks, param_pairs, verbose,
          rules_paths):
    """Run the NumPy reference checks, or check your own loss.

    Checks each LOSS (all losses when none is named), or with --impl your own
    implementation of one loss. A LOSS is its id or any framework's name for it
    (mse, bce, nn.BCEWithLogitsLoss, F.cross_entropy, optax.huber_loss); the
    keyword arguments of a call are the loss's parameters, like --param
    (keras.losses.Huber(delta=2.0)), and any other argument is refused.

    Prints a line per loss (checks passed out of all, what was skipped and why,
    each failed check with its reason) and a summary; --verbose prints the
    table of every check.
    """
    from functools import partial

    from lossadvisor.api import check_document
    from lossadvisor.errors import OptionError
    from lossadvisor.render import render
    from lossadvisor.render.check import check_text
    from lossadvisor.render.console import progress

    params = parse_params(param_pairs)
    ctx = click.get_current_context()
    impl_only = ("from_logits", "impl_framework", "timeout", "memory_limit")
    if not impl and any(ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT) for name in impl_only):
        raise click.UsageError("--logits/--probabilities, --impl-framework, --timeout and --memory-limit "
                               "apply only with --impl")
    impl_options = dict(impl_framework=impl_framework, from_logits=from_logits, timeout=timeout,
                        memory_limit=memory_limit) if impl else {}
    message = (f"Checking {impl} against the reference…" if impl
               else "Importing the frameworks and running the reference checks…")
    try:
        with progress(message, shown=fmt == "text"):
            payload = check_document(losses, impl=impl, frameworks=frameworks or None, params=params,
                                     rules_paths=rules_paths, **impl_options)
    except OptionError as exc:
        raise click.UsageError(str(exc)) from None  # a usage error of the flags: points to --help
    render(payload, fmt, partial(check_text, verbose=verbose))
    if not payload["passed"]:
        click.get_current_context().exit(1)
