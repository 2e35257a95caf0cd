"""An OpenClaw trajectory bundle → the parts of an isetrace :class:`~isetrace.records.Episode`.

Newer OpenClaw keeps sessions in SQLite and gives them out with ``openclaw sessions export-trajectory`` as a
directory of files. Three of them are read:

=======================  ==================================================================================
file                     becomes
=======================  ==================================================================================
``session-branch.json``  ``{header, leafId, entries}``: ``session_id`` (``header.id``), the messages, the
                         model and provider, the timestamps. Only the entries on the ``parentId`` chain from
                         ``leafId`` back to the root are read, in root-to-leaf order, so an abandoned branch
                         is left out (and counted as kept aside). Entry types are those of a session log:
                         ``message`` (:mod:`._openclaw_messages`), ``model_change``, ``thinking_level_change``
                         and ``custom``; a ``custom`` entry and any other type are counted as kept aside.
``tools.json``           ``tools``: each ``{name, description, parameters}`` as an OpenAI function schema.
                         The bundle cuts long lists and deep schemas: an entry that is only a placeholder
                         string, or a schema holding a ``{"truncated": true}`` marker, is not a schema the
                         model saw, so it is left out of ``tools`` and counted in ``tools_cut``.
``prompts.json``         ``system_prompt`` (its ``systemPrompt``); when absent there, the ``systemPrompt`` of
                         a ``context.compiled`` or ``prompt.submitted`` event in ``events.jsonl``. When the
                         bundle cut it, ``system_prompt`` is ``None`` and ``system_prompt_cut`` says why.
=======================  ==================================================================================

Everything in a bundle is untrusted. Each JSON file is read only up to ``limits.max_line_bytes`` (it is one
record, as a line is in a log): a larger file is refused with :class:`TrajectoryError`, as is a branch file
that is not ``{header, leafId, entries}``. A malformed entry is reported as ``session-branch.json:<index>``
and skipped; a bad line of ``events.jsonl`` as ``events.jsonl:<line>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from isetrace.importers._bounded_lines import iter_objects
from isetrace.importers._openclaw_messages import (
    MalformedEntry,
    assistant_message,
    timestamp_of,
    tool_message,
    user_message,
)
from isetrace.importers.report import ImportLimits, ImportReport
from isetrace.jsonl import LineError, describe_validation_error
from isetrace.records import Message

__all__ = ["OpenClawTrajectory", "TrajectoryError", "messages_since", "read_trajectory"]

_PROMPT_EVENTS = ("context.compiled", "prompt.submitted")
"""The runtime events that carry the system prompt the model was sent."""


class TrajectoryError(ValueError):
    """The bundle cannot be read at all: a file too large, or a branch file of the wrong shape."""


@dataclass
class OpenClawTrajectory:
    """What one trajectory bundle says: the conversation on its branch and what the model was offered."""

    bundle: Path
    session_id: str
    messages: list[Message]
    entry_ids: list[str]
    """The branch entry each message came from, one per message: what :func:`messages_since` compares."""
    leaf_id: str = ""
    tools: list[dict[str, Any]] = field(default_factory=list)
    tools_cut: list[str] = field(default_factory=list)
    """Tools the bundle cut (by name, ``<unnamed>`` for a bare placeholder), left out of ``tools``."""
    system_prompt: str | None = None
    system_prompt_cut: str = ""
    """Why ``system_prompt`` is missing or incomplete; empty when it is whole."""
    model: str = ""
    provider: str = ""
    thinking_level: str = ""
    stop_reason: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None


def _read_json(path: Path, limits: ImportLimits) -> Any:
    """A bundle file's JSON value; raises :class:`TrajectoryError` when it is too large or not JSON."""
    size = path.stat().st_size
    if size > limits.max_line_bytes:
        raise TrajectoryError(f"{path}: {size} bytes, more than the limit of {limits.max_line_bytes}; not read")
    try:
        return json.loads(path.read_bytes().decode("utf-8", errors="replace"))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise TrajectoryError(f"{path}: not valid JSON ({exc})") from None


