"""The batch runner: sessions start longest first, and come back in the order they were given."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from isetrace.config import RunConfig
from isetrace.records import Episode, Intent
from isetrace.simulate.batch import longest_first, run_groups, simulate_all


def _intent(id_: str, tasks: int, complexity: str = "medium", words: int = 10) -> Intent:
    return Intent(id=id_, natural_language_intent=" ".join(["word"] * words), complexity=complexity,
                  tasks=[f"task-{i}" for i in range(tasks)])


def test_longest_first_orders_by_tasks_then_complexity_then_length_and_keeps_ties_in_order() -> None:
    sessions = [[_intent("short", 1)], [_intent("tie-a", 3)], [_intent("many", 5)], [_intent("tie-b", 3)],
                [_intent("complex", 3, "complex")], [_intent("wordy", 3, words=40)],
                [_intent("pair-1", 2), _intent("pair-2", 2)]]
    order = [s[0].id for s in longest_first(sessions)]
    assert order == ["many", "pair-1", "complex", "wordy", "tie-a", "tie-b", "short"]  # the pair has 4 tasks


async def test_simulate_all_starts_the_longest_session_first_and_returns_input_order(
        toy_intents: list[Intent], make_config: Callable[..., RunConfig]) -> None:
    config = make_config("run.concurrency=1")
    longest = toy_intents[-1].model_copy(update={"tasks": [*toy_intents[-1].tasks, "one-more-task"]})
    intents = [*toy_intents[:-1], longest]
    started: list[str] = []
    # no endpoints given: the batch opens the ones an episode calls, once for every episode, and closes them
    episodes = await simulate_all(intents, config, on_episode=lambda episode: started.append(_first_intent(episode)),
                                  environ={})
    assert started[0] == longest.id  # one lane: the order episodes end is the order they started
    assert [_first_intent(e) for e in episodes] == [i.id for i in intents]


def _first_intent(episode: Episode) -> str:
    return episode.intents[0].id


async def test_a_long_run_holds_one_task_per_lane_not_one_per_episode(make_config: Callable[..., RunConfig]) -> None:
    config = make_config("run.concurrency=4")
    groups = [[_intent(f"i{n}", 1 + n % 3)] for n in range(300)]
    running = most = tasks_seen = 0
    done: list[str] = []

    async def work(group: list[Intent], opener: object) -> None:
        nonlocal running, most, tasks_seen
        running += 1
        most = max(most, running)
        tasks_seen = max(tasks_seen, len(asyncio.all_tasks()))
        await asyncio.sleep(0)
        running -= 1
        done.append(group[0].id)

    await run_groups(groups, config, work)
    assert sorted(done) == sorted(g[0].id for g in groups) and most == 4
    assert tasks_seen < 20  # the lanes, the sandbox opener's and the test's own: not 300
    assert done[:4] == [g[0].id for g in longest_first(groups)][:4]  # still the longest first
