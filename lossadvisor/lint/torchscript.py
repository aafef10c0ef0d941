"""The PyTorch reader of training scripts: which model output reaches which loss.

Reads one parsed file (:class:`~lossadvisor.lint.pysource.Source`), never importing or running
it, and returns a :class:`~lossadvisor.lint.pysource.Wiring` per loss call: the loss (a module
such as ``nn.CrossEntropyLoss(reduction="sum")`` or a function such as ``F.nll_loss``), the
output activation of the prediction that reaches it, the output units, and the label
preparation visible on the target (``.long()``, ``F.one_hot(y, 10)``, ``.view(-1, 1)``).

How it reads: every function of the file (and the module body) is evaluated once, statement
by statement, over abstract values: a tensor with its last activation and units, a module
built from ``torch.nn`` (roles from ``modules:`` in rules/lint.yaml), an ``nn.Sequential``
chain, an object of a class of the file, a loss. A units layer resets the activation (relu ->
Linear -> linear output); the output activation is the last one applied (an in-place
``out.sigmoid_()`` too). Calls to functions, lambdas and classes of the file are followed to a
bounded depth; a parameter of a function takes the value every call of the function in the
file gives it, when they all agree (calls on a model in evaluation mode count only when no
other call does). A method's calls are ``self.method(...)`` in its class or a subclass, and a
class's ``forward`` is also called through its objects (``criterion(out, y)`` for a custom loss
module). Whether a name is a loss or an activation is decided only by lint's tables (the
catalog's ``spellings:``, ``activations:``), star imports included. Anything else is an unknown
value that says why; a loss reached by an unknown prediction is a wiring with a
:class:`~lossadvisor.lint.pysource.NotFollowed` note. The same wiring found twice (from
``training_step`` and ``validation_step``) is one.

Training-only wiring: a branch under ``if not self.training:`` (or the ``else`` of ``if
self.training:``), ``torch.no_grad()`` / ``torch.inference_mode()`` blocks, functions so
decorated and ``predict``-like methods are inference, where a loss call is not a training
wiring; so is a prediction of a model put in evaluation mode (``model.eval()`` until
``model.train()``, and after branches only when every branch that goes on leaves it so): a
teacher put in evaluation mode leaves its student's wiring alone.
"""

from __future__ import annotations

import ast
import bisect
import sys
from dataclasses import dataclass, field, replace

from lossadvisor.lint.pysource import (
    TRY_STATEMENTS,
    Loc,
    NotFollowed,
    Source,
    TableLookup,
    Wiring,
    UNKNOWN,
    argument,
    canonical,
    foreign_name,
    hashable,
    literal,
    positive_int,
    shown_text,
    statements,
    training_test,
)
from lossadvisor.lint.spellings import LINT_PARAMS, LintData

FRAMEWORK = "pytorch"
MAX_CALL_DEPTH = 6          # nested calls of the file's functions followed
MAX_EXPRESSION_DEPTH = 120  # nested sub-expressions read
WORK_PER_STATEMENT = 30     # statements evaluated in all, per statement of the file
MODEL_BASES = ("torch.nn.Module", "torch.nn.modules.module.Module", "lightning.LightningModule",
               "lightning.pytorch.LightningModule", "lightning.pytorch.core.LightningModule",
               "pytorch_lightning.LightningModule", "pytorch_lightning.core.LightningModule")
INFERENCE_METHODS = ("predict", "predict_step", "inference")
GRAD_OFF = ("torch.no_grad", "torch.inference_mode", "torch.set_grad_enabled")
LOADERS = ("torch.load", "torch.hub.load", "torch.jit.load")
MODEL_WRAPPERS = ("torch.compile", "torch.jit.script", "torch.jit.trace")
LONG_DTYPES = ("torch.long", "torch.int64", "torch.int", "torch.int32", "torch.LongTensor",
               "torch.cuda.LongTensor", "torch.IntTensor")
FLOAT_DTYPES = ("torch.float", "torch.float32", "torch.float64", "torch.double", "torch.half",
                "torch.float16", "torch.bfloat16", "torch.FloatTensor", "torch.cuda.FloatTensor")
# tensor methods: what they do to values and shapes
LONG_METHODS = ("long", "int")
FLOAT_METHODS = ("float", "double", "half", "bfloat16")
FLATTENING = ("squeeze", "flatten", "ravel")
RESHAPING = ("view", "reshape")
MOVING = ("to", "type", "cuda", "cpu", "contiguous", "clone", "detach", "requires_grad_", "train", "eval")
REORDERING = ("permute", "transpose", "t", "unsqueeze", "view_as", "reshape_as", "expand", "expand_as")
REDUCING = ("mean", "sum")   # of a loss value: keeps it a loss value
BACKWARD = ("backward", "manual_backward")
IN_PLACE_SHAPES = ("squeeze", "unsqueeze")   # tensor.squeeze_(): changes the tensor it is called on
PARTIAL = "functools.partial"
# names this reader reads besides lint's tables (a star import binds them too)
READER_NAMES = ("torch.nn.Sequential", "torch.nn.functional.one_hot", "torch.eye", "torch.argmax", "torch.flatten",
                "torch.squeeze", "torch.unsqueeze", "torch.reshape", *GRAD_OFF, *LOADERS, *MODEL_WRAPPERS,
                *MODEL_BASES)


# ----------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Unknown:
    """A value the reader cannot follow: it comes from ``node`` (or the name ``text``), and
    ``why`` is a clause saying why (None: lint cannot follow it)."""

    at: Loc
    node: ast.AST | None = None
    text: str | None = field(default=None, compare=False)
    why: str | None = None
    external: tuple | None = None    # (clause after "`model` is `Net()`, ", clause after "`Net()` is ")

    @property
    def origin(self) -> str:
        if self.text is None:
            object.__setattr__(self, "text", shown_text(self.node) if self.node is not None else "?")
        return self.text


@dataclass(frozen=True)
class Labels:
    """What the visible preparation of a tensor says about it as a target."""

    kind: str | None = None          # integer, one_hot, probabilities, float
    at: Loc | None = None
    classes: int | None = None
    classes_at: Loc | None = None
    shape: str | None = None         # "(N,)" or "(N, 1)"
    shape_at: Loc | None = None


@dataclass(frozen=True)
class Tensor:
    """A tensor: its last activation (None with ``unknown`` when not followed) and units as a
    prediction, its preparation as a target. ``param`` marks a tensor that is a function's
    input parameter with no units layer since (the caller's value stands in for it)."""

    act: str | None = None
    act_at: Loc | None = None
    act_node: ast.AST | None = None     # the source of the activation (or of the linear layer)
    units: int | None = None
    units_at: Loc | None = None
    unknown: Unknown | None = None
    param: int | None = None
    reshaped: bool = False
    labels: Labels | None = None
    losses: tuple = ()               # calls of an unknown callable whose value this is (maybe losses)
    evaluated: bool = False          # the output of a model in evaluation mode (after .eval())


@dataclass(frozen=True)
class Layer:
    """A module built from torch.nn: role units (linear output), activation or passthrough."""

    role: str
    at: Loc
    node: ast.AST
    units: int | None = None
    keeps_units: bool = False
    act: str | None = None


@dataclass(frozen=True)
class Chain:
    """An ``nn.Sequential``: its modules in order."""

    layers: tuple
    at: Loc
    node: ast.AST


@dataclass(frozen=True)
class Loss:
    """A loss: a module object or a function of torch, as lint spells it."""

    spelling: str | None
    at: Loc
    text: str
    family: str | None
    not_followed: NotFollowed | None = None


@dataclass(frozen=True)
class UnknownLoss:
    """Surely a loss, but which one is decided at run time (a dict of losses indexed by a variable)."""

    origin: str
    at: Loc
    why: str | None


@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class Qualified:
    """A name of a library through the file's imports: ``torch.nn.functional.softmax``."""

    name: str


@dataclass(frozen=True)
class Items:
    """A tuple or list of values."""

    items: tuple


@dataclass(frozen=True)
class Mapping:
    """A dict with literal keys."""

    items: tuple
    at: Loc


@dataclass(frozen=True)
class Eye:
    """``torch.eye(n)``: indexing it by labels one-hot encodes them."""

    classes: int | None
    at: Loc


@dataclass(frozen=True)
class Dynamic:
    """Something of torch chosen at run time: ``getattr(nn, name)``."""

    origin: str
    at: Loc


@dataclass(eq=False)
class ClassInfo:
    name: str
    node: ast.ClassDef
    bases: list
    methods: dict


@dataclass(frozen=True)
class ClassRef:
    info: ClassInfo


@dataclass(frozen=True)
class FuncRef:
    node: ast.AST
    owner: ClassInfo | None = None
    bound: object = None         # the instance a method is bound to
    closure: object = field(default=None, compare=False)   # a lambda's defining Frame


