"""Values as the ``infer`` output shows them: numbers for JSON, labels and shares in sentences.

``fmt_value`` is infer's own formatter, not :func:`lossadvisor.textutil.fmt_number`: it writes
integral values as integers and six significant digits otherwise (123456 stays 123456, where
``fmt_number`` writes 1.23e+05), and both the output and the label mappings depend on it.
"""

from __future__ import annotations


def fmt_value(v) -> str:
    """A value for a sentence or a label: an integer as such, else 6 significant digits."""
    if isinstance(v, str):
        return v
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


def json_number(v):
    """A value for JSON: an int when integral (below 1e15), else the float."""
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return int(v)
    return v


def number_label(x, kind) -> str:
    """A number read as a text label: true/false for booleans."""
    if kind == "bool":
        return "true" if x else "false"
    return fmt_value(x)


def percent(c, n) -> str:
    """``c`` of ``n`` as a percentage with the digits that matter."""
    p = 100.0 * c / n
    if p >= 9.95 or p == 0:
        return f"{p:.0f}%"
    if p >= 1:
        return f"{p:.1f}%"
    return f"{p:.2g}%"


def distribution_text(vals, cnts, n, st=None) -> str:
    """``0 (60%), 1 (40%)``: the values with their shares, the first six and the last of many."""
    pairs = list(zip(vals, cnts))
    shown = pairs if len(pairs) <= 8 else pairs[:6]
    label = (lambda v: ("true" if v else "false")) if st is not None and st.kinds == {"bool"} else fmt_value
    text = ", ".join(f"{label(v)} ({percent(c, n)})" for v, c in shown)
    if len(pairs) > len(shown):
        text += f", ... {label(pairs[-1][0])} ({percent(pairs[-1][1], n)})"
    return text


def quoted(text, limit=40) -> str:
    """A label quoted for a sentence, shortened when long."""
    text = str(text)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def is_number(t) -> bool:
    """Does the string read as a number?"""
    try:
        float(t)
        return True
    except ValueError:
        return False


def missing_tokens_text() -> str:
    """The cell texts the readers take for missing values, for a sentence (from
    :data:`lossadvisor.datareaders.MISSING_TOKENS`).

    >>> missing_tokens_text().startswith("empty, ")
    True
    """
    from lossadvisor.datareaders import MISSING_TOKENS

    return "empty, " + ", ".join(sorted(t for t in MISSING_TOKENS if t)) + " (in any case)"
