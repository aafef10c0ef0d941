"""What kind of numbers a target column holds: counts, positive and wide, or real; its outliers.

The answers ``target`` and ``outliers`` of a regression, and the histogram test that tells class
indices from counts. Every number compared against is a named threshold.
"""

from __future__ import annotations

import math

from lossadvisor.infer.stats import weighted_quantiles
from lossadvisor.infer.thresholds import threshold
from lossadvisor.infer.values import fmt_value, json_number, percent


def integer_shape(st):
    """Class-label or count? Looks at the exact histogram of an integer column."""
    import numpy as np

    keys, f = st.keys, st.cnts
    k = len(keys)
    lo = json_number(keys[0])  # an int, but a float beyond 1e15 (its digits would fill a screen)
    contiguous = bool(keys[-1] - keys[0] == k - 1)
    candidate = contiguous and lo in (-1, 0, 1)
    m = int(np.argmax(f))
    tail = f[m:]
    steps = len(tail) - 1
    dec = int(np.count_nonzero(np.diff(tail) < 0)) if steps > 0 else 0
    ratio = float(f[-1]) / float(f[m])
    count_shaped = (lo >= 0 and steps >= threshold("count_tail_steps")
                    and dec / steps >= threshold("count_tail_decreasing") and ratio <= threshold("count_tail_ratio"))
    return {"contiguous": contiguous, "candidate": candidate, "count_shaped": count_shaped, "mode": float(keys[m]),
            "steps": steps, "decreasing": dec, "ratio": ratio, "lo": lo, "hi": json_number(keys[-1])}


def quartile_skew(q1, q2, q3):
    """Bowley's quartile skewness: 0 for a symmetric distribution, in [-1, 1]."""
    return (q3 + q1 - 2 * q2) / (q3 - q1) if q3 > q1 else 0.0


def count_rule(st):
    """(is a count, 5th percentile): non-negative integers whose 5th percentile is at most count_small."""
    if not (st.integral and st.vmin >= 0):
        return False, None
    q05 = st.quantiles([0.05])[0]
    return q05 <= threshold("count_small"), q05


def wide_rule(st):
    """(is positive_wide, evidence): values >= 0, at most wide_zero_share exact zeros, 1 + the 99th
    percentile at least wide_ratio times 1 + the 1st, and the values more symmetric as log(1 + y).

    Judged on 1 + y, the quantity mean squared logarithmic error takes the logarithm of: below 1,
    log(1 + y) is about y and MSLE is mean squared error in disguise, so values that span orders of
    magnitude below 1 (0.003 to 0.7) are not wide. Whole numbers included: amounts in whole dollars
    are wide amounts (when they are also counts, :func:`target_verdict` says which wins).

    >>> from lossadvisor.infer.stats import accumulate_array
    >>> wide_rule(accumulate_array([0, 3, 10, 30, 100, 300, 1000, 20, 50, 7, 15, 200]).stats[0])[0]
    False
    >>> import numpy as np
    >>> amounts = np.round(np.exp(np.linspace(0, 8, 400)) + 0.3).tolist() + [0] * 8  # 2% zeros
    >>> wide_rule(accumulate_array(amounts).stats[0])[0]
    True
    >>> wide_rule(accumulate_array(np.exp(np.linspace(-7, -1, 400))).stats[0])[0]  # 0.0009 to 0.37
    False
    """
    if not (st.vmin >= 0 and st.vmax > 0):
        return False, ""
    vals, w = st.weighted()
    zero_share = float(w[vals == 0].sum() / w.sum())
    if zero_share > threshold("wide_zero_share"):
        return False, ""
    q01, q25, q50, q75, q99 = weighted_quantiles(vals, w, [0.01, 0.25, 0.5, 0.75, 0.99])
    ratio = (1 + q99) / (1 + q01)
    raw_skew = quartile_skew(q25, q50, q75)
    log_skew = quartile_skew(math.log1p(q25), math.log1p(q50), math.log1p(q75))
    zeros = f"; {percent(zero_share, 1.0)} exact zeros (<= {threshold('wide_zero_share'):.0%}, " \
            "wide_zero_share)" if zero_share else ""
    times = f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.1f}"
    span = f"1 + the 99th percentile {fmt_value(q99)} is {times} times 1 + the 1st {fmt_value(q01)}"
    if ratio < threshold("wide_ratio"):
        return False, f"{span} (< {threshold('wide_ratio'):g}, wide_ratio)"
    if abs(log_skew) >= abs(raw_skew):
        return False, (f"{span}, but log(1 + y) makes the values less symmetric (quartile skewness "
                       f"{raw_skew:.2f} -> {log_skew:.2f}): not log-normal-like")
    return True, (f"every value {'>=' if zero_share else '>'} 0{zeros}; {span} (>= {threshold('wide_ratio'):g}, "
                  "wide_ratio) and log(1 + y) makes the values more symmetric (quartile skewness "
                  f"{raw_skew:.2f} -> {log_skew:.2f})")


