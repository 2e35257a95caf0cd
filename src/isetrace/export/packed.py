"""Rows made in bulk where they were made: what a worker process hands back to the process writing the file.

A file export converts its episodes on worker processes; the process that writes the file would otherwise
take every row alone and, for Parquet, parse every row again into Arrow. Instead each worker puts its
chunk's rows into the file's own form (:attr:`~isetrace.export.writer.ExportFormat.pack`), and the writer
only appends those bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Packed", "pack_lines"]


@dataclass(frozen=True)
class Packed:
    """Consecutive rows already in the file's own form: JSONL lines, or an Arrow IPC stream for Parquet;
    ``keep`` says which of them to write (a file export drops an episode's repeats only once it has seen
    the rows before them, in the writing process)."""

    data: bytes
    keep: tuple[bool, ...]


def pack_lines(rows: list[bytes]) -> bytes:
    """Rows (their JSON text) as JSONL: orjson escapes every newline inside a string, so each row is one line."""
    return b"".join(row + b"\n" for row in rows)
