"""The worlds a run's sessions get: what to mount when a session opens, what to serve once it has.

A run with any of ``worlds.*`` on gives every session a ``resolv.conf`` that names the session's own
name server, with ``worlds.packages`` a ``pip.conf`` that names the package index, and with
``worlds.office`` the ``office`` command (made once per sandbox home, named by its
contents, mounted read-only: :func:`session_sandbox_config`). Once a session is open,
:func:`open_worlds` builds its worlds from the intents' seeds (or the default world), serves them in the
session's namespace from this process, and closes them with the session; :func:`world_log` is what the
episode keeps of them.

A run with ``worlds.packages`` builds its package index once, under the sandbox home, in a folder named
by the wheelhouse's contents, so runs that share a home share it and a changed wheelhouse gets a new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from isetrace.config import RunConfig, SandboxConfig
from isetrace.errors import ConfigError, SandboxUnavailable
from isetrace.records import Intent, WorldLog
from isetrace.sandbox import Sandbox
from isetrace.sandbox.templates import default_home
from isetrace.worlds.base import World
from isetrace.worlds.dns import RESOLV_CONF
from isetrace.worlds.faults import FaultPlan
from isetrace.worlds.git_remote import GitWorld
from isetrace.worlds.host import WorldHost
from isetrace.worlds.office import OfficeWorld
from isetrace.worlds.office_cli import cli_source
from isetrace.worlds.package_index import PIP_CONF, PackagesWorld, build_simple_index
from isetrace.worlds.seed import WorldSeed, WorldSeedError, default_seed, parse_seed
from isetrace.worlds.urls import GIT_HOST, OFFICE_HOST, PACKAGES_HOST, SEARCH_HOST
from isetrace.worlds.web import WebWorld

__all__ = [
    "BIN_MOUNT",
    "WHEELHOUSE_VARIABLE",
    "open_worlds",
    "package_index_dir",
    "services_offered",
    "session_sandbox_config",
    "session_seed",
    "wheelhouse_dir",
    "world_log",
]

WHEELHOUSE_VARIABLE = "ISETRACE_WHEELHOUSE"
"""Names another wheelhouse, e.g. one shared by several checkouts."""
BIN_MOUNT = "/opt/isetrace/bin"
"""Where sessions find the worlds' commands (on their ``PATH``)."""
NOBODY = 65534
"""The uid the git server runs as when isetrace runs as root: pushed objects are the agent's data."""


def wheelhouse_dir(config: RunConfig) -> Path:
    """``worlds.wheelhouse``, else ``$ISETRACE_WHEELHOUSE``, else ``<the running virtualenv>/wheelhouse``."""
    named = config.worlds.wheelhouse or os.environ.get(WHEELHOUSE_VARIABLE)
    return Path(named) if named else Path(sys.prefix) / "wheelhouse"


def require_worlds(config: RunConfig) -> None:
    """Refuse, before the first episode, worlds the run's sessions cannot have: only a bwrap session with its
    network off has a namespace of its own to serve them in; the package world needs its wheels (the
    index is built here, once)."""
    worlds = config.worlds
    if not worlds.enabled:
        return
    if config.sandbox.backend != "bwrap" or config.sandbox.network:
        on = " ".join(f"-c worlds.{name}=false" for name in worlds.names)
        raise ConfigError(f"worlds ({', '.join(worlds.names)}) need sandbox.backend bwrap with sandbox.network off "
                          f"(this run: {config.sandbox.backend}, network {'on' if config.sandbox.network else 'off'});"
                          f" turn them off with {on}")
    if worlds.packages:
        package_index_dir(config)


def _worlds_dir(config: RunConfig) -> Path:
    worlds = Path(default_home(config.sandbox.home)) / "worlds"
    worlds.mkdir(parents=True, exist_ok=True)
    worlds.chmod(0o755)
    return worlds


def _built_once(folder: Path, build: Callable[[Path], object]) -> Path:
    """``folder``, built by ``build(path)`` the first time: atomically, so a concurrent run either sees all
    of it or builds its own; readable by the sandbox user whatever the umask."""
    if folder.is_dir():
        return folder
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        built = building / "tree"
        build(built)
        for path in (built, *built.rglob("*")):
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
        built.rename(folder)
    except OSError:
        if not folder.is_dir():
            raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return folder


def package_index_dir(config: RunConfig) -> Path:
    """The run's package index, built on first use. Raises :class:`ConfigError` without wheels."""
    wheelhouse = wheelhouse_dir(config)
    wheels = sorted(wheelhouse.glob("*.whl")) if wheelhouse.is_dir() else []
    if not wheels:
        raise ConfigError(f"worlds.packages: no wheels in {wheelhouse}; run make wheelhouse (or set worlds.wheelhouse)")
    digest = hashlib.sha256("\n".join(f"{w.name} {w.stat().st_size}" for w in wheels).encode()).hexdigest()[:16]
    return _built_once(_worlds_dir(config) / f"package-index-{digest}",
                       lambda path: build_simple_index(wheelhouse, path))


