"""Check a user's own loss function against the NumPy reference, and name the mistake.

The function is called as ``f(y_true, y_pred)`` (Keras' order; ``f(y_true, y_pred, variance)``
for a loss with a variance head) on generated cases, edge cases included, and its value is compared with
the reference's. For the losses that take ``from_logits``, ``y_pred`` holds logits by
default (the recommended fused form); ``from_logits=False`` passes probabilities.
The reference uses the catalog's default parameters (a Huber delta of 1, a focal gamma of 2, ...)
unless ``params`` overrides them.

When a value differs, the usual mistakes are tested by name: arguments swapped, sum
instead of mean, mean over classes instead of sum, missing the ``(1 - y)`` term, logits
taken as probabilities (or probabilities taken as logits), overflow at large inputs,
returns an array instead of a scalar. An exception raised by the function is a failed
case with its message. ``impl_framework="torch"|"jax"`` passes tensors instead of
NumPy arrays (and reads the result back).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import math
import os
import sys
import warnings
from collections.abc import Callable

from lossadvisor.errors import InputError, UsageError
from lossadvisor.textutil import close, fmt_number as _fmt

IMPL_FRAMEWORKS = ("numpy", "torch", "jax")

DIAGNOSES = {
    "swapped": "arguments swapped",
    "sum": "sum instead of mean",
    "class_mean": "mean over classes instead of sum",
    "missing_negative": "missing the (1 - y) term",
    "logits_as_probs": "logits taken as probabilities",
    "probs_as_logits": "probabilities taken as logits",
    "overflow": "overflow at large inputs",
    "array": "returns an array instead of a scalar",
    "raises": "raises an exception",
    "saturates": "saturates at large inputs",
}


# ===================================================================== loading


def load_function(spec: str) -> Callable:
    """The function named by ``MODULE:FUNCTION`` or ``path/to/file.py:FUNCTION``.

    InputError when the file or module cannot be found or imported, or holds no such
    callable; UsageError when ``spec`` has no ``:FUNCTION`` part.
    """
    if not isinstance(spec, str) or ":" not in spec.strip(":") or spec.endswith(":"):
        raise UsageError(f"--impl {spec!r}: give MODULE:FUNCTION or path/to/file.py:FUNCTION")
    where, name = spec.rsplit(":", 1)
    name = name.strip()
    is_file = where.endswith(".py") or "/" in where or os.sep in where
    if is_file:
        if not os.path.isfile(where):
            raise InputError(f"--impl: no such file '{where}'")
        mod_name = "_lossadvisor_impl_" + "".join(c if c.isalnum() else "_" for c in os.path.abspath(where))
        try:
            spec_obj = importlib.util.spec_from_file_location(mod_name, where)
            module = importlib.util.module_from_spec(spec_obj)
            sys.modules[mod_name] = module
            with contextlib.redirect_stdout(sys.stderr):
                spec_obj.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - the user's file: any error is an input error
            sys.modules.pop(mod_name, None)
            raise InputError(f"--impl: importing '{where}' failed: {type(exc).__name__}: {exc}") from None
    else:
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.insert(0, os.getcwd())  # as `python -m` would
        try:
            with contextlib.redirect_stdout(sys.stderr):
                module = importlib.import_module(where)
        except ModuleNotFoundError as exc:
            raise InputError(f"--impl: no module named '{exc.name or where}' (for a file give path/to/file.py:{name})") from None
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"--impl: importing '{where}' failed: {type(exc).__name__}: {exc}") from None
    if not hasattr(module, name):
        import difflib

        funcs = [k for k, v in vars(module).items() if callable(v) and not k.startswith("_")]
        near = difflib.get_close_matches(name, funcs, n=1)
        hint = f"; did you mean '{near[0]}'?" if near else (f"; it has {', '.join(sorted(funcs)[:8])}" if funcs else "")
        raise InputError(f"--impl: '{where}' has no function '{name}'{hint}")
    func = getattr(module, name)
    if not callable(func):
        raise InputError(f"--impl: '{where}:{name}' is a {type(func).__name__}, not a function")
    return func


# ======================================================================= cases


def _cases(spec, from_logits: bool, kwargs: dict):
    """[(name, y_true, y_pred, variance or None, kind)] in the form the user's function gets.

    kind: "normal", "perfect", "large" (large logits or errors), "edge" (probabilities 0, 1).
    The cases follow the spec's target kind: class rows or indices, binary labels, values.
    """
    import numpy as np

    from lossadvisor import reference as ref

    rng = np.random.default_rng(3)
    target = spec.target
    cases = []
    if spec.has_classes:
        k = 4
        for shape_name, rows in (("batch of 8 x 4 classes", 8), ("one example", 1)):
            z = rng.normal(0.0, 1.5, (rows, k))
            lab = np.arange(rows) % k
            y = ref.softmax(rng.normal(0.0, 1.0, (rows, k))) if target == "probabilities" else (
                lab if target == "integer" else np.eye(k)[lab])
            pred = z if from_logits else ref.softmax(z)
            cases.append((shape_name, y, pred, None, "normal"))
        lab = np.array([0, 1, 2, 3])
        y = lab if target == "integer" else np.eye(k)[lab]
        if target == "probabilities":
            y = np.full((4, k), 1.0 / k)
            cases.append(("perfect prediction", y, y.copy(), None, "perfect"))
        elif from_logits:
            cases.append(("confident logits ±40 (right and wrong)", y,
                          np.where(np.eye(k)[[0, 1, 3, 2]] > 0, 40.0, -40.0), None, "large"))
            cases.append(("perfect prediction", y, np.where(np.eye(k)[lab] > 0, 30.0, -30.0), None, "perfect"))
        else:
            cases.append(("probabilities exactly 0 and 1", y, np.eye(k)[[0, 1, 3, 2]], None, "edge"))
        return cases
    if spec.has_labels:
        margin = target == "plus_minus_one"
        for shape_name, shape in (("batch of 8", (8,)), ("batch of 6 x 3", (6, 3)), ("one example", (1,))):
            y = (np.arange(int(np.prod(shape))).reshape(shape) % 3 == 0).astype(np.float64)
            if margin:
                y = 2.0 * y - 1.0
            z = rng.normal(0.0, 1.5, shape)
            pred = np.tanh(z) if margin else (z if from_logits else ref.sigmoid(z))
            cases.append((shape_name, y, pred, None, "normal"))
        y = np.array([1.0, 0.0, 1.0, 0.0])
        if margin:
            y = 2.0 * y - 1.0
            cases.append(("perfect prediction", y, y.copy(), None, "perfect"))
            cases.append(("large scores ±1e4", y, np.array([1e4, 1e4, -1e4, -1e4]), None, "large"))
        elif from_logits:
            cases.append(("large logits ±40 (right and wrong)", y, np.array([40.0, -40.0, -40.0, 40.0]), None, "large"))
            cases.append(("logits ±1e4", y, np.array([1e4, -1e4, -1e4, 1e4]), None, "large"))
        else:
            cases.append(("probabilities exactly 0 and 1", y, np.array([1.0, 0.0, 0.0, 1.0]), None, "edge"))
        return cases
    # regression
    nq = spec.units(kwargs) if spec.units_per_target else None
    for shape_name, shape in (("batch of 8", (8,)), ("batch of 6 x 3", (6, 3)), ("one example", (1,))):
        if nq:
            y = rng.normal(0.0, 1.5, shape)
            # one output: (N, Q); several: (N, outputs * Q), the levels of an output adjacent
            pred = rng.normal(0.0, 1.5, (shape[0], nq) if len(shape) == 1 else shape[:-1] + (shape[-1] * nq,))
        elif target == "count":
            y = rng.poisson(3.0, shape).astype(np.float64)
            pred = np.exp(rng.normal(1.0, 0.5, shape))
        elif target == "positive":
            y = np.exp(rng.normal(0.0, 1.0, shape))
            pred = np.exp(rng.normal(0.0, 1.0, shape))
        else:
            y = rng.normal(0.0, 1.5, shape)
            pred = rng.normal(0.0, 1.5, shape)
        var = np.exp(rng.normal(0.0, 0.5, shape)) if spec.heads else None
        cases.append((shape_name, y, pred, var, "normal"))
    y = cases[0][1]
    if nq:
        cases.append(("perfect prediction", y, np.repeat(y[:, None], nq, axis=1), None, "perfect"))
    else:
        cases.append(("perfect prediction", y, y.copy(), cases[0][3], "perfect"))
    if target == "real" and not nq:
        y = np.array([0.0, 0.0, 0.0])
        pred = np.array([1e3, -1e3, 800.0])
        var = np.ones(3) if spec.heads else None
        cases.append(("large errors ±1e3", y, pred, var, "large"))
    return cases


# ================================================================== evaluation


def _to_framework(x, framework: str, integer: bool = False):
    import numpy as np

    if framework == "torch":
        import torch

        return torch.as_tensor(np.ascontiguousarray(x), dtype=torch.int64 if integer else torch.float64)
    if framework == "jax":
        import jax.numpy as jnp

        return jnp.asarray(np.asarray(x, dtype=np.int32 if integer else np.float32))
    return np.array(x, dtype=np.int64 if integer else np.float64)


class _Call:
    """The outcome of one call of the user's function."""

    def __init__(self, value=None, shape=(), error: str | None = None, overflow: bool = False,
                 dtype: str = "float64"):
        self.value = value
        self.shape = shape
        self.error = error
        self.overflow = overflow
        self.dtype = dtype

    @property
    def scalar(self) -> bool:
        return self.error is None and int(math.prod(self.shape)) == 1 and len(self.shape) == 0


