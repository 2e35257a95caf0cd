"""The agent played by the original OpenClaw runtime, inside the episode's own sandbox.

Under ``agent.runtime: openclaw`` the episode loop is the same — the simulated user delegates, the agent
takes a turn, the user sees the digest of what really ran — but a turn is one ``openclaw agent`` run in
the session (:mod:`isetrace.runtimes.openclaw_session`): OpenClaw asks the model with its own system
prompt and tools and runs every tool call itself, under the session's limits and isolation. After each
turn OpenClaw's own log of the session — the entries it keeps in its SQLite store, whole and unredacted
(its trajectory export redacts and cuts them) — is read from the last turn's point on
(:meth:`~isetrace.runtimes.openclaw_session.OpenClawSession.record_since`) and imported as a session log
is (:mod:`isetrace.importers.openclaw`); what the turn added becomes the turn's messages, as the native
runtime's would be.

What the episode records as *offered* comes from outside the session's reach. Each episode has its own
endpoint bridge, and the bridge keeps the body of the first model request that crosses it
(:class:`~isetrace.sandbox.endpoint_bridge.FirstRequest`): OpenClaw's, made before any tool call could
run, so it holds exactly the tools and the system prompt the model was given (OpenClaw's trajectory
export cuts both).
OpenClaw's record itself lives in the session, where the agent's own commands run as the same user, so
it is read as untrusted input: bounded, shape-checked, a malformed entry left out and counted.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isetrace.config import RunConfig
from isetrace.errors import ConfigError, EndpointError, SandboxUnavailable
from isetrace.importers.openclaw import read_openclaw_session
from isetrace.importers.report import ImportLimits, ImportReport
from isetrace.llm.client import ChatClient
from isetrace.llm.model import ChatModel
from isetrace.records import Intent, Message, MessageMeta
from isetrace.runtimes.openclaw_install import OpenClawInstall, default_runtime_dir, install_problems, locate_openclaw
from isetrace.runtimes.openclaw_session import OpenClawSession, OpenClawTurn, openclaw_sandbox_config
from isetrace.sandbox import Sandbox, SandboxHome, default_home
from isetrace.sandbox.endpoint_bridge import FirstRequest, endpoint_bridge
from isetrace.sandbox.opener import open_in_home
from isetrace.simulate.agent import AgentTurn, AgentTurnFailed
from isetrace.worlds.host import WorldHost
from isetrace.worlds.sessions import open_worlds, session_sandbox_config

__all__ = ["Offered", "OpenClawAgent", "offered_in", "open_openclaw_agent", "recorded_turn", "require_openclaw",
           "runtime_install", "skills_in_prompt"]



def runtime_install(config: RunConfig) -> OpenClawInstall:
    """The OpenClaw install ``config`` names (``agent.openclaw_dir``, else the default place)."""
    folder = config.agent.openclaw_dir
    return locate_openclaw(Path(folder) if folder else default_runtime_dir())


def require_openclaw(config: RunConfig) -> OpenClawInstall:
    """The install, once ``config`` is known to be able to run OpenClaw as the agent; a run checks this
    before its first episode. Raises :class:`ConfigError` saying what to change."""
    if config.sandbox.backend == "local":
        raise ConfigError("agent.runtime openclaw runs OpenClaw inside each session, which needs a sandbox with "
                          "a file system of its own: set sandbox.backend to bwrap or docker")
    if config.endpoint("agent").api_key_env:
        raise ConfigError("agent.runtime openclaw would hand the agent endpoint's API key to the session, where "
                          "the agent's own commands could read it; serve the model without a key (a local "
                          "vLLM, SGLang or llama.cpp server) for this runtime")
    install = runtime_install(config)
    problems = install_problems(install)
    if problems:
        raise ConfigError(f"agent.runtime openclaw: OpenClaw cannot run here: {'; '.join(problems)}")
    return install


_SKILL = re.compile(r"<skill>\s*<name>(.*?)</name>\s*<description>(.*?)</description>\s*"
                    r"<location>(.*?)</location>\s*</skill>", re.S)
_SKILL_SOURCES = (("/workspace/", "openclaw-workspace"), ("/opt/", "openclaw-bundled"))


def skills_in_prompt(prompt: str) -> list[dict[str, object]]:
    """The skills a system prompt lists in ``<available_skills>``, as OpenClaw's skill entries (``source``:
    ``openclaw-workspace``, ``openclaw-bundled`` for those shipped with OpenClaw, else ``openclaw-managed``)."""
    skills: list[dict[str, object]] = []
    for name, description, location in _SKILL.findall(prompt):
        path = html.unescape(location.strip())
        source = next((label for prefix, label in _SKILL_SOURCES if path.startswith(prefix)), "openclaw-managed")
        skills.append({"name": html.unescape(name.strip()), "description": html.unescape(description.strip()),
                       "filePath": path, "baseDir": path.rsplit("/", 1)[0], "source": source,
                       "disableModelInvocation": False})
    return skills


@dataclass
class Offered:
    """What OpenClaw offered the model, read from its first request; empty where that was not readable."""

    tools: list[dict[str, Any]] = field(default_factory=list)
    system_prompt: str | None = None
    problem: str = ""

    @property
    def skills(self) -> list[dict[str, object]]:
        return skills_in_prompt(self.system_prompt or "")


def offered_in(first: FirstRequest) -> Offered:
    """The tools and system prompt of the first request's body, their shapes checked."""
    if first.body is None:
        return Offered(problem=first.problem or "no model request crossed the bridge")
    try:
        body = json.loads(first.body)
    except ValueError as exc:
        return Offered(problem=f"the first request is not JSON ({exc})")
    if not isinstance(body, dict):
        return Offered(problem="the first request is not a JSON object")
    tools = body.get("tools", [])
    valid = isinstance(tools, list) and all(
        isinstance(t, dict) and isinstance(t.get("function"), dict) and isinstance(t["function"].get("name"), str)
        for t in tools)
    messages = body.get("messages")
    first_message = messages[0] if isinstance(messages, list) and messages else None
    prompt = None
    if isinstance(first_message, dict) and first_message.get("role") in ("system", "developer"):
        content = first_message.get("content")
        if isinstance(content, list):  # content parts: the text parts, in order
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        prompt = content if isinstance(content, str) else None
    problem = "" if valid else "the first request's tools are not a list of function schemas"
    return Offered(tools=tools if valid else [], system_prompt=prompt, problem=problem)


