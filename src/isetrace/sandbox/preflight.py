"""A backend's check of the machine (:class:`Preflight`), run at session starts until it passes once."""

from __future__ import annotations

from collections.abc import Callable

from isetrace.errors import SandboxUnavailable

__all__ = ["Preflight"]


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
