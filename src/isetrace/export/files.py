"""Exporting a file of episodes, on every core: the way ``ise export`` and ``ise run`` export a corpus.

Reading an episode (pydantic's validation of its JSON), converting it and scanning the row for secrets
cost several times what reading and writing its bytes does; one process doing all of it for 25,000
trajectories is minutes where the disk needs seconds. So the file is cut into chunks of whole lines that
worker processes turn into rows — each with the same :class:`~isetrace.export.writer.RowMaker` the
exporting process would use — and pack in the file's own form (JSONL lines; Arrow for Parquet, so this
process does not parse every row again), while this process hands out chunks, writes the packed rows back
in file order and reports bad lines in order, so the output is what one process makes. A secret in any
row stops the export and nothing is written, as everywhere.

Small files (and ``workers=1``) are done in this process: starting workers costs more than they save.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping
from pathlib import Path

from isetrace.errors import IseError
from isetrace.export.packed import Packed
from isetrace.export.writer import ExportSummary, RowMaker, Written, write_outcomes
from isetrace.jsonl import LineError, read_record
from isetrace.records import Episode, Termination

__all__ = ["PARALLEL_MIN_BYTES", "default_workers", "export_file"]

PARALLEL_MIN_BYTES = 32 << 20
"""Files smaller than this are exported in this process (a worker takes about a second to start)."""
_CHUNK_BYTES = 4 << 20
"""About this many bytes of lines go to a worker at a time: large enough that handing them over is cheap
next to the work, small enough that a few chunks in flight per worker keep memory flat."""

def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


Span = tuple[int, int, int]
"""A chunk of whole lines: the number of its first line (1-based), its offset in the file and its length."""


def _spans(path: Path) -> Iterator[Span]:
    """The file cut into chunks of whole lines of about :data:`_CHUNK_BYTES`. Only the cuts are made here:
    each chunk's bytes are read where it is turned into rows (a worker reads them itself, so a corpus is
    not copied through a pipe to reach it)."""
    number, offset, carry = 1, 0, b""
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK_BYTES):
            data = carry + block if carry else block
            cut = data.rfind(b"\n") + 1
            if cut == 0:  # a line longer than a chunk: read on until it ends
                carry = data
                continue
            yield number, offset, cut
            number += data.count(b"\n", 0, cut)
            offset += cut
            carry = data[cut:]
    if carry:
        yield number, offset, len(carry)


def _lines(path: Path, span: Span) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of ``span``, each with its number in the file."""
    number, offset, length = span
    with path.open("rb") as handle:
        data = os.pread(handle.fileno(), length, offset)
    for index, raw in enumerate(data.split(b"\n")):
        if raw.strip():
            yield number + index, raw


KeyOf = Callable[[Episode], Hashable]
Result = tuple[Hashable, str | None] | LineError
"""A line's episode key (``None`` when not asked for) and why it was left out (``None``: it is a row, in the
chunk's packed rows), or the line's error."""
Chunk = tuple[list[Result], bytes]
"""Each line's result, and the chunk's rows packed in the file's own form (:class:`Packed`), in order."""


def _results(maker: RowMaker, path: Path, span: Span, key_of: KeyOf | None) -> Chunk:
    """What became of each line of ``span``, in order, and its rows packed; runs in a worker or here."""
    results: list[Result] = []
    rows: list[bytes] = []
    for number, raw in _lines(path, span):
        record = read_record(Episode, raw.decode("utf-8", errors="replace").strip())
        if isinstance(record, str):
            results.append(LineError(path, number, record))
            continue
        outcome = maker.row(record)
        skipped = None
        if isinstance(outcome, bytes):
            rows.append(outcome)
        else:
            skipped = outcome
        results.append((None if key_of is None else key_of(record), skipped))
    return results, maker.pack(rows)


def _reported(chunks: Iterator[Chunk], on_error: Callable[[LineError], None], unique: bool) -> Iterator[Written]:
    """The outcomes in file order, each chunk's rows as one :class:`Packed`; bad lines to ``on_error``; with
    ``unique``, a key's repeats left out of what is written."""
    seen: set[Hashable] = set()
    for results, packed in chunks:
        keep: list[bool] = []
        for result in results:
            if isinstance(result, LineError):
                on_error(result)
                continue
            key, skipped = result
            if unique:
                if key in seen:
                    if skipped is None:
                        keep.append(False)
                    continue
                seen.add(key)
            if skipped is None:
                keep.append(True)
            else:
                yield skipped
        if keep:
            yield Packed(packed, tuple(keep))


def _in_workers(maker: RowMaker, path: Path, workers: int, key_of: KeyOf | None) -> Iterator[Chunk]:
    """Chunks handed to ``workers`` processes, at most two each in flight, their results in file order."""
    # spawned, not forked: the exporting process may be a run with threads and an event loop
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[concurrent.futures.Future[Chunk]] = deque()
        try:
            for span in _spans(path):
                pending.append(pool.submit(_results, maker, path, span, key_of))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except concurrent.futures.process.BrokenProcessPool as exc:
            raise IseError(f"an export worker process died while exporting {path} ({exc}); nothing was "
                           "written. Try again, or with one worker (--workers 1)") from None
        finally:
            for future in pending:
                future.cancel()


def export_file(
    source: Path,
    fmt: str,
    out_path: Path,
    *,
    on_error: Callable[[LineError], None],
    include: Collection[Termination] | None = None,
    exclude: Collection[Termination] | None = None,
    verified_only: bool = False,
    environ: Mapping[str, str] | None = None,
    workers: int | None = None,
    unique_by: KeyOf | None = None,
) -> ExportSummary:
    """Export the episodes of the JSONL file ``source`` to ``out_path`` in the format ``fmt``, as
    :func:`~isetrace.export.export_episodes` would (same rows, same order, same rules); each bad line is
    handed to ``on_error`` and skipped. ``unique_by`` (a module-level function, as workers receive it by
    name) keeps only the first episode of each key, as a run directory reads its episodes. ``workers``
    processes convert (default: one per core; files under :data:`PARALLEL_MIN_BYTES` are done in this
    process). Raises ``OSError`` when ``source`` cannot be read and :class:`~isetrace.errors.DataError` for a
    secret (nothing is then written)."""
    maker = RowMaker.build(fmt, include=include, exclude=exclude, verified_only=verified_only, environ=environ)
    count = default_workers() if workers is None else max(1, workers)
    if count > 1 and source.stat().st_size >= PARALLEL_MIN_BYTES:
        chunks = _in_workers(maker, source, count, unique_by)
    else:
        chunks = (_results(maker, source, span, unique_by) for span in _spans(source))
    return write_outcomes(maker.fmt, out_path, _reported(chunks, on_error, unique_by is not None),
                          include_given=include is not None)
