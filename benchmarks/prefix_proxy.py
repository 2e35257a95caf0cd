"""A recording proxy that measures how much of each model request a serving engine could take from its cache.

vLLM and SGLang keep the KV cache of prompts they have seen and reuse it for a later request's longest
previously seen prefix. A conversation's requests reuse it fully only when each one begins with the whole
previous request of that conversation, message for message: the same tools, the same earlier messages with
the same text, nothing rewritten (no per-turn timestamp in the system prompt, no earlier reasoning dropped,
no message re-serialised differently). A change that breaks that makes every turn pay for its whole prompt.

The proxy sits between the clients and the scripted endpoint, one path per role (``/agent/v1/…``,
``/user/v1/…``), forwards every request unchanged, and for each chat request asks: does it begin with the
whole of an earlier request of the same role? Messages are compared as the server parses them (each
message's JSON re-encoded canonically, the tools first, as chat templates put them), through a chain of
digests, so memory stays small however long the run. ``GET /prefix-reuse`` gives, per role, the requests
seen and those that continued an earlier one; every request but a conversation's first should.

    .venv/bin/python benchmarks/prefix_proxy.py --upstream http://127.0.0.1:PORT/v1   (prints its URL)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

ROLES = ("agent", "user")


def _canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def prefix_chain(body: dict[str, Any]) -> list[bytes]:
    """Digests of the request's prompt prefixes: ``[tools, tools+m0, tools+m0+m1, …]``; two requests share
    the first k+1 digests exactly when they have the same tools and the same first k messages."""
    digest = hashlib.sha256(_canonical(body.get("tools") or [])).digest()
    chain = [digest]
    for message in body.get("messages") or []:
        digest = hashlib.sha256(digest + _canonical(message)).digest()
        chain.append(digest)
    return chain


@dataclass
class RoleReuse:
    """What one role's requests could reuse: each request that begins with a whole earlier one continued."""

    requests: int = 0
    continued: int = 0
    """Requests that begin with the whole of an earlier request of this role."""
    reused_messages: int = 0
    """Of those, the messages the earlier request covered."""
    _whole: set[bytes] = field(default_factory=set, repr=False)

    def see(self, body: dict[str, Any]) -> None:
        chain = prefix_chain(body)
        self.requests += 1
        for length in range(len(chain) - 2, 0, -1):  # the longest earlier whole request it starts with
            if chain[length] in self._whole:
                self.continued += 1
                self.reused_messages += length
                break
        self._whole.add(chain[-1])

    def figures(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}


REUSE = web.AppKey("reuse", dict)
"""The app's :class:`RoleReuse` per role."""


def make_app(upstream: str) -> web.Application:
    """The proxy of ``upstream`` (a ``…/v1`` URL), recording per role in ``app[REUSE]``."""
    roles = {role: RoleReuse() for role in ROLES}
    session: list[aiohttp.ClientSession] = []

    async def forward(request: web.Request) -> web.Response:
        role, rest = request.match_info["role"], request.match_info["rest"]
        if role not in roles:
            raise web.HTTPNotFound(text=f"unknown role {role}")
        raw = await request.read()
        if rest == "chat/completions":
            roles[role].see(json.loads(raw))
        if not session:
            session.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)))
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")}
        async with session[0].request(request.method, f"{upstream}/{rest}", data=raw, headers=headers) as reply:
            return web.Response(body=await reply.read(), status=reply.status,
                                content_type=reply.content_type)

    async def reuse(request: web.Request) -> web.Response:
        return web.json_response({role: counts.figures() for role, counts in roles.items()})

    async def close(app: web.Application) -> None:
        for item in session:
            await item.close()

    app = web.Application(client_max_size=256 * 1024 * 1024)
    app.router.add_get("/prefix-reuse", reuse)
    app.router.add_route("*", "/{role}/v1/{rest:.*}", forward)
    app.on_cleanup.append(close)
    app[REUSE] = roles
    return app


async def serve(upstream: str) -> None:
    runner = web.AppRunner(make_app(upstream), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"listening on http://127.0.0.1:{runner.addresses[0][1]}", file=sys.stderr, flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="the endpoint's base URL, ending in /v1")
    asyncio.run(serve(parser.parse_args().upstream.rstrip("/")))


if __name__ == "__main__":
    main()
