"""Reading, writing and editing files in the workspace, for every dialect.

Reads page long files by lines and always say how to get the next page, so a model never mistakes the
first page for the whole file. Edits are exact-match replacements that refuse to guess: text that is
missing or ambiguous is an error the model must resolve, never a silent best effort.
Parameter names differ between dialects (``path``/``file_path``, ``oldText``/``old_string``); callers
pass the names they offer so messages use the model's own vocabulary.
"""

from __future__ import annotations

from isetrace.errors import ToolError
from isetrace.tools.context import ToolContext
from isetrace.tools.declare import ToolOutput
from isetrace.tools.paths import WorkspacePath, resolve_path

__all__ = ["MAX_LINE_CHARS", "MAX_PAGE_CHARS", "edit_file", "read_bytes", "read_text", "write_text"]

MAX_LINE_CHARS = 2000
"""Longer lines are cut when shown (minified files would otherwise flood the context)."""
MAX_PAGE_CHARS = 100_000
"""A page stops early when its text grows past this, whatever the line limit."""
_BINARY_SNIFF = 8192


async def read_bytes(ctx: ToolContext, where: WorkspacePath) -> bytes:
    """The file's bytes, with the sandbox's file errors turned into messages for the model."""
    try:
        return await ctx.sandbox.read_file(where.real)
    except FileNotFoundError:
        raise ToolError(f"{where.given}: no such file") from None
    except IsADirectoryError:
        raise ToolError(f"{where.given} is a directory, not a file; list it with a shell command (ls)") from None
    except PermissionError:
        raise ToolError(f"{where.given}: permission denied") from None
    except OSError as exc:
        raise ToolError(f"{where.given}: cannot read it ({exc.strerror or exc})") from None


def _as_text(where: WorkspacePath, data: bytes) -> str:
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise ToolError(f"{where.given} is a binary file ({len(data)} bytes); this tool shows text only. "
                        "Inspect it with a shell command (file, xxd | head, …)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ToolError(f"{where.given} is not UTF-8 text ({len(data)} bytes); inspect it with a shell command "
                        "(file, iconv, xxd | head, …)") from None


async def read_text(ctx: ToolContext, path: str, offset: int | None, limit: int | None, *, numbered: bool,
                    path_param: str = "path") -> str:
    """One page of a text file: ``limit`` lines (default ``read_max_lines``) from line ``offset`` (1-based).

    ``numbered`` shows ``cat -n``-style lines (right-aligned number, a tab, the line).
    """
    if offset is not None and offset < 0:
        raise ToolError(f"offset is a 1-based line number (got {offset})")
    if limit is not None and limit < 1:
        raise ToolError(f"limit must be at least 1 (got {limit})")
    where = await resolve_path(ctx, path, param=path_param)
    text = _as_text(where, await read_bytes(ctx, where))
    if not text:
        return f"({where.shown} is empty)"
    lines = text.splitlines()
    total = len(lines)
    start = max(1, offset or 1)
    if start > total:
        raise ToolError(f"offset {start} is past the end of {where.given} ({total} lines)")
    count = limit or ctx.config.read_max_lines
    shown: list[str] = []
    size = 0
    for number in range(start, min(total, start + count - 1) + 1):
        line = lines[number - 1]
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + f"… [line cut at {MAX_LINE_CHARS} characters]"
        rendered = f"{number:>6}\t{line}" if numbered else line
        if shown and size + len(rendered) > MAX_PAGE_CHARS:
            break
        shown.append(rendered)
        size += len(rendered) + 1
    last = start + len(shown) - 1
    body = "\n".join(shown)
    if last < total:
        body += (f"\n\n[showing lines {start}-{last} of {total}; read the next page with offset={last + 1}"
                 f"{f', limit={count}' if limit else ''}]")
    return body


async def write_text(ctx: ToolContext, path: str, content: str, *, path_param: str = "path") -> ToolOutput:
    """Create or replace a file (parent directories are made)."""
    where = await resolve_path(ctx, path, param=path_param)
    data = content.encode()
    parent, _, name = where.real.rpartition("/")
    try:
        existed = any(entry.name == name for entry in await ctx.sandbox.list_dir(parent or "/"))
    except OSError:
        existed = False  # no parent yet (the write makes it), or a file in its place (the write says so)
    try:
        await ctx.sandbox.write_file(where.real, data)
    except IsADirectoryError:
        raise ToolError(f"{where.given} is a directory; give a file path") from None
    except NotADirectoryError:
        raise ToolError(f"{where.given}: a parent of this path is a file, not a directory") from None
    except PermissionError:
        raise ToolError(f"{where.given}: permission denied") from None
    except OSError as exc:
        raise ToolError(f"{where.given}: cannot write it ({exc.strerror or exc})") from None
    lines = content.count("\n") + (0 if content.endswith("\n") or not content else 1)
    verb = "Overwrote" if existed else "Created"
    return ToolOutput(content=f"{verb} {where.shown} ({len(data)} bytes, {lines} line{'' if lines == 1 else 's'}).",
                      files_changed=(where.shown,))


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


async def edit_file(ctx: ToolContext, path: str, old: str, new: str, *, replace_all: bool = False,
                    names: tuple[str, str, str] = ("path", "oldText", "newText"),
                    replace_all_param: str | None = None) -> ToolOutput:
    """Replace ``old`` by ``new`` in a file: exactly once, or everywhere with ``replace_all``.

    ``names`` are the dialect's names for path, old text and new text; ``replace_all_param`` is its name
    for replace_all, if it has one (mentioned when the old text is not unique).
    """
    path_param, old_param, new_param = names
    if old == "":
        raise ToolError(f"{old_param} is empty; give the exact text to replace (to create a file, write it)")
    if old == new:
        raise ToolError(f"{old_param} and {new_param} are identical; there is nothing to change")
    where = await resolve_path(ctx, path, param=path_param)
    text = _as_text(where, await read_bytes(ctx, where))
    count = text.count(old)
    if count == 0:
        hint = ""
        if old.strip() and old.strip() in text:
            hint = " (it does appear with different leading/trailing whitespace)"
        raise ToolError(f"{old_param} was not found in {where.given}{hint}; it must match the file exactly, "
                        "including whitespace and indentation — read the file and copy the text")
    if count > 1 and not replace_all:
        positions: list[str] = []
        start = 0
        while (index := text.find(old, start)) >= 0 and len(positions) < 10:
            positions.append(str(_line_of(text, index)))
            start = index + 1
        how = f", or set {replace_all_param}=true to replace every one" if replace_all_param else ""
        raise ToolError(f"{old_param} occurs {count} times in {where.given} (at lines {', '.join(positions)}); "
                        f"include more surrounding lines to make it unique{how}")
    first_line = _line_of(text, text.find(old))
    updated = text.replace(old, new) if replace_all else text.replace(old, new, 1)
    try:
        await ctx.sandbox.write_file(where.real, updated.encode())
    except OSError as exc:
        raise ToolError(f"{where.given}: cannot write it ({exc.strerror or exc})") from None
    what = f"{count} occurrences" if replace_all and count > 1 else f"1 occurrence at line {first_line}"
    return ToolOutput(content=f"Edited {where.shown}: replaced {what}.", files_changed=(where.shown,))
