"""The sessions of one episode: the main agent's, and the sub-agents it spawns, really running.

A sub-agent is the same agent endpoint with the same sandbox and the same tools, minus the session tools
(depth 1: it cannot spawn in turn), its own message history (the agent system prompt rendered for its
tools, then its task), and its own background jobs. A turn runs one model step at a time, so the limits
are checked between steps and nothing a finished step did is lost: the per-turn step limit, the steps
and tokens the episode has left, and the caller's timeout (a step still running when the timeout strikes
is cancelled and only that step is lost). Every sub-agent step and token is added to the episode's
counters as it happens, so the episode's limits see the work done inside a tool call too. The main turn
that spawns keeps the step budget it was given when it began; the episode's next check then sees the
sub-agents' steps, so the episode overshoots its step limit by at most that one turn's sub-agent work.

The main session is the episode's own conversation, read from the episode's message list; it lacks the
turn in progress, which the episode appends only when the turn ends. Sub-agent transcripts stay here
(:meth:`SubagentRuntime.subagent_transcripts`): the episode record holds the main conversation, where
each spawn's result appears as the tool result the model saw.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from isetrace.config import SimulateConfig
from isetrace.errors import ToolError
from isetrace.llm.model import ChatModel
from isetrace.records import Message, MessageMeta
from isetrace.simulate.agent import Agent, AgentTurnFailed
from isetrace.tools.context import ToolContext
from isetrace.tools.dialects import Dialect
from isetrace.tools.session_tools import (
    MAIN_KEY,
    AgentView,
    SessionStatus,
    SessionView,
    TurnReport,
    without_session_tools,
)

__all__ = ["MAX_SUBAGENTS", "EpisodeCounters", "SubagentRuntime"]

MAX_SUBAGENTS = 8
"""Sub-agents one episode may spawn: a fuse against a model that spawns in a loop."""

MAIN_AGENT_ID = "main"


class EpisodeCounters(Protocol):
    """The episode's running totals; sub-agent work is added to them as it happens."""

    steps: int
    tokens: int


@dataclass
class _SubSession:
    key: str
    label: str | None
    task: str
    agent: Agent
    created_at: dt.datetime
    messages: list[Message] = field(default_factory=list)
    status: SessionStatus = "running"
    detail: str = ""
    updated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _tokens(messages: Sequence[Message]) -> tuple[int, int]:
    prompt = sum(m.meta.usage.prompt_tokens for m in messages if m.meta is not None)
    completion = sum(m.meta.usage.completion_tokens for m in messages if m.meta is not None)
    return prompt, completion


def _view(key: str, label: str | None, task: str, messages: Sequence[Message], model: str,
          status: SessionStatus, created: dt.datetime, updated: dt.datetime, detail: str) -> SessionView:
    prompt, completion = _tokens(messages)
    return SessionView(
        key=key, kind="main" if key == MAIN_KEY else "subagent", label=label, agent_id=MAIN_AGENT_ID, model=model,
        status=status, task=task, turns=sum(1 for m in messages if m.role == "user"),
        steps=sum(1 for m in messages if m.role == "assistant"),
        tool_calls=sum(len(m.tool_calls) for m in messages), prompt_tokens=prompt, completion_tokens=completion,
        created_at=created, updated_at=updated, detail=detail,
    )


