"""The PyTorch script reader at the Wiring level: small inline scripts, the expected wiring of
each read by hand from the script (which layer is last, which loss, which label preparation)."""

from __future__ import annotations

import ast
import textwrap

import pytest

from lossadvisor.lint import load_lint_data, pysource, torchscript

DATA = load_lint_data()
HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def read(code: str, header: str = HEADER) -> list:
    text = header + textwrap.dedent(code)
    source = pysource.parse_script("train.py", text.encode())
    return torchscript.wirings(source, DATA)


def one(code: str, header: str = HEADER):
    found = read(code, header)
    assert len(found) == 1, found
    return found[0]


def line_of(code: str, needle: str, header: str = HEADER) -> int:
    """The 1-based line of the first line holding ``needle`` in the script as read."""
    lines = (header + textwrap.dedent(code)).splitlines()
    return next(i for i, text in enumerate(lines, 1) if needle in text)


def reasons(wiring, part: str) -> list:
    return [item.what for item in wiring.not_followed if item.part == part]


# ----------------------------------------------------------------------------- models

CLASS_MODEL = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)
        self.softmax = nn.Softmax(dim=1)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.drop(x)
        return self.softmax(self.fc2(x))

model = Net()
criterion = nn.CrossEntropyLoss()
for x, y in loader:
    out = model(x)
    loss = criterion(out, y)
    loss.backward()
