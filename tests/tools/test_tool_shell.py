"""The shell tools run real commands and report them in one shape; background jobs can be followed and fed."""

from __future__ import annotations

import asyncio
import re
import time

from tests.tools.conftest import OUTPUT_BYTES, Call, caller, make_ctx

from isetrace.sandbox import Sandbox
from isetrace.tools import ToolOutcome


async def test_exit_code_stdout_and_stderr(call: Call) -> None:
    ok = await call("exec", command="echo hello")
    assert ok.content == "exit code: 0\nhello"
    assert ok.result.ok and ok.result.exit_code == 0 and ok.result.stdout == "hello\n"
    failed = await call("exec", command="echo out; echo err >&2; exit 3")
    assert failed.content == "exit code: 3\nout\n[stderr]\nerr"
    assert failed.result.ok is False and failed.result.exit_code == 3 and failed.result.error_kind is None
    assert failed.result.stderr == "err\n"
    silent = await call("Bash", command="true")
    assert silent.content == "exit code: 0"
    missing = await call("Bash", command="no-such-program-xyz")
    assert missing.content.startswith("exit code: 127\n[stderr]\n") and "no-such-program-xyz" in missing.content


async def test_binary_output_is_decoded_with_replacement(call: Call) -> None:
    outcome = await call("exec", command=r"printf '\377\376ok\n'")
    assert outcome.content == "exit code: 0\n\ufffd\ufffdok"


async def test_truncation_marker(call: Call) -> None:
    outcome = await call("exec", command="head -c 100000 /dev/zero | tr '\\0' a")
    dropped = 100000 - OUTPUT_BYTES
    assert outcome.content.endswith(f"\n[output truncated: {dropped} bytes dropped]")
    assert outcome.result.truncated and outcome.result.dropped_bytes == dropped


async def test_timeout_marker_and_cap(box: Sandbox) -> None:
    call = caller(make_ctx(box, max_timeout_s=1.0))
    started = time.monotonic()
    outcome = await call("exec", command="echo before; sleep 30", timeout=0.5)
    assert outcome.content == "exit code: -9\nbefore\n[timed out after 0.5s; the process group was killed]"
    assert outcome.result.timed_out and outcome.result.error_kind == "timeout" and not outcome.result.ok
    capped = await call("Bash", command="sleep 30", timeout=600000)  # asks for 10 minutes; the sandbox allows 1 s
    assert capped.content.endswith("[timed out after 1s; the process group was killed]")
    in_ms = await call("Bash", command="sleep 30", timeout=300)
    assert in_ms.content.endswith("[timed out after 0.3s; the process group was killed]")
    assert time.monotonic() - started < 8


async def test_workdir_and_env(call: Call) -> None:
    await call("exec", command="mkdir -p sub/dir")
    here = await call("exec", command="pwd", workdir="sub/dir")
    assert here.content.endswith("/sub/dir") and here.result.exit_code == 0
    env = await call("exec", command='echo "$GREETING"', env={"GREETING": "hi there"})
    assert env.content == "exit code: 0\nhi there"
    outside = await call("exec", command="pwd", workdir="../..")
    assert outside.content.startswith("Error: workdir '../..' is outside the workspace")
    bad_env = await call("exec", command="true", env={"NOT VALID": "x"})
    assert bad_env.result.error_kind == "tool_error"


def _session(outcome: ToolOutcome) -> str:
    found = re.search(r"sessionId (bg_\d+)", outcome.content)
    assert found, outcome.content
    return found.group(1)


async def _poll_until(call: Call, session: str, text: str) -> str:
    seen = ""
    for _ in range(100):
        outcome = await call("process", action="poll", sessionId=session)
        seen += outcome.content + "\n"
        if text in seen:
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared: {seen}")


