"""Parquet and Feather (v1, and v2 = the Arrow IPC file format), through the optional pyarrow
(the extra ``data``); without it, the error names the install command.
"""

from __future__ import annotations

from lossadvisor.datareaders import limits
from lossadvisor.datareaders.blocks import Block, ColumnChunk, TargetSource
from lossadvisor.datareaders.cells import text_chunk_from_array
from lossadvisor.datareaders.columns import default_target, resolve_columns
from lossadvisor.errors import InputError

EXTRA_HINT = "pip install 'lossadvisor[data]'"


def _import_pyarrow(name, fmt):
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError(
            f"{name}: reading {fmt.capitalize()} needs pyarrow, the optional extra 'data': {EXTRA_HINT}"
        ) from None
    import pyarrow as pa

    return pa


def open_arrow(name, path, size, wanted, fmt):
    pa = _import_pyarrow(name, fmt)
    ipc_reader = None
    table0 = None
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(path)
            schema = pf.schema_arrow
            nrows = pf.metadata.num_rows
            pf.close()
        else:
            import pyarrow.ipc as ipc

            try:
                # Feather v2 is the Arrow IPC file format: read one record batch at a time
                ipc_reader = ipc.open_file(pa.memory_map(path))
                schema = ipc_reader.schema
                nrows = ipc_reader.count_rows() if hasattr(ipc_reader, "count_rows") else sum(
                    ipc_reader.get_batch(i).num_rows for i in range(ipc_reader.num_record_batches))
            except pa.ArrowInvalid:
                import pyarrow.feather as feather

                table0 = feather.read_table(path, memory_map=True)  # Feather v1: read at once
                schema = table0.schema
                nrows = table0.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"{name}: not a readable {fmt.capitalize()} file ({exc})") from None
    names = list(schema.names)
    if not names:
        raise InputError(f"{name}: the file has no columns")
    if nrows == 0:
        raise InputError(f"{name}: the file has no rows")
    notes = []
    idx = default_target(names, notes) if wanted is None else resolve_columns(name, names, wanted)
    chosen = [names[i] for i in idx]
    for c in chosen:
        _check_arrow_type(name, c, schema.field(c).type, pa)

    def batches():
        if fmt == "parquet":
            f = pq.ParquetFile(path)
            try:
                yield from f.iter_batches(batch_size=limits.ROWS_PER_BLOCK, columns=chosen)
            finally:
                f.close()
        elif ipc_reader is not None:
            for i in range(ipc_reader.num_record_batches):
                batch = ipc_reader.get_batch(i).select(chosen)
                for start in range(0, batch.num_rows, limits.ROWS_PER_BLOCK):
                    yield batch.slice(start, limits.ROWS_PER_BLOCK)
        else:
            yield from table0.select(chosen).to_batches(max_chunksize=limits.ROWS_PER_BLOCK)

    def blocks():
        first = 0
        try:
            for batch in batches():
                cols = []
                for c in chosen:
                    cols.extend(_arrow_chunks(name, c, batch.column(c), pa))
                n = batch.num_rows
                first += n
                yield Block(cols, n, first - n, int(size * first / max(nrows, 1)))
        except pa.ArrowException as exc:
            raise InputError(f"{name}: cannot read the data ({exc})") from None

    return TargetSource(name, fmt, chosen, names, size, blocks, details={"format": fmt}, notes=notes)


def _check_arrow_type(name, col, t, pa):
    pt = pa.types
    if pt.is_dictionary(t):
        t = t.value_type
    if pt.is_list(t) or pt.is_large_list(t) or pt.is_fixed_size_list(t):
        t = t.value_type
        if pt.is_dictionary(t):
            t = t.value_type
        if not (pt.is_integer(t) or pt.is_floating(t) or pt.is_boolean(t) or pt.is_decimal(t)):
            raise InputError(f"{name}: column '{col}' holds lists of {t}; expected lists of numbers")
        return
    if pt.is_integer(t) or pt.is_floating(t) or pt.is_boolean(t) or pt.is_decimal(t) or pt.is_null(t):
        return
    if pt.is_string(t) or pt.is_large_string(t) or getattr(pt, "is_string_view", lambda _t: False)(t):
        return
    raise InputError(f"{name}: column '{col}' has type {t}; expected numbers, booleans or text")


def _arrow_chunks(name, col, arr, pa):
    import numpy as np
    import pyarrow.compute as pc

    pt = pa.types
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pt.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    t = arr.type
    n = len(arr)
    if pt.is_list(t) or pt.is_large_list(t) or pt.is_fixed_size_list(t):
        lengths = pc.list_value_length(arr).to_numpy(zero_copy_only=False)
        valid = ~np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        lv = lengths[valid].astype(np.int64) if valid.any() else np.zeros(0, dtype=np.int64)
        if len(lv) == 0:
            return [ColumnChunk(None, n, values=np.full(n, np.nan), n_missing=n)]
        width = int(lv[0])
        if width == 0 or (lv != width).any():
            raise InputError(f"{name}: column '{col}' holds lists of different lengths "
                             f"({int(lv.min())} to {int(lv.max())})")
        flat = arr.filter(pa.array(valid)).flatten()
        if pt.is_dictionary(flat.type):
            flat = flat.dictionary_decode()
        fv = _arrow_numeric(flat, pa, pc)
        mat = np.full((n, width), np.nan)
        mat[valid] = fv.reshape(-1, width)
        kind = _arrow_kind(flat.type, pa)
        out = []
        for j in range(width):
            v = mat[:, j]
            nm = int(np.isnan(v).sum())
            out.append(ColumnChunk(None if nm == n else kind, n, values=v, n_missing=nm))
        return out
    if pt.is_string(t) or pt.is_large_string(t) or getattr(pt, "is_string_view", lambda _t: False)(t):
        values = arr.to_numpy(zero_copy_only=False)
        return [text_chunk_from_array(values)]
    if pt.is_null(t):
        return [ColumnChunk(None, n, values=np.full(n, np.nan), n_missing=n)]
    v = _arrow_numeric(arr, pa, pc)
    nm = int(np.isnan(v).sum())
    return [ColumnChunk(None if nm == n else _arrow_kind(t, pa), n, values=v, n_missing=nm)]


def _arrow_kind(t, pa):
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_integer(t):
        return "int"
    return "float"


def _arrow_numeric(arr, pa, pc):
    import numpy as np

    nulls = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_boolean(arr.type):
        arr = pc.cast(arr, pa.int8())
    elif pa.types.is_decimal(arr.type):
        arr = pc.cast(arr, pa.float64())
    v = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64).copy()
    if nulls.any():
        v[nulls] = np.nan
    return v
