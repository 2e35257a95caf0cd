"""The host side of a supervised session: requests over a pipe to the supervisor inside the sandbox.

Every backend launches the same supervisor (:mod:`isetrace.sandbox._supervisor`) its own way — a plain
subprocess, inside bubblewrap, inside a container — and hands the running process to
:class:`SupervisedSandbox`, which implements the :class:`~isetrace.sandbox.base.Sandbox` contract on
top of it. So the contract is implemented once, and a backend is only "how to start the supervisor".

The pipe is the sandbox's trust boundary: replies are checked by :mod:`isetrace.sandbox._replies` (size
cap first, then shape), and one bad frame breaks the session — every waiting and later request raises
:class:`~isetrace.errors.SandboxUnavailable` and the supervisor is killed — so nothing a command forges
can become a result.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import logging
import marshal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from isetrace.errors import SandboxUnavailable
from isetrace.sandbox._replies import READ_MAX_BYTES, BadReply, check_reply, reply_cap
from isetrace.sandbox.base import CommandResult, DirEntry, ProcessStatus, SessionInfo

__all__ = ["READ_MAX_BYTES", "SUPERVISOR_FILES", "SupervisedSandbox", "launch_supervised", "supervisor_config_arg",
           "supervisor_path", "supervisor_sources"]

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 15.0
REPLY_GRACE_S = 10.0
"""How long past a command's own timeout the host waits before declaring the supervisor unresponsive."""
CONTROL_TIMEOUT_S = 30.0
"""Timeout of requests that run no command (files, polls)."""

_ERRORS: dict[str, type[Exception]] = {
    "FileNotFoundError": FileNotFoundError,
    "IsADirectoryError": IsADirectoryError,
    "NotADirectoryError": NotADirectoryError,
    "PermissionError": PermissionError,
    "FileExistsError": FileExistsError,
    "BrokenPipeError": BrokenPipeError,
}


SUPERVISOR_FILES = ("_supervisor.py", "_supervisor_files.py")
"""The supervisor's scripts: the first is run, the second imported from beside it."""


def supervisor_path() -> Path:
    """Where the supervisor's main script is on the host (its sibling scripts are beside it)."""
    return supervisor_sources()[0]


def supervisor_sources() -> list[Path]:
    """Every script of the supervisor on the host, the one to run first (backends copy them into sandboxes)."""
    package = resources.files("isetrace.sandbox")
    return [Path(str(package / name)) for name in SUPERVISOR_FILES]


def supervisor_config_arg(config: Mapping[str, Any]) -> str:
    """The supervisor's single argument: its config, marshalled and hex-encoded."""
    return marshal.dumps(dict(config)).hex()


