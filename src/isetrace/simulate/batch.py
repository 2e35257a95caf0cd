"""Running episodes for a list of intents: grouped by mode, bounded concurrency, each saved as it ends.

An episode plays one group of intents (:func:`group_intents`): one intent, or ``intents_per_session``
of them in multi mode, delegated one after another in one conversation. :func:`run_groups` is the
scheduler every local runner shares (``ise simulate`` through :func:`simulate_all`, and the episode
stage of ``ise run``): it groups nothing and records nothing, it runs up to ``run.concurrency`` episodes
at once, longest first, each opening its own sandbox from one opener that keeps spares started ahead.
:func:`simulate_all` groups the intents and hands every finished episode to a callback, so the caller
can append it to disk before the next one ends.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Mapping, Sequence

from isetrace.config import RunConfig
from isetrace.errors import AuthenticationFailed
from isetrace.llm.endpoints import Endpoints, open_endpoints
from isetrace.records import Episode, Intent
from isetrace.sandbox import SessionOpener
from isetrace.simulate.episode import run_episode
from isetrace.worlds.sessions import session_sandbox_config

__all__ = ["group_intents", "longest_first", "run_groups", "simulate_all"]

_COMPLEXITY_RANK = {"simple": 0, "medium": 1, "complex": 2}


def group_intents(intents: Sequence[Intent], config: RunConfig) -> list[list[Intent]]:
    """The intents grouped by episode: one per episode, or ``intents_per_session`` in ``multi`` mode."""
    size = config.simulate.intents_per_session if config.simulate.mode == "multi" else 1
    return [list(intents[i : i + size]) for i in range(0, len(intents), size)]


def longest_first(groups: Sequence[list[Intent]]) -> list[list[Intent]]:
    """The groups in the order to start their episodes: those expected to run longest first.

    A run ends when its last episode does. Started late, one long episode runs on alone while every other
    lane is idle; started early, the short ones fill the lanes at the end (longest-processing-time-first
    scheduling: 4 % more episodes per minute on 256 scripted episodes at concurrency 32). The expected
    length is the number of tasks the user hands over one at a time, then complexity, then the length of
    the request. The sort is stable: groups that look alike keep their order.
    """

    def expected_length(group: list[Intent]) -> tuple[int, int, int]:
        return (sum(len(i.tasks) for i in group),
                sum(_COMPLEXITY_RANK.get(str(i.complexity), 1) for i in group),
                sum(len(i.natural_language_intent) for i in group))

    return sorted(groups, key=expected_length, reverse=True)


def _settle_heap() -> None:
    """Put what is alive before the episodes start (modules, config, intents) out of the collector's reach.

    A full collection stalls the event loop, and with it every episode in flight; freezing the objects
    that will never be garbage keeps those pauses to what the episodes themselves allocate (measured:
    1 % more episodes per minute in benchmarks/pipeline.py).
    """
    gc.collect()
    gc.freeze()


def _spare_sandboxes(config: RunConfig) -> int:
    """Sandboxes to keep started ahead: none for one lane (nothing to overlap with), else one per 16
    lanes, at least one — enough that an episode ending rarely finds none ready."""
    return 0 if config.run.concurrency == 1 else max(1, config.run.concurrency // 16)


async def run_groups(
    groups: Sequence[list[Intent]],
    config: RunConfig,
    work: Callable[[list[Intent], SessionOpener], Awaitable[None]],
) -> None:
    """``await work(group, opener)`` for every group of intents: ``run.concurrency`` at once, longest
    first, all opening their sandboxes from one opener that keeps spares started ahead.

    The scheduling every runner of episodes shares; ``work`` runs one episode and keeps its result. An
    :class:`~isetrace.errors.AuthenticationFailed` out of ``work`` cancels the other episodes (their
    sandboxes closed, nothing recorded) and is raised as it is. ``run.concurrency`` lanes each take the
    next group when their episode ends, so a run of 100,000 episodes holds 32 tasks, not 100,000.
    """
    _settle_heap()
    queue = iter(longest_first(groups))  # shared by the lanes: next() never yields to the loop

    async def lane(opener: SessionOpener) -> None:
        for group in queue:
            await work(group, opener)

    try:
        async with SessionOpener(session_sandbox_config(config), spares=_spare_sandboxes(config)) as opener, \
                asyncio.TaskGroup() as tasks:
            for _ in range(min(config.run.concurrency, len(groups))):
                tasks.create_task(lane(opener))
    except* AuthenticationFailed as refused:
        # one refused key stops every episode alike: say it once, as itself, not as a group of them
        raise refused.exceptions[0] from None


async def simulate_all(
    intents: Sequence[Intent],
    config: RunConfig,
    endpoints: Endpoints | None = None,
    on_episode: Callable[[Episode], None] | None = None,
    *,
    stop: asyncio.Event | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Episode]:
    """Run an episode for every group of intents, longest first; ``on_episode`` sees each episode as soon
    as it ends. Returns them in input order.

    ``endpoints`` are shared by every episode; without them, the endpoints an episode calls are opened
    for the batch and closed at its end. ``environ`` is where API keys are read (default: ``os.environ``).
    """
    if endpoints is None:
        async with open_endpoints(config, config.episode_roles, environ=environ) as opened:
            return await simulate_all(intents, config, opened, on_episode, stop=stop, environ=environ)
    shared = endpoints
    groups = group_intents(intents, config)
    episodes: dict[int, Episode] = {}

    async def one(group: list[Intent], opener: SessionOpener) -> None:
        episode = await run_episode(group, config, endpoints=shared, open_sandbox=opener, stop=stop,
                                    environ=environ)
        episodes[id(group)] = episode
        if on_episode is not None:
            on_episode(episode)

    await run_groups(groups, config, one)
    return [episodes[id(g)] for g in groups]
