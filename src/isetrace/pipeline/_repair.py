"""Repairing a run directory's append-only files: cut a torn tail (kept aside), report bad lines.

A line is complete only when it ends with a newline, so a crash leaves at most a torn tail; it is cut
off and its bytes kept next to the file, never trusted. Nothing else is ever rewritten.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from isetrace.jsonl import LineError, describe_validation_error
from isetrace.outputs import fsync_dir
from isetrace.pipeline.done import RunKey

__all__ = ["RepairReport", "Scan", "TornTail", "cut_tail", "scan_records"]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class TornTail:
    """The end of a file that was not a whole line of JSON: cut off, and kept at ``kept_at``."""

    path: Path
    line: int
    """Line number where the cut begins."""
    size: int
    """Bytes cut."""
    kept_at: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: torn tail of {self.size} bytes ({self.reason}); cut, kept at {self.kept_at}"


@dataclass(frozen=True)
class RepairReport:
    """What opening a run directory found: torn tails cut, bad lines and duplicates left in place."""

    torn: tuple[TornTail, ...] = ()
    bad_lines: tuple[LineError, ...] = ()
    """Complete lines that are not a valid record; reported as ``file:line``, never deleted."""
    duplicates: tuple[LineError, ...] = ()
    """Records whose key an earlier line already has; the first one counts."""

    @property
    def clean(self) -> bool:
        return not (self.torn or self.bad_lines or self.duplicates)

    def __str__(self) -> str:
        if self.clean:
            return "run directory is intact"
        return "\n".join(str(item) for item in (*self.torn, *self.bad_lines, *self.duplicates))


@dataclass
class Scan:
    good_end: int = 0
    """Byte offset just past the last whole line of JSON (or blank line) before the tail."""
    tail: list[LineError] = field(default_factory=list)
    bad: list[LineError] = field(default_factory=list)
    duplicates: list[LineError] = field(default_factory=list)
    keys: dict[RunKey, int] = field(default_factory=dict)


def scan_records(path: Path, model: type[M], key_of: Callable[[M], RunKey]) -> Scan:
    """Read a JSONL file of records once: its torn tail, its bad lines, and the keys of its records.

    The tail is every line after the last complete line of valid JSON: lines without a newline or
    that do not parse. A complete line of JSON that is not a valid record is a bad line (a schema
    problem, not a crash) and is never cut.
    """
    scan = Scan()
    if not path.exists():
        return scan
    pending: list[LineError] = []
    offset = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            offset += len(raw)
            if not raw.endswith(b"\n"):
                pending.append(LineError(path, number, "the line has no newline at its end"))
                continue  # only the last line of a file can lack its newline
            body = raw.strip()
            if not body:
                if not pending:
                    scan.good_end = offset
                continue
            try:
                record = model.model_validate_json(body)
            except ValidationError as exc:
                first = exc.errors()[0]
                if first["type"] == "json_invalid":
                    pending.append(LineError(path, number, f"not valid JSON ({first['msg']})"))
                    continue
                scan.bad.extend(pending)
                scan.bad.append(LineError(path, number, describe_validation_error(exc)))
            else:
                scan.bad.extend(pending)
                key = key_of(record)
                seen = scan.keys.setdefault(key, number)
                if seen != number:
                    scan.duplicates.append(LineError(
                        path, number, f"duplicate of line {seen} (session {key[0]!r}, attempt {key[1]}); ignored"))
            pending = []
            scan.good_end = offset
    scan.tail = pending
    return scan


def _aside_path(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    candidate = path.with_name(f"{path.name}.torn-{stamp}")
    number = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.torn-{stamp}-{number}")
        number += 1
    return candidate


def cut_tail(path: Path, scan: Scan) -> TornTail:
    """Copy the bytes past ``scan.good_end`` aside (durably), then truncate the file there."""
    with path.open("r+b") as handle:
        handle.seek(scan.good_end)
        torn = handle.read()
        aside = _aside_path(path)
        with aside.open("xb") as kept:
            kept.write(torn)
            kept.flush()
            os.fsync(kept.fileno())
        handle.truncate(scan.good_end)
        handle.flush()
        os.fsync(handle.fileno())
    fsync_dir(path.parent)
    first = scan.tail[0]
    reason = first.reason + (f", and {len(scan.tail) - 1} more line(s)" if len(scan.tail) > 1 else "")
    return TornTail(path=path, line=first.line, size=len(torn), kept_at=aside, reason=reason)
