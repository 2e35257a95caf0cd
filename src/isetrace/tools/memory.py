"""openclaw's memory tools over the workspace's memory notes: ``MEMORY.md`` and ``memory/*.md``.

The notes are real files in the sandbox (the agent writes them with the file tools), so searching them
is real too: every note is cut into chunks (paragraphs; a heading starts a new one; long paragraphs are
cut into windows) and the chunks are ranked with BM25 over lowercase word tokens. BM25 needs no model
and no index on disk, and it is what a keyword memory search means in practice. ``memory_get`` reads a
line range of one note and nothing else, paged like ``read``.

The search runs in the host process that every session shares, over files an agent can make huge, so it
is bounded three ways, and the answer names whatever it did not search and why:

- bytes: at most :data:`NOTE_MAX_BYTES` of each note and :data:`SEARCH_MAX_BYTES` in all, in the order
  MEMORY.md, then memory/ by name; a line is indexed only as far as :data:`INDEX_LINE_CHARS`;
- time: notes not read and indexed within :data:`SEARCH_DEADLINE_S` are left out (scoring then costs
  about what indexing did, so a search ends within about twice the deadline at worst);
- the event loop: ranking is CPU work, so it runs in slices and hands the loop back every few
  milliseconds (asyncio only; DESIGN.md rules out thread pools). Ranking holds at most one slice of text
  decoded and the best few chunks, never an index of the whole: one pass counts the statistics BM25
  needs (chunks, their lengths, how many contain each query word), a second scores chunk by chunk.

FIFOs, sockets and devices among the notes are passed over unread (reading one could block or never end).
"""

from __future__ import annotations

import asyncio
import math
import posixpath
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass

from isetrace.errors import ToolError
from isetrace.tools._reading import NOT_REGULAR, READ_CHUNK_BYTES, page_lines, reason
from isetrace.tools.context import ToolContext
from isetrace.tools.paths import WorkspacePath, resolve_path

__all__ = ["INDEX_LINE_CHARS", "MAX_NOTES", "NOTE_MAX_BYTES", "SEARCH_DEADLINE_S", "SEARCH_MAX_BYTES", "Chunk",
           "bm25_rank", "chunk_note", "memory_get", "memory_search", "tokens"]

WINDOW_LINES = 12
"""Longest chunk, in lines; longer paragraphs are cut into consecutive windows."""
SNIPPET_CHARS = 600
NOTE_MAX_BYTES = 2 << 20
"""The most of one note a search reads; the rest of a longer note is not searched (and the answer says so)."""
SEARCH_MAX_BYTES = 8 << 20
"""The most one search reads over all notes."""
SEARCH_DEADLINE_S = 10.0
"""Notes not read and indexed by then are left out of the search."""
MAX_NOTES = 500
"""Notes looked at, at most (MEMORY.md first, then memory/*.md by name)."""
INDEX_LINE_CHARS = 16_384
"""Words further into one line are not indexed (this bounds the work on any one chunk)."""
_K1, _B = 1.2, 0.75
_NOTE = re.compile(r"^memory/[^/]+\.md$")
_TOKEN = re.compile(r"\w+")
_SLICE_BYTES = 32 << 10
"""Ranking decodes and chunks a note this much at a time (cut at a line's end, so no character splits)."""
_HOLD_S = 0.01
"""Ranking hands the event loop back once it has held it this long."""
_KEEP = 1024
"""Scored chunks kept before the list is cut back to the best few."""
_LISTED = 10
"""Notes named one by one in the "not searched in full" line."""


@dataclass(frozen=True)
class Chunk:
    """A ranked unit of a memory note: its file, first and last line (1-based) and text."""

    path: str
    start: int
    end: int
    text: str


def tokens(text: str) -> list[str]:
    """Lowercase word tokens (letters, digits, underscore; any script)."""
    return _TOKEN.findall(text.lower())


