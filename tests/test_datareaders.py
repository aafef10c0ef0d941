"""`lossadvisor.datareaders`: every format, the CSV fast path against the slow one, and errors.

Expected values come from the data each test writes (known by construction) or from Python's
own float() on the same text (an independent parser).
"""

from __future__ import annotations

import builtins
import gzip
import io
import json
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from lossadvisor.datareaders import limits, open_target
from lossadvisor.errors import InputError, UsageError
from lossadvisor.infer import infer_framing

INFER = FIXTURES / "infer"


def read_all(path, **kw):
    """Every target column of a file: numeric -> float array (NaN missing), text -> Counter."""
    src = open_target(str(path), **kw)
    cols = None
    for block in src.blocks():
        if cols is None:
            cols = [[] for _ in block.columns]
        for acc, c in zip(cols, block.columns):
            acc.append(c)
    out = []
    for chunks in cols or []:
        if any(c.kind == "text" for c in chunks):
            cnt = Counter()
            for c in chunks:
                if c.kind == "text":
                    cnt.update(dict(zip(c.text, c.counts.tolist())))
            out.append(cnt)
        else:
            out.append(np.concatenate([c.values for c in chunks]))
    return src, out


@pytest.fixture
def small_chunks(monkeypatch):
    """Force many chunk boundaries (and the sniffing window) to exercise the streaming code."""
    monkeypatch.setattr(limits, "CHUNK_BYTES", 97)
    monkeypatch.setattr(limits, "SNIFF_BYTES", 64)
    monkeypatch.setattr(limits, "ROWS_PER_BLOCK", 7)


# --------------------------------------------------------------------------- CSV


def test_csv_chunks_agree_with_the_data(tmp_path, small_chunks):
    labels = np.arange(1000) % 7
    feats = np.arange(1000) * 0.25
    p = tmp_path / "d.csv"
    p.write_text("x,label\n" + "".join(f"{f},{v}\n" for f, v in zip(feats, labels)))
    src, (vals,) = read_all(p, columns=["label"])
    assert src.details["header"] is True and src.details["delimiter"] == ","
    np.testing.assert_array_equal(vals, labels)
    _, (xs,) = read_all(p, columns=["x"])
    np.testing.assert_array_equal(xs, feats)


@given(st.lists(st.one_of(
    st.integers(-10**15 + 1, 10**15 - 1).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False, places=4,
                min_value=-10**6, max_value=10**6).map(lambda d: f"{d:f}"),
    st.sampled_from(["-.5", "1.", "+3", "007", "-0", "1e3", " 4 ", "2.50"]),
), min_size=1, max_size=60))
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_csv_numbers_parse_like_python_float(tmp_path_factory, texts):
    p = tmp_path_factory.mktemp("n") / "n.csv"
    p.write_text("v\n" + "\n".join(texts) + "\n")
    _, (vals,) = read_all(p, columns=["v"])
    expected = np.array([float(t) for t in texts])
    np.testing.assert_array_equal(vals, expected)


def test_quoted_fields_switch_to_the_csv_module_mid_file(tmp_path, small_chunks):
    rows = [f"{i},plain,{i % 3}" for i in range(200)]
    rows.insert(150, '150b,"a field, with a comma\nand a newline",2')
    p = tmp_path / "q.csv"
    p.write_text("id,text,label\n" + "\n".join(rows) + "\n")
    _, (vals,) = read_all(p, columns=["label"])
    expected = [i % 3 for i in range(200)]
    expected.insert(150, 2)
    np.testing.assert_array_equal(vals, expected)


def test_quoted_semicolon_crlf_fixture():
    src, (labels,) = read_all(INFER / "quoted_semicolon.csv")
    assert src.details["delimiter"] == ";" and src.columns == ["label"]
    assert labels == Counter({"ham": 2, "spam": 1})  # the 4th row is NA: missing


def test_crlf_and_blank_lines(tmp_path, small_chunks):
    p = tmp_path / "c.csv"
    p.write_bytes(b"a,b\r\n1,0\r\n\r\n2,1\r\n3,1\r\n\r\n")
    _, (vals,) = read_all(p, columns=["b"])
    np.testing.assert_array_equal(vals, [0, 1, 1])  # blank lines skipped in a file of 2 columns
    one = tmp_path / "one.csv"
    one.write_bytes(b"1\n\n0\n")
    _, (vals,) = read_all(one)
    assert np.isnan(vals[1]) and vals[0] == 1 and vals[2] == 0  # one column: a blank line is a missing cell
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(b'label\n"a"\n\n"b"\n')  # the same through the csv module (quotes)
    _, (cnt,) = read_all(quoted)
    assert cnt == Counter({"a": 1, "b": 1})
    assert infer_framing(str(quoted))["missing"] == 1


