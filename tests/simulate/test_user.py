"""The simulated user on its own: structured turns, resumable state, the verification rule."""

from __future__ import annotations

import pytest

from isetrace.config import load_config
from isetrace.llm.endpoints import open_endpoints
from isetrace.records import Intent
from isetrace.simulate.digest import TurnDigest, with_digest
from isetrace.simulate.user import VERIFY_QUERY, SimulatorState, UserSimulator, UserTurn, asks_for_verification

AGENT_REPLY = with_digest("Saved deliveries.csv with the 3 rows.",
                          TurnDigest(tool_calls=1, files_changed=["deliveries.csv"]))


@pytest.mark.parametrize(("query", "expected"), [
    ("Re-run the script and show me the output.", True),
    ("Double-check the totals against the CSV.", True),
    ("Please verify the file once more.", True),
    ("Now write the summary to report.md.", False),
    ("Save the data as deliveries.csv.", False),
])
def test_verification_requests_are_recognised(query: str, expected: bool) -> None:
    assert asks_for_verification(query) is expected


def test_a_success_before_any_verification_becomes_the_verification_request() -> None:
    done = UserTurn(completed=True, query="Great, thanks!", reason="all done", is_success=True)
    turn, enforced = UserSimulator._enforce_verification(done, SimulatorState(turns=3))
    assert enforced == 1 and turn.query == VERIFY_QUERY and not turn.completed
    kept, none = UserSimulator._enforce_verification(done, SimulatorState(turns=3, verification_asked=True))
    assert kept is done and none == 0
    failure = UserTurn(completed=True, query="This can't work.", reason="blocked", is_success=False)
    assert UserSimulator._enforce_verification(failure, SimulatorState(turns=3)) == (failure, 0)


async def test_turns_are_structured_one_sub_goal_at_a_time_and_resume_from_saved_state(
        toy_intents: list[Intent]) -> None:
    config = load_config("offline", environ={})
    intent = toy_intents[0]
    async with open_endpoints(config, ["user"], environ={}) as endpoints:
        simulator = UserSimulator(endpoints["user"], intent, drift_retries=2)
        first, state = await simulator.next_turn(SimulatorState(), None)
        assert not first.completed and first.query and first.query != intent.natural_language_intent
        assert len(first.query) < len(intent.natural_language_intent)
        saved = SimulatorState(view=list(state.view), turns=state.turns, verification_asked=state.verification_asked)
        second, _ = await simulator.next_turn(state, AGENT_REPLY)
        fresh = UserSimulator(endpoints["user"], intent, drift_retries=2)
        resumed, _ = await fresh.next_turn(saved, AGENT_REPLY)
    assert resumed == second and second.query != first.query


async def test_the_simulator_sees_the_digest_not_only_the_prose(toy_intents: list[Intent]) -> None:
    config = load_config("offline", environ={})
    claim = with_digest("All done, everything worked!",
                        TurnDigest(tool_calls=2, failed=1, unresolved_failures=1,
                                   errors=["exec: python3: can't open file 'rates.py'"]))
    async with open_endpoints(config, ["user"], environ={}) as endpoints:
        simulator = UserSimulator(endpoints["user"], toy_intents[0], drift_retries=2)
        _, state = await simulator.next_turn(SimulatorState(), None)
        reaction, _ = await simulator.next_turn(state, claim)
    assert not reaction.completed and "rates.py" in reaction.query
