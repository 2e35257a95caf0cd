"""Writing episodes in a format: filter by termination, convert, scan for secrets, write atomically.

The output appears whole or not at all: rows go to a temporary file beside the target, every row is
scanned for secrets before it is written, and the temporary file replaces the target only when every
episode has been converted and scanned. A secret, or any other error, deletes the temporary file and
leaves an existing target untouched. A target that is a device, a FIFO or ``/dev/stdout`` is written
through as a stream instead, and a directory is refused (:mod:`isetrace.outputs`).
"""

from __future__ import annotations

import importlib
import os
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import orjson

from isetrace.errors import ConfigError
from isetrace.export.episode_parts import Unrepresentable
from isetrace.export.hf import ParquetSink, pack_rows, to_hf_row
from isetrace.export.openai import to_ise_openai, to_openai_strict
from isetrace.export.packed import Packed, pack_lines
from isetrace.export.secrets import SecretScanner, credential_variables
from isetrace.export.sharegpt import to_sharegpt
from isetrace.outputs import OutputFile, replacing
from isetrace.records import Episode, Termination

__all__ = ["FORMATS", "ExportFormat", "ExportSummary", "Outcome", "Packed", "RowMaker", "Written", "export_episodes",
           "get_format", "write_outcomes"]

TRAINING_INCLUDE: frozenset[Termination] = frozenset({Termination.SUCCESS})
"""What a training format keeps unless told otherwise: an episode that failed (the agent's endpoint broke,
the user judged the work wrong, a limit cut it off) is not an example a model should learn from."""


class _Sink(Protocol):
    def write(self, text: bytes) -> None:
        """Add a row, as its ``orjson.dumps`` (made once, for the secret scan and the file)."""

    def write_packed(self, packed: Packed) -> None:
        """Add the rows of ``packed`` that it keeps, in order."""

    def close(self) -> None: ...

    def abort(self) -> None: ...


class _JsonlSink:
    """One JSON object per line, UTF-8 (orjson's compact form: a corpus is written at the speed it is read)."""

    def __init__(self, handle: OutputFile) -> None:
        self._handle = handle

    def write(self, text: bytes) -> None:
        self._handle.write(text + b"\n")

    def write_packed(self, packed: Packed) -> None:
        if all(packed.keep):
            self._handle.write(packed.data)
            return
        lines = packed.data.split(b"\n")[:-1]  # what pack_lines made: one line per row
        self._handle.write(pack_lines([line for line, kept in zip(lines, packed.keep, strict=True) if kept]))

    def close(self) -> None:
        """Nothing to finish: every line is whole once written (the handle is its opener's to close)."""

    def abort(self) -> None:
        """Nothing to undo: the opener of the handle leaves the target as it was."""


@dataclass(frozen=True)
class ExportFormat:
    """A format by name: how one episode becomes one row, and how rows become a file."""

    name: str
    description: str
    convert: Callable[[Episode], dict[str, Any]]
    """Episode → row; raises :class:`~isetrace.export.Unrepresentable` for an episode it cannot express."""
    open_sink: Callable[[OutputFile], _Sink] = field(repr=False)
    default_include: frozenset[Termination] | None = None
    """The terminations kept when the caller names none; ``None`` keeps every episode. Training formats
    keep :data:`TRAINING_INCLUDE`; the ISE format keeps all, each row with its ``status``."""
    suffix: str = ".jsonl"
    needs: tuple[str, str] | None = None
    """``(module, extra)``: a module the format writes with, and the extra of ``pyproject.toml`` that has it."""
    pack: Callable[[list[bytes]], bytes] = field(default=pack_lines, repr=False)
    """Rows (their JSON text) → the file's own form, for :class:`Packed`; runs where the rows are made."""

    def require(self) -> None:
        """Raises :class:`~isetrace.errors.ConfigError` when this machine cannot write the format, naming
        the extra to install; a run checks this before its first episode, not after its last."""
        if self.needs is None:
            return
        module, extra = self.needs
        try:
            importlib.import_module(module)
        except ImportError:
            raise ConfigError(f"the {self.name} export format needs {module}, which is not installed: "
                              f"pip install 'isetrace[{extra}]' (or leave {self.name} out of run.exports)") from None

    @property
    def training(self) -> bool:
        """Whether the format is meant to be trained on, and so by default leaves failed episodes out."""
        return self.default_include is not None


