"""Check a user's own loss function against the NumPy reference, and name the mistake.

The user's module is imported, and their function called, in a child process
(``lossadvisor.implrunner``), never in this one, in a session of its own: when the check
ends, every process the user's code started ends with it. Each call has a time limit
(``timeout``, ``DEFAULT_TIMEOUT`` by default, at most ``MAX_TIMEOUT``); the import has
``import_timeout(timeout)`` (numpy and the framework are imported first, within
``PREPARE_TIMEOUT`` of their own). The child runs under a memory limit (``RLIMIT_DATA``,
``DEFAULT_MEMORY_MIB`` by default, 0 for none, else ``MIN_MEMORY_MIB`` to ``MAX_MEMORY_MIB``;
why not ``RLIMIT_AS``: see ``lossadvisor.implrunner``). In a call, each of these is a failed
case that names its cause: an exception, ``sys.exit(n)``, ``os._exit(n)``, a crash (the
signal named), no return within the time limit, going past the memory limit, output written
to stdout (fd 1: the report's channel), fd 1 closed or redirected. After an ``os._exit``, a crash or a timeout the child is gone: the remaining cases
are marked not run (``passed`` None) and the check fails. An import that fails, exits,
crashes or hangs is an ``InputError``.

Conventions. A correct implementation is judged correct whatever its honest convention:

- ``order``: ``"y_true, y_pred"`` (Keras) or ``"y_pred, y_true"`` (PyTorch); a variance head
  comes last either way;
- ``form``: ``"logits"`` or ``"probabilities"`` for the losses that take ``from_logits``
  (``reference.FROM_LOGITS``), None for the others (the reference's own form); then the
  other input forms the loss's spec names (``LossSpec.input_forms``: log rate for a rate,
  log-probabilities, labels 0/1 for labels -1/+1), the same cases with the input mapped;
- ``shape``: ``"2-D batches"`` (the arrays as generated, 1-D and 2-D) or ``"1-D vectors"``
  (a 2-D case is passed one row at a time and the row values averaged, as the reference
  does), or, for a loss with several predictions per target (quantiles), ``"one output at a
  time"`` (the target column and its adjacent prediction columns). Either fallback applies
  to a case only when the whole call raised or returned a non-scalar: a scalar is judged as
  it is.

Clipping. The cases of probabilities exactly 0 and 1 are two: all right (each prediction
equals its 0/1 target) and all wrong. Any clip from ε = 1e-4 down gives about 0 on the
first (at most ``RIGHT_EDGE_BOUND``, -log(1 - 1e-4), per term); on the second a finite value
that is the reference's with another clip passes, from ε = 1e-4 down to PyTorch's log clamp
at -100 (``CLIP_RANGE``); the row says which clip was assumed.

The function passes when it agrees with the reference on every case, edge and large ones
included, under one convention; they are tried in that order of preference (2-D batches
first, logits first, Keras' order first), so a symmetric loss is reported in Keras' order.
``from_logits`` True / False pins the form. The payload's ``"convention"`` is
``{"order": ..., "form": ..., "shape": ..., "pinned": ["form"] or []}``: the convention
accepted, or, when none agrees, the most plausible one (the most cases matching; a
constant factor on every case counts as all), under which the mistakes are named.

Mistakes named by value: a constant factor on every case, sum instead of mean (over
everything, over the rows, over the outputs), mean over classes instead of sum, the square
root of the loss, the activation applied twice (a softmax or sigmoid before a
cross-entropy that applies one itself), missing the ``(1 - y)`` term, logits taken as
probabilities (or the reverse, with the form pinned), log 0 at probabilities of exactly 0
or 1, overflow at large inputs, saturation (a loss over probabilities or logits), an array
instead of a scalar, and arguments swapped on some cases. The cases include soft targets
(label smoothing) for labels and one-hot rows, target rows with zeros for probability
targets, class labels out of order, repeated and with a class absent, counts of 0, and
predictions in (-1, 0) for positive targets (the reference clips them at ε, as Keras).
``impl_framework="torch"|"jax"``: the child passes tensors and reads the result back.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import NamedTuple

from lossadvisor.errors import InputError, UsageError
from lossadvisor.framework_names import IMPL_MODULES, framework_id, impl_install_hint, impl_package
from lossadvisor.textutil import close, fmt_number as _fmt, suggest

IMPL_FRAMEWORKS = tuple(IMPL_MODULES)
#: seconds per call of the user's function, and the most accepted (a day: select() and the
#: clock overflow on huge values)
DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 86400.0
#: the import of the user's module gets IMPORT_TIMEOUT_FACTOR x the call's time limit, at least
#: MIN_IMPORT_TIMEOUT seconds
IMPORT_TIMEOUT_FACTOR = 6
MIN_IMPORT_TIMEOUT = 5.0
IMPORT_TIMEOUT_RULE = f"{IMPORT_TIMEOUT_FACTOR} x --timeout, at least {_fmt(MIN_IMPORT_TIMEOUT)} s"
#: MiB of RLIMIT_DATA in the child; 0 for no limit. The least accepted: Python, NumPy and
#: OpenBLAS start at 88 MiB on 2 cores (measured; OpenBLAS takes more on more cores, and torch
#: or jax more again: too little for them is an InputError naming the limit). The most: 1 TiB
#: (far past it, the limit in bytes no longer fits the OS's and was silently dropped).
DEFAULT_MEMORY_MIB = 2048
MIN_MEMORY_MIB = 128
MAX_MEMORY_MIB = 1 << 20
#: seconds for the child to import numpy and the framework (the project's own imports)
PREPARE_TIMEOUT = 120.0

ORDERS = ("y_true, y_pred", "y_pred, y_true")
#: the forms of a loss that takes from_logits, in order of preference
LOGIT_FORMS = ("logits", "probabilities")
SHAPES = ("2-D batches", "1-D vectors")

DIAGNOSES = {
    "factor": "a constant factor",
    "swapped": "arguments swapped",
    "sum": "sum instead of mean",
    "class_mean": "mean over classes instead of sum",
    "double_activation": "activation applied twice",
    "missing_negative": "missing the (1 - y) term",
    "logits_as_probs": "logits taken as probabilities",
    "probs_as_logits": "probabilities taken as logits",
    "overflow": "overflow at large inputs",
    "not_finite": "not a finite number on ordinary inputs",
    "array": "returns an array instead of a scalar",
    "raises": "raises an exception",
    "exit": "exits the process",
    "crash": "crashes the process",
    "timeout": "does not return in time",
    "memory": "goes past the memory limit",
    "stdout": "writes to stdout",
    "saturates": "saturates at large inputs",
    "log_zero": "log of 0 at probabilities of exactly 0 or 1",
    "row_sum": "sum over rows instead of mean",
    "output_sum": "sum over outputs instead of mean",
    "root": "square root of the loss",
}


# ================================================================ child process


def parse_impl(spec: str) -> tuple[str, str, bool]:
    """``(module or file, function name, is a file)`` of ``MODULE:FUNCTION`` / ``path/to/file.py:FUNCTION``.

    UsageError without a ``:FUNCTION`` part; InputError for a file that does not exist.
    """
    if not isinstance(spec, str) or ":" not in spec.strip(":") or spec.endswith(":"):
        raise UsageError(f"--impl {spec!r}: give MODULE:FUNCTION or path/to/file.py:FUNCTION")
    where, name = spec.rsplit(":", 1)
    is_file = where.endswith(".py") or "/" in where or os.sep in where
    if is_file and not os.path.isfile(where):
        raise InputError(f"--impl: no such file '{where}'")
    return where, name.strip(), is_file


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


#: one thread for the numerical libraries in the child: a loss of a few dozen numbers gains
#: nothing from more, and OpenBLAS reserves memory per thread (per core by default), which
#: would make the memory limit depend on the machine's number of cores
SINGLE_THREADED = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _child_environment() -> dict:
    env = dict(os.environ)
    for name in SINGLE_THREADED:
        env.setdefault(name, "1")
    return env


class ImplProcess:
    """The child process holding the user's function; one request, one reply, each bounded in time."""

    def __init__(self, framework: str, memory_mib: int):
        """Start the child in a session of its own (its process group holds every process the
        user's code starts), importing this very package: ``-c`` puts the working directory
        first on ``sys.path``, where a ``lossadvisor/`` folder or a file named like a module of
        the standard library would be imported instead; the child takes it off first."""
        from lossadvisor import implrunner

        package_parent = os.path.dirname(os.path.dirname(os.path.abspath(implrunner.__file__)))
        lifeline, self.lifeline = os.pipe()  # the child sees end of file when this process is gone
        code = ("import sys\n"
                "if sys.path and sys.path[0] == '':\n    del sys.path[0]\n"
                f"sys.path.insert(0, {package_parent!r})\n"
                "from lossadvisor import implrunner\n"
                f"sys.path.remove({package_parent!r})\n"
                f"implrunner.main(memory_mib={int(memory_mib)}, lifeline={lifeline})\n")
        self.framework = framework
        try:
            self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, pass_fds=(lifeline,), start_new_session=True,
                                         env=_child_environment())
        except BaseException:
            os.close(self.lifeline)
            raise
        finally:
            os.close(lifeline)
        self.fd = self.proc.stdout.fileno()

    def request(self, message: dict, timeout: float) -> tuple[dict | None, tuple[str, str] | None]:
        """``(reply, None)``, or ``(None, (kind, why the child is gone))`` after which it is stopped;
        kind is "timeout", "crash" or "exit"."""
        import pickle

        from lossadvisor.implrunner import HEADER

        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(HEADER.pack(len(data)) + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None, self._ended()
        deadline = time.monotonic() + timeout
        head = self._read(HEADER.size, deadline)
        if head is None:
            return None, self._gone(timeout, deadline)
        body = self._read(HEADER.unpack(head)[0], deadline)
        if body is None:
            return None, self._gone(timeout, deadline)
        return pickle.loads(body), None

    def _read(self, size: int, deadline: float) -> bytes | None:
        chunks, got = [], 0
        while got < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, size - got)
            if not chunk:
                return None
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _gone(self, timeout: float, deadline: float) -> tuple[str, str]:
        if self.proc.poll() is None and time.monotonic() >= deadline:
            self.stop()
            return "timeout", f"did not return within {_fmt(timeout)} s"
        return self._ended()

    def _ended(self) -> tuple[str, str]:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.stop()
            code = self.proc.returncode
        if code < 0:
            name = _signal_name(-code)
            extra = " (out of memory?)" if name == "SIGKILL" else ""
            return "crash", f"crashed: the process was killed by {name}{extra}"
        return "exit", f"ended the process with exit code {code} (os._exit({code})?)"

    def stop(self) -> None:
        """End the child and every process it started (its process group), and reap it.

        The group's id (the child's pid) stays reserved while any member lives, so ending the
        group after the child itself was reaped still reaches the processes it left behind."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        if self.lifeline is not None:
            os.close(self.lifeline)
            self.lifeline = None

    def close(self) -> None:
        """The check is over: stop the child and what it started."""
        self.stop()


def import_timeout(timeout: float) -> float:
    """Seconds for the import of the user's module (``IMPORT_TIMEOUT_RULE``)."""
    return max(MIN_IMPORT_TIMEOUT, IMPORT_TIMEOUT_FACTOR * timeout)


