"""ShareGPT in LLaMA-Factory's convention: alternation, parallel calls, observations, reasoning, what cannot fit."""

from __future__ import annotations

import json

import pytest
from tests.export.episodes import SYSTEM, TOOLS, call, calls, episode, plain_episode, result, say, system, user

from isetrace.export import Unrepresentable, sharegpt_problems, to_sharegpt
from isetrace.export.sharegpt import OBSERVATION_SEPARATOR
from isetrace.records import Termination


def tags(row: dict[str, object]) -> list[str]:
    return [turn["from"] for turn in row["conversations"]]  # type: ignore[attr-defined]


def test_rows_alternate_and_carry_the_system_prompt_and_tools() -> None:
    row = to_sharegpt(episode())
    assert sharegpt_problems(row) == []
    assert set(row) == {"conversations", "system", "tools"}
    assert row["system"] == SYSTEM and row["conversations"][0] == {"from": "system", "value": SYSTEM}
    assert json.loads(row["tools"]) == TOOLS
    assert tags(row) == ["system", "human", "function_call", "observation", "function_call", "observation", "gpt",
                         "human", "function_call", "observation", "gpt"]
    body = tags(row)[1:]
    assert all(t in ("human", "observation") for t in body[0::2])
    assert all(t in ("gpt", "function_call") for t in body[1::2])


def test_parallel_calls_are_one_function_call_turn_with_a_list_and_one_observation() -> None:
    turns = to_sharegpt(episode(), include_reasoning=False)["conversations"]
    parallel = json.loads(turns[2]["value"])
    assert parallel == [
        {"name": "write", "arguments": {"path": "deliveries.csv", "content": "depot,late\nPorto,9\n"}},
        {"name": "exec", "arguments": "{'command': wc -l deliveries.csv"},  # unparsed arguments stay raw
    ]
    assert turns[3]["value"] == OBSERVATION_SEPARATOR.join(
        ["Created deliveries.csv (22 bytes).", "error: the arguments are not valid JSON"])
    single = json.loads(turns[4]["value"])
    assert single == {"name": "exec", "arguments": {"command": "wc -l deliveries.csv"}}  # one call: an object
    assert turns[5]["value"] == "exit code: 0\n2 deliveries.csv"


def test_reasoning_is_a_think_block_in_front_of_the_value() -> None:
    turns = to_sharegpt(episode())["conversations"]
    call_turn, answer = turns[2]["value"], turns[6]["value"]
    assert call_turn.startswith("<think>\nI will save the file and count its lines.\n</think>\n\n")
    assert json.loads(call_turn.split("</think>", 1)[1])[0]["name"] == "write"
    assert answer == ("<think>\nBoth steps worked.\n</think>\n\n"
                      "Saved deliveries.csv; it has 2 lines (a header and one depot).")
    plain = to_sharegpt(episode(), include_reasoning=False)["conversations"]
    assert not any("<think>" in t["value"] for t in plain)


def test_an_episode_that_stops_after_a_tool_result_ends_on_the_call() -> None:
    stopped = episode([system(), user("go"), calls(call("k", "exec", {"command": "ls"})), result("k", "exec", "a")],
                      termination=Termination.STEP_LIMIT)
    row = to_sharegpt(stopped)
    assert tags(row) == ["system", "human", "function_call"] and sharegpt_problems(row) == []


def test_consecutive_user_messages_are_joined() -> None:
    row = to_sharegpt(episode([system(), user("first"), user("second"), say("ok")]))
    assert row["conversations"][1] == {"from": "human", "value": "first\n\nsecond"}


def test_a_user_message_right_after_tool_results_cannot_alternate() -> None:
    cut_off = episode([system(), user("go"), calls(call("k", "exec", {"command": "ls"})), result("k", "exec", "a"),
                       user("you stopped; go on"), say("done")])
    with pytest.raises(Unrepresentable, match="cut off"):
        to_sharegpt(cut_off)


def test_an_episode_without_an_agent_turn_is_unrepresentable() -> None:
    with pytest.raises(Unrepresentable, match="no agent turn"):
        to_sharegpt(episode([system(), user("hello")], termination=Termination.AGENT_ENDPOINT_FAILURE))


def test_no_system_prompt_means_no_system_turn() -> None:
    row = to_sharegpt(episode([user("hi"), say("hello")], tools=[]))
    assert row["system"] == "" and tags(row) == ["human", "gpt"] and row["tools"] == "[]"
    assert sharegpt_problems(row) == []


def test_the_checker_catches_broken_rows() -> None:
    row = to_sharegpt(plain_episode())
    row["conversations"].append({"from": "human", "value": "dangling"})
    assert any("end on a gpt" in p for p in sharegpt_problems(row))
    row["conversations"][-1] = {"from": "gpt", "value": "two answers in a row"}
    assert any("turn 4 is 'gpt'" in p for p in sharegpt_problems(row))
    assert sharegpt_problems({"conversations": []}) == ["a row must be exactly {conversations, system, tools}"]
