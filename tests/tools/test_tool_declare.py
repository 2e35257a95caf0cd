"""Schemas come from signatures and docstrings, and both dialects offer exactly the contract's names."""

from __future__ import annotations

from typing import Literal

import pytest

import isetrace.tools
from isetrace.errors import ConfigError
from isetrace.tools import ToolContext, ToolSpec, get_dialect, known_dialects, tool


@tool(mutating=True, name="demo")
async def demo(ctx: ToolContext, text: str, count: int, ratio: float | None = None, flag: bool = False,
               tags: list[str] | None = None, mode: Literal["fast", "slow"] = "fast",
               env: dict[str, str] | None = None, from_: int | None = None) -> str:
    """Do a demo thing with text,
    over two lines.

    This second paragraph is for developers and is not sent to the model.

    Args:
        text: The text to use.
        count: How many times,
            described on two lines.
        ratio: A ratio.
        flag: A switch.
        tags: Some tags.
        mode: How to go.
        env: Extra variables.
        from_: Where to start.
    """
    return text * count


def test_the_schema_comes_from_the_signature_and_the_docstring() -> None:
    assert isinstance(demo, ToolSpec)
    assert demo.mutating is True
    assert demo.schema() == {"type": "function", "function": {
        "name": "demo",
        "description": "Do a demo thing with text, over two lines.",
        "parameters": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "description": "The text to use."},
                "count": {"type": "integer", "description": "How many times, described on two lines."},
                "ratio": {"type": "number", "description": "A ratio."},
                "flag": {"type": "boolean", "description": "A switch."},
                "tags": {"type": "array", "items": {"type": "string"}, "description": "Some tags."},
                "mode": {"type": "string", "enum": ["fast", "slow"], "description": "How to go."},
                "env": {"type": "object", "additionalProperties": {"type": "string"},
                        "description": "Extra variables."},
                "from": {"type": "integer", "description": "Where to start."},
            },
            "required": ["text", "count"],
            "additionalProperties": False,
        },
    }}
    assert [p.python_name for p in demo.params][-1] == "from_"


def test_name_defaults_to_the_function_name_and_read_only_is_tagged() -> None:
    @tool(mutating=False)
    async def look(ctx: ToolContext, where: str) -> str:
        """Look somewhere.

        Args:
            where: The place.
        """
        return where

    assert look.name == "look" and look.mutating is False


def _declare(fn: object) -> None:
    tool(mutating=False)(fn)  # type: ignore[arg-type]


def test_malformed_declarations_fail_at_once() -> None:
    async def undocumented(ctx: ToolContext, x: str) -> str:
        return x

    async def missing_arg_doc(ctx: ToolContext, x: str) -> str:
        """Summary.

        Args:
            y: Not a parameter.
        """
        return x

    async def unsupported(ctx: ToolContext, x: set[str]) -> str:
        """Summary.

        Args:
            x: A set.
        """
        return ""

    def not_async(ctx: ToolContext, x: str) -> str:
        """Summary.

        Args:
            x: X.
        """
        return x

    async def no_ctx(x: str) -> str:
        """Summary.

        Args:
            x: X.
        """
        return x

    for fn, message in ((undocumented, "docstring"), (missing_arg_doc, "no description"),
                        (unsupported, "unsupported"), (not_async, "async def"), (no_ctx, "ctx")):
        with pytest.raises(TypeError, match=message):
            _declare(fn)


