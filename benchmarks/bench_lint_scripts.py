"""Whole-process time and peak memory of `lint TREE --format json` against `python -m pyflakes TREE`.

Goal (issue 11): on a generated tree of 1,000 training scripts, `lossadvisor lint TREE --format
json` takes at most the time of `python -m pyflakes TREE` on the same tree (lint reads less: it
follows the tensors that reach a loss, where pyflakes checks every name of every scope).
Lint's serial time (its process pool switched off) is reported too, to show what the second core
gives.

The tree is written into a temporary folder from a fixed seed: scripts in ten styles seen in real
projects (PyTorch class-based modules, `nn.Sequential`, functional losses, Lightning-style
`training_step`, binary and regression heads, KL divergence; Keras 3 Sequential and functional
models, `tf.keras` with `to_categorical` labels), each in a correct and a wrong pairing, 30 to 150
lines long, spread over nested folders.

Each figure is whole-process, as a user runs it: the median wall time of ``--runs`` runs (after one
warm-up run that also checks the output), and the peak resident memory of the largest process of
one further run (``ru_maxrss`` from ``os.wait4``, which on Linux covers the child and every
descendant it reaped: with the pool, the largest of the main process and its workers, not their
sum). Lint and pyflakes exit 1 when they find something, so each command runs under
``sh -c '"$@" >/dev/null 2>&1; [ $? -le 1 ]'`` (about a millisecond more for both).
Run: python benchmarks/bench_lint_scripts.py [--files 1000] [--runs 5] [--tree DIR]
(pyflakes is a benchmark dependency: pip install -e '.[bench]').
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

# run as a script: benchmarks/ is on the path
from bench_infer import run_once
from bench_startup import _env as startup_env, median_seconds

from lossadvisor.lint.inputs import JOBS_ENV

MIN_LINES, MAX_LINES = 30, 150
SHOWN_ERRORS = 10      # lint's file errors printed, at most
# exit 0 (clean) and 1 (findings) are both a completed run; 2 and above are failures
ACCEPT_FINDINGS = ["sh", "-c", '"$@" >/dev/null 2>&1; [ $? -le 1 ]', "sh"]
# lint's process pool switched off: one process reads every script
SERIAL_ENV = {JOBS_ENV: "1"}

TOP_FOLDERS = ("experiments", "projects", "src", "research", "notebooks_export", "kaggle")
SUB_FOLDERS = ("vision", "nlp", "tabular", "baselines", "ablations", "models", "training", "legacy")
TITLES = ("digits", "sentiment", "churn", "species", "defects", "intent", "landcover", "tickets")


# ---- the script styles: each returns (header, body, main) given (rng, wrong) -----------------------

def _torch_nn_import(rng: random.Random) -> str:
    return rng.choice(("from torch import nn", "import torch.nn as nn"))


def _functional_alias(rng: random.Random) -> str:
    return rng.choice(("F", "fn", "functional"))


def style_torch_class(rng: random.Random, wrong: bool) -> tuple[str, str, str]:
    """An nn.Module with a forward that may end in a softmax, trained with CrossEntropyLoss."""
    classes, hidden, features = rng.randint(3, 20), rng.choice((64, 128, 256)), rng.randint(8, 64)
    if wrong:
        extra_layer = "        self.softmax = nn.Softmax(dim=1)\n"
        forward_end = "        return self.softmax(logits)\n"
    else:
        extra_layer = ""
        forward_end = rng.choice((
            "        return logits\n",
            "        if not self.training:\n            return logits.softmax(dim=1)\n        return logits\n",
            "        return logits, hidden\n",
        ))
    use = "out, _ = model(xb)" if "logits, hidden" in forward_end else "out = model(xb)"
    header = f"import torch\n{_torch_nn_import(rng)}\nfrom torch.utils.data import DataLoader, TensorDataset\n"
    body = f'''
class Classifier(nn.Module):
    """A two-layer classifier over {features} features."""

    def __init__(self, in_features={features}, hidden={hidden}, num_classes={classes}):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Dropout({rng.choice((0.1, 0.2, 0.5))}))
        self.head = nn.Linear(hidden, num_classes)
{extra_layer}
    def forward(self, x):
        hidden = self.body(x)
        logits = self.head(hidden)
{forward_end}

def train(epochs={rng.randint(2, 50)}, lr={rng.choice((1e-3, 3e-4, 1e-2))}):
    features = torch.randn({rng.randint(100, 5000)}, {features})
    labels = torch.randint(0, {classes}, (features.shape[0],))
    loader = DataLoader(TensorDataset(features, labels), batch_size={rng.choice((16, 32, 64))}, shuffle=True)
    model = Classifier()
    criterion = nn.CrossEntropyLoss({rng.choice(("", "label_smoothing=0.1", "reduction='mean'"))})
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            {use}
            loss = criterion(out, yb)
            loss.backward()
            optimizer.step()
        print(f"epoch {{epoch}}: loss {{loss.item():.4f}}")
    return model
'''
    return header, body, "    train()\n"


def style_torch_sequential(rng: random.Random, wrong: bool) -> tuple[str, str, str]:
    """An nn.Sequential ending in LogSoftmax (right) or Softmax (wrong) before NLLLoss."""
    classes, features, hidden = rng.randint(3, 12), rng.randint(4, 100), rng.choice((32, 64, 128))
    last = "nn.Softmax(dim=1)" if wrong else rng.choice(("nn.LogSoftmax(dim=1)", "nn.LogSoftmax(dim=-1)"))
    header = f"import torch\n{_torch_nn_import(rng)}\n"
    body = f'''
def build_model(in_features={features}, num_classes={classes}):
    return nn.Sequential(
        nn.Linear(in_features, {hidden}),
        nn.{rng.choice(("ReLU", "GELU", "Tanh"))}(),
        nn.Linear({hidden}, num_classes),
        {last},
    )


def fit(model, inputs, targets, steps={rng.randint(10, 500)}):
    criterion = nn.NLLLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(steps):
        optimizer.zero_grad()
        log_probs = model(inputs)
        loss = criterion(log_probs, targets)
        loss.backward()
        optimizer.step()
    return loss.item()


def run():
    inputs = torch.randn({rng.randint(64, 2048)}, {features})
    targets = torch.randint(0, {classes}, (inputs.shape[0],)).long()
    model = build_model()
    print(fit(model, inputs, targets))
'''
    return header, body, "    run()\n"


def style_torch_functional(rng: random.Random, wrong: bool) -> tuple[str, str, str]:
    """Functional losses: F.cross_entropy on raw scores, or F.nll_loss on log_softmax."""
    alias = _functional_alias(rng)
    classes = rng.randint(3, 30)
    if wrong:
        loss_line = rng.choice((
            f"{alias}.cross_entropy({alias}.softmax(scores, dim=1), y)",
            f"{alias}.cross_entropy(scores.softmax(1), y)",
            f"{alias}.nll_loss(scores.softmax(dim=-1), y)",
        ))
    else:
        loss_line = rng.choice((
            f"{alias}.cross_entropy(scores, y)",
            f"{alias}.nll_loss({alias}.log_softmax(scores, dim=1), y)",
            f"{alias}.nll_loss(scores.log_softmax(dim=-1), y)",
        ))
    header = f"import torch\nimport torch.nn.functional as {alias}\n"
    body = f'''
class TinyNet(torch.nn.Module):
    def __init__(self, classes={classes}):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 8, 3)
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(8, classes)

    def forward(self, images):
        x = {alias}.relu(self.conv(images))
        x = self.pool(x).flatten(1)
        return self.fc(x)


def compute_loss(model, batch):
    x, y = batch
    scores = model(x)
    return {loss_line}


def train(steps={rng.randint(5, 300)}):
    model = TinyNet()
    optimizer = torch.optim.AdamW(model.parameters(), lr={rng.choice((1e-3, 5e-4))})
    for step in range(steps):
        batch = (torch.randn(16, 1, 28, 28), torch.randint(0, {classes}, (16,)))
        loss = compute_loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
'''
    return header, body, "    train()\n"


def style_lightning(rng: random.Random, wrong: bool) -> tuple[str, str, str]:
    """A Lightning-style module whose training_step calls the loss."""
    module = rng.choice(("import lightning as L", "import pytorch_lightning as L"))
    classes = rng.randint(3, 10)
    prediction = "torch.softmax(logits, dim=-1)" if wrong else "logits"
    header = f"import torch\n{_torch_nn_import(rng)}\n{module}\n"
    body = f'''
class LitClassifier(L.LightningModule):
    def __init__(self, in_features={rng.randint(8, 256)}, num_classes={classes}, lr={rng.choice((1e-3, 2e-4))}):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Linear(in_features, 64), nn.ReLU(), nn.Linear(64, num_classes))
        self.loss_fn = nn.CrossEntropyLoss()

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        loss = self.loss_fn({prediction}, y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        with torch.no_grad():
            probs = self(x).softmax(dim=-1)
        self.log("val_acc", (probs.argmax(dim=-1) == y).float().mean())

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
'''
    return header, body, "    LitClassifier()\n"


def style_torch_binary(rng: random.Random, wrong: bool) -> tuple[str, str, str]:
    """A one-unit head: BCEWithLogitsLoss on raw scores, or BCELoss after a sigmoid."""
    if wrong:
        loss, prediction = "nn.BCEWithLogitsLoss()", rng.choice(("torch.sigmoid(logit)", "logit.sigmoid()"))
    else:
        loss, prediction = rng.choice((
            ("nn.BCEWithLogitsLoss()", "logit"),
            (f"nn.BCEWithLogitsLoss(pos_weight=torch.tensor([{rng.choice((2.0, 5.0, 10.0))}]))", "logit"),
            ("nn.BCELoss()", "torch.sigmoid(logit)"),
        ))
    header = f"import torch\n{_torch_nn_import(rng)}\n"
    body = f'''
class Detector(nn.Module):
    def __init__(self, in_features={rng.randint(4, 128)}):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(in_features, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.layers(x)


def train_detector(data, targets, epochs={rng.randint(3, 40)}):
    model = Detector(data.shape[1])
    criterion = {loss}
    optimizer = torch.optim.Adam(model.parameters())
    targets = targets.float().view(-1, 1)
    for epoch in range(epochs):
        optimizer.zero_grad()
        logit = model(data)
        loss = criterion({prediction}, targets)
        loss.backward()
        optimizer.step()
    return model
'''
    main = f"    train_detector(torch.randn(256, {rng.randint(4, 128)}), torch.randint(0, 2, (256,)))\n"
    return header, body, main


def style_torch_regression(rng: random.Random, wrong: bool) -> tuple[str, str, str]:
    """MSELoss on a (N, 1) prediction: a target flattened to (N,) broadcasts (wrong); one shaped
    (N, 1) does not (right)."""
    target = rng.choice(("y.view(-1)", "y.flatten()")) if wrong else rng.choice(("y.view(-1, 1)", "y.unsqueeze(1)"))
    hidden = rng.choice((16, 32, 64))
    header = f"import torch\n{_torch_nn_import(rng)}\n"
    body = f'''
class Regressor(nn.Module):
    def __init__(self, in_features):
        super().__init__()
        self.hidden = nn.Linear(in_features, {hidden})
        self.out = nn.Linear({hidden}, 1)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


def train_regressor(x, y, epochs={rng.randint(10, 200)}):
    model = Regressor(x.shape[1])
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        pred = model(x)
        loss = loss_fn(pred, {target})
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model
'''
    main = f"    train_regressor(torch.randn(512, {rng.randint(2, 40)}), torch.randn(512))\n"
    return header, body, main


def style_torch_kl(rng: random.Random, wrong: bool) -> tuple[str, str, str]:
    """Distillation: KLDivLoss wants log-probabilities from the student."""
    alias = _functional_alias(rng)
    student = f"{alias}.softmax(student_logits / T, dim=1)" if wrong else f"{alias}.log_softmax(student_logits / T, dim=1)"
    header = f"import torch\n{_torch_nn_import(rng)}\nimport torch.nn.functional as {alias}\n"
    body = f'''
T = {rng.choice((2.0, 4.0, 8.0))}


def distill(student, teacher, loader, epochs={rng.randint(1, 20)}):
    criterion = nn.KLDivLoss(reduction="batchmean")
    optimizer = torch.optim.Adam(student.parameters(), lr=1e-4)
    teacher.eval()
    for epoch in range(epochs):
        for images, _ in loader:
            with torch.no_grad():
                teacher_probs = {alias}.softmax(teacher(images) / T, dim=1)
            student_logits = student(images)
            loss = criterion({student}, teacher_probs) * T * T
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return student
'''
    main = "    distill(nn.Linear(10, 5), nn.Linear(10, 5), [(torch.randn(4, 10), None)])\n"
    return header, body, main


def _keras_import(rng: random.Random) -> str:
    return rng.choice(("import keras\nfrom keras import layers\n",
                       "from tensorflow import keras\nfrom tensorflow.keras import layers\n"))


def style_keras_sequential(rng: random.Random, wrong: bool) -> tuple[str, str, str]:
    """Keras Sequential multiclass: the last Dense and the loss's from_logits must agree."""
    classes = rng.randint(3, 20)
    if wrong:
        last, loss = rng.choice((
            (f'layers.Dense({classes}, activation="softmax")',
             "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"),
            (f"layers.Dense({classes})", '"sparse_categorical_crossentropy"'),
        ))
    else:
        last, loss = rng.choice((
            (f'layers.Dense({classes}, activation="softmax")', '"sparse_categorical_crossentropy"'),
            (f"layers.Dense({classes})", "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"),
        ))
    header = f"import numpy as np\n{_keras_import(rng)}"
    body = f'''
def make_model(input_dim={rng.randint(4, 200)}):
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        layers.Dense({rng.choice((32, 64, 128))}, activation="relu"),
        layers.Dropout({rng.choice((0.1, 0.3))}),
        {last},
    ])
    model.compile(optimizer="adam", loss={loss}, metrics=["accuracy"])
    return model


def main():
    x = np.random.rand({rng.randint(100, 4000)}, {rng.randint(4, 200)}).astype("float32")
    y = np.random.randint(0, {classes}, size=(x.shape[0],))
    model = make_model(x.shape[1])
    model.fit(x, y, epochs={rng.randint(1, 30)}, batch_size={rng.choice((32, 64))}, validation_split=0.1)
'''
    return header, body, "    main()\n"


