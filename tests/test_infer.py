"""`lossadvisor.infer`: the framing of known target arrays, the hard cases included.

Every expected framing below is known by construction (a one-hot matrix is multiclass one-hot
because we built it so); every expected number is computed by hand in the comment next to it.
Where scikit-learn is importable, each case also shows what `type_of_target` says (the tool
the issue compares against): it reads one-hot as multilabel, counts as multiclass, and so on.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lossadvisor.errors import InputError
from lossadvisor.infer import THRESHOLDS, infer_array, infer_framing, thresholds_markdown


def _poisson3_histogram():
    # Poisson(3) pmf x 1000, rounded: 50 149 224 224 168 101 50 22 8 3 1 (sums to 1000)
    counts = [round(1000 * math.exp(-3) * 3 ** k / math.factorial(k)) for k in range(11)]
    assert counts == [50, 149, 224, 224, 168, 101, 50, 22, 8, 3, 1]
    return np.repeat(np.arange(11), counts)


ONE_HOT = np.eye(4)[np.repeat(np.arange(4), 10)]
MULTI_HOT = np.tile(np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 1, 1, 1]]), (10, 1))
PROBS = np.tile(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]]), (10, 1))

# (id, target array, expected answers, sklearn's type_of_target, answers that must be flagged ambiguous)
CASES = [
    # 39 / 61 = 0.64 >= 1/5: no imbalance
    ("binary 0/1", np.array([0] * 61 + [1] * 39),
     {"task": "binary", "labels": "zero_one", "imbalance": "none"}, "binary", set()),
    # 30 / 70 = 0.43
    ("-1/+1", np.array([-1] * 30 + [1] * 70),
     {"task": "binary", "labels": "plus_minus_one", "imbalance": "none"}, "binary", set()),
    ("two strings", np.array(["ham"] * 70 + ["spam"] * 30),
     {"task": "binary", "labels": "zero_one", "imbalance": "none"}, "binary", set()),
    # 10 / 90 = 0.111: 1/100 <= r < 1/5 is moderate
    ("true/false", np.array([True] * 10 + [False] * 90),
     {"task": "binary", "labels": "zero_one", "imbalance": "moderate"}, "binary", set()),
    ("0.0/1.0 floats", np.array([0.0, 1.0] * 50),
     {"task": "binary", "labels": "zero_one", "imbalance": "none"}, "binary", {"task"}),
    ("integer classes 0..9", np.repeat(np.arange(10), 20),
     {"task": "multiclass", "labels": "integer", "classes": 10, "imbalance": "none"}, "multiclass", {"task"}),
    # the histogram falls after its mode (7 of 8 steps down, last 1/224 of the mode): counts.
    # Outliers on the Anscombe scale: median y=3 -> 3.674, MAD 0.592 -> spread 0.878, raised to 1;
    # the farthest value (y=0: 1.225, or y=10: 6.442) is 2.77 < 3.5 away: none.
    ("Poisson counts", _poisson3_histogram(),
     {"task": "regression", "target": "count", "outliers": "no", "outputs": 1}, "multiclass", {"task"}),
    # 25 / 40 = 0.625
    ("three strings", np.array(["cat"] * 40 + ["dog"] * 35 + ["bird"] * 25),
     {"task": "multiclass", "labels": "integer", "classes": 3, "imbalance": "none"}, "multiclass", set()),
    ("integral floats", np.repeat([0.0, 1.0, 2.0], 30),
     {"task": "multiclass", "labels": "integer", "classes": 3, "imbalance": "none"}, "multiclass", {"task"}),
    ("one-hot matrix", ONE_HOT,
     {"task": "multiclass", "labels": "one_hot", "classes": 4, "imbalance": "none"}, "multilabel-indicator", set()),
    # positives per label 20, 20, 10, 10 of 40 rows: worst 10 / 30 = 0.33
    ("multi-hot matrix", MULTI_HOT,
     {"task": "multilabel", "classes": 4, "imbalance": "none"}, "multilabel-indicator", set()),
    # column sums 11, 7, 12 (x10): 70 / 120 = 0.58
    ("probability rows", PROBS,
     {"task": "multiclass", "labels": "probabilities", "classes": 3, "imbalance": "none"},
     "continuous-multioutput", set()),
    ("a single class", np.ones(50, dtype=int),
     {"task": "binary", "labels": "zero_one"}, "binary", {"task"}),
    ("NaN mixed in", np.array([0.0] * 40 + [1.0] * 40 + [np.nan] * 20),
     {"task": "binary", "labels": "zero_one", "imbalance": "none"}, "ValueError", set()),
    ("multi-output regression", np.column_stack([np.linspace(-3, 3, 101), np.linspace(10, 20, 101)]),
     {"task": "regression", "outputs": 2, "target": "real", "outliers": "no"}, "continuous-multioutput", set()),
    # median 0, MAD 1.5 -> spread 2.22; the farthest value, 3, is 1.35 spreads away
    ("real values", np.linspace(-3, 3, 201),
     {"task": "regression", "target": "real", "outliers": "no", "outputs": 1}, "continuous", set()),
    # 50 of 1000 values (5%) at +-50; the spread of the rest is about 0.78: 5% > 1% are outliers
    ("heavy tails", np.concatenate([np.linspace(-1, 1, 950), [50.0] * 25, [-50.0] * 25]),
     {"task": "regression", "target": "real", "outliers": "yes", "outputs": 1}, "continuous", set()),
    # log10 uniform on [0, 4]: 99th / 1st percentile = 10^3.92 >= 100; quartiles 10, 100, 1000 have
    # skewness 0.82, their logs 0
    ("positive, wide", np.logspace(0, 4, 200),
     {"task": "regression", "target": "positive_wide", "outliers": "no", "outputs": 1}, "continuous", set()),
    # 5 / 995 = 0.005 < 1/100
    ("severe imbalance", np.array([0] * 995 + [1] * 5),
     {"task": "binary", "labels": "zero_one", "imbalance": "severe"}, "binary", set()),
    # a 1-5 rating scale (issue 12: ratings are ordinal, multiclass and regression the alternatives);
    # 10 / 30 = 0.33
    ("ratings 1..5", np.repeat([1, 2, 3, 4, 5], [10, 10, 20, 30, 30]),
     {"task": "ordinal", "classes": 5, "imbalance": "none"}, "multiclass", {"task"}),
    ("values in [0, 1]", np.linspace(0.01, 0.99, 99),
     {"task": "regression", "target": "real", "outliers": "no", "outputs": 1}, "continuous", {"task"}),
    # 11..60: the 5th percentile (13) is above 10: large counts read as real (60 / 11 < 100)
    ("large integers", np.repeat(np.arange(11, 61), 2),
     {"task": "regression", "target": "real", "outliers": "no", "outputs": 1}, "multiclass", {"target"}),
]
IDS = [c[0] for c in CASES]


def _write_csv(path, y):
    """The array as a CSV file with a header; returns the --column values."""
    y = np.asarray(y)
    if y.ndim == 1:
        y = y[:, None]
    names = ["label"] if y.shape[1] == 1 else [f"c{j}" for j in range(y.shape[1])]

    def cell(v):
        if isinstance(v, (bool, np.bool_)):
            return "true" if v else "false"
        if isinstance(v, (float, np.floating)):
            return "" if np.isnan(v) else repr(float(v))
        return str(v)

    with open(path, "w") as f:
        f.write("feature," + ",".join(names) + "\n")
        for i, row in enumerate(y.tolist()):
            f.write(f"{i * 0.5}," + ",".join(cell(v) for v in (y[i] if y.dtype.kind == 'b' else row)) + "\n")
    return names


@pytest.mark.parametrize("fmt", ["array", "npy", "csv"])
@pytest.mark.parametrize("case_id, y, expected, _sk, ambiguous", CASES, ids=IDS)
def test_known_framings(tmp_path, fmt, case_id, y, expected, _sk, ambiguous):
    if fmt == "array":
        out = infer_array(y)
    elif fmt == "npy":
        np.save(tmp_path / "y.npy", y)
        out = infer_framing(str(tmp_path / "y.npy"))
    else:
        cols = _write_csv(tmp_path / "y.csv", y)
        out = infer_framing(str(tmp_path / "y.csv"), columns=cols)
    assert out["answers"] == expected
    assert set(out["evidence"]) == set(expected), "every answer has its evidence"
    flagged = {a["answer"] for a in out["ambiguities"]}
    assert ambiguous <= flagged
    assert out["rows"] == len(y)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case_id, y, _expected, sklearn_says, _amb", CASES, ids=IDS)
def test_what_type_of_target_says(case_id, y, _expected, sklearn_says, _amb):
    """scikit-learn's reading of the same arrays, for comparison (test dependency only)."""
    multiclass = pytest.importorskip("sklearn.utils.multiclass")
    try:
        said = multiclass.type_of_target(y)
    except ValueError:
        said = "ValueError"
    assert said == sklearn_says


