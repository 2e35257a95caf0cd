"""Request wording shared by the renderer and the simulated user: which words open a request, and how to
peel the politeness and ordinal connectors off a sentence to get at the bare verb phrase.
"""

from __future__ import annotations

import re

from ._text import lower_first, strip_end_punctuation

_VERB_WORDS = (
    "add analyse analyze summarise summarize parse extract write create generate build run fetch "
    "search send draft compose convert transform merge clean validate check monitor schedule set "
    "configure deploy commit review refactor test debug fix organise organize rename move copy "
    "compress archive back list find count compute calculate aggregate compare plot chart resize "
    "transcribe translate record store save remember recall spawn delegate track inspect diagnose "
    "install update upgrade restart kill clone branch tag scrape download upload post notify reply "
    "format sort filter dedupe deduplicate split join read edit append load export import query index "
    "tail grep rotate audit profile benchmark automate chain trigger collect gather normalise "
    "normalize map label classify annotate document explain outline plan prepare produce make design "
    "implement lint package publish release verify measure estimate forecast detect identify flag "
    "highlight report combine look pull push sync watch take turn put share prioritise prioritize "
    "tidy scan remove delete drop initialise initialize start stop open close get give show print"
)
REQUEST_VERBS = frozenset(_VERB_WORDS.split())
"""Words that open a request ("parse the CSV…"); a space-separated bank so it stays easy to extend."""

_CONNECTOR = re.compile(
    r"^(?:\d+\.\s*)?(?:first|then|next|now|finally|last|lastly|also|and|after that|once that's done|to start|"
    r"to wrap up|and lastly|before anything else|step one|the main thing|what i need|second|third)\b[,:]?\s*",
    re.IGNORECASE,
)
_REQUEST_PREFIX = re.compile(
    r"^(?:could you|can you|would you|please|i need you to|i'd like you to|i want you to|"
    r"it would help if you could|i'm hoping you can|i need to|we need to)\b[,:]?\s*",
    re.IGNORECASE,
)
_TRAILERS = re.compile(r"(?:\s+—\s+|;\s+|,\s+if that makes sense).*$")
_LEAD_IN_END = re.compile(r":\s+|\s+—\s+|\s+-\s+|,\s+|\bis to\s+|\bneed to\s+|\bplease\s+")
_DATA_POINTER = re.compile(r"\s*\((?:use|see) the [^)]*\)")


def starts_with_verb(phrase: str) -> bool:
    """Whether a phrase opens with a request verb ("parse the CSV…", "Schedule a job…")."""
    first = phrase.strip().split(" ", 1)[0].lower().strip(",:;")
    return first in REQUEST_VERBS


def bare_request(sentence: str) -> str:
    """ "Then could you parse the CSV (use the table above) — keep it simple?" -> "parse the CSV": ordinal
    connectors, polite request prefixes, lead-ins such as "Moving on —" or "The first thing I need is to",
    pointers to pasted data and trailing asides removed."""
    text = sentence.strip()
    for _ in range(3):
        text = _REQUEST_PREFIX.sub("", _CONNECTOR.sub("", text))
    text = _from_first_verb(text)
    text = _DATA_POINTER.sub("", _TRAILERS.sub("", text))
    return lower_first(strip_end_punctuation(text))


def _from_first_verb(text: str) -> str:
    """Skip a lead-in before the actual request: the text after the first delimiter (": ", " — ",
    " is to ", " need to "…) that is followed by a request verb, or the text unchanged."""
    if starts_with_verb(text):
        return text
    for match in _LEAD_IN_END.finditer(text):
        rest = text[match.end() :]
        if starts_with_verb(rest):
            return rest
    return text
