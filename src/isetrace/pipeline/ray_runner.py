"""Episodes as Ray tasks, for when one machine is not enough.

The same episode function runs in a Ray worker: the task gets the resolved config and the episode's
intents as JSON, opens its own endpoints (a scripted endpoint starts inside the worker) and its own
sandbox, and returns the Episode as JSON with what its model calls cost. The driver records results
exactly as the local runner does and adds each worker's usage to the run's, so the run directory and
its resume rules do not change. Endpoint concurrency limits then hold per
worker process; size ``endpoints.*.concurrency`` and ``run.concurrency`` together. API keys named by
``api_key_env`` are passed to the workers from the driver's environment.

A worker or node that dies under an episode (a node preempted, a raylet killed, the OOM killer) is
Ray's failure, not the episode's: Ray runs the task again elsewhere (:data:`SYSTEM_RETRIES`), and when
it gives up the episode is not recorded as a failure — a recorded failure is done for good, and resume
would never run it again — but counted as interrupted, and the run stops so that ``ise run --resume``
runs it on a healthier cluster.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from isetrace.config import ROLES, RunConfig
from isetrace.errors import AuthenticationFailed, ConfigError
from isetrace.llm.usage import UsageMeter
from isetrace.pipeline.run import Budget, EpisodeStageOutcome
from isetrace.pipeline.rundir import RunDir
from isetrace.records import Episode, Intent, session_key
from isetrace.simulate.batch import longest_first
from isetrace.simulate.episode import run_episode

__all__ = ["episode_job", "run_episodes_on_ray"]

SYSTEM_RETRIES = 3
"""How many times Ray runs an episode again when its worker process or its node dies under it (Ray's
default for tasks, made explicit here because the runner relies on it). Running one again is safe: a
task writes nothing to the run directory — the driver records what it returns, once — and the sandbox
of the attempt that died ends with its worker (``--die-with-parent``). An exception the episode itself
raises is never retried (``retry_exceptions=False``): it is our bug or a refused key, and would fail
the same way again."""


def episode_job(config_json: str, intents_json: list[str], episode_id: str) -> str:
    """One episode, start to end, in whatever process runs it; returns ``{"episode", "usage"}`` as JSON."""
    config = RunConfig.model_validate_json(config_json)
    intents = [Intent.model_validate_json(item) for item in intents_json]

    usage = UsageMeter()
    episode = asyncio.run(run_episode(intents, config, episode_id=episode_id, environ=os.environ, usage=usage))
    return json.dumps({"episode": episode.model_dump(mode="json"), "usage": usage.as_dict()})


def _key_variables(config: RunConfig) -> dict[str, str]:
    names = {e.api_key_env for role in ROLES if (e := getattr(config.endpoints, role)) is not None and e.api_key_env}
    return {name: os.environ[name] for name in sorted(names) if name in os.environ}


def _lost_by_ray(ray: Any, error: BaseException) -> bool:
    """Whether Ray, not the episode, failed the task: every Ray error other than the one that carries an
    exception the task's own code raised (``RayTaskError``): a dead node or worker, a lost object, a
    runtime environment that could not be set up."""
    return isinstance(error, ray.exceptions.RayError) and not isinstance(error, ray.exceptions.RayTaskError)


def _ray() -> Any:
    try:
        import ray
    except ModuleNotFoundError as exc:
        raise ConfigError("run.executor 'ray' needs Ray: pip install 'isetrace[ray]'") from exc
    return ray


async def run_episodes_on_ray(
    config: RunConfig,
    run: RunDir,
    groups: Sequence[list[Intent]],
    *,
    stop: asyncio.Event,
    on_episode: Callable[[Episode | None], None] | None = None,
    usage: UsageMeter | None = None,
) -> EpisodeStageOutcome:
    """Run an episode for each of ``groups`` as Ray tasks (at most ``run.concurrency`` at once, longest
    first) and record each result; each worker's usage is added to ``usage``."""
    ray = _ray()
    if not ray.is_initialized():
        ray.init(address=config.run.ray_address, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": _key_variables(config)})
    task = ray.remote(num_cpus=1, max_retries=SYSTEM_RETRIES, retry_exceptions=False)(episode_job)
    config_json = config.model_dump_json()
    outcome = EpisodeStageOutcome()
    budget = Budget(config.run.max_llm_calls, config.run.max_tokens)
    queue = longest_first(groups)
    in_flight: dict[asyncio.Future[Any], list[Intent]] = {}
    while queue or in_flight:
        while queue and len(in_flight) < config.run.concurrency and not stop.is_set():
            group = queue.pop(0)
            ref = task.remote(config_json, [i.model_dump_json() for i in group], session_key(i.id for i in group))
            in_flight[asyncio.wrap_future(ref.future())] = group
        if not in_flight:
            break
        done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        for future in done:
            group = in_flight.pop(future)
            try:
                result = json.loads(future.result())
                episode = Episode.model_validate(result["episode"])
            except AuthenticationFailed as exc:
                # Ray re-raises the task's error as an instance of its class whose text is Ray's traceback;
                # the run reports the refusal itself, in its own words
                cause = getattr(exc, "cause", None)
                outcome.refuse(cause if isinstance(cause, AuthenticationFailed) else exc, stop)
                continue
            except Exception as exc:
                if _lost_by_ray(ray, exc):  # not recorded, so a resume runs it again; see the module's docstring
                    outcome.interrupted += 1
                    if outcome.stopped_because is None:
                        outcome.stopped_because = f"Ray could not run an episode: {type(exc).__name__}"
                    stop.set()
                    continue
                # the episode's own code failed: recorded with why, never lost
                outcome.failed(run, group, f"ray task failed: {type(exc).__name__}: {exc}", on_episode)
                continue
            if usage is not None:
                usage.absorb(result["usage"])
            outcome.finished(run, episode, budget, stop, on_episode)
    if outcome.refused is not None:
        raise outcome.refused
    return outcome
