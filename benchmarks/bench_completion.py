"""Shell completion latency: one Tab press runs the whole program in click's completion mode.

A Tab that takes longer than about 0.3 s feels slow. Each case is the median of whole-process
runs of `python -m lossadvisor` with `_LOSSADVISOR_COMPLETE=bash_complete`, reported beside
`python -c "import click"` (the floor of any click program). Completion must import neither
NumPy nor rich (a test checks that; this measures the time).
Run: python benchmarks/bench_completion.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from bench_startup import _env as startup_env, median_seconds  # run as a script: benchmarks/ is on the path

#: (what is being completed, the words typed so far; the last one is being completed)
CASES = [
    ("command", ["lossadvisor", "re"]),
    ("recommend --task value", ["lossadvisor", "recommend", "--task", "b"]),
    ("check LOSS", ["lossadvisor", "check", "b"]),
    ("explain ID", ["lossadvisor", "explain", "LA1"]),
    ("lint --activation value", ["lossadvisor", "lint", "--activation", "soft"]),
]


def _env(words: list[str]) -> dict:
    env = startup_env()
    env.update({"_LOSSADVISOR_COMPLETE": "bash_complete", "COMP_WORDS": " ".join(words),
                "COMP_CWORD": str(len(words) - 1)})
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    ns = parser.parse_args()
    program = [sys.executable, "-m", "lossadvisor"]
    subprocess.run(program, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(CASES[0][1]))  # warm
    floor = median_seconds([sys.executable, "-c", "import click"], ns.runs)
    out = {"import click (floor)": round(floor, 3)}
    for name, words in CASES:
        out[name] = round(median_seconds(program, ns.runs, _env(words)), 3)
    print(json.dumps({"median_seconds": out, "runs": ns.runs}, indent=2))


if __name__ == "__main__":
    main()
