"""The run directory: the unit of resume.

Everything a run produces lives in one directory, written so that ``kill -9`` at any moment loses at
most the episodes in flight and duplicates nothing::

    <dir>/config.yaml          the resolved config (secrets masked; they are never stored)
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
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeAlias, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from isetrace.config import MASK, RunConfig, config_hash, masked_view
from isetrace.errors import ConfigError
from isetrace.jsonl import LineError, append_jsonl, describe_validation_error, fsync_dir, iter_jsonl, write_atomic
from isetrace.records import Episode, Termination, session_key

__all__ = [
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
    "session_key",
]

log = logging.getLogger(__name__)

RunKey: TypeAlias = tuple[str, int]
"""``(session key, attempt)``: what the done-set holds."""

M = TypeVar("M", bound=BaseModel)


def episode_key(episode: Episode) -> RunKey:
    """The done-set key of an episode: its session key and attempt."""
    return session_key(intent.id for intent in episode.intents), episode.attempt


def _now() -> datetime:
    return datetime.now(UTC)


class EpisodeFailure(BaseModel):
    """A session that produced no episode, recorded so that a resumed run does not try it again.

    A failure counts as done for its ``(session_key, attempt)``; retrying means a new attempt number.
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    session_key: str
    """``"+".join(intent_ids)``, the same key an episode of this session would have."""
    intent_ids: list[str] = Field(min_length=1)
    """The intents of the session, in order."""
    attempt: int = Field(0, ge=0)
    """Which attempt at the session failed."""
    stage: str = Field(min_length=1)
    """Where it failed (``sandbox``, ``simulate``, ``verify``…)."""
    reason: str
    """What went wrong, for a person."""
    at: datetime = Field(default_factory=_now)
    """When it was recorded (UTC)."""

    @model_validator(mode="after")
    def _key_matches_intents(self) -> EpisodeFailure:
        expected = session_key(self.intent_ids)
        if self.session_key != expected:
            raise ValueError(f"session_key {self.session_key!r} does not match intent_ids (expected {expected!r})")
        return self

    @classmethod
    def of(cls, intent_ids: Sequence[str], *, attempt: int, stage: str, reason: str) -> EpisodeFailure:
        """A failure of the session made of ``intent_ids``, its key derived from them."""
        ids = list(intent_ids)
        return cls(session_key=session_key(ids), intent_ids=ids, attempt=attempt, stage=stage, reason=reason)

    @property
    def key(self) -> RunKey:
        return self.session_key, self.attempt


# --------------------------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class IntentFiles:
    """The Stage I files of a run (written by the intents stage; listed here so everyone agrees)."""

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
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def stats(self) -> Path:
        return self.root / "stats"

    @property
    def lock(self) -> Path:
        return self.root / "run.lock"

    def directories(self) -> tuple[Path, ...]:
        return self.intents.dir, self.exports, self.stats


# --------------------------------------------------------------------------------------------- reports


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


@dataclass(frozen=True)
class RunSummary:
    """Counts over a run directory, from its episodes and failures."""

    episodes: int
    failures: int
    by_termination: Counter[Termination]
    failures_by_stage: Counter[str]
    sessions: int
    """Distinct session keys with an episode or a failure."""
    tool_calls: int
    user_turns: int

    @property
    def succeeded(self) -> int:
        return self.by_termination[Termination.SUCCESS]


# --------------------------------------------------------------------------------------------- config


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, Mapping) and node:
        flat: dict[str, Any] = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: node}


_ABSENT = object()


def _show(value: Any) -> str:
    return "(absent)" if value is _ABSENT else json.dumps(value, ensure_ascii=False, default=str)


def config_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """``dotted.key: old → new`` for every leaf that differs between two plain-data configs, sorted."""
    before, after = _flatten(old), _flatten(new)
    lines = []
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key, _ABSENT), after.get(key, _ABSENT)
        if was != now or type(was) is not type(now):
            lines.append(f"{key}: {_show(was)} → {_show(now)}")
    return lines