class SupervisedSandbox:
    """A :class:`~isetrace.sandbox.base.Sandbox` backed by a running supervisor process."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        info: SessionInfo,
        default_timeout_s: float,
        cleanup: Callable[[], Awaitable[None]] | None = None,
        *,
        max_reply_bytes: int = reply_cap(256 * 1024),
    ) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.info = info
        self._process = process
        self._default_timeout = default_timeout_s
        self._cleanup = cleanup
        self._max_reply = max_reply_bytes
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ops: dict[int, str] = {}
        """Every request not yet answered, waited for or given up on, by id: the op its reply must fit."""
        self._stderr = bytearray()
        self._closed = False
        self._broken: str | None = None
        self._reader = asyncio.create_task(self._read_replies())
        self._stderr_reader = asyncio.create_task(self._read_stderr())

    # ------------------------------------------------------------------ wire
    def _diagnosis(self) -> str:
        tail = bytes(self._stderr[-2000:]).decode("utf-8", "replace").strip()
        return f"{self._broken or 'the supervisor stopped'}" + (f"; it said: {tail}" if tail else "")

    async def _read_stderr(self) -> None:
        assert self._process.stderr is not None
        while chunk := await self._process.stderr.read(65536):
            self._stderr += chunk
            del self._stderr[:-16384]

    async def _read_replies(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        try:
            while True:
                size = int.from_bytes(await stream.readexactly(4), "big")
                if size > self._max_reply:
                    raise BadReply(f"a frame of {size} bytes (the cap is {self._max_reply})")
                rid, reply = check_reply(await stream.readexactly(size), self._ops.get)
                del self._ops[rid]
                future = self._pending.pop(rid, None)
                if future is not None and not future.done():
                    future.set_result(reply)
        except BadReply as exc:
            self._broken = f"the supervisor sent a malformed reply: {exc}"
            log.warning("sandbox %s: %s; the session is closed", self.info.session_id, self._broken)
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self._broken = self._broken or f"the supervisor's pipe closed ({type(exc).__name__})"
        finally:
            await asyncio.sleep(0.05)  # let stderr arrive, so the diagnosis can quote it
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(SandboxUnavailable(f"sandbox {self.info.session_id}: {self._diagnosis()}"))
            self._pending.clear()

    async def request(self, op: str, wait_s: float = CONTROL_TIMEOUT_S, **fields: Any) -> dict[str, Any]:
        """Send one request and wait for its reply; ``OSError``/``KeyError`` for failed operations."""
        if self._closed or self._reader.done():
            raise SandboxUnavailable(f"sandbox {self.info.session_id} is not running: {self._diagnosis()}")
        rid = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        self._ops[rid] = op
        frame = marshal.dumps({"id": rid, "op": op, **fields})
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(len(frame).to_bytes(4, "big") + frame)
            await stdin.drain()
        except (ConnectionError, RuntimeError) as exc:
            self._pending.pop(rid, None)
            self._ops.pop(rid, None)
            raise SandboxUnavailable(f"sandbox {self.info.session_id}: cannot reach the supervisor ({exc})") from exc
        try:
            reply = await asyncio.wait_for(future, wait_s)
        except TimeoutError:
            self._pending.pop(rid, None)
            raise SandboxUnavailable(
                f"sandbox {self.info.session_id}: no answer to {op!r} within {wait_s:.0f}s"
            ) from None
        if reply["ok"]:
            result: dict[str, Any] = reply["result"]
            return result
        error = reply["error"]
        kind, message, code = error["type"], error["message"][:2000], error["errno"]
        if kind == "KeyError":
            raise KeyError(message)
        if kind == "SupervisorError":
            raise SandboxUnavailable(f"sandbox {self.info.session_id}: supervisor failed: {message}")
        exc_type = _ERRORS.get(kind, OSError)
        raise exc_type(code, message, fields.get("path")) if code else exc_type(message)

    # ------------------------------------------------------------------ the contract
    async def run(
        self,
        command: str | Sequence[str],
        *,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        timeout_s: float | None = None,
    ) -> CommandResult:
        timeout = timeout_s or self._default_timeout
        result = await self.request(
            "run", wait_s=timeout + REPLY_GRACE_S, command=command if isinstance(command, str) else list(command),
            cwd=cwd, env=dict(env or {}), stdin=stdin or b"", timeout_s=timeout,
        )
        return CommandResult(**result)

    async def read_file(self, path: str, *, offset: int = 0, max_bytes: int | None = None) -> bytes:
        if max_bytes is None:  # the whole file, if it is not too large to bring back at once
            reply = await self.request("read", path=path, offset=offset, max_bytes=READ_MAX_BYTES + 1)
            if len(reply["data"]) > READ_MAX_BYTES:
                raise OSError(errno.EFBIG, f"larger than {READ_MAX_BYTES >> 20} MiB ({reply['size']} bytes); "
                              "read it in ranges", path)
        else:
            reply = await self.request("read", path=path, offset=offset, max_bytes=min(max_bytes, READ_MAX_BYTES))
        data: bytes = reply["data"]
        return data

    async def write_file(self, path: str, data: bytes) -> bool:
        created: bool = (await self.request("write", path=path, data=bytes(data)))["created"]
        return created

    async def list_dir(self, path: str = ".") -> list[DirEntry]:
        return [DirEntry(**entry) for entry in (await self.request("list", path=path))["entries"]]

    async def start(
        self, command: str | Sequence[str], *, cwd: str | None = None, env: Mapping[str, str] | None = None
    ) -> str:
        reply = await self.request("start", command=command if isinstance(command, str) else list(command),
                                   cwd=cwd, env=dict(env or {}))
        process_id: str = reply["process_id"]
        return process_id

    async def poll(self, process_id: str) -> ProcessStatus:
        return ProcessStatus(**(await self.request("poll", process_id=process_id)))

    async def write_stdin(self, process_id: str, data: bytes, *, close: bool = False) -> None:
        await self.request("stdin", process_id=process_id, data=bytes(data), close=close)

    async def kill(self, process_id: str) -> ProcessStatus:
        return ProcessStatus(**(await self.request("kill", process_id=process_id)))

    async def real_path(self, path: str) -> str:
        resolved: str = (await self.request("realpath", path=path))["path"]
        return resolved

    @property
    def launcher_pid(self) -> int:
        """The host pid of the process that started the session (its namespaces are below it)."""
        return self._process.pid

    async def ping(self) -> dict[str, Any]:
        """Round trip that runs nothing: proves the supervisor answers."""
        return await self.request("ping", wait_s=READY_TIMEOUT_S)

    async def close(self) -> None:
        if self._closed:
            return
        if not self._reader.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.request("shutdown"), 2.0)
        self._closed = True
        # The supervisor exits on shutdown: wait for that before killing, because killing a process that
        # has just exited reaps it behind asyncio's child watcher (which then warns of an unknown child).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._process.wait(), 2.0)
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._process.wait(), 5.0)
        for task in (self._reader, self._stderr_reader):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        if self._cleanup is not None:
            try:
                await self._cleanup()
            except Exception:  # close never raises; a leftover directory is cleaned at the next start
                log.warning("sandbox %s: cleanup failed", self.info.session_id, exc_info=True)


async def launch_supervised(
    argv: Sequence[str],
    info: SessionInfo,
    default_timeout_s: float,
    *,
    cleanup: Callable[[], Awaitable[None]] | None = None,
    env: Mapping[str, str] | None = None,
    after_spawn: Callable[[asyncio.subprocess.Process], Awaitable[None]] | None = None,
    output_bytes: int = 256 * 1024,
) -> SupervisedSandbox:
    """Start ``argv`` (which must end by running the supervisor) and wait until it answers a ping.

    ``after_spawn`` runs once the process exists and before the first request (e.g. to place it in a
    cgroup and let it go on). ``output_bytes`` is the session's output cap per stream, which sizes the
    largest reply the host accepts. Raises :class:`SandboxUnavailable` with what the launcher printed when it
    does not come up.
    """
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=dict(env) if env is not None else None, limit=1 << 30, start_new_session=True,
        )
    except OSError as exc:
        if cleanup is not None:
            await cleanup()
        raise SandboxUnavailable(f"cannot start the {info.backend} sandbox: {exc}") from exc
    sandbox = SupervisedSandbox(process, info, default_timeout_s, cleanup, max_reply_bytes=reply_cap(output_bytes))
    try:
        if after_spawn is not None:
            await after_spawn(process)
        await sandbox.ping()
    except BaseException:
        await sandbox.close()
        raise
    return sandbox
