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
  statistic the loss targets (mean, median, quantiles, a probability, ...).
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
from lossadvisor.framework_names import FRAMEWORKS, MODULES, TITLES as FRAMEWORK_TITLES, framework_id, install_hint
from lossadvisor.textutil import close as _close, fmt_number as _fmt

CHECK_NAMES = ("worked example", "maximum likelihood", "gradient", "stability", "minimiser", "framework agreement")


# ======================================================================= entry points


def check_pairing(loss_id: str, params: dict | None = None, activation: str | None = None, *,
                  frameworks: Iterable[str] | None = ("pytorch",), catalog: dict | None = None) -> dict:
    """Run the reference checks of one pairing.

    ``params`` are the recommendation's loss parameters: those the reference takes (delta,
    quantiles, gamma, alpha, ...) are used, others (``class_weight``) are reported in a
    skipped row and the unweighted loss is checked. ``activation`` defaults to the
    catalog's. ``frameworks`` names the frameworks to compare with (see the module doc).
    Returns ``{"passed", "status", "counts", "results": [{"loss", "name", "passed", "detail"}, ...]}``
    (see ``verdict``): ``passed`` is True when no check failed and at least one passed.
    """
    results = pairing_results(loss_id, params or {}, activation, frameworks=frameworks, catalog=catalog)
    return {**verdict(results), "results": results}


def run_checks(loss_ids: list[str] | None = None, *, frameworks: Iterable[str] | None = None,
               catalog: dict | None = None, params: dict | None = None) -> dict:
    """The checks of every loss named (all of the catalog when None or empty), each paired
    with its catalog activation and default parameters (``params`` overrides them).

    A loss may be named by its id or as any framework spells it (``mse``, ``nn.CrossEntropyLoss``,
    ``optax.sigmoid_binary_cross_entropy``: see :mod:`lossadvisor.names`); the results name ids,
    each loss once. A call's keyword arguments are the loss's parameters (``keras.losses.Huber(delta=2.0)``):
    see :func:`call_params`.
    ``frameworks``: names to compare with (an id, or another name such as torch), each required
    (UsageError with the install hint when one is missing); None means every installed one.
    Raises UsageError for an unknown loss or a parameter the loss rejects.
    """
    from lossadvisor.names import resolve_loss_call

    catalog = _catalog(catalog)
    named = [(text, *resolve_loss_call(text, catalog, lambda i: loss_parameters(i, catalog)))
             for text in loss_ids or ()]
    ids = list(dict.fromkeys(loss_id for _, loss_id, _ in named)) or list(catalog)
    if frameworks is None:
        frameworks = [f for f in FRAMEWORKS if framework_installed(f)[0]] or list(FRAMEWORKS)
    else:
        frameworks = [framework_id(name) or name for name in frameworks]
        require_frameworks(frameworks)
    frameworks = list(frameworks)
    params = dict(params or {})
    takes = {i: loss_parameters(i, catalog) for i in ids}
    for key in params:
        if not any(key in takes[i] for i in ids):
            offer = sorted(set().union(*takes.values()))
            raise UsageError(
                f"--param {key}: {'none of these losses takes' if len(ids) > 1 else ids[0] + ' takes no'} "
                f"parameter '{key}'" + (f" (they take {', '.join(offer)})" if offer else "")
            )
    called = call_params(named, params)
    results: list[dict] = []
    for loss_id in ids:
        entry = catalog[loss_id]
        merged = dict(entry.get("params") or {})
        own = {k: v for k, v in params.items() if k in takes[loss_id]}
        own.update(called.get(loss_id, {}))
        merged.update(own)
        results.extend(pairing_results(loss_id, merged, None, frameworks=frameworks, catalog=catalog,
                                       strict_params=bool(own)))
    return {**verdict(results), "results": results}


def loss_parameters(loss_id: str, catalog: dict | None = None) -> set:
    """The parameters of a loss, which ``--param`` and a call's keyword arguments may set: those
    its NumPy reference takes, or, for a loss without one (a custom loss of an overlay), the
    ``params:`` of its catalog entry."""
    from lossadvisor import reference as ref

    if loss_id in ref.SPECS:
        return _accepted_params(ref.SPECS[loss_id])
    return set(_catalog(catalog).get(loss_id, {}).get("params") or {})


