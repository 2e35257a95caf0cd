"""The supervisor: a small process inside the sandbox that runs commands on the host's behalf.

One supervisor lives as long as its session. The host sends requests over the supervisor's stdin and
reads replies from its stdout, so a tool call costs a pipe round trip instead of a new sandbox. It runs
as a plain script under the sandbox's own ``python3`` (3.9+), imports only built-in modules (start-up
time is part of every session's start), and serves many requests at once with one ``epoll`` loop.

Wire format: a 4-byte big-endian length, then the message. Requests (host → supervisor) are
``marshal``-encoded dicts: only the host writes that pipe, and the supervisor is the one party that
reads it. Replies (supervisor → host) are JSON objects, bytes as base64 strings: the host must treat
whatever comes out of a sandbox as untrusted, and JSON can neither run code nor ask for memory beyond
its own length. Requests carry ``id`` and ``op``; replies carry ``id`` and ``ok``, then ``result`` or
``error`` (``{"type": "FileNotFoundError", "errno": 2, "message": …}``).

Nothing a command does may reach the supervisor: it makes itself non-dumpable at start
(``PR_SET_DUMPABLE``), so commands of the same uid can neither ptrace it, nor read its memory, nor take
its pipes with ``pidfd_getfd``, nor open ``/proc/<pid>/fd``. File operations live in
:mod:`_supervisor_files` (they follow no symbolic link below the workspace).

Every command runs in its own session and process group, with the configured rlimits, stdin/stdout/
stderr on fresh pipes; output beyond the cap is counted and dropped, and at the timeout the whole group
is killed and the output so far returned. This file and its sibling ``_supervisor_files.py`` must
run by themselves: no isetrace imports, no third-party modules.
"""

from __future__ import annotations

import binascii
import errno
import marshal
import os
import resource
import select
import sys
import time

if __package__:  # imported as part of isetrace (type checks, tests)
    from isetrace.sandbox._supervisor_files import Files, Libc
else:  # run as a script in a sandbox, its sibling beside it
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _supervisor_files import Files, Libc  # type: ignore[import-not-found,no-redef]

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds to import, and every session start pays for it
    from typing import Any

SIGKILL = 9
GRACE_S = 0.3
"""After a command exits, how long to keep reading pipes that a background child may still hold."""
READ_CHUNK = 65536
MAX_FRAME = 1 << 30
OWN_MEMORY_BYTES = 1 << 30
"""The supervisor's own address-space allowance beyond the largest file it may be asked to write."""


def encode(value: Any) -> str:
    """JSON text for a reply: dicts, lists, strings, numbers, booleans, ``None``; bytes (values of a dict)
    as base64. Written here because the ``json`` package costs milliseconds to import at every start."""
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if isinstance(item, (bytes, bytearray)):  # base64 needs no escaping: skip the scan
                parts.append(quote(str(key)) + ':"' + binascii.b2a_base64(item, newline=False).decode("ascii") + '"')
                continue
            parts.append(quote(str(key)) + ":" + encode(item))
        return "{" + ",".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(encode(item) for item in value) + "]"
    if isinstance(value, str):
        return quote(value)
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "null"
    raise TypeError(f"cannot encode {type(value).__name__}")


try:
    from _json import encode_basestring_ascii as quote
except ImportError:  # not CPython: the slower pure-Python path
    from json import dumps as quote


