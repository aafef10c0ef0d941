"""Pure-NumPy reference implementations of every loss in the catalog, and of the output
activations with their derivatives.

Contract: ``reference.<loss_id>(y_true, y_pred, *, from_logits=False, **params)`` returns
the mean-reduced loss as a Python float, with Keras 3 semantics (per-sample mean over the
last axis for the regression and binary losses, sum over the class axis for the
categorical ones and KL, then the mean over the samples). ``from_logits`` exists where
Keras has it (``FROM_LOGITS``). Each loss lives in its own module of ``losses/``, with its
parameters and how the frameworks differ in its docstring.

Inputs are validated first; every problem is a ``ValueError`` naming the shape or the bad
value: shapes that differ (no broadcasting, ``(N, 1)`` against ``(N,)`` included), NaN,
class labels out of range, probabilities outside [0, 1], negative targets or rates where
the loss needs non-negative ones, empty inputs.

In short, how the frameworks differ: PyTorch's ``reduction="mean"`` averages over all
elements (the same as these for the elementwise losses); its fused losses take logits,
log-probabilities or log-rates; optax returns unreduced values.

Also: ``LOSSES`` (id -> function), ``FROM_LOGITS`` (ids that take ``from_logits``),
``SPECS`` (id -> ``LossSpec``), ``ACTIVATIONS`` (id -> (function, derivative)),
``activation_vjp``, ``loss_gradient``, ``EPSILON`` (1e-7, Keras' clipping constant) and
``CHUNK``.
"""

from __future__ import annotations

import inspect

import numpy as np

from lossadvisor.reference import registry
from lossadvisor.reference._core import CHUNK, EPSILON, as_array
from lossadvisor.reference.spec import INTEGER_TARGETS
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

#: loss id -> LossSpec (found in losses/ and on LOSSADVISOR_LOSS_PATH).
SPECS = registry.discover()

#: loss id -> reference function (the ids of the catalog, a contract).
LOSSES = {loss_id: spec.value for loss_id, spec in SPECS.items()}

#: the losses that take ``from_logits`` (as in Keras).
FROM_LOGITS = frozenset(i for i, fn in LOSSES.items() if "from_logits" in inspect.signature(fn).parameters)

globals().update(LOSSES)


def loss_gradient(loss_id: str, y_true, y_pred, **params) -> np.ndarray:
    """``dL/dy_pred`` of the mean-reduced loss ``loss_id`` (float64, the shape of ``y_pred``).

    With ``from_logits=True`` it is the gradient with respect to the logits; a loss with an
    extra head also takes ``wrt=HEAD``. Chain through an activation with ``activation_vjp``.
    These work on whole arrays (they serve the checks on small batches); they are not
    chunked. At a kink (``|e| = 0``, a margin, the clip bounds) the value is one
    subgradient: 0 for ``sign(0)`` and the clipped side.
    """
    spec = SPECS.get(loss_id)
    if spec is None:
        raise ValueError(f"no reference gradient for loss {loss_id!r}")
    p = as_array(y_pred, "input").astype(np.float64, copy=False)
    if spec.target in INTEGER_TARGETS:
        t = as_array(y_true, "y_true")
    else:
        t = as_array(y_true, "input").astype(np.float64, copy=False)
    return np.asarray(spec.gradient(t, p, **params), dtype=np.float64)


__all__ = [  # noqa: RUF022 - grouped: the losses, then the tables, then the activations
    *sorted(LOSSES),
    "LOSSES", "FROM_LOGITS", "SPECS", "ACTIVATIONS", "EPSILON", "CHUNK", "activation_vjp", "loss_gradient",
    "linear", "sigmoid", "softmax", "log_softmax", "tanh", "exponential", "softplus",
]