def target_verdict(st):
    """(target, evidence, ambiguity): count, else positive_wide, else real; ``ambiguity`` is None, or
    the ``(alternative, why, settle)`` of :meth:`~lossadvisor.infer.decide.Framing.ambiguous`.

    Non-negative integers with small values (the count rule) that also span orders of magnitude
    (the wide rule) stay ``count``: event counts, overdispersed ones included, need a count
    likelihood (Poisson, negative binomial) that handles their small values exactly, and the
    dispersion question follows; an ambiguity names positive_wide for amounts in whole units.

    >>> import numpy as np
    >>> from lossadvisor.infer.stats import accumulate_array
    >>> nb = np.random.default_rng(0).negative_binomial(1, 1 / 21, 2000)  # mean 20, 4.6% zeros
    >>> target, why, ambiguity = target_verdict(accumulate_array(nb).stats[0])
    >>> target, ambiguity[0]
    ('count', {'target': 'positive_wide'})
    """
    is_wide, why_wide = wide_rule(st)
    is_count, q05 = count_rule(st)
    if is_count:
        why = (f"non-negative integers {fmt_value(st.vmin)}..{fmt_value(st.vmax)}; "
               f"5th percentile {fmt_value(q05)} <= {threshold('count_small')} (count_small)")
        if not is_wide:
            return "count", why, None
        return "count", why, ({"target": "positive_wide"},
                              f"the counts also span orders of magnitude: {why_wide}",
                              "if the values are amounts in whole units (money, durations) rather than counts "
                              "of events, pass --target positive_wide")
    if is_wide:
        return "positive_wide", why_wide, None
    if st.integral and st.vmin >= 0:
        return "real", (f"non-negative integers {fmt_value(st.vmin)}..{fmt_value(st.vmax)} but the 5th percentile "
                        f"{fmt_value(q05)} > {threshold('count_small')} (count_small): large values behave like "
                        "real numbers" + (f"; {why_wide}" if why_wide else "")), None
    if st.vmin > 0:
        return "real", f"every value > 0 but {why_wide}", None
    return "real", f"real values from {fmt_value(st.vmin)} to {fmt_value(st.vmax)}", None


def outliers(st, target):
    """(answer, evidence, share) by the robust z-score rule on the scale the target suggests; for
    positive_wide with exact zeros, the positive values on the scale log(1 + y), the zeros never outliers.

    >>> import numpy as np
    >>> from lossadvisor.infer.stats import accumulate_array
    >>> amounts = np.round(np.exp(np.linspace(2, 8, 400))).tolist() + [0] * 12  # 2.9% zeros
    >>> outliers(accumulate_array(amounts).stats[0], "positive_wide")[0::2]
    ('no', 0.0)
    """
    import numpy as np

    vals, w = st.weighted()
    total = float(w.sum())
    if target == "positive_wide" and st.vmin > 0:
        vals = np.log(vals)
        scale_name = "on the log scale"
        floor = 0.0
    elif target == "positive_wide" and st.vmin == 0:
        # the exact zeros positive_wide allows (wide_zero_share) are values, not outliers: the
        # positive values are judged among themselves, and the share is of all values
        zero_share = float(w[vals == 0].sum()) / total
        keep = vals > 0
        vals, w = np.log1p(vals[keep]), w[keep]
        scale_name = (f"on the scale log(1 + y), the {percent(zero_share, 1.0)} exact zeros (allowed by "
                      "wide_zero_share) not counted as outliers")
        floor = 0.0
    elif target == "count" and st.vmin >= 0:
        vals = 2.0 * np.sqrt(vals + 0.375)
        scale_name = "on the Anscombe scale 2 sqrt(y + 3/8), spread at least 1"
        floor = 1.0
    else:
        scale_name = ""
        floor = 0.0
    order = np.argsort(vals, kind="stable")
    vals, w = vals[order], w[order]
    med = weighted_quantiles(vals, w, [0.5])[0]
    dev = np.abs(vals - med)
    o2 = np.argsort(dev, kind="stable")
    mad = weighted_quantiles(dev[o2], w[o2], [0.5])[0]
    how = "1.4826 MAD"
    scale = 1.4826 * mad
    if scale == 0:
        q1, q3 = weighted_quantiles(vals, w, [0.25, 0.75])
        scale = (q3 - q1) / 1.349
        how = "IQR / 1.349 (MAD is 0)"
    if scale == 0:
        scale = 1.2533 * float((dev * w).sum() / w.sum())
        how = "1.2533 x mean absolute deviation (MAD and IQR are 0)"
    if floor and scale < floor:
        scale = floor
        how += ", raised to 1"
    if scale == 0:
        return "no", "every value is the same", 0.0
    z = dev / scale
    share = float(w[z > threshold("outlier_z")].sum()) / total
    est = " (estimated from a sample)" if st.overflow else ""
    where = f" {scale_name}" if scale_name else ""
    text = (f"{share:.2%} of values lie more than {threshold('outlier_z')} robust standard deviations ({how}) from the "
            f"median{where}{est}; {'above' if share > threshold('outlier_share') else 'at most'} "
            f"{threshold('outlier_share'):.0%} (outlier_share)")
    return ("yes" if share > threshold("outlier_share") else "no"), text, share
