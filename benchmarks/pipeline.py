"""Episode throughput against the bound that model latency and concurrency allow, in one run.

The scripted endpoint answers every agent and user call after a fixed latency (default 200 ms). With C
episodes in flight and k sequential model calls per episode, no runner can do better than
C / (k · latency) episodes per second; we run N episodes and print the measured rate over that bound
(target ≥ 0.9), plus our own CPU time per episode (this process and its sandboxes' supervisors are
what we spend; the scripted endpoint runs in a process of its own, like a model server would).

The default is 16 episodes per lane: a real run has thousands, so its start (every lane opening a
sandbox at once) and its end (lanes falling idle one by one as the last episodes finish) weigh little.
With a few episodes per lane those two dominate, and the ratio measures them instead (see --episodes).
The measured time is the whole run, start and end included.

    .venv/bin/python benchmarks/pipeline.py [--episodes 512] [--concurrency 32] [--latency-ms 200]
                                            [--drift-detector auto|rules|model]

First, a few episodes' model requests go through a recording proxy (:mod:`prefix_proxy`, in a process of
its own) that measures whether they stay friendly to a serving engine's prefix cache: ``prefix_reuse`` per
role is the share of requests, after each conversation's first, that begin with the whole of an earlier
request of that role (1.0 today; a change that rewrites earlier messages or the system prompt per turn
drops it). The timed run then talks to the endpoint directly. It also reports the endpoint's CPU and how
busy the whole machine was (``/proc/stat``): near 100 %, the ratio measures a CPU-bound machine, not the
runner. The machine's figure is the one to read: a session's namespaces and mounts, and every command's
process, cost the kernel more than any process is charged for (about 35 ms of machine CPU a session and
3 ms a command on a 2-core machine, against 12 and 0.3 that our processes' own times show).

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from isetrace.config import RunConfig, load_config
from isetrace.intents.stage import render_stage, sample_stage
from isetrace.llm.endpoints import open_endpoints
from isetrace.records import Episode, Intent
from isetrace.sandbox.bwrap import bwrap_problems
from isetrace.simulate.batch import simulate_all


def config_for(args: argparse.Namespace, home: Path, url: str, proxy: str | None = None) -> RunConfig:
    """Agent and user talk to the scripted endpoint in its own process, as they would to a model server:
    its CPU is not ours, and it does not share our event loop. With ``proxy``, their requests pass through
    the recording proxy, each role on its own path; the renderer's always go straight to the endpoint.

    The worlds are off: their errands (a ``pip install``, a clone and a push) take real seconds of tool time
    that no runner can hide, while the bound counts model latency alone; what is measured is the runner's
    own cost (``benchmarks/sandbox.py`` measures what the worlds add to a session)."""
    backend = "local" if bwrap_problems() else "bwrap"
    overrides = [f"sandbox.backend={backend}", f"sandbox.home={home}", f"run.concurrency={args.concurrency}",
                 f"intents.count={args.episodes}", "intents.seed=7", "simulate.date=2026-01-15",
                 *(f"worlds.{world}=false" for world in ("web", "git", "office", "packages")),
                 f"simulate.drift_detector={args.drift_detector}"]
    for role in ("agent", "user"):
        base_url = url if proxy is None else f"{proxy}/{role}/v1"
        overrides += [f"endpoints.{role}.provider=openai", f"endpoints.{role}.base_url={base_url}",
                      f"endpoints.{role}.concurrency=1000"]
    overrides += ["endpoints.renderer.provider=openai", f"endpoints.renderer.base_url={url}"]
    return load_config("offline", overrides, environ={})


def start_process(command: list[str], what: str) -> tuple[subprocess.Popen[str], str]:
    """A server in a process of its own (so the one measuring does not share its event loop or CPU): the
    process and the URL it says it listens on."""
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    line = server.stderr.readline()
    if "listening on" not in line:
        server.kill()
        raise SystemExit(f"{what} did not start: {line}")
    return server, line.rsplit(" ", 1)[-1].strip()


def start_server(latency_ms: int = 0) -> tuple[subprocess.Popen[str], str]:
    """The scripted endpoint in a process of its own: the process and its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return start_process([sys.executable, "-m", "isetrace", "scripted-llm", "serve", "--port", str(port),
                          "--latency-ms", str(latency_ms)], "the scripted endpoint")


