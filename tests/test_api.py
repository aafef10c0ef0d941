"""Issue 10, section 6: the Python API. ``lossadvisor.recommend / check / infer / lint`` return
result objects whose ``.to_dict()`` is the document the command prints with ``--json``: each
test runs both on the same input and compares, and validates the document against the
command's schema. Errors are the project's exceptions, never SystemExit; ``import
lossadvisor`` stays light.
"""

from __future__ import annotations

import json
import subprocess
import textwrap

import jsonschema
import numpy as np
import pytest
from conftest import FIXTURES, PYTHON, ROOT, impl_specs, python_env

import lossadvisor
from lossadvisor.api import CheckResult, InferResult, LintResult, RecommendResult
from lossadvisor.errors import InputError, LossAdvisorError, UsageError

LINT = FIXTURES / "lint"


def schema(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((ROOT / "lossadvisor" / "schemas"
                                                       / f"{name}.schema.json").read_text()))


def cli_json(run_cli, *args, codes=(0,)):
    code, out, err = run_cli(*args)
    assert code in codes, err
    return out


def same_as_cli(result, out: str, schema_name: str) -> None:
    """The API's document is the CLI's, to the byte, and valid under the command's schema."""
    assert result.to_dict() == json.loads(out)
    assert result.to_json() == out
    schema(schema_name).validate(result.to_dict())


# ----------------------------------------------------------------------------- recommend


@pytest.mark.parametrize("answers, flags", [
    ({"task": "binary", "framework": "pytorch"}, ["--task", "binary", "--framework", "pytorch"]),
    ({"task": "multiclass", "labels": "integer", "classes": 10, "framework": "keras"},
     ["--task", "multiclass", "--labels", "integer", "--classes", "10", "--framework", "keras"]),
    ({"task": "regression", "target": "count", "outputs": 3, "framework": "jax"},
     ["--task", "regression", "--target", "count", "--outputs", "3", "--framework", "jax"]),
    ({"task": "multilabel", "classes": 5, "imbalance": "severe"},
     ["--task", "multilabel", "--classes", "5", "--answer", "imbalance=severe"]),
])
def test_recommend_is_the_cli_document(run_cli, answers, flags):
    result = lossadvisor.recommend(**answers, check=False)
    same_as_cli(result, cli_json(run_cli, "recommend", *flags, "--json", "--no-check", "--no-input"), "recommend")
    assert isinstance(result, RecommendResult)
    assert result.loss == result["loss"]["id"] and result.activation == result["output"]["activation"]
    assert result.code == result["framework"]["code"] and result.passed is None  # not checked


def test_recommend_with_the_reference_check(run_cli):
    result = lossadvisor.recommend(task="binary", framework="pytorch")
    same_as_cli(result, cli_json(run_cli, "recommend", "--task", "binary", "--framework", "pytorch", "--json",
                                 "--no-input"), "recommend")
    assert result.passed is True and result["check"]["status"] == "passed"
    # binary, zero/one labels: the Bernoulli likelihood's pairing (sigmoid + binary cross-entropy)
    assert (result.loss, result.activation, result.units) == ("binary_crossentropy", "sigmoid", 1)
    assert repr(result) == ("<RecommendResult binary_crossentropy on a sigmoid output (1 unit), pytorch; "
                            "check passed>")


