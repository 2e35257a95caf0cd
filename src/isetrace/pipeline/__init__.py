"""Running the pipeline: the run directory (resume, done-set, lock) and the runners built on it.

:func:`isetrace.pipeline.stages.run_pipeline` is the whole of ``ise run`` (exported as
``isetrace.run_pipeline``); :mod:`.run` and :mod:`.ray_runner` run the episode stage, :mod:`.outputs` the
exports and statistics.
"""

from __future__ import annotations

from isetrace.pipeline.rundir import (
    STOPPED_BY_REQUEST,
    EpisodeFailure,
    IntentFiles,
    RepairReport,
    RunDir,
    RunKey,
    RunPaths,
    RunSummary,
    TornTail,
    config_diff,
    episode_key,
    require_run_directory,
    session_key,
)

__all__ = [
    "STOPPED_BY_REQUEST",
    "EpisodeFailure",
    "IntentFiles",
    "RepairReport",
    "RunDir",
    "RunKey",
    "RunPaths",
    "RunSummary",
    "TornTail",
    "config_diff",
    "episode_key",
    "require_run_directory",
    "session_key",
]
