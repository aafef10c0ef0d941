"""Connectionist temporal classification (CTC): the likelihood of a label sequence, summed over
every monotonic alignment of it with the output frames (blanks between and around the labels)."""

from __future__ import annotations

import itertools

import numpy as np

from lossadvisor.reference import _checks as c
from lossadvisor.reference._classes import BIG, probability_rows, renorm_vjp, rows_view
from lossadvisor.reference._core import Flat, as_array, first_nonfinite, fmt_shape, fmt_value
from lossadvisor.reference.activations import log_softmax, softmax
from lossadvisor.reference.losses.sparse_categorical_crossentropy import curve as one_frame_curve
from lossadvisor.reference.spec import LossSpec

#: the blank's index on the class axis (Keras, optax and PyTorch's default); also the padding of y_true
BLANK = 0
#: elements of y_pred handled at once: the batch is walked in chunks of about this many
CHUNK_ELEMENTS = 1 << 20


def sequence_labels(y_true, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, lengths)`` of padded label sequences ``y_true`` for ``y_pred`` of shape (B, T, K).

    ``y_true`` has shape (B, S): integer labels 1..K-1 right-padded with 0 (the blank is 0, so no
    label is 0). ValueError for another shape, a fraction or NaN, a label outside 1..K-1, a 0
    followed by a label, or a row that cannot fit in the T frames (each label takes a frame, and
    two equal neighbours need a blank frame between them).
    """
    yt = as_array(y_true, "y_true")
    batch, frames, k = y_pred.shape
    if yt.ndim != 2 or yt.shape[0] != batch:
        raise ValueError(
            f"y_true has shape {fmt_shape(yt.shape)} but y_pred has shape {fmt_shape(y_pred.shape)}: "
            f"CTC needs padded label sequences of shape ({batch}, max labels), labels 1..{k - 1}, 0 = padding"
        )
    if yt.dtype.kind == "f":
        bad = ~np.isfinite(yt) | (yt != np.floor(yt))
        if bad.any():
            b, s = np.argwhere(bad)[0]
            what = "NaN" if np.isnan(yt[b, s]) else fmt_value(yt[b, s])
            raise ValueError(f"y_true must hold integer labels, but holds {what} at index ({b}, {s})")
    labels = yt.astype(np.int64)
    bad = (labels < 0) | (labels > k - 1)
    if bad.any():
        b, s = np.argwhere(bad)[0]
        raise ValueError(
            f"y_true holds label {labels[b, s]} at index ({b}, {s}), outside 1..{k - 1} (0 = padding): "
            f"y_pred has {k} classes, the blank (index {BLANK}) and {k - 1} symbols"
        )
    present = labels != BLANK
    lengths = present.sum(axis=1)
    inside = ~present[:, :-1] & present[:, 1:]  # a 0 followed by a label
    if inside.any():
        b, s = np.argwhere(inside)[0]
        raise ValueError(
            f"y_true row {b} holds 0 at index {s} before a label: 0 is the blank and the padding, so labels "
            f"are 1..{k - 1} and each row is right-padded with 0"
        )
    repeats = (present[:, 1:] & (labels[:, 1:] == labels[:, :-1])).sum(axis=1)
    needed = lengths + repeats
    if (needed > frames).any():
        b = int(np.argmax(needed > frames))
        raise ValueError(
            f"y_true row {b} cannot fit in y_pred's {frames} frames: its {lengths[b]} labels and {repeats[b]} "
            f"blank(s) between repeated labels need {needed[b]} frames"
        )
    return labels, lengths


def _prediction(y_pred) -> np.ndarray:
    yp = as_array(y_pred, "y_pred")
    if yp.ndim != 3:
        raise ValueError(
            f"y_pred has shape {fmt_shape(yp.shape)}: CTC needs (batch, frames, classes), the classes being "
            "the blank (index 0) and the symbols"
        )
    if 0 in yp.shape:
        raise ValueError(f"y_pred is empty (shape {fmt_shape(yp.shape)}); the mean of no losses is undefined")
    if yp.shape[2] < 2:
        raise ValueError(f"y_pred has {yp.shape[2]} class: CTC needs the blank and at least one symbol")
    return yp


def _log_probabilities(yp: np.ndarray, r0: int, r1: int, from_logits: bool, src: Flat) -> np.ndarray:
    """Rows ``[r0, r1)`` of y_pred as float64 log-probabilities, shape (r1 - r0, T, K)."""
    block = yp[r0:r1].astype(np.float64, copy=False)
    if from_logits:
        if not np.isfinite(block).all():
            first_nonfinite((("y_pred", yp),))
        return log_softmax(block)
    frames, k = yp.shape[1:]
    q = probability_rows(rows_view(block), src, r0 * frames)  # renormalised, clipped at 1e-7 (Keras)
    return np.log(q).reshape(r1 - r0, frames, k)


def _extended(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The labels with a blank before, between and after them (B, 2S + 1), and where a path may
    skip the blank before a position (a label that differs from the label two positions back)."""
    batch, width = labels.shape
    ext = np.full((batch, 2 * width + 1), BLANK, dtype=np.int64)
    ext[:, 1::2] = labels
    skip = np.zeros(ext.shape, dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != BLANK) & (ext[:, 2:] != ext[:, :-2])
    return ext, skip


