"""``ise import …``: transcripts made elsewhere → an episodes file that exports and measures like a run's.

``ise import openclaw LOGS… --out episodes.jsonl`` reads OpenClaw session logs (files, or directories of
``*.jsonl``), names every malformed line as ``file:line`` and skips it, and ends with one line saying what
was imported, skipped and kept aside. The episodes are streamed to a temporary file beside ``--out``,
which replaces it only when at least one episode was imported. Exit codes: 0 when something was
imported, 1 when an input is missing or no log held a conversation, 2 for unusable options.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from isetrace.cli.console import err, out, report_skipped
from isetrace.cli.inputs import output_file, read_intents
from isetrace.importers import ImportReport, import_openclaw
from isetrace.outputs import replacing
from isetrace.records import Episode, Intent

__all__ = ["import_app"]

import_app = typer.Typer(
    help="Import transcripts made elsewhere (OpenClaw session logs) as isetrace episodes, ready for "
    "ise export and ise stats.",
    no_args_is_help=True,
)


def _say(text: str) -> None:
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def _log_files(paths: list[Path]) -> list[Path]:
    """The logs to read: each file as given, each directory's ``*.jsonl`` in name order; exits 1 when a path
    does not exist or a directory holds no log."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.jsonl") if p.is_file())
            if not found:
                _say(f"no *.jsonl logs in {path}")
                raise typer.Exit(1)
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            _say(f"no such log file or directory: {path}")
            raise typer.Exit(1)
    return files


def _write_streaming(path: Path, episodes: Iterable[Episode]) -> int:
    """Write ``episodes`` to ``path`` (:func:`isetrace.outputs.replacing`); a file is replaced only when at
    least one was written (a crash or an empty import leaves the old file). Returns how many were written."""
    written = 0
    with replacing(path) as handle:
        for episode in episodes:
            handle.write((episode.model_dump_json() + "\n").encode("utf-8"))
            written += 1
        if not written:
            handle.discard()
    return written


def _print_report(report: ImportReport, out_file: Path, written: int) -> None:
    for error in report.skipped:
        report_skipped(error)
    for note in report.notes:
        _say(f"note: {note}")
    for kind, count in report.kept_aside.most_common():
        _say(f"kept aside {count} × {kind} (first at {report.first_seen[kind]})")
    for path in report.empty_files if written else ():  # with nothing imported, the last line says it
        _say(f"no conversation in {path}")
    target = f" → {out_file}" if written else ""
    out.print(f"import openclaw: {report.imported()}{target} ({report.left_out()})", markup=False,
              highlight=False, soft_wrap=True)


@import_app.command("openclaw")
def import_openclaw_command(
    logs: Annotated[list[Path], typer.Argument(
        help="OpenClaw session logs (JSONL, session format version 3), or directories whose *.jsonl files are "
        "read in name order.", show_default=False, metavar="LOG")],
    out_file: Annotated[Path, typer.Option(
        "--out", "-o", callback=output_file, show_default=False,
        help="The episodes JSONL file to write (replaced only when at least one episode was imported).")],
    intents_file: Annotated[Path | None, typer.Option(
        "--intents", help="Intents JSONL (the original ISE layout loads too). A log archived as "
        "intent_<id>__<agent>__<session>.jsonl gets the intent of that id; other logs get the intents no log "
        "names, in order. Without it, each episode's intent is its log's first user message.")] = None,
    intents_per_session: Annotated[int, typer.Option(
        "--intents-per-session", min=1, help="How many of those intents each log whose name names none "
        "served (several intents in one session).")] = 1,
) -> None:
    """Import OpenClaw session logs as episodes: user and assistant messages, reasoning, tool calls and
    their results, the agent's model and timings. Malformed lines are named as file:line and skipped; entry
    types, roles and content parts the importer does not know are counted as kept aside. The episodes can
    then be exported (ise export) and measured (ise stats) like a run's."""
    files = _log_files(logs)
    intents: list[Intent] = []
    if intents_file is not None:
        if not intents_file.is_file():
            _say(f"no such intents file: {intents_file}")
            raise typer.Exit(1)
        intents = read_intents(intents_file)
    report = ImportReport()
    try:
        written = _write_streaming(out_file, import_openclaw(files, report, intents,
                                                             intents_per_session=intents_per_session))
    except OSError as exc:
        _say(f"cannot import: {exc}")
        raise typer.Exit(1) from None
    _print_report(report, out_file, written)
    if not written:
        _say(f"no conversation in the given logs; {out_file} was not written")
        raise typer.Exit(1)
