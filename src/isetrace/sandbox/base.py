"""The sandbox contract: one async protocol every backend implements, and the records it returns.

An agent's tool calls run in a *session*: one isolated workspace, opened from a template, that lives as
long as the episode. The contract keeps two kinds of failure apart, always:

- the **sandbox broke** (could not start, its supervisor died, the pipe closed): every method raises
  :class:`~isetrace.errors.SandboxUnavailable`, and the episode ends with a sandbox failure;
- a **command failed** (non-zero exit, killed at its timeout, a missing file): that is a result — a
  :class:`CommandResult` with its exit code, or an ``OSError`` subclass for file operations — and the
  agent sees it and carries on.

Paths given to file methods are relative to the workspace or absolute inside the sandbox; backends do
not police them (the tools layer keeps agents inside the workspace). Below the workspace, file methods
follow no symbolic link at any component, so a link swapped in after a path was checked cannot redirect
them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

__all__ = ["CommandResult", "DirEntry", "ProcessStatus", "Sandbox", "SessionInfo"]


@dataclass(frozen=True)
class CommandResult:
    """What one command really did.

    ``stdout``/``stderr`` are raw bytes (binary output survives); output past the configured limit is cut
    with ``truncated`` set and ``dropped_bytes`` counting what was lost. ``timed_out`` means the whole
    process group was killed at the timeout; the output up to then is kept. ``exit_code`` follows
    ``subprocess``: negative for a signal (``-9`` after a timeout kill).
    """

    exit_code: int
    stdout: bytes = b""
    stderr: bytes = b""
    duration_s: float = 0.0
    timed_out: bool = False
    truncated: bool = False
    dropped_bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


@dataclass(frozen=True)
class ProcessStatus:
    """A background process as last seen: output since the previous poll, and whether it still runs."""

    process_id: str
    running: bool
    exit_code: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    truncated: bool = False
    dropped_bytes: int = 0


@dataclass(frozen=True)
class DirEntry:
    """One entry of a directory listing."""

    name: str
    kind: Literal["file", "dir", "link", "other"]
    size: int = 0


@dataclass(frozen=True)
class SessionInfo:
    """What a session is, for logs and episode metadata."""

    backend: str
    session_id: str
    workspace: str
    home: str
    """The sandbox user's home directory, as the sandbox sees it (``$HOME`` of its commands)."""
    network: bool
    isolated: bool
    details: Mapping[str, str] = field(default_factory=dict)


class Sandbox(Protocol):
    """One open session. Methods are safe to call concurrently from one event loop.

    Every method raises :class:`~isetrace.errors.SandboxUnavailable` when the sandbox itself is broken,
    and only then.
    """

    info: SessionInfo

    async def run(
        self,
        command: str | Sequence[str],
        *,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        timeout_s: float | None = None,
    ) -> CommandResult:
        """Run a command to completion: a string goes to ``sh -c``, a sequence is an argv.

        ``cwd`` defaults to the workspace; ``env`` is added to the sandbox's base environment;
        ``timeout_s`` defaults to the configured limit. Never raises for a failing command.
        """
        ...

    async def read_file(self, path: str, *, offset: int = 0, max_bytes: int | None = None) -> bytes:
        """Bytes of a regular file: up to ``max_bytes`` from byte ``offset``, or (without ``max_bytes``) the
        rest of the file when it fits the read cap (16 MiB), else ``OSError`` ``EFBIG``, so a caller pages.

        Raises ``FileNotFoundError``, ``IsADirectoryError``, ``PermissionError``, or ``OSError`` for a
        FIFO, socket or device (``EINVAL``: they could block or never end) and for a symbolic link
        inside the workspace (``ELOOP``: resolve the path first with :meth:`real_path`).
        """
        ...

    async def write_file(self, path: str, data: bytes) -> bool:
        """Create or replace a regular file, making parent directories: ``True`` when the file is new,
        ``False`` when one was replaced. Raises ``IsADirectoryError``, ``PermissionError``, or ``OSError``
        (the file-size limit; a FIFO, socket or device: ``EINVAL`` or ``ENXIO``; a symbolic link inside the
        workspace)."""
        ...

    async def list_dir(self, path: str = ".") -> list[DirEntry]:
        """Entries of a directory, sorted by name. Raises ``FileNotFoundError`` or ``NotADirectoryError``."""
        ...

    async def real_path(self, path: str) -> str:
        """The absolute path with every symlink resolved, as the sandbox sees it (the path need not exist).
        Used by the file tools to refuse paths that lead out of the workspace."""
        ...

    async def start(
        self,
        command: str | Sequence[str],
        *,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> str:
        """Start a background process; returns its id. It runs until it exits, is killed, or the session
        closes."""
        ...

    async def poll(self, process_id: str) -> ProcessStatus:
        """New output and state of a background process. Raises ``KeyError`` for an unknown id."""
        ...

    async def write_stdin(self, process_id: str, data: bytes, *, close: bool = False) -> None:
        """Send bytes to a background process's stdin (and close it). Raises ``KeyError`` for an unknown id,
        ``BrokenPipeError`` when it no longer reads."""
        ...

    async def kill(self, process_id: str) -> ProcessStatus:
        """Kill a background process and its whole group; returns its final status. Raises ``KeyError``."""
        ...

    async def close(self) -> None:
        """End every process and remove the session's files. Safe to call twice; never raises."""
        ...