def _emissions(logp: np.ndarray, ext: np.ndarray) -> np.ndarray:
    """``emit[b, t, s] = log p[b, t, ext[b, s]]``."""
    return np.take_along_axis(logp, ext[:, None, :], axis=2)


def _forward(emit: np.ndarray, skip: np.ndarray, keep: bool):
    """The forward variables in log space: ``alpha[t][b, s]`` is the log-probability of the frames
    0..t emitting the extended labels up to position s and ending there. Returns the last one, or
    all of them (T, B, 2S + 1) with ``keep``."""
    batch, frames, width = emit.shape
    alpha = np.full((batch, width), -np.inf)
    alpha[:, :2] = emit[:, 0, :2]
    kept = [alpha] if keep else None
    skipped = np.full((batch, width), -np.inf)
    for t in range(1, frames):
        nxt = alpha.copy()
        np.logaddexp(nxt[:, 1:], alpha[:, :-1], out=nxt[:, 1:])  # from the previous position
        np.copyto(skipped[:, 2:], np.where(skip[:, 2:], alpha[:, :-2], -np.inf))
        np.logaddexp(nxt[:, 2:], skipped[:, 2:], out=nxt[:, 2:])  # over a blank, between different labels
        nxt += emit[:, t]
        alpha = nxt
        if keep:
            kept.append(alpha)
    return np.stack(kept) if keep else alpha


def _ends(lengths: np.ndarray, width: int) -> np.ndarray:
    """(B, 2S + 1): True at the positions a path may end at (the last label, the blank after it)."""
    pos = np.arange(width)[None, :]
    last = 2 * lengths[:, None]
    return (pos == last) | ((pos == last - 1) & (lengths[:, None] > 0))


