"""Deterministic policies behind the scripted OpenAI-compatible endpoint.

`respond(body)` takes the parsed JSON body of a POST /v1/chat/completions request, recognises which
role the request is for, and returns what the scripted model says. The role comes from the request's
structure, never from markers in the prompts (see `detect_role`), unless the caller names it (the
server reads the `X-Ise-Role` header). Every reply is a pure function of the body (seeded with SHA-256
of the relevant text), so the offline demo and the tests are reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from . import agent, judge, renderer, user
from ._reply import PolicyInputError, PolicyReply, PolicyToolCall
from ._sloppiness import Sloppiness
from ._text import fenced_json_objects, message_role, message_text

__all__ = ["PolicyInputError", "PolicyReply", "PolicyToolCall", "Role", "Sloppiness", "detect_role", "respond"]


class Role(Enum):
    """The four roles the scripted endpoint plays."""

    RENDERER = "renderer"
    USER = "user"
    AGENT = "agent"
    JUDGE = "judge"


def detect_role(body: Mapping[str, object]) -> Role:
    """The role a request is for, from its structure.

    A request that offers tools is the agent's. Otherwise the first system message decides: a ```json
    block with a ``rubric`` key is the judge's; one with an ``intent`` key is the simulated user's setup
    (what it wants done); one with a ``persona`` but no ``intent`` is the intent writer's 4D spec.
    Anything else is an agent request.
    """
    if body.get("tools"):
        return Role.AGENT
    messages = body.get("messages")
    if isinstance(messages, list) and messages and message_role(messages[0]) == "system":
        for block in fenced_json_objects(message_text(messages[0]), "json"):
            if "rubric" in block:
                return Role.JUDGE
            if "intent" in block:
                return Role.USER
            if "persona" in block:
                return Role.RENDERER
    return Role.AGENT


def respond(body: Mapping[str, object], role: Role | None = None,
            sloppiness: Sloppiness | None = None) -> PolicyReply:
    """The scripted model's reply to one chat-completions request body, as ``role`` (recognised from the
    body when not given); ``sloppiness`` makes the agent do less than it says now and then.

    Raises `PolicyInputError` when a renderer or user request lacks its ```json block.
    """
    role = role or detect_role(body)
    if role is Role.RENDERER:
        return renderer.respond(body)
    if role is Role.USER:
        return user.respond(body)
    if role is Role.JUDGE:
        return judge.respond(body)
    return agent.respond(body, sloppiness)
