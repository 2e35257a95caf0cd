"""The ``claude-code`` dialect: the six sandbox tools Claw-Eval's harness offers.

Bash, Read, Write, Edit, Glob, Grep — names and parameters as DESIGN.md §2 fixes them, each a thin
wrapper over the shared implementation. Claude Code's own ``Bash`` timeout is in milliseconds (at most
600000); it is still capped by the sandbox's per-command limit. This dialect has no tool to poll a
background command, so ``run_in_background`` sends the command's output to a log file the model can
read with the shell.
"""

from __future__ import annotations

from typing import Literal

from isetrace.errors import ToolError
from isetrace.tools import files, search, shell
from isetrace.tools.context import ToolContext
from isetrace.tools.declare import ToolOutput, tool
from isetrace.tools.dialects import Dialect

__all__ = ["BASH_MAX_TIMEOUT_MS", "DIALECT"]

BASH_MAX_TIMEOUT_MS = 600_000
BASH_DEFAULT_TIMEOUT_MS = 120_000


@tool(mutating=True, name="Bash")
async def bash(ctx: ToolContext, command: str, timeout: int | None = None,
               run_in_background: bool | None = None) -> ToolOutput:
    """Run a bash-compatible shell command (sh -c) in the workspace and return its exit code, stdout and
    stderr. Set run_in_background for servers and long jobs: the command keeps running and its output goes
    to a log file you can read later with cat or tail.

    Args:
        command: The command to run.
        timeout: Timeout in milliseconds (default 120000, at most 600000; the sandbox may cap it lower).
        run_in_background: Start the command in the background and return at once.
    """
    if timeout is not None and timeout <= 0:
        raise ToolError(f"timeout is in milliseconds and must be positive (got {timeout})")
    timeout_s = min(timeout or BASH_DEFAULT_TIMEOUT_MS, BASH_MAX_TIMEOUT_MS) / 1000
    if run_in_background:
        job, log_file = await shell.start_background(ctx, command, log_to_file=True)
        return ToolOutput(content=f"Command running in background with ID: {job.session_id}. Its stdout and "
                                  f"stderr are written to {log_file}; read them later with `cat {log_file}` or "
                                  f"`tail -n 50 {log_file}`.")
    return await shell.run_command(ctx, command, timeout_s=timeout_s)


@tool(mutating=False, name="Read")
async def read(ctx: ToolContext, file_path: str, offset: int | None = None, limit: int | None = None) -> str:
    """Read a text file from the workspace, shown with line numbers (cat -n style). Long files come in pages of
    lines; the answer says how to read the next page.

    Args:
        file_path: The file: an absolute path inside the workspace, or one relative to it.
        offset: Line number to start reading from (1-based; default 1).
        limit: How many lines to read (default: a page of the configured size).
    """
    return await files.read_text(ctx, file_path, offset, limit, numbered=True, path_param="file_path")


@tool(mutating=True, name="Write")
async def write(ctx: ToolContext, file_path: str, content: str) -> ToolOutput:
    """Write a file in the workspace, replacing it if it exists (parent directories are created).

    Args:
        file_path: The file: an absolute path inside the workspace, or one relative to it.
        content: The complete content to write.
    """
    return await files.write_text(ctx, file_path, content, path_param="file_path")


@tool(mutating=True, name="Edit")
async def edit(ctx: ToolContext, file_path: str, old_string: str, new_string: str,
               replace_all: bool | None = None) -> ToolOutput:
    """Replace exact text in a file. old_string must match the file exactly (whitespace included) and be unique
    in it, unless replace_all is set.

    Args:
        file_path: The file: an absolute path inside the workspace, or one relative to it.
        old_string: The exact text to replace.
        new_string: The text to replace it with (must differ from old_string).
        replace_all: Replace every occurrence of old_string (default false).
    """
    return await files.edit_file(ctx, file_path, old_string, new_string, replace_all=bool(replace_all),
                                 names=("file_path", "old_string", "new_string"), replace_all_param="replace_all")


@tool(mutating=False, name="Glob")
async def glob(ctx: ToolContext, pattern: str, path: str | None = None) -> str:
    """Find files whose paths match a glob pattern (such as "**/*.py" or "src/**/*.{ts,tsx}"); matching paths
    come back newest first.

    Args:
        pattern: The glob pattern, relative to path: * and ? stay within a directory, ** spans directories.
        path: Directory to search in (default: the workspace).
    """
    return await search.glob_files(ctx, pattern, path)


@tool(mutating=False, name="Grep")
async def grep(ctx: ToolContext, pattern: str, path: str | None = None, glob: str | None = None,
               output_mode: Literal["content", "files_with_matches", "count"] | None = None) -> str:
    """Search file contents with a regular expression (POSIX extended syntax, as grep -E) across the workspace
    or a given file or directory.

    Args:
        pattern: The regular expression to search for.
        path: File or directory to search in (default: the workspace).
        glob: Only search files matching this glob (e.g. "*.js", "src/**/*.py").
        output_mode: content (matching lines with line numbers), files_with_matches (file paths; the
            default) or count (matches per file).
    """
    return await search.grep(ctx, pattern, path, glob, output_mode or "files_with_matches")


DIALECT = Dialect("claude-code", [bash, read, write, edit, glob, grep])
"""The claude-code tools, in the order they are offered."""
