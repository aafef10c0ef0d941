"""Keras training scripts read statically: which model output reaches which compiled loss.

One pass over the parsed file (:class:`~lossadvisor.lint.pysource.Source`), statement by
statement, binding each name to what it holds: a Keras layer, a model (``Sequential`` with its
layers, a functional ``Model(inputs, outputs)`` with the tensor chain of its outputs, or a
subclass of ``keras.Model`` read from its ``__init__`` and ``call``), a loss, or the labels
(``to_categorical``, ``np.argmax``, a ``keras.datasets`` set's labels as rules/lint.yaml
``datasets:`` gives them, a ``tf.data.Dataset`` of (features, labels)). A function of the
script is followed where it is called, with the arguments it is given (``model = build_model(10)``);
one never called is read once with its parameters unknown, so a ``main()`` is read too.

Each ``model.compile(loss=...)`` (or ``compile(**cfg)`` with a dict of the file) is one wiring
per output it pairs, named after the output when there are several: the model's output layer
(read back through passthrough layers and a trailing ``Activation``/``Softmax`` layer, by
rules/lint.yaml ``layers:``), the loss, and the labels the same model's ``fit`` gives that
output, and whether its ``fit`` gives ``class_weight`` (one weight per sample). A name a function rebinds through ``global`` is not followed. What lint
cannot follow (a model loaded from a file, a custom loss, a ``from_logits`` that is not a
literal) is a :class:`~lossadvisor.lint.pysource.NotFollowed` naming it; labels that cannot be
followed are not stated.

Bounded: every function is evaluated at most :data:`MAX_EVALUATIONS` times, calls are followed
:data:`MAX_CALL_DEPTH` deep, and a walk back from an output stops after :data:`MAX_WALK` steps.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from lossadvisor.lint.kerasfile import layer_units
from lossadvisor.lint.pysource import (
    MAX_SHOWN, TRY_STATEMENTS, UNKNOWN, NotFollowed, Source, TableLookup, Wiring, argument, foreign_name, hashable,
    known_loss, literal, positive_int, shown_text, statements, training_test,
)
from lossadvisor.lint.spellings import LintData
from lossadvisor.textutil import suggest

FRAMEWORK = "keras"
INPUT = object()        # the input of a functional model, reached walking back from an output
MISSING = object()      # a name one branch of a conditional does not bind
MAX_CALL_DEPTH = 8      # script functions followed inside one another
MAX_EVALUATIONS = 8     # evaluations of one function with different arguments; later calls reuse the last
MAX_WALK = 200          # steps walked back from a model's output
MAX_BASES = 8           # script base classes searched for a method
FIT_CLASS_WEIGHT_POSITION = 9   # keras.Model.fit(x, y, batch_size, epochs, verbose, callbacks,
                                # validation_split, validation_data, shuffle, class_weight, ...)

# Array methods that keep what the labels are (integers stay integers, one-hot stays one-hot).
LABEL_PRESERVING_METHODS = frozenset({"astype", "reshape", "flatten", "squeeze", "ravel", "copy", "numpy",
                                      "to_numpy", "values"})
ARGMAX_NAMES = frozenset({"numpy.argmax", "keras.ops.argmax", "tf.argmax", "tf.math.argmax"})
ARRAY_NAMES = frozenset({"numpy.array", "numpy.asarray", "tf.convert_to_tensor", "keras.ops.convert_to_tensor"})
SPLIT_NAME = "sklearn.model_selection.train_test_split"
SLICES_NAME = "tf.data.Dataset.from_tensor_slices"
# tf.data.Dataset methods that keep each element's labels as they are; any other (`map`) may change them.
DATASET_KEEPING_METHODS = frozenset({"batch", "shuffle", "prefetch", "cache", "repeat", "take", "skip",
                                     "padded_batch", "with_options"})


# ----------------------------------------------------------------- what a name can hold


@dataclass(eq=False)
class Const:
    """A literal value (``10``, ``"softmax"``, ``None``)."""

    value: object
    node: ast.AST


@dataclass(eq=False)
class Ref:
    """A name imported from a module, not called: ``keras.losses.categorical_crossentropy``."""

    qualified: str
    node: ast.AST


@dataclass(eq=False)
class Layer:
    """A Keras layer object: ``spec`` is its rules/lint.yaml ``layers:`` entry (None: not known)."""

    cls: str
    spec: dict | None
    call: ast.Call
    args: dict          # id(argument node) -> its value


@dataclass(eq=False)
class ActivationStep:
    """An activation function applied to a tensor: ``keras.activations.softmax(x)``."""

    spelled: object     # the function's value (a Ref)
    node: ast.AST


@dataclass(eq=False)
class Tensor:
    """A symbolic tensor of the functional API: the step that produced it (a Layer, a Model, an
    ActivationStep; None for a model input) applied to ``source``."""

    step: object
    source: object
    node: ast.AST


@dataclass(eq=False)
class Model:
    """A Keras model: a Sequential's ``layers`` [(value, node)], or a functional model's
    ``outputs``, or a subclass ``cls`` of keras.Model (read from ``__init__`` and ``call``)."""

    node: ast.AST
    layers: list | None = None
    outputs: object = None
    outputs_node: ast.AST | None = None
    cls: ClassInfo | None = None
    ctor: tuple | None = None           # (call node, argument values) of a subclass
    attrs: dict = field(default_factory=dict)
    fits: list = field(default_factory=list)
    class_weights: list = field(default_factory=list)   # per fit: (whether it gives class_weight, node)
    read: list | None = None            # the outputs, once read
    blocks: int = 0                     # how many conditionals it was made in


@dataclass(eq=False)
class Instance:
    """An object of a script class that is not a model."""

    cls: ClassInfo
    attrs: dict = field(default_factory=dict)


@dataclass(eq=False)
class Function:
    """A function of the script, with the scope it was defined in and its parameter defaults."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    scope: Scope
    defaults: dict


@dataclass(eq=False)
class ClassInfo:
    """A class of the script: its methods, script base classes, and whether it is a Keras model
    or a Keras loss."""

    node: ast.ClassDef
    methods: dict
    bases: list
    is_model: bool
    is_loss: bool
    instance: object = None     # the last object made of it


