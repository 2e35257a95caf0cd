"""The ``openclaw`` dialect: the tool names and parameters of the harness the original ISE data used.

exec, process, read, write, edit, apply_patch, web_fetch, web_search, memory_search, memory_get, tts.
Parameter names, JSON types, required sets and enums follow openclaw's published schemas (a test compares
them); each declaration is a thin wrapper over the shared implementation, and its docstring's first
paragraph and ``Args`` are what the model reads. Parameters that ask for something a sandbox has no
meaning for (running on another host, elevated, with approval prompts) accept the values that mean the
sandbox's own behaviour and refuse the rest with a ToolError that says why.
The session tools (sessions_list, sessions_history, sessions_send, sessions_spawn, subagents, agents_list,
session_status) are declared in :mod:`isetrace.tools.session_tools` and offered after these.
"""

from __future__ import annotations

from typing import Literal

from isetrace.errors import ToolError
from isetrace.tools import files, memory, patch, process, session_tools, shell, speech, web, web_filters
from isetrace.tools.context import ToolContext
from isetrace.tools.declare import ToolOutput, Whole, tool
from isetrace.tools.dialects import Dialect

__all__ = ["DIALECT"]


def _check_exec_policy(elevated: bool | None, host: str | None, node: str | None, security: str | None,
                       ask: str | None) -> None:
    """Accept the values that mean "run here, in the sandbox, as usual"; refuse the others, saying why."""
    if elevated:
        raise ToolError("elevated=true is not available: commands run only inside this sandbox, never on a host "
                        "with elevated permissions; leave elevated unset")
    if host not in (None, "", "sandbox"):
        raise ToolError(f"host={host[:40]!r} is not available: commands run only in this sandbox (host=sandbox)")
    if node:
        raise ToolError("node is for host=node, which is not available: commands run only in this sandbox")
    if security not in (None, "", "full"):
        raise ToolError(f"security={security[:40]!r} is not available: this sandbox runs every command (there is "
                        "no allowlist or deny mode here); leave security unset or use full")
    if ask not in (None, "", "off", "on-miss"):
        raise ToolError(f"ask={ask[:40]!r} is not available: nobody is here to approve commands; leave ask unset "
                        "or use off")


@tool(mutating=True, name="exec")
async def exec_(ctx: ToolContext, command: str, workdir: str | None = None, env: dict[str, str] | None = None,
                yieldMs: Whole | None = None, background: bool | None = None, timeout: float | None = None,
                pty: bool | None = None, elevated: bool | None = None, host: str | None = None,
                security: str | None = None, ask: str | None = None, node: str | None = None) -> str | ToolOutput:
    """Run a shell command (sh -c) in the workspace and return its exit code, stdout and stderr. Use background=true
    for servers and long jobs (you get a sessionId for the process tool at once), or yieldMs to wait that long and
    then leave a still-running command in the background. Use pty=true for programs that need a terminal.

    Args:
        command: The shell command to run.
        workdir: Directory to run in, relative to the workspace (default: the workspace).
        env: Extra environment variables for this command.
        yieldMs: Milliseconds to wait for the command; if it is still running then, it continues in the
            background and you get its output so far and a sessionId.
        background: Start the command in the background and return a sessionId immediately.
        timeout: Seconds before the command's whole process group is killed (capped by the sandbox limit).
        pty: Run under a pseudo-terminal (for interactive or TTY-only programs; stdout and stderr are merged).
            Drive it with process send-keys, paste and submit.
        elevated: Not available here (commands never leave the sandbox); leave unset.
        host: Where to run: only sandbox (the default) is available.
        security: Exec security mode: only full (the default here: every command runs) is available.
        ask: Exec approval mode: only off (the default: nobody approves commands here) is available.
        node: Node id for host=node, which is not available; leave unset.
    """
    _check_exec_policy(elevated, host, node, security, ask)
    if background and yieldMs is not None:
        raise ToolError("give either background=true or yieldMs, not both")
    use_pty = bool(pty)
    if background:
        job, _ = await shell.start_background(ctx, command, workdir=workdir, env=env, timeout_s=timeout,
                                              pty=use_pty)
        return ToolOutput(content=f"status: running (sessionId {job.session_id}; started in the background"
                                  f"{' under a terminal' if use_pty else ''})\n" + shell.follow_hint(job.session_id))
    if yieldMs is not None:
        return await shell.run_with_yield(ctx, command, yield_ms=yieldMs, workdir=workdir, env=env,
                                          timeout_s=timeout, pty=use_pty)
    return await shell.run_command(ctx, command, workdir=workdir, env=env, timeout_s=timeout, pty=use_pty)


