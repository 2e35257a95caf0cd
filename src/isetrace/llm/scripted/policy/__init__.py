"""Deterministic policies behind the scripted OpenAI-compatible endpoint.

`respond(body)` takes the parsed JSON body of a POST /v1/chat/completions request, recognises which
role the request is for, and returns what the scripted model says. The role is recognised from the
prompt contract: a first system message whose first line is `# Role: intent writer` or
`# Role: simulated user`; anything else is an agent request. Every reply is a pure function of the
body (seeded with SHA-256 of the relevant text), so the offline demo and the tests are reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from . import agent, renderer, user
from ._reply import PolicyInputError, PolicyReply, PolicyToolCall
from ._text import message_role, message_text

__all__ = ["PolicyInputError", "PolicyReply", "PolicyToolCall", "Role", "detect_role", "respond"]


class Role(Enum):
    """The three roles the scripted endpoint plays."""

    RENDERER = "renderer"
    USER = "user"
    AGENT = "agent"


_MARKERS = {renderer.ROLE_MARKER: Role.RENDERER, user.ROLE_MARKER: Role.USER}


def detect_role(body: Mapping[str, object]) -> Role:
    """The role a request is for, from the first line of its first message when that is a system message."""
    messages = body.get("messages")
    if isinstance(messages, list) and messages and message_role(messages[0]) == "system":
        first_line = message_text(messages[0]).lstrip("\ufeff").split("\n", 1)[0].strip()
        return _MARKERS.get(first_line, Role.AGENT)
    return Role.AGENT


def respond(body: Mapping[str, object]) -> PolicyReply:
    """The scripted model's reply to one chat-completions request body.

    Raises `PolicyInputError` when a renderer or user request lacks its ```json block.
    """
    role = detect_role(body)
    if role is Role.RENDERER:
        return renderer.respond(body)
    if role is Role.USER:
        return user.respond(body)
    return agent.respond(body)
