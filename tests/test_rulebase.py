"""The rule base: loading, validation with file:line, coverage of every combination."""

import json
import textwrap

import pytest

from conftest import ROOT

from lossadvisor.errors import RuleBaseError
from lossadvisor.rulebase import RULE_FILES, build_rulebase, load_rulebase, read_yaml

# The table of issue 2: framing -> (activation, loss, units as a function of answers).
EXPECTED = [
    ({"task": "regression"}, "regression-default", "linear", "mean_squared_error", 1),
    ({"task": "regression", "outputs": 3}, "regression-default", "linear", "mean_squared_error", 3),
    ({"task": "regression", "outliers": "yes"}, "regression-outliers", "linear", "huber", 1),
    ({"task": "regression", "target": "positive_wide"}, "regression-positive-wide", "linear",
     "mean_squared_logarithmic_error", 1),
    ({"task": "regression", "target": "count"}, "regression-counts", "exponential", "poisson", 1),
    ({"task": "regression", "uncertainty": "variance", "outputs": 2}, "regression-variance", "linear",
     "gaussian_nll", 4),  # 2 x outputs
    ({"task": "regression", "uncertainty": "quantiles", "outputs": 2}, "regression-quantiles", "linear",
     "quantile", 6),  # outputs x 3 quantiles
    ({"task": "binary"}, "binary-default", "sigmoid", "binary_crossentropy", 1),
    ({"task": "binary", "labels": "plus_minus_one"}, "binary-plus-minus-one", "tanh", "hinge", 1),
    ({"task": "binary", "imbalance": "moderate"}, "binary-imbalance-moderate", "sigmoid", "binary_crossentropy", 1),
    ({"task": "binary", "imbalance": "severe"}, "binary-imbalance-severe", "sigmoid", "binary_focal_crossentropy", 1),
    ({"task": "multiclass", "labels": "one_hot", "classes": 5}, "multiclass-one-hot", "softmax",
     "categorical_crossentropy", 5),
    ({"task": "multiclass", "labels": "integer", "classes": 7}, "multiclass-integer", "softmax",
     "sparse_categorical_crossentropy", 7),
    ({"task": "multiclass", "labels": "probabilities", "classes": 4}, "multiclass-probabilities", "softmax",
     "kl_divergence", 4),
    ({"task": "multiclass", "imbalance": "moderate", "classes": 3}, "multiclass-imbalance-moderate-integer",
     "softmax", "sparse_categorical_crossentropy", 3),
    ({"task": "multiclass", "labels": "one_hot", "imbalance": "moderate", "classes": 3},
     "multiclass-imbalance-moderate-one-hot", "softmax", "categorical_crossentropy", 3),
    ({"task": "multiclass", "imbalance": "severe", "classes": 3}, "multiclass-imbalance-severe", "softmax",
     "categorical_focal_crossentropy", 3),
    ({"task": "multilabel", "classes": 6}, "multilabel-default", "sigmoid", "binary_crossentropy", 6),
    ({"task": "multilabel", "imbalance": "severe", "classes": 6}, "multilabel-imbalance-severe", "sigmoid",
     "binary_focal_crossentropy", 6),
]


@pytest.mark.parametrize("given, rule, activation, loss, units", EXPECTED)
def test_issue_table_rows(rb, given, rule, activation, loss, units):
    from lossadvisor.engine import recommend, resolve_answers

    answers, _ = resolve_answers(rb, given)
    rec = recommend(rb, answers)
    assert (rec.rule, rec.activation, rec.loss, rec.units) == (rule, activation, loss, units)


def test_every_combination_resolves_to_exactly_one_rule(rb):
    combos = list(rb.answer_sets())
    # regression 3 targets x 2 outliers x 3 uncertainty + binary 2 x 3 + multiclass 3 x 3 + multilabel 3
    # + sequence 1 + survival 2 times + segmentation 3 masks x 3 imbalance + ordinal 3 imbalances
    assert len(combos) == 18 + 6 + 9 + 3 + 1 + 2 + 9 + 3
    for answers in combos:
        found = rb.matching_rules(answers)
        assert found, answers
        top = [r for r in found if r.specificity == found[0].specificity]
        assert len(top) == 1, (answers, [r.id for r in top])
    assert rb.coverage_problems() == []


def test_every_rule_is_reachable(rb):
    reached = {rb.resolve(a).id for a in rb.answer_sets()}
    assert reached == set(rb.rules)


