"""Writes ``base.jsonl``, the web world's shipped corpus, from the pages kept as Python data beside it.

The web world (:mod:`isetrace.worlds.web`) serves these pages on their own fictional host names, so an
agent in an offline sandbox can search, fetch pages, call JSON APIs and download files the way it would
on the real web. The pages are written for this project and released under CC0 (see ``README.md``).

Hand-written pages live in the sibling ``_pages_<topic>.py`` modules; families of pages (API answers,
datasets, timetables) are generated there from a fixed-seed ``random.Random``, so every run writes the
same bytes. Each module exposes ``SITES`` (host -> name, navigation, footer) and ``pages()``; a page is a
dict with ``url``, ``title``, ``kind`` and either ``markup`` (a small Markdown-like text this script
renders into an HTML document with the site's header) or ``body`` with ``content_type``.

The directory is a package (its ``__init__.py`` is empty) so that the modules import each other relatively
and the type checker follows them; run as a script, this file loads the directory as a package of its own,
so nothing but the standard library is needed (not even an installed ``isetrace``).

Before writing, the corpus is checked: allowed keys, schemes, hosts, kinds and content types; unique
URLs; a root page per host; bodies that parse as what they claim to be; every link to a corpus host
resolving to a corpus page; and every page reachable from its host's root. Run from anywhere::

    python3 src/isetrace/worlds/corpus/generate.py
"""

from __future__ import annotations

import csv
import hashlib
import html
import importlib
import importlib.util
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter, deque
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "base.jsonl"
MODULES = ("_pages_apis", "_pages_blog", "_pages_data", "_pages_docs", "_pages_forum", "_pages_git", "_pages_holidays",
           "_pages_http", "_pages_intranet", "_pages_library", "_pages_manual", "_pages_news", "_pages_recipes",
           "_pages_releases", "_pages_shop", "_pages_status", "_pages_transit")
"""The sibling modules that define sites and pages (``_common``, ``_pages_essays`` and ``_pages_docs_api`` only
help them)."""

CONTENT_TYPES = {"html": "text/html; charset=utf-8", "json": "application/json", "csv": "text/csv; charset=utf-8",
                 "text": "text/plain; charset=utf-8", "markdown": "text/markdown; charset=utf-8",
                 "xml": "application/xml"}
KINDS = frozenset({"article", "docs", "api", "file", "listing", "forum", "feed", "error_doc"})
KEYS = ("url", "title", "content_type", "body", "kind")
SERVICE_HOSTS = frozenset({"search.test", "office.test", "git.test", "pypi.test"})
"""The worlds' own services (:mod:`isetrace.worlds.urls`): no corpus page lives there or links there."""
RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1"})
MAX_BODY = 200_000
"""The longest body a page may have, as for a seed's pages (:data:`isetrace.worlds.seed.MAX_BODY_CHARS`)."""
MAX_TOTAL = 2_500_000
EXEMPT_FROM_REACH = ("/robots.txt", "/sitemap.xml")
_LINE_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>(){}\[\]\\&,|`]+")
_XMLNS = re.compile(r'\sxmlns(:\w+)?="[^"]*"')

Page = dict[str, Any]


# --- markup -> HTML ------------------------------------------------------------------------------

_TOKEN = re.compile(r"`([^`]+)`|\[((?:[^\[\]]|\[[^\]]*\])+)\]\(([^)\s]+)\)|\*\*(.+?)\*\*")


