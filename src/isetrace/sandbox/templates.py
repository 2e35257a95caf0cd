"""Workspace templates and the sandbox home: where templates live and where sessions keep scratch space.

A template is a directory every session starts from. Sessions never write to it: bubblewrap sessions
see it through a copy-on-write overlay (each stores only its own changes), so a thousand sessions share
one template on disk. Templates are made readable, and owned by :data:`~isetrace.sandbox.uids.TEMPLATE_UID`
when we run as root; each session, running as a host uid of its own, sees them as its own through an
idmapped view (:mod:`isetrace.sandbox.uids`).

Session directories carry the host pid that made them; a directory whose pid is gone was left by a
crash and is removed at the next start.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from isetrace.errors import ConfigError, SandboxUnavailable
from isetrace.sandbox.uids import TEMPLATE_UID, VIEW, unmount_view

__all__ = [
    "SandboxHome",
    "default_home",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DEFAULT_TEMPLATE = "default"


def default_home(configured: str | None = None) -> Path:
    """The sandbox home: the configured one (``sandbox.home``), else a per-user default."""
    if configured:
        return Path(configured).expanduser()
    if os.geteuid() == 0:
        return Path("/var/lib/isetrace")
    return Path.home() / ".local" / "share" / "isetrace"


_UNMARKED_GRACE_S = 60.0


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SandboxHome:
    """Templates under ``<home>/templates``, session scratch under ``<home>/sessions``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.templates = root / "templates"
        self.sessions = root / "sessions"
        self.as_root = os.geteuid() == 0
        self._prepared = False
        self._supervisors: dict[tuple[Path, ...], Path] = {}

    def _prepare(self) -> None:
        """Make the home's directories, once per instance (every session start asks)."""
        if self._prepared:
            return
        for directory in (self.root, self.templates, self.sessions):
            try:
                directory.mkdir(parents=True, exist_ok=True)
                directory.chmod(0o755)
            except OSError as exc:
                raise ConfigError(f"cannot use {directory} as the sandbox's home (sandbox.home): "
                                  f"{exc.strerror or exc}") from None
        self._prepared = True

    def _give_to_sandbox(self, path: Path) -> None:
        """Make a tree usable by every session: readable everywhere, owned by TEMPLATE_UID when we are root."""
        for current, dirs, files in os.walk(path):
            for name in [*dirs, *files, ""]:
                target = Path(current) / name if name else Path(current)
                if target.is_symlink():
                    if self.as_root:
                        os.lchown(target, TEMPLATE_UID, TEMPLATE_UID)
                    continue
                mode = target.stat().st_mode
                target.chmod(mode | 0o444 | (0o111 if target.is_dir() else 0))
                if self.as_root:
                    os.chown(target, TEMPLATE_UID, TEMPLATE_UID)

    # ------------------------------------------------------------------ templates
    def create_template(self, name: str, source: Path | None, *, replace: bool = False) -> Path:
        """Copy ``source`` (or nothing: an empty template) into a new template ``name``."""
        if not _NAME.match(name):
            raise ConfigError(f"template name {name!r} must be letters, digits, '.', '_' or '-' (max 64)")
        if source is not None and not source.is_dir():
            raise ConfigError(f"template source {source} is not a directory")
        self._prepare()
        target = self.templates / name
        if target.exists() and not replace:
            raise ConfigError(f"template {name!r} already exists at {target} (use --replace)")
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=self.templates))
        try:
            if source is not None:
                shutil.copytree(source, staging, symlinks=True, dirs_exist_ok=True)
            self._give_to_sandbox(staging)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target

    def template(self, name: str) -> Path:
        """The directory of template ``name``; ``default`` is created empty on first use."""
        path = self.templates / name
        if path.is_dir():
            return path
        if name == DEFAULT_TEMPLATE:
            return self.create_template(name, None, replace=True)
        known = ", ".join(self.list_templates()) or "none"
        raise ConfigError(f"unknown sandbox template {name!r} (known: {known}); make one with "
                          f"'ise sandbox template create {name} --from DIR'")

    def list_templates(self) -> list[str]:
        if not self.templates.is_dir():
            return []
        return sorted(p.name for p in self.templates.iterdir() if p.is_dir() and not p.name.startswith("."))

    def remove_template(self, name: str) -> None:
        path = self.templates / name
        if not path.is_dir():
            raise ConfigError(f"unknown sandbox template {name!r}")
        shutil.rmtree(path)

    # ------------------------------------------------------------------ the supervisor
    def supervisor_scripts(self, sources: Sequence[Path], *, compiled_for: str | None = None) -> Path:
        """A copy of the supervisor's scripts inside the home, readable by the sandbox users: the folder.

        The installed package may sit where those users cannot read (a checkout in a 0700 directory, a
        virtualenv under /root), so sandboxes use this copy; the folder is named by its content's hash, so
        sessions of different versions never share a stale one.

        With ``compiled_for`` (the interpreter sessions run the supervisor with), the folder also holds
        each script compiled by that interpreter (``<name>.pyc``): a script run from source is compiled
        at every start, which cost about 6 ms of every session's start. The interpreter's identity is part
        of the folder's name, so an upgraded interpreter never loads bytecode it cannot read.
        """
        key = (*sources, Path(compiled_for or ""))
        if key in self._supervisors:  # the same scripts for every session of this home's run
            return self._supervisors[key]
        self._prepare()
        contents = {source.name: source.read_bytes() for source in sources}
        digest = hashlib.sha256(b"".join(name.encode() + b"\0" + data for name, data in contents.items()))
        if compiled_for is not None:
            interpreter = os.stat(os.path.realpath(compiled_for))
            digest.update(f"{compiled_for}:{interpreter.st_size}:{interpreter.st_mtime_ns}".encode())
        folder = self.root / "bin"
        folder.mkdir(mode=0o755, exist_ok=True)
        folder.chmod(0o755)
        target = folder / f"supervisor-{digest.hexdigest()[:16]}"
        if not target.exists():
            staging = folder / f".{target.name}.{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(mode=0o755)
            for name, data in contents.items():
                (staging / name).write_bytes(data)
            if compiled_for is not None:
                _compile(compiled_for, staging, list(contents))
            for script in staging.iterdir():
                script.chmod(0o644)
            staging.chmod(0o755)
            try:
                os.rename(staging, target)
            except OSError:  # another process made it first: theirs is the same
                shutil.rmtree(staging, ignore_errors=True)
        self._supervisors[key] = target
        return target

    # ------------------------------------------------------------------ sessions
    def new_session(self) -> tuple[str, Path]:
        """A fresh session id and its scratch directory (ours, readable by the session), marked with our pid."""
        self._prepare()
        session_id = uuid.uuid4().hex[:12]
        path = self.sessions / session_id
        path.mkdir()
        path.chmod(0o755)  # whatever the umask: the session's own uid must enter it
        (path / ".owner").write_text(str(os.getpid()))
        return session_id, path

    def clean_stale_sessions(self) -> list[str]:
        """Remove session directories whose owning process is gone; returns their ids.

        A directory without an owner yet is left alone for a minute: another process (a Ray worker on
        the same home) may be between creating it and marking it.
        """
        removed: list[str] = []
        if not self.sessions.is_dir():
            return removed
        for path in self.sessions.iterdir():
            try:
                owner = int((path / ".owner").read_text().strip())
            except (OSError, ValueError):
                owner = 0
            if owner and _pid_alive(owner):
                continue
            if not owner and _age_s(path) < _UNMARKED_GRACE_S:
                continue
            remove_session_dir(path)
            removed.append(path.name)
        return removed


