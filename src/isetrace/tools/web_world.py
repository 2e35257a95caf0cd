"""``web_fetch`` and ``web_search`` against the session's web world (``worlds.web``) instead of the internet.

With worlds on, the session has no network, and the host-side tools must see what a command inside
would: the world's pages under their own names, nothing else. They call the world host over its
host-only unix socket (:meth:`isetrace.worlds.host.WorldHost.tool_socket`), so every fetch and search is
served, logged and — when faults are configured — failed by the same server a ``curl`` inside reaches. A
name no world answers fails as an unknown name does offline.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from yarl import URL

from isetrace.errors import ToolError
from isetrace.tools.context import ToolContext
from isetrace.worlds.urls import SEARCH_HOST

__all__ = ["uses_worlds", "world_connector", "world_search", "world_target"]


def uses_worlds(ctx: ToolContext) -> bool:
    """Whether the web tools go to the session's worlds."""
    return ctx.worlds is not None and ctx.worlds.world("web") is not None


async def world_connector(ctx: ToolContext) -> aiohttp.BaseConnector:
    assert ctx.worlds is not None
    return aiohttp.UnixConnector(path=await ctx.worlds.tool_socket())


def world_target(ctx: ToolContext, url: str) -> URL:
    """``url`` as the world serves it (``https`` read as ``http``: the worlds speak plain HTTP); a
    :class:`ToolError` for a URL whose host no world answers, as a failed lookup would be."""
    assert ctx.worlds is not None
    try:
        parsed = URL(url.strip())
    except ValueError:
        raise ToolError(f"{url!r} is not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise ToolError(f"{url!r}: only http and https URLs can be fetched")
    host = (parsed.raw_host or "").lower().rstrip(".")
    if not host:
        raise ToolError(f"{url!r} has no host name")
    if not ctx.worlds.answers(host):
        raise ToolError(f"cannot resolve the host {host!r}: Name or service not known")
    return parsed.with_scheme("http").with_port(None) if parsed.scheme == "https" else parsed


async def world_search(ctx: ToolContext, query: str, count: int) -> list[tuple[Any, Any, Any]]:
    """The web world's results for ``query``: (title, url, snippet) triples."""
    url = URL.build(scheme="http", host=SEARCH_HOST, path="/search", query={"q": query, "count": str(count)})
    try:
        async with aiohttp.ClientSession(connector=await world_connector(ctx),
                                         timeout=aiohttp.ClientTimeout(total=ctx.config.web_search.timeout_s)) as web, \
                web.get(url) as response:
            if response.status != 200:
                raise ToolError(f"the search request failed: HTTP {response.status} "
                                f"{(await response.text(errors='replace'))[:200]}".rstrip())
            data = await response.json(content_type=None)
    except aiohttp.ClientError as exc:
        raise ToolError(f"the search request failed: {exc or type(exc).__name__}") from None
    except TimeoutError:
        raise ToolError(f"the search request timed out after {ctx.config.web_search.timeout_s:g}s") from None
    except ValueError:
        raise ToolError("the search engine did not answer with JSON") from None
    results = data.get("results") if isinstance(data, dict) else None
    return [(r.get("title"), r.get("url"), r.get("snippet")) for r in results or [] if isinstance(r, dict)]
