"""claude-code's ``Glob`` and ``Grep``, run for real inside the sandbox with ``find`` and GNU ``grep``.

Listing and searching happen in the sandbox (so they see exactly what commands see, in every backend);
pattern matching of paths happens here, with one glob dialect for both tools: ``*`` and ``?`` stay in
one path segment, ``**`` spans directories, ``[abc]`` classes and ``{a,b}`` alternatives. Neither tool
follows symbolic links, so a link pointing out of the workspace is never searched. ``.git`` is skipped, and
so are FIFOs, sockets and devices (``grep -D skip``), which could block a search or never end.
"""

from __future__ import annotations

import posixpath
import re
from typing import Literal

from isetrace.errors import ToolError
from isetrace.tools.context import ToolContext
from isetrace.tools.paths import WorkspacePath, resolve_path
from isetrace.tools.shell import decode

__all__ = ["GLOB_LIMIT", "GREP_LINE_LIMIT", "GrepMode", "expand_braces", "glob_files", "glob_regex", "grep"]

GLOB_LIMIT = 100
"""Most paths Glob returns (the most recently modified)."""
GREP_LINE_LIMIT = 250
"""Most matching lines Grep shows in content mode (and most files in the other modes)."""
GREP_LINE_CHARS = 500
_SEARCH_TIMEOUT_S = 60.0
_MAX_EXPANSIONS = 64

GrepMode = Literal["content", "files_with_matches", "count"]


def expand_braces(pattern: str) -> list[str]:
    """``src/*.{ts,tsx}`` → ``src/*.ts``, ``src/*.tsx`` (nested braces too; at most 64 patterns)."""
    depth, start = 0, -1
    for index, char in enumerate(pattern):
        if char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                inner, options, level, begin = pattern[start + 1:index], [], 0, 0
                for k, c in enumerate(inner):
                    level += (c == "{") - (c == "}")
                    if c == "," and level == 0:
                        options.append(inner[begin:k])
                        begin = k + 1
                options.append(inner[begin:])
                if len(options) < 2:
                    continue
                found = [x for option in options
                         for x in expand_braces(pattern[:start] + option + pattern[index + 1:])]
                if len(found) > _MAX_EXPANSIONS:
                    raise ToolError(f"pattern {pattern!r} expands to more than {_MAX_EXPANSIONS} alternatives")
                return found
    return [pattern]


