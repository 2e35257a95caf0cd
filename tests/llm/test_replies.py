"""Reading replies: JSON in every wrapping, reasoning under every name, the thinking switch per family."""

from __future__ import annotations

import pytest

from isetrace.llm.jsonparse import parse_json_object, split_think
from isetrace.llm.replies import reply_from_completion
from isetrace.llm.thinking import request_fields


@pytest.mark.parametrize("text", [
    '{"a": 1}',
    'Sure!\n```json\n{"a": 1}\n```\nDone.',
    '```\n{"a": 1}\n```',
    'The answer is {"a": 1} as requested.',
    '<think>hmm {"b": 2} no</think>\n{"a": 1}',
])
def test_json_object_is_found(text: str) -> None:
    assert parse_json_object(text).data == {"a": 1}


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("no json here", "no JSON object"),
    ('{"a": 1', "the JSON object in the reply is broken"),
    ("[1, 2]", "got a JSON list"),
])
def test_unparseable_reply_says_why_and_keeps_raw(text: str, reason: str) -> None:
    parsed = parse_json_object(text)
    assert parsed.data is None and parsed.error is not None and reason in parsed.error and parsed.raw == text


@pytest.mark.parametrize("text", [
    '{"reply": {"query": "do it", "completed": false}, "reason": "cut sho',
    'Here you go: {"outer": 1, "inner": {"query": "x"}',
    '```json\n{"a": {"query": "x"}, "b": \n```',
])
def test_a_broken_reply_never_yields_one_of_its_inner_objects(text: str) -> None:
    parsed = parse_json_object(text)
    assert parsed.data is None and parsed.error is not None and "broken" in parsed.error


def test_inline_think_block_is_split() -> None:
    assert split_think("<think>plan</think>answer") == ("plan", "answer")
    assert split_think("answer") == (None, "answer")


def _completion(message: dict[str, object]) -> dict[str, object]:
    return {"model": "m", "choices": [{"message": message, "finish_reason": "stop"}]}


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
def test_reasoning_is_kept_under_either_name(key: str) -> None:
    reply = reply_from_completion(_completion({"content": "hi", key: "because"}), None)
    assert reply.reasoning == "because" and reply.content == "hi"


def test_inline_reasoning_is_moved_out_of_content() -> None:
    reply = reply_from_completion(_completion({"content": "<think>because</think>hi"}), None)
    assert reply.reasoning == "because" and reply.content == "hi"


def test_bad_tool_arguments_say_where_once() -> None:
    reply = reply_from_completion(_completion({"content": "", "tool_calls": [
        {"id": "c1", "function": {"name": "exec", "arguments": '{"command": "ls'}}]}), None)
    problem = reply.tool_calls[0].problem
    assert problem is not None and "at at" not in problem and "line 1 column 13" in problem


@pytest.mark.parametrize("arguments", ['{"path": "a.txt", "content": "x\\ud800y"}',
                                       '{"files": [{"name": "\\udfff"}]}', '{"\\ud83d": 1}'])
def test_arguments_holding_a_lone_surrogate_are_not_text_and_say_so(arguments: str) -> None:
    # valid JSON, yet no UTF-8 can hold it: run, it would end the episode; exported, it would break the file
    reply = reply_from_completion(_completion({"content": "", "tool_calls": [
        {"id": "c1", "function": {"name": "write", "arguments": arguments}}]}), None)
    call = reply.tool_calls[0]
    assert call.arguments is None and call.arguments_raw == arguments
    assert call.problem is not None and "lone surrogate" in call.problem


def test_missing_usage_counts_zero() -> None:
    assert reply_from_completion(_completion({"content": "hi"}), None).usage.total_tokens == 0


@pytest.mark.parametrize(("model", "thinking", "expected"), [
    ("Qwen/Qwen3-32B", True, {"chat_template_kwargs": {"enable_thinking": True}}),
    ("zai-org/GLM-4.5-Air", False, {"chat_template_kwargs": {"enable_thinking": False}}),
    ("deepseek-ai/DeepSeek-V3.1", True, {"chat_template_kwargs": {"thinking": True}}),
    ("o3-mini", True, {"reasoning_effort": "medium"}),
    ("Qwen/Qwen3-32B", None, {}),
])
def test_thinking_switch_per_family(model: str, thinking: bool | None, expected: dict[str, object]) -> None:
    assert request_fields(model, "auto", thinking) == expected


def test_thinking_style_override_wins() -> None:
    assert request_fields("my-model", "none", True) == {}
    assert request_fields("Qwen/Qwen3-8B", "thinking", False) == {"chat_template_kwargs": {"thinking": False}}
