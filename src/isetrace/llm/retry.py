"""Which endpoint failures are worth another try, and how long to wait before it.

Transient trouble — 429, 408, 409, 5xx from an overloaded or broken server, timeouts, dropped
connections — is retried with exponential backoff and full jitter (so many workers hitting one server
do not retry in lock-step), honouring ``Retry-After`` when the server sends it. Failures of the request
itself fail at once with a message that says what to fix, because retrying them only burns time: bad
auth, any other 4xx (a bad request, a context that no longer fits), and a 500 whose body is a request
validation error (some servers, llama-cpp-python among them, answer a request they cannot parse with
500 instead of 4xx; the same request fails the same way every time).

What a person sees of a failure is one line: the server's own words, at most :data:`MAX_REASON_CHARS`
characters of them. The whole body is available as :func:`error_body` for debug logs.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from time import time

from isetrace.llm.wire import WireConnectionFailed, WireStatus, WireTimeout, WireTooLarge

__all__ = ["MAX_BACKOFF_S", "MAX_REASON_CHARS", "Verdict", "backoff_delay", "classify", "error_body",
           "is_request_validation_error", "one_line", "retry_after_s"]

MAX_BACKOFF_S = 60.0
MAX_REASON_CHARS = 300
"""How much of a server's error text goes into a log line or a stored failure detail."""

_RETRIED_4XX = frozenset({408, 409, 429})
"""Request timeout, conflict and rate limit: the only 4xx statuses that a second try can cure."""

_VALIDATION = re.compile(
    r"validation error|'loc': \(|\"loc\": \[|input should be|field required|extra inputs are not permitted|"
    r"invalid_request_error|unprocessable", re.I)
"""The marks of a request validation error in an error body (pydantic, FastAPI, OpenAI-style)."""


@dataclass(frozen=True)
class Verdict:
    """What to do about one failed attempt."""

    retry: bool
    reason: str
    """One line for a person: the status and the server's words, cut at :data:`MAX_REASON_CHARS`."""
    auth: bool = False
    """The server refused the credentials (401/403): every later request will be refused too."""


def one_line(text: str, limit: int = MAX_REASON_CHARS) -> str:
    """``text`` on one line (runs of whitespace become one space), cut at ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_body(exc: WireStatus) -> str:
    """The whole error text the server sent: its ``error.message`` when it has one, else the raw body."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
        return json.dumps(inner, ensure_ascii=False, default=str)
    if isinstance(body, str):
        return body or "(no error text)"
    return json.dumps(body, ensure_ascii=False, default=str)


def _status_text(exc: WireStatus) -> str:
    return one_line(f"HTTP {exc.status_code}: {error_body(exc)}")


def _is_context_overflow(exc: WireStatus) -> bool:
    text = error_body(exc).lower()
    code = (exc.code or "").lower()
    return "context_length" in code or any(
        marker in text for marker in ("context length", "context_length", "maximum context", "too many tokens",
                                      "exceed context window")
    )


def is_request_validation_error(exc: WireStatus) -> bool:
    """Whether the server says the request itself is malformed, whatever status it chose to say it with."""
    return bool(_VALIDATION.search(error_body(exc)))


def classify(exc: BaseException) -> Verdict:
    """Decide whether ``exc`` (raised by :class:`~isetrace.llm.wire.ChatWire`) is transient, and describe it for
    a person."""
    if isinstance(exc, WireTimeout):
        return Verdict(True, "the request timed out")
    if isinstance(exc, WireConnectionFailed):
        return Verdict(True, one_line(f"the connection failed ({exc})"))
    if isinstance(exc, WireTooLarge):
        return Verdict(False, one_line(f"{exc} — the server is not answering like a chat-completions endpoint"))
    if isinstance(exc, WireStatus):
        status = exc.status_code
        if status in (401, 403):
            return Verdict(False, f"{_status_text(exc)} — check the API key variable (api_key_env) of this endpoint",
                           auth=True)
        if status == 404:
            return Verdict(False, f"{_status_text(exc)} — check base_url and the model name")
        if status >= 500 and is_request_validation_error(exc):
            return Verdict(False, f"{_status_text(exc)} — the server could not read the request; "
                                  "retrying cannot help")
        if status in _RETRIED_4XX or status >= 500:
            return Verdict(True, _status_text(exc))
        if _is_context_overflow(exc):
            return Verdict(False, f"{_status_text(exc)} — the conversation no longer fits the model's context")
        return Verdict(False, _status_text(exc))
    return Verdict(False, one_line(f"{type(exc).__name__}: {exc}"))


def retry_after_s(exc: BaseException) -> float | None:
    """The delay the server asked for in ``Retry-After`` (seconds or an HTTP date), if any."""
    if not isinstance(exc, WireStatus):
        return None
    headers = exc.headers
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError):
        return None


def backoff_delay(attempt: int, base_s: float, server_hint_s: float | None, rng: random.Random) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based).

    The server's ``Retry-After`` wins when present (capped); otherwise full jitter over an exponentially
    growing window: uniform in [0, min(cap, base · 2^(attempt-1))].
    """
    if server_hint_s is not None:
        return min(server_hint_s, MAX_BACKOFF_S)
    window = min(MAX_BACKOFF_S, base_s * (2 ** (attempt - 1)))
    return rng.uniform(0.0, window)
