"""Byte streams under the readers: opening a file or standard input, counting the bytes read (for
progress), gzip, reads that turn I/O errors into ``InputError``, and chunks of whole lines.
"""

from __future__ import annotations

import io
import os
import stat
import sys

from lossadvisor.datareaders import limits
from lossadvisor.errors import InputError
from lossadvisor.textutil import STDIN_NAME, fmt_bytes


def open_stdin():
    """Standard input as a counted binary stream (read as CSV), capped like any pipe."""
    raw = getattr(sys.stdin, "buffer", sys.stdin)
    if raw is None:  # the shell closed standard input (`<&-`)
        raise InputError(f"{STDIN_NAME}: standard input is closed; give a file, or pipe the data in")
    head = safe_read(raw, 8, STDIN_NAME)
    if not head:
        raise InputError(f"{STDIN_NAME}: standard input is empty; pipe the data in, or give a file")
    return CountingReader(StreamCap(ChainedReader(head, raw), STDIN_NAME))


def open_file(path):
    """``(stream, head, size)``: ``path`` opened for reading, its first 8 bytes, and its size.

    ``size`` is None when the OS does not know it: a pipe, a FIFO, a device, or a file that says
    it is empty but is not (``/proc/...``). That stream replays ``head`` first (it cannot always
    seek back) and ends with an error after :data:`limits.MAX_STREAM_BYTES`: it may never end.
    A file or a stream with no bytes at all is an error.
    """
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, expected a data file")
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
        size = os.path.getsize(path) if regular else None
        fh = open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        head = fh.read(8)
        if size:
            fh.seek(0)
    except OSError as exc:
        fh.close()
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not head:
        fh.close()
        raise InputError(f"{path}: the file is empty" if regular else
                         f"{path}: the input is empty (the pipe or device gave no data)")
    if not size:
        # a pipe, a FIFO, `<(command)`, a device, /proc/cpuinfo: no size (and maybe no seeking);
        # the bytes already read for the format check go first
        size = None
        fh = StreamCap(ChainedReader(head, fh, close_raw=True), path)
    return fh, head, size


def counted_and_decompressed(fh, head):
    """``(counter, stream)``: ``fh`` counting the bytes read, and the text to read (gunzipped when
    ``head`` starts with the gzip magic number, else the counter itself)."""
    counting = CountingReader(fh)
    if head[:2] == b"\x1f\x8b":
        import gzip

        return counting, gzip.GzipFile(fileobj=counting, mode="rb")
    return counting, counting


class StreamCap(io.RawIOBase):
    """A stream of unknown size read through a cap: InputError once more than
    :data:`limits.MAX_STREAM_BYTES` came through (a device or an endless pipe must end)."""

    def __init__(self, raw, name):
        self.raw = raw
        self.name = name
        self.got = 0

    def readable(self):
        return True

    def readinto(self, b):
        cap = limits.MAX_STREAM_BYTES
        data = self.raw.read(min(len(b), cap + 1 - self.got))
        self.got += len(data)
        if self.got > cap:
            raise InputError(f"{self.name}: stopped reading at {fmt_bytes(cap)}, the size limit for data from "
                             "a pipe or a device; save the data to a regular file, which is read with no limit")
        b[: len(data)] = data
        return len(data)

    def close(self):
        try:
            if not self.closed:
                self.raw.close()
        finally:
            super().close()


class CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read through it (for progress)."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self):
        return True

    def read(self, n=-1):
        data = self.raw.read(n)
        if data:
            self.count += len(data)
        return data

    def readinto(self, b):
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self):
        try:
            self.raw.close()
        finally:
            super().close()


class ChainedReader(io.RawIOBase):
    """``prefix`` bytes, then the rest of ``raw``: hands the remainder of a stream to the csv module."""

    def __init__(self, prefix: bytes, raw, close_raw: bool = False):
        self.prefix = prefix
        self.raw = raw
        self.close_raw = close_raw

    def close(self):
        try:
            if self.close_raw and not self.closed:
                self.raw.close()
        finally:
            super().close()

    def readable(self):
        return True

    def readinto(self, b):
        if self.prefix:
            n = min(len(b), len(self.prefix))
            b[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
            return n
        data = self.raw.read(len(b))
        if not data:
            return 0
        b[: len(data)] = data
        return len(data)


def _read_error(name, exc):
    import zlib

    if isinstance(exc, (EOFError, zlib.error)) or type(exc).__name__ == "BadGzipFile":
        return InputError(f"{name}: broken compressed data ({exc})")
    return InputError(f"{name}: cannot read: {getattr(exc, 'strerror', None) or exc}")


def safe_read(stream, n, name):
    try:
        return stream.read(n)
    except (OSError, EOFError) as exc:
        raise _read_error(name, exc) from None
    except Exception as exc:  # zlib.error from a gzip stream
        if type(exc).__name__ == "error":
            raise _read_error(name, exc) from None
        raise


def whole_lines(name, stream, carry, line_at, hint=""):
    """Read ``stream`` in chunks and yield ``(buf, cut, eof)``: ``buf[:cut + 1]`` is whole lines
    ending in a newline (one is added at the end of the file); what follows ``cut`` is carried
    into the next chunk. ``line_at()`` is the caller's current line number, for the error about a
    line too long to be text."""
    eof = False
    while True:
        if not eof:
            data = safe_read(stream, limits.CHUNK_BYTES, name)
            eof = not data
            buf = carry + data if carry else data
        else:
            buf = carry
        if eof:
            if not buf:
                return
            if not buf.endswith(b"\n"):
                buf += b"\n"
            yield buf, len(buf) - 1, True
            return
        cut = buf.rfind(b"\n")
        if cut < 0:
            if len(buf) > limits.MAX_LINE_BYTES:
                raise InputError(f"{name}: line {line_at()} is longer than {fmt_bytes(limits.MAX_LINE_BYTES)}{hint}")
            carry = buf
            continue
        carry = buf[cut + 1:]
        yield buf, cut, False


def close_quietly(stream):
    try:
        stream.close()
    except Exception:  # noqa: BLE001 - closing is best effort
        pass
