"""Read target columns from data files, in chunks, for `lossadvisor infer`.

Formats: CSV and TSV (also ``.gz``; ``-`` is CSV on standard input), ``.npy``, ``.npz``,
JSON Lines, and Parquet / Feather when the optional extra ``data`` (pyarrow) is installed.

:func:`open_target` looks at the file (format, delimiter, header, the target columns) and returns
a :class:`TargetSource`; iterating :meth:`TargetSource.blocks` yields :class:`Block` objects of at
most a few thousand to a few hundred thousand rows, so memory grows with the chunk, not the file.

Each block holds one :class:`ColumnChunk` per target column:

- numeric (``kind`` ``int``, ``float`` or ``bool``): ``values`` is float64, one per row, NaN where
  the cell is missing; ``decimal_commas`` counts the cells written with a decimal comma (``10,03``),
  read as numbers in delimited text whose delimiter is not ',' (or of one column) when every other
  cell of the chunk is a number too;
- ``text``: the distinct non-missing strings of the chunk (``text``) with their ``counts``, the
  number of missing cells, and per row the index of its string in ``text`` (``codes``, -1 where
  missing: a survival event column written in words is read beside the time column);
- ``None`` kind: every cell of the chunk is missing.

Missing cells: empty fields, NaN, and the tokens in :data:`MISSING_TOKENS` (case-insensitive).

CSV fast path: binary chunks of :data:`CHUNK_BYTES` are cut at the last newline and the target
fields are located and parsed with vectorised byte arithmetic (no per-line Python). A chunk with a
double quote switches the rest of the file to Python's ``csv`` module (correct for quoted
fields and embedded newlines, slower).

This package is part of the pure core: no click, no rich; errors are ``InputError`` / ``UsageError``.

Layout: :mod:`~lossadvisor.datareaders.target` (:func:`open_target`, format detection),
:mod:`~lossadvisor.datareaders.delimited` and :mod:`~lossadvisor.datareaders.bytefields` (CSV/TSV,
the fast path), :mod:`~lossadvisor.datareaders.jsonlines`, :mod:`~lossadvisor.datareaders.arrays`
(npy/npz), :mod:`~lossadvisor.datareaders.arrow` (Parquet/Feather), and what they share:
:mod:`~lossadvisor.datareaders.streams` (opening, counting, whole-line chunks),
:mod:`~lossadvisor.datareaders.columns` (choosing the target), :mod:`~lossadvisor.datareaders.cells`
(texts to values), :mod:`~lossadvisor.datareaders.blocks` (the returned objects) and
:mod:`~lossadvisor.datareaders.limits` (chunk sizes: patch them there, not here).
"""

from __future__ import annotations

from lossadvisor.datareaders.arrays import _array_chunks
from lossadvisor.datareaders.arrow import EXTRA_HINT
from lossadvisor.datareaders.blocks import Block, ColumnChunk, Info, TargetSource
from lossadvisor.datareaders.cells import MISSING_TOKENS
from lossadvisor.datareaders.columns import TARGET_NAMES
from lossadvisor.datareaders.delimited import DELIMITERS
from lossadvisor.datareaders.limits import CHUNK_BYTES, MAX_LINE_BYTES, ROWS_PER_BLOCK, SNIFF_BYTES, SNIFF_LINES
from lossadvisor.datareaders.target import open_target

__all__ = [  # noqa: RUF022 - grouped: the entry point and its objects, the vocabularies, the sizes
    "open_target", "TargetSource", "Block", "ColumnChunk", "Info", "_array_chunks",
    "MISSING_TOKENS", "TARGET_NAMES", "DELIMITERS", "EXTRA_HINT",
    "CHUNK_BYTES", "ROWS_PER_BLOCK", "MAX_LINE_BYTES", "SNIFF_BYTES", "SNIFF_LINES",
]
