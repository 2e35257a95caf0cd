"""Requests stay friendly to a serving engine's prefix cache: each begins with the whole previous request of
its conversation, as the recording proxy of ``benchmarks/pipeline.py`` measures it."""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from aiohttp import web

from isetrace.config import RunConfig
from isetrace.records import Intent
from isetrace.simulate.batch import simulate_all
from isetrace_scripted.server import ScriptedServer

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@functools.cache
def prefix_proxy() -> ModuleType:
    """The benchmark's proxy module (the benchmarks folder is not a package)."""
    spec = importlib.util.spec_from_file_location("prefix_proxy", BENCHMARKS / "prefix_proxy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while they are made
    spec.loader.exec_module(module)
    return module


def test_the_measure_tells_a_continued_conversation_from_a_rewritten_one() -> None:
    reuse = prefix_proxy().RoleReuse()
    system, ask = {"role": "system", "content": "You are an agent."}, {"role": "user", "content": "Count rows."}
    reply = {"role": "assistant", "content": "Done: 4 rows."}
    reuse.see({"messages": [system, ask]})
    reuse.see({"messages": [system, ask, reply, {"role": "user", "content": "Thanks; now sort them."}]})
    assert (reuse.requests, reuse.continued, reuse.reused_messages) == (2, 1, 2)
    stamped = {"role": "system", "content": "You are an agent. It is 09:01."}  # a prompt rewritten per turn
    reuse.see({"messages": [stamped, ask, reply, {"role": "user", "content": "And the total?"}]})
    reuse.see({"messages": [system, ask], "tools": [{"type": "function", "function": {"name": "exec"}}]})
    assert (reuse.requests, reuse.continued) == (4, 1)  # neither began with a whole earlier request


async def test_every_agent_and_simulator_request_begins_with_the_whole_previous_one(
        toy_intents: list[Intent], make_config: Callable[..., RunConfig], endpoint: tuple[str, ScriptedServer]) -> None:
    url, _ = endpoint
    module = prefix_proxy()
    runner = web.AppRunner(module.make_app(url.rstrip("/")), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    proxy = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        roles = ("agent", "user")
        config = make_config("simulate.mode=multi", *(f"endpoints.{role}.provider=openai" for role in roles),
                             *(f"endpoints.{role}.base_url={proxy}/{role}/v1" for role in roles))
        episodes = await simulate_all(toy_intents[:4], config, environ={})
        counts = {role: reuse.figures() for role, reuse in runner.app[module.REUSE].items()}
    finally:
        await runner.cleanup()
    conversations = {"agent": len(episodes), "user": sum(len(e.intents) for e in episodes)}
    for role, seen in counts.items():
        assert seen["requests"] > conversations[role] and seen["continued"] == seen["requests"] - conversations[role], \
            (role, seen, conversations)