def style_keras_functional(rng: random.Random, wrong: bool) -> tuple[str, str, str]:
    """Keras functional binary head: a sigmoid output with BinaryCrossentropy (from_logits off)."""
    if wrong:
        head, loss = rng.choice((
            ('layers.Dense(1, activation="sigmoid")', "keras.losses.BinaryCrossentropy(from_logits=True)"),
            ('layers.Dense(2, activation="softmax")', '"binary_crossentropy"'),
        ))
    else:
        head, loss = rng.choice((
            ('layers.Dense(1, activation="sigmoid")', '"binary_crossentropy"'),
            ("layers.Dense(1)", "keras.losses.BinaryCrossentropy(from_logits=True)"),
        ))
    header = f"import numpy as np\n{_keras_import(rng)}"
    body = f'''
def build(num_features={rng.randint(4, 64)}):
    inputs = keras.Input(shape=(num_features,))
    x = layers.Dense({rng.choice((16, 32, 64))}, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Dense({rng.choice((8, 16))}, activation="relu")(x)
    outputs = {head}(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="{rng.choice(TITLES)}")
    model.compile(optimizer=keras.optimizers.Adam({rng.choice((1e-3, 1e-4))}), loss={loss})
    return model


def main():
    x = np.random.normal(size=({rng.randint(200, 3000)}, {rng.randint(4, 64)})).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = build(x.shape[1])
    model.fit(x, y, epochs={rng.randint(1, 20)}, verbose=0)
'''
    return header, body, "    main()\n"


