"""The scripted endpoint in a run with worlds: the renderer seeds an errand per world its specs call for,
with checks of the vocabulary; the agent recognises each errand and plans the commands that do it."""

from __future__ import annotations

import json
from typing import Any

from tests.scripted.bodies import SPEC

from isetrace.prompts import render_prompt
from isetrace.verify import describe_kinds, parse_check
from isetrace.worlds.seed import parse_seed
from isetrace_scripted.policy import respond
from isetrace_scripted.policy._kinds_world import world_kind
from isetrace_scripted.policy._text import seeded_rng
from isetrace_scripted.policy._tools import discover
from isetrace_scripted.policy._vocab import vocab_for
from isetrace_scripted.policy._world_errands import errands_for, worlds_in_prompt

WORLDS = ["web", "git", "office", "packages"]


def _render(spec: dict[str, Any], worlds: list[str]) -> dict[str, Any]:
    prompt = render_prompt("render_intent", spec_json=json.dumps(spec, indent=2), worlds=worlds,
                           complexity_definition="a short request with one deliverable.",
                           check_kinds=describe_kinds(worlds))
    body = {"model": "scripted", "messages": [{"role": "system", "content": prompt},
                                              {"role": "user", "content": "Write the request now."}]}
    reply = respond(body)
    assert reply.content is not None
    parsed: dict[str, Any] = json.loads(reply.content)
    return parsed


def test_the_prompt_names_the_worlds_and_without_worlds_no_errand_is_written() -> None:
    prompt = render_prompt("render_intent", spec_json="{}", worlds=WORLDS, complexity_definition="x",
                           check_kinds="")
    assert worlds_in_prompt(prompt) == tuple(WORLDS)
    plain = _render(SPEC, [])
    assert "world" not in plain and all(check["kind"] == "file_exists" for check in plain["checks"])


def test_errands_come_with_a_seed_that_builds_and_checks_of_the_vocabulary() -> None:
    reply = _render(SPEC, WORLDS)
    seed = parse_seed(reply["world"])
    world_checks = [parse_check(spec) for spec in reply["checks"] if spec["kind"] != "file_exists"]
    assert world_checks and all(check.world in WORLDS for check in world_checks)
    for check in world_checks:
        if check.kind == "page_fetched":
            assert any(page.url == check.url for page in seed.pages)  # type: ignore[attr-defined]
            assert check.url in reply["intent"]  # type: ignore[attr-defined]
        if check.kind == "branch_pushed":
            assert [repo.name for repo in seed.repos] == [check.repo]  # type: ignore[attr-defined]


def test_each_world_gets_errands_across_specs_and_the_agent_knows_every_one() -> None:
    kit = discover([{"type": "function", "function": {"name": "exec", "parameters": {
        "properties": {"command": {"type": "string"}}}}}])
    seen = set()
    for family in ("web", "source", "system", "comms", "automation"):
        for errand in errands_for([family], WORLDS, vocab_for("logistics"), seeded_rng("t", family)):
            kind = world_kind(errand.sentence)
            assert kind is not None, errand.sentence
            seen.add(kind)
    assert seen == {"web", "git", "pip", "mail", "job"}
    assert kit.shell is not None and kit.search is None  # without web tools the web errand uses curl
