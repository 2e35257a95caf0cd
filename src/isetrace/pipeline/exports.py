"""A run's training exports: every format its config names, written into the run directory.

A pure function of the episodes (no model is called). It returns what each format wrote and prints
nothing; the corpus statistics are the stats layer's (:func:`isetrace.stats.stats_report`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from isetrace.config import RunConfig
from isetrace.export import ExportSummary, export_file, get_format
from isetrace.jsonl import LineError
from isetrace.pipeline.done import episode_key
from isetrace.pipeline.layout import RunPaths

__all__ = ["export_run"]

log = logging.getLogger(__name__)


def _bad_line(error: LineError) -> None:
    log.debug("export skips %s (reported when the run directory was opened)", error)


def export_run(config: RunConfig, paths: RunPaths, *, environ: Mapping[str, str] | None = None,
               workers: int | None = None) -> dict[str, ExportSummary]:
    """Write every format of ``config.run.exports`` into ``paths.exports``; what each wrote and left out,
    by format name, in the config's order. Each format reads ``episodes.jsonl`` streaming, on ``workers``
    processes (default: one per core), keeping the first episode of each done-set key as the run does.
    ``environ`` is what the secret scan looks for (default: ``os.environ``); a secret stops the export with
    :class:`~isetrace.errors.DataError`."""
    paths.exports.mkdir(parents=True, exist_ok=True)
    written: dict[str, ExportSummary] = {}
    for spec in config.run.exports:
        form = get_format(spec.format)
        include = None if spec.include is None else set(spec.include)
        written[form.name] = export_file(paths.episodes, form.name, paths.exports / f"{form.name}{form.suffix}",
                                         on_error=_bad_line, include=include, verified_only=spec.verified,
                                         environ=environ, workers=workers, unique_by=episode_key)
    return written
