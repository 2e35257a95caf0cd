"""OpenClaw session logs → isetrace :class:`~isetrace.records.Episode` records.

The original recipe's data was made with the real OpenClaw runtime; its transcripts become Episodes like
any other, with the same exports and statistics. An OpenClaw
session log (JSONL, ``"version": 3``) is a list of entries, each ``{type, id, parentId, timestamp, …}``:

=========================  =======================================================================
entry                      becomes
=========================  =======================================================================
``session``                ``episode_id`` (its ``id``), ``started_at`` (its ``timestamp``)
``model_change``           ``models["agent"]`` (``modelId``; several models are joined with ``, ``)
``thinking_level_change``  named in ``termination_detail``: reasoning itself comes from ``thinking``
                           parts, and the recipe sets ``enable_thinking`` from those, not from the level
``custom`` model-snapshot  ``models["agent"]`` when no ``model_change`` named one (else the ``model``
                           of the assistant messages)
``message``                a user, assistant or tool message (:mod:`._openclaw_messages`)
=========================  =======================================================================

``ended_at`` is the last timestamp in the log, ``provenance`` is ``openclaw-import``, ``tools`` is empty
(the log does not record the schemas offered) and there is no system message (nor does it record the
system prompt). Intents are attached by the rule in :mod:`.openclaw_intents`.

Entries are read in file order, as the recipe reads them; the ``parentId`` tree is not followed, so a log
with abandoned branches imports every branch in sequence. Any other entry type, message role or content
part is counted in the :class:`~isetrace.importers.report.ImportReport` as kept aside; a line of the wrong
shape is reported as ``file:line: reason`` and skipped, and the rest of the log is imported.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from isetrace.importers._bounded_lines import iter_objects
from isetrace.importers._openclaw_messages import (
    IMPORT_PROVENANCE,
    MalformedEntry,
    assistant_message,
    timestamp_of,
    tool_message,
    user_message,
)
from isetrace.importers.openclaw_intents import IntentAssigner
from isetrace.importers.report import ImportLimits, ImportReport
from isetrace.jsonl import LineError, describe_validation_error
from isetrace.records import Episode, Intent, Message, Termination

__all__ = ["IMPORT_PROVENANCE", "OpenClawSession", "import_openclaw", "read_openclaw_session", "session_episode"]

SESSION_VERSION = 3
"""The OpenClaw session format this importer is written against."""


@dataclass
class OpenClawSession:
    """What one OpenClaw log says, before intents are attached."""

    path: Path
    session_id: str
    messages: list[Message]
    models: list[str] = field(default_factory=list)
    thinking_level: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    stop_reason: str = ""
    """The ``stopReason`` of the agent's last message: ``stop`` when its last turn ended normally."""

    @property
    def first_request(self) -> str:
        """The first user message's text: the request the session began with."""
        return next((m.content or "" for m in self.messages if m.role == "user"), "")


class _SessionReader:
    """Takes a log's entries one by one and keeps what the episode needs."""

    def __init__(self, path: Path, report: ImportReport) -> None:
        self.path = path
        self.report = report
        self.session_id = ""
        self.messages: list[Message] = []
        self.models: list[str] = []
        self.snapshot_models: list[str] = []
        self.reply_models: list[str] = []
        self.thinking_level = ""
        self.started_at: datetime | None = None
        self.ended_at: datetime | None = None
        self.stop_reason = ""
        self._set_aside: list[str] = []

    def _keep_aside(self, kind: str) -> None:
        self._set_aside.append(kind)

    def take(self, line: int, entry: dict[str, Any]) -> None:
        """Read one entry; raises :class:`MalformedEntry` when it is not the shape OpenClaw writes.

        What the entry sets aside is counted only once the whole entry was read, so a malformed line is
        reported as skipped and nothing of it is counted twice.
        """
        self._set_aside = []
        self._read(entry)
        for kind in self._set_aside:
            self.report.keep_aside(kind, self.path, line)

    def _read(self, entry: dict[str, Any]) -> None:
        kind = entry.get("type")
        if not isinstance(kind, str):
            raise MalformedEntry("not an OpenClaw entry (no string type)")
        moment = timestamp_of(entry.get("timestamp"))
        if kind == "session":
            self._session(entry, moment)
        elif kind == "model_change":
            self._model(self.models, entry.get("modelId"), "model_change.modelId")
        elif kind == "thinking_level_change":
            level = entry.get("thinkingLevel")
            if not isinstance(level, str):
                raise MalformedEntry("thinking_level_change.thinkingLevel must be a string")
            self.thinking_level = level
        elif kind == "custom":
            self._custom(entry)
        elif kind == "message":
            self._message(entry.get("message"))
        else:
            self._keep_aside(f"entry type {kind!r}")
        if moment is not None:
            self.started_at = self.started_at or moment
            self.ended_at = moment if self.ended_at is None else max(self.ended_at, moment)

    def _session(self, entry: dict[str, Any], moment: datetime | None) -> None:
        if self.session_id:
            raise MalformedEntry("a second session header")
        session_id = entry.get("id")
        if not isinstance(session_id, str) or not session_id.strip():
            raise MalformedEntry("session.id must be a non-empty string")
        version = entry.get("version")
        if version != SESSION_VERSION:
            self.report.notes.append(f"{self.path}: session format version {version!r}, read as "
                                     f"version {SESSION_VERSION}")
        self.session_id = session_id.strip()
        if moment is not None:
            self.started_at = moment

    def _model(self, into: list[str], value: object, where: str) -> None:
        if not isinstance(value, str) or not value:
            raise MalformedEntry(f"{where} must be a non-empty string")
        if value not in into:
            into.append(value)

    def _custom(self, entry: dict[str, Any]) -> None:
        custom = entry.get("customType")
        data = entry.get("data")
        if custom == "model-snapshot" and isinstance(data, dict):
            self._model(self.snapshot_models, data.get("modelId"), "model-snapshot data.modelId")
        else:
            self._keep_aside(f"custom entry {custom!r}")

    def _message(self, message: object) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise MalformedEntry("a message entry needs a message object with a string role")
        role = message["role"]
        if role == "user":
            self.messages.append(user_message(message, self._keep_aside))
        elif role == "assistant":
            reply = assistant_message(message, self._keep_aside)
            stop = message.get("stopReason")
            self.stop_reason = stop if isinstance(stop, str) else ""
            if reply is None:
                self._keep_aside("assistant message without text or tool call")
                return
            self.messages.append(reply)
            if reply.meta is not None and reply.meta.model and reply.meta.model not in self.reply_models:
                self.reply_models.append(reply.meta.model)
        elif role == "toolResult":
            self.messages.append(tool_message(message, self._keep_aside))
        else:
            self._keep_aside(f"message role {role!r}")

    def session(self) -> OpenClawSession:
        return OpenClawSession(path=self.path, session_id=self.session_id or self.path.stem, messages=self.messages,
                               models=self.models or self.snapshot_models or self.reply_models,
                               thinking_level=self.thinking_level, started_at=self.started_at,
                               ended_at=self.ended_at, stop_reason=self.stop_reason)