def _call(func, framework: str, spec, y_true, y_pred, variance) -> _Call:
    import numpy as np

    args = [_to_framework(y_true, framework, integer=spec.target == "integer"), _to_framework(y_pred, framework)]
    if variance is not None:
        args.append(_to_framework(variance, framework))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(over="warn", invalid="warn", divide="warn"), contextlib.redirect_stdout(sys.stderr):
                out = func(*args)
        except Exception as exc:  # noqa: BLE001 - the user's code: report, never crash
            return _Call(error=f"{type(exc).__name__}: {exc}")
    overflow = any("overflow" in str(w.message) for w in caught)
    try:
        if hasattr(out, "detach"):
            out = out.detach().cpu().numpy()
        arr = np.asarray(out)
        if arr.dtype.kind not in "biuf":
            return _Call(error=f"returned {type(out).__name__} {out!r:.60}, not a number")
        dtype = str(arr.dtype)
        arr = arr.astype(np.float64)
    except Exception as exc:  # noqa: BLE001
        return _Call(error=f"returned {type(out).__name__}, not a number ({exc})")
    value = float(arr) if arr.ndim == 0 else arr
    return _Call(value=value, shape=arr.shape, overflow=overflow, dtype=dtype)


def _close(a: float, b: float, rtol: float) -> bool:
    return close(a, b, rtol, atol=1e-7)


# ==================================================================== hypotheses


def _hypotheses(spec, from_logits: bool, kwargs: dict, y, pred, var, ref_value: float):
    """{code: (expected value under the mistake, explanation)} for the mistakes that apply."""
    import numpy as np

    out: dict[str, tuple[float, str]] = {}
    pred = np.asarray(pred, dtype=np.float64)
    n_terms = pred.shape[0] if spec.has_classes else pred.size
    if n_terms > 1:
        out["sum"] = (ref_value * n_terms,
                      f"yours = reference x {n_terms} (the number of {'rows' if spec.has_classes else 'elements'}): "
                      f"take the mean, not the sum")
    if spec.has_classes and pred.shape[-1] > 1:
        k = pred.shape[-1]
        out["class_mean"] = (ref_value / k, f"yours = reference / {k}: sum over the classes, then average the rows")
    if spec.hypotheses is not None:
        out.update(spec.hypotheses(from_logits, kwargs, y, pred, ref_value))
    return out


# ========================================================================== main


def check_implementation(loss_id: str, func: Callable, *, impl_framework: str = "numpy",
                         from_logits: bool | None = None, params: dict | None = None,
                         catalog: dict | None = None) -> dict:
    """Compare ``func`` with the reference on generated cases.

    Returns ``{"passed", "results": [{"loss", "name", "passed", "detail"}], "diagnoses":
    [{"code", "name", "detail"}]}``. Raises UsageError for an unknown loss or framework.
    """
    import numpy as np

    from lossadvisor import reference as ref
    from lossadvisor.checks import _accepted_params, _catalog, _row, unknown_loss_message

    if impl_framework not in IMPL_FRAMEWORKS:
        raise UsageError(f"--impl-framework must be one of {', '.join(IMPL_FRAMEWORKS)}, not {impl_framework!r}")
    if loss_id not in ref.LOSSES:
        cat = _catalog(catalog)
        raise UsageError(unknown_loss_message(loss_id, cat) if loss_id not in cat
                         else f"loss '{loss_id}' has no NumPy reference to check against")
    if impl_framework != "numpy":
        mod = "torch" if impl_framework == "torch" else "jax"
        if importlib.util.find_spec(mod) is None:
            raise UsageError(f"--impl-framework {impl_framework}: {mod} is not installed")
    entry = _catalog(catalog).get(loss_id, {})
    spec = ref.SPECS[loss_id]
    fn = spec.value
    kwargs = dict(entry.get("params") or {})
    kwargs.update(params or {})
    accepted = _accepted_params(spec)
    unknown = sorted(set(params or {}) - accepted)
    if unknown:
        raise UsageError(f"{loss_id} takes no parameter {', '.join(unknown)}"
                         + (f" (it takes {', '.join(sorted(accepted))})" if accepted else ""))
    kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    takes_logits = loss_id in ref.FROM_LOGITS
    if from_logits is None:
        from_logits = takes_logits
    if from_logits and not takes_logits:
        raise UsageError(f"{loss_id} takes no logits (--logits applies to "
                         f"{', '.join(sorted(ref.FROM_LOGITS))})")
    try:
        cases = _cases(spec, from_logits, kwargs)
    except Exception as exc:  # noqa: BLE001
        raise UsageError(f"{loss_id}: {exc}") from None

    def reference(y, pred, var):
        kw = dict(kwargs)
        if var is not None:
            kw.update({name: var for name in spec.heads})
        if takes_logits:
            kw["from_logits"] = from_logits
        return fn(y, pred, **kw)

    rtol = 1e-5 if impl_framework == "jax" else 1e-6
    results, found = [], {}
    form = ("logits" if from_logits else "probabilities") if takes_logits else None

    def note(code, detail):
        found.setdefault(code, detail)

    for name, y, pred, var, kind in cases:
        try:
            want = reference(y, pred, var)
        except ValueError as exc:  # a bad --param
            raise UsageError(f"{loss_id}: {exc}") from None
        got = _call(func, impl_framework, spec, y, pred, var)
        label = f"case: {name}"
        if got.error:
            note("raises", f"{name}: {got.error}")
            results.append(_row(loss_id, label, False, f"raised {got.error}"))
            continue
        tol = max(rtol, 1e-5) if got.dtype in ("float32", "float16") else rtol
        if not got.scalar:
            arr = np.asarray(got.value)
            mean = float(arr.mean()) if arr.size else float("nan")
            hint = " (its mean equals the reference: reduce with .mean())" if _close(mean, want, tol) else ""
            note("array", f"returns shape {tuple(got.shape)}{hint}")
            results.append(_row(loss_id, label, False,
                                f"returned an array of shape {tuple(got.shape)}, not a scalar{hint}; reference {_fmt(want)}"))
            continue
        value = float(got.value)
        if _close(value, want, tol):
            extra = " (but a floating-point overflow warning was raised)" if got.overflow else ""
            if got.overflow:
                note("overflow", f"{name}: overflow warning inside your function")
            results.append(_row(loss_id, label, not got.overflow, f"yours {_fmt(value)} = reference {_fmt(want)}{extra}"))
            continue
        why = _explain(func, impl_framework, spec, from_logits, takes_logits, kwargs, y, pred, var,
                       value, want, got, kind, tol, reference)
        for code, text in why:
            note(code, f"{name}: {text}")
        reason = "; ".join(f"{DIAGNOSES[c]}: {t}" for c, t in why) if why else "no known mistake explains the difference"
        results.append(_row(loss_id, label, False, f"yours {_fmt(value)} != reference {_fmt(want)}: {reason}"))

    diagnoses = [{"code": c, "name": DIAGNOSES[c], "detail": d} for c, d in found.items()]
    called = f"f(y_true, y_pred{''.join(', ' + name for name in spec.heads)})"
    setup = f"called as {called}" + (f" with {form}" if form else "") + (
        f", {impl_framework} tensors" if impl_framework != "numpy" else "") + (
        "; reference parameters " + ", ".join(f"{k}={v}" for k, v in kwargs.items()) if kwargs else "")
    failed = sum(r["passed"] is False for r in results)
    if diagnoses:
        text = "; ".join(d["name"] for d in diagnoses)
        results.append(_row(loss_id, "diagnosis", False, f"{text} ({setup})"))
    elif failed:
        results.append(_row(loss_id, "diagnosis", False,
                            f"{failed} of {len(cases)} cases differ and no known mistake explains it ({setup})"))
    else:
        results.append(_row(loss_id, "diagnosis", True,
                            f"matches the reference on all {len(cases)} cases, edge cases included ({setup})"))
    return {"passed": not any(r["passed"] is False for r in results), "results": results, "diagnoses": diagnoses}


def _explain(func, framework, spec, from_logits, takes_logits, kwargs, y, pred, var, value, want, got,
             kind, tol, reference) -> list[tuple[str, str]]:
    """The named mistakes that explain ``value`` (the user's) against ``want`` (the reference's)."""
    import numpy as np

    from lossadvisor import reference as ref

    found: list[tuple[str, str]] = []
    if not math.isfinite(value):
        if kind in ("large", "edge") or got.overflow:
            what = "probabilities of exactly 0 or 1 (log 0)" if kind == "edge" else "large inputs"
            fix = ("clip the probabilities to [eps, 1 - eps] as Keras does" if kind == "edge"
                   else "use log-sum-exp / log1p(exp(-|z|)) instead of log(sigmoid) or log(softmax), or cosh")
            found.append(("overflow", f"returns {value} on {what}; {fix}"))
        else:
            found.append(("overflow", f"returns {value} on ordinary inputs"))
        return found
    # arguments swapped: the function computes the reference when called (y_pred, y_true)
    swapped = _call(func, framework, spec, pred, y, var) if spec.target != "integer" else None
    if swapped is not None and swapped.scalar and _close(float(swapped.value), want, tol):
        found.append(("swapped", "called as f(y_pred, y_true) it matches the reference; lossadvisor (like Keras) "
                                 "calls f(y_true, y_pred): swap the parameters"))
        return found
    for code, (expected, text) in _hypotheses(spec, from_logits, kwargs, y, pred, var, want).items():
        if _close(value, expected, tol):
            found.append((code, text))
    if found:
        return found
    if takes_logits and kind == "normal":
        act = ref.softmax if spec.has_classes else ref.sigmoid
        if from_logits:
            probs = act(pred)
            alt = _call(func, framework, spec, y, probs, var)
            if alt.scalar and _close(float(alt.value), spec.value(y, probs, **kwargs), tol):
                found.append(("logits_as_probs", "your function expects probabilities but the pairing gives logits: "
                                                 "apply the activation first, or use the framework's from-logits loss"))
        else:
            logits = np.log(np.clip(pred, 1e-300, None)) if act is ref.softmax else np.log(pred) - np.log1p(-pred)
            alt = _call(func, framework, spec, y, logits, var)
            if alt.scalar and _close(float(alt.value), spec.value(y, pred, **kwargs), tol):
                found.append(("probs_as_logits", "your function applies the activation itself: give it logits "
                                                 "(--logits) or remove its sigmoid/softmax"))
    if not found and kind == "large" and math.isfinite(value) and abs(value) < abs(want):
        found.append(("saturates", f"on large inputs yours is capped at {_fmt(value)} (a clipped log of a probability?); "
                                   "compute the loss from the logits with log-sigmoid / log-softmax"))
    return found

