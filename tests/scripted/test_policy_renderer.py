"""The intent-writer policy: first-person requests in the persona's voice, with data and a deliverable.

The specs are combined from the toy library in tests/data/scripted/specs.json (10 personas, 10 domains).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from statistics import mean

from isetrace_scripted.policy import respond
from isetrace_scripted.policy.renderer import render_intent

LIBRARY = json.loads((Path(__file__).parents[1] / "data" / "scripted" / "specs.json").read_text())
ASSISTANT_PHRASES = (
    "as an ai",
    "i can help",
    "happy to help",
    "i'd be happy",
    "how can i assist",
    "let me know if",
    "is there anything else",
    "certainly!",
    "i'm an assistant",
)
TASKS_PER_DOMAIN = {"simple": 1, "medium": 2, "complex": 2}
DOMAINS_PER_SPEC = {"simple": 1, "medium": 2, "complex": 3}


def make_spec(index: int) -> dict[str, object]:
    """A deterministic 4D spec: persona, 1–3 distinct domains with 1–2 tasks each, complexity by index."""
    rng = random.Random(index)
    complexity = ("simple", "medium", "complex")[index % 3]
    chosen = rng.sample(LIBRARY["domains"], DOMAINS_PER_SPEC[complexity])
    return {
        "persona": LIBRARY["personas"][index % len(LIBRARY["personas"])],
        "domains": [
            {
                "name": domain["name"],
                "description": domain["description"],
                "selected_tasks": rng.sample(domain["tasks"], TASKS_PER_DOMAIN[complexity]),
            }
            for domain in chosen
        ],
        "complexity": complexity,
    }


def tasks_of(spec: dict[str, object]) -> list[dict[str, str]]:
    domains = spec["domains"]
    assert isinstance(domains, list)
    return [task for domain in domains for task in domain["selected_tasks"]]


def gist(task: dict[str, str]) -> str:
    return task["description"].rstrip(".").lower()


SPECS = [make_spec(index) for index in range(60)]
TEXTS = [render_intent(spec) for spec in SPECS]


def test_reply_is_a_json_object_with_the_intent() -> None:
    body = {
        "messages": [
            {"role": "system",
             "content": "Render the spec below.\n```json\n" + json.dumps(SPECS[0], indent=2) + "\n```"},
            {"role": "user", "content": "Write the request now."},
        ]
    }
    reply = respond(body)
    assert reply.tool_calls == [] and reply.reasoning is None
    answer = json.loads(reply.content or "")
    assert answer["intent"] == TEXTS[0] and set(answer) == {"intent", "checks"}
    assert all(f"`{check['path']}`" in TEXTS[0] for check in answer["checks"]) and answer["checks"]


def test_same_spec_same_text() -> None:
    assert [render_intent(spec) for spec in SPECS[:10]] == TEXTS[:10]


def test_fifty_specs_give_visibly_different_texts() -> None:
    assert len({json.dumps(spec, sort_keys=True) for spec in SPECS[:50]}) == 50
    assert len(set(TEXTS[:50])) >= 45
    openings = {text.split("\n", 1)[0][:60] for text in TEXTS[:50]}
    assert len(openings) >= 30


def test_every_text_is_a_first_person_request_without_assistant_voice() -> None:
    for text in TEXTS:
        assert re.search(r"\b(I|I'm|I've|my|me)\b", text), text
        assert not any(phrase in text.lower() for phrase in ASSISTANT_PHRASES), text


def test_every_selected_task_is_requested() -> None:
    for spec, text in zip(SPECS, TEXTS, strict=True):
        for task in tasks_of(spec):
            assert gist(task) in text.lower(), (gist(task), text)


def test_tasks_are_connected_in_order() -> None:
    for spec, text in zip(SPECS, TEXTS, strict=True):
        positions = [text.lower().index(gist(task)) for task in tasks_of(spec)]
        assert positions == sorted(positions), text


def test_every_text_carries_inline_data_and_a_named_deliverable() -> None:
    for text in TEXTS:
        assert "```" in text or re.search(r"^\|.*\|$", text, re.MULTILINE), text
        assert re.search(r"`[\w-]+\.(md|json|txt)`", text), text


def test_work_context_is_mentioned() -> None:
    for spec, text in zip(SPECS, TEXTS, strict=True):
        persona = spec["persona"]
        assert isinstance(persona, dict)
        city = re.findall(r"\b(?:in|near) ([A-Z][a-z]+)", persona["work_context"])[0]
        assert city in text, (city, text)


def test_length_grows_with_complexity() -> None:
    words = {
        level: mean(
            len(text.split()) for spec, text in zip(SPECS, TEXTS, strict=True) if spec["complexity"] == level
        )
        for level in ("simple", "medium", "complex")
    }
    assert words["simple"] < words["medium"] < words["complex"]
    assert all(
        text.count("\n\n") >= 3
        for spec, text in zip(SPECS, TEXTS, strict=True)
        if spec["complexity"] == "complex"
    )


def test_register_follows_experience_level() -> None:
    junior_markers = ("new here", "few months", "junior", "learning the ropes")
    for index in range(12):
        spec = make_spec(index)
        persona = spec["persona"]
        assert isinstance(persona, dict)
        junior = render_intent({**spec, "persona": {**persona, "experience_level": "junior"}})
        executive = render_intent({**spec, "persona": {**persona, "experience_level": "executive"}})
        assert any(marker in junior for marker in junior_markers), junior
        assert not any(marker in executive for marker in junior_markers), executive


def _single_domain_spec(persona_index: int, domain_name: str) -> dict[str, object]:
    domain = next(domain for domain in LIBRARY["domains"] if domain["name"] == domain_name)
    return {
        "persona": LIBRARY["personas"][persona_index],
        "complexity": "medium",
        "domains": [
            {
                "name": domain["name"],
                "description": domain["description"],
                "selected_tasks": domain["tasks"][:2],
            }
        ],
    }


def test_data_follows_the_domain_and_the_industry() -> None:
    hospital_table = render_intent(_single_domain_spec(0, "intelligence-core"))
    assert "ward" in hospital_table and "admissions" in hospital_table
    saas_logs = render_intent(_single_domain_spec(1, "system-infrastructure"))
    assert re.search(r"^2024-\S+ (INFO|WARN|ERROR) gateway ", saas_logs, re.MULTILINE), saas_logs
    git_history = render_intent(_single_domain_spec(5, "source-chain"))
    assert re.search(r"^[0-9a-f]{7} ", git_history, re.MULTILINE), git_history
