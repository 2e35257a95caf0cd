"""The openclaw session tools, for real: sub-agents run on the scripted endpoint over HTTP in the episode's sandbox.

A :class:`Rig` is what an episode builds — a sandbox, the agent endpoint, a tool context with a session
runtime — and the tests call the session tools through ``dialect.dispatch`` exactly as the agent would.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from isetrace.config import RunConfig
from isetrace.llm.endpoints import open_endpoints
from isetrace.prompts import render_prompt
from isetrace.records import Message, MessageMeta, Termination, ToolCall
from isetrace.sandbox import SandboxHome, open_sandbox
from isetrace.simulate.episode import run_episode
from isetrace.simulate.subagents import SubagentRuntime
from isetrace.tools.context import ToolContext
from isetrace.tools.dialects import Dialect, ToolOutcome, get_dialect
from isetrace.tools.session_tools import SESSION_TOOL_NAMES, without_session_tools

SESSION_TOOLS = ["sessions_list", "sessions_history", "sessions_send", "sessions_spawn", "subagents", "agents_list",
                 "session_status"]
TASK = "Write numbers.txt with the numbers 1 to 5, one per line"
OPENCLAW = get_dialect("openclaw")


@dataclass
class Counters:
    steps: int = 0
    tokens: int = 0


@dataclass
class Rig:
    """One episode's worth of session machinery, and a caller for the tools."""

    ctx: ToolContext
    runtime: SubagentRuntime
    config: RunConfig
    counters: Counters
    main: list[Message]
    calls: list[int] = field(default_factory=lambda: [0])

    async def call(self, name: str, **arguments: Any) -> ToolOutcome:
        self.calls[0] += 1
        return await OPENCLAW.dispatch(ToolCall(id=f"call_{self.calls[0]}", name=name, arguments=arguments),
                                       self.ctx)

    async def json(self, name: str, **arguments: Any) -> Any:
        outcome = await self.call(name, **arguments)
        assert not outcome.content.startswith("Error:"), outcome.content
        return json.loads(outcome.content)


def _system_prompt(ctx: ToolContext) -> Callable[[Dialect], Any]:
    async def render(dialect: Dialect) -> str:
        tools = [{"name": name, "description": "…"} for name in dialect.names]
        return render_prompt("agent_system", workspace=ctx.workspace, date="2026-01-15", network=False, tools=tools,
                             agents_md="", skills_block="")
    return render


@contextlib.asynccontextmanager
async def open_rig(config: RunConfig,
                   system_prompt: Callable[[ToolContext], Callable[[Dialect], Any]] = _system_prompt,
                   ) -> AsyncIterator[Rig]:
    """What an episode builds around its sub-agents: a sandbox, the agent endpoint, a session runtime.

    ``system_prompt`` makes the sub-agents' prompt from the tool context (default: the agent prompt)."""
    assert config.sandbox.home is not None
    box = await open_sandbox(config.sandbox, SandboxHome(Path(config.sandbox.home)))
    try:
        async with open_endpoints(config, ["agent"], environ={}) as endpoints:
            ctx = ToolContext.for_run(box, config, {})
            counters = Counters()
            main = [Message(role="system", content="main system prompt", meta=MessageMeta(producer="system")),
                    Message(role="user", content="Please prepare the numbers.", meta=MessageMeta(producer="user"))]
            ctx.sessions = SubagentRuntime(endpoints["agent"], OPENCLAW, ctx, limits=config.simulate,
                                          counters=counters, main_messages=main, system_prompt=system_prompt(ctx))
            yield Rig(ctx, ctx.sessions, config, counters, main)
    finally:
        await box.close()


@pytest.fixture
async def rig(make_config: Callable[..., RunConfig]) -> AsyncIterator[Rig]:
    async with open_rig(make_config("simulate.max_turn_steps=12")) as made:
        yield made


