"""Reading an untrusted JSONL file line by line, within bounds, each bad line reported and skipped.

Unlike :func:`isetrace.jsonl.iter_jsonl`, which reads our own records, this reader never holds more than
one bounded line in memory: an oversize line is consumed in chunks and reported, and a file longer than
the line limit stops being read with one report saying so. Every object line is handed on as a plain
``dict`` for the importer to check the shape of.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from isetrace.importers.report import ImportLimits
from isetrace.jsonl import LineError, parse_object

__all__ = ["iter_objects"]

_CHUNK = 1024 * 1024


def _discard_rest_of_line(handle: BinaryIO) -> None:
    while True:
        chunk = handle.readline(_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return


def iter_objects(path: Path, limits: ImportLimits,
                 on_error: Callable[[LineError], None]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for every line of ``path`` that is a JSON object.

    Blank lines are skipped silently; an oversize line, a line that is not JSON or not an object, and the
    first line past ``limits.max_lines`` go to ``on_error``. Raises ``OSError`` only when the file itself
    cannot be opened or read.
    """
    with path.open("rb") as handle:
        number = 0
        while True:
            raw = handle.readline(limits.max_line_bytes + 1)
            if not raw:
                return
            number += 1
            if number > limits.max_lines:
                on_error(LineError(path, number, f"the file has more than {limits.max_lines} lines; the rest is "
                                                 "not read"))
                return
            if len(raw) > limits.max_line_bytes and not raw.endswith(b"\n"):
                _discard_rest_of_line(handle)
                on_error(LineError(path, number, f"line longer than {limits.max_line_bytes} bytes"))
                continue
            text = raw.decode("utf-8", errors="replace").strip()
            if not text:
                continue
            data = parse_object(text)
            if isinstance(data, str):
                on_error(LineError(path, number, data))
                continue
            yield number, data