def inline(text: str) -> str:
    """Escapes ``text`` and renders `code`, [links](url) and **bold**."""
    out, pos = [], 0
    for match in _TOKEN.finditer(text):
        out.append(html.escape(text[pos:match.start()], quote=False))
        code, label, href, bold = match.groups()
        if code is not None:
            out.append(f"<code>{html.escape(code, quote=False)}</code>")
        elif label is not None:
            out.append(f'<a href="{html.escape(href)}">{inline(label)}</a>')
        else:
            out.append(f"<strong>{inline(bold)}</strong>")
        pos = match.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _block(lines: list[str]) -> str:
    """One block of consecutive non-blank lines: a list, table, definition list, quote or paragraph."""
    first = lines[0]
    if first.startswith("- ") or re.match(r"\d+\. ", first):
        tag = "ul" if first.startswith("- ") else "ol"
        items: list[str] = []
        for line in lines:
            if line.startswith("  ") and items:
                items[-1] += " " + line.strip()
            else:
                items.append(re.sub(r"^(- |\d+\. )", "", line))
        return f"<{tag}>\n" + "".join(f"<li>{inline(item)}</li>\n" for item in items) + f"</{tag}>"
    if first.startswith("|"):
        rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
                for line in lines if not re.fullmatch(r"[\s|:-]+", line)]
        head = "".join(f"<th>{inline(cell)}</th>" for cell in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{inline(cell)}</td>" for cell in row) + "</tr>\n" for row in rows[1:])
        return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"
    if " :: " in first:
        terms: list[list[str]] = []
        for line in lines:
            if " :: " in line:
                terms.append(line.split(" :: ", 1))
            else:
                terms[-1][1] += " " + line.strip()
        return "<dl>\n" + "".join(f"<dt>{inline(t)}</dt><dd>{inline(d)}</dd>\n" for t, d in terms) + "</dl>"
    if first.startswith("> "):
        return f"<blockquote><p>{inline(' '.join(line[2:] for line in lines))}</p></blockquote>"
    return f"<p>{inline(' '.join(line.strip() for line in lines))}</p>"


def render_markup(text: str) -> str:
    """The HTML of the markup: ``##`` headings, fenced code, lists, ``|`` tables, ``term :: text``, ``>`` quotes."""
    lines = text.strip("\n").split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("```"):
            end = lines.index("```", i + 1)
            out.append(f"<pre><code>{html.escape(chr(10).join(lines[i + 1:end]), quote=False)}</code></pre>")
            i = end + 1
        elif heading := re.match(r"(#{2,4}) (.+)", line):
            level, words = len(heading[1]), heading[2]
            out.append(f'<h{level} id="{_slug(words)}">{inline(words)}</h{level}>')
            i += 1
        else:
            block = []
            while i < len(lines) and lines[i].strip() and not re.match(r"```|#{2,4} ", lines[i]):
                block.append(lines[i])
                i += 1
            if sum(line.count("`") for line in block) % 2:
                raise ValueError(f"unbalanced backticks in: {block[0][:80]!r}")
            out.append(_block(block))
    return "\n".join(out)


def html_document(site: dict[str, Any], page: Page) -> str:
    """A complete HTML document: the site's header and navigation, the page, the site's footer."""
    title = page["title"]
    full_title = title if title == site["name"] else f"{title} | {site['name']}"
    head = [f"<title>{html.escape(full_title)}</title>"]
    if "summary" in page:
        head.append(f'<meta name="description" content="{html.escape(page["summary"])}">')
    if "date" in page:
        head.append(f'<meta name="date" content="{page["date"]}">')
    byline = ""
    if "date" in page:
        who = f"By {html.escape(page['author'])} · " if "author" in page else ""
        byline = f'<p class="byline">{who}<time datetime="{page["date"]}">{page["date"]}</time></p>\n'
    nav = " | ".join(f'<a href="{href}">{html.escape(label)}</a>' for label, href in site["nav"])
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n{chr(10).join(head)}\n</head>\n'
            f'<body>\n<header><p class="site"><a href="/">{html.escape(site["name"])}</a></p>\n<nav>{nav}</nav>'
            f"</header>\n<main>\n<h1>{html.escape(title)}</h1>\n{byline}{render_markup(page['markup'])}\n</main>\n"
            f"<footer><p>{inline(site['footer'])}</p></footer>\n</body>\n</html>\n")


# --- building ------------------------------------------------------------------------------------


def _package() -> str:
    """The name the page modules are imported under: this file's package, or, when it runs as a script, the
    directory loaded as a stand-alone package (so ``isetrace`` and its dependencies are never imported)."""
    if __package__:
        return __package__
    name = "_isetrace_web_corpus"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "__init__.py",
                                                      submodule_search_locations=[str(HERE)])
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {HERE} as a package")
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return name


def build() -> list[dict[str, str]]:
    """Every record of the corpus, sorted by URL."""
    package = _package()
    sites: dict[str, dict[str, Any]] = {}
    pages: list[Page] = []
    for name in MODULES:
        module = importlib.import_module(f"{package}.{name}")
        for host in module.SITES:
            if host in sites:
                raise ValueError(f"{name}: host {host} is defined twice")
        sites.update(module.SITES)
        pages.extend(module.pages())
    records = []
    for page in pages:
        host = urlsplit(page["url"]).hostname or ""
        if "markup" in page:
            if host not in sites:
                raise ValueError(f"{page['url']}: an HTML page on a host with no site definition")
            try:
                body, content_type = html_document(sites[host], page), CONTENT_TYPES["html"]
            except ValueError as exc:
                raise ValueError(f"{page['url']}: {exc}") from None
        else:
            body, content_type = page["body"], page["content_type"]
        records.append({"url": page["url"], "title": page["title"], "content_type": content_type, "body": body,
                        "kind": page["kind"]})
    return sorted(records, key=lambda record: record["url"])


# --- checks --------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.titles: list[str] = []
        self.ids: set[str] = set()
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_title = tag == "title"
        self.ids.update(value for key, value in attrs if key == "id" and value)
        self.links.extend(value for key, value in attrs if key in ("href", "src") and value)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.titles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def corpus_host(host: str) -> bool:
    """A host a corpus page may live on: a subdomain of a reserved ``example`` domain, or a ``.test`` name."""
    return (host.endswith(".test") or any(host.endswith("." + domain) for domain in RESERVED_DOMAINS)) \
        and host not in SERVICE_HOSTS


def _links_of(record: dict[str, str]) -> list[str]:
    """The absolute URLs a record points to, fragments kept: HTML links, and URLs written in any body
    (but not XML namespace names, which are identifiers rather than links)."""
    text = _XMLNS.sub("", html.unescape(record["body"]))
    found = [match.rstrip(".:;!?") for match in _URL_IN_TEXT.findall(text)]
    if record["content_type"].startswith("text/html"):
        parser = _Links()
        parser.feed(record["body"])
        found += [urljoin(record["url"], link) for link in parser.links]
    return [link for link in found if link.startswith(("http://", "https://"))]


def _anchors(record: dict[str, str]) -> set[str]:
    parser = _Links()
    parser.feed(record["body"])
    return parser.ids


def _check_body(record: dict[str, str]) -> None:
    """Raises ``ValueError`` unless the body parses as its content type says (HTML: a doctype and the title)."""
    body, content_type, url = record["body"], record["content_type"], record["url"]
    try:
        if content_type == CONTENT_TYPES["json"]:
            json.loads(body)
        elif content_type == CONTENT_TYPES["xml"]:
            ET.fromstring(body)
    except (ValueError, ET.ParseError) as exc:
        raise ValueError(f"{url}: not valid {content_type}: {exc}") from None
    if content_type == CONTENT_TYPES["csv"]:
        rows = list(csv.reader(io.StringIO(body)))
        if not rows or not all(rows[0]) or any(len(row) != len(rows[0]) for row in rows):
            raise ValueError(f"{url}: CSV without a full header or with ragged rows")
    elif content_type == CONTENT_TYPES["html"]:
        parser = _Links()
        parser.feed(body)
        if not body.startswith("<!DOCTYPE html>") or record["title"] not in html.unescape("".join(parser.titles)):
            raise ValueError(f"{url}: HTML without a doctype or whose <title> lacks the page title")


