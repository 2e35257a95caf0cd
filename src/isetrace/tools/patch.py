"""``apply_patch``: the Codex/OpenAI patch format, applied all-or-nothing.

    *** Begin Patch
    *** Add File: path          (then every line starts with '+')
    *** Delete File: path
    *** Update File: path
    *** Move to: new/path       (optional, right after Update File)
    @@ optional context line    (a hunk; the first hunk of a file may omit the '@@' line)
     context line               (' ' context, '-' removed, '+' added)
    *** End of File             (optional: the hunk must match at the end of the file)
    *** End Patch

The whole patch is parsed and every hunk is located before anything is written, so a patch that does
not apply leaves the workspace exactly as it was, and the error names the file and the hunk. Context
must match the file; only trailing whitespace may differ (a fuzzier match would edit the wrong place
silently, and training data must not teach that sloppy patches work).

Only a file being updated is read, whole, and only up to the edit cap (``EDIT_MAX_BYTES``); a larger one
is refused with a pointer to the shell. Adding, deleting and moving onto a path only ask whether it exists.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Literal

from isetrace.errors import ToolError
from isetrace.tools._reading import read_capped, refusal
from isetrace.tools.context import ToolContext
from isetrace.tools.declare import ToolOutput
from isetrace.tools.files import EDIT_MAX_BYTES
from isetrace.tools.paths import WorkspacePath, resolve_path

__all__ = ["FileOp", "Hunk", "apply_hunks", "apply_patch", "parse_patch"]

BEGIN, END = "*** Begin Patch", "*** End Patch"
ADD, DELETE, UPDATE, MOVE = "*** Add File: ", "*** Delete File: ", "*** Update File: ", "*** Move to: "
END_OF_FILE = "*** End of File"


@dataclass
class Hunk:
    """One ``@@`` section: context lines to find first, then the old lines and what replaces them."""

    number: int
    contexts: list[str] = field(default_factory=list)
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    end_of_file: bool = False
    has_lines: bool = False


@dataclass
class FileOp:
    """One file section of a patch."""

    kind: Literal["add", "delete", "update"]
    path: str
    move_to: str | None = None
    content: list[str] = field(default_factory=list)
    hunks: list[Hunk] = field(default_factory=list)


def _is_header(line: str) -> bool:
    return line.startswith((ADD, DELETE, UPDATE)) or line.strip() == END


def _strip_wrapper(text: str) -> list[str]:
    """The patch's lines, without a shell heredoc wrapper (``<<'EOF'`` … ``EOF``) models sometimes add."""
    lines = text.replace("\r\n", "\n").strip().split("\n")
    if len(lines) >= 2 and lines[0].strip().startswith("<<") and lines[-1].strip() == lines[0].strip(" <'\""):
        lines = lines[1:-1]
    return lines


def _path_of(line: str, marker: str, number: int) -> str:
    path = line[len(marker):].strip()
    if not path:
        raise ToolError(f"patch line {number}: {marker.strip()} needs a path")
    return path


def _parse_update(op: FileOp, lines: list[str], i: int) -> int:
    """Read the hunks of an Update File section from line index ``i``; returns the index after them."""
    hunk: Hunk | None = None
    while i < len(lines) and not _is_header(lines[i]):
        line, number = lines[i], i + 1
        if line.startswith("@@"):
            context = line[2:].strip().removesuffix("@@").strip()
            if hunk is None or hunk.has_lines or hunk.end_of_file:
                hunk = Hunk(number=len(op.hunks) + 1)
                op.hunks.append(hunk)
            if context:
                hunk.contexts.append(context)
        elif line.strip() == END_OF_FILE:
            if hunk is None:
                raise ToolError(f"patch line {number}: {END_OF_FILE} before any hunk of {op.path}")
            hunk.end_of_file = True
        elif line == "" or line[0] in " -+":
            if hunk is None or hunk.end_of_file:
                hunk = Hunk(number=len(op.hunks) + 1)
                op.hunks.append(hunk)
            kind, text = (line[0], line[1:]) if line else (" ", "")
            if kind in " -":
                hunk.old.append(text)
            if kind in " +":
                hunk.new.append(text)
            hunk.has_lines = True
        else:
            raise ToolError(f"patch line {number}: unexpected line in Update File {op.path}: {line[:80]!r} "
                            "(hunk lines start with ' ', '-' or '+'; a hunk starts with '@@')")
        i += 1
    for hunk in op.hunks:
        if not hunk.has_lines:
            raise ToolError(f"Update File {op.path}, hunk {hunk.number}: the hunk has no lines")
    if not op.hunks and op.move_to is None:
        raise ToolError(f"Update File {op.path} has no hunks (and no Move to)")
    return i


