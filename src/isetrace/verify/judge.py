"""The judge: a model grades an episode against a rubric derived from its intent, on the evidence.

Used where an intent has no checks that can decide (none were written, or every one was vacuous). The
judge sees the request, the rubric, the conversation, the digest of the tool results and a listing of
the final workspace (``prompts/judge.md``), and answers :class:`JudgeVerdict` as structured output. The
rubric comes from the intent alone: its deliverable and its tasks, and that the agent's closing words
claim nothing the record contradicts.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, field_validator

from isetrace.prompts import render_prompt
from isetrace.records import Intent, Verification

if TYPE_CHECKING:
    from isetrace.llm.model import ChatModel

__all__ = ["JudgeVerdict", "judge_intent", "rubric_of"]

MAX_REASONS = 12


class JudgeVerdict(BaseModel):
    """What the judge answers."""

    passed: bool
    score: float = Field(ge=0.0, le=1.0)
    reasons: list[str] = Field(default_factory=list)

    @field_validator("reasons")
    @classmethod
    def _bounded(cls, reasons: list[str]) -> list[str]:
        return [" ".join(reason.split())[:300] for reason in reasons[:MAX_REASONS]]


def rubric_of(intent: Intent) -> list[str]:
    """The rubric of ``intent``: what must hold for the request to count as done."""
    rubric = ["The deliverable the request names exists in the workspace with the content asked for."]
    rubric += [f"The task '{task}' was carried out, as the tool record shows." for task in intent.tasks]
    rubric.append("The agent's closing message claims nothing that the digest or the listing contradicts.")
    return rubric


async def judge_intent(client: ChatModel, intent: Intent, *, transcript: str, digest: str, listing: str,
                       ) -> Verification:
    """The judge's verdict on ``intent``. Raises what ``client.chat_structured`` raises
    (:class:`~isetrace.errors.EndpointError` and its kinds)."""
    rubric = {"request": intent.natural_language_intent, "rubric": rubric_of(intent)}
    prompt = render_prompt("judge", rubric_json=json.dumps(rubric, indent=2, ensure_ascii=False),
                           transcript=transcript, digest=digest, listing=listing)
    messages = [{"role": "system", "content": prompt}, {"role": "user", "content": "Grade it now."}]
    verdict, _ = await client.chat_structured(messages, JudgeVerdict)
    return Verification(method="judge", passed=verdict.passed, score=verdict.score, intent_id=intent.id,
                        detail="; ".join(verdict.reasons))