OPENCLAW_PARAMS = {
    "exec": ["command", "workdir", "env", "yieldMs", "background", "timeout", "pty", "elevated", "host", "security",
             "ask", "node"],
    "process": ["action", "sessionId", "data", "keys", "hex", "literal", "text", "bracketed", "eof", "offset", "limit",
                "timeout"],
    "read": ["path", "offset", "limit"],
    "write": ["path", "content"],
    "edit": ["path", "oldText", "newText"],
    "apply_patch": ["input"],
    "web_fetch": ["url", "extractMode", "maxChars"],
    "web_search": ["query", "count", "country", "language", "freshness", "date_after", "date_before", "search_lang",
                   "ui_lang"],
    "memory_search": ["query", "maxResults", "minScore"],
    "memory_get": ["path", "from", "lines"],
    "tts": ["text", "channel"],
    "sessions_list": ["kinds", "limit", "activeMinutes", "messageLimit"],
    "sessions_history": ["sessionKey", "limit", "includeTools"],
    "sessions_send": ["message", "sessionKey", "label", "agentId", "timeoutSeconds"],
    "sessions_spawn": ["task", "label", "runtime", "agentId", "resumeSessionId", "model", "thinking", "cwd",
                       "runTimeoutSeconds", "timeoutSeconds", "thread", "mode", "cleanup", "sandbox", "streamTo",
                       "attachments", "attachAs"],
    "subagents": ["action", "target", "message", "recentMinutes"],
    "agents_list": [],
    "session_status": ["sessionKey", "model"],
}
OPENCLAW_REQUIRED = {"exec": ["command"], "process": ["action"], "read": ["path"], "write": ["path", "content"],
                     "edit": ["path", "oldText", "newText"], "apply_patch": ["input"], "web_fetch": ["url"],
                     "web_search": ["query"], "memory_search": ["query"], "memory_get": ["path"], "tts": ["text"],
                     "sessions_list": [], "sessions_history": ["sessionKey"],
                     "sessions_send": ["message"], "sessions_spawn": ["task"],
                     "subagents": [], "agents_list": [], "session_status": []}
CLAUDE_PARAMS = {
    "Bash": ["command", "timeout", "run_in_background"],
    "Read": ["file_path", "offset", "limit"],
    "Write": ["file_path", "content"],
    "Edit": ["file_path", "old_string", "new_string", "replace_all"],
    "Glob": ["pattern", "path"],
    "Grep": ["pattern", "path", "glob", "output_mode"],
}
CLAUDE_REQUIRED = {"Bash": ["command"], "Read": ["file_path"], "Write": ["file_path", "content"],
                   "Edit": ["file_path", "old_string", "new_string"], "Glob": ["pattern"], "Grep": ["pattern"]}


@pytest.mark.parametrize(("dialect", "params", "required"), [("openclaw", OPENCLAW_PARAMS, OPENCLAW_REQUIRED),
                                                             ("claude-code", CLAUDE_PARAMS, CLAUDE_REQUIRED)])
def test_dialects_offer_exactly_the_contract(dialect: str, params: dict[str, list[str]],
                                             required: dict[str, list[str]]) -> None:
    schemas = get_dialect(dialect).schemas()
    assert [s["function"]["name"] for s in schemas] == list(params)
    for schema in schemas:
        function = schema["function"]
        assert schema["type"] == "function" and function["description"]
        parameters = function["parameters"]
        assert parameters["type"] == "object" and parameters["additionalProperties"] is False
        assert list(parameters["properties"]) == params[function["name"]]
        assert parameters["required"] == required[function["name"]]
        assert all(p["description"] for p in parameters["properties"].values())


def test_enums_and_tags_of_the_dialects() -> None:
    openclaw, claude = get_dialect("openclaw"), get_dialect("claude-code")
    process = openclaw.tools["process"].parameters["properties"]["action"]
    assert process == {"type": "string", "description": process["description"]}  # openclaw's schema has no enum
    assert openclaw.tools["subagents"].parameters["properties"]["action"]["enum"] == ["list", "steer", "kill"]
    assert openclaw.tools["web_fetch"].parameters["properties"]["extractMode"]["enum"] == ["markdown", "text"]
    assert claude.tools["Grep"].parameters["properties"]["output_mode"]["enum"] == [
        "content", "files_with_matches", "count"]
    read_only = {name for d in (openclaw, claude) for name, spec in d.tools.items() if not spec.mutating}
    assert read_only == {"read", "web_fetch", "web_search", "memory_search", "memory_get", "Read", "Glob", "Grep",
                         "sessions_list", "sessions_history", "agents_list", "session_status"}


def test_unknown_dialect_lists_the_known_ones() -> None:
    assert known_dialects() == ["claude-code", "openclaw", "services"]
    with pytest.raises(ConfigError, match="claude-code, openclaw, services"):
        get_dialect("hermes")


def test_public_api_is_exactly_all() -> None:
    assert sorted(isetrace.tools.__all__) == sorted([
        "BackgroundJob", "Dialect", "JobTable", "ToolContext", "ToolOutcome", "ToolOutput", "ToolParam",
        "ToolSpec", "WorkspacePath", "check_arguments", "get_dialect", "known_dialects", "resolve_path", "tool",
    ])
    for name in isetrace.tools.__all__:
        assert hasattr(isetrace.tools, name), name
