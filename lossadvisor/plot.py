"""A picture of a loss: its value and gradient against the model's raw output.

``plot_loss(rb, LOSS_ID, "loss.png")`` draws the loss and its
gradient with respect to ``z``, the raw output of the last layer (the logit),
for a fixed target, beside the alternatives the catalog lists under
``alternatives_plot`` (rules/losses.yaml). Every curve is the loss applied to
the *same* output activation, the one the catalog pairs with the loss being
explained: binary cross-entropy, MSE and the margin losses all on ``sigmoid(z)``. That is
the picture of why cross-entropy keeps learning from confident mistakes
(gradient sigmoid(z) - 1 -> -1 as z -> -inf) while MSE on a sigmoid stalls
(gradient -2 (1 - p) p (1 - p) -> 0).

The curves are each loss's own elementwise formula (``LossSpec.curve``, Keras 3
semantics: MSLE and the cross-entropies clip at epsilon = 1e-7; mean over the last
axis for the regression losses, sum for the cross-entropies) on the reference's
activations. Gradients are analytic, by the chain rule through the activation.
A loss's spec can change the scenario (``plot``: ``x``, ``target``), name the
activations it can be drawn on (``needs``), and draw several curves (``curves``).

matplotlib is imported only inside :func:`plot_loss` (an Agg canvas, no pyplot state);
without it the call raises InputError naming the ``plot`` extra.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lossadvisor.errors import InputError, UsageError
from lossadvisor.textutil import suggest

FORMATS = {".png": "png", ".svg": "svg"}
CLASSES = 3  # multiclass pictures: 3 classes, the true class is 0, the other logits stay 0

# Where each output activation lives: the scenario drawn for a loss paired with it.
#   x: the range of z; target: y for scalar outputs (a class distribution for softmax)
SCENARIOS = {
    "sigmoid": {"x": (-8.0, 8.0), "target": 1.0, "xlabel": "z, the logit (sigmoid(z) is the predicted probability)"},
    "softmax": {"x": (-8.0, 8.0), "target": (1.0, 0.0, 0.0),
                "xlabel": "z, the logit of the true class (the other 2 logits fixed at 0)"},
    "tanh": {"x": (-4.0, 4.0), "target": 1.0, "xlabel": "z, the raw score (tanh(z) is the output)"},
    "linear": {"x": (-4.0, 4.0), "target": 0.0, "xlabel": "ŷ = z, the model's output"},
    "exponential": {"x": (-2.0, 3.0), "target": 3.0, "xlabel": "z, the log rate (exp(z) is the predicted rate)"},
    "softplus": {"x": (-4.0, 4.0), "target": 3.0, "xlabel": "z, the raw output (softplus(z) is the prediction)"},
}
# ------------------------------------------------------------- activations


def _activation(name: str, z, np):
    """(output, d output / dz). For softmax: output (n, K) and the column d p_k / d z_0."""
    from lossadvisor.reference import ACTIVATIONS

    if name not in ACTIVATIONS:
        raise UsageError(f"cannot draw an output activation {name!r}")
    if name == "softmax":
        logits = np.zeros((z.shape[0], CLASSES))
        logits[:, 0] = z
        p = ACTIVATIONS[name][0](logits)
        onehot0 = np.zeros(CLASSES)
        onehot0[0] = 1.0
        return p, p * (onehot0[None, :] - p[:, :1])  # d p_k / d z_0 = p_k (δ_k0 - p_0)
    fn, derivative = ACTIVATIONS[name]
    return fn(z), derivative(z)


def loss_curve(loss_id: str, activation: str, z, target: Any, params: dict | None = None):
    """(loss, d loss / d z) of `loss_id` on `activation(z)` against `target`, NumPy arrays.

    The loss's own ``curve`` (its spec) gives the value per example and d loss / d output;
    the chain rule through the activation gives d loss / d z.
    """
    import numpy as np

    from lossadvisor.reference import SPECS

    z = np.asarray(z, dtype=float)
    p, dp = _activation(activation, z, np)
    if loss_id not in SPECS:
        raise UsageError(f"no curve for the loss {loss_id!r}")
    y = np.asarray(target, dtype=float)
    if p.ndim == 2:
        y = np.broadcast_to(y, p.shape)
    value, dvalue = SPECS[loss_id].curve(y, p, dict(params or {}))
    grad = (dvalue * dp).sum(axis=-1) if p.ndim == 2 else dvalue * dp
    return value, grad


# --------------------------------------------------------------------- plot


def _suggest(loss_id: str, rb) -> str:
    return suggest(loss_id, rb.losses, quote="", fallback=f"; known: {', '.join(rb.losses)}")


def plot_plan(rb, loss_id: str) -> dict:
    """What would be drawn: activation, scenario, curves (id, label, params), skipped ids. No matplotlib."""
    if loss_id not in rb.losses:
        raise UsageError(f"unknown loss {loss_id!r}{_suggest(loss_id, rb)}")
    entry = rb.losses[loss_id]
    activation = entry.get("activation", "linear")
    if activation not in SCENARIOS:
        raise UsageError(f"cannot draw {loss_id}: no picture for a {activation} output")
    from lossadvisor.reference import SPECS

    if loss_id in SPECS and SPECS[loss_id].plot.get("unavailable"):
        raise UsageError(f"no picture of {loss_id}: {SPECS[loss_id].plot['unavailable']}")
    scenario = dict(SCENARIOS[activation])
    if loss_id in SPECS:
        scenario.update({k: v for k, v in SPECS[loss_id].plot.items() if k in ("x", "target")})
    ids = [loss_id] + [a for a in entry.get("alternatives_plot") or [] if a != loss_id]
    curves, skipped = [], []
    for lid in ids:
        if lid not in rb.losses:
            skipped.append({"loss": lid, "reason": "not in the catalog"})
            continue
        if lid not in SPECS:
            skipped.append({"loss": lid, "reason": "no reference curve"})
            continue
        needs = SPECS[lid].plot.get("needs")
        if needs and activation not in needs:
            skipped.append({"loss": lid, "reason": f"needs a {' or '.join(needs)} output"})
            continue
        params = dict(rb.losses[lid].get("params") or {})
        drawn_as = SPECS[lid].plot.get("curves")
        for label, curve_params in (drawn_as(params) if drawn_as else [(lid, params)]):
            curves.append({"loss": lid, "label": label, "params": curve_params})
    return {"activation": activation, "scenario": scenario, "curves": curves, "skipped": skipped}


def plot_loss(rb, loss_id: str, path: str) -> dict:
    """Write a PNG or SVG (by suffix) of `loss_id` and its alternatives; return a summary.

    The summary: path, format, loss, losses (drawn), skipped, activation, target, x (range).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"--plot {path}: the picture must be .png or .svg, not '{suffix or 'no suffix'}'")
    plan = plot_plan(rb, loss_id)
    try:
        # the Agg canvas, attached to this figure only: no pyplot, no change to the
        # process-wide backend of a program that imports lossadvisor
        import matplotlib  # noqa: F401 - fails first when the extra is missing
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError("plotting needs matplotlib: pip install 'lossadvisor[plot]'") from None
    import numpy as np

    scenario = plan["scenario"]
    activation = plan["activation"]
    lo, hi = scenario["x"]
    z = np.linspace(lo, hi, 801)
    target = scenario["target"]

    fig = Figure(figsize=(11, 4.4), layout="constrained")
    FigureCanvasAgg(fig)
    ax_loss, ax_grad = fig.subplots(1, 2, sharex=True)
    drawn = []
    values_seen, grads_seen = [], []
    for i, curve in enumerate(plan["curves"]):
        value, grad = loss_curve(curve["loss"], activation, z, target, curve["params"])
        main = curve["loss"] == loss_id
        style = {"linewidth": 2.6 if main else 1.6, "zorder": 3 if main else 2}
        if not main:
            style["linestyle"] = ("--", "-.", ":", (0, (5, 1)))[i % 4]
        label = f"{curve['label']} on {activation}" if activation != "linear" else curve["label"]
        ax_loss.plot(z, value, label=label, **style)
        ax_grad.plot(z, grad, label=label, **style)
        values_seen.append(value[np.isfinite(value)])
        grads_seen.append(grad[np.isfinite(grad)])
        if curve["loss"] not in drawn:
            drawn.append(curve["loss"])
    _limit(ax_loss, values_seen, np, floor=True)
    _limit(ax_grad, grads_seen, np, floor=False)
    ax_grad.axhline(0.0, color="0.6", linewidth=0.8, zorder=1)
    if activation in ("sigmoid", "softmax", "tanh"):
        # a confident mistake: the target is the positive / first class, the logit says otherwise
        for ax in (ax_loss, ax_grad):
            ax.axvspan(lo, -2.0, color="0.92", zorder=0)
        ax_loss.text(lo + 0.2, 0.96, "confident mistakes", transform=ax_loss.get_xaxis_transform(),
                     va="top", fontsize=9, color="0.35")
    ax_loss.set_title("loss")
    ax_grad.set_title("gradient d loss / d z")
    for ax in (ax_loss, ax_grad):
        ax.set_xlabel(scenario["xlabel"])
        ax.grid(True, color="0.88", linewidth=0.6)
        ax.set_xlim(lo, hi)
    ax_loss.legend(loc="best", fontsize=9)
    fig.suptitle(f"{rb.losses[loss_id]['name']} ({loss_id}) vs alternatives — target {_target_text(target, activation)}")
    fmt = FORMATS[suffix]
    try:
        fig.savefig(path, format=fmt, dpi=110, metadata=_metadata(fmt))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return {
        "path": str(path),
        "format": fmt,
        "loss": loss_id,
        "losses": drawn,
        "skipped": plan["skipped"],
        "activation": activation,
        "target": list(target) if isinstance(target, tuple) else target,
        "x": {"label": scenario["xlabel"], "min": lo, "max": hi},
    }