@dataclass(frozen=True)
class SuperRef:
    owner: ClassInfo
    bound: object


@dataclass(eq=False)
class Instance:
    """An object of a class of the file, with the attributes its ``__init__`` sets."""

    cls: ClassInfo
    attrs: dict = field(default_factory=dict)


@dataclass(eq=False)
class Candidate:
    """A call of an unknown callable with a prediction and a target: a loss when its value is
    back-propagated."""

    node: ast.Call
    callee: object
    args: list


class _Lazy:
    """A function parameter in the function's own evaluation: its value comes from its calls."""

    def __init__(self, name: str, index: int, node: ast.arg):
        self.name, self.index, self.node = name, index, node


_STOP = object()     # a block ended (return / raise)


@dataclass
class Frame:
    """The evaluation of one function body (or the module's)."""

    env: dict
    func: ast.AST | None = None
    cls: ClassInfo | None = None
    self_value: object = None
    main: bool = False            # the function's own evaluation: records wirings and call sites
    depth: int = 0
    inference: int = 0
    evaluating: set = field(default_factory=set)   # ids of the models put in evaluation mode
    loop: int = 0
    returns: list = field(default_factory=list)
    sink_returns: bool = False    # a training_step: its return value is back-propagated
    closure: Frame | None = None  # a lambda's: the frame it was defined in (its free names)


# ----------------------------------------------------------------------------- entry point


def wirings(source: Source, data: LintData) -> list[Wiring]:
    """Every loss call of a PyTorch script with the prediction and target that reach it."""
    return _Reader(source, data).read()