def _lines(text: str) -> list[str]:
    """The lines of a piece of a note that ends at a line's end: split at ``\\n`` (as memory_get and the
    shell number lines), without a ``\\r`` before it, each cut at :data:`INDEX_LINE_CHARS`."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return [line[:INDEX_LINE_CHARS].removesuffix("\r") for line in lines]


class _Chunker:
    """Cuts a note into chunks as its lines arrive: paragraphs (a heading line starts a new one), each at
    most ``WINDOW_LINES`` long."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.number = 0
        self.block: list[tuple[int, str]] = []

    def _take(self) -> Chunk:
        block, self.block = self.block, []
        return Chunk(self.path, block[0][0], block[-1][0], "\n".join(line for _, line in block))

    def feed(self, lines: Iterable[str]) -> Iterator[Chunk]:
        """The chunks these next lines complete, one at a time (so few are alive at once)."""
        for line in lines:
            self.number += 1
            if not line.strip():
                if self.block:
                    yield self._take()
                continue
            if self.block and line.lstrip().startswith("#"):
                yield self._take()
            self.block.append((self.number, line))
            if len(self.block) == WINDOW_LINES:
                yield self._take()

    def finish(self) -> Iterator[Chunk]:
        """The last chunk, at the end of the note."""
        if self.block:
            yield self._take()


def chunk_note(path: str, text: str) -> list[Chunk]:
    """Cut a note into paragraphs (a heading line starts a new one), each at most ``WINDOW_LINES`` long."""
    chunker = _Chunker(path)
    return [*chunker.feed(_lines(text)), *chunker.finish()]


class _Corpus:
    """What BM25 needs to know of all chunks to score one: how many, their average length, and how many
    contain each query word."""

    def __init__(self, wanted: set[str]) -> None:
        self.wanted = wanted
        self.count = 0
        self.length = 0
        self.frequency = dict.fromkeys(wanted, 0)

    def add(self, words: list[str]) -> None:
        self.count += 1
        self.length += len(words)
        for term in self.wanted.intersection(words):
            self.frequency[term] += 1

    def score(self, words: list[str]) -> float:
        """The BM25 score of a chunk with these words (0 when it shares none with the query)."""
        hits = Counter(word for word in words if word in self.wanted)
        if not hits:
            return 0.0
        average = self.length / self.count or 1.0
        score = 0.0
        for term, found in hits.items():
            frequency = self.frequency[term]
            idf = math.log(1 + (self.count - frequency + 0.5) / (frequency + 0.5))
            score += idf * found * (_K1 + 1) / (found + _K1 * (1 - _B + _B * len(words) / average))
        return score


def _order(item: tuple[float, Chunk]) -> tuple[float, str, int]:
    return -item[0], item[1].path, item[1].start


def bm25_rank(query: str, chunks: list[Chunk]) -> list[tuple[float, Chunk]]:
    """Chunks that share a word with ``query``, best first, with their BM25 scores."""
    wanted = set(tokens(query))
    if not wanted or not chunks:
        return []
    corpus = _Corpus(wanted)
    for chunk in chunks:
        corpus.add(tokens(chunk.text))
    ranked = [(score, chunk) for chunk in chunks if (score := corpus.score(tokens(chunk.text))) > 0]
    ranked.sort(key=_order)
    return ranked


class _Pacer:
    """Hands the event loop back once :data:`_HOLD_S` has passed since it last did."""

    def __init__(self) -> None:
        self._since = time.perf_counter()

    async def __call__(self) -> None:
        if time.perf_counter() - self._since >= _HOLD_S:
            await asyncio.sleep(0)
            self._since = time.perf_counter()


def _slices(data: bytes) -> Iterator[str]:
    """A note's text, about :data:`_SLICE_BYTES` at a time, each slice ending at a line's end."""
    position = 0
    while position < len(data):
        end = data.find(b"\n", position + _SLICE_BYTES)
        end = len(data) if end < 0 else end + 1
        yield data[position:end].decode("utf-8", "replace")
        position = end


async def _chunks(path: str, data: bytes, pace: _Pacer) -> AsyncIterator[Chunk]:
    """The note's chunks, pacing the loop between them (the caller's work on each counts too)."""
    chunker = _Chunker(path)
    for piece in _slices(data):
        for chunk in chunker.feed(_lines(piece)):
            yield chunk
            await pace()
        await pace()
    for chunk in chunker.finish():
        yield chunk


