"""Turning an endpoint's chat completion into a :class:`ChatReply` we can trust.

All the ways servers differ in what they return are absorbed here: reasoning under
``reasoning_content`` (vLLM, SGLang, DeepSeek), ``reasoning`` (Ollama, OpenRouter) or inline in a
``<think>`` block; tool-call arguments that are not valid JSON; tools that were never offered;
usage that is missing, or that no server could mean (:func:`token_usage`). Nothing downstream needs to
know which server it talked to.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from isetrace.llm.jsonparse import split_think
from isetrace.records import TokenUsage, ToolCall

__all__ = ["ChatReply", "reply_from_completion", "token_usage"]


@dataclass
class ChatReply:
    """One usable answer from an endpoint, with what it cost and how it was obtained."""

    content: str
    reasoning: str | None
    tool_calls: list[ToolCall]
    finish_reason: str
    model: str
    usage: TokenUsage
    latency_s: float = 0.0
    attempts: int = 1
    cached: bool = False
    completion: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_empty(self) -> bool:
        """No text and no tool calls: nothing to act on."""
        return not self.content.strip() and not self.tool_calls


def _parse_arguments(raw: str) -> tuple[dict[str, Any] | None, str | None]:
    text = raw.strip() or "{}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"the arguments are not valid JSON ({exc.msg}: line {exc.lineno} column {exc.colno})"
    if not isinstance(value, dict):
        return None, f"the arguments must be a JSON object, got a JSON {type(value).__name__}"
    try:  # a \\ud800 escape is valid JSON but no text: no file, command or export could hold it
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return None, (f"the arguments hold a lone surrogate ({exc.object[exc.start:exc.end]!a}), which is not "
                      "text; write the character itself, or its \\uXXXX pair")
    return value, None


def _tool_calls(message: dict[str, Any], offered: Collection[str] | None) -> list[ToolCall]:
    calls = []
    for index, item in enumerate(message.get("tool_calls") or []):
        function = item.get("function") or {}
        name = str(function.get("name") or "")
        raw = function.get("arguments")
        raw_text = raw if isinstance(raw, str) else json.dumps(raw if raw is not None else {})
        arguments, problem = _parse_arguments(raw_text)
        if offered is not None and name not in offered:
            known = ", ".join(sorted(offered)) or "none"
            problem = f"unknown tool {name!r}; the tools offered are: {known}"
        calls.append(
            ToolCall(id=str(item.get("id") or f"call_{index}"), name=name, arguments=arguments,
                     arguments_raw=raw_text, problem=problem)
        )
    return calls


_MAX_DIGITS = 15
"""The longest token count read from a string: a quadrillion tokens is already no real reply's."""


def _count(value: object) -> int | None:
    """A token count as the server wrote it, or ``None`` when it is not one: a whole, non-negative number
    (``12``, ``12.0`` and ``"12"`` are; ``null``, ``true``, ``-3``, ``1.5``, ``"many"`` and ``NaN`` are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        # ASCII digits only: isdigit() alone passes "²", which int() refuses, and int() refuses 4,300 digits
        return int(value) if value.isascii() and value.isdigit() and len(value) <= _MAX_DIGITS else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None  # is_integer(): False for inf and NaN
    if isinstance(value, int):
        return value if value >= 0 else None
    return None


def _cached(usage: dict[str, Any]) -> int | None:
    """The cached prompt tokens a reply reports: ``prompt_tokens_details.cached_tokens`` (OpenAI, vLLM,
    SGLang), else ``prompt_cache_hit_tokens`` (DeepSeek)."""
    details = usage.get("prompt_tokens_details")
    if isinstance(details, dict) and details.get("cached_tokens") is not None:
        return _count(details["cached_tokens"])
    return _count(usage.get("prompt_cache_hit_tokens"))


def token_usage(usage: object) -> TokenUsage:
    """The ``usage`` of a completion, read as untrusted input: a count that is missing or not a whole
    non-negative number counts zero, and a cached count above the prompt's own is not believed (zero),
    so a cost is never computed cheaper than the prompt could have been."""
    if not isinstance(usage, dict):
        return TokenUsage()
    prompt = _count(usage.get("prompt_tokens")) or 0
    cached = _cached(usage) or 0
    return TokenUsage(prompt_tokens=prompt, completion_tokens=_count(usage.get("completion_tokens")) or 0,
                      cached_prompt_tokens=cached if cached <= prompt else 0)


def reply_from_completion(completion: dict[str, Any], offered_tools: Collection[str] | None) -> ChatReply:
    """Read the first choice of a chat completion (as plain JSON) into a :class:`ChatReply`.

    ``offered_tools`` names the tools that were offered, so calls to any other name are flagged;
    ``None`` skips that check.
    """
    choices = completion.get("choices") or []
    choice = choices[0] if choices else {}
    message = choice.get("message") or {}
    content = message.get("content") or ""
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    inline, content = split_think(content)
    if not reasoning and inline:
        reasoning = inline
    return ChatReply(
        content=content,
        reasoning=reasoning or None,
        tool_calls=_tool_calls(message, offered_tools),
        finish_reason=str(choice.get("finish_reason") or ""),
        model=str(completion.get("model") or ""),
        usage=token_usage(completion.get("usage")),
        completion=completion,
    )
