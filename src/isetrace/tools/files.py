"""Reading, writing and editing files in the workspace, for every dialect.

Reads page long files by lines and always say how to get the next page, so a model never mistakes the
first page for the whole file. A page is streamed from the sandbox in bounded chunks, only as far as it
needs (:mod:`isetrace.tools._reading`): a workspace file can be any size, and the host must not hold it.
Edits are exact-match replacements that refuse to guess: text that is missing or ambiguous is an error
the model must resolve, never a silent best effort. An edit rewrites the whole file, so it refuses files
larger than :data:`EDIT_MAX_BYTES` and points to the shell instead.
Parameter names differ between dialects (``path``/``file_path``, ``oldText``/``old_string``); callers
pass the names they offer so messages use the model's own vocabulary.
"""

from __future__ import annotations

from isetrace.errors import ToolError
from isetrace.tools._reading import (
    BINARY_SNIFF,
    MAX_LINE_CHARS,
    MAX_PAGE_CHARS,
    NOT_REGULAR,
    page_lines,
    read_capped,
    reason,
    refusal,
)
from isetrace.tools.context import ToolContext
from isetrace.tools.declare import ToolOutput
from isetrace.tools.paths import WorkspacePath, resolve_path

__all__ = ["EDIT_MAX_BYTES", "MAX_LINE_CHARS", "MAX_PAGE_CHARS", "edit_file", "read_text", "write_text"]

EDIT_MAX_BYTES = 8 << 20
"""Largest file ``edit``/``apply_patch`` rewrite: the host holds a few copies of it while editing."""


def _as_text(where: WorkspacePath, data: bytes) -> str:
    """A whole file's bytes as text; a :class:`ToolError` for a binary or non-UTF-8 file."""
    if b"\x00" in data[:BINARY_SNIFF]:
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

    ``numbered`` shows ``cat -n``-style lines (right-aligned number, a tab, the line). The footer of a
    page that is not the last gives the offset of the next one, and the file's line count — "of at least
    N" when the file goes on further than the read counted.
    """
    if offset is not None and offset < 0:
        raise ToolError(f"offset is a 1-based line number (got {offset})")
    if limit is not None and limit < 1:
        raise ToolError(f"limit must be at least 1 (got {limit})")
    where = await resolve_path(ctx, path, param=path_param)
    start = max(1, offset or 1)
    count = limit or ctx.config.read_max_lines
    page = await page_lines(ctx, where, start, count, numbered=numbered, strict=True)
    if page.total == 0:
        return f"({where.shown} is empty)"
    if not page.lines:
        raise ToolError(f"offset {start} is past the end of {where.given} ({page.total} lines)")
    body = "\n".join(page.lines)
    if page.stopped:
        body += f"\n\n[showing lines {start}-{page.last}; {page.stopped}]"
    elif page.more:
        body += (f"\n\n[showing lines {start}-{page.last} {page.of_total()}; read the next page with "
                 f"offset={page.last + 1}{f', limit={count}' if limit else ''}]")
    return body


async def write_text(ctx: ToolContext, path: str, content: str, *, path_param: str = "path") -> ToolOutput:
    """Create or replace a file (parent directories are made)."""
    where = await resolve_path(ctx, path, param=path_param)
    data = content.encode()
    try:
        created = await ctx.sandbox.write_file(where.real, data)
    except IsADirectoryError:
        raise ToolError(f"{where.given} is a directory; give a file path") from None
    except NotADirectoryError:
        raise ToolError(f"{where.given}: a parent of this path is a file, not a directory") from None
    except OSError as exc:
        if reason(exc) == NOT_REGULAR:  # the sandbox refused a FIFO, socket or device
            raise ToolError(f"{where.given} is {NOT_REGULAR}; write replaces regular files only. Remove it "
                            "first with a shell command (rm) if a file should take its place") from None
        raise refusal(where, exc, "write") from None
    lines = content.count("\n") + (0 if content.endswith("\n") or not content else 1)
    verb = "Created" if created else "Overwrote"
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
    text = _as_text(where, await read_capped(ctx, where, EDIT_MAX_BYTES, tool="edit"))
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
        raise refusal(where, exc, "write") from None
    what = f"{count} occurrences" if replace_all and count > 1 else f"1 occurrence at line {first_line}"
    return ToolOutput(content=f"Edited {where.shown}: replaced {what}.", files_changed=(where.shown,))
