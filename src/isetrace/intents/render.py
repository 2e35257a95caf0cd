"""Rendering sampled intents into first-person requests through the renderer endpoint.

Each sampled intent's 4D spec is put into the ``render_intent`` prompt; the model answers
:class:`RenderReply` (``{"intent": "…"}``), asked for as structured output. A failure (endpoint down, no
usable JSON after the re-asks, empty text) is recorded with its reason and the raw reply rather than
raised, so one bad intent never stops the others — except a refused API key, which would refuse every
intent the same way and so stops the stage (:class:`~isetrace.errors.AuthenticationFailed` propagates).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, field_validator

from isetrace.errors import AuthenticationFailed, EndpointError, LLMReplyError
from isetrace.intents.library import Library
from isetrace.prompts import render_prompt
from isetrace.records import Intent

if TYPE_CHECKING:  # the client is handed in; loading it (and its SDK) here would slow every ``ise`` start
    from isetrace.llm.model import ChatModel

__all__ = ["RenderOutcome", "RenderReply", "render_intents", "spec_of"]


class RenderReply(BaseModel):
    """What the renderer answers: the request, in the persona's voice."""

    intent: str
    """The first-person request, with its data inline and its deliverable."""

    @field_validator("intent")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the request is empty")
        return value.strip()


@dataclass(frozen=True)
class RenderOutcome:
    """One intent after rendering: the rendered intent, or the reason it failed."""

    sampled: Intent
    rendered: Intent | None
    reason: str = ""
    raw: str = ""
    """The unusable reply behind a failure (cut short), so it can be inspected."""


def spec_of(intent: Intent) -> dict[str, object]:
    """The 4D spec the renderer sees: persona, domains with their selected tasks, complexity."""
    persona = intent.metadata.persona
    return {
        "persona": persona.model_dump(mode="json") if persona else {},
        "domains": [d.model_dump(mode="json") for d in intent.metadata.domains],
        "complexity": intent.complexity,
    }


def _definition(library: Library, complexity: str) -> str:
    for level in library.complexity:
        if level.name == complexity:
            return level.definition
    return "a request of ordinary size."


async def _render_one(client: ChatModel, library: Library, intent: Intent) -> RenderOutcome:
    prompt = render_prompt(
        "render_intent",
        spec_json=json.dumps(spec_of(intent), indent=2, ensure_ascii=False),
        complexity_definition=_definition(library, intent.complexity),
    )
    messages = [{"role": "system", "content": prompt},
                {"role": "user", "content": "Write the request now."}]
    try:
        reply, _ = await client.chat_structured(messages, RenderReply)
    except AuthenticationFailed:
        raise
    except LLMReplyError as exc:
        return RenderOutcome(intent, None, str(exc), raw=exc.raw)
    except EndpointError as exc:
        return RenderOutcome(intent, None, f"renderer endpoint failed: {exc}")
    rendered = intent.model_copy(update={"natural_language_intent": reply.intent})
    return RenderOutcome(intent, rendered)


async def render_intents(
    client: ChatModel,
    library: Library,
    intents: Sequence[Intent],
    on_done: Callable[[RenderOutcome], None] | None = None,
) -> list[RenderOutcome]:
    """Render all ``intents`` concurrently (the client bounds how many at once), in input order.

    Raises :class:`~isetrace.errors.AuthenticationFailed` at the first refused key (the rest cancelled).
    """

    async def one(intent: Intent) -> RenderOutcome:
        outcome = await _render_one(client, library, intent)
        if on_done is not None:
            on_done(outcome)
        return outcome

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(intent)) for intent in intents]
    except* AuthenticationFailed as refused:  # every other intent would be refused alike: stop, say it once
        raise refused.exceptions[0] from None
    return [task.result() for task in tasks]