def _start(impl: str, framework: str, timeout: float, memory_mib: int) -> ImplProcess:
    """A child that has imported the user's function; InputError when the import fails or exits.

    Whatever ends this early (an InputError, Ctrl-C) stops the child and what it started."""
    where, name, is_file = parse_impl(impl)
    child = ImplProcess(framework, memory_mib)
    try:
        reply, gone = child.request({"op": "prepare", "framework": framework}, PREPARE_TIMEOUT)
        if gone is not None or reply["error"]:
            limit = f" (under --memory-limit {memory_mib} MiB: raise it, or give 0 for none)" if memory_mib else ""
            raise InputError(f"--impl: the process that runs your function could not start: "
                             f"{gone[1] if gone else reply['error']}{limit}")
        seconds = import_timeout(timeout)
        reply, gone = child.request({"op": "import", "where": where, "name": name, "is_file": is_file}, seconds)
        if gone is not None or reply["error"]:
            if gone and gone[0] == "timeout":
                gone = gone[0], f"did not finish within {_fmt(seconds)} s (an import gets {IMPORT_TIMEOUT_RULE})"
            raise InputError(reply["error"] if gone is None else f"--impl: importing '{where}' {gone[1]}")
    except BaseException:
        child.stop()
        raise
    return child


# ======================================================================= cases


