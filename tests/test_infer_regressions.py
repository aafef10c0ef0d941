"""Regressions found by the adversarial review of `lossadvisor infer` (datareaders, infer, render).

Each test names the bug it pins. Expected framings come from how each file is built (known by
construction: pandas' and numpy's own writers, a one-hot matrix written by hand), never from
the output of the code under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import warnings
import zipfile

import numpy as np
import pytest
from conftest import PYTHON, ROOT, python_env

from lossadvisor.errors import InputError
from lossadvisor.infer import infer_array, infer_framing


def _onehot(n, k, seed=0):
    rng = np.random.default_rng(seed)
    return np.eye(k)[rng.integers(0, k, n)]


# ---------------------------------------------------------------- header detection


def test_pandas_default_column_names_are_a_header(tmp_path):
    # pd.DataFrame(onehot).to_csv(index=False) writes the header "0,1,2" above float rows
    # "0.0,0.0,1.0"; read as data, the row [0, 1, 2] turned a one-hot matrix into regression
    y = _onehot(200, 3)
    lines = ["0,1,2"] + [",".join(f"{v:.1f}" for v in row) for row in y]
    path = tmp_path / "onehot.csv"
    path.write_text("\n".join(lines) + "\n")
    out = infer_framing(str(path), columns=["0:3"])
    # by construction: 200 rows, each with exactly one 1 in 3 columns
    assert out["rows"] == 200
    assert out["answers"]["task"] == "multiclass" and out["answers"]["labels"] == "one_hot"
    assert out["answers"]["classes"] == 3
    assert out["source"]["header"] is True


def test_pandas_index_header_is_a_header(tmp_path):
    # DataFrame.to_csv() with its index: the header starts with an empty field (",0,1,2")
    y = _onehot(50, 3, seed=1)
    lines = [",0,1,2"] + [f"{i}," + ",".join(f"{v:.1f}" for v in row) for i, row in enumerate(y)]
    path = tmp_path / "onehot_index.csv"
    path.write_text("\n".join(lines) + "\n")
    out = infer_framing(str(path), columns=["1:4"])
    assert out["rows"] == 50 and out["source"]["header"] is True
    assert out["answers"]["labels"] == "one_hot"


def test_integer_one_hot_under_pandas_names_is_a_header(tmp_path):
    # integer one-hot (dtype int): a 0/1 column named "2" cannot hold the value 2
    y = _onehot(60, 4, seed=2).astype(int)
    lines = ["0,1,2,3"] + [",".join(str(v) for v in row) for row in y]
    path = tmp_path / "onehot_int.csv"
    path.write_text("\n".join(lines) + "\n")
    out = infer_framing(str(path), columns=["0:4"])
    assert out["rows"] == 60 and out["answers"]["labels"] == "one_hot" and out["answers"]["classes"] == 4


def test_a_numeric_header_over_a_text_column_is_a_header(tmp_path):
    # pd.Series(labels).to_csv(index=False) writes the header "0" above the string labels;
    # read as data, "0" became a fourth class mixed into the text
    path = tmp_path / "series.csv"
    path.write_text("0\n" + "\n".join(["cat", "dog", "bird"] * 10) + "\n")
    out = infer_framing(str(path))
    assert out["rows"] == 30
    assert out["answers"] == {"task": "multiclass", "labels": "integer", "classes": 3, "imbalance": "none"}
    assert not any("mixes numbers and text" in w for w in out["warnings"])


def test_a_data_row_of_numbers_is_not_taken_for_a_header(tmp_path):
    # the first row "0,1,2" of a file with no header stays data when nothing contradicts it
    path = tmp_path / "noheader.csv"
    path.write_text("0,1,2\n3,4,5\n6,7,8\n")
    out = infer_framing(str(path), columns=["0:3"])
    assert out["rows"] == 3 and out["source"]["header"] is False


def test_blank_lines_above_the_header_are_skipped(tmp_path):
    # the header detection skipped the blank lines but the byte offset did not: the header
    # "y" was read as a label
    path = tmp_path / "lead.csv"
    path.write_text("\n\n\ny\n0\n1\n1\n")
    out = infer_framing(str(path))
    assert out["rows"] == 3 and out["missing"] == 0
    assert out["answers"]["task"] == "binary" and out["answers"]["labels"] == "zero_one"


# ---------------------------------------------------------------- delimiters


def test_space_separated_numbers_from_numpy_savetxt(tmp_path):
    # numpy.savetxt's default delimiter is a single space; the file was read as one column of
    # texts such as "0.000000000000000000e+00 1.000000000000000000e+00 ..."
    path = tmp_path / "y.txt"
    np.savetxt(path, _onehot(100, 3, seed=3))
    out = infer_framing(str(path), columns=["0:3"])
    assert out["source"]["delimiter"] == " "
    assert out["rows"] == 100 and out["answers"]["labels"] == "one_hot" and out["answers"]["classes"] == 3


def test_labels_with_spaces_stay_one_column(tmp_path):
    path = tmp_path / "cities.csv"
    path.write_text("city\n" + "\n".join(["New York", "Los Angeles", "San Jose"] * 5) + "\n")
    out = infer_framing(str(path))
    assert out["source"]["columns"] == ["city"]
    assert out["answers"]["classes"] == 3


# ---------------------------------------------------------------- streams and devices


def test_a_fifo_is_read_like_a_pipe(tmp_path):
    # `lossadvisor infer <(cut -f3 train.csv)` gives a FIFO: it has no size and cannot seek,
    # and the reader failed with "File or stream is not seekable"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "w") as fh:
            fh.write("y\n0\n1\n1\n")

    t = threading.Thread(target=writer)
    t.start()
    try:
        out = infer_framing(str(fifo))
    finally:
        t.join(timeout=10)
    assert out["rows"] == 3 and out["answers"]["task"] == "binary"


def test_a_fifo_holding_npy_says_it_needs_a_regular_file(tmp_path):
    fifo = tmp_path / "y.npy"
    os.mkfifo(fifo)
    buf = __import__("io").BytesIO()
    np.save(buf, np.arange(3))

    def writer():
        try:
            with open(fifo, "wb") as fh:
                fh.write(buf.getvalue())
        except BrokenPipeError:
            pass

    t = threading.Thread(target=writer)
    t.start()
    try:
        with pytest.raises(InputError, match="needs random access"):
            infer_framing(str(fifo))
    finally:
        t.join(timeout=10)


def test_dev_zero_is_binary_data_at_once():
    # /dev/zero has size 0 and never ends: it was "empty"; as a stream the sniffing must stop
    # at the first NUL instead of reading 64 MiB
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with pytest.raises(InputError, match="binary data"):
        infer_framing("/dev/zero")


def test_closed_stdin_is_an_input_error():
    # `lossadvisor infer - <&-`: sys.stdin is None; it was an internal error (AttributeError)
    r = subprocess.run(check=False, args=[PYTHON, "-m", "lossadvisor", "infer", "-"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, env=python_env(), cwd=ROOT,
                       preexec_fn=lambda: os.close(0))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("Error: <stdin>: standard input is closed") and r.stderr.count("\n") == 1


def test_json_lines_without_an_extension_are_recognised(tmp_path):
    path = tmp_path / "records"
    path.write_text('{"label": 1}\n{"label": 0}\n{"label": 1}\n')
    out = infer_framing(str(path))
    assert out["source"]["format"] == "jsonl" and out["answers"]["task"] == "binary"


# ---------------------------------------------------------------- JSON edge cases


def test_a_deeply_nested_json_array_is_an_input_error(tmp_path):
    # json.loads raised RecursionError: exit 70 "internal error"
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="too deeply nested"):
        infer_framing(str(path))


def test_a_json_integer_beyond_the_float_range_is_infinite_and_left_out(tmp_path):
    # float(10**400) raises OverflowError: exit 70; such a value is infinite, reported and left out
    path = tmp_path / "big.jsonl"
    path.write_text('{"label": 1' + "0" * 400 + '}\n{"label": 0}\n{"label": 1}\n{"label": 1}\n')
    out = infer_framing(str(path))
    assert out["infinite"] == 1 and out["rows"] == 4
    assert out["answers"]["task"] == "binary"


# ---------------------------------------------------------------- numbers near the float limit


def test_values_near_the_float_limit_give_no_runtime_warning_and_short_evidence(tmp_path):
    # the sums overflowed with numpy RuntimeWarnings on stderr, and the evidence printed
    # int(1e308): a 309-digit number
    path = tmp_path / "huge.csv"
    path.write_text("y\n1e308\n1e308\n-1e308\n5\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = infer_framing(str(path))
    assert out["answers"]["task"] == "regression"
    assert max(len(t) for t in out["evidence"].values()) < 300
    r = subprocess.run(check=False, args=[PYTHON, "-m", "lossadvisor", "infer", str(path), "--json"], capture_output=True,
                       text=True, env=python_env(), cwd=ROOT)
    assert r.returncode == 0 and r.stderr == ""
    json.loads(r.stdout)


def test_equal_class_counts_do_not_name_one_class_as_both_rarest_and_most_common():
    # three classes of 4 rows each: there is no rarest class; the evidence said
    # "rarest class 0: 4 rows, most common 0: 4 rows"
    out = infer_array(np.repeat([0, 1, 2], 4))
    assert out["answers"]["imbalance"] == "none"
    ev = out["evidence"]["imbalance"]
    assert "every class has 4 rows" in ev and "rarest" not in ev


# ---------------------------------------------------------------- text rendering


def test_next_command_is_never_wrapped(tmp_path):
    # 1,000 probability columns: "Next  lossadvisor recommend --task multiclass --labels probabilities
    # --classes 1000 --imbalance ..." is longer than the 100 columns used when piped, and rich
    # broke it over two lines, so a copy-paste ran a truncated command
    # the probability mass of 970 classes is ~0 (column sums << 1/100 of the largest): severe
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.r_[np.ones(30), np.full(970, 0.001)], 200)
    path = tmp_path / "probs.npy"
    np.save(path, p)
    r = subprocess.run(check=False, args=[PYTHON, "-m", "lossadvisor", "infer", str(path)], capture_output=True, text=True,
                       env=python_env(), cwd=ROOT)
    assert r.returncode == 0, r.stderr
    last = r.stdout.rstrip("\n").splitlines()[-1]
    assert last.startswith("Next  lossadvisor recommend --task multiclass --labels probabilities --classes 1000 "
                           "--imbalance ")
    assert last.endswith("--imbalance severe") and len(last) > 100


def test_npz_member_is_still_read_after_the_stream_changes(tmp_path):
    # .npz needs seeking: a regular file keeps working after the non-regular-file path was added
    path = tmp_path / "d.npz"
    np.savez(path, y=np.array([0, 1, 1, 0]))
    assert zipfile.is_zipfile(path)
    out = infer_framing(str(path))
    assert out["rows"] == 4 and out["answers"]["task"] == "binary"



def test_control_characters_in_a_header_are_escaped_in_text_output(tmp_path):
    # a CSV header "\x1b[2Jevil" (clear screen) reached the terminal raw in the first line
    path = tmp_path / "evil.csv"
    path.write_bytes(b"\x1b[2Jevil,y\n1,0\n2,1\n3,1\n")
    r = subprocess.run(check=False, args=[PYTHON, "-m", "lossadvisor", "infer", str(path), "--column", "0"], capture_output=True,
                       text=True, env=python_env(), cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "'\\x1b[2Jevil'" in r.stdout


if sys.platform == "win32":  # pragma: no cover - FIFOs and /dev/zero are POSIX
    pytestmark = pytest.mark.skip("POSIX only")
