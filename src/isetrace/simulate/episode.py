"""One episode, top to bottom: USER ↔ AGENT ↔ SANDBOX until the work is done or cannot be.

    open sandbox → system prompt → for each intent of the session:
        USER: the simulator's next turn (drift-checked, verification enforced)
          └ completed? → that intent ends (success, or failure judged by the user); its checks run
        AGENT: one turn; every tool call runs in the SANDBOX; the digest goes back to the USER
    → the appended question or a query from the pool, if any → checks of intents not yet checked →
    close the sandbox → the Episode, with why it ended and whether its work is verified

The agent is isetrace's own runtime or, with ``agent.runtime: openclaw``, OpenClaw itself in the session
(:mod:`.openclaw_agent`); verdicts are gathered by :mod:`.verification`.

Every way out is a :class:`~isetrace.records.Termination`: success, failure judged by the user, the
user-turn fuse, the step limit, the token budget, the agent endpoint failing, the simulator failing,
the sandbox failing, or an interruption. Whatever ends it, every tool call that ran stays in the
episode: a turn that fails part-way hands over what it did, and the detail says at which agent step.
The sandbox is closed in ``finally``, whatever happens. One failure is not the episode's to record: a
refused API key (:class:`~isetrace.errors.AuthenticationFailed`) would refuse every episode alike, so
it propagates and the run stops.

:func:`run_episode` is the one place that wires an episode: it opens the endpoints and a sandbox opener
when the caller has none to share (a notebook, a Ray task), closes what it opened, and plays the loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from functools import reduce

from isetrace.config import RunConfig, config_hash
from isetrace.drift import make_drift_detector
from isetrace.errors import AuthenticationFailed, EndpointError, LLMReplyError, SandboxUnavailable
from isetrace.llm.endpoints import Endpoints, open_endpoints
from isetrace.llm.retry import one_line
from isetrace.llm.usage import UsageMeter
from isetrace.prompts import render_prompt
from isetrace.records import (
    ISETRACE_VERSION,
    Episode,
    Intent,
    Message,
    MessageMeta,
    Termination,
    TokenUsage,
    Verification,
    session_key,
)
from isetrace.sandbox import Sandbox, SessionOpener
from isetrace.simulate.agent import Agent, AgentTurn, AgentTurnFailed, TakesTurns, reply_meta
from isetrace.simulate.digest import digest_turn, with_digest
from isetrace.simulate.openclaw_agent import OpenClawAgent, open_openclaw_agent
from isetrace.simulate.query_pool import choose_query, load_query_pool
from isetrace.simulate.subagents import SubagentRuntime
from isetrace.simulate.user import SimulatorState, UserSimulator
from isetrace.simulate.verification import EpisodeVerifier
from isetrace.skills import configured_skills, offered_skills, place_skills, skill_entry, skills_prompt
from isetrace.tools.context import ToolContext
from isetrace.tools.dialects import Dialect, get_dialect
from isetrace.worlds.host import WorldHost
from isetrace.worlds.sessions import open_worlds, services_offered, session_sandbox_config, world_log

__all__ = ["EpisodeEnded", "run_episode"]

MAX_DETAIL_CHARS = 500
"""A termination detail is one line of at most this many characters (the server's words: at most 300)."""


class EpisodeEnded(Exception):
    """Raised inside the loop to end the episode with a reason."""

    def __init__(self, termination: Termination, detail: str, failed_reply: str | None = None) -> None:
        super().__init__(detail)
        self.termination = termination
        self.detail = one_line(detail, MAX_DETAIL_CHARS)
        self.failed_reply = failed_reply


def _ended_by(error: EndpointError | SandboxUnavailable, where: str = "") -> EpisodeEnded:
    """The way a failing endpoint or sandbox ends the episode, ``where`` it happened."""
    place = f" {where}" if where else ""
    if isinstance(error, SandboxUnavailable):
        return EpisodeEnded(Termination.SANDBOX_FAILURE, f"the sandbox failed{place}: {error}")
    raw = error.raw if isinstance(error, LLMReplyError) else None
    if error.role == "agent":
        return EpisodeEnded(Termination.AGENT_ENDPOINT_FAILURE, f"the agent endpoint failed{place}: {error}", raw)
    return EpisodeEnded(Termination.SIMULATOR_FAILURE, f"the user simulator failed{place}: {error}", raw)


@dataclass
class _Run:
    """The mutable state of one episode while it runs."""

    config: RunConfig
    endpoints: Endpoints
    stop: asyncio.Event | None
    messages: list[Message] = field(default_factory=list)
    steps: int = 0
    tokens: int = 0
    drift_regenerations: int = 0
    outcomes: list[tuple[bool, str]] = field(default_factory=list)
    appended_query: Intent | None = None
    verifier: EpisodeVerifier | None = None
    worlds: WorldHost | None = None

    def check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise EpisodeEnded(Termination.INTERRUPTED, "the run was asked to stop")

    def spend(self, tokens: int) -> None:
        self.tokens += tokens
        budget = self.config.simulate.max_episode_tokens
        if budget is not None and self.tokens > budget:
            raise EpisodeEnded(Termination.BUDGET, f"the episode used {self.tokens} tokens (budget {budget})")

    async def agent_turn(self, agent: TakesTurns) -> AgentTurn:
        """One agent turn, added to the episode; a turn that fails part-way is kept up to where it failed."""
        try:
            turn = await agent.take_turn(self.messages, self.steps_left())
        except AgentTurnFailed as failed:
            self._keep(failed.turn)
            self.tokens += failed.turn.tokens
            if isinstance(failed.error, AuthenticationFailed):
                raise failed.error from None
            raise _ended_by(failed.error, f"at agent step {self.steps} ({failed.calls_run} tool calls of that "
                                          "turn ran and are kept)") from failed.error
        self.add_agent_turn(turn)
        if self.verifier is not None:
            await self.verifier.turn_ended(turn.messages, self.messages)
        return turn

    def _keep(self, turn: AgentTurn) -> None:
        """Put what the turn did into the episode: its messages and the steps it took."""
        self.messages.extend(turn.messages)
        self.steps += turn.steps

    def add_agent_turn(self, turn: AgentTurn) -> None:
        self._keep(turn)
        self.spend(turn.tokens)
        if turn.cut_off and self.steps >= self.config.simulate.max_agent_steps:
            raise EpisodeEnded(Termination.STEP_LIMIT, f"the agent used all {self.steps} steps of the episode")

    def steps_left(self) -> int:
        left = self.config.simulate.max_agent_steps - self.steps
        if left <= 0:
            raise EpisodeEnded(Termination.STEP_LIMIT, f"the agent used all {self.steps} steps of the episode")
        return left


def _tool_lines(dialect: Dialect) -> list[dict[str, str]]:
    return [{"name": spec.name, "description": spec.description.split(". ")[0].rstrip(".") + "."}
            for spec in dialect.tools.values()]


async def _system_prompt(sandbox: Sandbox, config: RunConfig, dialect: Dialect,
                         skills: Sequence[dict[str, object]]) -> str:
    try:
        agents_md = (await sandbox.read_file("AGENTS.md")).decode("utf-8", "replace").strip()
    except OSError:
        agents_md = ""
    date = (config.simulate.date or dt.date.today()).isoformat()
    return render_prompt("agent_system", workspace=sandbox.info.workspace, date=date,
                         network=config.sandbox.network, services=services_offered(config),
                         tools=_tool_lines(dialect), agents_md=agents_md, skills_block=skills_prompt(skills))


async def _offer_skills(sandbox: Sandbox, config: RunConfig, intents: Sequence[Intent]) -> list[dict[str, object]]:
    """Place the skills the session offers in the workspace; their OpenClaw entries, for prompt and record."""
    skills = offered_skills(configured_skills(config.tools.skills_dir), intents)
    await place_skills(sandbox, skills)
    return [skill_entry(skill, sandbox.info.workspace) for skill in skills]


async def _user_turns(run: _Run, agent: TakesTurns, intent: Intent) -> None:
    """One intent, delegated turn by turn until the simulated user says it is done."""
    simulate = run.config.simulate
    simulator = UserSimulator(run.endpoints["user"], intent, drift_retries=simulate.drift_retries,
                              drift=make_drift_detector(simulate.drift_detector))
    state = SimulatorState()
    agent_reply: str | None = None
    regenerated_before = run.drift_regenerations
    while True:
        run.check_stop()
        if state.turns >= simulate.max_user_turns:
            raise EpisodeEnded(Termination.USER_TURN_LIMIT, f"intent {intent.id}: no end after "
                                                            f"{state.turns} user turns")
        turn, state = await simulator.next_turn(state, agent_reply)
        run.drift_regenerations = regenerated_before + state.drift_regenerations
        run.spend(sum(r.usage.total_tokens for r in state.replies))
        if turn.completed:
            run.outcomes.append((turn.is_success, f"intent {intent.id}: {turn.reason or turn.query}"))
            if run.verifier is not None:
                await run.verifier.intent_ended(intent)
            return
        # the message costs what its drafts cost: a draft regenerated for drift was paid for too
        spent = reduce(lambda total, reply: total.plus(reply.usage), state.replies, TokenUsage())
        meta = reply_meta("user", simulator.client, state.replies[-1]).model_copy(update={"usage": spent})
        run.messages.append(Message(role="user", content=turn.query, meta=meta))
        agent_turn = await run.agent_turn(agent)
        agent_reply = with_digest(agent_turn.reply, digest_turn(agent_turn.messages))


async def _direct_question(run: _Run, agent: TakesTurns, text: str, source: str) -> AgentTurn:
    """``text`` put to the agent as the user's message, as it is (``source``: where it came from)."""
    run.check_stop()
    run.messages.append(Message(role="user", content=text, meta=MessageMeta(producer="user", provenance=source)))
    return await run.agent_turn(agent)


async def _appended_question(run: _Run, agent: TakesTurns, intents: Sequence[Intent]) -> None:
    """The question put after the last intent, if the config asks for one: fixed, or drawn from the pool."""
    simulate = run.config.simulate
    if simulate.appended_question:
        await _direct_question(run, agent, simulate.appended_question, "config")
    elif simulate.appended_query_file:
        query = choose_query(load_query_pool(simulate.appended_query_file), simulate.seed, intents[-1].id)
        run.appended_query = query
        await _direct_question(run, agent, query.natural_language_intent, "query_pool")


async def _conversation(run: _Run, agent: TakesTurns, intents: Sequence[Intent]) -> tuple[Termination, str]:
    if run.config.simulate.mode == "query":
        for intent in intents:
            answer = await _direct_question(run, agent, intent.natural_language_intent, "intent")
            if run.verifier is not None:
                await run.verifier.answered(intent, answer.reply)
        return Termination.SUCCESS, "query answered"
    for intent in intents:
        await _user_turns(run, agent, intent)
    await _appended_question(run, agent, intents)
    failed = [detail for ok, detail in run.outcomes if not ok]
    if failed:
        return Termination.USER_JUDGED_FAILURE, "; ".join(failed)
    return Termination.SUCCESS, "; ".join(detail for _, detail in run.outcomes)


def _provenance(endpoints: Endpoints) -> str:
    sources = endpoints.provenance
    if "scripted" in sources.values():
        return "scripted"
    return ", ".join(f"{role}={model}" for role, model in sorted(sources.items()))


async def run_episode(
    intents: Sequence[Intent],
    config: RunConfig,
    *,
    endpoints: Endpoints | None = None,
    open_sandbox: Callable[[], Awaitable[Sandbox]] | None = None,
    episode_id: str | None = None,
    attempt: int = 0,
    stop: asyncio.Event | None = None,
    environ: Mapping[str, str] | None = None,
    usage: UsageMeter | None = None,
) -> Episode:
    """Run one episode over ``intents`` (one, or several in ``multi`` mode) and return it, however it ended.

    ``endpoints`` and ``open_sandbox`` are what a batch shares (one client per role, one opener that keeps
    sandboxes started ahead); without them the episode opens its own endpoints (the roles
    ``config.episode_roles`` names, counting calls in ``usage``) and a sandbox from
    ``config.sandbox``, and closes them before it returns. ``episode_id`` defaults to the session key of
    ``intents``; ``stop``, once set, ends the episode as interrupted at its next turn; ``environ`` is where
    API keys are read by the names the config gives (default: ``os.environ``).

    Only cancellation and :class:`~isetrace.errors.AuthenticationFailed` propagate (the sandbox closed
    either way); every other way out is recorded as the episode's termination.
    """
    if episode_id is None:
        episode_id = session_key(i.id for i in intents)
    async with AsyncExitStack() as opened:
        if endpoints is None:
            endpoints = await opened.enter_async_context(
                open_endpoints(config, config.episode_roles, usage=usage, environ=environ))
        if open_sandbox is None:
            open_sandbox = await opened.enter_async_context(SessionOpener(session_sandbox_config(config)))
        return await _play(intents, config, endpoints, open_sandbox, episode_id, attempt, stop, environ)


@dataclass
class _Acting:
    """What acts for the agent in one episode, once its session is open."""

    agent: TakesTurns
    tools: list[dict[str, object]]
    skills: list[dict[str, object]]
    sessions: SubagentRuntime | None = None
    runtime: OpenClawAgent | None = None


async def _native(run: _Run, sandbox: Sandbox, intents: Sequence[Intent], environ: Mapping[str, str] | None,
                  ) -> _Acting:
    """isetrace's own runtime: the dialect's tools, run by isetrace in ``sandbox``; the system prompt added."""
    config = run.config
    dialect = get_dialect(config.tools.dialect)
    run.verifier = EpisodeVerifier(config, sandbox, intents, judge=run.endpoints.clients.get("judge"),
                                   worlds=run.worlds)
    skills = await _offer_skills(sandbox, config, intents)
    context = ToolContext.for_run(sandbox, config, os.environ if environ is None else environ, worlds=run.worlds)
    sessions = SubagentRuntime(run.endpoints["agent"], dialect, context, limits=config.simulate, counters=run,
                               main_messages=run.messages,
                               system_prompt=lambda tools: _system_prompt(context.sandbox, config, tools, skills))
    context.sessions = sessions
    agent = Agent(run.endpoints["agent"], dialect, context, max_turn_steps=config.simulate.max_turn_steps)
    run.messages.append(Message(role="system", content=await _system_prompt(sandbox, config, dialect, skills),
                                meta=MessageMeta(producer="system")))
    return _Acting(agent, dialect.schemas(), skills, sessions)


async def _openclaw(run: _Run, opened: AsyncExitStack, intents: Sequence[Intent], episode_id: str) -> _Acting:
    """The OpenClaw runtime in a session of its own; its system prompt is added when its first request shows it."""
    runtime = await opened.enter_async_context(open_openclaw_agent(run.config, run.endpoints["agent"], episode_id,
                                                                   intents=intents))
    run.worlds = runtime.worlds
    run.verifier = EpisodeVerifier(run.config, runtime.sandbox, intents, judge=run.endpoints.clients.get("judge"),
                                   worlds=run.worlds)
    skills = await _offer_skills(runtime.sandbox, run.config, intents)
    return _Acting(runtime, [], skills, runtime=runtime)


def _openclaw_offer(run: _Run, acting: _Acting, termination: Termination, detail: str) -> tuple[Termination, str]:
    """Put what OpenClaw offered into the episode: its system prompt first, its tools, the skills the prompt
    lists (the ones placed in the workspace among them). An episode that
    played out but whose offer cannot be read is not data: it ends as a sandbox failure saying why."""
    assert acting.runtime is not None
    offered = acting.runtime.offered()
    acting.tools = list(offered.tools)
    acting.skills = offered.skills
    if offered.system_prompt is not None:
        prompt = Message(role="system", content=offered.system_prompt, meta=MessageMeta(producer="system"))
        run.messages.insert(0, prompt)
    unreadable = offered.problem or ("" if offered.system_prompt is not None else "its first request has no system "
                                     "prompt")
    if unreadable and termination in (Termination.SUCCESS, Termination.USER_JUDGED_FAILURE):
        return Termination.SANDBOX_FAILURE, one_line(f"what OpenClaw offered the model is not known: {unreadable}",
                                                      MAX_DETAIL_CHARS)
    return termination, detail


async def _play(intents: Sequence[Intent], config: RunConfig, endpoints: Endpoints,
                open_sandbox: Callable[[], Awaitable[Sandbox]], episode_id: str, attempt: int,
                stop: asyncio.Event | None, environ: Mapping[str, str] | None) -> Episode:
    """The loop itself, top to bottom (see the module docstring)."""
    run = _Run(config, endpoints, stop)
    started = dt.datetime.now(dt.UTC)
    termination, detail, failed_reply = Termination.SANDBOX_FAILURE, "", None
    acting: _Acting | None = None
    async with AsyncExitStack() as opened:
        try:
            if config.agent.runtime == "openclaw":
                acting = await _openclaw(run, opened, intents, episode_id)
            else:
                sandbox = await open_sandbox()
                opened.push_async_callback(sandbox.close)
                run.worlds = await opened.enter_async_context(open_worlds(sandbox, config, intents, episode_id))
                acting = await _native(run, sandbox, intents, environ)
            termination, detail = await _conversation(run, acting.agent, intents)
        except AuthenticationFailed:
            raise
        except (EpisodeEnded, SandboxUnavailable, EndpointError) as exc:
            ended = exc if isinstance(exc, EpisodeEnded) else _ended_by(exc)
            termination, detail, failed_reply = ended.termination, ended.detail, ended.failed_reply
        if run.verifier is not None and termination not in (Termination.SANDBOX_FAILURE, Termination.INTERRUPTED):
            await run.verifier.finish(intents, run.messages)  # what the conversation did not reach, then the judge
        if acting is not None and acting.runtime is not None:
            termination, detail = _openclaw_offer(run, acting, termination, detail)
    verified, verified_by = run.verifier.label(intents, run.messages) if run.verifier else (False, "")
    verification = None
    if run.outcomes:
        verification = Verification(method="user_simulator", passed=all(ok for ok, _ in run.outcomes),
                                    detail="; ".join(d for _, d in run.outcomes))
    return Episode(
        episode_id=episode_id, attempt=attempt, intents=list(intents), messages=run.messages,
        subagents=acting.sessions.subagent_transcripts() if acting and acting.sessions else {},
        tools=acting.tools if acting else [], skills=acting.skills if acting else [], termination=termination,
        termination_detail=detail,
        failed_reply=failed_reply,
        verification=verification, verifications=run.verifier.verdicts if run.verifier else [],
        verified=verified, verified_by=verified_by, appended_query=run.appended_query,
        unsupported_claims=run.verifier.claims if run.verifier else [],
        seeds={"intents": config.intents.seed, "simulate": config.simulate.seed},
        config_hash=config_hash(config), provenance=_provenance(endpoints),
        models={role: client.model for role, client in endpoints.clients.items()},
        runtime=config.agent.runtime,
        runtime_version=acting.runtime.session.version if acting and acting.runtime else ISETRACE_VERSION,
        drift_regenerations=run.drift_regenerations, world=world_log(run.worlds), started_at=started,
        ended_at=dt.datetime.now(dt.UTC),
    )