class Capped:
    """Output of one stream: the first ``limit`` bytes, and a count of what was dropped after them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.dropped = 0

    def add(self, data: bytes) -> None:
        room = self.limit - self.size
        if room > 0:
            kept = data[:room]
            self.parts.append(kept)
            self.size += len(kept)
        self.dropped += max(0, len(data) - max(room, 0))

    def take(self) -> tuple[bytes, int]:
        data, dropped = b"".join(self.parts), self.dropped
        self.parts, self.size, self.dropped = [], 0, 0
        return data, dropped


class Job:
    """One child process: a foreground command (``reply_to`` set) or a background process."""

    def __init__(self, pid: int, fds: dict[int, str], limit: int, deadline: float | None,
                 reply_to: int | None) -> None:
        self.pid = pid
        self.fds = fds  # fd -> "out" | "err"
        self.out = Capped(limit)
        self.err = Capped(limit)
        self.deadline = deadline
        self.reply_to = reply_to
        self.started = time.monotonic()
        self.exit_code: int | None = None
        self.exited_at: float | None = None
        self.timed_out = False
        self.stdin_fd: int | None = None
        self.pidfd: int | None = None


class Supervisor:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.limits: dict[str, Any] = config.get("limits", {})
        self.output_cap = int(self.limits.get("output_bytes", 1 << 20))
        self.poller = select.epoll()
        self.inbox = bytearray()  # grows in place: a large write arrives in many reads
        self.jobs: dict[int, Job] = {}  # pid -> Job
        self.by_fd: dict[int, tuple[str, Job]] = {}  # fd -> (kind, job)
        self.background: dict[str, Job] = {}  # process id -> Job
        self.counter = 0
        self.running = True
        self.base_env: dict[str, str] = dict(config.get("env", {}))
        self.workspace: str = config["workspace"]
        libc = Libc()
        libc.not_dumpable()
        self.limit_self()
        self.files = Files(self.workspace, int(self.limits.get("file_size_mb") or 0) or None, libc)
        os.set_blocking(0, False)
        self.poller.register(0, select.EPOLLIN)

    # ------------------------------------------------------------------ wire
    def send(self, message: dict[str, Any]) -> None:
        """Write one reply whole. stdout stays blocking: the host reads replies as they come, so a write
        never waits for long; the view advances without copying what is left (a 20 MB reply leaves the
        pipe 64 KiB at a time)."""
        data = encode(message).encode("ascii")
        view = memoryview(len(data).to_bytes(4, "big") + data)
        while view:
            view = view[os.write(1, view):]

    def read_requests(self) -> None:
        try:
            data = os.read(0, 1 << 20)
        except BlockingIOError:
            return
        if not data:
            self.running = False  # the host went away: end everything
            return
        self.inbox += data
        while len(self.inbox) >= 4:
            size = int.from_bytes(self.inbox[:4], "big")
            if size > MAX_FRAME or len(self.inbox) < 4 + size:
                break
            frame = bytes(self.inbox[4 : 4 + size])
            del self.inbox[: 4 + size]
            self.handle(marshal.loads(frame))

    def handle(self, request: dict[str, Any]) -> None:
        rid = request.get("id")
        try:
            result = getattr(self, "op_" + request["op"])(request)
        except KeyError as exc:
            self.send({"id": rid, "ok": False, "error": {"type": "KeyError", "errno": 0, "message": str(exc)}})
            return
        except OSError as exc:
            kind = type(exc).__name__
            self.send({"id": rid, "ok": False,
                       "error": {"type": kind, "errno": exc.errno or 0, "message": exc.strerror or str(exc)}})
            return
        except Exception as exc:  # a bug here must reach the host, not kill every command in flight
            self.send({"id": rid, "ok": False, "error": {"type": "SupervisorError", "errno": 0,
                                                         "message": type(exc).__name__ + ": " + str(exc)}})
            return
        if result is not None:
            self.send({"id": rid, "ok": True, "result": result})

    # ------------------------------------------------------------------ processes
    def path(self, path: str) -> str:
        return path if path.startswith("/") else os.path.join(self.workspace, path)

    def limit_self(self) -> None:
        """The supervisor's own limits: no core dumps, and an address space it cannot outgrow by much.

        Soft limits only, so a command can be given its configured limits (or none) after the fork.
        """
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        largest = int(self.limits.get("file_size_mb") or 512) << 20
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = OWN_MEMORY_BYTES + 3 * largest
        if hard == resource.RLIM_INFINITY or soft < hard:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))

    def set_limits(self) -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))  # the supervisor's own cap is not the command's
        pairs = (
            ("cpu_s", resource.RLIMIT_CPU, 1),
            ("memory_mb", resource.RLIMIT_AS, 1 << 20),
            ("max_processes", resource.RLIMIT_NPROC, 1),
            ("file_size_mb", resource.RLIMIT_FSIZE, 1 << 20),
            ("open_files", resource.RLIMIT_NOFILE, 1),
        )
        for key, which, scale in pairs:
            value = self.limits.get(key)
            if value:
                amount = int(value) * scale
                resource.setrlimit(which, (amount, amount))

    def spawn(self, request: dict[str, Any], keep_stdin: bool) -> Job:
        command = request["command"]
        argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
        env = dict(self.base_env)
        env.update(request.get("env") or {})
        cwd = self.path(request.get("cwd") or self.workspace)
        stdin_r, stdin_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        fail_r, fail_w = os.pipe2(os.O_CLOEXEC)
        pid = os.fork()
        if pid == 0:  # the child: new session, limits, pipes, then exec
            step = "setup"
            try:
                os.setsid()
                os.dup2(stdin_r, 0)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                os.closerange(3, fail_w)
                os.closerange(fail_w + 1, 65536)
                step = "cwd"
                os.chdir(cwd)
                step = "limits"
                self.set_limits()
                step = "exec"
                os.execvpe(argv[0], argv, env)
            except OSError as exc:
                os.write(fail_w, (step + ":" + str(exc.errno or 0)).encode())
            finally:
                os._exit(127)
        for fd in (stdin_r, out_w, err_w, fail_w):
            os.close(fd)
        failure = os.read(fail_r, 64).decode()
        os.close(fail_r)
        timeout = request.get("timeout_s")
        deadline = time.monotonic() + float(timeout) if timeout else None
        job = Job(pid, {out_r: "out", err_r: "err"}, self.output_cap, deadline, None)
        if failure:
            step, _, code = failure.partition(":")
            for fd in (out_r, err_r, stdin_w):
                os.close(fd)
            os.waitpid(pid, 0)
            job.fds = {}
            job.exit_code = 126 if int(code) == errno.EACCES else 127
            if step == "cwd":
                job.exit_code = 1
                job.err.add(f"cannot enter directory {cwd}: {os.strerror(int(code))}\n".encode())
            else:
                job.err.add(f"{argv[0]}: {os.strerror(int(code))}\n".encode())
            job.exited_at = time.monotonic()
            return job
        data = request.get("stdin")
        if keep_stdin:
            job.stdin_fd = stdin_w
            os.set_blocking(stdin_w, False)
        else:
            self.feed_and_close(stdin_w, data or b"")
        for fd in job.fds:
            os.set_blocking(fd, False)
            self.by_fd[fd] = ("pipe", job)
            self.poller.register(fd, select.EPOLLIN | select.EPOLLHUP)
        job.pidfd = os.pidfd_open(pid)
        self.by_fd[job.pidfd] = ("exit", job)
        self.poller.register(job.pidfd, select.EPOLLIN)
        self.jobs[pid] = job
        return job

    def feed_and_close(self, fd: int, data: bytes) -> None:
        """Give a short-lived command its stdin; what the pipe cannot take without blocking is dropped."""
        if data:
            os.set_blocking(fd, False)
            try:
                os.write(fd, data)
            except (BlockingIOError, BrokenPipeError):
                data = b""  # the command does not read it all; it sees end of file after what fit
        os.close(fd)

    def on_pipe(self, fd: int, job: Job) -> None:
        try:
            data = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        if data:
            (job.out if job.fds[fd] == "out" else job.err).add(data)
            return
        self.drop_fd(fd, job)

    def drop_fd(self, fd: int, job: Job) -> None:
        self.poller.unregister(fd)
        del self.by_fd[fd]
        del job.fds[fd]
        os.close(fd)

    def on_exit(self, job: Job) -> None:
        pidfd = job.pidfd
        assert pidfd is not None
        self.poller.unregister(pidfd)
        del self.by_fd[pidfd]
        os.close(pidfd)
        job.pidfd = None
        _, status = os.waitpid(job.pid, 0)
        job.exit_code = os.waitstatus_to_exitcode(status)
        job.exited_at = time.monotonic()

    def kill_group(self, job: Job) -> None:
        try:
            os.killpg(job.pid, SIGKILL)
        except (ProcessLookupError, PermissionError):
            return

    def finish(self, job: Job) -> None:
        """Reply for a foreground command, once it has exited and its pipes are drained (or the grace ran out)."""
        for fd in list(job.fds):
            self.drain(fd, job)
            self.drop_fd(fd, job)
        self.jobs.pop(job.pid, None)
        out, out_dropped = job.out.take()
        err, err_dropped = job.err.take()
        self.send({"id": job.reply_to, "ok": True, "result": {
            "exit_code": job.exit_code, "stdout": out, "stderr": err,
            "duration_s": (job.exited_at or time.monotonic()) - job.started, "timed_out": job.timed_out,
            "truncated": bool(out_dropped or err_dropped), "dropped_bytes": out_dropped + err_dropped}})

    def drain(self, fd: int, job: Job) -> None:
        while True:
            try:
                data = os.read(fd, READ_CHUNK)
            except (BlockingIOError, OSError):
                return
            if not data:
                return
            (job.out if job.fds[fd] == "out" else job.err).add(data)

    def tick(self) -> None:
        now = time.monotonic()
        for job in list(self.jobs.values()):
            if job.deadline is not None and job.exit_code is None and now >= job.deadline:
                job.timed_out = True
                self.kill_group(job)
            if job.reply_to is None or job.exited_at is None:
                continue
            if not job.fds or now - job.exited_at >= GRACE_S:
                self.finish(job)

    def next_wakeup(self) -> float:
        now = time.monotonic()
        waits = [1.0]
        for job in self.jobs.values():
            if job.deadline is not None and job.exit_code is None:
                waits.append(job.deadline - now)
            if job.reply_to is not None and job.exited_at is not None:
                waits.append(job.exited_at + GRACE_S - now)
        return max(0.0, min(waits))

    # ------------------------------------------------------------------ operations
    def op_ping(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"pid": os.getpid(), "uid": os.getuid(), "python": sys.version.split()[0],
                "workspace": self.workspace}

    def op_run(self, request: dict[str, Any]) -> None:
        job = self.spawn(request, keep_stdin=False)
        job.reply_to = request["id"]
        if job.pidfd is None:  # failed before exec
            self.finish(job)
        return None  # the reply comes when the command ends

    def op_start(self, request: dict[str, Any]) -> dict[str, Any]:
        job = self.spawn(request, keep_stdin=True)
        self.counter += 1
        process_id = f"p{self.counter}"
        self.background[process_id] = job
        return {"process_id": process_id}

    def status(self, process_id: str, job: Job) -> dict[str, Any]:
        for fd in list(job.fds):
            self.drain(fd, job)
        out, out_dropped = job.out.take()
        err, err_dropped = job.err.take()
        return {"process_id": process_id, "running": job.exit_code is None, "exit_code": job.exit_code,
                "stdout": out, "stderr": err, "truncated": bool(out_dropped or err_dropped),
                "dropped_bytes": out_dropped + err_dropped}

    def op_poll(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.status(request["process_id"], self.background[request["process_id"]])

    def op_stdin(self, request: dict[str, Any]) -> dict[str, Any]:
        job = self.background[request["process_id"]]
        if job.stdin_fd is None:
            raise BrokenPipeError(errno.EPIPE, "the process's stdin is closed")
        data = request.get("data") or b""
        view = memoryview(data)
        deadline = time.monotonic() + 5.0
        while view:
            try:
                view = view[os.write(job.stdin_fd, view):]
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise BrokenPipeError(errno.EPIPE, "the process does not read its stdin") from None
                select.select([], [job.stdin_fd], [], 0.05)
        if request.get("close"):
            os.close(job.stdin_fd)
            job.stdin_fd = None
        return {"written": len(data)}

    def op_kill(self, request: dict[str, Any]) -> dict[str, Any]:
        process_id = request["process_id"]
        job = self.background[process_id]
        self.kill_group(job)
        if job.exit_code is None and job.pidfd is not None:
            select.select([job.pidfd], [], [], 5.0)
            self.on_exit(job)
        status = self.status(process_id, job)
        for fd in list(job.fds):
            self.drop_fd(fd, job)
        if job.stdin_fd is not None:
            os.close(job.stdin_fd)
        self.jobs.pop(job.pid, None)
        del self.background[process_id]
        return status

    def op_read(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.files.read(request["path"], int(request.get("offset") or 0), int(request["max_bytes"]))

    def op_write(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.files.write(request["path"], request["data"])

    def op_list(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.files.list(request.get("path") or ".")

    def op_realpath(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"path": os.path.realpath(self.path(request["path"]))}

    def op_shutdown(self, request: dict[str, Any]) -> dict[str, Any]:
        self.running = False
        return {}

    # ------------------------------------------------------------------ loop
    def serve(self) -> None:
        while self.running:
            for fd, _ in self.poller.poll(self.next_wakeup()):
                if fd == 0:
                    self.read_requests()
                    continue
                entry = self.by_fd.get(fd)
                if entry is None:
                    continue
                kind, job = entry
                if kind == "exit":
                    self.on_exit(job)
                else:
                    self.on_pipe(fd, job)
            self.tick()
        for job in list(self.jobs.values()):
            self.kill_group(job)


def main() -> None:
    config = marshal.loads(bytes.fromhex(sys.argv[1]))  # from the host, like every request
    Supervisor(config).serve()


if __name__ == "__main__":
    main()
