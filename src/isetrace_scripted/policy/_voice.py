"""A persona's register, read from its free-text fields by keyword matching.

Both the intent renderer and the simulated user speak in the persona's voice. Real persona libraries
have ~120 free-text communication styles and several spellings of experience levels, so we map them
onto a few registers with keyword lists and a neutral fallback instead of expecting exact values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ._text import as_str

Level = Literal["junior", "mid", "senior", "executive"]
Tone = Literal["terse", "formal", "casual", "neutral"]

_LEVEL_WORDS: dict[Level, tuple[str, ...]] = {
    "executive": (
        "executive",
        "principal",
        "director",
        "head",
        "chief",
        "vp",
        "c-level",
        "partner",
        "founder",
        "distinguished",
    ),
    "senior": ("senior", "lead", "staff", "expert", "advanced", "veteran", "seasoned"),
    "junior": ("junior", "entry", "intern", "graduate", "trainee", "apprentice", "beginner", "novice", "new"),
    "mid": ("mid", "intermediate", "experienced", "professional", "associate"),
}
_TONE_WORDS: dict[Tone, tuple[str, ...]] = {
    "terse": (
        "concise",
        "direct",
        "terse",
        "brief",
        "blunt",
        "to the point",
        "short",
        "no-nonsense",
        "succinct",
        "crisp",
        "efficient",
    ),
    "formal": (
        "formal",
        "detailed",
        "thorough",
        "precise",
        "structured",
        "methodical",
        "polite",
        "academic",
        "meticulous",
        "diplomatic",
    ),
    "casual": (
        "friendly",
        "casual",
        "warm",
        "informal",
        "chatty",
        "relaxed",
        "enthusiastic",
        "emoji",
        "playful",
        "upbeat",
        "conversational",
        "humorous",
    ),
}
_NO_EMOJI = re.compile(r"\b(no|without|never|avoids?)\b[^.,;]*emoji")
_NOUN_ENDINGS = ("ss", "ics", "ions", "ments", "ness", "ers", "ors", "ists", "us")
_POSSESSIVES = re.compile(r"\b(his|her|their)\b")


@dataclass(frozen=True)
class Voice:
    """How a persona talks: seniority drives hedging, tone drives length and greetings."""

    level: Level
    tone: Tone
    emoji: bool


def voice_of(persona: Mapping[str, object]) -> Voice:
    """Classify a persona's experience level and communication style into a `Voice`."""
    style = as_str(persona.get("communication_style")).lower()
    emoji = "emoji" in style and not _NO_EMOJI.search(style)
    return Voice(
        level=_level_of(as_str(persona.get("experience_level")).lower()),
        tone=_earliest_match(style, _TONE_WORDS, "neutral"),
        emoji=emoji,
    )


def _level_of(text: str) -> Level:
    for level, words in _LEVEL_WORDS.items():
        if any(re.search(rf"\b{re.escape(word)}", text) for word in words):
            return level
    return "mid"


def _earliest_match(text: str, table: dict[Tone, tuple[str, ...]], default: Tone) -> Tone:
    """The category whose keyword appears first, so "friendly but concise" counts as friendly."""
    best: tuple[int, Tone] | None = None
    for category, words in table.items():
        for word in words:
            position = text.find(word)
            if position >= 0 and (best is None or position < best[0]):
                best = (position, category)
    return best[1] if best else default


def first_person_context(work_context: str) -> str | None:
    """Turn "Works at a clinic in Lyon, leading their team." into "I work at a clinic in Lyon, leading my
    team." Returns None when the sentence does not start with a third-person verb we can convert."""
    words = work_context.strip().rstrip(".").split()
    if not words:
        return None
    if words[0].lower() in ("he", "she", "they") and len(words) > 1:
        words = words[1:]
    verb = _base_form(words[0][:1].upper() + words[0][1:])
    if verb is None:
        return None
    rest = _POSSESSIVES.sub("my", " ".join(words[1:]))
    return f"I {verb} {rest}".strip()


def _base_form(word: str) -> str | None:
    """The first-person form of a capitalised third-person verb ("Manages" -> "manage"), else None.

    Plural nouns that open a sentence ("Operations lead at…", "Analytics team…") also end in -s, so
    common noun endings are excluded; a missed verb only costs a blander fallback phrasing.
    """
    lower = word.lower()
    irregular = {"is": "am", "has": "have", "does": "do", "goes": "go", "based": "am based"}
    if lower in irregular:
        return irregular[lower]
    if word[:1].isupper() and lower.endswith("ed") and len(lower) > 4:
        return lower
    if not word[:1].isupper() or not lower.endswith("s") or len(lower) < 4 or lower.endswith(_NOUN_ENDINGS):
        return None
    if lower.endswith(("ches", "shes", "sses", "xes", "zes")):
        return lower[:-2]
    if lower.endswith("ies"):
        return lower[:-3] + "y"
    return lower[:-1]
