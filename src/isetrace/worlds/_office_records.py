"""The office's items as plain records, and the date and cron arithmetic they need.

They live apart from :class:`~isetrace.worlds.office_state.OfficeState` because more than the state uses
them: the host-side queries hand out copies of them to verification checks, and
:class:`~isetrace.worlds.office.OfficeWorld` returns them too. Each record is what one item of a service
holds (a message, an event, a ticket…); ``as_json`` where the API shows it differently from its fields.

The date helpers read the ISO 8601 times the agent sends and write the state's clock as ISO 8601; the cron
helpers parse a five-field cron expression and find when it next comes. Each refuses bad input with an
:class:`~isetrace.worlds.office_ops.OfficeError` (422) that shows the right form, as the operations do.
:func:`matches` is the word match every search of the records uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from isetrace.worlds.office_ops import OfficeError

__all__ = ["ChatMessage", "Comment", "Contact", "Event", "Job", "JobRun", "Message", "Note", "Ticket", "Todo",
           "cron_fields", "cron_next", "event_start", "iso", "matches", "when"]


@dataclass(slots=True)
class Message:
    id: str
    folder: str
    sender: str
    to: list[str]
    subject: str
    body: str
    date: str
    read: bool = False
    cc: list[str] = field(default_factory=list)
    in_reply_to: str = ""

    def as_json(self, *, body: bool = True) -> dict[str, Any]:
        data = {"id": self.id, "folder": self.folder, "from": self.sender, "to": self.to, "cc": self.cc,
                "subject": self.subject, "date": self.date, "read": self.read, "in_reply_to": self.in_reply_to}
        return {**data, "body": self.body} if body else data


@dataclass(slots=True)
class Event:
    id: str
    title: str
    start: str
    end: str = ""
    location: str = ""
    attendees: list[str] = field(default_factory=list)
    notes: str = ""


@dataclass(slots=True)
class Contact:
    id: str
    name: str
    email: str = ""
    phone: str = ""
    company: str = ""
    role: str = ""


@dataclass(slots=True)
class ChatMessage:
    id: str
    channel: str
    author: str
    text: str
    time: str


@dataclass(slots=True)
class Comment:
    author: str
    text: str
    time: str


@dataclass(slots=True)
class Ticket:
    id: str
    title: str
    description: str = ""
    status: str = "open"
    priority: str = "medium"
    assignee: str = ""
    reporter: str = ""
    comments: list[Comment] = field(default_factory=list)


@dataclass(slots=True)
class Note:
    id: str
    title: str
    body: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Todo:
    id: str
    title: str
    done: bool = False
    due: str = ""


@dataclass(slots=True)
class JobRun:
    at_s: float
    exit_code: int
    output_tail: str


@dataclass(slots=True)
class Job:
    """A scheduled command: exactly one of ``every_s``, ``in_s`` and ``cron`` is set; ``next_run_s`` (on the
    state's clock) is ``None`` once a one-off job has been handed out."""

    id: str
    name: str
    command: str
    created_s: float
    next_run_s: float | None
    every_s: int | None = None
    in_s: int | None = None
    cron: str | None = None
    runs: list[JobRun] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        schedule = {key: value for key in ("every_s", "in_s", "cron") if (value := getattr(self, key)) is not None}
        return {"id": self.id, "name": self.name, "command": self.command, "schedule": schedule,
                "next_run": iso(self.next_run_s) if self.next_run_s is not None else None, "runs": len(self.runs),
                "last_exit_code": self.runs[-1].exit_code if self.runs else None}


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def when(where: str, text: str) -> datetime:
    """``text`` read as ISO 8601, naive in UTC (so any two compare); a 422 that shows the form otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise OfficeError(422, f"{where} must be an ISO 8601 date or date and time such as 2026-12-01T10:00; "
                               f"{text[:40]!r} is not") from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def event_start(event: Event) -> datetime | None:
    """When ``event`` starts, ``None`` if a seed gave a time that is not ISO 8601 (it is listed last)."""
    try:
        return when("start", event.start)
    except OfficeError:
        return None


def matches(query: str, *fields: str) -> bool:
    """Whether every word of ``query`` appears in one of ``fields`` (case-insensitive)."""
    haystack = "\n".join(fields).lower()
    return all(word in haystack for word in query.lower().split())


_CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
                ("day of week", 0, 7))


def cron_fields(expression: str) -> list[set[int]]:
    """The values each of the five fields allows (day of week 7 is Sunday, as 0); a 422 that says which field
    is wrong otherwise."""
    parts = expression.split()
    if len(parts) != 5:
        raise OfficeError(422, f"scheduler_create_job: 'cron' needs 5 fields (minute hour day-of-month month "
                               f"day-of-week), e.g. '*/15 9-17 * * 1-5'; {expression[:60]!r} has {len(parts)}")
    allowed: list[set[int]] = []
    for part, (name, low, high) in zip(parts, _CRON_FIELDS, strict=True):
        values: set[int] = set()
        for item in part.split(","):
            span, _, step = item.partition("/")
            try:
                first, last = (low, high) if span == "*" else (int(span.split("-")[0]), int(span.split("-")[-1]))
                stride = int(step) if step else 1
            except ValueError:
                first, last, stride = 1, 0, 0
            if not (low <= first <= last <= high and stride >= 1 and span.count("-") <= 1):
                raise OfficeError(422, f"scheduler_create_job: the cron {name} field {part!r} is not valid: use "
                                       f"numbers {low}-{high} with * , - and / (e.g. */5, 1-5, 0,30)")
            values.update(range(first, last + 1, stride))
        allowed.append({0 if name == "day of week" and value == 7 else value for value in values})
    return allowed


def cron_next(expression: str, after_s: float) -> float | None:
    """The first minute after ``after_s`` that ``expression`` matches (UTC), within five years, else ``None``.
    Day of month and day of week match either when both are restricted, as cron does."""
    minutes, hours, days, months, weekdays = cron_fields(expression)
    any_day, any_weekday = expression.split()[2].startswith("*"), expression.split()[4].startswith("*")
    moment = datetime.fromtimestamp((after_s // 60 + 1) * 60, UTC)
    limit = moment + timedelta(days=5 * 366)
    while moment < limit:
        weekday_ok, day_ok = (moment.weekday() + 1) % 7 in weekdays, moment.day in days
        if moment.month not in months:
            moment = (moment.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
        elif not ((day_ok or weekday_ok) if not (any_day or any_weekday) else (day_ok and weekday_ok)):
            moment = moment.replace(hour=0, minute=0) + timedelta(days=1)
        elif moment.hour not in hours:
            moment = moment.replace(minute=0) + timedelta(hours=1)
        elif moment.minute not in minutes:
            moment += timedelta(minutes=1)
        else:
            return moment.timestamp()
    return None
