"""Seeded sampling of Persona × Domain × Task × Complexity into unrendered intents.

The same library and seed give the same samples, so a run can be reproduced and resumed. Complexity is
drawn from the library's prior; the numbers of domains and tasks follow the drawn level.
"""

from __future__ import annotations

import random

from isetrace.errors import DataError
from isetrace.intents.library import Library
from isetrace.records import DomainSpec, Intent, IntentMetadata, SelectedTask

__all__ = ["sample_intents"]


def _sample_one(library: Library, rng: random.Random, index: int, seed: int) -> Intent:
    level = rng.choices(library.complexity, weights=[c.prior for c in library.complexity])[0]
    persona = rng.choice(library.personas)
    domain_count = min(rng.randint(*level.domains), len(library.domains))
    domains = rng.sample(library.domains, domain_count)
    task_count = max(rng.randint(*level.tasks), domain_count)
    chosen: dict[str, list[SelectedTask]] = {d.name: [] for d in domains}
    pool = [(d.name, t) for d in domains for t in d.tasks]
    # one task from every chosen domain first, so each domain is really used, then fill up at random
    picks = [(d.name, rng.choice(d.tasks)) for d in domains]
    rest = [p for p in pool if p not in picks]
    picks += rng.sample(rest, min(len(rest), task_count - len(picks)))
    tools: set[str] = set()
    for domain_name, task in picks:
        chosen[domain_name].append(SelectedTask(name=task.name, description=task.description))
        tools.update(task.tools)
    return Intent(
        id=f"s{seed}-{index:06d}",
        domains=[d.name for d in domains],
        tasks=[task.name for _, task in picks],
        persona_id=persona.id,
        tools_used=sorted(tools),
        complexity=level.name,
        metadata=IntentMetadata(
            persona=persona,
            domains=[DomainSpec(name=d.name, description=d.description, selected_tasks=chosen[d.name])
                     for d in domains],
        ),
    )


def sample_intents(library: Library, count: int, seed: int) -> list[Intent]:
    """``count`` sampled, not yet rendered, intents; ids are ``s<seed>-<index>``.

    Pass a library already restricted to what the run can do (:func:`feasible_library`).
    """
    if not library.domains:
        raise DataError("no task in the library is feasible for this run (see tools.dialect, sandbox.network)")
    rng = random.Random(seed)
    return [_sample_one(library, rng, index, seed) for index in range(count)]