"""


def test_class_module_softmax_attribute_into_cross_entropy():
    w = one(CLASS_MODEL)
    assert (w.activation, w.units, w.loss) == ("softmax", 10, "nn.CrossEntropyLoss")
    assert w.activation_at.line == line_of(CLASS_MODEL, "nn.Softmax(dim=1)")
    assert w.activation_text == "nn.Softmax(dim=1)"
    assert w.units_at.line == line_of(CLASS_MODEL, "nn.Linear(32, 10)")
    assert w.loss_at.line == line_of(CLASS_MODEL, "nn.CrossEntropyLoss()")
    assert w.at.line == line_of(CLASS_MODEL, "criterion(out, y)")
    assert w.at.col == 12          # `loss = criterion(...)` indented by 4: the call starts at column 12
    assert w.framework == "pytorch" and w.not_followed == []


def test_units_layer_resets_the_activation():
    w = one("""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(8, 16), nn.Softmax(1))
            self.head = nn.Linear(16, 3)

        def forward(self, x):
            return self.head(torch.relu(self.body(x)))

    net = Net()
    loss = F.cross_entropy(net(x), y)
    """)
    assert (w.activation, w.units, w.loss) == ("linear", 3, "F.cross_entropy")


def test_functional_and_tensor_method_activations():
    cases = {
        "return F.softmax(self.fc(x), dim=1)": "softmax",
        "return torch.sigmoid(self.fc(x))": "sigmoid",
        "return self.fc(x).softmax(1)": "softmax",
        "return self.fc(x).log_softmax(dim=-1)": "log_softmax",
        "return self.fc(x).sigmoid()": "sigmoid",
        "return torch.exp(self.fc(x))": "exponential",
        "return self.fc(x)": "linear",
    }
    for body, expected in cases.items():
        w = one(f"""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 5)

            def forward(self, x):
                {body}

        model = Net()
        F.nll_loss(model(x), y)
        """)
        assert (w.activation, w.units) == (expected, 5), body


def test_sequential_chain_positional_and_ordered_dict():
    w = one("""
    model = nn.Sequential(nn.Linear(64, 10), nn.ReLU(), nn.Dropout(0.1), nn.Linear(10, 4), nn.Sigmoid())
    criterion = nn.BCEWithLogitsLoss()
    criterion(model(x), y.float())
    """)
    assert (w.activation, w.units, w.loss) == ("sigmoid", 4, "nn.BCEWithLogitsLoss")
    w = one("""
    from collections import OrderedDict
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(64, 3)), ("act", nn.LogSoftmax(dim=1))]))
    nn.NLLLoss()(model(x), y)
    """)
    assert (w.activation, w.units, w.loss) == ("log_softmax", 3, "nn.NLLLoss")


def test_sequential_returned_by_a_builder_function_and_list_of_layers():
    w = one("""
    def build(n_out):
        layers = [nn.Linear(64, 32), nn.ReLU()]
        for _ in range(3):
            layers.append(nn.Linear(32, 32))
        layers.append(nn.Linear(32, n_out))
        layers.append(nn.Softmax(dim=-1))
        return nn.Sequential(*layers)

    def main():
        model = build(7)
        criterion = nn.CrossEntropyLoss()
        loss = criterion(model(x), y)
    """)
    assert (w.activation, w.units) == ("softmax", 7)


def test_model_defined_in_one_function_used_in_another():
    w = one("""
    class Net(nn.Module):
        def __init__(self, classes):
            super().__init__()
            self.out = nn.Linear(32, classes)

        def forward(self, x):
            return F.log_softmax(self.out(x), dim=1)

    def train(model, loader):
        for x, y in loader:
            loss = F.nll_loss(model(x), y)
            loss.backward()

    def main():
        model = Net(classes=5)
        train(model, loader=[])
    """)
    assert (w.activation, w.units, w.loss) == ("log_softmax", 5, "F.nll_loss")
    assert w.not_followed == []


def test_subclass_of_a_model_class_of_the_same_file():
    w = one("""
    class Base(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(16, 4)

        def forward(self, x):
            return self.fc(x)

    class WithSoftmax(Base):
        def forward(self, x):
            return super().forward(x).softmax(-1)

    model = WithSoftmax()
    F.cross_entropy(model(x), y)
    """)
    assert (w.activation, w.units) == ("softmax", 4)


def test_inference_only_softmax_is_not_the_training_output():
    variants = [
        """
            def forward(self, x):
                logits = self.fc(x)
                if not self.training:
                    logits = logits.softmax(-1)
                return logits
        """,
        """
            def forward(self, x):
                logits = self.fc(x)
                if self.training:
                    return logits
                return F.softmax(logits, dim=1)
        """,
        """
            def forward(self, x):
                logits = self.fc(x)
                return logits if self.training else logits.softmax(1)
        """,
        """
            def forward(self, x):
                return self.fc(x)

            def predict(self, x):
                return torch.softmax(self.forward(x), dim=1)
        """,
    ]
    head = ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.fc = nn.Linear(16, 10)\n")
    tail = "model = Net()\ncriterion = nn.CrossEntropyLoss()\nloss = criterion(model(x), y)\n"
    for forward in variants:
        w = one(head + textwrap.indent(textwrap.dedent(forward), "    ") + tail)
        assert (w.activation, w.units) == ("linear", 10), forward


def test_no_grad_block_and_eval_loop_are_not_training_wirings():
    found = read("""
    model = nn.Sequential(nn.Linear(8, 3))
    criterion = nn.CrossEntropyLoss()
    model.train()
    loss = criterion(model(x), y)
    with torch.no_grad():
        val = criterion(model(x).softmax(1), y)
    model.eval()
    test_loss = criterion(F.softmax(model(x), 1), y)
    """)
    assert len(found) == 1 and found[0].activation == "linear"


def test_predict_method_and_no_grad_decorated_function():
    found = read("""
    model = nn.Sequential(nn.Linear(8, 3), nn.Softmax(1))

    @torch.no_grad()
    def evaluate(x, y):
        return nn.CrossEntropyLoss()(model(x), y)

    class Lit:
        def predict_step(self, batch):
            return F.cross_entropy(model(batch[0]), batch[1])
    """)
    assert found == []


def test_model_returning_logits_and_features():
    code = """
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(8, 16)
            self.head = nn.Linear(16, 10)

        def forward(self, x):
            features = F.relu(self.body(x))
            return self.head(features), features

    model = Net()
    criterion = nn.CrossEntropyLoss()
    logits, _ = model(x)
    loss = criterion(logits, y)
    loss2 = criterion(model(x)[0], y)
    """
    found = read(code)
    # both loss calls pair the same logits with the same criterion: one wiring (the first)
    assert [(w.activation, w.units, w.at.line) for w in found] == [("linear", 10, line_of(code, "criterion(logits"))]


def test_forward_with_optional_features_flag():
    w = one("""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(16, 10)

        def forward(self, x, return_features=False):
            logits = self.head(x)
            if return_features:
                return logits, x
            return logits

    model = Net()
    F.cross_entropy(model(x), y)
    """)
    assert (w.activation, w.units) == ("linear", 10)


def test_lightning_training_step():
    for call in ("self(x)", "self.model(x)", "self.forward(x)"):
        w = one(f"""
        import lightning.pytorch as pl

        class Lit(pl.LightningModule):
            def __init__(self):
                super().__init__()
                self.model = nn.Sequential(nn.Linear(8, 4), nn.Softmax(dim=1))
                self.loss_fn = nn.NLLLoss()

            def forward(self, x):
                return self.model(x)

            def training_step(self, batch, batch_idx):
                x, y = batch
                out = {call}
                return self.loss_fn(out, y)
        """)
        assert (w.activation, w.units, w.loss) == ("softmax", 4, "nn.NLLLoss"), call


def test_pytorch_lightning_base_qualifies():
    w = one("""
    from pytorch_lightning import LightningModule

    class Lit(LightningModule):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(8, 1)

        def forward(self, x):
            return torch.sigmoid(self.head(x))

        def training_step(self, batch, batch_idx):
            x, y = batch
            return F.binary_cross_entropy_with_logits(self(x), y)
    """)
    assert (w.activation, w.units, w.loss) == ("sigmoid", 1, "F.binary_cross_entropy_with_logits")


# ----------------------------------------------------------------------------- losses


def test_loss_keyword_arguments_in_the_spelling():
    w = one("""
    criterion = nn.CrossEntropyLoss(weight=w, reduction="sum", ignore_index=-1)
    criterion(nn.Linear(4, 3)(x), y)
    """)
    assert w.loss == "nn.CrossEntropyLoss(reduction='sum', ignore_index=-1)"   # weight=w is not literal
    assert w.loss_text.startswith("nn.CrossEntropyLoss(weight=w, reduction='sum'")    # as written (bounded)
    w = one("""
    loss = nn.PoissonNLLLoss(log_input=False)(torch.exp(nn.Linear(4, 1)(x)), y)
    """)
    assert w.loss == "nn.PoissonNLLLoss(log_input=False)" and w.activation == "exponential"
    w = one("""
    loss = F.kl_div(F.log_softmax(nn.Linear(4, 3)(x), 1), target, reduction="batchmean")
    """)
    assert w.loss == "F.kl_div(reduction='batchmean')"


def test_non_literal_argument_lint_reads_is_not_followed():
    w = one("""
    def run(r):
        loss = nn.KLDivLoss(reduction=r)(F.log_softmax(nn.Linear(4, 3)(x), 1), t)
    """)
    assert w.loss is None
    assert reasons(w, "loss") == ["the loss `nn.KLDivLoss(reduction=r)` depends on `reduction=r`, "
                                  "which lint cannot follow"]
    assert w.activation == "log_softmax"
    # a non-literal argument the loss's meaning does not depend on is simply left out
    w = one("nn.BCEWithLogitsLoss(pos_weight=pw)(nn.Linear(4, 1)(x), y)")
    assert w.loss == "nn.BCEWithLogitsLoss" and w.not_followed == []


def test_functional_losses_through_every_import_alias():
    headers = {
        "import torch\nimport torch.nn.functional as F\n": "F.cross_entropy(out, y)",
        "import torch\nfrom torch.nn import functional as fn\n": "fn.cross_entropy(out, y)",
        "import torch\nfrom torch.nn.functional import cross_entropy as ce\n": "ce(out, y)",
        "import torch\n": "torch.nn.functional.cross_entropy(out, y)",
        "import torch as T\nimport torch\n": "T.nn.functional.cross_entropy(input=out, target=y)",
    }
    for header, call in headers.items():
        w = one(f"""
        out = torch.nn.Linear(4, 6)(x).softmax(1)
        loss = {call}
        """, header=header)
        assert (w.loss, w.activation, w.units) == ("F.cross_entropy", "softmax", 6), header


def test_every_pytorch_loss_of_the_tables_is_read():
    # each PyTorch spelling of the catalog, called as a function or built as a module
    for entry in DATA.losses:
        if "pytorch" not in entry["frameworks"] or entry["custom"]:
            continue
        for spelling in entry["spellings"]:
            if not spelling.startswith(("nn.", "F.")):
                continue
            if spelling.startswith("nn."):
                call = f"{spelling}()(model(x), y)"
            else:
                call = f"{spelling}(model(x), y)"
            w = one(f"model = nn.Linear(3, 2)\nloss = {call}\n")
            assert w.loss == spelling and w.activation == "linear", spelling


def test_loss_function_stored_in_a_variable_and_torchvision_focal_loss():
    w = one("""
    loss_fn = F.binary_cross_entropy
    loss_fn(torch.sigmoid(nn.Linear(3, 1)(x)), y)
    """)
    assert (w.loss, w.activation) == ("F.binary_cross_entropy", "sigmoid")
    w = one("""
    from torchvision.ops import sigmoid_focal_loss
    sigmoid_focal_loss(nn.Linear(3, 1)(x), y, reduction="mean")
    """)
    assert w.loss == "torchvision.ops.sigmoid_focal_loss(reduction='mean')" and w.activation == "linear"


def test_loss_from_a_literal_dict_key_is_followed():
    w = one("""
    losses = {"ce": nn.CrossEntropyLoss(), "nll": nn.NLLLoss()}
    losses["nll"](nn.Linear(3, 4)(x), y)
    """)
    assert w.loss == "nn.NLLLoss"


# ----------------------------------------------------------------------------- following values


def test_parameter_followed_when_every_call_agrees():
    w = one("""
    def train(model, criterion, loader):
        for x, y in loader:
            loss = criterion(model(x), y)
            loss.backward()

    model = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))
    crit = nn.NLLLoss()
    train(model, crit, [])
    train(model, crit, loader=[1])
    """)
    assert (w.loss, w.activation, w.units) == ("nn.NLLLoss", "log_softmax", 3)


def test_loss_parameter_with_two_different_call_sites_is_not_followed():
    code = """
    def train(model, criterion):
        loss = criterion(model(x), y)
        loss.backward()

    model = nn.Sequential(nn.Linear(4, 3))
    train(model, nn.CrossEntropyLoss())
    train(model, nn.NLLLoss())
    """
    w = one(code)
    first, second = line_of(code, "nn.CrossEntropyLoss()"), line_of(code, "nn.NLLLoss()")
    assert w.loss is None and w.activation == "linear"
    assert reasons(w, "loss") == [f"the loss `criterion` is a parameter of train() given different losses by its "
                                  f"calls (lines {first}, {second})"]


def test_loss_parameter_never_called_is_not_followed_when_back_propagated():
    w = one("""
    def train(model, criterion, loader):
        for x, y in loader:
            out = model(x)
            loss = criterion(out, y)
            loss.backward()
    """)
    assert w.loss is None and w.activation is None
    assert reasons(w, "loss") == ["the loss `criterion` is a parameter of train() that no call in this file gives"]
    assert reasons(w, "activation") == ["the prediction `out` comes from `model(x)`: `model` is a parameter of "
                                        "train() that no call in this file gives"]


def test_dynamic_losses_are_not_followed():
    w = one("""
    criterion = getattr(nn, loss_name)()
    loss = criterion(nn.Linear(3, 2)(x), y)
    loss.backward()
    """)
    assert w.loss is None and w.activation == "linear"
    assert reasons(w, "loss") == ["the loss `criterion` comes from `getattr(nn, loss_name)()`: "
                                  "`getattr(nn, loss_name)` is chosen at run time"]
    w = one("""
    losses = {"ce": nn.CrossEntropyLoss(), "nll": nn.NLLLoss()}
    criterion = losses[name]
    criterion(nn.Linear(3, 2)(x), y)
    """)
    assert w.loss is None
    assert reasons(w, "loss") == ["the loss `criterion` comes from `losses[name]`: `losses[name]` is chosen "
                                  "from a dict of losses at run time"]


def test_loaded_models_are_not_followed():
    for load in ("torch.load('model.pt')", "torch.hub.load('repo', 'resnet18')"):
        code = f"""
        model = {load}
        criterion = nn.CrossEntropyLoss()
        out = model(x)
        criterion(out, y)
        """
        w = one(code)
        assert w.loss == "nn.CrossEntropyLoss" and w.activation is None
        assert reasons(w, "activation") == [f"the prediction `out` comes from `model(x)`: `{load}` is read at run time"]
        assert w.not_followed[0].at.line == line_of(code, "model =")     # where the cause is


def test_unknown_module_attribute_names_what_stopped_the_reader():
    w = one("""
    class Net(nn.Module):
        def __init__(self, backbone):
            super().__init__()
            self.backbone = backbone

        def forward(self, x):
            return self.backbone(x)

    def train(model):
        out = model(x)
        F.cross_entropy(out, y)

    train(Net(get_backbone()))
    """)
    assert w.activation is None and w.loss == "F.cross_entropy"
    assert reasons(w, "activation") == ["the prediction `out` comes from `self.backbone(x)`, which lint cannot "
                                        "follow"]


def test_recurrent_module_then_linear_head_is_followed():
    w = one("""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 16, batch_first=True)
            self.fc = nn.Linear(16, 2)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1, :])

    F.cross_entropy(Net()(x), y)
    """)
    assert (w.activation, w.units) == ("linear", 2)


def test_branches_that_disagree_are_not_guessed():
    w = one("""
    if use_softmax:
        model = nn.Sequential(nn.Linear(3, 2), nn.Softmax(1))
    else:
        model = nn.Sequential(nn.Linear(3, 2))
    F.cross_entropy(model(x), y)
    """)
    assert w.activation is None and reasons(w, "activation")


# ----------------------------------------------------------------------------- labels


def test_label_preparation_on_the_target():
    cases = {
        "y.long()": ("integer", None, None),
        "y.to(torch.long)": ("integer", None, None),
        "y.to(device, dtype=torch.int64)": ("integer", None, None),
        "F.one_hot(y, num_classes=10)": ("one_hot", 10, None),
        "F.one_hot(y, 4).float()": ("one_hot", 4, None),
        "torch.eye(10)[y]": ("one_hot", 10, None),
        "torch.eye(n)[y]": ("one_hot", None, None),
        "F.softmax(teacher_logits, dim=1)": ("probabilities", None, None),
        "soft.float()": ("probabilities", None, None),
        "onehot.argmax(dim=1)": ("integer", None, None),
    }
    for target, (labels, classes, shape) in cases.items():
        w = one(f"""
        model = nn.Linear(4, 10)
        t = {target}
        F.cross_entropy(model(x), t)
        """)
        assert (w.labels, w.classes, w.target_shape) == (labels, classes, shape), target


def test_integer_labels_only_for_losses_over_exclusive_classes():
    w = one("nn.MSELoss()(nn.Linear(4, 1)(x), y.long())")
    assert w.labels is None
    w = one("nn.BCELoss()(torch.sigmoid(nn.Linear(4, 10)(x)), F.one_hot(y, 10).float())")
    assert (w.labels, w.classes) == ("one_hot", 10)   # one-hot targets of a binary loss: stated


def test_target_shapes():
    cases = {
        "y.squeeze()": "(N,)", "y.view(-1)": "(N,)", "y.flatten()": "(N,)", "y.squeeze(1)": "(N,)",
        "y.unsqueeze(1)": "(N, 1)", "y.view(-1, 1)": "(N, 1)", "y.reshape(-1, 1)": "(N, 1)",
        "y.float().unsqueeze(-1)": "(N, 1)", "y.view(batch, 1)": "(N, 1)", "y.flatten(1)": None,
        "y": None,
    }
    for target, shape in cases.items():
        code = f"""
        model = nn.Linear(4, 1)
        target = {target}
        nn.MSELoss()(model(x), target)
        """
        w = one(code)
        assert w.target_shape == shape, target
        if shape:
            assert w.target_at.line == line_of(code, "target =")


def test_squeezed_prediction_states_no_target_shape():
    w = one("""
    model = nn.Linear(4, 1)
    nn.MSELoss()(model(x).squeeze(), y.view(-1))
    """)
    assert w.target_shape is None and w.activation == "linear"


def test_labels_followed_through_a_helper_function():
    w = one("""
    def prepare(labels):
        return labels.long().view(-1)

    F.nll_loss(F.log_softmax(nn.Linear(3, 5)(x), 1), prepare(y))
    """)
    assert (w.labels, w.target_shape) == ("integer", "(N,)")


# ----------------------------------------------------------------------------- correct patterns


def test_correct_patterns_read_as_they_are():
    # log_softmax then NLLLoss
    w = one("nn.NLLLoss()(nn.Sequential(nn.Linear(3, 4), nn.LogSoftmax(dim=1))(x), y)")
    assert (w.activation, w.loss) == ("log_softmax", "nn.NLLLoss")
    # sigmoid with BCELoss
    w = one("nn.BCELoss()(torch.sigmoid(nn.Linear(3, 1)(x)), y.float())")
    assert (w.activation, w.loss) == ("sigmoid", "nn.BCELoss")
    # CrossEntropyLoss with probability targets
    w = one("nn.CrossEntropyLoss()(nn.Linear(3, 4)(x), F.softmax(t, dim=1))")
    assert (w.activation, w.labels) == ("linear", "probabilities")


# ----------------------------------------------------------------------------- odd but valid Python


ODD = """
import asyncio
from dataclasses import dataclass

