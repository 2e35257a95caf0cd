"""Episode → OpenAI chat messages: the ISE OpenAI format, and a strict variant that follows the spec.

**ISE OpenAI format** (``ise-openai``): the original recipe's "middle format", one JSON object per
trajectory, with the fields, types and values its converter writes (its readers load ours unchanged)::

    status                          "completed" for a success, "failed" otherwise (exact: metadata.termination)
    session_id                      the episode id
    source_intent_count             how many intents the session served
    source_intent_ids               their ids
    source_intents                  [{intent_id, natural_language_intent}] for those intents
    session_finalized_by_intent_id  the last intent's id
    intent                          the last intent's text (the recipe's older files have only this)
    total_steps                     number of tool calls
    enable_thinking                 whether any assistant message carries reasoning
    messages                        system, user, assistant, tool (below)
    tools                           the OpenAI function schemas actually offered to the agent
    skills                          the skills offered ({name, description, filePath, baseDir, source,
                                    disableModelInvocation})
    final_output                    the agent's last prose
    intent_id                       the last intent's id
    metadata                        the last intent's own metadata (persona, domains with their selected
                                    tasks) and ``session`` (OpenClaw's session entry,
                                    :mod:`.openclaw_session`), then what isetrace adds: tasks, complexity,
                                    termination (+ detail), verification (the simulator's),
                                    verifications (checks, reference answer), verified, verified_by,
                                    unsupported_claims,
                                    appended_query, models,
                                    runtime ({name, version}), provenance, seeds, timings, usage,
                                    drift_regenerations, attempt, config_hash, user_turns,
                                    failed_tool_calls, subagent_sessions, worlds ({worlds, calls,
                                    faults} or null), episode_format_version

Messages: system and user are ``{role, content}``; assistant is ``{role, content}`` plus ``tool_calls``
(``[{id, type: "function", function: {name, arguments}}]``) when it called tools and ``reasoning_content``
when the model reasoned; tool is ``{role, name, tool_call_id, content, success}`` (``success`` is the tool
result's ``ok``). ``content`` is always a string here ("" where the model said nothing), which chat
templates and the recipe's data expect. Tool-call ``arguments`` are JSON strings, as the recipe writes
them: parsed arguments re-encoded, and the raw text the model wrote where they did not parse.

**Strict** (``openai-strict``) follows the OpenAI chat-completions request schema to the letter, for trainers
that validate it. Compared with the ISE format it drops:

- every top-level key except ``messages`` and ``tools`` (:data:`STRICT_DROPS` lists them);
- ``reasoning_content`` from assistant messages;
- ``name`` and ``success`` from tool messages (a tool message is ``{role, tool_call_id, content}``);
- nothing else is added: no ``name`` on any message.

and it changes: an assistant message that only calls tools has ``content: null`` (the one place the spec
allows null); every other ``content`` is a string. An episode whose messages break the spec's rules (a tool
message that answers no call, a call left without an answer) is not written in strict; the export counts it
as unrepresentable. :func:`strict_problems` is the checker.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from isetrace.export.episode_parts import Unrepresentable, arguments_text, final_output, json_copy
from isetrace.export.openclaw_session import session_entry
from isetrace.records import Episode, Intent, Message, Termination, ToolCall

__all__ = ["STRICT_DROPS", "strict_problems", "to_ise_openai", "to_openai_strict"]

STRICT_DROPS = {
    "top level": ("status", "session_id", "source_intent_count", "source_intent_ids", "source_intents",
                  "session_finalized_by_intent_id", "intent", "total_steps", "enable_thinking", "skills",
                  "final_output", "intent_id", "metadata"),
    "assistant": ("reasoning_content",),
    "tool": ("name", "success"),
}
"""What :func:`to_openai_strict` leaves out of an ISE OpenAI row, by where it sits."""


# --------------------------------------------------------------------------------------------- lenient


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _call(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": arguments_text(call)}}


def _ise_message(message: Message) -> dict[str, Any]:
    content = message.content or ""
    if message.role == "tool":
        result = message.result
        return {"role": "tool", "name": message.name or (result.tool if result else ""),
                "tool_call_id": message.tool_call_id or (result.call_id if result else ""), "content": content,
                "success": result.ok if result is not None else None}
    item: dict[str, Any] = {"role": message.role, "content": content}
    if message.role == "assistant":
        if message.tool_calls:
            item["tool_calls"] = [_call(c) for c in message.tool_calls]
        if message.reasoning_content:
            item["reasoning_content"] = message.reasoning_content
    return item


RECIPE_STATUS = {Termination.SUCCESS: "completed"}
"""The recipe's ``status`` for a termination; every other termination is ``failed`` (the exact one is in
``metadata.termination``)."""


def _intent_metadata(intent: Intent | None) -> dict[str, Any]:
    """The intent's own metadata as the recipe copies it: what was read, nothing added (no empty persona id)."""
    if intent is None:
        return {"persona": None, "domains": []}
    data = intent.metadata.model_dump(mode="json", exclude_unset=True)
    data.setdefault("persona", None)
    data.setdefault("domains", [])
    return data


