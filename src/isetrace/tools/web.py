"""``web_fetch`` and ``web_search``: real HTTP from the host, only when the run allows the network, or the
session's web world (:mod:`.web_world`) when the run has one.

Both refuse with a clear error when the run's network is off, so an offline run never reaches out and
the model learns the tool is unavailable rather than broken. Search providers are configured
(``tools.web_search``); their keys come from the environment by variable name and never appear in a
result or an error.

``web_fetch`` reaches public addresses only, unless the context allows private ones: the host runs model
servers and may sit next to a cloud metadata service, and an agent must not be able to probe them. What
is checked is the address a connection actually goes to, never the text of the URL. A name is resolved
once, by :class:`_PublicOnlyResolver`, which is the connector's resolver (with aiohttp's DNS cache off):
it refuses an answer with any non-public address and hands the connector only the addresses it checked,
so a name that answers a public address to a check and 127.0.0.1 to the connection (DNS rebinding) gets
nowhere, on the first request and on every redirect. aiohttp connects to a host written as an IP address
without asking a resolver, so every host the socket layer reads as an address (``127.0.0.1``,
``2130706433``, ``127.1``, ``0x7f.1``, ``[::ffff:127.0.0.1]``) is parsed the way the socket layer parses
it and checked before the request.

Non-public means: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
where the metadata service lives, and fe80::/10), multicast, unspecified (0.0.0.0, ::), reserved,
site-local, shared carrier-grade NAT space (100.64/10: not public, and some clouds keep their metadata
service there), and an IPv6 address that carries such an IPv4 address (IPv4-mapped, NAT64 64:ff9b::/96,
6to4, Teredo).
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import re
import socket
from typing import Any, Literal
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from isetrace.errors import ToolError
from isetrace.tools._html import html_to_text
from isetrace.tools.context import ToolContext
from isetrace.tools.web_filters import SearchFilters, provider_params
from isetrace.tools.web_world import uses_worlds, world_connector, world_search, world_target

__all__ = ["FETCH_MAX_BYTES", "FETCH_TIMEOUT_S", "web_fetch", "web_search"]

FETCH_TIMEOUT_S = 30.0
FETCH_MAX_BYTES = 5 << 20
"""The most of a response body that is read; the rest is not downloaded."""
MAX_CHARS_CEILING = 200_000
MAX_REDIRECTS = 5
USER_AGENT = "Mozilla/5.0 (compatible; isetrace-web-fetch/0.1)"
_TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|javascript|x-javascript|ld\+json|rss\+xml|atom\+xml)|"
                         r"application/[\w.+-]+\+(json|xml))")
_HOSTED = {"brave": "https://api.search.brave.com", "serper": "https://google.serper.dev"}


def _network_off(what: str) -> ToolError:
    return ToolError(f"network access is off for this run (sandbox.network is off), so {what} is unavailable")


_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
"""The well-known NAT64 prefix: a gateway connects 64:ff9b::a.b.c.d to the IPv4 address a.b.c.d."""


def _non_public(address: _IPAddress) -> _IPAddress | None:
    """What makes ``address`` non-public — itself or an IPv4 address it carries — or ``None`` if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _non_public(address.ipv4_mapped)
        if address in _NAT64:
            return _non_public(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
        carried: list[ipaddress.IPv4Address | None] = [address.sixtofour, *(address.teredo or ())]
        for inner in carried:
            if inner is not None and _non_public(inner) is not None:
                return inner
    # is_global alone is not enough: Python's answer for some ranges (6to4, site-local) has changed between
    # versions, so every special kind is named.
    special = (not address.is_global or address.is_private or address.is_loopback or address.is_link_local
               or address.is_multicast or address.is_reserved or address.is_unspecified
               or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local))
    return address if special else None


def _refuse_non_public(host: str, address: _IPAddress) -> None:
    culprit = _non_public(address)
    if culprit is not None:
        carried = "" if culprit is address else f", which carries {culprit}"
        raise ToolError(f"{host} resolves to {address}{carried}, a private or local address; web_fetch only "
                        "reaches public hosts")


def _literal_address(host: str) -> _IPAddress | None:
    """The address of a host written as an IP address, in any form the socket layer accepts; ``None`` for a name.

    aiohttp connects to a host with a colon or only digits and dots without asking the resolver (some of its
    versions pass ``127.1`` or ``2130706433`` straight to the socket), so such a host that does not parse is
    refused rather than left to the socket layer.
    """
    try:
        return ipaddress.ip_address(host) if ":" in host else ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        if ":" in host or host.replace(".", "").isdigit():
            raise ToolError(f"{host} is not a valid IP address") from None
        return None


