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
from isetrace.sandbox.endpoint_bridge import SOCKET_NAME, endpoint_bridge, relay_argv

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
