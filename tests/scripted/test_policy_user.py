"""The simulated-user policy: one sub-goal per turn, fixes after real failures, one verification, then done.

Seen from the simulator: `assistant` messages are its own turns, `user` messages are the agent's replies,
which may end with a ```digest block of what the tools really did.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from isetrace_scripted.policy import respond

PERSONA: dict[str, object] = {
    "id": "p9",
    "name": "Sam Reed",
    "role": "Operations Analyst",
    "industry": "Logistics",
    "expertise": ["routing", "Excel", "SQL"],
    "experience_level": "mid",
    "communication_style": "friendly",
    "work_context": "Works at a freight forwarder in Hamburg.",
}
GOALS = [
    "save the depot table as depots.csv",
    "compute the average delay per depot",
    "write the findings to `delays.md`",
]
INTENT = (
    "Hi! I'm an operations analyst. Here's the data:\n```csv\ndepot,delay_h\nhamburg,2.5\nlyon,4.0\n```\n"
    "First, save the depot table as depots.csv. Then compute the average delay per depot. "
    "Finally, write the findings to `delays.md`."
)
BANNED = (
    "how can i help",
    "i can help",
    "happy to help",
    "would you like",
    "let me know",
    "sorry",
    "apolog",
    "what do you think",
    "as an ai",
)


def digest(unresolved: int = 0, errors: tuple[str, ...] = (), files: tuple[str, ...] = ()) -> str:
    payload = {
        "tool_calls": 3,
        "failed": len(errors),
        "unresolved_failures": unresolved,
        "files_changed": list(files),
        "errors": list(errors),
    }
    return "\n\n```digest\n" + json.dumps(payload) + "\n```"


def body(
    history: list[tuple[str, str]],
    goals: list[str] | None = None,
    persona: dict[str, object] | None = None,
    intent: str = INTENT,
) -> dict[str, object]:
    """A user-simulator request: our own earlier turns (assistant), each followed by the agent's reply."""
    setup = {"intent": intent, "persona": persona or PERSONA, "sub_goals": GOALS if goals is None else goals}
    messages: list[dict[str, object]] = [
        {
            "role": "system",
            "content": "You delegate work.\n```json\n" + json.dumps(setup) + "\n```",
        },
        {"role": "user", "content": "Begin the conversation."},
    ]
    for own, agent in history:
        messages += [{"role": "assistant", "content": own}, {"role": "user", "content": agent}]
    return {"model": "scripted", "messages": messages, "temperature": 0.7}


def turn(
    history: list[tuple[str, str]],
    goals: list[str] | None = None,
    persona: dict[str, object] | None = None,
    intent: str = INTENT,
) -> dict[str, object]:
    reply = respond(body(history, goals, persona, intent))
    assert reply.tool_calls == []
    parsed: dict[str, object] = json.loads(reply.content or "")
    assert set(parsed) == {"completed", "query", "reason", "is_success"}
    return parsed


def run(
    agent: Callable[[int], str],
    goals: list[str] | None = None,
    persona: dict[str, object] | None = None,
    intent: str = INTENT,
    limit: int = 12,
) -> list[dict[str, object]]:
    """Play the simulator against a fake agent (`agent(k)` is its k-th reply) until it completes."""
    history: list[tuple[str, str]] = []
    turns = []
    for index in range(limit):
        current = turn(history, goals, persona, intent)
        turns.append(current)
        if current["completed"]:
            return turns
        history.append((json.dumps(current), agent(index)))
    raise AssertionError(f"no completion within {limit} turns: {turns}")


def introduces_goal(item: dict[str, object]) -> bool:
    reason = str(item["reason"])
    return reason.startswith("Opening with sub-goal") or "to sub-goal" in reason


def is_fix_request(item: dict[str, object]) -> bool:
    return str(item["reason"]).startswith("The agent's last turn failed")


def test_first_turn_opens_with_the_first_sub_goal_only() -> None:
    first = turn([])
    query = str(first["query"])
    assert GOALS[0] in query and GOALS[1] not in query and GOALS[2] not in query
    assert first["completed"] is False and first["is_success"] is False
    assert "depot,delay_h" in query, "the pasted data is handed over with the first goal"


def test_walks_sub_goals_one_per_turn_verifies_once_then_completes() -> None:
    turns = run(lambda k: f"Done, wrote `step{k}.md`." + digest(files=(f"step{k}.md",)))
    queries = [str(item["query"]) for item in turns]
    assert [index for index, query in enumerate(queries) for goal in GOALS if goal in query] == [0, 1, 2]
    assert "`step0.md`" in queries[1], "acknowledges a concrete file the agent named"
    verifications = [item for item in turns if "verification" in str(item["reason"]).lower()]
    assert len(verifications) == 2 and verifications[-1] is turns[-1]
    assert "re-run" in str(turns[-2]["query"]) or "run" in str(turns[-2]["query"])
    assert turns[-1]["completed"] is True and turns[-1]["is_success"] is True
    assert len(turns) == len(GOALS) + 2