def call_params(named, params: dict) -> dict:
    """Loss id -> the parameters the calls that name it give, from ``named``: (name as given, loss
    id, its call's parameters) as :func:`lossadvisor.names.resolve_loss_call` reads them.

    UsageError when a call and ``params`` (``--param``), or two calls of one loss, give a
    parameter two values: which one is meant is the user's to say.
    """
    from lossadvisor.lint.spellings import shown_text

    out: dict = {}
    for text, loss_id, kwargs in named:
        given = out.setdefault(loss_id, {})
        for key, value in kwargs.items():
            if key in params and params[key] != value:
                raise UsageError(f"'{shown_text(text)}' gives {key}={shown_text(value)} but --param gives "
                                 f"{key}={shown_text(params[key])}; give one")
            if key in given and given[key] != value:
                raise UsageError(f"{loss_id} is named with {key}={shown_text(given[key])} and with "
                                 f"{key}={shown_text(value)}; give one")
            given[key] = value
    return out


def verdict(results: list[dict]) -> dict:
    """``{"passed", "status", "counts", "unchecked"}`` of check rows (``passed`` True, False or None).

    The status is "failed" when a check failed; "not_checked" when a loss had every one of
    its checks skipped (nothing checked is not a pass, even beside other losses that
    passed); "passed" otherwise. ``unchecked`` lists those losses.

    >>> verdict([{"loss": "a", "passed": True}, {"loss": "a", "passed": None}])
    {'passed': True, 'status': 'passed', 'counts': {'passed': 1, 'failed': 0, 'skipped': 1}, 'unchecked': []}
    >>> verdict([{"loss": "a", "passed": True}, {"loss": "mine", "passed": None}])["unchecked"]
    ['mine']
    >>> verdict([])["status"]
    'not_checked'
    """
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    checked: dict = {}
    for row in results:
        counts[{True: "passed", False: "failed"}.get(row["passed"], "skipped")] += 1
        loss = row.get("loss")
        checked[loss] = checked.get(loss, False) or row["passed"] is not None
    unchecked = [loss for loss, ran in checked.items() if not ran]
    status = "failed" if counts["failed"] else "not_checked" if unchecked or not results else "passed"
    return {"passed": status == "passed", "status": status, "counts": counts, "unchecked": unchecked}


def _catalog(catalog):
    if catalog is not None:
        return catalog
    from lossadvisor.rulebase import load_rulebase

    return load_rulebase().losses


def _row(loss: str, name: str, passed, detail: str, skip: dict | None = None, framework: str | None = None) -> dict:
    """A check row; a skipped one (``passed`` None) carries ``skip``, its short reason as data
    (see ``skip_reason``), beside the detail written for people; a comparison with one framework
    names it (``framework``, its id)."""
    row = {"loss": loss, "name": name, "passed": passed, "detail": " ".join(str(detail).split())}
    if skip:
        row["skip"] = skip
    if framework:
        row["framework"] = framework
    return row


#: the codes of ``skip["reason"]``: why a check was not run (the subject, where there is one)
SKIP_REASONS = {
    "custom_loss": "the loss has no NumPy reference (subject: the loss id)",
    "unknown_activation": "the activation has no reference (subject: the activation)",
    "params_not_checked": "parameters the framework applies and the reference does not take (subject: their names)",
    "no_worked_example": "the loss catalog has no worked example",
    "not_a_likelihood": "the loss is not a negative log-likelihood",
    "no_framework_requested": "no framework was asked for",
    "no_framework": "none of the frameworks asked for can be compared with",
    "unknown_framework": "not a framework id (subject: the name)",
    "not_installed": "a module the framework needs is not installed (subject: the module)",
    "import_failed": "the framework is installed but importing it failed (subject: the framework)",
    "no_builtin": "the framework has no built-in of the loss (subject: the framework)",
    "not_comparable": "the loss's reference cannot compare with the framework (subject: the framework; "
                      "note: why, in the reference's words)",
    "process_lost": "check --impl: the function's process was lost on an earlier case",
}


def skip_reason(reason: str, subject: str = "", note: str = "") -> dict:
    """The short reason of a skipped row: ``{"reason": code}`` (a key of SKIP_REASONS), with its
    ``subject`` and ``note`` where it has them.

    >>> skip_reason("no_builtin", "optax")
    {'reason': 'no_builtin', 'subject': 'optax'}
    """
    if reason not in SKIP_REASONS:
        raise ValueError(f"unknown skip reason {reason!r}")
    return {"reason": reason, **({"subject": subject} if subject else {}), **({"note": note} if note else {})}


