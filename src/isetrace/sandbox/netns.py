"""Listening sockets inside a session's network namespace, held by the host.

A bwrap session has a network namespace of its own: only its loopback, reachable by nothing outside.
Services the session should reach without being able to touch (the worlds) run on the host, yet must
listen *there*. A socket belongs to the namespace it was created in, whatever the process that holds it
later, so the host creates its listening sockets in the session's namespace and keeps them: the
session connects to ``127.0.0.1:80`` as to any local server; the server, its state and its log stay in
the host process, where no command of the agent reaches.

As root the host enters the namespace from a short-lived thread (``setns`` of a network namespace
applies to the calling thread alone) and the thread ends there. As anyone else the namespace belongs to
user namespaces the host owns, which a threaded process cannot enter: a small ``nsenter`` child joins
the session launcher's user namespace (where the runner is root) and the session's network namespace,
creates the sockets and hands them back over a socket pair (``SCM_RIGHTS``).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from isetrace.errors import SandboxUnavailable
from isetrace.sandbox.base import Sandbox

__all__ = ["Listeners", "listen_in_session"]

_MAX_DEPTH = 8
SYSTEM_PYTHON = "/usr/bin/python3"
"""What the nsenter child runs (stdlib only): as the session's own uid it may not read the runner's venv."""
_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)  # os.setns arrives with Python 3.12


@dataclass(frozen=True)
class Listeners:
    """Sockets bound in a session's namespace: TCP listening, UDP bound, in the order asked for."""

    tcp: list[socket.socket]
    udp: list[socket.socket]

    def close(self) -> None:
        for sock in (*self.tcp, *self.udp):
            sock.close()


def _member_pid(root: int) -> int:
    """A process below ``root`` that is in another network namespace than ours: the session's."""
    ours = os.readlink("/proc/self/ns/net")
    level = [root]
    for _ in range(_MAX_DEPTH):
        below: list[int] = []
        for pid in level:
            try:
                if os.readlink(f"/proc/{pid}/ns/net") != ours:
                    return pid
                for task in os.listdir(f"/proc/{pid}/task"):
                    below += [int(child) for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except OSError:
                continue  # a process that ended meanwhile
        level = below
    raise SandboxUnavailable("the session has no network namespace of its own (is sandbox.network on?)")


def _bind(tcp: list[int], udp: list[int]) -> list[socket.socket]:
    made: list[socket.socket] = []
    try:
        for port in tcp:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            made.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen(128)
        for port in udp:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            made.append(sock)
            sock.bind(("127.0.0.1", port))
    except OSError:
        for sock in made:
            sock.close()
        raise
    return made


def _bind_as_root(namespace: str, tcp: list[int], udp: list[int]) -> list[socket.socket]:
    result: list[socket.socket] = []
    failure: list[BaseException] = []

    def inside() -> None:
        try:
            with open(namespace, "rb") as handle:
                if _libc.setns(handle.fileno(), _CLONE_NEWNET) != 0:
                    error = ctypes.get_errno()
                    raise OSError(error, f"setns: {os.strerror(error)}")
            result.extend(_bind(tcp, udp))
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=inside, name="isetrace-netns")
    thread.start()
    thread.join()  # microseconds: two syscalls a socket
    if failure:
        raise failure[0]
    return result


_CHILD = """
import socket, sys
tcp, udp = ([int(p) for p in part.split(",") if p] for part in sys.argv[1:3])
channel = socket.socket(fileno=int(sys.argv[3]))
made = []
for port in tcp:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); made.append(s)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", port)); s.listen(128)
for port in udp:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); made.append(s); s.bind(("127.0.0.1", port))
socket.send_fds(channel, [b"ok"], [s.fileno() for s in made])
"""


async def _bind_through_nsenter(launcher: int, member: int, tcp: list[int], udp: list[int]) -> list[socket.socket]:
    """The child enters the launcher's user namespace (the outer one, which the runner owns and in which it
    is root) and the session's network namespace, which belongs to a namespace below it, so root there
    may bind port 80."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        child = await asyncio.create_subprocess_exec(
            "nsenter", f"--user=/proc/{launcher}/ns/user", f"--net=/proc/{member}/ns/net", SYSTEM_PYTHON, "-I", "-S",
            "-c", _CHILD, ",".join(map(str, tcp)), ",".join(map(str, udp)), str(theirs.fileno()),
            pass_fds=(theirs.fileno(),), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        _, stderr = await child.communicate()
        if child.returncode != 0:
            raise OSError(f"nsenter exited {child.returncode}: {stderr.decode(errors='replace')[-300:]}")
        ours.setblocking(False)
        _, fds, _, _ = socket.recv_fds(ours, 16, len(tcp) + len(udp))
    return [socket.socket(fileno=fd) for fd in fds]


async def listen_in_session(sandbox: Sandbox, *, tcp: Sequence[int], udp: Sequence[int] = ()) -> Listeners:
    """Sockets on ``127.0.0.1`` inside the session's own network namespace (bwrap sessions with the network
    off). Raises :class:`SandboxUnavailable` for other sessions, or when the ports cannot be bound."""
    launcher = getattr(sandbox, "launcher_pid", None)
    if sandbox.info.backend != "bwrap" or launcher is None or sandbox.info.network:
        raise SandboxUnavailable(f"worlds need a bwrap session with its network off (this one: "
                                 f"{sandbox.info.backend}, network {'on' if sandbox.info.network else 'off'})")
    tcp, udp = list(tcp), list(udp)
    pid = _member_pid(launcher)
    try:
        if os.geteuid() == 0:
            made = _bind_as_root(f"/proc/{pid}/ns/net", tcp, udp)
        else:
            made = await _bind_through_nsenter(launcher, pid, tcp, udp)
    except OSError as exc:
        raise SandboxUnavailable(f"cannot listen in the session's network namespace: {exc}") from exc
    for sock in made:
        sock.setblocking(False)
    return Listeners(tcp=made[:len(tcp)], udp=made[len(tcp):])
