"""The data model: what an intent, a message, a tool call and an episode are.

These pydantic records are the project's source of truth: episodes are written as JSONL and every export,
statistic and report is a pure function of them. Field names of :class:`Intent` follow the original ISE
recipe so its published intent files load unchanged; fields we do not know are kept (``extra="allow"``),
never dropped, because a dataset that loses columns on a round trip cannot be trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "DIRECT_QUERY",
    "EPISODE_FORMAT_VERSION",
    "ISETRACE_VERSION",
    "CheckResult",
    "DomainSpec",
    "Episode",
    "Intent",
    "IntentMetadata",
    "Message",
    "MessageMeta",
    "Persona",
    "SelectedTask",
    "Termination",
    "TokenUsage",
    "ToolCall",
    "ToolResult",
    "UnsupportedClaim",
    "Verification",
    "WorldLog",
    "generated_id",
    "normalize_task_record",
    "session_key",
]

EPISODE_FORMAT_VERSION = 1
"""Bumped whenever a change to :class:`Episode` would make old readers misread new files."""

try:
    ISETRACE_VERSION = version("isetrace")
except PackageNotFoundError:  # running from a source tree that was never installed
    ISETRACE_VERSION = "0.0.0+source"
"""The version of isetrace that writes the records (an episode's ``runtime_version`` on its own runtime)."""


class _Open(BaseModel):
    """A record that keeps unknown fields: data from other tools must survive a round trip."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class _Closed(BaseModel):
    """A record of our own making: unknown fields are a bug in the writer, so they are refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------------------------- intents


class Persona(_Open):
    """Who asks: one simulated person, in the original recipe's field layout.

    The recipe's intents embed the persona without an ``id`` (theirs is the intent's ``persona_id``), so
    the id may be empty here.
    """

    id: str = ""
    name: str
    role: str
    industry: str
    expertise: list[str] = Field(default_factory=list)
    experience_level: str = ""
    communication_style: str = ""
    work_context: str = ""

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class SelectedTask(_Open):
    """One task chosen from a domain for an intent."""

    name: str
    description: str = ""


class DomainSpec(_Open):
    """One functional domain of an intent, with the tasks selected from it."""

    name: str
    description: str = ""
    selected_tasks: list[SelectedTask] = Field(default_factory=list)


class IntentMetadata(_Open):
    """The 4D sample behind an intent: the persona and the domains with their tasks."""

    persona: Persona | None = None
    domains: list[DomainSpec] = Field(default_factory=list)


class Intent(_Open):
    """A user's request before any conversation: a 4D sample and (once rendered) its text.

    ``natural_language_intent`` is empty for a sampled intent that has not been rendered yet. Records are
    read as the original recipe reads its input files (:func:`normalize_task_record`): a direct query
    (``query`` or ``question``, no ``natural_language_intent``) becomes an intent whose text is the query,
    a missing id is derived from the content, and an ``answer`` is kept as ``metadata.reference_answer``.
    """

    id: str
    natural_language_intent: str = ""
    domains: list[str] = Field(default_factory=list)
    tasks: list[str] = Field(default_factory=list)
    persona_id: str = ""
    tools_used: list[str] = Field(default_factory=list)
    skills_used: list[str] = Field(default_factory=list)
    complexity: str = ""
    metadata: IntentMetadata = Field(default_factory=IntentMetadata)
    checks: list[dict[str, Any]] = Field(default_factory=list)
    """What decides whether the deliverable exists and is right, each ``{kind, …}`` of the check vocabulary
    (:mod:`isetrace.verify`); evaluated on the final workspace. Intents without checks stay valid."""
    world: dict[str, Any] | None = None
    """What the session's worlds start from (pages, an inbox, repositories…; :mod:`isetrace.worlds.seed`),
    written by the renderer with the intent; ``None``: the default world."""
    judge_only: bool = False
    """No check of the intent says anything the untouched template does not already satisfy: only the judge
    can grade it."""

    @model_validator(mode="before")
    @classmethod
    def _normalized(cls, data: object) -> object:
        return normalize_task_record(data) if isinstance(data, dict) else data

    @field_validator("id", "persona_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @property
    def is_direct_query(self) -> bool:
        """Whether the record was a direct query (one question, answered without a simulated user)."""
        return getattr(self, "task_type", None) == DIRECT_QUERY

    @property
    def reference_answer(self) -> Any:
        """The answer a direct query came with (``None`` when it had none)."""
        return getattr(self.metadata, "reference_answer", None)

    @property
    def is_rendered(self) -> bool:
        """Whether the request text exists yet."""
        return bool(self.natural_language_intent.strip())


DIRECT_QUERY = "direct_query"
"""The ``task_type`` of a record that is one question for the agent rather than a task to delegate."""

_ID_KEYS = {"intent": ("id", "task_id", "intent_id"), DIRECT_QUERY: ("id", "task_id", "query_id")}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def generated_id(record: dict[str, Any], task_type: str) -> str:
    """A stable id for a record that has none: ``intent_`` or ``query_`` and a digest of its content, so
    the same record gets the same id in every run and on every machine."""
    digest = hashlib.md5(json.dumps(record, ensure_ascii=False, sort_keys=True, default=str).encode(),
                         usedforsecurity=False).hexdigest()[:12]
    return f"{'query' if task_type == DIRECT_QUERY else 'intent'}_{digest}"


def normalize_task_record(record: dict[str, Any]) -> dict[str, Any]:
    """One input record in the shape :class:`Intent` reads, as the original recipe normalises its files.

    A record with a non-empty ``natural_language_intent`` is an intent. One with ``query`` or ``question``
    and no ``natural_language_intent`` (or ``task_type: direct_query``) is a direct query: its text becomes
    ``natural_language_intent`` (``query`` is kept as well), ``answer`` becomes
    ``metadata.reference_answer`` and ``question`` ``metadata.source_question``. The id is the first of
    ``id``, ``task_id`` and ``intent_id`` (``query_id`` for a query), else :func:`generated_id`. Every other
    field is kept as it is. Raises ``ValueError`` for a record with neither an id nor any text.
    """
    explicit = _text(record.get("task_type")).lower()
    query = _text(record.get("query")) or _text(record.get("question"))
    intent = _text(record.get("natural_language_intent"))
    if explicit == DIRECT_QUERY or (query and not intent):
        if not query:
            return record
        task_type = DIRECT_QUERY
        normalized = {**record, "task_type": task_type, "query": query, "natural_language_intent": query}
        metadata = dict(record.get("metadata") or {})
        if record.get("answer") is not None:
            metadata.setdefault("reference_answer", record["answer"])
        if _text(record.get("question")):
            metadata.setdefault("source_question", record["question"])
        normalized["metadata"] = metadata
    else:
        task_type = "intent"
        normalized = dict(record)
        if "task_type" in record:
            normalized["task_type"] = task_type
    for key in _ID_KEYS[task_type]:
        value = record.get(key)
        if value not in (None, ""):
            normalized["id"] = str(value)
            break
    else:
        if not (intent or query):
            raise ValueError("a record needs an id, or a natural_language_intent, query or question to derive one "
                             "from")
        normalized["id"] = generated_id(record, task_type)
    return normalized


# --------------------------------------------------------------------------------------------- messages


class TokenUsage(_Closed):
    """Tokens one model call consumed, as the endpoint reported them (zero when it did not)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    """Of ``prompt_tokens``, those the server says it served from its prompt (prefix) cache, which hosted
    APIs bill cheaper; zero when it did not say. Episodes written before this field load with zero."""

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def plus(self, other: TokenUsage) -> TokenUsage:
        """Both calls' tokens together: what a reply cost when it took more than one call to get."""
        return TokenUsage(prompt_tokens=self.prompt_tokens + other.prompt_tokens,
                          completion_tokens=self.completion_tokens + other.completion_tokens,
                          cached_prompt_tokens=self.cached_prompt_tokens + other.cached_prompt_tokens)


class MessageMeta(_Closed):
    """Where a message came from: which participant, which endpoint, how long it took, what it cost."""

    producer: Literal["system", "user", "agent", "sandbox", "renderer", "judge"]
    endpoint: str = ""
    model: str = ""
    provenance: str = ""
    latency_s: float = 0.0
    usage: TokenUsage = Field(default_factory=TokenUsage)
    attempts: int = 1
    cached: bool = False


class ToolCall(_Closed):
    """One call the agent asked for, as it asked for it.

    ``arguments`` is the parsed object, or ``None`` when ``arguments_raw`` was not a JSON object.
    ``problem`` says what is wrong with the call (arguments that do not parse, a tool that was not
    offered), so the episode can show the model its mistake instead of guessing what it meant.
    """

    id: str
    name: str
    arguments: dict[str, Any] | None = None
    arguments_raw: str = ""
    problem: str | None = None


class ToolResult(_Closed):
    """What really happened when a tool call ran.

    ``exit_code`` is the process's exit code for commands and ``None`` for tools that run no process.
    ``error_kind`` names why the tool itself failed (``tool_error``, ``timeout``, ``unknown_tool``,
    ``bad_arguments``…) and is ``None`` when it ran; a command that ran and exited non-zero is not a
    tool failure. ``truncated`` with ``dropped_bytes`` records output cut at the configured limit.
    """

    call_id: str
    tool: str
    ok: bool
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    truncated: bool = False
    dropped_bytes: int = 0
    timed_out: bool = False
    error_kind: str | None = None
    files_changed: list[str] = Field(default_factory=list)


class Message(_Closed):
    """One message of a conversation, in OpenAI chat shape plus our own metadata.

    ``content`` of a tool message is exactly what the model was shown; ``result`` keeps the structured
    truth behind it (exit code, streams, timing).
    """

    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    reasoning_content: str | None = None
    result: ToolResult | None = None
    meta: MessageMeta | None = None


# --------------------------------------------------------------------------------------------- episodes


class Termination(StrEnum):
    """Why an episode ended. Every episode records exactly one; there is no bare success flag."""

    SUCCESS = "success"
    USER_JUDGED_FAILURE = "user_judged_failure"
    USER_TURN_LIMIT = "user_turn_limit"
    STEP_LIMIT = "step_limit"
    BUDGET = "budget"
    AGENT_ENDPOINT_FAILURE = "agent_endpoint_failure"
    SIMULATOR_FAILURE = "simulator_failure"
    SANDBOX_FAILURE = "sandbox_failure"
    INTERRUPTED = "interrupted"


class CheckResult(_Closed):
    """One check of an intent, evaluated on the final workspace: the check as stored, and what it found."""

    kind: str
    spec: dict[str, Any]
    passed: bool
    evidence: str = ""


class UnsupportedClaim(_Closed):
    """Something an agent's closing message says it did that the record does not bear out.

    ``message`` is the position of that message in the episode; ``kind``: ``file`` (said created or changed,
    not in the workspace), ``command`` (said run, not among the turn's calls), ``tests`` (said passing, not
    run or failing), ``number`` (reported, seen nowhere in the episode).
    """

    message: int
    kind: str
    claim: str
    evidence: str


class Verification(_Closed):
    """One verdict on an episode's work, and who gave it.

    ``method``: ``user_simulator`` (the simulated user said the work was done), ``checks`` (the intent's
    checks on the final workspace, each in ``checks``), ``reference_answer`` (the final answer against a
    query's known answer) or ``judge``. ``intent_id`` names the intent a per-intent verdict is about ('' for
    the whole episode); ``score`` is the share of checks that passed, or the judge's score.
    """

    method: str
    passed: bool
    score: float | None = None
    detail: str = ""
    intent_id: str = ""
    checks: list[CheckResult] = Field(default_factory=list)


def session_key(intent_ids: Iterable[str]) -> str:
    """The key of a session, and its episode's id: its intent ids joined with ``+``."""
    return "+".join(intent_ids)


def _now() -> datetime:
    return datetime.now(UTC)


class WorldLog(_Closed):
    """What an episode's worlds saw: which ran, and every call made to them, faults injected among them."""

    worlds: list[str] = Field(default_factory=list)
    audit: list[dict[str, Any]] = Field(default_factory=list)
    """One entry per call, in order (:class:`isetrace.worlds.base.AuditEntry`): ``world``, ``via``,
    ``method``, ``host``, ``path``, ``status``, ``fault``, ``detail`` (``tool_call`` names the call it came from)."""
    dropped: int = 0
    """Calls past the log's bound, counted and not kept."""

    @property
    def faults(self) -> list[dict[str, Any]]:
        """The calls that failed on purpose."""
        return [entry for entry in self.audit if entry.get("fault")]


class Episode(_Closed):
    """One whole trajectory: the intent(s), every message, the tools offered and why it ended.

    ``provenance`` is ``scripted`` when any participant was the offline scripted endpoint, and otherwise
    names the models; scripted data must never pass for model output.
    """

    format_version: int = EPISODE_FORMAT_VERSION
    episode_id: str
    attempt: int = 0
    intents: list[Intent]
    messages: list[Message] = Field(default_factory=list)
    subagents: dict[str, list[Message]] = Field(default_factory=dict)
    """Sub-agent sessions spawned in the episode (session key → its own messages)."""
    tools: list[dict[str, Any]] = Field(default_factory=list)
    skills: list[dict[str, Any]] = Field(default_factory=list)
    """The skills offered, as OpenClaw lists them (``name``, ``description``, ``filePath``, ``baseDir``,
    ``source``, ``disableModelInvocation``)."""
    termination: Termination
    termination_detail: str = ""
    """Why it ended, in one line: for a failure, where (the agent step) and the server's or sandbox's words."""
    failed_reply: str | None = None
    """The unusable model reply behind a failure (cut short), kept so it can be inspected."""
    verification: Verification | None = None
    """The simulated user's verdict over the whole episode (``method: user_simulator``)."""
    verifications: list[Verification] = Field(default_factory=list)
    """Every verdict given on the work besides the simulator's: per intent, the checks' (``checks``), a
    direct query's against its reference answer (``reference_answer``), the judge's."""
    verified: bool = False
    """Whether the work is verified: every intent passed by its checks where it has usable ones, else by its
    reference answer, else by the judge, and the agent's last message does not claim a success that an
    unsupported claim in it contradicts. The simulator's word alone never makes it true."""
    unsupported_claims: list[UnsupportedClaim] = Field(default_factory=list)
    """What the agent's closing messages claimed that the evidence does not support (:mod:`isetrace.verify.claims`)."""
    verified_by: str = ""
    """The methods that decided ``verified``, joined with ``+`` (``checks``, ``checks+judge``); '' when
    nothing but the simulator gave a verdict."""
    appended_query: Intent | None = None
    """The direct query from ``simulate.appended_query_file`` put to the agent before the session closed."""
    seeds: dict[str, int] = Field(default_factory=dict)
    """The seeds behind the episode's choices (``intents``: the sampler's; ``simulate``: the appended query's)."""
    config_hash: str = ""
    provenance: str
    models: dict[str, str] = Field(default_factory=dict)
    runtime: str = "isetrace"
    """What acted for the agent: ``isetrace`` (the model called isetrace's tools) or ``openclaw`` (the
    original OpenClaw runtime ran in the session, and ``tools`` and the system prompt are what it offered)."""
    runtime_version: str = ""
    """The version of that runtime (for ``openclaw``, the npm package's)."""
    drift_regenerations: int = 0
    world: WorldLog | None = None
    """The session's worlds and the log of every call to them (``worlds.*``); ``None`` when none ran."""
    started_at: datetime = Field(default_factory=_now)
    ended_at: datetime = Field(default_factory=_now)

    @property
    def tool_call_count(self) -> int:
        """How many tool calls the agent made (the original recipe's ``total_steps``)."""
        return sum(len(m.tool_calls) for m in self.messages)

    @property
    def user_turns(self) -> int:
        return sum(1 for m in self.messages if m.role == "user")
