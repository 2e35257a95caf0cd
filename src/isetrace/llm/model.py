"""What the roles need of a model: :class:`ChatModel`, and the re-ask loop every model shares.

The agent, the user simulator, the intent renderer and the judge depend on this protocol, never on a
particular client. :class:`~isetrace.llm.client.ChatClient` (HTTP, any OpenAI-compatible server) is the
implementation runs use; :class:`~isetrace.llm.replay.ReplayModel` (canned replies, in-process) is the one
unit tests use when they need exact replies.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from isetrace.errors import LLMReplyError
from isetrace.llm.replies import ChatReply
from isetrace.llm.structured import read_reply
from isetrace.records import TokenUsage

__all__ = ["JSON_ASKS", "MAX_RAW_CHARS", "ChatModel", "ask_structured"]

log = logging.getLogger(__name__)

JSON_ASKS = 3
"""How many times in all a role is asked for a JSON reply that it keeps getting wrong."""

MAX_RAW_CHARS = 2000
"""How much of an unusable reply is kept in the error (and so in the failure record)."""

Reply = TypeVar("Reply", bound=BaseModel)


@runtime_checkable
class ChatModel(Protocol):
    """A chat model as a role sees it: it answers a conversation, with tool calls or with JSON of a shape.

    Messages are OpenAI chat messages; an assistant message that only calls tools has ``content: None``
    (the model decides how its server wants that sent). Failures are :mod:`isetrace.errors` endpoint
    errors: :class:`~isetrace.errors.EndpointError` when it cannot answer, and
    :class:`~isetrace.errors.LLMReplyError` (with the raw reply) when its answers cannot be used.
    """

    @property
    def role(self) -> str:
        """The role this model plays (``agent``, ``user``, ``renderer``, ``judge``): named in errors."""
        ...

    @property
    def model(self) -> str:
        """The model's configured name, recorded with each episode."""
        ...

    @property
    def provenance(self) -> str:
        """What produced this role's text, recorded with each message (a provider's label or the model)."""
        ...

    async def chat(self, messages: Sequence[Mapping[str, Any]],
                   tools: Sequence[Mapping[str, Any]] | None = None) -> ChatReply:
        """One reply to ``messages``, offered ``tools`` (OpenAI function schemas) when given."""
        ...

    async def chat_structured(self, messages: Sequence[Mapping[str, Any]], reply_model: type[Reply], *,
                              asks: int = JSON_ASKS) -> tuple[Reply, ChatReply]:
        """A reply that is one JSON object of ``reply_model``'s shape, read; asked up to ``asks`` times."""
        ...


async def ask_structured(ask: Callable[[int], Awaitable[ChatReply]], reply_model: type[Reply], *, role: str,
                         asks: int, on_reask: Callable[[], None] | None = None) -> tuple[Reply, ChatReply]:
    """Ask (``ask(n)`` for the n-th time, from 1) until a reply reads as ``reply_model``, ``asks`` times in all.

    After the last unusable reply, :class:`LLMReplyError` says why, with the raw reply cut at
    :data:`MAX_RAW_CHARS`. A broken object is never read for a part. The reply returned carries the usage
    of every ask, the unusable ones included: they are what it cost to get.
    """
    total = max(1, asks)
    spent = TokenUsage()
    for number in range(1, total + 1):
        reply = await ask(number)
        spent = spent.plus(reply.usage)
        reply.usage = spent
        value, problem = read_reply(reply.content, reply_model)
        if value is not None:
            return value, reply
        if number == total:
            raise LLMReplyError(f"{role} endpoint gave no usable reply in {total} asks: {problem}",
                                role=role, attempts=reply.attempts, raw=reply.content[:MAX_RAW_CHARS])
        if on_reask is not None:
            on_reask()
        log.warning("%s endpoint: unusable JSON reply (%s); asking again (%d/%d)", role, problem, number + 1, total)
    raise AssertionError("unreachable")  # pragma: no cover