class _Reader:
    def __init__(self, source: Source, data: LintData):
        self.source = source
        self.data = data
        self.module_env: dict = {}
        self.classes: dict[str, ClassInfo] = {}
        self.owner: dict[int, ClassInfo] = {}          # id(def) -> class whose method it is
        self.functions: list = []                      # every def, file order
        self.starts: list = []                         # (line, col) of each def, in order
        self.outermost: set = set()                    # ids of the defs of the module or its classes
        self.sites_by_name: dict[str, list] = {}
        self.sites_by_method: dict[str, list] = {}
        self.site_ids: set = set()
        self.site_args: dict[int, tuple] = {}
        self.all_classes: list[ClassInfo] = []         # every class, outer ones first
        self.def_class: dict[int, ClassInfo] = {}      # id(def) -> the innermost class holding it
        self.instance_sites: dict[ClassInfo, dict] = {}  # class -> id(call) -> (call, arguments): calls of its objects
        self.state: dict[int, str] = {}                # id(def) -> running | done
        self.instances: dict[int, Instance] = {}       # id(class) -> its instance in its own methods
        self.memo: dict = {}
        self.tables = TableLookup(data, FRAMEWORK)     # what lint's tables say of a name
        self.active: set = set()
        self.found: dict[int, Wiring] = {}
        self.work = 0
        self.budget = 0
        self.main_chain = 0

    # ------------------------------------------------------------------ driver

    def read(self) -> list[Wiring]:
        count = self._index(self.source.tree)
        self.budget = WORK_PER_STATEMENT * max(count, 100)
        frame = Frame(self.module_env, main=True)
        self.state[0] = "running"
        self._block(self.source.tree.body, frame)
        self.state[0] = "done"
        # a class's forward / __call__ last: its parameters come from the calls of its objects
        called = {id(node) for node in self.functions if id(node) in self.owner and node.name in ("forward", "__call__")}
        for node in sorted(self.functions, key=lambda n: id(n) in called):    # stable: file order otherwise
            self._main(node)
        ordered = sorted(self.found.values(), key=lambda wiring: (wiring.at.line, wiring.at.col))
        first: dict = {}
        for wiring in ordered:
            first.setdefault(_same_wiring(wiring), wiring)
        return list(first.values())

    def _index(self, tree: ast.Module) -> int:
        """Classes, functions, method owners and call sites, in one walk; the statement count."""
        count = 0
        for node in ast.walk(tree):
            kind = type(node)
            if kind is ast.Call:
                func = node.func
                if type(func) is ast.Name:
                    self.sites_by_name.setdefault(func.id, []).append(node)
                    self.site_ids.add(id(node))
                elif type(func) is ast.Attribute and type(func.value) is ast.Name and func.value.id == "self":
                    self.sites_by_method.setdefault(func.attr, []).append(node)
                    self.site_ids.add(id(node))
            elif isinstance(node, ast.stmt):
                count += 1
                if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                    self.functions.append(node)
                elif kind is ast.ClassDef:
                    info = ClassInfo(node.name, node, list(node.bases), {})
                    self.all_classes.append(info)
                    for item in node.body:
                        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                            info.methods[item.name] = item
                            self.owner[id(item)] = info
                    self.classes.setdefault(node.name, info)
        self.functions.sort(key=lambda n: (n.lineno, n.col_offset))
        for node in tree.body:
            for item in (node.body if isinstance(node, ast.ClassDef) else [node]):
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.outermost.add(id(item))
        self.starts = [(n.lineno, n.col_offset) for n in self.functions]
        for info in self.all_classes:      # breadth-first: an inner class comes later and wins
            for item in statements(info.node):
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.def_class[id(item)] = info
        return count

    def _enclosing(self, call: ast.Call):
        """The innermost function holding a call (None: the module body)."""
        where = (call.lineno, call.col_offset)
        index = bisect.bisect_right(self.starts, where)
        for position in range(index - 1, -1, -1):
            node = self.functions[position]
            if (node.end_lineno, node.end_col_offset) >= (call.end_lineno, call.end_col_offset):
                return node
            if id(node) in self.outermost:
                break       # every def before an outermost one that ends before the call ends before it too
        return None

    def _u(self, node: ast.AST, why: str | None = None) -> Unknown:
        return Unknown(self.source.loc(node), node=node, why=why)

    def _tick(self) -> bool:
        self.work += 1
        return self.work <= self.budget

    # ------------------------------------------------------------------ functions

    def _main(self, node: ast.AST, instance: Instance | None = None) -> None:
        """The function's own evaluation (once): records its wirings and the arguments of its calls."""
        key = id(node)
        if self.state.get(key) is not None:
            return
        self.state[key] = "running"
        self.main_chain += 1
        try:
            cls = self.owner.get(key)
            frame = Frame({}, func=node, cls=cls, main=True)
            if _decorated_grad_off(node, self._qualified) or node.name in INFERENCE_METHODS:
                frame.inference = 1
            frame.sink_returns = node.name == "training_step"
            params = _params(node.args)
            first = 0
            if cls is not None and params and not _is_static(node):
                if _is_classmethod(node):
                    frame.env[params[0].arg] = ClassRef(cls)
                else:
                    frame.self_value = instance if instance is not None else self._class_instance(cls)
                    frame.env[params[0].arg] = frame.self_value
                first = 1
            for index, arg in enumerate(params[first:], start=first):
                frame.env[arg.arg] = _Lazy(arg.arg, index, arg)
            for arg in (node.args.vararg, node.args.kwarg):
                if arg is not None:
                    frame.env[arg.arg] = Unknown(self.source.loc(arg), text=arg.arg, why=f"`{arg.arg}` collects arguments of {node.name}()")
            self._block(node.body, frame)
        finally:
            self.main_chain -= 1
            self.state[key] = "done"

    def _class_instance(self, cls: ClassInfo) -> Instance:
        """The object a class's own methods see as ``self``."""
        if id(cls) in self.instances:
            return self.instances[id(cls)]
        instance = Instance(cls)
        self.instances[id(cls)] = instance
        found = self._find_method(cls, "__init__")
        if found is not None:
            init, owner = found
            if owner is cls and self.state.get(id(init)) is None and self.main_chain < MAX_CALL_DEPTH:
                self._main(init, instance)
            else:
                self._call_function(FuncRef(init, owner, instance), [], {}, False, init, 0)
        return instance

    def _find_method(self, cls: ClassInfo, name: str, seen: set | None = None):
        """(method, owner class) through the class and its bases of this file, or None."""
        seen = seen if seen is not None else set()
        if id(cls) in seen:
            return None
        seen.add(id(cls))
        if name in cls.methods:
            return cls.methods[name], cls
        for base in cls.bases:
            if isinstance(base, ast.Name) and base.id in self.classes:
                found = self._find_method(self.classes[base.id], name, seen)
                if found is not None:
                    return found
        return None

    def _is_model(self, cls: ClassInfo, seen: set | None = None) -> bool:
        seen = seen if seen is not None else set()
        if id(cls) in seen:
            return False
        seen.add(id(cls))
        for base in cls.bases:
            if self._qualified(base) in MODEL_BASES:
                return True
            if isinstance(base, ast.Name) and base.id in self.classes and self._is_model(self.classes[base.id], seen):
                return True
        return False

    def _resolve_param(self, frame: Frame, lazy: _Lazy):
        """A parameter's value: the one every call of the function in the file gives it. A
        method's calls are ``self.method(...)`` in its class or a subclass; ``forward`` (and a
        plain class's ``__call__``) is also called through the class's objects (``model(x)``)."""
        node = frame.func
        at = self.source.loc(lazy.node)
        name = lazy.name
        fname = getattr(node, "name", "?")
        cls = frame.cls
        if cls is not None and fname == "__init__":
            sites, offset = self.sites_by_name.get(cls.name, []), 1
        elif cls is not None:
            sites = [site for site in self.sites_by_method.get(fname, []) if self._in_family(site, cls, node)]
            offset = 1
        else:
            sites, offset = self.sites_by_name.get(fname, []), 0
        records = []
        for site in sorted(sites, key=lambda call: (call.lineno, call.col_offset)):
            scope = self._enclosing(site)
            if scope is not None and self.main_chain < MAX_CALL_DEPTH:
                self._main(scope)
            records.append((site, self.site_args.get(id(site))))
        through_objects = cls is not None and fname == ("forward" if self._is_model(cls) else "__call__")
        if through_objects:
            for info, calls in self.instance_sites.items():
                if (self._find_method(info, fname) or (None,))[0] is node:
                    records.extend(calls.values())
        if not records:
            if through_objects and any(self.sites_by_name.get(info.name) for info in self._family(cls)):
                why = f"`{name}` is a parameter of {cls.name}.{fname}() whose calls lint cannot follow"
            else:
                why = f"`{name}` is a parameter of {fname}() that no call in this file gives"
            return Unknown(at, text=name, why=why)
        values = []
        for site, record in records:
            value = None if record is None else self._bind(node, lazy, offset, record)
            if value is None:
                line = self.source.loc(site).line
                starred = next((a for a in site.args if isinstance(a, ast.Starred)), None)
                how = f"passes `{self.source.shown(starred)}`" if starred is not None and record is not None \
                    else "lint cannot follow"
                return Unknown(at, text=name, why=f"`{name}` is a parameter of {fname}() whose call at line {line} {how}")
            values.append((value, site))
        training = [(value, site) for value, site in values if not (isinstance(value, Tensor) and value.evaluated)]
        values = training or values      # a call on a model in evaluation mode does not decide a training wiring
        distinct: list = []
        for value, site in values:
            if not any(_same(value, other) for other, _ in distinct):
                distinct.append((value, site))
        if len(distinct) == 1:
            return distinct[0][0]
        lines = ", ".join(str(self.source.loc(site).line) for _, site in distinct[:5])
        if all(isinstance(v, Loss) for v, _ in distinct):
            return UnknownLoss(name, at, f"`{name}` is a parameter of {fname}() given different losses by its "
                                         f"calls (lines {lines})")
        return Unknown(at, text=name, why=f"`{name}` is a parameter of {fname}() given different values by its calls "
                                 f"(lines {lines})")

    def _family(self, cls: ClassInfo) -> list:
        """The class and its subclasses of this file."""
        return [info for info in self.all_classes if self._is_subclass(info, cls)]

    def _is_subclass(self, cls: ClassInfo, base: ClassInfo, seen: set | None = None) -> bool:
        if cls is base:
            return True
        seen = seen if seen is not None else set()
        if id(cls) in seen:
            return False
        seen.add(id(cls))
        return any(isinstance(b, ast.Name) and b.id in self.classes and self._is_subclass(self.classes[b.id], base, seen)
                   for b in cls.bases)

    def _in_family(self, site: ast.Call, cls: ClassInfo, method: ast.AST) -> bool:
        """Whether ``self.method(...)`` at a site calls this method: the site is in a method of
        the class, or of a subclass that does not override it."""
        caller = self.def_class.get(id(self._enclosing(site)))
        if caller is None or not self._is_subclass(caller, cls):
            return False
        found = self._find_method(caller, method.name)
        return found is not None and found[0] is method

    def _bind(self, node: ast.AST, lazy: _Lazy, offset: int, record: tuple):
        """The value a recorded call gives a parameter, or None when it cannot be told."""
        args, star, kwargs = record
        if lazy.name in kwargs:
            return kwargs[lazy.name]
        position = lazy.index - offset
        if 0 <= position < len(args):
            return args[position]
        if star or "**" in kwargs:
            return None
        default = _default(node.args, lazy.name)
        if default is None:
            return None
        value = literal(default)
        return Literal(value) if value is not UNKNOWN else None

    def _call_function(self, ref: FuncRef, args: list, kwargs: dict, star: bool, call: ast.AST, depth: int):
        """The value a call of a function (or method) of the file returns, read in context."""
        node = ref.node
        if isinstance(node, ast.Lambda):
            return self._u(call)
        if depth >= MAX_CALL_DEPTH:
            return self._u(call, f"the call `{self.source.shown(call)}` is nested too deeply to follow")
        if id(node) in self.active:
            return self._u(call, f"`{self.source.shown(call)}` is recursive")
        if self.work > self.budget:
            return self._u(call, f"`{self.source.shown(call)}` is past what lint follows in one file")
        params = _params(node.args)
        env: dict = {}
        markers: dict[int, object] = {}
        first = 0
        cls = ref.owner
        if cls is not None and params and not _is_static(node):
            env[params[0].arg] = ClassRef(cls) if _is_classmethod(node) else ref.bound
            first = 1
        key: list = [id(node), id(ref.bound)]
        for index, arg in enumerate(params[first:], start=first):
            position = index - first
            if arg.arg in kwargs:
                value = kwargs[arg.arg]
            elif position < len(args):
                value = args[position]
            elif star or "**" in kwargs:
                value = Unknown(self.source.loc(arg), text=arg.arg)
            else:
                default = _default(node.args, arg.arg)
                lit = literal(default) if default is not None else UNKNOWN
                value = Literal(lit) if lit is not UNKNOWN else Unknown(self.source.loc(arg), text=arg.arg)
            if isinstance(value, (Tensor, Unknown)):
                markers[index] = value
                value = Tensor(unknown=Unknown(self.source.loc(arg), text=arg.arg), param=index)
            env[arg.arg] = value
            key.append(value)
        for arg in (node.args.vararg, node.args.kwarg):
            if arg is not None:
                env[arg.arg] = Unknown(self.source.loc(arg), text=arg.arg)
        memo_key = tuple(key) if hashable(tuple(key)) else None
        if memo_key is not None and memo_key in self.memo:
            result = self.memo[memo_key]
        else:
            frame = Frame(env, func=node, cls=cls, self_value=ref.bound, depth=depth + 1)
            if _decorated_grad_off(node, self._qualified):
                frame.inference = 1
            self.active.add(id(node))
            try:
                self._block(node.body, frame)
            finally:
                self.active.discard(id(node))
            result = self._returned(frame, node)
            if memo_key is not None:
                self.memo[memo_key] = result
        return _substitute(result, markers)

    def _call_lambda(self, ref: FuncRef, args: list, kwargs: dict, star: bool, call: ast.Call, caller: Frame):
        """A lambda called: its body's value with the caller's arguments, read as the caller's own
        code (a loss in it is a wiring of the caller's prediction)."""
        node = ref.node
        if caller.depth >= MAX_CALL_DEPTH:
            return self._u(call, f"the call `{self.source.shown(call)}` is nested too deeply to follow")
        if self.work > self.budget:
            return self._u(call, f"`{self.source.shown(call)}` is past what lint follows in one file")
        env: dict = {}
        for index, arg in enumerate(_params(node.args)):
            if arg.arg in kwargs:
                env[arg.arg] = kwargs[arg.arg]
            elif index < len(args) and arg not in node.args.kwonlyargs:
                env[arg.arg] = args[index]
            else:
                default = _default(node.args, arg.arg)
                lit = literal(default) if default is not None and not star else UNKNOWN
                env[arg.arg] = Literal(lit) if lit is not UNKNOWN else Unknown(self.source.loc(arg), text=arg.arg)
        for arg in (node.args.vararg, node.args.kwarg):
            if arg is not None:
                env[arg.arg] = Unknown(self.source.loc(arg), text=arg.arg)
        closure = ref.closure
        frame = Frame(env, func=node, cls=closure.cls if closure else None,
                      self_value=closure.self_value if closure else None, main=caller.main,
                      depth=caller.depth + 1, inference=caller.inference, evaluating=caller.evaluating,
                      closure=closure)
        return self._eval(node.body, frame)

    def _returned(self, frame: Frame, node: ast.AST):
        values = frame.returns
        if not values:
            return Literal(None)
        first = values[0]
        if all(_same(v, first) for v in values[1:]):
            return first
        if all(isinstance(v, Items) and len(v.items) == len(first.items) for v in values):
            return Items(tuple(self._merge_all([v.items[i] for v in values], f"{node.name}()", node)
                               for i in range(len(first.items))))
        return self._merge_all(values, f"{node.name}()", node)

    def _merge_all(self, values: list, origin: str, node: ast.AST):
        first = values[0]
        if all(_same(v, first) for v in values[1:]):
            return first
        return Unknown(self.source.loc(node), text=origin, why=f"`{origin}` returns different values on different paths")

    def _instantiate(self, cls: ClassInfo, args: list, kwargs: dict, star: bool, call: ast.Call, depth: int):
        instance = Instance(cls)
        found = self._find_method(cls, "__init__")
        if found is not None:
            init, owner = found
            key = ("instance", id(cls), *args, *sorted(kwargs.items(), key=lambda kv: str(kv[0])))
            key = key if hashable(key) else None
            if key is not None and key in self.memo:
                return self.memo[key]
            self._call_function(FuncRef(init, owner, instance), args, kwargs, star, call, depth)
            if key is not None:
                self.memo[key] = instance
        return instance

    # ------------------------------------------------------------------ statements

    def _block(self, body: list, frame: Frame):
        for stmt in body:
            if not self._tick() and not frame.main:
                return _STOP
            if self._statement(stmt, frame) is _STOP:
                return _STOP
        return None

    def _statement(self, stmt: ast.stmt, frame: Frame):
        env = frame.env
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            env[stmt.name] = FuncRef(stmt)
        elif isinstance(stmt, ast.ClassDef):
            env[stmt.name] = ClassRef(self.classes.get(stmt.name) or ClassInfo(stmt.name, stmt, list(stmt.bases), {}))
        elif isinstance(stmt, ast.Assign):
            value = self._eval(stmt.value, frame)
            for target in stmt.targets:
                self._assign(target, value, frame)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self._assign(stmt.target, self._eval(stmt.value, frame), frame)
        elif isinstance(stmt, ast.AugAssign):
            value = self._binop(stmt.target, stmt.op, stmt.value, stmt, frame)
            self._assign(stmt.target, value, frame)
        elif isinstance(stmt, ast.Expr):
            self._expression_statement(stmt.value, frame)
        elif isinstance(stmt, ast.Return):
            value = self._eval(stmt.value, frame) if stmt.value is not None else Literal(None)
            if frame.sink_returns:
                self._backward(value, frame)
            frame.returns.append(value)
            return _STOP
        elif isinstance(stmt, ast.Raise):
            return _STOP
        elif isinstance(stmt, ast.If):
            return self._if(stmt, frame)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._eval(stmt.iter, frame)
            self._assign(stmt.target, self._u(stmt.target), frame)      # one pass: the loop variable is unknown
            frame.loop += 1
            self._block(stmt.body, frame)
            frame.loop -= 1
            self._block(stmt.orelse, frame)
        elif isinstance(stmt, ast.While):
            self._eval(stmt.test, frame)
            frame.loop += 1
            self._block(stmt.body, frame)
            frame.loop -= 1
            self._block(stmt.orelse, frame)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            grad_off = 0
            for item in stmt.items:
                self._eval(item.context_expr, frame)
                if _grad_off(item.context_expr, self._qualified):
                    grad_off = 1
                if item.optional_vars is not None:
                    self._assign(item.optional_vars, self._u(item.context_expr), frame)
            frame.inference += grad_off
            ended = self._block(stmt.body, frame)
            frame.inference -= grad_off
            return ended
        elif isinstance(stmt, TRY_STATEMENTS):
            evaluating = set(frame.evaluating)
            ended = self._block(stmt.body, frame)
            after_body = frame.evaluating
            modes = []
            for handler in stmt.handlers:        # a handler may start anywhere in the body
                frame.evaluating = evaluating & after_body
                if self._block(handler.body, frame) is None:
                    modes.append(frame.evaluating)
            if ended is None:
                frame.evaluating = after_body
                if self._block(stmt.orelse, frame) is None:
                    modes.append(frame.evaluating)
            frame.evaluating = _in_every(modes) if modes else after_body
            self._block(stmt.finalbody, frame)
        elif isinstance(stmt, ast.Match):
            self._eval(stmt.subject, frame)
            before, evaluating = dict(frame.env), frame.evaluating
            branches = []
            modes = [evaluating]            # no case may match
            for case in stmt.cases:
                frame.env, frame.evaluating = dict(before), set(evaluating)
                for name in _pattern_names(case.pattern):
                    frame.env[name] = Unknown(self.source.loc(case.pattern), text=name)
                if self._block(case.body, frame) is None:
                    branches.append(frame.env)
                    modes.append(frame.evaluating)
            frame.env = self._merge_envs([before, *branches], stmt) if branches else before
            frame.evaluating = _in_every(modes)
        return None

    def _if(self, stmt: ast.If, frame: Frame):
        training = training_test(stmt.test)
        if training is not None:
            return self._block(stmt.body if training else stmt.orelse, frame)
        test = self._eval(stmt.test, frame)
        if isinstance(test, Literal):
            return self._block(stmt.body if test.value else stmt.orelse, frame)
        before, evaluating = frame.env, frame.evaluating
        ends = []
        for body in (stmt.body, stmt.orelse):
            frame.env, frame.evaluating = dict(before), set(evaluating)
            ends.append((self._block(body, frame), frame.env, frame.evaluating))
        through = [(env, modes) for end, env, modes in ends if end is not _STOP]
        if not through:
            frame.env, frame.evaluating = ends[-1][1], ends[-1][2]
            return _STOP
        frame.env = through[0][0] if len(through) == 1 else self._merge_envs([env for env, _ in through], stmt)
        frame.evaluating = _in_every([modes for _, modes in through])
        return None

    def _merge_envs(self, envs: list, stmt: ast.stmt) -> dict:
        merged = dict(envs[0])
        line = stmt.lineno
        for env in envs[1:]:
            for name, value in env.items():
                if name not in merged or merged[name] is value:
                    merged[name] = value
                elif not _same(merged[name], value):
                    merged[name] = Unknown(self.source.loc(stmt), text=name, why=
                                           f"`{name}` differs between the branches at line {line}")
        return merged

    def _assign(self, target: ast.AST, value, frame: Frame) -> None:
        if isinstance(target, ast.Name):
            frame.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            if isinstance(value, Items) and len(value.items) == len(elts) and \
                    not any(isinstance(e, ast.Starred) for e in elts):
                for elt, item in zip(elts, value.items):
                    self._assign(elt, item, frame)
            else:
                for elt in elts:
                    inner = elt.value if isinstance(elt, ast.Starred) else elt
                    self._assign(inner, self._u(inner), frame)
        elif isinstance(target, ast.Attribute):
            base = self._eval(target.value, frame)
            if isinstance(base, Instance) and base is frame.self_value and getattr(frame.func, "name", "") == "__init__":
                base.attrs[target.attr] = value
        elif isinstance(target, ast.Starred):
            self._assign(target.value, value, frame)

    def _expression_statement(self, node: ast.expr, frame: Frame) -> None:
        # layers.append(nn.Linear(...)) / layers.extend([...]): the list grows
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.attr in ("append", "extend"):
            name = node.func.value.id
            current = frame.env.get(name)
            if isinstance(current, Items):
                added = [self._eval(a, frame) for a in node.args[:1]]
                if node.func.attr == "extend":
                    added = list(added[0].items) if added and isinstance(added[0], Items) else \
                        [self._u(node)]
                if frame.loop:   # appended in a loop: how many times is not known
                    added = [self._u(node), *added]
                frame.env[name] = Items(current.items + tuple(added))
                return
        self._eval(node, frame)

    # ------------------------------------------------------------------ expressions

    def _eval(self, node: ast.AST, frame: Frame, depth: int = 0):
        if depth > MAX_EXPRESSION_DEPTH:
            return self._u(node)
        depth += 1
        if isinstance(node, ast.Constant):
            return Literal(node.value)
        if isinstance(node, ast.Name):
            return self._name(node, frame)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, frame, depth)
        if isinstance(node, ast.Call):
            return self._call(node, frame, depth)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, frame, depth)
        if isinstance(node, (ast.Tuple, ast.List)):
            items = []
            for elt in node.elts:
                if isinstance(elt, ast.Starred):
                    inner = self._eval(elt.value, frame, depth)
                    if isinstance(inner, Items):
                        items.extend(inner.items)
                        continue
                    return self._u(node)
                items.append(self._eval(elt, frame, depth))
            return Items(tuple(items))
        if isinstance(node, ast.Dict):
            pairs = []
            for key, value in zip(node.keys, node.values):
                evaluated = self._eval(value, frame, depth)
                key_value = literal(key) if key is not None else UNKNOWN
                if key_value is not UNKNOWN:
                    pairs.append((key_value, evaluated))
            return Mapping(tuple(pairs), self.source.loc(node))
        if isinstance(node, ast.BinOp):
            return self._binop(node.left, node.op, node.right, node, frame, depth)
        if isinstance(node, ast.UnaryOp):
            value = literal(node)
            if value is not UNKNOWN:
                return Literal(value)
            self._eval(node.operand, frame, depth)
            return self._u(node)
        if isinstance(node, ast.IfExp):
            training = training_test(node.test)
            if training is not None:
                return self._eval(node.body if training else node.orelse, frame, depth)
            test = self._eval(node.test, frame, depth)
            if isinstance(test, Literal):
                return self._eval(node.body if test.value else node.orelse, frame, depth)
            body, orelse = self._eval(node.body, frame, depth), self._eval(node.orelse, frame, depth)
            if _same(body, orelse):
                return body
            return self._u(node, f"`{self.source.shown(node)}` differs between its branches")
        if isinstance(node, ast.NamedExpr):
            value = self._eval(node.value, frame, depth)
            self._assign(node.target, value, frame)
            return value
        if isinstance(node, (ast.Await, ast.YieldFrom)):
            return self._eval(node.value, frame, depth)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            saved = frame.env
            frame.env = dict(saved)
            for generator in node.generators:
                self._eval(generator.iter, frame, depth)
                self._assign(generator.target, self._u(generator.target), frame)
            for part in ((node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,)):
                self._eval(part, frame, depth)
            frame.env = saved
            return self._u(node)
        if isinstance(node, (ast.BoolOp, ast.Compare)):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self._eval(child, frame, depth)
            return self._u(node)
        if isinstance(node, ast.Lambda):
            return FuncRef(node, closure=frame)
        return self._u(node)

    def _name(self, node: ast.Name, frame: Frame):
        name = node.id
        value = frame.env.get(name)
        if isinstance(value, _Lazy):
            value = self._resolve_param(frame, value)
            frame.env[name] = value
        if value is not None:
            return value
        if frame.closure is not None:
            return self._name(node, frame.closure)
        if frame.env is not self.module_env and name in self.module_env:
            return self.module_env[name]
        qualified = self.source.imports.names.get(name)
        if qualified is not None:
            return Qualified(qualified)
        if name in self.classes:
            return ClassRef(self.classes[name])
        if name in ("getattr", "super", "sum"):
            return Qualified(name)
        starred = self._star_imported(name)
        if starred is not None:
            return Qualified(starred)
        return Unknown(self.source.loc(node), text=name)

    def _star_imported(self, name: str) -> str | None:
        """``Linear`` after ``from torch.nn import *``: the qualified name, when lint's tables
        (losses, activations, ``modules:``) or this reader know it."""
        for module in self.source.imports.stars:
            qualified = canonical(f"{module}.{name}")
            if qualified in READER_NAMES or self.tables.loss_entry(qualified) is not None or \
                    self.tables.activation(qualified) is not None or \
                    qualified.startswith("torch.nn.") and name in self.data.modules:
                return qualified
        return None

    def _qualified(self, node: ast.AST) -> str | None:
        """The dotted name an expression means through the imports (star imports too)."""
        qualified = self.source.qualified(node)
        if qualified is None and isinstance(node, ast.Name) and self.source.imports.stars:
            return self._star_imported(node.id)
        return qualified

    def _attribute(self, node: ast.Attribute, frame: Frame, depth: int):
        base = self._eval(node.value, frame, depth)
        attr = node.attr
        if isinstance(base, Qualified):
            return Qualified(canonical(f"{base.name}.{attr}"))
        if isinstance(base, Instance):
            if attr in base.attrs:
                return base.attrs[attr]
            found = self._find_method(base.cls, attr)
            if found is not None:
                return FuncRef(found[0], found[1], base)
            return self._u(node)
        if isinstance(base, ClassRef):
            found = self._find_method(base.info, attr)
            if found is not None:
                return FuncRef(found[0], found[1], None)
        if isinstance(base, Unknown):
            return self._u(node, base.why)
        return self._u(node)

    def _subscript(self, node: ast.Subscript, frame: Frame, depth: int):
        base = self._eval(node.value, frame, depth)
        index_node = node.slice
        at = self.source.loc(node)
        if isinstance(base, Eye):
            labels = Labels("one_hot", at, base.classes, base.at if base.classes else None)
            self._eval(index_node, frame, depth)
            return Tensor(unknown=self._u(node), labels=labels)
        if isinstance(index_node, ast.Slice):
            bounds = [literal(part) if part is not None else None for part in
                      (index_node.lower, index_node.upper, index_node.step)]
            if isinstance(base, Chain) and all(b is None or isinstance(b, int) for b in bounds):
                return Chain(base.layers[slice(*bounds)], at, node)
            if isinstance(base, Items) and all(b is None or isinstance(b, int) for b in bounds):
                return Items(base.items[slice(*bounds)])
        index = self._eval(index_node, frame, depth)
        key = index.value if isinstance(index, Literal) else UNKNOWN
        if isinstance(base, (Items, Chain)):
            items = base.items if isinstance(base, Items) else base.layers
            if isinstance(key, int) and not isinstance(key, bool) and -len(items) <= key < len(items):
                return items[key]
            return self._u(node)
        if isinstance(base, Mapping):
            if key is not UNKNOWN:
                for k, v in base.items:
                    if k == key:
                        return v
                return self._u(node)
            if base.items and all(isinstance(v, Loss) for _, v in base.items):
                text = self.source.shown(node)
                return UnknownLoss(text, at, f"`{text}` is chosen from a dict of losses at run time")
            return self._u(node, f"`{self.source.shown(node)}` is looked up at run time")
        if isinstance(base, Tensor):
            return replace(base, units=None, units_at=None, reshaped=True, param=None,
                           labels=replace(base.labels, shape=None, shape_at=None) if base.labels else None)
        if isinstance(base, Unknown):
            return self._u(node, base.why)
        return self._u(node)

    def _binop(self, left_node, op, right_node, node, frame: Frame, depth: int = 0):
        left = self._eval(left_node, frame, depth)
        right = self._eval(right_node, frame, depth)
        if isinstance(left, Items) and isinstance(right, Items) and isinstance(op, ast.Add):
            return Items(left.items + right.items)
        if isinstance(left, Literal) and isinstance(right, Literal):
            value = literal(ast.BinOp(ast.Constant(left.value), op, ast.Constant(right.value))) \
                if isinstance(left.value, (int, float)) and isinstance(right.value, (int, float)) else UNKNOWN
            return Literal(value) if value is not UNKNOWN else self._u(node)
        losses = tuple(c for side in (left, right) if isinstance(side, Tensor) for c in side.losses)
        tensors = [side for side in (left, right) if isinstance(side, Tensor)]
        scalar = [side for side in (left, right) if isinstance(side, Literal)]
        if len(tensors) == 1 and scalar and tensors[0].act == "linear" and isinstance(op, (ast.Mult, ast.Div, ast.Add, ast.Sub)):
            return replace(tensors[0], labels=None, losses=losses)   # logits scaled or shifted: still logits
        return Tensor(unknown=self._u(node), losses=losses)

    # ------------------------------------------------------------------ calls

    def _arguments(self, node: ast.Call, frame: Frame, depth: int):
        args: list = []
        star = False
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                value = self._eval(arg.value, frame, depth)
                if isinstance(value, Items) and not star:
                    args.extend(value.items)
                else:
                    star = True
            else:
                value = self._eval(arg, frame, depth)
                if not star:
                    args.append(value)
        kwargs: dict = {}
        for kw in node.keywords:
            value = self._eval(kw.value, frame, depth)
            kwargs[kw.arg if kw.arg is not None else "**"] = value
        return args, star, kwargs

    def _call(self, node: ast.Call, frame: Frame, depth: int):
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self._eval(func.value, frame, depth)
            args, star, kwargs = self._arguments(node, frame, depth)
            self._record_site(node, frame, args, star, kwargs)
            if isinstance(base, Qualified):
                result = self._qualified_call(canonical(f"{base.name}.{func.attr}"), node, args, star, kwargs, frame)
                changed = node.args[0] if node.args else None          # torch.sigmoid_(out)
            else:
                result = self._method_call(base, func.attr, node, args, star, kwargs, frame)
                changed = func.value                                    # out.sigmoid_()
            if self._in_place(func.attr) and isinstance(result, Tensor) and changed is not None and \
                    not isinstance(changed, ast.Starred):
                self._assign(changed, result, frame)
            return result
        callee = self._eval(func, frame, depth)
        args, star, kwargs = self._arguments(node, frame, depth)
        self._record_site(node, frame, args, star, kwargs)
        return self._call_value(callee, node, args, star, kwargs, frame)

    def _in_place(self, attr: str) -> bool:
        """``sigmoid_``, ``softmax_``, ``squeeze_``: a method that changes the tensor it is called on."""
        if not attr.endswith("_") or attr.endswith("__"):
            return False
        plain = attr[:-1]
        return plain in IN_PLACE_SHAPES or self.tables.activation(plain) not in (None, "linear")

    def _record_site(self, node, frame: Frame, args, star, kwargs) -> None:
        if frame.main and id(node) in self.site_ids and id(node) not in self.site_args:
            self.site_args[id(node)] = (args, star, kwargs)

    def _call_value(self, callee, node: ast.Call, args, star, kwargs, frame: Frame):
        if isinstance(callee, Qualified):
            return self._qualified_call(callee.name, node, args, star, kwargs, frame)
        if isinstance(callee, (Loss, UnknownLoss)):
            return self._loss_call(callee, node, args, kwargs, frame)
        if isinstance(callee, (Instance, Layer, Chain)):
            if isinstance(callee, Instance):
                if frame.main and not frame.inference:
                    self.instance_sites.setdefault(callee.cls, {}).setdefault(id(node), (node, (args, star, kwargs)))
                result = self._call_instance(callee, node, args, star, kwargs, frame)
            else:
                result = self._apply(callee, _first(args, kwargs, "input"), node, frame)
            if id(callee) in frame.evaluating and isinstance(result, Tensor):
                result = replace(result, evaluated=True)
            return result
        if isinstance(callee, FuncRef) and isinstance(callee.node, ast.Lambda):
            return self._call_lambda(callee, args, kwargs, star, node, frame)
        own = callee.node.name if isinstance(callee, FuncRef) else callee.info.name \
            if isinstance(callee, ClassRef) else None
        if own is not None and self.tables.custom_loss_entry(own) is not None:
            return self._spelled_loss(own, node, args, kwargs, frame)       # def corn_loss(...) of the script
        if isinstance(callee, FuncRef):
            return self._call_function(callee, args, kwargs, star, node, frame.depth)
        if isinstance(callee, ClassRef):
            return self._instantiate(callee.info, args, kwargs, star, node, frame.depth)
        if isinstance(callee, Dynamic):
            return self._u(node, f"`{callee.origin}` is chosen at run time")
        if isinstance(callee, Tensor) and callee.act is None and callee.unknown is not None:
            callee = callee.unknown                         # model = Net().to(device)
        result = self._u(node)
        if isinstance(callee, Unknown) and callee.external:  # a model of another file or library
            holder, own = callee.external
            why = f"`{node.func.id}` is `{callee.origin}`, {holder}" if isinstance(node.func, ast.Name) else \
                f"`{callee.origin}` is {own}"
            result = Unknown(callee.at, node=node, why=why)
        elif isinstance(callee, Unknown) and callee.why:      # the cause stays where it is
            result = Unknown(callee.at, node=node, why=callee.why)
        if frame.main and len(args) >= 2 and isinstance(callee, Unknown):
            return Tensor(unknown=result, losses=(Candidate(node, callee, args),))
        return result

    def _apply(self, module, value, node: ast.AST, frame: Frame):
        """A module applied to a value: the tensor it gives."""
        tensor = _as_tensor(value)
        if isinstance(module, Layer):
            if module.role == "units":
                units = tensor.units if module.keeps_units else module.units
                units_at = tensor.units_at if module.keeps_units else (module.at if module.units else None)
                param = tensor.param if module.keeps_units and tensor.units is None else None
                return Tensor("linear", module.at, module.node, units, units_at, param=param, labels=tensor.labels)
            if module.role == "activation":
                return self._activate(tensor, module.act, module.at, module.node)
            return tensor
        if isinstance(module, Chain):
            for layer in module.layers:
                tensor = _as_tensor(self._apply(layer, tensor, node, frame))
            return tensor
        if isinstance(module, Instance):
            return self._call_instance(module, node, [value], False, {}, frame)
        if isinstance(module, Unknown):
            return module
        if isinstance(module, FuncRef):
            return self._call_function(module, [value], {}, False, node, frame.depth)
        return self._u(node)

    def _call_instance(self, instance: Instance, node: ast.AST, args, star, kwargs, frame: Frame):
        """An object of the file called: its ``forward`` (a model) or ``__call__``."""
        found = self._find_method(instance.cls, "forward" if self._is_model(instance.cls) else "__call__")
        if found is None:
            return self._u(node)
        return self._call_function(FuncRef(found[0], found[1], instance), args, kwargs, star, node, frame.depth)

    def _qualified_call(self, name: str, node: ast.Call, args, star, kwargs, frame: Frame):
        at = self.source.loc(node)
        short = name.rsplit(".", 1)[-1]
        if self._in_place(short):                     # torch.sigmoid_(x) is torch.sigmoid(x), in place
            name, short = name[:-1], short[:-1]
        torch_name = name.startswith(("torch.", "torchvision."))
        if name == "torch.nn.Sequential":
            layers = list(args)
            if len(layers) == 1 and isinstance(layers[0], Mapping):
                layers = [v for _, v in layers[0].items]
            if star:
                layers = [self._u(node), *layers]
            return Chain(tuple(layers), at, node)
        if name in ("collections.OrderedDict", "dict") and args and isinstance(args[0], Items):
            pairs = tuple((p.items[0].value, p.items[1]) for p in args[0].items
                          if isinstance(p, Items) and len(p.items) == 2 and isinstance(p.items[0], Literal))
            return Mapping(pairs, at)
        if torch_name and self.tables.builtin_loss_entry(name) is not None:
            return self._spelled_loss(name, node, args, kwargs, frame)
        imported = foreign_name(name)
        if imported is not None and self.tables.custom_loss_entry(imported) is not None:
            return self._spelled_loss(imported, node, args, kwargs, frame)     # coral_pytorch's corn_loss
        if name == PARTIAL and args and isinstance(args[0], Qualified):
            function = args[0].name                   # partial(F.cross_entropy, label_smoothing=0.1)
            if function.startswith("torch.") and self.tables.builtin_loss_entry(function) is not None and \
                    function.rsplit(".", 1)[-1][:1].islower():
                return self._loss_object(function, node, node.keywords, node.args[1:], node.args[0])
        if name.startswith("torch.nn.") and short[:1].isupper() and short in self.data.modules:
            return self._module(short, node, args, kwargs)
        canonical = self.tables.activation(name) if torch_name else None
        if canonical is not None:
            if short[:1].isupper():
                return Layer("activation", at, node, act=canonical)
            return self._activate(_as_tensor(_first(args, kwargs, "input")), canonical, at, node)
        if name in LOADERS:
            return self._u(node, f"`{self.source.shown(node)}` is read at run time")
        if name in MODEL_WRAPPERS and args:
            return args[0]
        if name == "torch.eye":
            n = args[0].value if args and isinstance(args[0], Literal) else None
            return Eye(n if isinstance(n, int) and not isinstance(n, bool) else None, at)
        if name == "torch.nn.functional.one_hot":
            tensor = _as_tensor(_first(args, kwargs, "tensor"))
            classes = _int(args[1] if len(args) > 1 else kwargs.get("num_classes"))
            labels = Labels("one_hot", at, classes, at if classes else None)
            return replace(tensor, labels=labels, unknown=tensor.unknown or self._u(node), act=None,
                           param=None, losses=())
        if name in ("torch.argmax",):
            return self._method_call(_first(args, kwargs, "input"), "argmax", node, args[1:], star, kwargs, frame)
        if name in ("torch.flatten", "torch.squeeze", "torch.unsqueeze", "torch.reshape") and args:
            return self._method_call(args[0], short, node, args[1:], star, kwargs, frame)
        if name == "getattr":
            target = args[0] if args else None
            if isinstance(target, Qualified):
                return Dynamic(self.source.shown(node), at)
            return self._u(node, f"`{self.source.shown(node)}` is chosen at run time")
        if name == "super" and frame.cls is not None:
            return SuperRef(frame.cls, frame.self_value)
        if name == "sum" and args and isinstance(args[0], Tensor):
            return args[0]
        if name.startswith("torch.nn.") and short[:1].isupper():
            return self._u(node, f"`{self.source.shown(node)}` is a module lint does not read")
        if name.startswith("torchvision.models."):
            clause = "whose layers lint does not read"
            return Unknown(at, node=node, external=(clause, f"a torchvision model, {clause}"))
        root = name.split(".")[0]
        if "." in name and root not in ("torch", "torchvision") and root not in sys.stdlib_module_names:
            clause = f"imported from `{root}`: lint reads one file at a time"
            return Unknown(at, node=node, external=(clause, clause))
        return self._u(node)

    def _spelled_loss(self, name: str, node: ast.Call, args, kwargs, frame: Frame):
        """A call of a name the loss tables spell: a loss module built (a class, ``nn.MSELoss()``),
        or a loss function applied to a prediction and a target (``F.mse_loss(out, y)``)."""
        if name.rsplit(".", 1)[-1][:1].isupper():
            return self._loss_object(name, node, node.keywords, node.args)
        loss = self._loss_object(name, node, node.keywords, node.args[2:], node.func)
        return self._loss_call(loss, node, args, kwargs, frame)

    def _module(self, short: str, node: ast.Call, args, kwargs):
        spec = self.data.modules[short]
        at = self.source.loc(node)
        role = spec["role"]
        if role == "wrapper":
            return args[0] if args else self._u(node)
        if role == "activation":
            return Layer("activation", at, node, act=spec["activation"])
        if role == "units":
            units_spec = spec.get("units")
            if units_spec == "input":
                return Layer("units", at, node, keeps_units=True)
            units = None
            if isinstance(units_spec, list):
                name, position = units_spec
                if name in kwargs:
                    units = _int(kwargs[name])
                elif position < len(args):
                    units = _int(args[position])
            return Layer("units", at, node, units=units)
        return Layer("passthrough", at, node)

    def _loss_object(self, name: str, node: ast.Call, keywords: list, extra: list, function: ast.AST | None = None) -> Loss:
        """A loss as lint spells it: literal keyword arguments kept; a non-literal one the loss's
        meaning depends on makes it not followed. ``node`` builds the loss (``nn.NLLLoss(...)``)
        or calls a loss ``function`` (``F.nll_loss(out, y)``, ``partial(F.nll_loss, ...)``);
        ``extra`` are its positional arguments past the prediction and target."""
        entry = self.tables.loss_entry(name)
        at = self.source.loc(node)
        spelled = name.replace("torch.nn.functional.", "F.").replace("torch.nn.", "nn.")
        family = (self.data.catalog.get(entry["loss"]) or {}).get("family")
        parts = []
        unread = None
        for keyword in keywords:
            if keyword.arg is None:
                if entry["params"]:
                    unread = f"`**{self.source.shown(keyword.value)}`"
                continue
            value = literal(keyword.value)
            if value is UNKNOWN:
                if keyword.arg in LINT_PARAMS and keyword.arg in entry["params"]:
                    unread = f"`{keyword.arg}={self.source.shown(keyword.value)}`"
                continue
            if keyword.arg in ("input", "target", "inputs", "targets"):
                continue
            parts.append(f"{keyword.arg}={value!r}")
        # as the script writes it: the module built, or the function with its literal keywords
        text = self.source.shown(node) if function is None else \
            self.source.shown(function) + (f"({', '.join(parts)})" if parts else "")
        if extra and entry["params"] and unread is None:
            unread = "its positional arguments"
        if unread is not None:
            reason = NotFollowed(f"the loss `{text}` depends on {unread}, which lint cannot follow", at, "loss")
            return Loss(None, at, text, family, reason)
        spelling = f"{spelled}({', '.join(parts)})" if parts else spelled
        return Loss(spelling, at, text, family)

    def _loss_call(self, loss, node: ast.Call, args, kwargs, frame: Frame):
        """A loss applied to a prediction and a target: a wiring (in a function's own evaluation)."""
        prediction = args[0] if args else kwargs.get("input", kwargs.get("inputs"))
        evaluated = isinstance(prediction, Tensor) and prediction.evaluated
        if frame.main and not frame.inference and not evaluated and id(node) not in self.found:
            target = args[1] if len(args) > 1 else kwargs.get("target", kwargs.get("targets"))
            pred_node = argument(node, "input", 0) or argument(node, "inputs", 0)
            self.found[id(node)] = self._wiring(loss, node, prediction, target, pred_node)
        return Tensor(unknown=self._u(node))

    def _wiring(self, loss, node: ast.Call, prediction, target, pred_node) -> Wiring:
        wiring = Wiring(FRAMEWORK, self.source.loc(node))
        callee = self.source.shown(node.func)
        family = None
        if isinstance(loss, Loss):
            family = loss.family
            wiring.loss_at, wiring.loss_text = loss.at, loss.text
            if loss.spelling is not None:
                wiring.loss = loss.spelling
            if loss.not_followed is not None:
                wiring.not_followed.append(loss.not_followed)
        else:
            wiring.not_followed.append(NotFollowed(_reason("the loss", callee, loss), loss.at if loss else wiring.at,
                                                   "loss"))
        starred = next((a for a in node.args[:1] if isinstance(a, ast.Starred)), None)
        shown = self.source.shown(pred_node if pred_node is not None else starred) \
            if pred_node is not None or starred is not None else "?"
        tensor = _as_tensor(prediction) if prediction is not None else Tensor(unknown=Unknown(wiring.at, text=shown))
        if tensor.act is not None:
            wiring.activation, wiring.activation_at, wiring.activation_text = (
                tensor.act, tensor.act_at, shown_text(tensor.act_node) if tensor.act_node else None)
            wiring.units, wiring.units_at = tensor.units, tensor.units_at
        else:
            unknown = tensor.unknown or Unknown(wiring.at, text=shown)
            wiring.not_followed.append(NotFollowed(_reason("the prediction", shown, unknown), unknown.at, "activation"))
        labels = _as_tensor(target).labels if target is not None else None
        if labels is not None:
            kind = labels.kind
            if kind == "one_hot":
                wiring.labels, wiring.labels_at = "one_hot", labels.at
            elif family == "multiclass" and kind == "integer":
                wiring.labels, wiring.labels_at = "integer", labels.at
            elif family == "multiclass" and kind in ("probabilities", "float"):
                wiring.labels, wiring.labels_at = "probabilities", labels.at
            if labels.classes is not None:
                wiring.classes, wiring.classes_at = labels.classes, labels.classes_at
            if labels.shape is not None and not tensor.reshaped:
                wiring.target_shape, wiring.target_at = labels.shape, labels.shape_at
        return wiring

    def _method_call(self, base, attr: str, node: ast.Call, args, star, kwargs, frame: Frame):
        if isinstance(base, (Instance, Layer, Chain)) and attr in ("eval", "train"):
            # model.eval() / model.train(False): this model's predictions are evaluation from here on
            off = attr == "eval" or bool(args and isinstance(args[0], Literal) and not args[0].value)
            (frame.evaluating.add if off else frame.evaluating.discard)(id(base))
        if isinstance(base, SuperRef):
            for base_node in base.owner.bases:
                if isinstance(base_node, ast.Name) and base_node.id in self.classes:
                    found = self._find_method(self.classes[base_node.id], attr)
                    if found is not None:
                        return self._call_function(FuncRef(found[0], found[1], base.bound), args, kwargs, star,
                                                   node, frame.depth)
            return Literal(None) if attr == "__init__" else self._u(node)
        if isinstance(base, (Instance, Layer, Chain, Loss, UnknownLoss)) and (attr in MOVING or attr in FLOAT_METHODS):
            return base         # moved or cast: the same module
        if attr == "forward" and (isinstance(base, (Loss, UnknownLoss, Layer, Chain)) or
                                  isinstance(base, Instance) and self._is_model(base.cls)):
            return self._call_value(base, node, args, star, kwargs, frame)     # module.forward(x) is module(x)
        if isinstance(base, Instance):
            if attr in base.attrs:
                return self._call_value(base.attrs[attr], node, args, star, kwargs, frame)
            found = self._find_method(base.cls, attr)
            if found is not None:
                return self._call_function(FuncRef(found[0], found[1], base), args, kwargs, star, node, frame.depth)
            return self._u(node)
        if isinstance(base, ClassRef):
            found = self._find_method(base.info, attr)
            if found is not None:
                bound = args[0] if attr == "__init__" and args else None
                return self._call_function(FuncRef(found[0], found[1], bound), args[1:] if bound is not None else args,
                                           kwargs, star, node, frame.depth)
            return self._u(node)
        if isinstance(base, Mapping) and attr == "get" and args and isinstance(args[0], Literal):
            for key, value in base.items:
                if key == args[0].value:
                    return value
            return self._u(node)
        if isinstance(base, (Tensor, Unknown)):
            if attr in BACKWARD and not isinstance(base, Tensor) and args:
                self._backward(args[0], frame)      # accelerator.backward(loss)
                return Literal(None)
            return self._tensor_method(base, attr, node, args, kwargs, frame)
        return self._u(node)

    def _tensor_method(self, base, attr: str, node: ast.Call, args, kwargs, frame: Frame):
        tensor = _as_tensor(base)
        at = self.source.loc(node)
        labels = tensor.labels or Labels()
        if attr == "backward":
            self._backward(tensor, frame)
            return Literal(None)
        if attr in REDUCING and tensor.losses:
            return Tensor(unknown=self._u(node), losses=tensor.losses)
        if self._in_place(attr):
            attr = attr[:-1]
        canonical = self.tables.activation(attr)
        if canonical is not None and canonical != "linear":
            return self._activate(tensor, canonical, at, node)
        if attr in LONG_METHODS or attr == "argmax":
            kind = "one_hot" if labels.kind == "one_hot" and attr != "argmax" else "integer"
            new = replace(labels, kind=kind, at=labels.at if kind == "one_hot" else at)
            if attr == "argmax":
                new = replace(new, shape=None, shape_at=None)
                return Tensor(unknown=self._u(node), labels=new)
            return replace(tensor, labels=new)
        if attr in FLOAT_METHODS:
            if labels.kind in ("one_hot", "probabilities"):
                return tensor
            return replace(tensor, labels=replace(labels, kind="float", at=at))
        if attr in MOVING:
            dtype = self._dtype(args, kwargs)
            if dtype == "long" and labels.kind != "one_hot":
                return replace(tensor, labels=replace(labels, kind="integer", at=at))
            if dtype == "float" and labels.kind not in ("one_hot", "probabilities"):
                return replace(tensor, labels=replace(labels, kind="float", at=at))
            return tensor
        if attr in FLATTENING or attr in RESHAPING or attr == "unsqueeze":
            shape = _shape_after(attr, args)
            new_labels = replace(labels, shape=shape, shape_at=at if shape else None)
            return replace(tensor, reshaped=True, units=tensor.units if attr == "squeeze" else None,
                           units_at=tensor.units_at if attr == "squeeze" else None,
                           param=tensor.param if tensor.act is None else None, labels=new_labels)
        if attr in REORDERING:
            return replace(tensor, reshaped=True, labels=replace(labels, shape=None, shape_at=None))
        return Tensor(unknown=self._u(node))

    def _activate(self, tensor: Tensor, canonical: str, at: Loc, node: ast.AST) -> Tensor:
        """An activation applied: the output activation from here; one whose range is the
        simplex (softmax) makes the tensor usable as probability targets too."""
        labels = tensor.labels
        if self.data.activations[canonical]["range"] == "simplex":
            labels = replace(labels or Labels(), kind="probabilities", at=at)
        return Tensor(canonical, at, node, tensor.units, tensor.units_at, param=tensor.param,
                      reshaped=tensor.reshaped, labels=labels, evaluated=tensor.evaluated)

    def _dtype(self, args, kwargs) -> str | None:
        for value in [*args, *kwargs.values()]:
            if isinstance(value, Qualified):
                if value.name in LONG_DTYPES:
                    return "long"
                if value.name in FLOAT_DTYPES:
                    return "float"
        return None

    def _backward(self, value, frame: Frame) -> None:
        """The value is back-propagated: an unknown callable that made it is a loss not followed."""
        if not frame.main or frame.inference:
            return
        values = [v for _, v in value.items] if isinstance(value, Mapping) else [value]
        for item in values:
            if not isinstance(item, Tensor):
                continue
            for candidate in item.losses:
                if id(candidate.node) in self.found:
                    continue
                args, callee = candidate.args, candidate.callee
                self.found[id(candidate.node)] = self._wiring(
                    UnknownLoss(callee.origin, callee.at, callee.why), candidate.node, args[0], args[1],
                    argument(candidate.node, "input", 0))


