"""Speed of the NumPy CTC reference against PyTorch's F.ctc_loss (CPU, one thread) and optax.ctc_loss
(jitted), on one batch: 32 sequences x 100 frames x 30 classes (the blank included) x 20 labels.

Run: python benchmarks/bench_ctc.py. Prints one row per implementation: the median time of a call
(the loss value, forward only; JAX after compilation) and the loss it computed.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from lossadvisor.reference.losses.ctc import ctc

BATCH, FRAMES, CLASSES, LABELS = 32, 100, 30, 20
REPEATS = 7


def median_seconds(call) -> tuple[float, float]:
    value = call()  # a warm-up (and JAX's compilation)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), float(value)


def main() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(0.0, 1.0, (BATCH, FRAMES, CLASSES))
    labels = rng.integers(1, CLASSES, (BATCH, LABELS))
    lengths = rng.integers(LABELS // 2, LABELS + 1, BATCH)
    labels[np.arange(LABELS)[None, :] >= lengths[:, None]] = 0  # right-padded with 0
    rows = [("NumPy reference (float64)",) + median_seconds(lambda: ctc(labels, logits, from_logits=True))]
    try:
        import torch
        import torch.nn.functional as F

        torch.set_num_threads(1)
        log_probs = torch.as_tensor(logits).log_softmax(-1).transpose(0, 1)
        targets, target_lengths = torch.as_tensor(labels), torch.as_tensor(lengths)
        input_lengths = torch.full((BATCH,), FRAMES)
        rows.append(("torch F.ctc_loss (float64, 1 thread)",) + median_seconds(
            lambda: F.ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction="none").mean()))
    except ImportError:
        rows.append(("torch F.ctc_loss", float("nan"), float("nan")))
    try:
        import jax
        import jax.numpy as jnp
        import optax

        z, y = jnp.asarray(logits, dtype=jnp.float32), jnp.asarray(labels, dtype=jnp.int32)
        loss = jax.jit(lambda z, y: optax.ctc_loss(z, jnp.zeros(z.shape[:2]), y, (y == 0).astype(jnp.float32)).mean())
        rows.append(("optax.ctc_loss (float32, jit)",) + median_seconds(lambda: loss(z, y).block_until_ready()))
    except ImportError:
        rows.append(("optax.ctc_loss", float("nan"), float("nan")))
    print(f"CTC, {BATCH} sequences x {FRAMES} frames x {CLASSES} classes x up to {LABELS} labels, "
          f"median of {REPEATS} calls")
    print(f"{'implementation':40} {'ms per call':>12} {'loss':>12}")
    for name, seconds, value in rows:
        print(f"{name:40} {seconds * 1e3:12.2f} {value:12.4f}")


if __name__ == "__main__":
    main()
