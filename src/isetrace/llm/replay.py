"""A :class:`~isetrace.llm.model.ChatModel` that answers from a list of canned replies, in-process.

For unit tests that need exact replies (a tool call with broken arguments, a user who ends the task at
once, a renderer reply of the wrong shape) without a server or a policy in between. Each canned reply
goes through the same reading as a server's (:func:`~isetrace.llm.replies.reply_from_completion`), so
tool calls are checked against the offered tools and ``<think>`` blocks are split exactly as they would
be; what it was asked is kept in :attr:`ReplayModel.requests` for the test to inspect.

>>> model = ReplayModel(["Done.", {"tool_calls": [tool_call("exec", {"command": "ls"})]}])
"""

from __future__ import annotations

import copy
import json
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from isetrace.errors import EndpointError, EndpointUnavailable, LLMReplyError
from isetrace.llm.model import JSON_ASKS, MAX_RAW_CHARS, ask_structured
from isetrace.llm.replies import ChatReply, reply_from_completion

__all__ = ["Canned", "ReplayModel", "ReplayRequest", "tool_call"]

Reply = TypeVar("Reply", bound=BaseModel)

Canned = str | Mapping[str, Any] | EndpointError
"""One canned reply: the assistant's text; an assistant message (``content``, ``tool_calls``,
``reasoning_content``, and optionally ``usage``); or an endpoint error to raise instead of answering."""


def tool_call(name: str, arguments: Mapping[str, Any] | str, call_id: str | None = None) -> dict[str, Any]:
    """One tool call as an OpenAI assistant message carries it; a string is sent as the raw arguments.

    Without ``call_id`` the replay model gives the call one, unique in its conversation.
    """
    raw = arguments if isinstance(arguments, str) else json.dumps(dict(arguments))
    call: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": raw}}
    if call_id is not None:
        call["id"] = call_id
    return call


@dataclass(frozen=True)
class ReplayRequest:
    """What the model was asked once: the messages and the tools offered (deep copies)."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None


class ReplayModel:
    """Answers each request with the next canned reply; running out is an endpoint failure that says so."""

    def __init__(self, replies: Iterable[Canned], *, role: str = "agent", model: str = "replay",
                 provenance: str | None = None) -> None:
        self._replies: deque[Canned] = deque(replies)
        self._given = len(self._replies)
        self._role = role
        self._model = model
        self._provenance = provenance or f"replay:{model}"
        self.requests: list[ReplayRequest] = []

    @property
    def role(self) -> str:
        return self._role

    @property
    def model(self) -> str:
        return self._model

    @property
    def provenance(self) -> str:
        return self._provenance

    @property
    def remaining(self) -> int:
        """Canned replies not yet given."""
        return len(self._replies)

    async def chat(self, messages: Sequence[Mapping[str, Any]],
                   tools: Sequence[Mapping[str, Any]] | None = None) -> ChatReply:
        """The next canned reply, read as a server's would be.

        Raises the canned :class:`EndpointError` when that is what comes next,
        :class:`EndpointUnavailable` when the replies have run out, and :class:`LLMReplyError` for an
        empty reply (what the HTTP client ends with when a server keeps answering with nothing).
        """
        self.requests.append(ReplayRequest([copy.deepcopy(dict(m)) for m in messages],
                                           [copy.deepcopy(dict(t)) for t in tools] if tools else None))
        if not self._replies:
            raise EndpointUnavailable(
                f"{self._role} replay model has no reply left for request {len(self.requests)} "
                f"({self._given} were given)", role=self._role, attempts=1, reason="out of canned replies")
        canned = self._replies.popleft()
        if isinstance(canned, EndpointError):
            raise canned
        message: dict[str, Any] = {"role": "assistant", "content": canned} if isinstance(canned, str) else dict(canned)
        if message.get("tool_calls"):
            message["tool_calls"] = [{"id": f"call_{len(self.requests)}_{index}", **call}
                                     for index, call in enumerate(message["tool_calls"])]
        completion = {
            "model": self._model,
            "choices": [{"message": message, "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
            "usage": message.pop("usage", None) or {},
        }
        offered = {str(t.get("function", {}).get("name")) for t in tools} if tools else None
        reply = reply_from_completion(completion, offered)
        if reply.is_empty:
            raise LLMReplyError(f"{self._role} replay model gave an empty reply", role=self._role, attempts=1,
                                raw=reply.content[:MAX_RAW_CHARS])
        return reply

    async def chat_structured(self, messages: Sequence[Mapping[str, Any]], reply_model: type[Reply], *,
                              asks: int = JSON_ASKS) -> tuple[Reply, ChatReply]:
        """Canned replies until one reads as ``reply_model``, ``asks`` in all, as the HTTP client does."""
        return await ask_structured(lambda _number: self.chat(messages), reply_model, role=self._role, asks=asks)