def test_evidence_in_words():
    out = infer_array(np.array([0] * 61 + [1] * 39))
    # the issue's own example sentence
    assert out["evidence"]["task"] == "2 distinct values: 0 (61%), 1 (39%)"
    assert "0.639" in out["evidence"]["imbalance"]  # 39 / 61 = 0.6393
    assert "imbalance_moderate" in out["evidence"]["imbalance"]


def test_string_mapping_and_negative_word():
    out = infer_array(np.array(["spam", "ham", "spam"]))
    assert out["label_mapping"] == {"ham": 0, "spam": 1}  # 'ham' is a negative word
    out = infer_array(np.array(["yes", "no", "no"]))
    assert out["label_mapping"] == {"no": 0, "yes": 1}
    out = infer_array(np.array(["b", "a", "b"]))
    assert out["label_mapping"] == {"a": 0, "b": 1}  # sorted order otherwise
    out = infer_array(np.array(["dog", "cat", "bird", "cat"]))
    assert out["label_mapping"] == {"bird": 0, "cat": 1, "dog": 2}


def test_true_false_text_maps_false_to_zero():
    out = infer_array(np.array(["True", "False", "True"]))
    assert out["answers"]["labels"] == "zero_one"
    assert out["label_mapping"] == {"False": 0, "True": 1}


