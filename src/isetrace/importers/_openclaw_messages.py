"""One OpenClaw ``message`` entry → one isetrace :class:`~isetrace.records.Message`, its shape checked.

OpenClaw (session format version 3) stores a conversation message as ``{role, content: [parts], …}``:

- ``user``: ``text`` parts (a plain string is accepted too). The OpenClaw CLI prefixes what it sends with a
  timestamp such as ``[Thu 2026-03-26 21:29 GMT+8]``; it is removed, as the original recipe does, because
  the agent's prompt carries the date elsewhere and training data must not depend on when it was made.
- ``assistant``: ``thinking`` parts (→ ``reasoning_content``), ``text`` parts (→ ``content``) and
  ``toolCall`` parts ``{id, name, arguments}`` (→ ``tool_calls``), plus ``model``, ``usage`` and
  ``stopReason``.
- ``toolResult``: ``{toolCallId, toolName, content: [text parts], details, isError}`` (→ a ``tool`` message
  whose :class:`~isetrace.records.ToolResult` has ``ok = not isError``; ``details.exitCode`` and
  ``details.durationMs`` are kept where the tool reported them).

Text parts are joined with a space and the whole is stripped, and thinking parts are joined with a blank
line, exactly as the original recipe's converter does, so an import exports to the recipe's middle format.
A part of a type not listed here is counted as kept aside by the caller, never silently dropped; a part
or field of the wrong shape makes the whole line malformed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from isetrace.records import Message, MessageMeta, TokenUsage, ToolCall, ToolResult

__all__ = ["IMPORT_PROVENANCE", "MalformedEntry", "assistant_message", "timestamp_of", "tool_message", "user_message"]

IMPORT_PROVENANCE = "openclaw-import"
"""What imported episodes and messages name as their source."""

_CLI_TIMESTAMP = re.compile(
    r"^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(?:\d{4}-\d{2}-\d{2}\s+)?\d{2}:\d{2}\s+[A-Z]{3}[+-]?\d*\]\s*")
"""The prefix the OpenClaw CLI adds to a message it sends: ``[Day [YYYY-MM-DD ]HH:MM TZ]``."""

KeepAside = Callable[[str], None]
"""Called with the kind of a part that is read but not carried (``assistant part 'image'``)."""


class MalformedEntry(ValueError):
    """A line is JSON but not the shape OpenClaw writes; the message says what is wrong, in a few words."""


def _parts(message: dict[str, Any], role: str) -> list[dict[str, Any]]:
    content = message.get("content", [])
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        raise MalformedEntry(f"{role} message content must be a list of parts or a string")
    for index, part in enumerate(content):
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise MalformedEntry(f"{role} message content[{index}] must be an object with a string type")
    return content


def _string(part: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = part.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise MalformedEntry(f"{where}.{key} must be a string")
    return value


def _joined_text(texts: list[str]) -> str:
    return " ".join(t for t in texts if t).strip()


def user_message(message: dict[str, Any], keep_aside: KeepAside) -> Message:
    """A ``user`` message: its text parts, each without the CLI's timestamp prefix."""
    texts = []
    for index, part in enumerate(_parts(message, "user")):
        if part["type"] == "text":
            texts.append(_CLI_TIMESTAMP.sub("", _string(part, "text", f"user content[{index}]")))
        else:
            keep_aside(f"user part {part['type']!r}")
    return Message(role="user", content=_joined_text(texts),
                   meta=MessageMeta(producer="user", provenance=IMPORT_PROVENANCE))


