"""Chunk, sniffing and size limits of the data readers.

The readers look these up as ``limits.NAME`` each time they read, so a test can shrink them
(``monkeypatch.setattr(limits, "CHUNK_BYTES", 97)``) to force many chunk boundaries.
"""

CHUNK_BYTES = 1 << 20  # 1 MiB of CSV text per chunk (about 70k short rows)
ROWS_PER_BLOCK = 1 << 16  # rows per block for npy / npz / parquet / feather / JSON Lines
MAX_LINE_BYTES = 64 << 20  # a "line" longer than this is not a CSV
SNIFF_BYTES = 64 << 10  # bytes read to detect the delimiter and the header
SNIFF_LINES = 50
# A pipe, a FIFO or a device can be endless (`yes 1 |`, /dev/urandom): at most this many bytes are
# read from one. A regular file has no limit: its size is known and it is read in chunks.
MAX_STREAM_BYTES = 4 << 30
# A JSON array (not JSON Lines) is parsed whole, in memory: from a pipe or a device, at most this
MAX_JSON_ARRAY_BYTES = 256 << 20
