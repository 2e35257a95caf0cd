"""The original OpenClaw runtime inside one sandbox session: its mounts, its config, one agent turn.

OpenClaw runs where the agent's tool calls must run: inside the session, under the session's limits and
isolation, with its state in the session's home and its workspace the session's workspace. What it needs
from the host comes in read-only (``sandbox.mounts``): Node.js, the installed OpenClaw, and the endpoint
bridge's socket directory (:mod:`isetrace.sandbox.endpoint_bridge`), through which, and only through
which, it reaches the agent's model while the network is off. Each user message is one
``openclaw agent --local`` run in a named OpenClaw session, as the original recipe sent them; OpenClaw
keeps the history between runs in its own state.

V8 reserves far more address space than it uses, so a session running OpenClaw cannot have an address
space limit (``sandbox.limits.memory_mb``): :func:`openclaw_sandbox_config` lifts it; the session's
memory is then bounded by its cgroup where the machine has one.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isetrace.config import SandboxConfig
from isetrace.errors import SandboxUnavailable
from isetrace.runtimes.openclaw_install import OpenClawInstall, install_problems
from isetrace.sandbox.base import Sandbox
from isetrace.sandbox.endpoint_bridge import SOCKET_NAME, relay_argv

__all__ = ["ENDPOINT_MOUNT", "HOME", "OpenClawSession", "OpenClawTurn", "openclaw_sandbox_config", "staged_runtime"]

NODE_MOUNT = "/opt/ise/node"
OPENCLAW_MOUNT = "/opt/ise/openclaw"
ENDPOINT_MOUNT = "/mnt/ise-endpoint"
RELAY_PORT = 18431
"""The port of the relay on the session's own loopback (nothing else listens there)."""
PROFILE = "ise"
HOME = "/home/agent"
PROVIDER = "ise"


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links refused: a copy does the same
        shutil.copy2(source, target)


