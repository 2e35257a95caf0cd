"""Counting what each role's model calls cost: calls, retries, tokens and time.

A run that takes days on paid endpoints must be able to say, at any moment, what it has used and
where. One :class:`RoleUsage` per role, summed by :class:`UsageMeter`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RoleUsage", "UsageMeter"]


@dataclass
class RoleUsage:
    """What one role's endpoint has been asked for and what it answered."""

    calls: int = 0
    """Requests that produced a usable reply (cache hits included)."""
    attempts: int = 0
    """HTTP attempts, retries included (cache hits excluded)."""
    retries: int = 0
    """Attempts that failed transiently and were tried again."""
    failures: int = 0
    """Requests that ended in an error after all retries."""
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    """Wall time spent waiting for replies, retries and backoff included."""
    structured_output: str = ""
    """The structured-output mode in effect for this role's JSON replies ('' until one was asked for)."""
    structured_fallbacks: list[str] = field(default_factory=list)
    """Each fall back to a weaker mode, with the server's reason: ``json_schema → json_object: HTTP …``."""
    reasks: int = 0
    """JSON replies that could not be read (or lacked a field) and were asked again."""


@dataclass
class UsageMeter:
    """Usage per role for one run; cheap to update from any coroutine (single-threaded asyncio)."""

    roles: dict[str, RoleUsage] = field(default_factory=dict)

    def role(self, name: str) -> RoleUsage:
        """The counters of ``name``, created on first use."""
        return self.roles.setdefault(name, RoleUsage())
