"""openclaw's memory tools over the workspace's memory notes: ``MEMORY.md`` and ``memory/*.md``.

The notes are real files in the sandbox (the agent writes them with the file tools), so searching them
is real too: every note is cut into chunks (paragraphs; a heading starts a new one; long paragraphs are
cut into windows) and the chunks are ranked with BM25 over lowercase word tokens. BM25 needs no model
and no index on disk, and it is what a keyword memory search means in practice. ``memory_get`` reads a
line range of one note and nothing else.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from isetrace.errors import ToolError
from isetrace.tools.context import ToolContext
from isetrace.tools.files import read_bytes
from isetrace.tools.paths import WorkspacePath, resolve_path

__all__ = ["Chunk", "bm25_rank", "chunk_note", "memory_get", "memory_search", "tokens"]

WINDOW_LINES = 12
"""Longest chunk, in lines; longer paragraphs are cut into consecutive windows."""
SNIPPET_CHARS = 600
_K1, _B = 1.2, 0.75
_NOTE = re.compile(r"^memory/[^/]+\.md$")
_TOKEN = re.compile(r"\w+")


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


def chunk_note(path: str, text: str) -> list[Chunk]:
    """Cut a note into paragraphs (a heading line starts a new one), each at most ``WINDOW_LINES`` long."""
    chunks: list[Chunk] = []
    block: list[tuple[int, str]] = []

    def flush() -> None:
        for i in range(0, len(block), WINDOW_LINES):
            part = block[i:i + WINDOW_LINES]
            chunks.append(Chunk(path, part[0][0], part[-1][0], "\n".join(line for _, line in part)))
        block.clear()

    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            flush()
            continue
        if line.lstrip().startswith("#") and block:
            flush()
        block.append((number, line))
    flush()
    return chunks


def bm25_rank(query: str, chunks: list[Chunk]) -> list[tuple[float, Chunk]]:
    """Chunks that share a word with ``query``, best first, with their BM25 scores."""
    wanted = set(tokens(query))
    docs = [Counter(tokens(chunk.text)) for chunk in chunks]
    if not wanted or not docs:
        return []
    average = sum(sum(d.values()) for d in docs) / len(docs) or 1.0
    frequency = {term: sum(1 for d in docs if term in d) for term in wanted}
    ranked = []
    for chunk, doc in zip(chunks, docs, strict=True):
        length = sum(doc.values())
        score = 0.0
        for term in wanted:
            hits = doc.get(term, 0)
            if not hits:
                continue
            idf = math.log(1 + (len(docs) - frequency[term] + 0.5) / (frequency[term] + 0.5))
            score += idf * hits * (_K1 + 1) / (hits + _K1 * (1 - _B + _B * length / average))
        if score > 0:
            ranked.append((score, chunk))
    ranked.sort(key=lambda item: (-item[0], item[1].path, item[1].start))
    return ranked


async def _notes(ctx: ToolContext) -> list[WorkspacePath]:
    """The memory notes that exist, each checked to lie inside the workspace."""
    candidates: list[str] = []
    for directory in ("", "memory"):
        try:
            entries = await ctx.sandbox.list_dir(directory or ".")
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            name = f"{directory}/{entry.name}".lstrip("/")
            if entry.kind in ("file", "link") and (name == "MEMORY.md" or _NOTE.match(name)):
                candidates.append(name)
    found = []
    for name in candidates:
        try:
            found.append(await resolve_path(ctx, name))
        except ToolError:
            continue  # a note that is a link out of the workspace is not a note
    return found


async def memory_search(ctx: ToolContext, query: str, max_results: int | None = None) -> str:
    """The memory chunks most relevant to ``query``: path, line range, score and snippet."""
    if not tokens(query):
        raise ToolError("query has no words to search for")
    if max_results is not None and max_results < 1:
        raise ToolError(f"maxResults must be at least 1 (got {max_results})")
    notes = await _notes(ctx)
    if not notes:
        return "No memory notes yet: the workspace has no MEMORY.md and no memory/*.md files."
    chunks: list[Chunk] = []
    for note in notes:
        try:
            chunks += chunk_note(note.shown, (await read_bytes(ctx, note)).decode("utf-8", "replace"))
        except ToolError:
            continue  # vanished or unreadable between listing and reading
    ranked = bm25_rank(query, chunks)[: min(max_results or 5, 50)]
    if not ranked:
        return f"No memory matches for {query!r} (searched {len(notes)} note files)."
    lines = [f"{len(ranked)} memory match(es) for {query!r} (searched {len(notes)} note files):"]
    for number, (score, chunk) in enumerate(ranked, 1):
        snippet = chunk.text if len(chunk.text) <= SNIPPET_CHARS else chunk.text[:SNIPPET_CHARS] + "…"
        lines.append(f"{number}. {chunk.path} lines {chunk.start}-{chunk.end} (score {score:.2f})")
        lines += ["   " + line for line in snippet.splitlines()]
    return "\n".join(lines)


async def memory_get(ctx: ToolContext, path: str, start: int | None = None, lines: int | None = None) -> str:
    """Lines ``start``.. (1-based; ``lines`` of them, default ``read_max_lines``) of one memory note."""
    where = await resolve_path(ctx, path)
    if where.relative != "MEMORY.md" and not _NOTE.match(where.relative):
        raise ToolError(f"memory_get reads only MEMORY.md and memory/*.md notes, not {path!r}")
    if start is not None and start < 1:
        raise ToolError(f"from is a 1-based line number (got {start})")
    if lines is not None and lines < 1:
        raise ToolError(f"lines must be at least 1 (got {lines})")
    text = (await read_bytes(ctx, where)).decode("utf-8", "replace")
    all_lines = text.splitlines()
    total = len(all_lines)
    first = start or 1
    if total == 0:
        return f"({where.shown} is empty)"
    if first > total:
        raise ToolError(f"from={first} is past the end of {where.shown} ({total} lines)")
    last = min(total, first + (lines or ctx.config.read_max_lines) - 1)
    body = "\n".join(all_lines[first - 1:last])
    more = f"\n[more below: continue with from={last + 1}]" if last < total else ""
    return f"{where.shown} lines {first}-{last} of {total}:\n{body}{more}"
