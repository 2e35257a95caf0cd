"""File tools page long files, edit exactly or not at all, and never leave the workspace."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from tests.tools.conftest import Call

from isetrace.sandbox import Sandbox
from isetrace.tools import ToolContext, _reading
from isetrace.tools.files import MAX_LINE_CHARS

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


MIXED = "plain\r\ncafé ☕\n\n" + "é" * 5 + "😀 split\n" + "tail without newline"


def _page(text: str, offset: int, limit: int) -> str:
    """What read shows of ``text``: lines end at \\n (a \\r before it is dropped), footer when more follow."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if text.endswith("\n"):
        lines.pop()
    shown = lines[offset - 1:offset - 1 + limit]
    body = "\n".join(shown)
    last = offset + len(shown) - 1
    if last < len(lines):
        body += (f"\n\n[showing lines {offset}-{last} of {len(lines)}; read the next page with offset={last + 1}, "
                 f"limit={limit}]")
    return body


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64])
async def test_read_pages_alike_whatever_the_chunks(call: Call, box: Sandbox, monkeypatch: pytest.MonkeyPatch,
                                                     chunk: int) -> None:
    monkeypatch.setattr(_reading, "READ_CHUNK_BYTES", chunk)  # multi-byte characters split between reads
    await box.write_file("mixed.txt", MIXED.encode())
    for offset in range(1, 6):
        for limit in (1, 2, 10):
            outcome = await call("read", path="mixed.txt", offset=offset, limit=limit)
            assert outcome.content == _page(MIXED, offset, limit), (offset, limit)
    past = await call("read", path="mixed.txt", offset=6)
    assert past.content == "Error: offset 6 is past the end of mixed.txt (5 lines)"
    await box.write_file("ends.txt", b"one\ntwo\n")
    ended = await call("read", path="ends.txt", offset=3)
    assert ended.content == "Error: offset 3 is past the end of ends.txt (2 lines)"
    assert (await call("read", path="ends.txt", offset=2)).content == "two"


async def test_long_lines_are_cut_while_streaming(call: Call, box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_reading, "READ_CHUNK_BYTES", 7)
    await box.write_file("wide.txt", ("é" * 5000 + "\nnext\n").encode())
    outcome = await call("Read", file_path="wide.txt")
    assert outcome.content == ("     1\t" + "é" * MAX_LINE_CHARS + f"… [line cut at {MAX_LINE_CHARS} characters]"
                               "\n     2\tnext")


@pytest.mark.parametrize(("data", "message"), [
    (b"ok\nok\n\x00\x01", "Error: bin.txt is a binary file (8 bytes)"),
    (b"ok\nok\nok\n\xff\n", "Error: bin.txt is not UTF-8 text (11 bytes)"),
    (b"ok\nok\n\xc3", "Error: bin.txt is not UTF-8 text (7 bytes)"),
])
async def test_binary_and_non_utf8_are_found_across_chunks(call: Call, box: Sandbox,
                                                            monkeypatch: pytest.MonkeyPatch, data: bytes,
                                                            message: str) -> None:
    monkeypatch.setattr(_reading, "READ_CHUNK_BYTES", 3)
    await box.write_file("bin.txt", data)
    outcome = await call("read", path="bin.txt", limit=1)
    assert outcome.content.startswith(message), outcome.content


async def test_a_file_too_long_to_count_says_at_least_and_one_too_deep_points_to_the_shell(
        call: Call, box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_reading, "READ_CHUNK_BYTES", 16)
    monkeypatch.setattr(_reading, "COUNT_AHEAD_BYTES", 32)
    monkeypatch.setattr(_reading, "SCAN_MAX_BYTES", 160)
    await box.write_file("hundred.txt", "".join(f"line {n}\n" for n in range(1, 101)).encode())  # 792 bytes
    first = await call("read", path="hundred.txt", limit=2)
    at_least = re.fullmatch(r"line 1\nline 2\n\n\[showing lines 1-2 of at least (\d+); read the next page with "
                            r"offset=3, limit=2\]", first.content)
    assert at_least and 3 <= int(at_least.group(1)) < 100, first.content
    deep = await call("read", path="hundred.txt", offset=90)
    assert deep.content.startswith("Error: line 90 of hundred.txt is not within its first"), deep.content
    assert "sed -n '90,99p' hundred.txt" in deep.content
    running = await call("read", path="hundred.txt", offset=15, limit=50)
    assert running.content.startswith("line 15\n"), running.content
    assert running.content.endswith("the file goes on past its first 0 MiB, farther than this tool reads; see "
                                    "further with a shell command: sed -n '22,71p' hundred.txt]"), running.content
    cut_short = await call("read", path="hundred.txt", offset=20)  # line 22 is read only in part: not shown
    assert cut_short.content.startswith("line 20\nline 21\n\n[showing lines 20-21; the file goes on past its first"), \
        cut_short.content
    assert cut_short.content.endswith("sed -n '22,31p' hundred.txt]")
    monkeypatch.setattr(_reading, "READ_CHUNK_BYTES", 4096)
    monkeypatch.setattr(_reading, "SCAN_MAX_BYTES", 3 * 4096)
    await box.write_file("one-line.txt", b"x" * 20_000)
    endless = await call("read", path="one-line.txt")
    assert endless.content == ("x" * MAX_LINE_CHARS + f"… [line cut at {MAX_LINE_CHARS} characters]\n\n"
                               "[showing lines 1-1; line 1 runs on past the first 0 MiB of the file, farther than this "
                               "tool reads; see what follows with a shell command: tail -c +12289 one-line.txt | "
                               "head -c 4000]")
