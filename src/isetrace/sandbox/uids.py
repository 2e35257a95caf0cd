"""Host uids for bubblewrap sessions: one of its own for every open session, when isetrace runs as root.

The kernel counts some things per host uid, whatever the namespaces: the key quota and which keys a
process may read, inotify instances, the processes ``kill`` may reach. Sessions that shared one uid
could read each other's keys and use up each other's quotas, so as root every open session holds a uid
of its own from :data:`SESSION_UIDS`, claimed with a non-blocking ``flock`` on a lock file per uid under
:data:`LOCK_DIR`. uids are machine-wide, so their locks are too: concurrent runs, Ray workers and runs
with different sandbox homes never share one; a lock dies with its process, so a crash frees its uids.

Templates stay owned by :data:`TEMPLATE_UID`, which no session runs as. A session sees its template
through an *idmapped* mount (Linux 5.19+ for overlayfs on top of one) that shows the template's files as
its own — read-only, so nothing reaches the template through it — made by the host in the session's
scratch directory just long enough for the launcher's mount namespace to copy it.

Where idmapped mounts do not work (an older kernel, a filesystem without them), sessions fall back to
running as :data:`TEMPLATE_UID` together, a warning says so once, and ``ise sandbox check`` names it.
As any other user, sessions run as that user: nothing here applies.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import fcntl
import logging
import os
from pathlib import Path

from isetrace.errors import SandboxUnavailable

__all__ = ["LOCK_DIR", "SESSION_UIDS", "TEMPLATE_UID", "HostIdentity", "claim_identity", "shared_uid_problem",
           "unmount_view"]

log = logging.getLogger(__name__)

TEMPLATE_UID = 61000
"""Host uid (and gid) that owns templates as root: unprivileged, otherwise unused, and never a session's."""
SESSION_UIDS = range(TEMPLATE_UID + 1, TEMPLATE_UID + 1001)
"""Host uids (and gids) sessions run as when isetrace runs as root, one per open session."""
LOCK_DIR = Path("/run/isetrace/uids")
VIEW = "lower"
"""The name, in a session's scratch directory, of the template's idmapped view while the session starts."""

_AT_FDCWD, _AT_EMPTY_PATH = -100, 0x1000
_OPEN_TREE_CLONE, _MOVE_MOUNT_F_EMPTY_PATH, _MNT_DETACH = 1, 0x4, 2
_MOUNT_ATTR_RDONLY, _MOUNT_ATTR_NOSUID, _MOUNT_ATTR_NODEV, _MOUNT_ATTR_IDMAP = 0x1, 0x2, 0x4, 0x100000
_SYS_OPEN_TREE, _SYS_MOVE_MOUNT, _SYS_MOUNT_SETATTR = 428, 429, 442  # the same on x86_64 and arm64


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64), ("propagation", ctypes.c_uint64),
                ("userns_fd", ctypes.c_uint64)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_held: set[int] = set()
"""uids this process holds, skipped without a system call."""
_userns: dict[int, int] = {}
"""Per session uid, a user namespace that maps TEMPLATE_UID to it: what an idmapped view needs."""
_shared: str | None = None
"""Why sessions share TEMPLATE_UID here, once idmapped mounts have failed."""


def shared_uid_problem() -> str | None:
    """Why sessions share a host uid on this machine; ``None`` when each gets its own (so far)."""
    if os.geteuid() != 0:
        return (f"not running as root: sessions run as your own uid {os.getuid()} and share its key quota, "
                "keyrings and inotify instances with each other and with you")
    return _shared


class HostIdentity:
    """Who one session is on the host: its uid (and gid), and the template as its overlay's lower layer."""

    def __init__(self, uid: int, lowerdir: str, lock: int | None, view: Path | None) -> None:
        self.uid = uid
        self.lowerdir = lowerdir
        """The lower layer's path relative to the scratch directory (so no host path shows in mounts)."""
        self._lock = lock
        self._view = view

    def drop_view(self) -> None:
        """Unmount the host's copy of the view once the session's mount namespace has its own."""
        if self._view is not None:
            unmount_view(self._view)
            self._view = None

    def release(self) -> None:
        """Give the uid back; the session's processes must be gone. Never raises."""
        self.drop_view()
        if self._lock is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock)
            self._lock = None
            _held.discard(self.uid)


