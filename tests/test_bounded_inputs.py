"""Inputs that never end, and odd files (issue 9).

Spec, answers and rule files, and data from pipes, FIFOs and devices, are read through a size cap
and end with a one-line InputError (exit 2) naming it; data from a regular file has no cap. Files
whose size the OS reports as 0 (``/proc/...``) are read, not called empty.

The in-process tests shrink the caps (``textutil.MAX_DOCUMENT_BYTES``, ``limits.*``) and feed
FIFOs from a thread that writes until the reader hangs up, so they are fast; the subprocess tests
run the real CLI on /dev/urandom and /dev/zero with the real caps, under a timeout, so that a
regression fails instead of hanging the suite.
"""

from __future__ import annotations

import io
import os
import subprocess
import threading
import types
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT, python_env

from lossadvisor import textutil
from lossadvisor.answers import read_answers_file
from lossadvisor.datareaders import limits, open_target
from lossadvisor.errors import InputError, RuleBaseError
from lossadvisor.lint.inputs import read_input
from lossadvisor.rulebase import read_yaml

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this OS")


class Endless(io.RawIOBase):
    """A stream that repeats ``pattern`` forever and counts the bytes it handed out."""

    def __init__(self, pattern: bytes):
        self.pattern = pattern
        self.served = 0

    def readable(self):
        return True

    def readinto(self, b):
        start = self.served % len(self.pattern)
        reps = (start + len(b)) // len(self.pattern) + 1
        data = (self.pattern * reps)[start: start + len(b)]
        b[: len(data)] = data
        self.served += len(data)
        return len(data)


class FifoWriter:
    """A FIFO at ``path`` fed from a thread: ``prefix``, then ``pattern`` forever (``yes`` in a
    test), or ``pattern`` once when ``once``, or nothing (closed empty) when ``pattern`` is empty."""

    def __init__(self, path: Path, pattern: bytes, *, once: bool = False, prefix: bytes = b""):
        self.path = path
        os.mkfifo(path)
        self.thread = threading.Thread(target=self._write, args=(pattern, once, prefix), daemon=True)
        self.thread.start()

    def _write(self, pattern, once, prefix):
        try:
            with open(self.path, "wb") as fh:
                fh.write(prefix)
                if once or not pattern:
                    fh.write(pattern)
                    return
                piece = pattern * (65536 // len(pattern) + 1)
                while True:
                    fh.write(piece)
        except (BrokenPipeError, ValueError):
            pass  # the reader hung up: what ends an endless writer

    def stop(self):
        # a reader that never opened the FIFO leaves the writer blocked in open(): open and
        # close the read end so that it gets EPIPE
        if self.thread.is_alive():
            try:
                os.close(os.open(self.path, os.O_RDONLY | os.O_NONBLOCK))
            except OSError:
                pass
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the FIFO writer did not end"


def finishes(call, timeout=30):
    """``call()`` in a thread: its value or its exception, or a test failure after ``timeout``
    seconds, so that a reader blocked on a FIFO fails instead of hanging the suite."""
    box = {}

    def run():
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"still reading after {timeout} s: a hang")
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.fixture
def fifo(tmp_path):
    writers = []

    def make(name: str, pattern: bytes, *, once: bool = False, prefix: bytes = b"") -> str:
        writers.append(FifoWriter(tmp_path / name, pattern, once=once, prefix=prefix))
        return str(tmp_path / name)

    yield make
    for w in writers:
        w.stop()


@pytest.fixture
def small_caps(monkeypatch):
    """Caps small enough to reach in milliseconds."""
    monkeypatch.setattr(textutil, "MAX_DOCUMENT_BYTES", 4096)
    monkeypatch.setattr(limits, "MAX_STREAM_BYTES", 48 << 10)
    monkeypatch.setattr(limits, "MAX_JSON_ARRAY_BYTES", 20 << 10)
    monkeypatch.setattr(limits, "MAX_LINE_BYTES", 10 << 10)
    monkeypatch.setattr(limits, "SNIFF_BYTES", 512)
    monkeypatch.setattr(limits, "CHUNK_BYTES", 1024)


# ------------------------------------------------------------------ the helpers


@pytest.mark.parametrize(("n", "text"), [
    (64 << 20, "64 MiB"), (4 << 30, "4 GiB"), (256 << 20, "256 MiB"), (1536, "1.5 KiB"),
    (97, "97 bytes"), (1, "1 byte"), (1000 << 20, "1000 MiB"), (1023 << 10, "1023 KiB"),
])
def test_sizes_in_messages(n, text):
    # by hand: 1536 = 1.5 * 1024
    assert textutil.fmt_bytes(n) == text


