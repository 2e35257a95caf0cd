"""Labelled simulated-user turns, and the threshold choice made on them.

The sets live in tests/data/drift/ (its README says how each was made): one JSON object a line,
``{"text", "drifted", "kind"}``, with ``intent`` and ``turn_index`` on whole-intent rows. The drift
model is fitted on some of them, its threshold chosen on another, and measured on the held-out rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from isetrace.drift.rules import DRIFT_KINDS
from isetrace.errors import ConfigError
from isetrace.jsonl import load_jsonl

__all__ = ["LabelledTurn", "best_threshold", "load_labelled"]


class LabelledTurn(BaseModel):
    """One line of a labelled set: a simulated-user turn, whether it drifted, and how."""

    model_config = ConfigDict(extra="forbid")

    text: str
    drifted: bool
    kind: str | None
    intent: str = ""
    """The intent the turn belongs to; only whole-intent rows need it."""
    turn_index: int = 0

    @model_validator(mode="after")
    def _kind_matches_label(self) -> LabelledTurn:
        if self.drifted != (self.kind is not None):
            raise ValueError("a drifted turn names its kind, a clean one has kind null")
        if self.kind is not None and self.kind not in DRIFT_KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; kinds: {', '.join(DRIFT_KINDS)}")
        return self


def load_labelled(path: Path) -> list[LabelledTurn]:
    """Every row of a labelled set; a malformed line is a :class:`ConfigError` naming file and line."""
    try:
        rows, errors = load_jsonl(path, LabelledTurn)
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from exc
    if errors:
        raise ConfigError("; ".join(str(error) for error in errors[:5]))
    return rows


def best_threshold(probabilities: Sequence[float], labels: Sequence[bool], *, min_precision: float) -> float:
    """The lowest threshold whose precision on this (tuning) set reaches ``min_precision``.

    Lowest, because among thresholds precise enough it finds the most drift. Falls back to 0.5 when no
    threshold is precise enough.
    """
    scored = sorted(zip(probabilities, labels, strict=True), reverse=True)
    best = 0.5
    true_pos = 0
    for flagged, (probability, label) in enumerate(scored, 1):
        true_pos += bool(label)
        if flagged < len(scored) and scored[flagged][0] == probability:
            continue  # a threshold cannot split equal scores
        if true_pos / flagged >= min_precision:
            best = float(probability)
    return best
