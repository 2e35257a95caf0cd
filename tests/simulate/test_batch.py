"""The batch runner: sessions start longest first, and come back in the order they were given."""

from __future__ import annotations

from collections.abc import Callable

from isetrace.config import RunConfig
from isetrace.records import Episode, Intent
from isetrace.simulate.batch import longest_first, simulate_all


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
