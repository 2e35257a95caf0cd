"""The agent role: real tool calls that fit the latest user message, driven by the real tool results.

The policy is stateless. For every request it rebuilds the plan for the latest user message (seeded by
that message's text), replays the tool results that came back since then through a small state
machine — planned failures branch into their recovery, an unplanned failure gets one look-around and
one retry, a second unplanned failure ends the attempt — and emits either the next step's tool calls
or the final prose reply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._history import Exchange, read_history
from ._kinds_code import code_plan, data_plan, web_plan
from ._kinds_ops import automation_plan, docs_plan, files_plan, git_plan, system_plan
from ._kinds_world import errand_plan
from ._plans import Builder, Plan, Shell, Step, build_plan, notes_plan, to_call
from ._prose import Progress, final_reply, reasoning
from ._reply import PolicyReply
from ._sloppiness import Sloppiness, misplace_deliverable, overclaim_line, slips
from ._text import seeded_rng, truncate
from ._tools import discover

MAX_STEPS = 8
"""Tool-call turns allowed per user message; the plan plus recoveries stays well below it."""

BUILDERS: dict[str, Builder] = {
    "data": data_plan,
    "code": code_plan,
    "web": web_plan,
    "files": files_plan,
    "git": git_plan,
    "system": system_plan,
    "automation": automation_plan,
    "docs": docs_plan,
    "notes": notes_plan,
}


def respond(body: Mapping[str, object], sloppiness: Sloppiness | None = None) -> PolicyReply:
    """The agent's next message for an OpenAI chat-completions body: tool calls, or the final prose;
    with ``sloppiness``, now and then less than it says (:mod:`._sloppiness`)."""
    raw_messages = body.get("messages")
    messages: Sequence[object] = raw_messages if isinstance(raw_messages, list) else []
    kit = discover(body.get("tools"))
    history = read_history(messages)
    thinking = _wants_reasoning(body)
    if not kit.usable or not history.request.strip():
        return PolicyReply(
            content=_no_tools_reply(history.request),
            reasoning="No usable tools were offered, so I can only answer in prose." if thinking else None,
        )
    plan = build_plan(history, kit, BUILDERS, errand_plan)
    misplaced, overclaims = slips(sloppiness, messages) if sloppiness is not None else (False, False)
    if misplaced:
        plan = misplace_deliverable(plan, history.request)
    progress = replay(plan, history.current)
    note = reasoning(plan, progress) if thinking else None
    if progress.next_step is not None:
        return PolicyReply(
            content=None, tool_calls=[to_call(op, kit) for op in progress.next_step.ops], reasoning=note
        )
    rng = seeded_rng("agent-final", history.request, str(len(history.current)))
    reply = final_reply(plan, progress, kit, rng)
    if overclaims:
        reply = f"{reply}\n\n{overclaim_line(messages)}"
    return PolicyReply(content=reply, reasoning=note)


def replay(plan: Plan, exchanges: Sequence[Exchange]) -> Progress:
    """Walk the plan along the exchanges that already happened and decide what comes next."""
    queue = list(plan.steps)
    executed: list[tuple[Step, Exchange]] = []
    looked_around = False
    for exchange in exchanges:
        if not queue:
            break
        step = queue.pop(0)
        executed.append((step, exchange))
        if not exchange.failed:
            continue
        if step.recovery:
            queue[0:0] = step.recovery
        elif looked_around:
            return Progress(tuple(executed), None, "gave_up")
        else:
            looked_around = True
            queue[0:0] = [
                _look_around(),
                Step(f"try again to {step.todo}", f"tried again to {step.todo}", step.ops),
            ]
    if queue and len(executed) >= MAX_STEPS:
        return Progress(tuple(executed), None, "capped")
    return Progress(tuple(executed), queue[0] if queue else None, "working" if queue else "done")


def _look_around() -> Step:
    return Step(
        "look at the workspace to see what went wrong",
        "listed the workspace to see what went wrong",
        (Shell("ls -la"),),
    )


def _wants_reasoning(body: Mapping[str, object]) -> bool:
    """Thinking is on when `chat_template_kwargs.enable_thinking` is true or `reasoning_effort` is set."""
    kwargs = body.get("chat_template_kwargs")
    enabled = isinstance(kwargs, Mapping) and kwargs.get("enable_thinking") is True
    return enabled or body.get("reasoning_effort") is not None


def _no_tools_reply(request: str) -> str:
    if not request.strip():
        return "There is no request to work on yet."
    return (
        f'I have no tools in this session, so I can\'t run or change anything for "{truncate(request, 80)}". '
        "Offer me a shell or file tools and I will do the work and show you the real output."
    )
