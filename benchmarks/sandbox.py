"""How fast a bubblewrap session starts and how much one command costs, against baselines run alongside.

Measures, in one run on this machine:
- session start: template to a supervisor that answers (``open_sandbox``), median;
- round trip: ``sandbox.run(["true"])`` in an open session, median;
- file transfer: ``write_file`` of 64 MiB, then reading it back in 16 MiB ranges (``read_file``);
- baselines: ``subprocess.run(["true"])`` and a bare ``bwrap … true`` (a fresh sandbox per command); for
  the transfer, writing and reading the same bytes to a file on the host;
- session start with every world (web, git, office, packages: the session opened with their files and
  served from this process, as every episode of a run with ``worlds.*`` does), against the world-less
  start measured alongside (goal ≤ 1.5×), and the CPU one session's idle worlds cost; skipped without a
  wheelhouse (``make wheelhouse``).

Prints the ratios; the last line is one JSON object with every figure. Targets: session start ≤ 20 ms
median, and a round trip no slower than a bare bwrap (the supervisor must beat a fresh sandbox). The
transfer's ratio shows what the pipe, its framing and base64 cost over the bytes themselves.

    .venv/bin/python benchmarks/sandbox.py [--sessions 40] [--calls 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from isetrace.config import RunConfig, SandboxConfig, load_config
from isetrace.records import Intent
from isetrace.sandbox import Sandbox, SandboxHome, open_sandbox
from isetrace.sandbox.bwrap import bwrap_problems
from isetrace.sandbox.supervised import READ_MAX_BYTES
from isetrace.worlds.sessions import open_worlds, session_sandbox_config

BARE_BWRAP = ["bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64",
              "/lib64", "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev", "--unshare-all",
              "--die-with-parent", "true"]


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


def time_subprocess(argv: list[str], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        subprocess.run(argv, check=True)
        samples.append(time.perf_counter() - started)
    return samples


TRANSFER = 64 << 20


def time_host_file(root: Path) -> float:
    """Seconds to write TRANSFER bytes to a host file and read them back: the transfer's baseline."""
    data, path = b"x" * TRANSFER, root / "transfer.bin"
    started = time.perf_counter()
    path.write_bytes(data)
    assert len(path.read_bytes()) == TRANSFER
    elapsed = time.perf_counter() - started
    path.unlink()
    return elapsed


async def time_transfer(box: Sandbox) -> float:
    """Seconds to write TRANSFER bytes into the sandbox and read them back in the largest ranges."""
    data = b"x" * TRANSFER
    started = time.perf_counter()
    await box.write_file("transfer.bin", data)
    back = [await box.read_file("transfer.bin", offset=at, max_bytes=READ_MAX_BYTES)
            for at in range(0, TRANSFER, READ_MAX_BYTES)]
    assert sum(len(part) for part in back) == TRANSFER
    return time.perf_counter() - started


async def time_sessions(
    config: SandboxConfig, home: SandboxHome, sessions: int, calls: int
) -> tuple[list[float], list[float], float]:
    starts: list[float] = []
    trips: list[float] = []
    warm = await open_sandbox(config, home)  # first use creates the default template
    await warm.close()
    for _ in range(sessions):
        started = time.perf_counter()
        box = await open_sandbox(config, home)
        starts.append(time.perf_counter() - started)
        await box.close()
    box = await open_sandbox(config, home)
    try:
        for _ in range(calls):
            started = time.perf_counter()
            result = await box.run(["true"])
            trips.append(time.perf_counter() - started)
            assert result.exit_code == 0
        transfer = await time_transfer(box)
    finally:
        await box.close()
    return starts, trips, transfer


