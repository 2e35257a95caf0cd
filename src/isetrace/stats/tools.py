"""How the corpus's tool calls went: results, failures by kind, and the failures recovered in their turn.

A tool message counts when it carries a structured result: failed means ``ok`` false, a command's
non-zero exit included. A failure is *recovered* when a later call of the same tool succeeds in the same
agent turn, that is before the next user message: what the user does about it afterwards is the user's
recovery, not the agent's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from isetrace.records import Message, ToolResult

__all__ = ["ToolTally", "failure_kind", "turn_results"]

TURN_STARTS = None
"""What :func:`turn_results` yields where a user message starts a new agent turn."""


def turn_results(messages: Iterable[Message]) -> Iterator[ToolResult | None]:
    """The tool results of a conversation in order, and :data:`TURN_STARTS` (``None``) at every user
    message: what counting "recovered in the same agent turn" walks through."""
    for message in messages:
        if message.role == "user":
            yield TURN_STARTS
        elif message.role == "tool" and message.result is not None:
            yield message.result


def failure_kind(result: ToolResult) -> str:
    """Why a result failed: its ``error_kind``, else ``timeout``, ``nonzero_exit`` or ``failed``."""
    if result.error_kind:
        return result.error_kind
    if result.timed_out:
        return "timeout"
    if result.exit_code not in (None, 0):
        return "nonzero_exit"
    return "failed"


@dataclass
class ToolTally:
    """Tool results of the corpus, and the failures recovered within their agent turn."""

    results: int = 0
    failures: int = 0
    recoveries: int = 0
    kinds: Counter[str] = field(default_factory=Counter)

    def add(self, messages: Sequence[Message]) -> None:
        pending: Counter[str] = Counter()  # failed calls of this agent turn not yet followed by a success
        for result in turn_results(messages):
            if result is TURN_STARTS:
                pending.clear()
                continue
            self.results += 1
            if result.ok:
                self.recoveries += pending.pop(result.tool, 0)
            else:
                self.failures += 1
                self.kinds[failure_kind(result)] += 1
                pending[result.tool] += 1
