"""Bounded reads of workspace files, for every file tool.

The workspace may hold anything a command can make: a 100 MiB log of newlines, a FIFO a background job
feeds forever, a device. The tools run in the host process that drives every session, so what they read
costs the host: a file read whole grows it by several times the file's size, and a synchronous pass over
it stalls the event loop every other session shares. Hence every read here is capped in bytes, and a
long file is read in bounded chunks (:data:`READ_CHUNK_BYTES`) only as far as the answer needs.

- :func:`page_lines` streams a page of lines (what ``read``/``Read`` and ``memory_get`` show) and says
  whether a next page exists and how to get it; it holds one chunk and one page at a time.
- :func:`read_capped` reads a whole file for the tools that must rewrite it (``edit``, ``apply_patch``),
  and refuses one larger than the cap with a message that points to the shell.
- :func:`refusal` turns the sandbox's file errors into messages for the model. FIFOs, sockets and
  devices are refused by the sandbox itself (``EINVAL``: they could block or never end) and named here.

Lines are what ``\\n`` ends, as ``sed``, ``grep -n`` and ``wc -l`` count them, so the line numbers the
tools show agree with the shell's; a ``\\r`` before the ``\\n`` is not shown.
"""

from __future__ import annotations

import asyncio
import codecs
import errno
import shlex
from dataclasses import dataclass

from isetrace.errors import ToolError
from isetrace.tools.context import ToolContext
from isetrace.tools.paths import WorkspacePath

__all__ = ["COUNT_AHEAD_BYTES", "MAX_LINE_CHARS", "MAX_PAGE_CHARS", "READ_CHUNK_BYTES", "SCAN_MAX_BYTES", "Page",
           "page_lines", "read_capped", "read_chunk", "reason", "refusal"]

READ_CHUNK_BYTES = 1 << 20
"""One read from the sandbox: the most of a file the host holds at once while paging it."""
SCAN_MAX_BYTES = 256 << 20
"""How far into a file a page may start or run; deeper lines are for a shell command (``sed -n``)."""
COUNT_AHEAD_BYTES = 8 << 20
"""After a page, lines are counted this much further; past it the footer says "of at least N"."""
MAX_LINE_CHARS = 2000
"""Longer lines are cut when shown (minified files would otherwise flood the context)."""
MAX_PAGE_CHARS = 100_000
"""A page stops early when its text grows past this, whatever the line limit."""
BINARY_SNIFF = 8192
"""A NUL byte in this much of a file's start marks it binary."""
_LINE_KEEP_BYTES = MAX_LINE_CHARS * 4 + 4
"""Bytes of a line kept to show it: enough for MAX_LINE_CHARS characters of any UTF-8 and one more."""
_YIELD_EVERY_LINES = 4096

NOT_REGULAR = "not a regular file (a FIFO, socket or device)"


