"""Check a user's own loss function against the NumPy reference, and name the mistake.

The user's module is imported, and their function called, in a child process
(``lossadvisor.implrunner``), never in this one. Each call has a time limit (``timeout``,
10 s by default); the import has six times that, at least 5 s (numpy and the framework are
imported first, within 120 s of their own). The child runs under a memory limit
(``RLIMIT_DATA``, 2048 MiB by default, 0 for none; why not ``RLIMIT_AS``: see
``lossadvisor.implrunner``). In a call, each of these is a failed case that names its cause:
an exception, ``sys.exit(n)``, ``os._exit(n)``, a crash (the signal named), no return within
the time limit, going past the memory limit, output written to stdout (fd 1: the report's
channel). After an ``os._exit``, a crash or a timeout the child is gone: the remaining cases
are marked not run (``passed`` None) and the check fails. An import that fails, exits,
crashes or hangs is an ``InputError``.

Conventions. A correct implementation is judged correct whatever its honest convention:

- ``order``: ``"y_true, y_pred"`` (Keras) or ``"y_pred, y_true"`` (PyTorch); a variance head
  comes last either way;
- ``form``: ``"logits"`` or ``"probabilities"`` for the losses that take ``from_logits``
  (``reference.FROM_LOGITS``), None for the others;
- ``shape``: ``"2-D batches"`` (the arrays as generated, 1-D and 2-D) or ``"1-D vectors"``
  (a 2-D case is passed one row at a time and the row values averaged, as the reference
  does).

The function passes when it agrees with the reference on every case, edge and large ones
included, under one convention; they are tried in that order of preference (2-D batches
first, logits first, Keras' order first), so a symmetric loss is reported in Keras' order.
``from_logits`` True / False pins the form. The payload's ``"convention"`` is
``{"order": ..., "form": ..., "shape": ..., "pinned": ["form"] or []}``: the convention
accepted, or, when none agrees, the most plausible one (the most cases matching; a
constant factor on every case counts as all), under which the mistakes are named.

Mistakes named by value: a constant factor on every case, sum instead of mean, mean over
classes instead of sum, the activation applied twice (a softmax or sigmoid before a
cross-entropy that applies one itself), missing the ``(1 - y)`` term, logits taken as
probabilities (or the reverse, with the form pinned), overflow at large inputs,
saturation, an array instead of a scalar, and arguments swapped on some cases.
``impl_framework="torch"|"jax"``: the child passes tensors and reads the result back.
"""

from __future__ import annotations

import math
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from lossadvisor.errors import InputError, UsageError
from lossadvisor.textutil import close, fmt_number as _fmt

IMPL_FRAMEWORKS = ("numpy", "torch", "jax")
#: seconds per call of the user's function
DEFAULT_TIMEOUT = 10.0
#: MiB of RLIMIT_DATA in the child; 0 for no limit
DEFAULT_MEMORY_MIB = 2048
#: seconds for the child to import numpy and the framework (the project's own imports)
PREPARE_TIMEOUT = 120.0

ORDERS = ("y_true, y_pred", "y_pred, y_true")
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


class ImplProcess:
    """The child process holding the user's function; one request, one reply, each bounded in time."""

    def __init__(self, framework: str, memory_mib: int):
        from lossadvisor import implrunner

        package_parent = os.path.dirname(os.path.dirname(os.path.abspath(implrunner.__file__)))
        code = f"import sys; sys.path.append({package_parent!r}); from lossadvisor.implrunner import main; main()"
        env = dict(os.environ, LOSSADVISOR_IMPL_MEMORY_MIB=str(int(memory_mib)))
        self.framework = framework
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=env)
        self.fd = self.proc.stdout.fileno()

    def request(self, message: dict, timeout: float) -> tuple[dict | None, str | None]:
        """``(reply, None)``, or ``(None, why the child is gone)`` after which it is stopped."""
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

    def _gone(self, timeout: float, deadline: float) -> str:
        if self.proc.poll() is None and time.monotonic() >= deadline:
            self.stop()
            return f"did not return within {_fmt(timeout)} s"
        return self._ended()

    def _ended(self) -> str:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.stop()
            code = self.proc.returncode
        if code < 0:
            name = _signal_name(-code)
            extra = " (out of memory?)" if name == "SIGKILL" else ""
            return f"crashed: the process was killed by {name}{extra}"
        return f"ended the process with exit code {code} (os._exit({code})?)"

    def stop(self) -> None:
        """End the child (its own process id only) and reap it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def close(self) -> None:
        """Let the child end on end of input; stop it if it does not."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.stop()


