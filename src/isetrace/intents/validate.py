"""Validation of rendered intents: well-formed, sized, in the user's voice, feasible, consistent, with a
world seed that builds.

A rendered intent is kept only when every check passes; each rejection carries the check's name so a
run can report how many intents were rejected and why. The user-voice check reuses the role-drift
detector the simulated user is held to: a request written as an assistant would be is no request.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from isetrace.config import ValidationConfig
from isetrace.drift import detect_drift
from isetrace.intents.library import Library
from isetrace.records import Intent
from isetrace.worlds.seed import WorldSeedError, parse_seed

__all__ = ["Rejection", "rejection_counts", "validate_intent", "validate_intents"]

_RESIDUE = re.compile(r"(\{\{|\}\}|\{%|<intent>|</intent>|natural_language_intent|^\s*\{\s*\"intent\")", re.I)
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|my|me|we|we're|our|us)\b", re.I)
_ASSISTANT_KINDS = {"assistant_offer", "ai_identity", "apology", "agent_voice"}
_NEEDS_NETWORK = re.compile(
    r"\b(search (?:the )?(?:web|internet|online)|google (?:it|for)|browse to|look (?:it )?up online|"
    r"fetch (?:the )?(?:page|site|url)|download (?:it )?from)\b|"
    r"\b(?:fetch|download|scrape|crawl|visit|browse|open|pull|grab|check)\b[^.\n]{0,60}"
    r"https?://(?!localhost|127\.0\.0\.1)", re.I)
_OUT_OF_REACH = re.compile(
    r"\b(attached (?:file|spreadsheet|pdf|document)|see attachment|in the attachment|"
    r"screenshot|click (?:on|the)|log ?in to (?:my|our)|call me|phone me|text me)\b", re.I)


@dataclass(frozen=True)
class Rejection:
    """Why one intent was not kept: the failed check and a sentence about it."""

    intent_id: str
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.intent_id}: {self.check}: {self.detail}"


def _well_formed(text: str) -> str | None:
    if not text.strip():
        return "the text is empty"
    if _RESIDUE.search(text):
        return "the text still holds template or JSON residue"
    if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in text):
        return "the text holds control characters"
    return None


def _voice(text: str) -> str | None:
    if not _FIRST_PERSON.search(text):
        return "not written in the first person"
    verdict = detect_drift(text)
    assistant = [f for f in verdict.findings if f.kind in _ASSISTANT_KINDS]
    if assistant:
        return f"written in an assistant's voice ({assistant[0].kind}: {assistant[0].evidence!r})"
    return None


def _capabilities(text: str, network: bool) -> str | None:
    if not network and (match := _NEEDS_NETWORK.search(text)):
        return f"needs the network, which this run has off ({match.group(0)!r})"
    if match := _OUT_OF_REACH.search(text):
        return f"needs something the agent cannot reach ({match.group(0)!r})"
    return None


def _world(intent: Intent) -> str | None:
    if intent.world is None:
        return None
    try:
        parse_seed(intent.world)
    except WorldSeedError as exc:
        return str(exc)
    return None


def _consistent(intent: Intent, library: Library | None) -> str | None:
    meta = intent.metadata
    if meta.domains and [d.name for d in meta.domains] != intent.domains:
        return "domains differ from metadata.domains"
    listed = {t.name for d in meta.domains for t in d.selected_tasks}
    if listed and not set(intent.tasks) <= listed:
        return "tasks are not among metadata.domains[].selected_tasks"
    if meta.persona is not None and intent.persona_id and meta.persona.id != intent.persona_id:
        return "persona_id differs from metadata.persona.id"
    if library is not None and intent.complexity not in {c.name for c in library.complexity}:
        return f"unknown complexity {intent.complexity!r}"
    return None


def validate_intent(intent: Intent, config: ValidationConfig, *, network: bool,
                    library: Library | None = None) -> Rejection | None:
    """The first check ``intent`` fails, or ``None`` when it passes them all."""
    text = intent.natural_language_intent
    checks: tuple[tuple[str, Callable[[], str | None]], ...] = (
        ("well_formed", lambda: _well_formed(text)),
        ("length", lambda: None if config.min_chars <= len(text.strip()) <= config.max_chars
         else f"{len(text.strip())} characters, outside {config.min_chars}–{config.max_chars}"),
        ("user_voice", lambda: _voice(text)),
        ("capability", lambda: _capabilities(text, network)),
        ("metadata", lambda: _consistent(intent, library)),
        ("world", lambda: _world(intent)),
    )
    for name, check in checks:
        detail = check()
        if detail is not None:
            return Rejection(intent.id, name, detail)
    return None


def validate_intents(intents: Sequence[Intent], config: ValidationConfig, *, network: bool,
                     library: Library | None = None) -> tuple[list[Intent], list[Rejection]]:
    """Split intents into those kept and the rejections, in input order."""
    kept: list[Intent] = []
    rejected: list[Rejection] = []
    for intent in intents:
        rejection = validate_intent(intent, config, network=network, library=library)
        if rejection is None:
            kept.append(intent)
        else:
            rejected.append(rejection)
    return kept, rejected


def rejection_counts(rejections: Iterable[Rejection]) -> Counter[str]:
    """How many intents each check rejected."""
    return Counter(r.check for r in rejections)
