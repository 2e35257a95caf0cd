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


def _first_object(text: str) -> dict[str, Any] | None:
    """The first decodable JSON object starting at any ``{`` of ``text``."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def parse_json_object(text: str | None) -> JsonReply:
    """Find the JSON object in a model's reply: bare, fenced, or surrounded by prose."""
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
    for block in _FENCE.findall(stripped):
        found = _first_object(block)
        if found is not None:
            return JsonReply(found, None, raw)
    found = _first_object(stripped)
    if found is not None:
        return JsonReply(found, None, raw)
    if value is not None:
        return JsonReply(None, f"expected a JSON object, got a JSON {type(value).__name__}", raw)
    if "{" in stripped:
        return JsonReply(None, "the reply contains a '{' but no complete, valid JSON object", raw)
    return JsonReply(None, "the reply contains no JSON object", raw)