def _start(impl: str, framework: str, timeout: float, memory_mib: int) -> ImplProcess:
    """A child that has imported the user's function; InputError when the import fails or exits."""
    where, name, is_file = parse_impl(impl)
    child = ImplProcess(framework, memory_mib)
    reply, gone = child.request({"op": "prepare", "framework": framework}, PREPARE_TIMEOUT)
    if gone is not None or reply["error"]:
        child.stop()
        raise InputError(f"--impl: the process that runs your function could not start: {gone or reply['error']}")
    import_timeout = max(5.0, 6 * timeout)
    reply, gone = child.request({"op": "import", "where": where, "name": name, "is_file": is_file}, import_timeout)
    if gone is not None or reply["error"]:
        child.stop()
        if gone and gone.startswith("did not return"):
            gone = f"did not finish within {_fmt(import_timeout)} s (an import gets 6 x --timeout, at least 5 s)"
        raise InputError(reply["error"] if gone is None else f"--impl: importing '{where}' {gone}")
    return child


# ======================================================================= cases


def _cases(spec, from_logits: bool, kwargs: dict):
    """[(name, y_true, y_pred, variance or None, kind)] in the form the user's function gets.

    kind: "normal", "perfect", "large" (large logits or errors), "edge" (probabilities 0, 1).
    The cases follow the spec's target kind: class rows or indices, binary labels, values.
    """
    import numpy as np

    from lossadvisor import reference as ref

    rng = np.random.default_rng(3)
    target = spec.target
    cases = []
    if spec.has_classes:
        k = 4
        for shape_name, rows in (("batch of 8 x 4 classes", 8), ("one example", 1)):
            z = rng.normal(0.0, 1.5, (rows, k))
            lab = np.arange(rows) % k
            y = ref.softmax(rng.normal(0.0, 1.0, (rows, k))) if target == "probabilities" else (
                lab if target == "integer" else np.eye(k)[lab])
            pred = z if from_logits else ref.softmax(z)
            cases.append((shape_name, y, pred, None, "normal"))
        lab = np.array([0, 1, 2, 3])
        y = lab if target == "integer" else np.eye(k)[lab]
        if target == "probabilities":
            y = np.full((4, k), 1.0 / k)
            cases.append(("perfect prediction", y, y.copy(), None, "perfect"))
        elif from_logits:
            cases.append(("confident logits ±40 (right and wrong)", y,
                          np.where(np.eye(k)[[0, 1, 3, 2]] > 0, 40.0, -40.0), None, "large"))
            cases.append(("perfect prediction", y, np.where(np.eye(k)[lab] > 0, 30.0, -30.0), None, "perfect"))
        else:
            cases.append(("probabilities exactly 0 and 1", y, np.eye(k)[[0, 1, 3, 2]], None, "edge"))
        return cases
    if spec.has_labels:
        margin = target == "plus_minus_one"
        for shape_name, shape in (("batch of 8", (8,)), ("batch of 6 x 3", (6, 3)), ("one example", (1,))):
            y = (np.arange(int(np.prod(shape))).reshape(shape) % 3 == 0).astype(np.float64)
            if margin:
                y = 2.0 * y - 1.0
            z = rng.normal(0.0, 1.5, shape)
            pred = np.tanh(z) if margin else (z if from_logits else ref.sigmoid(z))
            cases.append((shape_name, y, pred, None, "normal"))
        y = np.array([1.0, 0.0, 1.0, 0.0])
        if margin:
            y = 2.0 * y - 1.0
            cases.append(("perfect prediction", y, y.copy(), None, "perfect"))
            cases.append(("large scores ±1e4", y, np.array([1e4, 1e4, -1e4, -1e4]), None, "large"))
        elif from_logits:
            cases.append(("large logits ±40 (right and wrong)", y, np.array([40.0, -40.0, -40.0, 40.0]), None, "large"))
            cases.append(("logits ±1e4", y, np.array([1e4, -1e4, -1e4, 1e4]), None, "large"))
        else:
            cases.append(("probabilities exactly 0 and 1", y, np.array([1.0, 0.0, 0.0, 1.0]), None, "edge"))
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
        cases.append((shape_name, y, pred, var, "normal"))
    y = cases[0][1]
    if nq:
        cases.append(("perfect prediction", y, np.repeat(y[:, None], nq, axis=1), None, "perfect"))
    else:
        cases.append(("perfect prediction", y, y.copy(), cases[0][3], "perfect"))
    if target == "real" and not nq:
        y = np.array([0.0, 0.0, 0.0])
        pred = np.array([1e3, -1e3, 800.0])
        var = np.ones(3) if spec.heads else None
        cases.append(("large errors ±1e3", y, pred, var, "large"))
    return cases


