"""Sockets the host holds in a session's own network namespace, and the /etc files a run gives its sessions."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from pydantic import ValidationError
from tests.sandbox.backends import needs_bwrap

from isetrace.config import SandboxConfig
from isetrace.errors import SandboxUnavailable
from isetrace.sandbox import SandboxHome, open_sandbox
from isetrace.sandbox.netns import _bind_through_nsenter, _member_pid, listen_in_session


@needs_bwrap
async def test_a_host_server_listens_on_port_80_of_one_session_only(sandbox_home: Path) -> None:
    config = SandboxConfig.model_validate({"backend": "bwrap", "network": False})
    home = SandboxHome(sandbox_home)
    box, other = await open_sandbox(config, home), await open_sandbox(config, home)
    served: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.append(await reader.readline())
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        await writer.drain()
        writer.close()

    try:
        listeners = await listen_in_session(box, tcp=[80], udp=[53])
        server = await asyncio.start_server(answer, sock=listeners.tcp[0])
        try:
            fetch = ["python3", "-c", "import urllib.request as u; print(u.urlopen('http://127.0.0.1/', timeout=3)"
                                      ".read().decode())"]
            inside = await box.run(fetch, timeout_s=20)
            assert inside.exit_code == 0 and inside.stdout.strip() == b"hello", inside.stderr
            assert (await other.run(fetch, timeout_s=20)).exit_code != 0  # another session's loopback is its own
            taken = await box.run(["python3", "-c", "import socket; socket.socket().bind(('127.0.0.1', 80))"],
                                  timeout_s=10)
            assert taken.exit_code != 0  # the session cannot answer in the host's place
            assert listeners.udp[0].type == socket.SOCK_DGRAM and listeners.udp[0].getsockname()[1] == 53
            assert served == [b"GET / HTTP/1.1\r\n"]
        finally:
            server.close()
            listeners.close()
    finally:
        await box.close()
        await other.close()


@needs_bwrap
async def test_a_session_with_the_network_on_has_no_namespace_to_listen_in(sandbox_home: Path) -> None:
    box = await open_sandbox(SandboxConfig.model_validate({"backend": "bwrap", "network": True}),
                             SandboxHome(sandbox_home))
    try:
        with pytest.raises(SandboxUnavailable, match="network off"):
            await listen_in_session(box, tcp=[80])
    finally:
        await box.close()


@needs_bwrap
async def test_etc_files_replace_the_hosts_and_stay_read_only(sandbox_home: Path) -> None:
    config = SandboxConfig.model_validate({"backend": "bwrap", "etc_files": {
        "resolv.conf": "nameserver 127.0.0.1\n", "pip.conf": "[global]\nindex-url = http://pypi.test/simple/\n"}})
    box = await open_sandbox(config, SandboxHome(sandbox_home))
    try:
        assert await box.read_file("/etc/resolv.conf") == b"nameserver 127.0.0.1\n"
        assert b"pypi.test" in await box.read_file("/etc/pip.conf")
        assert (await box.run(["sh", "-c", "echo x > /etc/resolv.conf"], timeout_s=10)).exit_code != 0
    finally:
        await box.close()


def test_etc_files_cannot_replace_the_identity_files_or_leave_etc() -> None:
    for name in ("passwd", "group", "shadow", "../bin/sh", "ssl/cert.pem", ""):
        with pytest.raises(ValidationError, match="not a file sessions may be given"):
            SandboxConfig.model_validate({"etc_files": {name: "x"}})


@needs_bwrap
async def test_the_nsenter_way_binds_the_same_sockets(sandbox_home: Path) -> None:
    """What a runner that is not root does (a threaded process cannot join a user namespace): a child joins
    the launcher's user namespace and the session's network namespace and hands the sockets back."""
    box = await open_sandbox(SandboxConfig.model_validate({"backend": "bwrap"}), SandboxHome(sandbox_home))
    try:
        launcher = box.launcher_pid  # type: ignore[attr-defined]
        made = await _bind_through_nsenter(launcher, _member_pid(launcher), [80], [53])
        try:
            assert [(s.type, s.getsockname()) for s in made] == [(socket.SOCK_STREAM, ("127.0.0.1", 80)),
                                                                 (socket.SOCK_DGRAM, ("127.0.0.1", 53))]
            taken = await box.run(["python3", "-c", "import socket; socket.socket().bind(('127.0.0.1', 80))"],
                                  timeout_s=10)
            assert taken.exit_code != 0  # the port is bound in the session's namespace, by the host's socket
        finally:
            for sock in made:
                sock.close()
    finally:
        await box.close()
