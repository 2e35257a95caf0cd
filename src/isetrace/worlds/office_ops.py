"""The office world's operations: one table from which its HTTP API, its CLI and its tool schemas are derived.

Each :class:`Operation` is named ``<service>_<action>`` (``mail_send_message``, ``tickets_update``), in the
style of Claw-Eval's mock services, so a trajectory that calls them reads like one against real office
APIs. The HTTP API (:mod:`.office`) checks every argument against this table, the sandbox's ``office``
command (:mod:`.office_cli`) embeds it, and function-calling schemas come from :func:`parameters_schema`:
written once, none of them can drift from the others.

Everything here is pure: arguments in, checked arguments or an :class:`OfficeError` out.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from isetrace.errors import IseError

__all__ = ["OPERATIONS", "SERVICES", "OfficeError", "Operation", "Param", "arguments_from_query", "catalogue",
           "check_arguments", "operation", "parameters_schema"]

SHORT = 300
"""The longest one-line value (a subject, a title, an address), as in the world seeds."""
TEXT = 20_000
"""The longest body of text (a mail, a note, a description)."""
MAX_LIST_ITEMS = 50
"""The most entries of one list argument (recipients, attendees, tags)."""

ParamType = Literal["string", "integer", "boolean", "array"]
"""JSON types; an ``array`` is always of strings."""


class OfficeError(IseError):
    """An office call refused, with an HTTP status (400 malformed, 404 not found, 422 bad value, 429 quota) and
    a message the agent can act on: it says what was wrong and what would be right."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Param:
    """One argument of an operation; ``max_length`` bounds a string's characters, ``max_items`` an array."""

    name: str
    type: ParamType
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    default: str | int | bool | None = None
    max_length: int = SHORT
    max_items: int = MAX_LIST_ITEMS
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Operation:
    """One call of the API: ``read_only`` ones may also be made with ``GET`` and query arguments."""

    name: str
    description: str
    params: tuple[Param, ...] = ()
    read_only: bool = False

    @property
    def service(self) -> str:
        return self.name.split("_", 1)[0]

    @property
    def action(self) -> str:
        return self.name.split("_", 1)[1]

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def signature(self) -> str:
        """``to (required), cc, subject (required)``: what an error message shows the agent."""
        return ", ".join(f"{p.name} (required)" if p.required else p.name for p in self.params) or "no arguments"


def _str(name: str, description: str, *, required: bool = False, enum: tuple[str, ...] = (),
         default: str | None = None, max_length: int = SHORT) -> Param:
    return Param(name, "string", description, required, enum, default, max_length=max_length)


def _text(name: str, description: str, *, required: bool = False) -> Param:
    return Param(name, "string", description, required, max_length=TEXT)


def _int(name: str, description: str, *, required: bool = False, default: int | None = None,
         minimum: int | None = None, maximum: int | None = None) -> Param:
    return Param(name, "integer", description, required, default=default, minimum=minimum, maximum=maximum)


def _bool(name: str, description: str, *, default: bool) -> Param:
    return Param(name, "boolean", description, default=default)


def _list(name: str, description: str, *, required: bool = False) -> Param:
    return Param(name, "array", description, required)


def _id(name: str, what: str, prefix: str) -> Param:
    return _str(name, f"The {what}'s id ({prefix}_…).", required=True, max_length=40)


def _limit(default: int) -> Param:
    return _int("limit", f"The most entries to return (default {default}).", default=default, minimum=1, maximum=200)


TICKET_STATUSES = ("open", "in_progress", "blocked", "resolved", "closed")
TICKET_PRIORITIES = ("low", "medium", "high", "urgent")
_WHEN = "ISO 8601 date or date and time, e.g. 2026-12-01T10:00"

SERVICES: dict[str, str] = {
    "mail": "The mailbox: list, read, search, send and reply to messages.",
    "calendar": "The calendar: list, create, change and delete events.",
    "contacts": "The address book: search, read and add contacts.",
    "chat": "Team chat: list channels, read them and post messages.",
    "tickets": "The issue tracker: list, read, create, update and comment on tickets.",
    "notes": "Notes: list, read, create and edit them.",
    "todo": "The to-do list: list, add and complete items.",
    "scheduler": "Scheduled jobs: commands run later, or again and again, in this workspace.",
}