def _appended_query(episode: Episode) -> dict[str, Any] | None:
    query = episode.appended_query
    if query is None:
        return None
    return {"query_task_id": query.id, "query": query.natural_language_intent,
            "reference_answer": query.reference_answer}


def _metadata(episode: Episode, thinking: bool) -> dict[str, Any]:
    """The finalizing intent's metadata and the session entry (the recipe's), then what isetrace adds."""
    final = episode.intents[-1] if episode.intents else None
    tasks = _unique(t for i in episode.intents
                    for t in (i.tasks or [t.name for d in i.metadata.domains for t in d.selected_tasks]))
    assistant = [m for m in episode.messages if m.role == "assistant"]
    tool_results = [m.result for m in episode.messages if m.role == "tool" and m.result is not None]
    return {
        **_intent_metadata(final),
        "session": session_entry(episode, thinking=thinking),
        "tasks": tasks,
        "complexity": final.complexity if final is not None else "",
        "termination": episode.termination.value,
        "termination_detail": episode.termination_detail,
        "verification": episode.verification.model_dump(mode="json") if episode.verification else None,
        "verifications": [v.model_dump(mode="json") for v in episode.verifications],
        "verified": episode.verified,
        "verified_by": episode.verified_by,
        "unsupported_claims": [c.model_dump(mode="json") for c in episode.unsupported_claims],
        "appended_query": _appended_query(episode),
        "models": dict(episode.models),
        "runtime": {"name": episode.runtime, "version": episode.runtime_version},
        "provenance": episode.provenance,
        "seeds": dict(episode.seeds),
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
        "worlds": _worlds(episode),
        "episode_format_version": episode.format_version,
    }


def _worlds(episode: Episode) -> dict[str, Any] | None:
    """What the export keeps of the session's worlds: which ran, how many calls, the faults injected (the
    whole audit log stays in the episode)."""
    if episode.world is None:
        return None
    return {"worlds": list(episode.world.worlds), "calls": len(episode.world.audit),
            "faults": [{"fault": e.get("fault"), "world": e.get("world"), "path": e.get("path"),
                        "tool_call": (e.get("detail") or {}).get("tool_call")} for e in episode.world.faults]}


def to_ise_openai(episode: Episode) -> dict[str, Any]:
    """One episode as a row of the recipe's middle format (see the module docstring for the layout)."""
    final = episode.intents[-1] if episode.intents else None
    thinking = any(m.role == "assistant" and bool(m.reasoning_content) for m in episode.messages)
    return {
        "status": RECIPE_STATUS.get(episode.termination, "failed"),
        "session_id": episode.episode_id,
        "source_intent_count": len(episode.intents),
        "source_intent_ids": [i.id for i in episode.intents],
        "source_intents": [{"intent_id": i.id, "natural_language_intent": i.natural_language_intent}
                           for i in episode.intents],
        "session_finalized_by_intent_id": final.id if final is not None else "",
        "intent": final.natural_language_intent if final is not None else "",
        "total_steps": episode.tool_call_count,
        "enable_thinking": thinking,
        "messages": [_ise_message(m) for m in episode.messages],
        "tools": json_copy(episode.tools),
        "skills": json_copy(episode.skills),
        "final_output": final_output(episode),
        "intent_id": final.id if final is not None else "",
        "metadata": _metadata(episode, thinking),
    }


# --------------------------------------------------------------------------------------------- strict


def _strict_message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id or "", "content": message.content or ""}
    if message.role == "assistant" and message.tool_calls:
        return {"role": "assistant", "content": message.content or None,
                "tool_calls": [_call(c) for c in message.tool_calls]}
    return {"role": message.role, "content": message.content or ""}


def to_openai_strict(episode: Episode) -> dict[str, Any]:
    """One episode as a spec-exact ``{messages, tools}`` row.

    Raises :class:`~isetrace.export.Unrepresentable` when the conversation breaks the spec's rules.
    """
    row = {"messages": [_strict_message(m) for m in episode.messages], "tools": json_copy(episode.tools)}
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
