"""Text output in pipes and terminals: the width (COLUMNS), tables that stay readable when narrow,
no trailing spaces in a pipe, messages on stderr, and colour (NO_COLOR, FORCE_COLOR)."""

import io
import json
import re

import pytest

from conftest import PYTHON, python_env

SGR = re.compile(r"\x1b\[[0-9;]*m")
WIDTHS = (60, 80, 100, 120)


def text_at(run_cli, width, *args, **env):
    """stdout of the command at ``width`` columns (COLUMNS), in a pipe (CliRunner is no terminal)."""
    code, out, err = run_cli(*args, env={"COLUMNS": str(width), "NO_COLOR": None, "FORCE_COLOR": None, **env})
    assert code in (0, 1), err
    return out


def json_of(run_cli, *args):
    code, out, err = run_cli(*args, "--json")
    assert code in (0, 1), err
    return json.loads(out)


def assert_readable(out: str, ids, width: int, key: str):
    """Every id whole on a line of its own words, no line wider than the width, no column
    squeezed to nothing (two rules side by side) and nothing cropped (an ellipsis)."""
    lines = out.splitlines()
    for line in lines:
        assert len(line) <= width, f"{key} at {width}: {line!r} is {len(line)} wide"
        assert "││" not in line and "┃┃" not in line, f"{key} at {width}: an empty column in {line!r}"
        assert "…" not in line, f"{key} at {width}: cropped {line!r}"
    words = {w.strip("│┃,") for line in lines for w in line.split()}
    missing = [i for i in ids if i not in words]
    assert not missing, f"{key} at {width}: ids not shown whole: {missing}"


# ------------------------------------------------------------------ width


@pytest.mark.parametrize("width", WIDTHS)
def test_rules_list_is_readable_at_every_width(run_cli, width):
    ids = [r["id"] for r in json_of(run_cli, "rules", "list")["rules"]]
    out = text_at(run_cli, width, "rules", "list")
    assert_readable(out, ids, width, "rules list")
    # the losses each rule recommends are whole too (the longest, sparse_categorical_crossentropy,
    # is 31 characters: wider than a column of a 5-column table at 60)
    losses = {r["loss"] for r in json_of(run_cli, "rules", "list")["rules"]}
    assert_readable(out, losses, width, "rules list losses")


@pytest.mark.parametrize("width", WIDTHS)
def test_losses_is_readable_at_every_width(run_cli, width):
    catalog = json_of(run_cli, "losses")["losses"]
    out = text_at(run_cli, width, "losses")
    assert_readable(out, [e["id"] for e in catalog], width, "losses")
    assert_readable(out, {e["activation"] for e in catalog}, width, "losses activations")


@pytest.mark.parametrize("width", WIDTHS)
def test_lint_codes_are_readable_at_every_width(run_cli, width):
    codes = json_of(run_cli, "explain", "--all-codes")["codes"]
    out = text_at(run_cli, width, "explain", "--all-codes")
    assert_readable(out, [c["code"] for c in codes] + [c["name"] for c in codes], width, "explain --all-codes")


@pytest.mark.parametrize("width", WIDTHS)
def test_infer_is_readable_at_every_width(run_cli, width, tmp_path):
    data = tmp_path / "labels.csv"
    data.write_text("label\n" + "\n".join(["cat", "dog", "bird"] * 40) + "\n")
    payload = json_of(run_cli, "infer", str(data))
    out = text_at(run_cli, width, "infer", str(data))
    # the last line is the command to copy: never broken, so it may be wider than the screen
    body = "\n".join(line for line in out.splitlines() if not line.startswith("Next"))
    assert_readable(body, [str(v) for v in payload["answers"].values()], width, "infer")
    assert "lossadvisor recommend --task multiclass" in out.splitlines()[-1]


@pytest.mark.parametrize("width", (60, 80))
def test_explain_folds_long_names_instead_of_cropping(run_cli, width):
    out = text_at(run_cli, width, "explain", "binary_crossentropy")
    assert "…" not in out
    joined = "".join(line.strip() for line in out.splitlines())
    # the Keras name of the loss, from rules/losses.yaml, is all there even when folded
    assert "keras.losses.BinaryCrossentropy(from_logits=True)" in joined
    assert max(len(line) for line in out.splitlines()) <= width