def test_read_at_most_reads_one_byte_past_the_cap_and_no_more():
    stream = Endless(b"abc")
    assert textutil.read_at_most(stream, 10_000) is None
    assert stream.served == 10_001


def test_read_at_most_returns_a_stream_that_fits():
    assert textutil.read_at_most(io.BytesIO(b"x" * 100), 100) == b"x" * 100


# ------------------------------------------------------- spec, answers and rule files


@needs_fifo
@pytest.mark.usefixtures("small_caps")
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_an_endless_spec_file_stops_at_the_cap(fifo, suffix):
    path = fifo("spec" + suffix, b"task: binary\n")
    with pytest.raises(InputError) as err:
        finishes(lambda: read_input(path))
    assert str(err.value) == (f"{path}: stopped reading at 4 KiB, the size limit for a spec file; "
                              "is this a device or an endless stream?")


@needs_fifo
def test_a_file_of_unknown_suffix_is_judged_from_four_bytes(fifo):
    # an unknown suffix: only a zip signature could make it a model; it was read whole (and hung)
    path = fifo("model.bin", b"\x00\x01\x02\x03")
    with pytest.raises(InputError, match="unknown kind of file"):
        finishes(lambda: read_input(path))


@needs_fifo
@pytest.mark.usefixtures("small_caps")
def test_a_file_without_suffix_is_read_as_a_spec_through_the_cap(fifo):
    # no suffix (a pipe such as <(...), a device): judged by its content since the lint stdin and
    # pipe fix, so an endless one stops at the spec cap instead of "unknown kind of file"
    path = fifo("model", b"\x00\x01\x02\x03")
    with pytest.raises(InputError) as err:
        finishes(lambda: read_input(path))
    assert str(err.value) == (f"{path}: stopped reading at 4 KiB, the size limit for a spec file; "
                              "is this a device or an endless stream?")


@needs_fifo
def test_a_keras_archive_from_a_fifo_needs_a_regular_file(fifo):
    # zipfile reopens and seeks the file: on a FIFO that blocked forever
    path = fifo("model.keras", b"PK\x03\x04" + b"\x00" * 100, once=True)
    with pytest.raises(InputError, match="a .keras archive needs random access, and this is a pipe or a device"):
        finishes(lambda: read_input(path))


@needs_fifo
def test_a_zip_signature_in_a_fifo_without_suffix_needs_a_regular_file(fifo):
    path = fifo("model", b"PK\x03\x04" + b"\x00" * 100, once=True)
    with pytest.raises(InputError, match="needs random access"):
        finishes(lambda: read_input(path))


def test_a_keras_folder_with_a_huge_config_stops_at_the_cap(tmp_path, small_caps):
    folder = tmp_path / "model.keras"
    folder.mkdir()
    (folder / "config.json").write_text('{"class_name": "Sequential", "config": {"name": "' + "x" * 5000 + '"}}')
    with pytest.raises(InputError, match=r"config.json: stopped reading at 4 KiB, the size limit for a Keras config"):
        read_input(str(folder))


@needs_fifo
@pytest.mark.usefixtures("small_caps")
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_an_endless_answers_file_stops_at_the_cap(fifo, suffix):
    path = fifo("answers" + suffix, b"task: binary\n")
    with pytest.raises(InputError, match=r"stopped reading at 4 KiB, the size limit for an answers file"):
        finishes(lambda: read_answers_file(path))


@needs_fifo
def test_an_answers_fifo_closed_empty_is_empty(fifo):
    path = fifo("answers.yaml", b"")
    with pytest.raises(InputError, match=r"answers.yaml: the answers file is empty$"):
        finishes(lambda: read_answers_file(path))


@needs_fifo
@pytest.mark.usefixtures("small_caps")
def test_an_endless_rule_file_stops_at_the_cap(fifo):
    path = fifo("rules.yaml", b"rules: []\n")
    with pytest.raises(RuleBaseError) as err:
        finishes(lambda: read_yaml(path))
    assert err.value.problems == [f"{path}: stopped reading at 4 KiB, the size limit for a rule file; "
                                  "is this a device or an endless stream?"]


def test_an_honest_spec_just_under_the_cap_is_read(tmp_path, small_caps):
    path = tmp_path / "spec.yaml"
    text = "task: binary\nactivation: sigmoid\nloss: binary_crossentropy\n"
    path.write_text(text + "#" * (4096 - len(text) - 1) + "\n")  # 4096 bytes: the cap itself
    assert read_input(str(path))[0].values["task"] == "binary"


