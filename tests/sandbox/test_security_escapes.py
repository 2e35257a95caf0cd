"""The three ways out that an attack found, each attempted the way it was done, bounded in time.

1. taking the supervisor's pipes with ``pidfd_getfd`` and writing a forged reply;
2. (``web_fetch`` rebinding lives with the web tool's tests);
3. swapping a symbolic link in between the file tools' check and their open.

And the host's side of the first: whatever comes out of the pipe is checked, so a bad frame breaks the
session and never becomes a result.
"""

from __future__ import annotations

import asyncio
import errno
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox.backends import needs_bwrap

from isetrace.config import ToolsConfig
from isetrace.errors import SandboxUnavailable
from isetrace.records import ToolCall
from isetrace.sandbox import Sandbox
from isetrace.sandbox.base import SessionInfo
from isetrace.sandbox.supervised import launch_supervised
from isetrace.tools import ToolContext, get_dialect

TAKEOVER = r"""
import ctypes, json, marshal, os, sys
libc = ctypes.CDLL(None, use_errno=True)
taken, refusals = [], set()
for pid in sorted({os.getppid(), 2}):
    try:
        pidfd = os.pidfd_open(pid)
    except OSError as exc:
        refusals.add("pidfd_open:" + exc.strerror)
        continue
    for target in range(8):
        fd = libc.syscall(438, pidfd, target, 0)  # pidfd_getfd, the same number on x86_64 and aarch64
        if fd >= 0:
            taken.append(fd)
        else:
            refusals.add("pidfd_getfd:" + os.strerror(ctypes.get_errno()))
for fd in taken:  # write forged replies for the first request ids, in both wire formats
    for rid in range(1, 40):
        forged = {"exit_code": 0, "stdout": b"FORGED", "stderr": b"", "duration_s": 0.0, "timed_out": False,
                  "truncated": False, "dropped_bytes": 0}
        as_json = {**forged, "stdout": "Rk9SR0VE", "stderr": ""}
        for frame in (marshal.dumps({"id": rid, "ok": True, "result": forged}),
                      json.dumps({"id": rid, "ok": True, "result": as_json}).encode()):
            try:
                os.write(fd, len(frame).to_bytes(4, "big") + frame)
            except OSError:
                pass
for path in ("fd", "mem", "environ"):
    try:
        open(f"/proc/{os.getppid()}/{path}", "rb").read(16) if path != "fd" else os.listdir(f"/proc/{os.getppid()}/fd")
        print("opened", path)
    except OSError as exc:
        refusals.add(path + ":" + exc.strerror)
print("taken", len(taken), sorted(refusals))
"""


@pytest.fixture
def bwrap(open_session: Callable[[str], Any]) -> Any:
    return open_session("bwrap")


@needs_bwrap
async def test_a_command_cannot_take_the_supervisors_pipes_and_forge_a_result(bwrap: Any) -> None:
    box: Sandbox = await bwrap()
    try:
        result = await asyncio.wait_for(box.run(["python3", "-c", TAKEOVER], timeout_s=20), 30)
        assert b"FORGED" not in result.stdout, result
        assert result.stdout.startswith(b"taken 0 "), result
        assert b"opened" not in result.stdout
        assert b"pidfd_getfd:Operation not permitted" in result.stdout, result.stdout
        after = await box.run("echo still mine")
        assert after.stdout == b"still mine\n"
    finally:
        await box.close()


# ---------------------------------------------------------------------- the host reads only good frames

PEER = r"""
import json, marshal, os, sys, time
bad = bytes.fromhex(sys.argv[1])
def read_request():
    size = int.from_bytes(os.read(0, 4), "big")
    data = b""
    while len(data) < size:
        data += os.read(0, size - len(data))
    return marshal.loads(data)
def send(raw):
    os.write(1, len(raw).to_bytes(4, "big") + raw)
ping = read_request()
send(json.dumps({"id": ping["id"], "ok": True, "result": {"pid": os.getpid(), "uid": 0, "python": "3",
                                                         "workspace": "/w"}}).encode())
request = read_request()
if bad.startswith(b"HEADER"):  # a huge length, then a flood the host must never buffer
    os.write(1, (0xC0000000).to_bytes(4, "big"))
    block = b"\0" * (1 << 20)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.write(1, block)
        except OSError:
            break
else:
    send(bad.replace(b"RID", str(request["id"]).encode()))
time.sleep(30)
"""

GOOD_RUN = {"exit_code": 0, "stdout": "", "stderr": "", "duration_s": 0.1, "timed_out": False, "truncated": False,
            "dropped_bytes": 0}


def reply(result: object, rid: object = "RID", **envelope: object) -> bytes:
    """A reply frame to the waiting request (``RID`` is replaced by its id in the peer)."""
    return json.dumps({"id": rid, "ok": True, "result": result, **envelope}).replace('"RID"', "RID").encode()


