"""Running commands for the model: in the foreground, in the background, or "until yieldMs, then background".

Every dialect's shell tool (openclaw ``exec``, claude-code ``Bash``) is a thin declaration over these
functions. The model always sees a command's result in one shape, so it can learn to read it:

    exit code: N
    <stdout>
    [stderr]
    <stderr>
    [output truncated: N bytes dropped]
    [timed out after Ns; the process group was killed]

Empty streams and markers that do not apply are left out. Output is decoded as UTF-8 with replacement
characters, so binary output can never break an episode. With ``pty``, the command runs under a
pseudo-terminal (:mod:`isetrace.tools._pty_relay`, run by the sandbox's own python3): stdout and stderr
are then one stream, as on a terminal.
"""

from __future__ import annotations

import asyncio
import functools
import re
import shlex
import time
from collections.abc import Mapping, Sequence
from importlib import resources

from isetrace.errors import ToolError
from isetrace.sandbox.base import CommandResult
from isetrace.tools.context import BackgroundJob, ToolContext
from isetrace.tools.declare import ToolOutput
from isetrace.tools.paths import resolve_path

__all__ = [
    "command_output",
    "decode",
    "effective_timeout",
    "follow_hint",
    "format_command",
    "format_streams",
    "job_output",
    "pty_argv",
    "run_command",
    "run_with_yield",
    "start_background",
]

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_POLL_FIRST_S = 0.02
_POLL_MAX_S = 0.25


def decode(data: bytes) -> str:
    """Bytes as text, whatever they are: invalid UTF-8 becomes U+FFFD."""
    return data.decode("utf-8", "replace")


def format_streams(stdout: bytes, stderr: bytes) -> list[str]:
    """Output lines of the result text: stdout, then stderr under its marker (each without its final newline)."""
    lines = []
    out, err = decode(stdout), decode(stderr)
    if out:
        lines.append(out.removesuffix("\n"))
    if err:
        lines += ["[stderr]", err.removesuffix("\n")]
    return lines


def _truncation_note(dropped_bytes: int) -> str:
    return f"[output truncated: {dropped_bytes} bytes dropped]"


def job_output(job: BackgroundJob, header: str, out: bytes, err: bytes, *, empty_note: str = "",
               footer: tuple[str, ...] = (), duration_s: float | None = None) -> ToolOutput:
    """What the model sees of a background job: ``header``, the output taken from it, whether output was
    dropped, then ``footer``; ``empty_note`` stands in for no output at all."""
    lines = [header, *format_streams(out, err)]
    if not out and not err and empty_note:
        lines.append(empty_note)
    if job.truncated:
        lines.append(_truncation_note(job.dropped_bytes))
    lines += footer
    return ToolOutput(content="\n".join(lines), exit_code=None if job.running else job.exit_code,
                      stdout=decode(out), stderr=decode(err), duration_s=duration_s, truncated=job.truncated,
                      dropped_bytes=job.dropped_bytes, timed_out=job.timed_out)


def format_command(result: CommandResult, timeout_s: float | None) -> str:
    """The text the model sees for a finished command (see the module docstring)."""
    lines = [f"exit code: {result.exit_code}", *format_streams(result.stdout, result.stderr)]
    if result.truncated:
        lines.append(_truncation_note(result.dropped_bytes))
    if result.timed_out:
        lines.append(f"[timed out after {timeout_s or result.duration_s:g}s; the process group was killed]")
    return "\n".join(lines)


def command_output(result: CommandResult, timeout_s: float | None) -> ToolOutput:
    """The model's text and the structured truth of one finished command."""
    return ToolOutput(
        content=format_command(result, timeout_s), ok=result.ok, exit_code=result.exit_code,
        stdout=decode(result.stdout), stderr=decode(result.stderr), duration_s=result.duration_s,
        truncated=result.truncated, dropped_bytes=result.dropped_bytes, timed_out=result.timed_out,
        error_kind="timeout" if result.timed_out else None,
    )


def effective_timeout(ctx: ToolContext, requested_s: float | None) -> float:
    """The timeout a command really gets: the requested one, capped by the sandbox's limit."""
    if requested_s is not None and requested_s < 0:
        raise ToolError(f"timeout must not be negative (got {requested_s:g})")
    if not requested_s:
        return ctx.max_timeout_s
    return min(float(requested_s), ctx.max_timeout_s)


def _check_command(command: str) -> None:
    if not command.strip():
        raise ToolError("command is empty")
    if "\x00" in command:
        raise ToolError("command contains a NUL character")


def _check_env(env: Mapping[str, str] | None) -> dict[str, str]:
    for name, value in (env or {}).items():
        if not _ENV_NAME.match(name):
            raise ToolError(f"env: {name!r} is not a valid environment variable name")
        if "\x00" in value:
            raise ToolError(f"env: the value of {name} contains a NUL character")
    return dict(env or {})


