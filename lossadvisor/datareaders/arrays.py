"""NumPy arrays: ``.npy`` (read row block by row block, or memory-mapped when Fortran-ordered)
and ``.npz`` (one array, chosen with ``--key`` or by name). Pickles are never loaded.
"""

from __future__ import annotations

from lossadvisor.datareaders import limits
from lossadvisor.datareaders.blocks import Block, ColumnChunk, Info, TargetSource
from lossadvisor.datareaders.cells import text_chunk_from_array
from lossadvisor.datareaders.columns import default_target, describe_columns, did_you_mean, resolve_columns
from lossadvisor.datareaders.streams import close_quietly
from lossadvisor.errors import InputError, UsageError


def _array_chunks(arr_rows):
    """Rows of a 1-D or 2-D array (any numpy dtype) -> per-column ColumnChunks."""
    import numpy as np

    n = arr_rows.shape[0]
    if arr_rows.ndim == 1:
        cols = [arr_rows]
    else:
        cols = [arr_rows[:, j] for j in range(arr_rows.shape[1])]
    out = []
    for c in cols:
        k = c.dtype.kind
        if k == "b":
            out.append(ColumnChunk("bool", n, values=c.astype(np.float64)))
        elif k in "iu":
            out.append(ColumnChunk("int", n, values=c.astype(np.float64)))
        elif k == "f":
            v = c.astype(np.float64)
            nm = int(np.isnan(v).sum())
            out.append(ColumnChunk(None if nm == n else "float", n, values=v, n_missing=nm))
        elif k in "USO":
            out.append(text_chunk_from_array(c))
        else:  # pragma: no cover - rejected when the file is opened
            raise InputError(f"unsupported dtype {c.dtype}")
    return out


def _check_dtype(name, dtype, what="array"):
    if dtype.hasobject:
        raise InputError(f"{name}: the {what} holds Python objects (dtype object); "
                         "lossadvisor does not load pickles: save numbers or strings")
    k = dtype.kind
    if k == "c":
        raise InputError(f"{name}: the {what} holds complex numbers ({dtype}); a target must be real")
    if k in "mM":
        raise InputError(f"{name}: the {what} holds dates or durations ({dtype}); convert them to numbers")
    if k == "V" and dtype.fields is None:
        raise InputError(f"{name}: the {what} holds raw bytes ({dtype})")


def _read_npy_header(fh, name):
    import numpy as np

    fmt = np.lib.format
    try:
        version = fmt.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(fh, max_header_size=100000)
        else:
            shape, fortran, dtype = fmt.read_array_header_2_0(fh, max_header_size=100000)
    except (ValueError, EOFError, OSError, SyntaxError, TypeError) as exc:
        raise InputError(f"{name}: not a valid .npy array ({exc})") from None
    return shape, fortran, dtype


def _array_source(name, size, shape, dtype, wanted, read_rows, fmt, details):
    """Common part of npy and npz: check the shape, choose columns, build the block generator."""
    import numpy as np

    _check_dtype(name, dtype)
    if len(shape) == 0:
        raise InputError(f"{name}: the array is a single value (shape ()); expected one target per example")
    if len(shape) > 2:
        raise InputError(
            f"{name}: the array has shape {tuple(shape)}; expected (N,) or (N, K). "
            "For per-pixel or per-token labels, reshape to (-1,) or (-1, K) first"
        )
    nrows = shape[0]
    if nrows == 0 or (len(shape) == 2 and shape[1] == 0):
        raise InputError(f"{name}: the array is empty (shape {tuple(shape)})")
    notes = []
    if dtype.fields is not None:
        if len(shape) != 1:
            raise InputError(f"{name}: a structured array must be 1-D, got shape {tuple(shape)}")
        fields = list(dtype.names)
        for f in fields:
            sub = dtype.fields[f][0]
            _check_dtype(name, sub, what=f"field '{f}'")
            if sub.shape:
                raise InputError(f"{name}: field '{f}' holds sub-arrays; save it as a 2-D array")
        idx = default_target(fields, notes, what="field") if wanted is None else \
            resolve_columns(name, fields, wanted, what="field")
        chosen = [fields[i] for i in idx]

        def convert(rows):
            cols = []
            for f in chosen:
                cols.extend(_array_chunks(np.ascontiguousarray(rows[f])))
            return cols

        all_cols = fields
    else:
        width = 1 if len(shape) == 1 else shape[1]
        all_cols = [str(i) for i in range(width)] if len(shape) == 2 else [details.get("key") or "array"]
        idx = list(range(width)) if wanted is None else resolve_columns(name, all_cols, wanted, header=len(shape) == 1)
        chosen = [all_cols[i] for i in idx]
        all_sel = idx == list(range(width))

        def convert(rows):
            if rows.ndim == 2 and not all_sel:
                rows = rows[:, idx]
            return _array_chunks(rows)

    def blocks():
        first = 0
        for rows, done in read_rows():
            yield Block(convert(rows), rows.shape[0], first, done)
            first += rows.shape[0]

    d = dict(details)
    d.update({"shape": list(shape), "dtype": str(dtype)})
    return TargetSource(name, fmt, chosen, all_cols, size, blocks, details=d, notes=notes)