def test_lint_code_examples_are_never_cropped_nor_wrapped(run_cli):
    explanation = json_of(run_cli, "explain", "LA101")["explanation"]
    out = text_at(run_cli, 40, "explain", "LA101")
    for heading in ("Example", "Use instead"):
        for code_line in explanation[heading].rstrip("\n").splitlines():
            assert "  " + code_line in out.splitlines(), code_line  # whole, on one line, indented


CODE = ("import torch\n\n"
        "loss = torch.nn.CrossEntropyLoss(weight=class_weights, label_smoothing=0.1, reduction='mean')\n"
        "    # indented comment\n")


@pytest.mark.parametrize("indent", [0, 2, 4])
@pytest.mark.parametrize("color", [False, True])
def test_print_code_neither_wraps_nor_crops_at_a_narrow_width(indent, color):
    """The one printer of code (lint's examples, recommend's program): every line whole under the
    indent, at 30 columns, with or without colour; one newline at the end."""
    from rich.console import Console

    from lossadvisor.render.console import print_code

    buffer = io.StringIO()
    console = Console(file=buffer, width=30, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None)
    print_code(console, CODE + "\n\n", indent)   # trailing blank lines are dropped
    out = SGR.sub("", buffer.getvalue())
    # expected: the code's own lines (written out above), each led by the indent
    assert out == "".join(" " * indent + line + "\n" if line else "\n" for line in CODE.splitlines())


def test_lint_and_recommend_share_the_code_printer():
    from lossadvisor.render import console, lint, recommend

    assert not hasattr(lint, "_print_code") and not hasattr(recommend, "print_code")
    assert callable(console.print_code)


def test_recommend_program_is_never_cropped_at_60_columns(run_cli):
    program = json_of(run_cli, "recommend", "--task", "multiclass", "--framework", "pytorch", "--no-input",
                      "--no-check")["framework"]["code"]
    out = text_at(run_cli, 60, "recommend", "--task", "multiclass", "--framework", "pytorch", "--no-input",
                  "--no-check", "--code")
    assert max(len(line) for line in program.splitlines()) > 60   # the test means something
    lines = out.splitlines()
    for code_line in program.splitlines():
        assert code_line.rstrip() in lines, code_line


def test_columns_wins_in_a_pipe_and_the_pipe_default_is_100(run_cli):
    wide = text_at(run_cli, 140, "losses")
    assert max(len(line) for line in wide.splitlines()) > 100  # the likelihoods no longer wrap
    code, default, _ = run_cli("losses", env={"COLUMNS": None})
    widths = [len(line) for line in default.splitlines()]
    assert 80 < max(widths) <= 100  # the table is drawn to the pipe width, 100


def test_output_width_rules(monkeypatch):
    from lossadvisor.render.console import PIPE_WIDTH, output_width

    class Stream:
        def __init__(self, tty):
            self.tty = tty

        def isatty(self):
            return self.tty

    monkeypatch.delenv("COLUMNS", raising=False)
    assert output_width(Stream(False)) == PIPE_WIDTH == 100
    assert output_width(Stream(True)) is None  # the terminal's own width
    monkeypatch.setenv("COLUMNS", "72")
    assert output_width(Stream(False)) == 72
    assert output_width(Stream(True)) == 72
    for junk in ("", "0", "wide", "-5"):
        monkeypatch.setenv("COLUMNS", junk)
        assert output_width(Stream(False)) == 100


# ------------------------------------------------------------------ trailing spaces


def test_strip_line_ends():
    from lossadvisor.render.console import strip_line_ends

    assert strip_line_ends("a  \nb\t \n") == "a\nb\t\n"  # a tab is content, the space after it is not
    assert strip_line_ends("   \n") == "\n"
    # colour codes among the trailing spaces stay: the style still ends
    assert strip_line_ends("\x1b[1mname  \x1b[0m  \x1b[2m \x1b[0m\n") == "\x1b[1mname\x1b[0m\x1b[2m\x1b[0m\n"
    # a line not ended (a prompt waiting for its answer) keeps its space
    assert strip_line_ends("task (1-4): ") == "task (1-4): "
    assert strip_line_ends("x \ny ") == "x\ny "


def test_line_end_stripper_is_the_stream_for_everything_else():
    from lossadvisor.render.console import LineEndStripper

    buffer = io.StringIO()
    out = LineEndStripper(buffer)
    assert out.write("ab  \n") == 5
    out.flush()
    assert buffer.getvalue() == "ab\n"
    assert out.isatty() is False


