"""The whole pipeline into one run directory, in order: intents → episodes → export → statistics.

:func:`run_pipeline` is ``ise run`` as a function. The stages that call models (intents, episodes) run
on one event loop with the endpoints opened once for both; export and statistics then read the run
directory and call no model. A stop (a signal, when ``handle_signals``; a budget used up) closes the
episodes in flight unrecorded and skips the steps after them, so a resume runs exactly what is left.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Literal, get_args

from isetrace.config import RunConfig
from isetrace.drift import make_drift_detector, require_drift_detector
from isetrace.errors import ConfigError
from isetrace.export import get_format
from isetrace.pipeline.exports import export_run
from isetrace.pipeline.rundir import STOPPED_BY_REQUEST, RunDir, RunSummary
from isetrace.progress import Progress
from isetrace.records import Episode, Termination
from isetrace.simulate.openclaw_agent import require_openclaw
from isetrace.simulate.query_pool import load_query_pool
from isetrace.skills import configured_skills
from isetrace.stats import stats_report
from isetrace.stats.cost import configured_prices
from isetrace.worlds.sessions import require_worlds

__all__ = ["STAGES", "Stage", "run_pipeline"]

log = logging.getLogger(__name__)

Stage = Literal["intents", "episodes", "export", "stats"]
STAGES: tuple[Stage, ...] = get_args(Stage)
"""The stages, in the order they run."""

Executor = Literal["local", "ray"]


class _Silent:
    """The progress of a caller that asked for none."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, ok: bool = True) -> None: ...

    def note(self, *, in_flight: int | None = None, tokens: int | None = None) -> None: ...

    def close(self) -> None: ...


def _stages(stages: str | Collection[str]) -> frozenset[Stage]:
    chosen = set(STAGES) if stages == "all" else {stages} if isinstance(stages, str) else set(stages)
    unknown = sorted(chosen - set(STAGES))
    if unknown:
        raise ConfigError(f"unknown stage {', '.join(unknown)}: the stages are all, {', '.join(STAGES)}")
    return frozenset(s for s in STAGES if s in chosen)


def _roles(config: RunConfig, run: RunDir, stages: frozenset[Stage]) -> list[str]:
    roles = []
    if "intents" in stages and not run.paths.intents.intents.exists() and config.intents.file is None:
        roles.append("renderer")
    if "episodes" in stages:
        roles += config.episode_roles
    return roles


def _with_run_cache(config: RunConfig, run: RunDir) -> RunConfig:
    """The reply cache lives in the run directory, so a resumed run replays what it already paid for."""
    if not config.cache.enabled:
        return config
    cache = config.cache.model_copy(update={"path": str(run.paths.llm_cache)})
    return config.model_copy(update={"cache": cache})


async def _model_stages(config: RunConfig, run: RunDir, stages: frozenset[Stage], stop: asyncio.Event,
                        progress: Progress, say: Callable[[str], None],
                        environ: Mapping[str, str]) -> tuple[int, str | None]:
    """Intents, then episodes, on one set of endpoints; returns how many episodes were in flight when the
    run stopped, and why the episode stage stopped it (a budget) if it did."""
    # imported here: the model client and its HTTP library are slow to load, and the steps after them need neither
    from isetrace.llm.endpoints import Endpoints, open_endpoints
    from isetrace.pipeline.run import intents_stage, pending_groups, record_usage, run_episodes

    roles = _roles(config, run, stages)
    if not roles:
        if "intents" in stages:  # the intents of a file, or made already: no model to ask
            given = await intents_stage(config, run, Endpoints({}))
            say(f"intents: {len(given)} ready ({run.paths.intents.intents})")
        return 0, None
    config = _with_run_cache(config, run)  # for every executor: Ray workers replay from the run's cache too
    label = "all" if stages == frozenset(STAGES) else ",".join(s for s in STAGES if s in stages)
    async with open_endpoints(config, roles, environ=environ) as endpoints:
        try:
            intents = None
            if "intents" in stages:
                rendering = not run.paths.intents.intents.exists()
                if rendering:
                    progress.start("rendering intents", config.intents.count)
                try:
                    intents = await intents_stage(config, run, endpoints, on_rendered=progress.advance)
                finally:
                    if rendering:
                        progress.close()
                say(f"intents: {len(intents)} ready ({run.paths.intents.intents})")
            if "episodes" not in stages:
                return 0, None
            if intents is None:
                intents = await intents_stage(config, run, endpoints)
            groups = pending_groups(config, intents, run)
            if groups and config.simulate.mode != "query" and config.run.executor == "local":
                # seconds of loading, off the event loop and before the first episode rather than inside it
                await asyncio.to_thread(make_drift_detector, config.simulate.drift_detector)
            say(f"episodes: {len(groups)} to run")
            progress.start("episodes", len(groups))

            def advance(episode: Episode | None) -> None:
                progress.advance(episode is not None and episode.termination is Termination.SUCCESS)

            try:
                if config.run.executor == "ray":
                    from isetrace.pipeline.ray_runner import run_episodes_on_ray

                    outcome = await run_episodes_on_ray(config, run, groups, stop=stop, on_episode=advance,
                                                        usage=endpoints.usage)
                else:
                    outcome = await run_episodes(config, run, groups, endpoints, stop=stop, on_episode=advance,
                                                 environ=environ, progress=progress)
            finally:
                progress.close()
            return outcome.interrupted, outcome.stopped_because
        finally:  # what the calls cost, fallbacks included, even when a stage failed
            record_usage(run, endpoints.usage, label)