def unmount_view(path: Path) -> None:
    """Detach a view left at ``path`` (by this session or a crashed one); nothing when none is there."""
    if _libc.umount2(os.fsencode(path), _MNT_DETACH) != 0 and ctypes.get_errno() not in (errno.EINVAL, errno.ENOENT):
        log.warning("cannot unmount the template view %s: %s", path, os.strerror(ctypes.get_errno()))


async def claim_identity(template: Path, scratch: Path) -> HostIdentity:
    """The session's host identity: as root a uid of its own and the template's view, else the caller's.

    Raises :class:`SandboxUnavailable` when every uid of the pool is held by an open session.
    """
    relative = os.path.relpath(template, scratch)
    if os.geteuid() != 0:
        return HostIdentity(os.getuid(), relative, None, None)
    if _shared is not None:
        return HostIdentity(TEMPLATE_UID, relative, None, None)
    uid, lock = _claim_uid()
    view = scratch / VIEW
    try:
        view.mkdir()
        _mount_view(template, view, await _userns_for(uid))
    except OSError as exc:
        os.close(lock)
        _held.discard(uid)
        _fall_back(f"the template's idmapped mount failed ({exc})")
        return HostIdentity(TEMPLATE_UID, relative, None, None)
    return HostIdentity(uid, VIEW, lock, view)


def _claim_uid(lock_dir: Path = LOCK_DIR) -> tuple[int, int]:
    for uid in SESSION_UIDS:
        if uid in _held:
            continue
        try:
            lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(lock_dir / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise SandboxUnavailable(f"cannot keep the sandbox uids' locks in {lock_dir}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _held.add(uid)
        return uid, fd
    raise SandboxUnavailable(f"all {len(SESSION_UIDS)} sandbox uids ({SESSION_UIDS.start}–{SESSION_UIDS.stop - 1}) "
                             f"are held by open sessions (locks in {lock_dir}); close some sessions")


def _fall_back(reason: str) -> None:
    global _shared
    _shared = (f"{reason}: sessions run together as uid {TEMPLATE_UID} and share its key quota, keyrings and "
               "inotify instances (idmapped mounts need Linux 5.19+ and a filesystem that supports them)")
    log.warning("%s", _shared)


async def _userns_for(uid: int) -> int:
    """A user namespace mapping TEMPLATE_UID to ``uid`` (uid and gid), made once per uid and kept open."""
    if uid in _userns:
        return _userns[uid]
    helper = await asyncio.create_subprocess_exec(
        "unshare", "--user", "/bin/sh", "-c", "echo; read -r _", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd="/")
    assert helper.stdin is not None and helper.stdout is not None
    try:
        if not await asyncio.wait_for(helper.stdout.readline(), 10.0):
            raise OSError(errno.EPERM, "'unshare --user' could not make a user namespace")
        for name in ("uid_map", "gid_map"):
            Path(f"/proc/{helper.pid}/{name}").write_text(f"{TEMPLATE_UID} {uid} 1\n")
        _userns[uid] = os.open(f"/proc/{helper.pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        helper.stdin.close()
        with contextlib.suppress(ProcessLookupError):
            helper.kill()
        await helper.wait()
    return _userns[uid]


def _check(result: int, what: str) -> int:
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")
    return result


def _mount_view(template: Path, target: Path, userns: int) -> None:
    """Mount ``template`` at ``target``: read-only, no setuid or devices, its owner shown as ``userns`` maps."""
    tree = _check(_libc.syscall(_SYS_OPEN_TREE, _AT_FDCWD, os.fsencode(template),
                                _OPEN_TREE_CLONE | os.O_CLOEXEC), "open_tree")
    try:
        attr = _MountAttr(_MOUNT_ATTR_RDONLY | _MOUNT_ATTR_NOSUID | _MOUNT_ATTR_NODEV | _MOUNT_ATTR_IDMAP, 0, 0, userns)
        _check(_libc.syscall(_SYS_MOUNT_SETATTR, tree, b"", _AT_EMPTY_PATH, ctypes.byref(attr),
                             ctypes.sizeof(attr)), "mount_setattr")
        _check(_libc.syscall(_SYS_MOVE_MOUNT, tree, b"", _AT_FDCWD, os.fsencode(target), _MOVE_MOUNT_F_EMPTY_PATH),
               "move_mount")
    finally:
        os.close(tree)