FORMATS: dict[str, ExportFormat] = {
    "ise-openai": ExportFormat("ise-openai", "ISE OpenAI format: one JSON object per trajectory (JSONL)",
                               to_ise_openai, _JsonlSink),
    "openai-strict": ExportFormat("openai-strict", "OpenAI chat spec to the letter: {messages, tools} (JSONL)",
                                  to_openai_strict, _JsonlSink, TRAINING_INCLUDE),
    "sharegpt": ExportFormat("sharegpt", "ShareGPT for LLaMA-Factory: {conversations, system, tools} (JSONL)",
                             to_sharegpt, _JsonlSink, TRAINING_INCLUDE),
    "hf": ExportFormat("hf", "Hugging Face dataset: one Parquet file, one row per trajectory",
                       to_hf_row, ParquetSink, TRAINING_INCLUDE, ".parquet", needs=("pyarrow", "hf"), pack=pack_rows),
}
"""Every export format, by the name the CLI and :func:`export_episodes` take."""


def get_format(name: str) -> ExportFormat:
    """The format called ``name``; a :class:`~isetrace.errors.ConfigError` listing the known ones otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ConfigError(f"unknown export format {name!r} (known: {', '.join(FORMATS)})") from None


@dataclass(frozen=True)
class ExportSummary:
    """What an export did."""

    written: int
    """Rows written."""
    skipped_by_reason: dict[str, int]
    """Episodes not written, by reason: a termination value (filtered out by ``include``/``exclude``, or by
    the format's default), ``"not verified"`` (left out by ``verified_only``) or ``"unrepresentable: …"``
    (the format cannot express the episode)."""
    path: Path
    """The file written."""
    kept_by_default: frozenset[Termination] | None = None
    """The format's :attr:`~ExportFormat.default_include` when the caller named no ``include`` and so the
    format decided (``None`` otherwise, and for a format that keeps all): what to tell a person who
    wonders where their failed episodes went."""

    @property
    def skipped(self) -> int:
        return sum(self.skipped_by_reason.values())

    def left_out(self) -> str:
        """``left out 3: agent_endpoint_failure 2, user_judged_failure 1`` (``left out 0`` when none)."""
        reasons = sorted(self.skipped_by_reason.items(), key=lambda item: (-item[1], item[0]))
        return f"left out {self.skipped}" + (": " + ", ".join(f"{r} {n}" for r, n in reasons) if reasons else "")


def _wanted(termination: Termination, include: Collection[Termination] | None,
            exclude: Collection[Termination] | None) -> bool:
    return (include is None or termination in include) and (exclude is None or termination not in exclude)


Outcome = bytes | str
"""What became of one episode: its row's JSON text, or why it was left out (a key of
:attr:`ExportSummary.skipped_by_reason`)."""

Written = Outcome | Packed
"""What :func:`write_outcomes` takes: an episode's outcome, or rows already packed (:class:`Packed`)."""


