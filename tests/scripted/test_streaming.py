"""Streamed replies (``stream: true``), read the way agent runtimes read them.

Through the official ``openai`` SDK's async stream, put back together, a streamed reply must be exactly
the reply the same request gets without streaming: content, reasoning, tool calls with their ids, the
finish reason, the usage, and the faults that spoil them. The SSE framing itself is checked on the raw
bytes, read with aiohttp. Every test talks to a real scripted endpoint over real HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import openai
import orjson
import pytest
from tests.scripted.bodies import agent_body, renderer_body, user_body

from isetrace_scripted.server import ROLE_HEADER
from isetrace_scripted.sse import MAX_PIECES, pieces

SDK_KEYS = ("model", "messages", "tools")
PROSE_BODY = {"model": "scripted", "messages": [{"role": "user", "content": "What can you do for me today?"}]}


@dataclass
class Reply:
    """One assistant reply, however it arrived; only the first five fields take part in comparisons."""

    id: str
    content: str | None
    reasoning: str | None
    tool_calls: list[tuple[str, str, str]]
    finish_reason: str | None
    usage: dict[str, int] | None = field(default=None, compare=False)
    chunks: list[Any] = field(default_factory=list, compare=False)


def _arguments(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` as SDK arguments: what the SDK names goes by name, the rest through ``extra_body``."""
    rest = {key: value for key, value in body.items() if key not in SDK_KEYS}
    return {**{key: body[key] for key in SDK_KEYS if key in body}, "extra_body": rest or None}


@asynccontextmanager
async def _client(url: str, **settings: Any) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=url, api_key="scripted", max_retries=0, **settings) as client:
        yield client


async def _whole(client: openai.AsyncOpenAI, body: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
    completion = await client.chat.completions.create(**_arguments(body), extra_headers=headers)
    choice = completion.choices[0]
    message = choice.message
    calls = [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []
             if isinstance(c, openai.types.chat.ChatCompletionMessageFunctionToolCall)]
    usage = completion.usage.model_dump(include={"prompt_tokens", "completion_tokens", "total_tokens"}) \
        if completion.usage else None
    return Reply(completion.id, message.content, (message.model_extra or {}).get("reasoning_content"), calls,
                 choice.finish_reason, usage)


async def _streamed(client: openai.AsyncOpenAI, body: dict[str, Any], headers: dict[str, str] | None = None,
                    *, include_usage: bool = False) -> Reply:
    """Read a streamed reply through the SDK and put it back together as a client does."""
    stream = await client.chat.completions.create(
        **_arguments(body), stream=True, extra_headers=headers,
        stream_options={"include_usage": True} if include_usage else openai.omit)
    ids: set[str] = set()
    content: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, list[str]] = {}
    finish_reason = None
    usage = None
    chunks = []
    async for chunk in stream:
        chunks.append(chunk)
        ids.add(chunk.id)
        if chunk.usage is not None:
            usage = chunk.usage.model_dump(include={"prompt_tokens", "completion_tokens", "total_tokens"})
        for choice in chunk.choices:
            delta = choice.delta
            if delta.content is not None:
                content.append(delta.content)
            if (piece := (delta.model_extra or {}).get("reasoning_content")) is not None:
                reasoning.append(piece)
            for call in delta.tool_calls or []:
                if call.id is not None:
                    assert call.index not in calls and call.function and call.function.name
                    calls[call.index] = [call.id, call.function.name, ""]
                if call.function and call.function.arguments:
                    calls[call.index][2] += call.function.arguments
            finish_reason = choice.finish_reason or finish_reason
    assert len(ids) == 1, "every chunk of a reply carries its id"
    return Reply(ids.pop(), "".join(content) if content else None, "".join(reasoning) if reasoning else None,
                 [(i, name, arguments) for i, name, arguments in (calls[k] for k in sorted(calls))],
                 finish_reason, usage, chunks)


def _deltas(reply: Reply) -> list[Any]:
    return [choice.delta for chunk in reply.chunks for choice in chunk.choices]


CASES: dict[str, tuple[Callable[[], dict[str, Any]], dict[str, str] | None]] = {
    "agent tool calls with reasoning": (lambda: agent_body(thinking=True), None),
    "agent tool calls": (agent_body, None),
    "agent prose": (lambda: PROSE_BODY, None),
    "simulated user JSON": (user_body, None),
    "renderer JSON": (renderer_body, None),
    "role named by header": (user_body, {ROLE_HEADER: "agent"}),
}


