"""Failures on purpose: the worlds answer some calls the way real services fail, at configured rates.

Data in which every call succeeds teaches an agent nothing about recovery. ``worlds.faults`` sets a rate
per kind; each session draws from its own generator, seeded by the run's seed and the session's id, so
the same run injects the same faults into the same calls. Every injected fault is written to the audit
log with its kind, and from there into the episode, so ``ise stats`` can count what the agent did next.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Mapping

from aiohttp import web

from isetrace.config import FAULT_KINDS

__all__ = ["FAULT_KINDS", "FaultPlan", "respond_with_fault"]



class FaultPlan:
    """Which calls of one session fail, and how: one draw per call, in call order."""

    def __init__(self, rates: Mapping[str, float], *, seed: int, session: str, timeout_s: float = 15.0) -> None:
        self.rates = {kind: rate for kind, rate in rates.items() if rate > 0}
        self.timeout_s = timeout_s
        digest = hashlib.sha256(f"{seed}:{session}".encode()).digest()
        self._random = random.Random(int.from_bytes(digest[:8], "big"))

    def draw(self) -> str | None:
        """The fault for the next call, or ``None``. Draws even at rate 0 elsewhere: each call moves the
        generator once, so a call's fault does not depend on which kinds happen to be on."""
        if not self.rates:
            return None
        point, edge = self._random.random(), 0.0
        for kind in FAULT_KINDS:
            edge += self.rates.get(kind, 0.0)
            if point < edge:
                return kind
        return None


async def respond_with_fault(kind: str, request: web.Request, timeout_s: float) -> web.StreamResponse:
    """The response of a call that ``kind`` makes fail."""
    if kind == "rate_limited":
        return web.json_response({"error": "rate limit exceeded, retry later"}, status=429,
                                 headers={"Retry-After": "1"})
    if kind == "server_error":
        return web.json_response({"error": "internal server error"}, status=500)
    if kind == "permission_denied":
        return web.json_response({"error": "permission denied"}, status=403)
    if kind == "timeout":
        await asyncio.sleep(timeout_s)
        if request.transport is not None:
            request.transport.close()  # no answer at all: the client's own timeout, or a reset
        return web.Response(status=504)
    body = b'{"partial": "the connection was reset while reading the response ' + b"." * 512
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json",
                                                       "Content-Length": str(len(body) * 4)})
    await response.prepare(request)
    await response.write(body)
    if request.transport is not None:
        request.transport.close()
    return response
