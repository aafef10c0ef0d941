"""Cumulative link (proportional odds, logit link): the likelihood of a latent logistic
variable cut into ordered levels at K - 1 learned cut-points."""

from __future__ import annotations

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference import _ordinal as o
from lossadvisor.reference._classes import BIG, sigmoid_pair
from lossadvisor.reference._core import as_array, first_nonfinite, fmt_shape, fmt_value, require_nonempty
from lossadvisor.reference.spec import LossSpec

#: the cut-points the picture is drawn with (5 levels) and the level it shows
PLOT_CUTPOINTS = (-3.0, -1.0, 1.0, 3.0)
PLOT_LEVEL = 2


def ordered_cutpoints(cutpoints) -> np.ndarray:
    """``cutpoints`` as a float64 vector of at least one finite, strictly increasing value with finite
    differences, or ValueError."""
    if cutpoints is None:
        raise ValueError("cumulative_link needs cutpoints= (the K - 1 ordered cut-points, shape (K - 1,))")
    cut = as_array(cutpoints, "cutpoints").astype(np.float64, copy=False)
    if cut.ndim != 1 or cut.size < 1:
        raise ValueError(f"cutpoints has shape {fmt_shape(cut.shape)} but must be a vector of K - 1 >= 1 values")
    if not np.isfinite(cut).all():
        i = int(np.argmax(~np.isfinite(cut)))
        raise ValueError(f"cutpoints[{i}] is {'NaN' if np.isnan(cut[i]) else 'infinite'}; cut-points must be finite")
    with np.errstate(over="ignore"):  # an overflowing difference is the error below
        gaps = np.diff(cut)
    if (gaps <= 0).any():
        i = int(np.argmax(gaps <= 0)) + 1
        raise ValueError(
            f"cutpoints must be strictly increasing, but cutpoints[{i}] = {fmt_value(cut[i])} <= "
            f"cutpoints[{i - 1}] = {fmt_value(cut[i - 1])}: a level would get a negative probability; keep them "
            "ordered by construction (cutpoints = cumsum([first, softplus(raw_gaps)]))"
        )
    if not np.isfinite(gaps).all():
        i = int(np.argmax(~np.isfinite(gaps))) + 1
        raise ValueError(
            f"cutpoints[{i}] - cutpoints[{i - 1}] = {fmt_value(cut[i])} - ({fmt_value(cut[i - 1])}) overflows "
            "float64: the cut-points must lie within a finite span (their differences finite)"
        )
    return cut


def _scores(y_pred) -> np.ndarray:
    """The scores as a float64 vector (an (N, 1) column is read as (N,)), or ValueError."""
    f = as_array(y_pred, "y_pred")
    if f.ndim == 2 and f.shape[1] == 1:
        f = f.reshape(-1)
    if f.ndim != 1:
        raise ValueError(f"y_pred has shape {fmt_shape(f.shape)} but must hold one score per row, shape (N,) or (N, 1)")
    require_nonempty(f, "y_pred")
    f = f.astype(np.float64, copy=False)
    first_nonfinite((("y_pred", f),))
    return f


def _bounds(levels: np.ndarray, f: np.ndarray, cut: np.ndarray):
    """(lower, upper) = (cut[y - 1] - f, cut[y] - f), with -inf below level 0 and +inf above the top."""
    padded = np.concatenate([[-np.inf], cut, [np.inf]])
    return padded[levels] - f, padded[levels + 1] - f


def _softplus(x):
    return np.logaddexp(0.0, x)