def _read_config_data(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of config sections, got {type(data).__name__}")
    return data


_CONFIG_HEADER = "# The resolved configuration of this run, secrets masked. Written by isetrace; do not edit.\n"


def _store_config(paths: RunPaths, config: RunConfig) -> None:
    """Write config.yaml, then config.hash: the hash is written last, so it marks a complete config."""
    text = _CONFIG_HEADER + yaml.safe_dump(masked_view(config), sort_keys=False, allow_unicode=True)
    write_atomic(paths.config, text.encode("utf-8"))
    write_atomic(paths.config_hash, f"{config_hash(config)}\n".encode())


# --------------------------------------------------------------------------------------------- lock


class _RunLock:
    """An exclusive ``flock`` on ``run.lock``. The kernel drops it when the holder dies, however it dies."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, path: Path) -> _RunLock:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 256, 0).decode("utf-8", "replace").split()
            os.close(fd)
            who = f"process {holder[0]}" if holder else "another process"
            if len(holder) > 1:
                who += f" on {holder[1]}"
            raise ConfigError(
                f"run directory {path.parent} is in use by {who} (it holds {path.name}); two processes cannot "
                "run one directory. Wait for it to finish or stop it; a lock left by a process that died "
                "is released by itself."
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
        return cls(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # while still held: the next holder writes its own pid
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None


# --------------------------------------------------------------------------------------------- repair


@dataclass
class _Scan:
    good_end: int = 0
    """Byte offset just past the last whole line of JSON (or blank line) before the tail."""
    tail: list[LineError] = field(default_factory=list)
    bad: list[LineError] = field(default_factory=list)
    duplicates: list[LineError] = field(default_factory=list)
    keys: dict[RunKey, int] = field(default_factory=dict)


def _scan(path: Path, model: type[M], key_of: Callable[[M], RunKey]) -> _Scan:
    """Read a JSONL file of records once: its torn tail, its bad lines, and the keys of its records.

    The tail is every line after the last complete line of valid JSON: lines without a newline or
    that do not parse. A complete line of JSON that is not a valid record is a bad line (a schema
    problem, not a crash) and is never cut.
    """
    scan = _Scan()
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


def _cut_tail(path: Path, scan: _Scan) -> TornTail:
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


def _failure_key(failure: EpisodeFailure) -> RunKey:
    return failure.key


def _masked_keys(data: Mapping[str, Any]) -> list[str]:
    """Dotted keys whose stored value was masked (a secret, or a list holding one)."""
    return sorted(key for key, value in _flatten(data).items()
                  if value == MASK or (isinstance(value, list) and MASK in value))


# --------------------------------------------------------------------------------------------- RunDir


class RunDir:
    """An open run directory, held by this process alone until :meth:`close`.

    Make one with :meth:`create` (a new run) or :meth:`open_for_resume` (an existing one); both take
    the lock and :meth:`repair` the files before returning. Use it as a context manager, or call
    :meth:`close`. Appends are durable when they return. Not thread-safe: one runner appends.
    """

    def __init__(self, paths: RunPaths, config: RunConfig, lock: _RunLock) -> None:
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
        lock = _RunLock.acquire(paths.lock)
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
            _store_config(paths, config)
            return cls(paths, config, lock)
        except BaseException:
            lock.release()
            raise

    @classmethod
    def open_for_resume(cls, path: str | os.PathLike[str], config: RunConfig, *, force: bool = False) -> RunDir:
        """Open an existing run to carry on with it under ``config``.

        When ``config`` is not the run's (a different :func:`config_hash`), raises :class:`ConfigError`
        listing each setting that changed, unless ``force``: then the new config is recorded and the
        old one kept as ``config.previous.yaml``. Episodes keep the hash they were made under.
        """
        paths = RunPaths(Path(path))
        if not paths.config_hash.is_file():
            raise ConfigError(
                f"{paths.root} holds no run to resume (no {paths.config_hash.name}); start a new run there instead"
            )
        lock = _RunLock.acquire(paths.lock)
        try:
            stored = paths.config_hash.read_text(encoding="utf-8").strip()
            wanted = config_hash(config)
            if stored != wanted:
                cls._change_config(paths, config, stored, wanted, force=force)
            for directory in paths.directories():
                directory.mkdir(exist_ok=True)
            return cls(paths, config, lock)
        except BaseException:
            lock.release()
            raise

    @staticmethod
    def _change_config(paths: RunPaths, config: RunConfig, stored: str, wanted: str, *, force: bool) -> None:
        try:
            changes = config_diff(_read_config_data(paths.config), masked_view(config))
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
            write_atomic(paths.config_previous, paths.config.read_bytes())
        _store_config(paths, config)
        log.warning("run directory %s: configuration changed by force (hash %s → %s):\n  %s",
                    paths.root, stored, wanted, listing)

    @staticmethod
    def load_config(path: str | os.PathLike[str]) -> RunConfig:
        """The configuration a run was made with, read back from its ``config.yaml``.

        Raises :class:`ConfigError` when the stored config holds masked secrets (they are never
        stored): such a run must be resumed with its original config file.
        """
        paths = RunPaths(Path(path))
        data = _read_config_data(paths.config)
        masked = _masked_keys(data)
        if masked:
            raise ConfigError(
                f"{paths.config} has masked secret values ({', '.join(masked)}), which are never stored; "
                "resume this run with its original config file"
            )
        try:
            return RunConfig.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{paths.config}: not a valid configuration ({describe_validation_error(exc)})") from None

    # ------------------------------------------------------------------------------ paths

    @property
    def path(self) -> Path:
        """The run directory itself."""
        return self.paths.root

    @property
    def intents_dir(self) -> Path:
        """Stage I files; their names are in ``paths.intents`` (sampled, rendered, intents, …)."""
        return self.paths.intents.dir

    @property
    def episodes_path(self) -> Path:
        return self.paths.episodes

    @property
    def failures_path(self) -> Path:
        return self.paths.failures

    @property
    def llm_cache_path(self) -> Path:
        return self.paths.llm_cache

    @property
    def exports_dir(self) -> Path:
        return self.paths.exports

    @property
    def stats_dir(self) -> Path:
        return self.paths.stats

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
        for scan, path in ((_scan(self.paths.episodes, Episode, episode_key), self.paths.episodes),
                           (_scan(self.paths.failures, EpisodeFailure, _failure_key), self.paths.failures)):
            if scan.tail:
                torn.append(_cut_tail(path, scan))
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

    def is_done(self, session: str, attempt: int) -> bool:
        """Whether ``(session, attempt)`` already has an episode or a failure."""
        return (session, attempt) in self._done

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
        seen: set[RunKey] = set()
        if not self.paths.episodes.exists():
            return
        for episode in iter_jsonl(self.paths.episodes, Episode, _skip):
            key = episode_key(episode)
            if key not in seen:
                seen.add(key)
                yield episode

    def failures(self) -> list[EpisodeFailure]:
        """Every valid recorded failure, first of each key, in file order."""
        if not self.paths.failures.exists():
            return []
        seen: set[RunKey] = set()
        found = []
        for failure in iter_jsonl(self.paths.failures, EpisodeFailure, _skip):
            if failure.key not in seen:
                seen.add(failure.key)
                found.append(failure)
        return found

    def summary(self) -> RunSummary:
        """Counts over the run's episodes and failures (reads both files)."""
        by_termination: Counter[Termination] = Counter()
        sessions: set[str] = set()
        count = tool_calls = user_turns = 0
        for episode in self.episodes():
            count += 1
            by_termination[episode.termination] += 1
            sessions.add(episode_key(episode)[0])
            tool_calls += episode.tool_call_count
            user_turns += episode.user_turns
        failures = self.failures()
        sessions.update(failure.session_key for failure in failures)
        return RunSummary(
            episodes=count, failures=len(failures), by_termination=by_termination,
            failures_by_stage=Counter(failure.stage for failure in failures), sessions=len(sessions),
            tool_calls=tool_calls, user_turns=user_turns,
        )


def _skip(error: LineError) -> None:
    """Bad lines were reported by :meth:`RunDir.repair` when the directory was opened."""
