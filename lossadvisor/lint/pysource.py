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
import sys
from dataclasses import dataclass, field

from lossadvisor.errors import InputError, UsageError
from lossadvisor.lint.spellings import LintData, ModelInput, lookup_loss, norm_spelling
from lossadvisor.textutil import read_bytes

PYTHON = "a training script"    # the kind of file in the size cap's message
MAX_SCRIPT_BYTES = 16 << 20     # scripts are KiB; ast.parse holds ~85 times a file's size (26 MB: 2.2 GB)
MAX_SHOWN = 60                  # longest source text quoted in a message
NOT_FOLLOWED = "LA304"          # the info finding of what a reader could not follow

# `# lossadvisor: noqa` (every code) or `# lossadvisor: noqa: LA101, LA1` (those codes and prefixes)
_NOQA = re.compile(r"#\s*lossadvisor\s*:\s*noqa\b(?P<rest>[^#]*)", re.IGNORECASE)
_NOQA_CODE = re.compile(r"LA\d{1,3}", re.IGNORECASE)
# Module prefixes that are one framework under two names: `tensorflow.keras.layers.Dense` is
# `keras.layers.Dense`, Keras 3's implementation package `keras.src.X` is `keras.X`, and the rest of
# TensorFlow is written `tf.` as lint's tables spell it (`tensorflow.nn.softmax` is `tf.nn.softmax`).
# The first matching prefix applies: TensorFlow's Keras before TensorFlow.
_CANONICAL_PREFIXES = (("tensorflow.python.keras.", "keras."), ("tensorflow.keras.", "keras."),
                       ("tf_keras.", "keras."), ("tf.keras.", "keras."), ("keras.src.", "keras."),
                       ("tensorflow.", "tf."))
FRAMEWORK_ROOTS = {"torch": "pytorch", "keras": "keras", "tensorflow": "keras", "tf": "keras"}  # tf.keras is Keras


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
    class_weight: bool | None = None        # Keras fit gives class_weight (a known False: it does not)
    class_weight_at: Loc | None = None
    not_followed: list[NotFollowed] = field(default_factory=list)
    output: str | None = None               # the model output this wiring pairs (several outputs)


@dataclass
class ScriptResult:
    """What one script gave: its lint models, its noqa comments (line -> the codes it silences,
    None for every code), and the one-line error when it could not be read."""

    path: str
    models: list[ModelInput] = field(default_factory=list)
    noqa: dict[int, frozenset | None] = field(default_factory=dict)
    error: str | None = None


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
    is ``keras``). ``stars`` are the modules of ``from torch.nn import *`` imports, in file order."""

    def __init__(self, tree: ast.Module):
        self.names: dict[str, str] = {}
        self.stars: list[str] = []
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
                    if alias.name == "*":
                        self.stars.append(canonical(node.module))
                    else:
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
        roots = {name.split(".")[0] for name in [*self.names.values(), *self.stars]}
        return tuple(dict.fromkeys(fw for root, fw in FRAMEWORK_ROOTS.items() if root in roots))


def shown_text(node: ast.AST) -> str:
    """A node as source text, bounded for a message (needs no Source: readers may defer it)."""
    text = ast.unparse(node)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 3] + "..."


TRY_STATEMENTS = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)   # try / try-except* (3.11)
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
    """One name per thing: ``tensorflow.keras.layers.Dense`` and ``keras.src.layers.Dense`` ->
    ``keras.layers.Dense``, ``tensorflow.nn.softmax`` -> ``tf.nn.softmax``; other names unchanged."""
    dotted = name + "."     # a module itself too: `tensorflow.keras` is `keras`
    for prefix, replacement in _CANONICAL_PREFIXES:
        if dotted.startswith(prefix):
            return (replacement + dotted[len(prefix):])[:-1]
    return name


def known_loss(qualified: str, data: LintData) -> bool:
    """Whether a qualified name (``torch.nn.CrossEntropyLoss``) spells a loss of lint's tables."""
    return norm_spelling(qualified)[0] in data.loss_index


def known_activation(qualified: str, data: LintData) -> bool:
    return norm_spelling(qualified)[0] in data.activation_index


# The frameworks and the array libraries under them: a name of theirs that matches a custom
# spelling (torch.quantile, numpy.quantile) is their own function, not the loss, which the
# framework lacks (that is what `custom: true` says).
LIBRARY_ROOTS = frozenset({"torch", "torchvision", "keras", "tensorflow", "tf", "jax", "optax", "flax", "numpy",
                           "scipy", "pandas"})


def foreign_name(qualified: str) -> str | None:
    """The name a dotted name ends in, when it comes from a module that is neither a framework,
    an array library nor the standard library (``coral_pytorch.losses.corn_loss`` -> ``corn_loss``):
    where a custom loss spelling may be imported from; else None."""
    root = qualified.split(".", 1)[0]
    if "." not in qualified or root in LIBRARY_ROOTS or root in sys.stdlib_module_names:
        return None
    return qualified.rsplit(".", 1)[1]


