"""web_fetch connects only to addresses it checked: no DNS rebinding, no private ranges in disguise.

A real aiohttp server on 127.0.0.1 keeps a loopback-only secret. The one thing replaced is the outside
boundary, the system resolver (the event loop's ``getaddrinfo``), so a test decides what a name resolves
to and how often it was asked. Nothing of isetrace is mocked.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from tests.tools.conftest import Call, caller, make_ctx

from isetrace.sandbox import Sandbox

SECRET = "loopback-only secret"
PUBLIC = "93.184.216.34"
"""A public address. Tests connect to it only inside a network namespace of their own, where it is on
loopback (see test_public_hops_in_a_network_namespace): every probe stays on this machine."""


@dataclass
class Server:
    port: int
    requests: list[str] = field(default_factory=list)


async def _serve(host: str, port: int, pages: dict[str, str], redirects: dict[str, str] | None = None,
                 ) -> tuple[Server, web.AppRunner]:
    """A real server on ``host``: each path in ``pages`` answers its text, each in ``redirects`` a 302 to
    its URL; every request is recorded as host header + path."""
    server = Server(port)
    moved = redirects or {}

    async def answer(request: web.Request) -> web.StreamResponse:
        server.requests.append(f"{request.host}{request.path}")
        if request.path in moved:
            raise web.HTTPFound(moved[request.path])
        return web.Response(text=pages.get(request.path, pages.get("*", "")))

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    server.port = runner.addresses[0][1]
    return server, runner


@pytest.fixture
async def secret() -> AsyncIterator[Server]:
    """A server on 127.0.0.1 whose every page is the secret."""
    server, runner = await _serve("127.0.0.1", 0, {"*": SECRET})
    yield server
    await runner.cleanup()


class SystemResolver:
    """Stands in for the system resolver: names in ``answers`` get the addresses their function returns
    for the n-th question (1-based); every other name goes to the real resolver."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.real = loop.getaddrinfo
        self.answers: dict[str, Callable[[int], list[str]]] = {}
        self.asked: Counter[str] = Counter()

    async def getaddrinfo(self, host: Any, port: Any, *, family: int = 0, type: int = 0, proto: int = 0,
                          flags: int = 0) -> list[tuple[Any, ...]]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in self.answers:
            return await self.real(host, port, family=family, type=type, proto=proto, flags=flags)
        self.asked[name] += 1
        number = int(port or 0)
        infos: list[tuple[Any, ...]] = []
        for address in self.answers[name](self.asked[name]):
            if ":" in address:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, number, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, number)))
        return [info for info in infos if family in (0, info[0])]


@pytest.fixture
async def dns(monkeypatch: pytest.MonkeyPatch) -> SystemResolver:
    loop = asyncio.get_running_loop()
    resolver = SystemResolver(loop)
    monkeypatch.setattr(loop, "getaddrinfo", resolver.getaddrinfo)
    return resolver


def _checked(box: Sandbox) -> Call:
    """A caller whose web_fetch may reach public hosts only (the default)."""
    return caller(make_ctx(box, network=True, tools={"fetch_max_chars": 1000}))


async def _fetch(call: Call, url: str) -> str:
    """The text the model sees; online, a public address that never answers counts as a failed fetch."""
    try:
        return (await asyncio.wait_for(call("web_fetch", url=url), 10)).content
    except TimeoutError:
        return "Error: gave up waiting"


REFUSED = ", a private or local address; web_fetch only reaches public hosts"


@pytest.mark.parametrize(("name", "answer", "said"), [
    ("inside.test", ["127.0.0.1"], "inside.test resolves to 127.0.0.1"),
    ("inside6.test", ["::1"], "inside6.test resolves to ::1"),
    ("mixed.test", [PUBLIC, "127.0.0.1"], "mixed.test resolves to 127.0.0.1"),
    ("mapped.test", ["::ffff:127.0.0.1"], ", which carries 127.0.0.1"),
])
async def test_a_name_with_any_loopback_answer_is_refused(local_box: Sandbox, secret: Server, dns: SystemResolver,
                                                           name: str, answer: list[str], said: str) -> None:
    dns.answers[name] = lambda n: answer
    outcome = await _fetch(_checked(local_box), f"http://{name}:{secret.port}/secret")
    assert outcome.startswith("Error: ") and said + REFUSED in outcome
    assert secret.requests == []
    assert dns.asked[name] == 1


