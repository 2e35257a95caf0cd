"""The worlds a run's sessions get: what to mount when a session opens, what to start once it has.

A run with ``worlds.packages`` builds its package index once, under the sandbox home (the sandbox user
must traverse it), in a folder named by the wheelhouse's contents so runs that share a home share it and
a changed wheelhouse gets a new one; every session sees it read-only through :func:`session_sandbox_config`
and serves it after it opens (:func:`start_worlds`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from isetrace.config import RunConfig, SandboxConfig
from isetrace.errors import ConfigError
from isetrace.sandbox import Sandbox
from isetrace.sandbox.templates import default_home
from isetrace.worlds.package_index import INDEX_MOUNT, build_simple_index, start_package_index

__all__ = ["WHEELHOUSE_VARIABLE", "package_index_dir", "session_sandbox_config", "start_worlds", "wheelhouse_dir"]

WHEELHOUSE_VARIABLE = "ISETRACE_WHEELHOUSE"
"""Names another wheelhouse, e.g. one shared by several checkouts."""


def wheelhouse_dir(config: RunConfig) -> Path:
    """``worlds.wheelhouse``, else ``$ISETRACE_WHEELHOUSE``, else ``<the running virtualenv>/wheelhouse``."""
    named = config.worlds.wheelhouse or os.environ.get(WHEELHOUSE_VARIABLE)
    return Path(named) if named else Path(sys.prefix) / "wheelhouse"


def package_index_dir(config: RunConfig) -> Path:
    """The run's package index, built on first use. Raises :class:`ConfigError` without wheels."""
    wheelhouse = wheelhouse_dir(config)
    wheels = sorted(wheelhouse.glob("*.whl")) if wheelhouse.is_dir() else []
    if not wheels:
        raise ConfigError(f"worlds.packages: no wheels in {wheelhouse}; run make wheelhouse (or set worlds.wheelhouse)")
    digest = hashlib.sha256("\n".join(f"{w.name} {w.stat().st_size}" for w in wheels).encode()).hexdigest()[:16]
    worlds = Path(default_home(config.sandbox.home)) / "worlds"
    index = worlds / f"package-index-{digest}"
    if not index.is_dir():
        worlds.mkdir(parents=True, exist_ok=True)
        worlds.chmod(0o755)
        building = Path(tempfile.mkdtemp(prefix=".building-", dir=worlds))
        try:
            built = building / "index"
            build_simple_index(wheelhouse, built)
            for folder in (built, *(p for p in built.rglob("*") if p.is_dir())):
                folder.chmod(0o755)  # the sandbox user reads it, whatever the umask
            built.rename(index)  # atomic: a concurrent run either sees all of it or builds its own
        except OSError:
            if not index.is_dir():
                raise
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return index


def session_sandbox_config(config: RunConfig) -> SandboxConfig:
    """``config.sandbox`` with the mounts of the run's worlds added."""
    if not config.worlds.packages:
        return config.sandbox
    mounts = [*config.sandbox.mounts, {"source": str(package_index_dir(config)), "target": INDEX_MOUNT}]
    return SandboxConfig.model_validate({**config.sandbox.model_dump(), "mounts": mounts})


async def start_worlds(sandbox: Sandbox, config: RunConfig) -> None:
    """Start the run's worlds in a session that has just opened."""
    if config.worlds.packages:
        await start_package_index(sandbox)
