"""Verifying an episode while its session is still open: each intent when it ends, the rest before closing.

The episode loop hands over the moments that matter — an intent the simulated user closed, a direct
query answered, the conversation over — and :class:`EpisodeVerifier` evaluates there, in the session
the agent worked in (:mod:`isetrace.verify`). An intent is verified once: in a multi-intent session at the
point its sub-goal ended (later intents may change the workspace), and an intent the conversation never
reached the end of is verified on the state the episode ended in. A sandbox that fails during the checks
fails the intent's verdict, saying so; it never ends the episode differently.
"""

from __future__ import annotations

from collections.abc import Sequence

from isetrace.config import RunConfig
from isetrace.errors import SandboxUnavailable
from isetrace.records import Intent, Message, UnsupportedClaim, Verification
from isetrace.sandbox import Sandbox
from isetrace.verify import CheckContext, check_intent, decide, reference_verdict
from isetrace.verify.claims import SUCCESS_CLAIM, turn_claims
from isetrace.verify.verdicts import template_of

__all__ = ["EpisodeVerifier"]


class EpisodeVerifier:
    """The verdicts of one episode, gathered in its session."""

    def __init__(self, config: RunConfig, sandbox: Sandbox, intents: Sequence[Intent]) -> None:
        self.enabled = config.verify.enabled
        self.intent_timeout_s = config.verify.intent_timeout_s
        self.verdicts: list[Verification] = []
        self.claims: list[UnsupportedClaim] = []
        self._done: set[str] = set()
        template = template_of(config) if self.enabled and any(i.checks for i in intents) else None
        self.context = CheckContext(sandbox, template, config.verify.check_timeout_s)

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

    async def finish(self, intents: Sequence[Intent]) -> None:
        """Verify the intents the conversation did not reach the end of, on the state it ended in."""
        for intent in intents:
            await self.intent_ended(intent)

    async def turn_ended(self, turn: Sequence[Message], episode: Sequence[Message]) -> None:
        """Hold the closing message of an agent turn (the last of ``turn``, already in ``episode``) against
        what the turn and the session show."""
        closing = turn[-1] if turn else None
        if not self.enabled or closing is None or closing.role != "assistant" or closing.tool_calls:
            return
        try:
            self.claims += await turn_claims(closing.content or "", turn, episode, self.context.sandbox,
                                             index=len(episode) - 1)
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
