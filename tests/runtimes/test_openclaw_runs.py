"""Runs whose agent is the original OpenClaw runtime, inside bwrap sessions, on the scripted endpoint.

Slow: each agent turn is one OpenClaw CLI run (most of half a minute on two cores), and only where
OpenClaw is installed (``make install-openclaw``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from tests.chat_server import serving
from tests.pipeline.test_run import finish, ise_run
from tests.runtimes.installed import HERE, needs_openclaw
from tests.sandbox.backends import needs_bwrap

from isetrace.config import load_config
from isetrace.export.openai import to_ise_openai
from isetrace.jsonl import load_jsonl
from isetrace.records import Episode, Intent, Termination
from isetrace.simulate.episode import run_episode
from isetrace_scripted import sse

pytestmark = [needs_bwrap, needs_openclaw, pytest.mark.slow]

TWO_INTENTS = [
    {"id": "oc-1", "natural_language_intent": "Here are this week's parcel counts:\n```csv\ndepot,parcels\n"
     "Porto,412\nBraga,230\n```\nSave them as parcels.csv. Then write a Python script that prints the total.",
     "domains": ["file-io", "code-runtime"], "tasks": ["convert-format", "write-script"], "complexity": "simple"},
    {"id": "oc-2", "natural_language_intent": "Write notes.md with three short bullet points on why we keep "
     "backups. Then list the workspace so I can see it is there.",
     "domains": ["file-io"], "tasks": ["write-document"], "complexity": "simple"},
]


def openclaw_cli_runs() -> set[str]:
    """The process ids of the OpenClaw agent turns running on this machine right now; each turn is a new
    process, so a new id is a new turn."""
    found = subprocess.run(["pgrep", "-f", "openclaw.mjs --profile ise agent --local"], capture_output=True, text=True)
    return set(found.stdout.split())


def wait_for_a_later_turn(process: subprocess.Popen[str], timeout: float) -> None:
    """Returns once an OpenClaw turn runs that is not the first one seen (or the run has ended).

    Turns are told apart by their process ids, not by the gap between them: on a fast machine the gap
    between two turns is shorter than a poll, so waiting for "no turn running" can miss it."""
    deadline = time.monotonic() + timeout
    first: set[str] = set()
    while time.monotonic() < deadline and process.poll() is None:
        running = openclaw_cli_runs()
        if running and (not first or running & first):
            first |= running  # still the first turn (its processes may start one after another)
        elif running:
            return
        time.sleep(0.1)
    if process.poll() is None:
        raise AssertionError(f"gave up waiting after {timeout} s for a second OpenClaw turn")


def test_a_two_intent_session_killed_mid_turn_resumes_and_records_what_openclaw_really_did(
        tmp_path: Path, sandbox_home: Path) -> None:
    intents = tmp_path / "intents.jsonl"
    intents.write_text("".join(json.dumps(i) + "\n" for i in TWO_INTENTS))
    run_dir = tmp_path / "run"
    settings = ["-c", "agent.runtime=openclaw", "-c", f"agent.openclaw_dir={HERE.runtime_dir}",
                "-c", f"intents.file={intents}", "-c", "simulate.mode=multi", "-c", "run.exports=[ise-openai]"]
    process = ise_run(run_dir, sandbox_home, *settings)
    wait_for_a_later_turn(process, 480)  # the first turn ran and a later one is under way
    assert process.poll() is None, finish(process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (run_dir / "episodes.jsonl").exists() or not (run_dir / "episodes.jsonl").read_text()

    code, out, err = finish(ise_run(run_dir, sandbox_home, resume=True), timeout=900)
    assert code == 0, err
    episodes, errors = load_jsonl(run_dir / "episodes.jsonl", Episode)
    assert errors == [] and len(episodes) == 1, out
    episode = episodes[0]
    assert episode.termination is Termination.SUCCESS, episode.termination_detail
    assert [i.id for i in episode.intents] == ["oc-1", "oc-2"]
    assert episode.runtime == "openclaw" and episode.runtime_version == HERE.version

    # what OpenClaw offered: its own tools, its system prompt, the skills that prompt lists
    names = {t["function"]["name"] for t in episode.tools}
    assert {"exec", "read", "write", "edit"} <= names and "memory_search" not in names
    system = episode.messages[0]
    assert system.role == "system" and "running inside OpenClaw" in (system.content or "")
    assert {"data-report", "python-script"} <= {s["name"] for s in episode.skills}

    # every tool call ran in the session: a file written by one call is read by a later one, exit codes kept
    calls = {c.id: c for m in episode.messages for c in m.tool_calls}
    results = [m for m in episode.messages if m.role == "tool"]
    assert results and all(m.tool_call_id in calls for m in results)
    written = {calls[m.tool_call_id].arguments["path"] for m in results  # type: ignore[index]
               if calls[m.tool_call_id].name == "write" and m.result is not None and m.result.ok}
    assert "parcels.csv" in written and "notes.md" in written
    commands = [(calls[m.tool_call_id].arguments or {}).get("command", "") for m in results
                if calls[m.tool_call_id].name == "exec"]
    exit_codes = [m.result.exit_code for m in results if calls[m.tool_call_id].name == "exec" and m.result]
    assert commands and all(isinstance(code, int) for code in exit_codes)
    assert any(m.role == "tool" and "642" in (m.content or "") for m in episode.messages)  # 412 + 230, computed
    user_turns = [m for m in episode.messages if m.role == "user"]
    assert len(user_turns) >= 4 and all(m.meta is not None and m.meta.producer == "user" for m in user_turns)

    row = json.loads((run_dir / "exports" / "ise-openai.jsonl").read_text().splitlines()[0])
    assert row == to_ise_openai(episode) and row["status"] == "completed"
    assert row["metadata"]["runtime"] == {"name": "openclaw", "version": HERE.version}
    assert row["metadata"]["session"]["systemPromptReport"]["source"] == "run"
    assert [t["function"]["name"] for t in row["tools"]] == [t["function"]["name"] for t in episode.tools]


PROBE = """
cat {secret} >/dev/null 2>&1 && echo "host file: read" || echo "host file: out of reach"
python3 -c "import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3)" 2>/dev/null \
  && echo "host port: connected" || echo "host port: out of reach"
