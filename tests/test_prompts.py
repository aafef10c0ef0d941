"""What people type at the prompts, which questions are asked, and `--answers -` (answers on stdin).

The reading of one typed answer is tested directly (:func:`interpret`); the prompts themselves in a
real pseudo-terminal (pexpect), `--answers -` through CliRunner and through the installed command
with a real pipe.
"""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PYTHON, python_env
from lossadvisor.errors import UsageError
from lossadvisor.rulebase import Choice, Question, load_rulebase

LOSSADVISOR = Path(PYTHON).parent / "lossadvisor"  # the console script installed beside this Python
#: the number of task choices shown (the numbers a person may type at the task prompt)
TASKS = len(next(q for q in load_rulebase().questions if q.id == "task").choices)


def _question(rb, qid, **answers):
    return rb.applicable(qid, answers)


# ---- one typed answer


@pytest.mark.parametrize("qid, answers, typed, value", [
    ("task", {}, "Binary", "binary"),          # any case
    ("task", {}, "MULTILABEL", "multilabel"),
    ("framework", {}, "Keras", "keras"),
    ("framework", {}, "Torch", "pytorch"),      # another name of a framework (Question.parse)
    ("task", {}, "bin", "binary"),             # a unique start
    ("task", {}, "r", "regression"),
    ("task", {}, "multic", "multiclass"),
    ("target", {"task": "regression"}, "pos", "positive_wide"),
    ("labels", {"task": "multiclass"}, "One", "one_hot"),
    ("task", {}, "2", "binary"),               # the number shown
    ("framework", {}, "3", "jax"),
    ("outliers", {"task": "regression"}, "y", "yes"),  # y/n
    ("outliers", {"task": "regression"}, "N", "no"),
    ("outliers", {"task": "regression"}, "Yes", "yes"),
    ("outliers", {"task": "regression"}, "no", "no"),
    ("classes", {"task": "multiclass"}, "3", 3),
    ("outputs", {"task": "regression"}, " 12 ", 12),
])
def test_a_typed_answer_names_its_value(rb, qid, answers, typed, value):
    from lossadvisor.cli.prompts import interpret

    assert interpret(_question(rb, qid, **answers), typed.strip()) == value


@pytest.mark.parametrize("qid, answers, typed, message", [
    ("task", {}, "multi", "'multi' starts more than one choice: multiclass, multilabel; type more of it"),
    ("task", {}, "M", "'M' starts more than one choice: multiclass, multilabel; type more of it"),
    ("task", {}, "0", f"0 is not one of the numbers shown; choose 1-{TASKS}"),
    ("task", {}, str(TASKS + 1), f"{TASKS + 1} is not one of the numbers shown; choose 1-{TASKS}"),
    ("labels", {"task": "binary"}, "z1", "invalid value 'z1' for labels"),  # the question's own refusal
    ("task", {}, "binray", "invalid value 'binray' for task; choose from: regression, binary, multiclass, "
                           "multilabel, "),  # then the other tasks
    ("task", {}, "binray", "; did you mean 'binary'?"),
    ("imbalance", {"task": "binary"}, "sevre", "did you mean 'severe'?"),
    ("classes", {"task": "multiclass"}, "1", "expected an integer >= 2"),
    ("classes", {"task": "multiclass"}, "ten", "expected an integer >= 2"),
])
def test_a_bad_typed_answer_says_why(rb, qid, answers, typed, message):
    from lossadvisor.cli.prompts import interpret

    with pytest.raises(UsageError) as caught:
        interpret(_question(rb, qid, **answers), typed)
    assert message in str(caught.value)


def test_a_start_is_not_read_for_integer_questions(rb):
    from lossadvisor.cli.prompts import interpret

    with pytest.raises(UsageError, match="expected an integer >= 1"):
        interpret(_question(rb, "outputs", task="regression"), "1.")