# CGNAT space (100.64/10) is refused: it is not public, and clouds keep services in it (Alibaba's metadata
# service is 100.100.100.200).
@pytest.mark.parametrize(("host", "said"), [
    pytest.param("2130706433", "2130706433 resolves to 127.0.0.1", id="decimal"),
    pytest.param("127.1", "127.1 resolves to 127.0.0.1", id="short"),
    pytest.param("0177.0.0.1", "0177.0.0.1 resolves to 127.0.0.1", id="octal"),
    pytest.param("0x7f.1", "0x7f.1 resolves to 127.0.0.1", id="hex"),
    pytest.param("0x7f000001", "0x7f000001 resolves to 127.0.0.1", id="hex-whole"),
    pytest.param("localhost", "localhost resolves to ", id="localhost"),
    pytest.param("[::ffff:127.0.0.1]", ", which carries 127.0.0.1", id="ipv4-mapped"),
    pytest.param("[::1]", "::1 resolves to ::1", id="ipv6-loopback"),
    pytest.param("0.0.0.0", "0.0.0.0 resolves to 0.0.0.0", id="unspecified"),
    pytest.param("[::]", ":: resolves to ::", id="ipv6-unspecified"),
    pytest.param("169.254.169.254", "169.254.169.254 resolves to 169.254.169.254", id="metadata"),
    pytest.param("224.0.0.1", "224.0.0.1 resolves to 224.0.0.1", id="multicast"),
    pytest.param("10.1.2.3", "10.1.2.3 resolves to 10.1.2.3", id="10/8"),
    pytest.param("172.16.0.1", "172.16.0.1 resolves to 172.16.0.1", id="172.16/12"),
    pytest.param("192.168.1.1", "192.168.1.1 resolves to 192.168.1.1", id="192.168/16"),
    pytest.param("100.64.0.1", "100.64.0.1 resolves to 100.64.0.1", id="cgnat"),
    pytest.param("100.100.100.200", "100.100.100.200 resolves to 100.100.100.200", id="cgnat-metadata"),
    pytest.param("240.0.0.1", "240.0.0.1 resolves to 240.0.0.1", id="reserved"),
    pytest.param("255.255.255.255", "255.255.255.255 resolves to 255.255.255.255", id="broadcast"),
    pytest.param("[fe80::1]", "fe80::1 resolves to fe80::1", id="ipv6-link-local"),
    pytest.param("[fd00::1]", "fd00::1 resolves to fd00::1", id="ipv6-unique-local"),
    pytest.param("[fec0::1]", "fec0::1 resolves to fec0::1", id="ipv6-site-local"),
    pytest.param("[ff02::1]", "ff02::1 resolves to ff02::1", id="ipv6-multicast"),
    pytest.param("[::127.0.0.1]", "a private or local address", id="ipv4-compatible"),
    pytest.param("[64:ff9b::127.0.0.1]", ", which carries 127.0.0.1", id="nat64"),
    pytest.param("[2002:7f00:1::]", ", which carries 127.0.0.1", id="6to4"),
    pytest.param("[2001:0:4136:e378:8000:63bf:80ff:fffe]", ", which carries 127.0.0.1", id="teredo"),
])
async def test_special_addresses_in_every_spelling_are_refused(local_box: Sandbox, secret: Server, host: str,
                                                               said: str) -> None:
    outcome = await _fetch(_checked(local_box), f"http://{host}:{secret.port}/secret")
    assert outcome.startswith("Error: ") and said in outcome and outcome.endswith(REFUSED)
    assert secret.requests == []


@pytest.mark.parametrize("host", ["1.2.3.4.5", "127.0.0.1.", "99999999999"])
async def test_a_host_that_looks_numeric_but_is_no_address_is_refused(local_box: Sandbox, host: str) -> None:
    outcome = await _fetch(_checked(local_box), f"http://{host}/")
    assert outcome == f"Error: {host} is not a valid IP address"


# In a network namespace of its own, a test can put a public address on loopback and serve a real "public"
# host there, so a first hop that passes the check, and its redirects, run end to end. The tests below run
# only inside that namespace; test_public_hops_in_a_network_namespace makes it and runs them there.
NETNS_FLAG = "WEB_PINNING_IN_NETNS"
in_netns = pytest.mark.skipif(os.environ.get(NETNS_FLAG) != "1",
                              reason="runs inside the network namespace test_public_hops_in_a_network_namespace "
                                     "makes, where a public address is on loopback")


@dataclass
class Hosts:
    public: Server
    secret: Server


@pytest.fixture
async def hosts() -> AsyncIterator[Hosts]:
    """A public server on PUBLIC and the secret on 127.0.0.1, on the same port, so one name with either
    address reaches one of them; the public one redirects from ``/to/<kind>``."""
    runners = []
    public, runner = await _serve(PUBLIC, 0, {"*": "public page, no secret here"})
    runners.append(runner)
    secret, runner = await _serve("127.0.0.1", public.port, {"*": SECRET})
    runners.append(runner)
    yield Hosts(public, secret)
    for runner in runners:
        await runner.cleanup()


async def _redirecting(hosts: Hosts) -> web.AppRunner:
    """A second public server (another port) whose /to/<kind> redirects to the secret in several disguises."""
    port = hosts.public.port
    targets = {"loopback": f"http://127.0.0.1:{port}/secret", "mapped": f"http://[::ffff:127.0.0.1]:{port}/secret",
               "decimal": f"http://2130706433:{port}/secret", "inside": f"http://inside.test:{port}/secret",
               "rebind": f"http://rebind.test:{port}/secret", "public": f"http://{PUBLIC}:{port}/secret"}
    _, runner = await _serve(PUBLIC, 0, {}, {f"/to/{kind}": url for kind, url in targets.items()})
    return runner


