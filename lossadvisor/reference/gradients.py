"""Analytic gradients of the mean-reduced losses with respect to ``y_pred``.

``loss_gradient(loss_id, y_true, y_pred, *, from_logits=False, **params)`` returns
``dL/dy_pred`` (the same shape as ``y_pred``), where ``L`` is the value the matching
reference function returns; with ``from_logits=True`` it is the gradient with respect to
the logits. ``gaussian_nll`` also takes ``wrt="variance"``. Chain through an activation
with ``activations.activation_vjp``. These work on whole arrays (they serve the checks on
small batches); they are not chunked.

At the kinks (``|e| = 0`` for MAE and pinball, the hinge margin, the clip bounds) the
value is one subgradient: 0 for ``sign(0)`` and the clipped side.
"""

from __future__ import annotations

import numpy as np

from lossadvisor.reference._core import EPSILON, as_array
from lossadvisor.reference.activations import log_softmax, sigmoid, softmax
from lossadvisor.reference.classification import hinge_labels, sparse_labels
from lossadvisor.reference.regression import GAUSSIAN_NLL_EPS, quantile_levels


def _f(x) -> np.ndarray:
    a = as_array(x, "input")
    return a.astype(np.float64, copy=False)


def _mse(t, p):
    return 2.0 * (p - t) / p.size


def _mae(t, p):
    return np.sign(p - t) / p.size


def _msle(t, p):
    lp = np.log1p(np.maximum(p, EPSILON))
    lt = np.log1p(np.maximum(t, EPSILON))
    return np.where(p > EPSILON, 2.0 * (lp - lt) / (1.0 + p), 0.0) / p.size


def _huber(t, p, delta=1.0):
    return np.clip(p - t, -delta, delta) / p.size


def _log_cosh(t, p):
    return np.tanh(p - t) / p.size


def _poisson(t, p):
    return (1.0 - t / (p + EPSILON)) / p.size


def _gaussian_nll(t, p, variance=None, wrt="y_pred"):
    v = np.broadcast_to(_f(variance), p.shape)
    vv = np.maximum(v, GAUSSIAN_NLL_EPS)
    if wrt == "variance":
        return np.where(v > GAUSSIAN_NLL_EPS, 0.5 * (1.0 / vv - (t - p) ** 2 / vv**2), 0.0) / p.size
    return (p - t) / vv / p.size


def _quantile(t, p, quantiles=(0.1, 0.5, 0.9)):
    q = quantile_levels(quantiles)
    pq = p.reshape(-1, q.size)
    e = t.reshape(-1)[:, None] - pq
    g = np.where(e > 0, -q, np.where(e < 0, 1.0 - q, 0.0))
    return g.reshape(p.shape) / p.size


def _bce(t, p, from_logits=False):
    if from_logits:
        return (sigmoid(p) - t) / p.size
    inside = (p > EPSILON) & (p < 1.0 - EPSILON)
    c = np.clip(p, EPSILON, 1.0 - EPSILON)
    return np.where(inside, -t / c + (1.0 - t) / (1.0 - c), 0.0) / p.size


def _binary_focal(t, p, from_logits=False, gamma=2.0, alpha=0.25, apply_class_balancing=False):
    gamma = float(gamma)
    if from_logits:
        s, c = sigmoid(p), sigmoid(-p)
        bce = np.maximum(p, 0.0) - p * t + np.log1p(np.exp(-np.abs(p)))
        dbce = s - t
        omp = t * c + (1.0 - t) * s            # 1 - p_t
        domp = (1.0 - 2.0 * t) * s * c         # d(1 - p_t)/dz
    else:
        c = np.clip(p, EPSILON, 1.0 - EPSILON)
        inside = (p > EPSILON) & (p < 1.0 - EPSILON)
        bce = -(t * np.log(c) + (1.0 - t) * np.log1p(-c))
        dbce = np.where(inside, -t / c + (1.0 - t) / (1.0 - c), 0.0)
        omp = 1.0 - (t * p + (1.0 - t) * (1.0 - p))
        domp = 1.0 - 2.0 * t
    omp = np.maximum(omp, 0.0)
    w = omp**gamma
    with np.errstate(divide="ignore", invalid="ignore"):
        dw = np.where(omp > 0, gamma * omp ** (gamma - 1.0) * domp, 0.0) if gamma != 0 else 0.0
    g = dw * bce + w * dbce
    if apply_class_balancing:
        g = g * (t * alpha + (1.0 - t) * (1.0 - alpha))
    return g / p.size


