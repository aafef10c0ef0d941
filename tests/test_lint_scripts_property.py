"""The script readers on random valid Python: the training-script fixtures mutated at the AST level.

Each example takes one fixture of tests/fixtures/lint/scripts and applies a few mutations:
delete, duplicate or swap statements; replace an expression by another expression of the same
file; rename an identifier (everywhere or once); wrap statements in if / for / with / try; change
a literal. The result is unparsed to valid Python. The readers (``parse_script`` then
``script_wirings``, no guard) must never raise, and the whole ``lint_document`` may fail only with
a one-line InputError or UsageError, or give one-line errors for the file that are not a
reader's crash (which read_script turns into a "please report this" error).
"""

import ast
import copy
import keyword
from pathlib import Path

import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossadvisor.errors import InputError, UsageError

SCRIPTS = sorted((FIXTURES / "lint" / "scripts").glob("*.py"))
KINDS = ("delete", "duplicate", "swap", "replace", "rename_all", "rename_one", "wrap", "literal")
NAMES = ("x", "model", "criterion", "loss", "nn", "F", "torch", "keras", "layers", "self", "forward",
         "training", "predict", "softmax", "out", "logits", "y", "labels", "compile", "_tmp")
LITERALS = (0, 1, 3, 2, 10, 10**30, 0.5, float("inf"), True, False, None, "", "softmax", "sigmoid", "linear",
            "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "batchmean",
            "mean", "\u00e9t\u00e9 \u2192 \U0001f600", "x" * 300)
WRAPPERS = ("if not self.training:\n    pass", "if flag:\n    pass", "for _i in range(2):\n    pass",
            "with torch.no_grad():\n    pass", "try:\n    pass\nexcept Exception:\n    pass",
            "while False:\n    pass", "def predict(self, x):\n    pass", "class Inner(nn.Module):\n    pass")

# how lossadvisor.lint.pysource.read_script ends the error of a reader that crashed
READER_BUG = "please report this"

mutation = st.tuples(st.sampled_from(KINDS), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6))


def _bodies(tree: ast.AST) -> list[list[ast.stmt]]:
    """Every statement list of the tree (module, function, class, if/for/while/with/try bodies)."""
    out = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                out.append(block)
        for handler in getattr(node, "handlers", ()):
            out.append(handler.body)
    return out


def _loaded_expressions(tree: ast.AST) -> list[tuple[ast.AST, str, int | None]]:
    """(parent, field, index) of each expression that may be replaced by any other: read, not
    assigned, outside f-strings and slices."""
    spots = []
    for parent in ast.walk(tree):
        if isinstance(parent, (ast.JoinedStr, ast.FormattedValue, ast.Slice)):
            continue
        for field, value in ast.iter_fields(parent):
            items = value if isinstance(value, list) else [value]
            for index, child in enumerate(items):
                if not isinstance(child, ast.expr) or isinstance(child, (ast.Starred, ast.Slice)):
                    continue
                if getattr(child, "ctx", None) is not None and not isinstance(child.ctx, ast.Load):
                    continue
                spots.append((parent, field, index if isinstance(value, list) else None))
    return spots


def _donors(tree: ast.AST) -> list[ast.expr]:
    """The expressions that can stand anywhere: not a slice, nor a tuple of slices (``[:, -1]``)."""
    return [n for n in ast.walk(tree) if isinstance(n, ast.expr)
            and not isinstance(n, (ast.Starred, ast.Slice, ast.FormattedValue))
            and not (isinstance(n, ast.Tuple) and any(isinstance(e, ast.Slice) for e in n.elts))
            and (getattr(n, "ctx", None) is None or isinstance(n.ctx, ast.Load))]


def _as_loaded(node: ast.expr) -> ast.expr:
    node = copy.deepcopy(node)
    for sub in ast.walk(node):
        if hasattr(sub, "ctx"):
            sub.ctx = ast.Load()
    return node


