"""What the session tools need of an episode's sessions: the :class:`SessionsRuntime` protocol and the
views it answers with.

The runtime itself lives with the episode loop (:mod:`isetrace.simulate.subagents`), which runs agents;
the tools only call it, through :attr:`ToolContext.sessions <isetrace.tools.context.ToolContext.sessions>`.
Keeping the protocol here, with nothing but records below it, lets the context name the runtime's type
without the tools package importing itself in a circle or the episode loop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol

from isetrace.records import Message

__all__ = ["MAIN_KEY", "AgentView", "SessionKind", "SessionStatus", "SessionView", "SessionsRuntime", "TurnReport"]

MAIN_KEY = "main"
"""The key of the episode's own (main) agent session."""

SessionKind = Literal["main", "subagent"]
SessionStatus = Literal["running", "done", "killed", "failed"]


@dataclass(frozen=True)
class SessionView:
    """One session as the tools report it (a snapshot: the runtime keeps the live state)."""

    key: str
    kind: SessionKind
    label: str | None
    agent_id: str
    model: str
    status: SessionStatus
    task: str
    """What a sub-agent was spawned to do ('' for the main session)."""
    turns: int
    """Messages received (user turns for main, the task and each send/steer for a sub-agent)."""
    steps: int
    """Model calls made."""
    tool_calls: int
    prompt_tokens: int
    completion_tokens: int
    created_at: dt.datetime
    updated_at: dt.datetime
    detail: str = ""
    """Why a session failed or was stopped ('' otherwise)."""


@dataclass(frozen=True)
class AgentView:
    """An agent id that sessions_spawn accepts."""

    agent_id: str
    model: str
    default: bool


@dataclass(frozen=True)
class TurnReport:
    """What one sub-agent turn (spawn, send or steer) did."""

    session: SessionView
    reply: str
    steps: int
    tool_calls: int
    tokens: int
    cut_off: bool = False
    """The turn stopped at a step limit while the sub-agent still wanted to call tools."""
    timed_out: bool = False


class SessionsRuntime(Protocol):
    """The sessions of one episode, as the session tools need them.

    Every method raises :class:`ToolError` for what the model got wrong (an unknown key, which lists the
    known ones; a killed session; a message to ``main``); the running methods also propagate the agent
    endpoint's :class:`~isetrace.errors.EndpointError` and the sandbox's ``SandboxUnavailable``.
    """

    def sessions(self) -> list[SessionView]:
        """Every session: main first, then sub-agents in the order they were spawned."""
        ...

    def session(self, key: str) -> SessionView:
        """One session by key."""
        ...

    def transcript(self, key: str) -> list[Message]:
        """A session's messages so far (main's without the turn in progress)."""
        ...

    def agents(self) -> list[AgentView]:
        """The agent ids that can be spawned."""
        ...

    async def spawn(self, task: str, *, label: str | None, agent_id: str | None,
                    timeout_s: float | None, cwd: str | None = None) -> TurnReport:
        """Start a sub-agent on ``task`` and run its first turn to the end; ``cwd`` (absolute, inside the
        workspace, checked by the caller) is where its shell commands run when they name no workdir."""
        ...

    async def send(self, key: str, message: str, *, timeout_s: float | None) -> TurnReport:
        """Give a sub-agent one more message and run its turn to the end."""
        ...

    async def kill(self, key: str) -> SessionView:
        """Stop a sub-agent for good (and its background jobs)."""
        ...
