"""Checks on the worlds: what the agent did to the services around it, read where it cannot write.

Each reads the session's world host — the office state, the git remotes, the audit log — on the host,
never a file in the session: a mail counts as sent when the office received it, a branch as pushed when
the remote holds it, a page as fetched when the web world served it. Only items the agent made count
(a seeded message in ``sent`` is not one it sent). Without worlds (a run without ``worlds.*``, or the
template's soundness check) every world check fails, saying so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from pydantic import field_validator, model_validator

from isetrace.verify.checks import Check, CheckContext, Outcome, register_check
from isetrace.worlds.base import AuditEntry
from isetrace.worlds.git_remote import GitWorld, GitWorldError
from isetrace.worlds.office import OfficeWorld
from isetrace.worlds.package_index import project_name
from isetrace.worlds.urls import normalise_url

__all__ = ["BranchPushed", "EventCreated", "JobFired", "MailSent", "PackageInstalled", "PageFetched", "TicketState"]

_SERVED = range(200, 300)


def _no_world(name: str) -> Outcome:
    return Outcome.of(False, f"the session has no {name} world to check")


def _calls(context: CheckContext, world: str) -> Iterator[AuditEntry]:
    """The calls to ``world`` that were answered (not failed on purpose, not refused)."""
    if context.worlds is None:
        return iter(())
    return (e for e in context.worlds.audit if e.world == world and e.status in _SERVED and e.fault is None)


def _made(context: CheckContext, operations: tuple[str, ...], entity: str) -> set[str]:
    """The ids of the office items the agent's successful calls of ``operations`` made."""
    return {str(e.detail[entity]) for e in _calls(context, "office")
            if e.detail.get("operation") in operations and entity in e.detail}


def _contains(haystack: str, needle: str | None) -> bool:
    return needle is None or needle.casefold() in haystack.casefold()


def _office(context: CheckContext) -> OfficeWorld | None:
    world = context.worlds.world("office") if context.worlds is not None else None
    return world if isinstance(world, OfficeWorld) else None


@register_check
class MailSent(Check):
    """A message the agent sent through the office world: to ``to`` (an address) and/or with
    ``subject_contains`` in its subject and ``body_contains`` in its body."""

    world: ClassVar[str | None] = "office"
    kind: Literal["mail_sent"] = "mail_sent"
    to: str | None = None
    subject_contains: str | None = None
    body_contains: str | None = None

    async def evaluate(self, context: CheckContext) -> Outcome:
        office = _office(context)
        if office is None:
            return _no_world("office")
        made = _made(context, ("mail_send_message", "mail_reply"), "message")
        sent = [m for m in office.sent_mail() if m.id in made]
        for message in sent:
            recipients = [address.casefold() for address in (*message.to, *message.cc)]
            if (self.to is None or any(self.to.casefold() in r for r in recipients)) and \
                    _contains(message.subject, self.subject_contains) and _contains(message.body, self.body_contains):
                return Outcome.of(True, f"{message.id} to {', '.join(message.to)}: {message.subject!r}")
        seen = "; ".join(f"to {', '.join(m.to)}: {m.subject!r}" for m in sent[:3]) or "none"
        return Outcome.of(False, f"no sent message matches (sent by the agent: {seen})")


@register_check
class EventCreated(Check):
    """A calendar event the agent created with ``title_contains`` in its title, starting at ``start`` (a prefix
    of its ISO start: ``2026-12-03`` or ``2026-12-03T10:00``)."""

    world: ClassVar[str | None] = "office"
    kind: Literal["event_created"] = "event_created"
    title_contains: str | None = None
    start: str | None = None

    async def evaluate(self, context: CheckContext) -> Outcome:
        office = _office(context)
        if office is None:
            return _no_world("office")
        made = _made(context, ("calendar_create_event",), "event")
        events = [e for e in office.events() if e.id in made]
        for event in events:
            if _contains(event.title, self.title_contains) and (self.start is None or
                                                                event.start.startswith(self.start)):
                return Outcome.of(True, f"{event.id} {event.title!r} at {event.start}")
        seen = "; ".join(f"{e.title!r} at {e.start}" for e in events[:3]) or "none"
        return Outcome.of(False, f"no created event matches (created by the agent: {seen})")


@register_check
class TicketState(Check):
    """The ticket ``ticket`` (an id) or the one with ``title_contains`` in its title is in ``status``."""

    world: ClassVar[str | None] = "office"
    kind: Literal["ticket_state"] = "ticket_state"
    ticket: str | None = None
    title_contains: str | None = None
    status: Literal["open", "in_progress", "blocked", "resolved", "closed"]

    @model_validator(mode="after")
    def _names_one(self) -> TicketState:
        if self.ticket is None and self.title_contains is None:
            raise ValueError("name the ticket by ticket (its id) or title_contains")
        return self

    async def evaluate(self, context: CheckContext) -> Outcome:
        office = _office(context)
        if office is None:
            return _no_world("office")
        tickets = [t for t in office.tickets()
                   if (self.ticket is None or t.id == self.ticket) and _contains(t.title, self.title_contains)]
        if not tickets:
            return Outcome.of(False, "no such ticket")
        matching = [t for t in tickets if t.status == self.status]
        shown = matching[0] if matching else tickets[0]
        return Outcome.of(bool(matching), f"{shown.id} {shown.title!r} is {shown.status}")


