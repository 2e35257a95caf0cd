"""A tool that raises what it should not (a race's OSError, a bug's TypeError) fails its own episode only.

The episode ends as a sandbox failure that names the tool and the exception, and keeps every tool call
that ran before it; in a batch, the other episodes finish as if nothing happened. Everything is real —
the scripted endpoint over HTTP, the sandbox — except the one faulty tool, registered for the test in
place of the openclaw dialect (tests/simulate/faulty_tools.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.simulate.faulty_tools import FAULTY_PATH, OS_ERROR, TYPE_ERROR, faulty_openclaw

from isetrace.config import RunConfig
from isetrace.errors import SandboxUnavailable
from isetrace.llm.endpoints import open_endpoints
from isetrace.prompts import render_prompt
from isetrace.records import Episode, Intent, Message, MessageMeta, Termination, ToolCall
from isetrace.registry import PLUGINS
from isetrace.sandbox import SandboxHome, open_sandbox
from isetrace.simulate.batch import simulate_all
from isetrace.simulate.episode import MAX_DETAIL_CHARS, run_episode
from isetrace.simulate.subagents import SubagentRuntime
from isetrace.tools import Dialect, ToolContext

FAULTS = [pytest.param("RAISES_TYPE_ERROR", f"TypeError: {TYPE_ERROR}", id="TypeError"),
          pytest.param("RAISES_OS_ERROR", f"ConnectionResetError: {OS_ERROR}", id="OSError")]


def register_faulty_openclaw(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setitem(PLUGINS["dialect"], "openclaw", f"tests.simulate.faulty_tools:{name}")


def sorter_intent(intents: list[Intent]) -> Intent:
    return next(i for i in intents if i.id == "toy-2")


def tool_calls(episode: Episode) -> list[tuple[str, str]]:
    """(tool, path or command) of every call the agent made, in order."""
    return [(c.name, str((c.arguments or {}).get("path") or (c.arguments or {}).get("command")))
            for m in episode.messages if m.role == "assistant" for c in m.tool_calls]


@pytest.mark.parametrize(("faulty", "reason"), FAULTS)
async def test_a_tool_that_raises_ends_its_episode_as_a_sandbox_failure_and_keeps_the_calls_that_ran(
        monkeypatch: pytest.MonkeyPatch, make_config: Callable[..., RunConfig], toy_intents: list[Intent],
        faulty: str, reason: str) -> None:
    register_faulty_openclaw(monkeypatch, faulty)
    config = make_config()
    intent = sorter_intent(toy_intents)
    episode = await run_episode([intent], config, episode_id=intent.id, environ={})
    assert episode.termination is Termination.SANDBOX_FAILURE, episode.termination_detail
    detail = episode.termination_detail
    assert f"tool write failed: {reason}" in detail
    assert detail.startswith("the sandbox failed at agent step ")
    assert "\n" not in detail and len(detail) <= MAX_DETAIL_CHARS
    # the calls that ran are kept, each with its result; the faulty one is the last call and has none
    calls = tool_calls(episode)
    assert calls[-1] == ("write", FAULTY_PATH)
    ran = [m for m in episode.messages if m.role == "tool"]
    assert len(ran) == len(calls) - 1 >= 3
    assert [(m.name, m.tool_call_id) for m in ran] == \
        [(c.name, c.id) for m in episode.messages if m.role == "assistant" for c in m.tool_calls][:-1]
    assert all(m.result is not None and m.result.ok for m in ran)
    assert calls[0] == ("write", "sorter.log")


async def test_one_episode_whose_tool_raises_does_not_stop_the_others(
        monkeypatch: pytest.MonkeyPatch, make_config: Callable[..., RunConfig], toy_intents: list[Intent]) -> None:
    register_faulty_openclaw(monkeypatch, "RAISES_TYPE_ERROR")
    config = make_config(f"run.concurrency={len(toy_intents)}")
    ended: list[str] = []
    async with open_endpoints(config, ["agent", "user"], environ={}) as endpoints:
        episodes = await simulate_all(toy_intents, config, endpoints, lambda e: ended.append(e.episode_id))
    assert sorted(ended) == sorted(i.id for i in toy_intents)  # every one ended and was handed over
    by_id = {e.episode_id: e for e in episodes}
    failed = by_id.pop(sorter_intent(toy_intents).id)
    assert failed.termination is Termination.SANDBOX_FAILURE
    assert f"tool write failed: TypeError: {TYPE_ERROR}" in failed.termination_detail
    assert failed.tool_call_count >= 3
    for other in by_id.values():
        assert other.termination is Termination.SUCCESS, (other.episode_id, other.termination_detail)
        assert other.tool_call_count >= 3


class Counters:
    steps = 0
    tokens = 0


async def test_a_subagent_tool_that_raises_fails_the_sandbox_once_and_its_calls_stay_in_its_transcript(
        make_config: Callable[..., RunConfig], caplog: pytest.LogCaptureFixture) -> None:
    # the scripted sub-agent saves a data file, then writes a .py script to analyse it: that write raises
    dialect = faulty_openclaw(lambda: TypeError(TYPE_ERROR), lambda path: path.endswith(".py"))
    config = make_config("simulate.max_turn_steps=12")
    box = await open_sandbox(config.sandbox, SandboxHome(Path(config.sandbox.home or "")))
    try:
        async with open_endpoints(config, ["agent"], environ={}) as endpoints:
            ctx = ToolContext.for_run(box, config, {})

            async def system_prompt(tools: Dialect) -> str:
                return render_prompt("agent_system", workspace=ctx.workspace, date="2026-01-15", network=False,
                                     tools=[{"name": name, "description": "."} for name in tools.names],
                                     agents_md="", skills_block="")

            main = [Message(role="user", content="Please prepare the numbers.", meta=MessageMeta(producer="user"))]
            ctx.sessions = runtime = SubagentRuntime(endpoints["agent"], dialect, ctx, limits=config.simulate,
                                                    counters=Counters(), main_messages=main,
                                                    system_prompt=system_prompt)
            spawn = ToolCall(id="s1", name="sessions_spawn",
                             arguments={"task": "Write numbers.txt with the numbers 1 to 5, one per line"})
            with caplog.at_level(logging.WARNING, logger="isetrace"), pytest.raises(SandboxUnavailable) as raised:
                await dialect.dispatch(spawn, ctx)
            transcript = runtime.transcript("subagent:1")
    finally:
        await box.close()
    # the sub-agent's failure, in its own words: not wrapped again by the spawn that ran it
    assert str(raised.value) == f"tool write failed: TypeError: {TYPE_ERROR}"
    logged = [r for r in caplog.records if r.exc_info]
    assert len(logged) == 1 and isinstance(logged[0].exc_info[1], TypeError)  # the bug's traceback, once
    ran = [m for m in transcript if m.role == "tool"]
    assert ran and all(m.result is not None and m.result.ok for m in ran)
    calls = [c for m in transcript if m.role == "assistant" for c in m.tool_calls]
    assert len(calls) == len(ran) + 1 and str((calls[-1].arguments or {}).get("path")).endswith(".py")