def remove_session_dir(path: Path) -> None:
    """Remove a session directory, even one in which the agent made directories read-only.

    A template view a crash left mounted in it is unmounted first (it is read-only: nothing below it could
    be removed or changed anyway).
    """
    if os.geteuid() == 0 and (path / VIEW).is_dir():  # a bind mount of the same filesystem fools ismount
        unmount_view(path / VIEW)
    for current, dirs, _ in os.walk(path):
        for name in dirs:
            target = os.path.join(current, name)
            if os.path.islink(target):  # chmod follows links: never touch what a link points at
                continue
            with contextlib.suppress(OSError):
                os.chmod(target, 0o700)
    shutil.rmtree(path, ignore_errors=True)


def _compile(interpreter: str, folder: Path, names: list[str]) -> None:
    """Compile ``names`` in ``folder`` to ``<name>c`` with ``interpreter``; ``SandboxUnavailable`` when it
    cannot."""
    program = ("import py_compile, sys\n"
               "for name in sys.argv[1:]:\n"
               "    py_compile.compile(name, cfile=name + 'c', doraise=True)\n")
    try:
        subprocess.run([interpreter, "-I", "-S", "-c", program, *names], cwd=folder, check=True,
                       capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise SandboxUnavailable(f"cannot compile the sandbox supervisor with {interpreter}: {exc} "
                          f"{detail.decode(errors='replace')[-300:]}".strip()) from exc

