"""The agent conversation as exchanges: one assistant tool-call batch and the tool results it got back.

The agent policy keeps no state between requests; everything it needs (which plan step comes next, what
failed, what was written) is read back from the messages, split at the latest `user` message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._reply import PolicyToolCall
from ._results import is_failure
from ._text import content_text, message_role, message_text


@dataclass(frozen=True)
class Exchange:
    """One batch of tool calls and their results, in call order ("" for a result that never came)."""

    calls: tuple[PolicyToolCall, ...]
    results: tuple[str, ...]

    @property
    def failed(self) -> bool:
        """Whether any call of the batch failed."""
        return any(is_failure(result) for result in self.results)


@dataclass(frozen=True)
class History:
    """The conversation split at the latest user message."""

    request: str
    earlier: tuple[Exchange, ...]
    current: tuple[Exchange, ...]


RUNTIME_CONTEXT_MARK = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>"
"""How OpenClaw opens the context it appends as a ``user`` message after tool results (active processes,
sub-agents): data for the model, not a new request."""


def _is_request(message: object) -> bool:
    return message_role(message) == "user" and not message_text(message).lstrip().startswith(RUNTIME_CONTEXT_MARK)


def read_history(messages: Sequence[object]) -> History:
    """Split the messages at the latest `user` request and group tool calls with their results.

    A runtime's own context messages in the user role (OpenClaw's) are not requests: splitting there would
    start the plan again after every tool result, for ever.
    """
    last_user = max((index for index, message in enumerate(messages) if _is_request(message)), default=-1)
    request = message_text(messages[last_user]) if last_user >= 0 else ""
    return History(
        request,
        tuple(_exchanges(messages[: max(last_user, 0)])),
        tuple(_exchanges(messages[last_user + 1 :])),
    )


def _exchanges(messages: Sequence[object]) -> list[Exchange]:
    exchanges: list[Exchange] = []
    pending: list[tuple[str, PolicyToolCall]] = []
    results: dict[str, str] = {}
    unnamed: list[str] = []

    def close() -> None:
        if pending:
            ordered = [results.get(call_id) for call_id, _ in pending]
            fill = iter(unnamed)
            texts = tuple(text if text is not None else next(fill, "") for text in ordered)
            exchanges.append(Exchange(tuple(call for _, call in pending), texts))
        pending.clear()
        results.clear()
        unnamed.clear()

    for message in messages:
        role = message_role(message)
        if role == "assistant":
            close()
            pending.extend(_tool_calls(message))
        elif role == "tool" and isinstance(message, Mapping):
            text = content_text(message.get("content"))
            call_id = message.get("tool_call_id")
            if isinstance(call_id, str) and any(known == call_id for known, _ in pending):
                results[call_id] = text
            else:
                unnamed.append(text)
        elif role == "user" and _is_request(message):
            close()
    close()
    return exchanges


def _tool_calls(message: object) -> list[tuple[str, PolicyToolCall]]:
    """(id, call) pairs of an assistant message; arguments may arrive as a JSON string or an object."""
    raw_calls = message.get("tool_calls") if isinstance(message, Mapping) else None
    calls: list[tuple[str, PolicyToolCall]] = []
    for index, raw in enumerate(raw_calls if isinstance(raw_calls, list) else []):
        function = raw.get("function") if isinstance(raw, Mapping) else None
        if not isinstance(function, Mapping):
            continue
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                arguments = {}
        call_id = raw.get("id") if isinstance(raw, Mapping) else None
        calls.append(
            (
                call_id if isinstance(call_id, str) else f"#{index}",
                PolicyToolCall(
                    str(function.get("name", "")), dict(arguments) if isinstance(arguments, Mapping) else {}
                ),
            )
        )
    return calls
