"""How long one agent turn takes on isetrace's own runtime and on the original OpenClaw, in one run.

The same user message goes to the scripted endpoint (one server per session, each in a process of its
own as a model server would be, so that each runtime's requests are counted apart), one fresh
conversation per turn, under:

- native: isetrace's runtime, an ``Agent`` with the openclaw dialect, in a bwrap session;
- openclaw: the original OpenClaw as isetrace runs it, one ``openclaw agent --local`` run per message
  (``OpenClawSession.turn``), in a bwrap session that reaches the endpoint through the endpoint bridge;
- gateway: the same OpenClaw long-lived: ``openclaw gateway run`` started once in a bwrap session of its
  own (no network; the gateway on the session's loopback, its config given ``gateway.mode: local``, a
  token and its HTTP chat endpoint), each message sent to it by ``openclaw agent`` without ``--local``;
- gateway-http: the same gateway, each message one POST to its OpenAI-compatible ``/v1/chat/completions``
  from a few lines of python3 in the session: what a turn costs the gateway without a CLI process.

Each runtime first takes one turn that is left out of the medians (its cold start: a fresh OpenClaw state
directory, the gateway's lazy loading), then --turns measured turns; the runtimes take their turns in
rounds, so that the machine's changing load weighs on all of them alike. Per runtime: the median turn in
seconds, the model requests the endpoint served per turn (the scripted policy's answers depend on the
whole request, so the runtimes' turns need not take the same number of steps), and the CPU seconds per
turn (this process plus every process of the session; the endpoint's are not counted). Ratios are
against native, plus what the gateway saves over ``agent --local``, with its start (to its
``[gateway] ready`` line) measured on its own and what a session of k messages costs either way. When the
gateway cannot run in the session its error is printed and the other runtimes are measured alone.

    .venv/bin/python benchmarks/openclaw_turn.py [--turns 3] [--quick]

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import secrets
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from isetrace.config import RunConfig, SandboxConfig, load_config
from isetrace.errors import SandboxUnavailable
from isetrace.llm.endpoints import open_endpoints
from isetrace.prompts import render_prompt
from isetrace.records import Message, MessageMeta
from isetrace.runtimes import locate_openclaw
from isetrace.runtimes.openclaw_install import OpenClawInstall, install_problems
from isetrace.runtimes.openclaw_session import HOME, PROFILE, OpenClawSession, openclaw_sandbox_config
from isetrace.sandbox import Sandbox, SandboxHome, open_sandbox
from isetrace.sandbox.bwrap import bwrap_problems
from isetrace.sandbox.endpoint_bridge import endpoint_bridge
from isetrace.sandbox.templates import remove_session_dir
from isetrace.simulate.agent import Agent, AgentTurnFailed
from isetrace.tools import ToolContext
from isetrace.tools.dialects import get_dialect
from pipeline import start_server  # benchmarks/pipeline.py: this folder is first on the path of a script

MESSAGE = "Save the numbers 4, 8 and 15 in numbers.csv, then tell me it is done."
MODEL = "scripted"
TURN_TIMEOUT_S = 300.0
GATEWAY_PORT = 18789
"""The gateway's port on its session's own loopback (the endpoint relay has another)."""
GATEWAY_START_TIMEOUT_S = 240.0
GATEWAY_READY = b"[gateway] ready"
SESSION_SIZES = (1, 3, 10)
"""User messages per session for which the cost of a whole session is printed."""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

HTTP_CLIENT = """
import json, os, sys, urllib.request
body = json.dumps({"model": "openclaw", "messages": [{"role": "user", "content": sys.argv[2]}]}).encode()
request = urllib.request.Request(sys.argv[1], data=body, headers={
    "Content-Type": "application/json", "Authorization": "Bearer " + os.environ["OPENCLAW_GATEWAY_TOKEN"],
    "x-openclaw-session-key": sys.argv[3]})
with urllib.request.urlopen(request, timeout=float(sys.argv[4])) as response:
    print(json.load(response)["choices"][0]["message"]["content"] or "")
