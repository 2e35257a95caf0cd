"""The stages that call models, over one run directory: the intents, then the episodes (run locally).

:func:`~isetrace.pipeline.stages.run_pipeline` puts them in order with export and statistics. Every
stage reads and writes the run directory, so each can run on its own and a killed run resumes where it
stopped: the intents are written once (atomically), every finished episode is appended and flushed
before the next is counted, and the done-set decides what is left. An interrupted episode is never
recorded, so a resume runs it again; nothing is ever recorded twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from isetrace.config import RunConfig
from isetrace.errors import AuthenticationFailed
from isetrace.intents.stage import given_intents, make_intents
from isetrace.jsonl import load_jsonl
from isetrace.llm.endpoints import Endpoints
from isetrace.llm.usage import UsageMeter
from isetrace.outputs import appending
from isetrace.pipeline.rundir import EpisodeFailure, RunDir
from isetrace.progress import Progress
from isetrace.records import Episode, Intent, Termination, session_key
from isetrace.sandbox import SessionOpener
from isetrace.simulate.batch import group_intents, run_groups
from isetrace.simulate.episode import run_episode

__all__ = ["Budget", "EpisodeStageOutcome", "intents_stage", "pending_groups", "record_usage", "run_episodes"]

log = logging.getLogger(__name__)


async def intents_stage(config: RunConfig, run: RunDir, endpoints: Endpoints,
                        on_rendered: Callable[[bool], None] | None = None) -> list[Intent]:
    """The run's intents: read when already made; else those of ``intents.file``; else sample → render →
    validate → dedup → stats."""
    files = run.paths.intents
    if files.intents.exists():
        intents, errors = load_jsonl(files.intents, Intent)
        for error in errors:
            log.warning("skipped %s", error)
        return intents
    if config.intents.file is not None:
        return await given_intents(config, files)
    from isetrace.diversity.embeddings import make_embedder

    made = await make_intents(config, files, endpoints["renderer"], make_embedder(config.intents.embedder),
                              on_rendered=(lambda o: on_rendered(o.rendered is not None)) if on_rendered else None)
    return made.dedup.kept


def record_usage(run: RunDir, usage: UsageMeter, stage: str) -> None:
    """Append what this invocation's model calls cost, per role, to the run's ``usage.jsonl``: calls,
    retries, re-asks, tokens, and the structured-output mode each role ended with (and every fall back to
    a weaker one, with the server's reason). Nothing is written when no model was called."""
    if not any(role.attempts or role.calls for role in usage.roles.values()):
        return
    row = {"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "stage": stage, "roles": usage.as_dict()}
    with appending(run.paths.usage) as sink:
        sink.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))


@dataclass
class Budget:
    """The run's global budgets on model calls and tokens, counted from the recorded episodes (so the
    count is the same whichever executor ran them) and checked after each one."""

    max_calls: int | None = None
    max_tokens: int | None = None
    calls: int = 0
    tokens: int = 0

    def add(self, episode: Episode) -> None:
        everything = [*episode.messages, *(m for sub in episode.subagents.values() for m in sub)]
        metered = [m.meta for m in everything if m.meta is not None and m.meta.producer in ("agent", "user")]
        self.calls += len(metered)
        self.tokens += sum(meta.usage.total_tokens for meta in metered)

    def exceeded(self) -> str | None:
        if self.max_calls is not None and self.calls >= self.max_calls:
            return f"the budget of {self.max_calls} model calls is used ({self.calls})"
        if self.max_tokens is not None and self.tokens >= self.max_tokens:
            return f"the budget of {self.max_tokens} tokens is used ({self.tokens})"
        return None


def pending_groups(config: RunConfig, intents: Sequence[Intent], run: RunDir) -> list[list[Intent]]:
    """The groups of intents whose episode is not yet in the done-set (attempt 0)."""
    done = run.done_keys()
    return [g for g in group_intents(intents, config) if (session_key(i.id for i in g), 0) not in done]


@dataclass
class EpisodeStageOutcome:
    """What the episode stage did in this process."""

    recorded: int = 0
    failed_groups: int = 0
    interrupted: int = 0
    in_flight: int = 0
    stopped_because: str | None = None
    refused: AuthenticationFailed | None = None
    """The endpoint refused the API key: the run stopped at the first refusal (raised once all is closed)."""

    def refuse(self, error: AuthenticationFailed, stop: asyncio.Event) -> None:
        """Stop the run at a refused key: no new episode starts, those in flight end as interrupted (and
        run again on resume), and the episode that met the refusal is not recorded."""
        if self.refused is None:
            self.refused = error
            self.stopped_because = "an endpoint refused the API key"
        stop.set()

    def finished(self, run: RunDir, episode: Episode, budget: Budget, stop: asyncio.Event,
                 on_episode: Callable[[Episode | None], None] | None) -> None:
        """Record a finished episode once (an interrupted one not at all), and stop the run when a
        budget is used up."""
        if episode.termination is Termination.INTERRUPTED:
            self.interrupted += 1
            return
        if run.append_episode(episode):
            self.recorded += 1
        budget.add(episode)
        reason = budget.exceeded()
        if reason is not None and not stop.is_set():
            self.stopped_because = reason
            stop.set()
        if on_episode is not None:
            on_episode(episode)

    def failed(self, run: RunDir, group: Sequence[Intent], reason: str,
               on_episode: Callable[[Episode | None], None] | None) -> None:
        """Record a group of intents that produced no episode at all, with why: nothing is lost silently."""
        run.append_failure(EpisodeFailure.of([i.id for i in group], attempt=0, stage="episode", reason=reason))
        self.failed_groups += 1
        if on_episode is not None:
            on_episode(None)


async def run_episodes(
    config: RunConfig,
    run: RunDir,
    groups: Sequence[list[Intent]],
    endpoints: Endpoints,
    *,
    stop: asyncio.Event,
    on_episode: Callable[[Episode | None], None] | None = None,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> EpisodeStageOutcome:
    """Run an episode for each of ``groups`` with bounded concurrency; record each episode (or failure) as it ends.

    Interrupted episodes are not recorded, so a resume runs them again. When a global budget is reached,
    no new episode starts and those in flight are asked to stop. When an endpoint refuses the API key,
    the same happens, and :class:`~isetrace.errors.AuthenticationFailed` is raised once they are closed.
    """
    budget = Budget(config.run.max_llm_calls, config.run.max_tokens)
    outcome = EpisodeStageOutcome()

    async def one(group: list[Intent], opener: SessionOpener) -> None:
        if stop.is_set():
            return
        key = session_key(i.id for i in group)
        outcome.in_flight += 1
        if progress is not None:
            progress.note(in_flight=outcome.in_flight)
        try:
            episode = await run_episode(group, config, endpoints=endpoints, open_sandbox=opener, episode_id=key,
                                        stop=stop, environ=environ)
        except AuthenticationFailed as exc:
            outcome.refuse(exc, stop)
            return
        except Exception as exc:  # an episode that cannot even start is recorded, never lost
            outcome.failed(run, group, f"{type(exc).__name__}: {exc}", on_episode)
            return
        finally:
            outcome.in_flight -= 1
        outcome.finished(run, episode, budget, stop, on_episode)
        if progress is not None:
            progress.note(in_flight=outcome.in_flight, tokens=budget.tokens)

    await run_groups(groups, config, one)
    if outcome.refused is not None:
        raise outcome.refused
    return outcome
