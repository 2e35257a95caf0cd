"""Rendering sampled intents through the real client and the scripted renderer over HTTP."""

from __future__ import annotations

import json
from typing import Any

from isetrace.config import load_config
from isetrace.errors import EndpointUnavailable
from isetrace.intents.library import load_library
from isetrace.intents.render import render_intents
from isetrace.intents.sampler import sample_intents
from isetrace.llm.endpoints import open_endpoints
from isetrace.llm.replay import ReplayModel


async def test_sampled_intents_render_into_first_person_requests() -> None:
    library = load_library()
    sampled = sample_intents(library, 12, seed=3)
    async with open_endpoints(load_config("offline", environ={}), ["renderer"]) as endpoints:
        outcomes = await render_intents(endpoints["renderer"], library, sampled)
        assert endpoints.provenance == {"renderer": "scripted"}
    rendered = [o.rendered for o in outcomes]
    assert all(r is not None for r in rendered)
    texts = [r.natural_language_intent for r in rendered if r is not None]
    assert len(set(texts)) == len(texts)
    for outcome, text in zip(outcomes, texts, strict=True):
        assert outcome.rendered is not None and outcome.rendered.id == outcome.sampled.id
        assert " I " in f" {text} " or text.startswith(("I", "My", "We", "Our"))
        assert "As an AI" not in text


async def test_render_failures_are_recorded_with_a_reason_not_raised(scripted: Any) -> None:
    library = load_library()
    sampled = sample_intents(library, 3, seed=1)
    async with scripted(malformed_json=1.0) as (url, _):
        config = load_config(None, ["endpoints.renderer.provider=openai", f"endpoints.renderer.base_url={url}",
                                    "endpoints.renderer.model=scripted",
                                    "endpoints.renderer.backoff_s=0.01"], environ={})
        async with open_endpoints(config, ["renderer"]) as endpoints:
            outcomes = await render_intents(endpoints["renderer"], library, sampled)
    assert [o.rendered for o in outcomes] == [None, None, None]
    assert all("no usable reply" in o.reason and "broken" in o.reason for o in outcomes)
    assert all(o.raw.startswith('{"intent"') for o in outcomes)  # the raw reply is kept for the record


async def test_a_reply_of_the_wrong_shape_is_asked_again_and_a_failed_endpoint_is_a_reason() -> None:
    library = load_library()
    sampled = sample_intents(library, 1, seed=5)
    renderer = ReplayModel(['{"request": "wrong key"}', '{"intent": "I need my invoices sorted by month."}',
                            EndpointUnavailable("down", role="renderer", attempts=4, reason="HTTP 503")],
                           role="renderer")
    [outcome] = await render_intents(renderer, library, sampled)
    assert outcome.rendered is not None
    assert outcome.rendered.natural_language_intent == "I need my invoices sorted by month."
    shown = renderer.requests[0].messages[0]["content"]
    assert sampled[0].complexity in shown and sampled[0].metadata.domains[0].name in shown
    [failed] = await render_intents(renderer, library, sampled)
    assert failed.rendered is None and failed.reason == "renderer endpoint failed: down"


async def test_the_renderer_writes_checks_and_those_outside_the_vocabulary_are_dropped_with_a_reason() -> None:
    library = load_library()
    sampled = sample_intents(library, 1, seed=5)
    reply = json.dumps({"intent": "I need summary.md with the total of 4 and 8.", "checks": [
        {"kind": "file_exists", "path": "summary.md"},
        {"kind": "file_contains", "path": "summary.md", "text": "12"},
        {"kind": "mail_sent", "to": "boss@example.com"},
        {"kind": "file_exists", "path": "/etc/passwd"}]})
    renderer = ReplayModel([reply], role="renderer")
    [outcome] = await render_intents(renderer, library, sampled)
    assert outcome.rendered is not None
    assert outcome.rendered.checks == [{"kind": "file_exists", "path": "summary.md", "non_empty": True},
                                       {"kind": "file_contains", "path": "summary.md", "text": "12",
                                        "ignore_case": False}]
    assert len(outcome.dropped_checks) == 2 and "reads the office world, which this run does not have" in \
        outcome.dropped_checks[0]
    sent = renderer.requests[0]
    assert "file_exists {path, non_empty?}" in sent.messages[0]["content"]  # the vocabulary is in the prompt


async def test_scripted_renderings_carry_the_check_of_their_deliverable() -> None:
    library = load_library()
    async with open_endpoints(load_config("offline", environ={}), ["renderer"]) as endpoints:
        outcomes = await render_intents(endpoints["renderer"], library, sample_intents(library, 6, seed=2))
    for outcome in outcomes:
        assert outcome.rendered is not None and outcome.dropped_checks == ()
        [check] = outcome.rendered.checks
        assert check["kind"] == "file_exists" and f"`{check['path']}`" in outcome.rendered.natural_language_intent


async def test_without_checks_the_renderer_is_asked_for_the_request_alone() -> None:
    library = load_library()
    renderer = ReplayModel([json.dumps({"intent": "I need summary.md with the total of 4 and 8."})], role="renderer")
    [outcome] = await render_intents(renderer, library, sample_intents(library, 1, seed=5), write_checks=False)
    assert outcome.rendered is not None and outcome.rendered.checks == []
    prompt = renderer.requests[0].messages[0]["content"]
    assert "file_exists" not in prompt and prompt.rstrip().endswith('{"intent": "<the request>"}')