def start_proxy(upstream: str) -> tuple[subprocess.Popen[str], str]:
    """The recording proxy of ``upstream`` in a process of its own: the process and its URL."""
    return start_process([sys.executable, str(Path(__file__).with_name("prefix_proxy.py")), "--upstream", upstream],
                         "the recording proxy")


REUSE_SAMPLE = 32
"""Episodes run through the recording proxy for the prefix-cache figure."""


def process_cpu_s(pid: int) -> float:
    """User and system CPU seconds another process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prefix_reuse(proxy: str, episodes: list[Episode]) -> dict[str, dict[str, float]]:
    """Per role: the proxy's counts and ``reuse``, the share of requests that continued an earlier one among
    those that should have (all but each conversation's first: an episode's for the agent, each intent's for
    the simulated user, who is a new conversation per intent)."""
    with urllib.request.urlopen(f"{proxy}/prefix-reuse", timeout=30) as reply:
        counts = json.load(reply)
    conversations = {"agent": len(episodes), "user": sum(len(e.intents) for e in episodes)}
    figures = {}
    for role, seen in counts.items():
        should = seen["requests"] - conversations[role]
        figures[role] = {**seen, "reuse": round(seen["continued"] / should, 4) if should > 0 else 1.0}
    return figures


async def make_intents(config: RunConfig) -> list[Intent]:
    async with open_endpoints(config, ["renderer"], environ={}) as endpoints:
        stage = await render_stage(config, endpoints["renderer"], sample_stage(config))
    return stage.kept


def machine_ticks() -> tuple[int, int, int]:
    """This machine's CPU time so far, in clock ticks over every core (``/proc/stat``): busy, all, and of
    the busy the kernel's (system, interrupts). Whole-machine, because much of a sandbox's cost is the
    kernel's (namespaces, mounts, and their teardown, which kernel threads finish after the session's
    processes are gone) and shows in no process's times."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    total = user + nice + system + idle + iowait + irq + softirq + steal
    return total - idle - iowait, total, system + irq + softirq


@dataclass
class Timed:
    """A timed batch of episodes: wall seconds, CPU seconds of this process and of its children (the
    sandboxes and what runs in them), and how late the event loop ran its callbacks."""

    episodes: list[Episode]
    wall: float
    own_cpu: float
    children_cpu: float
    loop_lag_ms: float
    """The mean delay of a callback scheduled every 10 ms: how busy this process's event loop was."""
    machine_busy: float
    """The share of the machine's CPU time that was busy while the episodes ran, whoever used it."""
    machine_kernel: float
    """The kernel's part of it."""

    @property
    def cpu(self) -> float:
        return self.own_cpu + self.children_cpu


async def _lag(samples: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        asked = loop.time()
        await asyncio.sleep(0.01)
        samples.append(loop.time() - asked - 0.01)


async def run(config: RunConfig, intents: list[Intent]) -> Timed:
    async with open_endpoints(config, ["agent", "user"], environ={}) as endpoints:
        cpu = time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        lags: list[float] = []
        monitor = asyncio.create_task(_lag(lags))
        machine = machine_ticks()
        started = time.perf_counter()
        episodes = await simulate_all(intents, config, endpoints, lambda _: None)
        wall = time.perf_counter() - started
        machine_after = machine_ticks()
        monitor.cancel()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, total, kernel = (b - a for a, b in zip(machine, machine_after, strict=True))
    return Timed(episodes, wall, time.process_time() - cpu,
                 after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime,
                 sum(lags) / max(1, len(lags)) * 1000, busy / max(1, total), kernel / max(1, total))


def model_calls(episode: Episode) -> int:
    """Sequential model calls of one episode: the recorded agent and user turns, plus the simulator's
    closing turn per intent (it ends the intent, so it is not a message of the conversation)."""
    recorded = sum(1 for m in episode.messages if m.meta is not None and m.meta.producer in ("agent", "user"))
    return recorded + len(episode.intents)


def observed_latencies(episodes: list[Episode]) -> list[float]:
    """What each recorded model call took as the client saw it (queueing and the server included)."""
    return [m.meta.latency_s for e in episodes for m in e.messages
            if m.meta is not None and m.meta.producer in ("agent", "user")]


def command_seconds(episodes: list[Episode]) -> float:
    """Mean seconds per episode that the agent's commands ran, each from its start to its exit as the
    sandbox's supervisor timed it (the tool results that ran a process: those with an exit code)."""
    total = sum(m.result.duration_s for e in episodes for m in e.messages
                if m.role == "tool" and m.result is not None and m.result.exit_code is not None)
    return total / max(1, len(episodes))


def tool_seconds(episodes: list[Episode]) -> float:
    """Mean seconds per episode spent running tool calls in the sandbox."""
    total = sum(m.meta.latency_s for e in episodes for m in e.messages if m.meta is not None and m.role == "tool")
    return total / max(1, len(episodes))


def mean_episode_seconds(episodes: list[Episode]) -> float:
    """How long an episode took, sandbox open to close, on average."""
    return sum((e.ended_at - e.started_at).total_seconds() for e in episodes) / max(1, len(episodes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=512)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--drift-detector", default="auto", choices=("auto", "rules", "model"),
                        help="simulate.drift_detector: the model (auto, with the embed extra) reads every user "
                             "turn, about 10-15 ms of CPU each; rules measures the runner without it")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ise-bench-", dir="/tmp"))
    home.chmod(0o755)
    server, url = start_server(args.latency_ms)
    proxy_process, proxy = start_proxy(url)
    try:
        config = config_for(args, home, url)
        intents = asyncio.run(make_intents(config))
        # the prefix-cache figure from a first few episodes through the proxy; the timed run goes direct, as
        # a real one would (the proxy's parsing would take CPU from the runner on a small machine)
        sample = asyncio.run(run(config_for(args, home, url, proxy), intents[:REUSE_SAMPLE]))
        reuse = prefix_reuse(proxy, sample.episodes)
        server_cpu = process_cpu_s(server.pid)
        timed = asyncio.run(run(config, intents))
        server_cpu = process_cpu_s(server.pid) - server_cpu
        episodes, wall, cpu = timed.episodes, timed.wall, timed.cpu
    finally:
        for process in (proxy_process, server):
            process.terminate()
            process.wait(timeout=10)
    calls = [model_calls(e) for e in episodes]
    latency = args.latency_ms / 1000.0
    # the bound: C lanes, each busy latency seconds per call; episodes are as long as their call chains
    model_s = latency * sum(calls) / len(calls)  # an episode's model latency
    bound_per_s = args.concurrency / model_s
    if len(episodes) < args.concurrency:  # fewer episodes than lanes: the longest chain bounds the run
        bound_per_s = len(episodes) / (latency * max(calls))
    measured_per_s = len(episodes) / wall
    ratio = measured_per_s / bound_per_s
    commands = command_seconds(episodes)
    # the same lanes, each also busy while its episode's commands run
    orchestration_bound_per_s = bound_per_s * model_s / (model_s + commands)
    orchestration = measured_per_s / orchestration_bound_per_s
    print(f"episodes {len(episodes)}, concurrency {args.concurrency}, latency {args.latency_ms} ms, "
          f"model calls per episode mean {sum(calls) / len(calls):.1f} (max {max(calls)})")
    print(f"measured {measured_per_s * 60:8.1f} episodes/min   bound {orchestration_bound_per_s * 60:8.1f} "
          f"episodes/min (model latency and {commands:.2f} s of commands per episode)   "
          f"orchestration = {orchestration:.3f} (target ≥ 0.9)")
    print(f"against model latency alone: bound {bound_per_s * 60:8.1f} episodes/min, measured/bound = {ratio:.3f}")
    seen = observed_latencies(episodes)
    observed = sum(seen) / len(seen)
    print(f"our CPU time per episode {cpu / len(episodes) * 1000:.1f} ms ({timed.own_cpu / len(episodes) * 1000:.1f} "
          f"in the runner's process, the rest in sandboxes; wall {wall:.1f} s); the runner's event loop ran "
          f"callbacks {timed.loop_lag_ms:.1f} ms late on average; "
          f"model call latency as the client saw it {observed * 1000:.0f} ms (nominal {args.latency_ms}); "
          f"tool time per episode {tool_seconds(episodes):.2f} s")
    cores = len(os.sched_getaffinity(0))
    busy = (cpu + server_cpu) / (wall * cores)
    print(f"the endpoint used {server_cpu / len(episodes) * 1000:.1f} ms of CPU per episode; with ours, "
          f"{busy:.0%} of this machine's {cores} cores; the whole machine was {timed.machine_busy:.0%} busy, "
          f"{timed.machine_kernel:.0%} in the kernel (near 100 %, the run is CPU-bound, not latency-bound)")
    episode_s = mean_episode_seconds(episodes)
    idle_s = args.concurrency * wall / len(episodes) - episode_s
    print(f"an episode takes {episode_s:.2f} s against {model_s:.2f} s of model latency; "
          f"lanes stand idle {idle_s:.2f} s per episode (while the first sandboxes start and the last "
          "episodes finish)")
    print("prefix-cache reuse (requests that begin with a whole earlier request of their role, target 1.0): "
          + ", ".join(f"{role} {f['reuse']:.3f} ({f['continued']} of {f['requests']} requests)"
                      for role, f in reuse.items()))
    print(json.dumps({"episodes": len(episodes), "concurrency": args.concurrency, "latency_ms": args.latency_ms,
                      "drift_detector": args.drift_detector,
                      "calls_per_episode": round(sum(calls) / len(calls), 2), "wall_s": round(wall, 3),
                      "episodes_per_min": round(measured_per_s * 60, 2), "bound_per_min": round(bound_per_s * 60, 2),
                      "orchestration": round(orchestration, 4),
                      "orchestration_bound_per_min": round(orchestration_bound_per_s * 60, 2),
                      "command_s_per_episode": round(commands, 3),
                      "ratio": round(ratio, 4), "cpu_ms_per_episode": round(cpu / len(episodes) * 1000, 2),
                      "runner_cpu_ms_per_episode": round(timed.own_cpu / len(episodes) * 1000, 2),
                      "loop_lag_ms": round(timed.loop_lag_ms, 2),
                      "observed_call_latency_ms": round(observed * 1000, 1),
                      "tool_s_per_episode": round(tool_seconds(episodes), 3), "episode_s": round(episode_s, 3),
                      "idle_lane_s_per_episode": round(idle_s, 3),
                      "endpoint_cpu_ms_per_episode": round(server_cpu / len(episodes) * 1000, 2),
                      "our_cpu_share": round(busy, 3), "machine_cpu_busy": round(timed.machine_busy, 3),
                      "machine_kernel_share": round(timed.machine_kernel, 3), "cores": cores,
                      "prefix_reuse": {role: f["reuse"] for role, f in reuse.items()},
                      "prefix_requests": {role: {k: v for k, v in f.items() if k != "reuse"}
                                          for role, f in reuse.items()}}))


if __name__ == "__main__":
    main()