def deco(f):
    return f

@deco
class A(A):
    class Inner(nn.Module):
        def forward(self, *args, **kwargs):
            return args[0]

    def __init__(self, *layers, **options):
        self.layers = [*layers]
        self.f = lambda z: z * 2

def ping(n):
    return pong(n - 1) if n else nn.Linear(1, 1)

def pong(n):
    return ping(n)

async def step(model, batch):
    async with lock:
        out = await model(batch)
    if (n := len(batch)) > 2:
        pass
    match batch:
        case [x, y, *rest]:
            F.cross_entropy(ping(3)(x), y)
        case {"x": x, **others}:
            pass
        case _:
            pass
    return [F.mse_loss(o, t) for o, t in zip(out, batch)]

def recursive(x):
    return recursive(x)

F.mse_loss(recursive(1), y)
F.mse_loss(*pairs)
F.mse_loss(**kw)
F.cross_entropy()
nn.Sequential(*undefined)(x)
x = y = z = torch.zeros(3)
del x
global_thing: int = 3
"""


def test_odd_but_valid_python_does_not_crash():
    found = read(ODD)
    assert all(w.framework == "pytorch" for w in found)


def test_a_long_file_is_read_whole():
    block = textwrap.dedent("""
    class Net{i}(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(16, {i} + 2)
            self.drop = nn.Dropout(0.1)

        def forward(self, x):
            x = self.drop(F.relu(self.fc(x)))
            return x.log_softmax(dim=1)

    def train{i}(model, criterion, loader):
        for x, y in loader:
            out = model(x)
            loss = criterion(out, y.long())
            loss.backward()

    train{i}(Net{i}(), nn.NLLLoss(), [])
    """)
    text = HEADER + "".join(block.format(i=i) for i in range(60))
    assert text.count("\n") > 1000
    source = pysource.parse_script("big.py", text.encode())
    found = torchscript.wirings(source, DATA)     # its speed: benchmarks/bench_lint_scripts.py
    assert len(found) == 60 and all(w.activation == "log_softmax" and w.labels == "integer" for w in found)


def test_modules_section_is_validated():
    from lossadvisor.errors import RuleBaseError
    from lossadvisor.lint.data import build_lint_data
    from lossadvisor.rulebase import read_yaml

    doc = read_yaml(str(DATA.path))
    assert DATA.modules["Linear"] == {"role": "units", "units": ["out_features", 1]}
    bad = dict(doc, modules={"Linear": {"role": "dense"}, "Conv2d": {"role": "units", "units": "out_channels"},
                             "Odd": {"role": "activation", "activation": "wiggle"}})
    with pytest.raises(RuleBaseError) as caught:
        build_lint_data("lint.yaml", bad, DATA.catalog)
    text = "\n".join(caught.value.problems)
    assert "module 'Linear' needs a role" in text
    assert "module 'Conv2d': units must be [argument name, position] or input" in text
    assert "module 'Odd' names unknown activation 'wiggle'" in text


def test_a_teacher_in_evaluation_mode_leaves_the_students_wiring():
    # knowledge distillation: teacher.eval() must not hide the student's softmax into KLDivLoss
    found = read("""
    student = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))
    teacher = nn.Sequential(nn.Linear(8, 3))
    kl = nn.KLDivLoss(reduction="batchmean")
    teacher.eval()
    for x, y in loader:
        with torch.no_grad():
            soft = F.softmax(teacher(x), dim=1)
        loss = kl(student(x), soft)
        loss.backward()
    """)
    assert [(w.activation, w.loss) for w in found] == [("softmax", "nn.KLDivLoss(reduction='batchmean')")]


# ----------------------------------------------------------------------------- fix round: branches, calls, imports


def test_train_and_eval_in_the_branches_of_an_if_leave_the_model_training():
    # the official transfer-learning loop: the model trains in one branch, so the loss after the if
    # is a training wiring
    code = """
    model = nn.Sequential(nn.Linear(10, 5), nn.Softmax(dim=1))
    criterion = nn.CrossEntropyLoss()
    for phase in ["train", "val"]:
        if phase == "train":
            model.train()
        else:
            model.eval()
        for x, y in loader:
            loss = criterion(model(x), y)
    """
    w = one(code)
    assert (w.activation, w.loss, w.at.line) == ("softmax", "nn.CrossEntropyLoss", line_of(code, "criterion(model"))


@pytest.mark.parametrize("branches, training", [
    ("if a:\n    model.eval()\n", True),                                   # the else path trains
    ("if a:\n    model.eval()\nelse:\n    model.eval()\n", False),       # every path evaluates
    ("if a:\n    model.eval()\nelse:\n    raise ValueError\n", False),   # the one path through evaluates
    ("try:\n    model.eval()\nexcept Exception:\n    model.train()\n", True),
    ("try:\n    model.eval()\nexcept Exception:\n    raise\n", False),
    ("match a:\n    case 1:\n        model.train()\n    case _:\n        model.eval()\n", True),
    ("match a:\n    case 1:\n        model.eval()\n", True),              # no case may match
])
def test_evaluation_mode_after_branches_holds_only_when_every_path_sets_it(branches, training):
    code = "model = nn.Sequential(nn.Linear(10, 5), nn.Softmax(dim=1))\n" + branches + \
        "loss = F.cross_entropy(model(x), y)\n"
    assert [w.activation for w in read(code)] == (["softmax"] if training else [])


def test_a_moved_or_cast_loss_or_model_is_the_same_module():
    for move in ("to(device)", "cuda()", "cpu()", "half()", "float()", "to(torch.float16)"):
        w = one(f"""
        model = nn.Sequential(nn.Linear(10, 5), nn.Softmax(dim=1)).{move}
        criterion = nn.CrossEntropyLoss(reduction="sum").{move}
        loss = criterion(model(x), y)
        """)
        assert (w.activation, w.loss) == ("softmax", "nn.CrossEntropyLoss(reduction='sum')"), move


TWO_SHARED_STEPS = """
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(10, 5), nn.LogSoftmax(dim=1))

    def shared_step(self, out, y):
        return F.nll_loss(out, y)

    def training_step(self, batch, idx):
        x, y = batch
        return self.shared_step(self.net(x), y)


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Sequential(nn.Linear(10, 1), nn.Sigmoid())

    def shared_step(self, out, y):
        return F.binary_cross_entropy_with_logits(out, y)

    def training_step(self, batch, idx):
        x, y = batch
        return self.shared_step(self.head(x), y)