#: the edge cases of probabilities exactly 0 and 1: all right, all wrong
EDGE_RIGHT = "probabilities exactly 0 and 1, all right"
EDGE_WRONG = "probabilities exactly 0 and 1, all wrong"


class Case(NamedTuple):
    """One generated case: the inputs in the form the user's function gets, and how to judge it.

    kind: "normal", "perfect", "large" (large logits or errors), "edge_right" (probabilities
    exactly equal to the 0/1 targets: any clip from 1e-4 down gives about 0, at most
    ``RIGHT_EDGE_BOUND``), "edge" (probabilities 0/1 all wrong: any clip from ``CLIP_RANGE`` is
    accepted there). atol: the absolute difference allowed
    where two honest conventions differ slightly (targets of 0 clipped at ε, or 0 log 0 = 0).
    """

    name: str
    y: object
    pred: object
    var: object
    kind: str
    atol: float = 0.0


def _cases(spec, from_logits: bool, kwargs: dict) -> list[Case]:
    """The cases in the form the user's function gets; they follow the spec's target kind:
    class rows or indices, binary labels, values. Soft targets (label smoothing) where the
    targets are labels or one-hot rows, targets with zeros where they are probabilities.
    """
    import numpy as np

    from lossadvisor import reference as ref
    from lossadvisor.reference._core import EPSILON

    rng = np.random.default_rng(3)
    target = spec.target
    cases = []
    if spec.has_classes:
        k = 4
        # labels out of order and repeated, class 0 absent: a function that re-encodes the labels
        # of a batch (np.unique) or never reads them (arange(n) % k) differs
        labels = np.random.default_rng(5).choice(np.arange(1, k), 8)
        for shape_name, rows in (("batch of 8 x 4 classes", 8), ("one example", 1)):
            z = rng.normal(0.0, 1.5, (rows, k))
            lab = labels[-rows:]
            y = ref.softmax(rng.normal(0.0, 1.0, (rows, k))) if target == "probabilities" else (
                lab if target == "integer" else np.eye(k)[lab])
            pred = z if from_logits else ref.softmax(z)
            cases.append(Case(shape_name, y, pred, None, "normal"))
        z = rng.normal(0.0, 1.5, (6, k))
        pred = z if from_logits else ref.softmax(z)
        if target == "one_hot":
            # label smoothing 0.2: each row 0.8 one-hot + 0.2 / k
            y = 0.8 * np.eye(k)[np.arange(6) % k] + 0.2 / k
            cases.append(Case("soft targets (label smoothing 0.2)", y, pred, None, "normal"))
        elif target == "probabilities":
            # one-hot rows and rows with one zero: a term of target 0 is 0 (0 log 0 = 0), or, as
            # Keras clips the targets at ε, ε log(ε / p); either is accepted
            y = np.vstack([np.eye(k)[[0, 1, 2]], [[0.5, 0.3, 0.2, 0.0], [0.0, 0.6, 0.0, 0.4], [0.25] * 4]])
            p = ref.softmax(z)
            clip_effect = np.where(y == 0, EPSILON * (abs(math.log(EPSILON)) + np.abs(np.log(p))), 0.0)
            cases.append(Case("targets with zeros (0 log 0 = 0)", y, pred, None, "normal",
                              float(clip_effect.sum()) / len(y)))
        lab = np.array([3, 0, 3, 1])  # out of order, repeated, class 2 absent
        wrong = (lab + 1) % k
        y = lab if target == "integer" else np.eye(k)[lab]
        if target == "probabilities":
            y = np.full((4, k), 1.0 / k)
            cases.append(Case("perfect prediction", y, y.copy(), None, "perfect"))
        elif from_logits:
            right_and_wrong = np.where(np.arange(4)[:, None] % 2 == 0, np.eye(k)[lab], np.eye(k)[wrong])
            cases.append(Case("confident logits ±40 (right and wrong)", y,
                              np.where(right_and_wrong > 0, 40.0, -40.0), None, "large"))
            cases.append(Case("perfect prediction", y, np.where(np.eye(k)[lab] > 0, 30.0, -30.0), None, "perfect"))
        else:
            cases.append(Case(EDGE_RIGHT, y, np.eye(k)[lab], None, "edge_right"))
            cases.append(Case(EDGE_WRONG, y, np.eye(k)[wrong], None, "edge"))
        return cases
    if spec.has_labels:
        margin = target == "plus_minus_one"
        for shape_name, shape in (("batch of 8", (8,)), ("batch of 6 x 3", (6, 3)), ("one example", (1,))):
            y = (np.arange(int(np.prod(shape))).reshape(shape) % 3 == 0).astype(np.float64)
            if margin:
                y = 2.0 * y - 1.0
            z = rng.normal(0.0, 1.5, shape)
            pred = np.tanh(z) if margin else (z if from_logits else ref.sigmoid(z))
            cases.append(Case(shape_name, y, pred, None, "normal"))
        if not margin:
            # label smoothing 0.2: labels 0 and 1 become 0.1 and 0.9
            y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0]) * 0.8 + 0.1
            z = rng.normal(0.0, 1.5, y.shape)
            cases.append(Case("soft targets (label smoothing 0.2)", y, z if from_logits else ref.sigmoid(z), None,
                              "normal"))
        y = np.array([1.0, 0.0, 1.0, 0.0])
        if margin:
            y = 2.0 * y - 1.0
            cases.append(Case("perfect prediction", y, y.copy(), None, "perfect"))
            cases.append(Case("large scores ±1e4", y, np.array([1e4, 1e4, -1e4, -1e4]), None, "large"))
        elif from_logits:
            cases.append(Case("large logits ±40 (right and wrong)", y, np.array([40.0, -40.0, -40.0, 40.0]), None,
                              "large"))
            cases.append(Case("logits ±1e4", y, np.array([1e4, -1e4, -1e4, 1e4]), None, "large"))
        else:
            cases.append(Case(EDGE_RIGHT, y, y.copy(), None, "edge_right"))
            cases.append(Case(EDGE_WRONG, y, 1.0 - y, None, "edge"))
        return cases
    # regression
    nq = spec.units(kwargs) if spec.units_per_target else None
    for shape_name, shape in (("batch of 8", (8,)), ("batch of 6 x 3", (6, 3)), ("one example", (1,))):
        if nq:
            y = rng.normal(0.0, 1.5, shape)
            # one output: (N, Q); several: (N, outputs * Q), the levels of an output adjacent
            pred = rng.normal(0.0, 1.5, (shape[0], nq) if len(shape) == 1 else shape[:-1] + (shape[-1] * nq,))
        elif target == "count":
            y = rng.poisson(3.0, shape).astype(np.float64)
            pred = np.exp(rng.normal(1.0, 0.5, shape))
        elif target == "positive":
            y = np.exp(rng.normal(0.0, 1.0, shape))
            pred = np.exp(rng.normal(0.0, 1.0, shape))
        else:
            y = rng.normal(0.0, 1.5, shape)
            pred = rng.normal(0.0, 1.5, shape)
        var = np.exp(rng.normal(0.0, 0.5, shape)) if spec.heads else None
        cases.append(Case(shape_name, y, pred, var, "normal"))
    first = cases[0]
    if nq:
        cases.append(Case("perfect prediction", first.y, np.repeat(first.y[:, None], nq, axis=1), None, "perfect"))
    else:
        cases.append(Case("perfect prediction", first.y, first.y.copy(), first.var, "perfect"))
    if target == "count":
        # counts of 0, where the loss is the rate alone
        cases.append(Case("zero counts", np.array([0.0, 2.0, 0.0, 5.0, 1.0, 0.0]),
                          np.exp(rng.normal(1.0, 0.5, 6)), None, "normal"))
    if target == "positive":
        # a linear output can go below 0: the reference, as Keras, clips the predictions at ε
        # before log1p, so a prediction in (-1, 0) counts as ε
        cases.append(Case("predictions in (-1, 0)", np.array([1.0, 2.0, 0.5, 3.0]),
                          np.array([-0.5, 1.0, -0.9, -0.1]), None, "normal"))
    if target == "real" and not nq:
        cases.append(Case("large errors ±1e3", np.zeros(3), np.array([1e3, -1e3, 800.0]),
                          np.ones(3) if spec.heads else None, "large"))
    return cases