# ----------------------------------------------------------------------------- helpers


def _same_wiring(wiring: Wiring) -> tuple:
    """What makes two wirings one finding: the same prediction (activation and units, where they
    are) reaching the same loss with the same labels and notes. A model and loss called from both
    ``training_step`` and ``validation_step``, or a criterion called twice in mixup, is one wiring."""
    return (wiring.loss, wiring.loss_at, wiring.activation, wiring.activation_at, wiring.units, wiring.units_at,
            wiring.labels, wiring.classes, wiring.target_shape, wiring.output, tuple(wiring.not_followed))


def _in_every(sets: list) -> set:
    """The models in evaluation mode on every path that falls through (a fresh set)."""
    common = set(sets[0])
    for other in sets[1:]:
        common &= other
    return common


def _reason(part: str, shown: str, unknown) -> str:
    """``the prediction `out` comes from `self.head(x)`, which lint cannot follow``."""
    origin, why = unknown.origin, unknown.why
    head = f"{part} `{shown}`"
    if origin != shown:
        head += f" comes from `{origin}`"
        return f"{head}: {why}" if why else f"{head}, which lint cannot follow"
    if why and why.startswith(f"`{shown}` "):
        return f"{part} {why}"              # the loss `criterion` is a parameter of train() ...
    return f"{head}: {why}" if why else f"{head} cannot be followed"


