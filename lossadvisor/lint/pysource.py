"""Training scripts read statically: a ``.py`` file parsed with :mod:`ast`, never imported or run.

The shared base of the script readers (:mod:`~lossadvisor.lint.torchscript` for PyTorch,
:mod:`~lossadvisor.lint.kerasscript` for Keras). A reader walks one parsed file and returns
:class:`Wiring` records: which prediction reaches which loss, with the output activation and
the label preparation on the way, each part located at ``line:col``. :func:`read_script` turns
every wiring into a lint :class:`~lossadvisor.lint.spellings.ModelInput` (``kind="script"``), on
which the rules of ``rules/lint.yaml`` run as on any other model.

What a reader cannot follow (a loss passed in as a parameter, a model built dynamically) is a
:class:`NotFollowed` record, which becomes an info finding (LA304) naming it: never a silent
"clean".

Locations are 1-based lines and 1-based columns counted in characters (``ast`` counts
UTF-8 bytes from 0), as editors and ``path:line:col`` readers expect.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from lossadvisor.errors import InputError
from lossadvisor.lint.spellings import LintData, ModelInput, norm_spelling
from lossadvisor.textutil import read_bytes

PYTHON = "a Python file"        # the kind of file in the size cap's message
MAX_SHOWN = 60                  # longest source text quoted in a message
NOT_FOLLOWED = "LA304"          # the info finding of what a reader could not follow

# `# lossadvisor: noqa` (every code) or `# lossadvisor: noqa: LA101, LA102` on a line
_NOQA = re.compile(r"#\s*lossadvisor\s*:\s*noqa\b(?:\s*:\s*(?P<codes>LA\d{3}(?:\s*,\s*LA\d{3})*))?",
                   re.IGNORECASE)
# Module prefixes that are one framework under two names: `tensorflow.keras.layers.Dense` is
# `keras.layers.Dense`. Longest first.
_CANONICAL_PREFIXES = (("tensorflow.python.keras.", "keras."), ("tensorflow.keras.", "keras."),
                       ("tf_keras.", "keras."))
FRAMEWORK_ROOTS = {"torch": "pytorch", "keras": "keras", "tensorflow": "keras"}  # tf.keras is Keras


@dataclass(frozen=True)
class Loc:
    """Where a part of a wiring is: 1-based line and column (in characters)."""

    line: int
    col: int


@dataclass(frozen=True)
class NotFollowed:
    """A part of a wiring the reader could not follow: ``what`` names it (one clause, e.g.
    "the loss `criterion` is a parameter of train()"), ``part`` is "activation" (the prediction
    reaching the loss), "loss" or "labels"."""

    what: str
    at: Loc
    part: str


@dataclass
class Wiring:
    """One prediction reaching one loss, as read from a script.

    ``loss`` and ``activation`` are spellings lint's tables read (``"nn.CrossEntropyLoss"``,
    ``"nn.KLDivLoss(reduction='batchmean')"``, ``"softmax"``); ``*_text`` is how the script writes
    them, for messages. ``activation`` is "linear" for a plain output layer and None when the
    prediction could not be followed (then ``not_followed`` says why). ``target_shape`` is
    "(N,)" or "(N, 1)" when the label preparation shows it.
    """

    framework: str
    at: Loc                                 # the loss call (or the compile) that joins the two
    loss: str | None = None
    loss_at: Loc | None = None
    loss_text: str | None = None
    activation: str | None = None
    activation_at: Loc | None = None
    activation_text: str | None = None
    units: int | None = None
    units_at: Loc | None = None
    labels: str | None = None
    labels_at: Loc | None = None
    classes: int | None = None
    classes_at: Loc | None = None
    target_shape: str | None = None
    target_at: Loc | None = None
    not_followed: list[NotFollowed] = field(default_factory=list)


@dataclass
class ScriptResult:
    """What one script gave: its lint models, its noqa comments (line -> the codes it silences,
    None for every code), and the one-line error when it could not be read."""

    path: str
    models: list[ModelInput] = field(default_factory=list)
    noqa: dict[int, frozenset | None] = field(default_factory=dict)
    error: str | None = None
    frameworks: tuple = ()


class Source:
    """A parsed script: its text, lines and imports, and the location and text of a node."""

    def __init__(self, path: str, text: str, tree: ast.Module):
        self.path = path
        self.text = text
        self.tree = tree
        self._lines: list[str] | None = None
        self.imports = Imports(tree)

    def loc(self, node: ast.AST) -> Loc:
        line = getattr(node, "lineno", 1) or 1
        offset = getattr(node, "col_offset", 0) or 0
        if self._lines is None:
            self._lines = self.text.splitlines()
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        if not text.isascii():   # ast counts UTF-8 bytes
            offset = len(text.encode("utf-8")[:offset].decode("utf-8", "replace"))
        return Loc(line, offset + 1)

    def shown(self, node: ast.AST) -> str:
        """The node as source text, bounded for a message."""
        return shown_text(node)

    def qualified(self, node: ast.AST) -> str | None:
        return self.imports.qualify(node)


class Imports:
    """The names a file's imports bind, anywhere in the file: ``nn`` -> ``torch.nn``,
    ``F`` -> ``torch.nn.functional``, ``layers`` -> ``keras.layers`` (TensorFlow's ``tf.keras``
    is ``keras``)."""

    def __init__(self, tree: ast.Module):
        self.names: dict[str, str] = {}
        for node in statements(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.names[alias.asname] = canonical(alias.name)
                    else:
                        root = alias.name.split(".")[0]
                        self.names[root] = canonical(root)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        self.names[alias.asname or alias.name] = canonical(f"{node.module}.{alias.name}")

    def qualify(self, node: ast.AST) -> str | None:
        """The dotted name an expression ``a.b.c`` means through the imports, or None (a local
        variable, a call, a subscript)."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.names:
            return None
        return canonical(".".join([self.names[node.id], *reversed(parts)]))

    def frameworks(self) -> tuple[str, ...]:
        """The frameworks the file imports (pytorch, keras), in that order."""
        roots = {name.split(".")[0] for name in self.names.values()}
        return tuple(dict.fromkeys(fw for root, fw in FRAMEWORK_ROOTS.items() if root in roots))


