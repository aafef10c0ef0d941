"""The script readers over real code: every .py file of the installed torch and keras packages and
of the standard library, parsed (`pysource.parse_script`) and given to both readers
(`torchscript.wirings` and `kerasscript.wirings`) whatever the file imports, each wiring made a
lint model (`pysource.wiring_model`). `read_script` would skip most of the standard library (it
reads only files that mention a framework); called directly, every file tests the readers.

Goal (issue 11): no crash and bounded time per file. A file's error is fine when it names the
file's own problem (a syntax error: the standard library's tests hold deliberately broken files);
an exception out of a reader is a bug, recorded as an error that ends in "please report this"
(with where it was raised) and listed. Reports the files read, the wirings found, the errors by
kind, the total time and the ten slowest files.
tests/test_lint_corpus.py runs the same reading as a slow-marked test.
Run: python benchmarks/bench_lint_corpus.py [--corpus torch,keras,stdlib] [--hang-seconds 20]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import sysconfig
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

CORPORA = ("torch", "keras", "stdlib")
# folders of a corpus that are not its own code (the standard library's folder may hold the
# interpreter's site-packages)
SKIPPED_FOLDERS = frozenset({"site-packages", "dist-packages", "__pycache__"})
READER_BUG = "please report this"
# an error message's telling words -> its kind; the first that matches wins
ERROR_KINDS = (
    (READER_BUG, "reader bug"),
    ("syntax error", "syntax error"),
    ("nested too deeply", "nested too deeply"),
    ("not Python source", "not Python source"),
    ("size limit", "too large"),
)
SLOWEST = 10
SHOWN_ERRORS = 10      # error messages printed per corpus


class FileHung(BaseException):
    """A file took longer than the hang guard. A BaseException, so that the ``except Exception``
    that records a reader's crash (:func:`read_file`) lets it through."""


@dataclass
class CorpusRun:
    """What reading a corpus gave: per file its seconds, its error (or None) and its wirings."""

    files: int = 0
    wirings: int = 0
    seconds: float = 0.0
    errors: dict[str, str] = field(default_factory=dict)        # path -> message
    times: list[tuple[float, str]] = field(default_factory=list)  # (seconds, path)

    def errors_by_kind(self) -> Counter:
        return Counter(error_kind(message) for message in self.errors.values())

    def reader_bugs(self) -> dict[str, str]:
        return {path: message for path, message in self.errors.items() if READER_BUG in message}

    def slowest(self, count: int = SLOWEST) -> list[tuple[float, str]]:
        return sorted(self.times, reverse=True)[:count]


def error_kind(message: str) -> str:
    for words, kind in ERROR_KINDS:
        if words in message:
            return kind
    return "other"


def corpus_root(name: str) -> Path | None:
    """Where a corpus lives, found without importing it; None when it is not installed."""
    if name == "stdlib":
        return Path(sysconfig.get_paths()["stdlib"])
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def corpus_files(root: Path) -> list[Path]:
    """Every .py file under ``root``, in a stable order, outside :data:`SKIPPED_FOLDERS`."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS)
        found.extend(Path(folder) / n for n in sorted(names) if n.endswith(".py"))
    return found


def read_file(path: str, data) -> tuple[int, str | None]:
    """One file through both readers: (wirings found, error or None). The file's own problems
    (unreadable, a syntax error, nested too deeply) are errors as ``read_script`` words them; an
    exception out of a reader is an error ending in :data:`READER_BUG`, naming where it was raised."""
    import traceback

    from lossadvisor.errors import InputError
    from lossadvisor.lint import kerasscript, pysource, torchscript
    from lossadvisor.textutil import read_bytes

    try:
        source = pysource.parse_script(path, read_bytes(path, "a Python file", what=pysource.PYTHON))
    except InputError as exc:
        return 0, str(exc)
    try:
        wirings = torchscript.wirings(source, data) + kerasscript.wirings(source, data)
        for wiring in wirings:
            pysource.wiring_model(wiring, path)
    except RecursionError:
        return 0, f"{path}: nested too deeply to follow"
    except Exception as exc:  # noqa: BLE001 - every crash is listed, not only the first
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return 0, (f"{path}: {type(exc).__name__}: {exc} (at {Path(frame.filename).name}:{frame.lineno}); "
                   f"{READER_BUG}")
    return len(wirings), None


def read_corpus(files: list[Path], data, hang_seconds: int | None = None) -> CorpusRun:
    """Read every file with :func:`read_file`; with ``hang_seconds``, a file that takes longer
    raises :class:`FileHung` naming it (a hang detector through SIGALRM: main thread, Unix)."""
    run = CorpusRun()

    def hung(signum, frame):
        raise FileHung(f"{current}: still reading after {hang_seconds} s")

    previous = signal.signal(signal.SIGALRM, hung) if hang_seconds else None
    try:
        for path in files:
            current = str(path)
            if hang_seconds:
                signal.alarm(hang_seconds)
            start = time.perf_counter()
            try:
                wirings, error = read_file(current, data)
            finally:
                if hang_seconds:
                    signal.alarm(0)
            elapsed = time.perf_counter() - start
            run.files += 1
            run.seconds += elapsed
            run.times.append((elapsed, current))
            run.wirings += wirings
            if error:
                run.errors[current] = error
    finally:
        if hang_seconds:
            signal.signal(signal.SIGALRM, previous)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=",".join(CORPORA),
                        help=f"comma-separated, of {', '.join(CORPORA)}")
    parser.add_argument("--hang-seconds", type=int, default=0,
                        help="stop at the first file that takes longer (0: no guard)")
    ns = parser.parse_args()

    from lossadvisor.lint.data import load_lint_data

    data = load_lint_data()
    bugs: dict[str, str] = {}
    for name in (n.strip() for n in ns.corpus.split(",") if n.strip()):
        if name not in CORPORA:
            raise SystemExit(f"unknown corpus {name!r}; expected one of {', '.join(CORPORA)}")
        root = corpus_root(name)
        if root is None:
            print(f"{name}: not installed, skipped\n")
            continue
        run = read_corpus(corpus_files(root), data, ns.hang_seconds or None)
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(run.errors_by_kind().items())) or "none"
        print(f"{name} ({root}): {run.files} files, {run.wirings} wirings found, "
              f"{run.seconds:.2f} s in all ({1000 * run.seconds / max(run.files, 1):.2f} ms a file)")
        print(f"  errors: {kinds}")
        for message in list(run.errors.values())[:SHOWN_ERRORS]:
            print(f"    {message}")
        print(f"  slowest {SLOWEST}:")
        for seconds, path in run.slowest():
            print(f"    {1000 * seconds:8.1f} ms  {os.path.relpath(path, root)}")
        print()
        bugs.update(run.reader_bugs())
    if bugs:
        print(f"{len(bugs)} reader bugs:")
        for message in bugs.values():
            print(f"  {message}")
    else:
        print("no reader bugs")


if __name__ == "__main__":
    main()
