"""What every backend shares: the check of the machine it runs once, and what it hands its supervisor
(the base environment and the limits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from isetrace.config import SandboxConfig
from isetrace.errors import SandboxUnavailable

__all__ = ["SEARCH_PATH", "Preflight", "supervisor_settings"]

SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def supervisor_settings(config: SandboxConfig, workspace: str, home: str) -> dict[str, Any]:
    """The supervisor's config: where the workspace is, the environment commands start with, the limits.

    The environment is built from nothing (never the host's), so no host secret can leak into a sandbox.
    """
    env = {
        "PATH": SEARCH_PATH, "HOME": home, "USER": "agent", "LOGNAME": "agent", "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8", "TERM": "dumb", "TMPDIR": "/tmp", "PYTHONUNBUFFERED": "1",
    }
    return {"workspace": workspace, "env": env, "limits": config.limits.model_dump()}


class Preflight:
    """A backend's check of the machine, run at session starts until it passes once.

    What it looks at (installed tools, kernel settings, a running engine) does not change while a run
    goes on, and a run starts thousands of sessions; a failing check is run again, so a fix takes effect.
    """

    def __init__(self, backend: str, problems: Callable[[], list[str]]) -> None:
        self.backend = backend
        self.problems = problems
        self.passed = False

    def require(self) -> None:
        """Raises :class:`SandboxUnavailable` listing the problems, when there are any."""
        if self.passed:
            return
        problems = self.problems()
        if problems:
            raise SandboxUnavailable(f"the {self.backend} sandbox cannot run here: " + "; ".join(problems))
        self.passed = True
