"""One agent turn: the model calls tools, every call runs for real, results go back, until it answers.

The loop is the one serious harnesses use: ask the agent endpoint with the conversation and the
dialect's tool schemas; run each tool call it makes (several in one reply too) in the session's
sandbox; append the results; ask again — until a reply comes with no tool calls, or the per-turn step
limit cuts it off. What real models get wrong (arguments that are not JSON, unknown tools, missing
arguments) comes back to the model as a tool error it can see and correct; empty replies are asked
again by the client. Endpoint failures and a broken sandbox end the turn as :class:`AgentTurnFailed`,
which carries what the turn had already done: every tool call that ran stays in the episode, whatever
ends it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from isetrace.errors import EndpointError, SandboxUnavailable
from isetrace.llm.model import ChatModel
from isetrace.llm.replies import ChatReply
from isetrace.records import Message, MessageMeta
from isetrace.tools.context import ToolContext
from isetrace.tools.dialects import Dialect

__all__ = ["Agent", "AgentTurn", "AgentTurnFailed", "TakesTurns", "api_messages", "reply_meta"]


def api_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Records → OpenAI chat messages, exactly as the model is shown them (no metadata, no reasoning).

    A message without text (an assistant turn that only calls tools) keeps ``content: None``; how that
    goes over the wire is the model's business (:meth:`~isetrace.llm.client.ChatClient.request_body`).
    """
    converted: list[dict[str, Any]] = []
    for message in messages:
        item: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.tool_calls:
            item["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_raw}}
                for c in message.tool_calls
            ]
        if message.role == "tool":
            item["tool_call_id"] = message.tool_call_id
            item["name"] = message.name
        converted.append(item)
    return converted


def reply_meta(producer: Any, client: ChatModel, reply: ChatReply) -> MessageMeta:
    """Where a model-written message came from: role, endpoint, model, latency, tokens."""
    return MessageMeta(producer=producer, endpoint=client.role, model=reply.model or client.model,
                       provenance=client.provenance, latency_s=reply.latency_s, usage=reply.usage,
                       attempts=reply.attempts, cached=reply.cached)


@dataclass
class AgentTurn:
    """What one agent turn added to the conversation."""

    messages: list[Message] = field(default_factory=list)
    steps: int = 0
    """Model calls made in this turn."""
    cut_off: bool = False
    """The per-turn step limit ended the turn while the agent still wanted to call tools."""

    @property
    def tokens(self) -> int:
        """Tokens the turn's model calls used, prompt and completion."""
        return sum(m.meta.usage.total_tokens for m in self.messages if m.meta is not None)

    @property
    def reply(self) -> str:
        """The agent's final prose ('' when cut off)."""
        last = self.messages[-1] if self.messages else None
        if last is None or last.role != "assistant" or last.tool_calls:
            return ""
        return last.content or ""


class AgentTurnFailed(Exception):
    """An agent turn that could not finish: the endpoint or the sandbox failed part-way.

    ``turn`` holds what the turn did before that — the model replies and the tool calls that ran, with
    their results — so the episode keeps them. ``error`` is the cause.
    """

    def __init__(self, turn: AgentTurn, error: EndpointError | SandboxUnavailable) -> None:
        super().__init__(str(error))
        self.turn = turn
        self.error = error

    @property
    def calls_run(self) -> int:
        """Tool calls of this turn that ran before it failed."""
        return sum(1 for m in self.turn.messages if m.role == "tool")


class TakesTurns(Protocol):
    """What the episode loop needs of an agent: a turn on top of the conversation so far.

    :class:`Agent` (isetrace's tools) and :class:`~isetrace.simulate.openclaw_agent.OpenClawAgent` (the
    original runtime in the session) both are one.
    """

    async def take_turn(self, conversation: Sequence[Message], step_budget: int | None = None) -> AgentTurn: ...


class Agent:
    """The acting model: its endpoint, its tools, and the sandbox they run in."""

    def __init__(self, client: ChatModel, dialect: Dialect, context: ToolContext, *, max_turn_steps: int) -> None:
        self.client = client
        self.dialect = dialect
        self.context = context
        self.max_turn_steps = max_turn_steps
        self.schemas = dialect.schemas()

    async def take_turn(self, conversation: Sequence[Message], step_budget: int | None = None) -> AgentTurn:
        """Run one turn on top of ``conversation`` (which ends with the user's message).

        ``step_budget`` (what is left of the episode's steps) can cut the turn shorter than the per-turn
        limit. Raises :class:`AgentTurnFailed` — with the part of the turn that happened — when the
        client raises :class:`~isetrace.errors.EndpointError` or the sandbox
        :class:`~isetrace.errors.SandboxUnavailable`.
        """
        turn = AgentTurn()
        try:
            return await self._steps(conversation, turn, step_budget)
        except (EndpointError, SandboxUnavailable) as exc:
            raise AgentTurnFailed(turn, exc) from exc

    async def _steps(self, conversation: Sequence[Message], turn: AgentTurn, step_budget: int | None) -> AgentTurn:
        """The model ↔ tools loop, adding to ``turn`` as it goes (so a failure leaves what was done there)."""
        limit = self.max_turn_steps if step_budget is None else min(self.max_turn_steps, step_budget)
        while turn.steps < limit:
            turn.steps += 1
            reply = await self.client.chat(api_messages([*conversation, *turn.messages]),
                                           self.schemas)
            turn.messages.append(Message(role="assistant", content=reply.content or None,
                                         tool_calls=reply.tool_calls, reasoning_content=reply.reasoning,
                                         meta=reply_meta("agent", self.client, reply)))
            if not reply.tool_calls:
                return turn
            for call in reply.tool_calls:
                started = time.monotonic()
                outcome = await self.dialect.dispatch(call, self.context)
                turn.messages.append(Message(
                    role="tool", tool_call_id=call.id, name=call.name, content=outcome.content,
                    result=outcome.result,
                    meta=MessageMeta(producer="sandbox", latency_s=time.monotonic() - started),
                ))
        turn.cut_off = True
        return turn
