"""The ``local`` backend: a temporary directory and plain subprocesses. Development only.

It runs the same supervisor as the isolating backends, so the whole contract behaves the same, but
nothing separates the agent from the host: commands see the host's files, network and processes. Every
session says so in the log, loudly.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys

from isetrace.config import SandboxConfig
from isetrace.errors import SandboxUnavailable
from isetrace.sandbox.base import SessionInfo
from isetrace.sandbox.supervised import SupervisedSandbox, launch_supervised, supervisor_config_arg, supervisor_path
from isetrace.sandbox.supervisor_settings import supervisor_settings
from isetrace.sandbox.templates import SandboxHome, remove_session_dir

__all__ = ["WARNING", "open_local"]

log = logging.getLogger(__name__)

WARNING = ("the 'local' sandbox backend does NOT isolate anything: commands run as you, on the host, with "
           "its files and network. Use it for development only; use 'bwrap' for real runs.")


async def open_local(config: SandboxConfig, home: SandboxHome) -> SupervisedSandbox:
    """Open a local session: a copy of the template in a scratch directory, and a supervisor on the host."""
    log.warning(WARNING)
    if config.mounts:
        raise SandboxUnavailable("sandbox.mounts need a backend with a file system of its own (bwrap or docker); "
                                 "the local backend runs on the host's")
    template = home.template(config.template)
    session_id, scratch = home.new_session()
    workspace, user_home = scratch / "workspace", scratch / "home"
    shutil.copytree(template, workspace, symlinks=True)
    user_home.mkdir()
    settings = supervisor_settings(config, str(workspace), str(user_home))
    argv = [sys.executable, "-I", "-S", str(supervisor_path()), supervisor_config_arg(settings)]

    async def cleanup() -> None:
        await asyncio.to_thread(remove_session_dir, scratch)  # off the event loop: other sessions go on

    info = SessionInfo(backend="local", session_id=session_id, workspace=str(workspace), home=str(user_home),
                       network=True,
                       isolated=False, details={"scratch": str(scratch)})
    return await launch_supervised(argv, info, config.limits.timeout_s, cleanup=cleanup,
                                   output_bytes=config.limits.output_bytes)
