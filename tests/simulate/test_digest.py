"""The digest counts what the tools did, never what the agent said."""

from __future__ import annotations

from isetrace.records import Message, ToolResult
from isetrace.simulate.digest import digest_turn, with_digest


def tool(name: str, ok: bool, content: str, files: list[str] | None = None) -> Message:
    return Message(role="tool", tool_call_id="c", name=name, content=content,
                   result=ToolResult(call_id="c", tool=name, ok=ok, files_changed=files or []))


def test_failures_recovered_later_in_the_turn_are_not_unresolved() -> None:
    digest = digest_turn([
        tool("exec", False, "exit code: 1\nTraceback…\nNameError: name 'totl' is not defined"),
        tool("edit", True, "Edited rates.py", ["rates.py"]),
        tool("exec", True, "exit code: 0\nPorto 2.2%"),
        tool("read", False, "Error: notes.md: no such file"),
    ])
    assert (digest.tool_calls, digest.failed, digest.unresolved_failures) == (4, 2, 1)
    assert digest.files_changed == ["rates.py"]
    assert digest.errors == ["exec: Traceback…", "read: Error: notes.md: no such file"]


def test_the_view_keeps_the_prose_and_appends_the_block() -> None:
    text = with_digest("", digest_turn([tool("exec", True, "exit code: 0")]))
    assert text.startswith("(the agent sent no message)\n\n```digest\n") and '"tool_calls": 1' in text