def parse_patch(text: str) -> list[FileOp]:
    """Parse a whole patch; a :class:`ToolError` naming the line for anything malformed."""
    lines = _strip_wrapper(text)
    if not lines or lines[0].strip() != BEGIN:
        raise ToolError(f"the patch must start with the line '{BEGIN}'")
    if lines[-1].strip() != END:
        raise ToolError(f"the patch must end with the line '{END}'")
    ops: list[FileOp] = []
    i = 1
    while i < len(lines) - 1:
        line, number = lines[i], i + 1
        if line.startswith(ADD):
            op = FileOp("add", _path_of(line, ADD, number))
            i += 1
            while i < len(lines) and not _is_header(lines[i]):
                if not lines[i].startswith("+"):
                    raise ToolError(f"patch line {i + 1}: in Add File {op.path}, every line must start with '+' "
                                    f"(got {lines[i][:80]!r})")
                op.content.append(lines[i][1:])
                i += 1
        elif line.startswith(DELETE):
            op = FileOp("delete", _path_of(line, DELETE, number))
            i += 1
        elif line.startswith(UPDATE):
            op = FileOp("update", _path_of(line, UPDATE, number))
            i += 1
            if i < len(lines) and lines[i].startswith(MOVE):
                op.move_to = _path_of(lines[i], MOVE, i + 1)
                i += 1
            i = _parse_update(op, lines, i)
        elif not line.strip():
            i += 1
            continue
        else:
            raise ToolError(f"patch line {number}: expected '{ADD}<path>', '{UPDATE}<path>' or "
                            f"'{DELETE}<path>', got {line[:80]!r}")
        ops.append(op)
    if not ops:
        raise ToolError("the patch changes no files")
    return ops


def _seek(lines: list[str], pattern: list[str], start: int, at_end: bool) -> int | None:
    """Where ``pattern`` first occurs in ``lines`` from ``start``: exactly, else ignoring trailing spaces."""
    if len(pattern) > len(lines):
        return None
    last = len(lines) - len(pattern)
    starts = [last] if at_end and last >= start else []
    starts += range(start, last + 1)
    for loose in (False, True):
        wanted = [line.rstrip() for line in pattern] if loose else pattern
        for index in starts:
            window = lines[index:index + len(pattern)]
            if ([line.rstrip() for line in window] if loose else window) == wanted:
                return index
    return None


def _not_found(path: str, hunk: Hunk, what: list[str], after: int) -> ToolError:
    shown = "\n".join("    " + line for line in what[:8]) + ("\n    …" if len(what) > 8 else "")
    return ToolError(f"Update File {path}, hunk {hunk.number} does not apply: these lines were not found "
                     f"(searching from line {after + 1}); nothing was changed:\n{shown}")


def apply_hunks(text: str, hunks: list[Hunk], path: str) -> str:
    """The file's new text; a :class:`ToolError` naming the first hunk that does not apply."""
    ends_with_newline = text.endswith("\n") or text == ""
    lines = text.split("\n")
    if text.endswith("\n") or text == "":
        lines.pop()
    cursor = 0
    replacements: list[tuple[int, int, list[str]]] = []
    for hunk in hunks:
        for context in hunk.contexts:
            found = _seek(lines, [context], cursor, False)
            if found is None:
                raise _not_found(path, hunk, ["@@ " + context], cursor)
            cursor = found + 1
        if not hunk.old:
            position = cursor if hunk.contexts else len(lines)
            replacements.append((position, 0, hunk.new))
            continue
        old, new = hunk.old, hunk.new
        found = _seek(lines, old, cursor, hunk.end_of_file)
        if found is None and old[-1] == "":
            old, new = old[:-1], new[:-1] if new and new[-1] == "" else new
            found = _seek(lines, old, cursor, hunk.end_of_file) if old else None
        if found is None:
            raise _not_found(path, hunk, hunk.old, cursor)
        replacements.append((found, len(old), new))
        cursor = found + len(old)
    for position, length, new in sorted(replacements, key=lambda r: r[0], reverse=True):
        lines[position:position + length] = new
    return "\n".join(lines) + ("\n" if ends_with_newline and lines else "")


