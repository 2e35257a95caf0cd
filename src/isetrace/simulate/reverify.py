"""Labelling a stored episode again: its tool calls replayed in a fresh session, then verified.

A run made before verification existed, or under other checks, holds episodes whose workspace is gone.
Its state is rebuilt by running the recorded tool calls again, in order, in a new session started from
the run's template (the record keeps what they did the first time; the replay's results are only there
to rebuild the state). Each closing message of an agent turn is held against the state at that point,
as it was when the episode ran, and once the last call has run every intent's checks are evaluated on
the final state (in a session of several intents, that is the state the session ended in, not the one
at which each intent ended) and the judge asked where no check decides.

The replay is as faithful as the commands are: a command that reads the clock or the network gives
another answer the second time. Calls that were malformed the first time are not replayed, and neither
are the session tools (a sub-agent's model calls are not repeated).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping

from isetrace.config import RunConfig
from isetrace.llm.model import ChatModel
from isetrace.records import Episode, Message
from isetrace.sandbox import Sandbox
from isetrace.simulate.verification import EpisodeVerifier
from isetrace.tools.context import ToolContext
from isetrace.tools.dialects import get_dialect
from isetrace.worlds.host import WorldHost
from isetrace.worlds.sessions import open_worlds

__all__ = ["reverify_episode"]

NOT_REPLAYED = frozenset({"sessions_spawn", "sessions_send", "subagents"})
"""Tools whose calls ask a model again: not repeated by a replay."""


async def reverify_episode(episode: Episode, config: RunConfig, open_sandbox: Callable[[], Awaitable[Sandbox]], *,
                           judge: ChatModel | None = None, environ: Mapping[str, str] | None = None) -> Episode:
    """``episode`` with its verification made anew on a replay of its tool calls (see the module docstring)."""
    sandbox = await open_sandbox()
    try:
        # the worlds start anew from the same seed: a replayed `git push` or mail reaches what it reached then
        async with open_worlds(sandbox, config, episode.intents, episode.episode_id) as worlds:
            verifier = await _replay(episode, config, sandbox, worlds, judge, environ)
    finally:
        await sandbox.close()
    verified, verified_by = verifier.label(episode.intents, episode.messages)
    return episode.model_copy(update={"verifications": verifier.verdicts, "unsupported_claims": verifier.claims,
                                      "verified": verified, "verified_by": verified_by})


async def _replay(episode: Episode, config: RunConfig, sandbox: Sandbox, worlds: WorldHost | None,
                  judge: ChatModel | None, environ: Mapping[str, str] | None) -> EpisodeVerifier:
    """Every replayable tool call of ``episode`` again in ``sandbox``, the checks run where they ran then."""
    dialect = get_dialect(config.tools.dialect)
    context = ToolContext.for_run(sandbox, config, os.environ if environ is None else environ, worlds=worlds)
    verifier = EpisodeVerifier(config, sandbox, episode.intents, judge=judge, worlds=worlds)
    so_far: list[Message] = []
    turn_start = 0
    for message in episode.messages:
        so_far.append(message)
        if message.role == "user":
            turn_start = len(so_far)
        if message.role != "assistant":
            continue
        for call in message.tool_calls:
            if call.problem is None and call.name not in NOT_REPLAYED:
                await dialect.dispatch(call, context)
        if not message.tool_calls:
            await verifier.turn_ended(so_far[turn_start:], so_far)
    await verifier.finish(episode.intents, episode.messages)
    return verifier