def _branch(path: Path, entries: list[Any], leaf_id: object, report: ImportReport) -> list[tuple[int, dict[str, Any]]]:
    """The entries from the root to ``leaf_id`` as ``(index, entry)``; every other entry is reported or counted.

    An entry without a string ``id`` cannot be placed on the tree and is reported as malformed. A leaf that
    is not among the entries, a missing parent or a cycle ends the walk with a note.
    """
    by_id: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            report.skip(LineError(path, index, "not an entry (an object with a non-empty string id)"))
        elif not (entry.get("parentId") is None or isinstance(entry.get("parentId"), str)):
            report.skip(LineError(path, index, "parentId must be a string or null"))
        elif entry["id"] in by_id:
            report.skip(LineError(path, index, f"a second entry with id {entry['id']!r}"))
        else:
            by_id[entry["id"]] = (index, entry)
    if not isinstance(leaf_id, str) or leaf_id not in by_id:
        report.notes.append(f"{path}: leafId {leaf_id!r} is not an entry; the branch ends at the last entry")
        leaf_id = next(reversed(by_id), None)
    chain: list[tuple[int, dict[str, Any]]] = []
    on_branch: set[int] = set()
    current = leaf_id
    while current is not None:
        if current not in by_id:
            report.notes.append(f"{path}: parent {current!r} is not an entry; the branch starts after it")
            break
        if by_id[current][0] in on_branch:
            report.notes.append(f"{path}: the parentId chain loops at {current!r}; the branch starts after it")
            break
        chain.append(by_id[current])
        on_branch.add(by_id[current][0])
        current = by_id[current][1].get("parentId")
    for index, _ in by_id.values():
        if index not in on_branch:
            report.keep_aside("entry off the branch", path, index)
    return chain[::-1]


class _BranchReader:
    """Takes the branch's entries one by one and keeps what the trajectory needs."""

    def __init__(self, trajectory: OpenClawTrajectory, path: Path, report: ImportReport) -> None:
        self.trajectory = trajectory
        self.path = path
        self.report = report
        self._set_aside: list[str] = []

    def take(self, index: int, entry: dict[str, Any]) -> None:
        """Read one entry; a malformed one is reported and nothing of it is kept or counted."""
        self._set_aside = []
        try:
            self._read(entry)
        except MalformedEntry as exc:
            self.report.skip(LineError(self.path, index, str(exc)))
            return
        except ValidationError as exc:
            self.report.skip(LineError(self.path, index, describe_validation_error(exc)))
            return
        for kind in self._set_aside:
            self.report.keep_aside(kind, self.path, index)
        moment = timestamp_of(entry.get("timestamp"))
        if moment is not None:
            run = self.trajectory
            run.started_at = min(run.started_at, moment) if run.started_at else moment
            run.ended_at = max(run.ended_at, moment) if run.ended_at else moment

    def _read(self, entry: dict[str, Any]) -> None:
        kind = entry.get("type")
        if not isinstance(kind, str):
            raise MalformedEntry("not an OpenClaw entry (no string type)")
        if kind == "message":
            self._message(entry["id"], entry.get("message"))
        elif kind == "model_change":
            model, provider = entry.get("modelId"), entry.get("provider", "")
            if not isinstance(model, str) or not model or not isinstance(provider, str):
                raise MalformedEntry("model_change needs a non-empty string modelId and a string provider")
            self.trajectory.model, self.trajectory.provider = model, provider or self.trajectory.provider
        elif kind == "thinking_level_change":
            level = entry.get("thinkingLevel")
            if not isinstance(level, str):
                raise MalformedEntry("thinking_level_change.thinkingLevel must be a string")
            self.trajectory.thinking_level = level
        elif kind == "custom":
            self._set_aside.append(f"custom entry {entry.get('customType')!r}")
        else:
            self._set_aside.append(f"entry type {kind!r}")

    def _message(self, entry_id: str, message: object) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise MalformedEntry("a message entry needs a message object with a string role")
        role = message["role"]
        keep_aside = self._set_aside.append
        reply: Message | None
        if role == "user":
            reply = user_message(message, keep_aside)
        elif role == "assistant":
            reply = assistant_message(message, keep_aside)
            stop, model, provider = message.get("stopReason"), message.get("model"), message.get("provider")
            self.trajectory.stop_reason = stop if isinstance(stop, str) else ""
            self.trajectory.model = self.trajectory.model or (model if isinstance(model, str) else "")
            self.trajectory.provider = self.trajectory.provider or (provider if isinstance(provider, str) else "")
            if reply is None:
                keep_aside("assistant message without text or tool call")
        elif role == "toolResult":
            reply = tool_message(message, keep_aside)
        else:
            keep_aside(f"message role {role!r}")
            reply = None
        if reply is not None:
            self.trajectory.messages.append(reply)
            self.trajectory.entry_ids.append(entry_id)


