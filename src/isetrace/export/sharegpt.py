"""Episode → ShareGPT, in the convention LLaMA-Factory reads (``formatting: sharegpt``)::

    {"conversations": [{"from": "system" | "human" | "gpt" | "function_call" | "observation", "value": str}],
     "system": "<the system prompt>",
     "tools": "<JSON string: the OpenAI function schemas offered>"}

The rules LLaMA-Factory enforces (it silently drops a conversation that breaks them), and how an episode
meets them:

- After an optional leading ``system`` turn, ``human``/``observation`` turns sit at even positions and
  ``gpt``/``function_call`` turns at odd positions, and the conversation ends on a ``gpt``/``function_call``
  turn. The system prompt is both the first turn and the ``system`` field (LLaMA-Factory prefers the turn;
  other ShareGPT readers use the field).
- A ``function_call`` value is the JSON of ``{"name", "arguments"}``; several calls in one assistant
  message become one ``function_call`` turn holding a JSON list of them. ``arguments`` is the parsed object;
  arguments that never parsed stay the raw string the model wrote.
- The results of those calls become one ``observation`` turn: a single result as is, several joined with
  :data:`OBSERVATION_SEPARATOR` — what LLaMA-Factory itself does when it converts OpenAI-format tool
  results.
- Reasoning, when kept (the default), is the value's prefix ``<think>\\n…\\n</think>\\n\\n``, the form
  LLaMA-Factory's reasoning templates and its function-call formatter read.
- Consecutive user messages are joined with a blank line. Trailing ``human``/``observation`` turns (an
  episode that stopped before the agent answered) are dropped: they have no response to learn.

What ShareGPT cannot hold, and so is left out: prose that an assistant message carries *alongside* tool
calls (a ``function_call`` value has no place for it), and tool-result details beyond the text the model saw
(``success`` and the rest are in the ISE formats). An episode whose order cannot alternate — a user message
right after tool results, which happens when a turn is cut off by the step limit — raises
:class:`~isetrace.export.Unrepresentable` and is counted, not written.
"""

from __future__ import annotations

import json
from typing import Any

from isetrace.export.episode_parts import Unrepresentable, arguments_value, json_text, system_prompt
from isetrace.records import Episode, Message

__all__ = ["OBSERVATION_SEPARATOR", "sharegpt_problems", "to_sharegpt"]

OBSERVATION_SEPARATOR = "\n</tool_response>\n<tool_response>\n"
"""Between the results of parallel tool calls inside one observation turn (LLaMA-Factory's own join)."""

_ASKING = ("human", "observation")
_ANSWERING = ("gpt", "function_call")


def _think(message: Message, include_reasoning: bool) -> str:
    if include_reasoning and message.reasoning_content:
        return f"<think>\n{message.reasoning_content.strip(chr(10))}\n</think>\n\n"
    return ""


def _function_call(message: Message) -> str:
    calls = [{"name": c.name, "arguments": arguments_value(c)} for c in message.tool_calls]
    return json_text(calls[0] if len(calls) == 1 else calls)


def _turns(episode: Episode, include_reasoning: bool) -> list[tuple[str, str]]:
    turns: list[tuple[str, str]] = []
    results: list[str] = []

    def add(tag: str, value: str) -> None:
        if results and tag != "observation":
            pending = OBSERVATION_SEPARATOR.join(results)
            results.clear()
            add("observation", pending)
        if turns and turns[-1][0] == tag and tag in ("human", "gpt"):
            turns[-1] = (tag, f"{turns[-1][1]}\n\n{value}")
        else:
            turns.append((tag, value))

    messages = episode.messages
    if messages and messages[0].role == "system":
        messages = messages[1:]
    for message in messages:
        if message.role == "tool":
            results.append(message.content or "")
        elif message.role == "user":
            add("human", message.content or "")
        elif message.role == "assistant" and message.tool_calls:
            add("function_call", _think(message, include_reasoning) + _function_call(message))
        elif message.role == "assistant":
            add("gpt", _think(message, include_reasoning) + (message.content or ""))
        else:
            raise Unrepresentable("a system message after the first message")
    if results:
        turns.append(("observation", OBSERVATION_SEPARATOR.join(results)))
    while turns and turns[-1][0] in _ASKING:
        turns.pop()
    return turns


def _describe(previous: str, tag: str) -> str:
    if previous == "observation" and tag == "human":
        return "a user message follows tool results with no agent answer between (a turn cut off by the step limit)"
    if previous == "function_call" and tag in _ANSWERING:
        return "tool calls without tool results"
    return f"a {tag!r} turn follows a {previous!r} turn"


def to_sharegpt(episode: Episode, *, include_reasoning: bool = True) -> dict[str, Any]:
    """One episode as a ShareGPT row (see the module docstring); :class:`Unrepresentable` if it cannot alternate."""
    turns = _turns(episode, include_reasoning)
    if not turns:
        raise Unrepresentable("no agent turn")
    for index, (tag, _) in enumerate(turns):
        expected = _ASKING if index % 2 == 0 else _ANSWERING
        if tag not in expected:
            previous = turns[index - 1][0] if index else "(start)"
            raise Unrepresentable(_describe(previous, tag))
    system = system_prompt(episode)
    conversations = [{"from": "system", "value": system}] if system else []
    conversations += [{"from": tag, "value": value} for tag, value in turns]
    return {"conversations": conversations, "system": system,
            "tools": json_text(episode.tools)}


def sharegpt_problems(row: object) -> list[str]:
    """Every way ``row`` breaks LLaMA-Factory's ShareGPT rules; empty when it loads there.

    Checks the keys, the tags, the alternation (after an optional leading system turn), the even count,
    that ``tools`` is a JSON list and that every ``function_call`` value (after any ``<think>`` block) is
    ``{"name", "arguments"}`` or a list of them.
    """
    if not isinstance(row, dict) or set(row) != {"conversations", "system", "tools"}:
        return ["a row must be exactly {conversations, system, tools}"]
    problems = []
    turns = row["conversations"]
    if not isinstance(turns, list):
        return ["conversations must be a list"]
    if turns and isinstance(turns[0], dict) and turns[0].get("from") == "system":
        turns = turns[1:]
    for index, turn in enumerate(turns):
        if not isinstance(turn, dict) or set(turn) != {"from", "value"} or not isinstance(turn["value"], str):
            problems.append(f"turn {index} must be {{from, value: str}}")
            continue
        expected = _ASKING if index % 2 == 0 else _ANSWERING
        if turn["from"] not in expected:
            problems.append(f"turn {index} is {turn['from']!r}, expected one of {', '.join(expected)}")
        if turn["from"] == "function_call":
            text = turn["value"]
            if text.startswith("<think>"):
                text = text.split("</think>", 1)[-1]
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                problems.append(f"turn {index}: function_call value is not JSON")
                continue
            calls = value if isinstance(value, list) else [value]
            if not calls or not all(isinstance(c, dict) and set(c) == {"name", "arguments"} for c in calls):
                problems.append(f"turn {index}: function_call must be {{name, arguments}} or a list of them")
    if not turns or len(turns) % 2:
        problems.append("the conversation must end on a gpt or function_call turn")
    if not isinstance(row["system"], str):
        problems.append("system must be a string")
    try:
        tools = json.loads(row["tools"]) if isinstance(row["tools"], str) else None
    except json.JSONDecodeError:
        tools = None
    if not isinstance(tools, list):
        problems.append("tools must be a JSON string holding a list")
    return problems