# ------------------------------------------------------------------------- data


def _rows(source) -> int:
    return sum(block.n for block in source.blocks())


@pytest.mark.usefixtures("small_caps")
def test_endless_stdin_stops_at_the_stream_cap_having_read_one_byte_past_it(monkeypatch):
    endless = Endless(b"1\n")
    monkeypatch.setattr("sys.stdin", types.SimpleNamespace(buffer=endless))
    source = open_target("-")
    with pytest.raises(InputError) as err:
        finishes(lambda: _rows(source))
    assert str(err.value) == ("<stdin>: stopped reading at 48 KiB, the size limit for data from a pipe or a "
                              "device; save the data to a regular file, which is read with no limit")
    assert endless.served == limits.MAX_STREAM_BYTES + 1


@needs_fifo
@pytest.mark.usefixtures("small_caps")
def test_an_endless_fifo_of_honest_rows_stops_at_the_stream_cap(fifo):
    path = fifo("labels", b"0\n1\n")
    with pytest.raises(InputError, match=r"labels: stopped reading at 48 KiB, the size limit for data from a pipe"):
        finishes(lambda: _rows(open_target(path)))


@needs_fifo
@pytest.mark.usefixtures("small_caps")
@pytest.mark.parametrize(("name", "pattern"), [
    ("labels", b"a"),  # `yes | tr -d '\n'`: one endless line of text
    ("labels.csv", b"1,"),  # an endless first line that splits into fields: it hung
    ("records.jsonl", b'{"y": 1}'),  # JSON Lines with an endless first line
])
def test_an_endless_first_line_stops_at_the_line_limit(fifo, name, pattern):
    path = fifo(name, pattern)
    with pytest.raises(InputError, match=r"line 1 is longer than 10 KiB"):
        finishes(lambda: _rows(open_target(path)))


@needs_fifo
@pytest.mark.usefixtures("small_caps")
def test_an_endless_later_line_stops_at_the_line_limit(fifo):
    path = fifo("labels.csv", b"1", prefix=b"y\n1\n0\n")
    with pytest.raises(InputError, match=r"line 4 is longer than 10 KiB; is this a CSV file\?"):
        finishes(lambda: _rows(open_target(path)))


@needs_fifo
@pytest.mark.usefixtures("small_caps")
def test_an_endless_json_array_from_a_fifo_stops_at_the_array_cap(fifo):
    path = fifo("labels.json", b",1", prefix=b"[1")
    with pytest.raises(InputError, match=r"labels.json: stopped reading at 20 KiB, the size limit for a JSON "
                                         r"array from a pipe or a device \(it is parsed whole\); write JSON Lines"):
        finishes(lambda: open_target(path))


@needs_fifo
def test_a_json_array_from_a_fifo_that_ends_is_read(fifo, monkeypatch):
    # past its first block it failed with a TypeError (progress computed from a size the FIFO
    # does not have)
    monkeypatch.setattr(limits, "ROWS_PER_BLOCK", 2)
    path = fifo("labels.json", b"[0, 1, 1, 2]", once=True)
    assert finishes(lambda: _rows(open_target(path))) == 4


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
@pytest.mark.parametrize("name", ["y.npy", "y.npz", "y.parquet", "model.keras"])
def test_random_access_formats_on_a_device_are_refused_at_once(tmp_path, name):
    # np.load and zipfile seek to the end: /dev/zero has none
    path = tmp_path / name
    path.symlink_to("/dev/zero")
    read = read_input if name.endswith(".keras") else open_target
    with pytest.raises(InputError, match="needs random access, and this is a pipe or a device"):
        finishes(lambda: read(str(path)))


def test_a_regular_file_has_no_stream_cap(tmp_path, small_caps):
    path = tmp_path / "labels.csv"
    path.write_bytes(b"y\n" + b"0\n1\n" * 50_000)  # 200,002 bytes, four times the patched stream cap of 48 KiB
    assert _rows(open_target(str(path))) == 100_000


@needs_fifo
@pytest.mark.parametrize("name", ["labels", "labels.jsonl", "labels.json"])
def test_a_fifo_closed_empty_is_empty(fifo, name):
    path = fifo(name, b"")
    with pytest.raises(InputError) as err:
        finishes(lambda: open_target(path))
    assert str(err.value) == f"{path}: the input is empty (the pipe or device gave no data)"


