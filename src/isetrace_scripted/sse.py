"""A chat completion as server-sent events: what the scripted endpoint sends for ``stream: true``.

Agent runtimes such as OpenClaw read replies as a stream, so the scripted endpoint must stream the way
vLLM, SGLang and llama.cpp's server do, which is the way OpenAI does: ``data: {chunk}`` events, each
followed by a blank line, ended by ``data: [DONE]``. The chunks of one reply share its ``id``,
``created`` and ``model``; the first delta names the ``assistant`` role, then come the reasoning
(``reasoning_content``), the content and the tool calls in pieces, and a last chunk with an empty delta
carries the ``finish_reason``. With ``stream_options.include_usage`` every chunk has ``usage: null``
and one more chunk, with no choices, carries the usage.

The pieces are cut from a finished ``chat.completion`` body, so a stream put back together is, field
for field, the reply the same request gets without streaming; the cut is by words, a handful of pieces
per text, so it is deterministic and never splits a character.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

__all__ = ["DONE", "MAX_PIECES", "chunks", "event", "pieces"]

DONE = b"data: [DONE]\n\n"
"""The event that ends every complete stream."""

MAX_PIECES = 8
"""At most this many pieces per text (reasoning, content, one call's arguments): enough to exercise a
client's reassembly, few enough that a long reply stays a short stream."""

_WORD = re.compile(r"\s*\S+\s*")


def event(data: dict[str, Any]) -> bytes:
    """One server-sent event carrying ``data`` as JSON on a single ``data:`` line."""
    return b"data: " + orjson.dumps(data) + b"\n\n"


def pieces(text: str) -> list[str]:
    """``text`` cut between words into at most :data:`MAX_PIECES` pieces that join back to it exactly."""
    words = _WORD.findall(text) or ([text] if text else [])
    if not words:
        return []
    size = -(-len(words) // MAX_PIECES)
    return ["".join(words[start:start + size]) for start in range(0, len(words), size)]


def chunks(completion: dict[str, Any], *, include_usage: bool) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` bodies that stream ``completion`` (one choice), in order."""
    head = {"id": completion["id"], "object": "chat.completion.chunk", "created": completion["created"],
            "model": completion["model"], "system_fingerprint": completion["system_fingerprint"]}
    choice = completion["choices"][0]
    message = choice["message"]

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        body = {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}
        return {**body, "usage": None} if include_usage else body

    content = message.get("content")
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": "" if content is not None else None}]
    deltas += [{"reasoning_content": piece} for piece in pieces(message.get("reasoning_content") or "")]
    deltas += [{"content": piece} for piece in pieces(content or "")]
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call["function"]
        deltas.append({"tool_calls": [{"index": index, "id": call["id"], "type": call["type"],
                                       "function": {"name": function["name"], "arguments": ""}}]})
        deltas += [{"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                   for piece in pieces(function["arguments"])]
    stream = [chunk(delta) for delta in deltas]
    stream.append(chunk({}, choice["finish_reason"]))
    if include_usage:
        stream.append({**head, "choices": [], "usage": completion["usage"]})
    return stream
