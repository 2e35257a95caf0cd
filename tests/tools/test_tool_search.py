"""Glob and Grep search the workspace for real, inside the sandbox, in every backend."""

from __future__ import annotations

import pytest
from tests.tools.conftest import Call

from isetrace.errors import ToolError
from isetrace.sandbox import Sandbox
from isetrace.tools import ToolContext
from isetrace.tools.search import expand_braces, glob_regex


@pytest.mark.parametrize(("pattern", "matches", "misses"), [
    ("*.py", ["a.py"], ["src/a.py", "a.pyc"]),
    ("**/*.py", ["a.py", "src/a.py", "src/deep/er/a.py"], ["a.txt"]),
    ("src/**", ["src/a.py", "src/x/y"], ["lib/a.py"]),
    ("src/**/test_*.py", ["src/test_a.py", "src/x/test_b.py"], ["test_a.py", "src/x/a_test.py"]),
    ("*.{ts,tsx}", ["a.ts", "b.tsx"], ["c.js"]),
    ("file?.[ch]", ["file1.c", "fileA.h"], ["file10.c", "file1.o"]),
    ("[!a]*.md", ["b.md"], ["a.md"]),
])
def test_glob_dialect(pattern: str, matches: list[str], misses: list[str]) -> None:
    regex = glob_regex(pattern)
    assert all(regex.match(path) for path in matches), [p for p in matches if not regex.match(p)]
    assert not any(regex.match(path) for path in misses), [p for p in misses if regex.match(p)]


def test_brace_expansion() -> None:
    assert expand_braces("a/{b,c{d,e}}/*.x") == ["a/b/*.x", "a/cd/*.x", "a/ce/*.x"]
    assert expand_braces("{only}") == ["{only}"]
    with pytest.raises(ToolError, match="more than 64"):
        expand_braces("{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}")


async def _tree(box: Sandbox) -> None:
    await box.run("mkdir -p src/pkg docs .git && "
                  "printf 'def alpha():\\n    return TODO\\n' > src/pkg/alpha.py && "
                  "printf 'TODO: beta\\nTODO: more\\n' > src/beta.py && "
                  "printf 'notes with TODO\\n' > docs/notes.md && "
                  "printf 'TODO in git\\n' > .git/config.py && "
                  "touch -d '2020-01-01' src/pkg/alpha.py && touch -d '2021-01-01' src/beta.py && "
                  "touch -d '2022-01-01' docs/notes.md")


async def test_glob_lists_newest_first(call: Call, box: Sandbox, ctx: ToolContext) -> None:
    await _tree(box)
    root = await ctx.workspace_real()
    found = await call("Glob", pattern="**/*.py")
    assert found.content.splitlines() == [f"{root}/src/beta.py", f"{root}/src/pkg/alpha.py"]
    every = await call("Glob", pattern="**/*.{py,md}")
    assert every.content.splitlines()[0] == f"{root}/docs/notes.md"
    under = await call("Glob", pattern="*.py", path="src/pkg")
    assert under.content == f"{root}/src/pkg/alpha.py"
    absolute = await call("Glob", pattern=f"{ctx.workspace}/src/*.py")
    assert absolute.content == f"{root}/src/beta.py"
    none = await call("Glob", pattern="**/*.rs")
    assert none.content == "No files found matching '**/*.rs' in .."
    outside = await call("Glob", pattern="*", path="/etc")
    assert outside.content.startswith("Error: path '/etc' is outside the workspace")


async def test_grep_modes(call: Call, box: Sandbox, ctx: ToolContext) -> None:
    await _tree(box)
    root = await ctx.workspace_real()
    files = await call("Grep", pattern="TODO")
    assert files.content.splitlines() == [f"{root}/docs/notes.md", f"{root}/src/beta.py",
                                          f"{root}/src/pkg/alpha.py"]
    content = await call("Grep", pattern="^TODO: (beta|more)$", output_mode="content")
    assert content.content.splitlines() == [f"{root}/src/beta.py:1:TODO: beta", f"{root}/src/beta.py:2:TODO: more"]
    counted = await call("Grep", pattern="TODO", output_mode="count", glob="*.py")
    assert counted.content.splitlines() == [f"{root}/src/beta.py:2", f"{root}/src/pkg/alpha.py:1"]
    scoped = await call("Grep", pattern="return", path="src/pkg/alpha.py", output_mode="content")
    assert scoped.content == f"{root}/src/pkg/alpha.py:2:    return TODO"
    in_dir = await call("Grep", pattern="TODO", glob="pkg/*.py", path="src")
    assert in_dir.content == f"{root}/src/pkg/alpha.py"
    nothing = await call("Grep", pattern="FIXME")
    assert nothing.content == "No matches for 'FIXME' in .."
    broken = await call("Grep", pattern="(unclosed")
    assert broken.content.startswith("Error: grep failed:") and broken.result.error_kind == "tool_error"
