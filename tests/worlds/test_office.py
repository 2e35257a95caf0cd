"""The office world: a seeded office an agent can use through calls, over HTTP and with the ``office`` command."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from isetrace.worlds.base import World, noted
from isetrace.worlds.office import (
    MAX_ACTIVE_JOBS,
    MAX_CREATED,
    MAX_REQUEST_BYTES,
    OfficeError,
    OfficeState,
    OfficeWorld,
)
from isetrace.worlds.office_cli import CLI_SOURCE, cli_source
from isetrace.worlds.office_ops import OPERATIONS, SERVICES, arguments_from_query, parameters_schema
from isetrace.worlds.seed import (
    CalendarEventSeed,
    ChatMessageSeed,
    ContactSeed,
    MailSeed,
    NoteSeed,
    TicketSeed,
    TodoSeed,
    WorldSeed,
    default_seed,
)

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def office(seed: WorldSeed | None = None, clock: Clock | None = None) -> OfficeState:
    return OfficeState(default_seed() if seed is None else seed, clock=clock or Clock())


def refused(state: OfficeState, name: str, args: dict[str, Any]) -> OfficeError:
    with pytest.raises(OfficeError) as caught:
        state.call(name, args)
    return caught.value


CUSTOM = WorldSeed(
    mail=[MailSeed(sender="ana@acme.test", subject="Invoice 4471", body="Attached is invoice 4471 for March."),
          MailSeed(sender="me@office.test", to=["bob@acme.test"], subject="Old note", folder="sent", read=True),
          MailSeed(sender="news@acme.test", subject="Digest", folder="archive")],
    calendar=[CalendarEventSeed(title="Dentist", start="2027-01-20T15:00"),
              CalendarEventSeed(title="Offsite", start="2027-01-18"),
              CalendarEventSeed(title="Someday", start="next spring")],
    contacts=[ContactSeed(name="Ana Lima", email="ana@acme.test", company="Acme", role="Accountant")],
    chat=[ChatMessageSeed(channel="ops", author="bob", text="Backups are green.")],
    tickets=[TicketSeed(title="Printer jams", assignee="bob", priority="low"),
             TicketSeed(title="VPN drops", status="blocked", priority="urgent")],
    notes=[NoteSeed(title="Recipes", body="Soup: leek, potato", tags=["home"])],
    todos=[TodoSeed(title="Pay invoice", done=True), TodoSeed(title="Call Ana")],
)


# --- the table ---

def test_the_table_names_every_operation_and_each_has_a_handler_taking_exactly_its_parameters() -> None:
    assert list(OPERATIONS) == [
        "mail_list_messages", "mail_get_message", "mail_send_message", "mail_reply", "mail_mark_read", "mail_search",
        "calendar_list_events", "calendar_create_event", "calendar_update_event", "calendar_delete_event",
        "contacts_search", "contacts_get", "contacts_create", "chat_list_channels", "chat_read_channel",
        "chat_post_message", "tickets_list", "tickets_get", "tickets_create", "tickets_update", "tickets_comment",
        "notes_list", "notes_get", "notes_create", "notes_update", "todo_list", "todo_add", "todo_complete",
        "scheduler_list_jobs", "scheduler_create_job", "scheduler_delete_job", "scheduler_job_runs"]
    assert {op.service for op in OPERATIONS.values()} == set(SERVICES)
    for op in OPERATIONS.values():
        handler = getattr(OfficeState, f"_{op.name}")
        assert list(inspect.signature(handler).parameters)[1:] == [p.name for p in op.params], op.name


def test_the_schema_is_a_closed_json_schema_object() -> None:
    schema = parameters_schema(OPERATIONS["mail_send_message"])
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["required"] == ["to", "subject", "body"]
    assert schema["properties"]["to"]["type"] == "array" and schema["properties"]["to"]["items"]["type"] == "string"
    assert parameters_schema(OPERATIONS["tickets_update"])["properties"]["status"]["enum"][0] == "open"
    assert parameters_schema(OPERATIONS["scheduler_create_job"])["properties"]["every_s"]["minimum"] == 1
    assert parameters_schema(OPERATIONS["chat_list_channels"]) == {
        "type": "object", "properties": {}, "required": [], "additionalProperties": False}


# --- the seed, seen through calls ---

def test_the_default_seed_is_there_in_every_service() -> None:
    state = office()
    inbox = state.call("mail_list_messages", {})
    assert [m["id"] for m in inbox["messages"]] == ["msg_2", "msg_1"] and "body" not in inbox["messages"][0]
    assert state.call("mail_list_messages", {"unread_only": True})["total"] == 1
    assert "slides" in state.call("mail_get_message", {"message_id": "msg_1"})["body"]
    assert state.call("calendar_list_events", {})["events"][0]["title"] == "Team stand-up"
    assert state.call("contacts_search", {"query": "tomás"})["contacts"][0]["id"] == "con_2"
    assert state.call("chat_read_channel", {"channel": "general"})["messages"][0]["author"] == "tomas"
    assert state.call("tickets_get", {"ticket_id": "tkt_1"})["priority"] == "high"
    assert state.call("notes_get", {"note_id": "note_1"})["title"] == "Onboarding checklist"
    assert state.call("todo_list", {})["todos"] == [
        {"id": "todo_1", "title": "Book room for the retro", "done": False, "due": "2026-12-03"}]
    assert state.call("scheduler_list_jobs", {}) == {"jobs": []}


def test_a_custom_seed_is_there_with_its_folders_channels_and_statuses() -> None:
    state = office(CUSTOM)
    assert [m["subject"] for m in state.call("mail_list_messages", {"folder": "archive"})["messages"]] == ["Digest"]
    assert [m.subject for m in state.sent_mail()] == ["Old note"]
    events = state.call("calendar_list_events", {})["events"]
    assert [e["title"] for e in events] == ["Offsite", "Dentist", "Someday"]  # by start; unreadable ones last
    channels = state.call("chat_list_channels", {})["channels"]
    assert channels == [{"channel": "general", "messages": 0}, {"channel": "ops", "messages": 1}]
    assert [t["id"] for t in state.call("tickets_list", {"status": "blocked"})["tickets"]] == ["tkt_2"]
    assert [t["id"] for t in state.call("tickets_list", {"assignee": "Bob"})["tickets"]] == ["tkt_1"]
    recipes = {"id": "note_1", "title": "Recipes", "tags": ["home"]}
    assert state.call("notes_list", {"tag": "home"})["notes"] == [recipes]
    assert [t["id"] for t in state.call("todo_list", {"status": "open"})["todos"]] == ["todo_2"]


def test_the_same_seed_and_calls_give_the_same_ids_and_results() -> None:
    calls: list[tuple[str, dict[str, Any]]] = [
        ("mail_send_message", {"to": ["x@y.test"], "subject": "Hi", "body": "Hello"}),
        ("tickets_create", {"title": "Broken"}), ("calendar_create_event", {"title": "A", "start": "2027-02-01"}),
        ("notes_create", {"title": "N"}), ("todo_add", {"title": "T"}), ("contacts_create", {"name": "C"}),
        ("chat_post_message", {"channel": "general", "text": "hey"}),
        ("scheduler_create_job", {"name": "j", "command": "true", "every_s": 60})]
    first, second = office(CUSTOM), office(CUSTOM)
    results = [first.call(name, args) for name, args in calls]
    assert results == [second.call(name, args) for name, args in calls]
    assert [r["id"] for r in results] == ["msg_4", "tkt_3", "evt_4", "note_2", "todo_3", "con_2", "chat_2", "job_1"]


# --- each service ---

def test_mail_sends_replies_marks_and_searches() -> None:
    state = office(CUSTOM)
    sent = state.call("mail_send_message", {"to": ["bob@acme.test"], "cc": ["ana@acme.test"], "subject": "Plan",
                                            "body": "See you Monday."})
    assert sent["folder"] == "sent" and sent["from"] == "me@office.test" and sent["date"] == "2027-01-15T08:00:00Z"
    reply = state.call("mail_reply", {"message_id": "msg_1", "body": "Paid, thanks."})
    assert (reply["to"], reply["subject"], reply["in_reply_to"]) == (["ana@acme.test"], "Re: Invoice 4471", "msg_1")
    again = state.call("mail_reply", {"message_id": sent["id"], "body": "Also Tuesday", "reply_all": True})
    assert (again["to"], again["cc"], again["subject"]) == (["bob@acme.test"], ["ana@acme.test"], "Re: Plan")
    assert [m.id for m in state.sent_mail()] == ["msg_2", "msg_4", "msg_5", "msg_6"]
    assert [m["id"] for m in state.call("mail_list_messages", {"folder": "inbox"})["messages"]] == ["msg_1"]
    assert state.call("mail_mark_read", {"message_id": "msg_1"})["read"] is True
    assert state.call("mail_mark_read", {"message_id": "msg_1", "read": False})["read"] is False
    assert [m["id"] for m in state.call("mail_search", {"query": "invoice MARCH"})["messages"]] == ["msg_1"]
    assert state.call("mail_search", {"query": "monday", "folder": "inbox"})["total"] == 0


def test_calendar_creates_lists_by_range_updates_and_deletes() -> None:
    state = office(CUSTOM)
    created = state.call("calendar_create_event", {"title": "Review", "start": "2027-01-20T09:00",
                                                   "end": "2027-01-20T10:00", "attendees": ["ana@acme.test"]})
    assert created["id"] == "evt_4" and [e.title for e in state.events()][-1] == "Review"
    day = state.call("calendar_list_events", {"date_from": "2027-01-20", "date_to": "2027-01-20"})
    assert [e["title"] for e in day["events"]] == ["Review", "Dentist"]
    moved = state.call("calendar_update_event", {"event_id": "evt_4", "start": "2027-01-21T09:00",
                                                 "end": "2027-01-21T09:30", "location": "Room 2"})
    assert (moved["start"], moved["location"], moved["title"]) == ("2027-01-21T09:00", "Room 2", "Review")
    assert state.call("calendar_delete_event", {"event_id": "evt_1"}) == {"deleted": "evt_1"}
    assert "Dentist" not in [e.title for e in state.events()]


def test_contacts_chat_notes_and_todos() -> None:
    state = office(CUSTOM)
    contact = state.call("contacts_create", {"name": "Bob Stone", "email": "bob@acme.test", "role": "Ops"})
    assert state.call("contacts_get", {"contact_id": contact["id"]})["name"] == "Bob Stone"
    assert state.call("contacts_search", {"query": "acme"})["total"] == 2
    post = state.call("chat_post_message", {"channel": "#ops", "text": "Restore tested."})
    assert (post["channel"], post["author"]) == ("ops", "me")
    assert [m["text"] for m in state.call("chat_read_channel", {"channel": "ops", "limit": 1})["messages"]] == [
        "Restore tested."]
    note = state.call("notes_create", {"title": "Plan", "body": "draft", "tags": ["work"]})
    assert state.call("notes_update", {"note_id": note["id"], "body": "final"})["body"] == "final"
    assert state.call("notes_list", {"query": "final"})["notes"][0]["id"] == note["id"]
    todo = state.call("todo_add", {"title": "Send slides", "due": "2027-01-16"})
    assert state.call("todo_complete", {"todo_id": todo["id"]})["done"] is True
    assert [t.title for t in state.todos() if t.done] == ["Pay invoice", "Send slides"]


def test_tickets_are_created_updated_and_commented() -> None:
    state = office(CUSTOM)
    ticket = state.call("tickets_create", {"title": "Disk full", "priority": "high"})
    assert (ticket["id"], ticket["status"], ticket["reporter"]) == ("tkt_3", "open", "me@office.test")
    updated = state.call("tickets_update", {"ticket_id": "tkt_3", "status": "in_progress", "assignee": "me"})
    assert (updated["status"], updated["priority"], updated["assignee"]) == ("in_progress", "high", "me")
    commented = state.call("tickets_comment", {"ticket_id": "tkt_3", "text": "Cleared /var/log."})
    assert commented["comments"] == [{"author": "me@office.test", "text": "Cleared /var/log.",
                                      "time": "2027-01-15T08:00:00Z"}]
    assert state.call("tickets_list", {"status": "in_progress"})["tickets"][0]["comments"] == 1
    assert [(t.id, t.status) for t in state.tickets()][-1] == ("tkt_3", "in_progress")


# --- refusals ---

@pytest.mark.parametrize(("name", "args", "status", "words"), [
    ("mail_send_mesage", {}, 404, "did you mean 'mail_send_message'"),
    ("mail_send_message", {"to": ["a@b"], "subject": "s"}, 400, "missing required argument body"),
    ("mail_send_message", {"to": ["a@b"], "subject": "s", "body": "b", "bcc": ["c@d"]}, 400,
     "unknown argument 'bcc' (did you mean 'cc'?)"),
    ("mail_send_message", {"to": "a@b", "subject": "s", "body": "b"}, 400, "'to' must be an array of strings"),
    ("mail_list_messages", {"limit": "5"}, 400, "'limit' must be an integer, not string"),
    ("mail_list_messages", {"limit": 0}, 422, "between 1 and 200"),
    ("mail_list_messages", {"folder": "spam"}, 404, "the folders are inbox, sent"),
    ("mail_get_message", {"message_id": "msg_99"}, 404, "mail_list_messages lists the ids"),
    ("mail_send_message", {"to": ["a@b"], "subject": "s" * 301, "body": "b"}, 422, "the limit is 300"),
    ("mail_send_message", {"to": [], "subject": "s", "body": "b"}, 422, "at least one entry"),
    ("tickets_update", {"ticket_id": "tkt_1", "status": "done"}, 422, "one of open, in_progress"),
    ("tickets_update", {"ticket_id": "tkt_1"}, 422, "at least one of status"),
    ("calendar_create_event", {"title": "x", "start": "tomorrow"}, 422, "ISO 8601"),
    ("calendar_create_event", {"title": "x", "start": "2027-01-02T10:00", "end": "2027-01-02T09:00"}, 422,
     "is before the start"),
    ("chat_post_message", {"channel": "random", "text": "hi"}, 404, "the channels are general"),
    ("contacts_create", {"name": "x", "email": "nobody"}, 422, "name@example.org"),
    ("scheduler_create_job", {"name": "j", "command": "true"}, 422, "exactly one schedule"),
    ("scheduler_create_job", {"name": "j", "command": "true", "every_s": 5, "in_s": 5}, 422, "exactly one"),
    ("scheduler_create_job", {"name": "j", "command": "true", "every_s": 0}, 422, "between 1"),
    ("scheduler_create_job", {"name": "j", "command": "true", "cron": "* * *"}, 422, "needs 5 fields"),
    ("scheduler_create_job", {"name": "j", "command": "true", "cron": "61 * * * *"}, 422, "minute field '61'"),
    ("scheduler_create_job", {"name": "j", "command": "true", "cron": "0 0 31 2 *"}, 422, "never comes"),
    ("scheduler_create_job", {"name": "j", "command": "true", "cron": "a * * * *"}, 422, "minute field 'a'"),
    ("todo_add", {"title": "  "}, 422, "'title' must not be empty"),
    ("calendar_create_event", {"title": "x", "start": "2027-01-02", "attendees": ["a"] * 51}, 422, "the limit is 50"),
    ("calendar_update_event", {"event_id": "evt_1"}, 422, "at least one of title"),
    ("notes_update", {"note_id": "note_1"}, 422, "at least one of title"),
    ("mail_list_messages", {"limit": True}, 400, "must be an integer, not boolean"),
    ("mail_mark_read", {"message_id": "msg_1", "read": None, "unread": True}, 400, "unknown argument 'unread'"),
])
def test_refusals_have_the_right_status_and_say_what_to_do(name: str, args: dict[str, Any], status: int,
                                                           words: str) -> None:
    error = refused(office(), name, args)
    assert error.status == status and words in error.message, error.message


def test_query_arguments_are_coerced_and_json_numbers_may_be_whole_floats() -> None:
    assert arguments_from_query(OPERATIONS["notes_create"], [("tags", "a, b"), ("tags", "c"), ("title", "7")]) == {
        "tags": ["a", "b", "c"], "title": "7"}
    assert arguments_from_query(OPERATIONS["mail_list_messages"], [("unread_only", "yes"), ("limit", "3")]) == {
        "unread_only": True, "limit": 3}
    assert office().call("mail_list_messages", {"limit": 1.0})["messages"][0]["id"] == "msg_2"


def test_arguments_must_be_an_object() -> None:
    error = refused(office(), "todo_list", ["all"])  # type: ignore[arg-type]
    assert error.status == 400 and "JSON object" in error.message


def test_quotas_bound_what_a_session_creates() -> None:
    state = office()
    for number in range(MAX_CREATED):
        state.call("todo_add", {"title": f"item {number}"})
    error = refused(state, "todo_add", {"title": "one too many"})
    assert error.status == 429 and "quota" in error.message
    assert state.call("notes_create", {"title": "other kinds have their own"})["id"] == "note_2"
    for number in range(MAX_ACTIVE_JOBS):
        state.call("scheduler_create_job", {"name": f"j{number}", "command": "true", "every_s": 60})
    error = refused(state, "scheduler_create_job", {"name": "more", "command": "true", "in_s": 1})
    assert error.status == 429 and "scheduler_delete_job" in error.message
    state.call("scheduler_delete_job", {"job_id": "job_1"})
    assert state.call("scheduler_create_job", {"name": "more", "command": "true", "in_s": 1})["id"] == "job_21"


# --- the scheduler's contract with the host ---

def test_an_interval_job_is_due_at_each_second_once_and_its_runs_are_kept() -> None:
    clock = Clock()
    state = office(clock=clock)
    job = state.call("scheduler_create_job", {"name": "tick", "command": "date >> ticks", "every_s": 1})
    assert job["schedule"] == {"every_s": 1} and job["next_run"] == "2027-01-15T08:00:01Z"
    assert state.due_jobs(T0 + 0.5) == []
    assert [j.command for j in state.due_jobs(T0 + 1.0)] == ["date >> ticks"]
    assert state.due_jobs(T0 + 1.2) == []  # claimed: not handed out twice
    assert [j.id for j in state.due_jobs(T0 + 2.0)] == ["job_1"]
    assert [j.id for j in state.due_jobs(T0 + 5.5)] == ["job_1"]  # missed runs come once, not as a burst
    assert state.jobs()[0].next_run_s == T0 + 6
    assert state.record_run("job_1", 0, "x" * 10_000, T0 + 2.1) and state.record_run("job_1", 3, "boom", T0 + 5.6)
    runs = state.call("scheduler_job_runs", {"job_id": "job_1"})
    assert runs["total"] == 2 and len(runs["runs"][0]["output_tail"]) == 4_000
    assert runs["runs"][1] == {"at": "2027-01-15T08:00:05Z", "at_s": T0 + 5.6, "exit_code": 3, "output_tail": "boom"}
    assert state.call("scheduler_list_jobs", {})["jobs"][0]["last_exit_code"] == 3
    state.call("scheduler_delete_job", {"job_id": "job_1"})
    assert state.due_jobs(T0 + 100) == [] and state.record_run("job_1", 0, "", T0 + 100) is False


def test_one_off_and_cron_jobs() -> None:
    clock = Clock()
    state = office(clock=clock)
    state.call("scheduler_create_job", {"name": "once", "command": "echo hi", "in_s": 30})
    state.call("scheduler_create_job", {"name": "quarterly", "command": "backup", "cron": "*/15 9-17 * * 1-5"})
    jobs = state.call("scheduler_list_jobs", {})["jobs"]
    assert [j["next_run"] for j in jobs] == ["2027-01-15T08:00:30Z", "2027-01-15T09:00:00Z"]  # a Friday
    assert [j.name for j in state.due_jobs(T0 + 30)] == ["once"]
    assert state.due_jobs(T0 + 3600) and state.jobs()[0].next_run_s is None
    assert state.call("scheduler_list_jobs", {})["jobs"][1]["next_run"] == "2027-01-15T09:15:00Z"
    assert [j.name for j in state.due_jobs(T0 + 10 * 3600)] == ["quarterly"]  # 18:00 Friday: next is Monday
    assert state.call("scheduler_list_jobs", {})["jobs"][1]["next_run"] == "2027-01-18T09:00:00Z"


# --- over HTTP ---

Server = tuple[str, OfficeWorld, list[dict[str, Any]]]


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    """The world behind a real aiohttp server on a free port, answering whatever the Host; what it noted of
    each request is kept in order."""
    world = OfficeWorld(default_seed(), clock=Clock())
    audit: list[dict[str, Any]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        response = await world.handle(request)
        audit.append(noted(request))
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", world, audit
    finally:
        await runner.cleanup()
        await world.close()


async def test_the_world_answers_its_host_only() -> None:
    world: World = OfficeWorld()
    assert world.name == "office" and world.answers("office.test") and not world.answers("search.test")


async def test_the_api_lists_performs_and_notes_calls(server: Server) -> None:
    url, world, audit = server
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/v1/") as response:
            listing = await response.json()
        assert response.status == 200 and len(listing["result"]["operations"]) == len(OPERATIONS)
        assert listing["result"]["operations"][2]["parameters"] == parameters_schema(OPERATIONS["mail_send_message"])
        sent = {"to": ["priya@office.test"], "subject": "Slides", "body": "Attached."}
        async with http.post(f"{url}/v1/mail_send_message", json=sent) as response:
            assert response.status == 200 and (await response.json())["result"]["id"] == "msg_3"
        async with http.get(f"{url}/v1/mail_list_messages?folder=sent&limit=5&unread_only=false") as response:
            assert [m["subject"] for m in (await response.json())["result"]["messages"]] == ["Slides"]
        async with http.post(f"{url}/v1/tickets_update", json={"ticket_id": "tkt_1", "status": "resolved"}) as response:
            assert response.status == 200
        async with http.post(f"{url}/v1/tickets_update", json={"ticket_id": "tkt_1", "status": "done"}) as response:
            answer = await response.json()
        assert response.status == 422 and answer["ok"] is False and "one of open" in answer["error"]
    assert [m.subject for m in world.sent_mail()] == ["Slides"] and world.tickets()[0].status == "resolved"
    assert audit[1] == {"operation": "mail_send_message", "to": ["priya@office.test"], "subject": "Slides",
                        "message": "msg_3"}
    assert audit[3] == {"operation": "tickets_update", "ticket": "tkt_1", "status": "resolved"}
    assert audit[4]["operation"] == "tickets_update" and "one of open" in audit[4]["error"]


@pytest.mark.parametrize(("method", "path", "body", "status", "words"), [
    ("POST", "/v1/todo_add", b"{not json", 400, "not valid JSON"),
    ("POST", "/v1/todo_add", b"[1, 2]", 400, "must be a JSON object"),
    ("POST", "/v1/todo_add", b"[" * 100_000, 400, "not valid JSON"),
    ("POST", "/v1/todo_add", b" " * (MAX_REQUEST_BYTES + 1), 413, "larger than"),
    ("POST", "/v1/todo_list", b"", 200, ""),
    ("GET", "/v1/todo_add?title=x", b"", 405, "POST it"),
    ("GET", "/v1/mail_list_messages?limit=many", b"", 400, "must be an integer"),
    ("GET", "/v1/nothing", b"", 404, "GET /v1/ lists every operation"),
    ("DELETE", "/v1/todo_list", b"", 405, "use POST"),
    ("GET", "/admin", b"", 404, "GET /v1/ lists"),
])
async def test_malformed_requests_are_refused_with_a_status(server: Server, method: str, path: str, body: bytes,
                                                            status: int, words: str) -> None:
    url, _, _ = server
    async with aiohttp.ClientSession() as http, http.request(method, url + path, data=body) as response:
        answer = await response.json()
    assert response.status == status and answer["ok"] is (status == 200)
    assert words in answer.get("error", ""), answer


# --- the office command ---

PYTHON3 = shutil.which("python3", path="/usr/bin:/bin") or sys.executable


async def office_command(script: Path, url: str, *argv: str) -> tuple[int, str, str]:
    env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    process = await asyncio.create_subprocess_exec(PYTHON3, str(script), *argv, env={**env, "OFFICE_URL": url},
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "office"
    path.write_text(CLI_SOURCE, encoding="utf-8")
    path.chmod(0o755)
    return path


def test_the_script_is_generated_from_the_table_and_needs_only_the_standard_library() -> None:
    assert cli_source() == CLI_SOURCE and CLI_SOURCE.startswith("#!/usr/bin/python3\n")
    assert "isetrace" not in CLI_SOURCE.replace("(generated by isetrace)", "")
    compile(CLI_SOURCE, "office", "exec")


async def test_the_command_helps_calls_and_reports_errors(server: Server, script: Path) -> None:
    url, world, audit = server
    code, out, _ = await office_command(script, url, "--help")
    assert code == 0 and "scheduler" in out and "OFFICE_URL" in out
    code, out, _ = await office_command(script, url, "mail", "--help")
    assert code == 0 and "send_message" in out and "--to LIST" in out
    code, out, _ = await office_command(script, url, "mail", "send_message", "--to", "a@x.test,b@x.test",
                                        "--to=c@x.test", "--subject", "Hello", "--body", "Café at 10?")
    assert code == 0 and json.loads(out)["to"] == ["a@x.test", "b@x.test", "c@x.test"]
    assert world.sent_mail()[0].body == "Café at 10?"
    code, out, _ = await office_command(script, url, "mail_list_messages", "--unread-only", "--limit", "1")
    assert code == 0 and [m["id"] for m in json.loads(out)["messages"]] == ["msg_1"]
    code, out, _ = await office_command(script, url, "contacts", "get", "con_2")
    assert code == 0 and json.loads(out)["name"] == "Tomás Ferreira"
    code, out, _ = await office_command(script, url, "mail", "mark-read", "msg_2", "--no-read")
    assert code == 0 and json.loads(out)["read"] is False
    code, out, _ = await office_command(script, url, "todo_add", "--json", '{"title": "From JSON"}')
    assert code == 0 and json.loads(out)["id"] == "todo_2"
    code, _, err = await office_command(script, url, "mail_sendd")
    assert code == 1 and "mail has no operation 'sendd'" in err
    code, out, err = await office_command(script, url, "tickets", "update", "--ticket-id", "tkt_1", "--status", "done")
    assert code == 1 and out == "" and "one of open" in err and "HTTP 422" in err
    code, _, err = await office_command(script, url, "mail", "send_message", "--bcc", "x")
    assert code == 1 and "has no argument --bcc" in err
    assert [entry["operation"] for entry in audit] == ["mail_send_message", "mail_list_messages", "contacts_get",
                                                       "mail_mark_read", "todo_add", "tickets_update"]


async def test_the_command_says_when_the_service_is_unreachable(script: Path) -> None:
    code, _, err = await office_command(script, "http://127.0.0.1:9", "todo", "list")
    assert code == 2 and "cannot reach the office service" in err