def shown_text(node: ast.AST) -> str:
    """A node as source text, bounded for a message (needs no Source: readers may defer it)."""
    text = ast.unparse(node)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 3] + "..."


_BODIES = ("body", "handlers", "orelse", "finalbody", "cases")   # in source order


def statements(tree: ast.AST):
    """Every statement of a tree in source order, at any depth (inside functions, classes,
    if/for/with/try/match), without visiting expressions: a fraction of ``ast.walk``'s nodes."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            yield node
        children = [child for name in _BODIES for child in (getattr(node, name, None) or ())
                    if isinstance(child, ast.AST)]
        stack.extend(reversed(children))


def canonical(name: str) -> str:
    """``tensorflow.keras.layers.Dense`` -> ``keras.layers.Dense``; other names unchanged."""
    for prefix, replacement in _CANONICAL_PREFIXES:
        if name.startswith(prefix):
            return replacement + name[len(prefix):]
    if name == "tensorflow.keras":
        return "keras"
    return name


def known_loss(qualified: str, data: LintData) -> bool:
    """Whether a qualified name (``torch.nn.CrossEntropyLoss``) spells a loss of lint's tables."""
    return norm_spelling(qualified)[0] in data.loss_index


def known_activation(qualified: str, data: LintData) -> bool:
    return norm_spelling(qualified)[0] in data.activation_index


def literal(node: ast.AST | None):
    """The value of a literal node (numbers, strings, True/False/None, tuples of them), else
    the marker :data:`UNKNOWN`."""
    if node is None:
        return UNKNOWN
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