async def test_a_spawned_subagent_really_works_in_the_same_sandbox(rig: Rig) -> None:
    spawned = await rig.call("sessions_spawn", task=TASK, label="numbers")
    assert spawned.result.ok, spawned.content
    report = json.loads(spawned.content)
    assert report["sessionKey"] == "subagent:1" and report["status"] == "done" and report["label"] == "numbers"
    assert report["reply"] and report["toolCalls"] >= 1 and report["steps"] >= 2
    # the file the sub-agent wrote is in the main session's workspace: one sandbox
    listing = await rig.call("exec", command="test -s numbers.txt && echo present")
    assert "present" in listing.content
    # its steps and tokens count toward the episode
    assert rig.counters.steps == report["steps"] and rig.counters.tokens == report["tokens"] > 0
    # its history is its own: a system prompt without session tools, the task, its tool calls
    sub = rig.runtime.transcript("subagent:1")
    assert sub[0].role == "system" and "sessions_spawn" not in (sub[0].content or "")
    assert "`exec`" in (sub[0].content or "") and sub[1].content == TASK
    assert any(m.role == "tool" for m in sub) and sub[-1].role == "assistant" and sub[-1].content
    assert len(rig.main) == 2 and all(m.content != TASK for m in rig.main)

    history = await rig.json("sessions_history", sessionKey="subagent:1")
    assert history["messages"][0] == {"role": "user", "content": TASK}
    assert all(m["role"] != "tool" for m in history["messages"])
    assert history["messages"][-1]["content"] == report["reply"][:2000]
    with_tools = await rig.json("sessions_history", sessionKey="subagent:1", includeTools=True, limit=100)
    tool_items = [m for m in with_tools["messages"] if m["role"] == "tool"]
    assert tool_items and all("name" in m and "ok" in m for m in tool_items)
    assert any("toolCalls" in m for m in with_tools["messages"])
    assert with_tools["total"] > history["total"]
    short = await rig.json("sessions_history", sessionKey="subagent:1", includeTools=True, limit=2)
    assert short["shown"] == 2 and short["messages"] == with_tools["messages"][-2:]
    main_history = await rig.json("sessions_history", sessionKey="main")
    assert main_history["messages"] == [{"role": "user", "content": "Please prepare the numbers."}]


async def test_list_status_and_agents_answer_from_the_real_state(rig: Rig) -> None:
    report = json.loads((await rig.call("sessions_spawn", task=TASK)).content)
    listed = await rig.json("sessions_list")
    assert [row["key"] for row in listed["sessions"]] == ["main", "subagent:1"]
    main, child = listed["sessions"]
    assert main["kind"] == "main" and main["status"] == "running" and main["turns"] == 1
    assert child["kind"] == "subagent" and child["status"] == "done" and child["task"] == TASK
    assert child["toolCalls"] == report["toolCalls"] and child["totalTokens"] == report["tokens"] > 0
    assert child["model"] == main["model"] == rig.runtime.model and child["updatedAt"].endswith("Z")
    only_children = await rig.json("sessions_list", kinds=["subagent"], messageLimit=1)
    assert [row["key"] for row in only_children["sessions"]] == ["subagent:1"]
    assert len(only_children["sessions"][0]["messages"]) == 1
    assert only_children["sessions"][0]["messages"][0]["role"] == "assistant"
    assert (await rig.json("sessions_list", limit=1))["count"] == 1
    assert (await rig.json("sessions_list", activeMinutes=5))["count"] == 2

    agents = await rig.json("agents_list")
    assert agents["agents"] == [{"id": "main", "model": rig.runtime.model, "default": True}]

    card = (await rig.call("session_status")).content
    backend = rig.ctx.sandbox.info.backend
    for expected in ("Session: main", f"Model: {rig.runtime.model}", "Turns: 1", "Sub-agents: 1 (subagent:1 done)",
                     f"Workspace: {rig.ctx.workspace}", f"Sandbox: {backend}", "network off"):
        assert expected in card, card
    child_card = (await rig.call("session_status", sessionKey="subagent:1")).content
    assert "Session: subagent:1" in child_card and f"tool calls: {report['toolCalls']}" in child_card


