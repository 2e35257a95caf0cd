"""Which tasks a run can really carry out, given its tool dialect, network switch and worlds.

An intent that asks for work the agent cannot do produces a trajectory of excuses, not training data.
Each task in the library names the capabilities it needs (``shell``, ``files``, ``web``, ``memory``,
``subagents``) and whether it runs offline; a run offers capabilities through its dialect and its
network setting (the web world counts as the network: it is what an offline run reaches). The sampler
draws only from tasks whose needs are met.
"""

from __future__ import annotations

from isetrace.config import RunConfig
from isetrace.intents.library import CAPABILITIES, Domain, Library, TaskSpec

__all__ = ["CAPABILITIES", "feasible_library", "reaches_out", "run_capabilities", "task_is_feasible"]


_BY_DIALECT = {
    # openclaw: exec/process, read/write/edit/apply_patch, web_fetch/web_search, memory_*, sessions_*
    "openclaw": {"shell", "files", "web", "memory", "subagents"},
    # claude-code: Bash, Read/Write/Edit/Glob/Grep; memory notes are plain files it can read and write
    "claude-code": {"shell", "files", "memory"},
    # services: exec/process, read/write/edit, web_fetch/web_search, the office world's calls
    "services": {"shell", "files", "web", "memory"},
}


def reaches_out(config: RunConfig) -> bool:
    """Whether work that needs the outside can run: the network is on, or the web world stands in for it."""
    return config.sandbox.network or config.worlds.web


def run_capabilities(config: RunConfig) -> set[str]:
    """What the run's agent can do: its dialect's capabilities, less ``web`` when nothing is out there."""
    offered = set(_BY_DIALECT[config.tools.dialect])
    if not reaches_out(config):
        offered.discard("web")
    return offered


def task_is_feasible(task: TaskSpec, capabilities: set[str], network: bool) -> bool:
    """A task is feasible when every capability it needs is offered and, offline, it needs no network."""
    return set(task.tools) <= capabilities and (task.offline or network)


def feasible_library(library: Library, config: RunConfig) -> tuple[Library, list[str]]:
    """The library restricted to feasible tasks (domains left without tasks are dropped), and the names
    of the tasks that were left out."""
    capabilities = run_capabilities(config)
    network = reaches_out(config)
    domains: list[Domain] = []
    dropped: list[str] = []
    for domain in library.domains:
        tasks = [t for t in domain.tasks if task_is_feasible(t, capabilities, network)]
        dropped += [t.name for t in domain.tasks if t not in tasks]
        if tasks:
            domains.append(domain.model_copy(update={"tasks": tasks}))
    return Library(personas=library.personas, domains=domains, complexity=library.complexity), dropped
