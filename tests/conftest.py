import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed sequence of examples (a red CI must mean a real
# regression, not an unlucky draw); locally they explore new examples on every run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def rb():
    from lossadvisor.rulebase import load_rulebase

    return load_rulebase()


@pytest.fixture
def run_cli():
    """Invoke the CLI in-process through lossadvisor.cli.main, the real entry point.

    Returns (exit_code, stdout, stderr)."""
    from click.testing import CliRunner

    from lossadvisor.cli import main

    def run(*args, input=None, env=None):
        runner = CliRunner()
        result = runner.invoke(_entry, list(args), input=input, env=env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    import click

    @click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                     "help_option_names": []})
    @click.pass_context
    def _entry(ctx):
        main(ctx.args)

    return run


def central_differences(f, x, h=1e-6):
    """d f / d x of a scalar function by central differences, element by element (the independent
    gradient the analytic ones are compared with)."""
    import numpy as np

    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (f(up) - f(down)) / (2 * h)
    return g


def python_env(**extra):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


PYTHON = sys.executable


def impl_specs(folder: Path, source: str):
    """``spec(name)``: the ``--impl`` spec of the function ``name`` of ``source``, written to
    ``folder/user_losses.py`` (the user's module, imported in the child process)."""
    path = Path(folder) / "user_losses.py"
    path.write_text(source)
    return lambda name: f"{path}:{name}"


def framework_variant_cases(rb, frameworks):
    """(extra, Recommendation) for the framework-code tests beyond the shipped answer sets.

    For each of ``frameworks``: non-default integer answers (several regression outputs,
    few classes; extra "variant"), then the losses no shipped rule recommends (they appear
    as alternatives only), swapped in where they are natural (extra: the loss id).
    """
    from lossadvisor.engine import recommend, resolve_answers

    variants = [
        {"task": "regression", "outputs": 3},
        {"task": "regression", "outputs": 3, "target": "count"},
        {"task": "regression", "outputs": 3, "target": "positive_wide"},
        {"task": "regression", "outputs": 3, "outliers": "yes"},
        {"task": "regression", "outputs": 3, "uncertainty": "variance"},
        {"task": "regression", "outputs": 2, "uncertainty": "quantiles"},
        {"task": "multiclass", "classes": 2},
        {"task": "multiclass", "classes": 3, "labels": "one_hot", "imbalance": "moderate"},
        {"task": "multiclass", "classes": 3, "labels": "probabilities"},
        {"task": "multiclass", "classes": 4, "labels": "integer", "imbalance": "severe"},
        {"task": "multilabel", "classes": 2, "imbalance": "moderate"},
        {"task": "survival", "time": "discrete", "intervals": 3},
        {"task": "ordinal", "classes": 3},
    ]
    swaps = [
        ({"task": "regression"}, "mean_absolute_error", "linear", {}),
        ({"task": "regression"}, "log_cosh", "linear", {}),
        ({"task": "binary", "labels": "plus_minus_one"}, "squared_hinge", "tanh", {}),
        ({"task": "binary", "imbalance": "severe"}, "binary_focal_crossentropy", "sigmoid",
         {"gamma": 2.0, "alpha": 0.25}),
        ({"task": "segmentation", "masks": "multilabel", "imbalance": "moderate"}, "dice", "sigmoid", {}),
        ({"task": "segmentation", "masks": "multiclass", "imbalance": "moderate"}, "dice", "softmax", {}),
        # the ordinal alternatives: K - 1 = 4 sigmoid units (5 levels), no cut-point head
        ({"task": "ordinal"}, "corn", "sigmoid", {}, {"units": 4, "heads": ()}),
        ({"task": "ordinal"}, "coral", "sigmoid", {}, {"units": 4, "heads": ()}),
    ]

    def rec_for(given):
        answers, sources = resolve_answers(rb, given)
        return recommend(rb, answers, sources)

    cases = [("variant", rec_for(dict(given, framework=fw))) for given in variants for fw in frameworks]
    for given, loss, activation, params, *output in swaps:
        for fw in frameworks:
            rec = rec_for(dict(given, framework=fw))
            fields = {name: getattr(rec, name) for name in type(rec).__slots__}
            fields.update(loss=loss, loss_name=rb.losses[loss]["name"], activation=activation, params=dict(params))
            fields.update(*output)  # the output layer of a swapped loss that has another one
            cases.append((loss, type(rec)(**fields)))
    return cases
