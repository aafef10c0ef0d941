"""Property-based: random flag values and answer files never give a traceback."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FLAGS = ["--task", "--target", "--outliers", "--uncertainty", "--labels", "--imbalance", "--classes",
         "--outputs", "--framework"]
GOOD = ["regression", "binary", "multiclass", "multilabel", "real", "count", "positive_wide", "yes", "no",
        "none", "variance", "quantiles", "zero_one", "plus_minus_one", "integer", "one_hot", "probabilities",
        "moderate", "severe", "keras", "pytorch", "jax", "2", "10", "0", "-1", "1e3", "nan"]
values = st.one_of(st.sampled_from(GOOD), st.text(max_size=12))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
                    st.sampled_from(GOOD), st.text(max_size=8))
answer_docs = st.one_of(
    st.dictionaries(st.sampled_from([f[2:] for f in FLAGS] + ["colour", ""]), scalars, max_size=6),
    st.lists(scalars, max_size=3),
    scalars,
)
settings_ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _assert_clean(code, out, err):
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1, err
        assert out == ""
    if code == 0:
        json.loads(out)


@settings_
@given(st.lists(st.tuples(st.sampled_from(FLAGS), values), max_size=6))
def test_random_flags(run_cli, pairs):
    args = [x for pair in pairs for x in pair]
    code, out, err = run_cli("recommend", *args, "--no-input", "--no-check", "--json")
    _assert_clean(code, out, err)


@settings_
@given(doc=answer_docs, as_json=st.booleans())
def test_random_answer_files(run_cli, tmp_path_factory, doc, as_json):
    path = tmp_path_factory.mktemp("answers") / ("a.json" if as_json else "a.yaml")
    import yaml

    path.write_text(json.dumps(doc) if as_json else yaml.safe_dump(doc))
    code, out, err = run_cli("recommend", "--answers", str(path), "--no-input", "--no-check", "--json")
    _assert_clean(code, out, err)


@settings_
@given(st.binary(max_size=200))
def test_random_bytes_as_answers_or_rules(run_cli, tmp_path_factory, blob):
    d = tmp_path_factory.mktemp("blob")
    path = d / "x.yaml"
    path.write_bytes(blob)
    for args in (["--answers", str(path)], ["--rules", str(path), "--task", "binary"]):
        code, out, err = run_cli("recommend", *args, "--no-input", "--no-check", "--json")
        _assert_clean(code, out, err)