async def _notes(ctx: ToolContext) -> tuple[list[WorkspacePath], list[tuple[str, str]]]:
    """The memory notes that exist, each checked to lie inside the workspace (at most :data:`MAX_NOTES`),
    and the ones passed over, with the reason."""
    notes: list[WorkspacePath] = []
    passed: list[tuple[str, str]] = []
    extra = 0
    for directory in ("", "memory"):
        try:
            where = await resolve_path(ctx, directory) if directory else None
        except ToolError:
            continue  # memory/ is a link out of the workspace: not notes
        if where is not None and where.relative != directory:
            continue  # memory/ is a link: its files are not memory/*.md notes (memory_get would refuse them)
        real = where.real if where else await ctx.workspace_real()
        try:
            entries = await ctx.sandbox.list_dir(real)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            passed.append((f"{directory or '.'}/", reason(exc)))
            continue
        for entry in entries:
            name = f"{directory}/{entry.name}".lstrip("/")
            if not (name == "MEMORY.md" or _NOTE.match(name)) or entry.kind == "dir":
                continue
            if entry.kind == "other":
                passed.append((name, NOT_REGULAR))
            elif len(notes) >= MAX_NOTES:
                extra += 1
            elif entry.kind == "link":
                try:
                    notes.append(await resolve_path(ctx, name))
                except ToolError:
                    continue  # a note that is a link out of the workspace is not a note
            else:
                notes.append(WorkspacePath(given=name, real=posixpath.join(real, entry.name), relative=name))
    if extra:
        passed.append((f"{extra} more notes", f"beyond the first {MAX_NOTES}"))
    return notes, passed


def _late() -> str:
    return f"not reached within the {SEARCH_DEADLINE_S:g}s one search may take"


def _amount(size: int) -> str:
    return f"{size >> 20} MiB" if size % (1 << 20) == 0 else f"{size} bytes"


async def _read_notes(ctx: ToolContext, notes: list[WorkspacePath], deadline: float,
                      passed: list[tuple[str, str]]) -> list[tuple[str, bytes]]:
    """Each note's text as far as the budgets allow; what is left out goes to ``passed``."""
    texts: list[tuple[str, bytes]] = []
    left = SEARCH_MAX_BYTES
    for note in notes:
        if time.monotonic() > deadline:
            passed.append((note.shown, _late()))
            continue
        if left <= 0:
            passed.append((note.shown, f"past the {_amount(SEARCH_MAX_BYTES)} one search reads"))
            continue
        cap = min(NOTE_MAX_BYTES, left)
        data = bytearray()
        try:
            while len(data) <= cap:  # in chunks, so no one reply from the sandbox is large
                wanted = min(READ_CHUNK_BYTES, cap + 1 - len(data))
                part = await ctx.sandbox.read_file(note.real, offset=len(data), max_bytes=wanted)
                data += part
                if len(part) < wanted:
                    break
        except OSError as exc:
            passed.append((note.shown, reason(exc)))
            continue
        if len(data) > cap:  # searched as far as the last whole line within the cap
            data = data[:cap]
            data = data[:data.rfind(b"\n") + 1] or data
            passed.append((note.shown, f"only its first {_amount(cap)}"))
        left -= len(data)
        texts.append((note.shown, bytes(data)))
    return texts


def _not_searched(passed: list[tuple[str, str]]) -> str:
    if not passed:
        return ""
    named = [f"{name} ({why})" for name, why in passed[:_LISTED]]
    if len(passed) > _LISTED:
        named.append(f"and {len(passed) - _LISTED} more")
    return ("\nNot searched in full: " + "; ".join(named) + ". Read a note with memory_get, or search it with "
            "a shell command (grep -n -i).")