_TABLE = (
    Operation("mail_list_messages", "List the messages of a mail folder, newest first (no bodies).", (
        _str("folder", "inbox (default), sent, or another folder of the mailbox.", default="inbox"),
        _bool("unread_only", "Only messages not yet read.", default=False),
        _limit(20)), read_only=True),
    Operation("mail_get_message", "Read one message in full, with its body.", (
        _id("message_id", "message", "msg"),), read_only=True),
    Operation("mail_send_message", "Send a new message; a copy is kept in the sent folder.", (
        _list("to", "Recipients' addresses.", required=True),
        _list("cc", "Addresses to copy."),
        _str("subject", "The subject line.", required=True),
        _text("body", "The text of the message.", required=True))),
    Operation("mail_reply", "Reply to a message (to its sender, or to everyone on it); kept in the sent folder.", (
        _id("message_id", "message", "msg"),
        _text("body", "The text of the reply.", required=True),
        _bool("reply_all", "Also reply to every other recipient.", default=False))),
    Operation("mail_mark_read", "Mark a message read, or unread again.", (
        _id("message_id", "message", "msg"),
        _bool("read", "true to mark it read (default), false for unread.", default=True))),
    Operation("mail_search", "Find messages whose sender, recipients, subject or body contain the words.", (
        _str("query", "Words to look for (case-insensitive; every word must appear).", required=True),
        _str("folder", "Only this folder (default: every folder)."),
        _limit(20)), read_only=True),
    Operation("calendar_list_events", "List calendar events by start time, optionally within a range of dates.", (
        _str("date_from", f"Only events starting at or after this ({_WHEN})."),
        _str("date_to", f"Only events starting at or before this; a bare date includes that day ({_WHEN})."),
        _limit(50)), read_only=True),
    Operation("calendar_create_event", "Add an event to the calendar.", (
        _str("title", "What the event is.", required=True),
        _str("start", f"When it starts ({_WHEN}).", required=True),
        _str("end", f"When it ends ({_WHEN}); not before the start."),
        _str("location", "Where it takes place."),
        _list("attendees", "Attendees' addresses."),
        _text("notes", "Anything else about it."))),
    Operation("calendar_update_event", "Change an event: only the fields given change.", (
        _id("event_id", "event", "evt"),
        _str("title", "A new title."),
        _str("start", f"A new start ({_WHEN})."),
        _str("end", f"A new end ({_WHEN})."),
        _str("location", "A new location."),
        _list("attendees", "The new list of attendees (replaces the old one)."),
        _text("notes", "New notes (replace the old ones)."))),
    Operation("calendar_delete_event", "Delete an event from the calendar.", (_id("event_id", "event", "evt"),)),
    Operation("contacts_search", "Find contacts by name, email, phone, company or role (all when no query).", (
        _str("query", "Words to look for (case-insensitive)."),
        _limit(20)), read_only=True),
    Operation("contacts_get", "Read one contact.", (_id("contact_id", "contact", "con"),), read_only=True),
    Operation("contacts_create", "Add a contact to the address book.", (
        _str("name", "The person's full name.", required=True),
        _str("email", "Their email address."),
        _str("phone", "Their phone number."),
        _str("company", "Where they work."),
        _str("role", "Their role or job title."))),
    Operation("chat_list_channels", "List the chat channels with their number of messages.", read_only=True),
    Operation("chat_read_channel", "Read the latest messages of a channel, oldest first.", (
        _str("channel", "The channel's name, e.g. general.", required=True),
        _limit(50)), read_only=True),
    Operation("chat_post_message", "Post a message to a channel.", (
        _str("channel", "The channel's name, e.g. general.", required=True),
        _text("text", "What to say.", required=True))),
    Operation("tickets_list", "List tickets, optionally only those of a status, priority or assignee.", (
        _str("status", "Only tickets of this status.", enum=TICKET_STATUSES),
        _str("priority", "Only tickets of this priority.", enum=TICKET_PRIORITIES),
        _str("assignee", "Only tickets assigned to this person."),
        _limit(50)), read_only=True),
    Operation("tickets_get", "Read one ticket in full, with its comments.", (
        _id("ticket_id", "ticket", "tkt"),), read_only=True),
    Operation("tickets_create", "Open a new ticket.", (
        _str("title", "A one-line summary.", required=True),
        _text("description", "What happens, what should happen, how to reproduce it."),
        _str("priority", "How urgent it is (default medium).", enum=TICKET_PRIORITIES, default="medium"),
        _str("assignee", "Who should work on it."))),
    Operation("tickets_update", "Change a ticket's status, priority or assignee: only the fields given change.", (
        _id("ticket_id", "ticket", "tkt"),
        _str("status", "The new status.", enum=TICKET_STATUSES),
        _str("priority", "The new priority.", enum=TICKET_PRIORITIES),
        _str("assignee", "Who works on it now (an empty string unassigns it)."))),
    Operation("tickets_comment", "Add a comment to a ticket.", (
        _id("ticket_id", "ticket", "tkt"),
        _text("text", "The comment.", required=True))),
    Operation("notes_list", "List notes (no bodies), optionally only those with a tag or containing words.", (
        _str("query", "Words to look for in titles and bodies (case-insensitive)."),
        _str("tag", "Only notes with this tag."),
        _limit(50)), read_only=True),
    Operation("notes_get", "Read one note in full.", (_id("note_id", "note", "note"),), read_only=True),
    Operation("notes_create", "Write a new note.", (
        _str("title", "The note's title.", required=True),
        _text("body", "The note's text."),
        _list("tags", "Tags to find it by."))),
    Operation("notes_update", "Change a note: only the fields given change.", (
        _id("note_id", "note", "note"),
        _str("title", "A new title."),
        _text("body", "The new text (replaces the old one)."),
        _list("tags", "The new tags (replace the old ones)."))),
    Operation("todo_list", "List to-do items.", (
        _str("status", "open, done, or all (default).", enum=("open", "done", "all"), default="all"),), read_only=True),
    Operation("todo_add", "Add an item to the to-do list.", (
        _str("title", "What is to be done.", required=True),
        _str("due", "When it is due (ISO 8601 date, e.g. 2026-12-03)."))),
    Operation("todo_complete", "Mark a to-do item done.", (_id("todo_id", "to-do item", "todo"),)),
    Operation("scheduler_list_jobs", "List scheduled jobs with their schedule, next run and last result.",
              read_only=True),
    Operation("scheduler_create_job", "Schedule a shell command: every N seconds, once after a delay, or by cron.", (
        _str("name", "A short name for the job.", required=True),
        _str("command", "The shell command to run in the workspace.", required=True, max_length=2_000),
        _int("every_s", "Run every this many seconds (at least 1).", minimum=1, maximum=30 * 86_400),
        _int("in_s", "Run once, this many seconds from now.", minimum=0, maximum=365 * 86_400),
        _str("cron", "Run on a cron schedule: 5 fields (minute hour day-of-month month day-of-week), UTC, "
                     "numbers with * , - and /, e.g. '*/15 9-17 * * 1-5'.", max_length=100))),
    Operation("scheduler_delete_job", "Delete a scheduled job; it does not run again.", (_id("job_id", "job", "job"),)),
    Operation("scheduler_job_runs", "List a job's runs, latest last: when, exit code, end of its output.", (
        _id("job_id", "job", "job"),
        _limit(20)), read_only=True),
)