class SubagentRuntime:
    """The sessions of one episode (implements :class:`~isetrace.tools.session_tools.SessionsRuntime`).

    ``context`` is the main agent's tool context (sub-agents get a copy with their own background jobs
    and no runtime); ``main_messages`` is the episode's live message list; ``system_prompt`` renders the
    agent system prompt for a given dialect (the episode's own logic, so both prompts stay alike).
    """

    def __init__(self, client: ChatModel, dialect: Dialect, context: ToolContext, *, limits: SimulateConfig,
                 counters: EpisodeCounters, main_messages: Sequence[Message],
                 system_prompt: Callable[[Dialect], Awaitable[str]]) -> None:
        self._client = client
        self._context = context
        self._limits = limits
        self._counters = counters
        self._main_messages = main_messages
        self._system_prompt = system_prompt
        self._sub_dialect = without_session_tools(dialect)
        self._sub_prompt: str | None = None
        self._subs: dict[str, _SubSession] = {}
        self._created = _now()

    # ------------------------------------------------------------------ reading
    @property
    def model(self) -> str:
        return self._client.model

    def sessions(self) -> list[SessionView]:
        main = _view(MAIN_KEY, None, "", self._main_messages, self.model, "running", self._created, _now(), "")
        return [main, *(self._sub_view(sub) for sub in self._subs.values())]

    def session(self, key: str) -> SessionView:
        if key == MAIN_KEY:
            return self.sessions()[0]
        return self._sub_view(self._sub(key))

    def transcript(self, key: str) -> list[Message]:
        return list(self._main_messages if key == MAIN_KEY else self._sub(key).messages)

    def agents(self) -> list[AgentView]:
        return [AgentView(MAIN_AGENT_ID, self.model, default=True)]

    def subagent_transcripts(self) -> dict[str, list[Message]]:
        """Every sub-agent's messages, by session key."""
        return {key: list(sub.messages) for key, sub in self._subs.items()}

    @property
    def subagent_steps(self) -> int:
        """Model calls made by sub-agents (already added to the episode's counters)."""
        return sum(1 for sub in self._subs.values() for m in sub.messages if m.role == "assistant")

    @property
    def subagent_tokens(self) -> int:
        """Tokens used by sub-agents (already added to the episode's counters)."""
        return sum(sum(_tokens(sub.messages)) for sub in self._subs.values())

    def _sub(self, key: str) -> _SubSession:
        found = self._subs.get(key)
        if found is None:
            known = ", ".join([MAIN_KEY, *self._subs])
            raise ToolError(f"no session {key!r} (known sessions: {known})")
        return found

    def _sub_view(self, sub: _SubSession) -> SessionView:
        return _view(sub.key, sub.label, sub.task, sub.messages, self.model, sub.status, sub.created_at,
                     sub.updated_at, sub.detail)

    # ------------------------------------------------------------------ acting
    async def spawn(self, task: str, *, label: str | None, agent_id: str | None,
                    timeout_s: float | None, cwd: str | None = None) -> TurnReport:
        if agent_id not in (None, MAIN_AGENT_ID):
            raise ToolError(f"unknown agentId {agent_id!r} (agents you can spawn: {MAIN_AGENT_ID})")
        if len(self._subs) >= MAX_SUBAGENTS:
            raise ToolError(f"this session already spawned {MAX_SUBAGENTS} sub-agents, the most allowed; "
                            "reuse one with sessions_send")
        if label is not None and any(sub.label == label for sub in self._subs.values()):
            raise ToolError(f"the label {label!r} is already used; choose another one")
        self._check_budget()
        if self._sub_prompt is None:
            self._sub_prompt = await self._system_prompt(self._sub_dialect)
        key = f"subagent:{len(self._subs) + 1}"
        context = dataclasses.replace(self._context, sessions=None,
                                      default_workdir=cwd or self._context.default_workdir)
        agent = Agent(self._client, self._sub_dialect, context, max_turn_steps=self._limits.max_turn_steps)
        sub = _SubSession(key, label, task, agent, _now(),
                          [Message(role="system", content=self._sub_prompt, meta=MessageMeta(producer="system"))])
        self._subs[key] = sub
        return await self._turn(sub, task, timeout_s)

    async def send(self, key: str, message: str, *, timeout_s: float | None) -> TurnReport:
        if key == MAIN_KEY:
            others = ", ".join(self._subs) or "none yet; spawn one with sessions_spawn"
            raise ToolError(f"{MAIN_KEY} is your own session: you cannot send messages to yourself "
                            f"(sub-agent sessions: {others})")
        sub = self._sub(key)
        if sub.status == "killed":
            raise ToolError(f"{key} was killed and takes no more messages; spawn a new sub-agent")
        self._check_budget()
        return await self._turn(sub, message, timeout_s)

    async def kill(self, key: str) -> SessionView:
        if key == MAIN_KEY:
            raise ToolError(f"{MAIN_KEY} is your own session and cannot be killed")
        sub = self._sub(key)
        if sub.status != "killed":
            jobs = sub.agent.context.jobs
            for job in jobs.all():
                await jobs.kill(job)
            sub.status, sub.detail, sub.updated_at = "killed", "killed by the main session", _now()
        return self._sub_view(sub)

    def _steps_left(self) -> int:
        return self._limits.max_agent_steps - self._counters.steps

    def _over_budget(self) -> bool:
        budget = self._limits.max_episode_tokens
        return budget is not None and self._counters.tokens > budget

    def _check_budget(self) -> None:
        if self._steps_left() <= 0:
            raise ToolError("the episode has no agent steps left for a sub-agent; finish the work yourself")
        if self._over_budget():
            raise ToolError("the episode's token budget is spent; no sub-agent can run")

    async def _turn(self, sub: _SubSession, text: str, timeout_s: float | None) -> TurnReport:
        """One turn of ``sub`` on ``text``, a step at a time, within every limit (see the module docstring)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        sub.messages.append(Message(role="user", content=text, meta=MessageMeta(
            producer="agent", endpoint=self._client.role, model=self.model, provenance=self._client.provenance)))
        sub.status, sub.detail, sub.updated_at = "running", "", _now()
        added: list[Message] = []
        steps, reply, stop, timed_out = 0, "", "", False
        try:
            while True:
                stop, timed_out = self._stop_reason(steps, deadline, timeout_s)
                if stop:
                    break
                limit = asyncio.timeout(None if deadline is None else deadline - loop.time())
                try:
                    async with limit:
                        turn = await sub.agent.take_turn(sub.messages, step_budget=1)
                except AgentTurnFailed as failed:
                    # the sub-agent's executed calls stay in its transcript; the cause ends the main turn,
                    # which keeps its own part the same way
                    sub.messages.extend(failed.turn.messages)
                    self._counters.steps += failed.turn.steps
                    raise failed.error from failed
                except TimeoutError:
                    if not limit.expired():
                        raise
                    stop, timed_out = f"timed out after {timeout_s:g}s (the step in progress was cancelled)", True
                    break
                steps += turn.steps
                sub.messages.extend(turn.messages)
                added.extend(turn.messages)
                sub.updated_at = _now()
                self._counters.steps += turn.steps
                self._counters.tokens += turn.tokens
                if not turn.cut_off:
                    reply = turn.reply
                    break
        except BaseException as exc:
            sub.status, sub.detail, sub.updated_at = "failed", f"stopped by {type(exc).__name__}", _now()
            raise
        sub.status, sub.detail, sub.updated_at = ("failed" if stop else "done"), stop, _now()
        return TurnReport(session=self._sub_view(sub), reply=reply, steps=steps,
                          tool_calls=sum(len(m.tool_calls) for m in added), tokens=sum(_tokens(added)),
                          cut_off=bool(stop) and not timed_out, timed_out=timed_out)

    def _stop_reason(self, steps: int, deadline: float | None, timeout_s: float | None) -> tuple[str, bool]:
        """Why the turn must stop before its next step ('' to go on), and whether it is the timeout."""
        if steps >= self._limits.max_turn_steps:
            return f"cut off after {steps} steps (the per-turn limit)", False
        if self._steps_left() <= 0:
            return f"cut off after {steps} steps: the episode has no agent steps left", False
        if self._over_budget():
            return f"cut off after {steps} steps: the episode's token budget is spent", False
        if deadline is not None and asyncio.get_running_loop().time() >= deadline:
            return f"timed out after {timeout_s:g}s", True
        return "", False
