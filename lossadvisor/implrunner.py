"""The child process of ``check --impl``: imports the user's module and calls their function.

The parent (``lossadvisor.implcheck.ImplProcess``) starts it with ``python -c`` in a session
of its own and talks to it over the child's stdin and stdout, which the child moves to
private descriptors at start: fd 0 becomes /dev/null and fd 1 a temporary file. What the
user's code writes on stdout (``print``, C-level writes to fd 1 included) lands in that file
and is reported as a failure of the call; it never reaches the report, nor the protocol. A
call that closes or redirects fd 1, or closes or replaces ``sys.stdout``, is a failed call too;
both are put back before the next one. stderr is inherited.

No exception escapes to the child's stderr as a traceback: an exception of the user's code
(``BaseException`` and ``KeyboardInterrupt`` included, and one whose ``str()`` raises) becomes
the one-line text of the reply, and an error of the runner itself is a reply too.

Protocol: each message is an 8-byte big-endian length followed by a pickle. The parent
sends ``{"op": "prepare", ...}`` (numpy and the framework) and ``{"op": "import", ...}`` once,
then ``{"op": "call", ...}`` per call; the child answers each with a dict (``{"error": None or
text}``, or what ``call`` returns plus ``"stdout"``). Arrays go as NumPy arrays; with
``framework`` torch or jax the child builds the tensors and converts the result back, so
the parent sees only floats and arrays.

Processes the user's code starts stay in the child's process group. The parent ends that
group when the check is over; should the parent die first (killed, crashed), the child sees
its lifeline pipe close and ends the group itself.

Memory limit: ``RLIMIT_DATA`` (heap and private writable mappings), set before anything is
imported. ``RLIMIT_AS`` is not used: it counts reserved address space, and torch fails to
import under 512 MiB of it (CUDA builds reserve far more); under ``RLIMIT_DATA`` torch and jax
import and run at 512 MiB (measured: about 230 MB resident each), so the default of 2048
MiB leaves room for the user's own work. Going past it is a MemoryError in the call (or the
process is killed, which the parent reports).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import pickle
import signal
import struct
import sys
import tempfile
import threading
import warnings

from lossadvisor.framework_names import IMPL_MODULES

HEADER = struct.Struct(">Q")


def send(stream, message) -> None:
    """Write one length-prefixed pickle to ``stream`` (a binary file)."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def receive(stream):
    """Read one message written by ``send``; None at end of file."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    return pickle.loads(stream.read(size))


def describe(exc: BaseException) -> str:
    """``"Name: text"`` of an exception (``"Name"`` when its text is empty), even when its ``str()`` raises."""
    try:
        text = str(exc)
    except BaseException as inner:  # noqa: BLE001 - the user's __str__: any failure is described
        text = f"<its str() raised {type(inner).__name__}>"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def shown(value, width: int = 60) -> str:
    """``repr(value)`` cut to ``width`` characters, even when that ``repr()`` raises."""
    try:
        return f"{value!r:.{width}}"
    except BaseException as exc:  # noqa: BLE001
        return f"<a {type(value).__name__} whose repr() raised {type(exc).__name__}>"


def load_function(where: str, name: str, is_file: bool):
    """The user's function: ``(function, None)`` or ``(None, message of the InputError)``.

    The user's directory goes first on ``sys.path`` as ``python path/to/file.py`` or ``python -m``
    would put it: the file's own directory, or the working directory for a module. Import-time
    output on stdout goes to stderr (fd 1 is pointed at fd 2 meanwhile).
    """
    sys.path.insert(0, os.path.dirname(os.path.abspath(where)) if is_file else os.getcwd())
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            if is_file:
                mod_name = "_lossadvisor_impl_" + "".join(c if c.isalnum() else "_" for c in os.path.abspath(where))
                spec_obj = importlib.util.spec_from_file_location(mod_name, where)
                module = importlib.util.module_from_spec(spec_obj)
                sys.modules[mod_name] = module
                spec_obj.loader.exec_module(module)
            else:
                module = importlib.import_module(where)
    except ModuleNotFoundError as exc:
        if is_file:
            return None, f"--impl: importing '{where}' failed: {describe(exc)}"
        return None, f"--impl: no module named '{exc.name or where}' (for a file give path/to/file.py:{name})"
    except SystemExit as exc:
        return None, f"--impl: importing '{where}' called sys.exit({shown(exc.code)})"
    except BaseException as exc:  # noqa: BLE001 - the user's module: any error is an input error
        return None, f"--impl: importing '{where}' failed: {describe(exc)}"
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
    try:
        func = getattr(module, name, None)
        if func is None:
            from lossadvisor.textutil import suggest

            funcs = [k for k, v in vars(module).items() if callable(v) and not k.startswith("_")]
            hint = suggest(name, funcs, fallback=f"; it has {', '.join(sorted(funcs)[:8])}" if funcs else "")
            return None, f"--impl: '{where}' has no function '{name}'{hint}"
        if not callable(func):
            return None, f"--impl: '{where}:{name}' is a {type(func).__name__}, not a function"
    except BaseException as exc:  # noqa: BLE001 - a module __getattr__ of the user's
        return None, f"--impl: looking up '{name}' in '{where}' failed: {describe(exc)}"
    return func, None


def to_framework(x, framework: str, integer: bool):
    """A NumPy array as the framework's array (``IMPL_MODULES``: its module and its dtypes)."""
    import numpy as np

    module, integer_dtype, real_dtype = IMPL_MODULES[framework]
    array_module = importlib.import_module(module)
    return array_module.asarray(np.ascontiguousarray(x),
                                dtype=getattr(array_module, integer_dtype if integer else real_dtype))


