"""`lossadvisor infer` on ordinal and survival targets (issue 12): answers, evidence, warnings,
alternatives, exit codes and the JSON schema.

Every expected number is counted by hand from the rows written in the test (the comment next to
it says how); the data are small files of each kind (CSV, JSON Lines, npz) and arrays.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import lossadvisor
from conftest import ROOT
from lossadvisor.errors import InputError, UsageError
from lossadvisor.infer import TASKS, infer_array, infer_framing

SCHEMA = json.loads((ROOT / "lossadvisor" / "schemas" / "infer.schema.json").read_text())


def _valid(doc):
    """The document with schema_version, checked against infer.schema.json."""
    doc = {"schema_version": 1, **doc}
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(json.loads(json.dumps(doc)), SCHEMA)
    return doc


def _csv(tmp_path, name, header, rows):
    path = tmp_path / name
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return str(path)


def _infer_json(run_cli, *args):
    code, out, err = run_cli("infer", *args, "--json")
    assert code == 0, err
    return _valid({k: v for k, v in json.loads(out).items() if k != "schema_version"})


def _task_alternatives(doc):
    return [a["alternative"] for a in doc["ambiguities"] if a["answer"] == "task"]


# =========================================================================== ordinal: integer scales


def test_ratings_1_to_5_are_ordinal_with_the_mapping_and_both_alternatives(run_cli, tmp_path):
    # the example: 1-5 ratings, 8 + 12 + 20 + 24 + 16 = 80 rows
    counts = {1: 8, 2: 12, 3: 20, 4: 24, 5: 16}
    rows = [f"{i},{v}" for v, c in counts.items() for i in range(c)]
    doc = _infer_json(run_cli, _csv(tmp_path, "r.csv", "id,rating", rows), "--column", "rating")
    # 8 / 24 = 0.33 >= 1/5: no imbalance
    assert doc["answers"] == {"task": "ordinal", "classes": 5, "imbalance": "none"}
    assert doc["evidence"]["task"].startswith("integers 1..5, a 1-5 rating scale")
    assert doc["evidence"]["classes"] == "5 levels, lowest first: 1 -> 0, 2 -> 1, 3 -> 2, 4 -> 3, 5 -> 4"
    assert doc["label_mapping"] == {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4}
    assert "the levels run 1..5: shift them to 0..4 (ordinal losses take levels 0..K-1)" in doc["warnings"]
    assert _task_alternatives(doc) == [{"task": "multiclass", "labels": "integer", "classes": 5},
                                       {"task": "regression", "target": "real"}]


def test_a_1_to_6_agreement_scale_is_not_taken_for_counts():
    # 30, 20, 12, 8, 4, 3 rows for 1..6: the histogram falls at 5 of 5 steps after its mode and ends at
    # 3/30 = 10% <= 20% of it (count_tail_*): count-shaped, which used to make it regression/count
    y = np.repeat([1, 2, 3, 4, 5, 6], [30, 20, 12, 8, 4, 3])
    doc = _valid(infer_array(y))
    # 3 / 30 = 0.1: 1/100 <= r < 1/5 is moderate
    assert doc["answers"] == {"task": "ordinal", "classes": 6, "imbalance": "moderate"}
    assert {"task": "regression", "target": "real"} in _task_alternatives(doc)


def test_a_0_to_10_scale_is_ordinal_without_a_shift():
    # 0..10, 10 rows each except 20 sevens and 20 eights (130 rows): not count-shaped, zeros 10/130
    y = np.concatenate([np.repeat(np.arange(11), 10), [7] * 10, [8] * 10])
    doc = _valid(infer_array(y))
    assert doc["answers"] == {"task": "ordinal", "classes": 11, "imbalance": "none"}  # 10 / 20 = 0.5
    assert not any("shift" in w for w in doc["warnings"])  # the levels are 0..10 already
    assert doc["label_mapping"] == {str(i): i for i in range(11)}


def test_0_to_10_counts_stay_counts_with_ordinal_as_the_alternative():
    # Poisson(3) x 1000 on 0..10 (50 149 224 224 168 101 50 22 8 3 1): count-shaped
    poisson = np.repeat(np.arange(11), [50, 149, 224, 224, 168, 101, 50, 22, 8, 3, 1])
    doc = infer_array(poisson)
    assert doc["answers"]["task"] == "regression" and doc["answers"]["target"] == "count"
    ordinal = [a for a in doc["ambiguities"] if a["alternative"].get("task") == "ordinal"]
    assert ordinal[0]["alternative"] == {"task": "ordinal", "classes": 11}
    assert "like a count's" in ordinal[0]["why"]
    # 0..10 with 60 zeros of 100 and 4 rows of each of 1..10: flat after the zeros (not count-shaped:
    # 0 of 9 steps down), but 60% zeros > 50% (ordinal_zero_share_max): class indices 0..10 by rule 10
    zeros = np.concatenate([[0] * 60, np.repeat(np.arange(1, 11), 4)])
    doc = infer_array(zeros)
    assert doc["answers"]["task"] == "multiclass"
    why = [a["why"] for a in doc["ambiguities"] if a["alternative"].get("task") == "ordinal"]
    assert why == ["0..10 may be a 0-10 rating scale, but 60% are zeros (more than 50%, ordinal_zero_share_max), "
                   "like counts"]


def test_a_1_to_5_scale_with_a_level_absent_keeps_its_five_levels():
    # nobody answered 3: levels 1, 2, 4, 5 with 10, 20, 20, 10 rows
    doc = _valid(infer_array(np.repeat([1, 2, 4, 5], [10, 20, 20, 10])))
    assert doc["answers"]["classes"] == 5
    assert doc["answers"]["imbalance"] == "none"  # over the levels that occur: 10 / 20 = 0.5
    assert doc["label_mapping"] == {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4}
    assert any(w.startswith("level 3 never occurs") for w in doc["warnings"])


def test_class_indices_from_0_stay_multiclass_with_ordinal_as_the_alternative():
    # 0..4, 30 rows each: class indices by the 0-based convention; 0..10 is the only 0-based scale
    doc = infer_array(np.repeat(np.arange(5), 30))
    assert doc["answers"]["task"] == "multiclass"
    assert {"task": "ordinal", "classes": 5} in _task_alternatives(doc)
    # 1..12 is past ordinal_scale_top (10): not a rating scale
    assert infer_array(np.repeat(np.arange(1, 13), 5))["answers"]["task"] != "ordinal"


def test_levels_stored_as_floats_warn_to_cast():
    doc = infer_array(np.repeat([1.0, 2.0, 3.0, 4.0], 10))
    assert doc["answers"]["task"] == "ordinal"
    assert "the levels are stored as floats: cast them to integers (int64) for the ordinal losses" in doc["warnings"]


# =========================================================================== ordinal: words


def test_none_mild_severe_is_ordinal_in_the_order_of_the_scale(run_cli, tmp_path):
    # the example, as JSON Lines: 12 none, 6 mild, 2 severe; 'none' is a missing-value word
    # but 12 of 20 rows (60% >= 5%, missing_class_share) make it a class
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps({"x": i, "severity": s}) + "\n"
                            for i, s in enumerate(["none"] * 12 + ["mild"] * 6 + ["severe"] * 2)))
    doc = _infer_json(run_cli, str(path), "--column", "severity")
    # 2 / 12 = 0.167 < 1/5: moderate
    assert doc["answers"] == {"task": "ordinal", "classes": 3, "imbalance": "moderate"}
    assert doc["label_mapping"] == {"none": 0, "mild": 1, "severe": 2}
    assert doc["evidence"]["classes"] == "3 levels, lowest first: 'none' -> 0, 'mild' -> 1, 'severe' -> 2"
    assert "known scale none < minimal < mild < moderate < severe < very severe" in doc["evidence"]["task"]
    assert _task_alternatives(doc) == [{"task": "multiclass", "labels": "integer", "classes": 3},
                                       {"task": "regression", "target": "real"}]


def test_agreement_words_with_mixed_case_are_one_level_each():
    words = (["Strongly disagree"] * 3 + ["disagree"] * 5 + ["Disagree"] * 2 + ["neutral"] * 6 + ["agree"] * 8
             + ["strongly_agree"] * 4)
    doc = _valid(infer_array(np.array(words)))
    assert doc["answers"]["task"] == "ordinal" and doc["answers"]["classes"] == 5
    assert doc["label_mapping"] == {"Strongly disagree": 0, "Disagree": 1, "disagree": 1, "neutral": 2, "agree": 3,
                                    "strongly_agree": 4}
    assert ("the level 'disagree' is written 2 ways ('Disagree', 'disagree'): read as one level; write it one way "
            "before training (the label mapping maps each)") in doc["warnings"]
    # the rarest level 3 rows vs the most common 8: 0.375
    assert doc["answers"]["imbalance"] == "none"


def test_words_of_no_known_scale_stay_multiclass():
    doc = infer_array(np.array(["cat", "dog", "bird"] * 10))
    assert doc["answers"]["task"] == "multiclass"
    # two levels of a scale are a binary target
    assert infer_array(np.array(["low", "high"] * 10))["answers"]["task"] == "binary"


# =========================================================================== --order and --task ordinal


def test_order_fixes_the_levels_and_shows_the_mapping(run_cli, tmp_path):
    rows = [f"{i},{w}" for i, w in enumerate(["bronze"] * 5 + ["Gold"] * 3 + ["silver"] * 4)]
    path = _csv(tmp_path, "m.csv", "id,medal", rows)
    # 'platinum' is listed but never occurs: 4 levels, a warning
    doc = _infer_json(run_cli, path, "--column", "medal", "--order", "bronze,silver,gold,platinum")
    assert doc["answers"] == {"task": "ordinal", "classes": 4, "imbalance": "none"}  # 3 / 5 = 0.6
    assert doc["evidence"]["classes"] == ("4 levels, lowest first: 'bronze' -> 0, 'silver' -> 1, 'gold' -> 2, "
                                          "'platinum' -> 3")
    assert doc["label_mapping"] == {"bronze": 0, "silver": 1, "Gold": 2, "gold": 2, "platinum": 3}
    assert any(w.startswith("level 'platinum' never occurs") for w in doc["warnings"])
    assert doc["ambiguities"] == []  # the caller said which order


@pytest.mark.parametrize("order, message", [
    ("bronze,gold,platinum",
     "Error: /PATH: column 'medal' holds 1 value that --order does not list: 'silver' (4 rows)"),
    ("bronze,silver,gold,Silver", "Error: --order lists the level 'silver' twice ('silver', 'Silver'); each level "
                                  "once, lowest first"),
    ("bronze,,gold", "Error: --order has an empty level"),
])
def test_order_errors_exit_2_with_one_line(run_cli, tmp_path, order, message):
    rows = [f"{i},{w}" for i, w in enumerate(["bronze"] * 5 + ["gold"] * 3 + ["silver"] * 4)]
    path = _csv(tmp_path, "m.csv", "id,medal", rows)
    code, out, err = run_cli("infer", path, "--column", "medal", "--order", order)
    assert code == 2 and out == ""
    assert err.replace(path, "/PATH").startswith(message)
    assert err.count("\n") == 1


def test_order_with_two_levels_or_another_task_is_a_usage_error():
    with pytest.raises(UsageError, match="--order lists 2 levels; an ordinal target has at least 3"):
        infer_array(np.array(["a", "b"] * 5), order="a,b")
    with pytest.raises(UsageError, match="cannot go with --task multiclass"):
        infer_array(np.array(["a", "b", "c"] * 5), order="a,b,c", task="multiclass")


def test_order_on_integer_codes():
    # codes 2 = low, 1 = medium, 3 = high: --order 2,1,3
    doc = infer_array(np.array([1, 2, 3, 3, 2, 2]), order=["2", "1", "3"])
    assert doc["label_mapping"] == {"2": 0, "1": 1, "3": 2}


def test_task_ordinal_takes_integers_and_refuses_unknown_words():
    # integers 2..6 (3 absent of 5 levels = 0.2 <= 0.5): levels 2..6
    doc = infer_array(np.array([2, 4, 6, 2, 4, 6]), task="ordinal")
    assert doc["answers"]["classes"] == 5 and doc["label_mapping"]["6"] == 4
    with pytest.raises(InputError, match="no known ordered scale .* pass the order of the levels, lowest first, "
                                         "with --order a,b,c"):
        infer_array(np.array(["cat", "dog", "bird"] * 5), task="ordinal")
    with pytest.raises(InputError, match="an ordinal target is one column of levels"):
        infer_array(np.eye(3)[[0, 1, 2, 0]], task="ordinal")


def test_counts_from_1_list_regression_count_among_the_alternatives():
    # 1 + a count: 40, 80, 80, 50, 30, 12, 4 rows for 1..7 (296). From the mode 2 (the first of the two
    # 80s) the tail 80, 80, 50, 30, 12, 4 takes 5 steps, 4 of them down (0.8 >= 0.75) and ends at
    # 4 / 80 = 0.05 <= 0.2 (count_tail_*): count-shaped. 1..7 is still a 1-7 scale (the issue: a 1-6
    # agreement scale is not taken for counts), so ordinal, with counts listed as the alternative
    y = np.repeat(np.arange(1, 8), [40, 80, 80, 50, 30, 12, 4])
    doc = _valid(infer_array(y))
    assert doc["answers"] == {"task": "ordinal", "classes": 7, "imbalance": "moderate"}  # 4 / 80 = 0.05
    assert _task_alternatives(doc) == [{"task": "multiclass", "labels": "integer", "classes": 7},
                                       {"task": "regression", "target": "real"},
                                       {"task": "regression", "target": "count"}]
    count = doc["ambiguities"][2]
    assert count["why"].startswith("the histogram falls away after its mode 2 like a count's (count_tail_*)")
    assert count["settle"] == "if the values count something, pass --task regression --target count"


def _pain_rows(none):
    # 60 mild, 70 moderate, 65 severe and `none` rows of 'none', a missing-value word to the readers
    return [f"{i},{w}" for i, w in enumerate(["mild"] * 60 + ["none"] * none + ["moderate"] * 70 + ["severe"] * 65)]


@pytest.mark.parametrize("order, reading", [
    (("--order", "none,mild,moderate,severe"), "a level --order lists"),
    ((), "a level of the known scale the other values belong to"),
])
def test_a_rare_none_is_a_level_of_the_scale_not_a_missing_value(run_cli, tmp_path, order, reading):
    # 5 of 200 rows are 'none': 2.5% < 5% (missing_class_share) made them missing, then "level 'none'
    # never occurs"; 'none' is listed in --order / is the lowest level of none < ... < very severe,
    # which mild, moderate and severe belong to
    doc = _infer_json(run_cli, _csv(tmp_path, "p.csv", "id,pain", _pain_rows(5)), "--column", "pain", *order)
    assert doc["missing"] == 0
    # the rarest level 'none' 5 rows vs 'moderate' 70: 5 / 70 = 0.071 < 1/5, >= 1/100: moderate
    assert doc["answers"] == {"task": "ordinal", "classes": 4, "imbalance": "moderate"}
    assert doc["label_mapping"] == {"none": 0, "mild": 1, "moderate": 2, "severe": 3}
    assert doc["evidence"]["task"].endswith(f"; 'none' (5 rows) is read as {reading}, not as a missing value")
    assert doc["missing_values"] == {"missing": {}, "classes": {"none": 5}}
    assert not any("never occurs" in w or "missing target value" in w for w in doc["warnings"])


def test_none_beside_words_of_another_scale_stays_missing(run_cli, tmp_path):
    # 'none' is no level of low < normal < high (nor of any scale with low and high), and 5 of 120 rows
    # (4.2% < 5%, missing_class_share) make no class: 5 rows missing
    rows = [f"{i},{w}" for i, w in enumerate(["low"] * 60 + ["none"] * 5 + ["high"] * 55)]
    doc = _infer_json(run_cli, _csv(tmp_path, "l.csv", "id,level", rows), "--column", "level")
    assert doc["missing"] == 5 and doc["answers"]["task"] == "binary"


def test_words_of_a_scale_but_one_list_ordinal_with_the_order(run_cli, tmp_path):
    # none, mild, severe are levels of none < minimal < mild < moderate < severe < very severe; 'extreme'
    # is not; 'none' (6 of 30 rows, 20% >= 5%) is a class
    rows = [f"{i},{w}" for i, w in enumerate(["mild"] * 10 + ["severe"] * 8 + ["extreme"] * 6 + ["none"] * 6)]
    path = _csv(tmp_path, "x.csv", "id,pain", rows)
    doc = _infer_json(run_cli, path, "--column", "pain")
    assert doc["answers"]["task"] == "multiclass" and doc["answers"]["classes"] == 4
    hint = [a for a in doc["ambiguities"] if a["alternative"]["task"] == "ordinal"]
    assert hint == [{"answer": "task", "chosen": "multiclass", "alternative": {"task": "ordinal", "classes": 4},
                     "why": "'none', 'mild', 'severe' are levels of the known scale none < minimal < mild < moderate "
                            "< severe < very severe; 'extreme' is not: the values may be ordered levels",
                     "settle": "if the values are ordered levels, pass them lowest first: --order none,mild,severe "
                               "with 'extreme' in its place (e.g. --order none,mild,severe,extreme if it is the "
                               "highest)"}]
    # the suggested order works: 4 levels, 'extreme' the highest
    doc = _infer_json(run_cli, path, "--column", "pain", "--order", "none,mild,severe,extreme")
    assert doc["label_mapping"] == {"none": 0, "mild": 1, "severe": 2, "extreme": 3}
    # two unknown words (huge, tiny) beside two known ones: no ordinal hint
    doc = _valid(infer_array(np.array(["mild", "severe", "huge", "tiny"] * 5)))
    assert [a["alternative"]["task"] for a in doc["ambiguities"]] == []


# =========================================================================== survival


SURVIVAL_ROWS = [  # id, time, died: 7 rows, 4 events, 3 censored; times 3.5 (two events) and 6.0 (one
    # event and one censored row) repeat: one tied event time, shared by 2 events
    "1,3.5,1", "2,3.5,1", "3,6.0,1", "4,6.0,0", "5,8.25,1", "6,10.0,0", "7,1.5,0"]


def test_time_and_event_are_survival_with_events_censoring_and_ties(run_cli, tmp_path):
    # the example: --column time --event died
    path = _csv(tmp_path, "p.csv", "id,time,died", SURVIVAL_ROWS)
    doc = _infer_json(run_cli, path, "--column", "time", "--event", "died")
    assert doc["answers"] == {"task": "survival", "time": "continuous"}
    assert doc["evidence"]["task"] == (
        "time column 'time' (7 values from 1.5 to 10) with event column 'died' (1 = event, 0 = censored): "
        "4 events (57%), 3 censored (43%); ties: 1 event time shared by 2 events (the Cox partial likelihood "
        "takes them with Breslow's approximation)")
    assert doc["survival"] == {"time_column": "time", "event_column": "died", "events": 4, "censored": 3,
                               "censored_share": round(3 / 7, 6), "tied_event_times": 1, "events_in_ties": 2}
    assert [a["alternative"] for a in doc["ambiguities"]] == [{"time": "discrete"}]
    assert doc["rows"] == 7 and [c["name"] for c in doc["columns"]] == ["time", "died"]


def test_the_event_column_by_index_in_an_npz(run_cli, tmp_path):
    # the same rows as an (N, 2) float array: column 0 time, column 1 event
    table = np.array([[float(x) for x in row.split(",")[1:]] for row in SURVIVAL_ROWS])
    np.savez(tmp_path / "s.npz", y=table)
    doc = _infer_json(run_cli, str(tmp_path / "s.npz"), "--column", "0", "--event", "1")
    assert doc["survival"]["events"] == 4 and doc["survival"]["tied_event_times"] == 1


def test_censoring_words_in_any_case_give_the_mapping(run_cli, tmp_path):
    rows = ["5,Dead", "3,dead", "3,alive", "8,Censored", "1,censored", "12,dead", ",dead", "4,"]
    path = _csv(tmp_path, "w.csv", "months,status", rows)
    doc = _infer_json(run_cli, path, "--column", "months", "--event", "status")
    # 6 rows kept (the empty time and the empty status left out): 3 events (dead x3 at 5, 3, 12)
    assert doc["survival"]["events"] == 3 and doc["survival"]["censored"] == 3
    assert doc["missing"] == 2 and any(w.startswith("2 of 8 rows miss their time or event") for w in doc["warnings"])
    assert doc["label_mapping"] == {"Censored": 0, "alive": 0, "censored": 0, "Dead": 1, "dead": 1}
    # integer months 1..12 (<= 30, survival_max_intervals): 12 intervals, index = months - 1
    assert doc["answers"] == {"task": "survival", "time": "discrete", "intervals": 12}
    assert doc["evidence"]["intervals"] == "12 intervals; the interval index is time - 1 (times 1..12 -> 0..11)"
    assert any("use time - 1 as the first target column" in w for w in doc["warnings"])


def test_intervals_from_0_count_the_zero_interval():
    # times 0..5: 6 intervals, the index is the time itself
    doc = infer_array(np.array([0, 1, 2, 5, 3, 4]), event=np.array([1, 0, 1, 1, 0, 1]))
    assert doc["answers"] == {"task": "survival", "time": "discrete", "intervals": 6}
    assert not any("time - 1" in w for w in doc["warnings"])


def test_a_column_named_censored_is_read_the_other_way_round(tmp_path):
    # censored = 1 on 2 of 5 rows: 3 events
    path = _csv(tmp_path, "c.csv", "time,censored", ["2.5,0", "3.5,1", "4.5,0", "7.5,1", "9.5,0"])
    doc = _valid(infer_framing(path, columns=["time"], event="censored"))
    assert doc["survival"]["events"] == 3 and doc["survival"]["censored"] == 2
    assert any(w.startswith("column 'censored' is read as a censoring indicator by its name") for w in doc["warnings"])


def test_booleans_and_the_api(tmp_path):
    # the API takes the event indicators of an array of times; 2 of 3 events
    result = lossadvisor.infer([4.5, 2.0, 7.25], event=[True, False, True])
    assert result.answers == {"task": "survival", "time": "continuous"}
    assert "true = event, false = censored" in result.to_dict()["evidence"]["task"]
    assert result.to_dict()["survival"]["events"] == 2


def test_no_censored_row_is_a_warning():
    doc = infer_array(np.array([1.5, 2.5, 3.5]), event=np.array([1, 1, 1]))
    assert doc["answers"]["task"] == "survival"
    assert any(w.startswith("no row is censored") for w in doc["warnings"])


def test_infinite_times_count_as_missing_rows_left_out(run_cli, tmp_path):
    # 6 rows: one with no event, one with an infinite time: 2 left out, 4 read (3 events, 1 censored)
    rows = ["2.5,1", "inf,1", "3.0,0", "4.0,1", "5.5,", "6.0,1"]
    doc = _infer_json(run_cli, _csv(tmp_path, "i.csv", "time,died", rows), "--column", "time", "--event", "died")
    assert doc["rows"] == 6 and doc["missing"] == 2 and doc["infinite"] == 1
    assert doc["survival"]["events"] == 3 and doc["survival"]["censored"] == 1
    assert "1 of 6 rows miss their time or event; it was left out" in doc["warnings"]
    assert "1 row with an infinite time left out" in doc["warnings"]
    code, out, _ = run_cli("infer", _csv(tmp_path, "i.csv", "time,died", rows), "--column", "time", "--event", "died")
    assert code == 0 and "6 rows, 2 missing" in out


def test_id_like_times_warn(tmp_path):
    # 25 different integers of 5 digits, 10000 + 37 i (i = 0..24: up to 10888), not one run: a warning
    doc = infer_array(10000 + 37 * np.arange(25), event=np.arange(25) % 2)
    assert any(w.startswith("time column 'array': the 25 values are different integers of 5 digits each "
                            "(10000..10888)") for w in doc["warnings"])


@pytest.mark.parametrize("header, rows, args, message", [
    ("time,event", ["2.5,1", "-1.0,0", "3.5,1"], ("--column", "time", "--event", "event"),
     "/PATH: time column 'time' has 1 negative value (the smallest -1): survival times are durations >= 0"),
    # an event column of 2s: R's 1 = censored, 2 = event coding
    ("time,status", ["2.5,2", "1.0,2", "3.5,1"], ("--column", "time", "--event", "status"),
     "/PATH: event column 'status' is not binary: it holds 2 besides 0 and 1; 1/2 is R's survival coding "
     "(1 = censored, 2 = event): recode as 0/1"),
    ("time,status", ["2.5,2", "1.0,0", "3.5,1"], ("--column", "time", "--event", "status"),
     "/PATH: event column 'status' is not binary: it holds 2 besides 0 and 1; codes 0, 1, 2, ... are competing "
     "event types: keep one event type as 1, everything else as 0"),
    ("time,status", ["2.5,dead", "1.0,maybe", "3.5,alive"], ("--column", "time", "--event", "status"),
     "/PATH: event column 'status' holds 'maybe' (1 row), neither an event word"),
    ("time,event", ["2.5,0", "1.0,0"], ("--column", "time", "--event", "event"),
     "/PATH: event column 'event' has no event in 2 rows (every row is censored): no survival loss learns from "
     "it (the Cox partial likelihood has no term)"),
    ("time,event", ["2.5,0", "1.0,1"], ("--column", "time", "--event", "died"),
     "/PATH: no column 'died'"),
    ("time,event", ["soon,0", "1.0,1"], ("--column", "time", "--event", "event"),
     "/PATH: time column 'time' holds text (e.g. 'soon'): times are numbers >= 0 (durations)"),
    ("time,event", ["2.5,0", "1.0,1"], ("--event", "event"),
     "--event needs the time column: --column TIME (one column)"),
    ("time,event", ["2.5,0", "1.0,1"], ("--column", "time", "--task", "survival"),
     "--task survival needs the event column: --event NAME|INDEX (and --column for the time)"),
    ("time,event", ["2.5,0", "1.0,1"], ("--column", "time", "--event", "event", "--task", "binary"),
     "--event names the event column of a survival target; it cannot go with --task binary"),
    # an ID column as the time: 0..24, each once (25 >= 20 rows, distinct_min_rows)
    ("id,time,died", [f"{i},{i + 0.5},{i % 2}" for i in range(25)], ("--column", "id", "--event", "died"),
     "/PATH: time column 'id': the 25 values are the integers 0..24, each once: a row number or an ID, not a "
     "survival time; name the time column with --column"),
    # the columns swapped: the event column 'time' holds 0.5, 2.5 and 4 (every row), the time column 0/1
    ("id,time,died", ["1,2.5,1", "2,0.5,0", "3,4.0,1"], ("--column", "died", "--event", "time"),
     "/PATH: event column 'time' is not binary: it holds 0.5, 2.5, 4 besides 0 and 1; recode it as 1 = event, "
     "0 = censored"),
])
def test_bad_survival_input_exits_2_with_one_line(run_cli, tmp_path, header, rows, args, message):
    path = _csv(tmp_path, "s.csv", header, rows)
    code, out, err = run_cli("infer", path, *args)
    assert code == 2 and out == ""
    assert err.replace(path, "/PATH").startswith(f"Error: {message}")
    assert err.count("\n") == 1


# =========================================================================== the command and its contract


def test_the_task_choices_and_the_help(run_cli):
    assert TASKS[-2:] == ("ordinal", "survival")
    code, out, _ = run_cli("infer", "--help")
    assert code == 0 and "--order A,B,C" in out and "--event NAME|INDEX" in out
    assert "infer patients.csv --column time --event died" in out


def test_the_text_output_says_what_to_run_next(run_cli, tmp_path):
    path = _csv(tmp_path, "p.csv", "id,time,died", SURVIVAL_ROWS)
    code, out, _ = run_cli("infer", path, "--column", "time", "--event", "died")
    assert code == 0 and "Next  lossadvisor recommend --task survival --answer time=continuous" in out
    code, out, _ = run_cli("infer", _csv(tmp_path, "r.csv", "rating", ["1", "2", "3", "4", "5"] * 4))
    assert code == 0 and "Next  lossadvisor recommend --task ordinal --classes 5 --imbalance none" in out
