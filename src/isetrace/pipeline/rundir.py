"""The run directory: the unit of resume.

Everything a run produces lives in one directory, written so that ``kill -9`` at any moment loses at
most the episodes in flight and duplicates nothing::

    <dir>/config.yaml          the resolved config it last ran under (secrets masked; they are never stored)
    <dir>/config.hash          config_hash() of that config: the commit mark of a run
    <dir>/config.previous.yaml the config before the last forced resume under a different one
    <dir>/intents/             Stage I files (sampled, rendered, intents, failures, dropped, stats)
    <dir>/episodes.jsonl       append-only, one Episode per line, fsynced per episode
    <dir>/failures.jsonl       append-only, one EpisodeFailure per line, fsynced per failure
    <dir>/llm-cache.sqlite     the LLM reply cache
    <dir>/exports/, <dir>/stats/
    <dir>/run.lock             flock()ed by the one process that runs the directory; holds its pid

The done-set is the set of ``(session key, attempt)`` of every episode and every recorded failure; a
runner skips what is in it. A line is complete only when it ends with a newline, so a crash leaves at
most a torn tail, which :meth:`RunDir.repair` cuts off (keeping the bytes aside) every time a run
directory is opened. Nothing is ever rewritten: a file grows by whole lines or is truncated back to
its last whole line.

The pieces: file names in :mod:`.layout`, the done-set key and failure records in :mod:`.done`, the
repair in :mod:`._repair`, the lock in :mod:`._lock`, the stored config in :mod:`._stored_config`.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, ValidationError

from isetrace.config import RunConfig, config_hash, masked_view
from isetrace.errors import ConfigError
from isetrace.jsonl import LineError, append_jsonl, describe_validation_error, iter_jsonl
from isetrace.outputs import replace_file
from isetrace.pipeline._lock import RunLock
from isetrace.pipeline._repair import RepairReport, TornTail, cut_tail, scan_records
from isetrace.pipeline._stored_config import (
    config_diff,
    masked_keys,
    read_config_data,
    refresh_config,
    store_config,
)
from isetrace.pipeline.done import EpisodeFailure, RunKey, episode_key
from isetrace.pipeline.layout import IntentFiles, RunPaths
from isetrace.records import Episode, Termination, session_key
from isetrace.stats.verification import VerificationTally

if TYPE_CHECKING:
    from isetrace.export import ExportSummary
    from isetrace.stats import StatsReport

__all__ = [
    "STOPPED_BY_REQUEST",
    "EpisodeFailure",
    "IntentFiles",
    "RepairReport",
    "RunDir",
    "RunKey",
    "RunPaths",
    "RunSummary",
    "TornTail",
    "config_diff",
    "episode_key",
    "require_run_directory",
    "session_key",
]

log = logging.getLogger(__name__)


STOPPED_BY_REQUEST = "interrupted"
""":attr:`RunSummary.stopped` when the run was asked to stop (a signal), not stopped by a budget."""


@dataclass(frozen=True)
class RunSummary:
    """Counts over a run directory, from its episodes and failures; from
    :func:`~isetrace.pipeline.stages.run_pipeline`, also what that call did."""

    episodes: int
    failures: int
    by_termination: Counter[Termination]
    failures_by_stage: Counter[str]
    sessions: int
    """Distinct session keys with an episode or a failure."""
    tool_calls: int
    user_turns: int
    verified: int = 0
    """Episodes whose work is verified (see :attr:`~isetrace.records.Episode.verified`)."""
    unconfirmed_successes: int = 0
    """Episodes the simulated user called a success whose checks failed."""
    checks_by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    """``kind → (passed, evaluated)`` over every check of the episodes."""
    root: Path | None = None
    """The run directory counted."""
    stopped: str | None = None
    """Why the call stopped before its last stage: ``"interrupted"`` when asked to, else the budget that was
    used up; ``None`` when it ran through. Export and statistics do not run after a stop."""
    interrupted: int = 0
    """Episodes that were in flight when the call stopped: closed, not recorded, run again on resume."""
    exports: dict[str, ExportSummary] = field(default_factory=dict)
    """What the export stage wrote, by format, in the order of ``run.exports`` (empty when it did not run)."""
    stats: StatsReport | None = None
    """What the statistics stage computed and wrote (``None`` when it did not run)."""

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> RunSummary:
        """The counts of the run directory at ``path``, read without taking its lock."""
        return _summarize(RunPaths(Path(path)))


def require_run_directory(path: Path) -> RunPaths:
    """The paths of the run directory ``path``; a :class:`ConfigError` saying what ``path`` is instead (missing,
    a file, a folder without a run's ``config.hash``) and what a run directory holds."""
    paths = RunPaths(path)
    expected = (f"a run directory is the run.dir an earlier ise run made, holding {paths.config.name}, "
                f"{paths.config_hash.name} and {paths.episodes.name}")
    if not path.exists():
        raise ConfigError(f"{path} does not exist: nothing to resume ({expected})")
    if not path.is_dir():
        raise ConfigError(f"{path} is not a run directory but a file ({expected})")
    if not paths.config_hash.is_file():  # the commit mark: written last when a run starts
        raise ConfigError(f"{path} is not a run directory: it has no {paths.config_hash.name} ({expected})")
    return paths


# --------------------------------------------------------------------------------------------- RunDir


class RunDir:
    """An open run directory, held by this process alone until :meth:`close`.

    Make one with :meth:`create` (a new run) or :meth:`open_for_resume` (an existing one); both take
    the lock and :meth:`repair` the files before returning. Use it as a context manager, or call
    :meth:`close`. Appends are durable when they return. Not thread-safe: one runner appends.
    """

    def __init__(self, paths: RunPaths, config: RunConfig, lock: RunLock) -> None:
        """Internal: use :meth:`create` or :meth:`open_for_resume`."""
        self.paths = paths
        self.config = config
        self.config_hash = config_hash(config)
        self._lock = lock
        self._done: set[RunKey] = set()
        self.repair_report = self.repair()
        """What :meth:`repair` found when the directory was opened."""

    # ------------------------------------------------------------------------------ opening

    @classmethod
    def create(cls, path: str | os.PathLike[str], config: RunConfig) -> RunDir:
        """Start a new run in ``path`` (made if missing). Refuses a directory that already holds a run."""
        paths = RunPaths(Path(path))
        try:
            paths.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot make run directory {paths.root}: {exc.strerror or exc}") from exc
        lock = RunLock.acquire(paths.lock)
        try:
            if paths.config_hash.exists():
                raise ConfigError(
                    f"{paths.root} already holds a run; resume it (ise run --resume {paths.root}) or choose "
                    "another directory"
                )
            leftovers = [p.name for p in (paths.episodes, paths.failures) if p.exists()]
            if leftovers:
                raise ConfigError(
                    f"{paths.root} holds {' and '.join(leftovers)} but no config.hash (not a run made by this "
                    "tool, or one whose start was cut short); choose another directory or move them away"
                )
            for directory in paths.directories():
                directory.mkdir(exist_ok=True)
            store_config(paths, config)
            return cls(paths, config, lock)
        except BaseException:
            lock.release()
            raise

    @classmethod
    def open_for_resume(cls, path: str | os.PathLike[str], config: RunConfig, *, force: bool = False) -> RunDir:
        """Open an existing run to carry on with it under ``config``.

        When ``config`` is not the run's (a different :func:`config_hash`), raises :class:`ConfigError`
        listing each setting that changed, unless ``force``: then the new config is recorded and the
        old one kept as ``config.previous.yaml``. Episodes keep the hash they were made under. A config
        that differs only in what the hash ignores (prices, concurrency…) is recorded as the run's.
        """
        paths = require_run_directory(Path(path))
        lock = RunLock.acquire(paths.lock)
        try:
            stored = paths.config_hash.read_text(encoding="utf-8").strip()
            wanted = config_hash(config)
            if stored != wanted:
                cls._change_config(paths, config, stored, wanted, force=force)
            else:
                refresh_config(paths, config)
            for directory in paths.directories():
                directory.mkdir(exist_ok=True)
            return cls(paths, config, lock)
        except BaseException:
            lock.release()
            raise

    @staticmethod
    def _change_config(paths: RunPaths, config: RunConfig, stored: str, wanted: str, *, force: bool) -> None:
        try:
            changes = config_diff(read_config_data(paths.config), masked_view(config))
            if not changes:
                changes = ["(no visible difference: masked secret values differ, or an earlier forced "
                           "change was cut short)"]
        except ConfigError as exc:
            if not force:
                raise
            changes = [f"(old config unreadable: {exc})"]
        shown = changes[:40] + ([f"… and {len(changes) - 40} more"] if len(changes) > 40 else [])
        listing = "\n  ".join(shown)
        if not force:
            raise ConfigError(
                f"run directory {paths.root} was made with a different configuration "
                f"(config hash {stored} → {wanted}):\n  {listing}\n"
                f"Resume with the run's own configuration (ise run --resume {paths.root} without a config "
                f"file), or force the new one (--force; the old one is kept as {paths.config_previous.name})."
            )
        if paths.config.exists():
            replace_file(paths.config_previous, paths.config.read_bytes())
        store_config(paths, config)
        log.warning("run directory %s: configuration changed by force (hash %s → %s):\n  %s",
                    paths.root, stored, wanted, listing)

    @staticmethod
    def load_config(path: str | os.PathLike[str]) -> RunConfig:
        """The configuration a run was made with, read back from its ``config.yaml``.

        Raises :class:`ConfigError` when the stored config holds masked secrets (they are never
        stored): such a run must be resumed with its original config file.
        """
        paths = require_run_directory(Path(path))
        data = read_config_data(paths.config)
        masked = masked_keys(data)
        if masked:
            raise ConfigError(
                f"{paths.config} has masked secret values ({', '.join(masked)}), which are never stored; "
                "resume this run with its original config file"
            )
        try:
            return RunConfig.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{paths.config}: not a valid configuration ({describe_validation_error(exc)})") from None

    # ------------------------------------------------------------------------------ lifetime

    def close(self) -> None:
        """Release the lock. Idempotent; reading still works afterwards, appending does not."""
        self._lock.release()

    @property
    def closed(self) -> bool:
        return not self._lock.held

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RunDir({str(self.paths.root)!r}, config_hash={self.config_hash!r}, done={len(self._done)})"

    # ------------------------------------------------------------------------------ repair and done-set

    def repair(self) -> RepairReport:
        """Cut torn tails of episodes.jsonl and failures.jsonl, report bad lines, rebuild the done-set.

        A torn tail (a last line without its newline, or not valid JSON) is never trusted: its bytes
        move to ``<file>.torn-<timestamp>`` and the file is truncated to its last whole line. Invalid
        lines before that are reported with ``file:line`` and left where they are.
        """
        self._require_open()
        torn: list[TornTail] = []
        bad: list[LineError] = []
        duplicates: list[LineError] = []
        done: set[RunKey] = set()
        episodes = scan_records(self.paths.episodes, Episode, episode_key)
        failures = scan_records(self.paths.failures, EpisodeFailure, lambda failure: failure.key)
        for scan, path in ((episodes, self.paths.episodes), (failures, self.paths.failures)):
            if scan.tail:
                torn.append(cut_tail(path, scan))
            bad.extend(scan.bad)
            duplicates.extend(scan.duplicates)
            done.update(scan.keys)
        self._done = done
        report = RepairReport(tuple(torn), tuple(bad), tuple(duplicates))
        if not report.clean:
            log.warning("run directory %s needed attention:\n%s", self.paths.root, report)
        return report

    def done_keys(self) -> set[RunKey]:
        """``(session key, attempt)`` of every episode and every recorded failure (a copy)."""
        return set(self._done)

    # ------------------------------------------------------------------------------ appending

    def append_episode(self, episode: Episode) -> bool:
        """Append one episode durably; ``False`` (and nothing written) when its key is already done."""
        return self._append(self.paths.episodes, episode, episode_key(episode))

    def append_failure(self, failure: EpisodeFailure) -> bool:
        """Append one failure durably; ``False`` (and nothing written) when its key is already done."""
        return self._append(self.paths.failures, failure, failure.key)

    def _append(self, path: Path, record: BaseModel, key: RunKey) -> bool:
        self._require_open()
        if key in self._done:
            return False
        size = path.stat().st_size if path.exists() else 0
        try:
            append_jsonl(path, [record])
        except BaseException:
            # A write cut short must not glue the next record onto a torn line.
            if path.exists() and path.stat().st_size > size:
                os.truncate(path, size)
            raise
        self._done.add(key)
        return True

    def _require_open(self) -> None:
        if not self._lock.held:
            raise RuntimeError(f"run directory {self.paths.root} is closed")

    # ------------------------------------------------------------------------------ reading

    def episodes(self) -> Iterator[Episode]:
        """Every valid episode in file order; bad lines are skipped (repair reports them), and of
        records with the same key only the first counts."""
        return _episodes(self.paths)

    def failures(self) -> list[EpisodeFailure]:
        """Every valid recorded failure, first of each key, in file order."""
        return _failures(self.paths)

    def summary(self) -> RunSummary:
        """Counts over the run's episodes and failures (reads both files)."""
        return _summarize(self.paths)


def _episodes(paths: RunPaths) -> Iterator[Episode]:
    seen: set[RunKey] = set()
    if not paths.episodes.exists():
        return
    for episode in iter_jsonl(paths.episodes, Episode, _skip):
        key = episode_key(episode)
        if key not in seen:
            seen.add(key)
            yield episode


def _failures(paths: RunPaths) -> list[EpisodeFailure]:
    if not paths.failures.exists():
        return []
    seen: set[RunKey] = set()
    found = []
    for failure in iter_jsonl(paths.failures, EpisodeFailure, _skip):
        if failure.key not in seen:
            seen.add(failure.key)
            found.append(failure)
    return found


def _summarize(paths: RunPaths) -> RunSummary:
    by_termination: Counter[Termination] = Counter()
    sessions: set[str] = set()
    count = tool_calls = user_turns = 0
    verification = VerificationTally()
    for episode in _episodes(paths):
        count += 1
        verification.add(episode)
        by_termination[episode.termination] += 1
        sessions.add(episode_key(episode)[0])
        tool_calls += episode.tool_call_count
        user_turns += episode.user_turns
    failures = _failures(paths)
    sessions.update(failure.session_key for failure in failures)
    return RunSummary(
        episodes=count, failures=len(failures), by_termination=by_termination,
        failures_by_stage=Counter(failure.stage for failure in failures), sessions=len(sessions),
        tool_calls=tool_calls, user_turns=user_turns, verified=verification.verified,
        unconfirmed_successes=verification.unconfirmed_successes, checks_by_kind=verification.checks_by_kind,
        root=paths.root,
    )


def _skip(error: LineError) -> None:
    """Bad lines were reported by :meth:`RunDir.repair` when the directory was opened."""