def test_other_number_pair_is_mapped_and_ambiguous():
    out = infer_array(np.array([1, 2, 2, 1, 2]))
    assert out["answers"] == {"task": "binary", "labels": "zero_one", "imbalance": "none"}  # 2/3 >= 1/5
    assert out["label_mapping"] == {"1": 0, "2": 1}
    assert any(a["alternative"] == {"task": "regression"} for a in out["ambiguities"])


@pytest.mark.parametrize("rare, common, level", [
    (20, 100, "none"),      # r = 0.2 exactly: r >= 1/5 is none
    (19, 100, "moderate"),  # 0.19
    (1, 100, "moderate"),   # 0.01 exactly: 1/100 <= r is moderate
    (1, 101, "severe"),     # 0.0099
])
def test_imbalance_thresholds(rare, common, level):
    out = infer_array(np.array([0] * common + [1] * rare))
    assert out["answers"]["imbalance"] == level


def test_multilabel_imbalance_is_the_worst_label():
    # label 0: 50 of 100 rows; label 1: 1 of 100 -> 1 / 99 = 0.0101 (moderate); label 2: 0 -> never
    y = np.zeros((100, 3), dtype=int)
    y[:50, 0] = 1
    y[0, 1] = 1
    out = infer_array(y)
    assert out["answers"]["task"] == "multilabel"
    assert out["answers"]["imbalance"] == "severe"  # label 2 is never positive: r = 0
    assert any("never positive" in w for w in out["warnings"])
    y[1, 2] = 1  # now label 2 has 1 positive: worst r = 1 / 99 >= 1/100
    assert infer_array(y)["answers"]["imbalance"] == "moderate"


@pytest.mark.parametrize("n_out, expected", [(10, "no"), (11, "yes")])
def test_outlier_share_threshold(n_out, expected):
    # 1000 - n_out values spread over [-1, 1] (MAD about 0.5, spread 0.74, cut-off 2.6) and n_out at
    # 100: the share is n_out / 1000; 10 / 1000 = 1% is not above 1%, 11 / 1000 is
    y = np.concatenate([np.linspace(-1, 1, 1000 - n_out), [100.0] * n_out])
    out = infer_array(y)
    assert out["answers"]["outliers"] == expected
    assert f"{n_out / 1000:.2%}" in out["evidence"]["outliers"]


def test_outliers_with_zero_mad_fall_back_to_iqr():
    # 600 zeros and 400 values 1..400, all shifted by -0.25 (a real target, not counts):
    # median -0.25, MAD 0 (600 of 1000 deviations are 0); IQR = q75 - q25 = 150 - 0 -> spread
    # 150 / 1.349 = 111.2, cut-off 3.5 x 111.2 = 389.2: deviations 390..400 (11 of 1000 = 1.1%) are outliers
    y = np.concatenate([np.zeros(600), np.arange(1, 401)]) - 0.25
    out = infer_array(y)
    assert "IQR" in out["evidence"]["outliers"]
    assert out["answers"]["outliers"] == "yes"


def test_count_vs_classes_both_ways():
    # uniform classes 0..4: flat histogram -> classes, with the count alternative said
    flat = infer_array(np.repeat(np.arange(5), 30))
    assert flat["answers"]["task"] == "multiclass"
    amb = [a for a in flat["ambiguities"] if a["answer"] == "task"][0]
    assert amb["alternative"] == {"task": "regression", "target": "count"}
    assert "--task regression" in amb["settle"]
    # gaps in the support (0, 1, 2, 5, 9: five distinct values): counts, with the class alternative
    gaps = infer_array(np.array([0, 0, 0, 1, 1, 2, 5, 9, 0, 1]))
    assert gaps["answers"]["task"] == "regression" and gaps["answers"]["target"] == "count"
    amb = [a for a in gaps["ambiguities"] if a["answer"] == "task"][0]
    assert amb["alternative"] == {"task": "multiclass", "labels": "integer", "classes": 5}
    assert "re-index" in amb["settle"]


