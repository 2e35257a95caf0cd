"""A run's training exports: every format its config names, written into the run directory.

A pure function of the episodes (no model is called). It returns what each format wrote and prints
nothing; the corpus statistics are the stats layer's (:func:`isetrace.stats.stats_report`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from isetrace.config import RunConfig
from isetrace.export import ExportSummary, export_episodes, get_format
from isetrace.pipeline.layout import RunPaths
from isetrace.records import Episode

__all__ = ["export_run"]


def export_run(config: RunConfig, paths: RunPaths, episodes: Iterable[Episode], *,
               environ: Mapping[str, str] | None = None) -> dict[str, ExportSummary]:
    """Write every format of ``config.run.exports`` into ``paths.exports``; what each wrote and left out,
    by format name, in the config's order. ``environ`` is what the secret scan looks for (default:
    ``os.environ``); a secret stops the export with :class:`~isetrace.errors.DataError`."""
    rows = list(episodes)
    paths.exports.mkdir(parents=True, exist_ok=True)
    written: dict[str, ExportSummary] = {}
    for spec in config.run.exports:
        form = get_format(spec.format)
        include = None if spec.include is None else set(spec.include)
        written[form.name] = export_episodes(rows, form.name, paths.exports / f"{form.name}{form.suffix}",
                                             include=include, verified_only=spec.verified, environ=environ)
    return written
