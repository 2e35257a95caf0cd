"""Dialects: the same capabilities under the names a harness uses, and the dispatch of one tool call.

A :class:`Dialect` is a named set of declared tools. ``dispatch`` turns one model call into a
:class:`ToolOutcome` — the exact text the model is shown, plus the structured truth for the episode —
and keeps three kinds of failure apart:

- the model's mistake (an unknown tool, arguments that are not JSON or do not fit the schema, a
  :class:`~isetrace.errors.ToolError` from the tool): an outcome with ``ok=False`` and an
  ``error_kind``; the model sees ``Error: …`` and the episode goes on;
- the sandbox broke (:class:`~isetrace.errors.SandboxUnavailable`): it propagates, the episode ends;
  so does an endpoint's :class:`~isetrace.errors.EndpointError` (the session tools run sub-agents);
- any other exception from a tool (a bug in isetrace, an ``OSError`` from a race the tool did not expect,
  a reply frame of the wrong shape) is never disguised as a tool error: its traceback is logged once and
  it propagates as ``SandboxUnavailable("tool NAME failed: TYPE: message")``, raised from it, so it ends
  that episode as a sandbox failure with the reason — keeping the calls that ran — and never the run.
  Cancellation (a ``BaseException``) propagates untouched.

Dialects are found by name (``openclaw``, ``claude-code``) and imported only when asked for.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from isetrace.errors import EndpointError, SandboxUnavailable, ToolError
from isetrace.llm.retry import one_line
from isetrace.records import ToolCall, ToolResult
from isetrace.registry import known, load
from isetrace.tools.context import ToolContext
from isetrace.tools.declare import ToolOutput, ToolParam, ToolSpec

__all__ = ["Dialect", "ToolOutcome", "check_arguments", "get_dialect", "known_dialects"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ToolOutcome:
    """One call's result: ``content`` is exactly what the model is shown; ``result`` is the structured truth."""

    content: str
    result: ToolResult


_TYPE_NAMES = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
               "array": "an array", "object": "an object"}


def _type_name(schema: dict[str, Any]) -> str:
    kind = schema["type"]
    if kind == "array" and schema["items"]["type"] == "string":
        return "an array of strings"
    if kind == "array":
        return "an array of objects"
    if kind == "object" and "properties" not in schema:
        return "an object of string values"
    return _TYPE_NAMES[kind]


def _describe(value: Any) -> str:
    kind = {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "an array",
            dict: "an object", type(None): "null"}.get(type(value), type(value).__name__)
    shown = repr(value)
    return f"{kind} ({shown if len(shown) <= 40 else shown[:37] + '...'})"


def _check(schema: dict[str, Any], value: Any, where: str, whole: bool = False) -> tuple[Any, str | None]:
    """``value`` checked against ``schema`` (recursively for arrays and objects), or the first problem."""
    kind = schema["type"]
    ok = False
    if kind == "string":
        ok = isinstance(value, str)
    elif kind == "integer" or (kind == "number" and whole):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok and kind == "number" and isinstance(value, float):
            return None, f"'{where}' must be a whole number, got {_describe(value)}"
    elif kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "array":
        ok = isinstance(value, list)
    elif kind == "object":
        ok = isinstance(value, dict)
    if not ok:
        return None, f"'{where}' must be {_type_name(schema)}, got {_describe(value)}"
    if "enum" in schema and value not in schema["enum"]:
        return None, f"'{where}' must be one of {', '.join(map(repr, schema['enum']))}, got {value!r}"
    if kind == "array":
        items = []
        for index, item in enumerate(value):
            converted, problem = _check(schema["items"], item, f"{where}[{index}]")
            if problem:
                return None, problem
            items.append(converted)
        return items, None
    if kind == "object" and "properties" in schema:
        properties: dict[str, Any] = schema["properties"]
        unknown = [str(key)[:40] for key in value if key not in properties]
        if unknown:
            return None, f"'{where}' has unexpected fields: {', '.join(map(repr, unknown[:5]))}"
        missing = [name for name in schema["required"] if value.get(name) is None]
        if missing:
            return None, f"'{where}' is missing the field(s) {', '.join(map(repr, missing))}"
        fields = {}
        for name, field_value in value.items():
            if field_value is None:
                continue
            converted, problem = _check(properties[name], field_value, f"{where}.{name}")
            if problem:
                return None, problem
            fields[name] = converted
        return fields, None
    if kind == "object":
        for field_value in value.values():
            if not isinstance(field_value, str):
                return None, f"'{where}' must be {_type_name(schema)}, got {_describe(value)}"
    return value, None


def _convert(param: ToolParam, value: Any) -> tuple[Any, str | None]:
    """The argument as the tool takes it, or a problem naming the parameter and what was wrong."""
    return _check(param.schema, value, param.name, param.whole)