def test_labels_starting_at_one_warn_to_shift():
    out = infer_array(np.repeat([1, 2, 3], 10))
    assert out["answers"]["classes"] == 3
    assert any("shift them to 0..2" in w for w in out["warnings"])
    assert out["label_mapping"] == {"1": 0, "2": 1, "3": 2}


def test_one_hot_with_zero_rows_is_multilabel_but_says_so():
    y = np.eye(3)[np.repeat(np.arange(3), 100)]
    y[0] = 0  # one row of 300 with no 1
    out = infer_array(y)
    assert out["answers"]["task"] == "multilabel"
    alt = [a for a in out["ambiguities"] if a["answer"] == "task"][0]["alternative"]
    assert alt == {"task": "multiclass", "labels": "one_hot", "classes": 4}


def test_probabilities_tolerate_rounding():
    # rows rounded to 2 decimals sum to 0.99 or 1.01: within row_sum_tolerance (0.01)
    y = np.tile([[0.33, 0.33, 0.33], [0.5, 0.26, 0.25]], (5, 1))
    assert infer_array(y)["answers"]["labels"] == "probabilities"
    y2 = np.tile([[0.3, 0.3, 0.3]], (5, 1))  # sums to 0.9: not probabilities
    assert infer_array(y2)["answers"]["task"] == "regression"


def test_constant_real_target():
    out = infer_array(np.full(10, 3.5))
    assert out["answers"] == {"task": "regression", "outputs": 1}
    assert any("constant" in w for w in out["warnings"])


def test_missing_and_infinite_are_counted_and_left_out():
    y = np.array([0.0, 1.0, np.nan, 1.0, np.inf, 0.0])
    out = infer_array(y)
    assert out["rows"] == 6 and out["missing"] == 1 and out["infinite"] == 1
    assert out["answers"]["task"] == "binary"
    assert out["evidence"]["task"] == "2 distinct values: 0 (50%), 1 (50%)"  # 2 of the 4 kept rows


def test_all_missing_is_an_error():
    with pytest.raises(InputError, match="every row has a missing"):
        infer_array(np.array([np.nan, np.nan]))
    with pytest.raises(InputError, match="every row has a missing .* or infinite value"):
        infer_array(np.array([np.nan, np.inf]))


def test_mixed_numbers_and_text_are_labels_with_a_warning(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("y\n1\n2\ncat\n2\n")
    out = infer_framing(str(p))
    assert out["answers"]["task"] == "multiclass"
    assert any("mixes numbers and text" in w and "'cat'" in w for w in out["warnings"])


def test_large_file_counts_overflow_use_the_sample():
    # 300,000 distinct reals exceed distinct_cap (100,000): quantiles come from the sample.
    y = np.linspace(-1, 1, 300_000)
    out = infer_array(y)
    assert out["answers"]["task"] == "regression"
    assert out["columns"][0]["distinct"] == ">100000"
    assert "estimated from a sample" in out["evidence"]["outliers"]


def test_answers_are_valid_for_the_question_tree(rb):
    """Only question ids and choices of rules/questions.yaml, only those of the inferred task."""
    for _, y, _, _, _ in CASES:
        out = infer_array(y)
        ans = out["answers"]
        assert "framework" not in ans and "uncertainty" not in ans
        for key, value in ans.items():
            qs = [q for q in rb.questions if q.id == key and all(
                (ans.get(k) in v if isinstance(v, tuple) else ans.get(k) == v) for k, v in q.when.items())]
            assert qs, f"{key} does not apply to {ans}"
            q = qs[0]
            if q.kind == "choice":
                assert value in q.values, (key, value)
            else:
                assert isinstance(value, int) and value >= 2 if key == "classes" else value >= 1


def test_output_matches_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from importlib.resources import files

    from lossadvisor.render import json_text

    schema = json.loads(files("lossadvisor.schemas").joinpath("infer.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for _, y, _, _, _ in CASES:
        doc = json.loads(json_text(infer_array(y) | {"source": {"path": "x", "format": "npy", "columns": ["y"]}}))
        jsonschema.validate(doc, schema)


def test_thresholds_are_named_in_the_output_and_documented():
    out = infer_array(np.array([0, 1, 1]))
    assert set(out["thresholds"]) == set(THRESHOLDS)
    assert out["thresholds"]["imbalance_moderate"]["value"] == 0.2
    assert out["thresholds"]["imbalance_severe"]["value"] == 0.01
    table = thresholds_markdown()
    for name in THRESHOLDS:
        assert f"`{name}`" in table


def test_readme_documents_every_threshold():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    if "imbalance_moderate" not in readme:
        pytest.skip("README has no infer thresholds section yet (the lead adds thresholds_markdown())")
    for name in THRESHOLDS:
        assert name in readme, name
