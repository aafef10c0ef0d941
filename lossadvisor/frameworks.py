"""Framework code for a recommendation: PyTorch, Keras 3 and JAX + optax.

``framework_code(rec, rb)`` returns the output layer, the loss and the
inference expression as the chosen framework spells them, and a complete,
runnable training program (a string) that:

* builds a seeded, learnable batch with the target shape and dtype the loss
  expects (NumPy, identical across frameworks);
* builds a tiny MLP ending in the recommended output layer;
* takes ``steps`` full-batch Adam steps and prints ``loss before: ...`` and
  ``loss after: ...``;
* turns the model output into predictions with the ``inference`` expression.

Policies (also stated in each program and in ``notes``):

* PyTorch and optax: fused losses on raw outputs. ``BCEWithLogitsLoss`` and
  ``CrossEntropyLoss`` get logits, ``PoissonNLLLoss(log_input=True)`` gets the
  log rate, ``KLDivLoss`` gets ``log_softmax(logits)``; ``inference`` applies
  the activation.
* Keras: classification heads are a linear ``Dense`` and the loss takes
  ``from_logits=True``. Keras losses without ``from_logits`` (``KLDivergence``,
  ``Poisson``, ``Hinge``, ``SquaredHinge``) get the activation in the layer.
  Keras programs use ``keras.ops`` only, so they run on any Keras 3 backend.
* JAX: the model is plain ``jax``/``jax.numpy`` functions (no flax); the output
  layer is ``jnp.dot(h, params["w_out"]) + params["b_out"]``.
* Where a framework has no built-in loss, the program carries a short custom
  implementation with Keras semantics (per-sample mean over the last axis for
  the regression family, then the mean over the batch).

Pure: no click, no rich, no numpy at import time.
"""

from __future__ import annotations

from lossadvisor.rulebase import Record  # plain records: dataclasses cost start-up time

FRAMEWORKS = ("pytorch", "keras", "jax")
TITLES = {"pytorch": "PyTorch", "keras": "Keras 3", "jax": "JAX + optax"}

# The tiny problem every program trains on.
N_EXAMPLES = 512
N_FEATURES = 8
HIDDEN = 32
STEPS = 100
LEARNING_RATE = 0.01
MAX_LINE = 99  # emitted lines stay within this width

REGRESSION_LOSSES = (
    "mean_squared_error", "mean_absolute_error", "mean_squared_logarithmic_error", "huber", "log_cosh",
    "poisson", "gaussian_nll", "quantile",
)
SIGMOID_LOSSES = ("binary_crossentropy", "binary_focal_crossentropy")
MARGIN_LOSSES = ("hinge", "squared_hinge")
SOFTMAX_LOSSES = ("categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence",
                  "categorical_focal_crossentropy")
SUPPORTED_LOSSES = REGRESSION_LOSSES + SIGMOID_LOSSES + MARGIN_LOSSES + SOFTMAX_LOSSES

# Positive rate per label by imbalance answer (binary, multilabel), and the
# per-class logit decrement that skews multiclass frequencies.
POSITIVE_RATE = {"binary": {"none": 0.5, "moderate": 0.1, "severe": 0.01},
                 "multilabel": {"none": 0.3, "moderate": 0.1, "severe": 0.01}}
CLASS_SKEW = {"none": 0.0, "moderate": 0.4, "severe": 0.8}


# ------------------------------------------------------------------ the problem


class _Problem(Record):
    """What the program must build, derived from the recommendation.

    loss, units; target: real | positive | count | zero_one | plus_minus_one |
    integer | one_hot | probabilities; width: last axis of y (regression outputs,
    labels, classes; integer labels: the classes); params, answers, rule,
    loss_name; heteroscedastic, outliers, positive_rate, class_skew;
    weighting: "pos_weight" | "class_weight" | None; quantiles; notes.
    """

    __slots__ = ("loss", "units", "target", "width", "params", "answers", "rule", "loss_name",
                 "heteroscedastic", "outliers", "positive_rate", "class_skew", "weighting", "quantiles", "notes")
    _defaults = {"heteroscedastic": False, "outliers": False, "positive_rate": 0.5, "class_skew": 0.0,
                 "weighting": None, "quantiles": (), "notes": list}


