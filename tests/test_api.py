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
    (lambda: lossadvisor.lint("missing.yaml"), InputError, "missing.yaml"),
    (lambda: lossadvisor.lint(activation="sofmax", loss="mse"), UsageError, "did you mean 'softmax'?"),
])
def test_errors_are_the_projects_exceptions(call, error, fragment):
    with pytest.raises(error) as caught:
        call()
    assert isinstance(caught.value, LossAdvisorError) and fragment in str(caught.value)


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
