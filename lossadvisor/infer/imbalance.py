"""The ``imbalance`` answer: r = count(rarest class) / count(most common class), in words."""

from __future__ import annotations

from lossadvisor.infer.thresholds import threshold


def imbalance_from_counts(r, labels, counts, soft=False):
    """Set ``imbalance`` from the count of each class (``soft``: expected counts of probability rows)."""
    counts = [float(c) for c in counts]
    hi_i = max(range(len(counts)), key=lambda i: counts[i])
    lo_i = min(range(len(counts)), key=lambda i: counts[i])
    hi, lo = counts[hi_i], counts[lo_i]
    ratio = lo / hi if hi else 0.0
    level, rule = _imbalance(ratio)
    if soft:
        def fmt(c):
            return f"{c:,.1f} expected rows"
    else:
        def fmt(c):
            return f"{int(c):,} row{'' if c == 1 else 's'}"
    if lo == hi:
        # no rarest and most common class to name: they would be the same one
        r.set("imbalance", level, f"every class has {fmt(lo)}; ratio {ratio:.3g} {rule}")
    else:
        r.set("imbalance", level,
              f"rarest class {labels[lo_i]}: {fmt(lo)}, most common {labels[hi_i]}: {fmt(hi)}; "
              f"ratio {ratio:.3g} {rule}")
    if lo == 0:
        r.warnings.append(f"class {labels[lo_i]} never occurs")


def imbalance_multilabel(r, names, pos, rows):
    """Set ``imbalance`` from the worst label: its positive vs negative rows."""
    worst = None
    never = []
    for name, p in zip(names, pos):
        p = float(p)
        q = rows - p
        ratio = min(p, q) / max(p, q) if max(p, q) else 0.0
        if p == 0:
            never.append(name)
        if worst is None or ratio < worst[0]:
            worst = (ratio, name, p, q)
    ratio, name, p, q = worst
    level, rule = _imbalance(ratio)
    r.set("imbalance", level, f"worst label '{name}': {int(p):,} positive vs {int(q):,} negative rows; ratio "
                              f"{ratio:.3g} {rule}")
    if never:
        r.warnings.append(f"label{'s' if len(never) > 1 else ''} {', '.join(repr(x) for x in never[:10])} "
                          f"{'are' if len(never) > 1 else 'is'} never positive")


def _imbalance(ratio) -> tuple[str, str]:
    """The imbalance answer for the rarest/most-common ``ratio``, and the threshold rule that decided it."""
    if ratio >= threshold("imbalance_moderate"):
        return "none", ">= 1/5 (imbalance_moderate)"
    if ratio >= threshold("imbalance_severe"):
        return "moderate", "< 1/5 (imbalance_moderate) and >= 1/100 (imbalance_severe)"
    return "severe", "< 1/100 (imbalance_severe)"
