"""The simulated user: a participant with explicit state, role-locked, checked for drift every turn.

``next_turn(state, agent_reply) -> (turn, state)``: the state holds the simulator's own view of the
conversation (its turns as ``assistant``, the agent's replies — each ending with the tool digest — as
``user``), so a saved state resumes exactly. Every reply is a :class:`UserReply`
(``{completed, query, reason, is_success}``), asked for as structured output; a reply that does not fit
(no ``query``, say) is asked again, a bounded number of times, before the simulator fails.
Three rules are enforced here, not only prompted: a drifted turn (assistant voice, offers, apologies…)
is regenerated a bounded number of times; a first turn that ends the task before anything was asked is
regenerated too, and fails the simulator if it persists (it would blame an agent that was never asked);
and a success is not accepted before the user has asked for one verification pass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from pydantic import BaseModel, model_validator

from isetrace.drift import DriftDetector, make_drift_detector
from isetrace.errors import LLMReplyError
from isetrace.llm.model import MAX_RAW_CHARS, ChatModel
from isetrace.llm.replies import ChatReply
from isetrace.prompts import render_prompt
from isetrace.records import Intent, Persona

__all__ = ["KICK_OFF", "VERIFY_QUERY", "SimulatorState", "UserReply", "UserSimulator", "UserTurn",
           "asks_for_verification"]

KICK_OFF = "Start the conversation: send your first message to the agent."
_NOTHING_ASKED_YET = ("Nothing has been asked of the agent yet, so the task can be neither finished nor failed. "
                      "Send your first message to the agent, with completed set to false.")
VERIFY_QUERY = "Before we close this out, do one verification pass: re-run the final check and show me the result."
_VERIFY = re.compile(
    r"\b(verif\w*|double[- ]check\w*|re-?run\w*|re-?check\w*|run (?:it|them|the \w+) again|check again|"
    r"confirm\w*|sanity[- ]check\w*|show me the (?:result|output|final)\w*|prove|test it)\b", re.I)


def asks_for_verification(query: str) -> bool:
    """Whether a user turn asks the agent to verify its work (re-run, re-check, show the result)."""
    return bool(_VERIFY.search(query))


@dataclass(frozen=True)
class UserTurn:
    """One structured simulator reply."""

    completed: bool
    query: str
    reason: str
    is_success: bool


@dataclass
class SimulatorState:
    """Everything the simulator needs to continue: its view of the conversation and its counters."""

    view: list[dict[str, str]] = field(default_factory=list)
    turns: int = 0
    verification_asked: bool = False
    drift_regenerations: int = 0
    drift_kept: int = 0
    verification_enforced: int = 0
    replies: list[ChatReply] = field(default_factory=list, repr=False)
    """The model replies behind the last turn (for usage and metadata); not part of the resumable state."""


def _persona(intent: Intent) -> Persona:
    persona = intent.metadata.persona
    if persona is not None:
        return persona
    return Persona(id=intent.persona_id or "unknown", name="the user", role="professional", industry="general")


class UserReply(BaseModel):
    """What the simulated user answers each turn (the shape sent to the server as structured output)."""

    completed: bool
    """True when the task is finished or cannot be finished."""
    query: str
    """The next message to the agent, or a short closing line when completed."""
    reason: str = ""
    """Why, in one sentence."""
    is_success: bool = False
    """True only when completed and the work really succeeded."""

    @model_validator(mode="after")
    def _says_something(self) -> UserReply:
        if not self.completed and not self.query.strip():
            raise ValueError("'query' is empty while the task is not completed")
        return self

    def turn(self) -> UserTurn:
        return UserTurn(completed=self.completed, query=self.query.strip(), reason=self.reason,
                        is_success=self.completed and self.is_success)


class UserSimulator:
    """Plays the person behind one intent."""

    def __init__(self, client: ChatModel, intent: Intent, *, drift_retries: int,
                 drift: DriftDetector | None = None) -> None:
        """``drift`` judges each turn; default: the rules and the model when the embed extra is installed."""
        self.client = client
        self.intent = intent
        self.drift_retries = drift_retries
        self.drift = drift if drift is not None else make_drift_detector("auto")
        persona = _persona(intent)
        spec = {"intent": intent.natural_language_intent, "persona": persona.model_dump(mode="json"),
                "sub_goals": list(getattr(intent, "sub_goals", None) or [])}
        self.system_prompt = render_prompt("user_simulator", persona=persona,
                                           spec_json=json.dumps(spec, indent=2, ensure_ascii=False))

    async def next_turn(self, state: SimulatorState, agent_reply: str | None) -> tuple[UserTurn, SimulatorState]:
        """The user's next message, given the agent's last reply (``None`` before the first turn).

        Raises :class:`~isetrace.errors.EndpointError` when the user endpoint fails, and
        :class:`~isetrace.errors.LLMReplyError` (with the raw reply) when its replies still cannot be read
        after the client's re-asks.
        """
        view = [*state.view, {"role": "user", "content": agent_reply if agent_reply is not None else KICK_OFF}]
        replies: list[ChatReply] = []
        regenerations = 0
        notes: list[dict[str, str]] = []
        while True:
            answer, reply = await self.client.chat_structured(
                [{"role": "system", "content": self.system_prompt}, *view, *notes], UserReply)
            replies.append(reply)
            turn = answer.turn()
            if state.turns == 0 and turn.completed:  # it has not asked for anything: nothing can be done yet
                if regenerations >= self.drift_retries:
                    raise LLMReplyError("the simulated user ended the task before its first message to the agent",
                                        role=self.client.role, raw=reply.content[:MAX_RAW_CHARS])
                regenerations += 1
                notes = [{"role": "system", "content": _NOTHING_ASKED_YET}]
                continue
            verdict = await self.drift.judge_async(turn.query, intent=self.intent.natural_language_intent,
                                                   turn_index=state.turns)
            if not verdict.drifted:
                break
            if regenerations >= self.drift_retries:
                state = replace(state, drift_kept=state.drift_kept + 1)
                break
            regenerations += 1
            notes = [{"role": "system", "content": (
                f"Your last draft left the user's role ({verdict.reason}). Write the user's next message "
                "again, as the person delegating the work, following every rule above.")}]
        turn, enforced = self._enforce_verification(turn, state)
        asked = state.verification_asked or (not turn.completed and asks_for_verification(turn.query))
        view.append({"role": "assistant", "content": json.dumps(
            {"completed": turn.completed, "query": turn.query, "reason": turn.reason, "is_success": turn.is_success},
            ensure_ascii=False)})
        return turn, replace(state, view=view, turns=state.turns + 1, verification_asked=asked,
                             drift_regenerations=state.drift_regenerations + regenerations,
                             verification_enforced=state.verification_enforced + enforced, replies=replies)

    @staticmethod
    def _enforce_verification(turn: UserTurn, state: SimulatorState) -> tuple[UserTurn, int]:
        """A success is accepted only after one verification pass; otherwise that pass is asked for now."""
        if not (turn.completed and turn.is_success) or state.verification_asked or state.turns == 0:
            return turn, 0
        return UserTurn(False, VERIFY_QUERY, "one verification pass is required before finishing", False), 1