def test_a_whole_value_wins_over_a_start_and_over_a_number():
    # a custom rule base may have a value that starts another, or values that are digits
    from lossadvisor.cli.prompts import interpret

    q = Question(id="cache", prompt="Cache?", kind="choice", choices=(Choice("no"), Choice("none"), Choice("nofile")))
    assert interpret(q, "no") == "no"
    assert interpret(q, "non") == "none"
    with pytest.raises(UsageError, match="'n' starts more than one choice: no, none, nofile"):
        interpret(q, "n")
    digits = Question(id="bits", prompt="Bits?", kind="choice", choices=(Choice("2"), Choice("4"), Choice("8")))
    assert interpret(digits, "4") == "4"   # the value 4, not the fourth choice (there is none)
    assert interpret(digits, "2") == "2"   # the value 2, not the second choice
    assert interpret(digits, "3") == "8"   # no value 3: the third choice


# ---- what `?` prints


def _plain(markup: str) -> str:
    from rich.text import Text

    return Text.from_markup(markup).plain


def test_help_of_a_choice_question_lists_every_choice_with_its_help(rb):
    from lossadvisor.cli.prompts import help_text

    q = _question(rb, "task")
    text = _plain(help_text(q))
    assert text.splitlines()[0] == q.prompt
    for i, c in enumerate(q.choices, 1):
        assert any(line.startswith(f"  {i}. {c.value}") and line.endswith(c.help) for line in text.splitlines())
    assert text.splitlines()[-1] == "Answer with the number, the name or the start of a name (any case)."


def test_help_of_a_yes_no_question_says_y_or_n_and_the_default(rb):
    from lossadvisor.cli.prompts import help_text

    text = _plain(help_text(_question(rb, "outliers", task="regression")))
    assert text.splitlines()[-1] == ("Answer with the number, the name or the start of a name (any case): y or n; "
                                     "Enter takes the default, no.")


def test_help_of_an_integer_question_gives_the_valid_range(rb):
    from lossadvisor.cli.prompts import help_text

    text = _plain(help_text(_question(rb, "classes", task="multiclass")))
    assert text.splitlines() == ["How many classes (labels)?",
                                 "Answer with an integer >= 2; Enter takes the default, 10."]


# ---- which questions are asked


class _Keyboard(io.StringIO):
    """Lines typed at the prompts; counts the questions read from it."""

    def __init__(self, text):
        super().__init__(text)
        self.reads = 0

    def readline(self, *args):
        self.reads += 1
        return super().readline(*args)


@pytest.mark.parametrize("every_question, typed, reads, sources", [
    (False, "bin\n", 1, {"task": "prompt", "labels": "default", "imbalance": "default", "framework": "default"}),
    # Enter at a prompt takes the default there: an answer of the prompt
    (True, "bin\nplus\n\njax\n", 4, {"task": "prompt", "labels": "prompt", "imbalance": "prompt",
                                      "framework": "prompt"}),
])
def test_only_the_questions_without_a_default_are_asked_unless_every_one_is(rb, monkeypatch, every_question,
                                                                             typed, reads, sources):
    from lossadvisor.cli.prompts import make_asker
    from lossadvisor.engine import resolve_answers

    keyboard = _Keyboard(typed)
    monkeypatch.setattr(sys, "stdin", keyboard)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    answers, got = resolve_answers(rb, {}, ask=make_asker(every_question=every_question))
    assert keyboard.reads == reads
    assert got == sources
    assert answers["task"] == "binary"


# ---- prompts in a real pseudo-terminal

try:
    import pexpect
except ImportError:  # pragma: no cover - the test extra installs it
    pexpect = None
pty = pytest.mark.skipif(pexpect is None, reason="pexpect is not installed")


def spawn(*args):
    return pexpect.spawn(PYTHON, ["-m", "lossadvisor", "recommend", *args], env=python_env(NO_COLOR="1"),
                         encoding="utf-8", timeout=30, dimensions=(50, 140))