def reason(exc: OSError) -> str:
    """A short reason for a file error, to name beside a path."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "a directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if exc.errno in (errno.EINVAL, errno.ENXIO):  # the sandbox's refusal; ENXIO: a FIFO with no reader
        return NOT_REGULAR
    return str(exc.strerror or exc)


def refusal(where: WorkspacePath, exc: OSError, verb: str = "read") -> ToolError:
    """The message the model sees when ``verb``-ing ``where`` failed with ``exc``."""
    if isinstance(exc, FileNotFoundError):
        return ToolError(f"{where.given}: no such file")
    if isinstance(exc, IsADirectoryError):
        return ToolError(f"{where.given} is a directory, not a file; list it with a shell command (ls)")
    if isinstance(exc, PermissionError):
        return ToolError(f"{where.given}: permission denied")
    if exc.errno in (errno.EINVAL, errno.ENXIO):
        return ToolError(f"{where.given} is {NOT_REGULAR}; file tools {verb} regular files only, because this "
                         f"could block or never end. Inspect it with a shell command (ls -l, file, or "
                         f"timeout 5 head -c 1000 {shlex.quote(where.shown)})")
    return ToolError(f"{where.given}: cannot {verb} it ({exc.strerror or exc})")


async def read_chunk(ctx: ToolContext, where: WorkspacePath, offset: int, size: int) -> bytes:
    """At most ``size`` bytes of ``where`` from byte ``offset`` (fewer only at the end of the file)."""
    try:
        return await ctx.sandbox.read_file(where.real, offset=offset, max_bytes=size)
    except OSError as exc:
        raise refusal(where, exc) from None


async def read_capped(ctx: ToolContext, where: WorkspacePath, cap: int, *, tool: str) -> bytes:
    """The whole file, read in chunks; a :class:`ToolError` when it is larger than ``cap`` bytes, because
    ``tool`` rewrites whole files and a file that large belongs to the shell."""
    data = bytearray()
    while len(data) <= cap:
        wanted = min(READ_CHUNK_BYTES, cap + 1 - len(data))
        part = await read_chunk(ctx, where, len(data), wanted)
        data += part
        if len(part) < wanted:
            return bytes(data)
    raise ToolError(f"{where.given} is larger than {cap >> 20} MiB; {tool} rewrites the whole file, so to change "
                    "a file this large use a shell command (sed -i, awk, a short python script)")


class _Stream:
    """A file's bytes front to back, one chunk per read, checked as text on the way when ``strict``."""

    def __init__(self, ctx: ToolContext, where: WorkspacePath, strict: bool) -> None:
        self.ctx, self.where, self.strict = ctx, where, strict
        self.offset = 0
        self.eof = False
        self.last_byte = b""
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")

    def _size(self) -> str:
        return f"{self.offset} bytes" if self.eof else f"more than {self.offset} bytes"

    async def next(self) -> bytes:
        """The next chunk; ``b""`` at the end of the file."""
        if self.eof:
            return b""
        data = await read_chunk(self.ctx, self.where, self.offset, READ_CHUNK_BYTES)
        start = self.offset
        self.offset += len(data)
        self.eof = len(data) < READ_CHUNK_BYTES  # the sandbox returns less only at the end
        if data:
            self.last_byte = data[-1:]
        if self.strict:
            if start < BINARY_SNIFF and b"\x00" in data[:BINARY_SNIFF - start]:
                raise ToolError(f"{self.where.given} is a binary file ({self._size()}); this tool shows text only. "
                                "Inspect it with a shell command (file, xxd | head, …)")
            try:
                self._decoder.decode(data, final=self.eof)
            except UnicodeDecodeError:
                raise ToolError(f"{self.where.given} is not UTF-8 text ({self._size()}); inspect it with a shell "
                                "command (file, iconv, xxd | head, …)") from None
        return data


def _nth_newline(data: bytes, start: int, n: int) -> int:
    """Index of the ``n``-th newline (1-based) at or after ``start``; the caller knows there are that many."""
    if n <= 64:
        index = start - 1
        for _ in range(n):
            index = data.index(b"\n", index + 1)
        return index
    low, high = start, len(data)  # the smallest end with n newlines in data[start:end]
    while low < high:
        middle = (low + high) // 2
        if data.count(b"\n", start, middle + 1) >= n:
            high = middle
        else:
            low = middle + 1
    return low


@dataclass(frozen=True)
class Page:
    """Lines ``first``..``last`` of a file, rendered, and what lies beyond them.

    ``lines`` is empty when the file is empty (``total`` 0) or ``first`` is past its end (``total`` is
    then the number of lines). ``total`` is ``None`` when the file was not read to its end; ``known``
    lines exist at least. ``more``: a line follows ``last``. ``stopped`` says why the page ends early
    without knowing what follows (the scan limit), with the shell command that shows more.
    """

    lines: list[str]
    first: int
    total: int | None
    known: int
    more: bool
    stopped: str | None = None

    @property
    def last(self) -> int:
        return self.first + len(self.lines) - 1

    def of_total(self) -> str:
        """``of 25``, or ``of at least 17825792`` when the file was not counted to its end."""
        return f"of {self.total}" if self.total is not None else f"of at least {self.known}"


def _render(number: int, raw: bytes, cut: bool, numbered: bool) -> str:
    line = raw.decode("utf-8", "replace")
    if not cut:
        line = line.removesuffix("\r")
    if cut or len(line) > MAX_LINE_CHARS:
        line = line[:MAX_LINE_CHARS] + f"… [line cut at {MAX_LINE_CHARS} characters]"
    return f"{number:>6}\t{line}" if numbered else line


