"""Tool fixtures: a real sandbox session per test (every backend this machine runs), a context, a caller.

Tools are tested the way an episode uses them: a model-shaped :class:`ToolCall` goes through a dialect's
``dispatch`` into a real sandbox, and the test reads the text the model would see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox.backends import backend_params

from isetrace.config import SandboxConfig, ToolsConfig
from isetrace.records import ToolCall
from isetrace.sandbox import Sandbox, SandboxHome, open_sandbox
from isetrace.tools import Dialect, ToolContext, ToolOutcome, get_dialect

Call = Callable[..., Awaitable[ToolOutcome]]

OUTPUT_BYTES = 64 * 1024
"""The per-stream output cap of the test sandboxes (the smallest the config allows), so truncation is quick."""


async def open_box(backend: str, home: Path, **settings: Any) -> Sandbox:
    config = SandboxConfig.model_validate({"backend": backend, "limits": {"timeout_s": 20,
                                                                          "output_bytes": OUTPUT_BYTES},
                                           **settings})
    return await open_sandbox(config, SandboxHome(home))


@pytest.fixture(params=backend_params())
async def box(request: pytest.FixtureRequest, sandbox_home: Path) -> AsyncIterator[Sandbox]:
    """A fresh session on each available backend."""
    sandbox = await open_box(request.param, sandbox_home)
    yield sandbox
    await sandbox.close()


@pytest.fixture
async def local_box(sandbox_home: Path) -> AsyncIterator[Sandbox]:
    """One ``local`` session, for tests whose subject is not the sandbox (dispatch rules, the web tools)."""
    sandbox = await open_box("local", sandbox_home)
    yield sandbox
    await sandbox.close()


def make_ctx(sandbox: Sandbox, **settings: Any) -> ToolContext:
    tools = ToolsConfig.model_validate(settings.pop("tools", {"read_max_lines": 10}))
    return ToolContext(sandbox, tools, **{"max_timeout_s": 20.0, **settings})


@pytest.fixture
def ctx(box: Sandbox) -> ToolContext:
    return make_ctx(box)


OPENCLAW = get_dialect("openclaw")
CLAUDE = get_dialect("claude-code")


def dialect_of(name: str) -> Dialect:
    return OPENCLAW if name in OPENCLAW.tools else CLAUDE


def caller(context: ToolContext) -> Call:
    """``await call("exec", command="ls")``: dispatch a call by tool name, in whichever dialect has it."""
    counter = iter(range(1, 1_000_000))

    async def call(name: str, **arguments: Any) -> ToolOutcome:
        tool_call = ToolCall(id=f"call_{next(counter)}", name=name, arguments=arguments)
        return await dialect_of(name).dispatch(tool_call, context)

    return call


@pytest.fixture
def call(ctx: ToolContext) -> Call:
    return caller(ctx)