class OpenClawAgent:
    """Takes turns as :class:`~isetrace.simulate.agent.Agent` does, with OpenClaw acting in the session."""

    def __init__(self, session: OpenClawSession, first_request: FirstRequest, client: ChatModel, *,
                 turn_timeout_s: float, limits: ImportLimits | None = None) -> None:
        self.session = session
        self.first_request = first_request
        self.client = client
        self.turn_timeout_s = turn_timeout_s
        self.limits = limits or ImportLimits()
        self._cursor: dict[str, int] = {}
        self._reads = 0
        self._scratch = Path(tempfile.mkdtemp(prefix="ise-openclaw-"))
        """Where the records copied out of the session are read, on the host; removed by :meth:`close`."""
        self.worlds: WorldHost | None = None
        """The session's worlds, which OpenClaw's tools reach from inside it."""

    def close(self) -> None:
        shutil.rmtree(self._scratch, ignore_errors=True)

    @property
    def sandbox(self) -> Sandbox:
        return self.session.sandbox

    def offered(self) -> Offered:
        return offered_in(self.first_request)

    async def take_turn(self, conversation: Sequence[Message], step_budget: int | None = None) -> AgentTurn:
        """Send the conversation's last message (the user's) to OpenClaw; the turn is what its record added.

        OpenClaw runs its own loop, so ``step_budget`` is not enforced inside a turn (the episode's step
        limit still applies between turns). Raises :class:`AgentTurnFailed` — with what the record shows
        the turn did — when OpenClaw's run fails or its record cannot be read.
        """
        message = conversation[-1].content or ""
        turn = AgentTurn()
        try:
            ran = await self.session.turn(message, timeout_s=self.turn_timeout_s)
        except SandboxUnavailable as exc:
            raise AgentTurnFailed(turn, exc) from exc
        try:
            turn.messages = await self._recorded_since(message)
        except (SandboxUnavailable, OSError) as exc:
            raise AgentTurnFailed(turn, SandboxUnavailable(f"OpenClaw's record of the turn could not be read: "
                                                           f"{exc}")) from exc
        turn.steps = sum(1 for m in turn.messages if m.role == "assistant")
        failure = self._failure(ran)
        if failure is not None:
            raise AgentTurnFailed(turn, failure)
        return turn

    def _failure(self, ran: OpenClawTurn) -> EndpointError | SandboxUnavailable | None:
        if ran.timed_out:
            return SandboxUnavailable(f"OpenClaw's turn ran past agent.turn_timeout_s ({self.turn_timeout_s:g} s)")
        if ran.exit_code == 0 and ran.stop_reason not in ("error", "aborted"):
            return None
        said = ran.error or (ran.stderr.strip().splitlines() or ["no words"])[-1]
        return EndpointError(f"OpenClaw's turn failed (exit {ran.exit_code}, stop reason "
                             f"{ran.stop_reason or 'none'}): {said}", role="agent")

    async def _recorded_since(self, sent: str) -> list[Message]:
        """OpenClaw's log of the session since the last turn's read, as the turn's messages."""
        self._cursor, events = await self.session.record_since(self._cursor, max_bytes=self.limits.max_line_bytes)
        self._reads += 1
        log = self._scratch / f"turn-{self._reads}.jsonl"
        log.write_bytes(events)
        try:
            return recorded_turn(log, sent, self.client, self.limits)
        finally:
            log.unlink()


