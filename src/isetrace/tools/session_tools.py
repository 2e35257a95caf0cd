"""openclaw's session tools: the agent sees and steers the sessions of its own episode.

sessions_list, sessions_history, sessions_send, sessions_spawn, subagents, agents_list, session_status —
under openclaw's names and parameter names (DESIGN.md §2). The tools only present; the sessions
themselves (the main agent's, and sub-agents that really run with the same endpoint, sandbox and tools)
live in a per-episode runtime that the episode attaches to :attr:`ToolContext.sessions`. Its shape is the
:class:`SessionsRuntime` protocol (:mod:`isetrace.tools.subagent_runtime`), so this package never imports
:mod:`isetrace.simulate`.

Differences from openclaw, on purpose: our sessions run synchronously inside the calling tool (a spawn
returns the sub-agent's final reply, not a run id to wait for), which keeps episodes deterministic; and
sub-agents are offered no session tools (depth 1), so a sub-agent cannot spawn sub-agents of its own.
Without a runtime (a tool context outside an episode) every session tool answers with a ToolError.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, Literal

from isetrace.errors import ToolError
from isetrace.records import Message
from isetrace.tools.context import ToolContext
from isetrace.tools.declare import ToolOutput, ToolSpec, Whole, tool
from isetrace.tools.dialects import Dialect
from isetrace.tools.spawn_options import (
    AttachAs,
    Attachment,
    SpawnOptions,
    check_spawn_options,
    resolve_cwd,
    write_attachments,
)
from isetrace.tools.subagent_runtime import (
    MAIN_KEY,
    AgentView,
    SessionKind,
    SessionsRuntime,
    SessionStatus,
    SessionView,
    TurnReport,
)

__all__ = [
    "MAIN_KEY",
    "SESSION_TOOLS",
    "SESSION_TOOL_NAMES",
    "AgentView",
    "SessionKind",
    "SessionStatus",
    "SessionView",
    "SessionsRuntime",
    "TurnReport",
    "without_session_tools",
]

HISTORY_DEFAULT = 20
"""Messages sessions_history shows when no limit is given (the latest ones)."""
HISTORY_MAX = 100
TEXT_MAX_CHARS = 2000
"""Longest message text shown in a history; longer text is cut with a note, to keep answers bounded."""
REPLY_MAX_CHARS = 8000
"""Longest sub-agent reply returned by spawn/send/steer."""
ARGUMENTS_MAX_CHARS = 300
LIST_DEFAULT = 50


def _runtime(ctx: ToolContext) -> SessionsRuntime:
    if ctx.sessions is None:
        raise ToolError("no session runtime is attached: the session tools work only inside an agent episode")
    return ctx.sessions


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… [{len(text) - limit} more characters]"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _timeout(value: float | None, name: str) -> float | None:
    if value is None or value == 0:
        return None
    if value < 0:
        raise ToolError(f"{name} must be a positive number of seconds (0 or unset: no time limit)")
    return float(value)


def _row(view: SessionView) -> dict[str, Any]:
    return {"key": view.key, "kind": view.kind, "label": view.label, "agentId": view.agent_id,
            "status": view.status, "model": view.model, "turns": view.turns, "steps": view.steps,
            "toolCalls": view.tool_calls, "inputTokens": view.prompt_tokens,
            "outputTokens": view.completion_tokens, "totalTokens": view.prompt_tokens + view.completion_tokens,
            "updatedAt": _iso(view.updated_at), **({"task": _cut(view.task, 200)} if view.task else {}),
            **({"detail": view.detail} if view.detail else {})}


def _message_item(message: Message, include_tools: bool) -> dict[str, Any] | None:
    """One message as a history shows it; ``None`` when it is left out."""
    if message.role == "system" or (message.role == "tool" and not include_tools):
        return None
    item: dict[str, Any] = {"role": message.role}
    if message.role == "tool":
        item["name"] = message.name
        item["ok"] = message.result.ok if message.result is not None else None
    if message.content:
        item["content"] = _cut(message.content, TEXT_MAX_CHARS)
    if message.tool_calls and include_tools:
        item["toolCalls"] = [{"name": call.name, "arguments": _cut(call.arguments_raw or json.dumps(
            call.arguments or {}, ensure_ascii=False), ARGUMENTS_MAX_CHARS)} for call in message.tool_calls]
    if len(item) == 1 or (message.role == "assistant" and "content" not in item and "toolCalls" not in item):
        return None
    return item


def _history(messages: Sequence[Message], limit: int, include_tools: bool) -> tuple[list[dict[str, Any]], int]:
    """The last ``limit`` shown messages, and how many shown messages there are in all."""
    items = [item for item in (_message_item(m, include_tools) for m in messages) if item is not None]
    return items[-limit:] if limit > 0 else [], len(items)


def _report(report: TurnReport, **extra: Any) -> ToolOutput:
    view = report.session
    body: dict[str, Any] = {"sessionKey": view.key, "label": view.label, "status": view.status,
                            "steps": report.steps, "toolCalls": report.tool_calls, "tokens": report.tokens}
    if report.timed_out:
        body["timedOut"] = True
    if report.cut_off:
        body["cutOff"] = True
    if view.detail:
        body["detail"] = view.detail
    body.update(extra)
    body["reply"] = _cut(report.reply, REPLY_MAX_CHARS) if report.reply else None
    ok = view.status == "done"
    return ToolOutput(content=_json(body), ok=ok, timed_out=report.timed_out,
                      error_kind=None if ok else ("timeout" if report.timed_out else "subagent_incomplete"))


def _subagents(runtime: SessionsRuntime) -> list[SessionView]:
    return [view for view in runtime.sessions() if view.kind == "subagent"]


def _target(runtime: SessionsRuntime, target: str | None, action: str) -> SessionView:
    """The sub-agent a ``subagents`` target names: its key, its label, its number, or ``last``."""
    children = _subagents(runtime)
    if not target:
        raise ToolError(f"subagents {action} needs a target (a key like subagent:1, a label, a number or 'last')")
    known = ", ".join(f"{v.key}" + (f" ({v.label})" if v.label else "") for v in children) or "none"
    if target == "last" and children:
        return children[-1]
    for view in children:
        if target in (view.key, view.label, view.key.rpartition(":")[2]):
            return view
    raise ToolError(f"no sub-agent {target!r} in this session (sub-agents: {known})")


@tool(mutating=True, name="sessions_spawn")
async def sessions_spawn(ctx: ToolContext, task: str, label: str | None = None,
                         runtime: Literal["subagent", "acp"] | None = None, agentId: str | None = None,
                         resumeSessionId: str | None = None, model: str | None = None, thinking: str | None = None,
                         cwd: str | None = None, runTimeoutSeconds: float | None = None,
                         timeoutSeconds: float | None = None, thread: bool | None = None,
                         mode: Literal["run", "session"] | None = None,
                         cleanup: Literal["delete", "keep"] | None = None,
                         sandbox: Literal["inherit", "require"] | None = None,
                         streamTo: Literal["parent"] | None = None, attachments: list[Attachment] | None = None,
                         attachAs: AttachAs | None = None) -> ToolOutput:
    """Spawn a sub-agent in its own session to do one task with the same tools and workspace, wait until it finishes,
    and return its session key and final reply. Give it everything it needs in the task: it does not see your
    conversation.

    Args:
        task: The complete instructions for the sub-agent.
        label: A short name for the sub-agent, to find it again with subagents, sessions_list or sessions_send.
        runtime: subagent (the default and the only runtime available here).
        agentId: Which agent to spawn (see agents_list; default: main).
        resumeSessionId: Resume an external agent session (needs runtime=acp, which is not available here).
        model: The model to run on (default: the one sub-agents use; see agents_list).
        thinking: Reasoning level (fixed by the endpoint here; leave unset).
        cwd: Directory in the workspace where the sub-agent's commands run.
        runTimeoutSeconds: Stop the sub-agent after this many seconds (0 or unset: only the step limit).
        timeoutSeconds: The same as runTimeoutSeconds (an older name).
        thread: Bind the sub-agent to a chat thread (not available here).
        mode: run (one task) or session (stays open); either way you can message it later with sessions_send.
        cleanup: delete (end the sub-agent's session once it has reported) or keep (the default).
        sandbox: inherit (the default: the same sandbox) or require (refuse unless the session is isolated).
        streamTo: parent: the sub-agent's reply comes back to you (it always does here).
        attachments: Files to give the sub-agent (name, content, optional encoding utf8 or base64, mimeType); they
            are written into the workspace and listed in its task.
        attachAs: Where to put the attachments: mountPath, a workspace directory (default attachments).
    """
    if not task.strip():
        raise ToolError("task is empty: say what the sub-agent should do")
    sessions = _runtime(ctx)
    check_spawn_options(ctx, sessions, SpawnOptions(runtime=runtime, resume_session_id=resumeSessionId, model=model,
                                                    thinking=thinking, thread=thread, sandbox=sandbox))
    if runTimeoutSeconds and timeoutSeconds and runTimeoutSeconds != timeoutSeconds:
        raise ToolError("runTimeoutSeconds and timeoutSeconds disagree; give one of them")
    limit = _timeout(runTimeoutSeconds or timeoutSeconds,
                     "runTimeoutSeconds" if runTimeoutSeconds else "timeoutSeconds")
    workdir = await resolve_cwd(ctx, cwd)
    paths = await write_attachments(ctx, attachments, attachAs)
    full_task = task
    if workdir:
        full_task += f"\n\nYour commands run in {workdir} (file tools take paths relative to the workspace)."
    if paths:
        full_task += "\n\nAttached files (in the workspace):\n" + "\n".join(f"- {path}" for path in paths)
    report = await sessions.spawn(full_task, label=label or None, agent_id=agentId, timeout_s=limit, cwd=workdir)
    if cleanup == "delete":
        await sessions.kill(report.session.key)
        return _report(report, cleanup="deleted: this sub-agent's session takes no more messages")
    return _report(report)


@tool(mutating=True, name="subagents")
async def subagents(ctx: ToolContext, action: Literal["list", "steer", "kill"] | None = None,
                    target: str | None = None, message: str | None = None,
                    recentMinutes: Whole | None = None) -> str | ToolOutput:
    """List the sub-agents spawned in this session, steer one with a follow-up message (it runs another turn and its
    reply is returned), or kill one.

    Args:
        action: list (the default), steer or kill.
        target: For steer and kill: the sub-agent's session key (e.g. subagent:1), its label, its number, or
            'last'; kill also takes 'all'.
        message: For steer: the follow-up instructions.
        recentMinutes: For list: only sub-agents active within this many minutes.
    """
    runtime = _runtime(ctx)
    if action is None or action == "list":
        children = _subagents(runtime)
        if recentMinutes is not None:
            if recentMinutes < 1:
                raise ToolError(f"recentMinutes must be at least 1 (got {recentMinutes})")
            since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=recentMinutes)
            children = [view for view in children if view.updated_at >= since]
        return _json({"count": len(children), "subagents": [_row(view) for view in children]})
    if action == "kill":
        if target == "all":
            live = [v for v in _subagents(runtime) if v.status != "killed"]
            killed = [await runtime.kill(view.key) for view in live]
            return _json({"killed": [view.key for view in killed]})
        view = await runtime.kill(_target(runtime, target, action).key)
        return _json({"sessionKey": view.key, "status": view.status})
    if not message or not message.strip():
        raise ToolError("subagents steer needs a message: the follow-up instructions for the sub-agent")
    return _report(await runtime.send(_target(runtime, target, action).key, message, timeout_s=None))


@tool(mutating=False, name="sessions_list")
async def sessions_list(ctx: ToolContext, kinds: list[str] | None = None, limit: Whole | None = None,
                        activeMinutes: Whole | None = None, messageLimit: Whole | None = None) -> str:
    """List the sessions of this episode (your own main session and the sub-agents) with key, kind, label, status,
    model, token counts and last update.

    Args:
        kinds: Only these kinds of session (main, subagent).
        limit: Most sessions to list (default 50).
        activeMinutes: Only sessions updated within this many minutes.
        messageLimit: Also include each session's last N messages (default 0: none; at most 20).
    """
    runtime = _runtime(ctx)
    views = runtime.sessions()
    if kinds:
        views = [view for view in views if view.kind in kinds]
    if activeMinutes is not None:
        since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=max(activeMinutes, 0))
        views = [view for view in views if view.updated_at >= since]
    views = views[: max(limit if limit is not None else LIST_DEFAULT, 0)]
    rows = []
    for view in views:
        row = _row(view)
        if messageLimit and messageLimit > 0:
            row["messages"], _ = _history(runtime.transcript(view.key), min(messageLimit, 20), False)
        rows.append(row)
    return _json({"count": len(rows), "sessions": rows})


@tool(mutating=False, name="sessions_history")
async def sessions_history(ctx: ToolContext, sessionKey: str, limit: Whole | None = None,
                           includeTools: bool | None = None) -> str:
    """Read the transcript of one session (the latest messages first cut to the limit). Tool results are left out
    unless includeTools is true.

    Args:
        sessionKey: The session, e.g. main or subagent:1 (see sessions_list).
        limit: Most messages to return, the latest ones (default 20, at most 100).
        includeTools: Include tool calls and tool results.
    """
    runtime = _runtime(ctx)
    view = runtime.session(sessionKey)
    wanted = min(max(limit if limit is not None else HISTORY_DEFAULT, 0), HISTORY_MAX)
    items, total = _history(runtime.transcript(view.key), wanted, bool(includeTools))
    body: dict[str, Any] = {"sessionKey": view.key, "status": view.status, "total": total, "shown": len(items)}
    if view.key == MAIN_KEY:
        body["note"] = "your own session, up to the latest user message (the current turn is not included)"
    body["messages"] = items
    return _json(body)


@tool(mutating=True, name="sessions_send")
async def sessions_send(ctx: ToolContext, message: str, sessionKey: str | None = None, label: str | None = None,
                        agentId: str | None = None, timeoutSeconds: float | None = None) -> ToolOutput:
    """Send a message to another session (a sub-agent), named by its sessionKey or its label, and wait for its reply;
    the sub-agent runs one more turn with its own history.

    Args:
        message: The message text.
        sessionKey: The session to send to, e.g. subagent:1 (see sessions_list).
        label: Or the label the sub-agent was spawned with.
        agentId: With label: the agent the labelled session runs as (only main here).
        timeoutSeconds: Stop waiting and stop the sub-agent after this many seconds (0 or unset: only the step
            limit).
    """
    if not message.strip():
        raise ToolError("message is empty")
    runtime = _runtime(ctx)
    if agentId and agentId not in {agent.agent_id for agent in runtime.agents()}:
        raise ToolError(f"unknown agentId {agentId[:60]!r} (see agents_list)")
    if label:
        found = [view for view in runtime.sessions() if view.label == label]
        if not found:
            labels = ", ".join(v.label for v in runtime.sessions() if v.label) or "none"
            raise ToolError(f"no session labelled {label[:60]!r} (labels: {labels})")
        if sessionKey and sessionKey != found[0].key:
            raise ToolError(f"sessionKey {sessionKey!r} and label {label!r} name different sessions; give one")
        sessionKey = found[0].key
    if not sessionKey:
        raise ToolError("give sessionKey or label to say which session to send to (see sessions_list)")
    report = await runtime.send(sessionKey, message, timeout_s=_timeout(timeoutSeconds, "timeoutSeconds"))
    return _report(report)


@tool(mutating=False, name="agents_list")
async def agents_list(ctx: ToolContext) -> str:
    """List the agent ids you can spawn sub-agents as (the agentId of sessions_spawn), with their models."""
    agents = _runtime(ctx).agents()
    return _json({"requester": MAIN_KEY, "agents": [
        {"id": agent.agent_id, "model": agent.model, "default": agent.default} for agent in agents]})


@tool(mutating=False, name="session_status")
async def session_status(ctx: ToolContext, sessionKey: str | None = None, model: str | None = None) -> str:
    """Show a status card for your session (or another one): model, turns, tool calls, tokens, sub-agents,
    workspace, sandbox and network access.

    Args:
        sessionKey: The session to show (default: your own, main).
        model: Set the session's model; only default (or the current model's name) is available here.
    """
    runtime = _runtime(ctx)
    models = {agent.model for agent in runtime.agents()}
    if model not in (None, "", "default", *models):
        raise ToolError(f"model {str(model)[:60]!r} is not available: this episode runs on "
                        f"{', '.join(sorted(models))}, "
                        "which cannot be changed; leave model unset (or use default)")
    view = runtime.session(sessionKey or MAIN_KEY)
    children = _subagents(runtime)
    info = ctx.sandbox.info
    lines = [
        f"Session: {view.key}" + (f" ({view.label})" if view.label else "") + f" · agent {view.agent_id}",
        f"Model: {view.model}",
        f"Status: {view.status}" + (f" ({view.detail})" if view.detail else ""),
        f"Turns: {view.turns} · model calls: {view.steps} · tool calls: {view.tool_calls}",
        f"Tokens: {view.prompt_tokens} in / {view.completion_tokens} out "
        f"({view.prompt_tokens + view.completion_tokens} total)",
    ]
    if view.key == MAIN_KEY:
        states = ", ".join(f"{child.key} {child.status}" for child in children)
        lines.append(f"Sub-agents: {len(children)}" + (f" ({states})" if states else ""))
    lines += [
        f"Workspace: {ctx.workspace}",
        f"Sandbox: {info.backend}" + (" (isolated)" if info.isolated else " (not isolated)")
        + f" · network {'on' if ctx.network else 'off'}",
        f"Updated: {_iso(view.updated_at)}",
    ]
    return "\n".join(lines)


SESSION_TOOLS: tuple[ToolSpec, ...] = (sessions_list, sessions_history, sessions_send, sessions_spawn, subagents,
                                       agents_list, session_status)
"""The session tools, in the order the openclaw dialect offers them."""
SESSION_TOOL_NAMES = frozenset(spec.name for spec in SESSION_TOOLS)


def without_session_tools(dialect: Dialect) -> Dialect:
    """The dialect a sub-agent gets: the same tools minus the session tools, so it cannot spawn in turn."""
    return Dialect(f"{dialect.name}/subagent",
                   [spec for name, spec in dialect.tools.items() if name not in SESSION_TOOL_NAMES])