def _identifiers(tree: ast.AST) -> list[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return sorted(names)


def _rename(tree: ast.AST, old: str, new: str, only: int | None) -> None:
    """Rename identifier ``old`` to ``new``: every occurrence, or only the ``only``-th one."""
    seen = 0
    for node in ast.walk(tree):
        for attr in ("id", "attr", "arg", "name"):
            if isinstance(getattr(node, attr, None), str) and getattr(node, attr) == old and not isinstance(
                    node, (ast.alias, ast.ImportFrom)):
                if only is None or seen == only:
                    setattr(node, attr, new)
                seen += 1


def mutate(tree: ast.Module, kind: str, a: int, b: int, c: int) -> None:
    """Apply one mutation in place; the tree stays a valid module."""
    bodies = _bodies(tree)
    body = bodies[a % len(bodies)]
    i, j = b % len(body), c % len(body)
    if kind == "delete":
        del body[i]
        if not body:
            body.append(ast.Pass())
    elif kind == "duplicate":
        body.insert(i, copy.deepcopy(body[i]))
    elif kind == "swap":
        body[i], body[j] = body[j], body[i]
    elif kind == "replace":
        spots, donors = _loaded_expressions(tree), _donors(tree)
        if spots and donors:
            parent, field, index = spots[a % len(spots)]
            new = _as_loaded(donors[b % len(donors)])
            if index is None:
                setattr(parent, field, new)
            else:
                getattr(parent, field)[index] = new
    elif kind in ("rename_all", "rename_one"):
        names = _identifiers(tree)
        if names:
            old = names[b % len(names)]
            new = NAMES[c % len(NAMES)]
            _rename(tree, old, new, None if kind == "rename_all" else a % 3)
    elif kind == "wrap":
        start, stop = min(i, j), max(i, j) + 1
        wrapper = ast.parse(WRAPPERS[a % len(WRAPPERS)]).body[0]
        wrapper.body = body[start:stop]
        body[start:stop] = [wrapper]
    elif kind == "literal":
        constants = [n for n in ast.walk(tree) if isinstance(n, ast.Constant)
                     and not isinstance(n.value, (bytes, type(Ellipsis)))]
        constants = [n for n in constants if not _inside_fstring(tree, n)]
        if constants:
            constants[b % len(constants)].value = LITERALS[c % len(LITERALS)]


def _inside_fstring(tree: ast.AST, target: ast.AST) -> bool:
    return any(target in ast.walk(node) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr))


def mutated_source(path: Path, mutations) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for kind, a, b, c in mutations:
        mutate(tree, kind, a, b, c)
    ast.fix_missing_locations(tree)
    text = ast.unparse(tree)
    ast.parse(text)            # the mutation kept it valid Python
    return text


@pytest.fixture(scope="module")
def lint_data():
    from lossadvisor.lint import load_lint_data
    from lossadvisor.rulebase import load_rulebase

    return load_lint_data(rb=load_rulebase())


def test_mutators_keep_the_source_valid():
    """Every kind of mutation, on every fixture, unparses to Python that parses again."""
    for path in SCRIPTS:
        for kind in KINDS:
            for seed in range(5):
                mutated_source(path, [(kind, seed * 7919, seed * 104729, seed * 15485863)])
    assert all(not keyword.iskeyword(name) and name.isidentifier() for name in NAMES)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(SCRIPTS), mutations=st.lists(mutation, min_size=1, max_size=4))
def test_readers_never_raise_on_mutated_fixtures(lint_data, path, mutations):
    from lossadvisor.lint.pysource import parse_script, script_wirings, wiring_model

    text = mutated_source(path, mutations)
    source = parse_script(path.name, text.encode("utf-8"))
    for wiring in script_wirings(source, lint_data):
        wiring_model(wiring, path.name)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(SCRIPTS), mutations=st.lists(mutation, min_size=1, max_size=4))
def test_lint_document_fails_only_with_one_line_errors(tmp_path_factory, path, mutations):
    from lossadvisor.api import lint_document

    text = mutated_source(path, mutations)
    script = tmp_path_factory.getbasetemp() / "mutated" / path.name
    script.parent.mkdir(exist_ok=True)
    script.write_text(text, encoding="utf-8")
    try:
        doc = lint_document([script])
    except (InputError, UsageError) as exc:
        assert "\n" not in str(exc).strip(), str(exc)
        return
    for error in doc["errors"]:
        assert "\n" not in error["message"].strip(), error
        assert READER_BUG not in error["message"], error       # a reader crashed on valid Python
