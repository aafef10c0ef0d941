"""The Python files of a folder, for ``lossadvisor lint src/``: recursed in sorted order, skipping
version control, virtual environments, caches and build output, and what ``--exclude`` names.

Symlinked folders are not followed (no loops, nothing outside the tree); a file given by name
is always read, whatever the exclusions say. Only ``*.py`` files are found: spec files and Keras
model files in a folder are not read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import PurePath

# Folders never recursed into, by name (version control, caches, virtual environments, build
# output, installed packages).
SKIPPED_FOLDERS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", "build", "dist", ".eggs",
    "node_modules", "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache",
})
SKIPPED_PATTERNS = ("*.egg-info",)
VENV_MARKER = "pyvenv.cfg"        # a folder holding it is a virtual environment, whatever its name


def excluded(relative: str, patterns: Iterable[str]) -> bool:
    """Whether a path below the folder given (``tests/test_x.py``, POSIX separators) or its name
    matches one of the ``--exclude`` globs (fnmatch, as Ruff's exclude: ``*`` also matches ``/``).

    >>> excluded("tests/unit/test_x.py", ["tests/*"]), excluded("src/gen_pb2.py", ["*_pb2.py"])
    (True, True)
    >>> excluded("src/train.py", ["tests/*"])
    False
    """
    name = relative.rsplit("/", 1)[-1]
    return any(fnmatchcase(relative, p) or fnmatchcase(name, p) for p in patterns)


def skipped_folder(path: str, name: str) -> bool:
    """Whether lint never recurses into this folder (see SKIPPED_FOLDERS, VENV_MARKER)."""
    if name in SKIPPED_FOLDERS or any(fnmatchcase(name, p) for p in SKIPPED_PATTERNS):
        return True
    return os.path.isfile(os.path.join(path, VENV_MARKER))


def python_files(folder: str, exclude: Iterable[str] = (), errors: list | None = None) -> list[str]:
    """Every ``*.py`` file below ``folder``, sorted by path (each folder's files and subfolders
    by name), as ``folder/sub/file.py`` (``sub/file.py`` for ``.``). A folder that cannot be listed is appended to
    ``errors`` as ``{"source", "message"}`` and skipped."""
    patterns = [p.replace(os.sep, "/") for p in exclude]
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
                         and not excluded(below + d, patterns))
        for name in files:
            if name.endswith(".py") and not excluded(below + name, patterns):
                found.append((tuple((below + name).split("/")), os.path.normpath(os.path.join(root, name))))
    found.sort()
    return [path for _, path in found]
