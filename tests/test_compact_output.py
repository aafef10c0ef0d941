"""The answer first, on one screen: compact `recommend` and `check` text, --code and --verbose,
code that is never cropped, and the progress indicator of the checks on a terminal."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import textwrap

import pytest

from conftest import FIXTURES, PYTHON, impl_specs, python_env
from lossadvisor.render.recommend import WHY_MORE, short_reason
from lossadvisor.rulebase import load_rulebase

RB = load_rulebase()
FRAMEWORKS = ("keras", "pytorch", "jax")
#: the issue's budget: the default answer fits a 40-row terminal at 100 columns
MAX_LINES = 40


def _env(columns: int) -> dict:
    return {"COLUMNS": str(columns), "NO_COLOR": "1", "FORCE_COLOR": ""}


def _answer_args(answers: dict, framework: str) -> list[str]:
    args = ["--no-input", "--framework", framework]
    for qid, value in answers.items():
        if qid != "framework":
            args += ["--answer", f"{qid}={value}"]
    return args


def _cases():
    """(answers, framework) for every answer set of the shipped rule base x every framework:
    every rule is reached (asserted below)."""
    return [pytest.param(answers, fw, id="-".join([fw, *(str(v) for k, v in answers.items() if k != "framework")]))
            for answers in RB.answer_sets() for fw in FRAMEWORKS]


def test_the_answer_sets_reach_every_rule():
    from lossadvisor.engine import recommend

    reached = {recommend(RB, dict(answers)).rule for answers in RB.answer_sets()}
    assert reached == set(RB.rules)


@pytest.mark.parametrize("answers, framework", _cases())
def test_default_recommend_fits_one_screen(run_cli, answers, framework):
    code, out, err = run_cli("recommend", *_answer_args(answers, framework), env=_env(100))
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) <= MAX_LINES, out
    assert all(len(line) <= 100 for line in lines)
    doc = json.loads(run_cli("recommend", *_answer_args(answers, framework), "--json", "--no-check")[1])
    assert doc["rule"] in lines[0]  # the panel first, titled by the rule
    assert "Why" in lines and any(line.startswith("Program") and "--code" in line for line in lines)
    # the check is one line, saying how to see the table; the program is not printed
    check_lines = [line for line in lines if line.startswith("Reference check")]
    assert len(check_lines) == 1 and check_lines[0].endswith("--verbose for the table")
    assert not any(line.startswith(("import ", "def ")) for line in lines)
    assert doc["framework"]["code"].splitlines()[0] not in out


def test_default_text_of_the_readme_example(run_cli):
    code, out, _ = run_cli("recommend", "--task", "multiclass", "--labels", "integer", "--classes", "10",
                           "--framework", "keras", "--no-input", env=_env(100))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("╭─ multiclass-integer ─")
    assert "│ Keras 3 loss   keras.losses.SparseCategoricalCrossentropy(from_logits=True)" in out
    assert "Program          --code to show it, --emit-code to print it alone" in lines
    # the six checks of a loss: worked example, likelihood, gradient, stability, minimiser, and
    # the agreement with the one framework asked for (Keras has this loss built in)
    assert "Reference check  ✓ 6/6 passed (NumPy vs Keras 3) · --verbose for the table" in lines
    assert not any(line.startswith("┃") for line in lines)  # no table


def test_code_adds_the_program_and_verbose_shows_everything(run_cli):
    args = ("recommend", "--task", "binary", "--framework", "pytorch", "--no-input")
    doc = json.loads(run_cli(*args, "--json")[1])
    _, compact, _ = run_cli(*args, env=_env(100))
    code, with_code, _ = run_cli(*args, "--code", env=_env(100))
    assert code == 0
    assert doc["framework"]["code"] in with_code and doc["framework"]["code"] not in compact
    assert "Reference check  ✓" in with_code and "┃ check" not in with_code  # still the one line
    code, verbose, _ = run_cli(*args, "--verbose", env=_env(100))
    assert code == 0
    assert doc["framework"]["code"] in verbose
    assert "┃ check" in verbose  # the table, with every check by name
    assert all(r["name"] in verbose for r in doc["check"]["results"])
    assert "1 loss: 6 passed, 0 failed, 0 skipped — all checks passed" in verbose
    assert " ".join(doc["why"].split()) in " ".join(verbose.split())
    assert run_cli(*args, "-v", env=_env(100))[1] == verbose


def test_json_is_the_same_with_the_text_options(run_cli):
    args = ("recommend", "--task", "regression", "--uncertainty", "quantiles", "--framework", "jax", "--no-input",
            "--json")
    plain = json.loads(run_cli(*args)[1])
    for extra in ("--code", "--verbose"):
        assert json.loads(run_cli(*args, extra)[1]) == plain


def test_exit_codes_do_not_depend_on_the_text_options(run_cli):
    wrong = str(FIXTURES / "rules" / "wrong-mse-worked-example.yaml")
    args = ("recommend", "--rules", wrong, "--task", "regression", "--no-input", "--framework", "pytorch")
    for extra in ((), ("--code",), ("--verbose",), ("--json",)):
        assert run_cli(*args, *extra, env=_env(100))[0] == 1


# ------------------------------------------------------------------ the reason, shortened


LONG_WHY = ("A very long reason that goes on. It has many sentences and keeps going, saying the same thing in "
            "other words so that it is long. The third sentence says that this loss is special in ways the shipped "
            "rule base cannot know about, for reasons of the domain. The fourth sentence is there only to make the "
            "text longer than three lines at one hundred columns. The fifth sentence ends it.")


def _rules_with_why(tmp_path, why: str) -> str:
    path = tmp_path / "why.yaml"
    path.write_text(textwrap.dedent(f"""\
        schema_version: 1
        rules:
          - id: regression-long-why
            match: {{task: regression, target: real, outliers: "no", uncertainty: none}}
            output: {{units: 1, activation: linear}}
            loss: {{id: mean_squared_error}}
            why: {json.dumps(why)}
        """))
    return str(path)


def _why_block(out: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index("Why") + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        block.append(line.strip())
    return block


def test_a_long_reason_keeps_whole_sentences_and_says_where_the_rest_is(run_cli, tmp_path):
    rules = _rules_with_why(tmp_path, LONG_WHY)
    args = ("recommend", "--rules", rules, "--task", "regression", "--no-input", "--no-check")
    code, out, _ = run_cli(*args, env=_env(100))
    assert code == 0
    block = _why_block(out)
    assert len(block) <= 3
    shown = " ".join(block)
    assert shown.endswith(WHY_MORE.strip())
    kept = shown[: -len(WHY_MORE.strip())].strip()
    assert kept.endswith(".") and LONG_WHY.startswith(kept)  # whole sentences, from the start
    _, verbose, _ = run_cli(*args, "--verbose", env=_env(100))
    assert " ".join(_why_block(verbose)) == LONG_WHY


def test_a_long_first_sentence_is_cut_at_a_word_with_a_marker(run_cli, tmp_path):
    why = "One sentence " + "that keeps going " * 40 + "and ends here."
    rules = _rules_with_why(tmp_path, why)
    code, out, _ = run_cli("recommend", "--rules", rules, "--task", "regression", "--no-input", "--no-check",
                           env=_env(100))
    assert code == 0
    block = _why_block(out)
    assert len(block) <= 3
    shown = " ".join(block)
    assert shown.endswith("…" + WHY_MORE)
    assert why.startswith(shown[: -len("…" + WHY_MORE)] + " ")  # cut between two words


# lengths counted by hand: WHY_MORE " (more with --verbose)" is 22 characters; "One. Two. Three. Four."
# is 22, "One. Two." + WHY_MORE 31, "One. Two. Three." + WHY_MORE 38; "Alpha beta" + "…" + WHY_MORE 33,
# "Alpha beta gamma" + "…" + WHY_MORE 39
@pytest.mark.parametrize("text, limit, expected", [
    ("One. Two. Three. Four.", 22, "One. Two. Three. Four."),  # fits: unchanged
    ("One. Two. Three. Four. Five. Six.", 31, "One. Two." + WHY_MORE),
    ("One. Two. Three. Four. Five. Six.", 32, "One. Two." + WHY_MORE),
    ("Alpha beta gamma delta epsilon zeta eta.", 35, "Alpha beta…" + WHY_MORE),
])
def test_short_reason(text, limit, expected):
    assert short_reason(text, lambda t: len(t) <= limit) == expected


def test_short_reason_never_cuts_without_a_marker():
    from hypothesis import given, strategies as st

    words = st.text(alphabet="abcdefgh", min_size=1, max_size=8)
    sentences = st.lists(words, min_size=1, max_size=12).map(lambda ws: " ".join(ws).capitalize() + ".")

    @given(st.lists(sentences, min_size=1, max_size=8), st.integers(min_value=25, max_value=200))
    def check(parts, limit):
        text = " ".join(parts)
        out = short_reason(text, lambda t: len(t) <= limit)
        if out == text:
            return
        assert out.endswith(WHY_MORE)
        body = out[: -len(WHY_MORE)]
        if body.endswith("…"):
            assert text.startswith(body[:-1] + " ")  # cut between words, marked
        else:
            assert body in [" ".join(parts[:k]) for k in range(1, len(parts))]  # whole sentences

    check()


# ------------------------------------------------------------------ code is never cropped


def _program_lines(out: str, title: str) -> list[str]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{title} program"))
    return lines[start + 1:]


@pytest.mark.parametrize("answers, framework", _cases())
def test_code_at_60_columns_is_the_program_line_for_line(run_cli, answers, framework):
    from lossadvisor.framework_names import TITLES

    args = ("recommend", *_answer_args(answers, framework), "--no-check")
    program = json.loads(run_cli(*args, "--json")[1])["framework"]["code"]
    code, out, _ = run_cli(*args, "--code", env=_env(60))
    assert code == 0
    shown = _program_lines(out, TITLES[framework])
    assert shown[:len(program.splitlines())] == program.splitlines()
    assert shown[len(program.splitlines()):] == []  # nothing after it with --no-check


def test_verbose_at_60_columns_keeps_the_program_whole_and_the_table_in_the_width(run_cli):
    args = ("recommend", "--task", "regression", "--target", "count", "--framework", "keras", "--no-input")
    program = json.loads(run_cli(*args, "--json", "--no-check")[1])["framework"]["code"].splitlines()
    assert max(map(len, program)) > 60  # the case this test is about: lines wider than the terminal
    code, out, _ = run_cli(*args, "--verbose", env=_env(60))
    assert code == 0
    shown = _program_lines(out, "Keras 3")
    assert shown[:len(program)] == program
    after = shown[len(program):]
    assert after[0] == "Reference check"  # the table follows, drawn within the width
    assert all(len(line) <= 60 for line in after)


def _pty_run(args: list[str], columns: int) -> str:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(PYTHON, ["-m", "lossadvisor", *args], env=python_env(NO_COLOR="1", COLUMNS=str(columns)),
                          encoding="utf-8", timeout=60, dimensions=(40, columns))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return child.before.replace("\r\n", "\n")


def test_emit_code_on_a_60_column_terminal_is_not_cut():
    args = ["recommend", "--task", "multiclass", "--labels", "integer", "--framework", "pytorch", "--no-input"]
    program = json.loads(subprocess.run([PYTHON, "-m", "lossadvisor", *args, "--json", "--no-check"],
                                        capture_output=True, text=True, env=python_env()).stdout)["framework"]["code"]
    assert max(len(line) for line in program.splitlines()) > 60
    assert _pty_run([*args, "--emit-code"], 60) == program


def test_code_on_a_60_column_terminal_is_not_cut():
    args = ["recommend", "--task", "binary", "--framework", "jax", "--no-input", "--no-check"]
    program = json.loads(subprocess.run([PYTHON, "-m", "lossadvisor", *args, "--json"],
                                        capture_output=True, text=True, env=python_env()).stdout)["framework"]["code"]
    shown = _program_lines(_pty_run([*args, "--code"], 60), "JAX + optax")
    assert shown == program.splitlines()


# ------------------------------------------------------------------ check


def test_check_is_a_line_per_loss(run_cli):
    code, out, _ = run_cli("check", "huber", "mean_squared_error", "--framework", "none", env=_env(100))
    assert code == 0
    # each loss: five NumPy checks (worked example, likelihood, gradient, stability, minimiser)
    # passed, and the framework agreement skipped by --framework none
    assert out.splitlines() == [
        "– huber               5/6  (1 skipped: no framework requested)",
        "– mean_squared_error  5/6  (1 skipped: no framework requested)",
        "2 losses: 10 passed, 0 failed, 2 skipped (not run) — passed · --verbose for the table",
    ]
    code, verbose, _ = run_cli("check", "huber", "mean_squared_error", "--framework", "none", "--verbose",
                               env=_env(100))
    assert code == 0 and "┃ check" in verbose and "worked example" in verbose and "minimiser" in verbose


def test_check_all_passed_says_so_and_how_to_see_the_table(run_cli):
    code, out, _ = run_cli("check", "binary_crossentropy", "--framework", "pytorch", env=_env(100))
    assert code == 0
    # five NumPy checks and the PyTorch agreement, all passed
    assert out.splitlines() == [
        "✓ binary_crossentropy  6/6",
        "1 loss: 6 passed, 0 failed, 0 skipped — all checks passed · --verbose for the table",
    ]


def test_check_skips_name_their_reason_once_per_kind(run_cli):
    code, out, _ = run_cli("check", "quantile", "--framework", "all", env=_env(100))
    assert code == 0
    # five NumPy checks; none of the three frameworks has a built-in pinball loss: three skips, one reason
    assert out.splitlines()[0] == "– quantile  5/8  (3 skipped: no built-in in PyTorch, Keras, optax)"


def _skipped(reason, subject="", note="", detail="skipped: (any words)"):
    from lossadvisor.checks import skip_reason

    return {"passed": None, "detail": detail, "skip": skip_reason(reason, subject, note)}


def test_skip_note_groups_the_frameworks():
    from lossadvisor.render.check import skip_note

    rows = [{"passed": True},
            _skipped("no_builtin", "PyTorch"),
            _skipped("not_installed", "torchvision"),
            _skipped("no_builtin", "optax"),
            _skipped("not_installed", "keras"),
            _skipped("no_builtin", "PyTorch")]
    # each reason once, in the order of its first row, its subjects joined, each once
    assert skip_note(rows) == "5 skipped: no built-in in PyTorch, optax; torchvision, keras not installed"
    assert skip_note(rows[:1]) == ""
    assert skip_note(rows[1:2]) == "nothing checked: no built-in in PyTorch"


@pytest.mark.parametrize("skip, note", [
    (("custom_loss", "mine"), "no NumPy reference for loss 'mine'"),
    (("unknown_activation", "relu"), "no reference for activation 'relu'"),
    (("params_not_checked", "class_weight"), "class_weight is applied by the framework, not the reference"),
    (("no_worked_example",), "no worked example in the loss catalog"),
    (("not_a_likelihood",), "not a likelihood"),
    (("no_framework_requested",), "no framework requested"),
    (("no_framework",), "no framework to compare with"),
    (("unknown_framework", "tensorflow"), "unknown framework tensorflow"),
    (("import_failed", "Keras 3"), "Keras 3 failed to import"),
    (("not_comparable", "PyTorch", "torchvision (sigmoid_focal_loss) is not installed"),
     "torchvision (sigmoid_focal_loss) is not installed"),
    (("process_lost",), "the function's process was lost"),
])
def test_every_skip_reason_has_a_short_note(skip, note):
    from lossadvisor.render.check import skip_note

    assert skip_note([{"passed": True}, _skipped(*skip)]) == f"1 skipped: {note}"


def test_a_row_without_a_known_reason_shows_its_whole_detail():
    from lossadvisor.render.check import skip_note

    # a row built elsewhere (no skip), and one with a reason this version does not word
    rows = [{"passed": None, "detail": "skipped: my own reason (with an aside)"},
            {"passed": None, "detail": "skipped: a newer reason", "skip": {"reason": "from_the_future"}}]
    assert skip_note(rows) == "nothing checked: skipped: my own reason (with an aside); skipped: a newer reason"


def test_rewording_a_detail_cannot_change_the_compact_note(run_cli, monkeypatch):
    from lossadvisor import checks

    args = ("check", "hinge", "log_cosh", "quantile", "--framework", "pytorch")
    code, before, _ = run_cli(*args, env=_env(100))
    assert code == 0
    # hinge: not a likelihood, and PyTorch has no built-in; log_cosh and quantile: no PyTorch built-in
    assert before.splitlines()[:3] == [
        "– hinge     4/6  (2 skipped: not a likelihood; no built-in in PyTorch)",
        "– log_cosh  5/6  (1 skipped: no built-in in PyTorch)",
        "– quantile  5/6  (1 skipped: no built-in in PyTorch)",
    ]
    row = checks._row

    def reworded(loss, name, passed, detail, *args, **kwargs):
        return row(loss, name, passed, f"Reworded; {detail.upper()}: (see the docs)", *args, **kwargs)

    monkeypatch.setattr(checks, "_row", reworded)
    code, after, _ = run_cli(*args, env=_env(100))
    assert (code, after) == (0, before)
    code, table, _ = run_cli(*args, "--verbose", env=_env(200))
    assert "Reworded; SKIPPED: PYTORCH HAS NO BUILT-IN LOG_COSH" in table  # the details did change


def test_check_names_the_failed_check_and_its_reason(run_cli):
    wrong = str(FIXTURES / "rules" / "wrong-mse-worked-example.yaml")
    code, out, _ = run_cli("check", "mean_squared_error", "--rules", wrong, "--framework", "none", env=_env(100))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "✗ mean_squared_error  4/6  (1 skipped: no framework requested)"
    # the overlay's worked example is deliberately wrong: (1 + 9) / 2 = 5 by hand, not 4
    assert lines[1].strip().startswith("✗ worked example: ") and "5 != 4" in lines[1]
    assert lines[-1] == "1 loss: 4 passed, 1 failed, 1 skipped — FAILED · --verbose for the table"


def test_check_of_a_loss_with_no_reference_says_nothing_was_checked(run_cli, tmp_path):
    rules = tmp_path / "custom.yaml"
    rules.write_text("schema_version: 1\nlosses:\n  - id: my_loss\n    name: My loss\n    family: regression\n"
                     "    formula: mine\n    distribution: none\n    activation: linear\n    params: {}\n")
    code, out, _ = run_cli("check", "my_loss", "--rules", str(rules), "--framework", "none", env=_env(100))
    assert code == 1
    assert out.splitlines()[0] == "– my_loss  0/1  (nothing checked: no NumPy reference for loss 'my_loss')"


def test_check_at_60_columns_stays_in_the_width(run_cli):
    args = ("check", "categorical_focal_crossentropy", "huber", "--framework", "none")
    code, out, _ = run_cli(*args, env=_env(60))
    assert code == 0
    assert all(len(line) <= 60 for line in out.splitlines()), out
    assert out.splitlines()[0].startswith("– categorical_focal_crossentropy  5/6")  # the id whole
    code, out, _ = run_cli(*args, "--verbose", env=_env(60))
    assert code == 0
    assert all(len(line) <= 60 for line in out.splitlines()), out
    header = next(line for line in out.splitlines() if "check" in line and "detail" in line)
    assert header.rstrip().endswith("┃")  # the table is closed within the width: no column cropped away
    # the detail column keeps a readable width: its first row starts with the worked example's inputs
    assert re.search(r"│ y_true=", out)


def test_check_json_is_unchanged_by_verbose(run_cli):
    plain = json.loads(run_cli("check", "huber", "--framework", "none", "--json")[1])
    assert json.loads(run_cli("check", "huber", "--framework", "none", "--json", "--verbose")[1]) == plain


IMPL = textwrap.dedent('''
    import numpy as np

    def mse(y_true, y_pred):
        return float(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2))

    def half_mse(y_true, y_pred):
        return float(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2)) / 2
''')


def test_impl_compact_keeps_failing_cases_and_the_diagnosis(run_cli, tmp_path):
    spec = impl_specs(tmp_path, IMPL)
    args = ("check", "mean_squared_error", "--impl", spec("half_mse"))
    doc = json.loads(run_cli(*args, "--json")[1])
    code, out, _ = run_cli(*args, env=_env(100))
    assert code == 1
    failed = [r["name"] for r in doc["results"] if r["passed"] is False]
    passed = [r["name"] for r in doc["results"] if r["passed"] is True]
    assert "diagnosis" in failed and len(passed) == 1  # half the reference: only the perfect prediction (0) agrees
    for name in failed:  # every failing case on the default screen, with its reason
        assert any(line.startswith(f"✗ {name}: ") for line in out.splitlines())
    assert "a constant factor" in out  # the diagnosis (half of the reference on every case)
    # the passing cases on one line
    assert sum(1 for line in out.splitlines() if line.startswith("✓ ")) == 1
    counts = doc["counts"]  # the cases; the diagnosis row is not counted
    assert counts == {"passed": 1, "failed": len(failed) - 1, "skipped": 0}
    assert out.splitlines()[-1] == f"1 loss: 1 passed, {counts['failed']} failed, 0 skipped — FAILED · " \
                                   "--verbose for the table"
    code, verbose, _ = run_cli(*args, "--verbose", env=_env(100))
    assert code == 1 and "┃ check" in verbose
    assert all(name in verbose for name in passed + failed)


def test_impl_compact_when_everything_passes(run_cli, tmp_path):
    spec = impl_specs(tmp_path, IMPL)
    code, out, _ = run_cli("check", "mean_squared_error", "--impl", spec("mse"), env=_env(100))
    assert code == 0
    title = f"Your implementation {spec('mse')} against the reference (mean_squared_error)"
    assert " ".join(out.split()).startswith(title)  # (the temporary path may wrap it)
    lines = [line for line in out.splitlines() if line.startswith(("✓", "✗"))]
    assert len(lines) == 2 and re.match(r"✓ \d+ cases passed: batch of 8, ", lines[0])
    assert lines[1].startswith("✓ diagnosis: matches the reference")
    assert len(out.splitlines()) <= 10


# ------------------------------------------------------------------ progress on a terminal


def test_progress_goes_to_a_terminal_stderr_and_leaves_stdout_alone():
    args = [PYTHON, "-m", "lossadvisor", "check", "huber", "--framework", "none"]
    env = python_env(NO_COLOR="1", COLUMNS="100", TERM="xterm")
    piped = subprocess.run(args, capture_output=True, text=True, env=env)
    assert piped.stderr == ""  # stderr not a terminal: nothing at all
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, text=True, env=env)
        stdout, _ = proc.communicate(timeout=120)
        shown = b""
        while select.select([master], [], [], 0.5)[0]:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 0
    assert "reference checks" in shown.decode("utf-8", "replace")  # the spinner's message, on stderr
    assert stdout == piped.stdout  # stdout exactly as in a pipe: no residue of the indicator


def test_no_progress_with_json_on_a_terminal():
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen([PYTHON, "-m", "lossadvisor", "check", "huber", "--framework", "none", "--json"],
                                stdout=subprocess.PIPE, stderr=slave, text=True, env=python_env(TERM="xterm"))
        stdout, _ = proc.communicate(timeout=120)
        ready = select.select([master], [], [], 0.5)[0]
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 0 and json.loads(stdout)["passed"] is True
    assert not ready  # nothing written to the terminal


@pytest.mark.parametrize("framework", ["keras", "pytorch", "jax"])
@pytest.mark.parametrize("columns", [40, 60])
def test_panel_code_lines_fold_and_are_never_cropped(run_cli, framework, columns):
    # the panel's layer, loss and prediction lines are code: at a narrow width they fold onto
    # the next line, and every character is still there (no "…")
    args = ("recommend", "--task", "multiclass", "--labels", "one_hot", "--framework", framework, "--no-input",
            "--no-check")
    code, out, _ = run_cli(*args, env=_env(columns))
    out = out[:out.index("╰")]  # the panel
    assert code == 0 and "…" not in out
    _, doc, _ = run_cli(*args, "--json")
    fw = json.loads(doc)["framework"]
    flat = "".join(out.replace("│", "").split())
    for key in ("output_layer", "loss", "inference"):
        if fw.get(key):
            assert "".join(fw[key].split()) in flat, (key, fw[key])