def test_recommend_takes_a_mapping_an_answers_file_and_data(run_cli, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("task: multiclass\nclasses: 4\nlabels: one_hot\n")
    result = lossadvisor.recommend(answers_file=answers, framework="jax", check=False)
    same_as_cli(result, cli_json(run_cli, "recommend", "--answers", str(answers), "--framework", "jax", "--json",
                                 "--no-check", "--no-input"), "recommend")
    assert result["sources"]["classes"] == "file" and result["sources"]["framework"] == "flag"
    data = tmp_path / "train.csv"
    data.write_text("x,label\n" + "".join(f"{i},{'cat' if i % 3 else 'dog'}\n" for i in range(60)))
    result = lossadvisor.recommend(from_data=data, columns="label", check=False)
    same_as_cli(result, cli_json(run_cli, "recommend", "--from-data", str(data), "--column", "label", "--json",
                                 "--no-check", "--no-input"), "recommend")
    assert result["answers"]["task"] == "binary" and result["sources"]["task"] == "data"
    assert "data" in result


def test_recommend_answers_mapping_joins_the_keywords():
    by_mapping = lossadvisor.recommend({"task": "multiclass", "classes": 3}, framework="keras", check=False)
    by_keywords = lossadvisor.recommend(task="multiclass", classes=3, framework="keras", check=False)
    assert by_mapping == by_keywords.to_dict()


# ----------------------------------------------------------------------------- check


def test_check_is_the_cli_document(run_cli):
    result = lossadvisor.check("huber", "poisson", frameworks="none", params={"delta": 2.5})
    same_as_cli(result, cli_json(run_cli, "check", "huber", "poisson", "--framework", "none", "--param",
                                 "delta=2.5", "--json"), "check")
    assert isinstance(result, CheckResult) and result.passed is True and result.status == "passed"
    assert result.counts == result["counts"] and len(result.results) == sum(result.counts.values())
    # an empty list of frameworks is NumPy only, as "none"
    assert lossadvisor.check("huber", frameworks=[], params={"delta": 2.5}).to_dict() == \
        lossadvisor.check("huber", frameworks="none", params={"delta": 2.5}).to_dict()


def test_check_of_an_implementation_is_the_cli_document(run_cli, tmp_path):
    spec = impl_specs(tmp_path, textwrap.dedent("""
        import numpy as np

        def mse(y_true, y_pred):
            return float(np.mean(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2, axis=-1)))
    """))
    result = lossadvisor.check("mean_squared_error", impl=spec("mse"), timeout=20)
    same_as_cli(result, cli_json(run_cli, "check", "mean_squared_error", "--impl", spec("mse"), "--timeout", "20",
                                 "--json"), "check")
    assert result.passed is True and result["impl"] == spec("mse")


# ----------------------------------------------------------------------------- infer


def test_infer_of_a_file_is_the_cli_document(run_cli, tmp_path):
    data = tmp_path / "train.csv"
    data.write_text("x,label\n" + "".join(f"{i},{i % 4}\n" for i in range(80)))
    result = lossadvisor.infer(data, columns="label")
    same_as_cli(result, cli_json(run_cli, "infer", str(data), "--column", "label", "--json"), "infer")
    assert isinstance(result, InferResult)
    # four integer labels 0..3, 20 rows each: multiclass, integer labels, 4 classes, balanced
    assert result.answers == {"task": "multiclass", "labels": "integer", "classes": 4, "imbalance": "none"}
    assert result.task == "multiclass"


def test_infer_of_an_array_or_a_list_reads_as_the_same_data_in_a_file(tmp_path):
    y = np.array([0, 1] * 40 + [1] * 20)
    path = tmp_path / "y.npy"
    np.save(path, y)
    from_file = lossadvisor.infer(path).to_dict()
    for data in (y, y.tolist()):
        from_memory = lossadvisor.infer(data)
        schema("infer").validate(from_memory.to_dict())
        assert "source" not in from_memory   # an array is no file
        for key in ("answers", "evidence", "warnings", "rows", "missing"):
            assert from_memory[key] == from_file[key]
    # 40 zeros, 60 ones: binary, labels 0/1; rarest / commonest = 40/60 >= 1/5, so no imbalance
    assert from_file["answers"] == {"task": "binary", "labels": "zero_one", "imbalance": "none"}
    assert lossadvisor.infer(y, task="regression").task == "regression"


# ----------------------------------------------------------------------------- lint


@pytest.mark.parametrize("files, model, flags", [
    ((str(LINT / "LA101.yaml"),), {}, []),
    ((str(LINT / "LA101.yaml"), str(LINT / "LA103.keras.json")), {"task": "multiclass"}, ["--task", "multiclass"]),
    ((), {"task": "multiclass", "labels": "integer", "units": 10, "classes": 10, "activation": "linear",
          "loss": "nn.CrossEntropyLoss()"},
     ["--task", "multiclass", "--labels", "integer", "--units", "10", "--classes", "10", "--activation", "linear",
      "--loss", "nn.CrossEntropyLoss()"]),
    ((), {"task": "binary", "activation": "sigmoid", "loss": "BinaryCrossentropy", "from_logits": True},
     ["--task", "binary", "--activation", "sigmoid", "--loss", "BinaryCrossentropy", "--from-logits"]),
])
def test_lint_is_the_cli_document(run_cli, files, model, flags):
    result = lossadvisor.lint(*files, **model)
    same_as_cli(result, cli_json(run_cli, "lint", *files, *flags, "--json", codes=(0, 1)), "lint")
    assert isinstance(result, LintResult)
    assert result.findings == result["findings"] and result.counts == result["counts"]
    assert result.clean is (not result.findings and not result["nothing_checked"])


def test_lint_result_says_what_it_found():
    result = lossadvisor.lint(activation="nn.Softmax", loss="nn.CrossEntropyLoss")
    assert [f["code"] for f in result.findings] == ["LA101"] and not result.clean
    assert repr(result) == "<LintResult Found 1 error, 0 warnings, 0 info in 1 model>"
    assert lossadvisor.lint(str(LINT / "clean.yaml")).clean


# ----------------------------------------------------------------------------- results


def test_a_result_is_a_read_only_view_of_the_document():
    result = lossadvisor.recommend(task="binary", check=False)
    doc = result.to_dict()
    assert list(result) == list(doc) and list(doc)[0] == "schema_version" and result["schema_version"] == 1
    assert dict(result) == doc and result == doc and "check" not in result
    doc["loss"]["id"] = "changed"   # to_dict gives a copy
    assert result.loss == "binary_crossentropy"


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("call, error, fragment", [
    (lambda: lossadvisor.recommend(check=False), UsageError, "no answer for 'task'"),
    (lambda: lossadvisor.recommend(task="binray", check=False), UsageError, "did you mean 'binary'?"),
    (lambda: lossadvisor.recommend(task="binary", columns="label"), UsageError, "go with --from-data"),
    (lambda: lossadvisor.recommend(task="binary", answers_file="missing.yaml"), InputError, "missing.yaml"),
    (lambda: lossadvisor.check("nope"), UsageError, "unknown loss 'nope'"),
    (lambda: lossadvisor.check("huber", frameworks=["none", "jax"]), UsageError, "cannot be combined"),
    (lambda: lossadvisor.check("huber", timeout=1), UsageError, "apply only with"),
    (lambda: lossadvisor.check("huber", "poisson", impl="f.py:f"), UsageError, "exactly one"),
    (lambda: lossadvisor.infer("missing.csv"), InputError, "missing.csv"),
    (lambda: lossadvisor.infer([[[1.0]]]), InputError, "expected shape (N,) or (N, K)"),
    (lambda: lossadvisor.infer([0, 1], columns="label"), UsageError, "an array is read whole"),
    (lambda: lossadvisor.infer([0, 1, 1], task="binray"), UsageError, "unknown task 'binray'"),
    (lambda: lossadvisor.lint(), UsageError, "nothing to lint"),
    (lambda: lossadvisor.lint("missing.yaml", exclude=""), UsageError, "exclude=: an empty pattern"),
    (lambda: lossadvisor.lint(activation="sofmax", loss="mse"), UsageError, "did you mean 'softmax'?"),
])
def test_errors_are_the_projects_exceptions(call, error, fragment):
    with pytest.raises(error) as caught:
        call()
    assert isinstance(caught.value, LossAdvisorError) and fragment in str(caught.value)


def test_a_file_lint_cannot_read_is_an_error_of_the_result_not_an_exception():
    # issue 11: each file is its own unit (it raised InputError before)
    result = lossadvisor.lint("missing.yaml")
    assert [e["message"] for e in result.errors] == ["missing.yaml: cannot read: No such file or directory"]
    assert result.clean is False and result.counts["errors"] == 1


# ----------------------------------------------------------------------------- inputs of the API


@pytest.mark.parametrize("value, plain", [
    (np.int64(3), 3), (np.int32(3), 3), (np.uint8(3), 3), (np.array(3), 3), (np.float64(3.0), 3.0),
])
def test_numpy_scalars_are_the_answers_they_hold(value, plain):
    # np.int64(3) is the answer 3: the same document as the Python int
    result = lossadvisor.recommend(task="multiclass", classes=value, framework="keras", check=False)
    assert result == lossadvisor.recommend(task="multiclass", classes=plain, framework="keras", check=False)
    assert result.units == 3 and result["answers"]["classes"] == 3


def test_numpy_strings_bools_and_arrays_of_one_value_are_answers_too():
    expected = lossadvisor.recommend(task="binary", framework="jax", check=False)
    assert lossadvisor.recommend({"task": np.str_("binary")}, framework=np.array("jax"), check=False) == expected
    # lint's keys: units and from_logits as NumPy scalars, as the CLI's --units 3 --from-logits
    plain = lossadvisor.lint(task="multiclass", activation="softmax", loss="CategoricalCrossentropy",
                             units=3, classes=3, from_logits=True)
    numpy = lossadvisor.lint(task=np.str_("multiclass"), activation="softmax", loss="CategoricalCrossentropy",
                             units=np.int64(3), classes=np.array(3), from_logits=np.bool_(True))
    assert numpy == plain and "LA103" in [f["code"] for f in numpy.findings]


def test_a_ragged_list_is_an_input_error_naming_its_rows():
    with pytest.raises(InputError) as caught:
        lossadvisor.infer([[1, 2], [3]])
    assert str(caught.value) == ("array: rows of different lengths: row 0 has 2 values, but row 1 has 1 value; "
                                 "expected shape (N,) or (N, K)")
    with pytest.raises(InputError) as caught:
        lossadvisor.infer([[0, 1], [1, 0], [1], [0, 1], [1, 1, 0], 5])
    assert "row 0 has 2 values, but row 2 has 1 value, row 4 has 3 values, row 5 is a single value;" \
        in str(caught.value)


@pytest.mark.parametrize("given, task, y", [
    ("Binary", "binary", [0, 1, 1, 0]),
    (" multiclass ", "multiclass", [0, 1, 1, 0, 2, 1]),
    (np.str_("REGRESSION"), "regression", [0.5, 1.25, 3.0, 2.5]),
])
def test_infer_takes_the_task_in_any_case_as_the_command_does(given, task, y):
    assert lossadvisor.infer(y, task=given).task == task


def test_infer_suggests_the_nearest_task(run_cli, tmp_path):
    with pytest.raises(UsageError) as caught:
        lossadvisor.infer([0, 1, 1], task="binray")
    assert str(caught.value) == ("unknown task 'binray'; choose from: regression, binary, multiclass, multilabel, "
                                 "ordinal, survival; "
                                 "did you mean 'binary'?")
    # the command suggests the same task
    data = tmp_path / "y.csv"
    data.write_text("y\n0\n1\n1\n")
    code, _, err = run_cli("infer", str(data), "--task", "binray")
    assert code == 2 and "did you mean 'binary'?" in err


def _numbers():
    yield 0
    yield 1


BAD_INPUTS = {"None": None, "a dict": {"task": "binary"}, "bytes": b"y.csv", "a generator": _numbers(),
              "a 3-D array": np.zeros((2, 2, 2)), "an int": 3}


@pytest.mark.parametrize("call", [
    lambda bad: lossadvisor.recommend(bad, check=False),
    lambda bad: lossadvisor.recommend(task="binary", classes=bad, check=False),
    lambda bad: lossadvisor.recommend(task="binary", rules=bad, check=False),
    lambda bad: lossadvisor.recommend(task="binary", answers_file=bad, check=False),
    lambda bad: lossadvisor.recommend(task="binary", from_data=bad, check=False),
    lambda bad: lossadvisor.recommend(task="binary", from_data="y.csv", columns=bad, check=False),
    lambda bad: lossadvisor.recommend(task="binary", from_data="y.csv", key=bad, check=False),
    lambda bad: lossadvisor.check(bad),
    lambda bad: lossadvisor.check("huber", frameworks=bad),
    lambda bad: lossadvisor.check("huber", params=bad, frameworks="none"),
    lambda bad: lossadvisor.check("huber", impl=bad),
    lambda bad: lossadvisor.check("huber", impl="f.py:f", timeout=bad),
    lambda bad: lossadvisor.check("huber", rules=bad),
    lambda bad: lossadvisor.infer(bad),
    lambda bad: lossadvisor.infer([0, 1, 1], task=bad),
    lambda bad: lossadvisor.infer("y.csv", columns=bad),
    lambda bad: lossadvisor.infer("y.csv", delimiter=bad),
    lambda bad: lossadvisor.lint(bad),
    lambda bad: lossadvisor.lint(activation="softmax", loss="mse", units=bad),
    lambda bad: lossadvisor.lint(activation="softmax", loss="mse", rules=bad),
], ids=lambda call: "")
@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_a_bad_input_type_is_a_one_line_project_error(call, kind, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "y.csv").write_text("y\n0\n1\n1\n")
    bad = BAD_INPUTS[kind]
    if kind == "a generator":
        bad = _numbers()    # a fresh one for each call
    try:
        call(bad)
    except LossAdvisorError as exc:
        assert "\n" not in str(exc) and str(exc)
    # else: the value was a valid one there (None where an argument is optional; 3 classes)


@pytest.mark.parametrize("call, fragment", [
    (lambda: lossadvisor.lint(b"x"), "files: expected a file path (str or pathlib.Path), got bytes"),
    (lambda: lossadvisor.lint(None), "files: expected a file path (str or pathlib.Path), got NoneType"),
    (lambda: lossadvisor.infer(None), "path_or_array: expected a file path or the targets"),
    (lambda: lossadvisor.infer({"y": [0, 1]}), "got dict"),
    (lambda: lossadvisor.infer(x for x in (0, 1)), "got generator"),
    (lambda: lossadvisor.recommend(["task", "binary"], check=False), "answers: expected a mapping"),
    (lambda: lossadvisor.recommend(task="binary", from_data=np.array([0, 1]), check=False),
     "pass infer(targets).answers as answers"),
    (lambda: lossadvisor.recommend(task="multiclass", classes=np.array([3, 4]), check=False),
     "classes: expected a single value, got an array of shape (2,)"),
    (lambda: lossadvisor.check("huber", frameworks=[None]), "frameworks: expected text, got NoneType"),
    (lambda: lossadvisor.check("huber", frameworks=3), "frameworks: expected a name or a list of names"),
    (lambda: lossadvisor.check("huber", params=[("delta", 1)]), "params: expected a mapping"),
    (lambda: lossadvisor.check("huber", impl="f.py:f", timeout="2"), "timeout: expected a number of seconds"),
    (lambda: lossadvisor.check("huber", impl="f.py:f", timout=2), "no option 'timout'; did you mean 'timeout'?"),
])
def test_bad_input_types_name_the_argument(call, fragment):
    with pytest.raises(UsageError) as caught:
        call()
    assert fragment in str(caught.value)


def test_a_generator_of_frameworks_is_read_once():
    # the frameworks' names, given by a generator, are those compared with (not "every installed one")
    result = lossadvisor.check("huber", frameworks=(name for name in ["none"]))
    assert all(r.get("framework") in (None, "numpy") for r in result.results)


def test_nothing_to_lint_is_one_message_in_the_api_and_the_command(run_cli):
    with pytest.raises(UsageError) as caught:
        lossadvisor.lint()
    code, out, err = run_cli("lint")
    assert code == 2 and out == ""
    assert err == f"Error: {caught.value} (see 'lossadvisor lint --help')\n"


def test_results_carry_no_unused_attribute():
    from lossadvisor.api import Result

    assert not hasattr(Result, "command")


# ----------------------------------------------------------------------------- import


def run_python(code: str) -> str:
    done = subprocess.run([PYTHON, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120,
                          env=python_env(), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_is_light_and_recommend_without_check_imports_no_numpy():
    out = run_python("""
        import sys
        import lossadvisor
        heavy = lambda: sorted({m.split(".")[0] for m in sys.modules} & {"numpy", "rich", "click", "yaml"})
        print(heavy(), "lossadvisor.api" in sys.modules)
        lossadvisor.recommend(task="binary", check=False)
        lossadvisor.lint(activation="softmax", loss="nn.CrossEntropyLoss")
        print([m for m in heavy() if m != "yaml"])
    """)
    assert out.splitlines() == ["[] False", "[]"]


def test_infer_and_lint_are_callable_whichever_was_imported_first():
    out = run_python("""
        import lossadvisor.infer, lossadvisor.lint            # the packages first
        from lossadvisor.infer import infer_framing            # their names stay where they are
        from lossadvisor import infer, lint
        print(lossadvisor.infer is infer, callable(infer), callable(lint))
        print(infer([0, 1, 1, 0]).task, lint(activation="softmax", loss="nn.CrossEntropyLoss").findings[0]["code"])
    """)
    assert out.splitlines() == ["True True True", "binary LA101"]
    out = run_python("""
        import lossadvisor
        print(lossadvisor.infer([0.5, 1.5, 2.5]).task)         # the API first
        print(sorted(n for n in ("recommend", "check", "infer", "lint") if n in dir(lossadvisor)))
    """)
    assert out.splitlines() == ["regression", "['check', 'infer', 'lint', 'recommend']"]