class _Overlay:
    """The workspace as the patch would leave it: read through, written to memory until the end."""

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx
        self.state: dict[str, str | None] = {}
        self.shown: dict[str, str] = {}

    async def current(self, where: WorkspacePath) -> str | None:
        """The file's text as the patch has left it so far; ``None`` when it does not exist. Files larger
        than :data:`~isetrace.tools.files.EDIT_MAX_BYTES` are refused: the patch rewrites them whole."""
        if where.real in self.state:
            return self.state[where.real]
        if not await self.exists(where):
            return None
        data = await read_capped(self.ctx, where, EDIT_MAX_BYTES, tool="apply_patch")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ToolError(f"{where.given} is not UTF-8 text; apply_patch edits text files only") from None

    async def exists(self, where: WorkspacePath) -> bool:
        """Whether the file exists as the patch has left it so far (without reading it: deleting or
        replacing a file of any size needs no more)."""
        if where.real in self.state:
            return self.state[where.real] is not None
        try:
            await self.ctx.sandbox.read_file(where.real, max_bytes=0)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise refusal(where, exc) from None
        return True

    def set(self, where: WorkspacePath, content: str | None) -> None:
        self.state[where.real] = content
        self.shown[where.real] = where.shown


async def apply_patch(ctx: ToolContext, patch: str) -> ToolOutput:
    """Parse, check and apply a patch; nothing is written unless every part of it applies."""
    ops = parse_patch(patch)
    overlay = _Overlay(ctx)
    report: list[str] = []
    for op in ops:
        where = await resolve_path(ctx, op.path, param="patch path")
        if op.kind == "add":
            if await overlay.exists(where):
                raise ToolError(f"Add File {op.path}: the file already exists; use Update File to change it")
            overlay.set(where, "\n".join(op.content) + "\n" if op.content else "")
            report.append(f"A {where.shown}")
            continue
        if op.kind == "delete":
            if not await overlay.exists(where):
                raise ToolError(f"Delete File {op.path}: no such file")
            overlay.set(where, None)
            report.append(f"D {where.shown}")
            continue
        current = await overlay.current(where)
        if current is None:
            raise ToolError(f"Update File {op.path}: no such file")
        updated = apply_hunks(current, op.hunks, op.path)
        if op.move_to is None:
            overlay.set(where, updated)
            report.append(f"M {where.shown}")
            continue
        target = await resolve_path(ctx, op.move_to, param="Move to path")
        if target.real != where.real and await overlay.exists(target):
            raise ToolError(f"Update File {op.path}: Move to {op.move_to}: that file already exists")
        overlay.set(where, None)
        overlay.set(target, updated)
        report.append(f"M {target.shown} (moved from {where.shown})")
    await _commit(ctx, overlay)
    changed = tuple(dict.fromkeys(overlay.shown[real] for real in overlay.state))
    return ToolOutput(content="Success. Updated the following files:\n" + "\n".join(report), files_changed=changed)


async def _commit(ctx: ToolContext, overlay: _Overlay) -> None:
    """Write every new or changed file, then delete the removed ones."""
    for real, content in overlay.state.items():
        if content is None:
            continue
        try:
            await ctx.sandbox.write_file(real, content.encode())
        except OSError as exc:
            raise ToolError(f"cannot write {overlay.shown[real]}: {exc.strerror or exc}; the patch was applied "
                            "only in part") from None
    doomed = [real for real, content in overlay.state.items() if content is None]
    if doomed:
        result = await ctx.sandbox.run("rm -f -- " + shlex.join(doomed), timeout_s=min(30.0, ctx.max_timeout_s))
        if result.exit_code != 0:
            raise ToolError(f"cannot delete {', '.join(overlay.shown[r] for r in doomed)}: "
                            f"{result.stderr.decode('utf-8', 'replace').strip()}; the patch was applied only in part")
