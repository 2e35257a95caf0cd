"""A scripted agent that sometimes does less than it says, so that verification has something to catch.

Two habits of real agents, each at its own rate, decided once per conversation (by the first request's
text and a seed, so the same run always slips in the same places):

- ``wrong_deliverable``: a file a request names as its output is written under another name
  (``draft_<name>``), while the closing message still names it — a missing deliverable, and a claim the
  workspace contradicts;
- ``overclaim``: the closing message adds a file it "also saved" that no call ever wrote.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from ._conversation import named_output
from ._plans import Plan, Step, Write
from ._text import message_role, message_text, seeded_rng

__all__ = ["Sloppiness", "misplace_deliverable", "overclaim_line", "slips"]


class Sloppiness(BaseModel):
    """How often the scripted agent does less than it says (see the module docstring). Off by default."""

    model_config = ConfigDict(extra="forbid")

    wrong_deliverable: float = Field(0.0, ge=0.0, le=1.0)
    """Share of conversations whose deliverable is written under another name."""
    overclaim: float = Field(0.0, ge=0.0, le=1.0)
    """Share of conversations whose closing messages claim a file that was never written."""
    seed: int = 0


def _first_request(messages: Sequence[object]) -> str:
    return next((message_text(m) for m in messages if message_role(m) == "user"), "")


def slips(sloppiness: Sloppiness, messages: Sequence[object]) -> tuple[bool, bool]:
    """``(wrong_deliverable, overclaim)`` for this conversation."""
    rng = seeded_rng("sloppiness", str(sloppiness.seed), _first_request(messages))
    return rng.random() < sloppiness.wrong_deliverable, rng.random() < sloppiness.overclaim


def _misplaced(step: Step, name: str) -> Step:
    ops = tuple(dataclasses.replace(op, path=op.path.replace(name, f"draft_{name}"))
                if isinstance(op, Write) and op.path.rsplit("/", 1)[-1] == name else op for op in step.ops)
    return dataclasses.replace(step, ops=ops, recovery=tuple(_misplaced(s, name) for s in step.recovery))


def misplace_deliverable(plan: Plan, request: str) -> Plan:
    """``plan`` with every write of the file ``request`` names as its output aimed at ``draft_<name>``."""
    name = named_output(request)
    if name is None:
        return plan
    return dataclasses.replace(plan, steps=tuple(_misplaced(step, name) for step in plan.steps))


def overclaim_line(messages: Sequence[object]) -> str:
    """The sentence that claims a file no call wrote."""
    name = named_output(_first_request(messages)) or "summary.md"
    stem = name.rsplit(".", 1)[0]
    return f"I also saved a copy as `{stem}_final.md`."