async def _workdir(ctx: ToolContext, workdir: str | None) -> str | None:
    if workdir is None or workdir == "":
        return ctx.default_workdir
    return (await resolve_path(ctx, workdir, param="workdir")).real


@functools.cache
def _relay_source() -> str:
    return resources.files("isetrace.tools").joinpath("_pty_relay.py").read_text(encoding="utf-8")


def pty_argv(command: str) -> list[str]:
    """The argv that runs ``command`` with ``sh -c`` under a pseudo-terminal inside the sandbox."""
    return ["python3", "-I", "-S", "-c", _relay_source(), "/bin/sh", "-c", command]


def _argv(command: str, pty: bool) -> str | Sequence[str]:
    return pty_argv(command) if pty else command


async def run_command(ctx: ToolContext, command: str, *, workdir: str | None = None,
                      env: Mapping[str, str] | None = None, timeout_s: float | None = None,
                      pty: bool = False) -> ToolOutput:
    """Run ``command`` with ``sh -c`` to completion (or to its timeout) and report it."""
    _check_command(command)
    environment = _check_env(env)
    cwd = await _workdir(ctx, workdir)
    timeout = effective_timeout(ctx, timeout_s)
    result = await ctx.sandbox.run(_argv(command, pty), cwd=cwd, env=environment, timeout_s=timeout)
    return command_output(result, timeout)


async def start_background(ctx: ToolContext, command: str, *, workdir: str | None = None,
                           env: Mapping[str, str] | None = None, timeout_s: float | None = None,
                           log_to_file: bool = False, pty: bool = False) -> tuple[BackgroundJob, str | None]:
    """Start ``command`` in the background; returns the job and, with ``log_to_file``, its log file.

    ``log_to_file`` sends the job's stdout and stderr to a file in the sandbox user's home, for dialects
    that offer no tool to poll a background job: the model reads the file with the shell instead.
    A background job's ``timeout_s`` is not capped by the per-command limit (it is meant to outlive one
    call); without one it runs until killed or the session ends. ``pty`` runs it under a pseudo-terminal
    (not together with ``log_to_file``).
    """
    _check_command(command)
    environment = _check_env(env)
    cwd = await _workdir(ctx, workdir)
    if timeout_s is not None and timeout_s < 0:
        raise ToolError(f"timeout must not be negative (got {timeout_s:g})")
    session_id = ctx.jobs.new_id()
    log_file = None
    to_run = command
    if log_to_file:
        log_dir = f"{ctx.home}/.background"
        log_file = f"{log_dir}/{session_id}.log"
        to_run = f"mkdir -p {shlex.quote(log_dir)} && exec >{shlex.quote(log_file)} 2>&1 </dev/null\n{command}"
    if pty and log_to_file:
        raise ValueError("a background job runs either under a terminal or logging to a file, not both")
    process_id = await ctx.sandbox.start(_argv(to_run, pty), cwd=cwd, env=environment)
    return ctx.jobs.add(session_id, process_id, command, timeout_s or None), log_file


def follow_hint(session_id: str) -> str:
    """The line that tells the model how to follow a background job."""
    return f"[follow it with process: action poll, log, write or kill, sessionId {session_id}]"


async def run_with_yield(ctx: ToolContext, command: str, *, yield_ms: int, workdir: str | None = None,
                         env: Mapping[str, str] | None = None, timeout_s: float | None = None,
                         pty: bool = False) -> ToolOutput:
    """Run ``command``; if it is still running after ``yield_ms``, leave it in the background.

    A command that ends in time is reported exactly like a foreground one. One that does not is
    reported with its output so far and the session id to follow it by.
    """
    if yield_ms < 0:
        raise ToolError(f"yieldMs must not be negative (got {yield_ms})")
    timeout = effective_timeout(ctx, timeout_s) if timeout_s else None
    started = time.monotonic()
    job, _ = await start_background(ctx, command, workdir=workdir, env=env, timeout_s=timeout, pty=pty)
    yield_at = started + yield_ms / 1000
    delay = _POLL_FIRST_S
    while True:
        await ctx.jobs.refresh(job)
        now = time.monotonic()
        if not job.running or now >= yield_at:
            break
        await asyncio.sleep(min(delay, yield_at - now))
        delay = min(delay * 2, _POLL_MAX_S)
    if not job.running:
        await ctx.jobs.kill(job)  # releases it in the sandbox; the model never saw its id
        ctx.jobs.forget(job)
        out, err = job.take_pending()
        result = CommandResult(exit_code=job.exit_code if job.exit_code is not None else -1, stdout=out, stderr=err,
                               duration_s=time.monotonic() - started, timed_out=job.timed_out,
                               truncated=job.truncated, dropped_bytes=job.dropped_bytes)
        return command_output(result, timeout)
    out, err = job.take_pending()
    return job_output(job, f"status: running (sessionId {job.session_id}; still running after {yield_ms} ms, "
                           "continuing in the background)", out, err, footer=(follow_hint(job.session_id),),
                      duration_s=time.monotonic() - started)
