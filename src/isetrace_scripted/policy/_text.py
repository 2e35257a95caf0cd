"""Small text helpers shared by the role policies: seeding, message text, fenced blocks, casing.

Every random choice in the policies goes through `seeded_rng`, so a reply is a pure function of the
request text: the same body always yields the same reply, across processes and Python versions
(Python's `hash()` is salted per process and must never be used here).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")

_FENCE_OPEN = re.compile(r"```(?P<lang>[A-Za-z0-9_-]*)[^\n]*\n")


SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
"""Where prose splits into sentences: after . ! or ? and a space, or at a line break."""


def seeded_rng(*parts: str) -> random.Random:
    """A generator seeded from a SHA-256 of `parts`, stable across runs and machines."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def pick(rng: random.Random, options: Sequence[T]) -> T:
    """One element of `options`; a named wrapper so call sites read as word-bank lookups."""
    return options[rng.randrange(len(options))]


def content_text(content: object) -> str:
    """The text of an OpenAI message `content`: a string, a list of parts, or None."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [str(part.get("text", "")) for part in content if isinstance(part, Mapping)]
        return "\n".join(text for text in texts if text)
    return ""


def message_role(message: object) -> str:
    """The `role` of a message, or "" for anything that is not a mapping."""
    return str(message.get("role", "")) if isinstance(message, Mapping) else ""


def message_text(message: object) -> str:
    """The text content of a message, or "" for anything that is not a mapping."""
    return content_text(message.get("content")) if isinstance(message, Mapping) else ""


def fenced_json_objects(text: str, lang: str) -> list[dict[str, object]]:
    """Every JSON object that opens a ```<lang> fenced block in `text`.

    The object is read with `raw_decode`, so JSON strings that themselves contain backtick fences (an
    intent with a ```csv table inside) do not end the block early.
    """
    decoder = json.JSONDecoder()
    found: list[dict[str, object]] = []
    for match in _FENCE_OPEN.finditer(text):
        if match.group("lang").lower() != lang:
            continue
        start = match.end()
        while start < len(text) and text[start].isspace():
            start += 1
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def first_fenced_json(messages: Sequence[object], lang: str, required_key: str) -> dict[str, object] | None:
    """The first ```<lang> object holding `required_key`, searching the messages in order."""
    for message in messages:
        for value in fenced_json_objects(message_text(message), lang):
            if required_key in value:
                return value
    return None


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym such as CSV or API."""
    first_word = text.split(" ", 1)[0]
    if len(first_word) > 1 and first_word[:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def upper_first(text: str) -> str:
    """Capitalise the first character, leaving the rest alone."""
    return text[:1].upper() + text[1:]


def strip_end_punctuation(text: str) -> str:
    """Drop trailing spaces and sentence punctuation, so a phrase can be embedded in a sentence."""
    return text.strip().rstrip(".!?;:,").strip()


def as_str(value: object, default: str = "") -> str:
    """A JSON value as a stripped string, or `default` when it is missing or not a string."""
    return value.strip() if isinstance(value, str) and value.strip() else default


def as_str_list(value: object) -> list[str]:
    """A JSON value as a list of non-empty strings (anything else becomes an empty list)."""
    if not isinstance(value, list):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"
