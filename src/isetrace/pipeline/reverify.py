"""``ise verify RUN_DIR``: label a stored run's episodes again, each on a replay of its tool calls.

The run's own config is read back (its template, sandbox, tools, verification settings and judge); the
run directory is locked for the duration, so no ``ise run`` appends while its episodes are rewritten;
episodes are replayed up to ``run.concurrency`` at once (:func:`isetrace.simulate.reverify.reverify_episode`),
and the file is replaced atomically once every one is done, so an interruption leaves the old file whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from isetrace.config import RunConfig
from isetrace.errors import ConfigError
from isetrace.jsonl import LineError, load_jsonl, write_jsonl
from isetrace.llm.endpoints import open_endpoints
from isetrace.pipeline._lock import RunLock
from isetrace.pipeline.layout import RunPaths
from isetrace.pipeline.rundir import RunDir
from isetrace.records import Episode
from isetrace.sandbox import SessionOpener
from isetrace.simulate.reverify import reverify_episode
from isetrace.stats.verification import VerificationTally
from isetrace.worlds.sessions import session_sandbox_config

__all__ = ["Reverified", "reverify_run"]


@dataclass(frozen=True)
class Reverified:
    """What a re-verification did: where it wrote, and the verification figures of the episodes."""

    path: Path
    tally: VerificationTally
    skipped: list[LineError]


def reverify_run(run_dir: Path, *, out: Path | None = None, environ: Mapping[str, str] | None = None,
                 on_episode: Callable[[Episode], None] | None = None) -> Reverified:
    """Re-verify every episode of the run at ``run_dir`` and write them to ``out`` (default: the run's own
    episodes file, replaced atomically). Raises :class:`ConfigError` when ``run_dir`` is not a run or is in
    use, or when no session can start."""
    paths = RunPaths(run_dir)
    if not paths.episodes.is_file():
        raise ConfigError(f"{run_dir} is not a run directory with episodes (no {paths.episodes.name})")
    config = RunDir.load_config(run_dir)
    lock = RunLock.acquire(paths.lock)
    try:
        episodes, skipped = load_jsonl(paths.episodes, Episode)
        redone = asyncio.run(_reverify_all(episodes, config, environ, on_episode))
        target = out or paths.episodes
        write_jsonl(target, redone)
    finally:
        lock.release()
    tally = VerificationTally()
    for episode in redone:
        tally.add(episode)
    return Reverified(target, tally, skipped)


async def _reverify_all(episodes: list[Episode], config: RunConfig, environ: Mapping[str, str] | None,
                        on_episode: Callable[[Episode], None] | None) -> list[Episode]:
    roles = ["judge"] if config.verify.judge and config.endpoints.judge is not None else []
    gate = asyncio.Semaphore(config.run.concurrency)
    async with open_endpoints(config, roles, environ=environ) as endpoints, \
            SessionOpener(session_sandbox_config(config)) as opener:
        judge = endpoints.clients.get("judge")

        async def one(episode: Episode) -> Episode:
            async with gate:
                redone = await reverify_episode(episode, config, opener, judge=judge, environ=environ)
            if on_episode is not None:
                on_episode(redone)
            return redone

        return list(await asyncio.gather(*(one(episode) for episode in episodes)))