# ================================================================== evaluation

#: the shape convention of a loss that predicts several numbers per target (quantiles): a
#: multi-output case is called one output at a time (its target column and the adjacent
#: prediction columns) and the values averaged
ONE_OUTPUT = "one output at a time"
#: the clips of a probability accepted on the edge cases, as log ε: from ε = 1e-4 down to
#: PyTorch's log clamp at -100
CLIP_RANGE = (-100.0, math.log(1e-4))
#: the most a right prediction of probability exactly 1 costs per term under a clip from 1e-4
#: down: -log(1 - 1e-4)
RIGHT_EDGE_BOUND = -math.log1p(-1e-4)


@dataclass(frozen=True)
class Convention:
    """How the user's function takes its inputs (see the module docstring)."""

    order: str
    form: str | None
    shape: str

    def call_text(self, heads) -> str:
        return f"f({self.order}{''.join(', ' + name for name in heads)})"

    def describe(self, heads) -> str:
        return ", ".join(x for x in (self.call_text(heads), self.form, self.shape) if x)


@dataclass
class Outcome:
    """One case under one convention: the value returned, or what went wrong."""

    value: object = None
    shape: tuple = ()
    dtype: str = "float64"
    overflow: bool = False
    error: str | None = None
    kind: str | None = None  # raises | exit | memory | stdout; with fatal: timeout | crash | exit
    stdout: str = ""
    fatal: bool = False  # the child is gone

    @property
    def scalar(self) -> bool:
        return self.error is None and self.shape == ()


