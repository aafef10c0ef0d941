"""The child process of ``check --impl``: imports the user's module and calls their function.

The parent (``lossadvisor.implcheck``) starts ``python -c "...; main()"`` and talks to it over
the child's own stdin and stdout, which the child moves to private descriptors at start:
fd 0 becomes /dev/null and fd 1 a temporary file. What the user's code writes on stdout
(``print``, C-level writes to fd 1 included) lands in that file and is reported as a
failure of the call; it never reaches the report, nor the protocol. stderr is inherited.

Protocol: each message is an 8-byte big-endian length followed by a pickle. The parent
sends ``{"op": "prepare", ...}`` (numpy and the framework) and ``{"op": "import", ...}`` once,
then ``{"op": "call", ...}`` per call; the child answers each with a dict (``{"error": None or
text}``, or what ``call`` returns plus ``"stdout"``). Arrays go as NumPy arrays; with
``framework`` torch or jax the child builds the tensors and converts the result back, so
the parent sees only floats and arrays.

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
import struct
import sys
import tempfile
import warnings

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


def load_function(where: str, name: str, is_file: bool):
    """The user's function: ``(function, None)`` or ``(None, message of the InputError)``.

    Import-time output on stdout goes to stderr (fd 1 is pointed at fd 2 meanwhile).
    """
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            if is_file:
                mod_name = "_lossadvisor_impl_" + "".join(c if c.isalnum() else "_" for c in os.path.abspath(where))
                try:
                    spec_obj = importlib.util.spec_from_file_location(mod_name, where)
                    module = importlib.util.module_from_spec(spec_obj)
                    sys.modules[mod_name] = module
                    spec_obj.loader.exec_module(module)
                except SystemExit as exc:
                    return None, f"--impl: importing '{where}' called sys.exit({exc.code!r})"
                except Exception as exc:  # noqa: BLE001 - the user's file: any error is an input error
                    return None, f"--impl: importing '{where}' failed: {type(exc).__name__}: {exc}"
            else:
                if os.getcwd() not in sys.path and "" not in sys.path:
                    sys.path.insert(0, os.getcwd())  # as `python -m` would
                try:
                    module = importlib.import_module(where)
                except ModuleNotFoundError as exc:
                    return None, (f"--impl: no module named '{exc.name or where}' "
                                  f"(for a file give path/to/file.py:{name})")
                except SystemExit as exc:
                    return None, f"--impl: importing '{where}' called sys.exit({exc.code!r})"
                except Exception as exc:  # noqa: BLE001
                    return None, f"--impl: importing '{where}' failed: {type(exc).__name__}: {exc}"
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
    if not hasattr(module, name):
        from lossadvisor.textutil import suggest

        funcs = [k for k, v in vars(module).items() if callable(v) and not k.startswith("_")]
        hint = suggest(name, funcs, fallback=f"; it has {', '.join(sorted(funcs)[:8])}" if funcs else "")
        return None, f"--impl: '{where}' has no function '{name}'{hint}"
    func = getattr(module, name)
    if not callable(func):
        return None, f"--impl: '{where}:{name}' is a {type(func).__name__}, not a function"
    return func, None


def to_framework(x, framework: str, integer: bool):
    """A NumPy array as the framework's tensor (int64 / int32 labels, float64 / float32 values)."""
    import numpy as np

    if framework == "torch":
        import torch

        return torch.as_tensor(np.ascontiguousarray(x), dtype=torch.int64 if integer else torch.float64)
    if framework == "jax":
        import jax.numpy as jnp

        return jnp.asarray(np.asarray(x, dtype=np.int32 if integer else np.float32))
    return np.array(x, dtype=np.int64 if integer else np.float64)


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
            return {"kind": "exit", "error": f"called sys.exit({exc.code!r})"}
        except MemoryError as exc:
            return {"kind": "memory", "error": f"went past the memory limit (MemoryError{': ' + str(exc) if str(exc) else ''})"}
        except BaseException as exc:  # noqa: BLE001 - the user's code: report, never crash
            return {"kind": "raises", "error": f"raised {type(exc).__name__}: {exc}"}
    overflow = any("overflow" in str(w.message) for w in caught)
    try:
        if hasattr(out, "detach"):
            out = out.detach().cpu().numpy()
        arr = np.asarray(out)
        if arr.dtype.kind not in "biuf":
            return {"kind": "raises", "error": f"returned {type(out).__name__} {out!r:.60}, not a number"}
        dtype = str(arr.dtype)
        arr = arr.astype(np.float64)
    except Exception as exc:  # noqa: BLE001
        return {"kind": "raises", "error": f"returned {type(out).__name__}, not a number ({exc})"}
    value = float(arr) if arr.ndim == 0 else arr
    return {"value": value, "shape": arr.shape, "dtype": dtype, "overflow": overflow, "error": None}


def _stdout_written() -> str:
    """What the last call wrote on fd 1 (the first 80 characters), then the file emptied."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    size = os.fstat(1).st_size
    text = os.pread(1, 80, 0).decode("utf-8", "replace") if size else ""
    os.ftruncate(1, 0)
    os.lseek(1, 0, os.SEEK_SET)
    return text if size else ""


def main() -> None:
    """Serve the parent: set the memory limit, move the protocol off fds 0 and 1, then loop."""
    limit_mib = int(os.environ.get("LOSSADVISOR_IMPL_MEMORY_MIB", "0") or 0)
    if limit_mib > 0:
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource

            resource.setrlimit(resource.RLIMIT_DATA, (limit_mib << 20, limit_mib << 20))
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    captured = tempfile.TemporaryFile()
    os.dup2(captured.fileno(), 1)
    func = None
    while True:
        message = receive(requests)
        if message is None:
            return
        if message["op"] == "prepare":  # the project's own imports, bounded apart from the user's
            modules = ["numpy"] + ([] if message["framework"] == "numpy" else
                                   ["torch" if message["framework"] == "torch" else "jax.numpy"])
            try:
                for module in modules:
                    importlib.import_module(module)
            except Exception as exc:  # noqa: BLE001 - a broken install: reported, not a traceback
                send(replies, {"error": f"importing {module} failed: {type(exc).__name__}: {exc}"})
                continue
            send(replies, {"error": None})
        elif message["op"] == "import":
            func, error = load_function(message["where"], message["name"], message["is_file"])
            send(replies, {"error": error})
        else:
            _stdout_written()
            reply = call(func, message["framework"], message["args"], message["integer"])
            reply["stdout"] = _stdout_written()
            send(replies, reply)
