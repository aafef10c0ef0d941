"""Record the golden corpus of the CLI's JSON outputs, or compare against one.

    python scripts/golden.py record DIR     # write DIR/<case>.json
    python scripts/golden.py compare DIR    # exit 1 and list the cases that differ

The corpus: ``recommend --json`` for every combination of the finite answers (integer
questions at their defaults) x every framework, with the check against that framework;
``check --json --framework none``; ``explain --json`` for every loss, rule and lint code;
``lint --format json`` for every file in tests/fixtures/lint. A refactoring that keeps
behaviour keeps this corpus byte for byte.
"""

from __future__ import annotations

import itertools
import json
import pathlib
import sys

from click.testing import CliRunner

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _cases():
    from lossadvisor.rulebase import load_rulebase

    rb = load_rulebase()
    questions = rb.questions
    tasks = [c["value"] if isinstance(c, dict) else c for c in _choices(questions, "task", None)]
    for task in tasks:
        dims = []
        for q in questions:
            qid = _get(q, "id")
            if qid in ("task", "framework") or not _applies(q, task):
                continue
            if _get(q, "kind") == "choice":
                dims.append([(qid, v) for v in _values(q)])
        for combo in itertools.product(*dims):
            for fw in ("pytorch", "keras", "jax"):
                args = ["recommend", "--json", "--no-input", "--task", task, "--framework", fw]
                for qid, v in combo:
                    args += ["--answer", f"{qid}={v}"]
                name = "recommend-" + "-".join([task, *[f"{q}={v}" for q, v in combo], fw])
                yield name, args
    yield "check-all", ["check", "--json", "--framework", "none"]
    ids = list(rb.losses) + list(rb.rules)
    import yaml

    lint_codes = [c["code"] for c in yaml.safe_load((ROOT / "rules" / "lint.yaml").read_text())["rules"]]
    for i in ids + lint_codes:
        yield f"explain-{i}", ["explain", i, "--json"]
    for f in sorted((ROOT / "tests" / "fixtures" / "lint").iterdir()):
        if f.name == "expected.yaml":
            continue
        yield f"lint-{f.name}", ["lint", str(f.relative_to(ROOT)), "--format", "json"]


def _get(obj, key):
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


def _applies(q, task):
    when = _get(q, "when") or {}
    if not when:
        return True
    want = when.get("task")
    return want is None or task == want or (isinstance(want, (list, tuple)) and task in want)


def _values(q):
    return [_get(c, "value") for c in _get(q, "choices")]


def _choices(questions, qid, task):
    for q in questions:
        if _get(q, "id") == qid:
            return _values(q)
    return []


def _run(args):
    from lossadvisor.cli import cli

    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    return {"args": args, "exit_code": res.exit_code, "stdout": res.stdout.replace(str(ROOT), "<ROOT>")}


def main(argv):
    import os

    mode, folder = argv[1], pathlib.Path(argv[2]).resolve()
    os.chdir(ROOT)
    folder.mkdir(parents=True, exist_ok=True)
    differ = []
    n = 0
    for name, args in _cases():
        n += 1
        got = json.dumps(_run(args), indent=1, sort_keys=True)
        path = folder / (name.replace("/", "_") + ".json")
        if mode == "record":
            path.write_text(got)
        elif not path.exists() or path.read_text() != got:
            differ.append(name)
    print(f"{n} cases; {len(differ)} differ" + "".join(f"\n  {d}" for d in differ))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
