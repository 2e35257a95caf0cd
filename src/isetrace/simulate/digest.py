"""A short digest of what the agent's tools really did in one turn, for the simulated user.

The original simulator saw only the agent's prose, so an agent that claimed success it did not
achieve fooled it. Ours also sees this digest — tool calls, failures, failures never recovered, files
changed, the first errors — and is told to trust it over the prose.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from isetrace.records import Message

__all__ = ["TurnDigest", "digest_turn", "with_digest"]

MAX_ERRORS = 5
MAX_ERROR_CHARS = 200


@dataclass(frozen=True)
class TurnDigest:
    """What happened in one agent turn, as counted from the tool results (never from the prose)."""

    tool_calls: int = 0
    failed: int = 0
    unresolved_failures: int = 0
    files_changed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def block(self) -> str:
        """The fenced block appended to the agent's reply in the simulator's view."""
        return "```digest\n" + json.dumps(asdict(self), ensure_ascii=False) + "\n```"


def _first_line(content: str | None) -> str:
    lines = [line for line in (content or "").splitlines() if line.strip() and not line.startswith("exit code:")]
    text = lines[0] if lines else (content or "").strip()
    return text[:MAX_ERROR_CHARS]


def digest_turn(messages: list[Message]) -> TurnDigest:
    """Count the tool results of one turn. A failure is *resolved* when a later call of the same tool in
    the same turn succeeded — the agent noticed and recovered."""
    results = [m for m in messages if m.role == "tool" and m.result is not None]
    files: list[str] = []
    errors: list[str] = []
    failed = unresolved = 0
    for index, message in enumerate(results):
        assert message.result is not None
        for path in message.result.files_changed:
            if path not in files:
                files.append(path)
        if message.result.ok:
            continue
        failed += 1
        if len(errors) < MAX_ERRORS:
            errors.append(f"{message.result.tool}: {_first_line(message.content)}")
        later = results[index + 1 :]
        if not any(m.result is not None and m.result.ok and m.result.tool == message.result.tool for m in later):
            unresolved += 1
    return TurnDigest(len(results), failed, unresolved, files, errors)


def with_digest(reply: str, digest: TurnDigest) -> str:
    """The agent's reply as the simulated user sees it: the prose, then the digest."""
    prose = reply.strip() or "(the agent sent no message)"
    return f"{prose}\n\n{digest.block()}"