# ============================================================================ pairing


@dataclass
class Pairing:
    loss: str
    activation: str
    fn: Callable
    kwargs: dict
    from_logits: bool
    spec: Any = None
    entry: dict = field(default_factory=dict)
    ignored: dict = field(default_factory=dict)

    def heads(self, extra) -> dict:
        """The extra heads' values after their activations (``extra`` holds their raw outputs)."""
        from lossadvisor import reference as ref

        return {name: ref.ACTIVATIONS[act][0](extra[name]) for name, act in self.spec.heads.items()}

    def value(self, y, z, extra=None) -> float:
        """The loss of pre-activation output ``z``, in the pairing's form (fused or not)."""
        kw = {**self.kwargs, **self.heads(extra or {})}
        if self.from_logits:
            return self.fn(y, z, from_logits=True, **kw)
        return self.fn(y, self.act(z), **kw)

    def act(self, z):
        from lossadvisor import reference as ref

        return ref.ACTIVATIONS[self.activation][0](z)

    def grad(self, y, z, extra=None, wrt=None):
        """Analytic d loss / d z, or / d (the raw output of head ``wrt``)."""
        from lossadvisor import reference as ref

        kw = {**self.kwargs, **self.heads(extra or {})}
        if wrt is not None:
            g = ref.loss_gradient(self.loss, y, self.act(z), wrt=wrt, **kw)
            return ref.activation_vjp(self.spec.heads[wrt], extra[wrt], g)
        if self.from_logits:
            return ref.loss_gradient(self.loss, y, z, from_logits=True, **kw)
        g = ref.loss_gradient(self.loss, y, self.act(z), **kw)
        return ref.activation_vjp(self.activation, z, g)

    def with_params(self, **params) -> Pairing:
        """The same pairing with some parameters replaced (those the loss takes)."""
        kw = {**self.kwargs, **{k: v for k, v in params.items() if k in _accepted_params(self.spec)}}
        return Pairing(loss=self.loss, activation=self.activation, fn=self.fn, kwargs=kw,
                       from_logits=self.from_logits, spec=self.spec, entry=self.entry)


def ignored_params_row(loss_id: str, ignored: dict) -> dict:
    """The skipped row of the catalog parameters the reference does not take (``check`` and
    ``check --impl``)."""
    text = ", ".join(f"{k}={v}" for k, v in ignored.items())
    why = ("class weights scale each example's term and leave the pairing unchanged"
           if "class_weight" in ignored else "the reference takes no such parameter")
    return _row(loss_id, "parameters", None, f"skipped: {text} is applied by the framework, not the reference; "
                                             f"the checks use the unweighted loss ({why})",
                skip_reason("params_not_checked", ", ".join(ignored)))


def _accepted_params(spec) -> set:
    """The parameters a loss takes from a recommendation (not from_logits or the extra
    heads' values, which are data)."""
    return {
        name for name, p in inspect.signature(spec.value).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name != "from_logits" and name not in spec.heads
    }


def make_pairing(loss_id: str, params: dict, activation: str | None, catalog: dict) -> Pairing:
    from lossadvisor import reference as ref

    entry = catalog.get(loss_id, {}) if catalog else {}
    spec = ref.SPECS[loss_id]
    fn = ref.LOSSES[loss_id]  # the public table: a test (or a user) may plant another function there
    act = activation or entry.get("activation") or "linear"
    accepted = _accepted_params(spec)
    kwargs = {k: v for k, v in params.items() if k in accepted}
    ignored = {k: v for k, v in params.items() if k not in accepted}
    # the fused form: the loss is paired with the activation its logits form applies
    from_logits = loss_id in ref.FROM_LOGITS and act == spec.logits_of
    return Pairing(loss=loss_id, activation=act, fn=fn, kwargs=kwargs, from_logits=from_logits,
                   spec=spec, entry=entry, ignored=ignored)