@dataclass(frozen=True)
class RowMaker:
    """Everything that decides an episode's row — the format, what to keep, the secret scan — in one
    picklable value, so a worker process makes rows exactly as the exporting process would."""

    fmt: str
    keep: frozenset[Termination] | None
    exclude: frozenset[Termination] | None
    verified_only: bool
    credentials: tuple[tuple[str, str], ...]
    """The environment's credentials the scan looks for (:func:`~isetrace.export.secrets.credential_variables`)."""

    @classmethod
    def build(cls, fmt: str, *, include: Collection[Termination] | None, exclude: Collection[Termination] | None,
              verified_only: bool, environ: Mapping[str, str] | None) -> RowMaker:
        """The rules for ``fmt``: ``include`` ``None`` keeps the format's default; ``environ`` ``None`` scans
        for the credentials of ``os.environ``."""
        form = get_format(fmt)
        keep = form.default_include if include is None else include
        credentials = credential_variables(os.environ if environ is None else environ)
        return cls(form.name, None if keep is None else frozenset(keep),
                   None if exclude is None else frozenset(exclude), verified_only, tuple(sorted(credentials.items())))

    @cached_property
    def _scanner(self) -> SecretScanner:
        return SecretScanner(dict(self.credentials))

    def row(self, episode: Episode) -> Outcome:
        """The episode's row as JSON, or why it is left out; :class:`~isetrace.errors.DataError` for a secret."""
        if not _wanted(episode.termination, self.keep, self.exclude):
            return episode.termination.value
        if self.verified_only and not episode.verified:
            return "not verified"
        try:
            row = FORMATS[self.fmt].convert(episode)
        except Unrepresentable as exc:
            return f"unrepresentable: {exc.reason}"
        text = orjson.dumps(row)
        self._scanner.check(row, episode.episode_id, text)
        return text

    def pack(self, rows: list[bytes]) -> bytes:
        """Rows that :meth:`row` made, in the file's own form (:class:`Packed`)."""
        return FORMATS[self.fmt].pack(rows)


def write_outcomes(fmt: str, out_path: Path, outcomes: Iterable[Written], *, include_given: bool) -> ExportSummary:
    """Write the rows among ``outcomes`` to ``out_path`` in format ``fmt``, whole or not at all, and count the
    rest by reason; ``include_given`` says whether the caller chose what to keep (else the format did).
    With no outcome at all (no episodes), ``out_path`` is left as it was."""
    form = get_format(fmt)
    skipped: Counter[str] = Counter()
    written = 0
    with replacing(out_path) as handle:
        sink = form.open_sink(handle)
        try:
            for outcome in outcomes:
                if isinstance(outcome, str):
                    skipped[outcome] += 1
                elif isinstance(outcome, Packed):
                    sink.write_packed(outcome)
                    written += sum(outcome.keep)
                else:
                    sink.write(outcome)
                    written += 1
        except BaseException:
            sink.abort()
            raise
        sink.close()
        if not written and not skipped:  # no episodes at all: nothing to say, so an older file stays
            handle.discard()
    return ExportSummary(written=written, skipped_by_reason=dict(skipped), path=out_path,
                         kept_by_default=None if include_given else form.default_include)


def export_episodes(
    episodes: Iterable[Episode],
    fmt: str,
    out_path: Path,
    *,
    include: Collection[Termination] | None = None,
    exclude: Collection[Termination] | None = None,
    verified_only: bool = False,
    environ: Mapping[str, str] | None = None,
) -> ExportSummary:
    """Write ``episodes`` to ``out_path`` in the format named ``fmt``; return what was written and skipped.

    ``include`` keeps only episodes that ended for one of those reasons; when ``None``, the format's
    :attr:`~ExportFormat.default_include` decides (training formats keep only ``success``, ``ise-openai``
    keeps all); pass every :class:`Termination` to keep all. ``exclude`` drops those that ended for one of
    those (default: none). ``verified_only`` drops every episode whose work is not verified (left out as
    ``not verified``). ``environ`` is where credentials are looked up for the secret scan (default:
    ``os.environ``). ``episodes`` is consumed once, streaming; :func:`~isetrace.export.export_file` exports
    a file of episodes on several cores.

    Raises :class:`~isetrace.errors.DataError` naming the episode and the kind of secret when a row
    holds one — and then nothing is written — and :class:`~isetrace.errors.ConfigError` for an unknown
    format.
    """
    maker = RowMaker.build(fmt, include=include, exclude=exclude, verified_only=verified_only, environ=environ)
    return write_outcomes(maker.fmt, out_path, (maker.row(e) for e in episodes), include_given=include is not None)
