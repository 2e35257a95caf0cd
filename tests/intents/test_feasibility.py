"""The sampler draws only tasks the run can do."""

from __future__ import annotations

import pytest

from isetrace.config import load_config
from isetrace.errors import DataError
from isetrace.intents.feasibility import feasible_library, run_capabilities
from isetrace.intents.library import Domain, Library, TaskSpec, load_library
from isetrace.intents.sampler import sample_intents


def test_capabilities_follow_the_dialect_and_the_network() -> None:
    assert run_capabilities(load_config(None, environ={})) == {"shell", "files", "memory", "subagents"}
    online = load_config(None, ["sandbox.network=on"], environ={})
    assert "web" in run_capabilities(online)
    claude = load_config(None, ["tools.dialect=claude-code", "sandbox.network=on"], environ={})
    assert run_capabilities(claude) == {"shell", "files", "memory"}


def test_tasks_needing_the_network_are_left_out_when_it_is_off() -> None:
    library = load_library()
    offline, dropped = feasible_library(library, load_config(None, environ={}))
    online_tasks = {t.name for d in library.domains for t in d.tasks if not t.offline or "web" in t.tools}
    assert online_tasks and set(dropped) >= online_tasks
    kept = {t.name for d in offline.domains for t in d.tasks}
    for intent in sample_intents(offline, 300, seed=5):
        assert set(intent.tasks) <= kept
    everything, none = feasible_library(library, load_config(None, ["sandbox.network=on"], environ={}))
    assert none == [] and len(everything.domains) == len(library.domains)


def test_a_run_that_can_do_nothing_says_so() -> None:
    only_web = Library(personas=load_library().personas, complexity=load_library().complexity, domains=[
        Domain(name="web-extraction", description="web", tasks=[
            TaskSpec(name="fetch", description="fetch a page", tools=["web"], offline=False)])])
    empty, _ = feasible_library(only_web, load_config(None, environ={}))
    with pytest.raises(DataError, match="no task in the library is feasible"):
        sample_intents(empty, 3, seed=0)


def test_a_task_needing_an_unknown_capability_is_refused_with_the_known_ones() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"unknown capabilities \['telepathy'\].*shell, files, web"):
        TaskSpec(name="read-minds", description="x", tools=["shell", "telepathy"])
