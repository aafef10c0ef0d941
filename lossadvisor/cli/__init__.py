"""The `lossadvisor` command line: a click group whose commands load lazily.

Commands parse, call the core, render. Errors of the core (LossAdvisorError)
become one line on stderr and exit 2 (usage or input) or 1 (findings).
"""

from __future__ import annotations

import errno
import importlib
import os
import sys

import click

from lossadvisor import __version__

# command name -> (module, attribute, one-line help). The help is here so that
# `lossadvisor --help` does not import every command; each is the start of the first
# sentence of the command's own help (tests/test_meta.py holds them to it).
COMMANDS = {
    "recommend": ("lossadvisor.cli.recommend", "recommend",
                  "Recommend the output layer (units, activation) and the loss for a problem."),
    "check": ("lossadvisor.cli.check", "check", "Run the NumPy reference checks, or check your own loss."),
    "infer": ("lossadvisor.cli.infer", "infer", "Infer the problem framing (task, labels, classes, target kind, "
                                                "outliers, imbalance) from the target data in FILE."),
    "lint": ("lossadvisor.cli.lint", "lint", "Find mismatched output activation / loss / label pairings."),
    "explain": ("lossadvisor.cli.catalog", "explain", "Explain a loss, an activation, a rule or a lint code."),
    "losses": ("lossadvisor.cli.catalog", "losses", "List the loss catalog."),
    "rules": ("lossadvisor.cli.catalog", "rules", "List the rule base, or validate a custom one."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name is not None and name not in COMMANDS and not name.startswith("-"):
            from lossadvisor.textutil import suggest

            hint = suggest(name, COMMANDS, fallback=f"; commands: {', '.join(COMMANDS)}")
            raise click.UsageError(f"no such command '{name}'{hint}", ctx)
        return super().resolve_command(ctx, args)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  lossadvisor recommend                      # answer a few questions
  lossadvisor recommend --task multiclass --labels integer --classes 10 --framework keras
  lossadvisor recommend --task binary --framework pytorch --json
  lossadvisor check binary_crossentropy
  lossadvisor explain huber

Exit codes: 0 ok, 1 findings or failed checks, 2 usage or input error.
Set NO_COLOR to turn colour off, FORCE_COLOR to keep it in a pipe or file.""",
)
@click.version_option(__version__, "-V", "--version", prog_name="lossadvisor", message="%(prog)s %(version)s")
def cli():
    """Pick the output activation and loss for your problem, with framework code,
    the maximum-likelihood reason, and a NumPy proof."""


def main(argv=None) -> None:
    """Entry point: run the group and turn every error into one line and an exit code."""
    import signal

    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.default_int_handler:
        catch_interrupts()
    try:
        _main(argv)
    finally:  # called in-process (a test, a notebook): give the caller its handler back
        if signal.getsignal(signal.SIGINT) is _on_interrupt:
            signal.signal(signal.SIGINT, previous)


def _main(argv) -> None:
    from lossadvisor.errors import LossAdvisorError

    args = sys.argv[1:] if argv is None else list(argv)
    if sys.stdout is None:  # started with stdout closed (`>&-`): nowhere to write the answer
        _fail("standard output is closed; redirect it to a file or to /dev/null", 2)
    for stream in (sys.stdout, sys.stderr):
        # a terminal or pipe that cannot show a character gets an escape, not a crash
        if hasattr(stream, "reconfigure") and getattr(stream, "errors", "strict") == "strict":
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # pragma: no cover - a closed or detached stream
                pass
    try:
        rv = cli.main(args=args, prog_name="lossadvisor", standalone_mode=False)
    except LossAdvisorError as exc:
        _fail(str(exc), exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:  # pragma: no cover - click >= 8.2
        click.echo(exc.ctx.get_help())
        sys.exit(0)
    except click.UsageError as exc:
        cmd = exc.ctx.command_path if exc.ctx is not None else "lossadvisor"
        _fail(f"{exc.format_message()} (see '{cmd} --help')", 2)
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        sys.stderr.write("\nAborted.\n")
        sys.exit(130)
    except BrokenPipeError:
        from lossadvisor.render import closed_pipe

        closed_pipe()
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS:
            _internal_error(exc)
        # the disk is full (`> /dev/full`) or the device failed while writing the answer
        from lossadvisor.render import discard_stdout

        discard_stdout()
        _fail(f"cannot write the output: {exc.strerror or exc}", 2)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks
        _internal_error(exc)
    sys.exit(rv if isinstance(rv, int) else 0)


#: seconds an interrupted run has to unwind (end the child of check --impl, print "Aborted.")
#: before it is ended outright
INTERRUPT_GRACE = 2.0


def catch_interrupts() -> None:
    """Ctrl-C (SIGINT) raises KeyboardInterrupt, and ends the process with 130 even where the
    exception is swallowed: one raised inside a garbage-collector callback (JAX registers one
    while it imports) is printed as "Exception ignored" and the run went on to exit 0."""
    import signal

    try:
        signal.signal(signal.SIGINT, _on_interrupt)
    except ValueError:  # pragma: no cover - not the main thread (an embedding host): leave it alone
        pass


def _on_interrupt(signum, frame):
    import threading

    timer = threading.Timer(INTERRUPT_GRACE, _end_interrupted)
    timer.daemon = True  # a run that unwinds in time exits without waiting for it
    timer.start()
    raise KeyboardInterrupt


def _end_interrupted() -> None:
    try:
        sys.stderr.write("\nAborted.\n")
        sys.stderr.flush()
    finally:
        os._exit(130)


def _internal_error(exc: Exception) -> None:
    if os.environ.get("LOSSADVISOR_DEBUG"):
        raise exc
    _fail(f"internal error: {type(exc).__name__}: {exc} (set LOSSADVISOR_DEBUG=1 for the traceback)", 70)


#: write errors of the output (a full disk or quota, an I/O error, a closed descriptor): an
#: error of where the output goes (exit 2), not an internal one. Readers of the user's files
#: turn their own OSErrors into InputError before they get here.
OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EBADF}


def _fail(message: str, code: int) -> None:
    message = " ".join(str(message).split())
    sys.stderr.write(f"Error: {message}\n")
    sys.exit(code)