def _segment(segment: str) -> str:
    out, i = [], 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (end := segment.find("]", i + 2)) > 0:
            body = segment[i + 1:end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex matching the relative paths that ``pattern`` (after brace expansion) matches."""
    alternatives = []
    for one in expand_braces(pattern):
        segments = [s for s in one.split("/") if s not in ("", ".")]
        regex = ""
        for index, segment in enumerate(segments):
            last = index == len(segments) - 1
            if segment == "**":
                regex += ".*" if last else "(?:[^/]+/)*"
            else:
                regex += _segment(segment) + ("" if last else "/")
        alternatives.append(regex)
    try:
        return re.compile("(?:" + "|".join(alternatives) + r")\Z")
    except re.error as exc:
        raise ToolError(f"pattern {pattern!r} is not a valid glob ({exc})") from None


async def _root(ctx: ToolContext, path: str | None) -> WorkspacePath:
    return await resolve_path(ctx, path if path else ".", param="path")


def _relative_pattern(pattern: str, root: WorkspacePath, workspace: str) -> str:
    if not pattern.startswith("/"):
        return pattern
    for base in (root.real, posixpath.normpath(workspace)):
        if pattern.startswith(base.rstrip("/") + "/"):
            return pattern[len(base.rstrip("/")) + 1:]
    raise ToolError(f"pattern {pattern!r} is an absolute path outside {root.given!r}; give a pattern relative to "
                    "path (for example '**/*.py')")


async def glob_files(ctx: ToolContext, pattern: str, path: str | None = None) -> str:
    """Files under ``path`` matching ``pattern``, newest first (absolute paths, as the sandbox sees them)."""
    if not pattern.strip():
        raise ToolError("pattern is empty")
    root = await _root(ctx, path)
    regex = glob_regex(_relative_pattern(pattern, root, ctx.workspace))
    argv = ["find", root.real, "-mindepth", "1", "-name", ".git", "-prune", "-o", "-type", "f",
            "-printf", "%T@\\t%P\\0"]
    result = await ctx.sandbox.run(argv, timeout_s=min(_SEARCH_TIMEOUT_S, ctx.max_timeout_s))
    if result.exit_code != 0 and not result.stdout:
        raise ToolError(f"cannot list {root.given}: {decode(result.stderr).strip() or 'find failed'}")
    found: list[tuple[float, str]] = []
    for record in result.stdout.split(b"\0"):
        stamp, _, relative = decode(record).partition("\t")
        if relative and regex.match(relative):
            found.append((float(stamp), relative))
    if not found:
        return f"No files found matching {pattern!r} in {root.given}."
    found.sort(key=lambda item: (-item[0], item[1]))
    base = root.real.rstrip("/")
    lines = [f"{base}/{relative}" for _, relative in found[:GLOB_LIMIT]]
    if len(found) > GLOB_LIMIT:
        lines.append(f"(showing the {GLOB_LIMIT} most recently modified of {len(found)} matches; "
                     "narrow the pattern or path)")
    if result.truncated or result.timed_out:
        lines.append("(the listing was cut short; results may be incomplete)")
    return "\n".join(lines)


def _glob_filter(glob: str | None) -> re.Pattern[str] | None:
    if not glob:
        return None
    return glob_regex(glob if "/" in glob else "**/" + glob)


async def grep(ctx: ToolContext, pattern: str, path: str | None = None, glob: str | None = None,
               output_mode: GrepMode = "files_with_matches") -> str:
    """Search file contents with an extended regular expression (GNU ``grep -E``)."""
    if pattern == "":
        raise ToolError("pattern is empty")
    root = await _root(ctx, path)
    flags = {"content": ["-n", "-H"], "files_with_matches": ["-l"], "count": ["-c", "-H"]}[output_mode]
    # -D skip: a FIFO, socket or device is never read, not even when it is the path given (it could block
    # until the timeout, or stream forever).
    argv = ["grep", "-r", "-I", "-E", "-s", "-Z", "-D", "skip", "--exclude-dir=.git", *flags, "-e", pattern, "--",
            root.real]
    result = await ctx.sandbox.run(argv, timeout_s=min(_SEARCH_TIMEOUT_S, ctx.max_timeout_s))
    if result.exit_code >= 2 and not result.stdout:
        message = decode(result.stderr).strip() or f"grep exited with code {result.exit_code}"
        raise ToolError(f"grep failed: {message}")
    keep = _glob_filter(glob)
    base = root.real.rstrip("/")

    def wanted(file: str) -> bool:
        if keep is None:
            return True
        relative = file[len(base) + 1:] if file.startswith(base + "/") else posixpath.basename(file)
        return bool(keep.match(relative))

    lines: list[str] = []
    total = 0
    if output_mode == "files_with_matches":
        files = sorted(f for f in (decode(r) for r in result.stdout.split(b"\0")) if f and wanted(f))
        total, lines = len(files), files[:GREP_LINE_LIMIT]
    else:
        entries = []
        for raw in result.stdout.split(b"\n"):
            file_raw, sep, rest_raw = raw.partition(b"\0")
            file, rest = decode(file_raw), decode(rest_raw)
            if sep and wanted(file) and not (output_mode == "count" and rest.strip() == "0"):
                entries.append((file, rest))
        entries.sort(key=lambda entry: entry[0])  # grep walks in directory order; keep line order per file
        total = len(entries)
        for file, rest in entries[:GREP_LINE_LIMIT]:
            rest = rest if len(rest) <= GREP_LINE_CHARS else rest[:GREP_LINE_CHARS] + "… [line cut]"
            lines.append(f"{file}:{rest}")
    if not lines:
        return f"No matches for {pattern!r} in {root.given}" + (f" (files matching {glob!r})." if glob else ".")
    what = {"content": "matching lines", "files_with_matches": "files", "count": "files"}[output_mode]
    if total > len(lines):
        lines.append(f"(showing {len(lines)} of {total} {what}; narrow the pattern, path or glob)")
    if result.truncated or result.timed_out:
        lines.append("(the search output was cut short; results may be incomplete)")
    return "\n".join(lines)