def test_empty_stdin_is_empty(monkeypatch):
    monkeypatch.setattr("sys.stdin", types.SimpleNamespace(buffer=io.BytesIO(b"")))
    with pytest.raises(InputError) as err:
        finishes(lambda: open_target("-"))
    assert str(err.value) == "<stdin>: standard input is empty; pipe the data in, or give a file"


def test_an_empty_regular_file_is_still_empty(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"labels.csv: the file is empty$"):
        finishes(lambda: open_target(str(path)))


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="no /proc")
def test_a_proc_file_of_size_zero_is_read():
    # the OS says 0 bytes; "the file is empty" before. Compared with the file read by open()
    assert os.path.getsize("/proc/self/status") == 0
    with open("/proc/self/status", "rb") as fh:
        lines = [ln for ln in fh.read().split(b"\n") if ln.strip()]
    source = open_target("/proc/self/status", delimiter=":")
    assert source.total_bytes is None
    assert _rows(source) + (1 if source.details["header"] else 0) == len(lines)


# ---------------------------------------------------------------- through the CLI


def test_cli_stdin_past_the_stream_cap_is_exit_2(run_cli, small_caps):
    code, out, err = run_cli("infer", "-", input=b"y\n" + b"0\n1\n" * 20_000)
    assert code == 2 and out == ""
    assert err == ("Error: <stdin>: stopped reading at 48 KiB, the size limit for data from a pipe or a device; "
                   "save the data to a regular file, which is read with no limit\n")


@needs_fifo
def test_cli_lint_of_an_endless_spec_fifo_is_exit_2(run_cli, fifo, small_caps):
    path = fifo("spec.yaml", b"task: binary\n")
    code, out, err = finishes(lambda: run_cli("lint", path))
    assert code == 2 and out == ""
    assert err == f"Error: {path}: stopped reading at 4 KiB, the size limit for a spec file; " \
                  "is this a device or an endless stream?\n"


def _run(*args, timeout=60):
    """The real CLI in a subprocess: a hang fails the test at ``timeout`` instead of stalling the suite."""
    try:
        proc = subprocess.run([PYTHON, "-m", "lossadvisor", *args], capture_output=True, text=True,
                              env=python_env(), cwd=ROOT, stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"lossadvisor {' '.join(args)} did not end within {timeout} s")
    return proc.returncode, proc.stdout, proc.stderr


DEVICES = [d for d in ("/dev/urandom", "/dev/zero") if os.path.exists(d)]


@pytest.mark.skipif(not DEVICES, reason="no /dev/urandom nor /dev/zero")
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("command", "what"), [
    (["recommend", "--no-input", "--task", "binary", "--answers"], "an answers file"),
    (["lint"], "a spec file"),
    (["recommend", "--no-input", "--task", "binary", "--no-check", "--rules"], "a rule file"),
])
def test_real_devices_as_documents_end_with_the_cap(tmp_path, device, command, what):
    # a spec needs a .yaml suffix to be read whole: a symbolic link gives the device one
    spec = tmp_path / "spec.yaml"
    spec.symlink_to(device)
    path = str(spec) if command == ["lint"] else device
    code, out, err = _run(*command, path)
    assert code == 2 and out == ""
    assert err == (f"Error: {path}: stopped reading at 64 MiB, the size limit for {what}; "
                   "is this a device or an endless stream?\n")


@pytest.mark.skipif(not DEVICES, reason="no /dev/urandom nor /dev/zero")
@pytest.mark.parametrize("device", DEVICES)
def test_real_devices_without_suffix_end_with_the_spec_cap(device):
    # a file without suffix is judged by its content (lint reads specs from pipes and <(...)):
    # a device is read through the spec cap, no longer refused as "unknown kind of file"
    code, out, err = _run("lint", device)
    assert code == 2 and out == ""
    assert err == (f"Error: {device}: stopped reading at 64 MiB, the size limit for a spec file; "
                   "is this a device or an endless stream?\n")


@pytest.mark.skipif(not DEVICES, reason="no /dev/urandom nor /dev/zero")
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("command", [["infer"], ["recommend", "--no-input", "--from-data"]])
def test_real_devices_as_data_end_with_an_input_error(device, command):
    # both hold NUL bytes early (/dev/urandom: one in 256): binary data, not CSV
    code, out, err = _run(*command, device)
    assert code == 2 and out == ""
    assert err.startswith(f"Error: {device}: binary data, not CSV text (a NUL byte at offset ")
    assert err.count("\n") == 1 and "Traceback" not in err
