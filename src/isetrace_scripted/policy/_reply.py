"""The value every role policy returns, and the one error the policies raise.

The server owns the wire format (call ids, JSON-encoded arguments, usage); the policies only decide
*what* to say, so the reply is a plain frozen value that is easy to compare in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PolicyInputError(ValueError):
    """The request lacks what the recognised role needs (e.g. no ```json spec block for the renderer).

    A prompt bug should fail loudly instead of producing plausible-looking data from nothing.
    """


@dataclass(frozen=True)
class PolicyToolCall:
    """One tool call the scripted agent wants to make; `arguments` use the schema's parameter names."""

    name: str
    arguments: dict[str, object]


@dataclass(frozen=True)
class PolicyReply:
    """What the scripted model says: prose, tool calls, or both, plus optional visible reasoning."""

    content: str | None
    tool_calls: list[PolicyToolCall] = field(default_factory=list)
    reasoning: str | None = None
