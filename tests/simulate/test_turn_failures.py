"""An episode keeps every tool call that ran, whatever ends it, and speaks the wire real servers accept.

The agent (or the simulated user) talks to the scripted endpoint through a faulty proxy (tests/proxy.py)
that behaves like a real server where it matters: a context that fills at the Nth call of a turn,
llama-cpp-python's refusal of ``content: null``, a refused API key, a small model's user that ends the
task before asking anything. The sandbox is real.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from tests.proxy import Proxy, Rule, completion, error, llama_cpp_python_validation, proxy

from isetrace.config import RunConfig
from isetrace.errors import AuthenticationFailed
from isetrace.records import Episode, Intent, Termination
from isetrace.simulate.episode import run_episode
from isetrace_scripted.server import scripted_server

CONTEXT_FULL = error(400, "This model's maximum context length is 2048 tokens. However, you requested 2301 "
                          "tokens (2301 in the messages, None in the completion).\nPlease reduce the length.")


@asynccontextmanager
async def agent_behind(make_config: Callable[..., RunConfig], *rules: Rule,
                       settings: tuple[str, ...] = ()) -> AsyncIterator[tuple[RunConfig, Proxy]]:
    """The offline config with the agent role sent through a proxy of a scripted endpoint."""
    async with scripted_server() as (upstream, _), proxy(upstream, *rules) as (front, seen):
        config = make_config("endpoints.agent.provider=openai", f"endpoints.agent.base_url={front}",
                             "endpoints.agent.model=scripted", *settings)
        yield config, seen


async def run(config: RunConfig, intent: Intent) -> Episode:
    return await run_episode([intent], config, episode_id=intent.id, environ={})


def tool_messages(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(m["tool_call_id"], m["content"]) for m in messages if m["role"] == "tool"]


async def test_a_turn_that_fails_at_its_third_call_keeps_the_calls_that_ran(make_config: Any,
                                                                           toy_intents: list[Intent]) -> None:
    async with agent_behind(make_config, lambda n, body: CONTEXT_FULL if n == 3 else None) as (config, seen):
        result = await run(config, toy_intents[0])
    assert result.termination is Termination.AGENT_ENDPOINT_FAILURE
    assert "at agent step 3" in result.termination_detail and "HTTP 400" in result.termination_detail
    assert "\n" not in result.termination_detail
    sent = tool_messages(seen.bodies[2]["messages"])  # what the third call carried: every result of the calls that ran
    assert sent, "the first two agent calls should have run tools"
    kept = [(m.tool_call_id, m.content) for m in result.messages if m.role == "tool"]
    assert kept == sent
    assert all(m.result is not None and m.result.call_id == m.tool_call_id for m in result.messages if m.role == "tool")
    calls = [c.id for m in result.messages if m.role == "assistant" for c in m.tool_calls]
    assert calls == [call_id for call_id, _ in kept]


async def test_tool_call_messages_carry_empty_content_so_llama_cpp_python_accepts_them(
        make_config: Any, toy_intents: list[Intent]) -> None:
    async with agent_behind(make_config, lambda n, body: llama_cpp_python_validation(body),
                            settings=("endpoints.agent.max_retries=0",)) as (config, seen):
        result = await run(config, toy_intents[0])
    assert result.termination is Termination.SUCCESS, result.termination_detail
    sent = [m for body in seen.bodies for m in body["messages"] if m["role"] == "assistant" and m.get("tool_calls")]
    assert sent and all(m["content"] == "" for m in sent)


async def test_tool_call_content_null_when_the_endpoint_asks_for_it(make_config: Any,
                                                                    toy_intents: list[Intent]) -> None:
    async with agent_behind(make_config, settings=("endpoints.agent.null_tool_call_content=true",)) as (config, seen):
        await run(config, toy_intents[0])
    sent = [m for body in seen.bodies for m in body["messages"] if m["role"] == "assistant" and m.get("tool_calls")]
    assert sent and all(m["content"] is None for m in sent)


async def test_tool_call_ids_and_reasoning_round_trip(make_config: Any, toy_intents: list[Intent]) -> None:
    async with agent_behind(make_config) as (config, seen):
        result = await run(config, toy_intents[0])
    returned = [r["choices"][0]["message"] for r in seen.replies]
    recorded = [m for m in result.messages if m.role == "assistant"]
    assert len(returned) == len(recorded)
    for server, ours in zip(returned, recorded, strict=True):
        assert [c["id"] for c in server.get("tool_calls") or []] == [c.id for c in ours.tool_calls]
        assert [c["function"]["arguments"] for c in server.get("tool_calls") or []] == \
            [c.arguments_raw for c in ours.tool_calls]
        assert server.get("reasoning_content") == ours.reasoning_content


async def test_a_refused_key_is_not_an_episode_outcome(make_config: Any, toy_intents: list[Intent]) -> None:
    async with agent_behind(make_config, lambda n, body: error(401, "invalid api key", "invalid_api_key")) \
            as (config, seen):
        with pytest.raises(AuthenticationFailed, match="HTTP 401"):
            await run(config, toy_intents[0])
    assert len(seen.bodies) == 1


ENDS_AT_ONCE = completion('{"completed": true, "query": "ok", "reason": "nothing to do", "is_success": false}')


@asynccontextmanager
async def user_behind(make_config: Callable[..., RunConfig], *rules: Rule) -> AsyncIterator[tuple[RunConfig, Proxy]]:
    """The offline config with the simulated user sent through a proxy of a scripted endpoint."""
    async with scripted_server() as (upstream, _), proxy(upstream, *rules) as (front, seen):
        yield make_config("endpoints.user.provider=openai", f"endpoints.user.base_url={front}",
                          "endpoints.user.model=scripted"), seen


async def test_a_user_that_ends_the_task_before_asking_anything_is_asked_again(make_config: Any,
                                                                               toy_intents: list[Intent]) -> None:
    async with user_behind(make_config, lambda n, body: ENDS_AT_ONCE if n == 1 else None) as (config, seen):
        result = await run(config, toy_intents[0])
    assert result.termination is Termination.SUCCESS, result.termination_detail
    assert result.drift_regenerations >= 1 and len(seen.bodies) > 2


async def test_a_user_that_keeps_ending_the_task_at_once_is_a_simulator_failure(make_config: Any,
                                                                                toy_intents: list[Intent]) -> None:
    async with user_behind(make_config, lambda n, body: ENDS_AT_ONCE) as (config, _):
        result = await run(config, toy_intents[0])
    # not the agent's failure: it was never asked anything
    assert result.termination is Termination.SIMULATOR_FAILURE
    assert "before its first message" in result.termination_detail and result.failed_reply is not None
    assert [m.role for m in result.messages] == ["system"]
