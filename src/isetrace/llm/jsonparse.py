"""Getting a JSON object out of what a model actually wrote.

Models asked for JSON answer with bare JSON, JSON in a ```json fence, JSON wrapped in prose, or a
``<think>`` block first. This module finds the object in all of those, and when there is none it says
why instead of guessing, so the caller can show or store the raw text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["JsonReply", "parse_json_object", "split_think"]

_FENCE = re.compile(r"```[ \t]*(?:json|JSON|json5)?[ \t]*\n(.*?)```", re.S)
_THINK = re.compile(r"^\s*<think>(.*?)</think>\s*", re.S)


@dataclass(frozen=True)
class JsonReply:
    """The outcome of looking for a JSON object in a reply.

    Exactly one of ``data`` and ``error`` is set; ``raw`` is always the text that was searched.
    """

    data: dict[str, Any] | None
    error: str | None
    raw: str

    @property
    def ok(self) -> bool:
        return self.data is not None


def split_think(text: str) -> tuple[str | None, str]:
    """Split a leading ``<think>…</think>`` block (servers without a reasoning parser leave it inline)."""
    match = _THINK.match(text)
    if match is None:
        return None, text
    return match.group(1).strip(), text[match.end() :]


def _object_at_first_brace(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object that starts at the first ``{`` of ``text``, or why there is none.

    Only the first brace counts: when the object that starts there is broken, a later ``{`` is almost
    always one of its own members, and taking that sub-object would pass a fragment off as the reply.
    """
    start = text.find("{")
    if start == -1:
        return None, "the reply contains no JSON object"
    try:
        value, _ = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as exc:
        return None, f"the JSON object in the reply is broken ({exc.msg}: line {exc.lineno} column {exc.colno})"
    if not isinstance(value, dict):  # pragma: no cover - a '{' can only start an object
        return None, "the reply contains no JSON object"
    return value, None


def parse_json_object(text: str | None) -> JsonReply:
    """Find the JSON object in a model's reply: bare, fenced, or after some prose.

    Never guesses: a reply whose object is broken is an error, even when a complete object sits inside
    it (that inner object is a fragment of the answer, not the answer).
    """
    raw = text or ""
    _, body = split_think(raw)
    stripped = body.strip()
    if not stripped:
        return JsonReply(None, "the reply is empty", raw)
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError:
        value = None
    if isinstance(value, dict):
        return JsonReply(value, None, raw)
    if value is not None:
        return JsonReply(None, f"expected a JSON object, got a JSON {type(value).__name__}", raw)
    for block in _FENCE.findall(stripped):
        try:
            fenced = json.loads(block)
        except json.JSONDecodeError:
            continue
        if isinstance(fenced, dict):
            return JsonReply(fenced, None, raw)
    found, error = _object_at_first_brace(stripped)
    if found is not None:
        return JsonReply(found, None, raw)
    return JsonReply(None, error, raw)
