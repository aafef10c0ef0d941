"""Output activations and their derivatives, computed without overflow.

Each elementwise activation has ``derivative(z)``, the elementwise ``d act / dz``.
Softmax is not elementwise: ``softmax_derivative(z)`` returns the Jacobian of shape
``z.shape + (K,)``, ``J[..., i, j] = s_i (delta_ij - s_j)``. ``activation_vjp(name, z, g)``
applies the chain rule for any of them (the gradient of a loss with respect to the
pre-activation, given ``g``, its gradient with respect to the activation's output).
"""

from __future__ import annotations

import numpy as np


def _float(z) -> np.ndarray:
    z = np.asarray(z)
    if z.dtype.kind not in "biuf":
        raise ValueError(f"z must hold real numbers, not {z.dtype} values")
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def linear(z) -> np.ndarray:
    """The identity."""
    return _float(z).copy()


def linear_derivative(z) -> np.ndarray:
    return np.ones_like(_float(z))


def sigmoid(z) -> np.ndarray:
    """``1 / (1 + exp(-z))``, from ``exp(-|z|)`` so that no exp overflows."""
    z = _float(z)
    e = np.exp(-np.abs(z))
    inv = 1.0 / (1.0 + e)
    return np.where(z >= 0, inv, e * inv)


def sigmoid_derivative(z) -> np.ndarray:
    """``s (1 - s)``, with ``1 - s`` taken as ``sigmoid(-z)`` (no cancellation)."""
    z = _float(z)
    return sigmoid(z) * sigmoid(-z)


def softmax(z) -> np.ndarray:
    """Softmax over the last axis: ``exp(z - max) / sum exp(z - max)``."""
    z = _float(z)
    if z.ndim == 0:
        raise ValueError("softmax needs a class axis")
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z) -> np.ndarray:
    """``z - logsumexp(z)`` over the last axis."""
    z = _float(z)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_derivative(z) -> np.ndarray:
    """The Jacobian ``J[..., i, j] = d s_i / d z_j = s_i (delta_ij - s_j)``, shape ``z.shape + (K,)``."""
    s = softmax(z)
    eye = np.eye(s.shape[-1], dtype=s.dtype)
    return s[..., :, None] * (eye - s[..., None, :])


def tanh(z) -> np.ndarray:
    return np.tanh(_float(z))


def tanh_derivative(z) -> np.ndarray:
    """``1 - tanh(z)**2``, as ``4 e / (1 + e)**2`` with ``e = exp(-2|z|)`` (exact in the tails)."""
    z = _float(z)
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


def exponential(z) -> np.ndarray:
    """``exp(z)``: the inverse of the log link (a Poisson rate). Overflows to inf past 709."""
    return np.exp(_float(z))


def exponential_derivative(z) -> np.ndarray:
    return np.exp(_float(z))


def softplus(z) -> np.ndarray:
    """``log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))``, never overflows."""
    z = _float(z)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def softplus_derivative(z) -> np.ndarray:
    """``sigmoid(z)``."""
    return sigmoid(z)


#: activation id -> (function, derivative). The softmax derivative is its Jacobian.
ACTIVATIONS = {
    "linear": (linear, linear_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "softmax": (softmax, softmax_derivative),
    "tanh": (tanh, tanh_derivative),
    "exponential": (exponential, exponential_derivative),
    "softplus": (softplus, softplus_derivative),
}


def activation_vjp(name: str, z, g) -> np.ndarray:
    """``dL/dz`` from ``g = dL/d act(z)``: the chain rule through activation ``name``.

    For softmax, ``dz = s * (g - sum(g s))`` over the last axis (the Jacobian-vector product
    without forming the Jacobian).
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}")
    z = _float(z)
    g = np.asarray(g, dtype=np.result_type(z, np.float32))
    if name == "softmax":
        s = softmax(z)
        return s * (g - (g * s).sum(axis=-1, keepdims=True))
    return g * ACTIVATIONS[name][1](z)
