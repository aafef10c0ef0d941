"""Shell completion of option values and ids (click's ``shell_complete`` callbacks).

Every value comes from the pre-built rule base (``rules/compiled.json``) or the lint
tables: completing never imports numpy nor rich. A rule base given with ``--rules``
earlier on the command line is used when it loads; a broken one falls back to the shipped.
Values match what is typed in any case, as the commands take them (``--task B`` completes
``binary``); the canonical value is offered. ``--rules`` completes file and folder paths.
Turn completion on with ``eval "$(_LOSSADVISOR_COMPLETE=bash_source lossadvisor)"``
(``zsh_source``, ``fish_source``: see the README).
"""

from __future__ import annotations

from click.shell_completion import CompletionItem


def _rulebase(ctx):
    """The rule base of the command line being completed: the shipped one, or with its --rules."""
    from lossadvisor.errors import LossAdvisorError
    from lossadvisor.rulebase import load_rulebase

    paths = ctx.params.get("rules_paths") or ()
    try:
        return load_rulebase(paths)
    except (LossAdvisorError, OSError):
        return load_rulebase()


def _given_answers(ctx, rb) -> dict:
    """The answers given so far by the question flags (``--task binary``)."""
    ids = set(rb.question_ids())
    return {k: v for k, v in ctx.params.items() if k in ids and v is not None}


def _question_values(rb, qid: str, given: dict) -> list[tuple[str, str]]:
    """(value, help) of the choices of question ``qid``: those of the questions that apply to
    the answers given (``--labels`` after ``--task binary``), else those of every question
    with that id."""
    questions = [q for q in rb.questions_with_id(qid) if q.kind == "choice"]
    applying = [q for q in questions if q.applies(given)] or questions
    values: dict[str, str] = {}
    for q in applying:
        for choice in q.choices:
            values.setdefault(choice.value, choice.help)
    return list(values.items())


def _matching(items, incomplete: str) -> list[CompletionItem]:
    """``items`` ((value, help) pairs) whose value starts with ``incomplete``, in any case."""
    start = incomplete.casefold()
    return [CompletionItem(value, help=help or None) for value, help in items if value.casefold().startswith(start)]


def question_values(qid: str):
    """A ``shell_complete`` for the ``--ID`` flag of question ``qid``."""

    def complete(ctx, param, incomplete):
        rb = _rulebase(ctx)
        return _matching(_question_values(rb, qid, _given_answers(ctx, rb)), incomplete)

    return complete


def words(items):
    """A ``shell_complete`` offering the fixed ``items`` ((value, help) pairs)."""

    def complete(ctx, param, incomplete):
        return _matching(items, incomplete)

    return complete


def answer_pairs(ctx, param, incomplete):
    """``--answer ID=VALUE``: the question ids (``task=``) while the id is being typed; the
    ``ID=VALUE`` pairs of a choice question once its id is typed in full or is the only one
    that fits. (bash splits a word at '=': there only the ids complete.)"""
    rb = _rulebase(ctx)
    ids = rb.question_ids()
    qid, equals, value = incomplete.partition("=")
    typed = qid.casefold()
    fitting = [i for i in ids if (i.casefold() == typed if equals else i.casefold().startswith(typed))]
    if len(fitting) == 1:
        pairs = _question_values(rb, fitting[0], _given_answers(ctx, rb))
        found = _matching([(f"{fitting[0]}={v}", h) for v, h in pairs], incomplete)
        if found or equals:
            return found
    return [CompletionItem(f"{i}=", help=_prompt(rb, i)) for i in fitting]


def paths(ctx, param, incomplete):
    """A file or folder path (``--rules``): the shell completes it."""
    return [CompletionItem(incomplete, type="file")]


def _prompt(rb, qid: str) -> str:
    return rb.questions_with_id(qid)[0].prompt


def _loss_items(rb) -> list[tuple[str, str]]:
    return [(loss_id, entry.get("name")) for loss_id, entry in rb.losses.items()]


def _activation_items(rb) -> list[tuple[str, str]]:
    from lossadvisor.lint.data import load_lint_data

    return [(name, "activation") for name in load_lint_data(rb=rb).activations]


def loss_ids(ctx, param, incomplete):
    """Loss ids of the catalog, but those already named earlier on the command line."""
    named = ctx.params.get(param.name)
    named = set(named) if isinstance(named, (tuple, list)) else set()
    return [item for item in _matching(_loss_items(_rulebase(ctx)), incomplete) if item.value not in named]


def activation_ids(ctx, param, incomplete):
    """Output activation ids (those of the lint tables)."""
    return _matching(_activation_items(_rulebase(ctx)), incomplete)


def explain_ids(ctx, param, incomplete):
    """What ``explain`` takes: loss ids, activation ids, rule ids and lint codes (any case)."""
    from lossadvisor.lint.data import list_codes

    rb = _rulebase(ctx)
    rules = [(rule_id, f"rule: {rule.loss}") for rule_id, rule in rb.rules.items()]
    codes = [(c["code"], c["name"]) for c in list_codes()]
    return _matching(_loss_items(rb) + _activation_items(rb) + rules + codes, incomplete)