@dataclass(eq=False)
class Param:
    """A parameter of a function read without its arguments."""

    name: str
    function: str


@dataclass(eq=False)
class Items:
    """A tuple or list: its values and their nodes."""

    values: list
    nodes: list


@dataclass(eq=False)
class Mapping:
    """A dict with literal keys: [(key, value, node)]."""

    entries: list


@dataclass(eq=False)
class Opaque:
    """The result of a call lint does not follow (``load_model(path)``)."""

    node: ast.AST


@dataclass(eq=False)
class Branches:
    """A name the branches of a conditional set differently."""

    stmt: ast.stmt


@dataclass(eq=False)
class Labels:
    """Labels as prepared for ``fit``: the rule base's ``labels`` answer and where it shows."""

    kind: str
    node: ast.AST
    classes: int | None = None
    classes_node: ast.AST | None = None
    target_shape: str | None = None


@dataclass(eq=False)
class Dataset:
    """A ``tf.data.Dataset`` of (features, labels) pairs: ``labels`` as prepared (None: not followed)."""

    labels: object


@dataclass(eq=False)
class Loss:
    """A loss as compile() receives it: a spelling lint reads, or what stopped the reader; ``text``
    is how a message shows it (None: the node's source)."""

    node: ast.AST
    spelling: str | None = None
    not_followed: str | None = None
    text: str | None = None


@dataclass
class Output:
    """A model output as read back from its last layers."""

    activation: str | None = None
    activation_node: ast.AST | None = None
    activation_text: str | None = None
    units: int | None = None
    units_node: ast.AST | None = None
    not_followed: list = field(default_factory=list)    # [(what, node)]


@dataclass(eq=False)
class Compile:
    model: object
    receiver: ast.AST
    call: ast.Call
    loss: object
    loss_node: ast.AST


class Scope:
    """The names bound in one function evaluation (or the module), over the enclosing scope."""

    def __init__(self, parent: Scope | None, function: str | None = None):
        self.parent = parent
        self.function = function
        self.names: dict = {}
        self.returns: list = []

    def lookup(self, name: str):
        scope = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name], True
            scope = scope.parent
        return None, False


# ----------------------------------------------------------------- the reader


def wirings(source: Source, data: LintData) -> list[Wiring]:
    """Every compiled loss of a Keras script paired with the model output it trains."""
    return _Reader(source, data).read()


