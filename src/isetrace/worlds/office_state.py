"""One session's office: the seed's items, what the agent changed, and the scheduler's jobs.

Apart from :mod:`.office`, which only serves it over HTTP, so it can be used and tested without a request:
:meth:`OfficeState.call` performs an operation, :meth:`OfficeState.sent_mail` and its siblings answer the
verification checks. Ids are counted per kind (``msg_1``…), so the same seed and calls give the same state.

The scheduler only keeps jobs and their runs; running them is the host's (it alone can run commands in the
session). The contract: every so often the host calls :meth:`OfficeState.due_jobs` with the current time
on the state's clock, runs each job it gets in the session, and reports with :meth:`OfficeState.record_run`.
``due_jobs`` claims what it returns — each job is handed out once per due time, its next time already
set — so a slow run is never started twice, and a host that fell behind gets a missed run once, not a burst.
"""

from __future__ import annotations

import copy
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from isetrace.worlds._office_records import (
    ChatMessage,
    Comment,
    Contact,
    Event,
    Job,
    JobRun,
    Message,
    Note,
    Ticket,
    Todo,
    cron_next,
    event_start,
    iso,
    matches,
    when,
)
from isetrace.worlds.office_ops import OfficeError, check_arguments, operation
from isetrace.worlds.seed import WorldSeed

__all__ = ["MAX_ACTIVE_JOBS", "MAX_CREATED", "MAX_OUTPUT_TAIL", "MAX_RUNS_KEPT", "ME", "OfficeState"]

MAX_CREATED = 500
"""The most items of one kind (messages sent, events, comments, jobs…) one session may create."""
MAX_ACTIVE_JOBS = 20
"""The most scheduled jobs at a time: each one costs the host a command in the session."""
MAX_RUNS_KEPT = 50
MAX_OUTPUT_TAIL = 4_000
ME = "me@office.test"
"""Who the agent is, to the office: the sender of its mail, the author of its posts and comments."""