"""
"""A chat completion through the gateway's HTTP endpoint, by the sandbox's own python3 (stdlib only)."""


class TurnFailed(Exception):
    """A turn that did not end with an answer: the benchmark has nothing to time."""


class GatewayFailed(Exception):
    """The gateway did not start or stopped answering: its variants are dropped, the others go on."""


@dataclass(frozen=True)
class Turn:
    seconds: float
    requests: int
    cpu_s: float


@dataclass
class Runtime:
    name: str
    first: Turn | None = None
    turns: list[Turn] = field(default_factory=list)

    @property
    def all_turns(self) -> list[Turn]:
        return [self.first, *self.turns] if self.first is not None else list(self.turns)

    def median(self, figure: str) -> float:
        return float(statistics.median(float(getattr(turn, figure)) for turn in self.turns))


def tail(text: bytes | str, lines: int = 6) -> str:
    said = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
    return " | ".join(said.strip().splitlines()[-lines:]) or "no output"


async def session_cpu_s(box: Sandbox) -> float:
    """CPU seconds every process of the session has used: the live ones' own and their reaped children's."""
    listed = await box.run(["sh", "-c", "cat /proc/[0-9]*/stat 2>/dev/null"], timeout_s=10)
    ticks = 0
    for line in listed.stdout.decode(errors="replace").splitlines():
        fields = line.rsplit(")", 1)[-1].split()  # after the command name: state, ppid, …
        if len(fields) > 14:
            ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / CLOCK_TICKS


async def session_resident_mb(box: Sandbox) -> float:
    listed = await box.run(["sh", "-c", "cat /proc/[0-9]*/status 2>/dev/null"], timeout_s=10)
    kb = sum(int(line.split()[1]) for line in listed.stdout.decode(errors="replace").splitlines()
             if line.startswith("VmRSS:"))
    return kb / 1024


class Meter:
    """What a turn costs: wall time, its endpoint's requests, CPU here and in the turn's session."""

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http

    async def served(self, url: str) -> int:
        """Requests the scripted endpoint at ``url`` (``…/v1``) has served."""
        async with self.http.get(url.removesuffix("/v1") + "/health") as response:
            return int((await response.json())["served"])

    async def measure(self, box: Sandbox, url: str, turn: Callable[[], Awaitable[None]]) -> Turn:
        requests = await self.served(url)
        cpu = time.process_time() + await session_cpu_s(box)
        started = time.perf_counter()
        await turn()
        seconds = time.perf_counter() - started
        cpu = time.process_time() + await session_cpu_s(box) - cpu
        return Turn(seconds, await self.served(url) - requests, cpu)


def run_config(home: Path, url: str) -> RunConfig:
    overrides = ["sandbox.backend=bwrap", f"sandbox.home={home}", "endpoints.agent.provider=openai",
                 f"endpoints.agent.base_url={url}", f"endpoints.agent.model={MODEL}",
                 "endpoints.agent.thinking=false"]  # as OpenClaw's model entry: no reasoning
    return load_config("offline", overrides, environ={})


def native_system_prompt(box: Sandbox) -> Message:
    dialect = get_dialect("openclaw")
    tools = [{"name": spec.name, "description": spec.description.split(". ")[0].rstrip(".") + "."}
             for spec in dialect.tools.values()]
    text = render_prompt("agent_system", workspace=box.info.workspace, date="2026-01-15", network=False,
                         tools=tools, agents_md="", skills_block="")
    return Message(role="system", content=text, meta=MessageMeta(producer="system"))


async def native_turn(agent: Agent, system: Message) -> None:
    user = Message(role="user", content=MESSAGE, meta=MessageMeta(producer="user"))
    try:
        turn = await agent.take_turn([system, user])
    except AgentTurnFailed as exc:
        raise TurnFailed(f"the native turn failed: {exc}") from None
    if not turn.reply:
        raise TurnFailed(f"the native turn gave no answer ({turn.steps} model calls, cut off: {turn.cut_off})")


async def openclaw_turn(box: Sandbox, install: OpenClawInstall, session_id: str) -> None:
    """One ``openclaw agent --local`` run in a new OpenClaw session (the config ``prepare`` wrote serves all)."""
    turn = await OpenClawSession(box, install, model=MODEL, session_id=session_id).turn(MESSAGE,
                                                                                       timeout_s=TURN_TIMEOUT_S)
    if turn.exit_code != 0 or turn.stop_reason != "stop" or not turn.reply:
        raise TurnFailed(f"openclaw agent --local exited {turn.exit_code}, stop reason {turn.stop_reason!r}: "
                         f"{tail(turn.stderr)}")


class Gateway:
    """``openclaw gateway run`` in one session, and the two ways a message reaches it."""

    def __init__(self, session: OpenClawSession) -> None:
        self.session = session
        self.box = session.sandbox
        self.token = secrets.token_hex(16)
        self.env = {**session.env, "OPENCLAW_GATEWAY_TOKEN": self.token}
        self.process = ""

    async def start(self) -> float:
        """Add the gateway to the session's OpenClaw config, start it, and wait for it to say it is ready;
        returns the seconds that took. Raises :class:`GatewayFailed` with what it said when it does not."""
        path = f"{HOME}/.openclaw-{PROFILE}/openclaw.json"
        config = json.loads(await self.box.read_file(path))
        config["gateway"] = {"mode": "local", "port": GATEWAY_PORT, "bind": "loopback",
                             "auth": {"mode": "token", "token": self.token},
                             "http": {"endpoints": {"chatCompletions": {"enabled": True}}}}
        await self.box.write_file(path, json.dumps(config).encode())
        started = time.perf_counter()
        self.process = await self.box.start([*self.session.cli, "gateway", "run"], env=self.env)
        out, err = bytearray(), bytearray()
        while time.perf_counter() - started < GATEWAY_START_TIMEOUT_S:
            status = await self.box.poll(self.process)
            out += status.stdout
            err += status.stderr
            if GATEWAY_READY in out:
                return time.perf_counter() - started
            if not status.running:
                raise GatewayFailed(f"'openclaw gateway run' exited {status.exit_code}: {tail(bytes(err + out))}")
            await asyncio.sleep(0.1)
        await self.box.kill(self.process)
        raise GatewayFailed(f"'openclaw gateway run' was not ready within {GATEWAY_START_TIMEOUT_S:g} s: "
                            f"{tail(bytes(err + out))}")

    async def _still_running(self) -> None:
        status = await self.box.poll(self.process)  # also drains its log
        if not status.running:
            raise GatewayFailed(f"the gateway stopped (exit code {status.exit_code}): "
                                f"{tail(status.stderr + status.stdout)}")

    async def cli_turn(self, session_id: str) -> None:
        argv = [*self.session.cli, "agent", "--session-id", session_id, "--message", MESSAGE, "--json"]
        result = await self.box.run(argv, env=self.env, timeout_s=TURN_TIMEOUT_S)
        await self._still_running()
        try:
            report = json.loads(result.stdout)
        except ValueError:
            report = {}
        meta = report.get("result", {}).get("meta", {}) if isinstance(report, dict) else {}
        if result.exit_code != 0 or report.get("status") != "ok" or not meta.get("finalAssistantVisibleText"):
            raise GatewayFailed(f"'openclaw agent' through the gateway exited {result.exit_code}: "
                                f"{tail(result.stderr + result.stdout)}")

    async def http_turn(self, session_key: str) -> None:
        url = f"http://127.0.0.1:{GATEWAY_PORT}/v1/chat/completions"
        argv = ["python3", "-I", "-c", HTTP_CLIENT, url, MESSAGE, session_key, str(TURN_TIMEOUT_S)]
        result = await self.box.run(argv, env=self.env, timeout_s=TURN_TIMEOUT_S + 10)
        await self._still_running()
        if result.exit_code != 0 or not result.stdout.strip():
            raise GatewayFailed(f"the gateway's chat completion failed (exit code {result.exit_code}): "
                                f"{tail(result.stderr)}")


async def opened(stack: AsyncExitStack, config: SandboxConfig, home: Path) -> Sandbox:
    box = await open_sandbox(config, SandboxHome(home))
    stack.push_async_callback(box.close)
    return box


@dataclass
class Results:
    runtimes: dict[str, Runtime]
    gateway_start: Turn | None = None
    """Wall and CPU seconds from ``openclaw gateway run`` to its ready line."""
    gateway_background: Turn | None = None
    """What the gateway's session did outside the turns: model requests and CPU seconds."""
    gateway_resident_mb: float | None = None
    gateway_error: str | None = None


async def measure(turns: int, urls: dict[str, str], home: Path, install: OpenClawInstall) -> Results:
    """The turns, in rounds. Each session has a scripted endpoint of its own (``urls``), so that a request
    the gateway makes between turns is not counted in another runtime's turn."""
    config = run_config(home, urls["native"])
    results = Results({name: Runtime(name) for name in ("native", "openclaw", "gateway", "gateway-http")})
    async with AsyncExitStack() as stack:
        meter = Meter(await stack.enter_async_context(aiohttp.ClientSession()))
        endpoints = await stack.enter_async_context(open_endpoints(config, ["agent"], environ={}))
        native_box = await opened(stack, config.sandbox, home)
        agent = Agent(endpoints["agent"], get_dialect("openclaw"), ToolContext.for_run(native_box, config, {}),
                      max_turn_steps=config.simulate.max_turn_steps)
        system = native_system_prompt(native_box)
        boxes = {}
        for name in ("openclaw", "gateway"):
            bridge = await stack.enter_async_context(endpoint_bridge(urls[name]))
            boxes[name] = await opened(stack, openclaw_sandbox_config(config.sandbox, install, bridge.directory, home),
                                       home)
            await OpenClawSession(boxes[name], install, model=MODEL, session_id="prepare").prepare()
        gateway_box = boxes["gateway"]
        gateway = Gateway(OpenClawSession(gateway_box, install, model=MODEL, session_id="prepare"))
        plans: dict[str, tuple[Sandbox, str, Callable[[int], Awaitable[None]]]] = {
            "native": (native_box, urls["native"], lambda n: native_turn(agent, system)),
            "openclaw": (boxes["openclaw"], urls["openclaw"],
                         lambda n: openclaw_turn(boxes["openclaw"], install, f"local-{n}")),
            "gateway": (gateway_box, urls["gateway"], lambda n: gateway.cli_turn(f"gateway-{n}")),
            "gateway-http": (gateway_box, urls["gateway"], lambda n: gateway.http_turn(f"bench-http-{n}")),
        }
        gateway_cpu = await session_cpu_s(gateway_box)
        try:
            seconds = await gateway.start()
            results.gateway_start = Turn(seconds, await meter.served(urls["gateway"]),
                                         await session_cpu_s(gateway_box) - gateway_cpu)
        except GatewayFailed as exc:
            results.gateway_error = str(exc)
        for n in range(turns + 1):  # round 0: the first turns, left out of the medians
            for name, (box, url, turn) in plans.items():
                if name.startswith("gateway") and results.gateway_error is not None:
                    continue
                try:
                    taken = await meter.measure(box, url, functools.partial(turn, n))
                except GatewayFailed as exc:
                    results.gateway_error = str(exc)
                    continue
                runtime = results.runtimes[name]
                if n == 0:
                    runtime.first = taken
                else:
                    runtime.turns.append(taken)
                print(f"  round {n} {name:<12} {taken.seconds:6.2f} s  {taken.requests:2d} requests  "
                      f"CPU {taken.cpu_s:5.2f} s", flush=True)
        if results.gateway_error is None and results.gateway_start is not None:
            results.gateway_resident_mb = await session_resident_mb(gateway_box)
            start = results.gateway_start
            measured = [start, *(t for name in ("gateway", "gateway-http") for t in results.runtimes[name].all_turns)]
            results.gateway_background = Turn(
                0.0, await meter.served(urls["gateway"]) - sum(t.requests for t in measured),
                await session_cpu_s(gateway_box) - gateway_cpu - sum(t.cpu_s for t in measured))
    return results


