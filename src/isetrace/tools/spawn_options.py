"""sessions_spawn's options beyond the task: what our sub-agents can honour, and clear refusals for the rest.

Honoured: ``runtime=subagent`` (the default), ``model`` when it names the one model sub-agents run on (or
``default``), ``cwd`` (a workspace directory where the sub-agent's commands run), ``timeoutSeconds`` (the
older name of ``runTimeoutSeconds``), ``mode`` run or session (our sub-agents stay reachable with
sessions_send either way, unless ``cleanup=delete``, which ends the sub-agent's session once its run is
reported), ``sandbox`` inherit (and require, when the session really is isolated), ``streamTo=parent``
(the reply comes back to the caller anyway), and ``attachments``: files written into the workspace (in
``attachAs.mountPath``, default ``attachments/``) and listed at the end of the task.

Refused: ``runtime=acp`` and ``resumeSessionId`` (external coding-agent harnesses are not part of an
episode), ``thinking`` (the reasoning switch belongs to the endpoint's configuration), ``thread=true``
(there is no chat thread to bind to), another model, and ``sandbox=require`` on a session that is not
isolated. Attachments are bounded like any model input: at most 50 files, 1 MiB each, 5 MiB in all, with
plain file names.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict

from isetrace.errors import ToolError
from isetrace.tools._reading import refusal
from isetrace.tools.context import ToolContext
from isetrace.tools.paths import resolve_path
from isetrace.tools.subagent_runtime import SessionsRuntime

__all__ = ["MAX_ATTACHMENTS", "AttachAs", "Attachment", "SpawnOptions", "check_spawn_options", "resolve_cwd",
           "write_attachments"]

MAX_ATTACHMENTS = 50
MAX_ATTACHMENT_BYTES = 1 << 20
MAX_ATTACHMENTS_TOTAL_BYTES = 5 << 20
DEFAULT_MOUNT = "attachments"
_NAME = re.compile(r"^[A-Za-z0-9._+-][A-Za-z0-9 ._+-]{0,127}$")


class Attachment(TypedDict):
    """A file handed to a sub-agent: its name, its content, and how the content is encoded."""

    name: str
    content: str
    encoding: NotRequired[Literal["utf8", "base64"]]
    mimeType: NotRequired[str]


class AttachAs(TypedDict):
    """Where the attachments go."""

    mountPath: NotRequired[str]


@dataclass(frozen=True)
class SpawnOptions:
    """sessions_spawn's options as the model gave them (``None``: not given)."""

    runtime: str | None = None
    resume_session_id: str | None = None
    model: str | None = None
    thinking: str | None = None
    thread: bool | None = None
    sandbox: str | None = None


def check_spawn_options(ctx: ToolContext, runtime: SessionsRuntime, options: SpawnOptions) -> None:
    """Refuse, with the reason, every option our sub-agents cannot honour (see the module docstring)."""
    if options.runtime == "acp" or options.resume_session_id:
        raise ToolError("runtime=acp (and resumeSessionId, which needs it) is not available: sub-agents here run "
                        "as runtime=subagent, with the same tools and workspace; leave runtime unset")
    if options.thinking:
        raise ToolError("thinking cannot be set per sub-agent here: reasoning is fixed by the endpoint's "
                        "configuration; leave thinking unset")
    if options.thread:
        raise ToolError("thread=true is not available: there is no chat thread to bind a sub-agent to; use "
                        "sessions_send to talk to it again")
    models = {agent.model for agent in runtime.agents()}
    if options.model not in (None, "", "default", *models):
        raise ToolError(f"model {str(options.model)[:60]!r} is not available; sub-agents run on "
                        f"{', '.join(sorted(models))}"
                        " (leave model unset)")
    if options.sandbox == "require" and not ctx.sandbox.info.isolated:
        raise ToolError(f"sandbox=require cannot be met: this session's {ctx.sandbox.info.backend} backend is not "
                        "isolated")


async def resolve_cwd(ctx: ToolContext, cwd: str | None) -> str | None:
    """The absolute directory ``cwd`` names inside the workspace; a ToolError when it is not one."""
    if cwd is None or cwd == "":
        return None
    where = await resolve_path(ctx, cwd, param="cwd")
    parent, _, name = where.real.rpartition("/")
    if where.relative == ".":
        return where.real
    try:
        kinds = [entry.kind for entry in await ctx.sandbox.list_dir(parent or "/") if entry.name == name]
    except OSError:
        kinds = []
    if kinds != ["dir"]:
        raise ToolError(f"cwd {cwd!r} is not a directory in the workspace")
    return where.real


def _decode(item: Attachment, index: int) -> tuple[str, bytes]:
    name = item["name"]
    if not _NAME.match(name) or name in (".", ".."):
        raise ToolError(f"attachments[{index}].name {name[:60]!r} must be a plain file name (letters, digits, "
                        "spaces, . _ + -; no directories)")
    if len(item["content"]) > 2 * MAX_ATTACHMENT_BYTES:
        raise ToolError(f"attachments[{index}] ({name}) is larger than {MAX_ATTACHMENT_BYTES >> 20} MiB")
    if item.get("encoding") == "base64":
        try:
            data = base64.b64decode(item["content"], validate=True)
        except binascii.Error:
            raise ToolError(f"attachments[{index}] ({name}) is not valid base64") from None
    else:
        try:
            data = item["content"].encode()
        except UnicodeEncodeError:
            raise ToolError(f"attachments[{index}] ({name}) contains text that is not valid Unicode") from None
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ToolError(f"attachments[{index}] ({name}) is larger than {MAX_ATTACHMENT_BYTES >> 20} MiB")
    return name, data


async def write_attachments(ctx: ToolContext, attachments: list[Attachment] | None,
                            attach_as: AttachAs | None) -> list[str]:
    """Write the attachments into the workspace; their workspace-relative paths (checked first, all of them,
    so a bad one writes nothing)."""
    if not attachments:
        if attach_as and attach_as.get("mountPath"):
            raise ToolError("attachAs.mountPath is given but there are no attachments")
        return []
    if len(attachments) > MAX_ATTACHMENTS:
        raise ToolError(f"{len(attachments)} attachments; give at most {MAX_ATTACHMENTS}")
    decoded = [_decode(item, index) for index, item in enumerate(attachments)]
    names = [name for name, _ in decoded]
    if len(set(names)) != len(names):
        raise ToolError("two attachments have the same name")
    total = sum(len(data) for _, data in decoded)
    if total > MAX_ATTACHMENTS_TOTAL_BYTES:
        raise ToolError(f"the attachments hold {total} bytes; give at most {MAX_ATTACHMENTS_TOTAL_BYTES >> 20} MiB")
    mount = (attach_as or {}).get("mountPath") or DEFAULT_MOUNT
    written = []
    for name, data in decoded:
        where = await resolve_path(ctx, posixpath.join(mount, name), param="attachAs.mountPath")
        try:
            await ctx.sandbox.write_file(where.real, data)
        except OSError as exc:
            raise refusal(where, exc, "write") from None
        written.append(where.shown)
    return written
