"""The world host through real sessions: names that resolve inside and nowhere else, the log of every call,
state the agent cannot write, faults at their rates, and the scheduler's jobs firing."""

from __future__ import annotations

import asyncio
import socket
import struct
from pathlib import Path

import pytest
from tests.sandbox.backends import needs_bwrap
from tests.worlds.sessions import world_config, world_session

from isetrace.errors import SandboxUnavailable
from isetrace.records import Intent
from isetrace.worlds.dns import answer
from isetrace.worlds.faults import FaultPlan

SEEDED = Intent(id="i-seeded", natural_language_intent="x", world={
    "pages": [{"url": "https://data.harbour.example.com/api/berths.json", "content_type": "application/json",
               "body": '{"berths": 14, "free": 3}'}],
    "mail": [{"from": "Ada Brandt <ada@office.test>", "subject": "Berth report due", "body": "By Friday."}],
    "repos": [{"name": "berth-planner", "commits": [{"message": "Start", "files": {"plan.txt": "14 berths\n"}}]}]})


def _query(name: str, qtype: int = 1) -> bytes:
    labels = b"".join(bytes([len(part)]) + part.encode() for part in name.split("."))
    return b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + labels + b"\x00" + struct.pack(">HH", qtype, 1)


def test_the_name_server_answers_known_names_only_and_drops_what_is_not_a_query() -> None:
    known = answer(_query("docs.example.org"), lambda name: name == "docs.example.org")
    assert known is not None and known[:2] == b"\x12\x34" and known[-4:] == bytes([127, 0, 0, 1])
    unknown = answer(_query("evil.example.net"), lambda name: False)
    assert unknown is not None and unknown[3] & 0x0F == 3  # NXDOMAIN
    empty = answer(_query("docs.example.org", qtype=28), lambda name: True)
    assert empty is not None and struct.unpack(">H", empty[6:8])[0] == 0  # AAAA: the name, no record
    for junk in (b"", b"\x00" * 11, _query("a.b")[:-3], b"\xff" * 600, _query("x") .replace(b"\x01\x00", b"\x81\x00")):
        assert answer(junk, lambda name: True) is None


def test_faults_are_drawn_at_their_rates_and_the_same_again_for_the_same_session() -> None:
    plan = FaultPlan({"server_error": 0.2, "rate_limited": 0.1}, seed=7, session="ep-1")
    draws = [plan.draw() for _ in range(4000)]
    assert 0.17 < draws.count("server_error") / 4000 < 0.23 and 0.08 < draws.count("rate_limited") / 4000 < 0.12
    again = FaultPlan({"server_error": 0.2, "rate_limited": 0.1}, seed=7, session="ep-1")
    assert [again.draw() for _ in range(4000)] == draws
    other = FaultPlan({"server_error": 0.2, "rate_limited": 0.1}, seed=7, session="ep-2")
    assert [other.draw() for _ in range(4000)] != draws
    assert FaultPlan({}, seed=0, session="x").draw() is None


@needs_bwrap
async def test_the_worlds_answer_inside_their_session_and_nowhere_else(sandbox_home: Path) -> None:
    config = world_config(sandbox_home, "worlds.web=true", "worlds.office=true", "worlds.git=true")
    url = "http://data.harbour.example.com/api/berths.json"
    async with world_session(config, [SEEDED]) as (box, host), world_session(config, episode="ep-2") as (other, _):
        fetched = await box.run(["curl", "-sS", url], timeout_s=20)
        assert fetched.exit_code == 0 and fetched.stdout == b'{"berths": 14, "free": 3}'
        assert (await box.run(["getent", "hosts", "www.google.com"], timeout_s=10)).exit_code != 0  # no other name
        # the other session has the base corpus and office too, but not this intent's page or inbox
        elsewhere = await other.run(["curl", "-sS", "-m", "5", url], timeout_s=20)
        assert elsewhere.exit_code == 6 and b"Could not resolve host" in elsewhere.stderr
        forced = await other.run(["curl", "-sS", "-m", "5", "-H", "Host: data.harbour.example.com",
                                  "http://127.0.0.1/api/berths.json"], timeout_s=20)
        assert b"berths" not in forced.stdout  # its own loopback is its own world
        remote = ["git", "ls-remote", "http://git.test/berth-planner.git"]
        assert (await box.run(remote, timeout_s=20)).exit_code == 0
        assert (await other.run(remote, timeout_s=20)).exit_code != 0  # the other session's remotes are its own
        inbox = await box.run(["office", "mail", "list_messages"], timeout_s=20)
        assert inbox.exit_code == 0 and b"Berth report due" in inbox.stdout
        assert b"Berth report due" not in (await other.run(["office", "mail", "list_messages"], timeout_s=20)).stdout
        with socket.socket() as probe:  # nor from the host: nothing of the session listens on its loopback
            probe.settimeout(2)
            if probe.connect_ex(("127.0.0.1", 80)) == 0:
                probe.sendall(b"GET /api/berths.json HTTP/1.0\r\nHost: data.harbour.example.com\r\n\r\n")
                assert b"berths" not in probe.recv(4096)
        entries = list(host.audit)
        assert [(e.world, e.via, e.method, e.host) for e in entries if e.world != "git"] == [
            ("web", "http", "GET", "data.harbour.example.com"), ("office", "http", "POST", "office.test")]
        assert entries[0].detail == {"url": url, "found": True} and entries[-1].status == 200
        assert [e.world for e in entries].count("git") >= 1  # ls-remote, logged; the other session's is not here