class SmallDetector(Detector):
    def validation_step(self, batch, idx):
        x, y = batch
        return self.shared_step(self.head(x), y)
"""


def test_method_parameters_bind_only_from_calls_in_their_class_or_a_subclass():
    # each shared_step is called by its own class (and the subclass's call agrees): no mixing
    found = read(TWO_SHARED_STEPS)
    assert [(w.loss, w.activation, w.not_followed) for w in found] == [
        ("F.nll_loss", "log_softmax", []),
        ("F.binary_cross_entropy_with_logits", "sigmoid", []),
    ]


def test_a_loss_in_a_lambda_is_a_wiring_of_the_callers_prediction():
    code = """
    model = nn.Sequential(nn.Linear(10, 3), nn.Softmax(dim=1))
    loss_fn = lambda out, y: F.cross_entropy(out, y, reduction="sum")
    loss = loss_fn(model(x), y.long())
    loss.backward()
    """
    w = one(code)
    assert (w.activation, w.loss, w.labels) == ("softmax", "F.cross_entropy(reduction='sum')", "integer")
    assert w.at.line == line_of(code, "lambda out")


def test_a_lambda_reads_the_names_of_the_function_it_is_defined_in():
    w = one("""
    def train(loader):
        model = nn.Sequential(nn.Linear(10, 1), nn.Sigmoid())
        criterion = nn.BCEWithLogitsLoss()
        step = lambda x, y: criterion(model(x), y)
        for x, y in loader:
            step(x, y).backward()
    """)
    assert (w.activation, w.loss) == ("sigmoid", "nn.BCEWithLogitsLoss")


def test_forward_called_by_name_is_a_call_of_the_module():
    code = """
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 3)

        def forward(self, x):
            return F.softmax(self.fc(x), dim=1)

    model = Net()
    head = nn.Sequential(nn.Linear(10, 3), nn.Sigmoid())
    criterion = nn.CrossEntropyLoss()
    loss = criterion.forward(model.forward(x), y)
    loss2 = nn.BCEWithLogitsLoss().forward(head.forward(x), t)
    """
    assert [(w.activation, w.loss) for w in read(code)] == [
        ("softmax", "nn.CrossEntropyLoss"), ("sigmoid", "nn.BCEWithLogitsLoss")]


@pytest.mark.parametrize("in_place, expected", [
    ("out.sigmoid_()", "sigmoid"),
    ("torch.sigmoid_(out)", "sigmoid"),
    ("out.tanh_()", "tanh"),
    ("out.mul_(2)", "linear"),          # not an activation: the name keeps its tensor
])
def test_an_in_place_activation_changes_the_tensor_the_name_holds(in_place, expected):
    code = f"""
    model = nn.Sequential(nn.Linear(10, 1))
    out = model(x)
    {in_place}
    loss = nn.BCEWithLogitsLoss()(out, y)
    """
    w = one(code)
    assert w.activation == expected
    if expected != "linear":
        assert (w.activation_at.line, w.activation_text) == (line_of(code, in_place), in_place)


def test_an_in_place_squeeze_changes_the_target_shape():
    w = one("""
    model = nn.Sequential(nn.Linear(10, 1))
    y = y.float().view(-1, 1)
    y.squeeze_()
    loss = F.mse_loss(model(x), y)
    """)
    assert w.target_shape == "(N,)"


CUSTOM_LOSS = """
class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0):
        super().__init__()
        self.gamma = gamma
        self.ce = nn.CrossEntropyLoss(reduction="none")

    def forward(self, logits, target):
        ce = self.ce(logits, target)
        return ((1 - torch.exp(-ce)) ** self.gamma * ce).mean()

