"""The reference check of a pairing: evidence, computed on the spot, that an output
activation and a loss fit together.

For a loss (and the activation in front of it) six checks, each a name, a pass/fail
(``None`` for skipped) and a one-line detail:

- **worked example**: the loss on the catalog's small fixed batch equals the value worked
  out by hand (the derivation is in ``rules/losses.yaml``, key ``worked_example``).
- **maximum likelihood**: the loss equals the mean negative log-likelihood of its
  distribution, evaluated from the density formula, minus the stated constant.
- **gradient**: the analytic gradient with respect to the pre-activation output agrees with
  central finite differences (and, for the canonical pairings, equals ``prediction - target``
  up to the reduction's factor).
- **stability**: extreme inputs (logits of magnitude 1e4, probabilities of exactly 0 and 1)
  give a finite loss and gradient, with no floating-point overflow or invalid operation.
- **minimiser**: on a sample, the constant prediction that minimises the loss is the
  statistic the loss targets (mean, median, quantile, probability, ...).
- **framework agreement**: each requested framework that is installed computes the same
  value with its own loss (after the documented conversion); otherwise skipped, with why.

``check_pairing`` serves ``recommend`` (one pairing, fast: NumPy only, plus the frameworks
it is asked for); ``run_checks`` serves ``lossadvisor check``.

Framework policy: ``check_pairing(..., frameworks=("pytorch",))`` compares with the
frameworks named (the caller passes the user's framework, or ``()`` to skip); importing
one costs about 1-3 s for torch or jax+optax and more for Keras, so ``recommend`` should
ask for one at most. ``run_checks`` defaults to every framework that is installed.
Keras needs a backend: when ``KERAS_BACKEND`` is unset and TensorFlow is not installed,
it is set to ``numpy`` for this process before Keras is imported (Keras 3's NumPy backend
computes the same loss values without compiling each loss on first use).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lossadvisor.errors import UsageError

CHECK_NAMES = ("worked example", "maximum likelihood", "gradient", "stability", "minimiser", "framework agreement")
FRAMEWORKS = ("pytorch", "keras", "jax")
FRAMEWORK_TITLES = {"pytorch": "PyTorch", "keras": "Keras 3", "jax": "JAX + optax"}

#: the pairings whose gradient with respect to the pre-activation is prediction - target
#: (times the factor of the reduction): the canonical links of their likelihoods.
CANONICAL = {
    ("binary_crossentropy", "sigmoid"): "(sigmoid(z) - y) / N",
    ("categorical_crossentropy", "softmax"): "(softmax(z) - y) / rows",
    ("sparse_categorical_crossentropy", "softmax"): "(softmax(z) - onehot(y)) / rows",
    ("kl_divergence", "softmax"): "(softmax(z) - y) / rows",
    ("poisson", "exponential"): "(exp(z) - y) / N",
    ("mean_squared_error", "linear"): "2 (z - y) / N (Keras' MSE is not halved)",
    ("gaussian_nll", "linear"): "(mu - y) / (variance N)",
}


# ======================================================================= entry points


def check_pairing(loss_id: str, params: dict | None = None, activation: str | None = None, *,
                  frameworks: Iterable[str] | None = ("pytorch",), catalog: dict | None = None) -> dict:
    """Run the reference checks of one pairing.

    ``params`` are the recommendation's loss parameters: those the reference takes (delta,
    quantiles, gamma, alpha, ...) are used, others (``class_weight``) are reported in a
    skipped row and the unweighted loss is checked. ``activation`` defaults to the
    catalog's. ``frameworks`` names the frameworks to compare with (see the module doc).
    Returns ``{"passed": bool, "results": [{"loss", "name", "passed", "detail"}, ...]}``;
    ``passed`` is True when no check failed.
    """
    results = pairing_results(loss_id, params or {}, activation, frameworks=frameworks, catalog=catalog)
    return {"passed": not any(r["passed"] is False for r in results), "results": results}


def run_checks(loss_ids: list[str] | None = None, *, frameworks: Iterable[str] | None = None,
               catalog: dict | None = None, params: dict | None = None) -> dict:
    """The checks of every loss named (all of the catalog when None or empty), each paired
    with its catalog activation and default parameters (``params`` overrides them).

    ``frameworks``: names to compare with; None means every installed one.
    Raises UsageError for an unknown loss id or a parameter the loss rejects.
    """
    catalog = _catalog(catalog)
    ids = list(loss_ids or catalog)
    unknown = [i for i in ids if i not in catalog]
    if unknown:
        raise UsageError(unknown_loss_message(unknown[0], catalog))
    if frameworks is None:
        frameworks = [f for f in FRAMEWORKS if framework_installed(f)[0]] or list(FRAMEWORKS)
    frameworks = list(frameworks)
    params = dict(params or {})
    from lossadvisor import reference as ref

    takes = {i: _accepted_params(ref.LOSSES[i]) if i in ref.LOSSES else set() for i in ids}
    for key in params:
        if not any(key in takes[i] for i in ids):
            offer = sorted(set().union(*takes.values()))
            raise UsageError(
                f"--param {key}: {'none of these losses takes' if len(ids) > 1 else ids[0] + ' takes no'} "
                f"parameter '{key}'" + (f" (they take {', '.join(offer)})" if offer else "")
            )
    results: list[dict] = []
    for loss_id in ids:
        entry = catalog[loss_id]
        merged = dict(entry.get("params") or {})
        own = {k: v for k, v in params.items() if k in takes[loss_id]}
        merged.update(own)
        results.extend(pairing_results(loss_id, merged, None, frameworks=frameworks, catalog=catalog,
                                       strict_params=bool(own)))
    return {"passed": not any(r["passed"] is False for r in results), "results": results}


def unknown_loss_message(loss_id: str, catalog: dict) -> str:
    import difflib

    near = difflib.get_close_matches(loss_id, list(catalog), n=1)
    hint = f"; did you mean '{near[0]}'?" if near else f"; known: {', '.join(catalog)}"
    return f"unknown loss '{loss_id}'{hint}"


def _catalog(catalog):
    if catalog is not None:
        return catalog
    from lossadvisor.rulebase import load_rulebase

    return load_rulebase().losses


def _row(loss: str, name: str, passed, detail: str) -> dict:
    return {"loss": loss, "name": name, "passed": passed, "detail": " ".join(str(detail).split())}


# ============================================================================ pairing


@dataclass
class Pairing:
    loss: str
    activation: str
    fn: Callable
    kwargs: dict
    from_logits: bool
    entry: dict = field(default_factory=dict)
    ignored: dict = field(default_factory=dict)

    def value(self, y, z, extra=None) -> float:
        """The loss of pre-activation output ``z``, in the pairing's form (fused or not)."""
        from lossadvisor import reference as ref

        kw = dict(self.kwargs)
        if self.loss == "gaussian_nll":
            kw["variance"] = ref.softplus(extra["zv"]) if extra and "zv" in extra else extra["variance"]
        if self.from_logits:
            return self.fn(y, z, from_logits=True, **kw)
        return self.fn(y, self.act(z), **kw)

    def act(self, z):
        from lossadvisor import reference as ref

        return ref.ACTIVATIONS[self.activation][0](z)

    def grad(self, y, z, extra=None, wrt="z"):
        """Analytic d loss / d z (or / d zv, the variance head's pre-activation)."""
        from lossadvisor import reference as ref

        kw = dict(self.kwargs)
        if self.loss == "gaussian_nll":
            kw["variance"] = ref.softplus(extra["zv"])
            if wrt == "zv":
                g = ref.loss_gradient(self.loss, y, self.act(z), wrt="variance", **kw)
                return ref.activation_vjp("softplus", extra["zv"], g)
        if self.from_logits:
            return ref.loss_gradient(self.loss, y, z, from_logits=True, **kw)
        g = ref.loss_gradient(self.loss, y, self.act(z), **kw)
        return ref.activation_vjp(self.activation, z, g)


