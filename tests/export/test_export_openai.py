"""The ISE OpenAI format and its strict variant, checked field by field on hand-built episodes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.export.episodes import SYSTEM, TOOLS, call, calls, episode, plain_episode, result, say, system, user

from isetrace.export import STRICT_DROPS, Unrepresentable, strict_problems, to_ise_openai, to_openai_strict
from isetrace.records import Termination


def test_ise_row_has_the_published_top_level_fields() -> None:
    row = to_ise_openai(episode())
    assert set(row) == {"status", "session_id", "source_intent_count", "source_intent_ids", "source_intents",
                        "session_finalized_by_intent_id", "intent", "total_steps", "enable_thinking", "messages",
                        "tools", "skills", "final_output", "intent_id", "metadata"}
    assert row["status"] == "completed" and row["session_id"] == "ep-1" and row["source_intent_ids"] == ["i1"]
    assert row["source_intent_count"] == 1 and row["session_finalized_by_intent_id"] == row["intent_id"] == "i1"
    assert row["total_steps"] == 4  # tool calls, not messages
    assert row["enable_thinking"] is True
    assert row["final_output"] == "The check exited with code 1, as expected."
    assert row["tools"] == TOOLS
    assert row["messages"][0] == {"role": "system", "content": SYSTEM}
    json.dumps(row)  # plain JSON all the way down


def test_ise_messages_keep_calls_reasoning_and_tool_outcomes() -> None:
    messages = to_ise_openai(episode())["messages"]
    parallel = messages[2]
    assert parallel["role"] == "assistant" and parallel["content"] == ""
    assert parallel["reasoning_content"] == "I will save the file and count its lines."
    first, second = parallel["tool_calls"]
    assert first == {"id": "c1", "type": "function", "function": {  # arguments as JSON text, as the recipe writes
        "name": "write", "arguments": '{"path": "deliveries.csv", "content": "depot,late\\nPorto,9\\n"}'}}
    assert second["function"]["arguments"] == "{'command': wc -l deliveries.csv"  # unparsed: the raw text
    assert messages[3] == {"role": "tool", "name": "write", "tool_call_id": "c1",
                           "content": "Created deliveries.csv (22 bytes).", "success": True}
    assert messages[4]["success"] is False and messages[10]["success"] is False
    assert messages[5]["content"] == "Retrying the count." and len(messages[5]["tool_calls"]) == 1
    assert "reasoning_content" not in messages[9] and "tool_calls" not in messages[7]
    assert messages[8] == {"role": "user", "content": "Good. Now run a check that fails on purpose."}


def test_ise_metadata_describes_the_intent_the_run_and_why_it_ended() -> None:
    meta = to_ise_openai(episode(termination=Termination.STEP_LIMIT))["metadata"]
    assert meta["persona"]["name"] == "Ines Duarte" and meta["persona"]["work_context"].startswith("Works")
    assert meta["domains"] == [] and meta["tasks"] == ["write-file", "write-script"]  # the intent's own metadata
    assert meta["session"]["sessionId"] == "ep-1" and meta["session"]["thinkingLevel"] == "on"
    assert meta["seeds"] == {} and meta["appended_query"] is None
    assert meta["complexity"] == "medium"
    assert meta["termination"] == "step_limit" and meta["termination_detail"] == "ended: step_limit"
    assert meta["verification"] == {"method": "user_simulator", "passed": False, "score": None, "detail": "",
                                    "intent_id": "", "checks": []}
    assert meta["verifications"] == [] and meta["verified"] is False and meta["verified_by"] == ""
    assert meta["models"] == {"agent": "m-agent", "user": "m-user"}
    assert meta["provenance"] == "agent=m-agent, user=m-user" and meta["drift_regenerations"] == 1
    assert meta["timings"]["duration_s"] == 42.0 and meta["timings"]["started_at"].startswith("2026-01-15T09:00")
    assert meta["timings"]["tool_time_s"] == pytest.approx(1.0) and meta["failed_tool_calls"] == 2
    assert meta["user_turns"] == 2 and meta["subagent_sessions"] == 0


def test_no_reasoning_means_thinking_disabled_and_no_final_prose_means_empty_output() -> None:
    row = to_ise_openai(episode([system(), user("go"), calls(call("k", "exec", {"command": "ls"})),
                                 result("k", "exec", "ok")], termination=Termination.STEP_LIMIT))
    assert row["enable_thinking"] is False and row["final_output"] == "" and row["total_steps"] == 1


# --------------------------------------------------------------------------------------------- strict

_ALLOWED = {"system": {"role", "content"}, "user": {"role", "content"}, "tool": {"role", "content", "tool_call_id"},
            "assistant": {"role", "content", "tool_calls"}}


def test_strict_row_passes_the_validator_and_has_only_spec_keys() -> None:
    row = to_openai_strict(episode())
    assert strict_problems(row) == []
    assert set(row) == {"messages", "tools"} and row["tools"] == TOOLS
    for message in row["messages"]:
        assert set(message) <= _ALLOWED[message["role"]]
        assert message["content"] is not None or message.get("tool_calls")
    parallel = row["messages"][2]
    assert parallel["content"] is None  # the one place the spec allows null
    arguments = [c["function"]["arguments"] for c in parallel["tool_calls"]]
    assert all(isinstance(a, str) for a in arguments)
    assert json.loads(arguments[0]) == {"path": "deliveries.csv", "content": "depot,late\nPorto,9\n"}
    assert arguments[1] == "{'command': wc -l deliveries.csv"
    assert row["messages"][5]["content"] == "Retrying the count."  # prose beside calls is kept
    assert row["messages"][3] == {"role": "tool", "tool_call_id": "c1", "content": "Created deliveries.csv (22 bytes)."}


def test_strict_drops_exactly_what_it_documents() -> None:
    ise, strict = to_ise_openai(episode()), to_openai_strict(episode())
    assert set(ise) - set(strict) == set(STRICT_DROPS["top level"])
    dropped = {role: set() for role in ("assistant", "tool")}  # type: dict[str, set[str]]
    for lenient, exact in zip(ise["messages"], strict["messages"], strict=True):
        if lenient["role"] in dropped:
            dropped[lenient["role"]] |= set(lenient) - set(exact)
    assert dropped == {"assistant": set(STRICT_DROPS["assistant"]), "tool": set(STRICT_DROPS["tool"])}


def test_strict_refuses_a_call_left_without_a_result() -> None:
    broken = episode([system(), user("go"), calls(call("k", "exec", {"command": "ls"})), user("hello?"),
                      say("Sorry.")])
    with pytest.raises(Unrepresentable, match="got no tool message"):
        to_openai_strict(broken)


def _valid() -> dict[str, Any]:
    return to_openai_strict(plain_episode())


@pytest.mark.parametrize(("breakage", "complaint"), [
    (lambda r: r.update(extra=1), "top-level keys"),
    (lambda r: r["messages"][1].update(name="x", reasoning_content="y"), "does not define"),
    (lambda r: r["messages"][4].update(content=None), "null only when"),
    (lambda r: r["messages"][1].update(content=None), "must be a string"),
    (lambda r: r["messages"][2]["tool_calls"][0]["function"].update(arguments={"command": "ls"}), "JSON string"),
    (lambda r: r["messages"][2]["tool_calls"][0].update(type="tool"), "'function'"),
    (lambda r: r["messages"][3].update(success=True), "does not define"),
    (lambda r: r["messages"][3].update(tool_call_id="nope"), "answers no pending"),
    (lambda r: r["messages"].__setitem__(1, {"role": "human", "content": "x"}), "not a chat role"),
    (lambda r: r["tools"].append({"name": "bare"}), "tools[2]"),
    (lambda r: r["messages"][2].update(tool_calls=[]), "non-empty list"),
])
def test_the_validator_catches_each_rule(breakage: Any, complaint: str) -> None:
    row = _valid()
    assert strict_problems(row) == []
    breakage(row)
    problems = strict_problems(row)
    assert any(complaint in p for p in problems), problems