model = nn.Sequential(nn.Linear(10, 3), nn.Softmax(dim=1))
"""


def test_a_custom_loss_module_binds_its_forward_from_the_call_of_its_object():
    code = CUSTOM_LOSS + """
def train(loader):
    criterion = FocalLoss()
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
"""
    w = one(code, HEADER)
    assert (w.activation, w.loss, w.not_followed) == ("softmax", "nn.CrossEntropyLoss(reduction='none')", [])
    assert w.at.line == line_of(code, "self.ce(logits")
    assert w.activation_at.line == line_of(code, "nn.Softmax(dim=1)")


def test_a_custom_loss_module_never_called_for_training_is_not_said_to_have_no_call():
    code = CUSTOM_LOSS + """
criterion = FocalLoss()
with torch.no_grad():
    val = criterion(model(x), y)
"""
    w = one(code, HEADER)
    assert w.activation is None
    assert reasons(w, "activation") == [
        "the prediction `logits` is a parameter of FocalLoss.forward() whose calls lint cannot follow"]


def test_a_model_called_in_training_and_in_evaluation_binds_from_the_training_call():
    code = CUSTOM_LOSS + """
criterion = FocalLoss()
loss = criterion(model(x), y)
model.eval()
val = criterion(model(x), y)
"""
    assert [w.activation for w in read(code, HEADER)] == ["softmax"]


@pytest.mark.parametrize("header, spelled", [
    (HEADER + "import functools\n", "functools.partial"),
    (HEADER + "from functools import partial\n", "partial"),
])
def test_functools_partial_of_a_loss_function_is_the_function_with_its_keywords(header, spelled):
    code = f"""
    model = nn.Sequential(nn.Linear(10, 3), nn.Softmax(dim=1))
    loss_fn = {spelled}(F.cross_entropy, label_smoothing=0.1)
    loss = loss_fn(model(x), y)
    """
    w = one(code, header)
    assert (w.activation, w.loss, w.loss_text) == ("softmax", "F.cross_entropy(label_smoothing=0.1)",
                                                   "F.cross_entropy(label_smoothing=0.1)")
    assert w.loss_at.line == line_of(code, "loss_fn =", header)


@pytest.mark.parametrize("header, code, expected", [
    ("from torch.nn import *\n",
     "model = Sequential(Linear(10, 3), Softmax(dim=1))\nloss = CrossEntropyLoss()(model(x), y)\n",
     ("softmax", "nn.CrossEntropyLoss", 3)),
    ("import torch.nn as nn\nfrom torch.nn.functional import *\n",
     "model = nn.Linear(10, 3)\nloss = cross_entropy(softmax(model(x), dim=1), y)\n",
     ("softmax", "F.cross_entropy", 3)),
    ("import torch.nn as nn\nfrom torch import *\n",
     "model = nn.Linear(10, 1)\nloss = nn.BCEWithLogitsLoss()(sigmoid(model(x)), y)\n",
     ("sigmoid", "nn.BCEWithLogitsLoss", 1)),
])
def test_star_imports_bind_the_names_lint_knows(header, code, expected):
    w = one(code, header)
    assert (w.activation, w.loss, w.units) == expected


def test_a_star_import_does_not_hide_the_files_own_names_nor_inference_blocks():
    code = """
    class Softmax(Module):
        def forward(self, x):
            return x

    model = Sequential(Linear(10, 3), Softmax())
    loss = CrossEntropyLoss()(model(x), y)
    with no_grad():
        val = CrossEntropyLoss()(model(x).softmax(1), y)
    """
    w = one(code, "import torch\nfrom torch.nn import *\nfrom torch import *\n")
    assert (w.activation, w.loss) == ("linear", "nn.CrossEntropyLoss")


def test_the_text_of_a_functional_loss_is_the_callee_with_its_literal_keywords():
    code = """
    model = nn.Linear(10, 3)
    a = nn.functional.kl_div(model(x).log_softmax(1), q, reduction="batchmean")
    b = F.nll_loss(model(x).log_softmax(1), y)
    """
    assert [w.loss_text for w in read(code)] == ["nn.functional.kl_div(reduction='batchmean')", "F.nll_loss"]


def test_a_starred_prediction_is_named():
    w = one("""
    criterion = nn.CrossEntropyLoss()
    loss = criterion(*outputs)
    """)
    assert reasons(w, "activation") == ["the prediction `*outputs` cannot be followed"]


def test_the_depth_limit_reads_as_a_sentence():
    chain = "".join(f"def f{i}(x):\n    return f{i + 1}(x)\n" for i in range(8))
    w = one(chain + "def f8(x):\n    return x\nloss = F.cross_entropy(f0(x), y)\n")
    assert reasons(w, "activation") == [
        f"the prediction `f0(x)` comes from `f{torchscript.MAX_CALL_DEPTH}(x)`: the call "
        f"`f{torchscript.MAX_CALL_DEPTH}(x)` is nested too deeply to follow"]


@pytest.mark.parametrize("header, built, why", [
    (HEADER + "from nets import Net\n", "Net()", "`model` is `Net()`, imported from `nets`: lint reads one file at a time"),
    (HEADER + "import torchvision\n", "torchvision.models.resnet18()",
     "`model` is `torchvision.models.resnet18()`, whose layers lint does not read"),
])
def test_a_model_of_another_file_or_of_torchvision_says_so(header, built, why):
    w = one(f"""
    model = {built}.to(device)
    out = model(x)
    loss = nn.CrossEntropyLoss()(out, y)
    """, header)
    assert reasons(w, "activation") == [f"the prediction `out` comes from `model(x)`: {why}"]


def test_the_same_wiring_found_twice_is_one():
    code = """
    model = nn.Sequential(nn.Linear(10, 3), nn.Softmax(dim=1))
    criterion = nn.CrossEntropyLoss()

    def training_step(x, y):
        return criterion(model(x), y)

    def validation_step(x, y):
        return criterion(model(x), y)

    def mixup(x, y_a, y_b, lam):
        pred = model(x)
        return lam * criterion(pred, y_a) + (1 - lam) * criterion(pred, y_b)
    """
    w = one(code)
    assert w.at.line == line_of(code, "return criterion(model")


def test_probability_targets_come_from_an_activation_whose_range_is_the_simplex():
    import dataclasses

    code = """
    model = nn.Linear(10, 3)
    loss = F.cross_entropy(model(x), F.softmax(t, dim=1))
    """
    assert one(code).labels == "probabilities"
    ranges = {name: dict(spec, range="unit_interval" if name == "softmax" else spec["range"])
              for name, spec in DATA.activations.items()}
    other = dataclasses.replace(DATA, activations=ranges)
    source = pysource.parse_script("train.py", (HEADER + textwrap.dedent(code)).encode())
    assert [w.labels for w in torchscript.wirings(source, other)] == [None]


# ----------------------------------------------------------------------------- shared helpers (pysource)


def test_training_test_reads_self_training_and_a_training_parameter_only_when_asked():
    # the condition's meaning, by hand: the branch it selects is training's (True) or inference's (False)
    def test_of(code: str, **options):
        return pysource.training_test(ast.parse(code, mode="eval").body, **options)

    assert test_of("self.training") is True
    assert test_of("not self.training") is False
    assert test_of("model.training") is True
    assert test_of("training") is None                        # the PyTorch reader: a plain name is any flag
    assert test_of("training", bare_name=True) is True         # a Keras call(x, training=None)
    assert test_of("not training", bare_name=True) is False
    assert test_of("self.training and x") is None
    assert test_of("self.train") is None


def test_positive_int_and_hashable():
    assert [pysource.positive_int(v) for v in (1, 10, 0, -3, True, 2.0, "3", None)] == \
        [1, 10, None, None, None, None, None, None]
    assert pysource.hashable((1, "a", None)) and not pysource.hashable((1, [2]))


def test_try_star_bodies_are_read():
    # an `except*` group (Python 3.11) is a try statement like any other: the loss in its body is a wiring
    if not hasattr(ast, "TryStar"):
        pytest.skip("except* needs Python 3.11")
    wiring = one("""
        model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
        criterion = nn.CrossEntropyLoss()
        try:
            loss = criterion(model(x), y)
        except* ValueError:
            pass
    """)
    assert (wiring.activation, wiring.loss) == ("softmax", "nn.CrossEntropyLoss")


def test_loss_lookup_is_lint_tables_lookup_for_every_pytorch_spelling():
    # one table lookup: the reader names the loss lookup_loss resolves for PyTorch, spelled as torch writes it
    from lossadvisor.lint.spellings import lookup_loss

    for entry in DATA.losses:
        if "pytorch" not in entry["frameworks"] or entry["custom"]:
            continue
        for spelling in entry["spellings"]:
            if not spelling.startswith("nn.") or "(" in spelling:
                continue
            wiring = one(f"""
                model = nn.Linear(4, 1)
                criterion = {spelling}()
                loss = criterion(model(x), y)
            """)
            assert lookup_loss(wiring.loss, DATA, "pytorch")[0]["loss"] == entry["loss"], spelling


# ----------------------------------------------------------------------------- custom losses by name

CUSTOM_LOOP = """
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4))
for x, y in loader:
    logits = model(x)
    loss = {call}
    loss.backward()
