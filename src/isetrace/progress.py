"""Progress on long work, as a tiny protocol with a terminal and a plain implementation.

Library code reports progress through :class:`Progress` and never prints; the command line picks
:class:`RichProgress` on a terminal and :class:`PlainProgress` (a line every few seconds) elsewhere, so
logs of batch jobs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as _RichBar

__all__ = ["PlainProgress", "Progress", "RichProgress", "make_progress"]


class Progress(Protocol):
    """Counts items of one job as done or failed."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, ok: bool = True) -> None: ...

    def close(self) -> None: ...


class PlainProgress:
    """A line at most every ``interval_s`` seconds, and one at the end."""

    def __init__(self, stream: TextIO | None = None, interval_s: float = 5.0) -> None:
        self._stream = stream or sys.stderr
        self._interval = interval_s
        self._label, self._total, self._done, self._failed = "", 0, 0, 0
        self._started = self._last = 0.0

    def start(self, label: str, total: int) -> None:
        self._label, self._total, self._done, self._failed = label, total, 0, 0
        self._started = self._last = time.monotonic()

    def _line(self) -> None:
        elapsed = time.monotonic() - self._started
        print(f"{self._label}: {self._done}/{self._total} done, {self._failed} failed, {elapsed:.1f}s",
              file=self._stream, flush=True)

    def advance(self, ok: bool = True) -> None:
        self._done += 1
        self._failed += 0 if ok else 1
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self._line()

    def close(self) -> None:
        self._line()


class RichProgress:
    """A live bar with counts, elapsed time and an ETA."""

    def __init__(self, console: Console | None = None) -> None:
        self._bar = _RichBar(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=console or Console(stderr=True), transient=False,
        )
        self._task: TaskID | None = None
        self._failed = 0

    def start(self, label: str, total: int) -> None:
        self._bar.start()
        self._failed = 0
        self._task = self._bar.add_task(label, total=total, failed=0)

    def advance(self, ok: bool = True) -> None:
        if self._task is None:
            return
        self._failed += 0 if ok else 1
        self._bar.update(self._task, advance=1, failed=self._failed)

    def close(self) -> None:
        self._bar.stop()


def make_progress(stream: TextIO | None = None) -> Progress:
    """Rich on a terminal, plain lines otherwise."""
    target = stream or sys.stderr
    return RichProgress() if target.isatty() else PlainProgress(target)
