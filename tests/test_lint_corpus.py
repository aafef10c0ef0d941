"""The script readers over real code, without a crash: every .py file of the installed torch and
keras packages and of the standard library (issue 11), parsed and given to both readers directly
(benchmarks/bench_lint_corpus.py's read_file), so that no file is skipped for not importing a
framework.

Slow (about a minute), so deselected by default. Run it with
``python -m pytest -m slow tests/test_lint_corpus.py``.

A syntax error is a fine answer for a file (torch ships a file only Python 3.12 parses); an
exception out of a reader (a "please report this" error) fails the test, naming every such file
and where it was raised. Each
file has a hang guard of 20 s: a detector of a reader that never ends, not a speed assertion
(benchmarks/bench_lint_corpus.py reports the times).
"""

import importlib.util
import sys
from pathlib import Path

import pytest

HANG_SECONDS = 20
BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_lint_corpus.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_lint_corpus", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module     # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


corpus = _bench_module()


@pytest.mark.slow
@pytest.mark.parametrize("name", corpus.CORPORA)
def test_reader_reads_real_code_without_a_bug(name):
    from lossadvisor.lint.data import load_lint_data

    root = corpus.corpus_root(name)
    if root is None:
        pytest.skip(f"{name} is not installed")
    files = corpus.corpus_files(root)
    assert files, f"no .py file under {root}"
    try:
        run = corpus.read_corpus(files, load_lint_data(), hang_seconds=HANG_SECONDS)
    except corpus.FileHung as hung:
        pytest.fail(str(hung))
    assert run.files == len(files)
    assert run.reader_bugs() == {}