class _Reader:
    def __init__(self, source: Source, data: LintData):
        self.source = source
        self.data = data
        self.functions: list[Function] = []
        self.classes: list[ClassInfo] = []
        self.evaluations: dict[int, list] = {}      # id(function node) -> [(key, result)]
        self.stack: list[ast.AST] = []
        self.compiles: list[Compile] = []
        self.blocks: list[ast.stmt] = []                # the conditional statements being read
        self.tables = TableLookup(data, FRAMEWORK)      # what lint's tables say of a name
        self.rebound = _rebound_globals(source.tree)    # names functions assign through `global`

    # --- driving

    def read(self) -> list[Wiring]:
        module = Scope(None)
        self.run(self.source.tree.body, module)
        # functions and methods never called: read once with their parameters unknown
        functions_done = classes_done = 0
        while functions_done < len(self.functions) or classes_done < len(self.classes):
            while functions_done < len(self.functions):
                function = self.functions[functions_done]
                functions_done += 1
                if id(function.node) not in self.evaluations:
                    self.invoke(function, None, {}, None)
            while classes_done < len(self.classes):
                cls = self.classes[classes_done]
                classes_done += 1
                if cls.instance is None:
                    cls.instance = Model(cls.node, cls=cls) if cls.is_model else Instance(cls)
                for name in sorted(cls.methods, key=lambda n: n != "__init__"):
                    if id(cls.methods[name].node) not in self.evaluations:
                        self.invoke(cls.methods[name], None, {}, cls.instance)
        found: list[Wiring] = []
        seen: set[int] = set()
        for item in sorted(self.compiles, key=lambda c: (c.call.lineno, c.call.col_offset)):
            if id(item.call) not in seen:
                seen.add(id(item.call))
                found.extend(self.wire(item))
        return found

    # --- statements

    def run(self, body: list, scope: Scope) -> None:
        for stmt in body:
            self.statement(stmt, scope)

    def statement(self, stmt: ast.stmt, scope: Scope) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.names[stmt.name] = self.define(stmt, scope)
        elif isinstance(stmt, ast.ClassDef):
            scope.names[stmt.name] = self.define_class(stmt, scope)
        elif isinstance(stmt, ast.Assign):
            value = self.value(stmt.value, scope)
            for target in stmt.targets:
                self.bind(target, value, scope)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.bind(stmt.target, self.value(stmt.value, scope), scope)
        elif isinstance(stmt, ast.AugAssign):
            self.value(stmt.value, scope)
            self.bind(stmt.target, None, scope)
        elif isinstance(stmt, ast.Expr):
            self.value(stmt.value, scope)
        elif isinstance(stmt, ast.Return):
            scope.returns.append(self.value(stmt.value, scope) if stmt.value is not None else Const(None, stmt))
        elif isinstance(stmt, ast.If):
            self.value(stmt.test, scope)
            training = training_test(stmt.test, bare_name=True)
            if training is True:
                self.run(stmt.body, scope)
            elif training is False:
                self.run(stmt.orelse, scope)
            else:
                self.branches(stmt, [stmt.body, stmt.orelse], scope)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.value(stmt.iter, scope)
            self.bind(stmt.target, None, scope)
            self.run(stmt.body, scope)
            self.run(stmt.orelse, scope)
        elif isinstance(stmt, ast.While):
            self.value(stmt.test, scope)
            self.run(stmt.body, scope)
            self.run(stmt.orelse, scope)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self.value(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, None, scope)
            self.run(stmt.body, scope)
        elif isinstance(stmt, TRY_STATEMENTS):
            self.run(stmt.body, scope)
            for handler in stmt.handlers:
                if handler.name:
                    scope.names[handler.name] = None
                self.run(handler.body, scope)
            self.run(stmt.orelse, scope)
            self.run(stmt.finalbody, scope)
        elif isinstance(stmt, ast.Match):
            self.value(stmt.subject, scope)
            self.branches(stmt, [*(case.body for case in stmt.cases), []], scope)

    def branches(self, stmt: ast.stmt, bodies: list, scope: Scope) -> None:
        """Run each branch from the same names; a name the branches leave different is a
        Branches value afterwards (never the last branch's guess)."""
        before = scope.names
        after = []
        self.blocks.append(stmt)
        try:
            for body in bodies:
                scope.names = dict(before)
                self.run(body, scope)
                after.append(scope.names)
        finally:
            self.blocks.pop()
        merged = {}
        for name in {name for names in after for name in names}:
            values = [names.get(name, MISSING) for names in after]
            first = values[0]
            same = all(v is first or (isinstance(v, Const) and isinstance(first, Const) and v.value == first.value)
                       for v in values)
            merged[name] = first if same else Branches(stmt)
        scope.names = {name: value for name, value in merged.items() if value is not MISSING}

    def define(self, node, scope: Scope, method: bool = False) -> Function:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults = {}
        for param, default in zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=False):
            defaults[param.arg] = self.value(default, scope)
        for param, default in zip(args.kwonlyargs, args.kw_defaults, strict=False):
            if default is not None:
                defaults[param.arg] = self.value(default, scope)
        function = Function(node, scope, defaults)
        if not method:      # a method is read with its object (see read)
            self.functions.append(function)
        return function

    def define_class(self, node: ast.ClassDef, scope: Scope) -> ClassInfo:
        bases = []
        is_model = is_loss = False
        for base in node.bases:
            qualified = self.source.qualified(base)
            value = self.value(base, scope)
            if isinstance(value, ClassInfo):
                bases.append(value)
                is_model = is_model or value.is_model
                is_loss = is_loss or value.is_loss
            elif qualified and qualified.startswith("keras."):
                spec = self.layer_spec(qualified)
                is_model = is_model or (spec is not None and spec["role"] == "model")
                is_loss = is_loss or qualified.startswith("keras.losses.")
        methods = {}
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods[stmt.name] = self.define(stmt, scope, method=True)
        info = ClassInfo(node, methods, bases, is_model, is_loss)
        self.classes.append(info)
        return info

    def bind(self, target: ast.AST, value, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            # a name a function rebinds through `global` holds what lint cannot tell, everywhere
            scope.names[target.id] = None if target.id in self.rebound else value
        elif isinstance(target, (ast.Tuple, ast.List)):
            plain = not any(isinstance(t, ast.Starred) for t in target.elts)
            if isinstance(value, Items) and plain and len(value.values) == len(target.elts):
                for element, item in zip(target.elts, value.values, strict=True):
                    self.bind(element, item, scope)
            else:
                for element in target.elts:
                    self.bind(element.value if isinstance(element, ast.Starred) else element, None, scope)
        elif isinstance(target, ast.Attribute):
            owner = self.value(target.value, scope)
            if isinstance(owner, (Model, Instance)):
                owner.attrs[target.attr] = value

    # --- expressions

    def value(self, node: ast.AST | None, scope: Scope):
        if isinstance(node, ast.Constant):
            return Const(node.value, node)
        if isinstance(node, ast.Name):
            value, bound = scope.lookup(node.id)
            if bound:
                return value
            qualified = self.source.qualified(node)
            return Ref(qualified, node) if qualified else None
        if isinstance(node, ast.Attribute):
            qualified = self.source.qualified(node)
            if qualified is not None and not scope.lookup(_root(node))[1]:
                return Ref(qualified, node)
            return self.member(self.value(node.value, scope), node)
        if isinstance(node, ast.Call):
            return self.call(node, scope)
        if isinstance(node, (ast.Tuple, ast.List)):
            return Items([self.value(e, scope) for e in node.elts], list(node.elts))
        if isinstance(node, ast.Dict):
            entries = []
            for key, item in zip(node.keys, node.values, strict=True):
                entries.append((literal(key) if key is not None else UNKNOWN, self.value(item, scope), item))
            return Mapping(entries)
        if isinstance(node, ast.NamedExpr):
            value = self.value(node.value, scope)
            self.bind(node.target, value, scope)
            return value
        if isinstance(node, ast.Subscript):
            return self.subscript(node, scope)
        if isinstance(node, ast.Lambda):
            return node
        if isinstance(node, ast.Await):
            return self.value(node.value, scope)
        if isinstance(node, (ast.BinOp, ast.BoolOp, ast.Compare, ast.UnaryOp, ast.IfExp, ast.JoinedStr)):
            for child in ast.iter_child_nodes(node):   # calls inside (a fit in a print) still count
                if isinstance(child, ast.expr):
                    self.value(child, scope)
            return None
        return None

    def subscript(self, node: ast.Subscript, scope: Scope):
        base = node.value
        if isinstance(base, ast.Call) and self.source.qualified(base.func) == "numpy.eye" and base.args:
            size = self.value(base.args[0], scope)
            self.value(node.slice, scope)
            classes = positive_int(size.value) if isinstance(size, Const) else None
            return Labels("one_hot", node, classes, base.args[0] if classes else None)
        value = self.value(base, scope)
        index = self.value(node.slice, scope)
        if isinstance(value, Labels):
            return Labels(value.kind, value.node, value.classes, value.classes_node)
        if isinstance(value, Items) and isinstance(index, Const) and isinstance(index.value, int) \
                and -len(value.values) <= index.value < len(value.values):
            return value.values[index.value]
        return None

    def call(self, node: ast.Call, scope: Scope):
        func = node.func
        receiver = self.value(func.value, scope) if isinstance(func, ast.Attribute) else None
        args = {}
        for arg in node.args:
            args[id(arg)] = self.value(arg.value if isinstance(arg, ast.Starred) else arg, scope)
        for kw in node.keywords:
            args[id(kw.value)] = self.value(kw.value, scope)

        def given(name: str, position: int | None = None):
            found = argument(node, name, position)
            return (args.get(id(found)), found) if found is not None else (None, None)

        if isinstance(func, ast.Attribute):
            method = func.attr
            if isinstance(receiver, Model):
                if method == "add" and receiver.layers is not None:
                    if len(self.blocks) > receiver.blocks:     # a layer added under a condition
                        receiver.outputs, receiver.layers = Branches(self.blocks[-1]), None
                    else:
                        receiver.layers.append(given("layer", 0))
                    return None
                if method == "pop" and receiver.layers:
                    receiver.layers.pop()
                    return None
                if method == "compile":
                    self.compile(receiver, func.value, node, given, args)
                    return None
                if method == "fit":
                    labels, labels_node = given("y", 1)
                    features = given("x", 0)[0]
                    if labels_node is None and isinstance(features, Dataset):
                        labels = features.labels
                    receiver.fits.append(labels)
                    receiver.class_weights.append(self.fit_class_weight(node, given))
                    return None
            if isinstance(receiver, (Model, Instance)) and receiver.cls is not None \
                    and method not in receiver.attrs:
                method_function = _method(receiver.cls, method)
                if method_function is not None:
                    return self.invoke(method_function, node, args, receiver)
            if method == "compile" and not isinstance(receiver, (Ref, Const, Labels, Items, Mapping, Layer, Tensor)):
                self.compile(receiver, func.value, node, given, args)
                return None
            if isinstance(receiver, Labels) and method in LABEL_PRESERVING_METHODS:
                return Labels(receiver.kind, receiver.node, receiver.classes, receiver.classes_node)
            if isinstance(receiver, Dataset):
                return Dataset(receiver.labels if method in DATASET_KEEPING_METHODS else None)
            if method == "argmax" and not isinstance(receiver, Ref):
                return Labels("integer", node)
        if isinstance(func, ast.Attribute):
            callee = self.attribute_callee(func, receiver, scope)
        else:
            callee = self.value(func, scope)
            if callee is None and isinstance(func, ast.Name) and func.id == "dict" and not node.args \
                    and all(kw.arg is not None for kw in node.keywords):
                return Mapping([(kw.arg, args[id(kw.value)], kw.value) for kw in node.keywords])
        if isinstance(callee, Ref):
            return self.call_imported(callee.qualified, node, args, given)
        if isinstance(callee, Function):
            return self.invoke(callee, node, args, None)
        if isinstance(callee, ClassInfo):
            if callee.is_model:
                callee.instance = Model(node, cls=callee, ctor=(node, args))
                return callee.instance
            instance = callee.instance = Instance(callee)
            init = _method(callee, "__init__")
            if init is not None:
                self.invoke(init, node, args, instance)
            return instance
        if isinstance(callee, (Layer, Model)):
            return Tensor(callee, given("inputs", 0)[0], node)
        return Opaque(node)

    def attribute_callee(self, func: ast.Attribute, receiver, scope: Scope):
        qualified = self.source.qualified(func)
        if qualified is not None and not scope.lookup(_root(func))[1]:
            return Ref(qualified, func)
        return self.member(receiver, func)

    @staticmethod
    def member(owner, node: ast.Attribute):
        """``owner.name``: an attribute of a script object, or a name of a module held in a variable
        (``fashion = keras.datasets.fashion_mnist``, then ``fashion.load_data``)."""
        if isinstance(owner, (Model, Instance)):
            return owner.attrs.get(node.attr)
        if isinstance(owner, Ref):
            return Ref(f"{owner.qualified}.{node.attr}", node)
        return None

    def call_imported(self, qualified: str, node: ast.Call, args: dict, given):
        """A call of an imported name: a Keras layer or model, a loss, an activation, the labels."""
        if qualified.startswith("keras."):
            spec = self.layer_spec(qualified)
            if spec is not None and spec["role"] == "model":
                return self.build_model(node, given)
            if spec is not None and spec["role"] == "input":
                return Tensor(None, None, node)
            if qualified.startswith("keras.layers."):
                return Layer(qualified.rsplit(".", 1)[1], spec, node, args)
            if qualified.endswith(".to_categorical"):
                classes, classes_node = given("num_classes", 1)
                return self.labels_one_hot(node, classes, classes_node)
            if qualified.startswith("keras.datasets.") and qualified.endswith(".load_data"):
                return self.dataset(qualified, node)
            if qualified.startswith("keras.losses.") and known_loss(qualified, self.data):
                return self.loss_object(qualified, node, given)
        imported = foreign_name(qualified)
        if imported is not None and imported[:1].isupper() and self.tables.custom_loss_entry(imported) is not None:
            # a loss class of another library the catalog spells (CornLoss(num_classes=5))
            return Loss(node, spelling=imported, text=self.call_text(node, ()))
        if qualified in ARGMAX_NAMES:
            return Labels("integer", node)
        if qualified in ARRAY_NAMES:
            return given("object", 0)[0] if node.args else None
        if qualified.endswith(".one_hot") and qualified.split(".")[0] in ("keras", "tf"):
            classes, classes_node = given("depth" if qualified.startswith("tf.") else "num_classes", 1)
            return self.labels_one_hot(node, classes, classes_node)
        if qualified == SLICES_NAME:
            elements = given("tensors", 0)[0]
            pair = isinstance(elements, Items) and len(elements.values) == 2
            return Dataset(elements.values[1] if pair else None)
        if qualified == SPLIT_NAME:
            arrays = [args.get(id(a)) for a in node.args if not isinstance(a, ast.Starred)]
            if len(arrays) == len(node.args):
                return Items([a for a in arrays for _ in (0, 1)], [node] * (2 * len(arrays)))
            return None
        if self.tables.activation(qualified) is not None:
            source, _ = given("x", 0)
            if isinstance(source, Tensor):
                return Tensor(ActivationStep(Ref(qualified, node.func), node), source, node)
            return None
        return Opaque(node)

    @staticmethod
    def fit_class_weight(node: ast.Call, given) -> tuple:
        """(whether a ``fit`` call gives class_weight, where): a literal or a name, its presence is
        the fact (``None`` is none); unknown (None) when ``*args``/``**kwargs`` may carry it."""
        value, found = given("class_weight", FIT_CLASS_WEIGHT_POSITION)
        if found is not None:
            return not (isinstance(value, Const) and value.value is None), found
        unpacked = any(isinstance(a, ast.Starred) for a in node.args) or any(kw.arg is None for kw in node.keywords)
        return (None if unpacked else False), node

    def layer_spec(self, qualified: str) -> dict | None:
        return self.data.layers.get(qualified.rsplit(".", 1)[-1])

    def build_model(self, node: ast.Call, given) -> Model:
        outputs, outputs_node = given("outputs", 1)
        if outputs_node is not None:
            return Model(node, outputs=outputs, outputs_node=outputs_node)
        layers, layers_node = given("layers", 0)
        if layers_node is None:
            return Model(node, layers=[], blocks=len(self.blocks))
        if isinstance(layers, Items):
            return Model(node, layers=list(zip(layers.values, layers.nodes, strict=True)), blocks=len(self.blocks))
        return Model(node, outputs=layers, outputs_node=layers_node)

    def labels_one_hot(self, node: ast.Call, classes, classes_node) -> Labels:
        count = positive_int(classes.value) if isinstance(classes, Const) else None
        return Labels("one_hot", node, count, classes_node if count else None)

    def dataset(self, qualified: str, node: ast.Call):
        name = qualified.split(".")[2] if qualified.count(".") == 3 else None
        spec = self.data.datasets.get(name)
        if spec is None:
            return Opaque(node)
        only_path = all(kw.arg == "path" for kw in node.keywords) and not node.args
        classes = spec["classes"] if only_path else None
        labels = Labels(spec["labels"], node, classes, node if classes else None, spec.get("target_shape"))
        split = Items([None, labels], [node, node])
        return Items([split, split], [node, node])

    def loss_object(self, qualified: str, node: ast.Call, given) -> Loss:
        """``keras.losses.CategoricalCrossentropy(from_logits=True)`` as a spelling lint reads."""
        value, value_node = given("from_logits")
        entry = self.tables.loss_entry(qualified)
        text = self.call_text(node, {"from_logits", *(entry["params"] if entry else ())})
        if value_node is not None:
            if not isinstance(value, Const) or not isinstance(value.value, bool):
                return Loss(node, not_followed=f"the loss `{text}` sets from_logits to "
                                                f"`{self.source.shown(value_node)}`, which is not a literal", text=text)
            return Loss(node, spelling=f"{qualified}(from_logits={value.value})", text=text)
        if node.args or any(kw.arg is None for kw in node.keywords):
            if entry is not None and "from_logits" in entry["params"]:
                return Loss(node, not_followed=f"the loss `{text}` may set from_logits by position or "
                                                "**kwargs, which lint does not read (give from_logits= by keyword)",
                            text=text)
        return Loss(node, spelling=qualified, text=text)

    def invoke(self, function: Function, node: ast.Call | None, args: dict, owner):
        """The value a script function returns for these arguments (None when not followed)."""
        definition = function.node
        if len(self.stack) >= MAX_CALL_DEPTH or definition in self.stack:
            return None
        scope = Scope(function.scope, definition.name)
        parameters = [*definition.args.posonlyargs, *definition.args.args]
        if owner is not None and parameters:
            scope.names[parameters[0].arg] = owner
            parameters = parameters[1:]
        for param in [*parameters, *definition.args.kwonlyargs]:
            found = argument(node, param.arg, None) if node is not None else None
            if found is None and node is not None and param in parameters:
                found = argument(node, param.arg, parameters.index(param))
            if found is not None:
                scope.names[param.arg] = args.get(id(found))
            elif node is not None and param.arg in function.defaults:
                scope.names[param.arg] = function.defaults[param.arg]
            else:
                scope.names[param.arg] = Param(param.arg, definition.name)
        for extra in (definition.args.vararg, definition.args.kwarg):
            if extra is not None:
                scope.names[extra.arg] = None
        key = tuple(v.value if isinstance(v, Const) and hashable(v.value) else id(v) for v in scope.names.values())
        history = self.evaluations.setdefault(id(definition), [])
        for seen_key, result in history:
            if seen_key == key:
                return result
        if len(history) >= MAX_EVALUATIONS:
            return history[-1][1]
        self.stack.append(definition)
        try:
            self.run(definition.body, scope)
        finally:
            self.stack.pop()
        returned = [r for r in scope.returns if not (isinstance(r, Const) and r.value is None)]
        result = returned[0] if returned and all(r is returned[0] for r in returned) else None
        history.append((key, result))
        return result

    def compile(self, model, receiver: ast.AST, node: ast.Call, given, args: dict) -> None:
        loss, loss_node = given("loss", 1)
        if loss_node is None and isinstance(model, Model):
            loss, loss_node = self.unpacked_loss(node, args)
        if loss_node is None or (isinstance(loss, Const) and loss.value is None):
            return
        if not isinstance(model, Model) and argument(node, "loss") is None \
                and not isinstance(loss, Loss) and not (isinstance(loss, Const) and isinstance(loss.value, str)):
            return      # `something.compile(a, b)` of unknown origin: not evidently a Keras compile
        self.compiles.append(Compile(model, receiver, node, loss, loss_node))

    def unpacked_loss(self, node: ast.Call, args: dict):
        """(value, node) of the loss a ``compile(**cfg)`` gives: read from ``cfg`` when it is a dict
        of this file, else a loss not followed naming ``**cfg``; (None, None) when it gives none."""
        for kw in node.keywords:
            if kw.arg is not None:
                continue
            unpacked = args.get(id(kw.value))
            if isinstance(unpacked, Mapping):
                found = [(value, item) for key, value, item in unpacked.entries if key == "loss"]
                if found:
                    return found[-1]
                if all(key is not UNKNOWN for key, _, _ in unpacked.entries):
                    continue        # a dict without a loss
            return Loss(kw.value, not_followed=f"the loss may be given in `**{self.source.shown(kw.value)}`, "
                                               "which is not a dict lint can read"), kw.value
        return None, None

    # --- the model's outputs

    def outputs(self, model, node: ast.AST, depth: int = 0) -> list[tuple[object, Output]]:
        """[(output name or None, its output)] of a model value."""
        if not isinstance(model, Model):
            at = model.node if isinstance(model, Opaque) else node     # a loaded model: the load call
            return [(None, Output(not_followed=[(self.origin(model, node, "model"), at)]))]
        if model.read is None:
            model.read = [(None, Output(not_followed=[("the model is built from itself", model.node)]))]
            model.read = self.read_outputs(model, depth)
        return model.read

    def read_outputs(self, model: Model, depth: int) -> list[tuple[object, Output]]:
        if model.cls is not None:
            return self.subclass_outputs(model, depth)
        if model.layers is not None:
            return [(None, self.walk(reversed(model.layers), model.node, depth, "the Sequential model"))]
        outputs = model.outputs
        if isinstance(outputs, Branches):
            return [(None, Output(not_followed=[(f"layers are added to the model in the branches on line "
                                                 f"{outputs.stmt.lineno}", model.node)]))]
        if isinstance(outputs, Mapping):
            return [(key, self.walk_tensor(value, item, depth)) for key, value, item in outputs.entries]
        if isinstance(outputs, Items) and len(outputs.values) != 1:
            return [(self.output_name(value), self.walk_tensor(value, item, depth))
                    for value, item in zip(outputs.values, outputs.nodes, strict=True)]
        if isinstance(outputs, Items):
            return [(None, self.walk_tensor(outputs.values[0], outputs.nodes[0], depth))]
        return [(None, self.walk_tensor(outputs, model.outputs_node or model.node, depth))]

    def subclass_outputs(self, model: Model, depth: int) -> list[tuple[object, Output]]:
        cls = model.cls
        name = cls.node.name
        call = _method(cls, "call")
        if call is None:
            return [(None, Output(not_followed=[(f"the model class {name} has no call() lint can read", cls.node)]))]
        init = _method(cls, "__init__")
        ctor_node, ctor_args = model.ctor if model.ctor else (None, {})
        if init is not None:
            self.invoke(init, ctor_node, ctor_args, model)
        parameters = [*call.node.args.posonlyargs, *call.node.args.args][1:]
        inputs = {}
        fake = None
        if parameters:
            fake = ast.Call(func=ast.Name(id="call"), args=[ast.Name(id=parameters[0].arg)], keywords=[])
            inputs[id(fake.args[0])] = Tensor(None, None, call.node)
        returned = self.invoke(call, fake, inputs, model)
        if isinstance(returned, Tensor):
            return [(None, self.walk_tensor(returned, call.node, depth))]
        return [(None, Output(not_followed=[(f"{name}.call() does not return a layer's output that lint "
                                             "can follow", call.node)]))]

    def output_name(self, tensor) -> object:
        if isinstance(tensor, Tensor) and isinstance(tensor.step, Layer):
            name = argument(tensor.step.call, "name")
            value = literal(name) if name is not None else UNKNOWN
            return value if isinstance(value, str) else None
        return None

    def walk_tensor(self, tensor, node: ast.AST, depth: int) -> Output:
        def steps():
            current, at = tensor, node
            while isinstance(current, Tensor):
                if current.step is None:
                    yield INPUT, current.node
                    return
                yield current.step, current.node
                at = current.node.args[0] if isinstance(current.node, ast.Call) and current.node.args else current.node
                current = current.source
            yield current, at
        return self.walk(steps(), node, depth, "the model")

    def walk(self, steps, node: ast.AST, depth: int, what: str) -> Output:
        """Read back from the output: an outer activation (layer or function), then the layer
        with units. ``steps`` yields (value, node) from the output towards the input."""
        outer: Output | None = None
        for count, (step, at) in enumerate(steps):
            if count >= MAX_WALK:
                break
            if isinstance(step, ActivationStep):
                read = self.activation_of(step.spelled, step.node, None)
                if read.activation is None:
                    return read
                outer = outer if outer is not None and outer.activation != "linear" else read
                continue
            if isinstance(step, Model):
                if depth >= MAX_CALL_DEPTH:
                    return Output(not_followed=[("models nested too deeply", at)])
                inner = self.outputs(step, at, depth + 1)
                if len(inner) != 1:
                    return Output(not_followed=[(f"the nested model `{self.source.shown(at)}` has several outputs",
                                                 at)])
                found = inner[0][1]
                if outer is not None and outer.activation != "linear":
                    return Output(outer.activation, outer.activation_node, outer.activation_text,
                                  found.units, found.units_node)
                return found
            if step is INPUT or (isinstance(step, Tensor) and step.step is None):
                if outer is not None and outer.activation != "linear":
                    return outer
                return Output(not_followed=[(f"{what} has no layer after its input", at)])
            if not isinstance(step, Layer) or step.spec is None:
                if outer is not None and outer.activation != "linear":
                    return outer
                return Output(not_followed=[(self.origin(step, at, "output layer"), at)])
            role = step.spec["role"]
            if role == "passthrough":
                continue
            if role == "activation":
                read = self.layer_activation(step, step.spec.get("activation_key"), None)
                if read.activation is None:
                    return read
                outer = outer if outer is not None and outer.activation != "linear" else read
                continue
            if role == "model":
                return Output(not_followed=[(self.origin(step, at, "output layer"), at)])
            # role == "units"
            if outer is not None and outer.activation != "linear":
                units, units_node = self.layer_units(step)
                return Output(outer.activation, outer.activation_node, outer.activation_text, units, units_node)
            read = self.layer_activation(step, step.spec.get("activation", "activation"),
                                         step.spec.get("default_activation", "linear"))
            read.units, read.units_node = self.layer_units(step)
            return read
        if outer is not None:
            return outer
        return Output(not_followed=[(f"{what} has no output layer lint can read", node)])

    def layer_argument(self, layer: Layer, name: str | None):
        if name is None:
            return None, None
        arguments = layer.spec.get("arguments") or []
        found = argument(layer.call, name, arguments.index(name) if name in arguments else None)
        return (layer.args.get(id(found)), found) if found is not None else (None, None)

    def layer_units(self, layer: Layer):
        value, node = self.layer_argument(layer, layer.spec.get("units"))
        if isinstance(value, Items):
            value = value.values[-1] if value.values else None
            node = node.elts[-1] if isinstance(node, (ast.Tuple, ast.List)) and node.elts else node
        units = layer_units(value.value) if isinstance(value, Const) else None
        return units, node if units is not None else None

    def layer_activation(self, layer: Layer, key: str | None, default: str | None) -> Output:
        fixed = layer.spec.get("activation") if layer.spec["role"] == "activation" else None
        text = self.call_text(layer.call, {layer.spec.get("units"), key}, layer.spec.get("arguments") or [])
        if fixed is not None:
            return Output(fixed, layer.call, text)
        value, node = self.layer_argument(layer, key)
        if node is None:
            if default is None:
                return Output(not_followed=[(f"the activation of `{text}` is not given", layer.call)])
            return Output(default, layer.call, text)
        return self.activation_of(value, node, text)

    def activation_of(self, value, node: ast.AST, text: str | None) -> Output:
        """The activation a value names (``"softmax"``, ``keras.activations.softmax``, ``None``)."""
        if text is None:
            text = self.call_text(node, ()) if isinstance(node, ast.Call) else self.source.shown(node)
        canonical = None
        if isinstance(value, Const) and value.value is None:
            canonical = "linear"
        elif isinstance(value, Const) and isinstance(value.value, str):
            canonical = self.tables.activation(value.value)
        elif isinstance(value, Ref):
            canonical = self.tables.activation(value.qualified)
        if canonical is None:
            return Output(not_followed=[(self.origin(value, node, "activation"), node)])
        return Output(canonical, node, text)

    def call_text(self, call: ast.Call, keep, positions: list | None = None) -> str:
        """A call as a message shows it: whole when short, else the callee with the arguments
        named in ``keep`` and "..." for the others (never a call cut through the argument that
        matters). ``positions`` names the positional parameters; without it every positional
        argument is shown."""
        whole = ast.unparse(call)
        if len(whole) <= MAX_SHOWN:
            return whole
        shown, dropped = [], False
        for index, arg in enumerate(call.args):
            name = positions[index] if positions is not None and index < len(positions) else None
            if positions is not None and name not in keep:
                dropped = True
            else:
                shown.append(f"{name}={shown_text(arg)}" if dropped and name else shown_text(arg))
        for kw in call.keywords:
            if kw.arg is not None and kw.arg in keep:
                shown.append(f"{kw.arg}={shown_text(kw.value)}")
            else:
                dropped = True
        return f"{ast.unparse(call.func)}({', '.join([*shown, '...'] if dropped else shown)})"

    def did_you_mean(self, word: str, what: str) -> str:
        """`` (did you mean 'x'?)`` for a loss or activation name lint does not know, else ""."""
        if what == "loss":
            options = [s for e in self.data.losses if FRAMEWORK in e["frameworks"] for s in e["spellings"]]
        elif what == "activation":
            options = [s for a in self.data.activations.values() for s in a["spellings"]]
        else:
            return ""
        hint = suggest(word, options, fold_case=True)
        return f" ({hint.removeprefix('; ')})" if hint else ""

    def origin(self, value, node: ast.AST, what: str) -> str:
        """Why a value cannot be followed, as one clause naming it."""
        shown = self.source.shown(node)
        if isinstance(value, Param):
            return f"the {what} `{shown}` is a parameter of {value.function}()"
        if isinstance(value, Function):
            return f"the {what} `{shown}` is a function of this script"
        if isinstance(value, (Instance, ClassInfo)):
            name = value.cls.node.name if isinstance(value, Instance) else value.node.name
            return f"the {what} `{shown}` is an object of {name}, a class of this script"
        if isinstance(value, ast.Lambda):
            return f"the {what} is a lambda (`{shown}`)" if value is node else f"the {what} `{shown}` is a lambda"
        if isinstance(value, Layer):
            return f"the {what} `{shown}` is a layer lint does not know"
        if isinstance(value, Const) and isinstance(value.value, str):
            return f"the {what} `{shown}` is not one lint knows{self.did_you_mean(value.value, what)}"
        if isinstance(value, Branches):
            return f"the {what} `{shown}` is set differently in the branches on line {value.stmt.lineno}"
        if isinstance(value, Opaque) and value.node is node:
            return f"the {what} `{shown}` is a call lint cannot follow"
        if isinstance(value, Opaque):
            return f"the {what} `{shown}` comes from `{self.source.shown(value.node)}`, which lint cannot follow"
        return f"the {what} `{shown}` is not one lint can follow"

    # --- wirings

    def losses(self, item: Compile) -> list[tuple[object, Loss]]:
        value = item.loss
        if isinstance(value, Mapping):
            return [(key, self.loss_of(v, n)) for key, v, n in value.entries]
        if isinstance(value, Items):
            return [(index, self.loss_of(v, n)) for index, (v, n) in enumerate(zip(value.values, value.nodes,
                                                                                   strict=True))]
        return [(None, self.loss_of(value, item.loss_node))]

    def loss_of(self, value, node: ast.AST) -> Loss:
        if isinstance(value, Loss):
            return value
        spelling = None
        if isinstance(value, Const) and isinstance(value.value, str) and known_loss(value.value, self.data):
            spelling = value.value
        elif isinstance(value, Ref) and value.qualified.startswith("keras.") and known_loss(value.qualified, self.data):
            spelling = value.qualified
        else:
            # a custom loss (no Keras built-in) by its catalog name: imported from another library,
            # or a function or loss class of the script
            own = foreign_name(value.qualified) if isinstance(value, Ref) else \
                value.node.name if isinstance(value, Function) else \
                value.cls.node.name if isinstance(value, Instance) else None
            if own is not None and self.tables.custom_loss_entry(own) is not None:
                return Loss(node, spelling=own)
        if spelling is None:
            return Loss(node, not_followed=self.origin(value, node, "loss"))
        return Loss(value.node, spelling=spelling)      # where the script writes it

    def wire(self, item: Compile) -> list[Wiring]:
        """One wiring per output a compiled loss trains. With several outputs (or losses) each
        wiring names its output (the key of the outputs dict, the output layer's ``name=``, or
        its position) and takes the labels fit gives that output."""
        outputs = self.outputs(item.model, item.receiver)
        losses = self.losses(item)
        positions = {name: index for index, (name, _) in enumerate(outputs) if name is not None}
        pairs: list[tuple[Loss, Output | None, str | None, object, int | None]] = []   # ..., name, position
        for order, (key, loss) in enumerate(losses):
            if key is None:
                pairs.extend((loss, output, None, name, index) for index, (name, output) in enumerate(outputs))
            elif isinstance(key, int) and len(losses) == len(outputs):
                pairs.append((loss, outputs[key][1], None, outputs[key][0], key))
            elif isinstance(key, str) and key in positions:
                pairs.append((loss, outputs[positions[key]][1], None, key, positions[key]))
            else:
                pairs.append((loss, None, f"lint cannot tell which output of the model the loss "
                                          f"`{self.source.shown(loss.node)}` trains",
                              key if isinstance(key, (str, int)) else order, None))
        several = len(outputs) > 1 or len(losses) > 1
        found = []
        for loss, output, reason, name, position in pairs:
            labels = self.labels(item.model, name, position, len(outputs)) if output is not None else None
            wiring = self.wiring(item, loss, output, reason, labels)
            if several:
                wiring.output = str(name if name is not None else position)
            found.append(wiring)
        return found

    def labels(self, model, name, position: int | None, count: int) -> Labels | None:
        """The labels every fit of the model gives one of its ``count`` outputs, when they agree:
        with several outputs, the entry of its name (a dict) or its position (a list)."""
        if not isinstance(model, Model) or not model.fits:
            return None
        given = [_output_labels(fit, name, position, count) for fit in model.fits]
        first = given[0]
        if not isinstance(first, Labels):
            return None
        same = all(isinstance(g, Labels) and (g.kind, g.classes) == (first.kind, first.classes) for g in given)
        return first if same else None

    @staticmethod
    def class_weight(model) -> tuple:
        """(whether the model's fits give class_weight, where): True when one does, False when
        every fit is read and none does; (None, None) without a fit or when one is not read."""
        if not isinstance(model, Model) or not model.class_weights:
            return None, None
        used = [node for given, node in model.class_weights if given]
        if used:
            return True, used[0]
        if all(given is False for given, _ in model.class_weights):
            return False, model.class_weights[0][1]
        return None, None

    def wiring(self, item: Compile, loss: Loss, output: Output | None, reason: str | None,
               labels: Labels | None) -> Wiring:
        loc = self.source.loc
        wiring = Wiring(FRAMEWORK, loc(item.call))
        text = loss.text or self.source.shown(loss.node)
        if loss.spelling is not None and self.tables.loss_entry(loss.spelling) is None:
            loss = Loss(loss.node, not_followed=f"the loss `{text}` is not a Keras loss lint knows")
        if loss.spelling is not None:
            wiring.loss, wiring.loss_at, wiring.loss_text = loss.spelling, loc(loss.node), text
        else:
            wiring.not_followed.append(NotFollowed(loss.not_followed, loc(loss.node), "loss"))
        if output is None:
            wiring.not_followed.append(NotFollowed(reason, loc(item.call), "activation"))
        else:
            if output.activation is not None:
                wiring.activation = output.activation
                wiring.activation_at = loc(output.activation_node)
                wiring.activation_text = output.activation_text
            if output.units is not None:
                wiring.units, wiring.units_at = output.units, loc(output.units_node)
            for what, node in output.not_followed:
                wiring.not_followed.append(NotFollowed(what, loc(node), "activation"))
        if labels is not None:
            wiring.labels, wiring.labels_at = labels.kind, loc(labels.node)
            if labels.classes is not None:
                wiring.classes = labels.classes
                wiring.classes_at = loc(labels.classes_node or labels.node)
            if labels.target_shape is not None:
                wiring.target_shape, wiring.target_at = labels.target_shape, loc(labels.node)
        class_weight, class_weight_node = self.class_weight(item.model)
        if class_weight is not None:
            wiring.class_weight, wiring.class_weight_at = class_weight, loc(class_weight_node)
        return wiring


# ----------------------------------------------------------------- small helpers


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _output_labels(given, name, position: int | None, count: int):
    """What ``fit(x, y)`` gives one output of ``count``: ``y`` itself for a single output, else
    ``y``'s entry of the output's name (a dict) or position (a list of ``count``)."""
    if count == 1:
        return given
    if isinstance(given, Mapping) and name is not None:
        return next((value for key, value, _ in given.entries if key == name), None)
    if isinstance(given, Items) and position is not None and len(given.values) == count:
        return given.values[position]
    return None


def _rebound_globals(tree: ast.Module) -> frozenset:
    """The names a function declares ``global`` (or ``nonlocal``) and assigns: what the
    assignments elsewhere say of them does not hold once the function has run."""
    if not any(isinstance(stmt, (ast.Global, ast.Nonlocal)) for stmt in statements(tree)):
        return frozenset()
    declared: dict[int, set] = {}       # id(function) -> names it declares global
    assigned: dict[int, set] = {}       # id(function) -> names it assigns
    stack: list[tuple[ast.AST, ast.AST | None]] = [(tree, None)]
    while stack:
        node, function = stack.pop()
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.setdefault(id(function), set()).update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            assigned.setdefault(id(function), set()).add(node.id)
        inner = node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) else function
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return frozenset(name for key, names in declared.items() for name in names & assigned.get(key, set()))


def _method(cls: ClassInfo, name: str) -> Function | None:
    """A method of a script class or of its script base classes (breadth first, bounded)."""
    queue = [cls]
    for current in queue[:MAX_BASES]:
        if name in current.methods:
            return current.methods[name]
        queue.extend(current.bases)
    return None


__all__ = ["wirings"]