def style_keras_categorical(rng: random.Random, wrong: bool) -> tuple[str, str, str]:
    """tf.keras with to_categorical labels: categorical cross-entropy (right) or sparse (wrong)."""
    classes = rng.randint(3, 15)
    loss = '"sparse_categorical_crossentropy"' if wrong else rng.choice(
        ('"categorical_crossentropy"', "keras.losses.CategoricalCrossentropy()"))
    header = ("import numpy as np\nfrom tensorflow import keras\n"
              "from tensorflow.keras.utils import to_categorical\n")
    body = f'''
NUM_CLASSES = {classes}


def load_data(n={rng.randint(100, 5000)}):
    x = np.random.rand(n, 28, 28, 1).astype("float32")
    labels = np.random.randint(0, NUM_CLASSES, size=n)
    return x, to_categorical(labels, NUM_CLASSES)


def build_cnn():
    model = keras.Sequential()
    model.add(keras.layers.Conv2D({rng.choice((16, 32))}, 3, activation="relu", input_shape=(28, 28, 1)))
    model.add(keras.layers.MaxPooling2D())
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(NUM_CLASSES, activation="softmax"))
    return model


def main():
    x, y = load_data()
    model = build_cnn()
    model.compile(loss={loss}, optimizer="rmsprop", metrics=["accuracy"])
    model.fit(x, y, epochs={rng.randint(1, 12)})
'''
    return header, body, "    main()\n"