def _finish(child) -> dict:
    """Wait for the end and return the JSON the command printed after the prompts."""
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return json.loads(child.before[child.before.index("{"):])


@pty
def test_pty_names_in_any_case():
    child = spawn("--json", "--no-check")
    child.expect(r"task .*: ")
    child.sendline("Binary")
    child.expect(r"labels .*: ")
    child.sendline("ZERO_ONE")
    child.expect(r"imbalance .*: ")
    child.sendline("None")
    child.expect(r"framework .*: ")
    child.sendline("Keras")
    doc = _finish(child)
    assert doc["answers"] == {"task": "binary", "labels": "zero_one", "imbalance": "none", "framework": "keras"}
    assert set(doc["sources"].values()) == {"prompt"}


@pty
def test_pty_unique_start_and_ambiguous_start_asks_again():
    child = spawn("--json", "--no-check")
    child.expect(r"task .*: ")
    child.sendline("multi")
    child.expect(r"'multi' starts more than one choice: multiclass, multilabel; type more of it")
    child.expect(r"task .*: ")  # asked again
    child.sendline("multclass")
    # the list of tasks may wrap at the terminal's width
    child.expect(r"invalid value 'multclass' for task;[\s\S]*?did\s+you\s+mean\s+'multiclass'\?")
    child.expect(r"task .*: ")
    child.sendline("multic")
    child.expect(r"labels .*: ")
    child.sendline("int")
    child.expect(r"classes .*: ")
    child.sendline("")
    child.expect(r"imbalance .*: ")
    child.sendline("sev")
    child.expect(r"framework .*: ")
    child.sendline("py")
    doc = _finish(child)
    assert doc["answers"] == {"task": "multiclass", "labels": "integer", "classes": 10, "imbalance": "severe",
                              "framework": "pytorch"}


@pty
def test_pty_numbers_and_a_number_not_shown():
    child = spawn("--json", "--no-check")
    child.expect(r"task .*: ")
    child.sendline("99")
    child.expect(rf"99 is not one of the numbers shown; choose 1-{TASKS}")
    child.expect(r"task .*: ")
    child.sendline("4")
    child.expect(r"classes .*: ")
    child.sendline("3")
    child.expect(r"imbalance .*: ")
    child.sendline("2")
    child.expect(r"framework .*: ")
    child.sendline("3")
    doc = _finish(child)
    assert doc["answers"] == {"task": "multilabel", "classes": 3, "imbalance": "moderate", "framework": "jax"}


@pty
def test_pty_y_and_n_answer_a_yes_no_question():
    child = spawn("--json", "--no-check")
    child.expect(r"task .*: ")
    child.sendline("reg")
    child.expect(r"target .*: ")
    child.sendline("")
    child.expect(r"outliers \(y/n, \? for help, Enter for no\): ")
    child.sendline("Y")
    child.expect(r"uncertainty .*: ")
    child.sendline("")
    child.expect(r"outputs .*: ")
    child.sendline("")
    child.expect(r"framework .*: ")
    child.sendline("")
    doc = _finish(child)
    assert doc["answers"]["outliers"] == "yes" and doc["sources"]["outliers"] == "prompt"


@pty
def test_pty_question_mark_prints_the_help_and_asks_again():
    child = spawn("--json", "--no-check")
    child.expect(r"task .*: ")
    child.sendline("?")
    child.expect(r"What does the model predict\?")
    child.expect(r"2\. binary\s+one of two classes per example \(spam or not\)")
    child.expect(r"Answer with the number, the name or the start of a name \(any case\)\.")
    child.expect(r"task .*: ")
    child.sendline("multil")
    child.expect(r"classes .*: ")
    child.sendline("?")
    child.expect(r"Answer with an integer >= 2; Enter takes the default, 10\.")
    child.expect(r"classes .*: ")
    child.sendline("1")
    child.expect(r"invalid value '1' for classes.*expected an integer >= 2")
    child.expect(r"classes .*: ")
    child.sendline("4")
    child.expect(r"imbalance .*: ")
    child.sendline("")
    child.expect(r"framework .*: ")
    child.sendline("")
    doc = _finish(child)
    assert doc["answers"]["classes"] == 4


