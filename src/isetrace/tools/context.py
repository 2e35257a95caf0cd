"""What a tool call runs against: the session's sandbox, the tool settings, and state kept between calls.

One :class:`ToolContext` lives as long as one episode's sandbox. Most tools are stateless; the shell tools
are not: a command moved to the background keeps running between calls, and the model follows it by a
session id. :class:`JobTable` keeps those jobs, their unread output and their whole log, because the
sandbox hands out each piece of output only once.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from isetrace.config import RunConfig, ToolsConfig
from isetrace.errors import ToolError
from isetrace.sandbox.base import ProcessStatus, Sandbox

if TYPE_CHECKING:
    from isetrace.tools.subagent_runtime import SessionsRuntime
    from isetrace.worlds.host import WorldHost

__all__ = ["LOG_CAP_BYTES", "BackgroundJob", "JobTable", "ToolContext"]

LOG_CAP_BYTES = 1 << 20
"""The most output kept per background job for ``log``; older output is dropped (and counted) first."""


@dataclass
class BackgroundJob:
    """A command running (or finished) in the background, as the model knows it."""

    session_id: str
    process_id: str
    command: str
    started: float
    deadline: float | None = None
    timeout_s: float | None = None
    running: bool = True
    exit_code: int | None = None
    timed_out: bool = False
    killed: bool = False
    released: bool = False
    """The sandbox no longer tracks the process (it was killed or cleared)."""
    pending_out: bytearray = field(default_factory=bytearray)
    pending_err: bytearray = field(default_factory=bytearray)
    log: bytearray = field(default_factory=bytearray)
    log_dropped: int = 0
    truncated: bool = False
    dropped_bytes: int = 0

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    def take_pending(self) -> tuple[bytes, bytes]:
        """Output not shown to the model yet; afterwards it counts as shown."""
        out, err = bytes(self.pending_out), bytes(self.pending_err)
        self.pending_out.clear()
        self.pending_err.clear()
        return out, err

    def absorb(self, status: ProcessStatus) -> None:
        """Add what one sandbox poll returned."""
        self.pending_out += status.stdout
        self.pending_err += status.stderr
        self.log += status.stdout + status.stderr
        if len(self.log) > LOG_CAP_BYTES:
            excess = len(self.log) - LOG_CAP_BYTES
            del self.log[:excess]
            self.log_dropped += excess
        self.truncated = self.truncated or status.truncated
        self.dropped_bytes += status.dropped_bytes
        if not status.running:
            self.running = False
            self.exit_code = status.exit_code


class JobTable:
    """The background jobs of one session, by the id the model uses (``bg_1``, ``bg_2``…).

    A job's ``timeout`` is enforced whenever the table looks at the job (every ``process`` call that
    concerns it): a job past its deadline is killed then, and reported as timed out. Lazy enforcement
    keeps the table free of timer tasks that could outlive the episode; the sandbox's own close ends
    every job that is still running.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._jobs: dict[str, BackgroundJob] = {}
        self._counter = 0

    def new_id(self) -> str:
        """A fresh session id, for a job about to start (its log file may need the name first)."""
        self._counter += 1
        return f"bg_{self._counter}"

    def add(self, session_id: str, process_id: str, command: str, timeout_s: float | None) -> BackgroundJob:
        """Track a started process; ``timeout_s`` (if any) counts from now."""
        now = time.monotonic()
        job = BackgroundJob(session_id=session_id, process_id=process_id, command=command, started=now,
                            deadline=now + timeout_s if timeout_s else None, timeout_s=timeout_s)
        self._jobs[job.session_id] = job
        return job

    def get(self, session_id: str) -> BackgroundJob:
        """The job with this id; a :class:`ToolError` listing the known ids otherwise."""
        job = self._jobs.get(session_id)
        if job is None:
            known = ", ".join(self._jobs) or "none"
            raise ToolError(f"no background session {session_id!r} (known sessions: {known})")
        return job

    def all(self) -> list[BackgroundJob]:
        return list(self._jobs.values())

    def forget(self, job: BackgroundJob) -> None:
        self._jobs.pop(job.session_id, None)

    async def refresh(self, job: BackgroundJob) -> None:
        """Collect new output and the state of ``job``; kill it when it is past its deadline."""
        if job.released or not job.running:
            return
        if job.deadline is not None and time.monotonic() >= job.deadline:
            job.timed_out = True
            await self.kill(job)
            return
        job.absorb(await self._sandbox.poll(job.process_id))

    async def refresh_all(self) -> None:
        for job in self.all():
            await self.refresh(job)

    async def kill(self, job: BackgroundJob) -> None:
        """Kill the job's process group (if it still runs) and release it in the sandbox."""
        if job.released:
            return
        was_running = job.running
        job.absorb(await self._sandbox.kill(job.process_id))
        job.released = True
        job.killed = was_running


@dataclass
class ToolContext:
    """Everything a tool call may use.

    Attributes:
        sandbox: the session's sandbox; every command and file operation goes through it.
        config: the ``tools`` section of the run config.
        network: whether this run may reach the network (``sandbox.network``); the web tools refuse when off.
        environ: where API keys are read from (by the variable names the config gives), never logged.
        max_timeout_s: the sandbox's per-command limit (``sandbox.limits.timeout_s``): a command's own
            timeout is capped at it.
        allow_private_network: let ``web_fetch`` reach loopback, private and link-local addresses. Off
            by default, so an agent cannot probe the host's own services (model servers, metadata).
        sessions: the episode's sessions (main agent and sub-agents) for openclaw's session tools; ``None``
            outside an episode, where those tools answer with a ToolError.
        default_workdir: where shell commands run when the call names no workdir (absolute, inside the
            workspace); ``None`` for the workspace itself. A sub-agent spawned with ``cwd`` gets one.
        worlds: the session's worlds (``worlds.*``), which the web tools and the ``services`` dialect call
            instead of the internet; ``None`` without.
    """

    sandbox: Sandbox
    config: ToolsConfig = field(default_factory=ToolsConfig)
    network: bool = False
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)
    max_timeout_s: float = 120.0
    allow_private_network: bool = False
    sessions: SessionsRuntime | None = field(default=None, repr=False)
    default_workdir: str | None = None
    worlds: WorldHost | None = field(default=None, repr=False)
    jobs: JobTable = field(init=False, repr=False)
    _workspace_real: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.jobs = JobTable(self.sandbox)

    @classmethod
    def for_run(cls, sandbox: Sandbox, config: RunConfig, environ: Mapping[str, str],
                worlds: WorldHost | None = None) -> ToolContext:
        """The context a run's episodes use: its tool settings, network switch, command time limit, worlds."""
        return cls(sandbox, config.tools, network=config.sandbox.network, environ=environ,
                   max_timeout_s=config.sandbox.limits.timeout_s, worlds=worlds)

    @property
    def workspace(self) -> str:
        """The workspace's absolute path as the sandbox sees it."""
        return self.sandbox.info.workspace

    async def workspace_real(self) -> str:
        """The workspace's path with symlinks resolved (asked once per session)."""
        if self._workspace_real is None:
            self._workspace_real = await self.sandbox.real_path(self.workspace)
        return self._workspace_real

    @property
    def home(self) -> str:
        """The sandbox user's home directory."""
        return self.sandbox.info.home