def test_bom_and_tsv(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_bytes(b"\xef\xbb\xbfx\tlabel\n0.5\t1\n0.7\t0\n")
    src, (vals,) = read_all(p, columns=["label"])
    assert src.format == "tsv" and src.all_columns == ["x", "label"]
    np.testing.assert_array_equal(vals, [1, 0])


@pytest.mark.parametrize("text, header", [
    ("1\n0\n1\n", False),                       # numbers only
    ("label\n1\n0\n", True),                    # text above numbers
    ("spam\nham\nspam\nham\n", False),          # the first value recurs: data
    ("category\nA\nB\nA\n", True),              # never recurs, while the values below repeat
    ("A\nB\nC\n", False),                       # cannot tell: data
    ("y\nn\ny\n", False),                       # 'y' is a target name, but it recurs
])
def test_header_detection(tmp_path, text, header):
    p = tmp_path / "h.csv"
    p.write_text(text)
    src = open_target(str(p))
    assert src.details["header"] is header


def test_column_name_forces_the_header(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("kind\nspam\nkind\n")  # looks like data, but --column kind names it
    src = open_target(str(p), columns=["kind"])
    assert src.details["header"] is True


@pytest.mark.parametrize("delim", [";", "|", "\t"])
def test_delimiter_detection_and_override(tmp_path, delim):
    p = tmp_path / "d.txt"
    p.write_text(f"a{delim}b{delim}c\n1{delim}2{delim}3\n4{delim}5{delim}6\n")
    src = open_target(str(p), columns=["c"])
    assert src.details["delimiter"] == delim
    name = {";": "semicolon", "|": "pipe", "\t": "tab"}[delim]
    assert open_target(str(p), columns=["c"], delimiter=name).details["delimiter"] == delim


@pytest.mark.parametrize("bad", ["ab", "", "\n", '"', "7"])
def test_bad_delimiter_is_a_usage_error(tmp_path, bad):
    p = tmp_path / "d.csv"
    p.write_text("a\n1\n")
    with pytest.raises(UsageError, match="--delimiter"):
        open_target(str(p), delimiter=bad)


def test_column_selection(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("id,c0,c1,c2,label\n1,1,0,0,x\n2,0,1,0,y\n")
    assert open_target(str(p)).columns == ["label"]  # named like a target
    assert open_target(str(p), columns=["1:4"]).columns == ["c0", "c1", "c2"]
    assert open_target(str(p), columns=["-1"]).columns == ["label"]
    assert open_target(str(p), columns=["0", "c2"]).columns == ["id", "c2"]
    with pytest.raises(InputError, match=r"no column 'lable' \(did you mean 'label'\?\); columns: 'id', 'c0'"):
        open_target(str(p), columns=["lable"])
    with pytest.raises(InputError, match=r"no column 9: the file has 5 columns \(indices 0..4\)"):
        open_target(str(p), columns=["9"])
    with pytest.raises(UsageError, match="twice"):
        open_target(str(p), columns=["label", "label"])
    with pytest.raises(UsageError, match="twice"):
        open_target(str(p), columns=["label", "4"])


def test_last_column_by_default_with_a_warning(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("a,b\n1,0\n2,1\n")
    out = infer_framing(str(p))
    assert out["source"]["columns"] == ["b"]
    assert any("using the last column 'b'" in w for w in out["warnings"])


def test_no_header_name_error(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("1,0\n2,1\n")
    with pytest.raises(InputError, match="no header row; use an index 0..1"):
        open_target(str(p), columns=["label"])


def test_gzip_csv(tmp_path):
    p = tmp_path / "d.csv.gz"
    with gzip.open(p, "wt") as f:
        f.write("x,label\n" + "".join(f"{i},{i % 2}\n" for i in range(100)))
    _, (vals,) = read_all(p)
    assert vals.sum() == 50 and len(vals) == 100


def test_stdin(monkeypatch):
    class FakeStdin:
        buffer = io.BytesIO(b"label\n1\n0\n1\n")

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    out = infer_framing("-")
    assert out["source"]["path"] == "<stdin>" and out["rows"] == 3
    assert out["answers"]["task"] == "binary"


@pytest.mark.parametrize("name, message", [
    ("ragged.csv", "line 4 has 1 field, expected 2"),
    ("latin1.csv", "not UTF-8 text (line 2"),
    ("empty.csv", "the file is empty"),
    ("header_only.csv", "no data rows below the header row"),
    ("junk.csv", "binary data, not CSV text"),
    ("bad.jsonl", "line 2: invalid JSON"),
])
def test_malformed_fixtures(name, message):
    with pytest.raises(InputError) as exc:
        infer_framing(str(INFER / name))
    assert message in str(exc.value)


def test_ragged_found_in_a_later_chunk(tmp_path, small_chunks):
    p = tmp_path / "r.csv"
    p.write_text("a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(300)) + "1,2,3\n")
    with pytest.raises(InputError, match="line 302 has 3 fields, expected 2"):
        infer_framing(str(p))


def test_non_utf8_in_a_later_chunk(tmp_path, small_chunks):
    p = tmp_path / "r.csv"
    p.write_bytes(b"a,b\n" + b"".join(b"%d,x\n" % i for i in range(300)) + b"1,caf\xe9\n")
    with pytest.raises(InputError, match="not UTF-8 text \\(line 302\\)"):
        infer_framing(str(p))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        open_target(str(tmp_path / "nope.csv"))
    with pytest.raises(InputError, match="is a folder"):
        open_target(str(tmp_path))


def test_options_that_do_not_fit_the_format(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a\n1\n")
    with pytest.raises(UsageError, match="--key applies to .npz"):
        open_target(str(p), key="y")
    np.save(tmp_path / "y.npy", np.arange(3))
    with pytest.raises(UsageError, match="--delimiter applies to CSV"):
        open_target(str(tmp_path / "y.npy"), delimiter=";")


# --------------------------------------------------------------------------- npy / npz


def test_npy_kinds(tmp_path, small_chunks):
    cases = {
        "i.npy": (np.arange(50) % 3, "int"),
        "b.npy": (np.arange(50) % 2 == 0, "bool"),
        "f.npy": (np.linspace(0, 1, 50).astype(np.float32), "float"),
    }
    for name, (arr, kind) in cases.items():
        np.save(tmp_path / name, arr)
        src = open_target(str(tmp_path / name))
        chunks = [b.columns[0] for b in src.blocks()]
        assert {c.kind for c in chunks} == {kind}
        np.testing.assert_array_equal(np.concatenate([c.values for c in chunks]), arr.astype(np.float64))


def test_npy_two_d_fortran_and_column_choice(tmp_path):
    arr = np.asfortranarray(np.arange(30, dtype=float).reshape(10, 3))
    np.save(tmp_path / "m.npy", arr)
    src, cols = read_all(tmp_path / "m.npy")
    assert src.columns == ["0", "1", "2"]
    np.testing.assert_array_equal(np.column_stack(cols), arr)
    _, (c1,) = read_all(tmp_path / "m.npy", columns=["1"])
    np.testing.assert_array_equal(c1, arr[:, 1])


def test_npy_structured_and_strings(tmp_path):
    rec = np.array([(1.5, 0), (2.5, 1), (0.5, 1)], dtype=[("x", "f8"), ("label", "i4")])
    np.save(tmp_path / "r.npy", rec)
    src, (vals,) = read_all(tmp_path / "r.npy")
    assert src.columns == ["label"]
    np.testing.assert_array_equal(vals, [0, 1, 1])
    np.save(tmp_path / "s.npy", np.array(["cat", "dog", "cat"]))
    _, (cnt,) = read_all(tmp_path / "s.npy")
    assert cnt == Counter({"cat": 2, "dog": 1})


@pytest.mark.parametrize("arr, message", [
    (np.zeros((2, 2, 2)), "expected (N,) or (N, K)"),
    (np.zeros(0), "the array is empty"),
    (np.array(3.0), "a single value"),
    (np.array([1 + 2j]), "complex"),
])
def test_npy_bad_shapes_and_dtypes(tmp_path, arr, message):
    np.save(tmp_path / "a.npy", arr)
    with pytest.raises(InputError) as exc:
        infer_framing(str(tmp_path / "a.npy"))
    assert message in str(exc.value)


def test_npy_pickles_are_refused(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="does not load pickles"):
        infer_framing(str(tmp_path / "o.npy"))


def test_npy_truncated_and_not_npy(tmp_path):
    np.save(tmp_path / "t.npy", np.arange(1000))
    data = (tmp_path / "t.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(data[:-100])
    with pytest.raises(InputError, match="truncated"):
        infer_framing(str(tmp_path / "t.npy"))
    (tmp_path / "j.npy").write_bytes(b"not an array at all")
    with pytest.raises(InputError):
        infer_framing(str(tmp_path / "j.npy"))


def test_npz_keys(tmp_path, small_chunks):
    np.savez(tmp_path / "one.npz", labels=np.arange(20) % 2)
    src, (vals,) = read_all(tmp_path / "one.npz")
    assert src.details["key"] == "labels" and vals.sum() == 10
    np.savez_compressed(tmp_path / "two.npz", X=np.zeros((20, 3)), y=np.arange(20) % 4)
    src, (vals,) = read_all(tmp_path / "two.npz")
    assert src.details["key"] == "y" and any("using the array 'y'" in n for n in src.info)
    np.testing.assert_array_equal(vals, np.arange(20) % 4)
    src, cols = read_all(tmp_path / "two.npz", key="X")
    assert len(cols) == 3
    np.savez(tmp_path / "many.npz", a=np.zeros(3), b=np.ones(3))
    with pytest.raises(UsageError, match="choose one with --key: 'a', 'b'"):
        open_target(str(tmp_path / "many.npz"))
    with pytest.raises(InputError, match="no array 'c'; arrays: 'a', 'b'"):
        open_target(str(tmp_path / "many.npz"), key="c")


def test_npz_corrupt(tmp_path):
    (tmp_path / "c.npz").write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    with pytest.raises(InputError, match="not a valid .npz"):
        infer_framing(str(tmp_path / "c.npz"))


# --------------------------------------------------------------------------- JSON Lines


def test_jsonl_fields_lists_and_nulls(small_chunks):
    src, (labels,) = read_all(INFER / "records.jsonl")
    assert src.columns == ["label"]
    assert labels == Counter({"cat": 1, "dog": 1, "bird": 1})  # null is missing
    src, cols = read_all(INFER / "records.jsonl", columns=["tags"])
    np.testing.assert_array_equal(np.column_stack(cols), [[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]])
    out = infer_framing(str(INFER / "records.jsonl"), columns=["tags"])
    assert out["answers"] == {"task": "multilabel", "classes": 3, "imbalance": "none"}
    assert out["source"]["columns"] == ["tags[0]", "tags[1]", "tags[2]"]


def test_jsonl_errors(tmp_path):
    with pytest.raises(InputError, match="no field 'nope'; fields: 'id', 'label', 'tags'"):
        open_target(str(INFER / "records.jsonl"), columns=["nope"])
    p = tmp_path / "r.jsonl"
    p.write_text('{"y": [1, 0]}\n{"y": [1]}\n')
    with pytest.raises(InputError, match="record 2: field 'y' has 1 values, expected 2"):
        infer_framing(str(p))
    p.write_text('{"y": {"a": 1}}\n')
    with pytest.raises(InputError, match="holds an object"):
        infer_framing(str(p))


def test_jsonl_scalars_and_json_array(tmp_path):
    p = tmp_path / "v.jsonl"
    p.write_text("1\n0\nnull\n1\n")
    out = infer_framing(str(p))
    assert out["answers"]["task"] == "binary" and out["missing"] == 1
    a = tmp_path / "a.json"
    a.write_text(json.dumps([{"label": "x"}, {"label": "y"}, {"label": "x"}]))
    out = infer_framing(str(a))
    assert out["source"]["format"] == "json" and out["answers"]["task"] == "binary"


def test_jsonl_numbers_and_strings_mixed(tmp_path):
    p = tmp_path / "m.jsonl"
    p.write_text('{"y": 1}\n{"y": "two"}\n{"y": 3}\n')
    out = infer_framing(str(p))
    assert out["answers"]["task"] == "multiclass"
    assert any("mixes numbers and text" in w for w in out["warnings"])


# --------------------------------------------------------------------------- Parquet / Feather


def test_parquet_and_feather(tmp_path, small_chunks):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    table = pa.table({
        "x": pa.array(np.linspace(0, 1, 40)),
        "target": pa.array([0, 1, None, 1] * 10, type=pa.int64()),
        "cat": pa.array(["a", "b"] * 20).dictionary_encode(),
        "onehot": pa.array([[1, 0], [0, 1]] * 20, type=pa.list_(pa.int8())),
    })
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=9)
    feather.write_feather(table, tmp_path / "t.feather", chunksize=9)
    for name in ("t.parquet", "t.feather"):
        out = infer_framing(str(tmp_path / name))
        assert out["source"]["columns"] == ["target"]
        assert out["answers"] == {"task": "binary", "labels": "zero_one", "imbalance": "none"}
        assert out["missing"] == 10 and out["rows"] == 40
        assert infer_framing(str(tmp_path / name), columns=["cat"])["label_mapping"] == {"a": 0, "b": 1}
        oh = infer_framing(str(tmp_path / name), columns=["onehot"])
        assert oh["answers"]["labels"] == "one_hot" and oh["answers"]["classes"] == 2
        with pytest.raises(InputError, match="no column 'y'; columns: 'x', 'target', 'cat', 'onehot'"):
            infer_framing(str(tmp_path / name), columns=["y"])


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    (tmp_path / "t.parquet").write_bytes(b"PAR1" + b"\x00" * 20 + b"PAR1")
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("No module named 'pyarrow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    for mod in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.delitem(sys.modules, mod)
    with pytest.raises(InputError, match=r"pip install 'lossadvisor\[data\]'"):
        infer_framing(str(tmp_path / "t.parquet"))


def test_corrupt_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    (tmp_path / "t.parquet").write_bytes(b"PAR1" + b"\x00" * 20 + b"PAR1")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        infer_framing(str(tmp_path / "t.parquet"))
