"""Running episodes for a list of intents: sessions by mode, bounded concurrency, each saved as it ends.

This is the small runner behind ``ise simulate``: it groups intents into sessions (one each, or
``intents_per_session`` in multi mode), runs up to ``run.concurrency`` episodes at once — each with its
own sandbox — and hands every finished episode to a callback, so the caller can append it to disk
before the next one ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from isetrace.config import RunConfig
from isetrace.llm.endpoints import Endpoints
from isetrace.records import Episode, Intent
from isetrace.sandbox import session_opener
from isetrace.simulate.episode import run_episode

__all__ = ["sessions_of", "simulate_all"]


def sessions_of(intents: Sequence[Intent], config: RunConfig) -> list[list[Intent]]:
    """The intents grouped as sessions: one per session, or several in ``multi`` mode."""
    size = config.simulate.intents_per_session if config.simulate.mode == "multi" else 1
    return [list(intents[i : i + size]) for i in range(0, len(intents), size)]


async def simulate_all(
    intents: Sequence[Intent],
    config: RunConfig,
    endpoints: Endpoints,
    on_episode: Callable[[Episode], None],
    *,
    stop: asyncio.Event | None = None,
) -> list[Episode]:
    """Run every session; ``on_episode`` sees each episode as soon as it ends. Returns them in input order."""
    sandbox = session_opener(config.sandbox)
    gate = asyncio.Semaphore(config.run.concurrency)

    async def one(index: int, session: list[Intent]) -> Episode:
        async with gate:
            episode = await run_episode(session, config=config, endpoints=endpoints, open_sandbox=sandbox,
                                        episode_id="+".join(i.id for i in session), stop=stop)
        on_episode(episode)
        return episode

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(i, s)) for i, s in enumerate(sessions_of(intents, config))]
    return [task.result() for task in tasks]
