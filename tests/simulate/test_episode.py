"""Whole episodes with the scripted endpoint over real HTTP and a real sandbox; nothing of ours mocked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from isetrace.config import RunConfig
from isetrace.drift import detect_drift, make_drift_detector
from isetrace.errors import SandboxUnavailable
from isetrace.records import Episode, Intent, Termination
from isetrace.sandbox import SandboxHome, open_sandbox
from isetrace.simulate.episode import run_episode
from isetrace.simulate.user import asks_for_verification
from isetrace.tools.dialects import get_dialect


async def episode(config: RunConfig, intents: list[Intent], *, stop: asyncio.Event | None = None,
                  open_box: Callable[[], Any] | None = None) -> Episode:
    """One episode as a caller without endpoints or sandbox to share runs it: ``run_episode`` opens both."""
    return await run_episode(intents, config, episode_id="+".join(i.id for i in intents), stop=stop,
                             open_sandbox=open_box, environ={})


def _home(config: RunConfig) -> Any:
    from pathlib import Path

    assert config.sandbox.home is not None
    return Path(config.sandbox.home)


def user_turns(result: Episode) -> list[str]:
    return [m.content or "" for m in result.messages if m.role == "user"]


@pytest.mark.parametrize("dialect", ["openclaw", "claude-code"])
async def test_a_multi_turn_episode_succeeds_with_real_tool_calls(make_config: Any, toy_intents: list[Intent],
                                                                   dialect: str) -> None:
    config = make_config(f"tools.dialect={dialect}")
    result = await episode(config, [toy_intents[0]])
    assert result.termination is Termination.SUCCESS, result.termination_detail
    assert result.verification is not None and result.verification.passed
    turns = user_turns(result)
    assert len(turns) >= 3 and any(asks_for_verification(t) for t in turns)
    assert result.tool_call_count >= 3 and result.provenance == "scripted"
    assert result.tools == get_dialect(dialect).schemas()  # exactly what the model was offered
    system = result.messages[0]
    assert system.role == "system" and "2026-01-15" in (system.content or "")
    for message in result.messages:
        if message.role == "tool":
            assert message.result is not None and message.tool_call_id
        if message.role == "assistant":
            assert message.meta is not None and message.meta.producer == "agent" and message.meta.latency_s >= 0
    assert any(m.reasoning_content for m in result.messages if m.role == "assistant")  # thinking is on offline
    assert not any(detect_drift(t).drifted for t in turns)


async def test_failed_commands_are_seen_and_recovered(make_config: Any, toy_intents: list[Intent]) -> None:
    recovered = 0
    for intent in toy_intents:
        result = await episode(make_config(), [intent])
        results = [m.result for m in result.messages if m.role == "tool" and m.result is not None]
        for index, failed in enumerate(results):
            if not failed.ok and any(later.ok and later.tool == failed.tool for later in results[index + 1:]):
                recovered += 1
    assert recovered >= 1


async def test_the_user_turn_fuse(make_config: Any, toy_intents: list[Intent]) -> None:
    result = await episode(make_config("simulate.max_user_turns=2"), [toy_intents[0]])
    assert result.termination is Termination.USER_TURN_LIMIT and len(user_turns(result)) == 2


async def test_the_step_limit(make_config: Any, toy_intents: list[Intent]) -> None:
    result = await episode(make_config("simulate.max_agent_steps=2"), [toy_intents[0]])
    assert result.termination is Termination.STEP_LIMIT and "2 steps" in result.termination_detail
    assert sum(1 for m in result.messages if m.role == "assistant") == 2


async def test_the_token_budget(make_config: Any, toy_intents: list[Intent]) -> None:
    result = await episode(make_config("simulate.max_episode_tokens=3000"), [toy_intents[0]])
    assert result.termination is Termination.BUDGET and "budget 3000" in result.termination_detail


async def test_agent_endpoint_failure(make_config: Any, toy_intents: list[Intent]) -> None:
    config = make_config("endpoints.agent.provider_options.faults.server_error=1.0", "endpoints.agent.max_retries=1")
    result = await episode(config, [toy_intents[0]])
    assert result.termination is Termination.AGENT_ENDPOINT_FAILURE and "HTTP 500" in result.termination_detail
    assert len(user_turns(result)) == 1


async def test_simulator_failure(make_config: Any, toy_intents: list[Intent]) -> None:
    result = await episode(make_config("endpoints.user.provider_options.faults.malformed_json=1.0"), [toy_intents[0]])
    assert result.termination is Termination.SIMULATOR_FAILURE and "no usable reply" in result.termination_detail
    assert result.failed_reply is not None and result.failed_reply.startswith('{"completed"')  # kept to inspect


async def test_sandbox_failure(make_config: Any, toy_intents: list[Intent]) -> None:
    config = make_config()
    box = await open_sandbox(config.sandbox, SandboxHome(_home(config)))
    with pytest.raises(SandboxUnavailable):
        await box.run("kill -9 $PPID")  # the supervisor is gone: the sandbox is broken from the first call

    async def broken() -> Any:
        return box

    result = await episode(config, [toy_intents[0]], open_box=broken)
    assert result.termination is Termination.SANDBOX_FAILURE and result.termination_detail


async def test_interrupted(make_config: Any, toy_intents: list[Intent]) -> None:
    stop = asyncio.Event()
    stop.set()
    result = await episode(make_config(), [toy_intents[0]], stop=stop)
    assert result.termination is Termination.INTERRUPTED


async def test_failure_judged_by_the_user(make_config: Any, toy_intents: list[Intent]) -> None:
    # every tool call names a tool that was not offered: nothing the agent tries can work
    result = await episode(make_config("endpoints.agent.provider_options.faults.unknown_tool=1.0"), [toy_intents[1]])
    assert result.termination is Termination.USER_JUDGED_FAILURE, result.termination_detail
    assert result.verification is not None and not result.verification.passed


async def test_drifted_user_turns_are_regenerated(make_config: Any, toy_intents: list[Intent]) -> None:
    """The scripted user drifts twice: in stock phrases, then in a report of work no phrase rule knows."""
    config = make_config("endpoints.user.provider_options.faults.role_drift={rate: 1.0, limit: 1}",
                         "endpoints.user.provider_options.faults.report_drift={rate: 1.0, limit: 1}",
                         "simulate.drift_detector=model")
    result = await episode(config, [toy_intents[0]])
    assert result.drift_regenerations == 2
    assert not any(make_drift_detector("model").judge(t).drifted for t in user_turns(result))
    assert result.termination is Termination.SUCCESS


async def test_the_rules_alone_let_a_plain_report_of_work_through(make_config: Any,
                                                                  toy_intents: list[Intent]) -> None:
    config = make_config("endpoints.user.provider_options.faults.role_drift={rate: 1.0, limit: 1}",
                         "endpoints.user.provider_options.faults.report_drift={rate: 1.0, limit: 1}",
                         "simulate.drift_detector=rules")
    result = await episode(config, [toy_intents[0]])
    assert result.drift_regenerations == 1
    assert any(t.startswith("Merged your two sheets") for t in user_turns(result))


async def test_several_intents_share_one_session(make_config: Any, toy_intents: list[Intent]) -> None:
    result = await episode(make_config("simulate.mode=multi"), toy_intents[:2])
    assert result.termination is Termination.SUCCESS and [i.id for i in result.intents] == ["toy-1", "toy-2"]
    assert sum(1 for m in result.messages if m.role == "system") == 1
    assert result.verification is not None and "toy-1" in result.verification.detail
    assert "toy-2" in result.verification.detail


async def test_an_appended_question_closes_the_session(make_config: Any, toy_intents: list[Intent]) -> None:
    question = "Before we close: list the files you created in the workspace."
    result = await episode(make_config(f"simulate.appended_question={question}"), [toy_intents[2]])
    assert user_turns(result)[-1] == question
    assert result.messages[-1].role == "assistant" and result.messages[-1].content


async def test_query_mode_is_one_turn_without_a_simulator(make_config: Any, toy_intents: list[Intent]) -> None:
    result = await episode(make_config("simulate.mode=query"), [toy_intents[2]])
    assert result.termination is Termination.SUCCESS
    assert user_turns(result) == [toy_intents[2].natural_language_intent]
    assert result.messages[-1].role == "assistant" and result.verification is None


async def test_every_episode_ends_with_a_reason_under_heavy_faults(make_config: Any,
                                                                  toy_intents: list[Intent]) -> None:
    faults = ["rate_limit=0.2", "server_error=0.2", "bad_tool_args=0.3", "unknown_tool=0.3", "empty_reply=0.2",
              "disconnect=0.1"]
    config = make_config(*(f"endpoints.agent.provider_options.faults.{f}" for f in faults),
                         "endpoints.agent.provider_options.faults.retry_after_s=0",
                         "endpoints.user.provider_options.faults.fenced_json=0.3",
                         "endpoints.user.provider_options.faults.malformed_json=0.2",
                         "endpoints.user.provider_options.faults.rate_limit=0.2",
                         "endpoints.user.provider_options.faults.retry_after_s=0")
    results = [await episode(config, [intent]) for intent in toy_intents]
    for result in results:
        assert isinstance(result.termination, Termination) and result.termination_detail
    kinds = {m.result.error_kind for r in results for m in r.messages if m.role == "tool" and m.result is not None}
    assert {"bad_arguments", "unknown_tool"} & kinds  # the model saw its mistakes and the episode went on
