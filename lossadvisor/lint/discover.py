"""The Python files of a folder, for ``lossadvisor lint src/``: recursed in sorted order, skipping
version control, virtual and conda environments, caches, notebook checkpoints and build output,
and what ``--exclude`` names.

Symlinked folders are not followed (no loops, nothing outside the tree); a file given by name
is always read, whatever the exclusions say. Only ``*.py`` files that are regular files (or
symlinks to one) are found: a FIFO, a socket, a device or a dangling symlink named ``x.py`` is
skipped, so that a walk never waits on one; spec files and Keras model files in a folder are
not read.

``--exclude`` patterns are read as .gitignore and Ruff read them: a pattern matches the path
below the folder given at any depth (``tests/*`` also skips ``src/tests/t1.py``; ``*`` matches
``/`` as well), unless it starts with ``/``, which anchors it at the folder given
(``/tests/*``); a pattern ending with ``/`` matches folders only (``tests/``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePath

from lossadvisor.errors import UsageError

# Folders never recursed into, by name (version control, caches, virtual environments, build
# output, installed packages, Jupyter's notebook checkpoints).
SKIPPED_FOLDERS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", "build", "dist", ".eggs",
    "node_modules", "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints",
})
SKIPPED_PATTERNS = ("*.egg-info",)
# A folder holding one of these is an environment, whatever its name: pyvenv.cfg a virtual
# environment, conda-meta (a folder) a conda environment.
ENVIRONMENT_MARKERS = ("pyvenv.cfg", "conda-meta")


@dataclass(frozen=True)
class ExcludePattern:
    """One ``--exclude`` glob: ``glob`` without its leading and trailing ``/``; ``anchored`` when it
    started with ``/`` (matched against the whole path below the folder given), else matched at
    any depth; ``folders_only`` when it ended with ``/``."""

    glob: str
    anchored: bool
    folders_only: bool

    def matches(self, relative: str, is_folder: bool) -> bool:
        """Whether the path below the folder given (POSIX separators) is excluded by this pattern."""
        if self.folders_only and not is_folder:
            return False
        if self.anchored:
            return fnmatchcase(relative, self.glob)
        parts = relative.split("/")
        return any(fnmatchcase("/".join(parts[i:]), self.glob) for i in range(len(parts)))


def exclude_patterns(patterns: Iterable[str], option: str = "--exclude") -> list[ExcludePattern]:
    """The ``--exclude`` globs, read (see the module's docstring); UsageError for an empty one
    (``''`` or ``/``), which would match nothing or everything, naming the option as ``option``."""
    out = []
    for pattern in patterns:
        text = str(pattern).replace(os.sep, "/").strip()
        glob = text.strip("/")
        if not glob:
            raise UsageError(f"{option}: an empty pattern ({text!r}) names no path; give a glob such as "
                             "'tests/' or '*_pb2.py'")
        out.append(ExcludePattern(glob, text.startswith("/"), text.endswith("/")))
    return out


def excluded(relative: str, patterns: Iterable[ExcludePattern | str], is_folder: bool = False) -> bool:
    """Whether a path below the folder given (``tests/test_x.py``, POSIX separators) matches one
    of the ``--exclude`` patterns (globs are read by :func:`exclude_patterns`).

    >>> excluded("src/tests/unit/test_x.py", ["tests/*"]), excluded("src/gen_pb2.py", ["*_pb2.py"])
    (True, True)
    >>> excluded("src/tests/t.py", ["/tests/*"]), excluded("src/train.py", ["tests/*"])
    (False, False)
    >>> excluded("tests", ["tests/"], is_folder=True), excluded("tests", ["tests/"])
    (True, False)
    """
    read = [p if isinstance(p, ExcludePattern) else exclude_patterns([p])[0] for p in patterns]
    return any(p.matches(relative, is_folder) for p in read)


def skipped_folder(path: str, name: str) -> bool:
    """Whether lint never recurses into this folder (see SKIPPED_FOLDERS, ENVIRONMENT_MARKERS)."""
    if name in SKIPPED_FOLDERS or any(fnmatchcase(name, p) for p in SKIPPED_PATTERNS):
        return True
    return any(os.path.exists(os.path.join(path, marker)) for marker in ENVIRONMENT_MARKERS)


def _regular_file(path: str) -> bool:
    """A regular file, or a symlink to one; not a FIFO, socket, device or dangling symlink."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def python_files(folder: str, exclude: Iterable[str] = (), errors: list | None = None) -> list[str]:
    """Every ``*.py`` regular file below ``folder``, sorted by path (each folder's files and
    subfolders by name), as ``folder/sub/file.py`` (``sub/file.py`` for ``.``). A folder that
    cannot be listed is appended to ``errors`` as ``{"source", "message"}`` and skipped."""
    patterns = exclude_patterns(exclude)
    found: list[tuple[tuple[str, ...], str]] = []

    def unreadable(exc: OSError) -> None:
        if errors is not None:
            errors.append({"source": exc.filename or folder,
                           "message": f"{exc.filename or folder}: cannot read: {exc.strerror or exc}"})

    for root, dirs, files in os.walk(folder, onerror=unreadable, followlinks=False):
        below = PurePath(os.path.relpath(root, folder)).as_posix()
        below = "" if below == "." else below + "/"
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(root, d))
                         and not skipped_folder(os.path.join(root, d), d)
                         and not excluded(below + d, patterns, is_folder=True))
        for name in files:
            path = os.path.join(root, name)
            if name.endswith(".py") and not excluded(below + name, patterns) and _regular_file(path):
                found.append((tuple((below + name).split("/")), os.path.normpath(path)))
    found.sort()
    return [path for _, path in found]