def _check_inputs(config: RunConfig, stages: frozenset[Stage]) -> None:
    """What would otherwise fail late fails now, before the first episode: an export format this machine
    cannot write, a broken skills directory, an unreadable appended-query pool, a missing intents file, an
    OpenClaw runtime that cannot run here, a drift model without the packages it needs, worlds on a sandbox
    that cannot serve them or a package world without wheels (its index is built here, once)."""
    if "export" in stages:
        for spec in config.run.exports:
            get_format(spec.format).require()
    if "episodes" in stages:
        configured_skills(config.tools.skills_dir)
        if config.agent.runtime == "openclaw":
            require_openclaw(config)
        if config.simulate.appended_query_file:
            load_query_pool(config.simulate.appended_query_file)
        require_drift_detector(config.simulate.drift_detector)
        require_worlds(config)
    if "intents" in stages and config.intents.file is not None and not Path(config.intents.file).is_file():
        raise ConfigError(f"intents.file: no file at {config.intents.file}")


def _open_run(config: RunConfig, run_dir: str | os.PathLike[str] | None, resume: bool, force: bool) -> RunDir:
    path = Path(run_dir if run_dir is not None else config.run.dir)
    return RunDir.open_for_resume(path, config, force=force) if resume else RunDir.create(path, config)


def run_pipeline(
    config: RunConfig,
    run_dir: str | os.PathLike[str] | None = None,
    *,
    resume: bool = False,
    force: bool = False,
    stages: str | Collection[str] = "all",
    executor: Executor | None = None,
    progress: Progress | None = None,
    notify: Callable[[str], None] | None = None,
    handle_signals: bool = False,
    environ: Mapping[str, str] | None = None,
) -> RunSummary:
    """Run the pipeline — intents → episodes → export → statistics — into ``run_dir`` (default:
    ``config.run.dir``), as ``ise run`` does, and return the run's summary with what this call did.

    A new run refuses a directory that already holds one; ``resume=True`` carries on with the run there
    (``ise run --resume``): only what is not yet done runs, and a ``config`` other than the run's own is
    refused unless ``force``. ``stages`` (``"all"``, one of :data:`STAGES`, or several) runs only those
    (``ise run --stage``); ``executor`` (``local`` or ``ray``) overrides ``run.executor``.

    ``progress`` sees each long job (rendering intents, then episodes) from ``start`` to ``close``;
    ``notify`` gets a line for a person at each step ("intents: 12 ready (…)", "episodes: 12 to run", a
    step skipped; default: logged). With ``handle_signals``, SIGINT and SIGTERM stop the run cleanly
    (``summary.stopped == "interrupted"``) instead of raising ``KeyboardInterrupt``. ``environ`` is where
    API keys are read by the names the config gives (default: ``os.environ``).

    Runs its own event loop: call it from synchronous code (in a notebook, whose loop already runs,
    ``await asyncio.to_thread(run_pipeline, …)``). Raises :class:`~isetrace.errors.ConfigError` for an
    unusable config or run directory, and :class:`~isetrace.errors.AuthenticationFailed` when an endpoint
    refuses the API key — after closing every episode in flight and recording nothing partial, so the
    run resumes once the key is fixed.
    """
    chosen = _stages(stages)
    if executor is not None:
        if executor not in get_args(Executor):
            raise ConfigError(f"unknown executor {executor!r}: local or ray")
        config = config.model_copy(update={"run": config.run.model_copy(update={"executor": executor})})
    environ = os.environ if environ is None else environ
    say = notify or (lambda line: log.info("%s", line))
    _check_inputs(config, chosen)
    with _open_run(config, run_dir, resume, force) as run:

        async def models() -> tuple[int, str | None, bool]:
            stop = asyncio.Event()
            if handle_signals:
                loop = asyncio.get_running_loop()
                loop.add_signal_handler(signal.SIGINT, stop.set)
                loop.add_signal_handler(signal.SIGTERM, stop.set)
            interrupted, why = await _model_stages(config, run, chosen, stop, progress or _Silent(), say, environ)
            return interrupted, why, stop.is_set()

        interrupted, why, stopped = asyncio.run(models())
        if stopped:
            return replace(run.summary(), stopped=why or STOPPED_BY_REQUEST, interrupted=interrupted)
        done = run.summary()
        episodes = done.episodes > 0  # the corpus is read streaming by each step, never held whole
        if "export" in chosen:
            if episodes:
                done = replace(done, exports=export_run(config, run.paths, environ=environ))
            else:
                say("export: skipped, no episodes to export")
        if "stats" in chosen:
            if episodes:
                intents = run.paths.intents.intents
                done = replace(done, stats=stats_report(run.paths.episodes, embedder=config.intents.embedder,
                                                        intents=intents if intents.is_file() else None,
                                                        json_path=run.paths.corpus_stats,
                                                        prices=configured_prices(config)))
            else:
                say("stats: skipped, no episodes to count")
        return done
