"""Structured replies: asking a server for JSON it must follow, and reading what comes back.

Roles that answer in JSON (renderer, user simulator, judge) declare their reply as a pydantic model.
That model is the one place the shape lives: its JSON Schema is sent as ``response_format`` so the
server constrains decoding to it (OpenAI, vLLM, SGLang, Ollama and the llama.cpp servers do), and the
same model validates the reply. Free-text parsing stays as the fallback for servers that enforce
nothing, never as the plan.

The modes, strongest first (``structured_output`` of an endpoint):

- ``json_schema``: ``{"type": "json_schema", "json_schema": {"name", "schema", "strict": true}}``, the
  OpenAI form that vLLM, SGLang, Ollama and llama.cpp's ``llama-server`` also read;
- ``json_object``: ``{"type": "json_object", "schema": …}``, JSON mode, with the schema alongside for the
  servers that constrain with it there (llama-cpp-python's server);
- ``none``: no ``response_format``; the prompt alone asks for JSON.

A server that refuses a mode (an error naming ``response_format``) makes its endpoint fall back to the
next weaker one (:data:`WEAKER`); the client does that once and records it in the role's usage.
"""

from __future__ import annotations

import copy
import functools
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from isetrace.llm.jsonparse import parse_json_object

__all__ = [
    "WEAKER",
    "StructuredMode",
    "names_response_format",
    "read_reply",
    "reply_schema",
    "response_format",
]

StructuredMode = Literal["json_schema", "json_object", "none"]

WEAKER: dict[StructuredMode, StructuredMode] = {"json_schema": "json_object", "json_object": "none"}
"""The mode an endpoint falls back to when its server refuses the one it has."""

Reply = TypeVar("Reply", bound=BaseModel)

_MARKS = ("response_format", "json_schema", "json_object")


def _closed(schema: dict[str, Any]) -> None:
    """Make every object of ``schema`` closed and fully required, in place (what strict mode asks for).

    Reading stays lenient: the pydantic model fills in defaults and ignores extra keys; only what the
    server is told to generate is strict.
    """
    if schema.get("type") == "object" and isinstance(schema.get("properties"), dict):
        schema["additionalProperties"] = False
        schema["required"] = list(schema["properties"])
    for value in schema.values():
        if isinstance(value, dict):
            _closed(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _closed(item)


@functools.cache
def _schema_of(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    for key in ("title", "description"):
        schema.pop(key, None)
    _closed(schema)
    return schema


def reply_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of ``model`` as sent to servers: closed objects, every property required."""
    return copy.deepcopy(_schema_of(model))


def response_format(mode: StructuredMode, model: type[BaseModel]) -> dict[str, Any] | None:
    """The ``response_format`` request field for ``mode`` (``None``: send none)."""
    if mode == "json_schema":
        return {"type": "json_schema",
                "json_schema": {"name": model.__name__, "schema": reply_schema(model), "strict": True}}
    if mode == "json_object":
        return {"type": "json_object", "schema": reply_schema(model)}
    return None


def names_response_format(error_text: str) -> bool:
    """Whether a server's refusal is about ``response_format`` (so a weaker mode may be accepted)."""
    lowered = error_text.lower()
    return any(mark in lowered for mark in _MARKS)


def _problems(exc: ValidationError) -> str:
    """A validation error in one line: ``missing field 'query'; 'completed': Input should be …``."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            parts.append(f"missing field {where!r}")
        else:
            parts.append(f"{where!r}: {message}" if where else message)
    return "; ".join(parts)


def read_reply(text: str | None, model: type[Reply]) -> tuple[Reply | None, str | None]:
    """``text`` read as ``model``: the reply, or why it cannot be (never both)."""
    parsed = parse_json_object(text)
    if parsed.data is None:
        return None, parsed.error
    try:
        return model.model_validate(parsed.data), None
    except ValidationError as exc:
        return None, f"the JSON does not fit the reply's shape: {_problems(exc)}"
