"""A backend's check of the machine (:class:`Preflight`), run at session starts until it passes once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from isetrace.config import SandboxConfig
from isetrace.errors import SandboxUnavailable

__all__ = ["Preflight", "require_mount_sources"]


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


def require_mount_sources(config: SandboxConfig) -> None:
    """Raises :class:`SandboxUnavailable` naming a ``sandbox.mounts`` source that is not there (checked at
    each session start: a mount's source may come and go, like a socket directory)."""
    for mount in config.mounts:
        if not Path(mount.source).exists():
            raise SandboxUnavailable(f"sandbox.mounts: {mount.source} (for {mount.target}) does not exist")
