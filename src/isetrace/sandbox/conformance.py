"""The conformance suite every sandbox backend must pass, run by the tests and by ``ise sandbox check``.

Each check takes an open session and raises :class:`CheckFailed` with what it saw when the backend
breaks the contract. The same functions serve the test suite (one test per check and backend) and the
command line, so "passes on my machine" means the same thing in both places.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from isetrace.config import SandboxConfig
from isetrace.sandbox.base import Sandbox

__all__ = ["CHECKS", "CheckFailed", "CheckOutcome", "check_config", "run_checks"]


class CheckFailed(AssertionError):
    """A backend broke the sandbox contract; the message says how."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def check_config(base: SandboxConfig) -> SandboxConfig:
    """``base`` as the suite runs it: small output and time limits, so the limit checks are quick."""
    limits = base.limits.model_copy(update={"timeout_s": 20, "output_bytes": 64 * 1024})
    return base.model_copy(update={"limits": limits})


async def exit_codes(box: Sandbox) -> None:
    for command, code in (("exit 0", 0), ("exit 3", 3), ("false", 1)):
        result = await box.run(command)
        expect(result.exit_code == code, f"{command!r} gave exit code {result.exit_code}, expected {code}")
    argv = await box.run(["sh", "-c", "exit 7"])
    expect(argv.exit_code == 7, f"argv form gave exit code {argv.exit_code}, expected 7")
    missing = await box.run(["no-such-program-xyz"])
    expect(missing.exit_code == 127 and b"no-such-program-xyz" in missing.stderr,
           f"a missing program gave {missing.exit_code} / {missing.stderr!r}, expected 127 and its name")


async def stdout_and_stderr(box: Sandbox) -> None:
    result = await box.run("echo out; echo err >&2")
    expect(result.stdout == b"out\n" and result.stderr == b"err\n", f"streams mixed up: {result}")


async def utf8_and_binary(box: Sandbox) -> None:
    text = await box.run("printf 'h\\303\\251llo \\342\\234\\223'")
    expect(text.stdout.decode() == "héllo ✓", f"UTF-8 output came back as {text.stdout!r}")
    binary = await box.run(["python3", "-c", "import sys; sys.stdout.buffer.write(bytes(range(256)))"])
    expect(binary.stdout == bytes(range(256)), f"binary output altered: {binary.stdout[:40]!r}…")


async def working_directory(box: Sandbox) -> None:
    here = await box.run("pwd")
    expect(here.stdout.decode().strip() == box.info.workspace, f"default cwd is {here.stdout!r}, not the workspace")
    await box.run("mkdir -p sub/dir")
    inside = await box.run("pwd", cwd="sub/dir")
    expect(inside.stdout.decode().strip() == f"{box.info.workspace}/sub/dir", f"cwd ignored: {inside.stdout!r}")
    missing = await box.run("pwd", cwd="no/such/dir")
    expect(missing.exit_code != 0 and b"no/such/dir" in missing.stderr, f"missing cwd not reported: {missing}")


async def environment(box: Sandbox) -> None:
    result = await box.run("echo $GREETING; echo ${ISE_HOST_CANARY:-clean}", env={"GREETING": "hi there"})
    expect(result.stdout == b"hi there\nclean\n", f"environment wrong or host env leaked: {result.stdout!r}")
    home = (await box.run('printf %s "$HOME"')).stdout.decode()
    expect(home == box.info.home, f"$HOME is {home!r} but the session says {box.info.home!r}")


async def standard_input(box: Sandbox) -> None:
    result = await box.run("cat; echo", stdin=b"line one\nline two")
    expect(result.stdout == b"line one\nline two\n", f"stdin not delivered: {result.stdout!r}")
    empty = await box.run("cat")
    expect(empty.exit_code == 0 and empty.stdout == b"", "a command without stdin must see end of file at once")


async def timeout_kills_children(box: Sandbox) -> None:
    started = time.monotonic()
    result = await box.run("(sleep 2; echo late > late.txt) & echo started; sleep 60", timeout_s=1)
    elapsed = time.monotonic() - started
    expect(result.timed_out and elapsed < 10, f"timeout not enforced: {result} after {elapsed:.1f}s")
    expect(result.stdout == b"started\n", f"partial output lost at timeout: {result.stdout!r}")
    await asyncio.sleep(2.5)
    left = await box.run("test -e late.txt && echo survived || echo killed")
    expect(left.stdout == b"killed\n", "a child of the timed-out command survived the kill")