def pairing_results(loss_id: str, params: dict, activation: str | None, *, frameworks=("pytorch",),
                    catalog: dict | None = None, strict_params: bool = False) -> list[dict]:
    from lossadvisor import reference as ref

    if catalog is None:
        try:
            catalog = _catalog(None)
        except Exception:  # noqa: BLE001 - a broken rule base must not stop the numeric checks
            catalog = {}
    if loss_id not in ref.SPECS:
        return [_row(loss_id, "reference", None,
                     f"skipped: no NumPy reference for loss '{loss_id}' (a custom loss); nothing was checked",
                     skip_reason("custom_loss", loss_id))]
    pairing = make_pairing(loss_id, params, activation, catalog)
    rows: list[dict] = []
    if pairing.ignored:
        rows.append(ignored_params_row(loss_id, pairing.ignored))
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
                             f"skipped: no reference for activation '{pairing.activation}'",
                             skip_reason("unknown_activation", pairing.activation)))
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
    """Run one check: ``fn(pairing)`` gives ``(passed, detail)``, or ``(None, detail, skip)`` when it
    skips with a short reason; an unexpected exception is a failed check with its message, not a crash."""
    import numpy as np

    try:
        passed, detail, *skip = fn(pairing)
    except Exception as exc:
        if os.environ.get("LOSSADVISOR_DEBUG"):
            raise
        passed, detail, skip = False, f"{type(exc).__name__}: {exc}", []
    if isinstance(passed, np.bool_):
        passed = bool(passed)
    return _row(loss_id, name, passed, detail, *skip)


# ====================================================================== sample batches

ROWS, OUTPUTS, CLASSES = 6, 2, 4


def sample_targets(rng, kind: str, shape):
    """Targets of a kind (``LossSpec.target``) with the shape of the predictions, moderate
    values: real and positive numbers, counts, labels, one-hot rows, class indices or
    probability rows."""
    import numpy as np

    if kind == "real":
        return rng.normal(0.0, 1.5, shape)
    if kind == "positive":
        return np.exp(rng.normal(0.0, 1.0, shape))
    if kind == "count":
        return rng.poisson(3.0, shape).astype(np.float64)
    every_third = np.arange(int(np.prod(shape))).reshape(shape) % 3 == 0
    if kind == "zero_one":
        return every_third.astype(np.float64)
    if kind == "plus_minus_one":
        return np.where(every_third, 1.0, -1.0)
    rows, classes = shape
    if kind == "one_hot":
        return np.eye(classes)[np.arange(rows) % classes]
    if kind == "integer":
        return np.arange(rows) % classes
    from lossadvisor.reference import softmax

    return softmax(rng.normal(0.0, 1.0, shape))  # probabilities


def make_batch(pairing: Pairing, rng):
    """(y_true, z, extra) for ``pairing``: moderate values, away from the kinks, float64.

    ``z`` is the pre-activation output; ``extra`` holds the raw outputs of the extra heads
    (a variance head). Fixed seeds make every run the same.
    """
    import numpy as np

    spec, act = pairing.spec, pairing.activation
    if spec.sample is not None:
        return spec.sample(pairing, rng)
    k = spec.units(pairing.kwargs)
    shape = (ROWS, CLASSES) if spec.has_classes else (ROWS, OUTPUTS * k)
    z = rng.normal(0.0, 1.5, shape)
    if act == "linear" and spec.prediction == "positive":
        z = 0.5 + np.abs(z)
    if act == "linear" and spec.prediction == "probability" and not pairing.from_logits:
        z = rng.uniform(0.05, 0.95, shape)
    if act == "linear" and spec.prediction == "simplex":
        z = rng.uniform(0.05, 1.0, shape)
    y = sample_targets(rng, spec.target, (ROWS, OUTPUTS) if spec.units_per_target else shape)
    extra = {name: rng.normal(0.0, 1.0, shape) for name in spec.heads}
    if spec.kink is not None:
        z = _away_from_kinks(pairing, y, z)
    return y, z, extra


def _away_from_kinks(pairing: Pairing, y, z):
    """Nudge z so that no prediction sits within 1e-3 of a kink (|e| = 0, margin = 1)."""
    import numpy as np

    for _ in range(20):
        dist = pairing.spec.kink(y, pairing.act(z))
        if (dist > 1e-3).all():
            break
        z = z + np.where(dist <= 1e-3, 0.01, 0.0)
    return z


def _fmt_list(a) -> str:
    from lossadvisor.reference._checks import fmt_list

    return fmt_list(a)


# ===================================================================== worked example


