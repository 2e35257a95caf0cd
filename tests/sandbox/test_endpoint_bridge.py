"""A model endpoint reached from inside a session whose network is off: through the bridge, and only so."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox.backends import needs_bwrap

from isetrace.config import SandboxConfig
from isetrace.errors import ConfigError, SandboxUnavailable
from isetrace.sandbox import Sandbox, SandboxHome, open_sandbox
from isetrace.sandbox import endpoint_bridge as endpoint_bridge_module
from isetrace.sandbox.endpoint_bridge import SOCKET_NAME, FirstRequest, endpoint_bridge, relay_argv

MOUNT = "/mnt/ise-endpoint"
PORT = 18431

ASK = ("import json, sys, urllib.request\n"
       "body = {'model': 'scripted', 'messages': [{'role': 'user', 'content': 'Say hello.'}]}\n"
       "request = urllib.request.Request(sys.argv[1] + '/chat/completions', data=json.dumps(body).encode(),\n"
       "    headers={'Content-Type': 'application/json', 'X-Ise-Role': 'agent'})\n"
       "try:\n"
       "    reply = json.load(urllib.request.urlopen(request, timeout=10))\n"
       "    print(json.dumps({'ok': True, 'object': reply['object']}))\n"
       "except OSError as exc:\n"
       "    print(json.dumps({'ok': False, 'error': type(exc).__name__}))\n")


async def ask(box: Sandbox, base_url: str) -> dict[str, Any]:
    result = await box.run(["python3", "-c", ASK, base_url], timeout_s=20)
    answer: dict[str, Any] = json.loads(result.stdout.decode())
    return answer


async def relay_ready(box: Sandbox, process: str) -> None:
    output = b""
    for _ in range(100):
        status = await box.poll(process)
        output += status.stdout
        if b"ready" in output:
            return
        assert status.running, (output, status.stderr)
        await asyncio.sleep(0.05)
    raise AssertionError(f"the relay did not start: {output!r}")


@needs_bwrap
async def test_the_endpoint_is_reachable_through_the_bridge_and_nothing_else_is(endpoint: Any,
                                                                                 sandbox_home: Path) -> None:
    url, server = endpoint
    async with endpoint_bridge(url) as bridge:
        config = SandboxConfig.model_validate({"backend": "bwrap", "network": False,
                                               "mounts": [{"source": str(bridge.directory), "target": MOUNT}]})
        box = await open_sandbox(config, SandboxHome(sandbox_home))
        try:
            assert await ask(box, url) == {"ok": False, "error": "URLError"}  # the host's loopback is not the box's
            relay = await box.start(relay_argv(f"{MOUNT}/{SOCKET_NAME}", PORT))
            await relay_ready(box, relay)
            assert await ask(box, f"http://127.0.0.1:{PORT}/v1") == {"ok": True, "object": "chat.completion"}
            assert server.requests == 1
            removed = await box.run(["sh", "-c", f"rm {MOUNT}/{SOCKET_NAME} || touch {MOUNT}/x"], timeout_s=10)
            assert removed.exit_code != 0  # the door is read-only: no session can take it away or add another
        finally:
            await box.close()
    assert not bridge.directory.exists()


async def test_mounts_are_checked_where_they_are_declared_and_where_they_run(sandbox_home: Path) -> None:
    for target in ("/usr/lib/x", "/opt/../etc", "relative", "/workspace/x", "/opt/"):
        with pytest.raises(ValueError, match="plain absolute path under /opt/ or /mnt/"):
            SandboxConfig.model_validate({"mounts": [{"source": "/tmp", "target": target}]})
    local = SandboxConfig.model_validate({"backend": "local", "mounts": [{"source": "/tmp", "target": "/opt/t"}]})
    with pytest.raises(SandboxUnavailable, match="mounts need a backend with a file system of its own"):
        await open_sandbox(local, SandboxHome(sandbox_home))
    with pytest.raises(ConfigError, match="plain http endpoints"):
        async with endpoint_bridge("https://api.example.com/v1"):
            pass


@needs_bwrap
async def test_a_mount_whose_source_is_gone_stops_the_session_start_with_its_name(sandbox_home: Path) -> None:
    gone = sandbox_home / "not-there"
    config = SandboxConfig.model_validate({"mounts": [{"source": str(gone), "target": "/opt/data"}]})
    with pytest.raises(SandboxUnavailable, match=f"sandbox.mounts: {gone} \\(for /opt/data\\) does not exist"):
        await open_sandbox(config, SandboxHome(sandbox_home))


async def send(socket: Path, raw: bytes) -> bytes:
    """Write ``raw`` (whole HTTP requests) to the bridge's socket and read until the endpoint closes."""
    reader, writer = await asyncio.open_unix_connection(str(socket))
    writer.write(raw)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return answer


def http(method: str, path: str, body: bytes = b"", *, close: bool = False) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + ("Connection: close\r\n" if close else "") + "\r\n").encode() + body


def chat(text: str) -> bytes:
    return json.dumps({"model": "scripted", "messages": [{"role": "user", "content": text}]}).encode()


async def test_only_the_first_chat_request_is_kept_and_the_rest_pass_unread(endpoint: Any) -> None:
    url, server = endpoint
    first = FirstRequest()
    async with endpoint_bridge(url, first) as bridge:
        answer = await send(bridge.socket, http("GET", "/v1/models") + http("POST", "/v1/chat/completions",
                                                                             chat("Say hello."), close=True))
        assert answer.count(b"HTTP/1.1 200") == 2  # both reached the endpoint and came back
        await send(bridge.socket, http("POST", "/v1/chat/completions", chat("I am a forged second request."),
                                       close=True))
    assert first.decided and first.problem == ""
    assert json.loads(first.body or b"")["messages"][0]["content"] == "Say hello."
    assert server.requests >= 2


async def test_a_first_request_that_is_too_large_or_not_http_is_not_kept(endpoint: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = endpoint
    monkeypatch.setattr(endpoint_bridge_module, "MAX_RECORDED_BODY", 100)
    large = FirstRequest()
    async with endpoint_bridge(url, large) as bridge:
        await send(bridge.socket, http("POST", "/v1/chat/completions", chat("x" * 200), close=True))
        await send(bridge.socket, http("POST", "/v1/chat/completions", chat("small"), close=True))
    assert large.decided and large.body is None and "over 100 bytes" in large.problem
    garbage = FirstRequest()
    async with endpoint_bridge(url, garbage) as bridge:
        await send(bridge.socket, b"\x00\x01 not a request at all\r\n\r\n")
        await send(bridge.socket, http("POST", "/v1/chat/completions", chat("after the garbage"), close=True))
    assert garbage.body is None and "not HTTP/1.1" in garbage.problem