def test_a_failed_digest_gets_a_specific_fix_request() -> None:
    error = "KeyError: 'delay'"
    history = [("open", "I ran it." + digest(unresolved=1, errors=(error,)))]
    fix = turn(history)
    assert "KeyError" in str(fix["query"]) and "fix" in str(fix["query"]).lower()
    assert GOALS[1] not in str(fix["query"])
    assert fix["completed"] is False


def test_fix_requests_are_bounded_then_the_user_moves_on() -> None:
    def agent(index: int) -> str:
        return "Still broken." + digest(unresolved=1, errors=("Traceback: ZeroDivisionError",))

    turns = run(agent)
    fixes = [is_fix_request(item) for item in turns]
    assert sum(fixes) == 2 * len(GOALS)
    assert not any(all(fixes[index : index + 3]) for index in range(len(fixes))), (
        "never 3 fix requests in a row"
    )
    assert sum(introduces_goal(item) for item in turns) == len(GOALS)
    assert turns[-1]["completed"] is True and turns[-1]["is_success"] is False


def test_recovered_failures_do_not_trigger_a_fix_request() -> None:
    history = [("open", "Fixed the column and re-ran it." + digest(unresolved=0, errors=("KeyError: 'x'",)))]
    assert GOALS[1] in str(turn(history)["query"])


def test_success_is_judged_on_the_last_digest() -> None:
    replies = {0: digest(unresolved=1, errors=("boom",)), 1: digest(unresolved=1, errors=("boom",))}
    turns = run(lambda k: "Done." + replies.get(k, digest()))
    assert turns[-1]["is_success"] is True
    turns = run(lambda k: "Done." + (digest(unresolved=1, errors=("exit code 2",)) if k >= 3 else digest()))
    assert turns[-1]["is_success"] is False


def test_without_any_digest_the_agent_text_decides() -> None:
    assert run(lambda k: "All done, `out.md` is written.")[-1]["is_success"] is True
    failing = run(lambda k: "I could not run the script: python3 is missing.")
    assert failing[-1]["is_success"] is False


def test_sub_goals_are_derived_from_the_intent_when_none_are_given() -> None:
    first = turn([], goals=[])
    assert "save the depot table as depots.csv" in str(first["query"])
    turns = run(lambda k: "Done." + digest(), goals=[])
    assert 2 <= sum(introduces_goal(item) for item in turns) <= 4


def test_a_one_sentence_intent_still_gets_two_sub_goals() -> None:
    turns = run(lambda k: "Done." + digest(), goals=[], intent="Please tidy up the shared folder.")
    assert "tidy up the shared folder" in str(turns[0]["query"])
    assert sum(introduces_goal(item) for item in turns) == 2


def test_perspective_lock_holds_on_every_turn() -> None:
    for level in ("junior", "mid", "senior", "executive"):
        for style in ("direct and concise", "formal and detailed", "friendly, uses emojis", "quiet"):
            persona = {**PERSONA, "experience_level": level, "communication_style": style}
            for item in run(
                lambda k: "Done." + digest(unresolved=k % 2, errors=("exit code 1",) * (k % 2)),
                persona=persona,
            ):
                query = str(item["query"]).lower()
                assert not any(phrase in query for phrase in BANNED), query


def test_register_changes_the_wording() -> None:
    junior = str(turn([], persona={**PERSONA, "experience_level": "junior"})["query"])
    executive = str(turn([], persona={**PERSONA, "experience_level": "executive"})["query"])
    assert junior != executive
    assert "could you" in junior.lower() or "first thing" in junior.lower()


def test_missing_details_are_assumed_and_stated() -> None:
    queries = [str(item["query"]) for item in run(lambda k: "Done." + digest())]
    assert any(
        "Treat the first row as the header." in query or "current folder" in query for query in queries
    )


def test_same_history_same_turn() -> None:
    history = [("open", "Done." + digest())]
    assert respond(body(history)) == respond(body(history))


def test_each_pasted_block_is_handed_over_with_the_goal_that_needs_it() -> None:
    intent = (
        "Here's the listing:\n```text\nincoming/a.csv\nincoming/b.pdf\n```\nAnd the numbers:\n"
        "```csv\nregion,units\nnorth,3\nsouth,5\n```\n"
        "First, sort the incoming files by type. Then compute the totals from the CSV. "
        "Finally, save `out.md`."
    )
    turns = run(lambda k: "Done." + digest(), goals=[], intent=intent)
    assert "incoming/a.csv" in str(turns[0]["query"]) and "region,units" not in str(turns[0]["query"])
    assert "region,units" in str(turns[1]["query"])
    assert "`out.md`" in str(turns[2]["query"])