STYLES = (style_torch_class, style_torch_sequential, style_torch_functional, style_lightning,
          style_torch_binary, style_torch_regression, style_torch_kl, style_keras_sequential,
          style_keras_functional, style_keras_categorical)


# ---- filler: the rest of a real script (helpers, config, logging), to vary the length --------------

def _filler(rng: random.Random, number: int, torch_script: bool) -> str:
    name = f"{rng.choice(('compute', 'report', 'collect', 'format', 'check'))}_{rng.choice(TITLES)}_{number}"
    kind = rng.randrange(4)
    if kind == 0 and torch_script:
        return f'''
def {name}(scores, labels):
    """Top-1 accuracy of a batch."""
    predicted = scores.argmax(dim=1)
    correct = (predicted == labels).sum().item()
    return correct / max(1, labels.numel())
'''
    if kind == 0:
        return f'''
def {name}(probabilities, labels):
    """Top-1 accuracy of a batch."""
    predicted = np.argmax(probabilities, axis=-1)
    return float(np.mean(predicted == labels))
'''
    if kind == 1:
        return f'''
def {name}(history, every={rng.randint(1, 10)}):
    lines = []
    for step, value in enumerate(history):
        if step % every == 0:
            lines.append(f"step {{step:5d}}  value {{value:.4f}}")
    return "\\n".join(lines)
'''
    if kind == 2:
        keys = rng.sample(("lr", "epochs", "batch_size", "seed", "dropout", "weight_decay", "warmup"), 4)
        entries = "".join(f'        "{k}": {rng.randint(1, 100)},\n' for k in keys)
        return f'''
def {name}(overrides=None):
    config = {{
{entries}    }}
    for key, value in (overrides or {{}}).items():
        if key not in config:
            raise KeyError(f"unknown setting {{key}}")
        config[key] = value
    return config
'''
    return f'''
class {name.title().replace("_", "")}:
    """Keeps the best value seen and when it was seen."""

    def __init__(self, patience={rng.randint(2, 20)}):
        self.patience = patience
        self.best = None
        self.since = 0

    def update(self, value):
        if self.best is None or value < self.best:
            self.best, self.since = value, 0
        else:
            self.since += 1
        return self.since > self.patience
'''