def staged_runtime(install: OpenClawInstall, home_root: Path) -> tuple[Path, Path]:
    """Node.js and OpenClaw where session users can reach them: ``(node dir, OpenClaw prefix)``.

    Mounts are made as the session's own user, which cannot traverse a checkout of mode 0700, so the
    install is staged once per version under the sandbox home (which session users can traverse, or no
    session starts): hard links where the file system allows, copies where not. A half-made staging is
    never used; a finished one is reused by every run.
    """
    assert install.node is not None and install.version is not None
    target = home_root / "runtimes" / f"openclaw-{install.version}"
    if not (target / ".staged").is_file():
        building = target.with_name(f"{target.name}.tmp-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        for folder in (target.parent, building):
            folder.chmod(0o755)
        shutil.copytree(install.node.resolve().parent.parent, building / "node", symlinks=True,
                        copy_function=_link_or_copy)
        shutil.copytree(install.runtime_dir, building / "openclaw", symlinks=True, copy_function=_link_or_copy)
        (building / ".staged").touch()
        try:
            building.rename(target)
        except OSError:  # another run staged it first
            shutil.rmtree(building, ignore_errors=True)
    return target / "node", target / "openclaw"


def openclaw_sandbox_config(config: SandboxConfig, install: OpenClawInstall, bridge_dir: Path,
                            home_root: Path) -> SandboxConfig:
    """``config`` with what OpenClaw needs: Node.js, OpenClaw (staged under ``home_root``) and the bridge
    mounted, no address-space cap.

    Raises :class:`SandboxUnavailable` with the install's problems when OpenClaw cannot run here.
    """
    problems = install_problems(install)
    if problems or install.node is None:
        raise SandboxUnavailable("the OpenClaw runtime cannot run: " + "; ".join(problems))
    node_dir, openclaw_dir = staged_runtime(install, home_root)
    mounts = [*config.mounts,
              {"source": str(node_dir), "target": NODE_MOUNT},
              {"source": str(openclaw_dir), "target": OPENCLAW_MOUNT},
              {"source": str(bridge_dir), "target": ENDPOINT_MOUNT}]
    limits = config.limits.model_copy(update={"memory_mb": None})
    return SandboxConfig.model_validate({**config.model_dump(), "mounts": mounts, "limits": limits.model_dump()})


@dataclass(frozen=True)
class OpenClawTurn:
    """One ``openclaw agent`` run: what it answered, and its whole ``--json`` report.

    ``error`` is the report's own account of a failed run (``meta.error.message``), '' when it has none;
    ``timed_out``: the run was stopped at its time limit.
    """

    exit_code: int
    reply: str
    stop_reason: str
    report: dict[str, Any]
    stderr: str
    timed_out: bool = False
    error: str = ""


class OpenClawSession:
    """OpenClaw in one sandbox session: :meth:`prepare` once, then :meth:`turn` per user message."""

    def __init__(self, sandbox: Sandbox, install: OpenClawInstall, *, model: str, session_id: str,
                 context_window: int = 32_768, max_tokens: int = 4_096) -> None:
        assert install.entry is not None, "a checked install has its CLI script"
        self.sandbox = sandbox
        self.session_id = session_id
        self.version = install.version or ""
        self._entry = f"{OPENCLAW_MOUNT}/{install.entry.relative_to(install.runtime_dir)}"
        self._config = {
            "models": {"providers": {PROVIDER: {
                "baseUrl": f"http://127.0.0.1:{RELAY_PORT}/v1", "apiKey": "not-needed", "api": "openai-completions",
                "models": [{"id": model, "name": model, "reasoning": False, "input": ["text"],
                            "contextWindow": context_window, "maxTokens": max_tokens}]}}},
            "agents": {"defaults": {"workspace": sandbox.info.workspace, "model": {"primary": f"{PROVIDER}/{model}"}}},
        }

    @property
    def env(self) -> dict[str, str]:
        return {"HOME": HOME, "PATH": f"{NODE_MOUNT}/bin:/usr/bin:/bin"}

    @property
    def cli(self) -> list[str]:
        """The start of every OpenClaw command in the session: node, the CLI script, the profile."""
        return ["node", self._entry, "--profile", PROFILE]

    @property
    def session_key(self) -> str:
        """The key OpenClaw files the session under (``--session-id S`` in the default agent)."""
        return f"agent:main:explicit:{self.session_id}"

    async def prepare(self) -> None:
        """Start the endpoint relay and write OpenClaw's config into the session's home."""
        await self.sandbox.start(relay_argv(f"{ENDPOINT_MOUNT}/{SOCKET_NAME}", RELAY_PORT))
        folder = f"{HOME}/.openclaw-{PROFILE}"
        written = await self.sandbox.run(["sh", "-c", f"mkdir -p {folder} && cat > {folder}/openclaw.json"],
                                         stdin=json.dumps(self._config).encode(), timeout_s=10)
        if written.exit_code != 0:
            raise SandboxUnavailable(f"could not write OpenClaw's config: {written.stderr.decode(errors='replace')}")

    async def turn(self, message: str, *, timeout_s: float) -> OpenClawTurn:
        """Send ``message`` as the user's next message and run the agent until it answers."""
        argv = [*self.cli, "agent", "--local", "--session-id", self.session_id, "--message", message, "--json"]
        result = await self.sandbox.run(argv, env=self.env, timeout_s=timeout_s)
        report = _json_object(result.stdout.decode("utf-8", errors="replace"))
        meta = report.get("meta") if isinstance(report.get("meta"), dict) else {}
        assert isinstance(meta, dict)
        reply, stop, error = meta.get("finalAssistantVisibleText"), meta.get("stopReason"), meta.get("error")
        said = error.get("message") if isinstance(error, dict) else error
        return OpenClawTurn(result.exit_code, reply if isinstance(reply, str) else "",
                            stop if isinstance(stop, str) else "", report,
                            result.stderr.decode("utf-8", errors="replace")[-4000:], result.timed_out,
                            said[:1000] if isinstance(said, str) else "")

    async def record_since(self, cursor: dict[str, int], *, max_bytes: int,
                           timeout_s: float = 120.0) -> tuple[dict[str, int], bytes]:
        """OpenClaw's log of this session after ``cursor`` (``{}``: from the start): the new cursor, and the
        events as JSONL (OpenClaw's session-log entries). Raises :class:`SandboxUnavailable` when it cannot
        be read or is over ``max_bytes``."""
        argv = ["node", "-e", RECORD_SOURCE, AGENT_DATABASE, self.session_key, json.dumps(cursor), RECORD_FILE]
        made = await self.sandbox.run(argv, env=self.env, timeout_s=timeout_s)
        if not made.ok:
            said = made.stderr.decode("utf-8", errors="replace").strip().splitlines() or ["no words"]
            raise SandboxUnavailable(f"OpenClaw's record could not be read (exit {made.exit_code}): {said[-1][:300]}")
        data = await self.sandbox.read_file(RECORD_FILE, max_bytes=max_bytes + 1)
        if len(data) > max_bytes:
            raise SandboxUnavailable(f"OpenClaw's record of the turn is over {max_bytes} bytes; not read")
        head, _, events = data.partition(b"\n")
        return _cursor(head), events


RECORD_SOURCE = """
const { DatabaseSync } = require("node:sqlite");
const zlib = require("node:zlib");
const fs = require("node:fs");
const [file, key, cursorText, output] = process.argv.slice(1);
const cursor = JSON.parse(cursorText);
const db = new DatabaseSync(file, { readOnly: true });
const windows = db.prepare(
  "SELECT session_id FROM session_windows WHERE session_key = ? ORDER BY created_at, rowid").all(key);
const lines = [];
for (const { session_id } of windows) {
  const rows = db.prepare("SELECT seq, event_json, event_zstd FROM transcript_events " +
                          "WHERE session_id = ? AND seq > ? ORDER BY seq");
  for (const row of rows.iterate(session_id, cursor[session_id] ?? -1)) {
    const text = row.event_json ?? zlib.zstdDecompressSync(row.event_zstd).toString("utf8");
    lines.push(JSON.stringify(JSON.parse(text)));
    cursor[session_id] = row.seq;
  }
}
fs.writeFileSync(output, [JSON.stringify(cursor), ...lines].join("\\n") + "\\n");
"""
"""Writes the session's transcript events after a cursor (``{window id: last seq}``) to a file: the new
cursor on the first line, then one event per line — OpenClaw's session log, whole and unredacted, from the
SQLite store it keeps them in (Node.js has SQLite and zstd built in)."""
RECORD_FILE = f"{HOME}/.ise-record.jsonl"
AGENT_DATABASE = f"{HOME}/.openclaw-{PROFILE}/agents/main/agent/openclaw-agent.sqlite"


def _cursor(line: bytes) -> dict[str, int]:
    """The record's cursor line, its shape checked (it comes out of the session)."""
    try:
        cursor = json.loads(line)
    except ValueError:
        cursor = None
    if not isinstance(cursor, dict) or not all(isinstance(k, str) and type(v) is int for k, v in cursor.items()):
        raise SandboxUnavailable("OpenClaw's record does not start with a cursor of window ids and sequence numbers")
    return cursor


def _json_object(text: str) -> dict[str, Any]:
    """The ``--json`` report: the last top-level JSON object of the output ({} when there is none)."""
    start = text.find("{")
    while start >= 0:
        try:
            value = json.loads(text[start:])
        except ValueError:
            start = text.find("\n{", start + 1)
            start = start + 1 if start >= 0 else -1
            continue
        return value if isinstance(value, dict) else {}
    return {}
