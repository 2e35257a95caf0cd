"""The ``docker`` backend: one container per session, for machines with a Docker engine.

The container runs the same supervisor as every backend (copied in as a read-only bind), with the
network off by default (``--network none``), the limits mapped to Docker's (memory, pids, CPU), all
capabilities dropped, no new privileges, and the template copied into its workspace. The image must
have ``python3``.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

from isetrace.config import SandboxConfig
from isetrace.sandbox.base import SessionInfo
from isetrace.sandbox.preflight import Preflight, require_mount_sources
from isetrace.sandbox.supervised import (
    SUPERVISOR_FILES,
    SupervisedSandbox,
    launch_supervised,
    supervisor_config_arg,
    supervisor_sources,
)
from isetrace.sandbox.supervisor_settings import supervisor_settings
from isetrace.sandbox.templates import SandboxHome, remove_session_dir

__all__ = ["docker_problems", "open_docker"]

WORKSPACE = "/workspace"
HOME = "/home/agent"
SUPERVISOR_DIR = "/opt/isetrace"


def docker_problems() -> list[str]:
    """Why Docker cannot run sessions here (no client, no engine); empty when it can."""
    if shutil.which("docker") is None:
        return ["the docker command is not installed"]
    try:
        probe = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True,
                               text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [f"'docker info' failed: {exc}"]
    if probe.returncode != 0 or not probe.stdout.strip():
        return ["no Docker engine answers ('docker info': " + (probe.stderr.strip().splitlines() or ["?"])[-1] + ")"]
    return []


def _run_argv(config: SandboxConfig, name: str, workspace: str, supervisor: Path, settings_arg: str) -> list[str]:
    limits = config.limits
    argv = ["docker", "run", "--rm", "-i", "--name", name, "--network", "bridge" if config.network else "none",
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "1000:1000",
            "--tmpfs", "/tmp:rw,exec,size=512m", "--tmpfs", f"{HOME}:rw,exec,uid=1000,gid=1000",
            "-v", f"{workspace}:{WORKSPACE}", "-v", f"{supervisor}:{SUPERVISOR_DIR}:ro", "-w", WORKSPACE]
    for mount in config.mounts:
        argv += ["-v", f"{mount.source}:{mount.target}:ro"]
    if limits.memory_mb:
        argv += ["--memory", f"{limits.memory_mb}m"]
    if limits.max_processes:
        argv += ["--pids-limit", str(limits.max_processes)]
    return [*argv, config.image, "python3", "-I", "-S", f"{SUPERVISOR_DIR}/{SUPERVISOR_FILES[0]}", settings_arg]


_PREFLIGHT = Preflight("docker", docker_problems)


async def open_docker(config: SandboxConfig, home: SandboxHome) -> SupervisedSandbox:
    """Open a container session. Raises :class:`SandboxUnavailable` when no engine runs or the image fails."""
    _PREFLIGHT.require()
    require_mount_sources(config)
    template = home.template(config.template)
    session_id, scratch = home.new_session()
    workspace = scratch / "workspace"
    shutil.copytree(template, workspace, symlinks=True)
    subprocess.run(["chown", "-R", "1000:1000", str(workspace)], check=False, capture_output=True)
    name = f"isetrace-{session_id}"
    # memory and pids are Docker's limits here; the supervisor must not also cap the address space of
    # every process (a container's runtime maps more than a bare process does)
    settings = supervisor_settings(config, WORKSPACE, HOME)
    settings["limits"] = {**settings["limits"], "memory_mb": None, "max_processes": None}

    def remove() -> None:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False, timeout=30)
        remove_session_dir(scratch)

    async def cleanup() -> None:
        await asyncio.to_thread(remove)  # off the event loop: other sessions go on

    info = SessionInfo(backend="docker", session_id=session_id, workspace=WORKSPACE, home=HOME, network=config.network,
                       isolated=True, details={"image": config.image, "container": name})
    scripts = home.supervisor_scripts(supervisor_sources())
    return await launch_supervised(_run_argv(config, name, str(workspace), scripts, supervisor_config_arg(settings)),
                                   info, config.limits.timeout_s + 30, cleanup=cleanup,
                                   output_bytes=config.limits.output_bytes)