def check_worked_example(pairing: Pairing):
    ex = pairing.entry.get("worked_example")
    if not isinstance(ex, dict) or "expected" not in ex:
        return None, "skipped: no worked example in the loss catalog", skip_reason("no_worked_example")
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


def check_likelihood(pairing: Pairing):
    import numpy as np

    spec = pairing.spec
    y, z, extra = make_batch(pairing, np.random.default_rng(11))
    if spec.likelihood is not None:
        return spec.likelihood(pairing, y, z, extra)
    if spec.nll is None:
        return (None, "skipped: " + (pairing.entry.get("likelihood") or "a margin loss, not a likelihood"),
                skip_reason("not_a_likelihood"))
    got = pairing.value(y, z, extra)
    nll, const, desc = spec.nll(y, pairing.act(z), pairing.heads(extra), pairing.kwargs)
    ok = _close(got, float(nll) - const, spec.nll_rtol)
    return ok, (f"mean -log density = {_fmt(nll)}; minus the constant = {_fmt(nll - const)} "
                f"{'=' if ok else '!='} loss {_fmt(got)}{spec.nll_note}: {desc}")


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

    spec = pairing.spec
    y, z, extra = make_batch(pairing, np.random.default_rng(5))
    analytic = pairing.grad(y, z, extra)
    numeric = _fd_gradient(lambda zz: pairing.value(y, zz, extra), z.copy())
    err = _rel_err(analytic, numeric)
    tol = 1e-6
    ok = err <= tol
    parts = [f"d loss/d z agrees with central differences (max rel. diff {err:.1e}"
             f"{' <= ' if ok else ' > '}{tol:.0e})"]
    for name, act in spec.heads.items():
        ah = pairing.grad(y, z, extra, wrt=name)
        nh = _fd_gradient(lambda zh, name=name: pairing.value(y, z, {**extra, name: zh}), extra[name].copy())
        errh = _rel_err(ah, nh)
        ok = ok and errh <= tol
        parts.append(f"so does d loss/d ({name} pre-activation, {act} head) ({errh:.1e})")
    if spec.canonical is not None and spec.canonical[0] == pairing.activation:
        _, form, closed, *rtol = spec.canonical
        target = np.eye(z.shape[-1])[y.astype(int)] if spec.target == "integer" else y
        n = z.shape[0] if spec.has_classes else z.size
        cerr = _rel_err(analytic, closed(pairing.act(z), target, pairing.heads(extra), n))
        cok = cerr <= (rtol[0] if rtol else 1e-9)
        ok = ok and cok
        parts.append(f"and {'equals' if cok else 'differs from'} the canonical-link form {form} "
                     f"(rel. diff {cerr:.1e})")
    return ok, "; ".join(parts)


# ========================================================================== stability


def check_stability(pairing: Pairing):
    import numpy as np

    from lossadvisor import reference as ref

    details = []
    ok = True
    for label, y, z, extra, as_prob in pairing.spec.extremes(pairing):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                try:
                    if as_prob:
                        value = pairing.fn(y, z, **pairing.kwargs)
                        grad = ref.loss_gradient(pairing.loss, y, z, **pairing.kwargs)
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


def check_minimiser(pairing: Pairing):
    import numpy as np

    return pairing.spec.minimiser(pairing.fn, dict(pairing.kwargs), np.random.default_rng(2024))


# ================================================================ framework agreement


_FW_CACHE: dict[str, Any] = {}


class FrameworkUnavailable(ImportError):
    """A framework that cannot be compared with: the message says why, ``skip`` is the short
    reason of its skipped row (see ``skip_reason``)."""

    def __init__(self, message: str, skip: dict):
        super().__init__(message)
        self.skip = skip


def framework_installed(name: str) -> tuple[bool, str]:
    """(installed, reason if not) without importing anything."""
    unavailable = _not_installed(name)
    return (False, str(unavailable)) if unavailable else (True, "")


def _not_installed(name: str) -> FrameworkUnavailable | None:
    """Why framework ``name`` is unknown or not installed (None when it is), without importing anything."""
    if name not in MODULES:
        return FrameworkUnavailable(f"unknown framework '{name}' (known: {', '.join(FRAMEWORKS)})",
                                    skip_reason("unknown_framework", name))
    for module in MODULES[name]:
        if importlib.util.find_spec(module) is None:
            return FrameworkUnavailable(f"{module} is not installed", skip_reason("not_installed", module))
    # Keras without TensorFlow runs on its NumPy backend here (see load_framework)
    return None