async def test_background_poll_write_and_kill(call: Call) -> None:
    started = await call("exec", command="cat", background=True)
    assert started.content.startswith("status: running (sessionId bg_1; started in the background)")
    session = _session(started)
    listing = await call("process", action="list")
    assert re.search(r"bg_1  running for [\d.]+s  cat", listing.content)
    wrote = await call("process", action="write", sessionId=session, data="hello from stdin\n")
    assert wrote.content == "Wrote 17 bytes to the stdin of bg_1."
    seen = await _poll_until(call, session, "hello from stdin")
    assert "sessionId bg_1: running" in seen
    quiet = await call("process", action="poll", sessionId=session)
    assert quiet.content.endswith("(no new output)")
    killed = await call("process", action="kill", sessionId=session)
    assert killed.content.startswith("sessionId bg_1: killed (exit code -9)")
    assert killed.result.exit_code == -9
    after = await call("process", action="write", sessionId=session, data="more")
    assert after.content.startswith("Error: sessionId bg_1 is not running (killed")
    log = await call("process", action="log", sessionId=session)
    assert "hello from stdin" in log.content
    cleared = await call("process", action="clear", sessionId=session)
    assert cleared.content.startswith("Cleared sessionId bg_1")
    assert (await call("process", action="list")).content == "No background sessions."


async def test_eof_ends_a_reader(call: Call) -> None:
    session = _session(await call("exec", command="wc -l", background=True))
    await call("process", action="write", sessionId=session, data="a\nb\n", eof=True)
    seen = await _poll_until(call, session, "exited with code 0")
    assert "\n2\n" in seen + "\n"


async def test_yield_ms(call: Call) -> None:
    quick = await call("exec", command="echo quick", yieldMs=5000)
    assert quick.content == "exit code: 0\nquick"
    assert (await call("process", action="list")).content == "No background sessions."
    slow = await call("exec", command="echo start; sleep 30", yieldMs=300)
    assert slow.content.startswith("status: running (sessionId bg_2; still running after 300 ms")
    assert "\nstart\n" in slow.content and slow.result.exit_code is None
    killed = await call("process", action="kill", sessionId=_session(slow))
    assert "killed" in killed.content
    failing = await call("exec", command="echo oops >&2; exit 4", yieldMs=5000)
    assert failing.content == "exit code: 4\n[stderr]\noops"


async def test_log_pages_by_lines(call: Call) -> None:
    session = _session(await call("exec", command="seq 1 300", background=True))
    await _poll_until(call, session, "exited with code 0")
    tail = await call("process", action="log", sessionId=session)
    lines = tail.content.splitlines()
    assert lines[1] == "101" and lines[-2] == "300"
    assert lines[-1] == "[log lines 101-300 of 300; page with offset and limit]"
    head = await call("process", action="log", sessionId=session, offset=1, limit=3)
    assert head.content.splitlines()[1:] == ["1", "2", "3", "[log lines 1-3 of 300; page with offset and limit]"]


async def test_background_timeout(call: Call) -> None:
    session = _session(await call("exec", command="sleep 30", background=True, timeout=0.3))
    await asyncio.sleep(0.5)
    polled = await call("process", action="poll", sessionId=session)
    assert polled.content.startswith("sessionId bg_1: timed out after 0.3s and was killed")
    assert polled.result.timed_out


async def test_process_needs_a_known_session(call: Call) -> None:
    assert (await call("process", action="poll")).content == "Error: action poll needs a sessionId (see action list)"
    unknown = await call("process", action="kill", sessionId="bg_9")
    assert unknown.content == "Error: no background session 'bg_9' (known sessions: none)"


async def test_claude_code_background_writes_a_log_file(call: Call) -> None:
    started = await call("Bash", command="echo first; sleep 0.2; echo second", run_in_background=True)
    found = re.search(r"written to (\S+\.log);", started.content)
    assert started.content.startswith("Command running in background with ID: bg_1.") and found
    for _ in range(100):
        shown = await call("Bash", command=f"cat {found.group(1)}")
        if "second" in shown.content:
            break
        await asyncio.sleep(0.05)
    assert shown.content == "exit code: 0\nfirst\nsecond"