def session_cost(runtime: Runtime, start: Turn, messages: int) -> Turn:
    """What a session of ``messages`` user messages costs a runtime: its start, its first turn, then median
    turns (wall and CPU seconds; requests are left out)."""
    assert runtime.first is not None
    return Turn(start.seconds + runtime.first.seconds + (messages - 1) * runtime.median("seconds"), 0,
                start.cpu_s + runtime.first.cpu_s + (messages - 1) * runtime.median("cpu_s"))


def report(results: Results, turns: int) -> None:
    measured = {name: r for name, r in results.runtimes.items() if r.turns and r.first is not None}
    native = measured["native"].median("seconds")
    figures: dict[str, object] = {"message": MESSAGE, "turns": turns}
    print(f"one turn of {MESSAGE!r} on the scripted endpoint: a first turn, then the median of {turns}")
    for name, runtime in measured.items():
        assert runtime.first is not None
        seconds, key = runtime.median("seconds"), name.replace("-", "_")
        ratio = f"   {name}/native = {seconds / native:5.1f}" if name != "native" else ""
        print(f"{name:<13} first {runtime.first.seconds:6.2f} s   median {seconds:6.2f} s   "
              f"requests/turn {runtime.median('requests'):4.1f}   CPU/turn {runtime.median('cpu_s'):6.2f} s{ratio}")
        figures |= {f"{key}_turn_s": round(seconds, 3), f"{key}_first_s": round(runtime.first.seconds, 3),
                    f"{key}_turns_s": [round(t.seconds, 3) for t in runtime.turns],
                    f"{key}_requests": runtime.median("requests"), f"{key}_cpu_s": round(runtime.median("cpu_s"), 3)}
        if name != "native":
            figures[f"{key}_over_native"] = round(seconds / native, 2)
    if results.gateway_error is not None:
        print(f"the gateway could not be measured: {results.gateway_error}")
        figures["gateway_error"] = results.gateway_error
    if results.gateway_error is not None or results.gateway_start is None:
        print(json.dumps(figures))
        return
    local, gateway, start = measured["openclaw"], measured["gateway"], results.gateway_start
    over_cli = local.median("seconds") / gateway.median("seconds")
    over_http = local.median("seconds") / measured["gateway-http"].median("seconds")
    background = results.gateway_background or Turn(0.0, 0, 0.0)
    print(f"gateway start {start.seconds:.2f} s to ready (CPU {start.cpu_s:.1f} s, {start.requests} model requests); "
          f"{results.gateway_resident_mb:.0f} MB resident in its session after the turns; outside the turns it "
          f"made {background.requests} model requests and used {background.cpu_s:.1f} s of CPU")
    print(f"agent --local / through the gateway = {over_cli:.2f} (openclaw agent), {over_http:.2f} (HTTP)")
    sessions = {k: (session_cost(local, Turn(0.0, 0, 0.0), k), session_cost(gateway, start, k)) for k in SESSION_SIZES}
    for k, (one_shot, long_lived) in sessions.items():
        print(f"a session of {k:2d} messages: agent --local {one_shot.seconds:6.1f} s (CPU {one_shot.cpu_s:6.1f} s)   "
              f"gateway, its start included {long_lived.seconds:6.1f} s (CPU {long_lived.cpu_s:6.1f} s)")
    even = next((k for k in range(1, 101)
                 if session_cost(gateway, start, k).seconds <= session_cost(local, Turn(0.0, 0, 0.0), k).seconds), None)
    print(f"the gateway pays for its start from {even} messages per session" if even else
          "the gateway does not pay for its start within 100 messages per session")
    figures |= {"openclaw_over_gateway": round(over_cli, 2), "openclaw_over_gateway_http": round(over_http, 2),
                "gateway_start_s": round(start.seconds, 2), "gateway_start_cpu_s": round(start.cpu_s, 2),
                "gateway_background_requests": background.requests,
                "gateway_background_cpu_s": round(background.cpu_s, 2),
                "gateway_resident_mb": round(results.gateway_resident_mb or 0.0),
                "session_s": {str(k): {"openclaw": round(a.seconds, 1), "gateway": round(b.seconds, 1)}
                              for k, (a, b) in sessions.items()},
                "session_cpu_s": {str(k): {"openclaw": round(a.cpu_s, 1), "gateway": round(b.cpu_s, 1)}
                                  for k, (a, b) in sessions.items()},
                "gateway_break_even_messages": even}
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=3, help="measured turns per runtime, after a first one")
    parser.add_argument("--quick", action="store_true", help="one measured turn per runtime")
    args = parser.parse_args()
    turns = 1 if args.quick else args.turns
    if turns < 1:
        raise SystemExit("--turns must be at least 1")
    problems = bwrap_problems()
    if problems:
        raise SystemExit("bwrap cannot run here: " + "; ".join(problems))
    install = locate_openclaw()
    problems = install_problems(install)
    if problems:
        raise SystemExit("OpenClaw cannot run here: " + "; ".join(problems))
    home = Path(tempfile.mkdtemp(prefix="ise-bench-", dir="/tmp"))
    home.chmod(0o755)
    servers: list[subprocess.Popen[str]] = []
    try:
        urls = {}
        for name in ("native", "openclaw", "gateway"):
            server, urls[name] = start_server()
            servers.append(server)
        results = asyncio.run(measure(turns, urls, home, install))
    except (TurnFailed, SandboxUnavailable) as exc:
        raise SystemExit(f"the benchmark could not run a turn: {exc}") from None
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        sessions = home / "sessions"
        for session in sessions.iterdir() if sessions.is_dir() else ():
            remove_session_dir(session)
        remove_session_dir(home)
    report(results, turns)


if __name__ == "__main__":
    main()