# ================================================================== evaluation


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
    kind: str | None = None  # raises | exit | memory, or fatal: the child is gone
    stdout: str = ""

    @property
    def scalar(self) -> bool:
        return self.error is None and self.shape == ()


class _Caller:
    """Calls the user's function through the child; after a fatal outcome, no more calls."""

    def __init__(self, child: ImplProcess, spec, timeout: float):
        self.child, self.spec, self.timeout = child, spec, timeout
        self.fatal: str | None = None

    def once(self, y, pred, var, order: str) -> Outcome:
        if self.fatal:
            return Outcome(error=self.fatal, kind="fatal")
        integer = self.spec.target == "integer"
        args, flags = ([y, pred], [integer, False]) if order == ORDERS[0] else ([pred, y], [False, integer])
        if var is not None:
            args.append(var)
            flags.append(False)
        reply, gone = self.child.request({"op": "call", "framework": self.child.framework, "args": args,
                                          "integer": flags}, self.timeout)
        if gone is not None:
            self.fatal = gone
            return Outcome(error=gone, kind="fatal")
        return Outcome(value=reply.get("value"), shape=tuple(reply.get("shape", ())), dtype=reply.get("dtype", "float64"),
                       overflow=bool(reply.get("overflow")), error=reply["error"], kind=reply.get("kind"),
                       stdout=reply.get("stdout", ""))

    def case(self, y, pred, var, convention: Convention) -> Outcome:
        """The outcome of one case; with "1-D vectors" a 2-D case is called row by row and averaged."""
        import numpy as np

        rows = convention.shape == SHAPES[1] and max(np.ndim(y), np.ndim(pred)) >= 2
        if not rows:
            return self.once(y, pred, var, convention.order)
        values, overflow, stdout, dtype = [], False, "", "float64"
        for i in range(len(pred)):
            got = self.once(y[i], pred[i], None if var is None else var[i], convention.order)
            if got.error:
                got.error = f"row {i}: {got.error}"
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
    with the reference on generated cases, in a child process.

    Returns ``{"passed", "results": [{"loss", "name", "passed", "detail"}], "diagnoses":
    [{"code", "name", "detail"}], "convention": {...}}``. Raises UsageError for an unknown
    loss, framework or parameter, InputError when the function cannot be imported.
    """
    import importlib.util

    from lossadvisor import reference as ref
    from lossadvisor.checks import _accepted_params, _catalog, unknown_loss_message

    if impl_framework not in IMPL_FRAMEWORKS:
        raise UsageError(f"--impl-framework must be one of {', '.join(IMPL_FRAMEWORKS)}, not {impl_framework!r}")
    if not (timeout > 0 and math.isfinite(timeout)):
        raise UsageError(f"--timeout must be a positive number of seconds, not {timeout}")
    if memory_limit < 0:
        raise UsageError(f"--memory-limit must be a number of MiB (0 for none), not {memory_limit}")
    if loss_id not in ref.LOSSES:
        cat = _catalog(catalog)
        raise UsageError(unknown_loss_message(loss_id, cat) if loss_id not in cat
                         else f"loss '{loss_id}' has no NumPy reference to check against")
    if impl_framework != "numpy":
        mod = "torch" if impl_framework == "torch" else "jax"
        if importlib.util.find_spec(mod) is None:
            raise UsageError(f"--impl-framework {impl_framework}: {mod} is not installed")
    entry = _catalog(catalog).get(loss_id, {})
    spec = ref.SPECS[loss_id]
    kwargs = dict(entry.get("params") or {})
    kwargs.update(params or {})
    accepted = _accepted_params(spec)
    unknown = sorted(set(params or {}) - accepted)
    if unknown:
        raise UsageError(f"{loss_id} takes no parameter {', '.join(unknown)}"
                         + (f" (it takes {', '.join(sorted(accepted))})" if accepted else ""))
    kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    takes_logits = loss_id in ref.FROM_LOGITS
    if from_logits and not takes_logits:
        raise UsageError(f"{loss_id} takes no logits (--logits applies to "
                         f"{', '.join(sorted(ref.FROM_LOGITS))})")
    if not takes_logits:
        forms = [None]
    elif from_logits is None:
        forms = ["logits", "probabilities"]
    else:
        forms = ["logits" if from_logits else "probabilities"]
    try:
        cases = {form: _cases(spec, form == "logits", kwargs) for form in dict.fromkeys(forms + (
            ["logits", "probabilities"] if takes_logits else []))}
    except Exception as exc:  # noqa: BLE001
        raise UsageError(f"{loss_id}: {exc}") from None

    def reference(y, pred, var, form):
        kw = dict(kwargs)
        if var is not None:
            kw.update({name: var for name in spec.heads})
        if form is not None:
            kw["from_logits"] = form == "logits"
        return spec.value(y, pred, **kw)

    try:
        wants = {form: [reference(y, pred, var, form) for _, y, pred, var, _ in rows] for form, rows in cases.items()}
    except ValueError as exc:  # a bad --param
        raise UsageError(f"{loss_id}: {exc}") from None
    conventions = [Convention(order, form, shape) for shape in SHAPES for form in forms for order in ORDERS]
    child = _start(impl, impl_framework, timeout, memory_limit)
    try:
        caller = _Caller(child, spec, timeout)
        payload = _judge(loss_id, spec, kwargs, impl_framework, caller, conventions, cases, wants, reference)
    finally:
        child.close()
    payload["convention"]["pinned"] = ["form"] if takes_logits and from_logits is not None else []
    return payload


def _case_passes(got: Outcome, want: float, impl_framework: str) -> bool:
    return (got.scalar and not got.overflow and not got.stdout
            and _close(float(got.value), want, _tolerance(impl_framework, got.dtype)))


def _judge(loss_id, spec, kwargs, impl_framework, caller: _Caller, conventions, cases, wants, reference) -> dict:
    """Evaluate the conventions in order of preference; rows and diagnoses under the one accepted
    (or the most plausible, or the one under which the child was lost)."""
    evaluated: list[tuple[Convention, list[Outcome]]] = []
    chosen = None
    for convention in conventions:
        outcomes = []
        for _, y, pred, var, _ in cases[convention.form]:
            outcomes.append(caller.case(y, pred, var, convention))
            if caller.fatal:
                break
        evaluated.append((convention, outcomes))
        if caller.fatal:
            chosen = (convention, outcomes)
            break
        if all(_case_passes(g, w, impl_framework) for g, w in zip(outcomes, wants[convention.form])):
            chosen = (convention, outcomes)
            break
    if chosen is None:
        def plausibility(item):
            convention, outcomes = item
            want = wants[convention.form]
            matches = sum(g.scalar and _close(float(g.value), w, _tolerance(impl_framework, g.dtype))
                          for g, w in zip(outcomes, want))
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
    import numpy as np

    from lossadvisor.checks import _row

    results, found = [], {}

    def note(code, detail):
        found.setdefault(code, detail)

    for index, (name, y, pred, var, kind) in enumerate(rows):
        label = f"case: {name}"
        if index >= len(outcomes):
            results.append(_row(loss_id, label, None, f"not run: the function's process was lost on an earlier "
                                                      f"case ({caller.fatal})"))
            continue
        got, want = outcomes[index], wants[index]
        tol = _tolerance(impl_framework, got.dtype)
        if got.kind == "fatal":
            code = ("timeout" if got.error.startswith("did not return") else
                    "crash" if got.error.startswith("crashed") else "exit")
            note(code, f"{name}: {got.error}")
            results.append(_row(loss_id, label, False, got.error))
            continue
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
        if _close(value, want, tol):
            problems = []
            if got.overflow:
                note("overflow", f"{name}: overflow warning inside your function")
                problems.append("a floating-point overflow warning was raised")
            if got.stdout:
                problems.append(f"it wrote {got.stdout!r} to stdout")
            extra = f" (but {' and '.join(problems)})" if problems else ""
            results.append(_row(loss_id, label, not problems, f"yours {_fmt(value)} = reference {_fmt(want)}{extra}"))
            continue
        why = _explain(caller, spec, convention, kwargs, y, pred, var, value, want, got, kind, tol, reference, factor)
        for code, text in why:
            note(code, f"{name}: {text}")
        reason = "; ".join(f"{_name(spec, c)}: {t}" for c, t in why) if why else "no known mistake explains the difference"
        results.append(_row(loss_id, label, False, f"yours {_fmt(value)} != reference {_fmt(want)}: {reason}"))

    diagnoses = [{"code": c, "name": _name(spec, c), "detail": d} for c, d in found.items()]
    setup = f"called as {convention.describe(spec.heads)}" + (
        f", {impl_framework} tensors" if impl_framework != "numpy" else "") + (
        "; reference parameters " + ", ".join(f"{k}={v}" for k, v in kwargs.items()) if kwargs else "")
    failed = sum(r["passed"] is False for r in results)
    if diagnoses:
        text = "; ".join(d["name"] for d in diagnoses)
        results.append(_row(loss_id, "diagnosis", False, f"{text} ({setup})"))
    elif failed:
        results.append(_row(loss_id, "diagnosis", False,
                            f"{failed} of {len(rows)} cases differ and no known mistake explains it ({setup})"))
    else:
        results.append(_row(loss_id, "diagnosis", True,
                            f"matches the reference on all {len(rows)} cases, edge cases included ({setup})"))
    from lossadvisor.checks import verdict

    return {**verdict(results), "results": results, "diagnoses": diagnoses,
            "convention": {"order": convention.order, "form": convention.form, "shape": convention.shape}}


def _name(spec, code: str) -> str:
    """The diagnosis' name; the activation applied twice names the activation."""
    return f"{spec.logits_of} applied twice" if code == "double_activation" else DIAGNOSES[code]


