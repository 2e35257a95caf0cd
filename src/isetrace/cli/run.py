"""``ise run``: the whole pipeline into one run directory, resumable at any moment."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from isetrace.cli.console import err, out
from isetrace.cli.inputs import ConfigOption, SetOption, resolve_config
from isetrace.cli.run_summary import summary_lines
from isetrace.config import RunConfig
from isetrace.errors import AuthenticationFailed
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
    from isetrace.pipeline.run import EpisodeStageOutcome, intents_stage, pending_sessions, record_usage, run_episodes

    outcome = EpisodeStageOutcome()
    roles = _roles(config, run, stage)
    if not roles:
        return outcome
    config = _with_run_cache(config, run)  # for every executor: Ray workers replay from the run's cache too
    progress = make_progress()
    intents = None
    async with open_endpoints(config, roles, environ=os.environ) as endpoints:
        try:
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

                        outcome = await run_episodes_on_ray(config, run, sessions, stop=stop, on_episode=advance,
                                                            usage=endpoints.usage)
                    else:
                        outcome = await run_episodes(config, run, sessions, endpoints, stop=stop, on_episode=advance,
                                                     environ=os.environ, progress=progress)
                finally:
                    progress.close()
        finally:  # what the calls cost, fallbacks included, even when a stage failed
            record_usage(run, endpoints.usage, stage)
    return outcome


def _export(config: RunConfig, run: RunDir, episodes: list[Episode]) -> None:
    """Write every format of ``run.exports``, each line saying how many episodes it left out and why."""
    from isetrace.cli.export import default_note, export_line, left_out_by_default
    from isetrace.export import export_episodes, get_format

    run.paths.exports.mkdir(parents=True, exist_ok=True)
    by_default: dict[frozenset[Termination], list[str]] = {}
    for spec in config.run.exports:
        form = get_format(spec.format)
        target = run.paths.exports / f"{form.name}{form.suffix}"
        include = None if spec.include is None else set(spec.include)
        summary = export_episodes(episodes, form.name, target, include=include, environ=os.environ)
        err.print(export_line(form.name, summary), markup=False, soft_wrap=True)
        kept = left_out_by_default(summary)
        if kept is not None:
            by_default.setdefault(kept, []).append(form.name)
    for kept, names in by_default.items():
        hint = f"to keep others, say so in run.exports, e.g. {{format: {names[0]}, include: all}}"
        err.print(default_note(names, kept, hint), markup=False, soft_wrap=True)


def _export_and_stats(config: RunConfig, run: RunDir, stage: str) -> None:
    """The export and stats steps; each is skipped with one line when there is no episode to work on."""
    from isetrace.cli.stats import stats_command

    episodes = list(run.episodes())
    if stage in ("all", "export"):
        if episodes:
            _export(config, run, episodes)
        else:
            err.print("export: skipped, no episodes to export", markup=False)
    if stage in ("all", "stats"):
        if episodes:
            stats_command(run.paths.root, embedder=config.intents.embedder)
        else:
            err.print("stats: skipped, no episodes to count", markup=False)


def _print_summary(run: RunDir) -> None:
    for line in summary_lines(run, run.summary()):
        out.print(line, markup=False, soft_wrap=True, highlight=False)


def run_command(
    config: ConfigOption = None,
    overrides: SetOption = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="Continue the run in this directory.")] = None,
    force: Annotated[bool, typer.Option(help="Resume even though the config changed.")] = False,
    stage: Annotated[str, typer.Option(help="Run only one stage: intents, episodes, export or stats.")] = "all",
    executor: Annotated[str | None, typer.Option(help="local (asyncio) or ray.")] = None,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (with --executor ray).")] = None,
) -> None:
    """Run the pipeline — intents → episodes → export → statistics — into run.dir, resumable at any moment.

    It always ends with a summary: intents sampled, kept and not kept (with the reasons), episodes by
    termination, and episode failures; a stage that came up empty is named there, and the steps after it
    are skipped. The training exports keep only successful episodes unless run.exports says otherwise.

    \b
    Exit codes:
      0    the run finished (also when episodes failed, or a budget stopped it)
      2    unusable config or input
      3    an endpoint refused the API key; fix it, then ise run --resume DIR
      130  interrupted (SIGINT or SIGTERM); ise run --resume DIR goes on
    """
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

    resume_hint = f"resume with: ise run --resume {run.paths.root}"
    with run:
        try:
            outcome = asyncio.run(main())
        except AuthenticationFailed as exc:
            # the pipeline closed the episodes in flight and recorded nothing partial: the run resumes
            err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            _print_summary(run)
            err.print(f"{resume_hint} once the key is fixed", markup=False, soft_wrap=True)
            raise typer.Exit(3) from None
        if stop.is_set():
            why = outcome.stopped_because or "interrupted"
            err.print(f"stopped ({why}); {outcome.interrupted} episodes in flight were closed and will run again.",
                      markup=False, soft_wrap=True)
            _print_summary(run)
            err.print(resume_hint, markup=False, soft_wrap=True)
            raise typer.Exit(130 if outcome.stopped_because is None else 0)
        _export_and_stats(resolved, run, stage)
        _print_summary(run)
