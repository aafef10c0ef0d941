"""What a loss is, as one unit: ``LossSpec``.

Every loss lives in one module of ``lossadvisor/reference/losses/`` named by its id
(``<id>.py`` holds the function ``<id>``). The module defines the reference function and everything
the checks, the gradients, ``check --impl`` and ``explain --plot`` need to know about the
loss, and ends with ``SPEC = LossSpec(...)``. Nothing else in the package names a loss id:
the registry (``lossadvisor.reference.registry``) finds the modules by scanning the folder
(and the folders of ``LOSSADVISOR_LOSS_PATH``), the rest loops over the specs. The loss's
family, activation and prose come from its catalog entry (``rules/losses.yaml``).

Conventions shared by the hooks below: ``y`` is the target, ``p`` the prediction (after
the output activation), ``z`` the raw output (the logit, when the loss takes
``from_logits``), ``params`` the loss parameters the reference takes, ``heads`` the values
of the extra heads (``{"variance": array}``) after their activations. Every array is
float64 (integer class labels stay integers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

#: what the targets are, by kind (the samplers and the stability and --impl cases use it)
TARGET_KINDS = ("real", "positive", "count", "zero_one", "plus_minus_one", "one_hot", "integer", "probabilities",
                "ordinal", "mask", "sequence", "survival")
#: the target kinds with a structure of their own (ordered levels, per-pixel masks, padded label
#: sequences, times with an event indicator): the loss's ``sample`` draws its batches
STRUCTURED_TARGETS = ("ordinal", "mask", "sequence", "survival")
#: the target kinds whose arrays stay integer (class indices, levels, label sequences)
INTEGER_TARGETS = ("integer", "ordinal", "sequence")
#: what a prediction must be when the output layer is linear (the sampler keeps it there)
PREDICTION_KINDS = ("real", "positive", "probability", "simplex")
#: the target kinds that are class rows or class indices (the prediction has a class axis)
CLASS_TARGETS = ("one_hot", "integer", "probabilities")
#: the target kinds that are binary labels, one per output
LABEL_TARGETS = ("zero_one", "plus_minus_one")
#: the ``input_forms`` of a loss on labels -1/+1: a function written for labels 0/1, which maps
#: them to -1/+1 itself (as Keras does), gets the labels as (y + 1) / 2
ZERO_ONE_LABELS = {"labels 0/1": ("y_true", lambda y: (y + 1.0) / 2.0)}


@dataclass(frozen=True)
class LossSpec:
    """One loss: its reference and what the checks need to know about it.

    value
        The reference, ``value(y_true, y_pred, *, from_logits=False, **params) -> float``
        (``from_logits`` only where Keras has it): validated, chunked, stable.
    gradient
        ``gradient(y, p, **params) -> dL/dp`` of the mean-reduced loss, the shape of ``p``;
        with ``from_logits=True`` (where the loss takes it) the gradient with respect to the
        logits. A head's gradient: ``gradient(..., wrt=NAME)``.
    curve
        ``curve(y, p, params) -> (loss per example, dloss/dp)``, elementwise NumPy for a
        picture; ``p`` is ``(n,)`` or ``(n, K)`` (softmax), ``y`` broadcast to it.
    target, prediction
        The target kind (``TARGET_KINDS``) and, for a linear output, the prediction kind
        (``PREDICTION_KINDS``).
    logits_of
        For a loss that takes ``from_logits``: the activation its logits form applies
        (``sigmoid``, ``softmax``); paired with that activation, the checks use the fused form.
    nll
        ``nll(y, p, heads, params) -> (mean -log density, its constant, description)``, from
        the density formula: the maximum-likelihood check compares it with the loss. None
        where the loss is not a likelihood.
    likelihood
        Replaces that check where the loss is not a likelihood but reduces to one:
        ``likelihood(pairing, y, z, extra) -> (passed, detail)``.
    nll_rtol, nll_note
        The tolerance of the likelihood identity, and why it is not 1e-9.
    minimiser
        ``minimiser(value, params, rng) -> (passed, detail)``: on a sample, the constant
        prediction that minimises the loss is the statistic it targets.
    canonical
        ``(activation, form, closed[, rtol])`` where the gradient with respect to the
        pre-activation has the canonical-link form ``closed(p, target, heads, n)``, equal to
        the analytic gradient within ``rtol`` (default 1e-9).
    heads
        Extra predicted inputs, keyword -> the activation of their head
        (``{"variance": "softplus"}``).
    units_per_target
        ``units_per_target(params) -> int``: for a loss that predicts several numbers per
        target value (quantiles), how many; the predictions then have the layout
        ``(rows, outputs * units)``. None for one prediction per target.
    kink
        ``kink(y, p) -> distance`` of each prediction to the nearest kink of the loss, so
        that the gradient check stays away from them; None where the loss is smooth.
    extremes
        ``extremes(pairing) -> [(label, y, z, extra, as_probabilities)]``: the stability
        cases (shared ones: ``_regression.extremes``, ``_classes.binary_extremes`` and
        ``_classes.categorical_extremes``).
    frameworks
        framework id -> ``agree(mods, pairing, y, z, extra) -> (value, expression[, rtol])``
        or ``(None, reason)``: the framework's own loss on the same inputs.
    hypotheses
        ``hypotheses(from_logits, params, y, pred, reference_value) -> {code: (value, why)}``:
        mistakes in a user's implementation that only this loss can make.
    input_forms
        Other honest forms of the inputs a user's function may take, tried by ``check --impl``
        after the reference's own: name -> ``(argument, to_form)``, ``argument`` ``"y_pred"`` or
        ``"y_true"``, ``to_form`` the map from the reference's input to that form
        (``{"log rate": ("y_pred", log)}``: the function takes log rates where the reference
        takes rates). The reference is computed on the reference's input.
    sample
        ``sample(pairing, rng) -> (y, z, extra)``: a batch for the checks (targets, the
        pre-activation output, the extra heads' raw values), moderate values, float64 (integer
        targets stay integer). Required for the structured target kinds (``STRUCTURED_TARGETS``),
        whose shapes the shared samplers do not know; optional otherwise.
    plot
        Changes to the picture's scenario: ``needs`` (activations the loss can be drawn
        on), ``x`` (range of z), ``target``, and ``curves(params) -> [(label, params)]``
        where the loss is drawn as several curves or with parameters of its own;
        ``unavailable``: why no one-dimensional picture says anything about the loss.
    """

    value: Callable
    gradient: Callable
    curve: Callable
    target: str
    minimiser: Callable
    extremes: Callable
    prediction: str = "real"
    logits_of: str | None = None
    nll: Callable | None = None
    likelihood: Callable | None = None
    nll_rtol: float = 1e-9
    nll_note: str = ""
    canonical: tuple | None = None
    heads: dict = field(default_factory=dict)
    units_per_target: Callable | None = None
    kink: Callable | None = None
    frameworks: dict = field(default_factory=dict)
    hypotheses: Callable | None = None
    input_forms: dict = field(default_factory=dict)
    plot: dict = field(default_factory=dict)
    sample: Callable | None = None

    def __post_init__(self):
        if self.target not in TARGET_KINDS:
            raise ValueError(f"target must be one of {', '.join(TARGET_KINDS)}, not {self.target!r}")
        if self.target in STRUCTURED_TARGETS and self.sample is None:
            raise ValueError(f"a loss with {self.target} targets needs sample= (how to draw a batch of them)")
        if self.prediction not in PREDICTION_KINDS:
            raise ValueError(f"prediction must be one of {', '.join(PREDICTION_KINDS)}, not {self.prediction!r}")

    @property
    def id(self) -> str:
        return self.value.__name__

    def units(self, params) -> int:
        return self.units_per_target(params) if self.units_per_target else 1

    @property
    def has_classes(self) -> bool:
        """Targets are class rows or indices: the prediction has a class axis."""
        return self.target in CLASS_TARGETS

    @property
    def structured(self) -> bool:
        """Targets with a structure of their own: the loss draws its own batches (``sample``)."""
        return self.target in STRUCTURED_TARGETS

    @property
    def has_labels(self) -> bool:
        """Targets are binary labels (0/1 or -1/+1), one per output."""
        return self.target in LABEL_TARGETS