@pty
def test_pty_the_first_readme_command_asks_nothing():
    # every question but task has a default: given the task, nothing is left to ask
    child = spawn("--task", "binary", "--framework", "pytorch", "--no-check", "--json")
    doc = _finish(child)
    assert "?" not in child.before[:child.before.index("{")]  # no question was printed
    assert doc["rule"] == "binary-default"
    assert doc["sources"] == {"task": "flag", "labels": "default", "imbalance": "default", "framework": "flag"}


@pty
def test_pty_an_answer_given_leaves_only_the_task_to_ask():
    child = spawn("--framework", "keras", "--no-check", "--json")
    child.expect(r"What does the model predict\?")
    child.expect(r"task .*: ")
    child.sendline("multiclass")
    doc = _finish(child)
    assert "labels (" not in child.before and "classes (" not in child.before
    assert doc["sources"] == {"task": "prompt", "labels": "default", "classes": "default", "imbalance": "default",
                              "framework": "flag"}


@pty
def test_pty_ask_prompts_for_every_unanswered_question():
    child = spawn("--task", "binary", "--framework", "pytorch", "--no-check", "--json", "--ask")
    child.expect(r"labels .*: ")
    child.sendline("plus")
    child.expect(r"imbalance .*: ")
    child.sendline("")
    doc = _finish(child)
    assert "task (" not in child.before and "framework (" not in child.before
    assert doc["answers"]["labels"] == "plus_minus_one"
    assert doc["sources"] == {"task": "flag", "labels": "prompt", "imbalance": "prompt", "framework": "flag"}


@pty
def test_pty_ctrl_c_at_the_one_question_left_exits_130():
    child = spawn("--framework", "keras")
    child.expect(r"task .*: ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in child.before
    assert child.exitstatus == 130


# ---- --answers - (the answers document on stdin)


def test_answers_from_stdin_yaml(run_cli):
    code, out, err = run_cli("recommend", "--answers", "-", "--json", "--no-check",
                             input="task: multiclass\nlabels: one_hot\nclasses: 5\n")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["rule"] == "multiclass-one-hot"
    assert doc["answers"]["classes"] == 5 and doc["sources"]["classes"] == "file"


def test_answers_from_stdin_json_and_flags_win(run_cli):
    code, out, err = run_cli("recommend", "--answers", "-", "--framework", "jax", "--json", "--no-check",
                             input=json.dumps({"task": "binary", "framework": "keras"}))
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["answers"]["framework"], doc["sources"]["framework"]) == ("jax", "flag")
    assert doc["sources"]["task"] == "file"


def test_infer_json_on_stdin_is_read_as_data_answers(run_cli, tmp_path):
    f = tmp_path / "y.csv"
    f.write_text("label\n" + "\n".join(["0", "1"] * 20) + "\n")
    code, inferred, err = run_cli("infer", str(f), "--json")
    assert code == 0, err
    code, out, err = run_cli("recommend", "--answers", "-", "--no-input", "--json", "--no-check", input=inferred)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["answers"]["task"] == "binary" and doc["answers"]["labels"] == "zero_one"
    assert doc["sources"]["task"] == "data"


def test_a_stdin_answer_the_data_contradicts_is_named_as_from_stdin(run_cli, tmp_path):
    f = tmp_path / "y.csv"
    f.write_text("label\n" + "\n".join(["0", "1"] * 20) + "\n")
    code, out, err = run_cli("recommend", "--answers", "-", "--from-data", str(f), "--json", "--no-check",
                             input="task: binary\nlabels: plus_minus_one\n")
    assert code == 0, err
    warning = json.loads(out)["data"]["warnings"][0]
    assert warning.startswith("labels: plus_minus_one in <stdin>, but the data says labels=zero_one")