def read_openclaw_session(path: Path, report: ImportReport, limits: ImportLimits | None = None,
                          ) -> OpenClawSession | None:
    """Read one OpenClaw log; ``None`` (and the file listed in ``report.empty_files``) when it holds no message.

    Bad lines go to ``report.skipped``, unknown entries to ``report.kept_aside``. Raises ``OSError`` only when
    the file cannot be opened or read.
    """
    reader = _SessionReader(path, report)
    report.files += 1
    for line, entry in iter_objects(path, limits or ImportLimits(), report.skip):
        try:
            reader.take(line, entry)
        except MalformedEntry as exc:
            report.skip(LineError(path, line, str(exc)))
        except ValidationError as exc:
            report.skip(LineError(path, line, describe_validation_error(exc)))
    if not reader.messages:
        report.empty_files.append(path)
        return None
    if not reader.session_id:
        report.notes.append(f"{path}: no session header; the episode id is the file name {path.stem!r}")
    return reader.session()


def _termination(session: OpenClawSession) -> tuple[Termination, str]:
    """How an imported session ended, from the agent's last ``stopReason``.

    There is no termination that says "imported", so the nearest one is used and the detail says it was
    imported: ``stop`` (the agent finished its turn) is ``success`` as in the recipe, whose status for it is
    ``completed``; ``error`` is an agent endpoint failure; anything else (aborted, cut off after a tool call)
    is ``interrupted``.
    """
    stop = session.stop_reason or "none"
    level = f", thinking level {session.thinking_level}" if session.thinking_level else ""
    detail = (f"imported from OpenClaw session log {session.path.name}{level}; the agent's last reply ended "
              f"with stopReason {stop}")
    if stop == "stop":
        return Termination.SUCCESS, detail
    if stop == "error":
        return Termination.AGENT_ENDPOINT_FAILURE, detail
    return Termination.INTERRUPTED, detail


def session_episode(session: OpenClawSession, intents: list[Intent]) -> Episode:
    """The episode of one read session, serving ``intents``."""
    termination, detail = _termination(session)
    started = session.started_at or datetime.fromtimestamp(0, UTC)
    return Episode(episode_id=session.session_id, intents=intents, messages=session.messages,
                   termination=termination, termination_detail=detail, provenance=IMPORT_PROVENANCE,
                   models={"agent": ", ".join(session.models)} if session.models else {},
                   started_at=started, ended_at=session.ended_at or started)


def import_openclaw(paths: Sequence[Path], report: ImportReport, intents: Sequence[Intent] = (), *,
                    intents_per_session: int = 1, limits: ImportLimits | None = None) -> Iterator[Episode]:
    """Yield one episode per OpenClaw log in ``paths`` that holds a conversation, in the order given.

    ``report`` is filled as the logs are read. Intents come from ``intents`` by the rule of
    :mod:`.openclaw_intents` (``intents_per_session`` for logs whose name does not say). A log whose session
    id was already imported is noted and left out, so episode ids stay unique. Raises ``OSError`` when a
    file cannot be read.
    """
    assigner = IntentAssigner(intents, paths, per_session=intents_per_session)
    seen: set[str] = set()
    for path in paths:
        session = read_openclaw_session(path, report, limits)
        if session is None:
            continue
        if session.session_id in seen:
            report.notes.append(f"{path}: session {session.session_id!r} was already imported; left out")
            continue
        seen.add(session.session_id)
        chosen = assigner.intents_for(path, session.session_id, session.first_request, report)
        report.episodes += 1
        yield session_episode(session, chosen)
