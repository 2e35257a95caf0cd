"""openclaw's ``process`` tool: follow, feed and stop the jobs that ``exec`` left in the background.

Actions, after openclaw's own: ``list`` (every job and its state), ``poll`` (output since the last look,
and the state), ``log`` (the whole collected output, paged by lines: the last 200 by default),
``write`` (send ``data`` to the job's stdin, ``eof`` closes it), ``kill`` (stop the job's whole process
group) and ``clear`` (forget a finished job).
"""

from __future__ import annotations

from typing import Literal

from isetrace.errors import ToolError
from isetrace.tools.context import BackgroundJob, ToolContext
from isetrace.tools.declare import ToolOutput
from isetrace.tools.shell import decode, job_output

__all__ = ["LOG_DEFAULT_LINES", "ProcessAction", "job_state", "process_action"]

ProcessAction = Literal["list", "poll", "log", "write", "kill", "clear"]

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


async def _write(ctx: ToolContext, job: BackgroundJob, data: str | None, eof: bool) -> str:
    if data is None and not eof:
        raise ToolError("action write needs data (and/or eof=true to close stdin)")
    await ctx.jobs.refresh(job)
    if not job.running or job.released:
        raise ToolError(f"sessionId {job.session_id} is not running ({job_state(job)}); nothing reads its stdin")
    payload = (data or "").encode()
    try:
        await ctx.sandbox.write_stdin(job.process_id, payload, close=eof)
    except BrokenPipeError as exc:
        raise ToolError(f"sessionId {job.session_id} does not read its stdin (it was closed, or the process "
                        f"stopped reading): {exc}") from None
    closed = " and closed it" if eof else ""
    return f"Wrote {len(payload)} bytes to the stdin of {job.session_id}{closed}."


async def process_action(ctx: ToolContext, action: ProcessAction, session_id: str | None = None,
                         data: str | None = None, eof: bool = False, offset: int | None = None,
                         limit: int | None = None) -> str | ToolOutput:
    """Carry out one ``process`` action (see the module docstring)."""
    if action == "list":
        return await _list(ctx)
    if not session_id:
        raise ToolError(f"action {action} needs a sessionId (see action list)")
    job = ctx.jobs.get(session_id)
    if action == "poll":
        await ctx.jobs.refresh(job)
        out, err = job.take_pending()
        return job_output(job, f"sessionId {job.session_id}: {job_state(job)}", out, err,
                       empty_note="(no new output)")
    if action == "log":
        await ctx.jobs.refresh(job)
        return _log(job, offset, limit)
    if action == "write":
        return await _write(ctx, job, data, eof)
    if action == "kill":
        await ctx.jobs.refresh(job)
        already = "" if job.running else " (it had already ended)"
        await ctx.jobs.kill(job)
        out, err = job.take_pending()
        return job_output(job, f"sessionId {job.session_id}: {job_state(job)}{already}", out, err)
    if action == "clear":
        await ctx.jobs.refresh(job)
        if job.running:
            raise ToolError(f"sessionId {job.session_id} is still running; kill it first")
        await ctx.jobs.kill(job)
        ctx.jobs.forget(job)
        return f"Cleared sessionId {job.session_id} ({job_state(job)})."
    raise ToolError(f"unknown action {action!r} (actions: list, poll, log, write, kill, clear)")