@pytest.mark.parametrize("stdin, message", [
    ("", "Error: <stdin>: standard input is empty; pipe the answers in, or give a file"),
    ("  \n\n", "Error: <stdin>: standard input is empty; pipe the answers in, or give a file"),
    ("task: [binary\n", "Error: <stdin>:2: invalid YAML: "),
    # not JSON: read as YAML, which fails too, or reads an empty answer
    ('{"task": "binary"', "Error: <stdin>:2: invalid YAML: "),  # the end of the text, where the } is missing
    ('{"task": }', "Error: <stdin>: the answer for 'task' must be a single value, got None"),
    ("- binary\n", "Error: <stdin>: expected a mapping of question id to answer, got list"),
    ("task: {a: 1}\n", "Error: <stdin>: the answer for 'task' must be a single value"),
    ("task: binray\n", "Error: invalid value 'binray' for task"),
])
def test_bad_answers_on_stdin_are_one_line_and_exit_2(run_cli, stdin, message):
    code, out, err = run_cli("recommend", "--answers", "-", "--no-input", "--json", input=stdin)
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1, err


def test_answers_on_stdin_stop_at_the_size_cap(run_cli, monkeypatch):
    from lossadvisor import textutil

    monkeypatch.setattr(textutil, "MAX_DOCUMENT_BYTES", 16)
    code, out, err = run_cli("recommend", "--answers", "-", "--json", input="task: binary\nframework: keras\n")
    assert code == 2
    assert err == ("Error: <stdin>: stopped reading at 16 bytes, the size limit for an answers file; "
                   "is this a device or an endless stream?\n")


@pytest.mark.parametrize("args, message", [
    (["--answers", "-", "--from-data", "-"], "--answers - and --from-data - cannot both read stdin"),
    (["--ask", "--no-input", "--task", "binary"], "--ask and --no-input contradict each other"),
    (["--ask", "--answers", "-"], "--ask prompts on stdin, which --answers - or --from-data - reads"),
    (["--ask", "--from-data", "-"], "--ask prompts on stdin, which --answers - or --from-data - reads"),
])
def test_one_stdin_usage_errors(run_cli, args, message):
    code, out, err = run_cli("recommend", *args, input="task: binary\n")
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_closed_stdin_is_one_line():
    proc = subprocess.run(["sh", "-c", f'exec "{PYTHON}" -m lossadvisor recommend --answers - <&-'],
                          capture_output=True, text=True, env=python_env(), timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == "Error: <stdin>: standard input is closed; pipe the answers in, or give a file\n"


@pytest.mark.skipif(not LOSSADVISOR.exists(), reason="the lossadvisor command is not installed beside this Python")
def test_infer_piped_into_recommend_through_the_installed_command(tmp_path):
    f = tmp_path / "targets.csv"
    f.write_text("label\n" + "\n".join(["0", "1", "2"] * 20) + "\n")
    env = python_env(NO_COLOR="1")
    infer = subprocess.Popen([str(LOSSADVISOR), "infer", str(f), "--json"], stdout=subprocess.PIPE, env=env)
    recommend = subprocess.run([str(LOSSADVISOR), "recommend", "--answers", "-", "--no-input", "--json",
                                "--no-check"], stdin=infer.stdout, capture_output=True, text=True, env=env,
                               timeout=60)
    infer.stdout.close()
    assert infer.wait(timeout=60) == 0
    assert recommend.returncode == 0, recommend.stderr
    doc = json.loads(recommend.stdout)
    assert doc["answers"]["task"] == "multiclass" and doc["answers"]["labels"] == "integer"
    assert doc["answers"]["classes"] == 3 and doc["sources"]["classes"] == "data"
    assert doc["loss"]["id"] == "sparse_categorical_crossentropy"