def _hinge(t, p):
    y = hinge_labels(t)
    return np.where(1.0 - y * p > 0, -y, 0.0) / p.size


def _squared_hinge(t, p):
    y = hinge_labels(t)
    return -2.0 * y * np.maximum(1.0 - y * p, 0.0) / p.size


def _rows_count(p):
    return p.size // p.shape[-1]


def _renorm_vjp(p, g_q):
    """Chain rule through Keras' q = clip(p / sum(p)): dL/dp_j = (g_j - sum_k g_k q_k) / S."""
    s = p.sum(axis=-1, keepdims=True)
    q = p / s
    inside = (q > EPSILON) & (q < 1.0 - EPSILON)
    g = np.where(inside, g_q, 0.0)
    return (g - (g * q).sum(axis=-1, keepdims=True)) / s


def _cce(t, p, from_logits=False):
    r = _rows_count(p)
    if from_logits:
        return (softmax(p) * t.sum(axis=-1, keepdims=True) - t) / r
    q = np.clip(p / p.sum(axis=-1, keepdims=True), EPSILON, 1.0 - EPSILON)
    return _renorm_vjp(p, -t / q) / r


def _sparse(t, p, from_logits=False):
    labels = sparse_labels(t, p)
    onehot = np.zeros(p.shape, dtype=np.float64).reshape(-1, p.shape[-1])
    onehot[np.arange(onehot.shape[0]), labels] = 1.0
    return _cce(onehot.reshape(p.shape), p, from_logits=from_logits)


def _kl(t, p):
    r = _rows_count(p)
    a = np.clip(t, EPSILON, 1.0)
    b = np.clip(p, EPSILON, 1.0)
    return np.where(p >= EPSILON, -a / b, 0.0) / r


def _cat_focal(t, p, from_logits=False, alpha=0.25, gamma=2.0):
    r = _rows_count(p)
    gamma = float(gamma)
    if from_logits:
        logp = log_softmax(p)
        s = np.exp(logp)
        om = np.maximum(1.0 - s, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dpow = np.where(om > 0, gamma * om ** (gamma - 1.0), 0.0) if gamma != 0 else 0.0
        # h = s * dL/ds, formed without dividing by s
        h = -alpha * t * (-dpow * s * logp + om**gamma)
        return (h - s * h.sum(axis=-1, keepdims=True)) / r
    q = np.clip(p / p.sum(axis=-1, keepdims=True), EPSILON, 1.0 - EPSILON)
    om = 1.0 - q
    with np.errstate(divide="ignore", invalid="ignore"):
        dpow = np.where(om > 0, gamma * om ** (gamma - 1.0), 0.0) if gamma != 0 else 0.0
    g_q = -alpha * t * (-dpow * np.log(q) + om**gamma / q)
    return _renorm_vjp(p, g_q) / r


_GRADIENTS = {
    "mean_squared_error": _mse,
    "mean_absolute_error": _mae,
    "mean_squared_logarithmic_error": _msle,
    "huber": _huber,
    "log_cosh": _log_cosh,
    "poisson": _poisson,
    "gaussian_nll": _gaussian_nll,
    "quantile": _quantile,
    "binary_crossentropy": _bce,
    "binary_focal_crossentropy": _binary_focal,
    "hinge": _hinge,
    "squared_hinge": _squared_hinge,
    "categorical_crossentropy": _cce,
    "sparse_categorical_crossentropy": _sparse,
    "kl_divergence": _kl,
    "categorical_focal_crossentropy": _cat_focal,
}


def loss_gradient(loss_id: str, y_true, y_pred, **params) -> np.ndarray:
    """``dL/dy_pred`` of the mean-reduced loss ``loss_id`` (float64, the shape of ``y_pred``)."""
    try:
        fn = _GRADIENTS[loss_id]
    except KeyError:
        raise ValueError(f"no reference gradient for loss {loss_id!r}") from None
    p = _f(y_pred)
    t = as_array(y_true, "y_true") if loss_id == "sparse_categorical_crossentropy" else _f(y_true)
    return np.asarray(fn(t, p, **params), dtype=np.float64)
