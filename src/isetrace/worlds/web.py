"""The web world: a corpus of pages on their own host names, and a search engine over them.

Pages come from the shipped base corpus (``corpus/base.jsonl``, written for this project, see its
README) and from the session's seed: the data an intent mentions behind a URL is a page at that URL.
``GET`` of a page's URL answers with its body and type; ``search.test/search?q=…`` answers JSON results
ranked by BM25 over titles and text. Pages are static, so the world's one piece of state is what was
fetched, which the audit log keeps (``note(…, url=…)``).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from isetrace.worlds.base import host_of, note
from isetrace.worlds.seed import PageSeed
from isetrace.worlds.urls import SEARCH_HOST, normalise_url

__all__ = ["BASE_CORPUS", "Page", "SearchIndex", "WebWorld", "base_pages"]

BASE_CORPUS = Path(__file__).parent / "corpus" / "base.jsonl"
MAX_RESULTS = 20
_WORD = re.compile(r"[a-z0-9]+")
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)


@dataclass(frozen=True)
class Page:
    url: str
    body: str
    content_type: str
    title: str

    @property
    def host(self) -> str:
        return self.url.split("/", 3)[2].split(":")[0]

    @property
    def text(self) -> str:
        """The page's words, tags stripped (what search indexes and shows as snippets)."""
        return " ".join(_TAG.sub(" ", self.body).split()) if "html" in self.content_type else self.body


def _page(seed: PageSeed) -> Page:
    title = seed.title or (re.search(r"<title>(.*?)</title>", seed.body, re.S | re.I) or [None, seed.url])[1]
    return Page(normalise_url(seed.url), seed.body, seed.content_type, " ".join(str(title).split()))


@functools.cache
def base_pages() -> tuple[Page, ...]:
    """The shipped corpus (read once per process); empty when it is not there."""
    if not BASE_CORPUS.is_file():
        return ()
    pages = []
    for number, line in enumerate(BASE_CORPUS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            pages.append(_page(PageSeed(url=record["url"], body=record["body"], title=record.get("title", ""),
                                        content_type=record.get("content_type", "text/html; charset=utf-8"))))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{BASE_CORPUS}:{number}: not a page record: {exc}") from None
    return tuple(pages)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class SearchIndex:
    """BM25 over pages' titles (counted three times) and text.

    A session's own pages are few; scored on their own, every word would look common among them and they
    would sink below the corpus. With ``background`` (the base corpus's index) they are scored as if they
    were part of it: its document count, word frequencies and lengths count too, so one score ranks both.
    """

    def __init__(self, pages: Iterable[Page], background: SearchIndex | None = None) -> None:
        self.pages = list(pages)
        self._terms = [Counter(_words(p.title) * 3 + _words(p.text)) for p in self.pages]
        self._lengths = [sum(t.values()) for t in self._terms]
        self._frequency = Counter(term for terms in self._terms for term in terms)
        self._total = len(self.pages)
        length = sum(self._lengths)
        if background is not None:
            self._frequency.update(background._frequency)
            self._total += background._total
            length += sum(background._lengths)
        self._average = length / max(1, self._total)

    def search(self, query: str, count: int = 10) -> list[tuple[float, Page]]:
        words = set(_words(query))
        total = self._total
        scored = []
        for terms, length, page in zip(self._terms, self._lengths, self.pages, strict=True):
            score = 0.0
            for word in words & terms.keys():
                idf = math.log(1 + (total - self._frequency[word] + 0.5) / (self._frequency[word] + 0.5))
                tf = terms[word]
                score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / max(1.0, self._average)))
            if score > 0:
                scored.append((score, page))
        scored.sort(key=lambda item: (-item[0], item[1].url))
        return scored[:count]


@functools.cache
def _base_index() -> SearchIndex:
    return SearchIndex(base_pages())


def snippet(page: Page, query: str, width: int = 240) -> str:
    text = page.text
    words = _words(query)
    lowered = text.lower()
    at = min((i for i in (lowered.find(w) for w in words) if i >= 0), default=0)
    start = max(0, at - width // 3)
    return ("…" if start else "") + text[start:start + width].strip() + ("…" if start + width < len(text) else "")


class WebWorld:
    """The pages of one session: the base corpus plus the seed's pages (which win on the same URL)."""

    name = "web"

    def __init__(self, seeded: Sequence[PageSeed] = (), *, base: bool = True) -> None:
        self._own_pages = [_page(seed) for seed in seeded]
        self._base = base
        self.pages = {p.url: p for p in ((*base_pages(), *self._own_pages) if base else self._own_pages)}
        self._hosts = {p.host for p in self.pages.values()} | {SEARCH_HOST}

    def answers(self, host: str) -> bool:
        return host in self._hosts

    @functools.cached_property
    def _own(self) -> SearchIndex:
        """The session's own pages' index, made at the first search (most sessions never search)."""
        return SearchIndex(self._own_pages, _base_index() if self._base else None)

    def search(self, query: str, count: int = 10) -> list[dict[str, str]]:
        """Results for ``query``: the seed's pages and the base corpus, best first."""
        found = self._own.search(query, count) + (_base_index().search(query, count) if self._base else [])
        seen, results = set(), []
        for _, page in sorted(found, key=lambda item: (-item[0], item[1].url)):
            if page.url in seen or self.pages.get(page.url) is not page:
                continue
            seen.add(page.url)
            results.append({"title": page.title, "url": page.url, "snippet": snippet(page, query)})
        return results[:count]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        host = host_of(request)
        if host == SEARCH_HOST:
            return self._search(request)
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, text="405 Method Not Allowed\n", headers={"Allow": "GET, HEAD"})
        url = normalise_url(f"http://{host}{request.path_qs}")
        page = self.pages.get(url) or self.pages.get(url.split("?", 1)[0])
        note(request, url=url, found=page is not None)
        if page is None:
            return web.Response(status=404, content_type="text/html",
                                text="<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"
                                     "</body></html>\n")
        return web.Response(body=page.body.encode(), headers={"Content-Type": page.content_type})

    def _search(self, request: web.Request) -> web.StreamResponse:
        query = request.query.get("q", "").strip()[:500]
        try:
            count = max(1, min(MAX_RESULTS, int(request.query.get("count", "10"))))
        except ValueError:
            count = 10
        if request.path.rstrip("/") not in ("/search", "") or not query:
            return web.json_response({"error": "use /search?q=<words>&count=<1-20>"}, status=400)
        results = self.search(query, count)
        note(request, query=query, results=len(results))
        return web.json_response({"query": query, "results": results})

    async def close(self) -> None:
        return None