async def _rank(texts: list[tuple[str, bytes]], wanted: set[str], keep: int, deadline: float,
                passed: list[tuple[str, str]]) -> tuple[list[tuple[float, Chunk]], int]:
    """The ``keep`` best chunks of the notes, and how many notes were indexed before the deadline.

    Two passes over the text, each chunk tokenized on the fly: the first counts BM25's statistics, the
    second scores. Only candidates that can still make the best few are kept, so the kept list does not
    churn: churning objects would survive into the old generations and set off full garbage collections,
    which hold the loop for tens of milliseconds.
    """
    pace = _Pacer()
    corpus = _Corpus(wanted)
    indexed: list[tuple[str, bytes]] = []
    for path, data in texts:
        if time.monotonic() > deadline:  # the second pass costs about what this one did
            passed.append((path, _late()))
            continue
        async for chunk in _chunks(path, data, pace):
            corpus.add(tokens(chunk.text))
        indexed.append((path, data))
    ranked: list[tuple[float, Chunk]] = []
    floor: tuple[float, str, int] | None = None  # the order of the worst kept chunk, once cut back
    for path, data in indexed:
        async for chunk in _chunks(path, data, pace):
            score = corpus.score(tokens(chunk.text))
            if score <= 0 or (floor is not None and _order((score, chunk)) >= floor):
                continue
            ranked.append((score, chunk))
            if len(ranked) > _KEEP:
                ranked.sort(key=_order)
                del ranked[keep:]
                floor = _order(ranked[-1])
    ranked.sort(key=_order)
    return ranked[:keep], len(indexed)


async def memory_search(ctx: ToolContext, query: str, max_results: int | None = None, *,
                        min_score: float | None = None) -> str:
    """The memory chunks most relevant to ``query``: path, line range, score and snippet; ``min_score`` leaves
    out chunks whose BM25 score is lower."""
    wanted = set(tokens(query))
    if not wanted:
        raise ToolError("query has no words to search for")
    if max_results is not None and max_results < 1:
        raise ToolError(f"maxResults must be at least 1 (got {max_results})")
    keep = min(max_results or 5, 50)
    deadline = time.monotonic() + SEARCH_DEADLINE_S
    notes, passed = await _notes(ctx)
    if not notes and not passed:
        return "No memory notes yet: the workspace has no MEMORY.md and no memory/*.md files."
    texts = await _read_notes(ctx, notes, deadline, passed)
    ranked, searched_count = await _rank(texts, wanted, keep, deadline, passed)
    if min_score is not None:
        ranked = [(score, chunk) for score, chunk in ranked if score >= min_score]
    searched = f"searched {searched_count} note files"
    if not ranked:
        return f"No memory matches for {query!r} ({searched})." + _not_searched(passed)
    lines = [f"{len(ranked)} memory match(es) for {query!r} ({searched}):"]
    for number, (score, chunk) in enumerate(ranked, 1):
        snippet = chunk.text if len(chunk.text) <= SNIPPET_CHARS else chunk.text[:SNIPPET_CHARS] + "…"
        lines.append(f"{number}. {chunk.path} lines {chunk.start}-{chunk.end} (score {score:.2f})")
        lines += ["   " + line for line in snippet.splitlines()]
    return "\n".join(lines) + _not_searched(passed)


async def memory_get(ctx: ToolContext, path: str, start: int | None = None, lines: int | None = None) -> str:
    """Lines ``start``.. (1-based; ``lines`` of them, default ``read_max_lines``) of one memory note."""
    where = await resolve_path(ctx, path)
    if where.relative != "MEMORY.md" and not _NOTE.match(where.relative):
        raise ToolError(f"memory_get reads only MEMORY.md and memory/*.md notes, not {path!r}")
    if start is not None and start < 1:
        raise ToolError(f"from is a 1-based line number (got {start})")
    if lines is not None and lines < 1:
        raise ToolError(f"lines must be at least 1 (got {lines})")
    first = start or 1
    page = await page_lines(ctx, where, first, lines or ctx.config.read_max_lines, numbered=False, strict=False)
    if page.total == 0:
        return f"({where.shown} is empty)"
    if not page.lines:
        raise ToolError(f"from={first} is past the end of {where.shown} ({page.total} lines)")
    body = "\n".join(page.lines)
    if page.stopped:
        body += f"\n[{page.stopped}]"
    elif page.more:
        body += f"\n[more below: continue with from={page.last + 1}]"
    return f"{where.shown} lines {first}-{page.last} {page.of_total()}:\n{body}"