class _Caller:
    """Calls the user's function through the child; after a fatal outcome, no more calls."""

    def __init__(self, child: ImplProcess, spec, timeout: float):
        self.child, self.spec, self.timeout = child, spec, timeout
        self.fatal: tuple[str, str] | None = None  # (kind, why the child is gone)

    def once(self, y, pred, var, order: str) -> Outcome:
        if self.fatal:
            return Outcome(error=self.fatal[1], kind=self.fatal[0], fatal=True)
        integer = self.spec.target == "integer"
        args, flags = ([y, pred], [integer, False]) if order == ORDERS[0] else ([pred, y], [False, integer])
        if var is not None:
            args.append(var)
            flags.append(False)
        reply, gone = self.child.request({"op": "call", "framework": self.child.framework, "args": args,
                                          "integer": flags}, self.timeout)
        if gone is not None:
            self.fatal = gone
            return Outcome(error=gone[1], kind=gone[0], fatal=True)
        return Outcome(value=reply.get("value"), shape=tuple(reply.get("shape", ())), dtype=reply.get("dtype", "float64"),
                       overflow=bool(reply.get("overflow")), error=reply["error"], kind=reply.get("kind"),
                       stdout=reply.get("stdout", ""))

    def case(self, y, pred, var, convention: Convention) -> Outcome:
        """The outcome of one case. A scalar from the whole call is judged as it is; under "1-D
        vectors" (or "one output at a time") a case whose whole call raised or returned a
        non-scalar is called again row by row (output by output) and the values averaged."""
        import numpy as np

        if convention.form in self.spec.input_forms:
            argument, to_form = self.spec.input_forms[convention.form]
            with np.errstate(all="ignore"):
                y, pred = (y, to_form(pred)) if argument == "y_pred" else (to_form(y), pred)
        whole = self.once(y, pred, var, convention.order)
        if convention.shape == SHAPES[0] or whole.fatal or whole.scalar:
            return whole
        if convention.shape == ONE_OUTPUT:
            if np.ndim(y) < 2:
                return whole
            units = np.shape(pred)[-1] // np.shape(y)[-1]
            parts = [(f"output {j}", y[..., j], pred[..., j * units:(j + 1) * units],
                      None if var is None else var[..., j]) for j in range(np.shape(y)[-1])]
        else:
            if max(np.ndim(y), np.ndim(pred)) < 2:
                return whole
            parts = [(f"row {i}", y[i], pred[i], None if var is None else var[i]) for i in range(len(pred))]
        values, overflow, stdout, dtype = [], False, "", "float64"
        for where, y_part, pred_part, var_part in parts:
            got = self.once(y_part, pred_part, var_part, convention.order)
            if got.error:
                got.error = f"{where}: {got.error}"
                return got
            if not got.scalar:
                return got
            values.append(float(got.value))
            overflow, stdout, dtype = overflow or got.overflow, stdout or got.stdout, got.dtype
        return Outcome(value=float(np.mean(values)), dtype=dtype, overflow=overflow, stdout=stdout)


def _close(a: float, b: float, rtol: float) -> bool:
    return close(a, b, rtol, atol=1e-7)


def _tolerance(impl_framework: str, dtype: str) -> float:
    rtol = 1e-5 if impl_framework == "jax" else 1e-6
    return max(rtol, 1e-5) if dtype in ("float32", "float16") else rtol


def _agreement(got: Outcome, want: float, case: Case, impl_framework: str) -> str | None:
    """How a scalar outcome agrees with the reference: "" (equal), the clip assumed on an edge
    case (see ``CLIP_RANGE``, ``RIGHT_EDGE_BOUND``), or None (it does not agree)."""
    from lossadvisor.reference._core import EPSILON

    if not got.scalar:
        return None
    value = float(got.value)
    if close(value, want, _tolerance(impl_framework, got.dtype), atol=max(1e-7, case.atol)):
        return ""
    if case.kind == "edge_right":
        # each term is -log(1 - ε) (or 0), whatever the clip; the mean of the terms too
        if 0.0 <= value <= RIGHT_EDGE_BOUND:
            return f"clipping assumed: about 0 on right predictions (at most {_fmt(RIGHT_EDGE_BOUND)}, a clip at 1e-4)"
        return None
    if case.kind != "edge" or not (math.isfinite(value) and value > 0 and want > 0):
        return None
    # the loss at probabilities 0 and 1 is dominated by the terms -log ε of the clip: it scales
    # with log ε, so yours = reference x log ε / log ε_ref
    log_eps = math.log(EPSILON) * value / want
    low, high = CLIP_RANGE
    if not low * (1 + 1e-6) <= log_eps <= high:
        return None
    clamp = " (PyTorch's log clamp at -100)" if close(log_eps, low, 1e-6) else ""
    return (f"clipping assumed: your probabilities clipped at ε = {_fmt(math.exp(log_eps))}{clamp}, "
            f"the reference's at {_fmt(EPSILON)}")


def _case_passes(got: Outcome, want: float, case: Case, impl_framework: str) -> bool:
    return not got.overflow and not got.stdout and _agreement(got, want, case, impl_framework) is not None


def _constant_factor(outcomes, wants, impl_framework) -> float | None:
    """c when yours = c x reference on every case (c != 1, the cases of value 0 agreeing), else None."""
    ratios = []
    for got, want in zip(outcomes, wants):
        if not got.scalar or not math.isfinite(float(got.value)):
            return None
        value = float(got.value)
        if abs(want) < 1e-9:
            if abs(value) > 1e-7:
                return None
            continue
        ratios.append((value / want, _tolerance(impl_framework, got.dtype)))
    if len(ratios) < 2:
        return None
    c = ratios[0][0]
    if _close(c, 1.0, 1e-6) or abs(c) < 1e-12 or not all(_close(r, c, 10 * tol) for r, tol in ratios):
        return None
    return c


def _factor_text(c: float) -> str:
    if _close(c, -1.0, 1e-5):
        return "yours = -1 × reference on every case: the sign is flipped"
    hints = ((0.5, "e.g. 1/2 in front of the squared error"), (1 / math.log(2), "log2 instead of the natural log"),
             (1 / math.log(10), "log10 instead of the natural log"))
    hint = next((text for value, text in hints if _close(c, value, 1e-5)), "a weight or scale left in the formula")
    return f"yours = {_fmt(c)} × reference on every case ({hint})"


