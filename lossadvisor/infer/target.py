"""What kind of numbers a target column holds: counts, positive and wide, or real; its outliers.

The answers ``target`` and ``outliers`` of a regression, and the histogram test that tells class
indices from counts. Every number compared against is a named threshold.
"""

from __future__ import annotations

import math

from lossadvisor.infer.stats import weighted_quantiles
from lossadvisor.infer.thresholds import threshold
from lossadvisor.infer.values import fmt_value, json_number


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


def target_verdict(st):
    """(target, evidence): count, else positive_wide, else real."""
    is_count, q05 = count_rule(st)
    if is_count:
        return "count", (f"non-negative integers {fmt_value(st.vmin)}..{fmt_value(st.vmax)}; "
                         f"5th percentile {fmt_value(q05)} <= {threshold('count_small')} (count_small)")
    if st.vmin > 0:
        q01, q25, q50, q75, q99 = st.quantiles([0.01, 0.25, 0.5, 0.75, 0.99])
        ratio = q99 / q01
        raw_skew = quartile_skew(q25, q50, q75)
        log_skew = quartile_skew(math.log(q25), math.log(q50), math.log(q75))
        if ratio >= threshold("wide_ratio") and abs(log_skew) < abs(raw_skew):
            return "positive_wide", (f"every value > 0; the 99th percentile {fmt_value(q99)} is {ratio:,.0f} "
                                     f"times the 1st {fmt_value(q01)} (>= {threshold('wide_ratio'):g}, wide_ratio) "
                                     "and the logarithm makes the values more symmetric (quartile skewness "
                                     f"{raw_skew:.2f} -> {log_skew:.2f})")
        if ratio >= threshold("wide_ratio"):
            return "real", (f"every value > 0 and the 99th percentile is {ratio:,.0f} times the 1st, but the "
                            f"logarithm makes the values less symmetric (quartile skewness {raw_skew:.2f} -> "
                            f"{log_skew:.2f}): not log-normal-like")
        return "real", (f"every value > 0 but the 99th percentile {fmt_value(q99)} is only {ratio:,.1f} times the "
                        f"1st {fmt_value(q01)} (< {threshold('wide_ratio'):g}, wide_ratio)")
    if st.integral and st.vmin >= 0:
        return "real", (f"non-negative integers {fmt_value(st.vmin)}..{fmt_value(st.vmax)} but the 5th percentile "
                        f"{fmt_value(q05)} > {threshold('count_small')} (count_small): large values behave like "
                        "real numbers")
    return "real", f"real values from {fmt_value(st.vmin)} to {fmt_value(st.vmax)}"


def outliers(st, target):
    """(answer, evidence, share) by the robust z-score rule on the scale the target suggests."""
    import numpy as np

    vals, w = st.weighted()
    if target == "positive_wide" and st.vmin > 0:
        vals = np.log(vals)
        scale_name = "on the log scale"
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
    share = float(w[z > threshold("outlier_z")].sum() / w.sum())
    est = " (estimated from a sample)" if st.overflow else ""
    where = f" {scale_name}" if scale_name else ""
    text = (f"{share:.2%} of values lie more than {threshold('outlier_z')} robust standard deviations ({how}) from the "
            f"median{where}{est}; {'above' if share > threshold('outlier_share') else 'at most'} "
            f"{threshold('outlier_share'):.0%} (outlier_share)")
    return ("yes" if share > threshold("outlier_share") else "no"), text, share