def _log_likelihood(alpha_last: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """log P(labels | frames) per row, from the last forward variables."""
    ends = np.where(_ends(lengths, alpha_last.shape[1]), alpha_last, -np.inf)
    top = ends.max(axis=1)
    return top + np.log(np.exp(ends - top[:, None]).sum(axis=1))  # top is finite: a path always exists


def ctc(y_true, y_pred, *, from_logits: bool = False) -> float:
    """CTC loss: ``-log P(labels | frames)`` per sequence, the probability summed over every
    alignment, mean over the batch (not divided by the label length).

    ``y_pred`` has shape (B, T, K): per frame, the probabilities of the blank (index 0) and the
    K - 1 symbols (softmax output), or their logits with ``from_logits=True``; every row uses all
    T frames. ``y_true`` has shape (B, S): labels 1..K-1, each row right-padded with 0. The forward
    algorithm runs in log space (float64) over the extended labels (a blank before, between and
    after the labels); probabilities are renormalised per frame and clipped at 1e-7 as Keras does.

    Keras: ``keras.losses.CTC()(y_true, logits)``, the same value. optax:
    ``optax.ctc_loss(logits, logit_paddings, labels, label_paddings).mean()`` with paddings 1.0 =
    padded. PyTorch: ``F.ctc_loss(log_softmax(logits).transpose(0, 1), targets, input_lengths,
    target_lengths, reduction="none").mean()``; its default ``reduction="mean"`` divides each
    sequence's loss by its target length first.
    """
    yp = _prediction(y_pred)
    labels, lengths = sequence_labels(y_true, yp)
    batch, frames, k = yp.shape
    ext, skip = _extended(labels)
    src = None if from_logits else Flat(yp, np.dtype(np.float64), "y_pred")  # names a bad value's (b, t, k)
    per = max(1, CHUNK_ELEMENTS // (frames * k))
    total = 0.0
    for r0 in range(0, batch, per):
        r1 = min(r0 + per, batch)
        emit = _emissions(_log_probabilities(yp, r0, r1, from_logits, src), ext[r0:r1])
        total -= float(_log_likelihood(_forward(emit, skip[r0:r1], keep=False), lengths[r0:r1]).sum())
    return total / batch


def occupancy(logp: np.ndarray, labels: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``d log P / d log p[b, t, k]`` (B, T, K) by forward-backward: the posterior probability that
    frame t emits class k, summed over the alignments. Each frame's occupancies sum to 1."""
    ext, skip = _extended(labels)
    emit = _emissions(logp, ext)
    alpha = _forward(emit, skip, keep=True)  # (T, B, W)
    frames, batch, width = alpha.shape
    # beta[t][b, s]: the log-probability of frames t+1.. emitting the rest, from position s at frame t
    beta = np.full(alpha.shape, -np.inf)
    beta[-1][_ends(lengths, width)] = 0.0
    for t in range(frames - 2, -1, -1):
        after = beta[t + 1] + emit[:, t + 1]
        cur = after.copy()
        np.logaddexp(cur[:, :-1], after[:, 1:], out=cur[:, :-1])
        np.logaddexp(cur[:, :-2], np.where(skip[:, 2:], after[:, 2:], -np.inf), out=cur[:, :-2])
        beta[t] = cur
    log_p = _log_likelihood(alpha[-1], lengths)
    gamma = np.exp(alpha + beta - log_p[None, :, None])  # (T, B, W)
    onehot = np.eye(logp.shape[2])[ext]  # (B, W, K)
    return np.einsum("tbw,bwk->btk", gamma, onehot)


def gradient(t, p, from_logits=False):
    """The analytic gradient of the mean loss: ``(softmax(z) - occupancy) / B`` with respect to the
    logits, or ``-occupancy / q / B`` chained through Keras' renormalise-and-clip for probabilities."""
    yp = _prediction(p)
    labels, lengths = sequence_labels(t, yp)
    batch, frames, k = yp.shape
    if from_logits:
        return (softmax(yp) - occupancy(log_softmax(yp), labels, lengths)) / batch
    rows = rows_view(yp).astype(np.float64, copy=False)
    q = probability_rows(rows, Flat(yp, np.dtype(np.float64), "y_pred"), 0)
    occ = occupancy(np.log(q).reshape(yp.shape), labels, lengths)
    return renorm_vjp(rows, -rows_view(occ) / q).reshape(yp.shape) / batch


def curve(y, p, params):
    """With one frame and one-symbol labels CTC is the categorical cross-entropy of that frame."""
    return one_frame_curve(y, p, params)


# ------------------------------------------------------------------------ checks

#: the checks' batch: 5 frames, the blank and 2 symbols; a row with a repeated label and an empty row
SAMPLE_LABELS = np.array([[1, 2, 0], [1, 1, 0], [2, 1, 2], [0, 0, 0], [2, 0, 0]])
SAMPLE_FRAMES, SAMPLE_CLASSES = 5, 3


def sample(pairing, rng):
    """The checks' batch: ``SAMPLE_LABELS`` and moderate logits (5 frames, small enough for the brute force)."""
    z = rng.normal(0.0, 1.5, (SAMPLE_LABELS.shape[0], SAMPLE_FRAMES, SAMPLE_CLASSES))
    return SAMPLE_LABELS.copy(), z, {}


def collapse(path) -> tuple:
    """A frame path as the labels it spells: repeats merged, then blanks dropped."""
    return tuple(s for s, _ in itertools.groupby(path) if s != BLANK)


def brute_force_probability(labels, p) -> np.ndarray:
    """P(labels | frames) per row by summing the probability of every one of the K^T frame paths that
    collapses to the row's labels (a second formula, for tiny T and K only)."""
    batch, frames, k = p.shape
    out = np.zeros(batch)
    for path in itertools.product(range(k), repeat=frames):
        spelt = collapse(path)
        prob = p[:, np.arange(frames), list(path)].prod(axis=1)
        for b in range(batch):
            if spelt == tuple(int(s) for s in labels[b] if s != BLANK):
                out[b] += prob[b]
    return out


def nll(y, p, heads, params):
    prob = brute_force_probability(y, p)
    return (-np.log(prob).mean(), 0.0,
            f"P(labels) summed by brute force over all {p.shape[2]}^{p.shape[1]} frame paths that collapse "
            "to the labels, no constant")


def minimiser(value, params, rng):
    """One frame, one-symbol labels: the loss is the cross-entropy of that frame, so the constant
    distribution minimising it gives the blank probability 0 and each symbol its label frequency."""
    freq = np.array([0.5, 0.3, 0.2])
    rows = 10
    y = np.repeat(np.arange(1, 4), (freq * rows).astype(int))[:, None]

    def at(dist):
        return value(y, np.tile(dist, (rows, 1, 1)))

    base = np.concatenate([[0.0], freq])
    best = at(base)
    entropy = float(-(freq * np.log(freq)).sum())
    h = 1e-3
    probes = [base + h * (np.eye(4)[i] - np.eye(4)[j]) for i in range(4) for j in range(1, 4) if i != j]
    values = [at(d) for d in probes]
    worse = sum(v > best for v in values)
    ok = worse == len(values) and c.close(best, entropy, 1e-9)
    return ok, (f"{rows} one-symbol labels, one frame: the loss at the distribution (blank 0, label frequencies "
                f"{c.fmt_list(freq)}) is {c.fmt(best)} {'=' if c.close(best, entropy, 1e-9) else '!='} their entropy "
                f"{c.fmt(entropy)}, below its value at {worse}/{len(values)} nearby distributions (1e-3 moved "
                "between the classes, the blank included)")


def _aligned_logits(path, frames, k):
    """Logits of ±1e4: +1e4 on the class each frame of ``path`` names, -1e4 elsewhere."""
    z = np.full((1, frames, k), -BIG)
    z[0, np.arange(frames), path] = BIG
    return z


def extremes(pairing):
    """Logits of ±1e4 on a path that spells the labels and on one that does not; a label that needs
    every frame (one alignment) against logits favouring another; probabilities of exactly 0 and 1."""
    y = np.array([[1, 2, 0], [1, 1, 0], [1, 2, 1]])
    right = np.concatenate([_aligned_logits([1, 1, 0, 2, 0], 5, 3), _aligned_logits([1, 0, 1, 0, 0], 5, 3),
                            _aligned_logits([0, 1, 2, 1, 0], 5, 3)])
    wrong = np.concatenate([_aligned_logits([2, 2, 0, 1, 0], 5, 3), _aligned_logits([1, 1, 0, 0, 0], 5, 3),
                            _aligned_logits([0, 1, 2, 0, 0], 5, 3)])
    tight = (np.array([[1, 2, 1, 2, 1]]), _aligned_logits([1, 2, 1, 0, 0], 5, 3))
    probabilities = (right > 0).astype(np.float64)
    return [(f"logits ±{BIG:.0e} on a path spelling the labels", y, right, {}, False),
            (f"logits ±{BIG:.0e} on paths spelling other labels", y, wrong, {}, False),
            ("a label that needs all 5 frames, logits favouring another", *tight, {}, False),
            ("probabilities exactly 0 and 1 (a wrong path)", y, (wrong > 0).astype(np.float64), {}, True),
            ("probabilities exactly 0 and 1 (a right path)", y, probabilities, {}, True)]


def _lengths(y):
    return (np.asarray(y) != BLANK).sum(axis=1)


def _pytorch(mods, pairing, y, z, extra):
    torch, F = mods["torch"], mods["F"]
    logits = c.torch_tensor(mods, c.class_logits(pairing, z, 1e-300))
    batch, frames, _ = logits.shape
    value = F.ctc_loss(logits.log_softmax(-1).transpose(0, 1), torch.as_tensor(y, dtype=torch.int64),
                       torch.full((batch,), frames, dtype=torch.int64),
                       torch.as_tensor(_lengths(y), dtype=torch.int64), blank=BLANK, reduction="none")
    return (c.scalar(value.mean()),
            "F.ctc_loss(log_softmax(logits).transpose(0, 1), y, input_lengths, target_lengths, "
            "reduction='none').mean()")


def _jax(mods, pairing, y, z, extra):
    jnp = mods["jnp"]
    logits = c.jax_array(mods, c.class_logits(pairing, z, 1e-30))
    labels = jnp.asarray(np.asarray(y, dtype=np.int32))
    value = mods["optax"].ctc_loss(logits, jnp.zeros(logits.shape[:2]), labels,
                                   (labels == BLANK).astype(jnp.float32), blank_id=BLANK)
    return c.scalar(value.mean()), "optax.ctc_loss(logits, zeros((B, T)), y, (y == 0) as float).mean()"


def _keras(mods, pairing, y, z, extra):
    logits = np.asarray(c.class_logits(pairing, z, 1e-30), dtype=np.float32)
    value = mods["keras"].losses.CTC()(np.asarray(y, dtype=np.int32), logits)
    return c.scalar(value), "keras.losses.CTC()(y, logits)"


SPEC = LossSpec(
    value=ctc, gradient=gradient, curve=curve, target="sequence", prediction="simplex", logits_of="softmax",
    nll=nll, minimiser=minimiser, extremes=extremes, sample=sample,
    frameworks={"pytorch": _pytorch, "jax": _jax, "keras": _keras},
    plot={"unavailable": "the CTC loss of a frame depends on every other frame through the alignments; "
                         "no one-dimensional picture of one output says anything about it"},
)

__all__ = ["ctc", "sequence_labels", "occupancy", "brute_force_probability", "collapse", "SPEC"]
