"""The ``services`` dialect: the office world's operations as function tools, beside the basic ones.

Claw-Eval's harness gives its agents one function per mock-service call (``mail_list_messages``,
``calendar_create_event``…). This dialect does the same for the office world, from the operation table
the world's API and CLI are built from (:mod:`isetrace.worlds.office_ops`), so data made with it can
target that harness: a call goes to the session's office world over the host's own socket, is served,
logged and — with faults on — failed like a call from inside, and its answer is the API's JSON. Beside
them: the shell, the file tools and the web tools of the openclaw dialect.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from isetrace.errors import ToolError
from isetrace.tools import openclaw
from isetrace.tools.context import ToolContext
from isetrace.tools.declare import ToolParam, ToolSpec
from isetrace.tools.dialects import Dialect
from isetrace.worlds.office_ops import OPERATIONS, Operation, parameters_schema
from isetrace.worlds.urls import OFFICE_HOST

__all__ = ["DIALECT", "SERVICE_TIMEOUT_S"]

SERVICE_TIMEOUT_S = 30.0
_MAX_ANSWER_BYTES = 1 << 20


async def call_office(ctx: ToolContext, name: str, arguments: dict[str, Any]) -> str:
    """POST one operation to the session's office world; its result as JSON text, or a :class:`ToolError`."""
    if ctx.worlds is None or ctx.worlds.world("office") is None:
        raise ToolError("the office services are not available in this session (the run has worlds.office off)")
    try:
        async with aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=await ctx.worlds.tool_socket()),
                                         timeout=aiohttp.ClientTimeout(total=SERVICE_TIMEOUT_S)) as web, \
                web.post(f"http://{OFFICE_HOST}/v1/{name}", json=arguments) as response:
            body = await response.content.read(_MAX_ANSWER_BYTES)
            status = response.status
    except aiohttp.ClientError as exc:
        raise ToolError(f"{name}: the office service could not be reached: {exc or type(exc).__name__}") from None
    except TimeoutError:
        raise ToolError(f"{name}: the office service did not answer within {SERVICE_TIMEOUT_S:g}s") from None
    try:
        answer = json.loads(body)
    except ValueError:
        raise ToolError(f"{name}: HTTP {status}, not a JSON answer: {body[:200].decode(errors='replace')}") from None
    if status != 200 or not isinstance(answer, dict) or not answer.get("ok"):
        error = answer.get("error") if isinstance(answer, dict) else None
        raise ToolError(f"{name}: HTTP {status}: {error or 'the call failed'}")
    return json.dumps(answer.get("result"), ensure_ascii=False, indent=2)


def _spec(op: Operation) -> ToolSpec:
    schema = parameters_schema(op)
    params = tuple(ToolParam(name=name, python_name=name, schema=prop, required=name in schema["required"])
                   for name, prop in schema["properties"].items())

    async def run(ctx: ToolContext, **arguments: Any) -> str:
        return await call_office(ctx, op.name, arguments)

    return ToolSpec(name=op.name, description=op.description, params=params, mutating=not op.read_only, fn=run)


SERVICE_TOOLS = [_spec(op) for op in OPERATIONS.values()]
"""One tool per office operation, in the table's order."""

DIALECT = Dialect("services", [openclaw.exec_, openclaw.process_, openclaw.read, openclaw.write, openclaw.edit,
                               openclaw.web_fetch, openclaw.web_search, *SERVICE_TOOLS])
"""The office services' tools, after the shell, file and web tools."""
