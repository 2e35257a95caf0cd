"""A real workspace for the scripted agent: a sandbox session and a real dialect's dispatch into it.

The policy's tool calls go through exactly what an episode uses: the dialect's schemas are what is
offered, ``Dialect.dispatch`` runs each call in the session, and the tool message carries the text the
model would be shown.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.sandbox.backends import BEST_BACKEND

from isetrace.config import SandboxConfig, ToolsConfig
from isetrace.records import ToolCall
from isetrace.sandbox import Sandbox, SandboxHome, open_sandbox
from isetrace.tools import Dialect, ToolContext, ToolOutcome, get_dialect
from isetrace_scripted.policy import PolicyToolCall

OPENCLAW = get_dialect("openclaw")
CLAUDE_CODE = get_dialect("claude-code")


@dataclass(frozen=True)
class Offer:
    """The tools offered to the agent (real schemas) and the dialect that runs them."""

    dialect: Dialect
    names: Sequence[str] | None = None
    """Offer only these of the dialect's tools; all of them when unset."""

    @property
    def schemas(self) -> list[dict[str, Any]]:
        return [schema for schema in self.dialect.schemas()
                if self.names is None or schema["function"]["name"] in self.names]


OFFERS = {
    "openclaw": Offer(OPENCLAW),
    "claude-code": Offer(CLAUDE_CODE),
    "shell-only": Offer(OPENCLAW, ("exec",)),
}


def failed(outcome: ToolOutcome) -> bool:
    """Whether the call failed: a tool error, or a command that exited non-zero."""
    return not outcome.result.ok or bool(outcome.result.exit_code)


@dataclass
class Workspace:
    """One sandbox session with the tools of ``offer``; remembers every outcome in order."""

    sandbox: Sandbox
    offer: Offer
    context: ToolContext
    outcomes: list[ToolOutcome] = field(default_factory=list)

    async def run(self, call: PolicyToolCall, call_id: str) -> ToolOutcome:
        tool_call = ToolCall(id=call_id, name=call.name, arguments=dict(call.arguments))
        outcome = await self.offer.dialect.dispatch(tool_call, self.context)
        self.outcomes.append(outcome)
        return outcome

    async def exists(self, path: str) -> bool:
        return (await self.sandbox.run(f"test -e {shlex.quote(path)}")).ok


class Workspaces:
    """Opens sessions on the most isolating backend this machine runs; closes them all at the end."""

    def __init__(self, home: Path) -> None:
        self._home = SandboxHome(home)
        self._open: list[Sandbox] = []

    async def open(self, offer: str | Offer = "openclaw") -> Workspace:
        config = SandboxConfig.model_validate({"backend": BEST_BACKEND, "limits": {"timeout_s": 60}})
        sandbox = await open_sandbox(config, self._home)
        self._open.append(sandbox)
        chosen = OFFERS[offer] if isinstance(offer, str) else offer
        context = ToolContext(sandbox, ToolsConfig(), max_timeout_s=60.0)
        return Workspace(sandbox, chosen, context)

    async def close(self) -> None:
        while self._open:
            await self._open.pop().close()