def check_arguments(spec: ToolSpec, arguments: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Check ``arguments`` against the tool's schema: the keyword arguments for its function, and every problem.

    ``null`` for an optional parameter means "use the default".
    """
    by_name = {p.name: p for p in spec.params}
    problems = [f"unexpected argument '{name}'" for name in arguments if name not in by_name]
    kwargs: dict[str, Any] = {}
    for param in spec.params:
        value = arguments.get(param.name)
        if value is None:
            if param.required:
                problems.append(f"'{param.name}' is required and cannot be null" if param.name in arguments
                                else f"missing required argument '{param.name}'")
            continue
        converted, problem = _convert(param, value)
        if problem:
            problems.append(problem)
        else:
            kwargs[param.python_name] = converted
    return kwargs, problems


def _signature(spec: ToolSpec) -> str:
    parts = []
    for param in spec.params:
        kind = param.schema["type"]
        if "enum" in param.schema:
            kind = "|".join(map(str, param.schema["enum"]))
        parts.append(f"{param.name}: {kind}{'' if param.required else '?'}")
    return f"{spec.name}({', '.join(parts)})"


class Dialect:
    """A named set of tools offered to the model, and the dispatch of calls to them."""

    def __init__(self, name: str, tools: Iterable[ToolSpec]) -> None:
        self.name = name
        self.tools: dict[str, ToolSpec] = {}
        for spec in tools:
            if spec.name in self.tools:
                raise ValueError(f"dialect {name!r} declares the tool {spec.name!r} twice")
            self.tools[spec.name] = spec

    def __repr__(self) -> str:
        return f"Dialect({self.name!r}, tools={list(self.tools)})"

    @property
    def names(self) -> list[str]:
        """The tool names, in the order they are offered."""
        return list(self.tools)

    def schemas(self) -> list[dict[str, Any]]:
        """The OpenAI function schemas of every tool, in order."""
        return [spec.schema() for spec in self.tools.values()]

    async def dispatch(self, call: ToolCall, ctx: ToolContext) -> ToolOutcome:
        """Run one call and say what happened (see the module docstring for what propagates)."""
        started = time.monotonic()
        spec = self.tools.get(call.name)
        if spec is None:
            return _failure(call, "unknown_tool", f"unknown tool {call.name!r}. The available tools are: "
                            f"{', '.join(self.tools)}.", started)
        if call.problem is not None or call.arguments is None:
            problem = call.problem or "they are not a JSON object"
            return _failure(call, "bad_arguments", f"the arguments of {spec.name} could not be read: {problem}. "
                            f"Send them as one JSON object: {_signature(spec)}.", started)
        kwargs, problems = check_arguments(spec, call.arguments)
        if problems:
            return _failure(call, "bad_arguments", f"invalid arguments for {spec.name}: {'; '.join(problems)}. "
                            f"Expected: {_signature(spec)}.", started)
        if ctx.worlds is not None:
            ctx.worlds.tool_call = call.id  # what the worlds log next came from this call
        try:
            output = await spec.fn(ctx, **kwargs)
        except ToolError as exc:
            return _failure(call, "tool_error", str(exc), started)
        except (SandboxUnavailable, EndpointError):
            raise
        except Exception as exc:
            # our bug (or a race we did not foresee): loud in the log, and the end of this episode only
            log.warning("tool %s raised %s (a bug in isetrace); the episode ends as a sandbox failure",
                        spec.name, type(exc).__name__, exc_info=exc)
            raise SandboxUnavailable(one_line(f"tool {spec.name} failed: {type(exc).__name__}: {exc}")) from exc
        return _success(call, output, started)


def _failure(call: ToolCall, kind: str, message: str, started: float) -> ToolOutcome:
    result = ToolResult(call_id=call.id, tool=call.name, ok=False, stderr=message, error_kind=kind,
                        duration_s=time.monotonic() - started)
    return ToolOutcome(content=f"Error: {message}", result=result)


def _success(call: ToolCall, output: str | ToolOutput, started: float) -> ToolOutcome:
    elapsed = time.monotonic() - started
    if isinstance(output, str):
        return ToolOutcome(content=output, result=ToolResult(call_id=call.id, tool=call.name, ok=True,
                                                             duration_s=elapsed))
    result = ToolResult(
        call_id=call.id, tool=call.name, ok=output.ok, exit_code=output.exit_code, stdout=output.stdout,
        stderr=output.stderr, duration_s=elapsed if output.duration_s is None else output.duration_s,
        truncated=output.truncated, dropped_bytes=output.dropped_bytes, timed_out=output.timed_out,
        error_kind=output.error_kind, files_changed=list(output.files_changed),
    )
    return ToolOutcome(content=output.content, result=result)


def known_dialects() -> list[str]:
    """The dialect names :func:`get_dialect` knows."""
    return known("dialect")


def get_dialect(name: str) -> Dialect:
    """The dialect called ``name`` (from the plugin registry); a :class:`ConfigError` listing the known ones."""
    dialect: Dialect = load("dialect", name)
    return dialect