BAD_FRAMES = {
    "a huge frame": b"HEADER",
    "not JSON": b"\xfa\x03id",
    "not an object": b"[1, 2, 3]",
    "an extra field": reply({**GOOD_RUN, "injected": 1}),
    "a missing field": reply({"exit_code": 0}),
    "a wrong type": reply({**GOOD_RUN, "exit_code": "0"}),
    "bytes that are not base64": reply({**GOOD_RUN, "stdout": "@@"}),
    "an envelope with more": reply(GOOD_RUN, error={}),
    "a reply to nobody": reply(GOOD_RUN, rid=999),
    "a malformed error": b'{"id":RID,"ok":false,"error":{"type":"OSError"}}',
    "deep nesting": b"[" * 20_000 + b"]" * 20_000,
}


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.parametrize("frame", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
async def test_a_bad_frame_breaks_the_session_and_is_never_a_result(frame: bytes) -> None:
    info = SessionInfo(backend="peer", session_id="peer", workspace="/w", home="/h", network=False, isolated=False)
    box = await launch_supervised([sys.executable, "-c", PEER, frame.hex()], info, 5.0)
    before = rss_kib()
    started = time.monotonic()
    try:
        with pytest.raises(SandboxUnavailable, match="malformed reply"):
            await box.run("true", timeout_s=2)
        assert time.monotonic() - started < 8
        assert rss_kib() - before < 64 * 1024  # the 3 GiB announced was never buffered
        with pytest.raises(SandboxUnavailable):
            await box.run("true")
    finally:
        await box.close()


# ---------------------------------------------------------------------- the symlink swap race

SWAPPER = """
import os, shutil, time
deadline = time.monotonic() + {seconds}
while time.monotonic() < deadline:
    with open("t.file", "w") as handle:
        handle.write("safe\\n")
    os.replace("t.file", "target")
    os.symlink("/etc/hosts", "t.link")
    os.replace("t.link", "target")
    if os.path.islink("out"):
        os.unlink("out")
    os.makedirs("out", exist_ok=True)
    os.rename("out", "out.old")
    os.symlink("/home/agent", "out")
    shutil.rmtree("out.old")
"""


@needs_bwrap
async def test_a_swapped_symlink_never_redirects_read_or_write(bwrap: Any) -> None:
    box: Sandbox = await bwrap()
    dialect = get_dialect("openclaw")
    ctx = ToolContext(box, ToolsConfig(), max_timeout_s=20.0)
    seen = {"safe": 0, "refused": 0}
    try:
        hosts = (await box.run(["cat", "/etc/hosts"])).stdout.decode()
        await box.run("echo safe > target && mkdir -p out")
        swapper = await box.start(["python3", "-c", SWAPPER.format(seconds=18)])
        deadline = time.monotonic() + 15
        attempt = 0
        while attempt < 1500 and time.monotonic() < deadline:
            attempt += 1
            read = await dialect.dispatch(ToolCall(id=f"r{attempt}", name="read", arguments={"path": "target"}), ctx)
            assert hosts.strip() not in read.content and "localhost" not in read.content, read.content
            seen["safe" if "safe" in read.content else "refused"] += 1
            await dialect.dispatch(ToolCall(id=f"w{attempt}", name="write",
                                            arguments={"path": "out/planted.txt", "content": "x"}), ctx)
        await box.kill(swapper)
        planted = await box.run("ls -A /home/agent")
        assert b"planted.txt" not in planted.stdout
        assert seen["safe"] > 0  # the race was live: the file was there between swaps
    finally:
        await box.close()


# ---------------------------------------------------------------------- what one read can cost the host

@needs_bwrap
async def test_reads_refuse_fifos_and_bring_back_at_most_the_cap(bwrap: Any) -> None:
    box: Sandbox = await bwrap(limits={"disk_mb": 256, "file_size_mb": 128})
    try:
        made = await box.run("mkfifo pipe && head -c 40M /dev/zero > big.bin && ln -s big.bin link && echo made")
        assert made.stdout == b"made\n", made
        feeder = await box.start("yes > pipe")
        before = rss_kib()
        with pytest.raises(OSError, match="not a regular file") as fifo:
            await asyncio.wait_for(box.read_file("pipe"), 10)
        assert fifo.value.errno == errno.EINVAL
        with pytest.raises(OSError, match="read it in ranges") as big:
            await box.read_file("big.bin")
        assert big.value.errno == errno.EFBIG
        part = await box.read_file("big.bin", offset=39 << 20, max_bytes=4 << 20)
        assert part == b"\0" * (1 << 20)  # what is left past the offset, and no more
        assert rss_kib() - before < 128 * 1024
        with pytest.raises(OSError, match="symbolic link is in the way"):
            await box.read_file("link")
        await box.kill(feeder)
    finally:
        await box.close()


@needs_bwrap
async def test_the_supervisor_keeps_limits_of_its_own(bwrap: Any) -> None:
    box: Sandbox = await bwrap(limits={"memory_mb": None})
    try:
        limits = (await box.run("cat /proc/$PPID/limits")).stdout.decode()
        own = (await box.run("cat /proc/self/limits")).stdout.decode()
    finally:
        await box.close()
    assert re.search(r"Max core file size\s+0\s+0", limits), limits
    assert re.search(r"Max address space\s+\d+\s+unlimited", limits), limits
    assert re.search(r"Max address space\s+unlimited\s+unlimited", own), own  # the command is not bound by it