def _problem(rec) -> _Problem:
    loss, units, answers, params = rec.loss, int(rec.units), dict(rec.answers), dict(rec.params)
    task = answers.get("task")
    p = _Problem(loss=loss, units=units, target="real", width=units, params=params, answers=answers,
                 rule=rec.rule, loss_name=rec.loss_name or loss)
    imbalance = answers.get("imbalance", "none")
    if loss in REGRESSION_LOSSES:
        if loss == "poisson":
            p.target = "count"
        elif loss == "mean_squared_logarithmic_error":
            p.target = "positive"
        else:
            p.target = {"positive_wide": "positive", "count": "count"}.get(answers.get("target"), "real")
        p.outliers = answers.get("outliers") == "yes" and p.target == "real"
        if loss == "gaussian_nll":
            mean_heads = [h for h in rec.heads if h.get("name") == "mean"]
            p.width = int(mean_heads[0]["units"]) if mean_heads else max(units // 2, 1)
            p.heteroscedastic = p.target == "real"
        elif loss == "quantile":
            p.quantiles = tuple(float(q) for q in params.get("quantiles") or (0.1, 0.5, 0.9))
            p.width = max(units // len(p.quantiles), 1)
            p.heteroscedastic = p.target == "real"
    elif loss in SIGMOID_LOSSES or loss in MARGIN_LOSSES:
        p.target = "plus_minus_one" if loss in MARGIN_LOSSES else "zero_one"
        p.positive_rate = POSITIVE_RATE["multilabel" if task == "multilabel" else "binary"].get(imbalance, 0.5)
    else:
        labels = answers.get("labels")
        if loss == "sparse_categorical_crossentropy" or (loss == "categorical_focal_crossentropy" and labels == "integer"):
            p.target = "integer"
        elif loss == "kl_divergence" or labels == "probabilities":
            p.target = "probabilities"
        else:
            p.target = "one_hot"
        p.class_skew = CLASS_SKEW.get(imbalance, 0.0)
    if params.get("class_weight") == "balanced":
        if loss == "binary_crossentropy":
            p.weighting = "pos_weight"
        elif loss in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
            p.weighting = "class_weight"
        else:
            p.notes.append(f"class_weight=balanced is not applied to {loss}")
    return p


def _num(value) -> str:
    """A parameter as Python source (2.0, 0.25, 1)."""
    return repr(float(value)) if isinstance(value, float) else repr(value)


def _param(p: _Problem, name: str, default: float) -> str:
    """The loss parameter ``name`` (or its default) as a float in Python source."""
    return _num(float(p.params.get(name, default)))


# ------------------------------------------------------------------ shared NumPy data


def _data_section(p: _Problem) -> list[str]:
    """The data section of every program, with its heading and the blank line after it."""
    return ["# ---- a seeded, learnable batch", *_data_lines(p), ""]


def _data_lines(p: _Problem) -> list[str]:
    lines = [
        "rng = np.random.default_rng(0)",
        "# in_features: the width of the last hidden layer, the input of the output layer",
        f"n, n_features, in_features, steps = {N_EXAMPLES}, {N_FEATURES}, {HIDDEN}, {STEPS}",
        'x = rng.normal(size=(n, n_features)).astype("float32")',
    ]
    k = p.width
    if p.target in ("real", "positive", "count"):
        lines.append(f"k = {k}  # target values per example")
        lines.append("w_true = rng.normal(size=(n_features, k)) / np.sqrt(n_features)")
    if p.target == "real":
        if p.heteroscedastic:
            lines += [
                "# real-valued targets, shape (n, k), float32; the noise level grows with |x[:, 0]|",
                "noise_scale = 0.1 + 0.5 * np.abs(x[:, :1])",
                'y = (x @ w_true + noise_scale * rng.normal(size=(n, k))).astype("float32")',
            ]
        else:
            lines += [
                "# real-valued targets, shape (n, k), float32: a linear function of x plus noise",
                'y = (x @ w_true + 0.1 * rng.normal(size=(n, k))).astype("float32")',
            ]
        if p.outliers:
            lines += [
                "outlier = rng.random(size=y.shape) < 0.05  # about 5% gross outliers",
                'y[outlier] += rng.normal(scale=10.0, size=int(outlier.sum())).astype("float32")',
            ]
    elif p.target == "positive":
        lines += [
            "# positive targets spanning orders of magnitude (about 0.1 to 1000), shape (n, k), float32",
            'y = np.exp(2.0 + 1.5 * (x @ w_true)).astype("float32")',
        ]
    elif p.target == "count":
        lines += [
            "# counts: non-negative integers, shape (n, k); the loss takes them as float32",
            "counts = rng.poisson(np.exp(1.0 + 0.5 * (x @ w_true)))",
            'y = counts.astype("float32")',
        ]
    elif p.target in ("zero_one", "plus_minus_one"):
        rate = p.positive_rate
        lines += [
            f"w_true = rng.normal(size=(n_features, {k}))",
            "score = x @ w_true",
            f"threshold = np.quantile(score, {1 - rate:.2f}, axis=0)  # about {rate:.0%} positives per label",
        ]
        if p.target == "zero_one":
            lines += [
                f"# 0/1 labels, shape (n, {k}), float32",
                'y = (score > threshold).astype("float32")',
            ]
        else:
            lines += [
                f"# -1/+1 labels, shape (n, {k}), float32",
                'y = np.where(score > threshold, 1.0, -1.0).astype("float32")',
            ]
    else:
        lines += [
            f"classes = {k}",
            "w_true = rng.normal(size=(n_features, classes))",
        ]
        if p.target == "probabilities":
            lines += [
                "logits_true = x @ w_true",
                "# probability targets (soft labels), shape (n, classes), float32; each row sums to 1",
                "y = np.exp(logits_true - logits_true.max(axis=1, keepdims=True))",
                'y = (y / y.sum(axis=1, keepdims=True)).astype("float32")',
            ]
        else:
            skew = ""
            if p.class_skew:
                lines.append(f"class_bias = -{p.class_skew} * np.arange(classes)  # later classes are rarer")
                skew = " + class_bias"
            if p.target == "integer":
                lines += [
                    "# integer class labels 0 .. classes-1, shape (n,), int64",
                    f'y = np.argmax(x @ w_true{skew}, axis=1).astype("int64")',
                ]
            else:
                lines += [
                    f'labels = np.argmax(x @ w_true{skew}, axis=1)',
                    "# one-hot labels, shape (n, classes), float32",
                    'y = np.eye(classes, dtype="float32")[labels]',
                ]
    if p.weighting == "pos_weight":
        lines += [
            "",
            "# positive weight per label = negatives / positives, from the training labels",
            "positives = y.sum(axis=0)",
            f'pos_weight = ((n - positives) / np.maximum(positives, 1)).astype("float32")  # shape ({k},)',
        ]
    elif p.weighting == "class_weight":
        labels_expr = "y" if p.target == "integer" else "y.argmax(axis=1)"
        lines += [
            "",
            "# class weight = N / (classes * count): inversely proportional to class frequency,",
            "# from the training labels (a class absent from the batch counts as 1)",
            f"class_counts = np.bincount({labels_expr}, minlength=classes)",
            'class_weight = (n / (classes * np.maximum(class_counts, 1))).astype("float32")',
        ]
    return lines


def _labels_text(p: _Problem) -> str:
    k = p.width
    return {
        "real": f"float32 real values, shape (batch, {k})",
        "positive": f"float32 positive values, shape (batch, {k})",
        "count": f"non-negative integer counts as float32, shape (batch, {k})",
        "zero_one": f"float32 0/1 labels, shape (batch, {k})",
        "plus_minus_one": f"float32 -1/+1 labels, shape (batch, {k})",
        "integer": f"int64 class indices 0..{k - 1}, shape (batch,)",
        "one_hot": f"float32 one-hot rows, shape (batch, {k})",
        "probabilities": f"float32 probability rows summing to 1, shape (batch, {k})",
    }[p.target]


# ------------------------------------------------------------------ one framework's pieces


class _Pieces(Record):
    """What varies between losses inside one framework's program template.

    output_layer; loss (the `loss` key: the loss expression); raw (the name of the
    model output in the program); call (pytorch/jax: the loss expression on `raw`
    and the targets); body (jax: lines of loss_fn before `return call`);
    body_loss (jax: the loss as one expression when `body` is used); setup (lines
    defining custom losses / weights); inference; from_logits; same_shape (model
    output and targets have identical shapes); layer_comment (a comment on the
    output layer line); fit_extra, eval_extra (keras: extra fit/evaluate
    arguments); notes.
    """

    __slots__ = ("output_layer", "loss", "raw", "call", "body", "body_loss", "setup", "inference", "from_logits",
                 "same_shape", "layer_comment", "fit_extra", "eval_extra", "notes")
    _defaults = {"call": "", "body": list, "body_loss": "", "setup": list, "inference": "the output itself",
                 "from_logits": None, "same_shape": False, "layer_comment": "", "fit_extra": "", "eval_extra": "",
                 "notes": list}


_QUANTILE_NOTE = ("{u} linear units = {k} outputs x {q} quantiles, read as (batch, outputs, quantiles); "
                  "the pinball loss is a short custom function")
_MARGIN_NOTE = "tanh output and -1/+1 float labels; the sign of the score is the class (no probabilities)"


def _quantile_parts(p: _Problem) -> tuple[str, str]:
    """The quantile levels as Python source ("0.1, 0.5, 0.9"), and the note on the output layer."""
    qs = ", ".join(_num(q) for q in p.quantiles)
    return qs, _QUANTILE_NOTE.format(u=p.units, k=p.width, q=len(p.quantiles))


def _layer_comment(p: _Problem, name: str) -> str:
    """What the output layer emits, for the comment on its line."""
    loss, k = p.loss, p.width
    if loss == "poisson":
        return "emits the log rate; the loss applies exp" if name != "keras" else "exponential: emits the rate"
    if loss == "gaussian_nll":
        return f"{k} mean{'s' if k != 1 else ''}, then {k} raw variance{'s' if k != 1 else ''} (softplus in the loss)"
    if loss == "quantile":
        return f"{k} output{'s' if k != 1 else ''} x {len(p.quantiles)} quantiles, linear"
    if loss in REGRESSION_LOSSES:
        return "linear: any real value"
    if loss in MARGIN_LOSSES:
        return "tanh: a score in (-1, 1)"
    if loss == "kl_divergence" and name == "keras":
        return "KLDivergence wants probabilities"
    act = "sigmoid" if loss in SIGMOID_LOSSES else "softmax"
    if name == "keras":
        return f"raw logits: no {act} here, from_logits=True in the loss"
    if loss == "kl_divergence":
        return "raw logits: log_softmax is taken before the loss"
    return f"raw logits: no {act} here, the loss applies it"


# ---- PyTorch


def _pytorch(p: _Problem) -> _Pieces:
    loss, u, k = p.loss, p.units, p.width
    linear = f"nn.Linear(in_features, {u})"
    pc = _Pieces(output_layer=linear, loss="", raw="outputs")
    if loss in REGRESSION_LOSSES:
        pc.same_shape = loss not in ("gaussian_nll", "quantile")
        builtin = {
            "mean_squared_error": "nn.MSELoss()",
            "mean_absolute_error": "nn.L1Loss()",
            "huber": f"nn.HuberLoss(delta={_param(p, 'delta', 1.0)})",
        }
        if loss in builtin:
            pc.loss = builtin[loss]
            pc.setup = [f"loss_fn = {pc.loss}"]
            pc.call = "loss_fn(outputs, targets)"
        elif loss == "mean_squared_logarithmic_error":
            pc.loss = "msle(outputs, targets)  # custom: PyTorch has no MSLE"
            pc.setup = [
                "def msle(outputs, targets, eps=1e-7):",
                "    # PyTorch has no MSLE. Keras semantics: log(max(v, eps) + 1) on both sides,",
                "    # squared difference, mean over outputs and batch",
                "    log_error = torch.log1p(outputs.clamp(min=eps)) - torch.log1p(targets.clamp(min=eps))",
                "    return log_error.pow(2).mean()",
            ]
            pc.call = "msle(outputs, targets)"
        elif loss == "log_cosh":
            pc.loss = "log_cosh(outputs, targets)  # custom: PyTorch has no log-cosh"
            pc.setup = [
                "def log_cosh(outputs, targets):",
                "    # PyTorch has no log-cosh. log(cosh(e)) = e + softplus(-2e) - log 2 (no overflow)",
                "    error = outputs - targets",
                "    return (error + nn.functional.softplus(-2.0 * error) - math.log(2.0)).mean()",
            ]
            pc.call = "log_cosh(outputs, targets)"
        elif loss == "poisson":
            pc.raw = "log_rate"
            pc.loss = "nn.PoissonNLLLoss(log_input=True)"
            pc.setup = [
                "# the model emits the log rate; PoissonNLLLoss(log_input=True) is exp(log_rate) - y * log_rate",
                f"loss_fn = {pc.loss}",
            ]
            pc.call = "loss_fn(log_rate, targets)"
            pc.inference = "torch.exp(log_rate)"
            pc.from_logits = True
            pc.notes.append("the output layer emits the log rate; PoissonNLLLoss(log_input=True) takes it, "
                            "torch.exp(log_rate) is the predicted rate")
        elif loss == "gaussian_nll":
            pc.loss = "nn.GaussianNLLLoss()"
            var = f"nn.functional.softplus(outputs[:, {k}:]) + 1e-6"
            pc.setup = [
                f"# 2 * {k} output units: the means, then the raw variances (softplus makes them positive)",
                f"loss_fn = {pc.loss}",
            ]
            pc.call = f"loss_fn(outputs[:, :{k}], targets, {var})"
            pc.inference = f"mean, variance = outputs[:, :{k}], {var}"
            pc.notes.append(f"one nn.Linear(in_features, {u}): columns :{k} are the means (linear), columns {k}: "
                            "the variances after softplus + 1e-6; GaussianNLLLoss(mean, target, var)")
        elif loss == "quantile":
            qs, note = _quantile_parts(p)
            pc.loss = f"quantile_loss(outputs, targets)  # custom: pinball loss at quantiles ({qs})"
            pc.setup = [
                f"quantiles = torch.tensor([{qs}])",
                "",
                "def quantile_loss(outputs, targets):",
                "    # PyTorch has no quantile loss. Pinball loss max(q e, (q - 1) e), e = y - prediction,",
                "    # mean over outputs, quantiles and batch",
                f"    outputs = outputs.reshape(-1, {k}, len(quantiles))  # (batch, outputs, quantiles)",
                "    error = targets.unsqueeze(-1) - outputs",
                "    return torch.maximum(quantiles * error, (quantiles - 1.0) * error).mean()",
            ]
            pc.call = "quantile_loss(outputs, targets)"
            pc.inference = f"outputs.reshape(-1, {k}, {len(p.quantiles)})  # quantiles {qs} on the last axis"
            pc.notes.append(note)
    elif loss in SIGMOID_LOSSES:
        pc.raw, pc.same_shape, pc.from_logits = "logits", True, True
        pc.inference = "torch.sigmoid(logits)"
        if loss == "binary_crossentropy":
            if p.weighting == "pos_weight":
                pc.loss = "nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(pos_weight))"
                pc.notes.append("pos_weight = negatives / positives per label, computed from the training labels")
            else:
                pc.loss = "nn.BCEWithLogitsLoss()"
            pc.setup = [
                "# BCEWithLogitsLoss applies the sigmoid itself: the output layer emits raw logits",
                f"loss_fn = {pc.loss}",
            ]
            pc.call = "loss_fn(logits, targets)"
        else:
            gamma = _param(p, "gamma", 2.0)
            alpha = p.params.get("alpha")
            alpha_arg = _num(float(alpha)) if alpha is not None else "-1"
            pc.loss = f"binary_focal_loss(logits, targets, gamma={gamma})  # custom"
            if alpha is not None:
                pc.loss = f"binary_focal_loss(logits, targets, gamma={gamma}, alpha={alpha_arg})  # custom"
            pc.setup = [
                f"def binary_focal_loss(logits, targets, gamma={gamma}, alpha={alpha_arg}):",
                "    # Focal loss on logits: bce * (1 - p_t)^gamma; alpha < 0 means no class balancing.",
                "    # The same as, without the torchvision dependency,",
                f"    # torchvision.ops.sigmoid_focal_loss(logits, targets, alpha={alpha_arg}, gamma={gamma}, "
                "reduction=\"mean\")",
                "    p = torch.sigmoid(logits)",
                '    ce = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")',
                "    p_t = p * targets + (1 - p) * (1 - targets)",
                "    loss = ce * (1 - p_t) ** gamma",
                "    if alpha >= 0:",
                "        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss",
                "    return loss.mean()",
            ]
            pc.call = "binary_focal_loss(logits, targets)"
            pc.notes.append("custom focal loss on logits; torchvision.ops.sigmoid_focal_loss(logits, targets, "
                            f"alpha={alpha_arg}, gamma={gamma}, reduction=\"mean\") is the same if torchvision is installed")
    elif loss in MARGIN_LOSSES:
        pc.output_layer = f"nn.Sequential(nn.Linear(in_features, {u}), nn.Tanh())"
        pc.raw, pc.same_shape = "scores", True
        square = ".pow(2)" if loss == "squared_hinge" else ""
        name = "squared_hinge_loss" if loss == "squared_hinge" else "hinge_loss"
        pc.loss = f"{name}(scores, targets)  # custom: max(0, 1 - y * score){'²' if square else ''}, labels -1/+1"
        pc.setup = [
            f"def {name}(scores, targets):",
            "    # PyTorch has no binary hinge loss (HingeEmbeddingLoss is a different loss):",
            f"    # max(0, 1 - y * score){'^2' if square else ''} with y in {{-1, +1}}, mean over outputs and batch",
            f"    return torch.clamp(1.0 - targets * scores, min=0.0){square}.mean()",
        ]
        pc.call = f"{name}(scores, targets)"
        pc.inference = "torch.sign(scores)"
        pc.notes.append(_MARGIN_NOTE)
    else:
        pc.raw, pc.from_logits = "logits", True
        pc.inference = "torch.softmax(logits, dim=-1)"
        if loss in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
            pc.loss = "nn.CrossEntropyLoss(weight=torch.from_numpy(class_weight))" if p.weighting \
                else "nn.CrossEntropyLoss()"
            what = "int64 class indices of shape (batch,)" if p.target == "integer" else \
                "float class-probability rows of shape (batch, classes)"
            pc.setup = [
                "# CrossEntropyLoss applies log-softmax itself: the output layer emits raw logits (no softmax)",
                f"# targets: {what}",
                f"loss_fn = {pc.loss}",
            ]
            pc.call = "loss_fn(logits, targets)"
            pc.same_shape = p.target != "integer"
            if p.weighting:
                pc.notes.append("class weights N / (classes * count) from the training labels; with class indices "
                                "CrossEntropyLoss divides by the summed weights of the targets")
        elif loss == "kl_divergence":
            pc.loss = 'nn.KLDivLoss(reduction="batchmean")'
            pc.setup = [
                "# KLDivLoss takes log-probabilities: log_softmax of the raw logits;",
                '# reduction="batchmean" gives the true KL (sum over classes, mean over the batch)',
                f"loss_fn = {pc.loss}",
            ]
            pc.call = "loss_fn(torch.log_softmax(logits, dim=-1), targets)"
            pc.same_shape = True
            pc.notes.append('call it on torch.log_softmax(logits, dim=-1); reduction="batchmean" is the true KL')
        else:
            gamma = _param(p, "gamma", 2.0)
            alpha = _param(p, "alpha", 0.25)
            pc.loss = f"categorical_focal_loss(logits, targets, gamma={gamma}, alpha={alpha})  # custom"
            pc.setup = [
                f"def categorical_focal_loss(logits, targets, gamma={gamma}, alpha={alpha}):",
                "    # PyTorch has no categorical focal loss. Keras CategoricalFocalCrossentropy semantics:",
                "    # -alpha * sum_k y_k (1 - p_k)^gamma log p_k over classes, mean over the batch",
                "    log_p = torch.log_softmax(logits, dim=-1)",
                "    return -(alpha * targets * (1 - log_p.exp()) ** gamma * log_p).sum(dim=-1).mean()",
            ]
            if p.target == "integer":
                pc.call = "categorical_focal_loss(logits, nn.functional.one_hot(targets, classes).float())"
                pc.notes.append("integer labels are one-hot encoded for the focal loss")
            else:
                pc.call = "categorical_focal_loss(logits, targets)"
                pc.same_shape = True
    pc.layer_comment = _layer_comment(p, "pytorch")
    if p.target == "integer":
        pc.notes.append("targets are int64 class indices of shape (batch,)")
    elif pc.same_shape:
        pc.notes.append("targets have exactly the shape of the model output (no (N, 1) vs (N,) broadcasting)")
    return pc


def _pytorch_program(p: _Problem, pc: _Pieces, header: list[str]) -> str:
    lines = header + [
        "",
        "import math" if "math." in "\n".join(pc.setup) else None,
        "",
        "import numpy as np",
        "import torch",
        "from torch import nn",
        "",
        "torch.manual_seed(0)",
        "",
        *_data_section(p),
        "# ---- the model: a small MLP ending in the recommended output layer",
        f"output_layer = {pc.output_layer}{_comment(pc)}",
        "model = nn.Sequential(nn.Linear(n_features, in_features), nn.ReLU(), output_layer)",
        "",
        "# ---- the loss",
        *pc.setup,
        "",
        "inputs, targets = torch.from_numpy(x), torch.from_numpy(y)",
    ]
    if pc.same_shape:
        lines.append("assert model(inputs).shape == targets.shape  # no silent broadcasting")
    lines += [
        "",
        "",
        "def compute_loss():",
        f"    {pc.raw} = model(inputs)",
        f"    return {pc.call}",
        "",
        "",
        f"optimizer = torch.optim.Adam(model.parameters(), lr={LEARNING_RATE})",
        "with torch.no_grad():",
        '    print(f"loss before: {compute_loss().item():.4f}")',
        "for _ in range(steps):",
        "    optimizer.zero_grad()",
        "    loss = compute_loss()",
        "    loss.backward()",
        "    optimizer.step()",
        "with torch.no_grad():",
        '    print(f"loss after: {compute_loss().item():.4f}")',
        *_predictions(pc, "model(inputs)", indent="    "),
    ]
    return _join(lines)


def _comment(pc: _Pieces) -> str:
    return f"  # {pc.layer_comment}" if pc.layer_comment else ""


def _predictions(pc: _Pieces, output: str, indent: str = "") -> list[str]:
    """The closing section of every program: ``{pc.raw} = {output}`` (the model's output on the
    inputs), then the predictions from it; each line after ``indent``."""
    if pc.inference.startswith("mean, variance = "):
        lines = [pc.inference, 'print("predictions:", tuple(mean.shape), tuple(variance.shape))']
    else:
        pred = f"{pc.raw}  # {pc.inference}" if pc.inference.startswith("the output itself") else pc.inference
        lines = [f"predictions = {pred}", 'print("predictions:", tuple(predictions.shape))']
    return ["", *(indent + line for line in ["# ---- predictions", f"{pc.raw} = {output}", *lines])]


# ---- Keras 3


def _keras(p: _Problem) -> _Pieces:
    loss, u, k = p.loss, p.units, p.width
    pc = _Pieces(output_layer=f"keras.layers.Dense({u})", loss="", raw="outputs")
    if loss in REGRESSION_LOSSES:
        builtin = {
            "mean_squared_error": "keras.losses.MeanSquaredError()",
            "mean_absolute_error": "keras.losses.MeanAbsoluteError()",
            "mean_squared_logarithmic_error": "keras.losses.MeanSquaredLogarithmicError()",
            "huber": f"keras.losses.Huber(delta={_param(p, 'delta', 1.0)})",
            "log_cosh": "keras.losses.LogCosh()",
        }
        if loss in builtin:
            pc.loss = builtin[loss]
            pc.setup = [f"loss = {pc.loss}"]
        elif loss == "poisson":
            pc.output_layer = f'keras.layers.Dense({u}, activation="exponential")'
            pc.raw, pc.from_logits = "rate", False
            pc.loss = "keras.losses.Poisson()"
            pc.setup = ["# keras.losses.Poisson expects the rate itself (no from_logits): exponential output",
                        f"loss = {pc.loss}"]
            pc.inference = "the output itself (the rate; the layer applies exp)"
            pc.notes.append("Poisson has no from_logits in Keras: the output layer applies the exponential")
        elif loss == "gaussian_nll":
            pc.loss = "gaussian_nll  # custom: Keras has no Gaussian NLL"
            pc.setup = [
                f"# the output layer has 2 * {k} units: the means, then the raw variances",
                "def gaussian_nll(y_true, y_pred):",
                "    # Keras has no Gaussian NLL: mean over outputs of 0.5 * (log var + (y - mean)^2 / var),",
                "    # var = softplus(raw) + 1e-6 keeps the variance positive",
                f"    mean = y_pred[:, :{k}]",
                f"    variance = keras.ops.softplus(y_pred[:, {k}:]) + 1e-6",
                "    nll = 0.5 * (keras.ops.log(variance) + keras.ops.square(y_true - mean) / variance)",
                "    return keras.ops.mean(nll, axis=-1)",
                "",
                "",
                "loss = gaussian_nll",
            ]
            pc.inference = f"mean, variance = outputs[:, :{k}], keras.ops.softplus(outputs[:, {k}:]) + 1e-6"
            pc.notes.append(f"one Dense({u}): columns :{k} are the means (linear), columns {k}: the variances "
                            "after softplus + 1e-6, inside a custom loss")
        elif loss == "quantile":
            qs, note = _quantile_parts(p)
            pc.loss = f"quantile_loss  # custom: pinball loss at quantiles ({qs})"
            pc.setup = [
                f"quantiles = keras.ops.convert_to_tensor([{qs}])",
                "",
                "",
                "def quantile_loss(y_true, y_pred):",
                "    # Keras has no quantile loss. Pinball loss max(q e, (q - 1) e), e = y - prediction,",
                "    # mean over outputs and quantiles",
                f"    y_pred = keras.ops.reshape(y_pred, (-1, {k}, {len(p.quantiles)}))  # (batch, outputs, quantiles)",
                "    error = keras.ops.expand_dims(y_true, -1) - y_pred",
                "    pinball = keras.ops.maximum(quantiles * error, (quantiles - 1.0) * error)",
                "    return keras.ops.mean(pinball, axis=(-2, -1))",
                "",
                "",
                "loss = quantile_loss",
            ]
            pc.inference = f"keras.ops.reshape(outputs, (-1, {k}, {len(p.quantiles)}))  # quantiles {qs} on the last axis"
            pc.notes.append(note)
    elif loss in SIGMOID_LOSSES:
        pc.raw, pc.from_logits = "logits", True
        pc.inference = "keras.ops.sigmoid(logits)"
        if loss == "binary_crossentropy":
            if p.weighting == "pos_weight" and u == 1:
                pc.loss = "keras.losses.BinaryCrossentropy(from_logits=True)"
                pc.setup = [
                    "# class_weight in fit weights the positives by negatives / positives",
                    "class_weight = {0: 1.0, 1: float(pos_weight[0])}",
                    "sample_weight = np.where(y[:, 0] == 1, pos_weight[0], 1.0)  # the same weights, for evaluate",
                    f"loss = {pc.loss}",
                ]
                pc.fit_extra, pc.eval_extra = ", class_weight=class_weight", ", sample_weight=sample_weight"
                pc.notes.append("class_weight={0: 1, 1: negatives/positives} in fit (the same as PyTorch pos_weight)")
            elif p.weighting == "pos_weight":
                pc.loss = "weighted_binary_crossentropy  # custom: per-label pos_weight"
                pc.setup = [
                    'pos_weight_tensor = keras.ops.convert_to_tensor(pos_weight, dtype="float32")',
                    "",
                    "",
                    "def weighted_binary_crossentropy(y_true, logits):",
                    "    # keras.losses.BinaryCrossentropy has no per-label weight, and class_weight in fit weights",
                    "    # whole examples: a weighted loss on logits instead,",
                    "    # -[w y log s(z) + (1 - y) log(1 - s(z))], s = sigmoid, as BCEWithLogitsLoss(pos_weight=w)",
                    "    return -keras.ops.mean(",
                    "        pos_weight_tensor * y_true * keras.ops.log_sigmoid(logits)",
                    "        + (1.0 - y_true) * keras.ops.log_sigmoid(-logits),",
                    "        axis=-1,",
                    "    )",
                    "",
                    "",
                    "loss = weighted_binary_crossentropy",
                ]
                pc.notes.append("per-label pos_weight = negatives/positives in a custom loss on logits "
                                "(the same as PyTorch BCEWithLogitsLoss(pos_weight=...))")
            else:
                pc.loss = "keras.losses.BinaryCrossentropy(from_logits=True)"
                pc.setup = [f"loss = {pc.loss}"]
        else:
            gamma = _param(p, "gamma", 2.0)
            alpha = p.params.get("alpha")
            extra = f"apply_class_balancing=True, alpha={_num(float(alpha))}, " if alpha is not None else ""
            pc.loss = f"keras.losses.BinaryFocalCrossentropy({extra}gamma={gamma}, from_logits=True)"
            pc.setup = [f"loss = {pc.loss}"]
            if alpha is None:
                pc.notes.append("apply_class_balancing=False (the default): no alpha weighting")
    elif loss in MARGIN_LOSSES:
        pc.output_layer = f'keras.layers.Dense({u}, activation="tanh")'
        pc.raw = "scores"
        pc.loss = "keras.losses.SquaredHinge()" if loss == "squared_hinge" else "keras.losses.Hinge()"
        pc.setup = ["# -1/+1 labels and a tanh output (Hinge has no from_logits)", f"loss = {pc.loss}"]
        pc.inference = "keras.ops.sign(scores)"
        pc.notes.append(_MARGIN_NOTE)
    else:
        pc.raw, pc.from_logits = "logits", True
        pc.inference = "keras.ops.softmax(logits, axis=-1)"
        if loss == "kl_divergence":
            pc.output_layer = f'keras.layers.Dense({u}, activation="softmax")'
            pc.raw, pc.from_logits = "probabilities", False
            pc.loss = "keras.losses.KLDivergence()"
            pc.setup = ["# KLDivergence has no from_logits: the output layer applies the softmax",
                        f"loss = {pc.loss}"]
            pc.inference = "the output itself (softmax in the layer)"
            pc.notes.append("KLDivergence has no from_logits in Keras: the output layer applies the softmax")
        elif loss == "categorical_focal_crossentropy":
            gamma = _param(p, "gamma", 2.0)
            alpha = _param(p, "alpha", 0.25)
            pc.loss = f"keras.losses.CategoricalFocalCrossentropy(alpha={alpha}, gamma={gamma}, from_logits=True)"
            pc.setup = [f"loss = {pc.loss}"]
            if p.target == "integer":
                pc.setup = [
                    "# CategoricalFocalCrossentropy wants one-hot labels: convert the integer labels",
                    "y = keras.utils.to_categorical(y, classes)",
                ] + pc.setup
                pc.notes.append("the integer labels are converted with keras.utils.to_categorical(y, classes)")
        else:
            pc.loss = ("keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
                       if loss == "sparse_categorical_crossentropy"
                       else "keras.losses.CategoricalCrossentropy(from_logits=True)")
            pc.setup = [f"loss = {pc.loss}"]
            if p.weighting:
                labels_expr = "y" if p.target == "integer" else "y.argmax(axis=1)"
                pc.setup = [
                    "# class_weight in fit weights each example by its class",
                    "class_weight_by_class = {c: float(w) for c, w in enumerate(class_weight)}",
                    f"sample_weight = class_weight[{labels_expr}]  # the same weights, for evaluate",
                ] + pc.setup
                pc.fit_extra, pc.eval_extra = ", class_weight=class_weight_by_class", ", sample_weight=sample_weight"
                pc.notes.append("class_weight={class: N / (classes * count)} in fit")
    pc.layer_comment = _layer_comment(p, "keras")
    if pc.from_logits:
        pc.notes.insert(0, "Keras policy: a linear output layer and from_logits=True in the loss; "
                           "the sigmoid/softmax is applied at inference")
    pc.notes.insert(0, "keras.ops only: runs on any Keras 3 backend (set KERAS_BACKEND outside the program)")
    return pc


def _wrap_call(line: str) -> str:
    """`name = f(a, b)` longer than MAX_LINE, as `name = f(` / `    a, b,` / `)`."""
    if len(line) <= MAX_LINE or line.startswith((" ", "#")) or " = " not in line or not line.endswith(")"):
        return line
    head, args = line[:-1].split("(", 1)
    return f"{head}(\n    {args},\n)"


def _keras_program(p: _Problem, pc: _Pieces, header: list[str]) -> str:
    lines = header + [
        "",
        "# Runs on any Keras 3 backend (keras.ops only): pick one with the KERAS_BACKEND variable.",
        "# Policy: classification outputs are raw logits (a linear Dense) and the loss has",
        "# from_logits=True; losses without from_logits (KLDivergence, Poisson, Hinge) get the",
        "# activation in the layer.",
        "",
        "import numpy as np",
        "import keras",
        "",
        "keras.utils.set_random_seed(0)",
        "",
        *_data_section(p),
        "# ---- the model: a small MLP ending in the recommended output layer",
        f"output_layer = {pc.output_layer}{_comment(pc)}",
        "model = keras.Sequential([",
        "    keras.Input(shape=(n_features,)),",
        '    keras.layers.Dense(in_features, activation="relu"),',
        "    output_layer,",
        "])",
        "",
        "# ---- the loss",
        *(_wrap_call(line) for line in pc.setup),
        f"model.compile(optimizer=keras.optimizers.Adam(learning_rate={LEARNING_RATE}), loss=loss)",
        "",
        f"loss_before = model.evaluate(x, y, batch_size=n, verbose=0{pc.eval_extra})",
        'print(f"loss before: {loss_before:.4f}")',
        "# full-batch steps: one epoch is one optimiser step",
        f"model.fit(x, y, batch_size=n, epochs=steps, verbose=0{pc.fit_extra})",
        f"loss_after = model.evaluate(x, y, batch_size=n, verbose=0{pc.eval_extra})",
        'print(f"loss after: {loss_after:.4f}")',
        *_predictions(pc, "model.predict(x, batch_size=n, verbose=0)"),
    ]
    return _join(lines)


# ---- JAX + optax


def _jax(p: _Problem) -> _Pieces:
    loss, u, k = p.loss, p.units, p.width
    dense = 'jnp.dot(h, params["w_out"]) + params["b_out"]'
    shape_note = f"  # w_out: (in_features, {u})"
    pc = _Pieces(output_layer=dense + shape_note, loss="", raw="outputs")
    if loss in REGRESSION_LOSSES:
        pc.same_shape = loss not in ("gaussian_nll", "quantile")
        if loss == "mean_squared_error":
            pc.call = "optax.losses.squared_error(outputs, y).mean()"
        elif loss == "huber":
            pc.call = f"optax.losses.huber_loss(outputs, y, delta={_param(p, 'delta', 1.0)}).mean()"
        elif loss == "log_cosh":
            pc.call = "optax.losses.log_cosh(outputs, y).mean()"
        elif loss == "mean_absolute_error":
            pc.call = "jnp.abs(outputs - y).mean()"
            pc.setup = ["# optax has no mean absolute error: jnp.abs(outputs - y).mean()"]
        elif loss == "mean_squared_logarithmic_error":
            pc.setup = [
                "def msle(outputs, targets, eps=1e-7):",
                "    # optax has no MSLE. Keras semantics: log(max(v, eps) + 1) on both sides,",
                "    # squared difference, mean over outputs and batch",
                "    log_error = jnp.log1p(jnp.maximum(outputs, eps)) - jnp.log1p(jnp.maximum(targets, eps))",
                "    return jnp.square(log_error).mean()",
            ]
            pc.call = "msle(outputs, y)"
        elif loss == "poisson":
            pc.raw, pc.from_logits = "log_rate", True
            pc.setup = [
                "def poisson_nll(log_rate, counts):",
                "    # optax has no Poisson loss. On the log rate (like PyTorch PoissonNLLLoss(log_input=True)):",
                "    # rate - y * log(rate) = exp(log_rate) - y * log_rate, mean over outputs and batch",
                "    return (jnp.exp(log_rate) - counts * log_rate).mean()",
            ]
            pc.call = "poisson_nll(log_rate, y)"
            pc.inference = "jnp.exp(log_rate)"
            pc.notes.append("the output layer emits the log rate; jnp.exp(log_rate) is the predicted rate")
        elif loss == "gaussian_nll":
            pc.setup = [
                f"# the output layer has 2 * {k} units: the means, then the raw variances",
                "def gaussian_nll(outputs, targets):",
                "    # optax has no Gaussian NLL: mean over outputs of 0.5 * (log var + (y - mean)^2 / var),",
                "    # var = softplus(raw) + 1e-6 keeps the variance positive",
                f"    mean, variance = outputs[:, :{k}], jax.nn.softplus(outputs[:, {k}:]) + 1e-6",
                "    return (0.5 * (jnp.log(variance) + jnp.square(targets - mean) / variance)).mean()",
            ]
            pc.call = "gaussian_nll(outputs, y)"
            pc.inference = f"mean, variance = outputs[:, :{k}], jax.nn.softplus(outputs[:, {k}:]) + 1e-6"
        elif loss == "quantile":
            qs, note = _quantile_parts(p)
            pc.setup = [
                f"quantiles = jnp.array([{qs}])",
                "",
                "",
                "def quantile_loss(outputs, targets):",
                "    # optax has no quantile loss. Pinball loss max(q e, (q - 1) e), e = y - prediction,",
                "    # mean over outputs, quantiles and batch",
                f"    outputs = outputs.reshape(-1, {k}, len(quantiles))  # (batch, outputs, quantiles)",
                "    error = targets[..., None] - outputs",
                "    return jnp.maximum(quantiles * error, (quantiles - 1.0) * error).mean()",
            ]
            pc.call = "quantile_loss(outputs, y)"
            pc.inference = f"outputs.reshape(-1, {k}, {len(p.quantiles)})  # quantiles {qs} on the last axis"
            pc.notes.append(note)
    elif loss in SIGMOID_LOSSES:
        pc.raw, pc.same_shape, pc.from_logits = "logits", True, True
        pc.inference = "jax.nn.sigmoid(logits)"
        if loss == "binary_crossentropy":
            if p.weighting == "pos_weight":
                pc.setup = [
                    "def weighted_bce(logits, labels):",
                    "    # optax has no pos_weight: weight each positive by negatives / positives of its label",
                    "    # (the same as PyTorch BCEWithLogitsLoss(pos_weight=...))",
                    "    weights = jnp.where(labels == 1, pos_weight, 1.0)",
                    "    return (optax.losses.sigmoid_binary_cross_entropy(logits, labels) * weights).mean()",
                ]
                pc.call = "weighted_bce(logits, y)"
                pc.notes.append("per-label pos_weight = negatives/positives multiplies the per-element losses")
            else:
                pc.call = "optax.losses.sigmoid_binary_cross_entropy(logits, y).mean()"
        else:
            gamma = _param(p, "gamma", 2.0)
            alpha = p.params.get("alpha")
            alpha_arg = f", alpha={_num(float(alpha))}" if alpha is not None else ""
            pc.call = f"optax.losses.sigmoid_focal_loss(logits, y{alpha_arg}, gamma={gamma}).mean()"
            if alpha is None:
                pc.notes.append("alpha=None (the default): no class balancing")
    elif loss in MARGIN_LOSSES:
        pc.output_layer = f"jnp.tanh({dense}){shape_note}"
        pc.raw, pc.same_shape = "scores", True
        pc.inference = "jnp.sign(scores)"
        if loss == "hinge":
            pc.call = "optax.losses.hinge_loss(scores, y).mean()"
        else:
            pc.setup = [
                "def squared_hinge(scores, targets):",
                "    # optax has no squared hinge: max(0, 1 - y * score)^2, mean over outputs and batch",
                "    return jnp.square(jnp.maximum(0.0, 1.0 - targets * scores)).mean()",
            ]
            pc.call = "squared_hinge(scores, y)"
        pc.notes.append(_MARGIN_NOTE)
    else:
        pc.raw, pc.from_logits = "logits", True
        pc.inference = "jax.nn.softmax(logits, axis=-1)"
        if loss in ("sparse_categorical_crossentropy", "categorical_crossentropy"):
            fn = "softmax_cross_entropy" + ("_with_integer_labels" if loss == "sparse_categorical_crossentropy" else "")
            pc.call = f"optax.losses.{fn}(logits, y).mean()"
            pc.same_shape = loss == "categorical_crossentropy"
            if p.weighting:
                weights = "class_weight[y]" if loss == "sparse_categorical_crossentropy" else "(y @ class_weight)"
                pc.body = [f"per_example = optax.losses.{fn}(logits, y)  # (batch,)"]
                pc.call = f"(per_example * {weights}).mean()"
                pc.body_loss = f"(optax.losses.{fn}(logits, y) * {weights}).mean()"
        elif loss == "kl_divergence":
            pc.call = "optax.losses.kl_divergence(jax.nn.log_softmax(logits, axis=-1), y).mean()"
            pc.same_shape = True
            pc.notes.append("optax.losses.kl_divergence takes log-predictions: jax.nn.log_softmax(logits)")
        else:
            gamma = _param(p, "gamma", 2.0)
            alpha = _param(p, "alpha", 0.25)
            pc.setup = [
                f"def categorical_focal_loss(logits, targets, gamma={gamma}, alpha={alpha}):",
                "    # optax has no categorical focal loss. Keras CategoricalFocalCrossentropy semantics:",
                "    # -alpha * sum_k y_k (1 - p_k)^gamma log p_k over classes, mean over the batch",
                "    log_p = jax.nn.log_softmax(logits, axis=-1)",
                "    return -(alpha * targets * (1 - jnp.exp(log_p)) ** gamma * log_p).sum(axis=-1).mean()",
            ]
            if p.target == "integer":
                pc.call = "categorical_focal_loss(logits, jax.nn.one_hot(y, classes))"
                pc.notes.append("integer labels are one-hot encoded for the focal loss")
            else:
                pc.call = "categorical_focal_loss(logits, y)"
                pc.same_shape = True
            pc.loss = f"categorical_focal_loss(logits, labels, gamma={gamma}, alpha={alpha})"
        if p.weighting:
            pc.notes.append("class weights N / (classes * count) multiply the per-example losses")
    if not pc.loss:
        pc.loss = pc.call if not pc.body else pc.body_loss
    if pc.setup and not pc.loss.startswith(("optax.", "(optax.")):
        pc.loss = f"{pc.loss}  # custom, defined in the program"
    pc.notes.insert(0, "the model is plain jax functions (no flax); the output layer is "
                       'jnp.dot(h, params["w_out"]) + params["b_out"]')
    return pc


def _jax_program(p: _Problem, pc: _Pieces, header: list[str]) -> str:
    setup = list(pc.setup)
    if p.weighting == "pos_weight":
        setup = ["pos_weight = jnp.asarray(pos_weight)"] + ([""] if setup else []) + setup
    elif p.weighting == "class_weight":
        setup = ["class_weight = jnp.asarray(class_weight)"] + ([""] if setup else []) + setup
    lines = header + [
        "",
        "# Pure jax + optax: the model is two plain functions, no flax.",
        "",
        "import numpy as np",
        "import jax",
        "import jax.numpy as jnp",
        "import optax",
        "",
        *_data_section(p),
        "# ---- the model: a small MLP ending in the recommended output layer",
        "key_hidden, key_out = jax.random.split(jax.random.key(0))",
        "params = {  # He-initialised hidden layer, zero biases",
        '    "w_hidden": jax.random.normal(key_hidden, (n_features, in_features)) * np.sqrt(2 / n_features),',
        '    "b_hidden": jnp.zeros(in_features),',
        f'    "w_out": jax.random.normal(key_out, (in_features, {p.units})) * np.sqrt(1 / in_features),',
        f'    "b_out": jnp.zeros({p.units}),',
        "}",
        "",
        "",
        "def model(params, x):",
        '    h = jax.nn.relu(jnp.dot(x, params["w_hidden"]) + params["b_hidden"])',
        f"    return {pc.output_layer}",
        "",
        "",
        "# ---- the loss",
        *setup,
        "" if setup else None,
        "" if setup else None,
        "def loss_fn(params, x, y):",
        f"    {pc.raw} = model(params, x)",
        *("    " + line for line in pc.body),
        f"    return {pc.call}",
        "",
        "",
        f"optimizer = optax.adam(learning_rate={LEARNING_RATE})",
        "opt_state = optimizer.init(params)",
        "",
        "",
        "@jax.jit",
        "def train_step(params, opt_state, x, y):",
        "    loss, grads = jax.value_and_grad(loss_fn)(params, x, y)",
        "    updates, opt_state = optimizer.update(grads, opt_state, params)",
        "    return optax.apply_updates(params, updates), opt_state, loss",
        "",
        "",
        "inputs, targets = jnp.asarray(x), jnp.asarray(y)",
    ]
    if pc.same_shape:
        lines.append("assert model(params, inputs).shape == targets.shape  # no silent broadcasting")
    lines += [
        'print(f"loss before: {float(loss_fn(params, inputs, targets)):.4f}")',
        "for _ in range(steps):",
        "    params, opt_state, _ = train_step(params, opt_state, inputs, targets)",
        'print(f"loss after: {float(loss_fn(params, inputs, targets)):.4f}")',
        *_predictions(pc, "model(params, inputs)"),
    ]
    return _join(lines)


# ------------------------------------------------------------------ assembly


def _join(lines: list) -> str:
    return "\n".join(line for line in lines if line is not None).rstrip() + "\n"


def _header(rec, p: _Problem, name: str) -> list[str]:
    import textwrap

    answers = ", ".join(f"{k}={v}" for k, v in rec.answers.items())
    params = ", ".join(f"{k}={v}" for k, v in p.params.items())
    units = f"{rec.units} unit{'s' if rec.units != 1 else ''}, {rec.activation}"
    text = (f"Rule {rec.rule}. Output: {units} (the mathematical pairing). Answers: {answers}. "
            "Generated by lossadvisor: trains a tiny model on a seeded batch and prints the loss "
            "before and after.")
    return [
        f'"""{TITLES[name]}: {p.loss_name}{f" ({params})" if params else ""}.',
        "",
        *textwrap.wrap(text, width=MAX_LINE, break_on_hyphens=False),
        '"""',
    ]


_BUILDERS = {
    "pytorch": (_pytorch, _pytorch_program),
    "keras": (_keras, _keras_program),
    "jax": (_jax, _jax_program),
}


def framework_code(rec, rb) -> dict:
    """The framework code for a recommendation.

    Returns ``name``, ``output_layer``, ``loss``, ``inference`` and ``code`` (a
    complete program), plus ``from_logits`` (True when the model emits raw
    values and the loss applies the activation, False when the layer applies
    it, None where it does not apply), ``labels`` (the target shape and dtype)
    and ``notes``.
    """
    name = rec.framework
    if name not in _BUILDERS:
        from lossadvisor.errors import UsageError

        raise UsageError(f"unknown framework {name!r}; choose from: {', '.join(FRAMEWORKS)}")
    if rec.loss not in SUPPORTED_LOSSES:
        return _no_template(rec, rb, name)
    p = _problem(rec)
    pieces, program = _BUILDERS[name]
    pc = pieces(p)
    code = program(p, pc, _header(rec, p, name))
    inference = pc.inference
    if inference.startswith("mean, variance = "):
        inference = inference[len("mean, variance = "):] + "  # (mean, variance)"
    return {
        "name": name,
        "output_layer": pc.output_layer,
        "loss": pc.loss,
        "inference": inference,
        "code": code,
        "from_logits": pc.from_logits,
        "labels": _labels_text(p),
        "notes": p.notes + pc.notes,
    }


def _no_template(rec, rb, name: str) -> dict:
    """A loss of a custom catalog: the catalog's names, and no program."""
    catalog = rb.losses.get(rec.loss, {}) if rb is not None else {}
    named = (catalog.get("frameworks") or {}).get(name) or ""
    text = (f"# lossadvisor has no program template for loss {rec.loss!r} in {TITLES[name]}.\n"
            f"# The loss catalog names it: {named or 'no built-in'}.\n"
            f"# Output: {rec.units} unit(s), {rec.activation}.\n")
    return {
        "name": name,
        "output_layer": f"{rec.units} unit(s), {rec.activation}",
        "loss": named or f"{rec.loss} (no built-in in {TITLES[name]})",
        "inference": "see the loss catalog",
        "code": text,
        "from_logits": None,
        "labels": str(catalog.get("target_domain", "")),
        "notes": [f"no program template for loss {rec.loss!r}"],
    }