def _commands(tmp_path):
    data = tmp_path / "labels.csv"
    data.write_text("label\n" + "\n".join(["0", "1", "1"] * 30) + "\n")
    overlay = tmp_path / "never.yaml"
    overlay.write_text("rules:\n  - id: never\n    match: {task: regression, target: count, outliers: yes}\n"
                       "    output: {units: outputs, activation: linear}\n    loss: {id: huber}\n"
                       "    why: shadowed\n")
    return [
        ("recommend", "--task", "binary", "--framework", "pytorch"),
        ("recommend", "--task", "multiclass", "--labels", "integer", "--classes", "10", "--framework", "keras",
         "--no-check", "--verbose"),
        ("recommend", "--task", "regression", "--target", "count", "--framework", "jax", "--no-check", "--code"),
        ("recommend", "--task", "regression", "--framework", "jax", "--no-check", "--emit-code"),
        ("check", "hinge", "huber", "--framework", "none"),
        ("check", "hinge", "--framework", "none", "--verbose"),
        ("infer", str(data)),
        ("lint", "--activation", "softmax", "--loss", "nn.CrossEntropyLoss"),
        ("lint", "--task", "binary", "--activation", "sigmoid", "--loss", "nn.BCELoss"),
        ("lint", "--activation", "softmax", "--loss", "nn.CrossEntropyLoss", "--format", "github"),
        ("explain", "huber"),
        ("explain", "multiclass-integer"),
        ("explain", "LA101"),
        ("explain", "--all-codes"),
        ("losses",),
        ("rules", "list"),
        ("rules", "validate"),
        ("rules", "validate", str(overlay)),
        ("--help",),
        ("recommend", "--help"),
        ("check", "--help"),
        ("lint", "--help"),
        ("infer", "--help"),
        ("explain", "--help"),
        ("rules", "list", "--help"),
    ]


@pytest.mark.parametrize("width", (60, 100))
@pytest.mark.parametrize("color", ("", "1"))
def test_no_command_ends_a_line_with_a_space_in_a_pipe(run_cli, tmp_path, width, color):
    for args in _commands(tmp_path):
        code, out, err = run_cli(*args, env={"COLUMNS": str(width), "FORCE_COLOR": color, "NO_COLOR": None})
        assert code in (0, 1), (args, err)
        assert out.strip(), args
        plain = SGR.sub("", out)
        if color and args[-1] not in ("--help", "--emit-code", "github"):
            assert SGR.search(out), (args, "FORCE_COLOR=1 colours a pipe")
        spaced = [line for line in plain.splitlines() if line.endswith((" ", "\t"))]
        assert not spaced, (args, spaced[:3])


# ------------------------------------------------------------------ stderr for messages


def test_plot_message_goes_to_stderr(tmp_path):
    pytest.importorskip("matplotlib")
    import subprocess

    picture = tmp_path / "bce.png"
    for fmt in ((), ("--json",)):
        got = subprocess.run([PYTHON, "-m", "lossadvisor", "explain", "binary_crossentropy", "--plot", str(picture),
                              *fmt], capture_output=True, text=True, env=python_env(), timeout=120)
        assert got.returncode == 0, got.stderr
        assert got.stderr == f"Wrote {picture}\n"
        assert "Wrote" not in got.stdout
        assert picture.stat().st_size > 0
        if fmt:
            assert json.loads(got.stdout)["plot"]["path"] == str(picture)  # stdout is the JSON alone


# ------------------------------------------------------------------ colour


class _Stream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