def test_the_binary_variance_quantile_rules_have_heads_and_params(rb):
    r = rb.rules["regression-variance"]
    assert [h["activation"] for h in r.output["heads"]] == ["linear", "softplus"]


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_equally_specific_rules_are_an_error_at_load(tmp_path):
    overlay = _write(tmp_path, "tie.yaml", """\
        rules:
          - id: binary-severe-alt
            match: {task: binary, labels: zero_one, imbalance: severe}
            output: {units: 1, activation: sigmoid}
            loss: {id: binary_crossentropy}
            why: a second rule for the same answers
        """)
    with pytest.raises(RuleBaseError) as info:
        load_rulebase([overlay])
    text = "\n".join(info.value.problems)
    assert "equally specific" in text
    assert "binary-severe-alt" in text and "binary-imbalance-severe" in text
    assert f"{overlay}:2" in text  # file and line of the new rule


def test_uncovered_combination_is_reported(tmp_path):
    # an overlay's questions replace every entry of that id, so both `labels` entries are given
    overlay = _write(tmp_path, "q.yaml", """\
        questions:
          - id: labels
            when: {task: binary}
            prompt: labels?
            default: zero_one
            choices: [zero_one, plus_minus_one, strings]
          - id: labels
            when: {task: multiclass}
            prompt: labels?
            default: integer
            choices: [integer, one_hot, probabilities]
        """)
    with pytest.raises(RuleBaseError) as info:
        load_rulebase([overlay])
    assert any("no rule matches" in p and "labels=strings" in p for p in info.value.problems)


def test_overlay_replaces_a_rule_by_id(tmp_path):
    overlay = _write(tmp_path, "o.yaml", """\
        rules:
          - id: regression-outliers
            match: {task: regression, target: real, outliers: "yes", uncertainty: none}
            output: {units: outputs, activation: linear}
            loss: {id: mean_absolute_error}
            why: our team prefers the median
        """)
    rb = load_rulebase([overlay])
    assert rb.rules["regression-outliers"].loss == "mean_absolute_error"
    assert len(rb.rules) == len(load_rulebase().rules)


def test_overlay_adds_a_question_and_rule(tmp_path):
    overlay = _write(tmp_path, "domain.yaml", """\
        questions:
          - id: domain
            when: {task: binary}
            prompt: Which domain?
            default: generic
            choices: [generic, vision]
        rules:
          - id: binary-vision
            match: {task: binary, labels: zero_one, imbalance: none, domain: vision}
            output: {units: 1, activation: sigmoid}
            loss: {id: binary_focal_crossentropy, params: {gamma: 1.0}}
            why: dense detection heads
        """)
    from lossadvisor.engine import recommend, resolve_answers

    rb = load_rulebase([overlay])
    answers, _ = resolve_answers(rb, {"task": "binary", "domain": "vision"})
    rec = recommend(rb, answers)
    assert rec.rule == "binary-vision" and rec.params == {"gamma": 1.0}


@pytest.mark.parametrize("text, expected", [
    ("rules:\n  - id: x\n    match: {task: binary\n", "YAML syntax error"),
    ("rules: {}\n", "rules must be a list"),
    ("rules:\n  - id: x\n    match: {task: binary}\n    output: {units: 1, activation: sigmoid}\n"
     "    loss: {id: not_a_loss}\n    why: w\n", "unknown loss 'not_a_loss'"),
    ("rules:\n  - id: x\n    match: {task: binary, colour: red}\n    output: {units: 1, activation: sigmoid}\n"
     "    loss: {id: hinge}\n    why: w\n", "unknown question 'colour'"),
    ("rules:\n  - id: x\n    match: {task: binary}\n    output: {units: classes*2x, activation: sigmoid}\n"
     "    loss: {id: hinge}\n    why: w\n", "output units"),
    ("rules:\n  - id: x\n    match: {task: binary}\n    output: {units: classes + x, activation: sigmoid}\n"
     "    loss: {id: hinge}\n    why: w\n", "only one integer literal"),
    ("rules:\n  - id: x\n    match: {task: binary}\n    output: {units: classes - 1 + 2, activation: sigmoid}\n"
     "    loss: {id: hinge}\n    why: w\n", "only one integer literal"),
    ("rules:\n  - id: x\n    matsch: {task: binary}\n", "unknown key 'matsch'"),
    ("questions:\n  - id: q\n    prompt: p\n    choices: [a, b]\n", "needs a default"),
    ("nonsense: 1\n", "unknown top-level key"),
    ("", "the file is empty"),
])
def test_schema_errors_name_file_and_line(tmp_path, text, expected):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(RuleBaseError) as info:
        load_rulebase([p])
    joined = "\n".join(info.value.problems)
    assert expected in joined
    assert str(p) in joined
    assert all(str(p) in x or "rules" in x for x in info.value.problems)


