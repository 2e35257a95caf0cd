"""The agent's words: the final reply after its tool calls, and the optional visible reasoning.

The final reply is built only from what really happened (the executed steps and their real results):
it quotes the last successful output, names the files, and says plainly when something failed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ._history import Exchange
from ._plans import Plan, Step
from ._results import error_line, excerpt, is_failure
from ._text import pick, truncate, upper_first
from ._tools import Toolkit

Outcome = Literal["working", "done", "gave_up", "capped"]


@dataclass(frozen=True)
class Progress:
    """Where the plan stands after replaying the tool results of the current user message."""

    executed: tuple[tuple[Step, Exchange], ...]
    next_step: Step | None
    outcome: Outcome


def final_reply(plan: Plan, progress: Progress, kit: Toolkit, rng: random.Random) -> str:
    """A summary of what was done, with real output, file names, and any failure stated honestly."""
    opener = {
        "done": pick(rng, ("Done.", "All done.", "Finished — here's the summary.")),
        "gave_up": "I could not finish this.",
        "capped": f"I stopped after {len(progress.executed)} tool steps without finishing.",
        "working": "",
    }[progress.outcome]
    parts = [opener, "What I did:\n" + "\n".join(_bullets(progress.executed))]
    output = _last_success_output(progress.executed)
    if output:
        parts.append(f"Output of the last successful step:\n```text\n{output}\n```")
    files = _files(plan, progress, kit)
    if files:
        parts.append("Files: " + ", ".join(f"`{name}`" for name in files) + ".")
    if progress.outcome == "done" and plan.note:
        parts.append(plan.note)
    if progress.outcome == "gave_up":
        step, exchange = progress.executed[-1]
        parts.append(
            f"I could not get past this step ({step.todo}): `{_failed_line(exchange)}`. I stopped "
            "instead of guessing; everything before that step is in place."
        )
    return "\n\n".join(part for part in parts if part)


def _bullets(executed: Sequence[tuple[Step, Exchange]]) -> list[str]:
    bullets = []
    for step, exchange in executed:
        if exchange.failed:
            bullets.append(f"- Tried to {step.todo} — it failed: `{_failed_line(exchange)}`")
        else:
            bullets.append(f"- {upper_first(step.done)}")
    return bullets or ["- nothing yet"]


def _failed_line(exchange: Exchange) -> str:
    failed = [result for result in exchange.results if is_failure(result)]
    return error_line(failed[-1]).replace("`", "'") if failed else "unknown error"


def _last_success_output(executed: Sequence[tuple[Step, Exchange]]) -> str:
    for _, exchange in reversed(executed):
        if not exchange.failed:
            for result in reversed(exchange.results):
                text = excerpt(result)
                if text:
                    return text.replace("```", "'''")
    return ""


def _files(plan: Plan, progress: Progress, kit: Toolkit) -> list[str]:
    """Files written by successful calls, plus the plan's outputs when the whole plan succeeded."""
    written = [
        path
        for _, exchange in progress.executed
        if not exchange.failed
        for call in exchange.calls
        if (path := kit.written_path(call))
    ]
    if progress.outcome == "done":
        written += plan.outputs
    return list(dict.fromkeys(written))


def reasoning(plan: Plan, progress: Progress) -> str:
    """A short, deterministic account of the plan and the next move, for thinking-enabled requests."""
    intro = f"The user wants me to {plan.goal}."
    steps = "; ".join(step.todo for step in plan.steps)
    last = progress.executed[-1][1] if progress.executed else None
    if progress.next_step is not None:
        upcoming = progress.next_step.todo
        if last is not None and last.failed:
            return (
                f"{intro} The last call failed ({truncate(_failed_line(last), 100)}), so I will {upcoming}."
            )
        if not progress.executed:
            return f"{intro} Plan: {steps}. I will first {upcoming}."
        return f"{intro} Next I will {upcoming}."
    if progress.outcome == "gave_up":
        return f"{intro} The retry failed as well, so I will stop and report the failure honestly."
    if progress.outcome == "capped":
        return f"{intro} I have used my step budget, so I will report where things stand."
    return f"{intro} All steps are done; I will summarise the results and name the files."
