"""Helpers the loss modules share for their checks: number formatting, golden-section
search, the minimiser checks common to several losses, and the glue to call a framework's
own loss. Nothing here names a loss."""

from __future__ import annotations

import math
import warnings

import numpy as np

from lossadvisor.textutil import close, fmt_number

fmt = fmt_number


def fmt_list(a) -> str:
    if isinstance(a, bool):
        return "true" if a else "false"
    a = np.asarray(a)
    if a.ndim == 0:
        return fmt(a)
    return "[" + ", ".join(fmt_list(x) for x in a) + "]"


def golden(f, lo: float, hi: float, tol: float = 1e-10, maxit: int = 200) -> float:
    """Minimise a unimodal f on [lo, hi] by golden-section search."""
    inv = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - inv * (b - a), a + inv * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(maxit):
        if abs(b - a) <= tol * max(1.0, abs(a) + abs(b)):
            break
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - inv * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + inv * (b - a)
            fd = f(d)
    return (a + b) / 2


N_MINIMISER = 501  # the sample the regression minimisers are found on


def lognormal_argmin(value, params, rng):
    """(y, argmin c, mean, median) for the constant prediction c minimising ``value`` on
    501 log-normal targets (mean, median and geometric mean all differ there)."""
    y = np.exp(rng.normal(0.0, 1.0, N_MINIMISER))
    c = golden(lambda c: value(y, np.full(N_MINIMISER, c), **params), float(y.min()), float(y.max()))
    return y, c, float(y.mean()), float(np.median(y))


def lognormal_argmin_is(value, params, rng, statistic: str):
    """The minimiser check of a loss whose argmin is the sample ``statistic`` ("mean" or
    "median") of 501 log-normal targets, the other statistic shown beside it."""
    _, m, mean, median = lognormal_argmin(value, params, rng)
    want, other, other_name = (mean, median, "median") if statistic == "mean" else (median, mean, "mean")
    ok = close(m, want, 1e-7)
    return ok, (f"{N_MINIMISER} log-normal targets: argmin {fmt(m)} {'=' if ok else '!='} sample {statistic} "
                f"{fmt(want)} ({other_name} {fmt(other)})")


def binary_labels_30(value, params, plus_minus: bool = False):
    """(labels, argmin) over 100 labels, 30% positive: the constant prediction minimising
    ``value`` (a probability in (0, 1), or a score in [-3, 3] for -1/+1 labels)."""
    m = 100
    y = -np.ones(m) if plus_minus else np.zeros(m)
    y[:30] = 1.0
    lo, hi = (-3.0, 3.0) if plus_minus else (1e-6, 1 - 1e-6)
    return y, golden(lambda p: value(y, np.full(m, p), **params), lo, hi)


def class_frequency_minimum(value, params, rng, target: str, *, logits: bool = True):
    """The categorical minimiser: the loss at the class frequencies (or, for soft targets,
    the mean target distribution) against 12 nearby predictions.

    Returns ``(rows, freq, at, best, values)``: ``at(logits)`` is the loss of one constant
    row of logits (``logits=False``: passed through softmax as probabilities).
    """
    from lossadvisor.reference.activations import softmax

    freq = np.array([0.5, 0.3, 0.2])
    rows = 10
    labels = np.repeat(np.arange(3), (freq * rows).astype(int))
    if target == "probabilities":
        yt = softmax(rng.normal(0.0, 1.0, (rows, 3)))
        freq = yt.mean(axis=0)
    elif target == "integer":
        yt = labels
    else:
        yt = np.eye(3)[labels]

    def at(z):
        zz = np.tile(z, (rows, 1))
        return value(yt, softmax(zz), **params) if not logits else value(yt, zz, from_logits=True, **params)

    base = np.log(freq)
    best = at(base)
    h = 1e-3
    probes = [base + s * h * np.eye(3)[k] for k in range(3) for s in (1, -1)]
    probes += [base + h * v for v in rng.normal(0.0, 1.0, (6, 3))]
    return rows, freq, at, best, [at(pz) for pz in probes]