def test_line_numbers_point_at_the_key(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("rules:\n  - id: x\n    match: {task: binary}\n    output: {units: 1, activation: sigmoid}\n"
                 "    loss: {id: hinge}\n    why: w\n    colour: blue\n")
    with pytest.raises(RuleBaseError) as info:
        load_rulebase([p])
    assert f"{p}:7: unknown key 'colour'" in info.value.problems[0]


def test_bare_yes_no_in_yaml_are_read_as_choice_text(tmp_path):
    # YAML 1.1 reads `outliers: yes` as a boolean; the rule base treats it as the choice "yes"
    doc = read_yaml(tmp_path / "x.yaml", text="match: {outliers: yes, other: no}\n")
    assert doc["match"] == {"outliers": True, "other": False}
    rb_docs = [(tmp_path / "r.yaml", read_yaml(tmp_path / "r.yaml", text=(
        "rules:\n  - id: regression-outliers\n    match: {task: regression, target: real, outliers: yes,"
        " uncertainty: none}\n    output: {units: outputs, activation: linear}\n    loss: {id: huber}\n"
        "    why: w\n")))]
    from lossadvisor.rulebase import read_shipped_yaml

    base = [read_shipped_yaml(n) for n in ("questions.yaml", "recommendations.yaml", "losses.yaml")]
    rb = build_rulebase(base + rb_docs)
    assert rb.rules["regression-outliers"].match["outliers"] == "yes"


def test_compiled_rule_base_is_current():
    """rules/compiled.json must be rebuilt from the YAML (python -m lossadvisor.rulebase)."""
    import json

    from lossadvisor.rulebase import (COMPILED, _build_shipped, rulebase_from_plain, rulebase_to_plain,
                                      shipped_rules_dir)

    path = f"{shipped_rules_dir()}/{COMPILED}"
    with open(path, encoding="utf-8") as fh:
        compiled = json.load(fh)
    fresh = rulebase_to_plain(_build_shipped())
    assert compiled["digest"] == fresh["digest"], "stale: run python -m lossadvisor.rulebase"
    assert compiled == json.loads(json.dumps(fresh)), "stale: run python -m lossadvisor.rulebase"
    # and the round trip gives the same rule base as reading the YAML
    assert rulebase_to_plain(rulebase_from_plain(compiled)) == json.loads(json.dumps(fresh))


def test_stale_compiled_file_falls_back_to_yaml(tmp_path, monkeypatch):
    import shutil

    import lossadvisor.rulebase as rbmod

    d = tmp_path / "rules"
    shutil.copytree(rbmod.shipped_rules_dir(), d)
    text = (d / "recommendations.yaml").read_text().replace("id: binary-default", "id: binary-default-edited")
    (d / "recommendations.yaml").write_text(text)
    monkeypatch.setattr(rbmod, "shipped_rules_dir", lambda: str(d))
    monkeypatch.setattr(rbmod, "_SHIPPED_RB", [])
    assert rbmod._load_compiled() is None  # digest differs
    assert "binary-default-edited" in rbmod.load_rulebase().rules


def test_compiled_and_yaml_paths_keep_the_same_key_order():
    """Dict order reaches the JSON output (params, match): both loading paths must agree."""
    from lossadvisor.rulebase import _build_shipped, _load_compiled

    compiled, fresh = _load_compiled(), _build_shipped()
    assert compiled is not None
    for rid, rule in fresh.rules.items():
        assert list(compiled.rules[rid].params) == list(rule.params)
        assert list(compiled.rules[rid].match) == list(rule.match)
    for lid, entry in fresh.losses.items():
        assert list(compiled.losses[lid]) == list(entry)


# --------------------------------------------------------------- loss spellings: validate as lint does

MY_LOSS = """\
    losses:
      - id: my_loss
        name: My loss
        formula: "mean((y - f(x))^2)"
        distribution: Gaussian
        activation: linear
        spellings:
          - {spelling}
    """


@pytest.mark.parametrize("spelling, line, message", [
    # the brief's case: no input
    ("{framework: pytorch, spellings: [MyLoss]}", 8, "input must be one of logits, probabilities"),
    ("{framework: tensorflow, input: values, spellings: [MyLoss]}", 8, "framework must be one of"),
    ("{framework: pytorch, input: values, spellings: []}", 8, "a spelling of 'my_loss' needs a list of spellings"),
    ("{framework: pytorch, input: values, link: soft_max, spellings: [MyLoss]}", 8,
     "unknown link activation 'soft_max'"),
    ("{framework: pytorch, input: values, params: {gamma: 2}, spellings: [MyLoss]}", 8,
     "param 'gamma' is not one lint reads"),
    ("{framework: pytorch, input: values, loss: huber, spellings: [MyLoss]}", 8, "remove `loss:`"),
])
def test_rules_validate_refuses_the_spellings_lint_refuses(run_cli, tmp_path, spelling, line, message):
    overlay = tmp_path / "mine.yaml"
    overlay.write_text(textwrap.dedent(MY_LOSS).format(spelling=spelling))
    # lint refuses the overlay (exit 2, one line) ...
    code, out, err = run_cli("lint", "--rules", str(overlay), "--loss", "MyLoss")
    assert code == 2 and out == "" and err.count("\n") == 1
    lint_problem = err.removeprefix("Error: ").rstrip("\n")
    assert lint_problem.startswith(f"{overlay}:{line}: ") and message in lint_problem
    # ... and `rules validate` says so, with the same problem, as invalid (exit 1): as an overlay,
    # and in a standalone rule base of files (the shipped ones, then the overlay)
    shipped = [str(ROOT / "rules" / name) for name in RULE_FILES]
    for args in ([str(overlay)], ["--standalone", *shipped, str(overlay)]):
        code, out, _ = run_cli("rules", "validate", *args, "--json")
        doc = json.loads(out)
        assert code == 1 and doc["valid"] is False
        assert doc["problems"] == [lint_problem]


def test_valid_spellings_pass_rules_validate_and_lint_reads_them(run_cli, tmp_path):
    overlay = tmp_path / "mine.yaml"
    overlay.write_text(textwrap.dedent(MY_LOSS).format(
        spelling="{framework: pytorch, input: values, spellings: [MyLoss]}"))
    code, out, err = run_cli("rules", "validate", str(overlay))
    assert code == 0 and out.startswith("valid"), out + err
    code, out, _ = run_cli("lint", "--rules", str(overlay), "--activation", "linear", "--loss", "MyLoss",
                           "--task", "regression", "--json")
    doc = json.loads(out)
    assert doc["models"][0]["facts"]["loss"] == "my_loss"


def test_a_rule_base_without_spellings_does_not_read_the_lint_tables(tmp_path, monkeypatch):
    # lint's tables are read only for a file that declares spellings (start-up of --rules)
    import lossadvisor.lint.data as lint_data

    calls = []
    monkeypatch.setattr(lint_data, "load_lint_data", lambda *a, **k: calls.append(1))
    overlay = _write(tmp_path, "rule.yaml", """\
        rules:
          - id: binary-default
            match: {task: binary}
            output: {units: 1, activation: sigmoid}
            loss: {id: binary_crossentropy}
            why: the same rule, said again
        """)
    load_rulebase([overlay])
    assert calls == []
    load_rulebase([_write(tmp_path, "mine.yaml", textwrap.dedent(MY_LOSS).format(
        spelling="{framework: pytorch, input: values, spellings: [MyLoss]}"))])
    assert calls == [1]


@pytest.mark.parametrize("expr, answers, expected", [
    ("classes + 1", {"classes": 26}, 27),  # an alphabet and the blank
    ("classes - 1", {"classes": 5}, 4),  # the cut-points between 5 levels
    ("2*outputs + 3", {"outputs": 2}, 7),  # the product first, then the offset
    ("classes-1", {"classes": 3}, 2),  # spaces are optional
])
def test_units_expressions_add_an_offset_after_the_product(expr, answers, expected):
    from lossadvisor.rulebase import evaluate_units

    assert evaluate_units(expr, answers, {}) == expected


def test_units_that_come_to_zero_are_an_error():
    from lossadvisor.rulebase import evaluate_units

    with pytest.raises(ValueError, match="come to 0"):
        evaluate_units("classes - 2", {"classes": 2}, {})
