"""Choosing the target columns: ``--column`` values (names, indices, ranges) or a default by name.

Errors name the columns the file has, with a "did you mean" for a near miss.
"""

from __future__ import annotations

import re

from lossadvisor.datareaders.blocks import Info
from lossadvisor.errors import InputError, UsageError

#: column names taken as the target when no --column is given (case-insensitive, first match wins)
TARGET_NAMES = ("label", "labels", "target", "targets", "y", "class", "outcome")


def describe_columns(names) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:20])
    if len(names) > 20:
        shown += f" ... and {len(names) - 20} more"
    return shown


def resolve_columns(name, all_names, wanted, *, header=True, what="column"):
    """Map --column values (names, 0-based indices, negative indices, ``A:B`` ranges) to indices."""
    all_names = list(all_names)
    if wanted is None:
        return None
    out = []
    for w in wanted:
        if w in all_names:
            idx = [all_names.index(w)]
        elif re.fullmatch(r"[+-]?\d+", w.strip()):
            i = int(w)
            if not -len(all_names) <= i < len(all_names):
                raise InputError(
                    f"{name}: no {what} {w}: the file has {len(all_names)} {what}{'s' if len(all_names) != 1 else ''} "
                    f"(indices 0..{len(all_names) - 1}): {describe_columns(all_names)}"
                )
            idx = [i % len(all_names)]
        elif re.fullmatch(r"\s*[+-]?\d*\s*:\s*[+-]?\d*\s*", w) and ":" in w:
            a, b = w.split(":")
            idx = list(range(len(all_names)))[slice(int(a) if a.strip() else None, int(b) if b.strip() else None)]
            if not idx:
                raise InputError(f"{name}: the range {w} selects no {what}; {what}s are 0..{len(all_names) - 1}")
        else:
            if header:
                near = did_you_mean(w, all_names)
                raise InputError(f"{name}: no {what} '{w}'{near}; {what}s: {describe_columns(all_names)}")
            raise InputError(
                f"{name}: no {what} named '{w}': the file has no header row; use an index 0..{len(all_names) - 1}"
            )
        for i in idx:
            if i in out:
                raise UsageError(f"--column selects {what} {all_names[i]!r} twice")
            out.append(i)
    return out


def did_you_mean(word, names):
    """``" (did you mean 'x'?)"`` for the name closest to ``word`` (else one equal to it but for
    case), or ``""``. Not :func:`lossadvisor.textutil.suggest`: its wording is ``"; did you mean
    'x'?"`` and its ``fold_case`` retries the near match instead of asking for an equal name."""
    import difflib

    m = difflib.get_close_matches(word, [str(n) for n in names], n=1)
    if not m:
        low = [str(n).lower() for n in names]
        if word.lower() in low:
            m = [str(names[low.index(word.lower())])]
    return f" (did you mean '{m[0]}'?)" if m else ""


def default_target(all_names, notes, what="column"):
    """No --column: a column named like a target, else the last one (with a note)."""
    if len(all_names) == 1:
        return [0]
    low = [str(n).strip().lower() for n in all_names]
    for cand in TARGET_NAMES:
        if cand in low:
            i = low.index(cand)
            notes.append(Info(f"no --column given: using the {what} named '{all_names[i]}'"))
            return [i]
    notes.append(
        f"no --column given and no {what} named {'/'.join(TARGET_NAMES[:5])}: using the last {what} "
        f"'{all_names[-1]}' of {len(all_names)}; pass --column to choose"
    )
    return [len(all_names) - 1]
