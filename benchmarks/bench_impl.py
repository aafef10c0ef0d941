"""Whole-process time of `check LOSS --impl FILE:FUNCTION`, the user's function in a child process.

What it costs to run the user's code out of process and to try its conventions: a correct
function found under the first convention tried, one found under a later convention (1-D
vectors; probabilities), a wrong one (every convention tried, then the diagnosis), and a
function that never returns (`--timeout 1`). `check LOSS --framework none` is the floor:
the same start-up and reference, without the child. Run: python benchmarks/bench_impl.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FUNCTIONS = '''
import time
import numpy as np

def mse(y, p):
    return np.mean((y - p) ** 2)

def mse_loop(y, p):  # the seed article's loop: 1-D vectors only
    return sum((a - b) ** 2 for a, b in zip(y, p)) / len(y)

def bce_probs(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))

def mse_halved(y, p):
    return 0.5 * np.mean((y - p) ** 2)

def hangs(y, p):
    time.sleep(3600)
'''

CASES = [
    ("floor: check mean_squared_error --framework none", ["check", "mean_squared_error", "--framework", "none"]),
    ("correct MSE, first convention", ["check", "mean_squared_error", "--impl", "{f}:mse"]),
    ("MSE loop, found as 1-D vectors", ["check", "mean_squared_error", "--impl", "{f}:mse_loop"]),
    ("BCE on probabilities, found as the second form", ["check", "binary_crossentropy", "--impl", "{f}:bce_probs"]),
    ("halved MSE: every convention, then the diagnosis", ["check", "mean_squared_error", "--impl", "{f}:mse_halved"]),
    ("never returns, --timeout 1", ["check", "mean_squared_error", "--impl", "{f}:hangs", "--timeout", "1"]),
]


def median_seconds(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lossadvisor", *args], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=dict(os.environ))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "user_losses.py"
        path.write_text(FUNCTIONS)
        floor = None
        for title, command in CASES:
            argv = [a.format(f=path) for a in command]
            seconds = median_seconds(argv, 1 if "never returns" in title else args.runs)
            floor = floor or seconds
            print(f"{title:55s} {seconds:6.2f} s  ({seconds - floor:+.2f} s over the floor)")


if __name__ == "__main__":
    main()