def argument(call: ast.Call, name: str, position: int | None = None) -> ast.AST | None:
    """A call's argument by keyword, else by position (never past a ``*args``)."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    if position is not None and position < len(call.args):
        if not any(isinstance(a, ast.Starred) for a in call.args[:position + 1]):
            return call.args[position]
    return None


def noqa_lines(text: str) -> dict[int, frozenset | None]:
    """Line -> the codes a ``# lossadvisor: noqa[: LA101, ...]`` comment on it silences (None:
    every code). Only lines that mention lossadvisor are looked at."""
    out: dict[int, frozenset | None] = {}
    if "lossadvisor" not in text.lower():
        return out
    for number, line in enumerate(text.splitlines(), 1):
        if "lossadvisor" not in line.lower():
            continue
        match = _NOQA.search(line)
        if match:
            codes = match.group("codes")
            out[number] = None if codes is None else frozenset(
                c.strip().upper() for c in codes.split(","))
    return out


def silenced(code: str, lines, noqa: dict[int, frozenset | None]) -> bool:
    """Whether a finding of ``code`` pointing at any of ``lines`` is silenced by a noqa comment."""
    for line in lines:
        if line in noqa and (noqa[line] is None or code in noqa[line]):
            return True
    return False


def model_name(path: str, at: Loc) -> str:
    """A script's wiring is named after the line that joins the prediction and the loss:
    ``src/train.py:42``."""
    return f"{path}:{at.line}"


def wiring_model(wiring: Wiring, path: str) -> ModelInput:
    """A wiring as a lint model: the values the rules read, the line and column of each part,
    how the script writes each part, and a note (LA304) per part not followed."""
    values: dict = {"framework": wiring.framework}
    lines: dict = {}
    cols: dict = {}
    display: dict = {}
    parts = (
        ("loss", wiring.loss, wiring.loss_at), ("activation", wiring.activation, wiring.activation_at),
        ("units", wiring.units, wiring.units_at), ("labels", wiring.labels, wiring.labels_at),
        ("classes", wiring.classes, wiring.classes_at), ("target_shape", wiring.target_shape, wiring.target_at),
    )
    for key, value, at in parts:
        if value is None:
            continue
        values[key] = value
        if at is not None:
            lines[key], cols[key] = at.line, at.col
    if "loss" in lines:
        lines["from_logits"], cols["from_logits"] = lines["loss"], cols["loss"]
        lines["reduction"], cols["reduction"] = lines["loss"], cols["loss"]
    if wiring.loss_text:
        display["loss"] = wiring.loss_text
    if wiring.activation_text:
        display["activation"] = wiring.activation_text
    notes = [(NOT_FOLLOWED, {"reason": item.what, "_covers": item.part, "_line": item.at.line, "_col": item.at.col})
             for item in wiring.not_followed]
    return ModelInput(name=model_name(path, wiring.at), values=values, source=path, line=wiring.at.line,
                      key_lines=lines, key_cols=cols, kind="script", display=display, notes=notes,
                      col=wiring.at.col)


def parse_script(path: str, raw: bytes) -> Source:
    """The parsed file; InputError (one line, ``path:line:col: ...``) when it is not Python."""
    try:
        tree = ast.parse(raw, filename=path)
    except SyntaxError as exc:
        where = f"{path}:{exc.lineno}:{exc.offset}" if exc.lineno else path
        raise InputError(f"{where}: syntax error: {exc.msg}") from None
    except ValueError as exc:          # source code string cannot contain null bytes
        raise InputError(f"{path}: not Python source: {exc}") from None
    except (RecursionError, MemoryError):
        raise InputError(f"{path}: nested too deeply to read") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")   # a coding cookie ast honoured; columns may be off
    return Source(path, text, tree)


def script_wirings(source: Source, data: LintData) -> list[Wiring]:
    """Every wiring the readers find in a parsed script (no guard: errors propagate)."""
    from lossadvisor.lint import kerasscript, torchscript

    frameworks = source.imports.frameworks()
    found: list[Wiring] = []
    if "pytorch" in frameworks:
        found.extend(torchscript.wirings(source, data))
    if "keras" in frameworks:
        found.extend(kerasscript.wirings(source, data))
    return found


def read_script(path: str, data: LintData) -> ScriptResult:
    """One script read: its models and noqa comments, or its one-line error. Never raises for
    what the file holds: a syntax error, or a construct that breaks a reader, is the error."""
    result = ScriptResult(path)
    try:
        raw = read_bytes(path, "a Python file", what=PYTHON)
    except InputError as exc:
        result.error = str(exc)
        return result
    lowered = raw.lower()
    if b"torch" not in lowered and b"keras" not in lowered:
        return result      # imports neither framework: nothing to read
    try:
        source = parse_script(path, raw)
    except InputError as exc:
        result.error = str(exc)
        return result
    result.noqa = noqa_lines(source.text)
    result.frameworks = source.imports.frameworks()
    try:
        wirings = script_wirings(source, data)
    except RecursionError:
        result.error = f"{path}: nested too deeply to follow"
        return result
    except Exception as exc:  # noqa: BLE001 - a reader's bug must not end the run; it is named
        result.error = f"{path}: could not be read ({type(exc).__name__}: {exc}); please report this"
        return result
    result.models = [wiring_model(w, path) for w in wirings]
    return result
