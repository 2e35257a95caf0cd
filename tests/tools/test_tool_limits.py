"""File tools stay bounded whatever the workspace holds: huge files, huge notes, FIFOs fed forever.

Each test measures the host — this test process, which plays the orchestrator — not the sandbox: the
peak resident memory while the tools run (``VmHWM`` after resetting it through ``/proc/self/clear_refs``),
the wall time, and for memory_search the longest stretch the event loop was held, seen by a ticker.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.tools.conftest import Call, open_box

from isetrace.sandbox import Sandbox

MIB = 1 << 20
BIG_LINES = 100 * MIB + 1
"""Lines of big.txt: 100 MiB of newlines, then one line 'the end'."""


def _status_kib(name: str) -> int:
    match = re.search(rf"^{name}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    assert match, name
    return int(match.group(1))


class Peak:
    """How far this process's resident memory rose above where it started, in MiB."""

    base_kib = 0

    @property
    def growth_mib(self) -> float:
        return (_status_kib("VmHWM") - self.base_kib) / 1024


@contextmanager
def peak_rss() -> Iterator[Peak]:
    """Reset the kernel's high-water mark of this process, then report how far memory rose above it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError as exc:
        pytest.skip(f"cannot reset the peak RSS here (/proc/self/clear_refs: {exc})")
    peak = Peak()
    peak.base_kib = _status_kib("VmRSS")
    yield peak


async def test_read_pages_a_100_mib_file_in_bounded_memory(box: Sandbox, call: Call) -> None:
    made = await box.run("head -c 100M /dev/zero | tr '\\0' '\\n' > big.txt && echo 'the end' >> big.txt")
    assert made.ok, made.stderr
    with peak_rss() as peak:
        started = time.monotonic()
        first = await call("Read", file_path="big.txt", limit=3)
        middle = await call("read", path="big.txt", offset=50_000_000, limit=2)
        last = await call("Read", file_path="big.txt", offset=BIG_LINES - 1)
        past = await call("read", path="big.txt", offset=BIG_LINES + 2)
        took = time.monotonic() - started
    assert re.fullmatch(r"     1\t\n     2\t\n     3\t\n\n\[showing lines 1-3 of at least \d+; "
                        r"read the next page with offset=4, limit=3\]", first.content), first.content[:300]
    assert re.fullmatch(r"\n\n\n\[showing lines 50000000-50000001 of (at least )?\d+; "
                        r"read the next page with offset=50000002, limit=2\]", middle.content), middle.content[:300]
    assert last.content == f"{BIG_LINES - 1}\t\n{BIG_LINES}\tthe end"
    assert past.content == f"Error: offset {BIG_LINES + 2} is past the end of big.txt ({BIG_LINES} lines)"
    assert peak.growth_mib < 64, f"RSS rose {peak.growth_mib:.0f} MiB"
    assert took < 60, f"four reads took {took:.1f}s"


async def _ticker(stop: asyncio.Event, gaps: list[float]) -> None:
    """Sleep 10 ms at a time until ``stop`` (at most 60 s) and record the longest wait beyond that."""
    last = time.monotonic()
    for _ in range(6000):
        if stop.is_set():
            return
        await asyncio.sleep(0.01)
        now = time.monotonic()
        gaps.append(now - last - 0.01)
        last = now


async def test_memory_search_over_huge_notes_is_bounded_and_keeps_the_loop_free(
        box: Sandbox, call: Call, sandbox_home: Path) -> None:
    made = await box.run(
        "mkdir -p memory && yes 'postgres migration notes for the quarterly report' | head -c 40M > memory/big.md"
        " && yes 'alpha beta postgres' | sed G | head -c 6M > memory/mid.md && mkfifo memory/pipe.md")
    assert made.ok, made.stderr
    await box.write_file("MEMORY.md", b"# Infrastructure\nThe kubernetes cluster runs in Frankfurt.\n")
    writer = await box.start("while :; do yes > memory/pipe.md; done")
    other = await open_box(box.info.backend, sandbox_home)
    stop, gaps = asyncio.Event(), [0.0]
    try:
        ticking = asyncio.create_task(_ticker(stop, gaps))
        await asyncio.sleep(0.05)
        with peak_rss() as peak:
            started = time.monotonic()
            searched, slept = await asyncio.gather(call("memory_search", query="Frankfurt postgres"),
                                                   other.run("sleep 2", timeout_s=5))
            took = time.monotonic() - started
        stop.set()
        await ticking
    finally:
        await box.kill(writer)
        await other.close()
    content = searched.content
    assert content.splitlines()[1].startswith("1. MEMORY.md lines 1-2 (score "), content[:400]
    assert re.search(r"memory/big\.md \(only its first \d+ MiB\)", content), content[-600:]
    assert re.search(r"memory/pipe\.md \(not a regular file", content), content[-600:]
    assert slept.ok, slept
    assert took < 10, f"memory_search took {took:.1f}s"
    assert peak.growth_mib < 128, f"RSS rose {peak.growth_mib:.0f} MiB"
    assert max(gaps) < 0.2, f"the event loop was held for {max(gaps) * 1000:.0f} ms"


FIFO_REFUSAL = "is not a regular file (a FIFO, socket or device)"


async def test_fifos_are_refused_quickly_by_every_file_tool(box: Sandbox, call: Call) -> None:
    made = await box.run("mkdir -p memory && mkfifo fifo memory/pipe.md")
    assert made.ok, made.stderr
    writers = [await box.start(f"while :; do yes > {name}; done") for name in ("fifo", "memory/pipe.md")]
    calls: list[tuple[str, dict[str, str]]] = [
        ("read", {"path": "fifo"}),
        ("Read", {"file_path": "fifo"}),
        ("edit", {"path": "fifo", "oldText": "y", "newText": "n"}),
        ("Edit", {"file_path": "fifo", "old_string": "y", "new_string": "n"}),
        ("write", {"path": "fifo", "content": "x"}),
        ("Write", {"file_path": "fifo", "content": "x"}),
        ("apply_patch", {"input": "*** Begin Patch\n*** Update File: fifo\n@@\n-y\n+n\n*** End Patch"}),
        ("memory_get", {"path": "memory/pipe.md"}),
    ]
    try:
        with peak_rss() as peak:
            for name, arguments in calls:
                started = time.monotonic()
                outcome = await call(name, **arguments)
                took = time.monotonic() - started
                assert outcome.result.error_kind == "tool_error", (name, outcome.content)
                assert FIFO_REFUSAL in outcome.content, (name, outcome.content)
                assert took < 5, (name, took)
            started = time.monotonic()
            searched = await call("memory_search", query="y")
            grepped = await call("Grep", pattern="n", path="fifo", output_mode="content")
            took = time.monotonic() - started
    finally:
        for writer in writers:
            await box.kill(writer)
    assert "memory/pipe.md (not a regular file" in searched.content, searched.content
    assert grepped.content == "No matches for 'n' in fifo.", grepped.content
    assert took < 5, f"memory_search and Grep took {took:.1f}s"
    assert peak.growth_mib < 32, f"RSS rose {peak.growth_mib:.0f} MiB"


async def test_edits_refuse_files_too_large_to_rewrite_and_deletes_still_work(box: Sandbox, call: Call) -> None:
    made = await box.run("yes 'a line of text' | head -c 9M > nine.txt && yes 'a line' | head -c 20M > twenty.txt")
    assert made.ok, made.stderr
    with peak_rss() as peak:
        for name, arguments in (("edit", {"path": "nine.txt", "oldText": "a line", "newText": "b"}),
                                ("Edit", {"file_path": "twenty.txt", "old_string": "a line", "new_string": "b",
                                          "replace_all": True}),
                                ("apply_patch", {"input": "*** Begin Patch\n*** Update File: twenty.txt\n@@\n"
                                                          "-a line\n+b\n*** End Patch"})):
            outcome = await call(name, **arguments)
            assert outcome.result.error_kind == "tool_error", (name, outcome.content)
            assert re.search(r"is larger than \d+ MiB; .* use a shell command", outcome.content), outcome.content
        deleted = await call("apply_patch", input="*** Begin Patch\n*** Delete File: twenty.txt\n*** End Patch")
    assert deleted.content == "Success. Updated the following files:\nD twenty.txt", deleted.content
    assert (await box.run("test -e twenty.txt")).exit_code == 1
    assert peak.growth_mib < 64, f"RSS rose {peak.growth_mib:.0f} MiB"