def check(records: list[dict[str, str]]) -> None:
    """Raises ``ValueError`` on the first thing wrong with the corpus."""
    urls = [record["url"] for record in records]
    if len(set(urls)) != len(urls):
        raise ValueError(f"duplicate URLs: {[u for u, n in Counter(urls).items() if n > 1]}")
    known = set(urls)
    hosts = {urlsplit(url).hostname or "" for url in urls}
    anchors = {record["url"]: _anchors(record) for record in records if record["content_type"] == CONTENT_TYPES["html"]}
    total = 0
    for record in records:
        url = record["url"]
        parts = urlsplit(url)
        if tuple(record) != KEYS or not all(isinstance(value, str) for value in record.values()):
            raise ValueError(f"{url}: keys must be exactly {KEYS}, all strings")
        if parts.scheme != "http" or not corpus_host(parts.netloc) or not parts.path.startswith("/") \
                or parts.fragment or parts.query or parts.netloc != parts.netloc.lower():
            raise ValueError(f"{url}: not an http URL with a lower-case corpus host, a path and nothing else")
        if record["content_type"] not in CONTENT_TYPES.values() or record["kind"] not in KINDS:
            raise ValueError(f"{url}: content type or kind not allowed")
        if not 0 < len(record["title"]) <= 120 or not record["body"] or len(record["body"]) > MAX_BODY:
            raise ValueError(f"{url}: empty or over-long title, or an empty or over-long body")
        if _LINE_BREAKS.search(record["body"] + record["title"]):
            raise ValueError(f"{url}: a character str.splitlines() reads as a line break")
        _check_body(record)
        for link in _links_of(record):
            target = urlsplit(link)
            host = target.hostname or ""
            if host in hosts:
                page_url = f"http://{host}{target.path or '/'}"
                if target.scheme != "http" or page_url not in known or target.query \
                        or (target.fragment and target.fragment not in anchors.get(page_url, ())):
                    raise ValueError(f"{url}: broken corpus link {link}")
            elif host in SERVICE_HOSTS or not (corpus_host(host) or host in RESERVED_DOMAINS or host in LOCAL_HOSTS):
                raise ValueError(f"{url}: link to a host outside the reserved names: {link}")
        total += len(json.dumps(record, ensure_ascii=False).encode()) + 1
    missing_roots = sorted(host for host in hosts if f"http://{host}/" not in known)
    if missing_roots:
        raise ValueError(f"hosts without a root page: {missing_roots}")
    if total > MAX_TOTAL:
        raise ValueError(f"the corpus is {total:,} bytes, over {MAX_TOTAL:,}")
    _check_reachable(records)


def _check_reachable(records: list[dict[str, str]]) -> None:
    """Every page but robots.txt and sitemaps can be reached from its host's root by following links."""
    by_url = {record["url"]: record for record in records}
    for host in sorted({urlsplit(url).hostname or "" for url in by_url}):
        seen, queue = {f"http://{host}/"}, deque([f"http://{host}/"])
        while queue:
            for link in _links_of(by_url[queue.popleft()]):
                link = "http://" + link.split("://", 1)[1].split("#", 1)[0]
                if link in by_url and link not in seen:
                    seen.add(link)
                    queue.append(link)
        orphans = [url for url in by_url if urlsplit(url).hostname == host and url not in seen
                   and not urlsplit(url).path.endswith(EXEMPT_FROM_REACH)]
        if orphans:
            raise ValueError(f"pages not reachable from http://{host}/: {sorted(orphans)[:10]}")


# --- writing -------------------------------------------------------------------------------------


def main() -> None:
    records = build()
    check(records)
    text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    OUTPUT.write_text(text, encoding="utf-8", newline="\n")
    kinds = Counter(record["kind"] for record in records)
    hosts = Counter(urlsplit(record["url"]).hostname for record in records)
    print(f"wrote {len(records)} pages, {len(text.encode()):,} bytes, sha256 "
          f"{hashlib.sha256(text.encode()).hexdigest()[:16]}… to {OUTPUT.name}")
    print("kinds: " + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())))
    print("hosts:\n" + "\n".join(f"  {n:4d}  {host}" for host, n in sorted(hosts.items())))


if __name__ == "__main__":
    main()