@pytest.mark.parametrize("case", CASES)
async def test_a_streamed_reply_put_back_together_is_the_whole_reply(endpoint: Any, case: str) -> None:
    url, _ = endpoint
    make, headers = CASES[case]
    async with _client(url) as client:
        whole = await _whole(client, make(), headers)
        streamed = await _streamed(client, make(), headers)
    assert streamed == whole
    assert whole.content or whole.tool_calls
    deltas = _deltas(streamed)
    assert deltas[0].role == "assistant" and all(delta.role is None for delta in deltas[1:])
    last = streamed.chunks[-1].choices[0]
    assert last.finish_reason == whole.finish_reason and last.delta.model_dump(exclude_none=True) == {}
    assert all(chunk.choices[0].finish_reason is None for chunk in streamed.chunks[:-1])
    if whole.content and len(whole.content.split()) > 1:
        assert sum(delta.content is not None and delta.content != "" for delta in deltas) > 1, "content in pieces"


async def test_reasoning_comes_before_content_and_tool_calls_in_pieces(endpoint: Any) -> None:
    url, _ = endpoint
    async with _client(url) as client:
        streamed = await _streamed(client, agent_body(thinking=True))
    assert streamed.reasoning and streamed.tool_calls and streamed.finish_reason == "tool_calls"
    kinds = ["reasoning" if (d.model_extra or {}).get("reasoning_content") else "calls" if d.tool_calls else "other"
             for d in _deltas(streamed)]
    assert kinds.index("calls") > max(i for i, kind in enumerate(kinds) if kind == "reasoning")
    for index, (call_id, name, arguments) in enumerate(streamed.tool_calls):
        items = [item for d in _deltas(streamed) for item in d.tool_calls or [] if item.index == index]
        assert (items[0].id, items[0].type, items[0].function and items[0].function.name) == (call_id, "function", name)
        assert all(item.id is None and item.function and item.function.name is None for item in items[1:])
        assert len(items) - 1 == len(pieces(arguments))
    assert any(len(pieces(arguments)) > 1 for _, _, arguments in streamed.tool_calls)


def test_pieces_are_few_and_join_back_exactly() -> None:
    for text in ["", " ", "one", "  two  words ", "a\nb\tc " * 100, '{"command": "ls -la"}']:
        cut = pieces(text)
        assert "".join(cut) == text and len(cut) <= MAX_PIECES
        assert all(cut)


@pytest.mark.parametrize("include_usage", [True, False])
async def test_usage_comes_in_a_last_chunk_without_choices_when_asked(endpoint: Any, include_usage: bool) -> None:
    url, _ = endpoint
    async with _client(url) as client:
        whole = await _whole(client, agent_body())
        streamed = await _streamed(client, agent_body(), include_usage=include_usage)
    assert streamed == whole
    if include_usage:
        *rest, last = streamed.chunks
        assert last.choices == [] and streamed.usage == whole.usage
        assert all(chunk.usage is None and chunk.choices for chunk in rest)
    else:
        assert streamed.usage is None and all(chunk.choices for chunk in streamed.chunks)


async def _raw(url: str, body: dict[str, Any], headers: dict[str, str] | None = None
               ) -> tuple[aiohttp.ClientResponse, list[tuple[float, bytes]]]:
    """POST ``body`` and read the answer's bytes as they come, each with the time it arrived."""
    received: list[tuple[float, bytes]] = []
    async with aiohttp.ClientSession() as session, \
            session.post(f"{url}/chat/completions", json=body, headers=headers) as response:
        async for data in response.content.iter_any():
            received.append((time.monotonic(), data))
    return response, received


async def test_the_events_are_framed_as_server_sent_events(endpoint: Any) -> None:
    url, _ = endpoint
    response, received = await _raw(url, {**agent_body(thinking=True), "stream": True,
                                          "stream_options": {"include_usage": True}})
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/event-stream")
    text = b"".join(data for _, data in received).decode()
    assert text.endswith("\n\ndata: [DONE]\n\n")
    events = text.split("\n\n")
    assert events.pop() == "" and events.pop() == "data: [DONE]"
    assert all(event.startswith("data: ") and "\n" not in event for event in events)
    chunks = [orjson.loads(event.removeprefix("data: ")) for event in events]
    assert {chunk["id"] for chunk in chunks} == {chunks[0]["id"]} and chunks[0]["id"].startswith("chatcmpl-")
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    assert {chunk["system_fingerprint"] for chunk in chunks} == {"isetrace-scripted"}
    assert chunks[0]["choices"] == [{"index": 0, "delta": {"role": "assistant", "content": None},
                                     "logprobs": None, "finish_reason": None}]
    assert chunks[-2]["choices"][0]["delta"] == {} and chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0


async def test_stream_false_is_the_unchanged_json_reply(endpoint: Any) -> None:
    url, _ = endpoint
    response, received = await _raw(url, {**PROSE_BODY, "stream": False})
    assert response.headers["Content-Type"].startswith("application/json")
    assert orjson.loads(b"".join(data for _, data in received))["object"] == "chat.completion"


