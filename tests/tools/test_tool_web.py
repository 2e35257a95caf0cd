"""web_fetch and web_search make real HTTP requests — here only to a fake web server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from tests.tools.conftest import Call, caller, make_ctx

from isetrace.sandbox import Sandbox
from isetrace.tools._html import html_to_text

PAGE = """<!doctype html><html><head><title>Release  notes</title>
<style>body { color: red }</style><script>var secret = "do not show";</script></head>
<body><nav><a href="/">Home</a></nav>
<h1>Version 2.0</h1>
<p>The <b>new</b> release is   out. See <a href="/about">the about page</a> or
<a href="https://example.org/x">elsewhere</a>.</p>
<h2>Changes</h2>
<ul><li>Faster startup</li><li>Fewer bugs<ul><li>nested item</li></ul></li></ul>
<ol><li>first</li><li>second</li></ol>
<pre>  indented
    code</pre>
<table><tr><th>Name</th><th>Value</th></tr><tr><td>a</td><td>1</td></tr></table>
<noscript>enable js</noscript>
</body></html>"""


@dataclass
class FakeWeb:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)


def _app(seen: list[dict[str, Any]]) -> web.Application:
    async def record(request: web.Request) -> None:
        body = await request.text()
        seen.append({"path": request.path, "query": dict(request.query), "headers": dict(request.headers),
                     "method": request.method, "body": body})

    async def page(request: web.Request) -> web.StreamResponse:
        await record(request)
        return web.Response(text=PAGE, content_type="text/html")

    async def plain(request: web.Request) -> web.StreamResponse:
        await record(request)
        return web.Response(text="just text\n  kept as is\n", content_type="text/plain")

    async def missing(request: web.Request) -> web.StreamResponse:
        await record(request)
        return web.Response(status=404, text="nope")

    async def moved(request: web.Request) -> web.StreamResponse:
        await record(request)
        raise web.HTTPFound("/page")

    async def binary(request: web.Request) -> web.StreamResponse:
        await record(request)
        return web.Response(body=bytes(range(256)), content_type="application/octet-stream")

    async def searxng(request: web.Request) -> web.StreamResponse:
        await record(request)
        return web.json_response({"results": [
            {"title": "SearXNG result", "url": "https://a.example/1", "content": "first <b>snippet</b>"},
            {"title": "Second", "url": "https://a.example/2", "content": ""}]})

    async def brave(request: web.Request) -> web.StreamResponse:
        await record(request)
        if request.headers.get("X-Subscription-Token") != "brave-key":
            return web.json_response({"error": "bad token"}, status=401)
        return web.json_response({"web": {"results": [
            {"title": "Brave hit", "url": "https://b.example", "description": "from &amp; brave"}]}})

    async def serper(request: web.Request) -> web.StreamResponse:
        await record(request)
        if request.headers.get("X-API-KEY") != "serper-key":
            return web.json_response({"message": "Unauthorized"}, status=403)
        return web.json_response({"organic": [{"title": "Serper hit", "link": "https://c.example",
                                               "snippet": "from serper"}]})

    async def broken(request: web.Request) -> web.StreamResponse:
        await record(request)
        return web.Response(status=500, text="internal trouble")

    app = web.Application()
    app.router.add_get("/page", page)
    app.router.add_get("/plain", plain)
    app.router.add_get("/missing", missing)
    app.router.add_get("/moved", moved)
    app.router.add_get("/binary", binary)
    app.router.add_get("/search", searxng)
    app.router.add_get("/res/v1/web/search", brave)
    app.router.add_post("/search", serper)
    app.router.add_get("/broken/search", broken)
    return app


@pytest.fixture
async def fake_web() -> AsyncIterator[FakeWeb]:
    seen: list[dict[str, Any]] = []
    runner = web.AppRunner(_app(seen))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield FakeWeb(f"http://{host}:{port}", seen)
    await runner.cleanup()


def _online(box: Sandbox, **search: Any) -> Call:
    tools = {"fetch_max_chars": 1000, "web_search": search} if search else {"fetch_max_chars": 1000}
    return caller(make_ctx(box, network=True, allow_private_network=True, tools=tools,
                           environ={"BRAVE_KEY": "brave-key", "SERPER_KEY": "serper-key"}))


def test_html_becomes_readable_markdown_and_text() -> None:
    title, markdown = html_to_text(PAGE, "http://site.test/dir/page")
    assert title == "Release notes"
    assert "secret" not in markdown and "color: red" not in markdown and "enable js" not in markdown
    for expected in ("# Version 2.0", "## Changes", "The new release is out.",
                     "[the about page](http://site.test/about)", "[elsewhere](https://example.org/x)",
                     "- Faster startup", "- Fewer bugs", "  - nested item", "1. first", "2. second",
                     "```\n  indented\n    code\n```", "Name | Value", "a | 1"):
        assert expected in markdown, expected
    _, text = html_to_text(PAGE, "http://site.test/", markdown=False)
    assert "# " not in text and "](" not in text and "Version 2.0" in text and "the about page" in text


async def test_network_off_refuses(local_box: Sandbox) -> None:
    call = caller(make_ctx(local_box, network=False, tools={"web_search": {"provider": "searxng",
                                                                           "base_url": "http://127.0.0.1:9"}}))
    fetched = await call("web_fetch", url="http://127.0.0.1:9/")
    assert fetched.content.startswith("Error: network access is off for this run")
    assert fetched.result.error_kind == "tool_error"
    searched = await call("web_search", query="anything")
    assert searched.content.startswith("Error: network access is off for this run")


async def test_web_fetch_against_a_local_server(local_box: Sandbox, fake_web: FakeWeb) -> None:
    call = _online(local_box)
    page = await call("web_fetch", url=f"{fake_web.url}/page")
    assert page.content.startswith(f"URL: {fake_web.url}/page\nStatus: 200\nContent-Type: text/html; charset=utf-8\n"
                                   "Title: Release notes\n\n")
    assert "# Version 2.0" in page.content and f"[the about page]({fake_web.url}/about)" in page.content
    assert "secret" not in page.content
    text = await call("web_fetch", url=f"{fake_web.url}/page", extractMode="text")
    assert "# Version" not in text.content and "Version 2.0" in text.content
    plain = await call("web_fetch", url=f"{fake_web.url}/plain")
    assert plain.content.endswith("\n\njust text\n  kept as is\n")
    short = await call("web_fetch", url=f"{fake_web.url}/page", maxChars=20)
    assert "[truncated: showing the first 20 of" in short.content
    moved = await call("web_fetch", url=f"{fake_web.url}/moved")
    assert moved.content.startswith(f"URL: {fake_web.url}/page\nStatus: 200")
    missing = await call("web_fetch", url=f"{fake_web.url}/missing")
    assert missing.content == f"Error: {fake_web.url}/missing answered HTTP 404 Not Found"
    binary = await call("web_fetch", url=f"{fake_web.url}/binary")
    assert binary.content.startswith("Error: ") and "application/octet-stream (256 bytes)" in binary.content
    scheme = await call("web_fetch", url="file:///etc/passwd")
    assert scheme.content == "Error: 'file:///etc/passwd': only http and https URLs can be fetched"


async def test_private_addresses_are_refused_by_default(local_box: Sandbox, fake_web: FakeWeb) -> None:
    call = caller(make_ctx(local_box, network=True))
    refused = await call("web_fetch", url=f"{fake_web.url}/page")
    assert refused.content == ("Error: 127.0.0.1 resolves to 127.0.0.1, a private or local address; web_fetch only "
                               "reaches public hosts")
    assert fake_web.requests == []


async def test_no_search_provider(local_box: Sandbox) -> None:
    outcome = await caller(make_ctx(local_box, network=True))("web_search", query="x")
    assert outcome.content.startswith("Error: no web search provider is configured (tools.web_search.provider)")


async def test_searxng(local_box: Sandbox, fake_web: FakeWeb) -> None:
    call = _online(local_box, provider="searxng", base_url=fake_web.url + "/")
    outcome = await call("web_search", query="isetrace tools", count=5)
    assert outcome.content == ("Results for 'isetrace tools':\n1. SearXNG result\n   https://a.example/1\n"
                               "   first snippet\n2. Second\n   https://a.example/2")
    assert fake_web.requests[-1]["query"] == {"q": "isetrace tools", "format": "json"}


async def test_brave(local_box: Sandbox, fake_web: FakeWeb) -> None:
    call = _online(local_box, provider="brave", base_url=fake_web.url, api_key_env="BRAVE_KEY")
    outcome = await call("web_search", query="q1", count=3)
    assert outcome.content == "Results for 'q1':\n1. Brave hit\n   https://b.example\n   from & brave"
    request = fake_web.requests[-1]
    assert request["query"] == {"q": "q1", "count": "3"} and request["headers"]["X-Subscription-Token"] == "brave-key"


async def test_serper(local_box: Sandbox, fake_web: FakeWeb) -> None:
    call = _online(local_box, provider="serper", base_url=fake_web.url, api_key_env="SERPER_KEY")
    outcome = await call("web_search", query="q2", count=2)
    assert outcome.content == "Results for 'q2':\n1. Serper hit\n   https://c.example\n   from serper"
    request = fake_web.requests[-1]
    assert request["method"] == "POST" and request["headers"]["X-API-KEY"] == "serper-key"
    assert request["body"] == '{"q": "q2", "num": 2}'


async def test_search_keys_and_failures(local_box: Sandbox, fake_web: FakeWeb) -> None:
    unset = _online(local_box, provider="brave", base_url=fake_web.url, api_key_env="MISSING_KEY")
    outcome = await unset("web_search", query="q")
    assert outcome.content == ("Error: the brave search provider needs an API key in the environment variable "
                               "MISSING_KEY, which is not set")
    unnamed = _online(local_box, provider="serper", base_url=fake_web.url)
    assert "set tools.web_search.api_key_env" in (await unnamed("web_search", query="q")).content
    failing = _online(local_box, provider="searxng", base_url=fake_web.url + "/broken")
    failed = await failing("web_search", query="q")
    assert failed.content == "Error: the searxng search request failed: HTTP 500: internal trouble"


async def test_search_filters_reach_each_provider_under_its_own_names(local_box: Sandbox,
                                                                       fake_web: FakeWeb) -> None:
    brave = _online(local_box, provider="brave", base_url=fake_web.url, api_key_env="BRAVE_KEY")
    await brave("web_search", query="q", country="de", language="de", ui_lang="de-DE", freshness="week")
    assert fake_web.requests[-1]["query"] == {"q": "q", "count": "5", "country": "DE", "search_lang": "de",
                                          "ui_lang": "de-DE", "freshness": "pw"}
    await brave("web_search", query="q", date_after="2024-01-01", date_before="2024-03-31", search_lang="zh-hans")
    assert fake_web.requests[-1]["query"]["freshness"] == "2024-01-01to2024-03-31"
    assert fake_web.requests[-1]["query"]["search_lang"] == "zh-hans"
    serper = _online(local_box, provider="serper", base_url=fake_web.url, api_key_env="SERPER_KEY")
    await serper("web_search", query="q", count=50, country="US", language="en", date_after="2024-02-03")
    assert json.loads(fake_web.requests[-1]["body"]) == {"q": "q", "num": 10, "gl": "us", "hl": "en",
                                                     "tbs": "cdr:1,cd_min:2/3/2024"}
    searxng = _online(local_box, provider="searxng", base_url=fake_web.url + "/")
    await searxng("web_search", query="q", language="fr", freshness="month")
    assert fake_web.requests[-1]["query"] == {"q": "q", "format": "json", "language": "fr", "time_range": "month"}


async def test_search_filters_a_provider_cannot_apply_or_of_bad_shape_are_refused(local_box: Sandbox,
                                                                                  fake_web: FakeWeb) -> None:
    searxng = _online(local_box, provider="searxng", base_url=fake_web.url + "/")
    brave = _online(local_box, provider="brave", base_url=fake_web.url, api_key_env="BRAVE_KEY")
    requests_before = len(fake_web.requests)
    cases = [
        (searxng, {"country": "US"}, "the searxng search provider cannot apply country (it can apply: language, "
                                     "freshness)"),
        (searxng, {"date_after": "2024-01-01"}, "cannot apply date_after"),
        (brave, {"country": "USA"}, "country 'USA' is not valid"),
        (brave, {"language": "english"}, "language 'english' is not valid"),
        (brave, {"freshness": "hour"}, "freshness 'hour' is not one of day, week, month, year"),
        (brave, {"date_after": "2024-13-01"}, "is not a date in the form YYYY-MM-DD"),
        (brave, {"date_before": "x" * 5000}, "is not a date in the form YYYY-MM-DD"),
        (brave, {"date_after": "2024-05-01", "date_before": "2024-01-01"}, "is later than date_before"),
        (brave, {"freshness": "day", "date_after": "2024-01-01"}, "either freshness or a date range"),
        (brave, {"ui_lang": "en_US&x=1"}, "ui_lang 'en_US&x=1' is not valid"),
        (brave, {"language": "en", "search_lang": "de"}, "language and search_lang disagree"),
    ]
    for call, filters, expected in cases:
        outcome = await call("web_search", query="q", **filters)
        assert outcome.result.error_kind == "tool_error" and expected in outcome.content, outcome.content
    assert len(fake_web.requests) == requests_before  # nothing was sent for a refused filter
