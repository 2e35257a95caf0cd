"""Which intents an imported OpenClaw session served.

An OpenClaw log does not contain its intent. The original recipe records the relation in the name it
archives a log under, ``intent_<intent id>__<agent>__<session id>.jsonl``, where the intent is the one that
finished the session (in a several-intents session, the last of them). The rule, in order:

1. a log whose file name has that form gets the intent of that id from the given intents;
2. any other log gets the next ``intents_per_session`` of the given intents, in file order, that no log
   names, the logs taken in the order they were given;
3. a log for which neither finds an intent gets one derived from itself: the id its file name names (else
   its session id) and, as the request, its first user message. When intents were given, this is noted in
   the report, since it means the logs and the intents file do not match.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from pathlib import Path

from isetrace.importers.report import ImportReport
from isetrace.records import Intent

__all__ = ["IntentAssigner", "named_intent_id"]

_PREFIX = "intent_"


def named_intent_id(path: Path) -> str | None:
    """The intent id in a log archived as ``intent_<id>__<agent>__<session>.jsonl``, else ``None``."""
    stem = path.name.removesuffix(".jsonl")
    if not stem.startswith(_PREFIX):
        return None
    pieces = stem[len(_PREFIX):].rsplit("__", 2)
    if len(pieces) != 3 or not all(pieces):
        return None
    return pieces[0]


class IntentAssigner:
    """Hands each imported log its intents by the rule in the module docstring."""

    def __init__(self, intents: Sequence[Intent], paths: Sequence[Path], *, per_session: int = 1) -> None:
        if per_session < 1:
            raise ValueError("intents_per_session must be at least 1")
        self._given = bool(intents)
        self._by_id = {intent.id: intent for intent in intents}
        named = {name for path in paths if (name := named_intent_id(path)) is not None}
        self._unnamed = deque(intent for intent in intents if intent.id not in named)
        self._per_session = per_session

    def intents_for(self, path: Path, session_id: str, first_request: str, report: ImportReport) -> list[Intent]:
        """The intents of the log at ``path``; derived ones are noted in ``report`` when intents were given."""
        named = named_intent_id(path)
        if named is not None and named in self._by_id:
            return [self._by_id[named]]
        if named is None and self._unnamed:
            count = min(self._per_session, len(self._unnamed))
            return [self._unnamed.popleft() for _ in range(count)]
        derived = Intent(id=named or session_id, natural_language_intent=first_request)
        if self._given:
            why = f"names intent {named!r}, which the intents file lacks" if named else "no intent was left for it"
            report.notes.append(f"{path}: {why}; used intent {derived.id!r} made from its first user message")
        return [derived]
