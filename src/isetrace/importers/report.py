"""What an import did and what it could not use: the bounds it read within and the account it keeps.

Logs written by other tools are untrusted input. An import reads them within :class:`ImportLimits` and
keeps an :class:`ImportReport`: every malformed line by ``file:line``, every entry it does not know how to
carry (an unknown entry type, message role or content part) counted by kind with where it was first seen,
and every note about how a log was matched to its intents. Nothing is dropped without being counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from isetrace.jsonl import LineError

__all__ = ["ImportLimits", "ImportReport"]


@dataclass(frozen=True)
class ImportLimits:
    """How much of an untrusted log is read.

    A line longer than ``max_line_bytes`` is reported and skipped without being held in memory whole; a
    file is read up to ``max_lines`` lines, and the lines after that are reported as not read.
    """

    max_line_bytes: int = 16 * 1024 * 1024
    max_lines: int = 200_000

    def __post_init__(self) -> None:
        if self.max_line_bytes < 1 or self.max_lines < 1:
            raise ValueError("import limits must be positive")


@dataclass
class ImportReport:
    """The account of one import: files, episodes, skipped lines and what was kept aside.

    ``kept_aside`` counts what was read but has no place in an episode, by kind (``entry type
    'compaction'``, ``toolResult part 'image'``…); ``first_seen`` says where each kind first appeared, as
    ``file:line``. ``skipped`` holds every malformed line, ``notes`` every log whose intents had to be
    derived rather than found, and ``empty_files`` the logs that held no conversation.
    """

    files: int = 0
    episodes: int = 0
    skipped: list[LineError] = field(default_factory=list)
    kept_aside: Counter[str] = field(default_factory=Counter)
    first_seen: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    empty_files: list[Path] = field(default_factory=list)

    def skip(self, error: LineError) -> None:
        """Record one line that could not be read."""
        self.skipped.append(error)

    def keep_aside(self, kind: str, path: Path, line: int) -> None:
        """Count one entry (or part of one) that was read but is not carried into the episode."""
        self.kept_aside[kind] += 1
        self.first_seen.setdefault(kind, f"{path}:{line}")

    def imported(self) -> str:
        """``3 episodes from 4 files`` (``, 1 without a conversation`` when some held none)."""
        text = (f"{self.episodes} episode{'' if self.episodes == 1 else 's'} from {self.files} "
                f"file{'' if self.files == 1 else 's'}")
        return f"{text}, {len(self.empty_files)} without a conversation" if self.empty_files else text

    def left_out(self) -> str:
        """``skipped 2 lines; kept aside 5 (entry type 'compaction' 4, toolResult part 'image' 1)``."""
        skipped = f"skipped {len(self.skipped)} line{'' if len(self.skipped) == 1 else 's'}"
        total = sum(self.kept_aside.values())
        if not total:
            return f"{skipped}; kept aside 0"
        kinds = ", ".join(f"{kind} {count}" for kind, count in self.kept_aside.most_common())
        return f"{skipped}; kept aside {total} ({kinds})"