def _stream_rows(fh, name, shape, dtype, offset0):
    """Read C-ordered rows sequentially from an open binary stream positioned at the data; close it at the end."""
    import numpy as np

    row_items = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    row_bytes = dtype.itemsize * row_items
    nrows = shape[0]
    per = max(1, min(limits.ROWS_PER_BLOCK, limits.CHUNK_BYTES * 4 // max(row_bytes, 1)))
    done = 0
    try:
        while done < nrows:
            k = min(per, nrows - done)
            try:
                data = fh.read(k * row_bytes)
            except Exception as exc:  # noqa: BLE001 - zip/zlib errors have several types
                raise InputError(f"{name}: cannot read the array data ({exc})") from None
            if len(data) != k * row_bytes:
                raise InputError(f"{name}: the array data is truncated (expected {nrows} rows of shape "
                                 f"{tuple(shape[1:])}, got {done + len(data) // max(row_bytes, 1)})")
            rows = np.frombuffer(data, dtype=dtype, count=k * row_items).reshape((k,) + tuple(shape[1:]))
            done += k
            yield rows, offset0 + done * row_bytes
    finally:
        close_quietly(fh)


def open_npy(name, path, size, wanted):
    import numpy as np

    fh = open(path, "rb")
    try:
        shape, fortran, dtype = _read_npy_header(fh, name)
        offset = fh.tell()
    except BaseException:
        fh.close()
        raise
    fh.close()
    _check_dtype(name, dtype)

    def read_rows():
        if fortran and len(shape) == 2:
            mm = np.load(path, mmap_mode="r", allow_pickle=False)
            per = limits.ROWS_PER_BLOCK
            for i in range(0, shape[0], per):
                yield np.ascontiguousarray(mm[i: i + per]), offset + min(i + per, shape[0]) * dtype.itemsize * shape[1]
            return
        f = open(path, "rb")
        f.seek(offset)
        yield from _stream_rows(f, name, shape, dtype, offset)

    return _array_source(name, size, shape, dtype, wanted, read_rows, "npy", {"format": "npy"})


def open_npz(name, path, size, wanted, key):
    import zipfile

    import numpy as np

    try:
        zf = zipfile.ZipFile(path)
        members = [m for m in zf.namelist() if m.endswith(".npy")]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{name}: not a valid .npz file ({exc})") from None
    keys = [m[:-4] for m in members]
    if not keys:
        zf.close()
        raise InputError(f"{name}: the .npz file holds no arrays")
    notes = []
    if key is None:
        if len(keys) == 1:
            key = keys[0]
        else:
            low = [k.lower() for k in keys]
            for cand in ("y", "label", "labels", "target", "targets", "y_train"):
                if cand in low:
                    key = keys[low.index(cand)]
                    notes.append(Info(f"no --key given: using the array '{key}' of {len(keys)}"))
                    break
            else:
                zf.close()
                raise UsageError(f"{name} holds {len(keys)} arrays; choose one with --key: {describe_columns(keys)}")
    elif key not in keys:
        zf.close()
        raise InputError(f"{name}: no array '{key}'{did_you_mean(key, keys)}; arrays: {describe_columns(keys)}")
    member = key + ".npy"
    try:
        fh = zf.open(member)
        shape, fortran, dtype = _read_npy_header(fh, f"{name}[{key}]")
        fh.close()
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        zf.close()
        raise InputError(f"{name}: cannot read array '{key}' ({exc})") from None
    info = zf.getinfo(member)

    def read_rows():
        try:
            if fortran and len(shape) == 2:
                arr = np.load(zf.open(member), allow_pickle=False)
                arr = np.ascontiguousarray(arr)
                per = limits.ROWS_PER_BLOCK
                for i in range(0, shape[0], per):
                    yield arr[i: i + per], size
                return
            f = zf.open(member)
            _read_npy_header(f, name)
            total_raw = max(info.file_size, 1)
            for rows, done in _stream_rows(f, f"{name}[{key}]", shape, dtype, 0):
                yield rows, int(size * min(done, total_raw) / total_raw)
        finally:
            zf.close()

    src = _array_source(name, size, shape, dtype, wanted, read_rows, "npz", {"format": "npz", "key": key})
    src.info[:0] = notes
    return src
