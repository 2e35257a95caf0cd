"""Which faults the scripted endpoint injects, how often, and the dice that decide each request.

Real endpoints fail in a handful of ways; the scripted endpoint reproduces each on demand so every
failure path of the client and the pipeline is exercised over real HTTP. A fault fires with its
``rate`` per eligible request, at most ``limit`` times when a limit is set (so a test can say "fail
twice, then answer"). Draws come from one seeded generator: the same seed and request order give the
same faults.

A streamed request meets the same faults: the HTTP errors, ``slow`` and ``disconnect`` strike before its
first event, as they would on a real server that has not started answering; the content faults spoil
the reply before it is cut into events, so a stream carries exactly the spoiled reply. Only
``stream_cut`` is particular to streams: it breaks one off mid-way.
"""

from __future__ import annotations

import random
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["FaultDice", "FaultKind", "FaultRule", "FaultSettings"]


class FaultKind(StrEnum):
    """The failure modes of real OpenAI-compatible endpoints that the scripted endpoint can imitate."""

    RATE_LIMIT = "rate_limit"
    """HTTP 429 with a ``Retry-After`` header."""
    SERVER_ERROR = "server_error"
    """HTTP 500."""
    SLOW = "slow"
    """The reply is held back ``slow_s`` seconds (past a client's timeout, it is a timeout)."""
    DISCONNECT = "disconnect"
    """The connection is dropped without an HTTP response (streamed or not)."""
    STREAM_CUT = "stream_cut"
    """A streamed reply breaks off: the connection is dropped after about half of its events, before
    ``[DONE]``, as when a model server dies mid-generation. Only streamed requests are eligible."""
    FENCED_JSON = "fenced_json"
    """A JSON reply comes inside a code fence with prose around it."""
    MALFORMED_JSON = "malformed_json"
    """A JSON reply is cut short, so it no longer parses."""
    BAD_TOOL_ARGS = "bad_tool_args"
    """A tool call's arguments are not valid JSON."""
    UNKNOWN_TOOL = "unknown_tool"
    """A tool call names a tool that was not offered."""
    EMPTY_REPLY = "empty_reply"
    """No content and no tool calls."""
    ROLE_DRIFT = "role_drift"
    """A simulated user's reply slips into the assistant's voice (offers help, apologises)."""
    REPORT_DRIFT = "report_drift"
    """A simulated user's reply reports work in the agent's voice, with none of an assistant's stock
    phrases: drift that the phrase rules miss and the drift model catches. ``role_drift`` wins when both
    fire on one reply."""


class FaultRule(BaseModel):
    """How often one fault fires. In YAML a bare number is shorthand for ``{rate: N}``."""

    model_config = ConfigDict(extra="forbid")

    rate: float = Field(0.0, ge=0.0, le=1.0)
    """Probability that the fault fires on an eligible request."""
    limit: int | None = Field(None, ge=0)
    """Fire at most this many times over the server's life; unlimited when unset."""

    @model_validator(mode="before")
    @classmethod
    def _number_is_rate(cls, value: Any) -> Any:
        return {"rate": value} if isinstance(value, int | float) else value


class FaultSettings(BaseModel):
    """Fault injection of one scripted endpoint. Every fault is off unless given a rate."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    """Seed of the dice, so a faulty run can be replayed exactly."""
    retry_after_s: float = Field(1.0, ge=0.0)
    """The ``Retry-After`` value sent with an injected 429."""
    slow_s: float = Field(5.0, ge=0.0)
    """How long a slow reply is held back."""
    rules: dict[FaultKind, FaultRule] = Field(default_factory=dict)
    """Fault name → rate (or ``{rate, limit}``)."""

    @model_validator(mode="before")
    @classmethod
    def _flat_rules(cls, value: Any) -> Any:
        """Accept ``{rate_limit: 0.1, seed: 3}`` as well as ``{rules: {rate_limit: 0.1}}``."""
        if not isinstance(value, dict):
            return value
        known = {"seed", "retry_after_s", "slow_s", "rules"}
        flat = {k: v for k, v in value.items() if k not in known}
        if not flat:
            return value
        rest = {k: v for k, v in value.items() if k in known}
        return {**rest, "rules": {**dict(rest.get("rules") or {}), **flat}}

    @property
    def active(self) -> bool:
        return any(rule.rate > 0 for rule in self.rules.values())


class FaultDice:
    """Decides, request by request, whether a fault fires; counts what fired for reports and tests."""

    def __init__(self, settings: FaultSettings) -> None:
        self.settings = settings
        self._random = random.Random(settings.seed)
        self.fired: dict[FaultKind, int] = {}

    def roll(self, kind: FaultKind) -> bool:
        """Whether ``kind`` fires for this request; call only when the request is eligible for it."""
        rule = self.settings.rules.get(kind)
        if rule is None or rule.rate <= 0:
            return False
        if rule.limit is not None and self.fired.get(kind, 0) >= rule.limit:
            return False
        if self._random.random() >= rule.rate:
            return False
        self.fired[kind] = self.fired.get(kind, 0) + 1
        return True
