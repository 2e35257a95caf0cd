"""Hand-built episodes for the export tests: every shape a real conversation takes, small enough to read."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from isetrace.records import (
    Episode,
    Intent,
    IntentMetadata,
    Message,
    MessageMeta,
    Persona,
    Termination,
    TokenUsage,
    ToolCall,
    ToolResult,
    Verification,
)

SYSTEM = "You are an agent working in /workspace. Today's date: 2026-01-15."

TOOLS: list[dict[str, Any]] = [
    {"type": "function", "function": {"name": "exec", "description": "Run a shell command.",
                                      "parameters": {"type": "object", "properties": {"command": {"type": "string"}},
                                                     "required": ["command"]}}},
    {"type": "function", "function": {"name": "write", "description": "Write a file.",
                                      "parameters": {"type": "object",
                                                     "properties": {"path": {"type": "string"},
                                                                    "content": {"type": "string"}},
                                                     "required": ["path", "content"]}}},
]

PERSONA = Persona(id="p1", name="Ines Duarte", role="Operations Analyst", industry="Logistics",
                  expertise=["shipment data"], experience_level="mid-level", communication_style="direct",
                  work_context="Works in the planning office of a parcel carrier in Porto.")

INTENT = Intent(id="i1", natural_language_intent="Save the deliveries table and compute late rates per depot.",
                domains=["file-io", "code-runtime"], tasks=["write-file", "write-script"], complexity="medium",
                metadata=IntentMetadata(persona=PERSONA))


def agent_meta() -> MessageMeta:
    return MessageMeta(producer="agent", model="m-agent", latency_s=0.5, usage=TokenUsage(prompt_tokens=100,
                                                                                         completion_tokens=20))


def system() -> Message:
    return Message(role="system", content=SYSTEM, meta=MessageMeta(producer="system"))


def user(text: str) -> Message:
    return Message(role="user", content=text, meta=MessageMeta(producer="user"))


def say(text: str, *, reasoning: str | None = None) -> Message:
    return Message(role="assistant", content=text, reasoning_content=reasoning, meta=agent_meta())


def calls(*items: ToolCall, text: str | None = None, reasoning: str | None = None) -> Message:
    return Message(role="assistant", content=text, tool_calls=list(items), reasoning_content=reasoning,
                   meta=agent_meta())


def call(ident: str, name: str, arguments: dict[str, Any]) -> ToolCall:
    return ToolCall(id=ident, name=name, arguments=arguments, arguments_raw=json.dumps(arguments))


def bad_call(ident: str, name: str, raw: str) -> ToolCall:
    return ToolCall(id=ident, name=name, arguments=None, arguments_raw=raw,
                    problem="the arguments are not valid JSON (Expecting value at column 1)")


def result(ident: str, name: str, content: str, *, ok: bool = True, exit_code: int | None = 0) -> Message:
    return Message(role="tool", tool_call_id=ident, name=name, content=content,
                   result=ToolResult(call_id=ident, tool=name, ok=ok, exit_code=exit_code, duration_s=0.25),
                   meta=MessageMeta(producer="sandbox"))


def rich_messages() -> list[Message]:
    """Two user turns; parallel calls (one parsed, one not), reasoning, a failed tool, prose beside a call."""
    return [
        system(),
        user("Save the table as deliveries.csv and count the rows."),
        calls(call("c1", "write", {"path": "deliveries.csv", "content": "depot,late\nPorto,9\n"}),
              bad_call("c2", "exec", "{'command': wc -l deliveries.csv"),
              reasoning="I will save the file and count its lines."),
        result("c1", "write", "Created deliveries.csv (22 bytes)."),
        result("c2", "exec", "error: the arguments are not valid JSON", ok=False, exit_code=None),
        calls(call("c3", "exec", {"command": "wc -l deliveries.csv"}), text="Retrying the count.",
              reasoning="The second call had broken JSON; retry it."),
        result("c3", "exec", "exit code: 0\n2 deliveries.csv"),
        say("Saved deliveries.csv; it has 2 lines (a header and one depot).", reasoning="Both steps worked."),
        user("Good. Now run a check that fails on purpose."),
        calls(call("c4", "exec", {"command": "false"})),
        result("c4", "exec", "exit code: 1", ok=False, exit_code=1),
        say("The check exited with code 1, as expected."),
    ]


def episode(messages: list[Message] | None = None, *, ident: str = "ep-1",
            termination: Termination = Termination.SUCCESS, tools: list[dict[str, Any]] | None = None) -> Episode:
    start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)
    return Episode(
        episode_id=ident, intents=[INTENT], messages=rich_messages() if messages is None else messages,
        tools=TOOLS if tools is None else tools, termination=termination, termination_detail=f"ended: {termination}",
        verification=Verification(method="user_simulator", passed=termination is Termination.SUCCESS),
        provenance="agent=m-agent, user=m-user", models={"agent": "m-agent", "user": "m-user"},
        config_hash="abc123", drift_regenerations=1, started_at=start, ended_at=start + dt.timedelta(seconds=42),
    )


def plain_episode(ident: str = "ep-plain", termination: Termination = Termination.SUCCESS) -> Episode:
    """One user turn, one call, one answer: the smallest complete trajectory."""
    return episode([system(), user("List the files."), calls(call("k1", "exec", {"command": "ls"})),
                    result("k1", "exec", "exit code: 0\nnotes.txt"), say("There is one file: notes.txt.")],
                   ident=ident, termination=termination)
