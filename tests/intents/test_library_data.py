"""The shipped library has the published shape, and its personas are exactly what the builder makes."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from isetrace.intents.library import Domain, load_library
from isetrace.intents.persona_builder import (
    COMMUNICATION_STYLES,
    EXPERIENCE_LEVELS,
    build_personas,
    cultures,
    industries,
    main,
    personas_to_jsonl,
)
from isetrace.records import Persona

BUILTIN = Path(str(resources.files("isetrace.intents") / "library"))
DOMAINS = [
    "intelligence-core", "code-runtime", "file-io", "source-chain", "automation-flow", "web-extraction",
    "comms-social", "multimedia", "agent-memory", "system-infrastructure",
]
TOOLS = {"shell", "files", "web", "memory", "subagents"}
ORIGINAL_TASKS = {
    "summarise-document", "transform-json", "extract-table", "write-script", "fix-failing-test",
    "add-unit-tests", "organise-folder", "convert-format", "batch-rename", "init-repository",
    "write-ci-config", "review-diff", "schedule-job", "chain-steps", "fetch-page-facts", "call-http-api",
    "parse-saved-html", "draft-email", "triage-inbox", "image-inventory", "make-chart", "record-decision",
    "recall-context", "delegate-subtask", "analyse-logs", "check-disk-usage", "inspect-processes",
}


@pytest.fixture(scope="module")
def personas() -> list[Persona]:
    return load_library().personas


@pytest.fixture(scope="module")
def domains() -> list[Domain]:
    return load_library().domains


# --- personas ------------------------------------------------------------------------------------------


def test_the_shipped_personas_are_exactly_the_builder_output() -> None:
    shipped = (BUILTIN / "personas.jsonl").read_text(encoding="utf-8")
    assert shipped == personas_to_jsonl(build_personas()), (
        "library/personas.jsonl is stale: run `python -m isetrace.intents.persona_builder`")


def test_the_builder_is_seeded() -> None:
    assert build_personas(60, seed=1) == build_personas(60, seed=1)
    assert build_personas(60, seed=1) != build_personas(60, seed=2)


def test_the_entry_point_writes_the_same_file(tmp_path: Path) -> None:
    out = tmp_path / "personas.jsonl"
    assert main(["--out", str(out), "--count", "40", "--seed", "3"]) == 0
    assert out.read_text(encoding="utf-8") == personas_to_jsonl(build_personas(40, seed=3))


def test_the_persona_pool_has_the_published_shape(personas: list[Persona]) -> None:
    assert len(personas) >= 965
    per_industry = Counter(p.industry for p in personas)
    assert len(per_industry) >= 47
    assert min(per_industry.values()) >= 15
    assert max(per_industry.values()) - min(per_industry.values()) <= 1  # balanced
    assert len({p.role for p in personas}) >= 500
    assert {p.experience_level for p in personas} == set(EXPERIENCE_LEVELS) and len(EXPERIENCE_LEVELS) == 6
    assert len({p.communication_style for p in personas}) >= 100


def test_every_persona_is_complete_and_unique(personas: list[Persona]) -> None:
    ids = [p.id for p in personas]
    assert len(set(ids)) == len(ids)
    assert ids == [f"p{n:04d}" for n in range(1, len(ids) + 1)]
    assert len({p.name for p in personas}) == len(personas)
    for p in personas:
        fields = (p.id, p.name, p.role, p.industry, p.experience_level, p.communication_style, p.work_context)
        assert all(field.strip() for field in fields), p
        assert len(p.expertise) == 3 and len(set(p.expertise)) == 3 and all(p.expertise), p
        assert p.work_context.endswith(".") and p.work_context.count(". ") == 0, p.work_context


def test_roles_expertise_levels_and_places_fit_by_construction(personas: list[Persona]) -> None:
    by_name = {industry.name: industry for industry in industries()}
    homes = [({f"{first} {last}" for first in (*c.female, *c.male) for pair in c.family for last in pair},
              (*c.cities, *c.specialist_cities)) for c in cultures()]
    for p in personas:
        industry = by_name[p.industry]
        role = next((r for r in industry.roles if r.title == p.role), None)
        assert role is not None, f"{p.id}: {p.role} is not a role of {p.industry}"
        assert set(p.expertise) <= set(role.expertise), p
        assert p.experience_level in role.levels, p
        assert any(f"{org} in " in p.work_context or p.work_context.endswith((f"{org}.", f"{org},"))
                   or f"{org}, " in p.work_context for org in industry.organisations_for(role)), p
        # the name and the city come from one culture
        assert any(
            p.name in names and any(re.search(rf"\bin {re.escape(city)}\b", p.work_context) for city in cities)
            for names, cities in homes
        ), p
        if industry.cities:
            assert any(f"in {city}" in p.work_context for city in industry.cities), p


def test_the_curated_lists_are_large_and_plausible() -> None:
    all_industries = industries()
    assert len(all_industries) >= 47
    titles = {role.title for industry in all_industries for role in industry.roles}
    assert len(titles) >= 540
    assert len(set(COMMUNICATION_STYLES)) == len(COMMUNICATION_STYLES) >= 110
    assert len(cultures()) >= 30
    for industry in all_industries:
        for role in industry.roles:
            positions = [EXPERIENCE_LEVELS.index(level) for level in role.levels]
            assert positions == list(range(positions[0], positions[-1] + 1)), role  # a contiguous range
            top = role.title.startswith(("Chief ", "Head of ", "VP ", "Vice President")) or "Director" in role.title
            if top and role.title != "Art Director":  # an agency's art director is a craft title, not a rank
                assert set(role.levels) <= {"senior", "lead", "executive"}, role
            assert len(role.expertise) >= 4, role


# --- domains and tasks ---------------------------------------------------------------------------------


def test_the_ten_domains_and_their_tasks(domains: list[Domain]) -> None:
    assert [d.name for d in domains] == DOMAINS
    names = [t.name for d in domains for t in d.tasks]
    assert len(names) >= 131 and len(set(names)) == len(names)
    assert set(names) >= ORIGINAL_TASKS
    for domain in domains:
        assert 8 <= len(domain.tasks) <= 16, domain.name
        assert domain.description.endswith(".") and domain.description.count(". ") == 0


def test_every_task_is_well_formed(domains: list[Domain]) -> None:
    for task in (t for d in domains for t in d.tasks):
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", task.name), task.name
        assert task.description and task.description.count(". ") == 0, task.name
        assert task.tools and set(task.tools) <= TOOLS, task.name
        if "web" in task.tools:
            assert not task.offline, f"{task.name} uses the web, so it cannot be offline"


def test_online_tasks_are_where_the_internet_is_needed(domains: list[Domain]) -> None:
    web = next(d for d in domains if d.name == "web-extraction")
    assert sum(not t.offline for t in web.tasks) >= 5
    assert sum(t.offline for t in web.tasks) >= 5  # saved pages and API responses work offline
    online = {t.name for d in domains for t in d.tasks if not t.offline}
    assert online < {t.name for t in web.tasks} | {"install-dependencies", "clone-remote-repository"}


def test_the_tool_vocabulary_is_documented() -> None:
    header = (BUILTIN / "domains.yaml").read_text(encoding="utf-8").split("\n- name:")[0]
    for tool in TOOLS:
        assert re.search(rf"^#\s+{tool}\s", header, re.M), tool
