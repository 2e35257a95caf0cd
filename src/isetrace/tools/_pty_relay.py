"""Run one command under a pseudo-terminal inside the sandbox, relaying it to plain pipes.

``exec`` with ``pty=true`` runs ``python3 -c <this file> /bin/sh -c COMMAND`` in the sandbox: programs
that insist on a terminal (prompts, progress bars, curses UIs, coding agents) get one, while the
supervisor keeps its ordinary pipes, limits, timeouts and output caps. The relay copies its stdin to the
terminal (so ``process`` write/send-keys/paste reach the program as typed keys), copies the terminal's
output to its stdout with ``\\r\\n`` turned back into ``\\n``, and exits with the command's exit code
(``128 + N`` when a signal ``N`` ended it).

The relay takes the terminal as its own controlling terminal and runs the command in its own process
group (the supervisor made the relay a session leader), so the supervisor's kill of that group at a
timeout ends the command too, and a Ctrl-C typed into the terminal interrupts the command while the
relay, which ignores the keyboard signals, lives on to report it. End of the relay's stdin becomes one
Ctrl-D (end of file for a program reading lines).

Sent as source text to the sandbox's own python3: built-in modules only, no isetrace imports.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time

ROWS, COLUMNS = 40, 120
CHUNK = 65536
DRAIN_S = 0.2
"""After the command exits, how long output still left in the terminal is collected."""
KEYBOARD_SIGNALS = (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)


def child(argv: list[str], slave: int) -> None:
    for number in KEYBOARD_SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    if slave > 2:
        os.close(slave)
    os.environ.setdefault("TERM", "xterm-256color")
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        os.write(2, (argv[0] + ": " + os.strerror(exc.errno or 0) + "\n").encode())
    os._exit(127)


def emit(data: bytes, carry: bytes) -> bytes:
    """Write terminal output with CR LF as LF; a CR at the end waits for the next chunk."""
    data = carry + data
    carry = b""
    if data.endswith(b"\r"):
        data, carry = data[:-1], b"\r"
    data = data.replace(b"\r\n", b"\n")
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]
    return carry


def relay(pid: int, master: int) -> int:
    stdin_open = True
    pending = b""
    carry = b""
    status: int | None = None
    drain_until: float | None = None
    while True:
        if status is None:
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = code
                drain_until = time.monotonic() + DRAIN_S
        if drain_until is not None and time.monotonic() >= drain_until:
            break
        readers = [master] + ([0] if stdin_open and not pending and status is None else [])
        writers = [master] if pending and status is None else []
        readable, writable, _ = select.select(readers, writers, [], 0.05)
        if master in readable:
            try:
                data = os.read(master, CHUNK)
            except BlockingIOError:
                data = None
            except OSError:  # EIO: every holder of the terminal closed it
                data = b""
            if data == b"":
                break
            if data:
                carry = emit(data, carry)
        if 0 in readable:
            data = os.read(0, CHUNK)
            if data:
                pending += data
            else:
                stdin_open = False
                pending += b"\x04"
        if master in writable and pending:
            try:
                pending = pending[os.write(master, pending):]
            except BlockingIOError:  # the terminal's input queue is full: try again when it drains
                continue
    if carry:
        os.write(1, carry)
    if status is None:
        status = os.waitpid(pid, 0)[1]
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def main() -> None:
    argv = sys.argv[1:]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    for number in KEYBOARD_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        child(argv, slave)
    os.close(slave)
    os.set_blocking(master, False)
    os._exit(relay(pid, master))


if __name__ == "__main__":
    main()
