"""The ``openclaw`` dialect: the tool names and parameters of the harness the original ISE data used.

exec, process, read, write, edit, apply_patch, web_fetch, web_search, memory_search, memory_get.
Parameter names are part of the contract (DESIGN.md §2); each declaration is a thin wrapper over the
shared implementation, and its docstring's first paragraph and ``Args`` are what the model reads.
The session tools (sessions_list, sessions_history, sessions_send, sessions_spawn, subagents, agents_list,
session_status) are declared in :mod:`isetrace.tools.session_tools` and offered after these.
"""

from __future__ import annotations

from typing import Literal

from isetrace.errors import ToolError
from isetrace.tools import files, memory, patch, process, session_tools, shell, web
from isetrace.tools.context import ToolContext
from isetrace.tools.declare import ToolOutput, tool
from isetrace.tools.dialects import Dialect

__all__ = ["DIALECT"]


@tool(mutating=True, name="exec")
async def exec_(ctx: ToolContext, command: str, workdir: str | None = None, env: dict[str, str] | None = None,
                timeout: float | None = None, background: bool | None = None,
                yieldMs: int | None = None) -> str | ToolOutput:
    """Run a shell command (sh -c) in the workspace and return its exit code, stdout and stderr. Use background=true
    for servers and long jobs (you get a sessionId for the process tool at once), or yieldMs to wait that long and
    then leave a still-running command in the background.

    Args:
        command: The shell command to run.
        workdir: Directory to run in, relative to the workspace (default: the workspace).
        env: Extra environment variables for this command.
        timeout: Seconds before the command's whole process group is killed (capped by the sandbox limit).
        background: Start the command in the background and return a sessionId immediately.
        yieldMs: Milliseconds to wait for the command; if it is still running then, it continues in the
            background and you get its output so far and a sessionId.
    """
    if background and yieldMs is not None:
        raise ToolError("give either background=true or yieldMs, not both")
    if background:
        job, _ = await shell.start_background(ctx, command, workdir=workdir, env=env, timeout_s=timeout)
        return ToolOutput(content=f"status: running (sessionId {job.session_id}; started in the background)\n"
                                  + shell.follow_hint(job.session_id))
    if yieldMs is not None:
        return await shell.run_with_yield(ctx, command, yield_ms=yieldMs, workdir=workdir, env=env,
                                          timeout_s=timeout)
    return await shell.run_command(ctx, command, workdir=workdir, env=env, timeout_s=timeout)


@tool(mutating=True, name="process")
async def process_(ctx: ToolContext, action: process.ProcessAction, sessionId: str | None = None,
                   data: str | None = None, eof: bool | None = None, offset: int | None = None,
                   limit: int | None = None) -> str | ToolOutput:
    """Manage commands that exec left running in the background: list them, poll one for new output and its state, read
    its whole log, write to its stdin, kill it, or clear a finished one.

    Args:
        action: list, poll, log, write, kill or clear.
        sessionId: The background session, as returned by exec (every action but list needs it).
        data: For write: the text to send to the process's stdin (add "\\n" to end a line).
        eof: For write: close the process's stdin after writing.
        offset: For log: first line to show (1-based); without offset and limit, the last 200 lines.
        limit: For log: how many lines to show.
    """
    return await process.process_action(ctx, action, sessionId, data, bool(eof), offset, limit)


@tool(mutating=False, name="read")
async def read(ctx: ToolContext, path: str, offset: int | None = None, limit: int | None = None) -> str:
    """Read a text file from the workspace. Long files come in pages of lines; the answer says how to read the next
    page.

    Args:
        path: The file, relative to the workspace (or absolute inside it).
        offset: First line to read (1-based; default 1).
        limit: How many lines to read (default: a page of the configured size).
    """
    return await files.read_text(ctx, path, offset, limit, numbered=False)


@tool(mutating=True, name="write")
async def write(ctx: ToolContext, path: str, content: str) -> ToolOutput:
    """Create or overwrite a file in the workspace with the given content (parent directories are created).

    Args:
        path: The file, relative to the workspace (or absolute inside it).
        content: The complete new content of the file.
    """
    return await files.write_text(ctx, path, content)


@tool(mutating=True, name="edit")
async def edit(ctx: ToolContext, path: str, oldText: str, newText: str) -> ToolOutput:
    """Replace one exact occurrence of oldText with newText in a file. oldText must match the file exactly (whitespace
    included) and occur exactly once.

    Args:
        path: The file, relative to the workspace (or absolute inside it).
        oldText: The exact text to replace; include enough surrounding lines to make it unique.
        newText: The text to put in its place.
    """
    return await files.edit_file(ctx, path, oldText, newText, names=("path", "oldText", "newText"))


@tool(mutating=True, name="apply_patch")
async def apply_patch(ctx: ToolContext, input: str) -> ToolOutput:
    """Apply a patch that adds, updates, moves or deletes files. Format: a line '*** Begin Patch', then per file '***
    Add File: <path>' followed by lines starting with '+', or '*** Delete File: <path>', or '*** Update File:
    <path>' (optionally followed by '*** Move to: <new path>') with hunks that start with '@@' (optionally '@@ <a
    line before the change>') and contain lines starting with ' ' (context), '-' (remove) or '+' (add); last a line
    '*** End Patch'. Nothing is changed unless every hunk applies.

    Args:
        input: The whole patch text, from '*** Begin Patch' to '*** End Patch'.
    """
    return await patch.apply_patch(ctx, input)


@tool(mutating=False, name="web_fetch")
async def web_fetch(ctx: ToolContext, url: str, extractMode: Literal["markdown", "text"] | None = None,
                    maxChars: int | None = None) -> str:
    """Fetch a URL (http or https) and return its readable content: HTML pages as markdown or plain text, other text as
    it is.

    Args:
        url: The URL to fetch.
        extractMode: markdown (keeps headings and links; the default) or text.
        maxChars: Most characters of content to return (longer content is cut, with a note).
    """
    return await web.web_fetch(ctx, url, extractMode or "markdown", maxChars)


@tool(mutating=False, name="web_search")
async def web_search(ctx: ToolContext, query: str, count: int | None = None) -> str:
    """Search the web and return a numbered list of results, each with title, URL and snippet.

    Args:
        query: What to search for.
        count: How many results to return (1-20, default 5).
    """
    return await web.web_search(ctx, query, count)


@tool(mutating=False, name="memory_search")
async def memory_search(ctx: ToolContext, query: str, maxResults: int | None = None) -> str:
    """Search your memory notes (MEMORY.md and memory/*.md in the workspace) and return the best-matching passages with
    their file and line range.

    Args:
        query: Words to look for.
        maxResults: Most passages to return (default 5).
    """
    return await memory.memory_search(ctx, query, maxResults)


@tool(mutating=False, name="memory_get")
async def memory_get(ctx: ToolContext, path: str, from_: int | None = None, lines: int | None = None) -> str:
    """Read lines from one memory note (MEMORY.md or memory/*.md), for example around a memory_search match.

    Args:
        path: The note, e.g. MEMORY.md or memory/2024-05-01.md.
        from_: First line to read (1-based; default 1).
        lines: How many lines to read (default: a page of the configured size).
    """
    return await memory.memory_get(ctx, path, from_, lines)


DIALECT = Dialect("openclaw", [exec_, process_, read, write, edit, apply_patch, web_fetch, web_search,
                               memory_search, memory_get, *session_tools.SESSION_TOOLS])
"""The openclaw tools, in the order they are offered."""