@in_netns
async def test_netns_a_rebinding_name_gets_the_address_that_was_checked(local_box: Sandbox, hosts: Hosts,
                                                                        dns: SystemResolver) -> None:
    """The attack that beat a check-then-connect web_fetch: the name is public when checked, loopback when
    connected to. Pinned, the fetch goes to the public address it checked, and never to ours."""
    dns.answers["rebind.test"] = lambda n: [PUBLIC] if n == 1 else ["127.0.0.1"]
    outcome = await _fetch(_checked(local_box), f"http://rebind.test:{hosts.public.port}/page")
    assert outcome.endswith("\n\npublic page, no secret here")
    assert hosts.public.requests == [f"rebind.test:{hosts.public.port}/page"]
    assert hosts.secret.requests == []
    assert dns.asked["rebind.test"] == 1


@in_netns
@pytest.mark.parametrize(("kind", "said"), [
    ("loopback", "Error: 127.0.0.1 resolves to 127.0.0.1" + REFUSED),
    ("mapped", ", which carries 127.0.0.1" + REFUSED),
    ("decimal", "Error: 2130706433 resolves to 127.0.0.1" + REFUSED),
    ("inside", "Error: inside.test resolves to 127.0.0.1" + REFUSED),
])
async def test_netns_a_redirect_to_loopback_is_refused_at_the_hop(local_box: Sandbox, hosts: Hosts,
                                                                  dns: SystemResolver, kind: str, said: str) -> None:
    dns.answers["inside.test"] = lambda n: ["127.0.0.1"]
    redirecting = await _redirecting(hosts)
    try:
        outcome = await _fetch(_checked(local_box), f"http://{PUBLIC}:{redirecting.addresses[0][1]}/to/{kind}")
    finally:
        await redirecting.cleanup()
    assert said in outcome and outcome.startswith("Error: ")
    assert hosts.secret.requests == []


@in_netns
async def test_netns_a_redirect_to_a_rebinding_name_gets_the_address_that_was_checked(
        local_box: Sandbox, hosts: Hosts, dns: SystemResolver) -> None:
    dns.answers["rebind.test"] = lambda n: [PUBLIC] if n == 1 else ["127.0.0.1"]
    redirecting = await _redirecting(hosts)
    try:
        outcome = await _fetch(_checked(local_box), f"http://{PUBLIC}:{redirecting.addresses[0][1]}/to/rebind")
    finally:
        await redirecting.cleanup()
    assert outcome.startswith(f"URL: http://rebind.test:{hosts.public.port}/secret\nStatus: 200")
    assert outcome.endswith("\n\npublic page, no secret here")
    assert hosts.secret.requests == []
    assert dns.asked["rebind.test"] == 1


@in_netns
async def test_netns_a_redirect_between_public_hosts_is_followed(local_box: Sandbox, hosts: Hosts) -> None:
    redirecting = await _redirecting(hosts)
    try:
        outcome = await _fetch(_checked(local_box), f"http://{PUBLIC}:{redirecting.addresses[0][1]}/to/public")
    finally:
        await redirecting.cleanup()
    assert outcome.startswith(f"URL: http://{PUBLIC}:{hosts.public.port}/secret\nStatus: 200")
    assert hosts.public.requests == [f"{PUBLIC}:{hosts.public.port}/secret"]


_SETUP = f'ip link set lo up && ip addr add {PUBLIC}/32 dev lo && exec unshare --user --map-user=1000 "$@"'
"""Run in a fresh user + network namespace: put PUBLIC on loopback, then run "$@" in a nested user namespace
as an ordinary user (as root, the sandbox would build its template for uids the namespace does not have)."""


def _netns_problem() -> str:
    """Why this machine cannot make an unprivileged network namespace with a public address on loopback."""
    missing = [tool for tool in ("unshare", "ip") if shutil.which(tool) is None]
    if missing:
        return f"needs {' and '.join(missing)} (util-linux, iproute2) to make a network namespace"
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--net", "sh", "-c", _SETUP, "sh", "true"],
                           capture_output=True, text=True, timeout=30, check=False)
    if probe.returncode:
        return f"cannot make an unprivileged network namespace here: {probe.stderr.strip() or probe.returncode}"
    return ""


def test_public_hops_in_a_network_namespace() -> None:
    if os.environ.get(NETNS_FLAG) == "1":
        pytest.skip("already inside the network namespace")
    problem = _netns_problem()
    if problem:
        pytest.skip(problem)
    inner = [f"{__file__}::{test.__name__}" for test in (
        test_netns_a_rebinding_name_gets_the_address_that_was_checked,
        test_netns_a_redirect_to_loopback_is_refused_at_the_hop,
        test_netns_a_redirect_to_a_rebinding_name_gets_the_address_that_was_checked,
        test_netns_a_redirect_between_public_hosts_is_followed)]
    run = subprocess.run(["unshare", "--user", "--map-root-user", "--net", "sh", "-c", _SETUP, "sh",
                          sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *inner],
                         env={**os.environ, NETNS_FLAG: "1"}, cwd=Path(__file__).parents[2],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "skipped" not in run.stdout, run.stdout