def make_script(rng: random.Random, style, wrong: bool) -> str:
    header, body, main = style(rng, wrong)
    title = rng.choice(TITLES)
    text = f'"""Train a {title} model ({style.__name__.removeprefix("style_")})."""\n\n{header}\n{body}'
    target = rng.randint(MIN_LINES, MAX_LINES)
    torch_script = "import torch" in header
    number = 0
    tail = f'\n\nif __name__ == "__main__":\n{main}'
    while (text + tail).count("\n") < target:
        filler = "\n" + _filler(rng, number, torch_script)
        if (text + filler + tail).count("\n") > MAX_LINES:
            break
        text += filler
        number += 1
    return text + tail


def write_tree(root: Path, files: int, seed: int) -> Counter:
    """``files`` scripts under ``root``, cycling through the styles, half of them wrong; returns
    how many of each (style, "wrong"|"right")."""
    rng = random.Random(seed)
    made: Counter = Counter()
    for index in range(files):
        style = STYLES[index % len(STYLES)]
        wrong = rng.random() < 0.5
        depth = rng.choice((0, 1, 1, 2, 2, 3))
        nested = [f"{rng.choice(SUB_FOLDERS)}_{rng.randint(1, 6)}" for _ in range(depth - 1)]
        folder = root.joinpath(rng.choice(TOP_FOLDERS), *nested) if depth else root
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{rng.choice(('train', 'fit', 'main', 'run', 'model'))}_{index:04d}.py"
        (folder / name).write_text(make_script(rng, style, wrong), encoding="utf-8")
        made[(style.__name__.removeprefix("style_"), "wrong" if wrong else "right")] += 1
    return made


