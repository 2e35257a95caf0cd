"""cgroup v2 limits for a whole session, where the machine allows them.

rlimits bound each process; a cgroup bounds the session as a whole (all its processes' memory, and
how many there are), which is what stops a fork bomb from spreading its memory over many small
processes. We use one only where it is plainly ours to use: running as root on a unified (v2)
hierarchy whose root offers the ``memory`` and ``pids`` controllers. Sessions then live under
``/sys/fs/cgroup/isetrace/<session>``; elsewhere (cgroup v1, no delegation, not root) the rlimits alone
apply, :func:`cgroup_problem` says why, and ``ise sandbox check`` warns that the session as a whole has no
memory limit. We never make cgroup v1 groups: on a v1 host the hierarchies usually belong to whatever
manages the machine (a container runtime, a job system), and moving sessions out of its groups would
take them out of its limits.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

__all__ = ["CGROUP_ROOT", "SessionCgroup", "cgroup_problem"]

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT = "isetrace"
NEEDED = ("memory", "pids")


def cgroup_problem(root: Path = CGROUP_ROOT) -> str | None:
    """Why session cgroups cannot be used here; ``None`` when they can."""
    if os.geteuid() != 0:
        return "session cgroups are used only when running as root"
    controllers = root / "cgroup.controllers"
    if not controllers.exists():
        return f"{root} is not a cgroup v2 (unified) hierarchy"
    offered = controllers.read_text().split()
    missing = [name for name in NEEDED if name not in offered]
    if missing:
        return f"the cgroup v2 root does not offer the {', '.join(missing)} controller(s)"
    if not os.access(root, os.W_OK):
        return f"{root} is not writable (a read-only cgroup mount)"
    return None


class SessionCgroup:
    """One session's cgroup: created with its limits, joined by the session's first process, removed at
    the end."""

    def __init__(self, session_id: str, memory_mb: int | None, max_processes: int | None,
                 root: Path = CGROUP_ROOT) -> None:
        """Raises ``OSError`` when the kernel refuses; the caller then runs with rlimits only."""
        parent = root / PARENT
        parent.mkdir(exist_ok=True)
        enabled = (parent / "cgroup.subtree_control").read_text().split()
        wanted = " ".join(f"+{name}" for name in NEEDED if name not in enabled)
        if wanted:
            (root / "cgroup.subtree_control").write_text(" ".join(f"+{name}" for name in NEEDED))
            (parent / "cgroup.subtree_control").write_text(wanted)
        self.path = parent / session_id
        self.path.mkdir()
        if memory_mb:
            (self.path / "memory.max").write_text(str(memory_mb * 1024 * 1024))
            with contextlib.suppress(OSError):  # no swap accounting on some kernels
                (self.path / "memory.swap.max").write_text("0")
        if max_processes:
            (self.path / "pids.max").write_text(str(max_processes))

    def add(self, pid: int) -> None:
        """Move ``pid`` into the session's cgroup (its children, born after, inherit it)."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        """Kill whatever is left in the cgroup and remove it; never raises."""
        with contextlib.suppress(OSError):
            (self.path / "cgroup.kill").write_text("1")
        for _ in range(100):  # the kill takes a moment to empty the cgroup
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.005)
