"""Rendering sampled intents into first-person requests through the renderer endpoint.

Each sampled intent's 4D spec is put into the ``render_intent`` prompt; the model answers
:class:`RenderReply` (``{"intent": "…", "checks": […]}``: the request, and the checks that decide whether
its deliverable exists and is right; with worlds, ``"world": {…}``, the state they start from), asked
for as structured output. A world seed that does not parse fails the intent, saying why. A failure (endpoint down, no
usable JSON after the re-asks, empty text) is recorded with its reason and the raw reply rather than
raised, so one bad intent never stops the others — except a refused API key, which would refuse every
intent the same way and so stops the stage (:class:`~isetrace.errors.AuthenticationFailed` propagates).
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, Field, field_validator

from isetrace.errors import AuthenticationFailed, EndpointError, LLMReplyError
from isetrace.intents.library import Library
from isetrace.prompts import render_prompt
from isetrace.records import Intent
from isetrace.verify import CheckError, checks_schema, describe_kinds, parse_check
from isetrace.worlds.seed import WorldSeed, WorldSeedError, parse_seed, seed_record

if TYPE_CHECKING:  # the client is handed in; loading it (and aiohttp) here would slow every ``ise`` start
    from isetrace.llm.model import ChatModel

__all__ = ["CheckedRenderReply", "RenderOutcome", "RenderReply", "WorldRenderReply", "render_intents", "reply_shape",
           "spec_of", "usable_checks"]


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


class CheckedRenderReply(RenderReply):
    """The request and the checks of its deliverable (``intents.write_checks``)."""

    checks: list[dict[str, Any]] = Field(default_factory=list)
    """What decides that the deliverable exists and is right, in the check vocabulary (:mod:`isetrace.verify`);
    each is parsed on its own, and one outside the vocabulary is dropped with its reason."""
    worlds: ClassVar[tuple[str, ...]] = ()
    """The run's worlds: their check kinds are offered, and (in :class:`WorldRenderReply`) their seed asked for."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The schema sent as structured output: ``checks`` is a list of the check kinds the run can evaluate."""
        schema = super().model_json_schema(*args, **kwargs)
        schema["properties"]["checks"] = checks_schema(cls.worlds)
        return schema


class WorldRenderReply(CheckedRenderReply):
    """The request, its checks, and the starting state of the worlds it involves (``worlds.*`` on)."""

    world: dict[str, Any] = Field(default_factory=dict)
    """The seed of the session's worlds (:class:`isetrace.worlds.seed.WorldSeed`); parsed when the reply is used."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema = super().model_json_schema(*args, **kwargs)
        seed = WorldSeed.model_json_schema()
        schema.setdefault("$defs", {}).update(seed.pop("$defs", {}))
        schema["properties"]["world"] = seed
        return schema


def reply_shape(write_checks: bool, worlds: Sequence[str]) -> type[RenderReply]:
    """The reply a renderer is asked for: the request; its checks; with worlds, their seed too."""
    if worlds:
        return _world_reply(tuple(worlds))
    return CheckedRenderReply if write_checks else RenderReply


@functools.cache
def _world_reply(worlds: tuple[str, ...]) -> type[WorldRenderReply]:
    """The reply model of a run with ``worlds``: made once, not once an intent (a model class is not free)."""
    return type("WorldRenderReplyFor", (WorldRenderReply,), {"worlds": worlds})


@dataclass(frozen=True)
class RenderOutcome:
    """One intent after rendering: the rendered intent, or the reason it failed."""

    sampled: Intent
    rendered: Intent | None
    reason: str = ""
    raw: str = ""
    """The unusable reply behind a failure (cut short), so it can be inspected."""
    dropped_checks: tuple[str, ...] = ()
    """Why each check the renderer wrote outside the vocabulary was dropped."""


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


async def _render_one(client: ChatModel, library: Library, intent: Intent, write_checks: bool,
                      worlds: Sequence[str]) -> RenderOutcome:
    prompt = render_prompt(
        "render_intent",
        spec_json=json.dumps(spec_of(intent), indent=2, ensure_ascii=False),
        complexity_definition=_definition(library, intent.complexity),
        check_kinds=describe_kinds(worlds) if write_checks or worlds else "",
        worlds=list(worlds),
    )
    shape = reply_shape(write_checks, worlds)
    messages = [{"role": "system", "content": prompt},
                {"role": "user", "content": "Write the request now."}]
    try:
        reply, _ = await client.chat_structured(messages, shape)
    except AuthenticationFailed:
        raise
    except LLMReplyError as exc:
        return RenderOutcome(intent, None, str(exc), raw=exc.raw)
    except EndpointError as exc:
        return RenderOutcome(intent, None, f"renderer endpoint failed: {exc}")
    checks, dropped = usable_checks(reply.checks if isinstance(reply, CheckedRenderReply) else [], worlds)
    update: dict[str, Any] = {"natural_language_intent": reply.intent, "checks": checks}
    if isinstance(reply, WorldRenderReply) and reply.world:
        try:
            update["world"] = seed_record(parse_seed(reply.world))
        except WorldSeedError as exc:
            return RenderOutcome(intent, None, f"the world seed is not usable: {exc}",
                                 raw=json.dumps(reply.world, ensure_ascii=False)[:2000])
    rendered = intent.model_copy(update=update)
    return RenderOutcome(intent, rendered, dropped_checks=tuple(dropped))


def usable_checks(specs: Sequence[object], worlds: Sequence[str] = ()) -> tuple[list[dict[str, Any]], list[str]]:
    """The specs that are checks a run with ``worlds`` can evaluate, as stored (``spec()``), and why each other
    one is not (outside the vocabulary, or of a world the run does not have)."""
    kept: list[dict[str, Any]] = []
    dropped: list[str] = []
    for spec in specs:
        try:
            check = parse_check(spec)
        except CheckError as exc:
            dropped.append(str(exc))
            continue
        if check.world is not None and check.world not in worlds:
            dropped.append(f"check {check.kind} reads the {check.world} world, which this run does not have "
                           f"(worlds.{check.world})")
        else:
            kept.append(check.spec())
    return kept, dropped


async def render_intents(
    client: ChatModel,
    library: Library,
    intents: Sequence[Intent],
    on_done: Callable[[RenderOutcome], None] | None = None,
    *,
    write_checks: bool = True,
    worlds: Sequence[str] = (),
) -> list[RenderOutcome]:
    """Render all ``intents`` concurrently (the client bounds how many at once), in input order; with
    ``write_checks``, each with the checks of its deliverable; with ``worlds`` (the run's, by name), each
    with the seed of the worlds it involves and their check kinds offered.

    Raises :class:`~isetrace.errors.AuthenticationFailed` at the first refused key (the rest cancelled).
    """

    async def one(intent: Intent) -> RenderOutcome:
        outcome = await _render_one(client, library, intent, write_checks, worlds)
        if on_done is not None:
            on_done(outcome)
        return outcome

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(intent)) for intent in intents]
    except* AuthenticationFailed as refused:  # every other intent would be refused alike: stop, say it once
        raise refused.exceptions[0] from None
    return [task.result() for task in tasks]
