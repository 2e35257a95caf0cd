"""Where Stage I writes its files, named in one place for everyone who reads or writes them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["IntentFiles"]


@dataclass(frozen=True)
class IntentFiles:
    """The Stage I files in one directory: a run's ``intents/``, or the directory of ``ise intents make``."""

    dir: Path

    @property
    def sampled(self) -> Path:
        return self.dir / "sampled.jsonl"

    @property
    def rendered(self) -> Path:
        return self.dir / "rendered.jsonl"

    @property
    def intents(self) -> Path:
        """The final intents: validated and deduplicated."""
        return self.dir / "intents.jsonl"

    @property
    def failures(self) -> Path:
        return self.dir / "failures.jsonl"

    @property
    def dropped(self) -> Path:
        return self.dir / "dropped.jsonl"

    @property
    def stats(self) -> Path:
        return self.dir / "stats.json"

    @property
    def checks(self) -> Path:
        """What the soundness pass did to the rendered intents' checks (kept, vacuous by kind, judge-only)."""
        return self.dir / "checks.json"