def call(func, framework: str, args, integer: list) -> dict:
    """One call: ``{"value", "shape", "dtype", "overflow", "error": None}`` (value a float or an array), or
    ``{"kind": "raises" | "exit" | "memory", "error": text}``."""
    import numpy as np

    tensors = [to_framework(a, framework, i) for a, i in zip(args, integer)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(over="warn", invalid="warn", divide="warn"):
                out = func(*tensors)
        except SystemExit as exc:
            return {"kind": "exit", "error": f"called sys.exit({shown(exc.code)})"}
        except MemoryError as exc:
            text = describe(exc)
            return {"kind": "memory", "error": f"went past the memory limit ({text})"}
        except BaseException as exc:  # noqa: BLE001 - the user's code: report, never crash
            return {"kind": "raises", "error": f"raised {describe(exc)}"}
    try:
        overflow = any("overflow" in str(w.message) for w in caught)
        if hasattr(out, "detach"):
            out = out.detach().cpu().numpy()
        arr = np.asarray(out)
        if arr.dtype.kind not in "biuf":
            return {"kind": "raises", "error": f"returned {type(out).__name__} {shown(out)}, not a number"}
        dtype = str(arr.dtype)
        arr = arr.astype(np.float64)
    except BaseException as exc:  # noqa: BLE001 - the user's return value: any failure is theirs
        return {"kind": "raises", "error": f"returned {type(out).__name__}, not a number ({describe(exc)})"}
    value = float(arr) if arr.ndim == 0 else arr
    return {"value": value, "shape": arr.shape, "dtype": dtype, "overflow": overflow, "error": None}


class Stdout:
    """fd 1 and ``sys.stdout`` of the child: a private temporary file, checked and put back around each call."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.fd = os.dup(self.file.fileno())  # kept apart from fd 1, which the user's code may close
        self.identity = self._identity(self.fd)
        os.dup2(self.fd, 1)
        self.stream = sys.stdout

    @staticmethod
    def _identity(fd: int):
        stat = os.fstat(fd)
        return stat.st_dev, stat.st_ino

    def misused(self) -> str | None:
        """What the last call did to stdout (fd 1 closed or redirected, ``sys.stdout`` closed or
        replaced), or None; either way both are put back."""
        try:
            problem = None if self._identity(1) == self.identity else "closed or redirected stdout (fd 1)"
        except OSError:
            problem = "closed or redirected stdout (fd 1)"
        if sys.stdout is not self.stream or getattr(self.stream, "closed", True):
            problem = problem or "closed or replaced sys.stdout"
            if getattr(self.stream, "closed", True):
                self.stream = open(1, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
            sys.stdout = self.stream
        os.dup2(self.fd, 1)
        return problem

    def written(self) -> str:
        """What the last call wrote on fd 1 (the first 80 characters), then the file emptied."""
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
        size = os.fstat(self.fd).st_size
        text = os.pread(self.fd, 80, 0).decode("utf-8", "replace") if size else ""
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        return text


def _prepare(framework: str) -> dict:
    """Import numpy and the framework's array module (the project's own imports)."""
    for module in dict.fromkeys(["numpy", IMPL_MODULES[framework][0]]):
        try:
            importlib.import_module(module)
        except BaseException as exc:  # noqa: BLE001 - a broken install or too little memory: reported
            return {"error": f"importing {module} failed: {describe(exc)}"}
    return {"error": None}


def _watch(lifeline: int) -> None:
    """End this process group when the parent is gone (its end of the lifeline closed)."""
    with contextlib.suppress(OSError):
        os.read(lifeline, 1)
    os.killpg(0, signal.SIGKILL)


def main(memory_mib: int, lifeline: int) -> None:
    """Serve the parent: set the memory limit, move the protocol off fds 0 and 1, then loop.

    ``lifeline``: the read end of a pipe only the parent writes to; it reads end of file when
    the parent is gone, and the child then ends its process group (its own session).
    """
    if os.getpgid(0) == os.getpid():  # never end a group that is not ours
        threading.Thread(target=_watch, args=(lifeline,), daemon=True).start()  # its stack before the limit
    if memory_mib > 0:
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource

            resource.setrlimit(resource.RLIMIT_DATA, (memory_mib << 20, memory_mib << 20))
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    stdout = Stdout()
    func = None
    while True:
        message = receive(requests)
        if message is None:
            return
        try:
            if message["op"] == "prepare":
                reply = _prepare(message["framework"])
            elif message["op"] == "import":
                func, error = load_function(message["where"], message["name"], message["is_file"])
                reply = {"error": error}
            else:
                stdout.written()
                reply = call(func, message["framework"], message["args"], message["integer"])
                misuse = stdout.misused()
                if misuse and not reply["error"]:
                    reply = {"kind": "stdout", "error": misuse}
                reply["stdout"] = stdout.written()
        except BaseException as exc:  # noqa: BLE001 - never a traceback on the user's terminal
            stdout.misused()
            reply = {"kind": "raises", "error": f"the process running your function failed: {describe(exc)}"}
        try:
            send(replies, reply)
        except OSError:  # the parent is gone
            os._exit(1)