# ==================================================================== hypotheses


def _hypotheses(spec, form, kwargs: dict, y, pred, ref_value: float):
    """{code: (expected value under the mistake, explanation)} for the mistakes that apply."""
    import numpy as np

    from lossadvisor import reference as ref

    out: dict[str, tuple[float, str]] = {}
    pred = np.asarray(pred, dtype=np.float64)
    n_terms = pred.shape[0] if spec.has_classes else pred.size
    if n_terms > 1:
        out["sum"] = (ref_value * n_terms,
                      f"yours = reference x {n_terms} (the number of {'rows' if spec.has_classes else 'elements'}): "
                      f"take the mean, not the sum")
    if spec.has_classes and pred.shape[-1] > 1:
        k = pred.shape[-1]
        out["class_mean"] = (ref_value / k, f"yours = reference / {k}: sum over the classes, then average the rows")
    if not spec.has_classes and np.ndim(y) == 2 and min(np.shape(y)) > 1:
        rows, outputs = np.shape(y)
        out["row_sum"] = (ref_value * rows, f"yours = reference x {rows} (the number of rows): "
                                            f"average over the rows too, not sum")
        out["output_sum"] = (ref_value * outputs, f"yours = reference x {outputs} (the number of outputs): "
                                                  f"average over the outputs too, not sum")
    if ref_value > 0:
        out["root"] = (math.sqrt(ref_value), "yours² = reference: the square root of the loss (RMSE instead of MSE?); "
                                             "drop the square root")
    if form is not None and spec.logits_of:
        act = ref.softmax if spec.logits_of == "softmax" else ref.sigmoid
        with np.errstate(all="ignore"):
            twice = spec.value(y, act(pred), from_logits=True, **kwargs)
        given = "logits" if form == "logits" else "probabilities"
        out["double_activation"] = (twice, f"your function applies a {spec.logits_of} "
                                           f"to the {given} and then a cross-entropy that applies one itself "
                                           f"(e.g. cross_entropy({spec.logits_of}(z), y)); drop the first {spec.logits_of}")
    if spec.hypotheses is not None:
        out.update(spec.hypotheses(form == "logits", kwargs, y, pred, ref_value))
    return out


# ========================================================================== main


def check_implementation(loss_id: str, impl: str, *, impl_framework: str = "numpy",
                         from_logits: bool | None = None, params: dict | None = None,
                         catalog: dict | None = None, timeout: float = DEFAULT_TIMEOUT,
                         memory_limit: int = DEFAULT_MEMORY_MIB) -> dict:
    """Compare the function named by ``impl`` (``MODULE:FUNCTION`` or ``path/to/file.py:FUNCTION``)
    with the reference on generated cases, in a child process. ``loss_id`` may be any name of the
    loss (``bce``, ``nn.BCEWithLogitsLoss``: see :mod:`lossadvisor.names`), a call's keyword arguments
    being its parameters (``keras.losses.Huber(delta=2.0)``, as with ``params``); ``impl_framework``
    is one of IMPL_FRAMEWORKS or another name of one (pytorch for torch).

    Returns ``{"passed", "results": [{"loss", "name", "passed", "detail"}], "diagnoses":
    [{"code", "name", "detail"}], "convention": {...}}``. Raises UsageError for an unknown
    loss, framework or parameter, InputError when the function cannot be imported.
    """
    import importlib.util

    from lossadvisor import reference as ref
    from lossadvisor.checks import _accepted_params, _catalog, call_params, loss_parameters
    from lossadvisor.names import resolve_loss_call

    impl_framework = framework_id(impl_framework, IMPL_FRAMEWORKS) or impl_framework
    if impl_framework not in IMPL_FRAMEWORKS:
        hint = suggest(str(impl_framework), IMPL_FRAMEWORKS, fold_case=True)
        raise UsageError(f"--impl-framework must be one of {', '.join(IMPL_FRAMEWORKS)}, not {impl_framework!r}{hint}")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise UsageError(f"--timeout must be a positive number of seconds, at most {_fmt(MAX_TIMEOUT)} (a day), "
                         f"not {timeout}")
    if memory_limit != 0 and not MIN_MEMORY_MIB <= memory_limit <= MAX_MEMORY_MIB:
        raise UsageError(f"--memory-limit must be 0 (no limit) or {MIN_MEMORY_MIB} to {MAX_MEMORY_MIB} MiB, "
                         f"not {memory_limit}" + (" (Python and NumPy need more to start)"
                                                  if 0 < memory_limit < MIN_MEMORY_MIB else ""))
    name = loss_id
    loss_id, called = resolve_loss_call(name, _catalog(catalog), lambda i: loss_parameters(i, catalog))
    params = {**(params or {}), **call_params([(name, loss_id, called)], params or {}).get(loss_id, {})}
    if loss_id not in ref.LOSSES:
        raise UsageError(f"loss '{loss_id}' has no NumPy reference to check against")
    package = impl_package(impl_framework)
    if importlib.util.find_spec(package) is None:
        raise UsageError(f"--impl-framework {impl_framework}: {package} is not installed "
                         f"({impl_install_hint(impl_framework)})")
    entry = _catalog(catalog).get(loss_id, {})
    spec = ref.SPECS[loss_id]
    if spec.structured:
        raise UsageError(f"check --impl does not take {loss_id} yet: its targets are {spec.target} data, and the "
                         "cases it tries are built for values, labels and classes; "
                         f"`lossadvisor check {loss_id}` checks the reference")
    kwargs = dict(entry.get("params") or {})
    kwargs.update(params or {})
    accepted = _accepted_params(spec)
    unknown = sorted(set(params or {}) - accepted)
    if unknown:
        raise UsageError(f"{loss_id} takes no parameter {', '.join(unknown)}"
                         + (f" (it takes {', '.join(sorted(accepted))})" if accepted else ""))
    kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    takes_logits = loss_id in ref.FROM_LOGITS
    if from_logits is not None and not takes_logits:
        flag = "--logits" if from_logits else "--probabilities"
        raise UsageError(f"{flag} applies only to the losses that take from_logits "
                         f"({', '.join(sorted(ref.FROM_LOGITS))}), not to {loss_id}")
    if not takes_logits:
        forms = [None]
    elif from_logits is None:
        forms = list(LOGIT_FORMS)
    else:
        forms = [LOGIT_FORMS[0] if from_logits else LOGIT_FORMS[1]]
    try:
        cases = {form: _cases(spec, form == "logits", kwargs) for form in forms}
    except Exception as exc:  # noqa: BLE001
        raise UsageError(f"{loss_id}: {exc}") from None

    def reference(y, pred, var, form):
        kw = dict(kwargs)
        if var is not None:
            kw.update({name: var for name in spec.heads})
        if form in LOGIT_FORMS:
            kw["from_logits"] = form == "logits"
        return spec.value(y, pred, **kw)

    try:
        wants = {form: [reference(case.y, case.pred, case.var, form) for case in rows] for form, rows in cases.items()}
    except ValueError as exc:  # a bad --param
        raise UsageError(f"{loss_id}: {exc}") from None
    # the spec's other input forms: the same cases and reference values, the inputs mapped when called
    for form in spec.input_forms:
        cases[form], wants[form] = cases[forms[0]], wants[forms[0]]
    forms += list(spec.input_forms)
    shapes = SHAPES + ((ONE_OUTPUT,) if spec.units_per_target else ())
    conventions = [Convention(order, form, shape) for shape in shapes for form in forms for order in ORDERS]
    ignored = {k: v for k, v in (entry.get("params") or {}).items() if k not in accepted}
    child = _start(impl, impl_framework, timeout, memory_limit)
    try:
        caller = _Caller(child, spec, timeout)
        payload = _judge(loss_id, spec, kwargs, impl_framework, caller, conventions, cases, wants, reference)
    finally:
        child.close()
    if ignored:
        from lossadvisor.checks import ignored_params_row, verdict

        payload["results"].insert(0, ignored_params_row(loss_id, ignored))
        payload.update(verdict(payload["results"][:-1]))  # the cases and this row, not the diagnosis
    payload["convention"]["pinned"] = ["form"] if takes_logits and from_logits is not None else []
    return payload