def _session_files(config: RunConfig) -> Path:
    """``bin/office``, the same for every session of every run (named by its contents)."""
    files = {"bin/office": cli_source()}
    digest = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()[:16]

    def build(path: Path) -> None:
        for name, text in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_text(text, encoding="utf-8")
        (path / "bin" / "office").chmod(0o755)

    return _built_once(_worlds_dir(config) / f"session-files-{digest}", build)


def session_sandbox_config(config: RunConfig) -> SandboxConfig:
    """``config.sandbox`` with what the run's worlds mount into each session added."""
    if not config.worlds.enabled:
        return config.sandbox
    mounts = [mount.model_dump() for mount in config.sandbox.mounts]
    if config.worlds.office:
        mounts.append({"source": str(_session_files(config) / "bin"), "target": BIN_MOUNT})
    etc = {**config.sandbox.etc_files, "resolv.conf": RESOLV_CONF}
    if config.worlds.packages:
        etc["pip.conf"] = PIP_CONF
    return SandboxConfig.model_validate({**config.sandbox.model_dump(), "mounts": mounts, "etc_files": etc})


def session_seed(intents: Sequence[Intent]) -> WorldSeed:
    """The seed of a session over ``intents``: theirs together, or the default world when none has one.
    Raises :class:`WorldSeedError` naming the intent whose seed is malformed."""
    seeds = [parse_seed(intent.world, where=f"intent {intent.id}: world") for intent in intents
             if intent.world is not None]
    if not seeds:
        return default_seed()
    merged = seeds[0]
    for seed in seeds[1:]:
        merged = merged.merged(seed)
    return merged


def _worlds(config: RunConfig, seed: WorldSeed, scratch: Path) -> list[World]:
    settings = config.worlds
    worlds: list[World] = []
    if settings.office:
        worlds.append(OfficeWorld(seed))
    if settings.git:
        repos = scratch / "git"
        repos.mkdir()
        as_root = os.geteuid() == 0
        if as_root:
            os.chown(repos, NOBODY, NOBODY)
        worlds.append(GitWorld(repos, seed.repos, run_as=NOBODY if as_root else None))
    if settings.packages:
        worlds.append(PackagesWorld(package_index_dir(config)))
    if settings.web:
        worlds.append(WebWorld(seed.pages, base=settings.base_corpus))
    return worlds


@contextlib.asynccontextmanager
async def open_worlds(sandbox: Sandbox, config: RunConfig, intents: Sequence[Intent],
                      episode_id: str) -> AsyncIterator[WorldHost | None]:
    """The worlds of ``sandbox``'s session, served until the block ends; ``None`` when the run has none.
    Raises :class:`SandboxUnavailable` when they cannot start (a malformed seed says whose)."""
    if not config.worlds.enabled:
        yield None
        return
    try:
        seed = session_seed(intents)
    except WorldSeedError as exc:
        raise SandboxUnavailable(str(exc)) from None
    scratch = Path(tempfile.mkdtemp(prefix="session-", dir=_worlds_dir(config)))
    scratch.chmod(0o711)  # the git server's own uid walks through to its repositories, and lists nothing
    faults = config.worlds.faults
    plan = FaultPlan({str(kind): rate for kind, rate in faults.rates.items()}, seed=faults.seed, session=episode_id,
                     timeout_s=faults.timeout_s)
    host = WorldHost(_worlds(config, seed, scratch), faults=plan)
    try:
        await host.start(sandbox)
        yield host
    finally:
        await host.close()
        shutil.rmtree(scratch, ignore_errors=True)


def services_offered(config: RunConfig) -> list[str]:
    """What the agent's system prompt says of the run's worlds, one line each (none without worlds)."""
    worlds = config.worlds
    lines = []
    if worlds.web:
        lines.append(f"the web: sites on their own host names; search with `web_search` or "
                     f"`curl 'http://{SEARCH_HOST}/search?q=<words>'`, read pages with `web_fetch` or `curl`")
    if worlds.git:
        lines.append(f"git remotes at `http://{GIT_HOST}/<name>.git` (`curl http://{GIT_HOST}/` lists them): clone, "
                     "pull, branch and push")
    if worlds.office:
        lines.append(f"mail, calendar, contacts, chat, tickets, notes, todo and a job scheduler: the `office` command "
                     f"(`office --help`), or the JSON API at `http://{OFFICE_HOST}/v1/`")
    if worlds.packages:
        lines.append(f"a Python package index (`http://{PACKAGES_HOST}/simple/`): `pip install <name>` works for "
                     "common packages")
    return lines


def world_log(host: WorldHost | None) -> WorldLog | None:
    """What the episode keeps of its worlds."""
    if host is None:
        return None
    return WorldLog(worlds=[w.name for w in host.worlds], audit=[e.model_dump() for e in host.audit],
                    dropped=host.audit.dropped)
