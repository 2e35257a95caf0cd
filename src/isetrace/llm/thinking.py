"""The thinking switch, sent the way each model family expects it — in this one place only.

Open reasoning models are switched through the chat template (vLLM and SGLang pass
``chat_template_kwargs`` to it): Qwen3, QwQ, GLM-4.5+ and Hunyuan read ``enable_thinking``;
DeepSeek-V3.1+ and Granite read ``thinking``. OpenAI's reasoning models take ``reasoning_effort``
instead. ``thinking_style`` in the endpoint config overrides the guess for anything else.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["request_fields", "resolve_style"]

_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"deepseek-(v3\.[1-9]|v3-[1-9]|v4|r)", re.I), "thinking"),
    (re.compile(r"granite", re.I), "thinking"),
    (re.compile(r"(qwen3|qwq|glm-?4\.[5-9]|glm-?[5-9]|hunyuan)", re.I), "enable_thinking"),
    (re.compile(r"(^|/)(o[1-9]|gpt-5|gpt-oss)", re.I), "reasoning_effort"),
)


def resolve_style(model: str, style: str) -> str:
    """The concrete style for ``model``: ``style`` itself unless it is ``auto``."""
    if style != "auto":
        return style
    for pattern, family_style in _FAMILIES:
        if pattern.search(model):
            return family_style
    return "enable_thinking"


def request_fields(model: str, style: str, thinking: bool | None) -> dict[str, Any]:
    """Extra request-body fields that carry the thinking switch; empty when nothing should be sent."""
    if thinking is None:
        return {}
    concrete = resolve_style(model, style)
    if concrete == "none":
        return {}
    if concrete == "reasoning_effort":
        return {"reasoning_effort": "medium" if thinking else "low"}
    return {"chat_template_kwargs": {concrete: thinking}}
