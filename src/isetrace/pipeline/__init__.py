"""Running the pipeline: the run directory (resume, done-set, lock) and the runners built on it."""

from __future__ import annotations

from isetrace.pipeline.rundir import (
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
    session_key,
)

__all__ = [
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
    "session_key",
]
