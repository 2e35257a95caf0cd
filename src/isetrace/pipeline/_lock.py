"""The run directory's lock: one process runs a directory at a time."""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path

from isetrace.errors import ConfigError

__all__ = ["RunLock"]


class RunLock:
    """An exclusive ``flock`` on ``run.lock``. The kernel drops it when the holder dies, however it dies."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, path: Path) -> RunLock:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 256, 0).decode("utf-8", "replace").split()
            os.close(fd)
            who = f"process {holder[0]}" if holder else "another process"
            if len(holder) > 1:
                who += f" on {holder[1]}"
            raise ConfigError(
                f"run directory {path.parent} is in use by {who} (it holds {path.name}); two processes cannot "
                "run one directory. Wait for it to finish or stop it; a lock left by a process that died "
                "is released by itself."
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
        return cls(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # while still held: the next holder writes its own pid
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None