OPERATIONS: dict[str, Operation] = {op.name: op for op in _TABLE}
"""Every operation, by name, in the order the services are listed."""


def parameters_schema(op: Operation) -> dict[str, Any]:
    """The JSON Schema of ``op``'s arguments, as function-calling APIs and ``GET /v1/`` offer it."""
    properties: dict[str, Any] = {}
    for p in op.params:
        prop: dict[str, Any] = {"type": p.type, "description": p.description}
        if p.type == "string":
            prop["maxLength"] = p.max_length
        if p.type == "array":
            prop.update(items={"type": "string", "maxLength": SHORT}, maxItems=p.max_items)
        if p.enum:
            prop["enum"] = list(p.enum)
        if p.minimum is not None:
            prop["minimum"] = p.minimum
        if p.maximum is not None:
            prop["maximum"] = p.maximum
        if p.default is not None:
            prop["default"] = p.default
        properties[p.name] = prop
    return {"type": "object", "properties": properties, "required": [p.name for p in op.params if p.required],
            "additionalProperties": False}


def catalogue() -> dict[str, Any]:
    """What ``GET /v1/`` answers: how to call the API, and every operation with its parameters."""
    return {"usage": "POST /v1/<operation> with a JSON object of arguments (read-only operations also take GET "
                     "with query arguments); the answer is {\"ok\": true, \"result\": …} or {\"ok\": false, "
                     "\"error\": …}.",
            "services": SERVICES,
            "operations": [{"name": op.name, "description": op.description, "read_only": op.read_only,
                            "parameters": parameters_schema(op)} for op in OPERATIONS.values()]}


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def operation(name: str) -> Operation:
    """The operation called ``name``; a 404 that suggests the nearest name otherwise."""
    op = OPERATIONS.get(name)
    if op is None:
        raise OfficeError(404, f"unknown operation {name[:80]!r}{_hint(name, OPERATIONS)}; "
                               "GET /v1/ lists every operation with its arguments")
    return op


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    names = {str: "string", int: "integer", float: "number", list: "array", dict: "object"}
    return next((json for kind, json in names.items() if isinstance(value, kind)), type(value).__name__)


