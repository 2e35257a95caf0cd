"""Verifying an episode while its session is still open: each intent when it ends, the rest before closing.

The episode loop hands over the moments that matter — an agent turn ended (its claims), an intent the
simulated user closed, a direct query answered, the conversation over — and :class:`EpisodeVerifier`
evaluates there, in the session the agent worked in (:mod:`isetrace.verify`). At the end, an intent
that nothing could decide (no checks, or only vacuous ones) goes to the judge, when the run has one: it
sees the conversation, the digest of every tool result and a listing of the workspace as it was left.
An intent's checks run once: in a multi-intent session at the point its sub-goal ended (later intents
may change the workspace), and for an intent the conversation never reached the end of, on the state
the episode ended in. A sandbox that fails during the checks
fails the intent's verdict, saying so; it never ends the episode differently.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from isetrace.config import RunConfig
from isetrace.errors import AuthenticationFailed, EndpointError, SandboxUnavailable
from isetrace.llm.model import ChatModel
from isetrace.records import Intent, Message, UnsupportedClaim, Verification
from isetrace.sandbox import Sandbox
from isetrace.simulate.digest import digest_turn
from isetrace.verify import CheckContext, check_intent, decide, reference_verdict
from isetrace.verify.claims import SUCCESS_CLAIM, numbers_in, turn_claims
from isetrace.verify.judge import judge_intent
from isetrace.verify.verdicts import DECIDING_METHODS, template_of
from isetrace.worlds.host import WorldHost

__all__ = ["EpisodeVerifier", "transcript"]

MAX_PART_CHARS = 400
MAX_TRANSCRIPT_CHARS = 40_000
"""The judge sees the end of a longer conversation: the work and the closing words are there."""
LISTING = ("find . -mindepth 1 -maxdepth 4 -not -path './.git/*' -not -path './.git' -printf '%y %s %P\\n' "
           "2>/dev/null | sort -k3 | head -n 300")


def _cut(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_PART_CHARS else line[:MAX_PART_CHARS - 1] + "…"


def transcript(messages: Sequence[Message]) -> str:
    """The conversation as the judge reads it: who said what, each tool call and its outcome, one line each."""
    lines = []
    for message in messages:
        if message.role == "user":
            lines.append(f"USER: {_cut(message.content or '')}")
        elif message.role == "assistant":
            if message.content:
                lines.append(f"AGENT: {_cut(message.content)}")
            lines += [f"AGENT CALLS {call.name} {_cut(call.arguments_raw)}" for call in message.tool_calls]
        elif message.role == "tool":
            code = message.result.exit_code if message.result is not None else None
            status = "ok" if message.result is None or message.result.ok else "FAILED"
            lines.append(f"  {message.name} {status}{'' if code is None else f' (exit {code})'}: "
                         f"{_cut(message.content or '')}")
    text = "\n".join(lines)
    return text if len(text) <= MAX_TRANSCRIPT_CHARS else "…\n" + text[-MAX_TRANSCRIPT_CHARS:]


async def _listing(sandbox: Sandbox) -> str:
    try:
        found = await sandbox.run(LISTING, timeout_s=20)
    except SandboxUnavailable as exc:
        return f"(the workspace could not be listed: {exc})"
    return found.stdout.decode("utf-8", errors="replace").strip() or "(empty)"


class EpisodeVerifier:
    """The verdicts of one episode, gathered in its session."""

    def __init__(self, config: RunConfig, sandbox: Sandbox, intents: Sequence[Intent],
                 judge: ChatModel | None = None, worlds: WorldHost | None = None) -> None:
        self.enabled = config.verify.enabled
        self.judge = judge if config.verify.judge else None
        self.intent_timeout_s = config.verify.intent_timeout_s
        self.verdicts: list[Verification] = []
        self.claims: list[UnsupportedClaim] = []
        self._numbers: set[str] = set()
        self._scanned = 0
        """How many messages of the episode ``_numbers`` holds the numbers of: each is scanned once."""
        self._done: set[str] = set()
        template = template_of(config) if self.enabled and any(i.checks for i in intents) else None
        self.context = CheckContext(sandbox, template, config.verify.check_timeout_s, worlds)

    async def intent_ended(self, intent: Intent) -> None:
        """Evaluate ``intent``'s checks on the workspace as it is now (once per intent)."""
        if not self.enabled or intent.id in self._done:
            return
        self._done.add(intent.id)
        try:
            verdict = await check_intent(intent, self.context, total_timeout_s=self.intent_timeout_s)
        except SandboxUnavailable as exc:
            verdict = Verification(method="checks", passed=False, score=0.0, intent_id=intent.id,
                                   detail=f"the sandbox failed during the checks: {exc}")
        if verdict is not None:
            self.verdicts.append(verdict)

    async def answered(self, intent: Intent, answer: str) -> None:
        """A direct query was answered: its answer against the reference, then its checks."""
        if not self.enabled:
            return
        verdict = reference_verdict(intent, answer)
        if verdict is not None:
            self.verdicts.append(verdict)
        await self.intent_ended(intent)

    async def finish(self, intents: Sequence[Intent], messages: Sequence[Message]) -> None:
        """Verify the intents the conversation did not reach the end of, on the state it ended in; then
        ask the judge about every intent that nothing else could decide."""
        for intent in intents:
            await self.intent_ended(intent)
        undecided = [i for i in intents if not any(v.intent_id == i.id and v.method in DECIDING_METHODS
                                                   for v in self.verdicts)]
        if not self.enabled or self.judge is None or not undecided:
            return
        listing = await _listing(self.context.sandbox)
        digest = json.dumps(asdict(digest_turn(list(messages))), ensure_ascii=False)
        for intent in undecided:
            try:
                verdict = await judge_intent(self.judge, intent, transcript=transcript(messages), digest=digest,
                                             listing=listing)
            except AuthenticationFailed:
                raise
            except EndpointError as exc:
                verdict = Verification(method="judge_failed", passed=False, intent_id=intent.id,
                                       detail=f"no verdict: the judge endpoint failed: {exc}")
            self.verdicts.append(verdict)

    async def turn_ended(self, turn: Sequence[Message], episode: Sequence[Message]) -> None:
        """Hold the closing message of an agent turn (the last of ``turn``, already in ``episode``) against
        what the turn and the session show."""
        closing = turn[-1] if turn else None
        if not self.enabled or closing is None or closing.role != "assistant" or closing.tool_calls:
            return
        self._numbers |= numbers_in(episode[self._scanned:])
        self._scanned = len(episode)
        try:
            self.claims += await turn_claims(closing.content or "", turn, episode, self.context.sandbox,
                                             index=len(episode) - 1, numbers=self._numbers)
        except SandboxUnavailable:
            return  # the sandbox is gone: the episode says so itself, and the checks will fail

    def label(self, intents: Sequence[Intent], messages: Sequence[Message]) -> tuple[bool, str]:
        """``(verified, verified_by)`` by the rule of :func:`isetrace.verify.decide`, and then not verified
        when the agent's last message claims success and holds a claim the evidence does not support."""
        verified, by = decide(intents, self.verdicts)
        last = next((i for i in range(len(messages) - 1, -1, -1)
                     if messages[i].role == "assistant" and not messages[i].tool_calls), None)
        if last is not None and SUCCESS_CLAIM.search(messages[last].content or "") \
                and any(claim.message == last for claim in self.claims):
            return False, "+".join(filter(None, (by, "claims")))
        return verified, by
