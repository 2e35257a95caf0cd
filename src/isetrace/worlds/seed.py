"""A world seed: what a session's worlds hold when it opens — pages, an inbox, a calendar, repositories.

The renderer writes one with each intent (the data the request mentions behind a URL, the messages it
refers to, the repository it wants fixed), stored as the intent's ``world``; the same seed always builds
the same world. An intent without one gets :func:`default_seed`, so every session has something to
reach. Seeds come from a model: every list is bounded and every string capped, so a runaway reply cannot
turn into a world that fills the host.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from isetrace.jsonl import describe_validation_error
from isetrace.worlds.urls import normalise_url

__all__ = ["CalendarEventSeed", "ChatMessageSeed", "CommitSeed", "ContactSeed", "MailSeed", "NoteSeed", "PageSeed",
           "RepoSeed", "TicketSeed", "TodoSeed", "WorldSeed", "WorldSeedError", "default_seed", "parse_seed",
           "seed_record"]

MAX_BODY_CHARS = 200_000
"""The largest page body or file a seed may carry."""
MAX_ITEMS = 50
"""The most entries of one kind (pages, messages, events…) in one seed."""

Short = Annotated[str, StringConstraints(max_length=300)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Body = Annotated[str, StringConstraints(max_length=MAX_BODY_CHARS)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]


class WorldSeedError(ValueError):
    """A world seed that is not well formed; the message says where."""


class _Seed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PageSeed(_Seed):
    """A page at a URL: ``http://host/path`` (``https`` is read as ``http``: the worlds speak plain HTTP)."""

    url: Short
    body: Body
    content_type: Short = "text/html; charset=utf-8"
    title: Short = ""

    @field_validator("url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        return normalise_url(value)


class MailSeed(_Seed):
    """A message in the inbox (or, with ``folder: sent``, one the user sent before)."""

    sender: Short = Field(alias="from")
    to: list[Short] = Field(default_factory=lambda: ["me@office.test"], max_length=20)
    subject: Short
    body: Text = ""
    date: Short = "2026-11-30T09:00:00Z"
    folder: Short = "inbox"
    read: bool = False

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CalendarEventSeed(_Seed):
    title: Short
    start: Short
    """ISO 8601, e.g. ``2026-12-01T10:00``."""
    end: Short = ""
    location: Short = ""
    attendees: list[Short] = Field(default_factory=list, max_length=50)
    notes: Text = ""


class ContactSeed(_Seed):
    name: Short
    email: Short = ""
    phone: Short = ""
    company: Short = ""
    role: Short = ""


class ChatMessageSeed(_Seed):
    channel: Short
    author: Short
    text: Text
    time: Short = "2026-11-30T09:00:00Z"


class TicketSeed(_Seed):
    title: Short
    description: Text = ""
    status: Annotated[str, StringConstraints(pattern=r"^(open|in_progress|blocked|resolved|closed)$")] = "open"
    priority: Annotated[str, StringConstraints(pattern=r"^(low|medium|high|urgent)$")] = "medium"
    assignee: Short = ""
    reporter: Short = ""


class NoteSeed(_Seed):
    title: Short
    body: Text = ""
    tags: list[Short] = Field(default_factory=list, max_length=20)


class TodoSeed(_Seed):
    title: Short
    done: bool = False
    due: Short = ""


class CommitSeed(_Seed):
    """One commit: files written (a ``None`` content removes the file) with a message."""

    message: Short
    files: dict[Short, Body | None] = Field(default_factory=dict, max_length=200)
    author: Short = "Dana Reyes <dana@example.org>"


class RepoSeed(_Seed):
    """A remote repository, built commit by commit with fixed dates, so the same seed gives the same hashes."""

    name: Name
    description: Short = ""
    default_branch: Name = "main"
    commits: list[CommitSeed] = Field(min_length=1, max_length=MAX_ITEMS)
    branches: dict[Name, int] = Field(default_factory=dict, max_length=20)
    """Other branches, each at the commit of this (zero-based) index."""


class WorldSeed(_Seed):
    """Everything one session's worlds start from; every part optional."""

    pages: list[PageSeed] = Field(default_factory=list, max_length=MAX_ITEMS)
    mail: list[MailSeed] = Field(default_factory=list, max_length=MAX_ITEMS)
    calendar: list[CalendarEventSeed] = Field(default_factory=list, max_length=MAX_ITEMS)
    contacts: list[ContactSeed] = Field(default_factory=list, max_length=MAX_ITEMS)
    chat: list[ChatMessageSeed] = Field(default_factory=list, max_length=MAX_ITEMS)
    tickets: list[TicketSeed] = Field(default_factory=list, max_length=MAX_ITEMS)
    notes: list[NoteSeed] = Field(default_factory=list, max_length=MAX_ITEMS)
    todos: list[TodoSeed] = Field(default_factory=list, max_length=MAX_ITEMS)
    repos: list[RepoSeed] = Field(default_factory=list, max_length=10)

    def merged(self, other: WorldSeed) -> WorldSeed:
        """This seed with ``other``'s entries added (several intents in one session share one world)."""
        return WorldSeed.model_validate({name: [*getattr(self, name), *getattr(other, name)]
                                         for name in WorldSeed.model_fields}, strict=False)


def parse_seed(data: Any, *, where: str = "world") -> WorldSeed:
    """A stored seed as its model; :class:`WorldSeedError` naming the first problem otherwise."""
    if isinstance(data, WorldSeed):
        return data
    try:
        return WorldSeed.model_validate(data or {})
    except ValidationError as exc:
        raise WorldSeedError(f"{where}: {describe_validation_error(exc)}") from None


def seed_record(seed: WorldSeed) -> dict[str, Any]:
    """``seed`` as an intent stores it (``Intent.world``): only what it sets, mail senders as ``from``."""
    return seed.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def default_seed() -> WorldSeed:
    """The world of an intent that brings none: a little of everything, so each world answers something."""
    return WorldSeed(
        mail=[MailSeed(sender="Priya Natarajan <priya@office.test>", subject="Quarterly review slides",
                       body="Hi, could you send me the final slides by Thursday? Thanks, Priya"),
              MailSeed(sender="IT Desk <it@office.test>", subject="Password rotation on Friday",
                       body="All accounts rotate passwords on Friday 4 December.", read=True)],
        calendar=[CalendarEventSeed(title="Team stand-up", start="2026-12-01T09:30", end="2026-12-01T09:45",
                                    attendees=["me@office.test", "priya@office.test"])],
        contacts=[ContactSeed(name="Priya Natarajan", email="priya@office.test", company="Northwind Labs",
                              role="Programme lead"),
                  ContactSeed(name="Tomás Ferreira", email="tomas@office.test", company="Northwind Labs",
                              role="Data engineer")],
        chat=[ChatMessageSeed(channel="general", author="tomas", text="Deploy window is 14:00–15:00 today.")],
        tickets=[TicketSeed(title="Nightly export fails on empty files", status="open", priority="high",
                            reporter="tomas@office.test")],
        notes=[NoteSeed(title="Onboarding checklist", body="1. Laptop\n2. Accounts\n3. First review")],
        todos=[TodoSeed(title="Book room for the retro", due="2026-12-03")],
        repos=[RepoSeed(name="inventory-tools", description="Small scripts for the stock spreadsheet",
                        commits=[CommitSeed(message="Initial import", files={
                            "README.md": "# inventory-tools\n\nScripts that check the stock sheet.\n",
                            "stock.py": "def total(rows):\n    return sum(r['qty'] for r in rows)\n"})])],
    )