# ---- measuring ---------------------------------------------------------------------------------

def check_lint(python: str, tree: Path, env: dict) -> dict:
    """One run of lint on the tree (also the warm-up): its exit code, file errors and findings."""
    proc = subprocess.run([python, "-m", "lossadvisor", "lint", str(tree), "--format", "json"],
                          capture_output=True, text=True, env=env)
    if proc.returncode not in (0, 1):
        first = (proc.stderr.strip().splitlines() or ["(no message)"])[0]
        raise SystemExit(f"lint failed on the generated tree (exit {proc.returncode}): {first}")
    doc = json.loads(proc.stdout)
    counts = doc.get("counts", {})
    return {"exit": proc.returncode, "scripts": counts.get("scripts"), "wirings": counts.get("models"),
            "no_wiring": counts.get("no_wiring"), "errors": [e["message"] for e in doc.get("errors", [])],
            "findings": dict(sorted(Counter(f["code"] for f in doc["findings"]).items()))}


def has_pyflakes(python: str) -> bool:
    probe = subprocess.run([python, "-c", "import pyflakes"], capture_output=True)
    return probe.returncode == 0


def measure(args: list[str], runs: int, env: dict) -> dict:
    """The median wall time of ``runs`` runs and the peak RSS of one more (see the docstring)."""
    wrapped = ACCEPT_FINDINGS + args
    seconds = median_seconds(wrapped, runs, env)
    _, peak_mib = run_once(wrapped, env)
    return {"median_s": round(seconds, 3), "peak_rss_mib": round(peak_mib, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="scripts in the generated tree")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--tree", help="write the tree into this (empty or new) folder and keep it")
    parser.add_argument("--python", default=sys.executable)
    ns = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lossadvisor-lint-bench-") as scratch:
        tree = Path(ns.tree) if ns.tree else Path(scratch) / "tree"
        made = write_tree(tree, ns.files, ns.seed)
        lines = [p.read_text(encoding="utf-8").count("\n") for p in tree.rglob("*.py")]
        env = startup_env()
        serial_env = {**env, **SERIAL_ENV}
        lint = [ns.python, "-m", "lossadvisor", "lint", str(tree), "--format", "json"]
        checked = check_lint(ns.python, tree, env)
        rows = {"lossadvisor lint (pool)": measure(lint, ns.runs, env),
                "lossadvisor lint (serial)": measure(lint, ns.runs, serial_env)}
        if has_pyflakes(ns.python):
            pyflakes = [ns.python, "-m", "pyflakes", str(tree)]
            subprocess.run(pyflakes, stdout=subprocess.DEVNULL, env=env)  # warm-up
            rows["python -m pyflakes"] = measure(pyflakes, ns.runs, env)
        else:
            print("pyflakes is not installed for this Python (pip install pyflakes): "
                  "its column is skipped", file=sys.stderr)

    wrong = sum(n for (_, kind), n in made.items() if kind == "wrong")
    print(f"{ns.files} scripts ({wrong} wrong pairings), {min(lines)}-{max(lines)} lines, "
          f"{sum(lines)} lines in all; {ns.runs} runs each; {os.cpu_count()} cores")
    print(f"lint: exit {checked['exit']}; {checked['scripts']} scripts read, {checked['wirings']} wirings, "
          f"{checked['no_wiring']} scripts without one, {len(checked['errors'])} file errors; "
          f"findings {checked['findings']}")
    for message in checked["errors"][:SHOWN_ERRORS]:
        print(f"  {message}")
    base = rows.get("python -m pyflakes")
    print(f"{'command':<28}{'median s':>10}{'peak RSS MiB':>14}{'vs pyflakes':>13}")
    for name, row in rows.items():
        ratio = f"{row['median_s'] / base['median_s']:.2f}x" if base else "-"
        print(f"{name:<28}{row['median_s']:>10.3f}{row['peak_rss_mib']:>14.1f}{ratio:>13}")
    print("peak RSS: the largest single process of the run (with the pool: of the main process and "
          "its workers, not their sum)")
    pool, serial = rows["lossadvisor lint (pool)"], rows["lossadvisor lint (serial)"]
    print(f"pool speed-up over serial: {serial['median_s'] / pool['median_s']:.2f}x")


if __name__ == "__main__":
    main()
