"""Property: ``check --impl`` passes a function if and only if it is a correct implementation
under some convention (argument order, logits or probabilities, 2-D batches or 1-D vectors).

Random user functions are written to a file and go through the real command line,
``lossadvisor check LOSS --impl FILE:f --json`` (child process included): correct ones under
each convention, mutated ones (scaled, offset, sum instead of mean), and ones that return a
constant, an array or NaN, raise, call ``sys.exit`` or ``os._exit``, sleep past the time
limit or print. The exit code itself is asserted: 0 for a correct implementation, 1 (a
failed check) for every other, and stdout is the JSON report alone.
"""

from __future__ import annotations

import json
import tempfile
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CLIP = "min(max(b, 1e-7), 1 - 1e-7)"
#: loss -> form -> (the batch expression, the term of one element for the 1-D loop); Y the
#: target, P the prediction. Correct by their formulas: Keras' MSE, and BCE as in its docstring.
BODIES = {
    "mean_squared_error": {None: ("np.mean((Y - P) ** 2)", "(a - b) ** 2")},
    "binary_crossentropy": {
        "logits": ("np.mean(np.maximum(P, 0) - P * Y + np.log1p(np.exp(-np.abs(P))))",
                   "max(b, 0) - b * a + math.log1p(math.exp(-abs(b)))"),
        "probabilities": ("np.mean(-(Y * np.log(np.clip(P, 1e-7, 1 - 1e-7)) "
                          "+ (1 - Y) * np.log(1 - np.clip(P, 1e-7, 1 - 1e-7))))",
                          f"-(a * math.log({CLIP}) + (1 - a) * math.log(1 - {CLIP}))"),
    },
}
MISBEHAVIOURS = {
    "constant": "return {number}",
    "array": "return (Y - P) ** 2",
    "nan": "return float('nan')",
    "raises": "raise ValueError('bad input')",
    "exits": "sys.exit({code})",
    "os_exit": "os._exit({code})",
    "sleeps": "time.sleep(30)",
    "prints": "print('loss', {expression})\nreturn {expression}",
}


@st.composite
def user_functions(draw):
    """(loss id, from_logits pin, source of ``f``, whether it is a correct implementation)."""
    loss = draw(st.sampled_from(sorted(BODIES)))
    form = draw(st.sampled_from(list(BODIES[loss])))
    batch, term = BODIES[loss][form]
    shape = draw(st.sampled_from(["batch", "vector"]))
    expression = batch if shape == "batch" else f"sum({term} for a, b in zip(Y, P)) / len(Y)"
    kind = draw(st.sampled_from(["correct", "correct", "correct", "scaled", "offset", "summed", *MISBEHAVIOURS]))
    correct = kind == "correct"
    if kind == "scaled":
        expression = f"{draw(st.sampled_from([0.5, 2.0, 1.01, -1.0]))} * ({expression})"
    elif kind == "offset":
        expression = f"({expression}) + {draw(st.sampled_from([1e-3, 0.5, -0.25]))}"
    elif kind == "summed":
        expression = expression.replace("np.mean(", "np.sum(") if shape == "batch" else expression.replace(" / len(Y)", "")
    if kind in MISBEHAVIOURS:
        body = MISBEHAVIOURS[kind].format(number=draw(st.floats(-10, 10, allow_nan=False)), code=draw(
            st.sampled_from([0, 1, 3])), expression=f"float({expression})")
    else:
        body = f"return float({expression})"
    order = draw(st.sampled_from(["y, p", "p, y"]))
    pin = None
    if form is not None:
        pin = draw(st.sampled_from([None, form == "logits", form != "logits"]))
        correct = correct and pin in (None, form == "logits")
    source = textwrap.dedent(f"""
        import math, os, sys, time
        import numpy as np

        def f({order}):
            Y, P = y, p
            {body.replace(chr(10), chr(10) + ' ' * 12)}
    """)
    return loss, pin, source, correct


# run_cli is stateless (a new CliRunner per call), so sharing it across examples is safe
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user_functions())
def test_passes_if_and_only_if_correct_under_some_convention(run_cli, case):
    loss, pin, source, correct = case
    flags = [] if pin is None else ["--logits" if pin else "--probabilities"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "user_loss.py"
        path.write_text(source)
        code, out, err = run_cli("check", loss, "--impl", f"{path}:f", *flags, "--timeout", "1", "--json")
    assert code == (0 if correct else 1), (source, pin, out, err)
    assert json.loads(out)["passed"] is correct