class _PublicOnlyResolver(AbstractResolver):
    """The connector's resolver: one system lookup per connection, and only public addresses come out.

    An answer with any non-public address is refused as a whole. The connector connects to the addresses
    returned and resolves nothing itself, so the address checked is the address connected to.
    """

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM, family=family)
        except (socket.gaierror, UnicodeError) as exc:
            raise ToolError(f"cannot resolve the host {host!r}: {exc}") from None
        results: list[ResolveResult] = []
        for info_family, _, proto, _, sockaddr in infos:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            _refuse_non_public(host, address)
            results.append(ResolveResult(hostname=host, host=str(address), port=int(sockaddr[1]), family=info_family,
                                         proto=proto, flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV))
        return results

    async def close(self) -> None:
        """Nothing to release: every lookup goes to the system resolver."""


def _connector(ctx: ToolContext) -> aiohttp.TCPConnector:
    if ctx.allow_private_network:
        return aiohttp.TCPConnector()
    return aiohttp.TCPConnector(resolver=_PublicOnlyResolver(), use_dns_cache=False)


def _target(ctx: ToolContext, url: str) -> URL:
    """``url`` as aiohttp will request it; a host written as an IP address is checked here (names are checked
    by the resolver, when the connection is made)."""
    try:
        parsed = URL(url)
    except ValueError:
        raise ToolError(f"{url!r} is not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise ToolError(f"{url!r}: only http and https URLs can be fetched")
    host = parsed.raw_host
    if not host:
        raise ToolError(f"{url!r} has no host name")
    address = None if ctx.allow_private_network else _literal_address(host)
    if address is not None:
        _refuse_non_public(host, address)
    return parsed


async def _read_capped(response: aiohttp.ClientResponse) -> tuple[bytes, bool]:
    body = bytearray()
    async for chunk in response.content.iter_chunked(65536):
        body += chunk
        if len(body) > FETCH_MAX_BYTES:
            return bytes(body[:FETCH_MAX_BYTES]), True
    return bytes(body), False


def _as_text(body: bytes, content_type: str, charset: str | None, url: str, mode: str) -> tuple[str, str]:
    kind = content_type.split(";")[0].strip().lower()
    text = body.decode(charset or "utf-8", "replace") if _known_charset(charset) else body.decode("utf-8", "replace")
    looks_html = not kind and text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))
    if kind in ("text/html", "application/xhtml+xml") or looks_html:
        return html_to_text(text, url, markdown=mode == "markdown")
    if _TEXT_TYPES.match(kind) or (not kind and b"\x00" not in body[:4096]):
        return "", text
    raise ToolError(f"{url} returned {kind} ({len(body)} bytes), which web_fetch cannot show as text")


def _known_charset(charset: str | None) -> bool:
    if not charset:
        return False
    try:
        "".encode(charset)
    except LookupError:
        return False
    return True


async def web_fetch(ctx: ToolContext, url: str, extract_mode: Literal["markdown", "text"] = "markdown",
                    max_chars: int | None = None) -> str:
    """GET ``url`` and return its readable text: HTML converted, other text as it is, at most ``max_chars``."""
    in_world = uses_worlds(ctx)
    if not ctx.network and not in_world:
        raise _network_off("web_fetch")
    if max_chars is not None and max_chars < 1:
        raise ToolError(f"maxChars must be at least 1 (got {max_chars})")
    limit = min(max_chars or ctx.config.fetch_max_chars, max(MAX_CHARS_CEILING, ctx.config.fetch_max_chars))
    current = url.strip()
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
    try:
        connector = await world_connector(ctx) if in_world else _connector(ctx)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                         headers={"User-Agent": USER_AGENT}) as session:
            for _ in range(MAX_REDIRECTS + 1):
                target = world_target(ctx, current) if in_world else _target(ctx, current)
                async with session.get(target, allow_redirects=False) as response:
                    location = response.headers.get("Location")
                    if response.status in (301, 302, 303, 307, 308) and location:
                        current = urljoin(current, location)
                        continue
                    if not 200 <= response.status < 300:
                        raise ToolError(f"{current} answered HTTP {response.status} {response.reason or ''}".strip())
                    body, cut = await _read_capped(response)
                    content_type = response.headers.get("Content-Type", "")
                    charset = response.charset
                    status = response.status
                    break
            else:
                raise ToolError(f"{url} redirected more than {MAX_REDIRECTS} times")
    except aiohttp.ClientError as exc:
        raise ToolError(f"cannot fetch {current}: {exc or type(exc).__name__}") from None
    except TimeoutError:
        raise ToolError(f"fetching {current} timed out after {FETCH_TIMEOUT_S:g}s") from None
    title, text = _as_text(body, content_type, charset, current, extract_mode)
    header = [f"URL: {current}", f"Status: {status}", f"Content-Type: {content_type or 'unknown'}"]
    if title:
        header.append(f"Title: {title}")
    if cut:
        header.append(f"[only the first {FETCH_MAX_BYTES} bytes of the response were read]")
    if len(text) > limit:
        text = text[:limit] + f"\n\n[truncated: showing the first {limit} of {len(text)} characters; " \
                              "ask for more with maxChars]"
    return "\n".join(header) + "\n\n" + (text or "(no text content)")