async def test_send_and_steer_run_another_turn_and_kill_stops_it(rig: Rig) -> None:
    await rig.call("sessions_spawn", task=TASK, label="numbers")
    sent = await rig.json("sessions_send", sessionKey="subagent:1", message="Count the lines of numbers.txt.")
    assert sent["status"] == "done" and sent["reply"] and sent["steps"] >= 1
    steered = await rig.json("subagents", action="steer", target="numbers",
                             message="Now list the files in the workspace.")
    assert steered["sessionKey"] == "subagent:1" and steered["reply"]
    transcript = rig.runtime.transcript("subagent:1")
    assert [m.content for m in transcript if m.role == "user"] == [
        TASK, "Count the lines of numbers.txt.", "Now list the files in the workspace."]
    assert rig.runtime.session("subagent:1").turns == 3

    second = await rig.json("sessions_spawn", task="Write notes.md with a short plan for the week.")
    listed = await rig.json("subagents", action="list")
    assert [row["key"] for row in listed["subagents"]] == ["subagent:1", "subagent:2"]
    assert (await rig.json("subagents", action="kill", target="last")) == {"sessionKey": second["sessionKey"],
                                                                         "status": "killed"}
    assert (await rig.json("subagents", action="kill", target="all")) == {"killed": ["subagent:1"]}
    after = await rig.call("sessions_send", sessionKey="subagent:1", message="Anything else?")
    assert after.content.startswith("Error: subagent:1 was killed") and after.result.error_kind == "tool_error"
    assert {row["status"] for row in (await rig.json("subagents", action="list"))["subagents"]} == {"killed"}


async def test_mistakes_are_tool_errors_that_name_what_exists(rig: Rig) -> None:
    await rig.call("sessions_spawn", task=TASK, label="numbers")
    unknown = await rig.call("sessions_history", sessionKey="subagent:9")
    assert unknown.content == "Error: no session 'subagent:9' (known sessions: main, subagent:1)"
    for name, arguments in (("sessions_send", {"sessionKey": "nope", "message": "hi"}),
                            ("session_status", {"sessionKey": "nope"})):
        outcome = await rig.call(name, **arguments)
        assert "known sessions: main, subagent:1" in outcome.content, name
    to_self = await rig.call("sessions_send", sessionKey="main", message="hello me")
    assert to_self.content.startswith("Error: main is your own session") and "subagent:1" in to_self.content
    steer = await rig.call("subagents", action="steer", target="ghost", message="go")
    assert steer.content == "Error: no sub-agent 'ghost' in this session (sub-agents: subagent:1 (numbers))"
    assert "needs a target" in (await rig.call("subagents", action="kill")).content
    assert "needs a message" in (await rig.call("subagents", action="steer", target="1")).content
    other = await rig.call("sessions_spawn", task=TASK, agentId="researcher")
    assert other.content == "Error: unknown agentId 'researcher' (agents you can spawn: main)"
    again = await rig.call("sessions_spawn", task=TASK, label="numbers")
    assert "already used" in again.content
    assert "positive number" in (await rig.call("sessions_spawn", task=TASK, runTimeoutSeconds=-1)).content
    bad = await rig.call("subagents", action="restart")
    assert bad.result.error_kind == "bad_arguments" and "list" in bad.content


async def test_without_a_runtime_every_session_tool_says_so(rig: Rig) -> None:
    bare = ToolContext(rig.ctx.sandbox)
    arguments: dict[str, dict[str, Any]] = {
        "sessions_history": {"sessionKey": "main"}, "sessions_send": {"sessionKey": "subagent:1", "message": "x"},
        "sessions_spawn": {"task": TASK}, "subagents": {"action": "list"}}
    for name in SESSION_TOOLS:
        outcome = await OPENCLAW.dispatch(ToolCall(id="c", name=name, arguments=arguments.get(name, {})), bare)
        assert outcome.content.startswith("Error: no session runtime is attached"), name
        assert outcome.result.error_kind == "tool_error"


