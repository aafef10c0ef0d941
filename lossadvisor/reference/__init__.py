"""Pure-NumPy reference implementations of every loss in the catalog, and of the output
activations with their derivatives.

Contract: ``reference.<loss_id>(y_true, y_pred, *, from_logits=False, **params)`` returns
the mean-reduced loss as a Python float, with Keras 3 semantics (per-sample mean over the
last axis for the regression and binary losses, sum over the class axis for the
categorical ones and KL, then the mean over the samples). ``from_logits`` exists where
Keras has it (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
sparse_categorical_crossentropy, categorical_focal_crossentropy). Parameters:
``huber(delta=1.0)``, ``quantile(quantiles=(0.1, 0.5, 0.9))``, ``gaussian_nll(variance=...)``
(required), focal ``gamma``/``alpha`` (binary focal also ``apply_class_balancing=False``).

Inputs are validated first; every problem is a ``ValueError`` naming the shape or the bad
value: shapes that differ (no broadcasting, ``(N, 1)`` against ``(N,)`` included), NaN,
class labels out of range, probabilities outside [0, 1], negative targets or rates where
the loss needs non-negative ones, empty inputs.

How the frameworks differ, and how to convert, is in each function's docstring; in short:
PyTorch's ``reduction="mean"`` averages over all elements (the same as these for the
elementwise losses); ``nn.CrossEntropyLoss`` and ``BCEWithLogitsLoss`` take logits;
``nn.KLDivLoss`` takes log-probabilities and needs ``reduction="batchmean"``;
``nn.PoissonNLLLoss`` takes the log-rate by default; optax returns unreduced values.

Also: ``LOSSES`` (id -> function), ``FROM_LOGITS`` (ids that take ``from_logits``),
``ACTIVATIONS`` (id -> (function, derivative)), ``activation_vjp``, ``loss_gradient``,
``EPSILON`` (1e-7, Keras' clipping constant) and ``CHUNK``.
"""

from __future__ import annotations

from lossadvisor.reference._core import CHUNK, EPSILON
from lossadvisor.reference.activations import (
    ACTIVATIONS,
    activation_vjp,
    exponential,
    linear,
    log_softmax,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from lossadvisor.reference.classification import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    hinge,
    kl_divergence,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from lossadvisor.reference.gradients import loss_gradient
from lossadvisor.reference.regression import (
    gaussian_nll,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    quantile,
)

#: loss id -> reference function (the ids of the catalog, a contract).
LOSSES = {
    "mean_squared_error": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "huber": huber,
    "log_cosh": log_cosh,
    "poisson": poisson,
    "gaussian_nll": gaussian_nll,
    "quantile": quantile,
    "binary_crossentropy": binary_crossentropy,
    "binary_focal_crossentropy": binary_focal_crossentropy,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "kl_divergence": kl_divergence,
    "categorical_focal_crossentropy": categorical_focal_crossentropy,
}

#: the losses that take ``from_logits`` (as in Keras).
FROM_LOGITS = frozenset({
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "categorical_focal_crossentropy",
})

__all__ = [  # noqa: RUF022 - grouped: the losses, then the tables, then the activations
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "gaussian_nll", "hinge", "huber", "kl_divergence", "log_cosh",
    "mean_absolute_error", "mean_squared_error", "mean_squared_logarithmic_error", "poisson", "quantile",
    "sparse_categorical_crossentropy", "squared_hinge",
    "LOSSES", "FROM_LOGITS", "ACTIVATIONS", "EPSILON", "CHUNK", "activation_vjp", "loss_gradient",
    "linear", "sigmoid", "softmax", "log_softmax", "tanh", "exponential", "softplus",
]