def _judge(loss_id, spec, kwargs, impl_framework, caller: _Caller, conventions, cases, wants, reference) -> dict:
    """Evaluate the conventions in order of preference; rows and diagnoses under the one accepted
    (or the most plausible, or the one under which the child was lost)."""
    evaluated: list[tuple[Convention, list[Outcome]]] = []
    chosen = None
    for convention in conventions:
        outcomes = []
        for case in cases[convention.form]:
            outcomes.append(caller.case(case.y, case.pred, case.var, convention))
            if caller.fatal:
                break
        evaluated.append((convention, outcomes))
        if caller.fatal:
            chosen = (convention, outcomes)
            break
        if all(_case_passes(g, w, case, impl_framework)
               for g, w, case in zip(outcomes, wants[convention.form], cases[convention.form])):
            chosen = (convention, outcomes)
            break
    if chosen is None:
        def plausibility(item):
            convention, outcomes = item
            want = wants[convention.form]
            matches = sum(_agreement(g, w, case, impl_framework) is not None
                          for g, w, case in zip(outcomes, want, cases[convention.form]))
            return matches + (len(outcomes) if _constant_factor(outcomes, want, impl_framework) else 0)

        chosen = max(evaluated, key=plausibility)  # max keeps the first of equals: the preferred one
    convention, outcomes = chosen
    rows = cases[convention.form]
    want_list = wants[convention.form]
    factor = None if caller.fatal else _constant_factor(outcomes, want_list, impl_framework)
    return _report(loss_id, spec, kwargs, impl_framework, caller, convention, rows, outcomes, want_list, factor,
                   reference)


def _report(loss_id, spec, kwargs, impl_framework, caller, convention, rows, outcomes, wants, factor,
            reference) -> dict:
    """The case rows, then the diagnosis row; the verdict (counts, status) is the cases'."""
    import numpy as np

    from lossadvisor.checks import _row, skip_reason, verdict

    results, found = [], {}

    def note(code, detail):
        found.setdefault(code, detail)

    for index, case in enumerate(rows):
        name = case.name
        label = f"case: {name}"
        if index >= len(outcomes):
            results.append(_row(loss_id, label, None, f"not run: the function's process was lost on an earlier "
                                                      f"case ({caller.fatal[1]})", skip_reason("process_lost")))
            continue
        got, want = outcomes[index], wants[index]
        tol = _tolerance(impl_framework, got.dtype)
        if got.error:
            note(got.kind if got.kind in DIAGNOSES else "raises", f"{name}: {got.error}")
            results.append(_row(loss_id, label, False, got.error))
            continue
        if not got.scalar:
            arr = np.asarray(got.value)
            mean = float(arr.mean()) if arr.size else float("nan")
            hint = " (its mean equals the reference: reduce with .mean())" if _close(mean, want, tol) else ""
            note("array", f"returns shape {tuple(got.shape)}{hint}")
            results.append(_row(loss_id, label, False,
                                f"returned an array of shape {tuple(got.shape)}, not a scalar{hint}; reference {_fmt(want)}"))
            continue
        value = float(got.value)
        if got.stdout:
            note("stdout", f"{name}: wrote {got.stdout!r} to stdout; stdout carries the report: use stderr or logging")
        agreement = _agreement(got, want, case, impl_framework)
        if agreement is not None:
            problems = []
            if got.overflow:
                note("overflow", f"{name}: overflow warning inside your function")
                problems.append("a floating-point overflow warning was raised")
            if got.stdout:
                problems.append(f"it wrote {got.stdout!r} to stdout")
            extra = f" (but {' and '.join(problems)})" if problems else ""
            relation = f"yours {_fmt(value)} = reference {_fmt(want)}" if not agreement else (
                f"yours {_fmt(value)}, reference {_fmt(want)}: {agreement}")
            results.append(_row(loss_id, label, not problems, relation + extra))
            continue
        why = _explain(caller, spec, convention, kwargs, case, got, value, want, tol, reference, factor)
        for code, text in why:
            note(code, f"{name}: {text}")
        reason = "; ".join(f"{_name(spec, c)}: {t}" for c, t in why) if why else "no known mistake explains the difference"
        results.append(_row(loss_id, label, False, f"yours {_fmt(value)} != reference {_fmt(want)}: {reason}"))

    diagnoses = [{"code": c, "name": _name(spec, c), "detail": d} for c, d in found.items()]
    setup = f"called as {convention.describe(spec.heads)}" + (
        f", {impl_framework} tensors" if impl_framework != "numpy" else "") + (
        "; reference parameters " + ", ".join(f"{k}={v}" for k, v in kwargs.items()) if kwargs else "")
    outcome = verdict(results)
    failed = outcome["counts"]["failed"]
    if diagnoses:
        text = "; ".join(d["name"] for d in diagnoses)
        results.append(_row(loss_id, "diagnosis", False, f"{text} ({setup})"))
    elif failed:
        results.append(_row(loss_id, "diagnosis", False,
                            f"{failed} of {len(rows)} cases differ and no known mistake explains it ({setup})"))
    else:
        results.append(_row(loss_id, "diagnosis", True,
                            f"matches the reference on all {len(rows)} cases, edge cases included ({setup})"))
    return {**outcome, "results": results, "diagnoses": diagnoses,
            "convention": {"order": convention.order, "form": convention.form, "shape": convention.shape}}


def _name(spec, code: str) -> str:
    """The diagnosis' name; the activation applied twice names the activation."""
    return f"{spec.logits_of} applied twice" if code == "double_activation" else DIAGNOSES[code]


def _explain(caller: _Caller, spec, convention: Convention, kwargs, case: Case, got: Outcome, value, want, tol,
             reference, factor: float | None) -> list[tuple[str, str]]:
    """The named mistakes that explain ``value`` (the user's) against ``want`` (the reference's).

    In order: not finite (log 0 on the edge case, overflow), the other argument order, the
    value of a named mistake (sum, mean over classes, root, activation twice, the loss's own),
    ``factor`` (yours = c x reference on every case), the other form, saturation (a loss over
    probabilities or logits only).
    """
    import numpy as np

    from lossadvisor import reference as ref

    found: list[tuple[str, str]] = []
    form, kind, y, pred, var = convention.form, case.kind, case.y, case.pred, case.var
    if not math.isfinite(value):
        if kind in ("edge", "edge_right"):
            found.append(("log_zero", f"returns {value} on probabilities of exactly 0 or 1; "
                                      f"clip the probabilities to [eps, 1 - eps] as Keras does"))
        elif kind == "large" or got.overflow:
            found.append(("overflow", f"returns {value} on large inputs; use log-sum-exp / log1p(exp(-|z|)) "
                                      f"instead of log(sigmoid) or log(softmax), or cosh"))
        else:
            found.append(("not_finite", f"returns {value} on ordinary inputs (a log of a negative number or of 0, "
                                        f"0/0, a NaN in the formula?)"))
        return found
    other = ORDERS[1] if convention.order == ORDERS[0] else ORDERS[0]
    swapped = caller.case(y, pred, var, Convention(other, form, convention.shape))
    if swapped.scalar and close(float(swapped.value), want, tol, atol=max(1e-7, case.atol)):
        found.append(("swapped", f"called as f({other}) this case matches the reference, but no one order matches "
                                 f"every case"))
        return found
    for code, (expected, text) in _hypotheses(spec, form, kwargs, y, pred, want).items():
        if _close(value, expected, tol):
            found.append((code, text))
    if found:
        return found
    if factor is not None:
        return [("factor", _factor_text(factor))]
    if form in LOGIT_FORMS and kind in ("normal", "large"):
        act = ref.softmax if spec.logits_of == "softmax" else ref.sigmoid
        if form == "logits":
            probs = act(pred)
            alt = caller.case(y, probs, var, Convention(convention.order, "probabilities", convention.shape))
            if alt.scalar and _close(float(alt.value), reference(y, probs, var, "probabilities"), tol):
                found.append(("logits_as_probs", "your function expects probabilities but was given logits "
                                                 "(--logits): apply the activation first, or drop --logits"))
        elif kind == "normal":
            logits = np.log(np.clip(pred, 1e-300, None)) if act is ref.softmax else np.log(pred) - np.log1p(-pred)
            alt = caller.case(y, logits, var, Convention(convention.order, "logits", convention.shape))
            if alt.scalar and _close(float(alt.value), reference(y, pred, var, "probabilities"), tol):
                found.append(("probs_as_logits", "your function applies the activation itself but was given "
                                                 "probabilities (--probabilities): give it logits or remove its "
                                                 "sigmoid/softmax"))
    if not found and kind == "large" and spec.logits_of and abs(value) < abs(want):
        found.append(("saturates", f"on large inputs yours is capped at {_fmt(value)} (a clipped log of a probability?); "
                                   "compute the loss from the logits with log-sigmoid / log-softmax"))
    return found
