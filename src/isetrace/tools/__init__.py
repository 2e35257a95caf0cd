"""Stage E's tools: declared with ``@tool``, grouped in dialects, run for real in the session's sandbox.

``get_dialect("openclaw")`` or ``get_dialect("claude-code")`` gives the tools a harness offers;
``dialect.schemas()`` is what the model is sent, and ``await dialect.dispatch(call, ctx)`` runs one call
against a :class:`ToolContext` and returns a :class:`ToolOutcome`: the text the model sees and the
structured :class:`~isetrace.records.ToolResult`. A :class:`~isetrace.errors.ToolError` becomes an
``Error: …`` result and the episode goes on; ``SandboxUnavailable`` and ``EndpointError`` propagate, and
any other exception from a tool propagates as ``SandboxUnavailable`` with the reason (the episode ends,
the run goes on).
"""

from __future__ import annotations

from isetrace.tools.context import BackgroundJob, JobTable, ToolContext
from isetrace.tools.declare import ToolOutput, ToolParam, ToolSpec, tool
from isetrace.tools.dialects import Dialect, ToolOutcome, check_arguments, get_dialect, known_dialects
from isetrace.tools.paths import WorkspacePath, resolve_path

__all__ = [
    "BackgroundJob",
    "Dialect",
    "JobTable",
    "ToolContext",
    "ToolOutcome",
    "ToolOutput",
    "ToolParam",
    "ToolSpec",
    "WorkspacePath",
    "check_arguments",
    "get_dialect",
    "known_dialects",
    "resolve_path",
    "tool",
]
