"""The README's Python API example runs as printed (a doctest of its ``>>>`` blocks)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_sessions() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    return [b for b in blocks if b.lstrip().startswith(">>>")]


def test_the_readme_has_the_api_session():
    assert _python_sessions(), "README.md lost its Python API example"


@pytest.mark.parametrize("session", _python_sessions())
def test_readme_session_runs_as_printed(session):
    pytest.importorskip("torch")  # the example's check compares with PyTorch: its repr says so
    parser = doctest.DocTestParser()
    test = parser.get_doctest(session, {}, "README.md", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} README examples differ (see above)"
