"""openclaw's ``process`` tool: follow, feed and stop the jobs that ``exec`` left in the background.

Actions, after openclaw's own: ``list`` (every job and its state), ``poll`` (output since the last look,
and the state; ``timeout`` waits up to that many milliseconds for output or the end), ``log`` (the whole
collected output, paged by lines: the last 200 by default), ``write`` (send ``data`` to the job's stdin,
``eof`` closes it), ``send-keys`` (keys, hex bytes or literal text, encoded as a terminal sends them:
:mod:`isetrace.tools._keys`), ``submit`` (a carriage return), ``paste`` (``text``, in bracketed-paste
markers unless ``bracketed`` is false), ``kill`` (stop the job's whole process group), ``clear`` (forget a
finished job) and ``remove`` (kill if needed, then forget). Keys mean most to a job started with
``pty=true``, whose program reads a terminal; without one they are plain bytes on its stdin.
"""

from __future__ import annotations

import asyncio
import time
from typing import Literal, get_args

from isetrace.errors import ToolError
from isetrace.tools._keys import MAX_INPUT_BYTES, encode_keys, encode_paste, utf8
from isetrace.tools.context import BackgroundJob, ToolContext
from isetrace.tools.declare import ToolOutput
from isetrace.tools.shell import decode, job_output

__all__ = ["LOG_DEFAULT_LINES", "POLL_MAX_WAIT_MS", "PROCESS_ACTIONS", "ProcessAction", "job_state",
           "process_action"]

ProcessAction = Literal["list", "poll", "log", "write", "send-keys", "submit", "paste", "kill", "clear", "remove"]
PROCESS_ACTIONS: tuple[str, ...] = get_args(ProcessAction)
POLL_MAX_WAIT_MS = 30_000
"""The longest ``poll`` waits for output (openclaw's cap)."""
_POLL_STEP_S = 0.1

LOG_DEFAULT_LINES = 200
"""Lines ``log`` shows when neither offset nor limit is given: the tail of the log."""


def job_state(job: BackgroundJob) -> str:
    """One phrase for where a job stands."""
    if job.running:
        return f"running for {job.elapsed_s:.1f}s"
    if job.timed_out:
        return f"timed out after {job.timeout_s or 0:g}s and was killed (exit code {job.exit_code})"
    if job.killed:
        return f"killed (exit code {job.exit_code})"
    return f"exited with code {job.exit_code}"


async def _list(ctx: ToolContext) -> str:
    await ctx.jobs.refresh_all()
    jobs = ctx.jobs.all()
    if not jobs:
        return "No background sessions."
    lines = [f"{len(jobs)} background session(s):"]
    for job in jobs:
        command = job.command if len(job.command) <= 80 else job.command[:77] + "..."
        lines.append(f"{job.session_id}  {job_state(job)}  {command}")
    return "\n".join(lines)


def _log(job: BackgroundJob, offset: int | None, limit: int | None) -> str:
    text = decode(bytes(job.log))
    lines = text.splitlines()
    total = len(lines)
    if offset is not None and offset < 1:
        raise ToolError(f"offset is a 1-based line number (got {offset})")
    if limit is not None and limit < 1:
        raise ToolError(f"limit must be at least 1 (got {limit})")
    if offset is None and limit is None:
        start = max(0, total - LOG_DEFAULT_LINES)
        end = total
    else:
        start = (offset or 1) - 1
        end = total if limit is None else min(total, start + limit)
    header = f"sessionId {job.session_id}: {job_state(job)}"
    if job.log_dropped:
        header += f"\n[the first {job.log_dropped} bytes of the log were dropped to keep it small]"
    if total == 0:
        return header + "\n(no output yet)"
    if start >= total:
        raise ToolError(f"offset {offset} is past the end of the log ({total} lines)")
    body = "\n".join(lines[start:end])
    note = f"[log lines {start + 1}-{end} of {total}"
    note += "; page with offset and limit]" if start > 0 or end < total else "]"
    return f"{header}\n{body}\n{note}"