async def background_processes(box: Sandbox) -> None:
    pid = await box.start("echo ready; while read line; do echo got:$line; done")
    deadline = time.monotonic() + 5
    seen = b""
    while b"ready" not in seen and time.monotonic() < deadline:
        seen += (await box.poll(pid)).stdout
        await asyncio.sleep(0.05)
    expect(b"ready" in seen, f"background output never arrived: {seen!r}")
    await box.write_stdin(pid, b"ping\n")
    while b"got:ping" not in seen and time.monotonic() < deadline:
        seen += (await box.poll(pid)).stdout
        await asyncio.sleep(0.05)
    expect(b"got:ping" in seen, f"stdin to a background process not delivered: {seen!r}")
    status = await box.kill(pid)
    expect(not status.running, "a killed process still runs")
    done = await box.start("echo bye")
    await asyncio.sleep(0.3)
    final = await box.poll(done)
    expect(not final.running and final.exit_code == 0, f"finished process misreported: {final}")
    try:
        await box.poll("p-unknown")
    except KeyError:
        return
    raise CheckFailed("polling an unknown process id did not raise KeyError")


async def file_round_trip(box: Sandbox) -> None:
    payload = bytes(range(256)) * 4
    expect(await box.write_file("a/b/data.bin", b"first") is True, "a new file was not reported as created")
    expect(await box.write_file("a/b/data.bin", payload) is False, "a replaced file was reported as created")
    expect(await box.read_file("a/b/data.bin") == payload, "file bytes changed on the round trip")
    entries = await box.list_dir("a/b")
    expect([(e.name, e.kind, e.size) for e in entries] == [("data.bin", "file", 1024)], f"listing: {entries}")
    size = await box.run("wc -c < a/b/data.bin")
    expect(size.stdout.strip() == b"1024", f"commands do not see written files: {size.stdout!r}")
    await box.run("printf made-by-shell > shell.txt")
    expect(await box.read_file("shell.txt") == b"made-by-shell", "file API does not see files commands made")


async def missing_files(box: Sandbox) -> None:
    for call, error in ((box.read_file("nope.txt"), FileNotFoundError), (box.list_dir("nope"), FileNotFoundError)):
        try:
            await call
        except error:
            continue
        raise CheckFailed(f"expected {error.__name__} for a missing path")
    await box.run("mkdir -p adir")
    try:
        await box.read_file("adir")
    except IsADirectoryError:
        return
    raise CheckFailed("reading a directory did not raise IsADirectoryError")


async def permissions(box: Sandbox) -> None:
    await box.write_file("run.sh", b"#!/bin/sh\necho executed\n")
    denied = await box.run("./run.sh")
    expect(denied.exit_code == 126, f"a file without the execute bit ran: {denied}")
    allowed = await box.run("chmod 755 run.sh && ./run.sh")
    expect(allowed.stdout == b"executed\n", f"chmod +x did not take: {allowed}")
    if not box.info.isolated and os.geteuid() == 0:
        return  # root on the host reads any file: the unreadable-file half cannot hold for 'local' as root
    await box.run("echo secret > locked.txt && chmod 000 locked.txt")
    try:
        await box.read_file("locked.txt")
    except PermissionError:
        return
    raise CheckFailed("reading a mode-000 file did not raise PermissionError")


async def output_limits(box: Sandbox) -> None:
    result = await box.run("head -c 300000 /dev/zero; echo tail >&2")
    cap = len(result.stdout)
    expect(result.truncated and cap < 300000 and result.dropped_bytes == 300000 - cap,
           f"output not capped or not counted: kept {cap}, dropped {result.dropped_bytes}")
    expect(result.stderr == b"tail\n", "the other stream suffered from one stream's cap")


CHECKS: dict[str, Callable[[Sandbox], Awaitable[None]]] = {
    "exit codes": exit_codes,
    "stdout and stderr": stdout_and_stderr,
    "UTF-8 and binary output": utf8_and_binary,
    "working directory": working_directory,
    "environment": environment,
    "stdin": standard_input,
    "timeouts kill children": timeout_kills_children,
    "background processes": background_processes,
    "file round trip": file_round_trip,
    "missing files": missing_files,
    "permissions": permissions,
    "output limits": output_limits,
}
"""Check name → check. Each runs in a fresh session."""


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    passed: bool
    detail: str = ""
    seconds: float = 0.0


async def run_checks(open_session: Callable[[], Awaitable[Sandbox]],
                     on_outcome: Callable[[CheckOutcome], None] | None = None) -> list[CheckOutcome]:
    """Run every check, each in a fresh session; a session that cannot open fails the check with why."""
    outcomes = []
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            box = await open_session()
            try:
                await check(box)
            finally:
                await box.close()
            outcome = CheckOutcome(name, True, seconds=time.monotonic() - started)
        except Exception as exc:  # a check reports every failure, whatever raised it
            outcome = CheckOutcome(name, False, f"{type(exc).__name__}: {exc}", time.monotonic() - started)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes
