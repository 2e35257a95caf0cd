"""Which endpoint failures are worth another try, and how long to wait before it.

Transient trouble — 429, 5xx, timeouts, dropped connections — is retried with exponential backoff and
full jitter (so many workers hitting one server do not retry in lock-step), honouring ``Retry-After``
when the server sends it. Failures of the request itself — bad auth, a bad request, a context that no
longer fits — fail at once with a message that says what to fix: retrying them only burns time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from time import time

import openai

__all__ = ["MAX_BACKOFF_S", "Verdict", "backoff_delay", "classify", "retry_after_s"]

MAX_BACKOFF_S = 60.0


@dataclass(frozen=True)
class Verdict:
    """What to do about one failed attempt."""

    retry: bool
    reason: str


def _status_text(exc: openai.APIStatusError) -> str:
    message = getattr(exc, "message", "") or str(exc)
    return f"HTTP {exc.status_code}: {message}"


def _is_context_overflow(exc: openai.APIStatusError) -> bool:
    text = (getattr(exc, "message", "") or str(exc)).lower()
    code = str(getattr(exc, "code", "") or "").lower()
    return "context_length" in code or any(
        marker in text for marker in ("context length", "context_length", "maximum context", "too many tokens")
    )


def classify(exc: BaseException) -> Verdict:
    """Decide whether ``exc`` (raised by the OpenAI SDK) is transient, and describe it for a person."""
    if isinstance(exc, openai.APITimeoutError):
        return Verdict(True, "the request timed out")
    if isinstance(exc, openai.APIConnectionError):
        return Verdict(True, f"the connection failed ({exc.__cause__ or exc})")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return Verdict(False, f"{_status_text(exc)} — check the API key variable (api_key_env) of this endpoint")
    if isinstance(exc, openai.NotFoundError):
        return Verdict(False, f"{_status_text(exc)} — check base_url and the model name")
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 429 or exc.status_code == 408 or exc.status_code >= 500:
            return Verdict(True, _status_text(exc))
        if _is_context_overflow(exc):
            return Verdict(False, f"{_status_text(exc)} — the conversation no longer fits the model's context")
        return Verdict(False, _status_text(exc))
    return Verdict(False, f"{type(exc).__name__}: {exc}")


def retry_after_s(exc: BaseException) -> float | None:
    """The delay the server asked for in ``Retry-After`` (seconds or an HTTP date), if any."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
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