async def time_world_starts(config: RunConfig, sessions: int) -> tuple[list[float], list[float], float]:
    """Session starts without worlds and with all of them (opened and served as every episode of a run with
    ``worlds.*`` does), interleaved so drift hits both alike; and the CPU this process spent in a second
    of idling with one session's worlds open (idle worlds should cost nothing)."""
    home = SandboxHome(Path(str(config.sandbox.home)))
    with_worlds = session_sandbox_config(config)
    intent = Intent(id="bench", natural_language_intent="x")
    plain: list[float] = []
    world: list[float] = []
    for number in range(sessions):
        started = time.perf_counter()
        box = await open_sandbox(config.sandbox, home)
        plain.append(time.perf_counter() - started)
        await box.close()
        started = time.perf_counter()
        box = await open_sandbox(with_worlds, home)
        async with open_worlds(box, config, [intent], f"bench-{number}"):
            world.append(time.perf_counter() - started)
        await box.close()
    box = await open_sandbox(with_worlds, home)
    async with open_worlds(box, config, [intent], "bench-idle"):
        cpu = time.process_time()
        await asyncio.sleep(1.0)
        idle_cpu = time.process_time() - cpu
    await box.close()
    return plain, world, idle_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    problems = bwrap_problems()
    if problems:
        raise SystemExit("bwrap cannot run here: " + "; ".join(problems))
    root = Path(tempfile.mkdtemp(prefix="ise-bench-", dir="/tmp"))
    root.chmod(0o755)
    config = SandboxConfig(backend="bwrap", home=str(root))
    plain = median_ms(time_subprocess(["true"], args.calls))
    bare = median_ms(time_subprocess(BARE_BWRAP, args.calls))
    starts, trips, transfer = asyncio.run(time_sessions(config, SandboxHome(root), args.sessions, args.calls))
    start, trip = median_ms(starts), median_ms(trips)
    host_file = time_host_file(root)
    wheelhouse = Path(sys.prefix) / "wheelhouse"
    world_figures: dict[str, float] = {}
    if any(wheelhouse.glob("*.whl")):
        worlds = load_config("offline", [f"sandbox.home={root}", "sandbox.backend=bwrap", "worlds.web=true",
                                         "worlds.git=true", "worlds.office=true", "worlds.packages=true"], environ={})
        plain_starts, world_starts, idle_cpu = asyncio.run(time_world_starts(worlds, args.sessions))
        without, with_world = median_ms(plain_starts), median_ms(world_starts)
        world_figures = {"start_without_worlds_ms": round(without, 3),
                         "start_with_all_worlds_ms": round(with_world, 3),
                         "worlds_start_ratio": round(with_world / without, 3),
                         "idle_worlds_cpu_ms_per_s": round(idle_cpu * 1000, 3)}
    print(f"subprocess.run(['true'])       median {plain:7.2f} ms")
    print(f"bare bwrap … true              median {bare:7.2f} ms")
    print(f"session start (template→ready) median {start:7.2f} ms   target ≤ 20 ms"
          f"   start/bare-bwrap = {start / bare:.2f}")
    print(f"run(['true']) round trip       median {trip:7.2f} ms   trip/bare-bwrap = {trip / bare:.2f} (target ≤ 1)"
          f"   trip/subprocess = {trip / plain:.2f}")
    print(f"64 MiB write + read back       {transfer * 1000:7.0f} ms   host file: {host_file * 1000:.0f} ms"
          f"   transfer/host-file = {transfer / host_file:.1f}")
    if world_figures:
        print(f"session start + all worlds     median {world_figures['start_with_all_worlds_ms']:7.2f} ms   "
              f"over the world-less start = {world_figures['worlds_start_ratio']:.2f} (goal ≤ 1.5)")
        print(f"idle worlds                    {world_figures['idle_worlds_cpu_ms_per_s']:7.2f} ms of CPU a second")
    else:
        print(f"worlds: not measured, no wheels in {wheelhouse} for the package world (make wheelhouse)")
    print(json.dumps({**world_figures,
        "session_start_ms": round(start, 3), "round_trip_ms": round(trip, 3), "subprocess_true_ms": round(plain, 3),
        "bare_bwrap_true_ms": round(bare, 3), "start_over_bare_bwrap": round(start / bare, 3),
        "trip_over_bare_bwrap": round(trip / bare, 3), "trip_over_subprocess": round(trip / plain, 3),
        "transfer_64mib_ms": round(transfer * 1000, 1), "host_file_64mib_ms": round(host_file * 1000, 1),
        "transfer_over_host_file": round(transfer / host_file, 2), "sessions": args.sessions, "calls": args.calls,
    }))


if __name__ == "__main__":
    main()
