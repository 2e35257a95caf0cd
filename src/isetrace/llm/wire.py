"""The wire under :class:`~isetrace.llm.client.ChatClient`: one POST of a chat-completions body, its reply's bytes.

A run makes tens of model calls per episode from one event loop, and at 32 episodes in flight that loop
is the runner's bottleneck: every millisecond of CPU a call costs makes every other episode's callbacks
run later. The official SDK spends most of a call's CPU on layers a body that is already JSON does not
need (type transforms of the parameters, httpx request and response models over aiohttp, a Python JSON
encoder): measured in ``benchmarks/pipeline.py``, a quarter of the runner's time. So the body is encoded
once with orjson and posted with aiohttp as it is, and the reply comes back as bytes for
:mod:`isetrace.llm.replies` to read.

What goes wrong is raised as :class:`WireError`: :class:`WireTimeout`, :class:`WireConnectionFailed` or
:class:`WireStatus` (an HTTP error status, with the server's body and headers), which
:mod:`isetrace.llm.retry` sorts into worth another try or not. A reply is untrusted input: its body is
read up to :data:`MAX_REPLY_BYTES` (an error's up to :data:`MAX_ERROR_BYTES`), never more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

__all__ = ["MAX_ERROR_BYTES", "MAX_REPLY_BYTES", "ChatWire", "WireConnectionFailed", "WireError", "WireStatus",
           "WireTimeout", "WireTooLarge"]

MAX_REPLY_BYTES = 64 << 20
"""The most of a reply body read: far above any completion (a 128k-token reply is about 0.5 MB of JSON)."""

MAX_ERROR_BYTES = 64 << 10
"""The most of an error body read: what a person needs to see why, and no more."""


class WireError(Exception):
    """A request that did not come back with a reply."""


class WireTimeout(WireError):
    """No connection, or no reply bytes, within the endpoint's ``timeout_s``."""


class WireConnectionFailed(WireError):
    """The connection could not be made, or broke before the reply was whole."""


class WireTooLarge(WireError):
    """The reply's body is larger than :data:`MAX_REPLY_BYTES`."""


class WireStatus(WireError):
    """The server answered with an HTTP error status.

    ``body`` is the error body as JSON when it parses, else as text (cut at :data:`MAX_ERROR_BYTES`);
    ``headers`` has lower-case names (``retry-after`` is read from them).
    """

    def __init__(self, status: int, body: Any, headers: Mapping[str, str]) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code = status
        self.body = body
        self.headers = dict(headers)

    @property
    def code(self) -> str | None:
        """The error's ``code`` field, when the body is OpenAI-style JSON (``{"error": {"code": …}}``)."""
        inner = self.body.get("error", self.body) if isinstance(self.body, dict) else None
        code = inner.get("code") if isinstance(inner, dict) else None
        return None if code is None else str(code)


class ChatWire:
    """POSTs to one endpoint's ``/chat/completions``, over connections kept open between calls.

    The aiohttp session is made on the first call, inside the running event loop (it belongs to that
    loop); :meth:`aclose` closes it. How many calls run at once is the caller's business: the pool
    itself does not limit them.
    """

    def __init__(self, base_url: str, api_key: str, timeout_s: float, extra_headers: Mapping[str, str], *,
                 max_reply_bytes: int = MAX_REPLY_BYTES, max_error_bytes: int = MAX_ERROR_BYTES) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self._headers = {"Content-Type": "application/json", "Accept": "application/json",
                         "Authorization": f"Bearer {api_key}", **extra_headers}
        self._timeout = aiohttp.ClientTimeout(total=None, connect=timeout_s, sock_read=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._max_reply = max_reply_bytes
        self._max_error = max_error_bytes

    def _opened(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0), headers=self._headers, timeout=self._timeout)
        return self._session

    async def post(self, body: Mapping[str, Any]) -> bytes:
        """The reply body of one POST of ``body``, encoded as compact UTF-8 JSON; raises :class:`WireError`."""
        data = orjson.dumps(body)
        try:
            async with self._opened().post(self.url, data=data) as response:
                if response.status >= 400:
                    raise WireStatus(response.status, _error_body(await _read(response, self._max_error, cut=True)),
                                     {k.lower(): v for k, v in response.headers.items()})
                return await _read(response, self._max_reply, cut=False)
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutErrors too
            raise WireTimeout("the request timed out") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise WireConnectionFailed(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        """Close the connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _read(response: aiohttp.ClientResponse, limit: int, *, cut: bool) -> bytes:
    """The body, up to ``limit`` bytes: cut there when ``cut``, else :class:`WireTooLarge` past it."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > limit:
            if cut:
                chunks.append(chunk[: len(chunk) - (size - limit)])
                break
            raise WireTooLarge(f"the reply is larger than {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _error_body(raw: bytes) -> Any:
    """An error body as JSON when it is JSON, else as text."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", "replace")
