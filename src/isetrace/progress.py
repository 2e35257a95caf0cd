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
    """Counts items of one job as done or failed, with what is in flight and the tokens spent."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, ok: bool = True) -> None: ...

    def note(self, *, in_flight: int | None = None, tokens: int | None = None) -> None: ...

    def close(self) -> None: ...


def _rate_text(done: int, elapsed: float) -> str:
    return f"{done / elapsed * 60:.1f}/min" if elapsed > 0 and done else "–/min"


class PlainProgress:
    """A line at most every ``interval_s`` seconds, and one at the end."""

    def __init__(self, stream: TextIO | None = None, interval_s: float = 5.0) -> None:
        self._stream = stream or sys.stderr
        self._interval = interval_s
        self._label, self._total, self._done, self._failed = "", 0, 0, 0
        self._in_flight, self._tokens = 0, 0
        self._started = self._last = 0.0

    def start(self, label: str, total: int) -> None:
        self._label, self._total, self._done, self._failed = label, total, 0, 0
        self._started = self._last = time.monotonic()

    def note(self, *, in_flight: int | None = None, tokens: int | None = None) -> None:
        self._in_flight = self._in_flight if in_flight is None else in_flight
        self._tokens = self._tokens if tokens is None else tokens

    def _line(self) -> None:
        elapsed = time.monotonic() - self._started
        left = self._total - self._done
        eta = f", ETA {left * elapsed / self._done:.0f}s" if self._done and left else ""
        print(f"{self._label}: {self._done}/{self._total} done, {self._failed} failed, {self._in_flight} in flight, "
              f"{_rate_text(self._done, elapsed)}, {self._tokens} tokens, {elapsed:.1f}s{eta}",
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
            TextColumn("[red]{task.fields[failed]} failed"), TextColumn("{task.fields[in_flight]} in flight"),
            TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[tokens]} tok"), TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True), transient=False,
        )
        self._task: TaskID | None = None
        self._failed = 0
        self._done = 0
        self._started = time.monotonic()

    def start(self, label: str, total: int) -> None:
        self._bar.start()
        self._failed = 0
        self._done, self._started = 0, time.monotonic()
        self._task = self._bar.add_task(label, total=total, failed=0, in_flight=0, rate="–/min", tokens=0)

    def advance(self, ok: bool = True) -> None:
        if self._task is None:
            return
        self._failed += 0 if ok else 1
        self._done += 1
        self._bar.update(self._task, advance=1, failed=self._failed,
                         rate=_rate_text(self._done, time.monotonic() - self._started))

    def note(self, *, in_flight: int | None = None, tokens: int | None = None) -> None:
        if self._task is None:
            return
        if in_flight is not None:
            self._bar.update(self._task, in_flight=in_flight)
        if tokens is not None:
            self._bar.update(self._task, tokens=tokens)

    def close(self) -> None:
        self._bar.stop()


def make_progress(stream: TextIO | None = None) -> Progress:
    """Rich on a terminal, plain lines otherwise."""
    target = stream or sys.stderr
    return RichProgress() if target.isatty() else PlainProgress(target)