class OfficeState:
    """One session's office: the seed's items, what the agent changed, and the scheduler's jobs.

    ``clock`` gives the time (Unix seconds) stamped on what the agent sends and that jobs are scheduled on;
    :meth:`due_jobs` takes times on the same clock.
    """

    def __init__(self, seed: WorldSeed | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._ids: Counter[str] = Counter()
        self._created: Counter[str] = Counter()
        seed = seed or WorldSeed()
        self._mail = [Message(self._id("msg"), m.folder, m.sender, list(m.to), m.subject, m.body, m.date, m.read)
                      for m in seed.mail]
        self._events = [Event(self._id("evt"), e.title, e.start, e.end, e.location, list(e.attendees), e.notes)
                        for e in seed.calendar]
        self._contacts = [Contact(self._id("con"), **c.model_dump()) for c in seed.contacts]
        self._chat = [ChatMessage(self._id("chat"), **c.model_dump()) for c in seed.chat]
        self._channels = ["general", *dict.fromkeys(c.channel for c in seed.chat if c.channel != "general")]
        self._tickets = [Ticket(self._id("tkt"), **t.model_dump()) for t in seed.tickets]
        self._notes = [Note(self._id("note"), n.title, n.body, list(n.tags)) for n in seed.notes]
        self._todos = [Todo(self._id("todo"), **t.model_dump()) for t in seed.todos]
        self._jobs: list[Job] = []

    def _id(self, prefix: str) -> str:
        self._ids[prefix] += 1
        return f"{prefix}_{self._ids[prefix]}"

    def _spend(self, kind: str) -> None:
        """Count one more ``kind`` created this session; 429 past :data:`MAX_CREATED`."""
        if self._created[kind] >= MAX_CREATED:
            raise OfficeError(429, f"quota: at most {MAX_CREATED} {kind} can be created in one session")
        self._created[kind] += 1

    def _now(self) -> str:
        return iso(self._clock())

    def call(self, name: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """Perform operation ``name`` with ``args``; its JSON-able result. Raises :class:`OfficeError`."""
        op = operation(name)
        checked = check_arguments(op, args)
        result: dict[str, Any] = getattr(self, f"_{op.name}")(**checked)
        return result

    # --- host-side queries, for verification checks: copies, so a check cannot change the world ---

    def mail(self, folder: str | None = None) -> list[Message]:
        return copy.deepcopy([m for m in self._mail if folder is None or m.folder == folder])

    def sent_mail(self) -> list[Message]:
        return self.mail("sent")

    def events(self) -> list[Event]:
        return copy.deepcopy(self._events)

    def contacts(self) -> list[Contact]:
        return copy.deepcopy(self._contacts)

    def chat_messages(self, channel: str | None = None) -> list[ChatMessage]:
        return copy.deepcopy([c for c in self._chat if channel is None or c.channel == channel])

    def tickets(self) -> list[Ticket]:
        return copy.deepcopy(self._tickets)

    def notes(self) -> list[Note]:
        return copy.deepcopy(self._notes)

    def todos(self) -> list[Todo]:
        return copy.deepcopy(self._todos)

    def jobs(self) -> list[Job]:
        return copy.deepcopy(self._jobs)

    # --- the scheduler's side for the host (see the module docstring) ---

    def due_jobs(self, now_s: float) -> list[Job]:
        """The jobs due at ``now_s``, claimed: each one's next run is moved past ``now_s`` (an interval job to
        its next multiple, a cron job to its next matching minute, a one-off job to never) before it is returned."""
        due = [job for job in self._jobs if job.next_run_s is not None and job.next_run_s <= now_s]
        for job in due:
            assert job.next_run_s is not None
            if job.every_s is not None:
                job.next_run_s += ((now_s - job.next_run_s) // job.every_s + 1) * job.every_s
            else:
                job.next_run_s = cron_next(job.cron, now_s) if job.cron is not None else None
        return copy.deepcopy(due)

    def record_run(self, job_id: str, exit_code: int, output_tail: str, at_s: float) -> bool:
        """Keep the result of one run of ``job_id`` (the last :data:`MAX_RUNS_KEPT`, the end of the output);
        ``False`` when the job was deleted meanwhile."""
        job = next((j for j in self._jobs if j.id == job_id), None)
        if job is None:
            return False
        job.runs = [*job.runs, JobRun(at_s, exit_code, output_tail[-MAX_OUTPUT_TAIL:])][-MAX_RUNS_KEPT:]
        return True

    def _find(self, items: Iterable[Any], item_id: str, kind: str, lister: str) -> Any:
        found = next((item for item in items if item.id == item_id), None)
        if found is None:
            raise OfficeError(404, f"no {kind} {item_id!r}; {lister} lists the ids")
        return found

    # --- mail ---

    def _message(self, message_id: str) -> Message:
        found: Message = self._find(self._mail, message_id, "message", "mail_list_messages")
        return found

    def _listed(self, messages: Iterable[Message], limit: int) -> dict[str, Any]:
        ordered = sorted(messages, key=lambda m: (m.date, int(m.id.split("_")[1])), reverse=True)
        return {"messages": [m.as_json(body=False) for m in ordered[:limit]], "total": len(ordered)}

    def _folder(self, folder: str) -> str:
        known = dict.fromkeys(["inbox", "sent", *(m.folder for m in self._mail)])
        if folder not in known:
            raise OfficeError(404, f"no folder {folder!r}; the folders are {', '.join(known)}")
        return folder

    def _mail_list_messages(self, folder: str, unread_only: bool, limit: int) -> dict[str, Any]:
        self._folder(folder)
        return self._listed((m for m in self._mail if m.folder == folder and not (unread_only and m.read)), limit)

    def _mail_get_message(self, message_id: str) -> dict[str, Any]:
        return self._message(message_id).as_json()

    def _send(self, to: list[str], cc: list[str], subject: str, body: str, in_reply_to: str = "") -> dict[str, Any]:
        self._spend("messages")
        message = Message(self._id("msg"), "sent", ME, to, subject, body, self._now(), True, cc, in_reply_to)
        self._mail.append(message)
        return message.as_json()

    def _mail_send_message(self, to: list[str], cc: list[str], subject: str, body: str) -> dict[str, Any]:
        return self._send(to, cc, subject, body)

    def _mail_reply(self, message_id: str, body: str, reply_all: bool) -> dict[str, Any]:
        original = self._message(message_id)
        to = original.to if original.folder == "sent" else [original.sender]
        cc = [a for a in dict.fromkeys(original.to + original.cc) if a != ME and a not in to] if reply_all else []
        subject = original.subject if original.subject.lower().startswith("re:") else f"Re: {original.subject}"
        return self._send(to, cc, subject, body, in_reply_to=original.id)

    def _mail_mark_read(self, message_id: str, read: bool) -> dict[str, Any]:
        message = self._message(message_id)
        message.read = read
        return message.as_json(body=False)

    def _mail_search(self, query: str, folder: str | None, limit: int) -> dict[str, Any]:
        if folder is not None:
            self._folder(folder)
        return self._listed((m for m in self._mail if (folder is None or m.folder == folder)
                             and matches(query, m.sender, *m.to, *m.cc, m.subject, m.body)), limit)

    # --- calendar ---

    def _calendar_list_events(self, date_from: str | None, date_to: str | None, limit: int) -> dict[str, Any]:
        low = when("calendar_list_events: 'date_from'", date_from) if date_from else None
        high = when("calendar_list_events: 'date_to'", date_to) if date_to else None
        if date_to and high is not None and len(date_to.strip()) == 10:
            high += timedelta(days=1, microseconds=-1)  # a bare date means the whole day
        starts = {e.id: event_start(e) for e in self._events}
        chosen = [e for e in self._events if (low is None or (starts[e.id] or datetime.min) >= low)
                  and (high is None or (starts[e.id] or datetime.max) <= high)]
        chosen.sort(key=lambda e: (starts[e.id] is None, starts[e.id] or datetime.min))
        return {"events": [asdict(e) for e in chosen[:limit]], "total": len(chosen)}

    def _checked_times(self, where: str, start: str, end: str) -> None:
        begins = when(f"{where}: 'start'", start)
        if end and when(f"{where}: 'end'", end) < begins:
            raise OfficeError(422, f"{where}: the end {end!r} is before the start {start!r}")

    def _calendar_create_event(self, title: str, start: str, end: str | None, location: str | None,
                               attendees: list[str], notes: str | None) -> dict[str, Any]:
        self._checked_times("calendar_create_event", start, end or "")
        self._spend("events")
        event = Event(self._id("evt"), title, start, end or "", location or "", attendees, notes or "")
        self._events.append(event)
        return asdict(event)

    def _calendar_update_event(self, event_id: str, title: str | None, start: str | None, end: str | None,
                               location: str | None, attendees: list[str], notes: str | None) -> dict[str, Any]:
        event: Event = self._find(self._events, event_id, "event", "calendar_list_events")
        changes = {k: v for k, v in {"title": title, "start": start, "end": end, "location": location,
                                     "attendees": attendees or None, "notes": notes}.items() if v is not None}
        if not changes:
            raise OfficeError(422, "calendar_update_event: give at least one of title, start, end, location, "
                                   "attendees, notes")
        self._checked_times("calendar_update_event", start or event.start, event.end if end is None else end)
        for key, value in changes.items():
            setattr(event, key, value)
        return asdict(event)

    def _calendar_delete_event(self, event_id: str) -> dict[str, Any]:
        event = self._find(self._events, event_id, "event", "calendar_list_events")
        self._events.remove(event)
        return {"deleted": event_id}

    # --- contacts and chat ---

    def _contacts_search(self, query: str | None, limit: int) -> dict[str, Any]:
        found = [c for c in self._contacts if matches(query or "", c.name, c.email, c.phone, c.company, c.role)]
        return {"contacts": [asdict(c) for c in found[:limit]], "total": len(found)}

    def _contacts_get(self, contact_id: str) -> dict[str, Any]:
        return asdict(self._find(self._contacts, contact_id, "contact", "contacts_search"))

    def _contacts_create(self, name: str, email: str | None, phone: str | None, company: str | None,
                         role: str | None) -> dict[str, Any]:
        if email and "@" not in email:
            raise OfficeError(422, f"contacts_create: 'email' must be an address such as name@example.org; "
                                   f"{email[:40]!r} is not")
        self._spend("contacts")
        contact = Contact(self._id("con"), name, email or "", phone or "", company or "", role or "")
        self._contacts.append(contact)
        return asdict(contact)

    def _chat_list_channels(self) -> dict[str, Any]:
        counts = Counter(c.channel for c in self._chat)
        return {"channels": [{"channel": name, "messages": counts[name]} for name in self._channels]}

    def _channel(self, where: str, channel: str) -> str:
        if channel.lstrip("#") not in self._channels:
            raise OfficeError(404, f"{where}: no channel {channel!r}; the channels are {', '.join(self._channels)}")
        return channel.lstrip("#")

    def _chat_read_channel(self, channel: str, limit: int) -> dict[str, Any]:
        name = self._channel("chat_read_channel", channel)
        messages = [asdict(c) for c in self._chat if c.channel == name]
        return {"channel": name, "messages": messages[-limit:], "total": len(messages)}

    def _chat_post_message(self, channel: str, text: str) -> dict[str, Any]:
        name = self._channel("chat_post_message", channel)
        self._spend("chat messages")
        message = ChatMessage(self._id("chat"), name, "me", text, self._now())
        self._chat.append(message)
        return asdict(message)

    # --- tickets ---

    def _ticket(self, ticket_id: str) -> Ticket:
        found: Ticket = self._find(self._tickets, ticket_id, "ticket", "tickets_list")
        return found

    def _tickets_list(self, status: str | None, priority: str | None, assignee: str | None,
                      limit: int) -> dict[str, Any]:
        found = [t for t in self._tickets if status in (None, t.status) and priority in (None, t.priority)
                 and (assignee is None or assignee.lower() == t.assignee.lower())]
        return {"tickets": [{**asdict(t), "comments": len(t.comments)} for t in found[:limit]], "total": len(found)}

    def _tickets_get(self, ticket_id: str) -> dict[str, Any]:
        return asdict(self._ticket(ticket_id))

    def _tickets_create(self, title: str, description: str | None, priority: str,
                        assignee: str | None) -> dict[str, Any]:
        self._spend("tickets")
        ticket = Ticket(self._id("tkt"), title, description or "", "open", priority, assignee or "", ME)
        self._tickets.append(ticket)
        return asdict(ticket)

    def _tickets_update(self, ticket_id: str, status: str | None, priority: str | None,
                        assignee: str | None) -> dict[str, Any]:
        ticket = self._ticket(ticket_id)
        if status is None and priority is None and assignee is None:
            raise OfficeError(422, "tickets_update: give at least one of status, priority, assignee")
        ticket.status, ticket.priority = status or ticket.status, priority or ticket.priority
        ticket.assignee = ticket.assignee if assignee is None else assignee
        return asdict(ticket)

    def _tickets_comment(self, ticket_id: str, text: str) -> dict[str, Any]:
        ticket = self._ticket(ticket_id)
        self._spend("comments")
        ticket.comments.append(Comment(ME, text, self._now()))
        return asdict(ticket)

    # --- notes and to-dos ---

    def _notes_list(self, query: str | None, tag: str | None, limit: int) -> dict[str, Any]:
        found = [n for n in self._notes if matches(query or "", n.title, n.body) and (tag is None or tag in n.tags)]
        return {"notes": [{"id": n.id, "title": n.title, "tags": n.tags} for n in found[:limit]], "total": len(found)}

    def _notes_get(self, note_id: str) -> dict[str, Any]:
        return asdict(self._find(self._notes, note_id, "note", "notes_list"))

    def _notes_create(self, title: str, body: str | None, tags: list[str]) -> dict[str, Any]:
        self._spend("notes")
        created = Note(self._id("note"), title, body or "", tags)
        self._notes.append(created)
        return asdict(created)

    def _notes_update(self, note_id: str, title: str | None, body: str | None, tags: list[str]) -> dict[str, Any]:
        found: Note = self._find(self._notes, note_id, "note", "notes_list")
        if title is None and body is None and not tags:
            raise OfficeError(422, "notes_update: give at least one of title, body, tags")
        found.title, found.tags = title or found.title, tags or found.tags
        found.body = found.body if body is None else body
        return asdict(found)

    def _todo_list(self, status: str) -> dict[str, Any]:
        found = [t for t in self._todos if status == "all" or t.done == (status == "done")]
        return {"todos": [asdict(t) for t in found], "total": len(found)}

    def _todo_add(self, title: str, due: str | None) -> dict[str, Any]:
        if due:
            when("todo_add: 'due'", due)
        self._spend("to-do items")
        todo = Todo(self._id("todo"), title, False, due or "")
        self._todos.append(todo)
        return asdict(todo)

    def _todo_complete(self, todo_id: str) -> dict[str, Any]:
        todo: Todo = self._find(self._todos, todo_id, "to-do item", "todo_list")
        todo.done = True
        return asdict(todo)

    # --- scheduler ---

    def _scheduler_list_jobs(self) -> dict[str, Any]:
        return {"jobs": [job.as_json() for job in self._jobs]}

    def _scheduler_create_job(self, name: str, command: str, every_s: int | None, in_s: int | None,
                              cron: str | None) -> dict[str, Any]:
        if sum(value is not None for value in (every_s, in_s, cron)) != 1:
            raise OfficeError(422, "scheduler_create_job: give exactly one schedule: every_s (repeat every N "
                                   "seconds), in_s (once, N seconds from now) or cron ('*/5 * * * *')")
        now = self._clock()
        next_run = now + every_s if every_s is not None else now + in_s if in_s is not None else None
        if cron is not None and (next_run := cron_next(cron, now)) is None:
            raise OfficeError(422, f"scheduler_create_job: the cron schedule {cron!r} never comes")
        if sum(job.next_run_s is not None for job in self._jobs) >= MAX_ACTIVE_JOBS:
            raise OfficeError(429, f"quota: at most {MAX_ACTIVE_JOBS} scheduled jobs at a time; "
                                   "scheduler_delete_job one first")
        self._spend("jobs")
        job = Job(self._id("job"), name, command, now, next_run, every_s, in_s, cron)
        self._jobs.append(job)
        return job.as_json()

    def _scheduler_delete_job(self, job_id: str) -> dict[str, Any]:
        job = self._find(self._jobs, job_id, "job", "scheduler_list_jobs")
        self._jobs.remove(job)
        return {"deleted": job_id}

    def _scheduler_job_runs(self, job_id: str, limit: int) -> dict[str, Any]:
        job: Job = self._find(self._jobs, job_id, "job", "scheduler_list_jobs")
        return {"job": job_id, "runs": [{"at": iso(run.at_s), **asdict(run)} for run in job.runs[-limit:]],
                "total": len(job.runs)}
