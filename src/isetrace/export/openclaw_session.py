"""The ``metadata.session`` object of the recipe's middle format, made from an episode.

The original recipe copies OpenClaw's session-store entry there: the session id, when it was last
updated, the thinking level, the model, the skills snapshot the system prompt was built from, and a
report of that system prompt (what went into it and how big each part was). isetrace writes the same
fields from what the episode knows, whichever runtime acted for the agent (its system prompt,
its tools, its skills, its models) and the fixed values of an isetrace sandbox where OpenClaw would name
its own (``sandbox.mode``); readers of the recipe's data find every key they expect, with its type.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from isetrace.export.episode_parts import system_prompt
from isetrace.records import Episode, Termination
from isetrace.skills import skills_prompt

__all__ = ["SESSION_SOURCE", "session_entry"]

SESSION_SOURCE = "isetrace"
"""``systemPromptReport.source``: who built the prompt (OpenClaw writes ``run``, as an episode of the
``openclaw`` runtime does)."""

WORKSPACE = "/workspace"
"""Where an episode's workspace is, as the agent sees it inside the sandbox."""

_BOOTSTRAP_MAX_CHARS = 20_000
_BOOTSTRAP_TOTAL_MAX_CHARS = 150_000


def _millis(episode: Episode) -> int:
    return int(episode.ended_at.timestamp() * 1000)


def _tool_entries(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """OpenClaw's report of each tool offered. Every episode of a run carries the same schemas, and measuring
    them (``schemaChars`` is the length of Python's JSON of the parameters) is most of what this entry
    costs, so the measures are kept per distinct list of schemas (by its JSON bytes), for a few lists."""
    try:
        key = orjson.dumps(tools)
    except (TypeError, orjson.JSONEncodeError):  # not JSON data: measured as it is, not kept
        return _measure_tools(tools)
    entries = _MEASURED.get(key)
    if entries is None:
        if len(_MEASURED) >= _MEASURED_MAX:
            _MEASURED.clear()
        entries = _MEASURED[key] = _measure_tools(tools)
    return [dict(entry) for entry in entries]  # each row its own, as if measured for it


_MEASURED: dict[bytes, list[dict[str, Any]]] = {}
_MEASURED_MAX = 16


def _measure_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries = []
    for tool in tools:
        function = tool.get("function", {}) if isinstance(tool, dict) else {}
        parameters = function.get("parameters") or {}
        entries.append({
            "name": str(function.get("name", "")),
            "summaryChars": len(str(function.get("description", ""))),
            "schemaChars": len(json.dumps(parameters, ensure_ascii=False)),
            "propertiesCount": len(parameters.get("properties") or {}),
        })
    return entries


def _report(episode: Episode, prompt: str, skills_block: str) -> dict[str, Any]:
    """OpenClaw's ``systemPromptReport``: what the system prompt was made of, in characters."""
    tools = _tool_entries(episode.tools)
    agents_md = prompt.split("AGENTS.md", 1)[1] if "AGENTS.md" in prompt else ""
    project = len(agents_md)
    return {
        "source": "run" if episode.runtime == "openclaw" else SESSION_SOURCE,
        "generatedAt": int(episode.started_at.timestamp() * 1000),
        "sessionId": episode.episode_id,
        "sessionKey": f"agent:isetrace:{episode.episode_id}",
        "provider": episode.provenance,
        "model": episode.models.get("agent", ""),
        "workspaceDir": WORKSPACE,
        "bootstrapMaxChars": _BOOTSTRAP_MAX_CHARS,
        "bootstrapTotalMaxChars": _BOOTSTRAP_TOTAL_MAX_CHARS,
        "bootstrapTruncation": {"warningMode": "once", "warningShown": False, "truncatedFiles": 0,
                                "nearLimitFiles": 0, "totalNearLimit": False},
        "sandbox": {"mode": "all", "sandboxed": True},
        "systemPrompt": {"chars": len(prompt), "projectContextChars": project,
                         "nonProjectContextChars": len(prompt) - project},
        "injectedWorkspaceFiles": [{"name": "AGENTS.md", "path": f"{WORKSPACE}/AGENTS.md", "missing": not project,
                                    "rawChars": project, "injectedChars": project, "truncated": False}],
        "skills": {"promptChars": len(skills_block),
                   "entries": [{"name": str(s.get("name", "")), "blockChars": len(skills_prompt([s]))}
                               for s in episode.skills]},
        "tools": {"listChars": sum(len(t["name"]) + t["summaryChars"] + 4 for t in tools),
                  "schemaChars": sum(t["schemaChars"] for t in tools), "entries": tools},
    }


def session_entry(episode: Episode, *, thinking: bool) -> dict[str, Any]:
    """The session-store entry of the recipe's ``metadata.session``, for ``episode``."""
    prompt = system_prompt(episode)
    skills = [dict(s) for s in episode.skills]
    block = skills_prompt(skills)
    agent_calls = [m.meta.usage.prompt_tokens for m in episode.messages if m.role == "assistant" and m.meta]
    return {
        "sessionId": episode.episode_id,
        "updatedAt": _millis(episode),
        "skillsSnapshot": {
            "prompt": block,
            "skills": [{"name": str(s.get("name", "")), "requiredEnv": []} for s in skills],
            "skillFilter": [str(s.get("name", "")) for s in skills],
            "resolvedSkills": skills,
            "version": 1,
        },
        "thinkingLevel": "on" if thinking else "off",
        "sessionFile": f"sessions/{episode.episode_id}.jsonl",
        "contextTokens": max(agent_calls, default=0),
        "modelProvider": episode.provenance,
        "model": episode.models.get("agent", ""),
        "abortedLastRun": episode.termination is Termination.INTERRUPTED,
        "systemPromptReport": _report(episode, prompt, block),
    }
