"""The one way isetrace writes a file: never destroying what the path points at.

A path given for output may name more than a file. Replacing it blindly — a temporary file renamed over
it — turns ``-o /dev/null`` into a regular file (as root, the machine's own ``/dev/null``), cuts a
symbolic link off from its target, and fails on ``/dev/stdout``. So each path is first looked at:

- a regular file, or nothing yet: the new content goes to a temporary file beside it, made durable and
  then renamed over it, so a crash leaves the old file or the whole new one (and the file keeps its
  permissions);
- a symbolic link: the file it points at is replaced as above (or created, when the link dangles), and
  the link stays;
- a character device, a FIFO or a socket, and ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``: the content
  is written through as a stream, and the node stays (a stream cannot be replaced whole: what was written
  before an error has been written);
- a directory or a block device: refused, with an :class:`~isetrace.errors.OutputError` that says so.

Appending (:func:`appending`) follows the same rules, with a regular file appended to in place.
Every failure to open, write or rename is an :class:`~isetrace.errors.OutputError` naming the path.
"""

from __future__ import annotations

import io
import os
import re
import socket
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from isetrace.errors import OutputError

__all__ = ["OutputFile", "appending", "check_output", "check_output_dir", "fsync_dir", "is_stdout", "is_stream",
           "replace_file", "replacing"]

_FD_ALIAS = re.compile(r"/(?:dev|proc/self)/fd/(\d+)")
_STD_ALIAS = {"/dev/stdout": 1, "/dev/stderr": 2}


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class _Target:
    """What a path given for output is, once looked at: where to write, and how."""

    kind: str
    """``file`` (a regular file, or nothing yet), ``stream`` (a device or FIFO), ``socket``, or ``fd``."""
    path: Path
    """For ``file``: the path after every symbolic link (the file to replace); else the path as given."""
    mode: int | None = None
    """For an existing regular file: its permission bits, which the new file keeps."""
    fd: int = -1
    """For ``fd``: the descriptor ``/dev/stdout``, ``/dev/fd/N`` and the like stand for."""


def _look_at(path: Path) -> _Target:
    """Classify ``path`` for writing; :class:`OutputError` for what must not be written to."""
    text = str(path)
    alias = _FD_ALIAS.fullmatch(text)
    if alias is not None:
        return _Target("fd", path, fd=int(alias.group(1)))
    if text in _STD_ALIAS:
        return _Target("fd", path, fd=_STD_ALIAS[text])
    try:
        info = os.stat(path)  # through symbolic links: what the path points at is what would be written
    except FileNotFoundError:
        return _Target("file", Path(os.path.realpath(path)))  # nothing yet, or a dangling link: create its target
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return _Target("file", Path(os.path.realpath(path)), stat.S_IMODE(mode))
    if stat.S_ISDIR(mode):
        raise OutputError(f"cannot write {path}: it is a directory (give the path of a file)")
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return _Target("stream", path)
    if stat.S_ISSOCK(mode):
        return _Target("socket", path)
    if stat.S_ISBLK(mode):
        raise OutputError(f"cannot write {path}: it is a block device, and writing would overwrite the disk")
    raise OutputError(f"cannot write {path}: it is neither a file nor a stream")


def check_output(path: Path) -> None:
    """Raise the :class:`OutputError` that writing ``path`` would raise for what it is (a directory, a block
    device, a folder that cannot be written), now: a long job should not find out at its end."""
    target = _look_at(path)
    if target.kind == "file":
        _check_folder(path, target.path.parent)


def check_output_dir(path: Path) -> None:
    """Like :func:`check_output`, for a folder that files will be written into (made when missing)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        _check_folder(path, Path(os.path.realpath(path)))
        return
    except OSError as exc:
        raise OutputError(f"cannot write into {path}: {exc.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise OutputError(f"cannot write into {path}: it is not a directory")
    _check_folder(path, path)


def _check_folder(path: Path, folder: Path) -> None:
    """Whether files can be made in ``folder`` (or in the nearest folder above it that exists, where the
    missing ones will be made)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: {folder} is not a directory")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {path}: no permission to create files in {folder}")


def is_stdout(path: Path) -> bool:
    """Whether writing ``path`` writes to this process's standard output (``/dev/stdout``, or the file or
    pipe it is): what a command prints as its result must then go elsewhere, not into the data."""
    try:
        target = _look_at(path)
        written = os.fstat(target.fd) if target.kind == "fd" else os.stat(path)
        return os.path.samestat(written, os.fstat(1))
    except (OSError, OutputError):
        return False