@pytest.mark.parametrize(("fault", "error", "status"), [
    ("rate_limit", openai.RateLimitError, 429),
    ("server_error", openai.InternalServerError, 500),
])
async def test_an_http_error_fault_comes_before_the_stream(
        scripted: Any, fault: str, error: type[openai.APIStatusError], status: int) -> None:
    async with scripted(**{fault: {"rate": 1.0, "limit": 1}}, retry_after_s=2) as (url, server), \
            _client(url) as client:
        with pytest.raises(error) as raised:
            await client.chat.completions.create(**_arguments(agent_body()), stream=True)
        assert raised.value.status_code == status and server.dice.fired[fault] == 1
        if status == 429:
            assert raised.value.response.headers["Retry-After"] == "2"
        assert (await _streamed(client, agent_body())) == await _whole(client, agent_body())


async def test_refusals_come_before_the_stream(scripted: Any) -> None:
    async with scripted(api_key="right", context_tokens=100) as (url, _):
        async with _client(url, default_headers={"Authorization": "Bearer wrong"}) as client:
            with pytest.raises(openai.AuthenticationError):
                await client.chat.completions.create(**_arguments(PROSE_BODY), stream=True)
        async with _client(url, default_headers={"Authorization": "Bearer right"}) as client:
            with pytest.raises(openai.BadRequestError, match="maximum context length"):
                await client.chat.completions.create(**_arguments(agent_body()), stream=True)
            with pytest.raises(openai.BadRequestError, match=ROLE_HEADER):
                await client.chat.completions.create(**_arguments(PROSE_BODY), stream=True,
                                                     extra_headers={ROLE_HEADER: "critic"})
            assert (await _streamed(client, PROSE_BODY)).content


async def test_a_dropped_connection_or_a_slow_reply_fails_before_the_stream(scripted: Any) -> None:
    async with scripted(disconnect={"rate": 1.0, "limit": 1}, slow={"rate": 1.0, "limit": 1}, slow_s=2.0) as (url, _):
        async with _client(url) as client:
            with pytest.raises(openai.APIConnectionError):
                await client.chat.completions.create(**_arguments(PROSE_BODY), stream=True)
        async with _client(url, timeout=0.3) as client:
            with pytest.raises(openai.APITimeoutError):
                await client.chat.completions.create(**_arguments(PROSE_BODY), stream=True)


async def test_a_cut_stream_breaks_off_mid_way_without_done(scripted: Any) -> None:
    async with scripted(stream_cut={"rate": 1.0, "limit": 2}) as (url, server):
        async with _client(url) as client:
            whole = await _whole(client, PROSE_BODY)
            assert server.dice.fired == {}, "a request that does not stream is never cut"
            stream = await client.chat.completions.create(**_arguments(PROSE_BODY), stream=True)
            received = []
            with pytest.raises(openai.APIConnectionError):
                async for chunk in stream:
                    received.append(chunk)
            assert received and received[-1].choices[0].finish_reason is None
            assert "".join(c.choices[0].delta.content or "" for c in received) != whole.content
        with pytest.raises(aiohttp.ClientPayloadError):
            await _raw(url, {**PROSE_BODY, "stream": True})
        assert server.dice.fired["stream_cut"] == 2
        async with _client(url) as client:
            assert (await _streamed(client, PROSE_BODY)) == whole


@pytest.mark.parametrize(("faults", "make"), [
    ({"bad_tool_args": 1.0, "unknown_tool": 1.0}, agent_body),
    ({"malformed_json": 1.0}, user_body),
    ({"fenced_json": 1.0}, renderer_body),
    ({"role_drift": 1.0}, user_body),
    ({"report_drift": 1.0}, user_body),
    ({"empty_reply": 1.0}, agent_body),
])
async def test_content_faults_spoil_a_stream_as_they_spoil_a_whole_reply(
        scripted: Any, faults: dict[str, float], make: Callable[[], dict[str, Any]]) -> None:
    async with scripted(**faults) as (url, server), _client(url) as client:
        whole = await _whole(client, make())
        streamed = await _streamed(client, make())
    assert streamed == whole
    assert all(server.dice.fired[kind] == 2 for kind in faults)


async def test_latency_spreads_the_events_over_the_reply_time(scripted: Any) -> None:
    async with scripted(latency_ms=400) as (url, _):
        sent = time.monotonic()
        _, received = await _raw(url, {**PROSE_BODY, "stream": True})
    first, last = received[0][0] - sent, received[-1][0] - sent
    assert last >= 0.39 and first < last / 2 and len(received) > 2


async def test_a_client_that_hangs_up_mid_stream_is_let_go_quietly(scripted: Any,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    async with scripted(latency_ms=300) as (url, server):
        async with aiohttp.ClientSession() as session, \
                session.post(f"{url}/chat/completions", json={**PROSE_BODY, "stream": True}) as response:
            assert (await response.content.readline()).startswith(b"data: ")
        while server.in_flight:
            await asyncio.sleep(0.05)
        async with _client(url) as client:
            assert (await _streamed(client, PROSE_BODY)).content
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []
