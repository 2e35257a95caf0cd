"""File tools page long files, edit exactly or not at all, and never leave the workspace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.tools.conftest import Call

from isetrace.sandbox import Sandbox
from isetrace.tools import ToolContext

TWENTY_FIVE = "".join(f"line {n}\n" for n in range(1, 26))


async def test_read_pages_long_files(call: Call) -> None:
    await call("write", path="long.txt", content=TWENTY_FIVE)  # the test context pages at 10 lines
    first = await call("read", path="long.txt")
    assert first.content == "\n".join(f"line {n}" for n in range(1, 11)) + (
        "\n\n[showing lines 1-10 of 25; read the next page with offset=11]")
    last = await call("read", path="long.txt", offset=21)
    assert last.content == "\n".join(f"line {n}" for n in range(21, 26))
    middle = await call("read", path="long.txt", offset=5, limit=2)
    assert middle.content == "line 5\nline 6\n\n[showing lines 5-6 of 25; read the next page with offset=7, limit=2]"
    past = await call("read", path="long.txt", offset=26)
    assert past.content == "Error: offset 26 is past the end of long.txt (25 lines)"


async def test_claude_code_read_numbers_lines(call: Call, ctx: ToolContext) -> None:
    await call("Write", file_path=f"{ctx.workspace}/numbered.txt", content="alpha\n\tbeta\n")
    outcome = await call("Read", file_path="numbered.txt")
    assert outcome.content == "     1\talpha\n     2\t\tbeta"
    paged = await call("Read", file_path="numbered.txt", offset=2, limit=1)
    assert paged.content == "     2\t\tbeta"


async def test_read_refuses_binary_and_explains_missing(call: Call, box: Sandbox) -> None:
    await box.write_file("blob.bin", bytes(range(256)))
    binary = await call("read", path="blob.bin")
    assert binary.content.startswith("Error: blob.bin is a binary file (256 bytes)")
    assert (await call("read", path="nope.txt")).content == "Error: nope.txt: no such file"
    await call("exec", command="mkdir adir")
    assert (await call("Read", file_path="adir")).content.startswith("Error: adir is a directory")
    await box.write_file("empty.txt", b"")
    assert (await call("read", path="empty.txt")).content == "(empty.txt is empty)"


async def test_write_creates_parents_and_reports_changes(call: Call, box: Sandbox) -> None:
    created = await call("write", path="deep/er/notes.md", content="# Notes\nhello\n")
    assert created.content == "Created deep/er/notes.md (14 bytes, 2 lines)."
    assert created.result.files_changed == ["deep/er/notes.md"]
    assert await box.read_file("deep/er/notes.md") == b"# Notes\nhello\n"
    again = await call("Write", file_path="deep/er/notes.md", content="bye")
    assert again.content == "Overwrote deep/er/notes.md (3 bytes, 1 line)."
    onto_dir = await call("write", path="deep", content="x")
    assert onto_dir.content == "Error: deep is a directory; give a file path"


async def test_edit_exactly_once_or_explain(call: Call, box: Sandbox) -> None:
    original = b"def f():\n    return 1\n\ndef g():\n    return 1\n"
    await box.write_file("code.py", original)
    missing = await call("edit", path="code.py", oldText="return 2", newText="return 3")
    assert missing.content.startswith("Error: oldText was not found in code.py")
    spaced = await call("edit", path="code.py", oldText="  return 1  ", newText="x")
    assert "different leading/trailing whitespace" in spaced.content
    twice = await call("edit", path="code.py", oldText="return 1", newText="return 2")
    assert twice.content == ("Error: oldText occurs 2 times in code.py (at lines 2, 5); include more surrounding "
                             "lines to make it unique")
    same = await call("Edit", file_path="code.py", old_string="f", new_string="f")
    assert same.content == "Error: old_string and new_string are identical; there is nothing to change"
    not_unique = await call("Edit", file_path="code.py", old_string="return 1", new_string="return 2")
    assert "or set replace_all=true to replace every one" in not_unique.content
    assert await box.read_file("code.py") == original
    once = await call("edit", path="code.py", oldText="def g():\n    return 1", newText="def g():\n    return 7")
    assert once.content == "Edited code.py: replaced 1 occurrence at line 4."
    assert once.result.files_changed == ["code.py"]
    every = await call("Edit", file_path="code.py", old_string="def ", new_string="async def ", replace_all=True)
    assert every.content == "Edited code.py: replaced 2 occurrences."
    assert await box.read_file("code.py") == b"async def f():\n    return 1\n\nasync def g():\n    return 7\n"
    absent = await call("edit", path="ghost.py", oldText="a", newText="b")
    assert absent.content == "Error: ghost.py: no such file"


@pytest.mark.parametrize("path", ["../x", "sub/../../x", "/etc/passwd", "~/.bashrc", "/"])
async def test_paths_outside_the_workspace_are_refused(call: Call, path: str) -> None:
    for tool, argument in (("read", "path"), ("Read", "file_path"), ("write", "path"), ("Write", "file_path")):
        arguments = {argument: path, "content": "x"} if tool.lower() == "write" else {argument: path}
        outcome = await call(tool, **arguments)
        assert outcome.content.startswith(f"Error: {argument} {path!r} is "), outcome.content
        assert "outside the workspace" in outcome.content or "home directory" in outcome.content
        assert outcome.result.error_kind == "tool_error"


async def test_a_symlink_out_of_the_workspace_is_refused_and_the_host_untouched(call: Call, box: Sandbox) -> None:
    host_file = Path("/etc/ise-escape-test")
    made = await call("exec", command="ln -s /etc etclink && ln -s /etc/hostname hostlink && ls -l")
    assert made.result.exit_code == 0, made.content
    read = await call("read", path="etclink/passwd")
    assert read.content.startswith("Error: path 'etclink/passwd' resolves to /etc/passwd through a symbolic "
                                   "link, outside the workspace")
    linked = await call("Read", file_path="hostlink")
    assert "resolves to /etc/hostname through a symbolic link" in linked.content
    wrote = await call("write", path="etclink/ise-escape-test", content="pwned")
    assert wrote.result.error_kind == "tool_error" and "symbolic link" in wrote.content
    edited = await call("edit", path="etclink/hostname", oldText="a", newText="b")
    assert "symbolic link" in edited.content
    assert not host_file.exists()
    assert os.stat("/etc").st_mode & 0o755 == 0o755


async def test_absolute_paths_inside_the_workspace_work(call: Call, ctx: ToolContext) -> None:
    path = f"{ctx.workspace}/abs/file.txt"
    assert (await call("Write", file_path=path, content="inside\n")).result.ok
    assert (await call("Read", file_path=path)).content == "     1\tinside"
    assert (await call("read", path="abs/./file.txt")).content == "inside"