def _metadata(fmt: str) -> dict:
    # no creation date: the same input gives the same file
    return {"Date": None} if fmt == "svg" else {"Software": "lossadvisor"}


def _limit(ax, arrays, np, *, floor: bool) -> None:
    """Show all of the explained loss (arrays[0]); clip steeper alternatives at 3x its range."""
    main = arrays[0] if arrays and arrays[0].size else np.array([0.0])
    rest = np.concatenate([a for a in arrays if a.size]) if arrays else main
    m_lo, m_hi = float(main.min()), float(main.max())
    span = max(m_hi - m_lo, 1e-6)
    top = max(m_hi, min(float(rest.max()), m_hi + 2.0 * span))
    bottom = min(m_lo, max(float(rest.min()), m_lo - 2.0 * span))
    if floor:
        bottom = min(0.0, bottom)
    span = max(top - bottom, 1e-6)
    ax.set_ylim(bottom - 0.05 * span, top + 0.08 * span)


def _target_text(target: Any, activation: str) -> str:
    if isinstance(target, tuple):
        return "y = (" + ", ".join(f"{t:g}" for t in target) + ")"
    if activation == "tanh":
        return f"y = {target:+g}"
    return f"y = {target:g}"


__all__ = ["loss_curve", "plot_loss", "plot_plan"]
