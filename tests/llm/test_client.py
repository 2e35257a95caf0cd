"""The client against the scripted endpoint over real HTTP: one test per fault kind, and the rest."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from pydantic import BaseModel
from tests.chat_server import serving
from tests.llm.clients import client, opened

from isetrace.config import EndpointConfig
from isetrace.errors import AuthenticationFailed, ConfigError, EndpointUnavailable, LLMReplyError, RequestRejected
from isetrace.llm.cache import ResponseCache
from isetrace.llm.client import EMPTY_REPLY_RETRIES, ChatClient
from isetrace.llm.model import JSON_ASKS
from isetrace.llm.usage import RoleUsage, UsageMeter

RENDER_SPEC = """Write the request.

```json
{"persona": {"id": "p1", "name": "Amara Okafor", "role": "Financial Analyst", "industry": "Banking",
  "expertise": ["variance analysis", "Excel", "reporting"], "experience_level": "mid-level",
  "communication_style": "direct and concise", "work_context": "Treasury team of a bank in Lagos."},
 "domains": [{"name": "code-runtime", "description": "Write and run code.",
   "selected_tasks": [{"name": "write-script", "description": "Write a script that computes a result."}]}],
 "complexity": "simple"}
```
"""
JSON_ASK = [{"role": "system", "content": RENDER_SPEC}, {"role": "user", "content": "Write it now."}]
SHELL_TOOL = {"type": "function", "function": {
    "name": "exec", "description": "Run a shell command.",
    "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}}
WRITE_TOOL = {"type": "function", "function": {
    "name": "write", "description": "Write a file.",
    "parameters": {"type": "object", "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
                   "required": ["path", "content"]}}}
AGENT_ASK = [{"role": "system", "content": "You are an agent with a shell."},
             {"role": "user", "content": "Count the lines of every .csv file here and write the totals to totals.txt"}]


class Rendered(BaseModel):
    """The renderer's reply shape, as a test's own model."""

    intent: str


async def test_plain_json_reply_parses(endpoint: Any) -> None:
    url, _ = endpoint
    value, reply = await client(url).chat_structured(JSON_ASK, Rendered)
    assert value.intent
    assert reply.usage.prompt_tokens > 0 and reply.attempts == 1


async def test_rate_limit_is_retried_honouring_retry_after(scripted: Any) -> None:
    # backoff_s is huge: finishing quickly proves the server's Retry-After was used instead
    async with scripted(rate_limit={"rate": 1.0, "limit": 2}, retry_after_s=0.05) as (url, server):
        chat = client(url, backoff_s=30.0)
        started = time.monotonic()
        reply = await chat.chat(AGENT_ASK, [SHELL_TOOL, WRITE_TOOL])
        assert time.monotonic() - started < 5.0
    assert reply.attempts == 3 and chat.usage.retries == 2 and server.dice.fired["rate_limit"] == 2


async def test_rate_limit_that_never_ends_gives_up_with_a_clear_error(scripted: Any) -> None:
    async with scripted(rate_limit=1.0, retry_after_s=0.0) as (url, server):
        chat = client(url, max_retries=2)
        with pytest.raises(EndpointUnavailable, match=r"failed 3 times; last: HTTP 429") as caught:
            await chat.chat(AGENT_ASK)
    assert caught.value.attempts == 3 and server.requests == 3 and chat.usage.failures == 1


async def test_server_error_is_retried(scripted: Any) -> None:
    async with scripted(server_error={"rate": 1.0, "limit": 1}) as (url, _):
        reply = await client(url).chat(AGENT_ASK)
    assert reply.attempts == 2


async def test_slow_reply_times_out_and_is_retried(scripted: Any) -> None:
    async with scripted(slow={"rate": 1.0, "limit": 1}, slow_s=3.0) as (url, _):
        chat = client(url, timeout_s=0.3)
        reply = await chat.chat(AGENT_ASK)
    assert reply.attempts == 2 and chat.usage.retries == 1


async def test_dropped_connection_is_retried(scripted: Any) -> None:
    async with scripted(disconnect={"rate": 1.0, "limit": 1}) as (url, server):
        reply = await client(url).chat(AGENT_ASK)
    assert reply.attempts == 2 and server.dice.fired["disconnect"] == 1


async def test_fenced_json_is_found(scripted: Any) -> None:
    async with scripted(fenced_json=1.0) as (url, _):
        value, reply = await client(url).chat_structured(JSON_ASK, Rendered)
    assert "```json" in reply.content and value.intent


async def test_malformed_json_is_asked_again_then_fails_with_the_raw_reply(scripted: Any,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    async with scripted(malformed_json={"rate": 1.0, "limit": 1}) as (url, server):
        value, _ = await client(url).chat_structured(JSON_ASK, Rendered)
    assert value.intent and server.requests == 2  # the second ask was answered properly
    caplog.clear()
    async with scripted(malformed_json=1.0) as (url, server):
        with pytest.raises(LLMReplyError, match=f"no usable reply in {JSON_ASKS} asks.*broken") as failed:
            await client(url).chat_structured(JSON_ASK, Rendered)
    assert server.requests == JSON_ASKS
    assert failed.value.raw.startswith('{"intent"')
    again = [r.getMessage() for r in caplog.records if "asking again" in r.getMessage()]
    assert len(again) == JSON_ASKS - 1, again  # never "asking again" after the last ask


async def test_tool_arguments_that_are_not_json_are_kept_and_flagged(scripted: Any) -> None:
    async with scripted(bad_tool_args=1.0) as (url, _):
        reply = await client(url).chat(AGENT_ASK, [SHELL_TOOL, WRITE_TOOL])
    call = reply.tool_calls[0]
    assert call.arguments is None and call.arguments_raw
    assert call.problem is not None and "not valid JSON" in call.problem


async def test_unknown_tool_name_is_flagged(scripted: Any) -> None:
    async with scripted(unknown_tool=1.0) as (url, _):
        reply = await client(url).chat(AGENT_ASK, [SHELL_TOOL, WRITE_TOOL])
    call = reply.tool_calls[0]
    assert call.problem is not None and f"unknown tool {call.name!r}" in call.problem
    assert "exec, write" in call.problem


async def test_empty_reply_is_asked_again_then_an_error(scripted: Any) -> None:
    async with scripted(empty_reply={"rate": 1.0, "limit": 1}) as (url, _):
        reply = await client(url).chat(AGENT_ASK)
    assert not reply.is_empty and reply.attempts == 2
    async with scripted(empty_reply=1.0) as (url, server):
        with pytest.raises(LLMReplyError, match="empty reply"):
            await client(url).chat(AGENT_ASK)
    assert server.requests == EMPTY_REPLY_RETRIES + 1


async def test_auth_error_fails_at_once(scripted: Any) -> None:
    async with scripted(api_key="right-key") as (url, server):
        config = EndpointConfig(provider="scripted", model="scripted", api_key_env="TEST_KEY")
        chat = opened(ChatClient("agent", config, url, usage=RoleUsage(), environ={"TEST_KEY": "wrong-key"}))
        with pytest.raises(AuthenticationFailed, match=r"HTTP 401.*api_key_env"):
            await chat.chat(AGENT_ASK)
        assert server.requests == 1
        good = opened(ChatClient("agent", config, url, usage=RoleUsage(), environ={"TEST_KEY": "right-key"}))
        assert (await good.chat(AGENT_ASK)).attempts == 1


async def test_context_length_error_fails_at_once(scripted: Any) -> None:
    async with scripted(context_tokens=10) as (url, server):
        with pytest.raises(RequestRejected, match="no longer fits"):
            await client(url).chat(AGENT_ASK)
    assert server.requests == 1


async def test_bad_request_fails_at_once(endpoint: Any) -> None:
    url, server = endpoint
    with pytest.raises(RequestRejected, match="HTTP 400"):
        await client(url, extra_body={"messages": []}).chat(AGENT_ASK)
    assert server.requests == 1


def test_a_named_but_unset_key_variable_is_a_config_error() -> None:
    config = EndpointConfig(provider="scripted", model="scripted", api_key_env="NOT_THERE")
    with pytest.raises(ConfigError, match="NOT_THERE, which is not set"):
        ChatClient("judge", config, "http://127.0.0.1:9/v1", usage=RoleUsage(), environ={})


async def test_concurrency_limit_holds(scripted: Any) -> None:
    async with scripted(latency_ms=100) as (url, server):
        chat = client(url, concurrency=2)
        await asyncio.gather(*(chat.chat([*AGENT_ASK[:1], {"role": "user", "content": f"task {i}"}])
                               for i in range(6)))
    assert server.peak_in_flight == 2 and chat.usage.calls == 6


async def test_cache_replays_without_calling_the_endpoint(endpoint: Any, tmp_path: Any) -> None:
    url, server = endpoint
    cache = ResponseCache(tmp_path / "cache.sqlite")
    config = EndpointConfig(provider="scripted", model="scripted")
    first = await opened(ChatClient("agent", config, url, usage=RoleUsage(), cache=cache, environ={})).chat(AGENT_ASK)
    usage = RoleUsage()
    again = await opened(ChatClient("agent", config, url, usage=usage, cache=cache, environ={})).chat(AGENT_ASK)
    assert server.requests == 1 and again.cached and usage.cache_hits == 1
    assert again.content == first.content and again.tool_calls == first.tool_calls
    cache.close()


async def test_thinking_switch_reaches_the_endpoint_and_reasoning_comes_back(endpoint: Any) -> None:
    url, _ = endpoint
    chat = client(url, thinking=True)
    assert chat.request_body(AGENT_ASK)["chat_template_kwargs"] == {"enable_thinking": True}
    reply = await chat.chat(AGENT_ASK, [SHELL_TOOL, WRITE_TOOL])
    assert reply.reasoning
    quiet = await client(url, thinking=False).chat(AGENT_ASK, [SHELL_TOOL, WRITE_TOOL])
    assert quiet.reasoning is None


async def test_a_request_the_policy_cannot_answer_is_a_clear_bad_request(endpoint: Any) -> None:
    url, _ = endpoint
    with pytest.raises(RequestRejected, match=r"HTTP 400.*cannot answer"):
        # the X-Ise-Role header names the role: a renderer request without its spec cannot be answered
        await client(url, extra_headers={"X-Ise-Role": "renderer"}).chat(
            [{"role": "system", "content": "Write the request.\n\nno spec here"}])


async def test_a_reply_body_that_is_not_a_json_object_reads_as_empty() -> None:
    from aiohttp import web

    async def not_an_object(request: web.Request) -> web.Response:
        return web.Response(text="[1, 2, 3]", content_type="application/json")

    async with serving(not_an_object) as url:
        with pytest.raises(LLMReplyError, match="empty reply"):
            await client(url).chat(AGENT_ASK)


async def test_cached_prompt_tokens_reach_the_reply_and_the_roles_usage(endpoint: Any) -> None:
    url, _ = endpoint
    chat = client(url)
    first = await chat.chat(AGENT_ASK, [SHELL_TOOL, WRITE_TOOL])
    assert first.usage.cached_prompt_tokens == 0  # the conversation's first request: nothing computed before it
    follow_up = [*AGENT_ASK, {"role": "assistant", "content": first.content or "Looking.", "tool_calls": []},
                 {"role": "user", "content": "Now do the same for the .tsv files."}]
    second = await chat.chat(follow_up, [SHELL_TOOL, WRITE_TOOL])
    assert 0 < second.usage.cached_prompt_tokens < second.usage.prompt_tokens
    assert chat.usage.cached_prompt_tokens == second.usage.cached_prompt_tokens
    assert chat.usage.prompt_tokens == first.usage.prompt_tokens + second.usage.prompt_tokens


async def test_the_tokens_of_an_empty_reply_asked_again_are_counted_with_the_reply(scripted: Any) -> None:
    async with scripted() as (url, _):
        clean = await client(url).chat(AGENT_ASK)
    async with scripted(empty_reply={"rate": 1.0, "limit": 1}) as (url, _):
        chat = client(url)
        reply = await chat.chat(AGENT_ASK)
    assert reply.attempts == 2 and reply.usage.prompt_tokens == 2 * clean.usage.prompt_tokens
    assert reply.usage.completion_tokens > clean.usage.completion_tokens  # the empty reply's few tokens too
    assert chat.usage.prompt_tokens == reply.usage.prompt_tokens


async def test_the_tokens_of_an_unusable_json_reply_are_counted_with_the_one_used(scripted: Any) -> None:
    async with scripted() as (url, _):
        _, clean = await client(url).chat_structured(JSON_ASK, Rendered)
    async with scripted(malformed_json={"rate": 1.0, "limit": 1}) as (url, server):
        chat = client(url)
        _, reply = await chat.chat_structured(JSON_ASK, Rendered)
    assert server.requests == 2 and reply.usage.prompt_tokens == 2 * clean.usage.prompt_tokens
    assert chat.usage.prompt_tokens == reply.usage.prompt_tokens and chat.usage.reasks == 1


def test_usage_absorbed_from_another_process_adds_the_cached_tokens_too() -> None:
    meter = UsageMeter()
    meter.role("agent").cached_prompt_tokens = 100
    meter.absorb({"agent": {"calls": 2, "prompt_tokens": 500, "cached_prompt_tokens": 300}, "user": {"calls": 1}})
    assert meter.role("agent").cached_prompt_tokens == 400 and meter.role("user").cached_prompt_tokens == 0
    assert meter.as_dict()["agent"]["cached_prompt_tokens"] == 400