def _explain(caller: _Caller, spec, convention: Convention, kwargs, y, pred, var, value, want, got,
             kind, tol, reference, factor: float | None) -> list[tuple[str, str]]:
    """The named mistakes that explain ``value`` (the user's) against ``want`` (the reference's).

    In order: not finite (overflow), the other argument order, the value of a named mistake
    (sum, mean over classes, activation twice, the loss's own), ``factor`` (yours = c x
    reference on every case), the other form, saturation.
    """
    import numpy as np

    from lossadvisor import reference as ref

    found: list[tuple[str, str]] = []
    form = convention.form
    if not math.isfinite(value):
        if kind in ("large", "edge") or got.overflow:
            what = "probabilities of exactly 0 or 1 (log 0)" if kind == "edge" else "large inputs"
            fix = ("clip the probabilities to [eps, 1 - eps] as Keras does" if kind == "edge"
                   else "use log-sum-exp / log1p(exp(-|z|)) instead of log(sigmoid) or log(softmax), or cosh")
            found.append(("overflow", f"returns {value} on {what}; {fix}"))
        else:
            found.append(("not_finite", f"returns {value} on ordinary inputs (a log of a negative number or of 0, "
                                        f"0/0, a NaN in the formula?)"))
        return found
    other = ORDERS[1] if convention.order == ORDERS[0] else ORDERS[0]
    swapped = caller.case(y, pred, var, Convention(other, form, convention.shape))
    if swapped.scalar and _close(float(swapped.value), want, tol):
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
    if form is not None and kind == "normal":
        act = ref.softmax if spec.has_classes else ref.sigmoid
        if form == "logits":
            probs = act(pred)
            alt = caller.case(y, probs, var, Convention(convention.order, "probabilities", convention.shape))
            if alt.scalar and _close(float(alt.value), reference(y, probs, var, "probabilities"), tol):
                found.append(("logits_as_probs", "your function expects probabilities but was given logits "
                                                 "(--logits): apply the activation first, or drop --logits"))
        else:
            logits = np.log(np.clip(pred, 1e-300, None)) if act is ref.softmax else np.log(pred) - np.log1p(-pred)
            alt = caller.case(y, logits, var, Convention(convention.order, "logits", convention.shape))
            if alt.scalar and _close(float(alt.value), reference(y, pred, var, "probabilities"), tol):
                found.append(("probs_as_logits", "your function applies the activation itself but was given "
                                                 "probabilities (--probabilities): give it logits or remove its "
                                                 "sigmoid/softmax"))
    if not found and kind == "large" and abs(value) < abs(want):
        found.append(("saturates", f"on large inputs yours is capped at {_fmt(value)} (a clipped log of a probability?); "
                                   "compute the loss from the logits with log-sigmoid / log-softmax"))
    return found