class TableLookup:
    """What lint's tables say of the names one reader meets, asked once per name: the activation
    a name spells, and the loss spelling entry of the reader's framework that a loss spelling
    means (the entry the rules read, through :func:`~lossadvisor.lint.spellings.lookup_loss`)."""

    def __init__(self, data: LintData, framework: str):
        self.data = data
        self.framework = framework
        self._activations: dict[str, str | None] = {}
        self._loss_entries: dict[str, dict | None] = {}

    def activation(self, name: str) -> str | None:
        """The canonical activation ``name`` spells (``tf.nn.softmax`` -> ``softmax``), or None."""
        if name not in self._activations:
            known = known_activation(name, self.data)
            self._activations[name] = self.data.activation_index[norm_spelling(name)[0]] if known else None
        return self._activations[name]

    def loss_entry(self, spelling: str) -> dict | None:
        """The framework's spelling entry of a loss spelling (``keras.losses.Huber``,
        ``nn.NLLLoss(reduction='sum')``), or None when lint has none for the framework."""
        if spelling not in self._loss_entries:
            entry = None
            # most names a reader meets are not losses: the index says so without lookup_loss's
            # did-you-mean (a fuzzy match over every spelling, the cost of a whole script)
            if known_loss(spelling.split("(", 1)[0], self.data):
                try:
                    entry = lookup_loss(spelling, self.data, self.framework)[0]
                except UsageError:
                    entry = None
            self._loss_entries[spelling] = entry
        return self._loss_entries[spelling]

    def builtin_loss_entry(self, spelling: str) -> dict | None:
        """The framework's entry of a loss spelling, when it names a built-in (``torch.quantile``
        matches the custom spelling "quantile" but is torch's own function); else None."""
        entry = self.loss_entry(spelling)
        return entry if entry is not None and not entry["custom"] else None

    def custom_loss_entry(self, name: str) -> dict | None:
        """The framework's custom entry (``custom: true``: no built-in) that a bare name spells:
        a function or class of the script, or one imported from another library (through
        :func:`foreign_name`), named as the catalog's custom spellings name it; else None."""
        entry = self.loss_entry(name) if "." not in name else None
        return entry if entry is not None and entry["custom"] else None


def positive_int(value) -> int | None:
    """``value`` when it is an int of at least 1 (a count of units or classes; not a bool), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return None


def hashable(value) -> bool:
    """Whether ``value`` can key a memo (a tuple holding a list cannot)."""
    try:
        hash(value)
    except TypeError:
        return False
    return True


def training_test(test: ast.AST, *, bare_name: bool = False) -> bool | None:
    """Whether a condition selects the training branch: True for ``if self.training:`` (any
    ``x.training``; with ``bare_name`` also a ``training`` parameter, as a Keras ``call`` takes),
    False for its negation (the other branch is training's), None for any other condition."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    if negated:
        test = test.operand
    if isinstance(test, ast.Attribute) and test.attr == "training" or \
            bare_name and isinstance(test, ast.Name) and test.id == "training":
        return not negated
    return None


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
    r"""Line -> the codes and prefixes a ``# lossadvisor: noqa: LA101, LA2`` comment on it
    silences, or None for a bare ``# lossadvisor: noqa`` (every code). A list with no
    lossadvisor code in it (``noqa: E501``, a typo) silences nothing; text that only looks like
    such a comment inside a string is not one.

    >>> found = noqa_lines("x = 1  # lossadvisor: noqa\ny = 2  # lossadvisor: noqa: LA101, LA2, E501\n")
    >>> found[1], sorted(found[2])
    (None, ['LA101', 'LA2'])
    >>> noqa_lines("s = '# lossadvisor: noqa'\nt = 1  # lossadvisor: noqa: E501\n")
    {2: frozenset()}
    >>> noqa_lines("x = 1  # lossadvisor: noqa LA101\nz = 3  # lossadvisor: noqa - generated code\n")
    {1: frozenset({'LA101'}), 2: None}
    """
    if "lossadvisor" not in text.lower():
        return {}
    candidates = {number for number, line in enumerate(text.splitlines(), 1)
                  if "lossadvisor" in line.lower() and _NOQA.search(line)}
    out: dict[int, frozenset | None] = {}
    for number, comment in _comments(text, candidates):
        match = _NOQA.search(comment)
        if match:
            rest = match.group("rest").strip()
            codes = frozenset(code.upper() for code in _NOQA_CODE.findall(rest))
            # `noqa: CODES` names its codes; `noqa LA101` (no colon) too; `noqa` or `noqa - why` all
            out[number] = codes if codes or rest.startswith(":") else None
    return out


def _comments(text: str, lines: set):
    """(line, text) of the comments on ``lines``: tokens, so that a ``#`` in a string is not one."""
    import io
    import tokenize

    if not lines:
        return
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and token.start[0] in lines:
                yield token.start[0], token.string
    except (tokenize.TokenError, SyntaxError):
        return      # the file parsed, so this is rare; the comments read so far stand


def silenced(code: str, lines, noqa: dict[int, frozenset | None]) -> bool:
    """Whether a finding of ``code`` pointing at any of ``lines`` is silenced by a noqa comment
    (one naming the code, a prefix of it, or none)."""
    for line in lines:
        if line in noqa and (noqa[line] is None or any(code.startswith(p) for p in noqa[line])):
            return True
    return False


def model_name(path: str, at: Loc, output: str | None = None) -> str:
    """A script's wiring is named after the place that joins the prediction and the loss, and
    the model output it pairs when a model has several: ``src/train.py:42:12``,
    ``train.py:30:1[cls]``."""
    return f"{path}:{at.line}:{at.col}" + (f"[{output}]" if output else "")


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
        ("class_weight", wiring.class_weight, wiring.class_weight_at),
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
    return ModelInput(name=model_name(path, wiring.at, wiring.output), values=values, source=path, line=wiring.at.line,
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
        raw = read_bytes(path, "a Python file", what=PYTHON, limit=MAX_SCRIPT_BYTES)
    except InputError as exc:
        result.error = str(exc)
        return result
    if b"torch" not in raw and b"keras" not in raw:     # module names are case-sensitive
        return result      # imports neither framework: nothing to read
    try:
        source = parse_script(path, raw)
    except InputError as exc:
        result.error = str(exc)
        return result
    result.noqa = noqa_lines(source.text)
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
