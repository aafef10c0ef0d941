"""`infer` round 3: decimal commas, a rank chosen as the target, soft binary labels, the zeros
positive_wide allows, and one column split at a detected ','.

Every data set is built so that the right answer is known by construction; a comment says why.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from lossadvisor.infer import infer_array


def _write(tmp_path, name, lines):
    p = tmp_path / name
    p.write_text("".join(f"{ln}\n" for ln in lines))
    return str(p)


def _infer_json(run_cli, *args):
    code, out, err = run_cli("infer", *args, "--json")
    assert code == 0, err
    return json.loads(out)


# --------------------------------------------------------------------------- decimal commas

def _quarters():
    # k + 0.25 for k = 0..59: min 0.25, max 59.25, mean 29.75 (the mean of 0..59 plus 0.25), all distinct
    return [k + 0.25 for k in range(60)]


def _comma(v):
    return f"{v:.2f}".replace(".", ",")


@pytest.mark.parametrize("sep, given", [(";", True), (";", False), ("\t", False), ("|", True)])
def test_decimal_commas_are_numbers_when_the_delimiter_is_not_a_comma(run_cli, tmp_path, sep, given):
    rng = np.random.default_rng(3)
    values = rng.permutation(_quarters()).tolist()
    f = _write(tmp_path, "eu.csv", [f"a{sep}preis"] + [f"{i % 3}{sep}{_comma(v)}" for i, v in enumerate(values)])
    args = [f, "--column", "preis", "--task", "regression"] + (["--delimiter", sep] if given else [])
    doc = _infer_json(run_cli, *args)
    col = doc["columns"][0]
    assert (col["min"], col["max"], col["mean"], col["distinct"]) == (0.25, 59.25, 29.75, 60)
    assert doc["answers"]["task"] == "regression" and doc["answers"]["target"] == "real"
    assert "60 values written with a decimal comma (10,5 for 10.5) read as numbers" in doc["evidence"]["task"]


def test_decimal_commas_in_one_column_with_a_header_and_quoted_fields(run_cli, tmp_path):
    # one column: the header 'preis' is text above numbers once '10,25' reads as 10.25 (a header);
    # a quoted field sends the file through the csv module, which must read decimal commas too
    values = _quarters()
    f = _write(tmp_path, "one.csv", ["preis"] + [_comma(v) for v in values])
    doc = _infer_json(run_cli, f, "--delimiter", ";")
    assert doc["source"]["header"] is True and doc["columns"][0]["mean"] == 29.75
    f = _write(tmp_path, "quoted.csv", ["name;preis"] + [f'"n{i}";{_comma(v)}' for i, v in enumerate(values)])
    doc = _infer_json(run_cli, f, "--column", "preis")
    assert doc["columns"][0]["mean"] == 29.75 and doc["answers"]["task"] == "regression"
    # one column and no --delimiter: no ',' splits anything, so '0,25' is a decimal comma
    doc = _infer_json(run_cli, _write(tmp_path, "plain.csv", ["preis"] + [_comma(v) for v in values]))
    assert doc["columns"][0]["mean"] == 29.75
    assert "read as numbers (the file has one column, and every other value is a number)" in doc["evidence"]["task"]


def test_decimal_commas_beside_text_get_no_wrong_delimiter_hint(run_cli, tmp_path):
    # 60 distinct decimal-comma numbers and one word: text (not every value is a number), with
    # more than half distinct, so no target; the ',' is a decimal comma, not a delimiter
    lines = ["a;preis"] + [f"{i % 3};{_comma(v)}" for i, v in enumerate(_quarters())] + ["1;unknown"]
    code, out, err = run_cli("infer", _write(tmp_path, "mixed.csv", lines), "--column", "preis")
    assert code == 2 and out == ""
    assert "--delimiter" not in err and "decimal comma" in err and "'unknown'" in err


def test_comma_labels_are_not_decimal_commas(run_cli, tmp_path):
    # '1,5' is a number only when every value is one: 'a,b' keeps a text column of 3 classes
    lines = ["x;y"] + [f"{i};{['1,5', 'a,b', '2,5'][i % 3]}" for i in range(60)]
    doc = _infer_json(run_cli, _write(tmp_path, "t.csv", lines), "--column", "y")
    assert doc["answers"]["task"] == "multiclass" and doc["answers"]["classes"] == 3


# --------------------------------------------------------------------------- a rank chosen as the target

@pytest.fixture
def rank_csv(tmp_path):
    # 'rank' holds a shuffled 1..40, each once: a consecutive run, like a row number
    ranks = np.random.default_rng(5).permutation(40) + 1
    return _write(tmp_path, "rank.csv", ["x,rank"] + [f"{i * 0.5},{r}" for i, r in enumerate(ranks)])


def test_a_rank_named_or_given_a_task_is_a_target_with_a_warning(run_cli, rank_csv):
    code, out, err = run_cli("infer", rank_csv)  # the default column: stop as before
    assert code == 2 and "a row number or an ID" in err
    for args, why in ((["--column", "rank", "--task", "regression"], "--column named it"),
                      (["--task", "regression"], "--task was given"),
                      (["--column", "rank"], "--column named it")):
        doc = _infer_json(run_cli, rank_csv, *args)
        assert (doc["columns"][0]["min"], doc["columns"][0]["max"]) == (1, 40)
        assert any(w.startswith("column 'rank': the 40 values are the integers 1..40, each once, like a row "
                                "number or an ID; read as the target because " + why) for w in doc["warnings"])
    assert doc["answers"]["task"] == "multiclass"  # --column alone: the rules decide (1..40, flat histogram)
    code, out, err = run_cli("recommend", "--from-data", rank_csv, "--column", "rank", "--task", "regression",
                             "--no-input", "--json")
    assert code == 0, err


# --------------------------------------------------------------------------- soft binary labels

def test_the_soft_binary_advice_works(run_cli, tmp_path):
    # Beta(0.5, 0.5): 200 values in (0, 1), U-shaped; the rules read regression and suggest --task binary
    values = np.random.default_rng(7).beta(0.5, 0.5, 200)
    f = _write(tmp_path, "p.csv", ["p"] + [f"{v:.4f}" for v in values])
    doc = _infer_json(run_cli, f)
    settle = [a["settle"] for a in doc["ambiguities"] if a["alternative"].get("task") == "binary"]
    assert settle == ["if the values are probabilities of a class, pass --task binary"]
    doc = _infer_json(run_cli, f, "--task", "binary")
    assert doc["answers"]["task"] == "binary" and doc["answers"]["labels"] == "zero_one"
    assert any("soft labels" in w and "binary cross-entropy" in w for w in doc["warnings"])
    code, out, err = run_cli("recommend", "--from-data", f, "--task", "binary", "--no-input", "--json")
    assert code == 0, err


def test_soft_binary_imbalance_from_expected_counts():
    # 100 rows of 0.01, 50 of 0.03, 50 of 0.05: 1 + 1.5 + 2.5 = 5 expected positives of 200, ratio
    # 5 / 195 = 0.0256, between 1/100 and 1/5: moderate
    out = infer_array(np.array([0.01] * 100 + [0.03] * 50 + [0.05] * 50), task="binary")
    assert out["answers"]["imbalance"] == "moderate"
    assert "rarest class 1: 5.0 expected rows, most common 0: 195.0 expected rows; ratio 0.0256" \
        in out["evidence"]["imbalance"]


def test_values_outside_zero_one_stay_refused_as_binary():
    with pytest.raises(Exception, match="a binary target has two"):
        infer_array(np.array([0.5, 1.5, 2.5, 0.25]), task="binary")


# --------------------------------------------------------------------------- zeros positive_wide allows

def _amounts(zeros, rng, n=1000):
    return np.round(rng.lognormal(6, 1.2, n - zeros)).tolist() + [0.0] * zeros


def test_the_zeros_positive_wide_allows_are_no_outliers():
    # whole-dollar lognormal(6, 1.2) amounts with 3.6% zeros (<= wide_zero_share 5%): positive_wide; on
    # log(1 + y) the positives are about normal (sd 1.2), so beyond 3.5 robust sd lies ~0.05% of them
    out = infer_array(np.array(_amounts(36, np.random.default_rng(11))))
    assert out["answers"]["target"] == "positive_wide" and out["answers"]["outliers"] == "no"
    assert "the 3.6% exact zeros (allowed by wide_zero_share) not counted as outliers" in out["evidence"]["outliers"]


def test_real_outliers_beside_allowed_zeros_are_still_found():
    # 3% planted amounts of 1e12 (log 27.6, about 18 sd above the median 6): outliers yes, about 3%
    values = _amounts(30, np.random.default_rng(12), 970) + [1e12] * 30
    out = infer_array(np.array(values))
    assert out["answers"]["target"] == "positive_wide" and out["answers"]["outliers"] == "yes"
    assert out["evidence"]["outliers"].startswith("3.")


# --------------------------------------------------------------------------- one column split at ','

def test_headerless_decimal_commas_split_at_a_comma_are_named(run_cli, tmp_path):
    values = _quarters()
    f = _write(tmp_path, "dec.txt", [_comma(v) for v in values])
    doc = _infer_json(run_cli, f)
    assert any(w.startswith("every line is two fields split at ',', an integer then digits (e.g. '0,25')")
               and "--delimiter ';'" in w for w in doc["warnings"])
    doc = _infer_json(run_cli, f, "--delimiter", ";")  # the reading the warning names
    assert doc["columns"][0]["mean"] == 29.75 and not doc["warnings"]


def test_headerless_text_with_a_comma_is_named(run_cli, tmp_path):
    cities = ["Paris, France", "Austin, TX", "Portland, OR", "Lyon, France"]
    f = _write(tmp_path, "cities.txt", [cities[i % 4] for i in range(60)])
    doc = _infer_json(run_cli, f)
    assert any("the second starting with a space (e.g. 'Paris, France')" in w and "--delimiter '|'" in w
               for w in doc["warnings"])
    doc = _infer_json(run_cli, f, "--delimiter", "|")  # the reading the warning names: 4 cities
    assert doc["answers"]["classes"] == 4 and not doc["warnings"]


@pytest.mark.parametrize("lines", [
    [f"{i % 7},{i * 0.5}" for i in range(60)],  # a decimal point in the second field
    [f"{i % 7},{-i}" for i in range(60)],  # a signed second field: not the digits after a comma
    ["x,y"] + [f"{i % 7},{i}" for i in range(60)],  # a header: two named columns
    [f"{'ab'[i % 2]},{i % 3}" for i in range(60)],  # text then a number, no space
])
def test_honest_two_column_csvs_get_no_split_warning(run_cli, tmp_path, lines):
    doc = _infer_json(run_cli, _write(tmp_path, "two.csv", lines), "--column", "1" if "x,y" not in lines else "y")
    assert not any("two fields split at ','" in w for w in doc["warnings"])
