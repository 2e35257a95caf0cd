"""Reading tool results: did the call fail, what did it print, and which line names the error.

Tool layers format results differently (a leading `exit code: N` line, JSON with `exit_code`, an
`is_error` flag, raw file contents), so failure is judged heuristically: an explicit exit code wins,
then explicit error flags, then tell-tale text such as a Python traceback.
"""

from __future__ import annotations

import json
import re

from ._text import truncate

_EXIT_CODE = re.compile(
    r"(?:\bexit[ _](?:code|status)\s*[:=]?\s*|\[exit\s+|\bexited with (?:code|status)\s+"
    r"|\breturncode\s*[:=]\s*)(-?\d+)",
    re.IGNORECASE,
)
_EXIT_LINE = re.compile(
    r"^\s*(?:\[exit\s+-?\d+\]|exit[ _](?:code|status)\s*[:=]?\s*-?\d+)\s*$", re.IGNORECASE | re.MULTILINE
)
_FAILURE_TEXT = (
    "Traceback (most recent call last)",
    "command not found",
    "No such file or directory",
    "is not a git command",
    "Permission denied",
    ": not found",
)
_FAILURE_PREFIXES = ("Error", "error:", "fatal:", "ERROR:")
_ERROR_MARKERS = (
    "error",
    "not found",
    "no such file",
    "fatal",
    "not a ",
    "cannot",
    "can't",
    "denied",
    "invalid",
    "failed",
    "unknown",
)
_CODE_KEYS = ("exit_code", "exitCode", "returncode", "return_code")
_TEXT_KEYS = ("stdout", "output", "content", "text", "result", "stderr", "error")


def _as_object(text: str) -> dict[str, object] | None:
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def is_failure(text: str) -> bool:
    """Whether a tool result reports a failed call."""
    data = _as_object(text)
    if data is not None:
        if data.get("is_error") is True or data.get("success") is False or data.get("ok") is False:
            return True
        for key in _CODE_KEYS:
            code = data.get(key)
            if isinstance(code, int) and not isinstance(code, bool):
                return code != 0
        text = _json_text(data)
    match = _EXIT_CODE.search(text)
    if match:
        return int(match.group(1)) != 0
    if any(marker in text for marker in _FAILURE_TEXT):
        return True
    return text.lstrip().startswith(_FAILURE_PREFIXES)


def _json_text(data: dict[str, object]) -> str:
    """The human-readable text fields of a JSON tool result, joined."""
    return "\n".join(str(data[key]) for key in _TEXT_KEYS if isinstance(data.get(key), str) and data[key])


def output_lines(text: str) -> list[str]:
    """The meaningful lines of a result: exit-code lines and blanks removed, JSON unwrapped."""
    data = _as_object(text)
    body = _json_text(data) if data is not None and _json_text(data) else text
    return [line.rstrip() for line in _EXIT_LINE.sub("", body).splitlines() if line.strip()]


def excerpt(text: str, max_lines: int = 8, max_chars: int = 600) -> str:
    """The first lines of a result, each and all truncated, for quoting in a reply."""
    lines = output_lines(text)
    shown = [truncate(line, 120) for line in lines[:max_lines]]
    if len(lines) > max_lines:
        shown.append(f"… ({len(lines) - max_lines} more lines)")
    return truncate("\n".join(shown), max_chars)


def error_line(text: str) -> str:
    """The line that best names the error: the last one mentioning an error, else the last line."""
    lines = output_lines(text)
    for line in reversed(lines):
        if any(marker in line.lower() for marker in _ERROR_MARKERS):
            return truncate(line.strip(), 160)
    return truncate(lines[-1].strip(), 160) if lines else "no output"
