"""Structured replies and the wire: schema sent as response_format, fallbacks, re-asks, what is retried.

Each test runs the real client over real HTTP against the scripted endpoint, with a faulty proxy in
front where a real server's behaviour is needed (tests/proxy.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from pydantic import BaseModel
from tests.llm import clients
from tests.proxy import completion, error, llama_cpp_python_validation, proxy

from isetrace.errors import LLMReplyError, RequestRejected
from isetrace.llm.client import ChatClient
from isetrace.llm.retry import MAX_REASON_CHARS
from isetrace.llm.structured import read_reply, reply_schema, response_format
from isetrace.simulate.user import UserReply

USER_SPEC = """You are playing a real person.

```json
{"intent": "Count the lines of data.csv and write the total to total.txt.", "persona": {"id": "p1",
 "name": "Amara Okafor", "role": "Financial Analyst", "industry": "Banking"}, "sub_goals": []}
```
"""
USER_ASK = [{"role": "system", "content": USER_SPEC},
            {"role": "user", "content": "Start the conversation: send your first message to the agent."}]

def client(url: str, **settings: Any) -> ChatClient:
    return clients.client(url, "user", **settings)


class Closed(BaseModel):
    name: str
    size: int = 0


def test_the_schema_comes_from_the_reply_model_closed_and_fully_required() -> None:
    schema = reply_schema(UserReply)
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["required"] == ["completed", "query", "reason", "is_success"]
    sent = response_format("json_schema", Closed)
    assert sent == {"type": "json_schema", "json_schema": {"name": "Closed", "strict": True, "schema": {
        "type": "object", "additionalProperties": False, "required": ["name", "size"],
        "properties": {"name": {"title": "Name", "type": "string"},
                       "size": {"default": 0, "title": "Size", "type": "integer"}}}}}
    assert response_format("json_object", Closed) == {"type": "json_object", "schema": reply_schema(Closed)}
    assert response_format("none", Closed) is None


async def test_the_reply_schema_is_sent_as_response_format(endpoint: Any) -> None:
    url, _ = endpoint
    async with proxy(url) as (front, seen):
        turn, _ = await client(front).chat_structured(USER_ASK, UserReply)
    assert turn.query
    assert seen.bodies[0]["response_format"] == response_format("json_schema", UserReply)


async def test_a_reply_missing_a_required_field_is_asked_again(endpoint: Any) -> None:
    url, _ = endpoint
    missing_query = completion('{"completed": false, "reason": "starting"}')
    async with proxy(url, lambda n, body: missing_query if n == 1 else None) as (front, seen):
        chat = client(front)
        turn, _ = await chat.chat_structured(USER_ASK, UserReply)
    assert turn.query and len(seen.bodies) == 2 and chat.usage.reasks == 1


async def test_a_reply_that_never_fits_fails_with_the_reply_kept_short(endpoint: Any) -> None:
    url, _ = endpoint
    long_reply = completion('{"completed": false, "note": "' + "x" * 5000 + '"}')
    async with proxy(url, lambda n, body: long_reply) as (front, seen):
        with pytest.raises(LLMReplyError, match="missing field 'query'") as failed:
            await client(front).chat_structured(USER_ASK, UserReply)
    assert len(seen.bodies) == 3
    assert failed.value.raw.startswith('{"completed": false') and len(failed.value.raw) <= 2000


async def test_a_server_refusing_json_schema_falls_back_once_to_json_object(
        endpoint: Any, caplog: pytest.LogCaptureFixture) -> None:
    url, _ = endpoint
    async with proxy(url, lambda n, body: llama_cpp_python_validation(body)) as (front, seen):
        chat = client(front, concurrency=4)
        turns = await asyncio.gather(*(chat.chat_structured(USER_ASK, UserReply) for _ in range(4)))
        await chat.chat_structured(USER_ASK, UserReply)
    assert all(turn.query for turn, _ in turns)
    assert chat.structured_mode == "json_object" and chat.usage.structured_output == "json_object"
    assert len(chat.usage.structured_fallbacks) == 1
    assert chat.usage.structured_fallbacks[0].startswith("json_schema → json_object: HTTP 500")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "refused structured output" in r.message]
    assert len(warnings) == 1
    assert seen.bodies[-1]["response_format"] == response_format("json_object", UserReply)


async def test_a_server_refusing_any_response_format_ends_at_none(endpoint: Any) -> None:
    url, _ = endpoint

    def no_formats(n: int, body: dict[str, Any]) -> Any:
        if "response_format" in body:
            return error(400, "response_format is not supported by this server")
        return None

    async with proxy(url, no_formats) as (front, seen):
        chat = client(front)
        turn, _ = await chat.chat_structured(USER_ASK, UserReply)
    assert turn.query and chat.structured_mode == "none" and len(chat.usage.structured_fallbacks) == 2
    assert "response_format" not in seen.bodies[-1] and len(seen.bodies) == 3


async def test_structured_output_none_sends_no_response_format(endpoint: Any) -> None:
    url, _ = endpoint
    async with proxy(url) as (front, seen):
        await client(front, structured_output="none").chat_structured(USER_ASK, UserReply)
    assert "response_format" not in seen.bodies[0]


async def test_a_500_that_is_a_request_validation_error_fails_at_once_in_one_line(
        endpoint: Any, caplog: pytest.LogCaptureFixture) -> None:
    url, _ = endpoint
    caplog.set_level(logging.DEBUG, logger="isetrace.llm.client")
    asked = [*USER_ASK, {"role": "assistant", "content": None, "tool_calls": []},
             {"role": "user", "content": "go on"}]
    long_body = error(500, "[{'type': 'string_type', 'loc': ('body', 'messages', 2, 'content'), "
                           "'msg': 'Input should be a valid string'}]\n" + "detail line\n" * 200,
                      "internal_server_error")
    async with proxy(url, lambda n, body: long_body) as (front, seen):
        with pytest.raises(RequestRejected, match="HTTP 500") as failed:
            await client(front).chat(asked)
    assert len(seen.bodies) == 1  # not retried: the same request fails the same way every time
    assert "\n" not in str(failed.value) and len(failed.value.reason) <= MAX_REASON_CHARS + 100
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(m.count("detail line") == 200 for m in debug)  # the whole body, at debug level only


@pytest.mark.parametrize("status", [408, 409, 429, 502, 503])
async def test_overload_and_conflict_statuses_are_retried(endpoint: Any, status: int) -> None:
    url, _ = endpoint
    async with proxy(url, lambda n, body: error(status, "busy\nplease retry", "server_error") if n == 1 else None) \
            as (front, seen):
        reply = await client(front).chat(USER_ASK)
    assert reply.attempts == 2 and len(seen.bodies) == 2


@pytest.mark.parametrize("status", [400, 404, 413, 422])
async def test_other_4xx_fail_at_once(endpoint: Any, status: int) -> None:
    url, _ = endpoint
    async with proxy(url, lambda n, body: error(status, "no")) as (front, seen):
        with pytest.raises(RequestRejected, match=f"HTTP {status}"):
            await client(front).chat(USER_ASK)
    assert len(seen.bodies) == 1


async def test_retry_logs_are_one_line_each(endpoint: Any, caplog: pytest.LogCaptureFixture) -> None:
    url, _ = endpoint
    multi_line = error(503, "overloaded\n" + "stack frame\n" * 50, "server_error")
    async with proxy(url, lambda n, body: multi_line if n <= 2 else None) as (front, _):
        await client(front).chat(USER_ASK)
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) == 2 and all("\n" not in m and len(m) < MAX_REASON_CHARS + 200 for m in retries)


@pytest.mark.parametrize(("text", "problem"), [
    ('{"completed": false, "query": "  "}', "'query' is empty while the task is not completed"),
    ('{"completed": "maybe"}', "'completed': Input should be a valid boolean"),
    ('{"completed": false}', "missing field 'query'"),
    ('{"completed": false, "query": {"inner": 1}', "broken"),
])
def test_a_reply_that_does_not_fit_says_why_in_one_line(text: str, problem: str) -> None:
    value, error = read_reply(text, UserReply)
    assert value is None and error is not None and problem in error and "\n" not in error
