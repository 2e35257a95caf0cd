"""What every world is to the host that serves it, and the audit log the host keeps of every call.

A world answers HTTP requests for its host names (:class:`World`). The host that serves a session's
worlds (:mod:`.host`) writes one :class:`AuditEntry` per request — who asked what, how it was answered,
which fault was injected — and a world adds what only it knows (the recipient of a mail, the branch a
push moved) with :func:`note`. The log lives on the host, outside the session: the agent can call the
worlds, never write their log.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Protocol

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MAX_AUDIT_ENTRIES", "AuditEntry", "AuditLog", "World", "host_of", "note", "noted"]

MAX_AUDIT_ENTRIES = 5_000
"""The most entries one session's log keeps; later calls are counted, not kept (an agent in a loop)."""
_DETAIL_KEY: web.RequestKey[dict[str, Any]] = web.RequestKey("isetrace_audit_detail", dict)
_MAX_DETAIL_CHARS = 500


class AuditEntry(BaseModel):
    """One call to a world, as the host saw it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int
    time_s: float
    """Seconds since the worlds started."""
    world: str
    via: str = "http"
    """``http`` (a request on the session's loopback) or ``tool`` (a function tool the host called)."""
    method: str
    host: str
    path: str
    status: int
    fault: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class AuditLog:
    """The append-only log of one session's worlds."""

    def __init__(self) -> None:
        self._entries: list[AuditEntry] = []
        self._started = time.monotonic()
        self.dropped = 0

    def append(self, **fields: Any) -> None:
        if len(self._entries) >= MAX_AUDIT_ENTRIES:
            self.dropped += 1
            return
        detail = {key: _capped(value) for key, value in (fields.pop("detail", None) or {}).items()}
        self._entries.append(AuditEntry(seq=len(self._entries) + 1, time_s=round(time.monotonic() - self._started, 3),
                                        detail=detail, **fields))

    def __iter__(self) -> Iterator[AuditEntry]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)


def _capped(value: Any) -> Any:
    """Details come from requests the agent wrote: strings are cut, anything else becomes a short string."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list):
        return [_capped(item) for item in value[:20]]
    if isinstance(value, dict):
        return {str(key)[:200]: _capped(item) for key, item in list(value.items())[:20]}
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _MAX_DETAIL_CHARS else text[:_MAX_DETAIL_CHARS - 1] + "…"


def host_of(request: web.Request) -> str:
    """The host a request names (``Host`` header): lower case, without port or trailing dot."""
    host = (request.host or "").strip().lower()
    if host.startswith("["):
        return host
    return host.rsplit(":", 1)[0].rstrip(".")


def note(request: web.Request, **detail: Any) -> None:
    """Add ``detail`` to the audit entry of ``request`` (a world's own view of what the call did)."""
    if _DETAIL_KEY not in request:
        request[_DETAIL_KEY] = {}
    request[_DETAIL_KEY].update(detail)


def noted(request: web.Request) -> dict[str, Any]:
    """What the world noted about ``request``."""
    return dict(request.get(_DETAIL_KEY, {}))


class World(Protocol):
    """One world: the host names it answers and how it answers a request for them."""

    name: str

    def answers(self, host: str) -> bool:
        """Whether requests for ``host`` (lower case, no port) are this world's."""
        ...

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The response to ``request``; everything in it came from the agent."""
        ...

    async def close(self) -> None:
        """Release what the world holds (files, processes) when its session ends."""
        ...