def _as_tensor(value) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Unknown):
        return Tensor(unknown=value)
    if isinstance(value, Items):
        return Tensor(unknown=Unknown(Loc(1, 1), text="(...)", why="it is a tuple or list, not one tensor"))
    return Tensor(unknown=Unknown(Loc(1, 1), text=type(value).__name__.lower()))


def _substitute(result, markers: dict):
    """A function's result with the caller's values for its input parameters."""
    if isinstance(result, Items):
        return Items(tuple(_substitute(item, markers) for item in result.items))
    if not isinstance(result, Tensor) or result.param is None or result.param not in markers:
        return result
    actual = _as_tensor(markers[result.param])
    if result.act is None:
        return replace(actual, reshaped=actual.reshaped or result.reshaped, labels=result.labels or actual.labels)
    if result.units is None:
        return replace(result, units=actual.units, units_at=actual.units_at, param=actual.param)
    return replace(result, param=None)


def _same(a, b) -> bool:
    if a is b or a == b:
        return True
    if isinstance(a, Loss) and isinstance(b, Loss):
        return a.spelling == b.spelling and a.not_followed is None and b.not_followed is None
    return False


def _first(args: list, kwargs: dict, name: str):
    if args:
        return args[0]
    return kwargs.get(name)


def _int(value) -> int | None:
    """A positive int literal's value (units, classes), else None."""
    return positive_int(value.value) if isinstance(value, Literal) else None


