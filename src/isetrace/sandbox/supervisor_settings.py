"""What every backend hands its supervisor: where the workspace is, the environment commands start with,
and the limits."""

from __future__ import annotations

from typing import Any

from isetrace.config import SandboxConfig

__all__ = ["SEARCH_PATH", "supervisor_settings"]

SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/isetrace/bin"
"""Where commands are found; ``/opt/isetrace/bin`` holds what a run mounts for its sessions (the worlds' CLI)."""


def supervisor_settings(config: SandboxConfig, workspace: str, home: str) -> dict[str, Any]:
    """The supervisor's config: where the workspace is, the environment commands start with, the limits.

    The environment is built from nothing (never the host's), so no host secret can leak into a sandbox.
    """
    env = {
        "PATH": SEARCH_PATH, "HOME": home, "USER": "agent", "LOGNAME": "agent", "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8", "TERM": "dumb", "TMPDIR": "/tmp", "PYTHONUNBUFFERED": "1",
    }
    return {"workspace": workspace, "env": env, "limits": config.limits.model_dump()}
