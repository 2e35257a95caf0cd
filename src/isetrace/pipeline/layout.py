"""Where each file of a run directory lives: pure paths, no lock, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from isetrace.intents.files import IntentFiles

__all__ = ["IntentFiles", "RunPaths"]


@dataclass(frozen=True)
class RunPaths:
    """Where each file of a run directory lives. Pure paths: no lock, no I/O.

    Readers that must not take the lock (export, stats, a report on a live run) use this directly.
    """

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def config_previous(self) -> Path:
        return self.root / "config.previous.yaml"

    @property
    def config_hash(self) -> Path:
        return self.root / "config.hash"

    @property
    def intents(self) -> IntentFiles:
        return IntentFiles(self.root / "intents")

    @property
    def episodes(self) -> Path:
        return self.root / "episodes.jsonl"

    @property
    def failures(self) -> Path:
        return self.root / "failures.jsonl"

    @property
    def llm_cache(self) -> Path:
        return self.root / "llm-cache.sqlite"

    @property
    def usage(self) -> Path:
        """What each invocation's model calls cost, per role, one JSON line per invocation."""
        return self.root / "usage.jsonl"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def stats(self) -> Path:
        return self.root / "stats"

    @property
    def corpus_stats(self) -> Path:
        """The figures ``ise stats`` writes for the run."""
        return self.stats / "corpus.json"

    @property
    def lock(self) -> Path:
        return self.root / "run.lock"

    def directories(self) -> tuple[Path, ...]:
        return self.intents.dir, self.exports, self.stats
