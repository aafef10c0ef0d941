"""Property-based: random bytes and random arrays never give a traceback or an invalid answer."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import ROOT
from lossadvisor.errors import InputError
from lossadvisor.infer import infer_array

SCHEMA = json.loads((ROOT / "lossadvisor" / "schemas" / "infer.schema.json").read_text())
SUFFIXES = [".csv", ".tsv", ".txt", ".npy", ".npz", ".jsonl", ".json", ".parquet", ".feather", ".gz", ""]
# INFER_FUZZ_EXAMPLES=2000 for a longer hunt
_settings = settings(max_examples=int(os.environ.get("INFER_FUZZ_EXAMPLES", "150")), deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])

# text that looks like CSV often gets past the first checks, so mix it into the random bytes
csvish = st.lists(
    st.lists(st.sampled_from(["0", "1", "-1", "2.5", "", "NA", "nan", "inf", "cat", '"q,x"', "1e400", "\xe9",
                              "true", " 3 "]), min_size=1, max_size=4).map(",".join),
    min_size=0, max_size=30,
).map(lambda rows: "\n".join(rows).encode("utf-8"))
blobs = st.one_of(st.binary(max_size=400), csvish,
                  st.builds(lambda a, b: a + b, st.sampled_from([b"\x93NUMPY", b"PK\x03\x04", b"PAR1", b"ARROW1",
                                                                 b"\x1f\x8b", b"{", b"["]), st.binary(max_size=200)))


def _assert_clean(code, out, err):
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1, err
        assert out == ""
    else:
        doc = json.loads(out)
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(doc, SCHEMA)


@_settings
@given(blob=blobs, suffix=st.sampled_from(SUFFIXES), column=st.sampled_from([None, "0", "label", "-1", "0:2"]))
def test_random_bytes_never_crash(run_cli, tmp_path_factory, blob, suffix, column):
    path = tmp_path_factory.mktemp("blob") / f"data{suffix}"
    path.write_bytes(blob)
    args = ["infer", str(path), "--json"] + (["--column", column] if column else [])
    _assert_clean(*run_cli(*args))


finite_or_not = st.floats(allow_nan=True, allow_infinity=True, width=64)
arrays = st.one_of(
    hnp.arrays(dtype=st.sampled_from([np.int8, np.int64, np.uint16, np.float32, np.float64, np.bool_]),
               shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=12),
               elements=None),
    hnp.arrays(dtype=np.float64, shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=12),
               elements=st.sampled_from([0.0, 1.0, -1.0, 0.5, np.nan, 3.0, 1e9])),
    hnp.arrays(dtype=np.int64, shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=30),
               elements=st.integers(0, 12)),
    st.lists(st.sampled_from(["a", "b", "c", "", "NA", "1", "true", "False"]), min_size=0, max_size=20)
    .map(lambda xs: np.array(xs, dtype=str)),
)


@_settings
@given(y=arrays)
def test_random_arrays_give_valid_answers_or_input_errors(y):
    try:
        out = infer_array(y)
    except InputError as exc:
        assert str(exc)
        return
    from lossadvisor.render import json_text

    doc = json.loads(json_text(out))
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, SCHEMA)
    assert doc["rows"] == y.shape[0]