def is_stream(path: Path) -> bool:
    """Whether ``path`` is written through as a stream (a device, FIFO, socket or ``/dev/stdout``), not a file:
    there is no folder beside it to put companion files in."""
    return _look_at(path).kind != "file"


class _Raw(Protocol):
    """What is under an :class:`OutputFile`: an open file, or a connected socket."""

    def write(self, data: bytes | bytearray | memoryview, /) -> int | None: ...

    def flush(self) -> None: ...

    def fileno(self) -> int: ...

    def close(self) -> None: ...


class OutputFile(io.RawIOBase):
    """The handle a writer gets: bytes go to the file or stream, and a failure to write is an
    :class:`OutputError` naming the path. It counts what it wrote, so :meth:`tell` works on a pipe too
    (Parquet's writer asks where it is)."""

    def __init__(self, raw: _Raw, path: Path) -> None:
        super().__init__()
        self._raw, self.path, self.written = raw, path, 0
        self.discarded = False

    def discard(self) -> None:
        """Leave the file as it was when the block ends (what was streamed to a device is out already)."""
        self.discarded = True

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            self._raw.write(data)
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        try:
            self._raw.flush()
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def sync(self) -> None:
        """Flush, and make a regular file's content durable (a stream has nothing to make durable)."""
        self.flush()
        if stat.S_ISREG(os.fstat(self._raw.fileno()).st_mode):
            os.fsync(self._raw.fileno())

    def close(self) -> None:
        if self.closed:
            return
        try:
            super().close()  # flushes first
        finally:
            try:
                self._raw.close()
            except OSError as exc:
                raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from None


def _open_stream(target: _Target, given: Path) -> _Raw:
    """The device, FIFO, socket or descriptor of ``target``, open for writing (a FIFO waits for a reader)."""
    try:
        if target.kind == "fd":
            return os.fdopen(os.dup(target.fd), "wb")
        if target.kind == "socket":
            peer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                peer.connect(str(target.path))
            except OSError:
                peer.close()
                raise
            return _SocketWriter(peer)
        fd = os.open(target.path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
        if stat.S_ISREG(os.fstat(fd).st_mode) or stat.S_ISDIR(os.fstat(fd).st_mode):  # swapped since it was looked at
            os.close(fd)
            raise OutputError(f"cannot write {given}: it changed while being opened")
        return os.fdopen(fd, "wb")
    except OSError as exc:
        raise OutputError(f"cannot write {given}: {exc.strerror or exc}") from None


class _SocketWriter(io.RawIOBase):
    """A connected UNIX socket as a file to write; closing it tells the reader the stream ended."""

    def __init__(self, peer: socket.socket) -> None:
        super().__init__()
        self._peer = peer

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._peer.sendall(data)
        return len(data)

    def fileno(self) -> int:
        return self._peer.fileno()

    def close(self) -> None:
        if not self.closed:
            self._peer.close()
            super().close()


@contextmanager
def replacing(path: Path) -> Iterator[OutputFile]:
    """A handle whose content replaces ``path`` when the block ends without an error (see the module's
    rules); on an error, a file is left as it was, and the error propagates."""
    target = _look_at(path)
    if target.kind != "file":
        handle = OutputFile(_open_stream(target, path), path)
        try:
            yield handle
            handle.flush()
        finally:
            handle.close()
        return
    final = target.path
    temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        raw = temporary.open("xb")  # ours alone, with the umask's permissions unless the old file had others
        if target.mode is not None:
            os.chmod(temporary, target.mode)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    handle = OutputFile(raw, path)
    try:
        yield handle
        if handle.discarded:
            return
        handle.sync()
        handle.close()
        try:
            os.replace(temporary, final)
            fsync_dir(final.parent)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        handle.close()
        temporary.unlink(missing_ok=True)


def replace_file(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` by the module's rules: atomically for a file, streamed to a device."""
    with replacing(path) as handle:
        handle.write(data)


@contextmanager
def appending(path: Path, *, durable: bool = True) -> Iterator[OutputFile]:
    """A handle that adds to the end of ``path`` (made, with its folders, when missing); a stream is
    written to as by :func:`replacing`. ``durable``: a regular file is fsynced before the block returns."""
    target = _look_at(path)
    if target.kind == "file":
        try:
            target.path.parent.mkdir(parents=True, exist_ok=True)
            raw: _Raw = target.path.open("ab")
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    else:
        raw = _open_stream(target, path)
    handle = OutputFile(raw, path)
    try:
        yield handle
        if durable:
            handle.sync()
        else:
            handle.flush()
    finally:
        handle.close()
