"""The office world: mail, calendar, contacts, chat, tickets, notes, a to-do list and a scheduler, in memory.

A session's agent reaches it at ``http://office.test/v1/<operation>`` (or with the ``office`` command) and
it behaves like the office APIs an assistant is asked to use: the seed's inbox is there to read, a sent
message lands in the ``sent`` folder, a ticket's status changes. This module is the HTTP side,
:class:`OfficeWorld`: it routes a request to an operation, reads its arguments and notes the call in the
audit log. The state itself and the scheduler's contract with the host are in :mod:`.office_state`, the
records it holds in :mod:`._office_records`; their public names are re-exported here, where callers import
them from.

Everything the agent sends is bounded: each argument by the operation table (:mod:`.office_ops`), each
kind of item by :data:`MAX_CREATED` per session, a request body by :data:`MAX_REQUEST_BYTES`. Mail stays
in the mailbox: sending delivers to nobody, so nothing the agent writes comes back as someone's words.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

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
)
from isetrace.worlds.base import note
from isetrace.worlds.office_ops import OPERATIONS, OfficeError, arguments_from_query, catalogue, operation
from isetrace.worlds.office_state import MAX_ACTIVE_JOBS, MAX_CREATED, OfficeState
from isetrace.worlds.seed import WorldSeed
from isetrace.worlds.urls import OFFICE_HOST

__all__ = ["MAX_ACTIVE_JOBS", "MAX_CREATED", "MAX_REQUEST_BYTES", "ChatMessage", "Comment", "Contact", "Event", "Job",
           "JobRun", "Message", "Note", "OfficeError", "OfficeState", "OfficeWorld", "Ticket", "Todo"]

MAX_REQUEST_BYTES = 1 << 20


_NOTED = ("to", "subject", "title", "start", "status", "priority", "assignee", "channel", "query", "name",
          "command", "every_s", "in_s", "cron", "folder")
_ENTITY = {"mail": "message", "calendar": "event", "contacts": "contact", "chat": "post", "tickets": "ticket",
           "notes": "note", "todo": "todo", "scheduler": "job"}


def _summary(name: str, args: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a call: the ids it touched and the arguments a check looks for."""
    detail = {key[:-3]: value for key, value in args.items() if key.endswith("_id")}
    detail.update({key: args[key] for key in _NOTED if args.get(key) is not None})
    if "id" in result:
        detail[_ENTITY[OPERATIONS[name].service]] = result["id"]
    return detail


def _reply(status: int, payload: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(payload, ensure_ascii=False) + "\n",
                        content_type="application/json")


async def _json_body(request: web.Request) -> Any:
    """The request's body read as JSON (an empty body is ``{}``); 413 past :data:`MAX_REQUEST_BYTES`, 400 when it
    is not JSON."""
    too_large = OfficeError(413, f"the request body is larger than {MAX_REQUEST_BYTES} bytes")
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        raise too_large
    data = bytearray()
    async for chunk in request.content.iter_any():
        data.extend(chunk)
        if len(data) > MAX_REQUEST_BYTES:
            raise too_large
    if not data.strip():
        return {}
    try:
        return json.loads(bytes(data))
    except (ValueError, RecursionError) as exc:
        raise OfficeError(400, f"the body is not valid JSON ({str(exc)[:80]}); send an object of arguments such "
                               'as {"message_id": "msg_1"}') from None


class OfficeWorld:
    """The office as a :class:`~isetrace.worlds.base.World`: ``GET /v1/`` lists the operations, ``POST
    /v1/<operation>`` performs one (``GET`` too, for read-only ones), every call noted in the audit log."""

    name = "office"

    def __init__(self, seed: WorldSeed | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.state = OfficeState(seed, clock=clock)

    def answers(self, host: str) -> bool:
        return host == OFFICE_HOST

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/")
        if path in ("", "/v1"):
            if request.method != "GET":
                return _reply(405, {"ok": False, "error": "GET /v1/ lists the operations; POST /v1/<operation>"})
            return _reply(200, {"ok": True, "result": catalogue()})
        if not path.startswith("/v1/"):
            return _reply(404, {"ok": False, "error": f"no page {path[:80]!r}; GET /v1/ lists the operations"})
        name = path.removeprefix("/v1/")
        try:
            op = operation(name)
            if request.method == "GET" and op.read_only:
                args = arguments_from_query(op, request.query.items())
            elif request.method == "POST":
                args = await _json_body(request)
            else:
                raise OfficeError(405, f"{name} changes the office: POST it with a JSON object of arguments"
                                  if request.method == "GET" else f"{name}: use POST (or GET for read-only calls)")
            result = self.state.call(name, args)
        except OfficeError as exc:
            note(request, operation=name, error=exc.message)
            return _reply(exc.status, {"ok": False, "error": exc.message})
        note(request, operation=name, **_summary(name, args, result))
        return _reply(200, {"ok": True, "result": result})

    async def close(self) -> None:
        """Nothing to release: the state is memory, dropped with the world."""

    # the state's host-side helpers, where the host holds the world
    def sent_mail(self) -> list[Message]:
        return self.state.sent_mail()

    def events(self) -> list[Event]:
        return self.state.events()

    def tickets(self) -> list[Ticket]:
        return self.state.tickets()

    def jobs(self) -> list[Job]:
        return self.state.jobs()

    def due_jobs(self, now_s: float) -> list[Job]:
        return self.state.due_jobs(now_s)

    def record_run(self, job_id: str, exit_code: int, output_tail: str, at_s: float) -> bool:
        return self.state.record_run(job_id, exit_code, output_tail, at_s)
