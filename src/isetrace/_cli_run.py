"""``ise run``: the whole pipeline into one run directory, resumable at any moment."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from isetrace._cli_common import ConfigOption, SetOption, err, out, resolve_config
from isetrace.config import RunConfig
from isetrace.pipeline.rundir import RunDir
from isetrace.progress import make_progress
from isetrace.records import Episode, Termination

if TYPE_CHECKING:
    from isetrace.pipeline.run import EpisodeStageOutcome

__all__ = ["run_command"]

STAGES = ("all", "intents", "episodes", "export", "stats")


def _roles(config: RunConfig, run: RunDir, stage: str) -> list[str]:
    roles = []
    if stage in ("all", "intents") and not run.paths.intents.intents.exists():
        roles.append("renderer")
    if stage in ("all", "episodes"):
        roles += config.simulate.episode_roles
    return roles


def _with_run_cache(config: RunConfig, run: RunDir) -> RunConfig:
    """The reply cache lives in the run directory, so a resumed run replays what it already paid for."""
    if not config.cache.enabled:
        return config
    cache = config.cache.model_copy(update={"path": str(run.paths.llm_cache)})
    return config.model_copy(update={"cache": cache})


async def _pipeline(config: RunConfig, run: RunDir, stage: str, stop: asyncio.Event) -> EpisodeStageOutcome:
    # imported here, not at the top: the model client and its SDK are slow to load, and every other
    # command of ``ise`` would wait for them
    from isetrace.llm.endpoints import open_endpoints
    from isetrace.pipeline.run import EpisodeStageOutcome, intents_stage, pending_sessions, run_episodes

    outcome = EpisodeStageOutcome()
    roles = _roles(config, run, stage)
    if not roles:
        return outcome
    config = _with_run_cache(config, run)  # for every executor: Ray workers replay from the run's cache too
    progress = make_progress()
    intents = None
    async with open_endpoints(config, roles, environ=os.environ) as endpoints:
        if stage in ("all", "intents"):
            intents_done = run.paths.intents.intents.exists()
            if not intents_done:
                progress.start("rendering intents", config.intents.count)
            try:
                intents = await intents_stage(config, run, endpoints, on_rendered=progress.advance)
            finally:
                if not intents_done:
                    progress.close()
            err.print(f"intents: {len(intents)} ready ({run.paths.intents.intents})", markup=False)
        if stage in ("all", "episodes"):
            if intents is None:
                intents = await intents_stage(config, run, endpoints)
            sessions = pending_sessions(config, intents, run)
            err.print(f"episodes: {len(sessions)} to run", markup=False)
            progress = make_progress()
            progress.start("episodes", len(sessions))

            def advance(episode: Episode | None) -> None:
                progress.advance(episode is not None and episode.termination is Termination.SUCCESS)

            try:
                if config.run.executor == "ray":
                    from isetrace.pipeline.ray_runner import run_episodes_on_ray

                    outcome = await run_episodes_on_ray(config, run, sessions, stop=stop, on_episode=advance)
                else:
                    outcome = await run_episodes(config, run, sessions, endpoints, stop=stop, on_episode=advance,
                                                 environ=os.environ, progress=progress)
            finally:
                progress.close()
    return outcome


def _export_and_stats(config: RunConfig, run: RunDir, stage: str) -> None:
    from isetrace.export import export_episodes, get_format
    from isetrace.stats.cli import stats_command

    episodes = list(run.episodes())
    if stage in ("all", "export"):
        run.paths.exports.mkdir(parents=True, exist_ok=True)
        for fmt in config.run.exports:
            target = run.paths.exports / f"{fmt}{get_format(fmt).suffix}"
            summary = export_episodes(episodes, fmt, target, environ=os.environ)
            err.print(f"export {fmt}: {summary.written} rows → {summary.path}", markup=False, soft_wrap=True)
    if stage in ("all", "stats"):
        stats_command(run.paths.root, embedder=config.intents.embedder)


def _lines(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()) if path.exists() else 0


def run_command(
    config: ConfigOption = None,
    overrides: SetOption = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="Continue the run in this directory.")] = None,
    force: Annotated[bool, typer.Option(help="Resume even though the config changed.")] = False,
    stage: Annotated[str, typer.Option(help="Run only one stage: intents, episodes, export or stats.")] = "all",
    executor: Annotated[str | None, typer.Option(help="local (asyncio) or ray.")] = None,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (with --executor ray).")] = None,
) -> None:
    """Run the pipeline — intents → episodes → export → statistics — into run.dir, resumable at any moment."""
    if stage not in STAGES:
        raise typer.BadParameter(f"--stage takes one of {', '.join(STAGES)}")
    extra = list(overrides or [])
    extra += [f"run.executor={executor}"] if executor else []
    extra += [f"run.ray_address={address}"] if address else []
    if resume is not None:
        if config is None and not extra:
            resolved = RunDir.load_config(resume)
        else:
            resolved = resolve_config(config or str(resume / "config.yaml"), extra)
        run = RunDir.open_for_resume(resume, resolved, force=force)
    else:
        resolved = resolve_config(config, extra)
        run = RunDir.create(Path(resolved.run.dir), resolved)
    stop = asyncio.Event()

    async def main() -> EpisodeStageOutcome:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, stop.set)
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        return await _pipeline(resolved, run, stage, stop)

    with run:
        outcome = asyncio.run(main())
        if stop.is_set():
            why = outcome.stopped_because or "interrupted"
            err.print(f"stopped ({why}); {outcome.interrupted} episodes in flight were closed and will run again."
                      f"\nresume with: ise run --resume {run.paths.root}", markup=False, soft_wrap=True)
            raise typer.Exit(130 if outcome.stopped_because is None else 0)
        _export_and_stats(resolved, run, stage)
        summary = run.summary()
    counts = Counter(summary.by_termination)
    not_kept = sum(_lines(path) for path in (run.paths.intents.failures, run.paths.intents.dropped))
    out.print(f"intents: {_lines(run.paths.intents.sampled)} sampled, {not_kept} not kept (render, "
              f"validation, dedup: see {run.paths.intents.dir}); episodes: {summary.episodes} "
              f"({', '.join(f'{k} {v}' for k, v in counts.most_common())}); episode failures: {summary.failures}",
              markup=False, soft_wrap=True)
    out.print(f"dataset: {run.paths.exports}   report: {run.paths.corpus_stats}", markup=False, soft_wrap=True)