def _tool_call(part: dict[str, Any], where: str) -> ToolCall:
    call_id = _string(part, "id", where)
    name = _string(part, "name", where)
    if not call_id or not name:
        raise MalformedEntry(f"{where} must have a non-empty id and name")
    arguments = part.get("arguments", {})
    if arguments is None:
        arguments = {}
    if isinstance(arguments, dict):
        return ToolCall(id=call_id, name=name, arguments=arguments,
                        arguments_raw=json.dumps(arguments, ensure_ascii=False))
    if isinstance(arguments, str):
        try:
            parsed = json.loads(arguments)
        except (json.JSONDecodeError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            return ToolCall(id=call_id, name=name, arguments=parsed, arguments_raw=arguments)
        return ToolCall(id=call_id, name=name, arguments=None, arguments_raw=arguments,
                        problem="arguments are not a JSON object")
    return ToolCall(id=call_id, name=name, arguments=None, arguments_raw=json.dumps(arguments, ensure_ascii=False),
                    problem="arguments are not a JSON object")


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _agent_meta(message: dict[str, Any]) -> MessageMeta:
    usage = message.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    model = message.get("model")
    return MessageMeta(producer="agent", endpoint="agent", model=model if isinstance(model, str) else "",
                       provenance=IMPORT_PROVENANCE,
                       usage=TokenUsage(prompt_tokens=_count(usage.get("input")),
                                        completion_tokens=_count(usage.get("output"))))


def assistant_message(message: dict[str, Any], keep_aside: KeepAside) -> Message | None:
    """An ``assistant`` message; ``None`` when it has neither text nor a tool call.

    Such messages are what OpenClaw records for a retried or aborted model call; the original recipe
    leaves them out and so does this import (the caller counts them as kept aside).
    """
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[ToolCall] = []
    for index, part in enumerate(_parts(message, "assistant")):
        where = f"assistant content[{index}]"
        if part["type"] == "text":
            texts.append(_string(part, "text", where))
        elif part["type"] == "thinking":
            thoughts.append(_string(part, "thinking", where, required=False)
                            or _string(part, "text", where, required=False))
        elif part["type"] == "toolCall":
            calls.append(_tool_call(part, where))
        else:
            keep_aside(f"assistant part {part['type']!r}")
    text = _joined_text(texts)
    if not text and not calls:
        return None
    reasoning = "\n\n".join(t for t in thoughts if t).strip()
    return Message(role="assistant", content=text, tool_calls=calls, reasoning_content=reasoning or None,
                   meta=_agent_meta(message))


def _details_number(details: object, key: str) -> float | None:
    if not isinstance(details, dict):
        return None
    value = details.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def tool_message(message: dict[str, Any], keep_aside: KeepAside) -> Message:
    """A ``toolResult`` message as a ``tool`` message with the structured result behind it."""
    call_id = _string(message, "toolCallId", "toolResult")
    tool = _string(message, "toolName", "toolResult")
    if not call_id:
        raise MalformedEntry("toolResult.toolCallId must not be empty")
    failed = message.get("isError", False)
    if not isinstance(failed, bool):
        raise MalformedEntry("toolResult.isError must be true or false")
    texts = []
    for index, part in enumerate(_parts(message, "toolResult")):
        if part["type"] == "text":
            texts.append(_string(part, "text", f"toolResult content[{index}]"))
        else:
            keep_aside(f"toolResult part {part['type']!r}")
    text = _joined_text(texts)
    details = message.get("details")
    exit_code = _details_number(details, "exitCode")
    duration_ms = _details_number(details, "durationMs")
    result = ToolResult(call_id=call_id, tool=tool, ok=not failed,
                        exit_code=int(exit_code) if exit_code is not None else None,
                        stdout="" if failed else text, stderr=text if failed else "",
                        duration_s=max(duration_ms, 0) / 1000 if duration_ms is not None else 0.0,
                        error_kind="tool_error" if failed else None)
    return Message(role="tool", content=text, tool_call_id=call_id, name=tool, result=result,
                   meta=MessageMeta(producer="sandbox", provenance=IMPORT_PROVENANCE))


def timestamp_of(value: object) -> datetime | None:
    """An entry's ISO 8601 timestamp (naive ones read as UTC); ``None`` for anything else."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
