"""The supervisor's file operations: below the workspace, no symbolic link is ever followed.

The host's file tools check a path (resolving links, refusing what leads out of the workspace) and then
ask the supervisor to open it. Anything running in the sandbox can swap a component for a symbolic link
between the two, so here every path below the workspace is opened relative to a descriptor of the
workspace, following no link at any component: ``openat2`` with ``RESOLVE_BENEATH |
RESOLVE_NO_SYMLINKS`` where the kernel has it, a per-component ``O_NOFOLLOW`` walk where it does not.
The kernel then walks from descriptors we hold, and the race cannot be won. Reads take an offset and a
byte cap and, like writes, refuse FIFOs, sockets and devices, which could block the supervisor or never
end.

Like :mod:`_supervisor`, which imports it, this file runs under the sandbox's own ``python3`` with
built-in modules only. ``ctypes`` is the one import that costs start-up time (about 3 ms), and the
supervisor needs it anyway, to make itself non-dumpable.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PR_SET_DUMPABLE = 4
SYS_OPENAT2 = {"x86_64": 437, "aarch64": 437, "riscv64": 437, "ppc64le": 437, "s390x": 437}
RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_BENEATH = 0x02, 0x04, 0x08
READ_PIECE = 1 << 20


class Libc:
    """The two calls Python does not offer: ``prctl`` and ``openat2`` (through ``syscall``)."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(None, use_errno=True)
        self.openat2_number = SYS_OPENAT2.get(os.uname().machine, 0)
        self.has_openat2 = self.openat2_number != 0

    def not_dumpable(self) -> None:
        if self.lib.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")

    def openat2(self, dirfd: int, path: str, flags: int, mode: int) -> int:
        """``openat2`` confined below ``dirfd`` with no symbolic links; ``ENOSYS`` where the kernel lacks it."""
        mode = mode if flags & os.O_CREAT else 0  # the kernel refuses a mode it would not use
        how = (flags.to_bytes(8, sys.byteorder) + mode.to_bytes(8, sys.byteorder)
               + (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS).to_bytes(8, sys.byteorder))
        fd = self.lib.syscall(ctypes.c_long(self.openat2_number), ctypes.c_int(dirfd), ctypes.c_char_p(path.encode()),
                              ctypes.c_char_p(how), ctypes.c_size_t(len(how)))
        if fd < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
        return int(fd)


class Beneath:
    """Opens paths below one directory without following a symbolic link at any component.

    ``openat2`` does it in one call; where the kernel lacks it (before 5.6, or a seccomp filter refusing
    it) each component is opened with ``O_NOFOLLOW`` relative to the previous one. Either way the
    kernel walks from descriptors we hold, so no path can be swapped between a check and the open.
    """

    def __init__(self, root: str, libc: Libc | None) -> None:
        self.root = os.path.normpath(root)
        self.real_root = os.path.realpath(self.root)
        self.fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self.libc = libc if libc is not None and libc.has_openat2 else None

    def relative(self, path: str) -> str | None:
        """``path`` relative to the root when it lies below it ("" for the root); ``None`` when elsewhere."""
        path = os.path.normpath(path)
        for root in (self.root, self.real_root):
            if path == root:
                return ""
            if path.startswith(root.rstrip("/") + "/"):
                return path[len(root.rstrip("/")) + 1:]
        return None

    def open(self, relative: str, flags: int, mode: int = 0o666) -> int:
        flags |= os.O_CLOEXEC | os.O_NOFOLLOW
        if not relative:
            return os.open(".", flags, dir_fd=self.fd)
        if self.libc is not None:
            try:
                return self.libc.openat2(self.fd, relative, flags, mode)
            except OSError as exc:
                if exc.errno not in (errno.ENOSYS, errno.EPERM):
                    raise _linked(exc, relative) from None
                self.libc = None  # the kernel or a filter refuses openat2: walk from now on
        return self.walk(relative, flags, mode)

    def walk(self, relative: str, flags: int, mode: int) -> int:
        names = relative.split("/")
        current = self.fd
        try:
            for name in names[:-1]:
                following = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=current)
                if current != self.fd:
                    os.close(current)
                current = following
            return os.open(names[-1], flags, mode, dir_fd=current)
        except NotADirectoryError as exc:  # O_DIRECTORY met a link: say it was a link
            raise _linked(OSError(errno.ELOOP, "") if self.has_link(relative) else exc, relative) from None
        except OSError as exc:
            raise _linked(exc, relative) from None
        finally:
            if current != self.fd:
                os.close(current)

    def has_link(self, relative: str) -> bool:
        parts = relative.split("/")
        for depth in range(1, len(parts) + 1):
            try:
                if stat.S_ISLNK(os.stat("/".join(parts[:depth]), dir_fd=self.fd, follow_symlinks=False).st_mode):
                    return True
            except OSError:
                return False
        return False

    def make_parents(self, relative: str) -> None:
        """Create the missing directories above ``relative``, each below the last, following no link."""
        parts = relative.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            try:
                os.close(self.open("/".join(parts[:depth]), os.O_PATH | os.O_DIRECTORY))
                continue
            except FileNotFoundError:
                pass
            parent = self.open("/".join(parts[:depth - 1]), os.O_PATH | os.O_DIRECTORY)
            try:
                os.mkdir(parts[depth - 1], 0o777, dir_fd=parent)
            except FileExistsError:
                pass
            finally:
                os.close(parent)