@register_check
class PageFetched(Check):
    """The web world served ``url`` to the session (``web_fetch``, ``curl``…); ``http``/``https`` alike."""

    world: ClassVar[str | None] = "web"
    kind: Literal["page_fetched"] = "page_fetched"
    url: str

    @field_validator("url")
    @classmethod
    def _normalised(cls, value: str) -> str:
        return normalise_url(value)

    async def evaluate(self, context: CheckContext) -> Outcome:
        if context.worlds is None or context.worlds.world("web") is None:
            return _no_world("web")
        for entry in _calls(context, "web"):
            if entry.detail.get("url") == self.url and entry.detail.get("found"):
                return Outcome.of(True, f"served {self.url} ({entry.via}, call {entry.seq})")
        return Outcome.of(False, f"{self.url} was never served to the session")


@register_check
class BranchPushed(Check):
    """The agent pushed ``branch`` to the remote repository ``repo`` (``http://git.test/<repo>.git``); with
    ``message_contains`` a commit on it says so, with ``file`` that file exists there (containing
    ``file_contains``)."""

    world: ClassVar[str | None] = "git"
    kind: Literal["branch_pushed"] = "branch_pushed"
    repo: str
    branch: str
    message_contains: str | None = None
    file: str | None = None
    file_contains: str | None = None

    async def evaluate(self, context: CheckContext) -> Outcome:
        world = context.worlds.world("git") if context.worlds is not None else None
        if not isinstance(world, GitWorld):
            return _no_world("git")
        try:
            return await self._on(world, context)
        except GitWorldError as exc:
            return Outcome.of(False, f"the remote could not be read: {exc}")

    async def _on(self, world: GitWorld, context: CheckContext) -> Outcome:
        ref = f"refs/heads/{self.branch}"
        pushed = any(e.detail.get("repo") == self.repo and e.detail.get("pushed") and ref in _refs(e)
                     for e in _calls(context, "git"))
        head = (await world.refs(self.repo)).get(self.branch)
        if not pushed or head is None:
            return Outcome.of(False, f"{self.branch} of {self.repo} was not pushed by the agent"
                              + ("" if head is None else f" (it is at {head[:10]} from the seed)"))
        if self.message_contains is not None:
            messages = await world.commit_messages(self.repo, self.branch)
            if not any(_contains(m, self.message_contains) for m in messages):
                return Outcome.of(False, f"no commit on {self.branch} mentions {self.message_contains!r}")
        if self.file is not None:
            content = await world.file_at(self.repo, self.branch, self.file)
            if content is None:
                return Outcome.of(False, f"{self.file} is not on {self.branch}")
            if not _contains(content.decode("utf-8", errors="replace"), self.file_contains):
                return Outcome.of(False, f"{self.file} on {self.branch} lacks {self.file_contains!r}")
        return Outcome.of(True, f"{self.repo}: {self.branch} pushed, at {head[:10]}")


def _refs(entry: AuditEntry) -> Any:
    refs = entry.detail.get("refs")
    return refs if isinstance(refs, dict | str) else {}


@register_check
class PackageInstalled(Check):
    """The package ``name`` was downloaded from the package world and ``pip show`` finds it installed."""

    world: ClassVar[str | None] = "packages"
    kind: Literal["package_installed"] = "package_installed"
    name: str

    @field_validator("name")
    @classmethod
    def _project(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", value):
            raise ValueError(f"{value!r} is not a package name")
        return value

    async def evaluate(self, context: CheckContext) -> Outcome:
        if context.worlds is None or context.worlds.world("packages") is None:
            return _no_world("packages")
        project = project_name(self.name)
        if not any(e.detail.get("project") == project for e in _calls(context, "packages")):
            return Outcome.of(False, f"{self.name} was never downloaded from the package index")
        shown = await context.sandbox.run(["python3", "-m", "pip", "show", self.name], timeout_s=context.timeout_s)
        if shown.exit_code != 0:
            return Outcome.of(False, f"downloaded, but pip show {self.name} finds no installed package")
        version = next((line for line in shown.stdout.decode(errors="replace").splitlines()
                        if line.startswith("Version:")), "")
        return Outcome.of(True, f"{self.name} downloaded and installed ({version or 'version unknown'})")


@register_check
class JobFired(Check):
    """A job the agent registered with the scheduler (named ``name``, when given) really ran in the session,
    at least ``times`` times (exiting 0 when ``succeeded``)."""

    world: ClassVar[str | None] = "office"
    kind: Literal["job_fired"] = "job_fired"
    name: str | None = None
    times: int = 1
    succeeded: bool = True

    async def evaluate(self, context: CheckContext) -> Outcome:
        if _office(context) is None:
            return _no_world("scheduler")
        runs = [e for e in context.worlds.audit if e.world == "scheduler"  # type: ignore[union-attr]
                and (self.name is None or e.detail.get("name") == self.name)]
        counted = [e for e in runs if not self.succeeded or e.detail.get("exit_code") == 0]
        label = f"job {self.name!r}" if self.name else "a job"
        clean = sum(e.detail.get("exit_code") == 0 for e in runs)
        return Outcome.of(len(counted) >= self.times, f"{label} ran {len(runs)} time(s), {clean} exiting 0")
