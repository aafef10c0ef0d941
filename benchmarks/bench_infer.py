"""Whole-process time and peak memory of `infer FILE --column label --json` against pandas + sklearn.

Goal (issue 4): on a 5,000,000-row CSV (a float feature column and an integer label column),
`lossadvisor infer FILE --column label --json` takes at most half the time of
`pandas.read_csv(FILE, usecols=["label"])` followed by sklearn's `type_of_target`, measured in the
same run, with a peak resident memory under 64 MiB whatever the file's size.

Each command runs in a fresh process; its peak RSS is that child's own ``ru_maxrss`` from
``os.wait4``. Linux keeps the high-water mark across fork and exec, so this parent stays small:
it never imports numpy and writes the data files from a separate process. Run: python benchmarks/bench_infer.py [--rows 5000000] [--runs 5] [--scale 1e6,2e7]
(pandas and scikit-learn are benchmark dependencies only: pip install pandas scikit-learn).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = (
    "import sys, pandas as pd\n"
    "from sklearn.utils.multiclass import type_of_target\n"
    "df = pd.read_csv(sys.argv[1], usecols=['label'])\n"
    "print(type_of_target(df['label']))\n"
)


def make_csv(path: Path, rows: int, python: str = sys.executable) -> Path:
    """Write the file in a child process (see the module docstring) unless it exists."""
    if not (path.exists() and path.stat().st_size > 0):
        subprocess.run([python, __file__, "--make", str(path), str(rows)], check=True)
    return path


def _write_csv(path: Path, rows: int, seed: int = 0) -> None:
    """`feature,label` rows: a standard normal with 6 decimals and an integer label 0..9."""
    import numpy as np

    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".part")
    with open(tmp, "w") as f:
        f.write("feature,label\n")
        step = 500_000
        for start in range(0, rows, step):
            n = min(step, rows - start)
            feat = rng.normal(size=n)
            lab = rng.integers(0, 10, size=n)
            f.write("\n".join(f"{a:.6f},{b}" for a, b in zip(feat.tolist(), lab.tolist())) + "\n")
    tmp.rename(path)


def run_once(args: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {err}")
    return wall, usage.ru_maxrss / 1024.0  # KiB on Linux


def measure(args: list[str], runs: int, env: dict) -> dict:
    walls, rss = [], []
    for _ in range(runs):
        w, r = run_once(args, env)
        walls.append(w)
        rss.append(r)
    return {"median_s": round(statistics.median(walls), 3), "peak_rss_mib": round(max(rss), 1)}


def main() -> None:
    if sys.argv[1:2] == ["--make"]:
        _write_csv(Path(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "lossadvisor-bench"))
    parser.add_argument("--scale", default="", help="extra row counts for the memory-vs-size check, e.g. 1e6,2e7")
    parser.add_argument("--python", default=sys.executable)
    ns = parser.parse_args()

    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    folder = Path(ns.dir)
    folder.mkdir(parents=True, exist_ok=True)
    data = make_csv(folder / f"labels_{ns.rows}.csv", ns.rows, ns.python)
    ours = [ns.python, "-m", "lossadvisor", "infer", str(data), "--column", "label", "--json"]
    base = [ns.python, "-c", BASELINE, str(data)]
    run_once(ours, env)  # warm the page cache and the .pyc files
    run_once(base, env)
    # interleave the two so that machine noise hits both alike
    o_runs, b_runs = [], []
    for _ in range(ns.runs):
        o_runs.append(run_once(ours, env))
        b_runs.append(run_once(base, env))
    o = {"median_s": round(statistics.median(w for w, _ in o_runs), 3),
         "peak_rss_mib": round(max(r for _, r in o_runs), 1)}
    b = {"median_s": round(statistics.median(w for w, _ in b_runs), 3),
         "peak_rss_mib": round(max(r for _, r in b_runs), 1)}
    report = {
        "rows": ns.rows,
        "file_mib": round(data.stat().st_size / 2**20, 1),
        "runs": ns.runs,
        "lossadvisor_infer": o,
        "pandas_read_csv_plus_type_of_target": b,
        "time_ratio": round(o["median_s"] / b["median_s"], 3),
        "goal_time_ratio": 0.5,
        "goal_peak_rss_mib": 64,
    }
    if ns.scale:
        report["memory_by_size"] = {}
        for size in (int(float(s)) for s in ns.scale.split(",") if s.strip()):
            f = make_csv(folder / f"labels_{size}.csv", size, ns.python)
            res = measure([ns.python, "-m", "lossadvisor", "infer", str(f), "--column", "label", "--json"], 1, env)
            report["memory_by_size"][str(size)] = res
    report["goals_met"] = bool(report["time_ratio"] <= 0.5 and o["peak_rss_mib"] < 64 and all(
        r["peak_rss_mib"] < 64 for r in report.get("memory_by_size", {}).values()))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
