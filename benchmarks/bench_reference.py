"""Speed and memory of the NumPy reference against PyTorch's CPU losses (one thread).

    python benchmarks/bench_reference.py            # float32 (PyTorch's default) and float64
    python benchmarks/bench_reference.py --quick    # fewer repeats
    python benchmarks/bench_reference.py --json

Cases: 10 million elements (binary_crossentropy from logits, mean_squared_error, huber)
and a 1,000,000 x 10 batch (categorical and sparse categorical cross-entropy from logits).
For each: the median of N interleaved runs of the reference and of the PyTorch loss
(``torch.set_num_threads(1)``), their ratio, and the memory the reference allocates beyond
its inputs (tracemalloc peak: NumPy reports its buffers to tracemalloc; and the growth of
the peak RSS in a fresh subprocess). For mean_squared_error also the floor: ``np.sum``
over both inputs, i.e. reading them once from memory. Then the wall time of
``lossadvisor check`` over all losses (NumPy only, and in-process after start-up).

Not part of the test run: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

N = 10_000_000
ROWS, CLASSES = 1_000_000, 10


def make_inputs(case: str, dtype):
    import numpy as np

    rng = np.random.default_rng(0)
    if case in ("binary_crossentropy", "mean_squared_error", "huber"):
        a = rng.standard_normal(N, dtype=np.float64).astype(dtype)
        if case == "binary_crossentropy":
            b = (rng.random(N) < 0.3).astype(dtype)
        else:
            b = rng.standard_normal(N, dtype=np.float64).astype(dtype)
        return b, a  # y_true, y_pred
    z = (rng.standard_normal((ROWS, CLASSES)) * 2).astype(dtype)
    labels = rng.integers(0, CLASSES, ROWS)
    if case == "sparse_categorical_crossentropy":
        return labels, z
    onehot = np.zeros((ROWS, CLASSES), dtype)
    onehot[np.arange(ROWS), labels] = 1
    return onehot, z


def reference_call(case: str, y, p):
    from lossadvisor import reference as ref

    if case == "binary_crossentropy":
        return lambda: ref.binary_crossentropy(y, p, from_logits=True)
    if case == "mean_squared_error":
        return lambda: ref.mean_squared_error(y, p)
    if case == "huber":
        return lambda: ref.huber(y, p, delta=1.0)
    if case == "categorical_crossentropy":
        return lambda: ref.categorical_crossentropy(y, p, from_logits=True)
    return lambda: ref.sparse_categorical_crossentropy(y, p, from_logits=True)


def torch_call(case: str, y, p):
    import torch
    import torch.nn.functional as F

    ty, tp = torch.from_numpy(y), torch.from_numpy(p)
    if case == "binary_crossentropy":
        return lambda: float(F.binary_cross_entropy_with_logits(tp, ty))
    if case == "mean_squared_error":
        return lambda: float(F.mse_loss(tp, ty))
    if case == "huber":
        return lambda: float(F.huber_loss(tp, ty, delta=1.0))
    return lambda: float(F.cross_entropy(tp, ty))  # probabilities (one-hot) or int64 indices


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def tracemalloc_extra(fn) -> int:
    """Peak bytes allocated (and reported to tracemalloc) during ``fn`` beyond what was there."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return max(0, peak - before)


_RSS_CHILD = r"""
import resource, sys, numpy as np
sys.path.insert(0, {root!r})
sys.argv = ["x"]
import benchmarks.bench_reference as b
y, p = b.make_inputs({case!r}, np.{dtype})
f = b.reference_call({case!r}, y, p)
import lossadvisor.reference  # imports done before the baseline

def status(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

try:  # reset the peak RSS (VmHWM) to the current RSS (Linux >= 4.0)
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    base = status("VmRSS")
    f()
    print(status("VmHWM") - base)
except OSError:
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    f()
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024)
"""


def rss_extra(case: str, dtype_name: str) -> int | None:
    """Growth of the peak RSS (bytes) over the reference call, in a fresh process: the peak
    (VmHWM) is reset just before the call, so the figure is the call's own high-water mark."""
    code = _RSS_CHILD.format(root=ROOT, case=case, dtype=dtype_name)
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT})
        return int(out.stdout.strip().splitlines()[-1])
    except Exception:  # noqa: BLE001 - a figure we could not take is reported as missing
        return None


