"""Speed of the NumPy soft Dice reference against the frameworks' built-in Dice.

    python benchmarks/bench_dice.py             # 32 x 128 x 128 x 3, float32
    python benchmarks/bench_dice.py --repeats 5

Each contender computes the same value on the same float32 batch (0/1 masks with about 10%
foreground, sigmoid probabilities): ``lossadvisor.reference.dice``; ``keras.losses.Dice(axis=(1, 2))``
on Keras' NumPy backend and on its jax backend (each in its own subprocess, since the backend is
chosen at import); ``optax.losses.dice_loss`` jitted on the logits (the sigmoid inside, each mask
moved to its own channel, smooth=1e-7). The table gives the median of the interleaved runs after one
warm-up call (which also compiles the jitted function) and the ratio to the reference.

Not part of the test run: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPE = (32, 128, 128, 3)

# one contender, run in a fresh interpreter: prints {"value": ..., "seconds": [...]}
CHILD = r"""
import json, os, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
kind, repeats = sys.argv[2], int(sys.argv[3])
shape = tuple(json.loads(sys.argv[4]))
rng = np.random.default_rng(0)
y = (rng.random(shape) < 0.1).astype(np.float32)
z = rng.normal(0.0, 2.0, shape).astype(np.float32)
p = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
if kind == "reference":
    from lossadvisor.reference import dice
    call = lambda: dice(y, p)
elif kind.startswith("keras"):
    import keras
    loss = keras.losses.Dice(axis=(1, 2))
    yt, pt = keras.ops.convert_to_tensor(y), keras.ops.convert_to_tensor(p)
    call = lambda: float(keras.ops.convert_to_numpy(loss(yt, pt)))
else:
    import jax, jax.numpy as jnp, optax
    moved = lambda a: jnp.moveaxis(jnp.asarray(a), -1, 1)[..., None]
    f = jax.jit(lambda zz, yy: optax.losses.dice_loss(moved(zz), moved(yy), axis=(2, 3), smooth=1e-7).mean())
    zj, yj = jnp.asarray(z), jnp.asarray(y)
    call = lambda: float(f(zj, yj).block_until_ready())
value = call()  # warm-up (and compilation)
seconds = []
for _ in range(repeats):
    t = time.perf_counter()
    call()
    seconds.append(time.perf_counter() - t)
print(json.dumps({"value": float(value), "seconds": seconds}))
"""

CONTENDERS = [
    ("reference", "lossadvisor.reference.dice (NumPy)", {}, ()),
    ("keras-numpy", "keras.losses.Dice(axis=(1, 2)), numpy backend", {"KERAS_BACKEND": "numpy"}, ("keras",)),
    ("keras-jax", "keras.losses.Dice(axis=(1, 2)), jax backend", {"KERAS_BACKEND": "jax"}, ("keras", "jax")),
    ("optax", "optax.losses.dice_loss, jax.jit", {}, ("jax", "optax")),
]


def run(kind: str, env_extra: dict, repeats: int) -> dict:
    env = dict(os.environ, **env_extra)
    proc = subprocess.run([sys.executable, "-c", CHILD, ROOT, kind, str(repeats), json.dumps(SHAPE)],
                          capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    import importlib.util

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rows = []
    for kind, label, env_extra, needs in CONTENDERS:
        missing = [m for m in needs if importlib.util.find_spec(m) is None]
        rows.append((label, {"error": f"{', '.join(missing)} not installed"} if missing else run(kind, env_extra, args.repeats)))
    base = statistics.median(rows[0][1]["seconds"])
    print(f"soft Dice on {' x '.join(map(str, SHAPE))} float32 ({args.repeats} runs, median)")
    print(f"{'contender':<48} {'value':>10} {'ms':>9} {'x reference':>12}")
    for label, result in rows:
        if "error" in result:
            print(f"{label:<48} {'':>10} {'':>9} {'':>12}  skipped: {result['error']}")
            continue
        median = statistics.median(result["seconds"])
        print(f"{label:<48} {result['value']:>10.6f} {median * 1e3:>9.2f} {median / base:>12.2f}")


if __name__ == "__main__":
    main()