async def test_the_episode_limits_bound_subagents(rig: Rig) -> None:
    limits = rig.config.simulate
    rig.counters.steps = limits.max_agent_steps
    refused = await rig.call("sessions_spawn", task=TASK)
    assert refused.content.startswith("Error: the episode has no agent steps left")
    assert rig.runtime.sessions()[1:] == []
    rig.counters.steps = limits.max_agent_steps - 1  # one step left: the sub-agent is cut off after it
    cut = await rig.call("sessions_spawn", task=TASK)
    report = json.loads(cut.content)
    assert report["steps"] == 1 and report["cutOff"] is True and report["status"] == "failed"
    assert "no agent steps left" in report["detail"] and report["reply"] is None
    assert cut.result.ok is False and cut.result.error_kind == "subagent_incomplete"
    assert rig.counters.steps == limits.max_agent_steps


async def test_a_timeout_stops_the_subagent(make_config: Callable[..., RunConfig]) -> None:
    async with open_rig(make_config("endpoints.agent.provider_options.latency_ms=400")) as slow:
        report = await slow.runtime.spawn(TASK, label=None, agent_id=None, timeout_s=0.1)
    assert report.timed_out and not report.cut_off and report.session.status == "failed"
    assert "timed out after 0.1s" in report.session.detail and report.reply == ""


def test_openclaw_offers_the_session_tools_and_claude_code_does_not() -> None:
    openclaw, claude = get_dialect("openclaw"), get_dialect("claude-code")
    assert openclaw.names[-len(SESSION_TOOLS):] == SESSION_TOOLS and set(SESSION_TOOLS) == SESSION_TOOL_NAMES
    assert not SESSION_TOOL_NAMES & set(claude.names)
    params = {name: set(openclaw.tools[name].parameters["properties"]) for name in SESSION_TOOLS}
    core = {"sessions_list": {"kinds", "limit", "activeMinutes", "messageLimit"},
            "sessions_history": {"sessionKey", "limit", "includeTools"},
            "sessions_send": {"sessionKey", "message", "timeoutSeconds"},
            "sessions_spawn": {"task", "label", "agentId", "runTimeoutSeconds"},
            "subagents": {"action", "target", "message"}, "agents_list": set(), "session_status": {"sessionKey"}}
    assert all(core[name] <= params[name] for name in SESSION_TOOLS)  # the full sets: tests/tools/test_openclaw_schemas
    assert openclaw.tools["subagents"].parameters["properties"]["action"]["enum"] == ["list", "steer", "kill"]
    read_only = {name for name in SESSION_TOOLS if not openclaw.tools[name].mutating}
    assert read_only == {"sessions_list", "sessions_history", "agents_list", "session_status"}


async def test_a_subagent_cannot_spawn_in_turn(rig: Rig) -> None:
    await rig.call("sessions_spawn", task=TASK)
    offered = (rig.runtime.transcript("subagent:1")[0].content or "").split("Your tools:")[1]
    assert "`exec`" in offered and not any(f"`{name}`" in offered for name in SESSION_TOOLS)
    sub_dialect = without_session_tools(OPENCLAW)
    assert sub_dialect.names == [name for name in OPENCLAW.names if name not in SESSION_TOOL_NAMES]
    outcome = await sub_dialect.dispatch(ToolCall(id="x", name="sessions_spawn", arguments={"task": TASK}), rig.ctx)
    assert outcome.result.error_kind == "unknown_tool"
    assert rig.runtime.subagent_steps == rig.counters.steps and rig.runtime.subagent_tokens == rig.counters.tokens
    assert list(rig.runtime.subagent_transcripts()) == ["subagent:1"]


async def test_a_whole_openclaw_episode_still_succeeds(make_config: Callable[..., RunConfig],
                                                       toy_intents: list[Any]) -> None:
    config = make_config("tools.dialect=openclaw")
    assert config.sandbox.home is not None
    result = await run_episode([toy_intents[0]], config, episode_id="sessions-1", environ={})
    assert result.termination is Termination.SUCCESS, result.termination_detail
    offered = [schema["function"]["name"] for schema in result.tools]
    assert offered[-len(SESSION_TOOLS):] == SESSION_TOOLS and result.tool_call_count >= 3
