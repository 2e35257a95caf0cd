"""What the simulated user reads from the intent and from the agent's turns.

Kept apart from `user.py` so the decision logic there stays a small readable state machine: this
module only extracts facts (sub-goals, pasted data, the deliverable, the tool digest, mentions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ._phrasing import bare_request, starts_with_verb
from ._text import SENTENCE_SPLIT, as_str_list, fenced_json_objects, truncate
from ._world_errands import WORLD_MARKERS

_FENCED = re.compile(r"```[^\n]*\n.*?\n```", re.DOTALL)
_TABLE_LINES = re.compile(r"(?:^\|.*\|[ \t]*$\n?){2,}", re.MULTILINE)
_DIGEST = re.compile(r"```digest[^\n]*\n.*?(?:\n```|$)", re.DOTALL)
_CLAUSE_SPLIT = re.compile(r",?\s+and then\s+|,\s+then\s+|;\s+then\s+", re.IGNORECASE)
_FILE = re.compile(
    r"`([\w./-]+\.[A-Za-z0-9]{1,5})`|(?<![\w/.-])([\w-]+\.(?:md|json|csv|txt|py|sh|log|yaml|yml|html))\b"
)
_FIGURE = re.compile(r"(?<![\w.-])(-?\d[\d,]*\.\d+%?|\d{2,}%|\d{3,})(?![\w.])")
_ERROR_TEXT = re.compile(
    r"\b(could not|couldn't|unable to|failed to|still fail\w*|did not work|didn't work|gave up|not able to)\b"
    r"|\berror:",
    re.IGNORECASE,
)
_CONSTRAINT_OPENERS = ("keep ", "stick ", "assume ", "round ", "don't ", "do not ", "avoid ", "make sure ")
_DATA_WORDS = re.compile(
    r"\b(data|csv|table|numbers|json|log|logs|listing|list|files|totals?|averages?|"
    r"export|history|commits|notes|figures|response|images)\b",
    re.IGNORECASE,
)
MAX_GOALS = 4


@dataclass(frozen=True)
class Digest:
    """The digest an agent turn ends with: what its tools really did."""

    unresolved: int
    errors: tuple[str, ...]
    files: tuple[str, ...]

    @property
    def problem(self) -> str | None:
        """The specific failure to ask about, if any.

        `errors` alone (with `unresolved_failures` reported as 0) are taken to be failures the agent
        already recovered from, so they do not trigger a fix request.
        """
        if self.unresolved > 0:
            return truncate(self.errors[0], 120) if self.errors else f"{self.unresolved} failing tool call(s)"
        return None


@dataclass(frozen=True)
class AgentTurn:
    """One agent reply as the simulated user sees it."""

    text: str
    digest: Digest | None

    @property
    def problem(self) -> str | None:
        """What went wrong in this turn: from the digest when there is one, else from the prose."""
        if self.digest is not None:
            return self.digest.problem
        match = _ERROR_TEXT.search(self.text)
        if match is None:
            return None
        start = max(self.text.rfind(".", 0, match.start()) + 1, self.text.rfind("\n", 0, match.start()) + 1)
        return truncate(self.text[start:].split("\n", 1)[0].strip(), 120)

    @property
    def file_mention(self) -> str | None:
        """The last file the agent named in backticks or as a plain file name, else one from the digest."""
        matches = list(_FILE.finditer(self.text))
        if matches:
            return matches[-1].group(1) or matches[-1].group(2)
        return self.digest.files[0] if self.digest and self.digest.files else None

    @property
    def mention(self) -> str | None:
        """A concrete file (preferred; the last one named, usually the deliverable) or figure the agent
        mentioned, to acknowledge by name."""
        file_name = self.file_mention
        if file_name:
            return f"`{file_name}`"
        figure = _FIGURE.search(self.text)
        return figure.group(1) if figure else None


def read_agent_turn(text: str) -> AgentTurn:
    """Split an agent message into its prose and its ```digest block (the last one wins)."""
    digests = fenced_json_objects(text, "digest")
    prose = _DIGEST.sub("", text).strip()
    if not digests:
        return AgentTurn(prose, None)
    raw = digests[-1]
    unresolved = raw.get("unresolved_failures")
    errors = tuple(as_str_list(raw.get("errors")))
    if not isinstance(unresolved, int):
        unresolved = len(errors)
    return AgentTurn(prose, Digest(unresolved, errors, tuple(as_str_list(raw.get("files_changed")))))


def pasted_data(intent: str) -> list[str]:
    """The fenced blocks and markdown tables of the intent, in order: the data to hand over."""
    matches = [match for pattern in (_FENCED, _TABLE_LINES) for match in pattern.finditer(intent)]
    return [match.group(0).strip() for match in sorted(matches, key=lambda match: match.start())]


def data_for_goals(goals: tuple[str, ...], blocks: list[str]) -> tuple[str | None, ...]:
    """Which pasted block to hand over with which sub-goal: the first block with the first goal, the
    remaining ones in order with later goals that talk about data."""
    remaining = list(blocks)
    handed: list[str | None] = []
    for index, goal in enumerate(goals):
        wants_data = index == 0 or bool(_DATA_WORDS.search(goal))
        handed.append(remaining.pop(0) if remaining and wants_data else None)
    return tuple(handed)


def named_output(intent: str) -> str | None:
    """The deliverable file: the last file name the intent mentions outside its data blocks."""
    names = [first or second for first, second in _FILE.findall(_prose_only(intent))]
    return names[-1] if names else None


def derive_goals(intent: str, given: list[str]) -> tuple[str, ...]:
    """The sub-goals to walk through: the given ones, else 2–4 request sentences split from the intent."""
    if given:
        return tuple(bare_request(goal) for goal in given)
    sentences = [bare_request(part) for part in SENTENCE_SPLIT.split(_prose_only(intent))]
    goals = [
        sentence
        for sentence in sentences
        if sentence and starts_with_verb(sentence) and not sentence.lower().startswith(_CONSTRAINT_OPENERS)
    ]
    if len(goals) < 2:
        clauses = [bare_request(part) for goal in goals for part in _CLAUSE_SPLIT.split(goal)]
        goals = [clause for clause in clauses if clause]
    if len(goals) > MAX_GOALS:  # errands in the worlds are kept whatever the count: their checks await them
        pinned = [goal for goal in goals if WORLD_MARKERS.search(goal)]
        rest = [goal for goal in goals if goal not in pinned]
        kept = set(rest[: max(1, MAX_GOALS - 1 - len(pinned))] + rest[-1:] + pinned)
        goals = [goal for goal in goals if goal in kept]
    last_plain = next((goal for goal in reversed(goals) if not WORLD_MARKERS.search(goal)), None)
    if last_plain is not None and goals[-1] != last_plain:  # the deliverable comes last, not an errand
        goals = [goal for goal in goals if goal != last_plain] + [last_plain]
    if len(goals) < 2:
        output = named_output(intent) or "summary.md"
        goals.append(f"write a short summary of what you did to `{output}`")
    if len(goals) < 2:
        goals.insert(0, bare_request(_prose_only(intent).split("\n", 1)[0]) or "look at the request above")
    return tuple(goals)


def _prose_only(text: str) -> str:
    return _TABLE_LINES.sub("\n", _FENCED.sub("\n", text))


def persona_of(setup: Mapping[str, object]) -> Mapping[str, object]:
    """The persona mapping of the user's setup block, or an empty one."""
    persona = setup.get("persona")
    return persona if isinstance(persona, Mapping) else {}