@needs_bwrap
async def test_the_agent_cannot_take_over_the_worlds_port_or_reach_the_host_side(sandbox_home: Path) -> None:
    config = world_config(sandbox_home, "worlds.office=true")
    async with world_session(config) as (box, host):
        bind = await box.run(["python3", "-c", "import socket; socket.socket().bind(('127.0.0.1', 80))"], timeout_s=10)
        assert bind.exit_code != 0  # the host holds the port; nothing in the session can answer in its place
        tool_socket = await host.tool_socket()
        seen = await box.run(["ls", tool_socket], timeout_s=10)
        assert seen.exit_code != 0  # the host-only socket is not in the session
        spoofed = await box.run(["curl", "-sS", "-H", "X-Forwarded-For: tool", "-X", "POST", "-d", "{}",
                                 "http://office.test/v1/todo_list"], timeout_s=10)
        assert spoofed.exit_code == 0 and [e.via for e in host.audit] == ["http"]


@needs_bwrap
async def test_faults_fail_calls_as_configured_and_are_logged_with_their_kind(sandbox_home: Path) -> None:
    config = world_config(sandbox_home, "worlds.web=true", "worlds.faults.rates.rate_limited=0.5",
                          "worlds.faults.rates.flaky_read=0.2", "worlds.faults.rates.timeout=0.1",
                          "worlds.faults.timeout_s=0.3", "worlds.faults.seed=3")
    async with world_session(config, [SEEDED]) as (box, host):
        script = ("for i in $(seq 30); do curl -s -m 5 -o /dev/null -w '%{http_code} ' "
                  "http://data.harbour.example.com/api/berths.json; echo $?; done")
        ran = await box.run(["sh", "-c", script], timeout_s=120)
        lines = ran.stdout.decode().split("\n")[:30]
        entries = list(host.audit)
        assert len(entries) == 30
        for line, entry in zip(lines, entries, strict=True):
            code, exit_code = line.split()
            if entry.fault == "rate_limited":
                assert (code, exit_code, entry.status) == ("429", "0", 429)
            elif entry.fault == "flaky_read":
                assert exit_code == "18"  # curl: the body stopped short of its length
            elif entry.fault == "timeout":
                assert code == "000" and exit_code in ("52", "56")  # the connection dropped, no answer
            else:
                assert (entry.fault, code, exit_code) == (None, "200", "0")
        kinds = [e.fault for e in entries]
        assert {kind: kinds.count(kind) for kind in set(kinds)} == {"rate_limited": 19, "flaky_read": 5,
                                                                    "timeout": 3, None: 3}
        again = FaultPlan({"rate_limited": 0.5, "flaky_read": 0.2, "timeout": 0.1}, seed=3, session="ep-1")
        assert [again.draw() for _ in range(30)] == kinds  # the same faults for the same run and episode


@needs_bwrap
async def test_a_registered_job_fires_in_the_session_and_its_runs_are_the_hosts_record(sandbox_home: Path) -> None:
    config = world_config(sandbox_home, "worlds.office=true")
    async with world_session(config) as (box, host):
        made = await box.run(["office", "scheduler", "create_job", "--name", "stamp", "--command",
                              "echo fired >> stamps.txt", "--every_s", "1"], timeout_s=20)
        assert made.exit_code == 0, made.stderr
        for _ in range(60):
            runs = [e for e in host.audit if e.world == "scheduler"]
            if len(runs) >= 2:
                break
            await asyncio.sleep(0.1)
        assert len(runs) >= 2 and all(e.detail["exit_code"] == 0 and e.detail["name"] == "stamp" for e in runs)
        assert (await box.read_file("stamps.txt")).count(b"fired") >= 2


@needs_bwrap
async def test_a_malformed_seed_ends_the_session_start_naming_the_intent(sandbox_home: Path) -> None:
    config = world_config(sandbox_home, "worlds.web=true")
    broken = Intent(id="i-broken", natural_language_intent="x", world={"pages": [{"url": "ftp://x/y", "body": ""}]})
    with pytest.raises(SandboxUnavailable, match="i-broken"):
        async with world_session(config, [broken]):
            pass