"""


@pytest.mark.parametrize("imports, call, loss", [
    # a library the catalog's custom spellings name (coral_pytorch, pycox): not torch's, any module
    ("from coral_pytorch.losses import corn_loss\n", "corn_loss(logits, y, num_classes=5)", "corn_loss(num_classes=5)"),
    ("import coral_pytorch.losses as cl\n", "cl.coral_loss(logits, y)", "coral_loss"),
    ("from pycox.models.loss import CoxPHLoss\n", "CoxPHLoss()(logits, durations, events)", "CoxPHLoss"),
    # a function of the script named as the catalog names the custom loss
    ("def corn_loss(logits, targets):\n    return logits.sum()\n", "corn_loss(logits, y)", "corn_loss"),
])
def test_a_custom_loss_is_read_by_its_catalog_name(imports, call, loss):
    w = one(CUSTOM_LOOP.format(call=call), HEADER + imports)
    assert (w.loss, w.activation, w.units) == (loss, "linear", 4)
    assert not w.not_followed


@pytest.mark.parametrize("imports, call", [
    # the frameworks' and array libraries' own functions that share a custom spelling's name
    ("", "torch.quantile(logits, 0.5)"),
    ("import numpy as np\n", "np.quantile(logits, 0.5)"),
    # another function of the same library, and a function of the script, that no spelling names
    ("from coral_pytorch.dataset import corn_label_from_logits\n", "corn_label_from_logits(logits, y)"),
    ("def smooth(logits, targets):\n    return logits.sum()\n", "smooth(logits, y)"),
])
def test_other_functions_are_not_custom_losses(imports, call):
    assert [w.loss for w in read(CUSTOM_LOOP.format(call=call), HEADER + imports) if w.loss] == []
