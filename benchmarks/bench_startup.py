"""Whole-process start-up of `recommend --json --no-check` against `python -c pass`.

Goal (issue 2): median at most 1.5x the median of `python -c pass` on the same
machine and interpreter; also reported against `python -c "import click, json"`, the
floor of any click CLI that prints JSON. Run: python benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

COMMAND = ["-m", "lossadvisor", "recommend", "--task", "binary", "--framework", "pytorch", "--json", "--no-check"]


def median_seconds(args: list[str], runs: int, env: dict | None = None) -> float:
    """The median wall time of ``runs`` whole-process runs of ``args`` (in ``env``, else :func:`_env`)."""
    times = []
    env = _env() if env is None else env
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _env() -> dict:
    # An installed wheel has its .pyc files compiled at install time; a checkout
    # gets them on the warm-up run unless bytecode writing is off, so turn it on.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--python", default=sys.executable)
    ns = parser.parse_args()
    # warm the file cache and .pyc files once
    subprocess.run([ns.python, *COMMAND], stdout=subprocess.DEVNULL, env=_env(), check=True)
    base = median_seconds([ns.python, "-c", "pass"], ns.runs)
    ours = median_seconds([ns.python, *COMMAND], ns.runs)
    click_only = median_seconds([ns.python, "-c", "import click"], ns.runs)
    click_json = median_seconds([ns.python, "-c", "import click, json"], ns.runs)
    print(json.dumps({
        "python": ns.python,
        "runs": ns.runs,
        "python_c_pass_ms": round(base * 1000, 1),
        "import_click_ms": round(click_only * 1000, 1),
        "recommend_json_ms": round(ours * 1000, 1),
        "ratio": round(ours / base, 2),
        "import_click_json_ms": round(click_json * 1000, 1),
        "ratio_to_click_json": round(ours / click_json, 2),
        "goal_ratio": 1.5,
    }, indent=2))


if __name__ == "__main__":
    main()
