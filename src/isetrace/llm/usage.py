"""Counting what each role's model calls cost: calls, retries, tokens and time.

A run that takes days on paid endpoints must be able to say, at any moment, what it has used and
where. One :class:`RoleUsage` per role, summed by :class:`UsageMeter`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

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
    cached_prompt_tokens: int = 0
    """Of ``prompt_tokens``, those the server reported as served from its prompt cache."""
    latency_s: float = 0.0
    """Wall time spent waiting for replies, retries and backoff included."""
    structured_output: str = ""
    """The structured-output mode in effect for this role's JSON replies ('' until one was asked for)."""
    structured_fallbacks: list[str] = field(default_factory=list)
    """Each fall back to a weaker mode, with the server's reason: ``json_schema → json_object: HTTP …``."""
    reasks: int = 0
    """JSON replies that could not be read (or lacked a field) and were asked again."""


    def absorb(self, other: RoleUsage) -> None:
        """Add what another process's client of the same role used (a Ray worker's, say)."""
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            if isinstance(mine, int | float) and not isinstance(mine, bool):
                setattr(self, item.name, mine + theirs)
        self.structured_output = other.structured_output or self.structured_output
        self.structured_fallbacks += [f for f in other.structured_fallbacks if f not in self.structured_fallbacks]


@dataclass
class UsageMeter:
    """Usage per role for one run; cheap to update from any coroutine (single-threaded asyncio)."""

    roles: dict[str, RoleUsage] = field(default_factory=dict)

    def role(self, name: str) -> RoleUsage:
        """The counters of ``name``, created on first use."""
        return self.roles.setdefault(name, RoleUsage())

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Role → its counters, as plain JSON-ready data."""
        return {name: asdict(role) for name, role in sorted(self.roles.items())}

    def absorb(self, roles: dict[str, dict[str, Any]]) -> None:
        """Add another process's usage, as :meth:`as_dict` gave it."""
        for name, counters in roles.items():
            self.role(name).absorb(RoleUsage(**counters))
