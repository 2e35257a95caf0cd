"""The simulated-user role: one sub-goal per turn, reacting to what the agent's tools really did.

Seen from the simulator's side, `assistant` messages are its own earlier turns and `user` messages are
the agent's replies. The state (current sub-goal, fix requests in a row, phase) is never stored: it is
recomputed by replaying the decision function over the agent's replies, so a saved history resumes to
exactly the same next turn.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ._conversation import (
    AgentTurn,
    data_for_goals,
    derive_goals,
    named_output,
    pasted_data,
    persona_of,
    read_agent_turn,
)
from ._reply import PolicyInputError, PolicyReply
from ._text import (
    as_str,
    as_str_list,
    first_fenced_json,
    message_role,
    message_text,
    pick,
    seeded_rng,
    upper_first,
)
from ._voice import Level, Voice, voice_of

MAX_FIX_REQUESTS = 2

Kind = Literal["open", "fix", "advance", "skip", "verify", "close"]


@dataclass(frozen=True)
class _Setup:
    voice: Voice
    goals: tuple[str, ...]
    data: tuple[str | None, ...]
    output: str | None
    seed: str


@dataclass(frozen=True)
class _State:
    goal: int = 0
    fixes: int = 0
    phase: Literal["working", "verifying", "done"] = "working"


@dataclass(frozen=True)
class _Turn:
    kind: Kind
    state: _State
    reacting_to: AgentTurn | None
    skipped: str | None = None


def respond(body: Mapping[str, object]) -> PolicyReply:
    """The next simulated-user turn as `{"completed", "query", "reason", "is_success"}` JSON content."""
    raw_messages = body.get("messages")
    messages: Sequence[object] = raw_messages if isinstance(raw_messages, list) else []
    setup = _read_setup(messages)
    agent_turns = _agent_turns(messages)
    turn = _replay(setup, agent_turns)
    rng = seeded_rng("user", setup.seed, str(len(agent_turns)), turn.kind)
    completed = turn.kind == "close"
    success = completed and _judge_success(agent_turns)
    reply = {
        "completed": completed,
        "query": _phrase(turn, setup, rng, success),
        "reason": _reason(turn, setup, success),
        "is_success": success,
    }
    return PolicyReply(content=json.dumps(reply, ensure_ascii=False))


def _read_setup(messages: Sequence[object]) -> _Setup:
    block = first_fenced_json(messages, "json", "intent")
    if block is None:
        raise PolicyInputError("simulated-user request has no ```json block with an 'intent' key")
    intent = as_str(block.get("intent"))
    goals = derive_goals(intent, as_str_list(block.get("sub_goals")))
    return _Setup(
        voice=voice_of(persona_of(block)),
        goals=goals,
        data=data_for_goals(goals, pasted_data(intent)),
        output=named_output(intent),
        seed=intent,
    )


def _agent_turns(messages: Sequence[object]) -> list[AgentTurn]:
    """The agent's reply to each of our turns: the `user` messages after each `assistant` message.

    A `user` message before our first turn is a kick-off instruction, not an agent reply.
    """
    replies: list[list[str]] = []
    for message in messages:
        role = message_role(message)
        if role == "assistant":
            replies.append([])
        elif role == "user" and replies:
            replies[-1].append(message_text(message))
    return [read_agent_turn("\n\n".join(texts)) for texts in replies]


def _replay(setup: _Setup, agent_turns: Sequence[AgentTurn]) -> _Turn:
    """Fold the decision over every agent reply so far; the last decision is this turn."""
    turn = _Turn("open", _State(), None)
    for agent_turn in agent_turns:
        turn = _decide(turn.state, agent_turn, len(setup.goals))
    return turn


def _decide(state: _State, agent: AgentTurn, goal_count: int) -> _Turn:
    """Responsive conditioning: fix what failed (bounded), else acknowledge and advance; after the last
    sub-goal ask for exactly one verification pass; after it, close."""
    if state.phase != "working":
        return _Turn("close", replace(state, phase="done"), agent)
    problem = agent.problem
    if problem and state.fixes < MAX_FIX_REQUESTS:
        return _Turn("fix", replace(state, fixes=state.fixes + 1), agent)
    if state.goal + 1 >= goal_count:
        return _Turn("verify", _State(state.goal, 0, "verifying"), agent, skipped=problem)
    return _Turn("skip" if problem else "advance", _State(state.goal + 1), agent, skipped=problem)


def _judge_success(agent_turns: Sequence[AgentTurn]) -> bool:
    """Success iff the last digest has no unresolved failures; without any digest, iff the last reply
    reports no error."""
    digests = [turn.digest for turn in agent_turns if turn.digest is not None]
    if digests:
        return digests[-1].unresolved == 0
    return not agent_turns or agent_turns[-1].problem is None


_GREETINGS = {
    "casual": ("Hi! ", "Hey! ", "Hey there! "),
    "formal": ("Hello. ", "Good morning. "),
    "neutral": ("Hi. ", ""),
    "terse": ("",),
}
_OPEN: dict[Level, tuple[str, ...]] = {
    "junior": (
        "I have a task for work and I'd like to take it step by step. To start, could you {g}?",
        "I'm working on something for my team. The first thing I need is to {g} — could you do that?",
    ),
    "mid": ("Let's start with this: {g}.", "First step: {g}.", "To begin, please {g}."),
    "senior": ("{G}.", "Start with this: {g}."),
    "executive": ("First: {g}. Keep it tight.", "{G}. Quickly, please."),
}
_NEXT: dict[Level, tuple[str, ...]] = {
    "junior": (
        "Next, could you {g}?",
        "The next thing on my list is to {g} — could you do that?",
        "Now I think we need to {g}. Please go ahead.",
    ),
    "mid": ("Next: {g}.", "Now please {g}.", "Moving on — {g}."),
    "senior": ("Next: {g}.", "Now {g}."),
    "executive": ("Next: {g}.", "{G}."),
}
_ACK_NAMED = ("Good, {m} looks right.", "Thanks — {m} is what I needed.", "OK, got {m}.", "Seen {m}, fine.")
_ACK_PLAIN = ("Good.", "OK, thanks.", "Fine.", "Great, that works.")
_FIX = (
    "That didn't go through: {p}. Fix that and try again.",
    "There's a failure — {p}. Sort that out before we move on.",
    "It failed: {p}. Fix that specific problem, then run it again.",
)
_FIX_AGAIN = ("Still failing: {p}. One more try — fix that.", "Same problem: {p}. Fix it properly this time.")
_SKIP = (
    "Leave {p} as it is for now and note it in the final summary.",
    "Park {p}; mention it in the summary and move on.",
)
_VERIFY = (
    "Before we wrap up: re-run it once and show me the output{f}.",
    "One last check — run the final step again and show me the result{f}.",
    "Last thing: verify it — re-run it and show me what it prints{f}.",
)
_CLOSE_OK = (
    "Thanks, that's everything.",
    "Great, that's all for now.",
    "Good. We're done here.",
    "Perfect, that's what I needed.",
)
_CLOSE_OPEN = (
    "Stopping here; {p} is still open and I'll take it from here.",
    "That's where we leave it — {p} still needs attention, I'll handle it.",
)
_ASSUMPTIONS = (
    (("port", "server", "service", "api", "endpoint"), "Use the default port, 8080."),
    (("schedule", "cron", "daily", "weekly", "every", "job"), "Assume all times are UTC."),
    (("csv", "table", "numbers", "totals", "average"), "Treat the first row as the header."),
    (("email", "message", "update", "announcement", "post"), "Address it to team@example.com."),
    (("git", "commit", "branch", "repo"), "Use `main` as the base branch."),
    (("file", "files", "folder", "folders", "rename", "organise", "organize"), "Work in the current folder."),
    (("image", "images", "resize", "audio", "speech"), "Keep the originals untouched."),
)


def _phrase(turn: _Turn, setup: _Setup, rng: random.Random, success: bool) -> str:
    """The wording of one turn, in the persona's register; instructions and decisions only."""
    level, index = setup.voice.level, turn.state.goal
    if turn.kind == "open":
        text = pick(rng, _GREETINGS[setup.voice.tone]) + _goal_request(_OPEN[level], setup.goals[index], rng)
        return _with_goal_details(text, setup, index)
    agent = turn.reacting_to
    assert agent is not None, "every turn after the first reacts to an agent reply"
    if turn.kind == "fix":
        bank = _FIX if turn.state.fixes == 1 else _FIX_AGAIN
        return pick(rng, bank).format(p=_quoted(agent.problem or "the last step"))
    if turn.kind == "close":
        if success or not agent.problem:
            return pick(rng, _CLOSE_OK)
        return pick(rng, _CLOSE_OPEN).format(p=_quoted(agent.problem))
    lead = pick(rng, _SKIP).format(p=_quoted(turn.skipped)) if turn.skipped else _acknowledge(agent, rng)
    if turn.kind == "verify":
        target = setup.output or agent.file_mention
        suffix = f", and print `{target}` so I can check it" if target else ""
        return f"{lead} {pick(rng, _VERIFY).format(f=suffix)}"
    text = f"{lead} {_goal_request(_NEXT[level], setup.goals[index], rng)}"
    return _with_goal_details(text, setup, index)