def recorded_turn(log: Path, sent: str, client: ChatModel, limits: ImportLimits | None = None) -> list[Message]:
    """The messages of one turn from OpenClaw's log of it (JSONL session entries, written to ``log``).

    The user's message is the episode's own (with who wrote it), so OpenClaw's copy of ``sent`` is left out;
    assistant messages say they came from ``client``'s endpoint and model. A turn whose log has a malformed
    entry would be a turn with a hole in it: raises :class:`SandboxUnavailable` naming the first one.
    """
    report = ImportReport()
    recorded = read_openclaw_session(log, report, limits)
    if report.skipped:
        first = report.skipped[0]
        raise SandboxUnavailable(f"{len(report.skipped)} malformed entries in OpenClaw's log of the turn "
                                 f"(entry {first.line}: {first.reason})")
    turn: list[Message] = []
    for message in recorded.messages if recorded is not None else []:
        if message.role == "user" and (message.content or "").strip() == sent.strip():
            sent = "\0"  # only the one copy
            continue
        if message.role == "assistant":
            usage = message.meta.usage if message.meta is not None else None
            model = message.meta.model if message.meta is not None and message.meta.model else client.model
            meta = MessageMeta(producer="agent", endpoint="agent", model=model, provenance=client.provenance,
                               **({"usage": usage} if usage else {}))
            message = message.model_copy(update={"meta": meta})
        turn.append(message)
    return turn


@contextlib.asynccontextmanager
async def open_openclaw_agent(config: RunConfig, client: ChatModel, session_id: str,
                              home: SandboxHome | None = None, *,
                              intents: Sequence[Intent] = ()) -> AsyncIterator[OpenClawAgent]:
    """A session with OpenClaw ready in it, reaching ``client``'s endpoint through a bridge of its own.

    The session and the bridge are closed on exit. Raises :class:`ConfigError` when the agent's model is not
    an HTTP endpoint or :func:`require_openclaw` refuses, and :class:`SandboxUnavailable` when the session
    cannot start.
    """
    if not isinstance(client, ChatClient):
        raise ConfigError("agent.runtime openclaw needs the agent's model at an HTTP endpoint")
    install = require_openclaw(config)
    home = home or SandboxHome(default_home(config.sandbox.home))
    first = FirstRequest()
    async with endpoint_bridge(client.base_url, first) as bridge:
        sandbox_config = openclaw_sandbox_config(session_sandbox_config(config), install, bridge.directory,
                                                 home.root)
        sandbox = await open_in_home(sandbox_config, home)
        try:
            async with open_worlds(sandbox, config, intents, session_id) as worlds:
                session = OpenClawSession(sandbox, install, model=client.model, session_id=session_id,
                                          context_window=config.agent.context_window,
                                          max_tokens=config.agent.max_tokens)
                await session.prepare()
                agent = OpenClawAgent(session, first, client, turn_timeout_s=config.agent.turn_timeout_s)
                agent.worlds = worlds
                try:
                    yield agent
                finally:
                    agent.close()
        finally:
            await sandbox.close()
