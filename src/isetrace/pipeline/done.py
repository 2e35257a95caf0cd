"""What counts as done in a run directory: the done-set key, and the record of a session that failed.

The done-set holds ``(session key, attempt)`` of every episode and every recorded failure; a runner
skips what is in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeAlias

from pydantic import BaseModel, ConfigDict, Field, model_validator

from isetrace.records import Episode, session_key

__all__ = ["EpisodeFailure", "RunKey", "episode_key"]

RunKey: TypeAlias = tuple[str, int]
"""``(session key, attempt)``: what the done-set holds."""


def episode_key(episode: Episode) -> RunKey:
    """The done-set key of an episode: its session key and attempt."""
    return session_key(intent.id for intent in episode.intents), episode.attempt


def _now() -> datetime:
    return datetime.now(UTC)


class EpisodeFailure(BaseModel):
    """A session that produced no episode, recorded so that a resumed run does not try it again.

    A failure counts as done for its ``(session_key, attempt)``; retrying means a new attempt number.
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    session_key: str
    """``"+".join(intent_ids)``, the same key an episode of this session would have."""
    intent_ids: list[str] = Field(min_length=1)
    """The intents of the session, in order."""
    attempt: int = Field(0, ge=0)
    """Which attempt at the session failed."""
    stage: str = Field(min_length=1)
    """Where it failed (``sandbox``, ``simulate``, ``verify``…)."""
    reason: str
    """What went wrong, for a person."""
    at: datetime = Field(default_factory=_now)
    """When it was recorded (UTC)."""

    @model_validator(mode="after")
    def _key_matches_intents(self) -> EpisodeFailure:
        expected = session_key(self.intent_ids)
        if self.session_key != expected:
            raise ValueError(f"session_key {self.session_key!r} does not match intent_ids (expected {expected!r})")
        return self

    @classmethod
    def of(cls, intent_ids: Sequence[str], *, attempt: int, stage: str, reason: str) -> EpisodeFailure:
        """A failure of the session made of ``intent_ids``, its key derived from them."""
        ids = list(intent_ids)
        return cls(session_key=session_key(ids), intent_ids=ids, attempt=attempt, stage=stage, reason=reason)

    @property
    def key(self) -> RunKey:
        return self.session_key, self.attempt
