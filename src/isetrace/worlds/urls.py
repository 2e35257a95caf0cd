"""The names the worlds answer to, and the one way a URL is read into the key a page is stored under."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["GIT_HOST", "OFFICE_HOST", "PACKAGES_HOST", "SEARCH_HOST", "SERVICE_HOSTS", "normalise_url"]

SEARCH_HOST = "search.test"
"""The web world's search engine (``/search?q=…``, JSON)."""
OFFICE_HOST = "office.test"
"""The office services' API (``POST /v1/<operation>``, JSON)."""
GIT_HOST = "git.test"
"""The git remotes (``http://git.test/<name>.git``)."""
PACKAGES_HOST = "pypi.test"
"""The package index (``http://pypi.test/simple/``)."""
SERVICE_HOSTS = (SEARCH_HOST, OFFICE_HOST, GIT_HOST, PACKAGES_HOST)


def normalise_url(url: str) -> str:
    """``url`` as the world stores it: ``http``, a lower-case host without port 80, a path (``/`` at least),
    the query kept, the fragment dropped. ``ValueError`` for a URL without a host or of another scheme."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL with a host")
    host = parts.hostname.lower().rstrip(".")
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    return urlunsplit(("http", netloc, parts.path or "/", parts.query, ""))