python3 -c "import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)" 2>/dev/null \
  && echo "internet: connected" || echo "internet: out of reach"
touch /opt/ise/openclaw/planted 2>/dev/null && echo "runtime: written" || echo "runtime: read-only"
echo "uid: $(id -u)"
"""


@pytest.fixture
async def probe_endpoint(tmp_path: Path) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A model endpoint at the outside boundary that always asks for one ``exec`` of the probes, then says
    it is done; it streams as OpenClaw asks. Yields its base URL and the request bodies it received."""
    secret = tmp_path / "host-secret.txt"
    secret.write_text("the host's own secret\n")
    received: list[dict[str, Any]] = []
    port_box: list[int] = []

    async def complete(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        received.append(body)
        if any(m["role"] == "tool" for m in body["messages"]):  # the probes ran: say so, once
            message: dict[str, Any] = {"role": "assistant", "content": "The checks ran."}
            finish_reason = "stop"
        else:
            command = PROBE.format(secret=secret, port=port_box[0])
            message = {"role": "assistant", "content": None, "tool_calls": [{
                "id": f"call_{len(received)}", "type": "function",
                "function": {"name": "exec", "arguments": json.dumps({"command": command})}}]}
            finish_reason = "tool_calls"
        completion = {"id": f"probe-{len(received)}", "object": "chat.completion", "created": 0, "model": "probe",
                      "system_fingerprint": "probe", "choices": [{"index": 0, "message": message,
                                                                  "finish_reason": finish_reason}],
                      "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        if not body.get("stream"):
            return web.json_response(completion)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        for chunk in sse.chunks(completion, include_usage=usage):
            await response.write(sse.event(chunk))
        await response.write(sse.DONE)
        await response.write_eof()
        return response

    async with serving(complete) as url:
        port_box.append(urlsplit(url).port or 0)
        yield url, received


async def test_from_inside_an_openclaw_exec_the_host_stays_out_of_reach(
        probe_endpoint: tuple[str, list[dict[str, Any]]], sandbox_home: Path) -> None:
    url, received = probe_endpoint
    config = load_config("offline", [
        "agent.runtime=openclaw", f"agent.openclaw_dir={HERE.runtime_dir}", "simulate.mode=query",
        f"sandbox.home={sandbox_home}", "sandbox.backend=bwrap", "endpoints.agent.provider=openai",
        f"endpoints.agent.base_url={url}", "endpoints.agent.model=probe"], environ={})
    intent = Intent(id="probe", natural_language_intent="Run the machine checks.")
    episode = await run_episode([intent], config)
    assert episode.termination is Termination.SUCCESS, episode.termination_detail
    outputs = [m.content or "" for m in episode.messages if m.role == "tool"]
    assert len(outputs) == 1 and len(received) >= 2, outputs
    assert "uid: " in outputs[0]  # the probes really ran, in the session
    for line in ("host file: out of reach", "host port: out of reach", "internet: out of reach",
                 "runtime: read-only"):
        assert line in outputs[0], outputs[0]
    # what the episode says was offered is the first request's, byte for byte
    first = received[0]
    assert episode.tools == first["tools"] and episode.messages[0].content == first["messages"][0]["content"]
