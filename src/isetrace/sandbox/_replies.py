"""Reading the supervisor's replies as what they are: untrusted bytes from inside a sandbox.

Whatever runs in a sandbox might have found a way to speak on the supervisor's pipe, so the host never
lets a reply decide more than its own fields. A frame is read only up to a size cap the host chose; it
must be a JSON object of exactly the envelope's fields, answer a request that is waiting, and carry a
result of exactly the shape its operation returns (names, types, base64 where bytes travel). Anything
else is a :class:`BadReply`, which the session turns into "the sandbox broke" — never into a result.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Mapping
from typing import Any

import orjson

__all__ = ["BadReply", "check_reply", "reply_cap"]

READ_MAX_BYTES = 16 << 20
"""The most one file read brings back; longer files are read in ranges."""


class BadReply(ValueError):
    """A frame that is not a reply the supervisor could have sent."""


def reply_cap(output_bytes: int) -> int:
    """The largest frame a supervisor may send: two capped output streams or one file read, in base64
    (4/3 of the bytes), with room for the rest of the reply."""
    return (max(2 * output_bytes, READ_MAX_BYTES) * 4) // 3 + (4 << 20)


Check = Callable[[Any], Any]


def _int(value: Any) -> int:
    if type(value) is not int:
        raise BadReply(f"expected an integer, got {type(value).__name__}")
    return value


def _optional_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _number(value: Any) -> float:
    if type(value) not in (int, float):
        raise BadReply(f"expected a number, got {type(value).__name__}")
    return float(value)


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise BadReply(f"expected true or false, got {type(value).__name__}")
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise BadReply(f"expected a string, got {type(value).__name__}")
    return value


def _bytes(value: Any) -> bytes:
    try:
        return binascii.a2b_base64(_str(value), strict_mode=True)
    except binascii.Error as exc:
        raise BadReply(f"bytes that are not base64 ({exc})") from None


def _kind(value: Any) -> str:
    if value not in ("file", "dir", "link", "other"):
        raise BadReply(f"unknown entry kind {str(value)[:20]!r}")
    return str(value)


def _shape(fields: Mapping[str, Check]) -> Check:
    """A check for an object with exactly ``fields``, each passing its own check."""

    def check(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise BadReply(f"expected an object, got {type(value).__name__}")
        if value.keys() != fields.keys():
            extra, missing = sorted(value.keys() - fields.keys()), sorted(fields.keys() - value.keys())
            raise BadReply(f"fields differ (unexpected: {', '.join(extra)[:200] or 'none'}; "
                           f"missing: {', '.join(missing) or 'none'})")
        return {name: fields[name](value[name]) for name in fields}

    return check


def _list(item: Check) -> Check:
    def check(value: Any) -> list[Any]:
        if type(value) is not list:
            raise BadReply(f"expected a list, got {type(value).__name__}")
        return [item(entry) for entry in value]

    return check


_OUTPUT = {"stdout": _bytes, "stderr": _bytes, "truncated": _bool, "dropped_bytes": _int}
_STATUS = _shape({"process_id": _str, "running": _bool, "exit_code": _optional_int, **_OUTPUT})
RESULTS: dict[str, Check] = {
    "ping": _shape({"pid": _int, "uid": _int, "python": _str, "workspace": _str}),
    "run": _shape({"exit_code": _int, "duration_s": _number, "timed_out": _bool, **_OUTPUT}),
    "read": _shape({"data": _bytes, "size": _int}),
    "write": _shape({"size": _int, "created": _bool}),
    "list": _shape({"entries": _list(_shape({"name": _str, "kind": _kind, "size": _int}))}),
    "realpath": _shape({"path": _str}),
    "start": _shape({"process_id": _str}),
    "poll": _STATUS,
    "kill": _STATUS,
    "stdin": _shape({"written": _int}),
    "shutdown": _shape({}),
}
"""What each operation's result must look like."""
_ERROR = _shape({"type": _str, "errno": _int, "message": _str})


def check_reply(frame: bytes, op_of: Callable[[int], str | None]) -> tuple[int, dict[str, Any]]:
    """The request id and the checked reply (``{"ok": True, "result": …}`` with bytes decoded, or
    ``{"ok": False, "error": …}``); :class:`BadReply` for anything the supervisor could not have sent.

    ``op_of(id)`` names the operation a waiting request asked for, ``None`` for an id nobody waits on.
    """
    try:
        reply = orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise BadReply(f"not JSON ({exc})") from None
    if type(reply) is not dict or type(reply.get("id")) is not int or type(reply.get("ok")) is not bool:
        raise BadReply("not a reply object with an integer id and ok")
    rid: int = reply["id"]
    op = op_of(rid)
    if op is None:
        raise BadReply(f"a reply to request {rid}, which nobody sent")
    body = "result" if reply["ok"] else "error"
    if reply.keys() != {"id", "ok", body}:
        raise BadReply(f"envelope fields {sorted(reply)[:6]} (expected id, ok, {body})")
    try:
        checked = RESULTS[op](reply[body]) if reply["ok"] else _ERROR(reply[body])
    except BadReply as exc:
        raise BadReply(f"the {body} of {op!r}: {exc}") from None
    return rid, {"ok": reply["ok"], body: checked}
