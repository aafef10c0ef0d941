"""The rich console, configured the same way for every command."""

from __future__ import annotations

import os
import sys


def color_enabled(stream) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set (any value, per no-color.org)."""
    if "NO_COLOR" in os.environ:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def make_console(stderr: bool = False):
    from rich.console import Console as RichConsole

    from lossadvisor.render import closed_pipe

    class Console(RichConsole):
        def on_broken_pipe(self) -> None:  # rich's own exits 1, the findings code
            self.quiet = True
            closed_pipe()

    stream = sys.stderr if stderr else sys.stdout
    color = color_enabled(stream)
    return Console(
        file=stream,
        no_color=not color,
        color_system="auto" if color else None,
        force_terminal=False if not color else None,
        highlight=False,
        soft_wrap=False,
        width=None if stream.isatty() else 100,
    )