def _goal_request(bank: tuple[str, ...], goal: str, rng: random.Random) -> str:
    return pick(rng, bank).format(g=goal, G=upper_first(goal))


def _with_goal_details(text: str, setup: _Setup, index: int) -> str:
    """Add what a delegating person supplies with a sub-goal: a stated assumption for a missing detail,
    the pasted data that goes with it, and the output file with the last one."""
    goal = setup.goals[index]
    words_in_goal = set(re.findall(r"[a-z]+", goal.lower()))
    assumption = next((line for words, line in _ASSUMPTIONS if words_in_goal.intersection(words)), None)
    if assumption:
        text = f"{text} {assumption}"
    if setup.data[index]:
        text = f"{text}\n\nHere's the data:\n{setup.data[index]}"
    if index == len(setup.goals) - 1 and setup.output and setup.output not in goal:
        text = f"{text} The final output goes in `{setup.output}`."
    return text


def _acknowledge(agent: AgentTurn, rng: random.Random) -> str:
    mention = agent.mention
    return pick(rng, _ACK_NAMED).format(m=mention) if mention else pick(rng, _ACK_PLAIN)


def _quoted(problem: str | None) -> str:
    text = (problem or "the failure").replace("`", "'")
    return f"`{text}`"


def _reason(turn: _Turn, setup: _Setup, success: bool) -> str:
    """Why this turn says what it says, for the trajectory's audit trail."""
    count, number = len(setup.goals), turn.state.goal + 1
    if turn.kind == "open":
        return f"Opening with sub-goal 1 of {count}."
    if turn.kind == "fix":
        return (
            f"The agent's last turn failed; fix request {turn.state.fixes} of {MAX_FIX_REQUESTS} "
            f"for sub-goal {number}."
        )
    if turn.kind == "skip":
        return (
            f"Failure persisted after {MAX_FIX_REQUESTS} fix requests; "
            f"moving on to sub-goal {number} of {count}."
        )
    if turn.kind == "advance":
        return f"Previous sub-goal done; moving to sub-goal {number} of {count}."
    if turn.kind == "verify":
        return f"All {count} sub-goals addressed; requesting one verification pass."
    outcome = "no unresolved failures remain" if success else "unresolved failures remain"
    return f"Verification pass done after {count} sub-goals; {outcome}, so the task is closed."