def bench_case(case: str, dtype, repeats: int, with_torch: bool) -> dict:
    import numpy as np

    y, p = make_inputs(case, dtype)
    ref_fn = reference_call(case, y, p)
    ref_fn()  # warm-up
    row = {"case": case, "dtype": np.dtype(dtype).name,
           "shape": list(p.shape), "input_mib": round((y.nbytes + p.nbytes) / 2**20, 1)}
    ref_times, torch_times = [], []
    t_fn = None
    if with_torch:
        t_fn = torch_call(case, y, p)
        t_fn()
        row["torch_value"] = t_fn()
    for _ in range(repeats):  # interleaved, so that machine load hits both alike
        ref_times.append(timed(ref_fn))
        if t_fn is not None:
            torch_times.append(timed(t_fn))
    row["reference_value"] = ref_fn()
    row["reference_ms"] = round(1e3 * statistics.median(ref_times), 2)
    row["reference_ms_min"] = round(1e3 * min(ref_times), 2)
    if torch_times:
        row["torch_ms"] = round(1e3 * statistics.median(torch_times), 2)
        row["torch_ms_min"] = round(1e3 * min(torch_times), 2)
        row["ratio"] = round(statistics.median(ref_times) / statistics.median(torch_times), 3)
        row["ratio_min"] = round(min(ref_times) / min(torch_times), 3)
    if case == "mean_squared_error":
        floor = [timed(lambda: (np.sum(y), np.sum(p))) for _ in range(repeats)]
        row["floor_ms"] = round(1e3 * statistics.median(floor), 2)
        row["vs_floor"] = round(statistics.median(ref_times) / statistics.median(floor), 2)
    row["tracemalloc_extra_mib"] = round(tracemalloc_extra(ref_fn) / 2**20, 3)
    rss = rss_extra(case, np.dtype(dtype).name)
    row["rss_extra_mib"] = None if rss is None else round(rss / 2**20, 2)
    return row


def bench_check() -> dict:
    """Wall time of `lossadvisor check` over all losses."""
    out = {}
    env = {**os.environ, "PYTHONPATH": ROOT}
    for label, args in (("cli_numpy_only_s", ["--framework", "none"]),):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "lossadvisor", "check", *args, "--json"], capture_output=True,
                              text=True, cwd=ROOT, env=env)
        out[label] = round(time.perf_counter() - t0, 3)
        out[label.replace("_s", "_exit")] = proc.returncode
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", "import numpy, click, yaml, rich, lossadvisor.cli"], cwd=ROOT, env=env)
    out["python_and_imports_s"] = round(time.perf_counter() - t0, 3)
    from lossadvisor.checks import run_checks
    from lossadvisor.rulebase import load_rulebase

    load_rulebase()
    run_checks(None, frameworks=[])  # warm
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = run_checks(None, frameworks=[])
        times.append(time.perf_counter() - t0)
    out["in_process_numpy_only_s"] = round(min(times), 3)
    out["in_process_passed"] = res["passed"]
    try:
        import torch  # noqa: F401

        t0 = time.perf_counter()
        res = run_checks(None, frameworks=["pytorch"])
        out["in_process_with_pytorch_s"] = round(time.perf_counter() - t0, 3)
    except ImportError:
        pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 repeats instead of 9")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    args = ap.parse_args()
    import numpy as np

    try:
        import torch

        torch.set_num_threads(1)
        with_torch = True
        torch_version = torch.__version__
    except ImportError:
        with_torch, torch_version = False, None
    repeats = 3 if args.quick else 9
    dtypes = {"float32": [np.float32], "float64": [np.float64], "both": [np.float32, np.float64]}[args.dtype]
    rows = []
    for dtype in dtypes:
        for case in ("binary_crossentropy", "mean_squared_error", "huber", "categorical_crossentropy",
                     "sparse_categorical_crossentropy"):
            rows.append(bench_case(case, dtype, repeats, with_torch))
            if not args.json:
                r = rows[-1]
                extra = f"  floor {r['floor_ms']:.1f} ms (x{r['vs_floor']})" if "floor_ms" in r else ""
                vs = (f"torch {r['torch_ms']:8.1f} ms  ratio {r['ratio']:.2f} (min-based {r['ratio_min']:.2f})"
                      if "torch_ms" in r else "torch n/a")
                print(f"{r['dtype']:8} {r['case']:32} ref {r['reference_ms']:8.1f} ms  {vs}{extra}  "
                      f"extra mem: tracemalloc {r['tracemalloc_extra_mib']:.2f} MiB, RSS {r['rss_extra_mib']} MiB",
                      flush=True)
    check = bench_check()
    meta = {"numpy": np.__version__, "torch": torch_version, "cpus": os.cpu_count(), "repeats": repeats,
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}
    if args.json:
        print(json.dumps({"meta": meta, "cases": rows, "check": check}, indent=2))
    else:
        print("check:", check)
        print("meta:", meta)


if __name__ == "__main__":
    main()
