"""Attacks from inside a bubblewrap sandbox: each must be contained, the host untouched, and the next
session must start and work normally."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox.backends import needs_bwrap

from isetrace.errors import SandboxUnavailable
from isetrace.sandbox import Sandbox

pytestmark = needs_bwrap

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bwrap(open_session: Callable[[str], Any]) -> Any:
    return open_session("bwrap")


async def next_session_works(bwrap: Any) -> None:
    box = await bwrap()
    try:
        result = await box.run("echo alive")
        assert result.stdout == b"alive\n"
    finally:
        await box.close()


def host_processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


async def test_host_files_are_out_of_sight(bwrap: Any, tmp_path: Path) -> None:
    canary = Path("/tmp") / f"ise-canary-{os.getpid()}"
    canary.write_text("host secret")
    box: Sandbox = await bwrap()
    try:
        for path in (str(canary), "/root", str(Path.home()), str(PROJECT), str(PROJECT / "pyproject.toml"),
                     "/etc/shadow", "/var/lib", str(tmp_path)):
            result = await box.run(["cat", path])
            assert result.exit_code != 0 and b"host secret" not in result.stdout, path
            listing = await box.run(["ls", path])
            assert listing.exit_code != 0, f"{path} is visible inside the sandbox"
        with pytest.raises(FileNotFoundError):
            await box.read_file(str(canary))
        environment = await box.run("env")
        assert b"ISE_" not in environment.stdout and b"VIRTUAL_ENV" not in environment.stdout
    finally:
        await box.close()
        canary.unlink()


async def test_writes_outside_the_workspace_fail_and_leave_the_host_untouched(bwrap: Any) -> None:
    targets = ["/usr/ise-escape", "/etc/ise-escape", "/ise-escape", "/bin/ise-escape", "/proc/ise-escape"]
    box: Sandbox = await bwrap()
    try:
        for target in targets:
            result = await box.run(f"echo x > {target}")
            assert result.exit_code != 0, target
        with pytest.raises(OSError):
            await box.write_file("/usr/ise-escape", b"x")
        inside_tmp = await box.run("echo fine > /tmp/scratch && cat /tmp/scratch")
        assert inside_tmp.stdout == b"fine\n"  # a private /tmp is writable…
    finally:
        await box.close()
    for target in targets:
        assert not Path(target).exists(), target
    assert not Path("/tmp/scratch").exists()  # …and private


async def test_network_is_off_unless_allowed(bwrap: Any) -> None:
    connections = 0

    async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.close()

    server = await asyncio.start_server(count, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3); print('connected')"
    try:
        box: Sandbox = await bwrap()
        try:
            result = await box.run(["python3", "-c", probe])
            assert result.exit_code != 0 and b"connected" not in result.stdout
            resolve = await box.run(["python3", "-c", "import socket; socket.gethostbyname('example.com')"])
            assert resolve.exit_code != 0
        finally:
            await box.close()
        assert connections == 0
        box = await bwrap(network=True)
        try:
            allowed = await box.run(["python3", "-c", probe])
        finally:
            await box.close()
        assert allowed.stdout == b"connected\n" and connections == 1  # the probe itself is sound
    finally:
        server.close()
        await server.wait_closed()


async def test_fork_bomb_is_contained(bwrap: Any) -> None:
    box: Sandbox = await bwrap(limits={"max_processes": 64, "timeout_s": 5})
    try:
        started = time.monotonic()
        await box.run("bomb() { bomb | bomb & }; bomb; sleep 3", timeout_s=5)
        assert time.monotonic() - started < 15
        after = await box.run("echo still-serving")
        assert after.stdout == b"still-serving\n"
    finally:
        await box.close()
    await next_session_works(bwrap)


async def test_memory_hog_is_stopped(bwrap: Any) -> None:
    box: Sandbox = await bwrap(limits={"memory_mb": 256})
    try:
        result = await box.run(["python3", "-c", "block = bytearray(2 * 1024 ** 3); print('allocated')"])
        assert result.exit_code != 0 and b"allocated" not in result.stdout and b"MemoryError" in result.stderr
    finally:
        await box.close()
    await next_session_works(bwrap)


async def test_disk_filling_hits_the_file_size_and_layer_limits(bwrap: Any, sandbox_home: Path) -> None:
    box: Sandbox = await bwrap(limits={"file_size_mb": 8, "disk_mb": 32})
    try:
        big = await box.run("head -c 16M /dev/zero > big.bin")
        assert big.exit_code != 0
        size = await box.run("stat -c %s big.bin")
        assert int(size.stdout) <= 8 * 1024 * 1024
        many = await box.run("for i in 1 2 3 4 5 6 7 8; do head -c 7M /dev/zero > f$i.bin || exit 9; done")
        assert many.exit_code == 9 and b"No space left" in many.stderr
        usage = await box.run("du -sm . | cut -f1")
        assert int(usage.stdout) <= 33
        scratch = Path(box.info.details["scratch"])
        on_host = sum(f.stat().st_size for f in scratch.rglob("*") if f.is_file())
        assert on_host < 1024 * 1024  # the writable layer never touched the host's disk
        recovered = await box.run("rm -f f*.bin big.bin && echo ok > small.txt && cat small.txt")
        assert recovered.stdout == b"ok\n"
    finally:
        await box.close()


async def test_endless_output_is_capped(bwrap: Any) -> None:
    box: Sandbox = await bwrap(limits={"output_bytes": 64 * 1024})
    try:
        result = await box.run("yes", timeout_s=2)
        assert result.timed_out and result.truncated and len(result.stdout) == 64 * 1024
        assert result.dropped_bytes > 64 * 1024
    finally:
        await box.close()


async def test_processes_left_behind_die_with_the_session(bwrap: Any) -> None:
    marker = f"{os.getpid() % 1000}.{time.time_ns() % 100000}"
    box: Sandbox = await bwrap()
    try:
        await box.run(f"setsid sleep {marker} > /dev/null 2>&1 &")
        slept = await box.run(f"sleep 0.1 & sleep {marker} & sleep 5", timeout_s=1)
        assert slept.timed_out
        assert host_processes_with(f"sleep\x00{marker}")  # the escaped one still runs, inside the session
    finally:
        await box.close()
    deadline = time.monotonic() + 5
    while host_processes_with(f"sleep\x00{marker}") and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert host_processes_with(f"sleep\x00{marker}") == []


async def test_killing_the_supervisor_breaks_only_that_session(bwrap: Any) -> None:
    box: Sandbox = await bwrap()
    try:
        with pytest.raises(SandboxUnavailable):
            await box.run("kill -9 $PPID; sleep 1")
        with pytest.raises(SandboxUnavailable):
            await box.run("echo after")
    finally:
        await box.close()
    await next_session_works(bwrap)


async def test_sessions_are_separate_and_the_template_is_untouched(bwrap: Any, open_session: Any,
                                                                    sandbox_home: Path) -> None:
    from isetrace.sandbox import SandboxHome

    source = Path(f"/tmp/ise-template-src-{os.getpid()}")
    source.mkdir()
    (source / "notes.txt").write_text("original\n")
    SandboxHome(sandbox_home).create_template("sec-test", source, replace=True)
    first: Sandbox = await bwrap(template="sec-test")
    second: Sandbox = await bwrap(template="sec-test")
    try:
        await first.run("echo changed > notes.txt; echo mine > only-first.txt; rm -f notes.txt.bak")
        assert (await first.read_file("notes.txt")) == b"changed\n"
        assert (await second.read_file("notes.txt")) == b"original\n"
        assert (await second.run("ls")).stdout == b"notes.txt\n"
    finally:
        await first.close()
        await second.close()
        for path in source.iterdir():
            path.unlink()
        source.rmdir()
    assert (sandbox_home / "templates" / "sec-test" / "notes.txt").read_text() == "original\n"
    assert not list((sandbox_home / "sessions").glob("*/layer"))  # closed sessions leave nothing



async def test_session_cgroup_limits_apply_where_the_machine_allows(bwrap: Any) -> None:
    from isetrace.sandbox.cgroups import cgroup_problem

    problem = cgroup_problem()
    if problem is not None:
        pytest.skip(f"no session cgroups here: {problem}")
    box: Sandbox = await bwrap(limits={"max_processes": 32, "memory_mb": 128})
    try:
        path = Path(box.info.details["cgroup"])
        assert (path / "pids.max").read_text().strip() == "32"
        assert (path / "memory.max").read_text().strip() == str(128 * 1024 * 1024)
        assert (path / "cgroup.procs").read_text().split()  # the session's processes are in it
    finally:
        await box.close()
    assert not path.exists()