def _gaps(levels: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """b - a = cut[y] - cut[y - 1] per row, from the cut-points themselves (+inf at the end levels):
    a - b from the bounds cancels to 0 once |f| dwarfs the gap (f = 1e16 and beyond)."""
    padded = np.concatenate([[-np.inf], cut, [np.inf]])
    return padded[levels + 1] - padded[levels]


def _softplus_difference(x, y, x_minus_y):
    """softplus(x) - softplus(y), with x - y given: where both are positive, x - y + softplus(-x) -
    softplus(-y), since softplus(x) = x + softplus(-x) there (the plain difference of two values
    near 1e300 is 0, whatever x - y is)."""
    both = np.minimum(x, y) > 0
    return np.where(both, x_minus_y + _softplus(-np.abs(x)) - _softplus(-np.abs(y)), _softplus(x) - _softplus(y))


def _per_row(levels, f, cut):
    """-log P(y) per row, from P(y) = sigmoid(b) - sigmoid(a) = sigmoid(b) sigmoid(-a) (1 - exp(a - b))."""
    a, b = _bounds(levels, f, cut)
    # the one trick: the difference of two sigmoids as a product, so that neither cancels
    # (a and b both large) nor overflows; log(1 - exp(a - b)) depends on the gap cut[y] - cut[y-1] only
    return _softplus(-b) + _softplus(a) - np.log(-np.expm1(-_gaps(levels, cut)))


def cumulative_link(y_true, y_pred, *, cutpoints) -> float:
    """Cumulative link (logit) negative log-likelihood, mean over rows.

    ``y_pred`` is the linear score f, shape ``(N,)`` or ``(N, 1)``; ``cutpoints`` (keyword,
    required) the K - 1 strictly increasing cut-points theta; ``y_true`` the levels 0..K-1,
    shape ``(N,)``. ``P(y <= k) = sigmoid(theta_k - f)``, so
    ``P(y = k) = sigmoid(theta_k - f) - sigmoid(theta_{k-1} - f)`` (theta_{-1} = -inf,
    theta_{K-1} = +inf) and the loss is ``mean(-log P(y))``: exact maximum likelihood of the
    proportional-odds model. Unordered cut-points are a ValueError (they give negative
    "probabilities"). No framework has it built in (spacecutter's CumulativeLinkLoss takes the
    level probabilities and clamps them at 1e-15).
    """
    cut = ordered_cutpoints(cutpoints)
    f = _scores(y_pred)
    levels = o.ordinal_levels(y_true, f.shape[0], cut.size + 1)
    return float(_per_row(levels, f, cut).mean())


def gradient(t, p, cutpoints=None, wrt="y_pred"):
    cut = ordered_cutpoints(cutpoints)
    f = p.reshape(-1)
    levels = o.ordinal_levels(t, f.shape[0], cut.size + 1)
    a, b = _bounds(levels, f, cut)
    n = f.shape[0]
    if wrt == "cutpoints":
        # d/d theta_y = -sigmoid(-b) / (sigmoid(-a) (1 - e^(a-b))), d/d theta_{y-1} = sigmoid(a) / (sigmoid(b) (1 - e^(a-b)))
        gaps = _gaps(levels, cut)
        gap = -np.expm1(-gaps)
        with np.errstate(invalid="ignore"):     # inf - inf at the end levels, whose entries are unused
            upper = -np.exp(_softplus_difference(a, b, -gaps)) / gap  # 0 at the top level (b = +inf), unused there
            lower = np.exp(_softplus_difference(-b, -a, -gaps)) / gap  # 0 at level 0 (a = -inf), unused there
        g = np.zeros(cut.size)
        top = cut.size
        np.add.at(g, levels[levels < top], upper[levels < top])
        np.add.at(g, levels[levels > 0] - 1, lower[levels > 0])
        return g / n
    # d(-log P)/df = (sigmoid'(b) - sigmoid'(a)) / (sigmoid(b) - sigmoid(a)) = 1 - sigmoid(a) - sigmoid(b)
    return ((1.0 - sigmoid_pair(a)[0] - sigmoid_pair(b)[0]) / n).reshape(p.shape)


def curve(y, p, params):
    cut = np.asarray(params.get("cutpoints", PLOT_CUTPOINTS), dtype=np.float64)
    levels = np.asarray(y, dtype=np.int64).reshape(-1)
    f = np.asarray(p, dtype=np.float64).reshape(-1)
    a, b = _bounds(np.broadcast_to(levels, f.shape), f, cut)
    return _per_row(np.broadcast_to(levels, f.shape), f, cut), 1.0 - sigmoid_pair(a)[0] - sigmoid_pair(b)[0]


def nll(y, p, heads, params):
    # the level probabilities written out: differences of the cumulative probabilities
    cumulative = 1.0 / (1.0 + np.exp(-(heads["cutpoints"][None, :] - p.reshape(-1, 1))))
    pmf = np.diff(np.hstack([np.zeros((p.size, 1)), cumulative, np.ones((p.size, 1))]), axis=1)
    return (-np.log(pmf[np.arange(p.size), y]).mean(), 0.0,
            "P(y = k) = sigmoid(cut_k - f) - sigmoid(cut_{k-1} - f) (proportional odds), no constant")


def minimiser(value, params, rng):
    levels = o.minimiser_levels()
    n = levels.size
    freq = np.bincount(levels) / n
    best_cut = c.logit(np.cumsum(freq)[:-1])
    score = np.zeros(n)
    best = value(levels, score, cutpoints=best_cut)
    h = 1e-3
    k = best_cut.size
    probes = [best_cut + s * h * np.eye(k)[j] for j in range(k) for s in (1, -1)]
    probes += [best_cut + h * d for d in rng.normal(0.0, 1.0, (6, k))]
    worse = sum(value(levels, score, cutpoints=q) > best for q in probes)
    ok = worse == len(probes)
    return ok, (f"{n} levels with frequencies {c.fmt_list(freq)}, score 0: the loss at the cut-points "
                f"logit(cumulative frequencies) = {c.fmt_list(best_cut)} ({c.fmt(best)}) is below its value at "
                f"{worse}/{len(probes)} nearby cut-points (moved by 1e-3); convex in the cut-points, so that is its "
                "minimum (only cut - score matters: a constant score shifts them all)")


def sample(pairing, rng):
    y = o.sample_levels(rng)
    z = rng.normal(0.0, 1.5, o.ROWS)
    cut = np.cumsum(np.concatenate([[-1.5], 0.6 + rng.uniform(0.0, 0.8, o.LEVELS - 2)]))
    return y, z, {"cutpoints": cut}


def extremes(pairing):
    y = np.array([0, 1, 2, 3, 0, 3])
    z = np.array([BIG, BIG, -BIG, -BIG, -BIG, BIG])
    cut = np.array([-1.0, 0.0, 1.0])
    close_y = np.array([1, 2, 2])
    middle = np.array([1, 2, 1, 2])
    return [
        (f"scores ±{BIG:.0e} (every level, right and wrong side)", y, z, {"cutpoints": cut}, False),
        # a - b from the bounds would cancel to 0 here: the middle levels' gap term comes from the cut-points
        ("scores ±1e300 at the middle levels", middle, np.array([1e300, 1e300, -1e300, -1e300]), {"cutpoints": cut},
         False),
        ("cut-points 1e-9 apart", close_y, np.array([0.0, 1e-9, 5.0]), {"cutpoints": np.array([-1.0, 0.0, 1e-9])},
         False),
    ]


SPEC = LossSpec(
    value=cumulative_link, gradient=gradient, curve=curve, target="ordinal", nll=nll, minimiser=minimiser,
    heads={"cutpoints": "linear"}, extremes=extremes, sample=sample,
    plot={"x": (-6.0, 6.0), "target": float(PLOT_LEVEL),
          "curves": lambda params: [(f"cumulative_link (level {PLOT_LEVEL} of 5, cut-points "
                                     f"{', '.join(f'{v:g}' for v in PLOT_CUTPOINTS)})",
                                     {**params, "cutpoints": list(PLOT_CUTPOINTS)})]},
)