async def page_lines(ctx: ToolContext, where: WorkspacePath, first: int, count: int, *, numbered: bool,
                     strict: bool) -> Page:
    """Up to ``count`` lines from line ``first`` (1-based), at most :data:`MAX_PAGE_CHARS` of them.

    ``numbered`` renders ``cat -n`` style; ``strict`` refuses binary and non-UTF-8 files (in what is read:
    everything up to the page, the page, and the stretch counted after it), else undecodable bytes are
    replaced. Reads stop :data:`COUNT_AHEAD_BYTES` after the page, and nothing past :data:`SCAN_MAX_BYTES`
    is read: a page that would start there is a :class:`ToolError`, one that runs into it ends there with
    ``stopped`` set; both name the shell command that shows more.
    """
    stream = _Stream(ctx, where, strict)
    data, pos, line = await stream.next(), 0, 1
    if not data:
        return Page([], first, 0, 0, more=False)

    def too_deep() -> ToolError:
        return ToolError(f"line {first} of {where.given} is not within its first {SCAN_MAX_BYTES >> 20} MiB, farther "
                         f"than this tool reads; show it with a shell command: sed -n '{first},{first + count - 1}p' "
                         f"{shlex.quote(where.shown)}")

    while line < first:  # skip to the first line, counting newlines a chunk at a time
        wanted, found = first - line, data.count(b"\n", pos)
        if found >= wanted:
            pos, line = _nth_newline(data, pos, wanted) + 1, first
            break
        line += found
        if stream.offset >= SCAN_MAX_BYTES:
            raise too_deep()
        data, pos = await stream.next(), 0
        if not data:
            total = line - (stream.last_byte == b"\n")
            return Page([], first, total, total, more=False)
    shown: list[str] = []
    size, current, length = 0, bytearray(), 0  # the line being read: its first bytes, its whole length
    more = reached_end = False
    stopped: str | None = None

    def fits(rendered: str) -> bool:
        nonlocal size
        if shown and size + len(rendered) > MAX_PAGE_CHARS:
            return False
        shown.append(rendered)
        size += len(rendered) + 1
        return True

    while len(shown) < count:
        if pos >= len(data):
            if not stream.eof and stream.offset < SCAN_MAX_BYTES:
                data, pos = await stream.next(), 0
                continue
            if stream.eof:  # the end of the file; its last line may lack a newline
                reached_end = not length or fits(_render(line, bytes(current), len(current) < length, numbered))
                more = not reached_end
                break
            # The scan limit, in the middle of the file. A line read as far as it is shown (a long one) is
            # shown cut; a line read only in part is left to the next read.
            long_line = length >= _LINE_KEEP_BYTES
            if not shown and not long_line:
                raise too_deep()
            quoted = shlex.quote(where.shown)
            if long_line:
                shown.append(_render(line, bytes(current), True, numbered))
                stopped = (f"line {line} runs on past the first {SCAN_MAX_BYTES >> 20} MiB of the file, farther than "
                           f"this tool reads; see what follows with a shell command: tail -c +{stream.offset + 1} "
                           f"{quoted} | head -c 4000")
            else:
                stopped = (f"the file goes on past its first {SCAN_MAX_BYTES >> 20} MiB, farther than this tool "
                           f"reads; see further with a shell command: sed -n '{line},{line + count - 1}p' {quoted}")
            return Page(shown, first, None, first + len(shown) - 1, more=False, stopped=stopped)
        newline = data.find(b"\n", pos)
        end = len(data) if newline < 0 else newline
        if len(current) < _LINE_KEEP_BYTES:
            current += data[pos:min(end, pos + _LINE_KEEP_BYTES - len(current))]
        length += end - pos
        if newline < 0:
            pos = end
            continue
        pos = newline + 1
        if not fits(_render(line, bytes(current), len(current) < length, numbered)):
            more = True  # this line is complete but did not fit: the next page starts with it
            break
        current.clear()
        line, length = line + 1, 0
        if len(shown) % _YIELD_EVERY_LINES == 0:
            await asyncio.sleep(0)  # a page of many short lines: let other sessions run meanwhile
    if not shown:  # the file ended before the first line
        return Page([], first, line - 1, line - 1, more=False)
    last = first + len(shown) - 1
    if reached_end:
        return Page(shown, first, last, last, more=False)
    # Count the lines after the page, as far as COUNT_AHEAD_BYTES more; ``line`` is the first one not shown.
    newlines, tail = data.count(b"\n", pos), len(data) > pos
    counted_until = min(stream.offset + COUNT_AHEAD_BYTES, SCAN_MAX_BYTES)
    while not stream.eof and stream.offset < counted_until:
        data = await stream.next()
        newlines += data.count(b"\n")
        tail = tail or bool(data)
    known = line - 1 + (1 if more else 0) + newlines + (1 if tail and stream.last_byte != b"\n" else 0)
    return Page(shown, first, known if stream.eof else None, known, more=more or tail or not stream.eof)