def at_frequencies_detail(rows, freq, best, values, soft: bool):
    worse = sum(v > best for v in values)
    ok = worse == len(values)
    what = "mean target distribution" if soft else "class frequencies"
    return ok, (f"{rows} {'soft targets' if soft else 'labels'}: the loss at the {what} "
                f"{fmt_list(freq)} ({fmt(best)}) is below its value at {worse}/{len(values)} nearby predictions "
                "(logits moved by 1e-3); a convex loss, so that is its minimum")


# ------------------------------------------------------------- framework glue


def scalar(x) -> float:
    """A framework's scalar (tensor, array) as a Python float."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return float(np.asarray(x))


def torch_tensor(mods, a, dtype=None):
    torch = mods["torch"]
    return torch.as_tensor(np.ascontiguousarray(a), dtype=dtype or torch.float64)


def jax_array(mods, a):
    return mods["jnp"].asarray(np.asarray(a, dtype=np.float32))


def logit(p):
    return np.log(p) - np.log1p(-p)


def framework_bce(mods, framework: str, pairing, target: np.ndarray, z: np.ndarray, weight=None):
    """The framework's own elementwise binary cross-entropy of ``target`` against the pairing's
    output ``z``, times ``weight`` (default 1), unreduced, for the framework-agreement checks of the
    losses built of binary terms (CORN, CORAL, the discrete-time hazard): PyTorch
    ``F.binary_cross_entropy_with_logits(reduction="none")`` and optax ``sigmoid_binary_cross_entropy``
    on the logits (``z`` in the fused form, else the logit of the pairing's probabilities); Keras
    ``keras.ops.binary_crossentropy`` on ``z`` with ``from_logits`` in the fused form, else on the
    probabilities (float32)."""
    weight = np.ones_like(target, dtype=np.float64) if weight is None else weight
    if framework == "keras":
        fl = pairing.from_logits
        pred = np.asarray(z if fl else pairing.act(z), dtype=np.float32)
        ops = mods["keras"].ops
        return ops.binary_crossentropy(np.asarray(target, dtype=np.float32), pred, from_logits=fl) * weight
    logits = z if pairing.from_logits else logit(pairing.act(z))
    if framework == "pytorch":
        T = lambda a: torch_tensor(mods, a)  # noqa: E731
        return mods["F"].binary_cross_entropy_with_logits(T(logits), T(target), weight=T(weight), reduction="none")
    return mods["optax"].losses.sigmoid_binary_cross_entropy(jax_array(mods, logits), jax_array(mods, target)) \
        * jax_array(mods, weight)


def class_logits(pairing, z, floor: float):
    """The class logits a framework's fused loss takes: ``z`` itself in the fused form, else
    the log of the pairing's probabilities (floored at ``floor``: 1e-300 in float64, 1e-30
    for a float32 framework)."""
    return z if pairing.from_logits else np.log(np.clip(pairing.act(z), floor, None))


def keras_loss(make, expression):
    """A Keras agreement: ``make(losses, params, from_logits)`` builds the Keras loss object,
    ``expression(params, from_logits)`` spells it; float32 inputs, integer labels as int32."""

    def agree(mods, pairing, y, z, extra):
        fl = pairing.from_logits
        labels = np.asarray(y, dtype=np.int32 if pairing.spec.target == "integer" else np.float32)
        inp = np.asarray(z if fl else pairing.act(z), dtype=np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = make(mods["keras"].losses, pairing.kwargs, fl)(labels, inp)
        return scalar(value), f"keras.losses.{expression(pairing.kwargs, fl)}"

    return agree


__all__ = ["at_frequencies_detail", "binary_labels_30", "class_frequency_minimum", "class_logits", "close", "fmt", "fmt_list",
           "golden", "jax_array", "keras_loss", "logit", "lognormal_argmin", "lognormal_argmin_is", "scalar",
           "torch_tensor"]
