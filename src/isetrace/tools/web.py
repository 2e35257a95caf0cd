"""``web_fetch`` and ``web_search``: real HTTP from the host, only when the run allows the network.

Both refuse with a clear error when the run's network is off, so an offline run never reaches out and
the model learns the tool is unavailable rather than broken. ``web_fetch`` refuses loopback, private and
link-local addresses unless the context allows them: the host runs model servers and may sit next to a
cloud metadata service, and an agent must not be able to probe them. Search providers are configured
(``tools.web_search``); their keys come from the environment by variable name and never appear in a
result or an error.
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import re
import socket
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import aiohttp

from isetrace.errors import ToolError
from isetrace.tools._html import html_to_text
from isetrace.tools.context import ToolContext

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


async def _check_url(ctx: ToolContext, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ToolError(f"{url!r}: only http and https URLs can be fetched")
    host = parts.hostname
    if not host:
        raise ToolError(f"{url!r} has no host name")
    if ctx.allow_private_network:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ToolError(f"cannot resolve the host {host!r}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            raise ToolError(f"{host} resolves to {address}, a private or local address; web_fetch only reaches "
                            "public hosts")


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
    if not ctx.network:
        raise _network_off("web_fetch")
    if max_chars is not None and max_chars < 1:
        raise ToolError(f"maxChars must be at least 1 (got {max_chars})")
    limit = min(max_chars or ctx.config.fetch_max_chars, max(MAX_CHARS_CEILING, ctx.config.fetch_max_chars))
    current = url.strip()
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
    try:
        async with aiohttp.ClientSession(timeout=timeout, headers={"User-Agent": USER_AGENT}) as session:
            for _ in range(MAX_REDIRECTS + 1):
                await _check_url(ctx, current)
                async with session.get(current, allow_redirects=False) as response:
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


async def web_search(ctx: ToolContext, query: str, count: int | None = None) -> str:
    """Search the web with the configured provider; a numbered list of title, URL and snippet."""
    settings = ctx.config.web_search
    provider = settings.provider
    if provider == "none":
        raise ToolError("no web search provider is configured (tools.web_search.provider); set it to searxng "
                        "(with base_url), brave or serper (with api_key_env) to enable web_search")
    if not ctx.network:
        raise _network_off("web_search")
    if not query.strip():
        raise ToolError("query is empty")
    wanted = max(1, min(count or 5, 20))
    base = (settings.base_url or _HOSTED.get(provider, "")).rstrip("/")
    if not base:
        raise ToolError(f"the {provider} search provider needs tools.web_search.base_url")
    timeout = settings.timeout_s
    if provider == "searxng":
        data = await _request_json(provider, "GET", f"{base}/search", timeout,
                                   params={"q": query, "format": "json"})
        results = [(r.get("title"), r.get("url"), r.get("content")) for r in _items(data, "results")]
    elif provider == "brave":
        headers = {"X-Subscription-Token": _api_key(ctx, provider), "Accept": "application/json"}
        data = await _request_json(provider, "GET", f"{base}/res/v1/web/search", timeout,
                                   params={"q": query, "count": str(wanted)}, headers=headers)
        results = [(r.get("title"), r.get("url"), r.get("description")) for r in _items(data, "web", "results")]
    else:
        headers = {"X-API-KEY": _api_key(ctx, provider), "Content-Type": "application/json"}
        data = await _request_json(provider, "POST", f"{base}/search", timeout,
                                   json={"q": query, "num": wanted}, headers=headers)
        results = [(r.get("title"), r.get("link"), r.get("snippet")) for r in _items(data, "organic")]
    results = [r for r in results if r[1]][:wanted]
    if not results:
        return f"No results for {query!r}."
    lines = [f"Results for {query!r}:"]
    for number, (title, link, snippet) in enumerate(results, 1):
        lines.append(f"{number}. {_clean(title) or '(no title)'}\n   {link}")
        if _clean(snippet):
            lines.append(f"   {_clean(snippet)}")
    return "\n".join(lines)
