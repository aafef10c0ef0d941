"""What every reader returns: a :class:`TargetSource` whose blocks hold :class:`ColumnChunk` objects.

The meaning of a chunk's fields is in the docstring of :mod:`lossadvisor.datareaders`.
"""

from __future__ import annotations


class ColumnChunk:
    """One target column's values in one block (see :mod:`lossadvisor.datareaders`)."""

    __slots__ = ("kind", "values", "text", "counts", "n_missing", "n", "mixed", "missing_words",
                 "decimal_commas", "codes")

    def __init__(self, kind, n, values=None, text=None, counts=None, n_missing=0, mixed=None, missing_words=None,
                 decimal_commas=0, codes=None):
        self.kind = kind
        self.n = n
        self.values = values
        self.text = text
        self.counts = counts
        self.n_missing = n_missing
        self.mixed = mixed  # text chunks: an example of a non-number when numbers occur too
        self.missing_words = missing_words  # cell text read as missing -> cells ("" the empty cell), where known
        self.decimal_commas = decimal_commas  # number chunks: cells read as numbers written with a decimal comma
        self.codes = codes  # text chunks: per row, the index of its text in ``text`` (-1: missing)


class Block:
    """Rows ``first_row .. first_row + n - 1`` (0-based data rows) of every target column."""

    __slots__ = ("columns", "n", "first_row", "bytes_done")

    def __init__(self, columns, n, first_row, bytes_done):
        self.columns = columns
        self.n = n
        self.first_row = first_row
        self.bytes_done = bytes_done


class Info(str):
    """A note that is information (which column was taken), not a warning."""


class TargetSource:
    """A data file opened for reading its target columns.

    ``columns`` are the names of the target columns, ``all_columns`` every column the file has,
    ``details`` what was detected (format, delimiter, header, key), ``notes`` remarks for the user
    (e.g. which column was taken by default).
    """

    def __init__(self, name, fmt, columns, all_columns, total_bytes, blocks_fn, details=None, notes=None):
        self.name = name
        self.format = fmt
        self.columns = list(columns)
        self.all_columns = list(all_columns)
        self.total_bytes = total_bytes
        self._blocks_fn = blocks_fn
        self.details = details or {}
        self.notes = [n for n in notes or [] if not isinstance(n, Info)]  # warnings for the user
        self.info = [n for n in notes or [] if isinstance(n, Info)]  # how the target was chosen

    def blocks(self):
        return self._blocks_fn()
