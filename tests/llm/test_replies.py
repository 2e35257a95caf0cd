"""Reading replies: JSON in every wrapping, reasoning under every name, the thinking switch per family."""

from __future__ import annotations

import pytest

from isetrace.llm.jsonparse import parse_json_object, split_think
from isetrace.llm.replies import reply_from_completion
from isetrace.llm.thinking import request_fields
from isetrace.records import TokenUsage


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


def _usage(usage: object) -> TokenUsage:
    return reply_from_completion({**_completion({"content": "hi"}), "usage": usage}, None).usage


def test_cached_prompt_tokens_are_read_where_openai_compatible_servers_and_deepseek_put_them() -> None:
    openai_shape = {"prompt_tokens": 1200, "completion_tokens": 30, "total_tokens": 1230,
                    "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0}}
    assert _usage(openai_shape) == TokenUsage(prompt_tokens=1200, completion_tokens=30, cached_prompt_tokens=1024)
    deepseek = {"prompt_tokens": 900, "completion_tokens": 10, "prompt_cache_hit_tokens": 640,
                "prompt_cache_miss_tokens": 260}
    assert _usage(deepseek).cached_prompt_tokens == 640
    assert _usage({"prompt_tokens": 900, "completion_tokens": 10}).cached_prompt_tokens == 0  # vLLM's default


@pytest.mark.parametrize(("details", "cached"), [
    (None, 0),                                  # vLLM without --enable-prompt-tokens-details sends null
    ({}, 0),
    ({"cached_tokens": None}, 0),
    ({"cached_tokens": "400"}, 400),            # a number in a string is still the number
    ({"cached_tokens": 400.0}, 400),
    ({"cached_tokens": "lots"}, 0),
    ({"cached_tokens": "²"}, 0),                # a digit to str.isdigit(), not to int()
    ({"cached_tokens": "9" * 5000}, 0),         # more digits than int() reads
    ({"cached_tokens": -50}, 0),
    ({"cached_tokens": 12.5}, 0),
    ({"cached_tokens": float("nan")}, 0),       # Python's json reads NaN and Infinity
    ({"cached_tokens": float("inf")}, 0),
    ({"cached_tokens": True}, 0),
    ({"cached_tokens": [400]}, 0),
    ({"cached_tokens": 1001}, 0),               # more than the prompt: not believed, not clamped
    ({"cached_tokens": 1000}, 1000),
    ("cached_tokens: 400", 0),
    ([400], 0),
])
def test_an_untrusted_cached_count_is_read_or_ignored_never_an_error(details: object, cached: int) -> None:
    usage = _usage({"prompt_tokens": 1000, "completion_tokens": 20, "prompt_tokens_details": details})
    assert usage == TokenUsage(prompt_tokens=1000, completion_tokens=20, cached_prompt_tokens=cached)


@pytest.mark.parametrize("usage", [None, "lots", [1, 2], 42, {"prompt_tokens": "many", "completion_tokens": -3},
                                   {"prompt_tokens": None, "completion_tokens": {"n": 2}}])
def test_usage_that_no_server_could_mean_counts_zero(usage: object) -> None:
    assert _usage(usage) == TokenUsage()


def test_a_cached_count_is_never_above_a_prompt_count_that_was_not_believed() -> None:
    usage = _usage({"prompt_tokens": -1, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 3}})
    assert usage == TokenUsage(completion_tokens=5)


def test_an_old_usage_record_without_the_cached_count_loads_with_zero() -> None:
    usage = TokenUsage.model_validate_json('{"prompt_tokens": 10, "completion_tokens": 2}')
    assert usage.cached_prompt_tokens == 0 and usage.total_tokens == 12


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