def _shape_after(attr: str, args: list) -> str | None:
    """The target shape a reshaping method gives: "(N,)", "(N, 1)" or None."""
    values = [a.value if isinstance(a, Literal) else UNKNOWN for a in args]
    if len(args) == 1 and isinstance(args[0], Items):          # view((-1, 1))
        values = [a.value if isinstance(a, Literal) else UNKNOWN for a in args[0].items]
    if attr in ("flatten", "ravel"):
        return "(N,)" if values in ([], [0]) else None
    if attr == "squeeze":
        return "(N,)" if values in ([], [1], [-1]) else None
    if attr == "unsqueeze":
        return "(N, 1)" if values in ([1], [-1]) else None
    if len(values) == 1:
        return "(N,)"
    if len(values) == 2 and values[1] == 1:
        return "(N, 1)"
    return None


def _params(arguments: ast.arguments) -> list:
    return [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]


def _default(arguments: ast.arguments, name: str):
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults = arguments.defaults
    for arg, default in zip(positional[len(positional) - len(defaults):], defaults):
        if arg.arg == name:
            return default
    for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if arg.arg == name:
            return default
    return None


def _decorator_names(node) -> list:
    names = []
    for decorator in getattr(node, "decorator_list", []):
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        names.append(target)
    return names


def _is_static(node) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in _decorator_names(node))


def _is_classmethod(node) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "classmethod" for d in _decorator_names(node))


def _decorated_grad_off(node, qualify) -> bool:
    return any(qualify(d) in GRAD_OFF[:2] for d in _decorator_names(node))


def _grad_off(expr: ast.AST, qualify) -> bool:
    """``torch.no_grad()``, ``torch.inference_mode()``, ``torch.set_grad_enabled(False)``."""
    if not isinstance(expr, ast.Call):
        return False
    name = qualify(expr.func)
    if name in GRAD_OFF[:2]:
        return True
    return name == GRAD_OFF[2] and bool(expr.args) and literal(expr.args[0]) is False


def _pattern_names(pattern: ast.AST) -> list:
    return [n.name for n in ast.walk(pattern) if isinstance(getattr(n, "name", None), str)] + \
        [n.rest for n in ast.walk(pattern) if isinstance(getattr(n, "rest", None), str)]