async def _send(ctx: ToolContext, job: BackgroundJob, payload: bytes, eof: bool = False) -> None:
    """Write ``payload`` to a running job's stdin (and close it with ``eof``)."""
    await ctx.jobs.refresh(job)
    if not job.running or job.released:
        raise ToolError(f"sessionId {job.session_id} is not running ({job_state(job)}); nothing reads its stdin")
    try:
        await ctx.sandbox.write_stdin(job.process_id, payload, close=eof)
    except BrokenPipeError as exc:
        raise ToolError(f"sessionId {job.session_id} does not read its stdin (it was closed, or the process "
                        f"stopped reading): {exc}") from None


async def _write(ctx: ToolContext, job: BackgroundJob, data: str | None, eof: bool) -> str:
    if data is None and not eof:
        raise ToolError("action write needs data (and/or eof=true to close stdin)")
    payload = utf8(data or "", "data")
    if len(payload) > MAX_INPUT_BYTES:
        raise ToolError(f"data is {len(payload)} bytes; write at most {MAX_INPUT_BYTES} bytes at a time")
    await _send(ctx, job, payload, eof)
    closed = " and closed it" if eof else ""
    return f"Wrote {len(payload)} bytes to the stdin of {job.session_id}{closed}."


async def _poll(ctx: ToolContext, job: BackgroundJob, timeout_ms: float | None) -> ToolOutput:
    if timeout_ms is not None and timeout_ms < 0:
        raise ToolError(f"timeout must not be negative (got {timeout_ms:g} ms)")
    deadline = time.monotonic() + min(timeout_ms or 0, POLL_MAX_WAIT_MS) / 1000
    await ctx.jobs.refresh(job)
    while job.running and not job.pending_out and not job.pending_err and time.monotonic() < deadline:
        await asyncio.sleep(min(_POLL_STEP_S, max(0.0, deadline - time.monotonic())))
        await ctx.jobs.refresh(job)
    out, err = job.take_pending()
    return job_output(job, f"sessionId {job.session_id}: {job_state(job)}", out, err, empty_note="(no new output)")


async def process_action(ctx: ToolContext, action: str, session_id: str | None = None,
                         data: str | None = None, eof: bool = False, offset: int | None = None,
                         limit: int | None = None, *, keys: list[str] | None = None, hex_bytes: list[str] | None = None,
                         literal: str | None = None, text: str | None = None, bracketed: bool | None = None,
                         timeout_ms: float | None = None) -> str | ToolOutput:
    """Carry out one ``process`` action (see the module docstring)."""
    if action not in PROCESS_ACTIONS:
        raise ToolError(f"unknown action {action[:40]!r} (actions: {', '.join(PROCESS_ACTIONS)})")
    if action == "list":
        return await _list(ctx)
    if not session_id:
        raise ToolError(f"action {action} needs a sessionId (see action list)")
    job = ctx.jobs.get(session_id)
    if action == "poll":
        return await _poll(ctx, job, timeout_ms)
    if action == "log":
        await ctx.jobs.refresh(job)
        return _log(job, offset, limit)
    if action == "write":
        return await _write(ctx, job, data, eof)
    if action == "send-keys":
        payload = encode_keys(keys, hex_bytes, literal)
        await _send(ctx, job, payload)
        return f"Sent {len(payload)} bytes of keys to {job.session_id}."
    if action == "submit":
        await _send(ctx, job, b"\r")
        return f"Submitted {job.session_id} (sent a carriage return)."
    if action == "paste":
        if not text:
            raise ToolError("action paste needs text")
        await _send(ctx, job, encode_paste(text, bracketed is not False))
        return f"Pasted {len(text)} characters to {job.session_id}" + (
            "." if bracketed is False else " (as a bracketed paste).")
    if action == "kill":
        await ctx.jobs.refresh(job)
        already = "" if job.running else " (it had already ended)"
        await ctx.jobs.kill(job)
        out, err = job.take_pending()
        return job_output(job, f"sessionId {job.session_id}: {job_state(job)}{already}", out, err)
    await ctx.jobs.refresh(job)
    if action == "clear" and job.running:
        raise ToolError(f"sessionId {job.session_id} is still running; kill it first (or use action remove)")
    was_running = job.running
    await ctx.jobs.kill(job)
    ctx.jobs.forget(job)
    verb = "Removed" if action == "remove" else "Cleared"
    return f"{verb} sessionId {job.session_id} ({'killed it first' if was_running else job_state(job)})."
