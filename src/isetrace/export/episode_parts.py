"""What every export format reads from an episode the same way: the system prompt, the final answer,
tool-call arguments, and the error for an episode a format cannot express.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import orjson

from isetrace.errors import DataError
from isetrace.records import Episode, ToolCall

__all__ = ["Unrepresentable", "arguments_text", "arguments_value", "final_output", "json_copy", "json_text",
           "system_prompt"]


class Unrepresentable(DataError):
    """One episode cannot be written in a format without inventing or reordering data.

    The export skips that episode and counts it under ``"unrepresentable: <reason>"``; it never fails
    the whole export. ``reason`` is short and names no data.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def system_prompt(episode: Episode) -> str:
    """The system prompt the agent saw: the first message's text when that message is the system's."""
    if episode.messages and episode.messages[0].role == "system":
        return episode.messages[0].content or ""
    return ""


def final_output(episode: Episode) -> str:
    """The agent's last prose: the text of the last assistant message that said something."""
    for message in reversed(episode.messages):
        if message.role == "assistant" and message.content and message.content.strip():
            return message.content
    return ""


def arguments_value(call: ToolCall) -> dict[str, Any] | str:
    """The call's arguments as an object where they parsed, else the raw text the model wrote. The object is
    the call's own, not a copy: for encoding at once (a corpus has millions of calls), never for changing."""
    return call.arguments if call.arguments is not None else call.arguments_raw


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data (tool schemas, skills), made through orjson: several times faster than
    ``copy.deepcopy``, which a row pays for every schema it carries; ``copy.deepcopy`` for what orjson
    cannot hold (an integer past 64 bits). Like the export's own writing, it turns a NaN into null."""
    try:
        return orjson.loads(orjson.dumps(value))
    except (TypeError, orjson.JSONEncodeError):
        return copy.deepcopy(value)


def arguments_text(call: ToolCall) -> str:
    """The call's arguments as a JSON string (OpenAI's shape).

    Parsed arguments are re-encoded canonically (what really ran, without fences or stray whitespace);
    arguments that never parsed stay the raw text the model wrote, which the spec allows ("the model does
    not always generate valid JSON").
    """
    if call.arguments is not None:
        return json_text(call.arguments)
    return call.arguments_raw


json_text = json.JSONEncoder(ensure_ascii=False).encode
"""``json.dumps(value, ensure_ascii=False)``, with its encoder made once: dumps makes a new one per call
whenever an option differs from its defaults, and a corpus has millions of tool calls."""
