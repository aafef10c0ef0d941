"""`infer` and `recommend --from-data`, round 2 of issue 9: a task from an answers file, given answers
that contradict the data, label ranges under --task, values below 1, overdispersed counts, integer IDs
and timestamps, a wrong delimiter on a file of few values, and the texts taken from one place.

Every data set is built so that the right answer is known by construction; a comment says why.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from lossadvisor.infer import THRESHOLDS, infer_array


def _csv(tmp_path, name, header, rows):
    p = tmp_path / name
    p.write_text(header + "\n" + "".join(f"{r}\n" for r in rows))
    return str(p)


def _recommend_json(run_cli, *args):
    code, out, err = run_cli("recommend", "--no-input", "--no-check", "--json", *args)
    assert code == 0, err
    return json.loads(out)


def _binary_csv(tmp_path):
    # 0/1 labels, 3 ones in 40 rows: binary zero_one read alone; as multiclass, classes 0..1 (2)
    return _csv(tmp_path, "y.csv", "x,label", [f"{i},{1 if i < 3 else 0}" for i in range(40)])


def _digits_csv(tmp_path):
    # the labels 0..9, 30 rows each: multiclass, 10 classes, integer labels, no imbalance
    return _csv(tmp_path, "mc.csv", "label", [str(i % 10) for i in range(300)])


# --------------------------------------------------------------------------- 1. the task from --answers FILE


@pytest.mark.parametrize("suffix, text", [(".yaml", "task: multiclass\n"), (".json", '{"task": "multiclass"}')])
def test_a_task_from_an_answers_file_derives_the_data_answers(run_cli, tmp_path, suffix, text):
    # binary 0/1 data under the file's task multiclass: labels integer, 2 classes (0 and 1), and
    # never the 'zero_one' of the binary reading ("invalid value 'zero_one' for labels" before)
    answers = tmp_path / ("ans" + suffix)
    answers.write_text(text)
    doc = _recommend_json(run_cli, "--from-data", _binary_csv(tmp_path), "--column", "label",
                          "--answers", str(answers))
    assert doc["answers"]["task"] == "multiclass" and doc["sources"]["task"] == "file"
    assert (doc["answers"]["labels"], doc["answers"]["classes"]) == ("integer", 2)
    assert doc["sources"]["labels"] == doc["sources"]["classes"] == "data"


def test_the_task_for_the_data_is_decided_in_the_core():
    from lossadvisor.answers import answers_with_data

    asked = []

    def read_data(task):
        asked.append(task)
        return infer_array(np.array([0, 1] * 20), task=task)

    # the task given reaches the inference: 0/1 under regression are small counts, never labels
    answers, sources, data = answers_with_data({"task": "regression"}, read_data=read_data)
    assert asked == ["regression"] and answers["target"] == "count" and "labels" not in answers
    assert sources["task"] == "flag" and sources["target"] == "data"
    # a task inference does not know (a custom rule base's) is left to the engine: inferred without it
    answers_with_data({"task": "ranking"}, read_data=read_data)
    assert asked[-1] is None
    # no data: the given answers only
    assert answers_with_data({"task": "binary"}) == ({"task": "binary"}, {"task": "flag"}, None)


# --------------------------------------------------------------------------- 2. given answers against the data


@pytest.mark.parametrize("args, warning", [
    # 10 classes 0..9 by construction; --classes 3 would give a 3-unit output
    (("--classes", "3"), "--classes 3, but the data says classes=10 (10 distinct values 0..9)"),
    (("--answer", "classes=3"), "--answer classes=3, but the data says classes=10"),
    # one integer per row, not 10 columns of 0/1
    (("--labels", "one_hot"), "--labels one_hot, but the data says labels=integer"),
    # 30 rows per class: ratio 1, imbalance none
    (("--imbalance", "severe"), "--imbalance severe, but the data says imbalance=none"),
])
def test_a_given_answer_the_data_contradicts_is_named(run_cli, tmp_path, args, warning):
    f = _digits_csv(tmp_path)
    doc = _recommend_json(run_cli, "--from-data", f, *args)
    key = args[1].split("=")[0] if args[0] == "--answer" else args[0][2:]
    assert doc["sources"][key] == "flag"  # the flag still wins (the documented precedence)
    assert any(w.startswith(warning) and w.endswith("the given answer is used") for w in doc["data"]["warnings"])
    code, out, err = run_cli("recommend", "--no-input", "--no-check", "--from-data", f, *args)
    assert code == 0 and warning.split(",")[0] in out


def test_plus_minus_one_on_a_zero_one_column_and_a_file_answer(run_cli, tmp_path):
    f = _binary_csv(tmp_path)
    doc = _recommend_json(run_cli, "--from-data", f, "--column", "label", "--labels", "plus_minus_one")
    assert doc["data"]["warnings"][0].startswith("--labels plus_minus_one, but the data says labels=zero_one "
                                                 "(the values are 0 and 1)")
    answers = tmp_path / "a.yaml"
    answers.write_text("labels: plus_minus_one\n")
    doc = _recommend_json(run_cli, "--from-data", f, "--column", "label", "--answers", str(answers))
    assert doc["data"]["warnings"][0].startswith(f"labels: plus_minus_one in {answers}, but the data says "
                                                 "labels=zero_one")


def test_given_answers_that_agree_with_the_data_give_no_warning(run_cli, tmp_path):
    doc = _recommend_json(run_cli, "--from-data", _digits_csv(tmp_path), "--classes", "10", "--labels", "integer",
                          "--task", "multiclass")
    assert doc["data"]["warnings"] == []


# --------------------------------------------------------------------------- 3. label ranges under --task


@pytest.mark.parametrize("values, warning", [
    ([1, 2], "the class labels run 1..2: shift them to 0..1"),
    ([-1, 1], "the class labels are -1, 1: map them to 0..1"),
    ([1, 2, 3, 5], "the class labels are 1, 2, 3, 5: map them to 0..3"),
])
def test_labels_other_than_0_to_k_minus_1_warn_under_task_multiclass(run_cli, tmp_path, values, warning):
    f = _csv(tmp_path, "l.csv", "label", [str(values[i % len(values)]) for i in range(40)])
    code, out, err = run_cli("infer", f, "--task", "multiclass")
    assert code == 0 and warning in out.replace("\n    ", " ")
    doc = _recommend_json(run_cli, "--from-data", f, "--task", "multiclass")
    assert any(warning in w for w in doc["data"]["warnings"])


def test_labels_0_to_k_minus_1_under_task_multiclass_need_no_mapping():
    doc = infer_array(np.array([0, 1, 2] * 10), task="multiclass")
    assert doc["warnings"] == [] and "label_mapping" not in doc


# --------------------------------------------------------------------------- 4. values below 1


@pytest.mark.parametrize("y", [
    # Beta(2, 5): 0.003 to 0.73; 1 + y spans 1.003 to 1.73, under 2 times < wide_ratio
    np.random.default_rng(10).beta(2, 5, 2000),
    # lognormal x 1e-3: wide on the raw scale, but 1 + y stays within 1 to about 1.1
    np.random.default_rng(11).lognormal(0, 1.2, 2000) * 1e-3,
    # any values in [0, 1): (1 + q99) / (1 + q01) < 2 by construction
    np.random.default_rng(12).uniform(0, 1, 2000) ** 8,
])
def test_values_below_1_are_never_positive_wide(y):
    doc = infer_array(y)
    assert doc["answers"]["target"] == "real", doc["evidence"]["target"]


def test_the_same_shape_above_1_is_positive_wide():
    # the lognormal of the test above times 1e3 instead of 1e-3: median 1,000, 1 + the 99th percentile
    # about exp(2.326 * 1.2 * 2) = 270 times 1 + the 1st, and log(1 + y) is close to log y: symmetric
    doc = infer_array(np.random.default_rng(11).lognormal(0, 1.2, 2000) * 1e3)
    assert doc["answers"]["target"] == "positive_wide", doc["evidence"]["target"]
    assert "1 + the 99th percentile" in doc["evidence"]["target"]


# --------------------------------------------------------------------------- 5. overdispersed counts


@pytest.mark.parametrize("r, mean", [(1, 20), (1.5, 40), (2, 50)])
def test_overdispersed_counts_stay_counts_and_name_positive_wide(r, mean):
    # negative binomial counts (variance mean + mean^2 / r, far above the mean): small counts occur
    # (5th percentile <= count_small), and they span orders of magnitude with few zeros, P(0) =
    # (r / (r + mean)) ** r = 4.8%, 0.69%, 0.15% <= wide_zero_share: the wide rule holds too
    y = np.random.default_rng(13).negative_binomial(r, r / (r + mean), 3000)
    doc = infer_array(y)
    assert doc["answers"]["target"] == "count", doc["evidence"]["target"]
    amb = [a for a in doc["ambiguities"] if a["answer"] == "target"]
    assert amb and amb[0]["alternative"] == {"target": "positive_wide"} and "--target positive_wide" in amb[0]["settle"]


def test_overdispersed_counts_in_recommend(run_cli, tmp_path):
    y = np.random.default_rng(14).negative_binomial(1, 1 / 21, 2000)  # r=1, mean 20: 1/21 = 4.8% zeros
    f = _csv(tmp_path, "nb.csv", "y", [str(v) for v in y])
    doc = _recommend_json(run_cli, "--from-data", f)
    assert doc["answers"]["target"] == "count" and doc["sources"]["target"] == "data"


# --------------------------------------------------------------------------- 6. integer IDs and timestamps


@pytest.mark.parametrize("values, words", [
    # 500 distinct epoch seconds of 2020..2023 (10 digits each)
    (np.random.default_rng(15).choice(np.arange(1_600_000_000, 1_700_000_000), 500, replace=False),
     "different integers of 10 digits each"),
    # 300 random 5-digit IDs
    (np.random.default_rng(16).choice(np.arange(10_000, 100_000), 300, replace=False),
     "different integers of 5 digits each"),
    # epoch milliseconds (13 digits)
    (np.random.default_rng(17).choice(np.arange(1_600_000_000, 1_700_000_000), 50, replace=False) * 1000 + 7,
     "read as epoch milliseconds"),
])
def test_ids_and_timestamps_with_gaps_warn(run_cli, tmp_path, values, words):
    f = _csv(tmp_path, "t.csv", "x,t", [f"0.5,{v}" for v in values])
    code, out, err = run_cli("infer", f, "--column", "t", "--json")
    assert code == 0  # a warning, not a stop: a real integer target may be all distinct
    doc = json.loads(out)
    assert any(words in w and "IDs or timestamps" in w for w in doc["warnings"])


def test_epoch_seconds_name_their_dates():
    # 1,600,000,000 s is 2020-09-13 UTC, 1,600,086,400 one day later
    doc = infer_array(np.arange(1_600_000_000, 1_600_000_000 + 86_400 * 30, 86_400) + np.arange(30) % 2)
    assert any("read as epoch seconds they are the dates 2020-09-13..2020-10-12" in w for w in doc["warnings"])


@pytest.mark.parametrize("y", [
    np.arange(2000) * 7 + 3,  # distinct whole numbers of 1 to 5 digits: amounts, not IDs
    np.random.default_rng(18).integers(10_000, 10_050, 300),  # 5 digits, but repeated values
    np.random.default_rng(19).choice(np.arange(10_000, 100_000), 19, replace=False),  # 19 < distinct_min_rows
    np.random.default_rng(20).choice(np.arange(100, 1000), 300, replace=False),  # 3 digits < id_min_digits
])
def test_distinct_integers_that_need_no_id_warning(y):
    assert not any("IDs or timestamps" in w for w in infer_array(y)["warnings"])


def test_id_min_digits_is_a_named_threshold():
    assert THRESHOLDS["id_min_digits"][0] == 4


# --------------------------------------------------------------------------- 7. a wrong delimiter, few values


def _cat_csv(tmp_path, header=True):
    # 3 comma-separated fields per line, 8 combinations: read with ';' each line is one "value"
    rng = np.random.default_rng(21)
    rows = [f"{rng.choice(['m', 'f'])},{rng.choice(['yes', 'no'])},{rng.integers(0, 2)}" for _ in range(200)]
    return _csv(tmp_path, "cat.csv", "sex,smoker,label", rows) if header else \
        _csv(tmp_path, "cat.csv", rows[0], rows[1:])


def test_a_wrong_delimiter_on_few_values_stops(run_cli, tmp_path):
    f = _cat_csv(tmp_path)
    for cmd in (("infer", f, "--delimiter", ";"), ("recommend", "--from-data", f, "--delimiter", ";", "--no-input")):
        code, out, err = run_cli(*cmd)
        assert code == 2 and out == ""
        assert "the values all contain ',' 2 times, as does the header: is ',' the delimiter?" in err
    # read with its own delimiter, the label column is binary
    code, out, err = run_cli("infer", f, "--json")
    assert code == 0 and json.loads(out)["answers"]["task"] == "binary"


def test_a_wrong_delimiter_without_a_header_and_for_tabs(run_cli, tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("".join(f"{'ab'[i % 2]}\t{i % 3}\n" for i in range(60)))  # 6 tab-separated combinations
    code, out, err = run_cli("infer", str(p), "--delimiter", ",")
    assert code == 2 and "the values all contain '\\t' 1 time: is '\\t' the delimiter?" in err


def test_decimal_commas_and_varying_commas_are_no_delimiter(run_cli, tmp_path):
    # '1,5' is a decimal comma (a number once ',' reads as '.'); 'a,b' beside 'c' holds 1 or 0 commas
    for values in (["1,5", "2,5", "3,0"], ["a,b", "c", "d,e"]):
        f = _csv(tmp_path, "d.csv", "x;y", [f"{i};{values[i % 3]}" for i in range(60)])
        code, out, err = run_cli("infer", f, "--column", "y", "--json")
        assert code == 0, err


# --------------------------------------------------------------------------- 8. one source for each fact


def test_tasks_are_the_keys_of_the_task_rules():
    from lossadvisor.infer.decide import COLUMN_TASK_RULES, MATRIX_TASK_RULES, TASKS

    # survival is the one task without a column rule: it needs its event column (--event)
    assert TASKS == (*COLUMN_TASK_RULES, "survival") and tuple(COLUMN_TASK_RULES) == tuple(MATRIX_TASK_RULES)


def test_the_missing_words_are_written_from_the_readers_list(run_cli):
    from pathlib import Path

    from lossadvisor.datareaders import MISSING_TOKENS
    from lossadvisor.infer.values import missing_tokens_text

    text = missing_tokens_text()
    assert all(t in text for t in MISSING_TOKENS)
    code, out, err = run_cli("infer", "--help")
    assert text in " ".join(out.split())
    share = THRESHOLDS["missing_class_share"][0]
    assert f"at least {share:.0%} of the rows" in " ".join(out.split())
    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text().split())
    assert f"Missing cells ({text})" in readme


def test_all_rows_missing_names_the_missing_words():
    from lossadvisor.errors import InputError
    from lossadvisor.infer.values import missing_tokens_text

    with pytest.raises(InputError, match=r"every row has a missing \(empty, #n/a"):
        infer_array(np.array([np.nan, np.nan]))
    assert missing_tokens_text().startswith("empty, ")


def test_missing_words_are_recorded_through_the_public_method():
    import importlib

    from lossadvisor.infer.stats import accumulate_array

    decide_module = importlib.import_module("lossadvisor.infer.decide")

    assert not hasattr(decide_module, "_with_missing")
    acc = accumulate_array(["Some", "Marked"] * 30)
    acc.add_missing({"None": 40})  # 40 of 100 rows >= missing_class_share: a class
    framing = decide_module.decide(acc)
    assert framing.answers["classes"] == 3 and acc.missing_rows == 0 and acc.class_words == {"None": 40}


# --------------------------------------------------------------------------- 9. one capped read


def test_read_at_most_takes_a_read_function():
    from lossadvisor.textutil import read_at_most

    calls = []

    def read(n):
        calls.append(n)
        return src.read(n)

    src = io.BytesIO(b"x" * 10)
    assert read_at_most(read, 10) == b"x" * 10
    src = io.BytesIO(b"x" * 11)
    assert read_at_most(read, 10) is None and max(calls) <= 11  # never more than limit + 1 bytes


def test_a_json_array_from_a_pipe_stops_at_its_cap(monkeypatch, tmp_path):
    import os
    import threading

    from lossadvisor.datareaders import limits
    from lossadvisor.errors import InputError
    from lossadvisor.infer import infer_framing

    monkeypatch.setattr(limits, "MAX_JSON_ARRAY_BYTES", 1 << 16)
    fifo = tmp_path / "a.json"
    os.mkfifo(fifo)
    body = b"[" + b",".join(b'{"y": %d}' % (i % 2) for i in range(20000)) + b"]"  # about 200 KiB > 64 KiB

    def write():
        try:
            with open(fifo, "wb") as fh:
                fh.write(body)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write)
    writer.start()
    try:
        with pytest.raises(InputError, match="stopped reading at 64 KiB, the size limit for a JSON array"):
            infer_framing(str(fifo))
    finally:
        writer.join(timeout=10)


def test_recommend_json_with_data_warnings_matches_its_schema(run_cli, tmp_path):
    from pathlib import Path

    import jsonschema

    schema_path = Path(__file__).parent.parent / "lossadvisor" / "schemas" / "recommend.schema.json"
    schema = json.loads(schema_path.read_text())
    doc = _recommend_json(run_cli, "--from-data", _digits_csv(tmp_path), "--classes", "3")
    jsonschema.validate(doc, schema)
    assert doc["data"]["warnings"]