def _wrong_type(p: Param, value: Any) -> bool:
    if p.type == "string":
        return not isinstance(value, str)
    if p.type == "integer":
        return isinstance(value, bool) or not isinstance(value, int)
    if p.type == "boolean":
        return not isinstance(value, bool)
    return not (isinstance(value, list) and all(isinstance(item, str) for item in value))


def _checked(op: Operation, p: Param, value: Any) -> Any:
    where = f"{op.name}: {p.name!r}"
    wanted = "an array of strings" if p.type == "array" else f"a{'n' if p.type == 'integer' else ''} {p.type}"
    if p.type == "integer" and isinstance(value, float) and value.is_integer():
        value = int(value)
    if _wrong_type(p, value):
        raise OfficeError(400, f"{where} must be {wanted}, not {_json_type(value)}")
    if p.type == "string":
        if len(value) > p.max_length:
            raise OfficeError(422, f"{where} is {len(value)} characters long; the limit is {p.max_length}")
        if p.enum and value not in p.enum:
            raise OfficeError(422, f"{where} must be one of {', '.join(p.enum)}; {value[:40]!r} is not")
        if p.required and not value.strip():
            raise OfficeError(422, f"{where} must not be empty")
    elif p.type == "array":
        if len(value) > p.max_items:
            raise OfficeError(422, f"{where} has {len(value)} entries; the limit is {p.max_items}")
        if any(len(item) > SHORT for item in value):
            raise OfficeError(422, f"{where}: each entry must be at most {SHORT} characters")
        if p.required and not value:
            raise OfficeError(422, f"{where} must have at least one entry")
        value = list(value)
    elif p.type == "integer" and ((p.minimum is not None and value < p.minimum)
                                  or (p.maximum is not None and value > p.maximum)):
        raise OfficeError(422, f"{where} must be between {p.minimum} and {p.maximum}; {value} is not")
    return value


def check_arguments(op: Operation, args: Any) -> dict[str, Any]:
    """``args`` checked against ``op``: every parameter present, the absent ones at their default (``[]`` for
    an array, ``None`` otherwise); a ``null`` counts as absent. Raises :class:`OfficeError`."""
    if not isinstance(args, Mapping):
        raise OfficeError(400, f"{op.name}: the arguments must be a JSON object, not {_json_type(args)}; "
                               f"it takes {op.signature()}")
    for key in args:
        if op.param(str(key)) is None:
            raise OfficeError(400, f"{op.name}: unknown argument {str(key)[:60]!r}"
                                   f"{_hint(str(key), (p.name for p in op.params))}; it takes {op.signature()}")
    missing = [p.name for p in op.params if p.required and args.get(p.name) is None]
    if missing:
        raise OfficeError(400, f"{op.name}: missing required argument{'s' if len(missing) > 1 else ''} "
                               f"{', '.join(missing)}; it takes {op.signature()}")
    checked: dict[str, Any] = {}
    for p in op.params:
        value = args.get(p.name)
        if value is None:
            checked[p.name] = [] if p.type == "array" else p.default
        else:
            checked[p.name] = _checked(op, p, value)
    return checked


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def arguments_from_query(op: Operation, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The arguments of a ``GET`` query, each coerced to its parameter's type: an integer from its digits, a
    boolean from true/false/1/0/yes/no, an array from repeated keys or comma-separated values. Names the
    operation does not take are kept as they are, for :func:`check_arguments` to refuse with its message."""
    args: dict[str, Any] = {}
    for key, text in pairs:
        p = op.param(key)
        if p is None or p.type == "string":
            args[key] = text
        elif p.type == "array":
            args.setdefault(key, []).extend(item.strip() for item in text.split(",") if item.strip())
        elif p.type == "boolean" and text.lower() in _TRUE + _FALSE:
            args[key] = text.lower() in _TRUE
        elif p.type == "integer" and re.fullmatch(r"\s*-?[0-9]+\s*", text):
            args[key] = int(text)
        else:
            raise OfficeError(400, f"{op.name}: {key!r} must be {'a boolean' if p.type == 'boolean' else 'an integer'}"
                                   f", not {text[:40]!r}")
    return args
