"""Episode → OpenAI chat messages: the ISE OpenAI format, and a strict variant that follows the spec.

**ISE OpenAI format** (``ise-openai``), one JSON object per trajectory, in the layout of the published ISE
trajectories::

    status              the termination value ("success", "step_limit", …)
    session_id          the episode id
    source_intent_ids   the ids of the intents the session served
    source_intents      [{intent_id, natural_language_intent}] for those intents
    total_steps         number of tool calls
    enable_thinking     whether any assistant message carries reasoning
    messages            system, user, assistant, tool (below)
    tools               the OpenAI function schemas actually offered to the agent
    final_output        the agent's last prose
    metadata            persona, domains, tasks, complexity, termination (+ detail), verification,
                        models, provenance, timings, drift_regenerations, …

Messages: system and user are ``{role, content}``; assistant is ``{role, content}`` plus ``reasoning_content``
when the model reasoned and ``tool_calls`` (``[{id, type: "function", function: {name, arguments}}]``) when it
called tools; tool is ``{role, tool_call_id, name, content, success}`` (``success`` is the tool result's
``ok``). ``content`` is always a string here ("" where the model said nothing), which chat templates and the
published data expect. Tool-call ``arguments`` stay a parsed object where they parsed and are the raw text
the model wrote where they did not.

**Strict** (``openai-strict``) follows the OpenAI chat-completions request schema to the letter, for trainers
that validate it. Compared with the ISE format it drops:

- every top-level key except ``messages`` and ``tools`` (status, session_id, source_intent_ids,
  source_intents, total_steps, enable_thinking, final_output, metadata);
- ``reasoning_content`` from assistant messages;
- ``name`` and ``success`` from tool messages (a tool message is ``{role, tool_call_id, content}``);
- nothing else is added: no ``name`` on any message.

and it changes: tool-call ``arguments`` are always a JSON string (parsed arguments re-encoded, unparsed ones
the raw text); an assistant message that only calls tools has ``content: null`` (the one place the spec
allows null); every other ``content`` is a string. An episode whose messages break the spec's rules (a tool
message that answers no call, a call left without an answer) is not written in strict; the export counts it
as unrepresentable. :func:`strict_problems` is the checker.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from isetrace.export.episode_parts import Unrepresentable, arguments_text, arguments_value, final_output
from isetrace.records import Episode, Message, ToolCall

__all__ = ["STRICT_DROPS", "strict_problems", "to_ise_openai", "to_openai_strict"]

STRICT_DROPS = {
    "top level": ("status", "session_id", "source_intent_ids", "source_intents", "total_steps", "enable_thinking",
                  "final_output", "metadata"),
    "assistant": ("reasoning_content",),
    "tool": ("name", "success"),
}
"""What :func:`to_openai_strict` leaves out of an ISE OpenAI row, by where it sits."""


# --------------------------------------------------------------------------------------------- lenient


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _call(call: ToolCall, *, strict: bool) -> dict[str, Any]:
    arguments: dict[str, Any] | str = arguments_text(call) if strict else arguments_value(call)
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": arguments}}


def _ise_message(message: Message) -> dict[str, Any]:
    content = message.content or ""
    if message.role == "tool":
        result = message.result
        return {"role": "tool", "tool_call_id": message.tool_call_id or (result.call_id if result else ""),
                "name": message.name or (result.tool if result else ""), "content": content,
                "success": result.ok if result is not None else None}
    item: dict[str, Any] = {"role": message.role, "content": content}
    if message.role == "assistant":
        if message.reasoning_content:
            item["reasoning_content"] = message.reasoning_content
        if message.tool_calls:
            item["tool_calls"] = [_call(c, strict=False) for c in message.tool_calls]
    return item


def _metadata(episode: Episode) -> dict[str, Any]:
    first = episode.intents[0] if episode.intents else None
    persona = first.metadata.persona if first is not None else None
    domains = _unique(d for i in episode.intents for d in (i.domains or [s.name for s in i.metadata.domains]))
    tasks = _unique(t for i in episode.intents
                    for t in (i.tasks or [t.name for d in i.metadata.domains for t in d.selected_tasks]))
    assistant = [m for m in episode.messages if m.role == "assistant"]
    tool_results = [m.result for m in episode.messages if m.role == "tool" and m.result is not None]
    return {
        "persona": persona.model_dump(mode="json") if persona is not None else None,
        "domains": domains,
        "tasks": tasks,
        "complexity": first.complexity if first is not None else "",
        "termination": episode.termination.value,
        "termination_detail": episode.termination_detail,
        "verification": episode.verification.model_dump(mode="json") if episode.verification else None,
        "models": dict(episode.models),
        "provenance": episode.provenance,
        "timings": {
            "started_at": episode.started_at.isoformat(),
            "ended_at": episode.ended_at.isoformat(),
            "duration_s": (episode.ended_at - episode.started_at).total_seconds(),
            "agent_latency_s": sum(m.meta.latency_s for m in assistant if m.meta is not None),
            "tool_time_s": sum(r.duration_s for r in tool_results),
        },
        "usage": {
            "agent_prompt_tokens": sum(m.meta.usage.prompt_tokens for m in assistant if m.meta is not None),
            "agent_completion_tokens": sum(m.meta.usage.completion_tokens for m in assistant if m.meta is not None),
        },
        "drift_regenerations": episode.drift_regenerations,
        "attempt": episode.attempt,
        "config_hash": episode.config_hash,
        "user_turns": episode.user_turns,
        "failed_tool_calls": sum(1 for r in tool_results if not r.ok),
        "subagent_sessions": len(episode.subagents),
        "episode_format_version": episode.format_version,
    }


def to_ise_openai(episode: Episode) -> dict[str, Any]:
    """One episode as an ISE OpenAI row (see the module docstring for the layout)."""
    return {
        "status": episode.termination.value,
        "session_id": episode.episode_id,
        "source_intent_ids": [i.id for i in episode.intents],
        "source_intents": [{"intent_id": i.id, "natural_language_intent": i.natural_language_intent}
                           for i in episode.intents],
        "total_steps": episode.tool_call_count,
        "enable_thinking": any(m.role == "assistant" and bool(m.reasoning_content) for m in episode.messages),
        "messages": [_ise_message(m) for m in episode.messages],
        "tools": copy.deepcopy(episode.tools),
        "final_output": final_output(episode),
        "metadata": _metadata(episode),
    }


# --------------------------------------------------------------------------------------------- strict


def _strict_message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id or "", "content": message.content or ""}
    if message.role == "assistant" and message.tool_calls:
        return {"role": "assistant", "content": message.content or None,
                "tool_calls": [_call(c, strict=True) for c in message.tool_calls]}
    return {"role": message.role, "content": message.content or ""}


def to_openai_strict(episode: Episode) -> dict[str, Any]:
    """One episode as a spec-exact ``{messages, tools}`` row.

    Raises :class:`~isetrace.export.Unrepresentable` when the conversation breaks the spec's rules.
    """
    row = {"messages": [_strict_message(m) for m in episode.messages], "tools": copy.deepcopy(episode.tools)}
    problems = strict_problems(row)
    if problems:
        raise Unrepresentable(f"not valid OpenAI chat: {problems[0]}")
    return row


# --------------------------------------------------------------------------------------------- checker

_MESSAGE_KEYS = {
    "system": ({"role", "content"}, {"name"}),
    "developer": ({"role", "content"}, {"name"}),
    "user": ({"role", "content"}, {"name"}),
    "assistant": ({"role"}, {"content", "name", "tool_calls", "refusal", "audio", "function_call"}),
    "tool": ({"role", "content", "tool_call_id"}, set()),
}
"""role → (required keys, optional keys) of a chat-completions request message."""


def _text_content(value: object) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and bool(value) and all(
        isinstance(p, dict) and set(p) == {"type", "text"} and p["type"] == "text" and isinstance(p["text"], str)
        for p in value)


def _call_problems(where: str, call: object) -> list[str]:
    if not isinstance(call, dict) or set(call) != {"id", "type", "function"}:
        return [f"{where}: a tool call must have exactly id, type and function"]
    problems = []
    if not isinstance(call["id"], str) or not call["id"]:
        problems.append(f"{where}.id must be a non-empty string")
    if call["type"] != "function":
        problems.append(f"{where}.type must be 'function'")
    function = call["function"]
    if not isinstance(function, dict) or set(function) != {"name", "arguments"}:
        problems.append(f"{where}.function must have exactly name and arguments")
    else:
        if not isinstance(function["name"], str) or not function["name"]:
            problems.append(f"{where}.function.name must be a non-empty string")
        if not isinstance(function["arguments"], str):
            problems.append(f"{where}.function.arguments must be a JSON string")
    return problems


def _tool_problems(tools: object) -> list[str]:
    if not isinstance(tools, list):
        return ["tools must be a list"]
    problems = []
    for index, tool in enumerate(tools):
        where = f"tools[{index}]"
        if not isinstance(tool, dict) or set(tool) != {"type", "function"} or tool.get("type") != "function":
            problems.append(f"{where} must be exactly {{type: 'function', function}}")
            continue
        function = tool["function"]
        if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"]:
            problems.append(f"{where}.function.name must be a non-empty string")
            continue
        extra = set(function) - {"name", "description", "parameters", "strict"}
        if extra:
            problems.append(f"{where}.function has keys the spec does not define: {', '.join(sorted(extra))}")
        if "parameters" in function and not isinstance(function["parameters"], dict):
            problems.append(f"{where}.function.parameters must be a JSON Schema object")
        if "description" in function and not isinstance(function["description"], str):
            problems.append(f"{where}.function.description must be a string")
    return problems


def _message_problems(index: int, message: object) -> list[str]:
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        return [f"{where} must be an object"]
    role = message.get("role")
    if role not in _MESSAGE_KEYS:
        return [f"{where}.role {role!r} is not a chat role"]
    required, optional = _MESSAGE_KEYS[role]
    problems = []
    missing = required - set(message)
    extra = set(message) - required - optional
    if missing:
        problems.append(f"{where} ({role}) lacks {', '.join(sorted(missing))}")
    if extra:
        problems.append(f"{where} ({role}) has keys the spec does not define: {', '.join(sorted(extra))}")
    content = message.get("content")
    if role == "assistant":
        calls = message.get("tool_calls")
        if "tool_calls" in message and (not isinstance(calls, list) or not calls):
            problems.append(f"{where}.tool_calls must be a non-empty list when present")
        elif isinstance(calls, list):
            for n, call in enumerate(calls):
                problems.extend(_call_problems(f"{where}.tool_calls[{n}]", call))
        if content is None and not calls:
            problems.append(f"{where}.content may be null only when the assistant calls tools")
        elif content is not None and not _text_content(content):
            problems.append(f"{where}.content must be a string, text parts or null")
    elif not _text_content(content):
        problems.append(f"{where}.content must be a string (or text parts)")
    if role == "tool" and (not isinstance(message.get("tool_call_id"), str) or not message.get("tool_call_id")):
        problems.append(f"{where}.tool_call_id must be a non-empty string")
    return problems


def _pairing_problems(messages: list[Any]) -> list[str]:
    """Tool messages answer the calls of the assistant message right before them, each exactly once."""
    problems = []
    waiting: dict[str, int] = {}
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id in waiting:
                del waiting[call_id]
            else:
                problems.append(f"messages[{index}] (tool) answers no pending tool call")
            continue
        if waiting:
            problems.append(f"messages[{min(waiting.values())}]: tool call(s) {', '.join(sorted(waiting))} got no "
                            f"tool message before messages[{index}]")
            waiting = {}
        if role == "assistant" and isinstance(message.get("tool_calls"), list):
            waiting = {c["id"]: index for c in message["tool_calls"]
                       if isinstance(c, dict) and isinstance(c.get("id"), str)}
    if waiting:
        problems.append(f"messages[{min(waiting.values())}]: tool call(s) {', '.join(sorted(waiting))} got no tool "
                        "message")
    return problems


def strict_problems(row: object) -> list[str]:
    """Every way ``row`` departs from the OpenAI chat-completions request schema; empty when it conforms.

    Checks: top-level keys are exactly ``messages`` and ``tools``; each message has the keys its role allows
    and no others; ``content`` is a string (null only on an assistant message with tool calls); tool calls
    are ``{id, type: "function", function: {name, arguments: str}}``; every tool message answers a call of the
    assistant message before it and every call is answered before the conversation moves on; tools are
    ``{type: "function", function: {name, description?, parameters?, strict?}}``.
    """
    if not isinstance(row, dict):
        return ["a row must be an object"]
    problems = []
    if set(row) != {"messages", "tools"}:
        problems.append(f"top-level keys must be exactly messages and tools, got {', '.join(sorted(row))}")
    messages = row.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "messages must be a non-empty list"]
    for index, message in enumerate(messages):
        problems.extend(_message_problems(index, message))
    problems.extend(_pairing_problems(messages))
    problems.extend(_tool_problems(row.get("tools")))
    return problems