def require_frameworks(names) -> None:
    """UsageError naming what to install when a framework the user named is missing or
    fails to import: a comparison asked for by name is never silently skipped."""
    unknown = [name for name in names if name not in MODULES]
    if unknown:
        raise UsageError(f"--framework: unknown framework '{unknown[0]}' (known: {', '.join(FRAMEWORKS)})")
    problems = []
    for name in names:
        try:
            load_framework(name)
        except ImportError as exc:
            problems.append(f"{FRAMEWORK_TITLES.get(name, name)}: {exc} ({install_hint(name)})")
    if problems:
        raise UsageError("--framework: cannot compare with " + "; ".join(problems))


def load_framework(name: str):
    """The framework's modules (cached), or raise ImportError with the reason."""
    if name in _FW_CACHE:
        mods = _FW_CACHE[name]
        if isinstance(mods, Exception):
            raise mods
        return mods
    unavailable = _not_installed(name)
    if unavailable:
        _FW_CACHE[name] = unavailable
        raise unavailable
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
        err = FrameworkUnavailable(f"importing it failed: {type(exc).__name__}: {exc}",
                                   skip_reason("import_failed", FRAMEWORK_TITLES.get(name, name)))
        _FW_CACHE[name] = err
        raise err from None
    _FW_CACHE[name] = mods
    return mods


#: how a framework is named in "has no built-in"
_NO_BUILTIN = {"pytorch": "PyTorch", "jax": "optax", "keras": "Keras"}


def check_frameworks(pairing: Pairing, frameworks) -> list[dict]:
    import numpy as np

    loss = pairing.loss
    names = list(frameworks or ())
    if not names:
        return [_row(loss, "framework agreement", None, "skipped: no framework requested",
                     skip_reason("no_framework_requested"))]
    rows = []
    missing = []
    for name in names:
        title = FRAMEWORK_TITLES.get(name, name)
        try:
            mods = load_framework(name)
        except FrameworkUnavailable as exc:
            missing.append((name, exc))
            continue
        y, z, extra = make_batch(pairing, np.random.default_rng(7))
        try:
            agree = pairing.spec.frameworks.get(name)
            if agree is None:
                rows.append(_row(loss, f"framework agreement ({title})", None,
                                 f"skipped: {_NO_BUILTIN[name]} has no built-in {loss} "
                                 "(the generated code carries a custom implementation)",
                                 skip_reason("no_builtin", _NO_BUILTIN[name]), framework=name))
                continue
            value, expr, *rtol = agree(mods, pairing, y, z, extra)
            if value is None:  # the reference's own reason (expr) why it cannot compare
                rows.append(_row(loss, f"framework agreement ({title})", None, f"skipped: {expr}",
                                 skip_reason("not_comparable", title, expr), framework=name))
                continue
            ours = pairing.value(y, z, extra)
        except Exception as exc:
            if os.environ.get("LOSSADVISOR_DEBUG"):
                raise
            rows.append(_row(loss, f"framework agreement ({title})", False, f"{type(exc).__name__}: {exc}",
                             framework=name))
            continue
        rtol = rtol[0] if rtol else 1e-9 if name == "pytorch" else 2e-5
        ok = _close(value, ours, rtol, 1e-6 if name != "pytorch" else 1e-12)
        rel = abs(value - ours) / max(abs(ours), 1e-12)
        prec = "float64" if name == "pytorch" else "float32"
        rows.append(_row(loss, f"framework agreement ({title})", ok,
                         f"{mods['label']}: {expr} = {_fmt(value)} "
                         f"{'=' if ok else '!='} reference {_fmt(ours)} ({prec}, rel. diff {rel:.1e})", framework=name))
    if missing and not rows:
        reasons = "; ".join(f"{FRAMEWORK_TITLES.get(n, n)}: {why}" for n, why in missing)
        rows.append(_row(loss, "framework agreement", None, f"skipped, no framework to compare with ({reasons})",
                         skip_reason("no_framework")))
    elif missing:
        for n, why in missing:
            rows.append(_row(loss, f"framework agreement ({FRAMEWORK_TITLES.get(n, n)})", None, f"skipped: {why}",
                             why.skip, framework=n))
    return rows