@tool(mutating=True, name="process")
async def process_(ctx: ToolContext, action: str, sessionId: str | None = None, data: str | None = None,
                   keys: list[str] | None = None, hex: list[str] | None = None, literal: str | None = None,
                   text: str | None = None, bracketed: bool | None = None, eof: bool | None = None,
                   offset: Whole | None = None, limit: Whole | None = None,
                   timeout: float | None = None) -> str | ToolOutput:
    """Manage commands that exec left running in the background: list them, poll one for new output and its state, read
    its whole log, write to its stdin, send it keys, submit (Enter), paste text, kill it, or clear/remove it.

    Args:
        action: list, poll, log, write, send-keys, submit, paste, kill, clear or remove.
        sessionId: The background session, as returned by exec (every action but list needs it).
        data: For write: the text to send to the process's stdin (add "\\n" to end a line).
        keys: For send-keys: key names in order, e.g. ["y", "Enter"], ["C-c"], ["Up", "Up", "Enter"] (named keys
            like Enter, Tab, Escape, BSpace, Up, PageDown, F1; prefixes C- for Ctrl, M- for Alt, S- for Shift).
        hex: For send-keys: raw bytes in hex, e.g. ["1b", "5b", "41"].
        literal: For send-keys: text to type as it is (sent before hex and keys).
        text: For paste: the text to paste.
        bracketed: For paste: wrap the text in bracketed-paste markers (default true).
        eof: For write: close the process's stdin after writing.
        offset: For log: first line to show (1-based); without offset and limit, the last 200 lines.
        limit: For log: how many lines to show.
        timeout: For poll: wait up to this many milliseconds for new output (at most 30000).
    """
    return await process.process_action(ctx, action, sessionId, data, bool(eof), offset, limit, keys=keys,
                                        hex_bytes=hex, literal=literal, text=text, bracketed=bracketed,
                                        timeout_ms=timeout)


@tool(mutating=False, name="read")
async def read(ctx: ToolContext, path: str, offset: Whole | None = None, limit: Whole | None = None) -> str:
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
                    maxChars: Whole | None = None) -> str:
    """Fetch a URL (http or https) and return its readable content: HTML pages as markdown or plain text, other text as
    it is.

    Args:
        url: The URL to fetch.
        extractMode: markdown (keeps headings and links; the default) or text.
        maxChars: Most characters of content to return (longer content is cut, with a note).
    """
    return await web.web_fetch(ctx, url, extractMode or "markdown", maxChars)


@tool(mutating=False, name="web_search")
async def web_search(ctx: ToolContext, query: str, count: Whole | None = None, country: str | None = None,
                     language: str | None = None, freshness: str | None = None, date_after: str | None = None,
                     date_before: str | None = None, search_lang: str | None = None,
                     ui_lang: str | None = None) -> str:
    """Search the web and return a numbered list of results, each with title, URL and snippet. The filters are
    passed to the configured search provider; one it cannot apply is refused, never silently dropped.

    Args:
        query: What to search for.
        count: How many results to return (1-10, default 5).
        country: Two-letter country code to search from, e.g. US or DE.
        language: ISO 639-1 language of the results, e.g. en or de.
        freshness: Only recent results: day, week, month or year.
        date_after: Only results published after this date (YYYY-MM-DD).
        date_before: Only results published before this date (YYYY-MM-DD).
        search_lang: Brave search language code, e.g. en or zh-hans.
        ui_lang: Locale of the result page, e.g. en-US.
    """
    filters = web_filters.SearchFilters(country=country, language=language, freshness=freshness,
                                        date_after=date_after, date_before=date_before, search_lang=search_lang,
                                        ui_lang=ui_lang)
    return await web.web_search(ctx, query, count, filters)


@tool(mutating=False, name="memory_search")
async def memory_search(ctx: ToolContext, query: str, maxResults: Whole | None = None,
                        minScore: float | None = None) -> str:
    """Search your memory notes (MEMORY.md and memory/*.md in the workspace) and return the best-matching passages with
    their file, line range and relevance score.

    Args:
        query: Words to look for.
        maxResults: Most passages to return (default 5).
        minScore: Leave out passages scoring below this (scores are BM25 relevance, shown with each match).
    """
    return await memory.memory_search(ctx, query, maxResults, min_score=minScore)


@tool(mutating=False, name="memory_get")
async def memory_get(ctx: ToolContext, path: str, from_: Whole | None = None, lines: Whole | None = None) -> str:
    """Read lines from one memory note (MEMORY.md or memory/*.md), for example around a memory_search match.

    Args:
        path: The note, e.g. MEMORY.md or memory/2024-05-01.md.
        from_: First line to read (1-based; default 1).
        lines: How many lines to read (default: a page of the configured size).
    """
    return await memory.memory_get(ctx, path, from_, lines)


@tool(mutating=True, name="tts")
async def tts(ctx: ToolContext, text: str, channel: str | None = None) -> ToolOutput:
    """Convert text to speech: write a WAV audio file in the workspace and return its path.

    Args:
        text: The text to speak.
        channel: The channel the audio is for (e.g. telegram); every channel gets WAV here.
    """
    return await speech.text_to_speech(ctx, text, channel)


DIALECT = Dialect("openclaw", [exec_, process_, read, write, edit, apply_patch, web_fetch, web_search,
                               memory_search, memory_get, tts, *session_tools.SESSION_TOOLS])
"""The openclaw tools, in the order they are offered."""