def _is_cut(value: object) -> bool:
    """Whether a JSON value holds a mark of the bundle's cutting (a truncation marker or placeholder)."""
    if isinstance(value, dict):
        return value.get("truncated") is True or any(_is_cut(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_cut(v) for v in value)
    return value == "[Truncated]"


def _tools(path: Path, data: object, trajectory: OpenClawTrajectory, report: ImportReport) -> None:
    if not isinstance(data, list):
        raise TrajectoryError(f"{path}: expected a list of tools, got {type(data).__name__}")
    for index, tool in enumerate(data):
        if isinstance(tool, str):
            trajectory.tools_cut.append("<unnamed>")
            report.keep_aside("tool cut by the bundle", path, index)
        elif not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not tool["name"]:
            report.skip(LineError(path, index, "a tool must be an object with a non-empty string name"))
        elif not isinstance(tool.get("description", ""), str) or not isinstance(tool.get("parameters", {}), dict):
            report.skip(LineError(path, index, "a tool needs a string description and an object parameters"))
        elif _is_cut(tool):
            trajectory.tools_cut.append(tool["name"])
            report.keep_aside("tool cut by the bundle", path, index)
        else:
            parameters = tool.get("parameters") or {"type": "object", "properties": {}}
            trajectory.tools.append({"type": "function", "function": {
                "name": tool["name"], "description": tool.get("description", ""), "parameters": parameters}})


def _prompt_from(value: object, where: str, trajectory: OpenClawTrajectory) -> bool:
    """Take a ``systemPrompt`` value (the text, or the bundle's truncation marker); whether it was one."""
    if isinstance(value, str):
        trajectory.system_prompt, trajectory.system_prompt_cut = value, ""
        return True
    if isinstance(value, dict) and value.get("truncated") is True:
        trajectory.system_prompt_cut = (f"cut by the bundle in {where} ({value.get('reason', 'no reason given')}: "
                                        f"{value.get('originalChars', '?')} characters, limit "
                                        f"{value.get('limitChars', '?')})")
        return True
    return False


def _system_prompt(bundle: Path, trajectory: OpenClawTrajectory, report: ImportReport, limits: ImportLimits) -> None:
    prompts = bundle / "prompts.json"
    data = _read_json(prompts, limits) if prompts.is_file() else {}
    if isinstance(data, dict) and _prompt_from(data.get("systemPrompt"), "prompts.json", trajectory):
        return
    trajectory.system_prompt_cut = "the bundle does not record it"
    events = bundle / "events.jsonl"
    if not events.is_file():
        return
    for line, event in iter_objects(events, limits, report.skip):
        body = event.get("data")
        if event.get("type") in _PROMPT_EVENTS and isinstance(body, dict) and "systemPrompt" in body:
            if not _prompt_from(body["systemPrompt"], f"events.jsonl:{line}", trajectory):
                report.skip(LineError(events, line, "systemPrompt must be a string or a truncation marker"))
            elif trajectory.system_prompt is not None:
                return


def read_trajectory(bundle_dir: Path, report: ImportReport, limits: ImportLimits | None = None,
                    ) -> OpenClawTrajectory:
    """Read one trajectory bundle (see the module docstring for what comes from where).

    Malformed entries go to ``report.skipped``, unknown ones to ``report.kept_aside``. Raises
    :class:`TrajectoryError` when a file is too large or the branch file is not ``{header, leafId,
    entries}``, and ``OSError`` when ``session-branch.json`` cannot be read.
    """
    limits = limits or ImportLimits()
    path = bundle_dir / "session-branch.json"
    data = _read_json(path, limits)
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise TrajectoryError(f"{path}: expected an object with a list of entries")
    report.files += 1
    header = data.get("header")
    session_id = header.get("id") if isinstance(header, dict) else None
    if not isinstance(session_id, str) or not session_id:
        report.notes.append(f"{path}: no session id in the header; the bundle's name {bundle_dir.name!r} is used")
        session_id = bundle_dir.name
    trajectory = OpenClawTrajectory(bundle=bundle_dir, session_id=session_id, messages=[], entry_ids=[])
    chain = _branch(path, data["entries"], data.get("leafId"), report)
    trajectory.leaf_id = chain[-1][1]["id"] if chain else ""
    reader = _BranchReader(trajectory, path, report)
    for index, entry in chain:
        reader.take(index, entry)
    if isinstance(header, dict):
        trajectory.started_at = timestamp_of(header.get("timestamp")) or trajectory.started_at
    tools = bundle_dir / "tools.json"
    if tools.is_file():
        _tools(tools, _read_json(tools, limits), trajectory, report)
    else:
        report.notes.append(f"{bundle_dir}: no tools.json; the tools offered are not known")
    _system_prompt(bundle_dir, trajectory, report, limits)
    if not trajectory.messages:
        report.empty_files.append(path)
    return trajectory


def messages_since(trajectory: OpenClawTrajectory, seen: set[str] | frozenset[str]) -> list[Message]:
    """The messages whose branch entry is not in ``seen``: what a turn added since an earlier read.

    ``seen`` is the ``entry_ids`` of the earlier read; the caller adds this read's ids before the next call.
    """
    return [m for m, entry_id in zip(trajectory.messages, trajectory.entry_ids, strict=True) if entry_id not in seen]