def _clean(snippet: Any) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", str(snippet or "")))
    return re.sub(r"\s+", " ", text).strip()


async def _request_json(provider: str, method: str, url: str, timeout_s: float, **kwargs: Any) -> Any:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session, \
                session.request(method, url, **kwargs) as response:
            if not 200 <= response.status < 300:
                detail = _clean((await response.text(errors="replace"))[:200])
                raise ToolError(f"the {provider} search request failed: HTTP {response.status}"
                                + (f": {detail}" if detail else ""))
            return await response.json(content_type=None)
    except aiohttp.ClientError as exc:
        raise ToolError(f"the {provider} search request failed: {exc or type(exc).__name__}") from None
    except TimeoutError:
        raise ToolError(f"the {provider} search request timed out after {timeout_s:g}s") from None
    except ValueError:
        raise ToolError(f"the {provider} search provider did not answer with JSON") from None


def _api_key(ctx: ToolContext, provider: str) -> str:
    variable = ctx.config.web_search.api_key_env
    if not variable:
        raise ToolError(f"the {provider} search provider needs an API key: set tools.web_search.api_key_env to "
                        "the name of the environment variable that holds it")
    key = ctx.environ.get(variable)
    if not key:
        raise ToolError(f"the {provider} search provider needs an API key in the environment variable {variable}, "
                        "which is not set")
    return key


def _items(data: Any, *path: str) -> list[dict[str, Any]]:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return [item for item in data or [] if isinstance(item, dict)] if isinstance(data, list) else []


SEARCH_MAX_RESULTS = 10
"""Most results one search returns (openclaw's bound)."""


async def web_search(ctx: ToolContext, query: str, count: int | None = None,
                     filters: SearchFilters | None = None) -> str:
    """Search the web with the configured provider; a numbered list of title, URL and snippet.

    ``filters`` are applied by the provider (:mod:`isetrace.tools.web_filters`), or refused."""
    settings = ctx.config.web_search
    provider: str = settings.provider
    if uses_worlds(ctx):
        provider = "world"
    elif provider == "none":
        raise ToolError("no web search provider is configured (tools.web_search.provider); set it to searxng "
                        "(with base_url), brave or serper (with api_key_env) to enable web_search")
    if not ctx.network and provider != "world":
        raise _network_off("web_search")
    if not query.strip():
        raise ToolError("query is empty")
    extra = provider_params(provider, filters or SearchFilters())  # the world's engine applies none
    wanted = max(1, min(count or 5, SEARCH_MAX_RESULTS))
    if provider == "world":
        return _listed(query, (await world_search(ctx, query, wanted))[:wanted])
    base = (settings.base_url or _HOSTED.get(provider, "")).rstrip("/")
    if not base:
        raise ToolError(f"the {provider} search provider needs tools.web_search.base_url")
    timeout = settings.timeout_s
    if provider == "searxng":
        data = await _request_json(provider, "GET", f"{base}/search", timeout,
                                   params={"q": query, "format": "json", **extra})
        results = [(r.get("title"), r.get("url"), r.get("content")) for r in _items(data, "results")]
    elif provider == "brave":
        headers = {"X-Subscription-Token": _api_key(ctx, provider), "Accept": "application/json"}
        data = await _request_json(provider, "GET", f"{base}/res/v1/web/search", timeout,
                                   params={"q": query, "count": str(wanted), **extra}, headers=headers)
        results = [(r.get("title"), r.get("url"), r.get("description")) for r in _items(data, "web", "results")]
    else:
        headers = {"X-API-KEY": _api_key(ctx, provider), "Content-Type": "application/json"}
        data = await _request_json(provider, "POST", f"{base}/search", timeout,
                                   json={"q": query, "num": wanted, **extra}, headers=headers)
        results = [(r.get("title"), r.get("link"), r.get("snippet")) for r in _items(data, "organic")]
    return _listed(query, [r for r in results if r[1]][:wanted])


def _listed(query: str, results: list[tuple[Any, Any, Any]]) -> str:
    """Search results as the model reads them: numbered title, URL and snippet."""
    if not results:
        return f"No results for {query!r}."
    lines = [f"Results for {query!r}:"]
    for number, (title, link, snippet) in enumerate(results, 1):
        lines.append(f"{number}. {_clean(title) or '(no title)'}\n   {link}")
        if _clean(snippet):
            lines.append(f"   {_clean(snippet)}")
    return "\n".join(lines)
