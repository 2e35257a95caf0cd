"""The scheduler world's clock: jobs the agent registered with the office API really fire in its session.

The office state keeps the jobs (``scheduler_create_job``) and their runs; this runner, on the host, waits
until the next one is due, runs its command in the session's workspace (the agent's own job, under the
session's limits) and records the run — exit code, the end of the output — in the state and in the
audit log. A job's runs are what the host saw, so a "job fired" check reads something the agent cannot
write. With no jobs registered the runner sleeps until the office is called again: idle, it costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from isetrace.errors import SandboxUnavailable
from isetrace.sandbox import Sandbox
from isetrace.worlds.base import AuditLog
from isetrace.worlds.office import OfficeWorld
from isetrace.worlds.urls import OFFICE_HOST

__all__ = ["JOB_TIMEOUT_S", "JobRunner"]

JOB_TIMEOUT_S = 60.0
"""The longest one run of a job may take."""
_MAX_SLEEP_S = 5.0


class JobRunner:
    """Fires the office's due jobs in ``sandbox`` until stopped."""

    def __init__(self, office: OfficeWorld, sandbox: Sandbox, audit: AuditLog, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._office = office
        self._sandbox = sandbox
        self._audit = audit
        self._clock = clock
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._runs: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="isetrace-scheduler")

    def poke(self) -> None:
        """The office was called: a job may have been added, changed or removed."""
        self._changed.set()

    async def _loop(self) -> None:
        while True:
            now = self._clock()
            for job in self._office.due_jobs(now):
                task = asyncio.create_task(self._fire(job.id, job.name, job.command))
                self._runs.add(task)
                task.add_done_callback(self._runs.discard)
            upcoming = [job.next_run_s for job in self._office.jobs() if job.next_run_s is not None]
            self._changed.clear()
            wait = min(_MAX_SLEEP_S, max(0.05, min(upcoming) - self._clock())) if upcoming else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), wait)

    async def _fire(self, job_id: str, name: str, command: str) -> None:
        started = self._clock()
        try:
            ran = await self._sandbox.run(["sh", "-c", command], timeout_s=JOB_TIMEOUT_S)
        except (SandboxUnavailable, OSError) as exc:
            exit_code, output = -1, f"the job could not run: {exc}"
        else:
            exit_code = ran.exit_code if not ran.timed_out else 124
            output = (ran.stdout + ran.stderr).decode("utf-8", errors="replace")
        self._office.record_run(job_id, exit_code, output, started)
        self._audit.append(world="scheduler", via="scheduler", method="RUN", host=OFFICE_HOST,
                           path=f"/jobs/{job_id}", status=200 if exit_code == 0 else 500,
                           detail={"job": job_id, "name": name, "exit_code": exit_code})

    async def stop(self) -> None:
        for task in (self._task, *self._runs):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