@pytest.mark.parametrize("no_color, force_color, tty, expected", [
    (None, None, True, True),
    (None, None, False, False),
    ("1", None, True, False),
    (None, "1", False, True),
    ("1", "1", False, False),     # NO_COLOR wins
    ("1", "1", True, False),
    ("", None, True, True),       # an empty value is not set (no-color.org)
    (None, "", False, False),     # nor for FORCE_COLOR (force-color.org)
    (None, "0", False, True),     # any non-empty value forces
])
def test_color_enabled(monkeypatch, no_color, force_color, tty, expected):
    from lossadvisor.render.console import color_enabled

    for name, value in (("NO_COLOR", no_color), ("FORCE_COLOR", force_color)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert color_enabled(_Stream(tty)) is expected


@pytest.mark.parametrize("stderr", (False, True))
def test_forced_colour_reaches_a_pipe_on_stdout_and_stderr(monkeypatch, stderr):
    from lossadvisor.render import console as console_module

    stream = _Stream(False)
    monkeypatch.setattr(console_module.sys, "stderr" if stderr else "stdout", stream)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    console = console_module.make_console(stderr=stderr)
    console.print("[red]red[/red] text   ")
    assert stream.getvalue() == "\x1b[31mred\x1b[0m text\n"
    monkeypatch.setenv("NO_COLOR", "1")
    stream.seek(0)
    stream.truncate()
    console_module.make_console(stderr=stderr).print("[red]red[/red] text")
    assert stream.getvalue() == "red text\n"


def test_colour_in_a_terminal_and_none_with_no_color():
    pexpect = pytest.importorskip("pexpect")

    def run(**env):
        environ = python_env(**env)
        environ.pop("COLUMNS", None)
        child = pexpect.spawn(PYTHON, ["-m", "lossadvisor", "explain", "huber"], env=environ,
                              encoding="utf-8", timeout=60, dimensions=(50, 70))
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
        return child.before

    coloured = run(TERM="xterm-256color")
    assert SGR.search(coloured)
    # the terminal's own width (70) when COLUMNS is not set
    assert max(len(SGR.sub("", line)) for line in coloured.splitlines()) <= 70
    plain = run(TERM="xterm-256color", NO_COLOR="1", FORCE_COLOR="1")
    assert not SGR.search(plain)
    assert "huber" in plain


# ------------------------------------------------------------------ standard input


class _Stdin:
    """A stand-in for sys.stdin whose ``buffer`` holds ``data``."""

    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)


def test_read_stdin_is_the_one_reader_of_answers_and_specs(monkeypatch):
    import lossadvisor.answers
    import lossadvisor.lint.inputs
    from lossadvisor import textutil
    from lossadvisor.errors import InputError
    from lossadvisor.lint.inputs import read_input

    # closed (`<&-`): each caller says what to pipe in
    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(InputError) as err:
        lossadvisor.answers.read_answers_file("-")
    assert str(err.value) == "<stdin>: standard input is closed; pipe the answers in, or give a file"
    with pytest.raises(InputError) as err:
        read_input("-")
    assert str(err.value) == "<stdin>: standard input is closed; pipe a spec in, or give a file"
    # past the cap (4 KiB here): each caller names its kind of file
    monkeypatch.setattr(textutil, "MAX_DOCUMENT_BYTES", 4096)
    cap = "stopped reading at 4 KiB, the size limit for {}; is this a device or an endless stream?"
    monkeypatch.setattr("sys.stdin", _Stdin(b"task: binary\n" + b"#" * 5000))
    with pytest.raises(InputError) as err:
        lossadvisor.answers.read_answers_file("-")
    assert str(err.value) == "<stdin>: " + cap.format("an answers file")
    monkeypatch.setattr("sys.stdin", _Stdin(b"task: binary\n" + b"#" * 5000))
    with pytest.raises(InputError) as err:
        read_input("-")
    assert str(err.value) == "<stdin>: " + cap.format("a spec file")
    # exactly the cap is read whole
    monkeypatch.setattr("sys.stdin", _Stdin(b"x" * 4096))
    assert textutil.read_stdin("it", "a file") == b"x" * 4096
    # a .keras archive (a zip) longer than the cap is refused for what it is, not for its size
    monkeypatch.setattr("sys.stdin", _Stdin(b"PK\x03\x04" + b"\x00" * 10_000))
    with pytest.raises(InputError, match="<stdin>: a .keras archive needs random access"):
        read_input("-")
    # neither module keeps a reader of its own
    assert not hasattr(lossadvisor.lint.inputs, "sys")


def test_read_stdin_turns_an_os_error_into_one_line(monkeypatch):
    from lossadvisor.errors import InputError
    from lossadvisor.textutil import read_stdin

    class Broken:
        def read(self, n):
            raise OSError(5, "Input/output error")

    class Stdin:
        buffer = Broken()

    monkeypatch.setattr("sys.stdin", Stdin())
    with pytest.raises(InputError) as err:
        read_stdin("a spec", "a spec file", refuse=(b"PK\x03\x04", InputError("unused")))
    assert str(err.value) == "<stdin>: cannot read: Input/output error"
