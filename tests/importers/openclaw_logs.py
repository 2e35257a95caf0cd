"""Small OpenClaw session logs written line by line, in the shape OpenClaw writes them (version 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["assistant", "header", "tool_result", "user", "write_log"]


def header(session_id: str = "sess-1") -> dict[str, Any]:
    return {"type": "session", "version": 3, "id": session_id, "timestamp": "2026-03-26T10:00:00.000Z", "cwd": "/w"}


def user(text: str, at: str = "2026-03-26T10:00:01.000Z") -> dict[str, Any]:
    return {"type": "message", "id": "u", "timestamp": at,
            "message": {"role": "user", "content": [{"type": "text", "text": text}]}}


def assistant(text: str = "", *, calls: tuple[tuple[str, str, Any], ...] = (), thinking: str = "",
              stop: str = "stop", at: str = "2026-03-26T10:00:02.000Z") -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if thinking:
        parts.append({"type": "thinking", "thinking": thinking})
    if text:
        parts.append({"type": "text", "text": text})
    parts += [{"type": "toolCall", "id": i, "name": n, "arguments": a} for i, n, a in calls]
    return {"type": "message", "id": "a", "timestamp": at,
            "message": {"role": "assistant", "content": parts, "model": "m-1", "stopReason": stop,
                        "usage": {"input": 10, "output": 5}}}


def tool_result(call_id: str, name: str, text: str, *, error: bool = False,
                at: str = "2026-03-26T10:00:03.000Z") -> dict[str, Any]:
    return {"type": "message", "id": "t", "timestamp": at,
            "message": {"role": "toolResult", "toolCallId": call_id, "toolName": name,
                        "content": [{"type": "text", "text": text}], "details": {"exitCode": 0, "durationMs": 20},
                        "isError": error}}


def write_log(path: Path, *lines: dict[str, Any] | str) -> Path:
    """Write ``lines`` (entries, or raw text for lines that are not entries) as a log at ``path``."""
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path
