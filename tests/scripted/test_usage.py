"""The scripted endpoint's usage: a rough token count, and cached prompt tokens as a server with prefix
caching would report them, so cost and cache figures have something to show offline."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
from tests.scripted.bodies import agent_body, user_body

from isetrace_scripted.server import CACHE_BLOCK


async def _usage(url: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The reply's message and usage for ``body``."""
    async with aiohttp.ClientSession() as session, session.post(f"{url}/chat/completions", json=body) as response:
        assert response.status == 200, await response.text()
        completion = await response.json()
    return completion["choices"][0]["message"], completion["usage"]


async def test_a_conversations_first_request_has_nothing_cached(endpoint: Any) -> None:
    url, _ = endpoint
    for body in (agent_body(), user_body()):
        _, usage = await _usage(url, body)
        assert usage["prompt_tokens"] > 0 and usage["prompt_tokens_details"] == {"cached_tokens": 0}


async def test_what_the_previous_request_sent_and_got_back_is_cached_in_whole_blocks(endpoint: Any) -> None:
    url, _ = endpoint
    first = agent_body()
    reply, before = await _usage(url, first)
    call = reply["tool_calls"][0]
    follow_up = {**first, "messages": [*first["messages"], reply,
                                       {"role": "tool", "tool_call_id": call["id"], "content": "done"}]}
    _, after = await _usage(url, follow_up)
    cached = after["prompt_tokens_details"]["cached_tokens"]
    assert cached % CACHE_BLOCK == 0 and before["prompt_tokens"] // CACHE_BLOCK * CACHE_BLOCK <= cached
    assert cached < after["prompt_tokens"]  # the tool result is new
    assert (await _usage(url, follow_up))[1] == after  # the same request, the same count


async def test_the_simulated_users_conversation_is_cached_the_same_way(endpoint: Any) -> None:
    url, _ = endpoint
    first = user_body()
    reply, _ = await _usage(url, first)
    follow_up = {**first, "messages": [*first["messages"], {"role": "assistant", "content": reply["content"]},
                                       {"role": "user", "content": "Done: totals.md has the three sums."}]}
    _, usage = await _usage(url, follow_up)
    assert 0 < usage["prompt_tokens_details"]["cached_tokens"] < usage["prompt_tokens"]


async def test_a_stream_reports_the_same_cached_tokens_in_its_usage_chunk(endpoint: Any) -> None:
    url, _ = endpoint
    first = agent_body()
    reply, _ = await _usage(url, first)
    follow_up = {**first, "messages": [*first["messages"], reply,
                                       {"role": "tool", "tool_call_id": reply["tool_calls"][0]["id"], "content": "ok"}]}
    _, whole = await _usage(url, follow_up)
    body = {**follow_up, "stream": True, "stream_options": {"include_usage": True}}
    async with aiohttp.ClientSession() as session, session.post(f"{url}/chat/completions", json=body) as response:
        text = (await response.read()).decode()
    events = [event.removeprefix("data: ") for event in text.split("\n\n") if event.startswith("data: {")]
    assert orjson.loads(events[-1])["usage"] == whole