def _accepted_params(fn) -> set:
    """The parameters a reference function takes from a recommendation (not from_logits or
    the variance, which are data)."""
    return {
        name for name, p in inspect.signature(fn).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in ("from_logits", "variance")
    }


def make_pairing(loss_id: str, params: dict, activation: str | None, catalog: dict) -> Pairing:
    from lossadvisor import reference as ref

    entry = catalog.get(loss_id, {}) if catalog else {}
    fn = ref.LOSSES[loss_id]
    act = activation or entry.get("activation") or "linear"
    accepted = _accepted_params(fn)
    kwargs = {k: v for k, v in params.items() if k in accepted}
    ignored = {k: v for k, v in params.items() if k not in accepted}
    fam = _family(loss_id)
    from_logits = loss_id in ref.FROM_LOGITS and (
        (fam == "binary" and act == "sigmoid") or (fam == "categorical" and act == "softmax")
    )
    return Pairing(loss=loss_id, activation=act, fn=fn, kwargs=kwargs, from_logits=from_logits,
                   entry=entry, ignored=ignored)


def pairing_results(loss_id: str, params: dict, activation: str | None, *, frameworks=("pytorch",),
                    catalog: dict | None = None, strict_params: bool = False) -> list[dict]:
    from lossadvisor import reference as ref

    if catalog is None:
        try:
            catalog = _catalog(None)
        except Exception:  # noqa: BLE001 - a broken rule base must not stop the numeric checks
            catalog = {}
    if loss_id not in ref.LOSSES:
        return [_row(loss_id, "reference", None,
                     f"skipped: no NumPy reference for loss '{loss_id}' (a custom loss); nothing was checked")]
    pairing = make_pairing(loss_id, params, activation, catalog)
    rows: list[dict] = []
    if pairing.ignored:
        text = ", ".join(f"{k}={v}" for k, v in pairing.ignored.items())
        why = ("class weights scale each example's term and leave the pairing unchanged"
               if "class_weight" in pairing.ignored else "the reference takes no such parameter")
        rows.append(_row(loss_id, "parameters", None,
                         f"skipped: {text} is applied by the framework, not the reference; the checks use the "
                         f"unweighted loss ({why})"))
    if pairing.kwargs:
        try:
            _validate_params(pairing)
        except UsageError as exc:
            if strict_params:
                raise
            rows.append(_row(loss_id, "parameters", False, f"the loss rejects its parameters: {exc}"))
            return rows
    rows.append(_guard(loss_id, "worked example", check_worked_example, pairing))
    if pairing.activation not in ref.ACTIVATIONS:
        for name in ("maximum likelihood", "gradient", "stability", "minimiser"):
            rows.append(_row(loss_id, name, None,
                             f"skipped: no reference for activation '{pairing.activation}'"))
    else:
        for name, fn in (("maximum likelihood", check_likelihood), ("gradient", check_gradient),
                         ("stability", check_stability), ("minimiser", check_minimiser)):
            rows.append(_guard(loss_id, name, fn, pairing))
    rows.extend(check_frameworks(pairing, frameworks))
    return rows


def _validate_params(pairing: Pairing) -> None:
    """A parameter the reference rejects (delta=-1, quantiles=[2]) is a usage error."""
    import numpy as np

    y, z, extra = make_batch(pairing, np.random.default_rng(0))
    try:
        pairing.value(y, z, extra)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{pairing.loss}: {exc}") from None


def _guard(loss_id: str, name: str, fn, pairing: Pairing) -> dict:
    """Run one check; an unexpected exception is a failed check with its message, not a crash."""
    import numpy as np

    try:
        passed, detail = fn(pairing)
    except Exception as exc:
        if os.environ.get("LOSSADVISOR_DEBUG"):
            raise
        passed, detail = False, f"{type(exc).__name__}: {exc}"
    if isinstance(passed, np.bool_):
        passed = bool(passed)
    return _row(loss_id, name, passed, detail)


# ====================================================================== sample batches

ROWS, OUTPUTS, CLASSES = 6, 2, 4
_POSITIVE_PRED = {"mean_squared_logarithmic_error", "poisson"}


def make_batch(pairing: Pairing, rng):
    """(y_true, z, extra) for ``pairing``: moderate values, away from the kinks, float64.

    ``z`` is the pre-activation output; ``extra`` holds the variance head (``zv``) of
    gaussian_nll. Fixed seeds make every run the same.
    """
    import numpy as np

    loss, act = pairing.loss, pairing.activation
    extra: dict = {}
    fam = _family(loss)
    if fam == "categorical":
        shape = (ROWS, CLASSES)
    elif loss == "quantile":
        shape = (ROWS, OUTPUTS * len(_quantiles(pairing)))
    else:
        shape = (ROWS, OUTPUTS)
    z = rng.normal(0.0, 1.5, shape)
    if act == "linear" and loss in _POSITIVE_PRED:
        z = 0.5 + np.abs(z)
    if act == "linear" and loss in ("binary_crossentropy", "binary_focal_crossentropy") and not pairing.from_logits:
        z = rng.uniform(0.05, 0.95, shape)
    if fam == "categorical" and act == "linear":
        z = rng.uniform(0.05, 1.0, shape)
    if loss in ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh", "gaussian_nll"):
        y = rng.normal(0.0, 1.5, shape)
    elif loss == "quantile":
        y = rng.normal(0.0, 1.5, (ROWS, OUTPUTS))
    elif loss == "mean_squared_logarithmic_error":
        y = np.exp(rng.normal(0.0, 1.0, shape))
    elif loss == "poisson":
        y = rng.poisson(3.0, shape).astype(np.float64)
    elif loss in ("binary_crossentropy", "binary_focal_crossentropy"):
        y = (np.arange(z.size).reshape(shape) % 3 == 0).astype(np.float64)
    elif loss in ("hinge", "squared_hinge"):
        y = np.where(np.arange(z.size).reshape(shape) % 3 == 0, 1.0, -1.0)
    elif loss in ("categorical_crossentropy", "categorical_focal_crossentropy"):
        y = np.eye(CLASSES)[np.arange(ROWS) % CLASSES]
    elif loss == "sparse_categorical_crossentropy":
        y = np.arange(ROWS) % CLASSES
    elif loss == "kl_divergence":
        from lossadvisor.reference import softmax

        y = softmax(rng.normal(0.0, 1.0, shape))
    else:  # pragma: no cover - every loss id is listed above
        y = rng.normal(0.0, 1.0, shape)
    if loss == "gaussian_nll":
        extra["zv"] = rng.normal(0.0, 1.0, shape)
    if loss in ("mean_absolute_error", "quantile", "hinge"):
        z = _away_from_kinks(pairing, y, z)
    return y, z, extra


def _away_from_kinks(pairing: Pairing, y, z):
    """Nudge z so that no error sits within 1e-3 of a kink (|e| = 0, margin = 1)."""
    import numpy as np

    for _ in range(20):
        p = pairing.act(z)
        if pairing.loss == "hinge":
            from lossadvisor.reference.classification import hinge_labels

            dist = np.abs(1.0 - hinge_labels(y) * p)
        elif pairing.loss == "quantile":
            dist = np.abs(np.repeat(y.reshape(-1), p.shape[-1] // y.shape[-1]).reshape(p.shape) - p)
        else:
            dist = np.abs(y - p)
        if (dist > 1e-3).all():
            break
        z = z + np.where(dist <= 1e-3, 0.01, 0.0)
    return z


def _family(loss: str) -> str:
    if loss in ("categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence",
                "categorical_focal_crossentropy"):
        return "categorical"
    if loss in ("binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge"):
        return "binary"
    return "regression"


def _quantiles(pairing: Pairing):
    from lossadvisor.reference.regression import quantile_levels

    return quantile_levels(pairing.kwargs.get("quantiles", (0.1, 0.5, 0.9)))


def _fmt(v) -> str:
    v = float(v)
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-4:
        return f"{v:.3g}"
    return f"{v:.6g}"


def _fmt_list(a) -> str:
    import numpy as np

    if isinstance(a, bool):
        return "true" if a else "false"
    a = np.asarray(a)
    if a.ndim == 0:
        return _fmt(a)
    return "[" + ", ".join(_fmt_list(x) for x in a) + "]"


def _close(a: float, b: float, rtol: float, atol: float = 1e-12) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= atol + rtol * max(abs(a), abs(b))


# ===================================================================== worked example


def check_worked_example(pairing: Pairing):
    ex = pairing.entry.get("worked_example")
    if not isinstance(ex, dict) or "expected" not in ex:
        return None, "skipped: no worked example in the loss catalog"
    params = dict(ex.get("params") or {})
    if ex.get("from_logits"):
        params["from_logits"] = True
    got = pairing.fn(ex["y_true"], ex["y_pred"], **params)
    expected = float(ex["expected"])
    shown = ", ".join(f"{k}={_fmt_list(v)}" for k, v in params.items())
    inputs = f"y_true={_fmt_list(ex['y_true'])}, y_pred={_fmt_list(ex['y_pred'])}" + (f", {shown}" if shown else "")
    derivation = ex.get("derivation", "")
    ok = _close(got, expected, 1e-9)
    relation = "=" if ok else "!="
    return ok, f"{inputs}: {_fmt(got)} {relation} {_fmt(expected)} by hand ({derivation})"


# ================================================================= maximum likelihood


def _nll(pairing: Pairing, y, p, extra):
    """(mean negative log-likelihood from the density formula, constant, description),
    or None with a reason when the loss is not a likelihood."""
    import numpy as np

    loss = pairing.loss
    if loss == "mean_squared_error":
        s2 = 0.5
        dens = np.exp(-((y - p) ** 2) / (2 * s2)) / np.sqrt(2 * np.pi * s2)
        return -np.log(dens).mean(), 0.5 * math.log(math.pi), "Gaussian N(y | ŷ, σ² = ½), constant ½ log π"
    if loss == "mean_absolute_error":
        b = 1.0
        dens = np.exp(-np.abs(y - p) / b) / (2 * b)
        return -np.log(dens).mean(), math.log(2.0), "Laplace(y | ŷ, b = 1), constant log 2"
    if loss == "mean_squared_logarithmic_error":
        s2 = 0.5
        u, mu = np.log(1.0 + y), np.log(1.0 + p)
        dens = np.exp(-((u - mu) ** 2) / (2 * s2)) / np.sqrt(2 * np.pi * s2)
        return (-np.log(dens).mean(), 0.5 * math.log(math.pi),
                "Gaussian on log(1 + y) with mean log(1 + ŷ), σ² = ½, constant ½ log π")
    if loss == "huber":
        d = float(pairing.kwargs.get("delta", 1.0))
        e = y - p
        rho = np.where(np.abs(e) <= d, 0.5 * e**2, d * np.abs(e) - 0.5 * d**2)
        # normaliser: Gaussian centre sqrt(2π) erf(δ/√2) plus two exponential tails 2 exp(-δ²/2) / δ
        z = math.sqrt(2 * math.pi) * math.erf(d / math.sqrt(2)) + 2 * math.exp(-(d**2) / 2) / d
        dens = np.exp(-rho) / z
        return -np.log(dens).mean(), math.log(z), f"Huber density exp(-ρ_δ(e)) / Z, δ = {_fmt(d)}, constant log Z = {_fmt(math.log(z))}"
    if loss == "log_cosh":
        dens = 1.0 / (math.pi * np.cosh(p - y))
        return -np.log(dens).mean(), math.log(math.pi), "hyperbolic secant 1 / (π cosh(y - ŷ)), constant log π"
    if loss == "poisson":
        fact = np.array([math.factorial(int(k)) for k in y.reshape(-1)], dtype=np.float64).reshape(y.shape)
        pmf = p**y * np.exp(-p) / fact
        return (-np.log(pmf).mean(), float(np.log(fact).mean()),
                "Poisson λ^y e^-λ / y! with λ = ŷ, constant mean log y!")
    if loss == "gaussian_nll":
        v = extra["variance"]
        dens = np.exp(-((y - p) ** 2) / (2 * v)) / np.sqrt(2 * np.pi * v)
        return -np.log(dens).mean(), 0.5 * math.log(2 * math.pi), "Gaussian N(y | μ, σ²) with both predicted, constant ½ log 2π"
    if loss == "quantile":
        q = _quantiles(pairing)
        nq = q.size
        pq = p.reshape(-1, nq)
        yy = y.reshape(-1)[:, None]
        e = yy - pq
        rho = np.maximum(q * e, (q - 1) * e)
        dens = q * (1 - q) * np.exp(-rho)
        const = float(np.mean(-np.log(q * (1 - q))))
        return -np.log(dens).mean(), const, "asymmetric Laplace q(1 - q) exp(-ρ_q(y - ŷ_q)), constant mean of -log q(1 - q)"
    if loss == "binary_crossentropy":
        pmf = p**y * (1 - p) ** (1 - y)
        return -np.log(pmf).mean(), 0.0, "Bernoulli p^y (1 - p)^(1 - y), no constant"
    if loss in ("categorical_crossentropy",):
        pmf = np.prod(p**y, axis=-1)
        return -np.log(pmf).mean(), 0.0, "Multinoulli Π p_k^y_k, no constant"
    if loss == "sparse_categorical_crossentropy":
        pmf = p[np.arange(p.shape[0]), y.astype(int)]
        return -np.log(pmf).mean(), 0.0, "Multinoulli p[y], no constant"
    if loss == "kl_divergence":
        ce = -(y * np.log(p)).sum(axis=-1)
        ent = -(y * np.log(y)).sum(axis=-1)
        return (ce - ent).mean(), 0.0, "Multinoulli likelihood of soft targets: cross-entropy minus the targets' entropy"
    return None


def check_likelihood(pairing: Pairing):
    import numpy as np

    from lossadvisor import reference as ref

    loss = pairing.loss
    y, z, extra = make_batch(pairing, np.random.default_rng(11))
    if loss in ("hinge", "squared_hinge"):
        return None, "skipped: " + (pairing.entry.get("likelihood") or "a margin loss, not a likelihood")
    if loss in ("binary_focal_crossentropy", "categorical_focal_crossentropy"):
        # not a likelihood; at gamma = 0 (and alpha = 1) it must reduce to one
        plain = Pairing(loss=loss, activation=pairing.activation, fn=pairing.fn,
                        kwargs={**pairing.kwargs, "gamma": 0.0, "alpha": 1.0, **(
                            {"apply_class_balancing": False} if loss.startswith("binary") else {})},
                        from_logits=pairing.from_logits, entry=pairing.entry)
        got = plain.value(y, z, extra)
        p = pairing.act(z)
        if loss.startswith("binary"):
            nll = float(-np.log(p**y * (1 - p) ** (1 - y)).mean())
            dist = "Bernoulli"
        else:
            nll = float(-np.log(np.prod(p**y, axis=-1)).mean())
            dist = "Multinoulli"
        ok = _close(got, nll, 1e-9)
        return ok, (f"not a likelihood (the {dist} NLL re-weighted by (1 - p_t)^γ); at γ = 0"
                    f"{', α = 1' if not loss.startswith('binary') else ''} it is the {dist} NLL: "
                    f"{_fmt(got)} {'=' if ok else '!='} {_fmt(nll)} from the pmf")
    got = pairing.value(y, z, extra)
    p = pairing.act(z)
    if loss == "gaussian_nll":
        extra = {"variance": ref.softplus(extra["zv"])}
    out = _nll(pairing, y, p, extra)
    if out is None:  # pragma: no cover - every likelihood loss is listed
        return None, "skipped: no density formula for this loss"
    nll, const, desc = out
    ok = _close(got, float(nll) - const, 1e-6 if loss == "poisson" else 1e-9)
    tol_note = " (Keras' ε in log(ŷ + ε) allowed)" if loss == "poisson" else ""
    return ok, (f"mean -log density = {_fmt(nll)}; minus the constant = {_fmt(nll - const)} "
                f"{'=' if ok else '!='} loss {_fmt(got)}{tol_note}: {desc}")


# =========================================================================== gradient


def _fd_gradient(f, z, h_scale=1e-6):
    import numpy as np

    g = np.zeros_like(z)
    flat = z.reshape(-1)
    gf = g.reshape(-1)
    for i in range(flat.size):
        h = h_scale * max(1.0, abs(flat[i]))
        old = flat[i]
        flat[i] = old + h
        up = f(z)
        flat[i] = old - h
        down = f(z)
        flat[i] = old
        gf[i] = (up - down) / (2 * h)
    return g


def _rel_err(a, b) -> float:
    import numpy as np

    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-12)
    return float(np.max(np.abs(a - b))) / scale


def check_gradient(pairing: Pairing):
    import numpy as np

    from lossadvisor import reference as ref

    y, z, extra = make_batch(pairing, np.random.default_rng(5))
    analytic = pairing.grad(y, z, extra)
    numeric = _fd_gradient(lambda zz: pairing.value(y, zz, extra), z.copy())
    err = _rel_err(analytic, numeric)
    tol = 1e-6
    ok = err <= tol
    parts = [f"d loss/d z agrees with central differences (max rel. diff {err:.1e}"
             f"{' <= ' if ok else ' > '}{tol:.0e})"]
    if pairing.loss == "gaussian_nll":
        av = pairing.grad(y, z, extra, wrt="zv")
        nv = _fd_gradient(lambda zv: pairing.value(y, z, {"zv": zv}), extra["zv"].copy())
        errv = _rel_err(av, nv)
        ok = ok and errv <= tol
        parts.append(f"so does d loss/d (variance pre-activation, softplus head) ({errv:.1e})")
    key = (pairing.loss, pairing.activation)
    if key in CANONICAL:
        p = pairing.act(z)
        if pairing.loss == "sparse_categorical_crossentropy":
            target = np.eye(z.shape[-1])[y.astype(int)]
        else:
            target = y
        n = z.size if _family(pairing.loss) != "categorical" else z.shape[0]
        if pairing.loss == "mean_squared_error":
            closed = 2.0 * (p - target) / n
        elif pairing.loss == "gaussian_nll":
            closed = (p - target) / ref.softplus(extra["zv"]) / n
        else:
            closed = (p - target) / n
        cerr = _rel_err(analytic, closed)
        cok = cerr <= (1e-5 if pairing.loss == "poisson" else 1e-9)
        ok = ok and cok
        parts.append(f"and {'equals' if cok else 'differs from'} the canonical-link form {CANONICAL[key]} "
                     f"(rel. diff {cerr:.1e})")
    return ok, "; ".join(parts)


# ========================================================================== stability


def _extremes(pairing: Pairing):
    """(label, y_true, z, extra, evaluate_as_probabilities) cases with extreme inputs."""
    import numpy as np

    loss, act = pairing.loss, pairing.activation
    big = 1e4
    cases = []
    fam = _family(loss)
    if fam == "categorical":
        z = np.array([[big, -big, 0.0], [-big, big, 0.0], [0.0, -big, big]])
        if loss == "sparse_categorical_crossentropy":
            y = np.array([0, 0, 2])
        elif loss == "kl_divergence":
            y = np.array([[0.7, 0.2, 0.1], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
        else:
            y = np.eye(3)[[0, 0, 2]]
        cases.append((f"logits ±{big:.0e} (right and wrong class)", y, z if act != "linear" else np.abs(z), {}, False))
        if pairing.from_logits or act == "softmax":
            cases.append(("probabilities exactly 0 and 1", y, np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]), {}, True))
        return cases
    if fam == "binary":
        if loss in ("hinge", "squared_hinge"):
            y = np.array([1.0, -1.0, 1.0, -1.0])
        else:
            y = np.array([1.0, 0.0, 0.0, 1.0])
        z = np.array([big, -big, big, -big])
        if act == "linear" and not pairing.from_logits and loss not in ("hinge", "squared_hinge"):
            return [("probabilities exactly 0 and 1", y, np.array([1.0, 0.0, 1.0, 0.0]), {}, True)]
        cases.append((f"scores ±{big:.0e} (right and wrong)", y, z, {}, False))
        if pairing.from_logits:
            cases.append(("probabilities exactly 0 and 1", y, np.array([1.0, 0.0, 1.0, 0.0]), {}, True))
        return cases
    # regression
    if loss == "poisson":
        y = np.array([0.0, 5.0, 0.0, 5.0])
        if act == "exponential":
            return [("log-rates -1e4 and 700 (exp overflows past 709.8)", y, np.array([-big, -big, 700.0, 700.0]), {}, False)]
        return [("rates 0 and 1e300", y, np.array([0.0, 0.0, 1e300, 1e300]) if act == "linear"
                 else np.array([-big, -big, big, big]), {}, False)]
    if loss == "mean_squared_logarithmic_error":
        y = np.array([0.0, 1e30, 0.0, 1e30])
        z = np.array([0.0, 0.0, 1e30, 1e30]) if act == "linear" else np.array([-big, -big, big, big])
        return [("targets and predictions 0 and 1e30", y, z, {}, False)]
    y = np.array([big, -big, 0.0, big])
    z = np.array([-big, big, big, big])
    extra = {}
    if loss == "gaussian_nll":
        extra = {"zv": np.array([-big, big, -big, 0.0])}
    if loss == "quantile":
        nq = len(_quantiles(pairing))
        z = np.repeat(z, nq).reshape(4, nq)
    label = f"targets and outputs ±{big:.0e}" + (", variance pre-activations ±1e4" if extra else "")
    return [(label, y, z, extra, False)]


def check_stability(pairing: Pairing):
    import numpy as np

    details = []
    ok = True
    for label, y, z, extra, as_prob in _extremes(pairing):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                try:
                    if as_prob:
                        kw = dict(pairing.kwargs)
                        value = pairing.fn(y, z, **kw)
                        from lossadvisor import reference as ref

                        grad = ref.loss_gradient(pairing.loss, y, z, **kw)
                    else:
                        value = pairing.value(y, z, extra)
                        grad = pairing.grad(y, z, extra)
                except (FloatingPointError, RuntimeWarning, ValueError) as exc:
                    ok = False
                    details.append(f"{label}: {type(exc).__name__}: {exc}")
                    continue
        finite = math.isfinite(value) and bool(np.isfinite(grad).all())
        ok = ok and finite
        gmax = float(np.max(np.abs(grad))) if np.isfinite(grad).all() else float("nan")
        details.append(f"{label}: loss {_fmt(value)}, max |gradient| {_fmt(gmax)}" + ("" if finite else " (not finite)"))
    prefix = "finite, no overflow: " if ok else "NOT finite: "
    return ok, prefix + "; ".join(details)


# ========================================================================== minimiser


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


def check_minimiser(pairing: Pairing):
    import numpy as np

    loss = pairing.loss
    fn = pairing.fn
    kw = dict(pairing.kwargs)
    rng = np.random.default_rng(2024)
    n = 501

    def const(c, shape):
        return np.full(shape, c)

    if loss in ("mean_squared_error", "mean_absolute_error", "mean_squared_logarithmic_error", "huber", "log_cosh"):
        y = np.exp(rng.normal(0.0, 1.0, n))  # log-normal: mean, median, geometric mean all differ
        c = golden(lambda c: fn(y, const(c, n), **kw), float(y.min()), float(y.max()))
        mean, median = float(y.mean()), float(np.median(y))
        if loss == "mean_squared_error":
            ok = _close(c, mean, 1e-7)
            return ok, f"{n} log-normal targets: argmin {_fmt(c)} {'=' if ok else '!='} sample mean {_fmt(mean)} (median {_fmt(median)})"
        if loss == "mean_absolute_error":
            ok = _close(c, median, 1e-7)
            return ok, f"{n} log-normal targets: argmin {_fmt(c)} {'=' if ok else '!='} sample median {_fmt(median)} (mean {_fmt(mean)})"
        if loss == "mean_squared_logarithmic_error":
            gm = float(np.expm1(np.mean(np.log1p(y))))
            ok = _close(c, gm, 1e-7)
            return ok, (f"{n} log-normal targets: argmin {_fmt(c)} {'=' if ok else '!='} exp(mean log(1 + y)) - 1 = {_fmt(gm)} "
                        f"(mean {_fmt(mean)})")
        if loss == "huber":
            d = float(kw.get("delta", 1.0))
            foc = float(np.clip(y - c, -d, d).mean())
            ok = abs(foc) <= 1e-7 * d and min(mean, median) <= c <= max(mean, median)
            return ok, (f"{n} log-normal targets: argmin {_fmt(c)} solves mean clip(y - c, ±δ) = 0 (residual {foc:.1e}) "
                        f"and lies between the median {_fmt(median)} and the mean {_fmt(mean)}")
        foc = float(np.tanh(c - y).mean())
        ok = abs(foc) <= 1e-7
        return ok, (f"{n} log-normal targets: argmin {_fmt(c)} solves mean tanh(c - y) = 0 (residual {foc:.1e}); "
                    f"median {_fmt(median)}, mean {_fmt(mean)}")
    if loss == "poisson":
        y = rng.poisson(3.5, n).astype(np.float64)
        c = golden(lambda c: fn(y, const(c, n)), 1e-3, float(y.max()) + 1.0)
        ok = _close(c, float(y.mean()), 1e-7)
        return ok, f"{n} Poisson(3.5) counts: argmin rate {_fmt(c)} {'=' if ok else '!='} sample mean {_fmt(y.mean())}"
    if loss == "gaussian_nll":
        y = rng.normal(1.0, 2.0, n)
        mu = golden(lambda c: fn(y, const(c, n), variance=1.0), float(y.min()), float(y.max()))
        var = golden(lambda v: fn(y, const(mu, n), variance=v), 1e-3, 100.0)
        m, v = float(y.mean()), float(y.var())
        ok = _close(mu, m, 1e-7) and _close(var, v, 1e-7)
        return ok, (f"{n} Gaussian targets: argmin mean {_fmt(mu)} {'=' if _close(mu, m, 1e-7) else '!='} sample mean {_fmt(m)}, "
                    f"argmin variance {_fmt(var)} {'=' if _close(var, v, 1e-7) else '!='} the ML variance (ddof=0) {_fmt(v)}")
    if loss == "quantile":
        y = rng.normal(0.0, 1.0, n)
        srt = np.sort(y)
        parts, ok = [], True
        for q in _quantiles(pairing):
            c = golden(lambda c, q=q: fn(y, const(c, (n, 1)), quantiles=[q]), float(y.min()), float(y.max()))
            k = n * q
            if abs(k - round(k)) < 1e-9:  # the minimisers form the interval between two order statistics
                lo, hi = srt[round(k) - 1], srt[round(k)]
                good = lo - 1e-7 <= c <= hi + 1e-7
                target = f"[{_fmt(lo)}, {_fmt(hi)}]"
            else:
                sq = float(srt[math.ceil(k) - 1])  # the ceil(nq)-th order statistic = np.quantile(..., "inverted_cdf")
                good = _close(c, sq, 1e-7)
                target = _fmt(sq)
            ok = ok and good
            parts.append(f"q={_fmt(q)}: {_fmt(c)} {'=' if good else '!='} {target}")
        return ok, f"{n} Gaussian targets: argmin = the sample q-quantile: " + ", ".join(parts)
    if loss in ("binary_crossentropy", "binary_focal_crossentropy"):
        m = 100
        y = np.zeros(m)
        y[:30] = 1.0
        pi = 0.3
        kwp = {k: v for k, v in kw.items()}
        c = golden(lambda p: fn(y, const(p, m), **kwp), 1e-6, 1 - 1e-6)
        if loss == "binary_crossentropy":
            ok = _close(c, pi, 1e-7)
            return ok, f"{m} labels, 30% positive: argmin probability {_fmt(c)} {'=' if ok else '!='} the rate 0.3"
        g = float(kw.get("gamma", 2.0))
        eff = pi
        if kw.get("apply_class_balancing"):
            a = float(kw.get("alpha", 0.25))
            eff = a * pi / (a * pi + (1 - a) * (1 - pi))
        lo, hi = sorted((eff, 0.5))
        ok = (lo - 1e-9 <= c <= hi + 1e-9) if g > 0 else _close(c, eff, 1e-7)
        return ok, (f"{m} labels, 30% positive: argmin probability {_fmt(c)} lies between the "
                    f"{'class-weighted ' if eff != pi else ''}rate {_fmt(eff)} and 0.5 "
                    f"(γ = {_fmt(g)} pulls probabilities towards ½: not calibrated)")
    if loss in ("hinge", "squared_hinge"):
        m = 100
        y = -np.ones(m)
        y[:30] = 1.0
        c = golden(lambda s: fn(y, const(s, m)), -3.0, 3.0)
        if loss == "hinge":
            ok = _close(c, -1.0, 1e-6, 1e-6)
            return ok, (f"{m} labels, 30% +1: argmin score {_fmt(c)} {'=' if ok else '!='} sign(P(y = 1) - ½) = -1 "
                        "(a decision, not a probability)")
        ok = _close(c, 2 * 0.3 - 1, 1e-6, 1e-9)
        return ok, (f"{m} labels, 30% +1: argmin score {_fmt(c)} {'=' if ok else '!='} 2 P(y = 1) - 1 = -0.4 "
                    "(its sign is the decision)")
    # categorical: the loss at the class frequencies is below its value at every nearby point
    freq = np.array([0.5, 0.3, 0.2])
    rows = 10
    labels = np.repeat(np.arange(3), (freq * rows).astype(int))
    onehot = np.eye(3)[labels]
    if loss == "kl_divergence":
        from lossadvisor.reference import softmax

        targets = softmax(rng.normal(0.0, 1.0, (rows, 3)))
        freq = targets.mean(axis=0)
        yt = targets
    elif loss == "sparse_categorical_crossentropy":
        yt = labels
    else:
        yt = onehot

    def at(logits):
        from lossadvisor import reference as ref

        zz = np.tile(logits, (rows, 1))
        if loss == "kl_divergence":
            return fn(yt, ref.softmax(zz))
        return fn(yt, zz, from_logits=True, **kw)

    base = np.log(freq)
    best = at(base)
    h = 1e-3
    probes = [base + s * h * np.eye(3)[k] for k in range(3) for s in (1, -1)]
    probes += [base + h * v for v in rng.normal(0.0, 1.0, (6, 3))]
    values = [at(pz) for pz in probes]
    if loss == "categorical_focal_crossentropy":
        uniform = np.full(3, 1 / 3)
        toward = at(np.log((1 - 1e-2) * freq + 1e-2 * uniform))
        ok = toward < best
        return ok, (f"{rows} labels with frequencies {_fmt_list(freq)}: moving the prediction from the frequencies "
                    f"towards uniform {'lowers' if ok else 'does not lower'} the loss ({_fmt(best)} -> {_fmt(toward)}): "
                    "the minimiser is flatter than the frequencies (not calibrated)")
    worse = sum(v > best for v in values)
    ok = worse == len(values)
    what = "mean target distribution" if loss == "kl_divergence" else "class frequencies"
    return ok, (f"{rows} {'soft targets' if loss == 'kl_divergence' else 'labels'}: the loss at the {what} "
                f"{_fmt_list(freq)} ({_fmt(best)}) is below its value at {worse}/{len(values)} nearby predictions "
                "(logits moved by 1e-3); a convex loss, so that is its minimum")


# ================================================================ framework agreement


_FW_CACHE: dict[str, Any] = {}


def framework_installed(name: str) -> tuple[bool, str]:
    """(installed, reason if not) without importing anything."""
    spec = importlib.util.find_spec
    if name == "pytorch":
        return (True, "") if spec("torch") else (False, "torch is not installed")
    if name == "jax":
        if not spec("jax"):
            return False, "jax is not installed"
        return (True, "") if spec("optax") else (False, "optax is not installed")
    if name == "keras":
        if not spec("keras"):
            return False, "keras is not installed"
        if os.environ.get("KERAS_BACKEND") or "keras" in sys.modules:
            return True, ""
        return True, ""  # without TensorFlow, Keras runs on its NumPy backend here
    return False, f"unknown framework '{name}' (known: {', '.join(FRAMEWORKS)})"


def load_framework(name: str):
    """The framework's modules (cached), or raise ImportError with the reason."""
    if name in _FW_CACHE:
        mods = _FW_CACHE[name]
        if isinstance(mods, Exception):
            raise mods
        return mods
    ok, why = framework_installed(name)
    if not ok:
        err = ImportError(why)
        _FW_CACHE[name] = err
        raise err
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if name == "pytorch":
                torch = importlib.import_module("torch")
                mods = {"torch": torch, "F": importlib.import_module("torch.nn.functional"),
                        "label": f"PyTorch {torch.__version__}"}
                try:
                    mods["tvops"] = importlib.import_module("torchvision.ops")
                except Exception:  # noqa: BLE001 - torchvision is optional
                    mods["tvops"] = None
            elif name == "jax":
                jnp = importlib.import_module("jax.numpy")
                optax = importlib.import_module("optax")
                jax = importlib.import_module("jax")
                mods = {"jnp": jnp, "optax": optax, "label": f"JAX {jax.__version__} + optax {optax.__version__}"}
            else:
                if "keras" not in sys.modules and not os.environ.get("KERAS_BACKEND") \
                        and not importlib.util.find_spec("tensorflow"):
                    # the NumPy backend: no compilation on the first call of each loss (the
                    # jax backend jit-compiles every loss, ~0.1 s each); values are the same
                    os.environ["KERAS_BACKEND"] = "numpy"
                keras = importlib.import_module("keras")
                mods = {"keras": keras, "label": f"Keras {keras.__version__} ({keras.backend.backend()} backend)"}
    except Exception as exc:  # noqa: BLE001 - a broken install is a skipped check, not a crash
        err = ImportError(f"importing it failed: {type(exc).__name__}: {exc}")
        _FW_CACHE[name] = err
        raise err from None
    _FW_CACHE[name] = mods
    return mods


def _np(x):
    import numpy as np

    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return float(np.asarray(x))


def _framework_value(name: str, mods: dict, pairing: Pairing, y, z, extra):
    """(value, expression) of the framework's own loss on the pairing's inputs, or
    (None, reason) where it has no built-in."""
    import numpy as np

    from lossadvisor import reference as ref

    loss, kw = pairing.loss, pairing.kwargs
    p = pairing.act(z)
    logits = z if pairing.from_logits else None
    if name == "pytorch":
        torch, F = mods["torch"], mods["F"]

        def T(a, dtype=None):
            return torch.as_tensor(np.ascontiguousarray(a), dtype=dtype or torch.float64)

        if loss == "mean_squared_error":
            return _np(F.mse_loss(T(p), T(y))), "F.mse_loss(y_pred, y)"
        if loss == "mean_absolute_error":
            return _np(F.l1_loss(T(p), T(y))), "F.l1_loss(y_pred, y)"
        if loss == "huber":
            d = float(kw.get("delta", 1.0))
            return _np(F.huber_loss(T(p), T(y), delta=d)), f"F.huber_loss(y_pred, y, delta={_fmt(d)})"
        if loss == "mean_squared_logarithmic_error":
            e = ref.EPSILON
            v = F.mse_loss(torch.log1p(T(p).clamp(min=e)), torch.log1p(T(y).clamp(min=e)))
            return _np(v), "F.mse_loss(log1p(y_pred.clamp(min=eps)), log1p(y.clamp(min=eps)))"
        if loss == "poisson":
            if pairing.activation == "exponential":
                return _np(F.poisson_nll_loss(T(z), T(y), log_input=True)), "F.poisson_nll_loss(log_rate, y, log_input=True)"
            return (_np(F.poisson_nll_loss(T(p), T(y), log_input=False, eps=ref.EPSILON)),
                    "F.poisson_nll_loss(rate, y, log_input=False, eps=1e-7)")
        if loss == "gaussian_nll":
            v = ref.softplus(extra["zv"])
            return _np(F.gaussian_nll_loss(T(p), T(y), T(v))), "F.gaussian_nll_loss(mean, y, variance)"
        if loss == "binary_crossentropy":
            if logits is not None:
                return _np(F.binary_cross_entropy_with_logits(T(z), T(y))), "F.binary_cross_entropy_with_logits(z, y)"
            return _np(F.binary_cross_entropy(T(p), T(y))), "F.binary_cross_entropy(p, y)"
        if loss == "binary_focal_crossentropy":
            if mods.get("tvops") is None:
                return None, "torchvision (sigmoid_focal_loss) is not installed"
            zz = z if logits is not None else np.log(p) - np.log1p(-p)
            a = float(kw.get("alpha", 0.25)) if kw.get("apply_class_balancing") else -1
            g = float(kw.get("gamma", 2.0))
            v = mods["tvops"].sigmoid_focal_loss(T(zz), T(y), alpha=a, gamma=g, reduction="mean")
            return _np(v), f"torchvision.ops.sigmoid_focal_loss(z, y, alpha={_fmt(a)}, gamma={_fmt(g)}, reduction='mean')"
        if loss == "categorical_crossentropy":
            zz = z if logits is not None else np.log(np.clip(p, 1e-300, None))
            return _np(F.cross_entropy(T(zz), T(y))), "F.cross_entropy(logits, y_probabilities)"
        if loss == "sparse_categorical_crossentropy":
            zz = z if logits is not None else np.log(np.clip(p, 1e-300, None))
            return _np(F.cross_entropy(T(zz), T(y, torch.int64))), "F.cross_entropy(logits, y_int64)"
        if loss == "kl_divergence":
            return (_np(F.kl_div(torch.log(T(p)), T(y), reduction="batchmean")),
                    "F.kl_div(log(p), y, reduction='batchmean')")
        return None, f"PyTorch has no built-in {loss} (the generated code carries a custom implementation)"
    if name == "jax":
        jnp, L = mods["jnp"], mods["optax"].losses

        def J(a):
            return jnp.asarray(np.asarray(a, dtype=np.float32))

        if loss == "mean_squared_error":
            return _np(L.squared_error(J(p), J(y)).mean()), "optax.losses.squared_error(y_pred, y).mean()"
        if loss == "huber":
            d = float(kw.get("delta", 1.0))
            return _np(L.huber_loss(J(p), J(y), delta=d).mean()), f"optax.losses.huber_loss(y_pred, y, delta={_fmt(d)}).mean()"
        if loss == "log_cosh":
            return _np(L.log_cosh(J(p), J(y)).mean()), "optax.losses.log_cosh(y_pred, y).mean()"
        if loss == "binary_crossentropy":
            zz = z if logits is not None else np.log(p) - np.log1p(-p)
            return _np(L.sigmoid_binary_cross_entropy(J(zz), J(y)).mean()), "optax.losses.sigmoid_binary_cross_entropy(z, y).mean()"
        if loss == "binary_focal_crossentropy":
            zz = z if logits is not None else np.log(p) - np.log1p(-p)
            a = float(kw.get("alpha", 0.25)) if kw.get("apply_class_balancing") else None
            g = float(kw.get("gamma", 2.0))
            return (_np(L.sigmoid_focal_loss(J(zz), J(y), alpha=a, gamma=g).mean()),
                    f"optax.losses.sigmoid_focal_loss(z, y, alpha={a}, gamma={_fmt(g)}).mean()")
        if loss == "hinge":
            from lossadvisor.reference.classification import hinge_labels

            return _np(L.hinge_loss(J(p), J(hinge_labels(y))).mean()), "optax.losses.hinge_loss(y_pred, y).mean()"
        if loss == "categorical_crossentropy":
            zz = z if logits is not None else np.log(np.clip(p, 1e-30, None))
            return _np(L.softmax_cross_entropy(J(zz), J(y)).mean()), "optax.losses.softmax_cross_entropy(logits, y).mean()"
        if loss == "sparse_categorical_crossentropy":
            zz = z if logits is not None else np.log(np.clip(p, 1e-30, None))
            v = L.softmax_cross_entropy_with_integer_labels(J(zz), jnp.asarray(np.asarray(y, dtype=np.int32)))
            return _np(v.mean()), "optax.losses.softmax_cross_entropy_with_integer_labels(logits, y).mean()"
        if loss == "kl_divergence":
            return _np(L.kl_divergence(J(np.log(p)), J(y)).mean()), "optax.losses.kl_divergence(log(p), y).mean()"
        return None, f"optax has no built-in {loss} (the generated code carries a custom implementation)"
    # keras
    K = mods["keras"].losses
    y32 = np.asarray(y, dtype=np.int32 if loss == "sparse_categorical_crossentropy" else np.float32)
    fl = logits is not None
    inp = np.asarray(z if fl else p, dtype=np.float32)
    g, a = float(kw.get("gamma", 2.0)), float(kw.get("alpha", 0.25))
    table = {
        "mean_squared_error": (lambda: K.MeanSquaredError(), "MeanSquaredError()"),
        "mean_absolute_error": (lambda: K.MeanAbsoluteError(), "MeanAbsoluteError()"),
        "mean_squared_logarithmic_error": (lambda: K.MeanSquaredLogarithmicError(), "MeanSquaredLogarithmicError()"),
        "huber": (lambda: K.Huber(delta=float(kw.get("delta", 1.0))), f"Huber(delta={_fmt(kw.get('delta', 1.0))})"),
        "log_cosh": (lambda: K.LogCosh(), "LogCosh()"),
        "poisson": (lambda: K.Poisson(), "Poisson()"),
        "binary_crossentropy": (lambda: K.BinaryCrossentropy(from_logits=fl), f"BinaryCrossentropy(from_logits={fl})"),
        "binary_focal_crossentropy": (
            lambda: K.BinaryFocalCrossentropy(gamma=g, alpha=a, from_logits=fl,
                                              apply_class_balancing=bool(kw.get("apply_class_balancing", False))),
            f"BinaryFocalCrossentropy(gamma={_fmt(g)}, from_logits={fl})"),
        "hinge": (lambda: K.Hinge(), "Hinge()"),
        "squared_hinge": (lambda: K.SquaredHinge(), "SquaredHinge()"),
        "categorical_crossentropy": (lambda: K.CategoricalCrossentropy(from_logits=fl), f"CategoricalCrossentropy(from_logits={fl})"),
        "sparse_categorical_crossentropy": (lambda: K.SparseCategoricalCrossentropy(from_logits=fl),
                                            f"SparseCategoricalCrossentropy(from_logits={fl})"),
        "kl_divergence": (lambda: K.KLDivergence(), "KLDivergence()"),
        "categorical_focal_crossentropy": (lambda: K.CategoricalFocalCrossentropy(alpha=a, gamma=g, from_logits=fl),
                                           f"CategoricalFocalCrossentropy(alpha={_fmt(a)}, gamma={_fmt(g)}, from_logits={fl})"),
    }
    if loss not in table:
        return None, f"Keras has no built-in {loss} (the generated code carries a custom implementation)"
    make, expr = table[loss]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _np(make()(y32, inp)), f"keras.losses.{expr}"


def check_frameworks(pairing: Pairing, frameworks) -> list[dict]:
    import numpy as np

    loss = pairing.loss
    names = list(frameworks or ())
    if not names:
        return [_row(loss, "framework agreement", None, "skipped: no framework requested")]
    rows = []
    missing = []
    for name in names:
        title = FRAMEWORK_TITLES.get(name, name)
        try:
            mods = load_framework(name)
        except ImportError as exc:
            missing.append((name, str(exc)))
            continue
        y, z, extra = make_batch(pairing, np.random.default_rng(7))
        try:
            value, expr = _framework_value(name, mods, pairing, y, z, extra)
            if value is None:
                rows.append(_row(loss, f"framework agreement ({title})", None, f"skipped: {expr}"))
                continue
            ours = pairing.value(y, z, extra)
        except Exception as exc:
            if os.environ.get("LOSSADVISOR_DEBUG"):
                raise
            rows.append(_row(loss, f"framework agreement ({title})", False, f"{type(exc).__name__}: {exc}"))
            continue
        rtol = 1e-9 if name == "pytorch" else 2e-5
        if name == "pytorch" and loss == "poisson" and pairing.activation == "exponential":
            rtol = 1e-6  # log_input=True has no eps inside the log
        ok = _close(value, ours, rtol, 1e-6 if name != "pytorch" else 1e-12)
        rel = abs(value - ours) / max(abs(ours), 1e-12)
        prec = "float64" if name == "pytorch" else "float32"
        rows.append(_row(loss, f"framework agreement ({title})", ok,
                         f"{mods['label']}: {expr} = {_fmt(value)} "
                         f"{'=' if ok else '!='} reference {_fmt(ours)} ({prec}, rel. diff {rel:.1e})"))
    if missing and not rows:
        reasons = "; ".join(f"{FRAMEWORK_TITLES.get(n, n)}: {why}" for n, why in missing)
        rows.append(_row(loss, "framework agreement", None, f"skipped, no framework to compare with ({reasons})"))
    elif missing:
        for n, why in missing:
            rows.append(_row(loss, f"framework agreement ({FRAMEWORK_TITLES.get(n, n)})", None, f"skipped: {why}"))
    return rows