def _linked(exc: OSError, relative: str) -> OSError:
    """A refusal to follow a link, said as such (the kernel's ELOOP/EXDEV/ENOTDIR read as nonsense)."""
    if exc.errno in (errno.ELOOP, errno.EXDEV):
        return OSError(errno.ELOOP, f"{relative}: a symbolic link is in the way; file operations in the workspace "
                       "do not follow links")
    return exc


class Files:
    """Reads, writes and listings for the supervisor: confined below the workspace, elsewhere as asked
    (the contract leaves paths outside the workspace to the caller)."""

    def __init__(self, workspace: str, file_size_mb: int | None, libc: Libc | None) -> None:
        self.workspace = workspace
        self.beneath = Beneath(workspace, libc)
        self.file_size_mb = file_size_mb

    def absolute(self, path: str) -> str:
        return path if path.startswith("/") else os.path.join(self.workspace, path)

    def open(self, path: str, flags: int, mode: int = 0o666) -> int:
        """Open ``path``: below the workspace without following links, elsewhere as the kernel resolves it."""
        relative = self.beneath.relative(self.absolute(path))
        if relative is None:
            return os.open(self.absolute(path), flags | os.O_CLOEXEC, mode)
        if flags & os.O_CREAT:
            self.beneath.make_parents(relative)
        return self.beneath.open(relative, flags, mode)

    def read(self, path: str, offset: int, max_bytes: int) -> dict[str, Any]:
        """Up to ``max_bytes`` from ``offset`` of a regular file, and the file's size."""
        fd = self.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            info = _regular(fd, "read")
            parts, size = [], 0
            while size < max_bytes:
                part = os.pread(fd, min(max_bytes - size, READ_PIECE), offset + size)
                if not part:
                    break
                parts.append(part)
                size += len(part)
            return {"data": b"".join(parts), "size": info.st_size}
        finally:
            os.close(fd)

    def write(self, path: str, data: bytes) -> dict[str, Any]:
        """Create or replace a regular file (parents made), within the file-size limit; ``created`` says
        which (the caller need not list the directory to know)."""
        if self.file_size_mb and len(data) > self.file_size_mb << 20:
            raise OSError(errno.EFBIG, f"file too large (limit {self.file_size_mb} MB)")
        flags = os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY
        try:
            fd, created = self.open(path, flags | os.O_CREAT | os.O_EXCL), True
        except FileExistsError:  # something is there (a link too: the plain open refuses to follow it)
            try:
                fd, created = self.open(path, flags), False
            except FileNotFoundError:  # removed in between: made after all
                fd, created = self.open(path, flags | os.O_CREAT), True
        try:
            _regular(fd, "write")
            os.ftruncate(fd, 0)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        return {"size": len(data), "created": created}

    def list(self, path: str) -> dict[str, Any]:
        """A directory's entries, sorted by name, each with its kind (a link is a link, never followed)."""
        entries: list[dict[str, Any]] = []
        fd = self.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            with os.scandir(fd) as found:
                for entry in found:
                    if entry.is_symlink():
                        kind = "link"
                    elif entry.is_dir(follow_symlinks=False):
                        kind = "dir"
                    elif entry.is_file(follow_symlinks=False):
                        kind = "file"
                    else:
                        kind = "other"
                    size = entry.stat(follow_symlinks=False).st_size if kind == "file" else 0
                    entries.append({"name": entry.name, "kind": kind, "size": size})
        finally:
            os.close(fd)
        entries.sort(key=lambda e: e["name"])
        return {"entries": entries}


def _regular(fd: int, verb: str) -> os.stat_result:
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, f"not a regular file (a FIFO, socket or device); file tools {verb} regular "
                      "files only")
    return info
