"""``ise run --executor ray --address …`` against a real Ray cluster: two nodes started with ``ray start``
as separate processes on this machine, episodes on both, and the worker node killed in the middle of a run.

The cluster stays on loopback, as far as Ray 2.60 lets it:

- Ray turns ``127.0.0.1`` (and ``localhost``) into the machine's network address wherever it is given
  (``ray start --node-ip-address``, the address a driver joins), so the nodes take two other loopback
  addresses, which it keeps as given: the head 127.0.0.2, the worker 127.0.0.3 (Linux routes all of
  127.0.0.0/8 to ``lo``). Every address the cluster advertises is then a loopback one, and to Ray the
  two nodes are two hosts.
- Ray's own gRPC servers — the GCS, each raylet's node and object managers, and the core worker inside
  every worker and driver — listen on all interfaces, and ``ray start`` has no option to narrow them
  (the dashboard is the only server with a ``--…-host``). :func:`check_loopback_only` allows exactly
  those to listen on the wildcard address and nothing else off loopback; and the cluster requires a
  token (``RAY_AUTH_MODE=token``, a random one per cluster), so nothing that reaches those ports can
  use them.
- the dashboard is off, usage stats are off, and each node keeps its sockets, logs and session files in
  a short temporary directory of its own (Ray's Unix socket paths live there and must stay under 108
  characters), removed after the test.

Each node is a session of its own (``ray start`` runs with ``start_new_session``, and Ray's daemons and
workers stay in it), so a node is stopped by killing the processes of its session. ``ray stop`` is not
used: it stops every Ray process of the machine, other runs' included.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.extras import needs_extra
from tests.pipeline.test_run import check_run, ise_run, same_under_any_executor

from isetrace.jsonl import load_jsonl
from isetrace.records import Episode

pytestmark = [pytest.mark.ray, pytest.mark.slow]

RAY = Path(sys.executable).parent / "ray"
HEAD_IP = "127.0.0.2"
WORKER_IP = "127.0.0.3"
EPISODE_TASK = b"ray::episode_job"
"""How a Ray worker names itself (its ``/proc/PID/cmdline``) while it runs an episode."""
WILDCARD_LISTENERS = {"gcs_server", "raylet", "ray::IDLE"}
"""The processes of a node whose gRPC servers Ray binds to all interfaces, with no option to bind them
elsewhere: the GCS, the raylet, and a worker waiting for a task (a worker names itself after the task it
runs, but the check runs before any); Ray's Python agents take the node's address."""
CHEAP = ["-c", "run.exports=[ise-openai]", "-c", "simulate.drift_detector=rules"]
"""What the tests do not look at, left out so a run ends sooner: the exports but one, and the drift model
(every Ray worker would load it for its first episode)."""
SLOW_MODELS = ["-c", "endpoints.agent.provider_options.latency_ms=50",
               "-c", "endpoints.user.provider_options.latency_ms=50"]
"""Model calls that take a moment, so the episodes of a toy intent last seconds and a kill lands in one."""
TOY_INTENTS = Path(__file__).parents[1] / "data" / "toy_intents.jsonl"


@dataclass
class Node:
    """One ``ray start``: its loopback address, its temporary directory and the session of its processes."""

    ip: str
    temp_dir: Path
    session: int = 0
    """The process id of the ``ray start`` that made it, which is the session id of every process of the node."""

    def pids(self) -> list[int]:
        """The live processes of the node (zombies left to be reaped count as gone)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if int(fields[3]) == self.session and fields[0] != "Z":
                found.append(int(entry.name))
        return found

    def running_episodes(self) -> set[int]:
        """The node's workers that are running an episode now."""
        running = set()
        for pid in self.pids():
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(EPISODE_TASK):
                    running.add(pid)
            except (FileNotFoundError, ProcessLookupError):
                continue
        return running

    def kill(self, timeout: float = 20.0) -> None:
        """SIGKILL every process of the node, until none is left."""
        deadline = time.monotonic() + timeout
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        assert not self.pids(), f"processes of the Ray node at {self.ip} outlived SIGKILL: {self.pids()}"


@dataclass
class Cluster:
    """The two nodes, and the address a driver joins them at."""

    address: str
    """The head's GCS address (``ise run --address``)."""
    head: Node
    worker: Node

    @property
    def nodes(self) -> list[Node]:
        return [self.head, self.worker]


def start_node(nodes: list[Node], ip: str, *options: str) -> Node:
    """``ray start`` one node on ``ip``; it joins ``nodes`` before it starts, so it is stopped even when its
    start fails half-way."""
    node = Node(ip, Path(tempfile.mkdtemp(prefix="ray", dir="/tmp")))
    nodes.append(node)
    command = [str(RAY), "start", f"--node-ip-address={ip}", "--num-cpus=1", "--disable-usage-stats",
               f"--temp-dir={node.temp_dir}", *options]
    # the node's working directory is its own, not the project: a worker of a real cluster has neither
    process = subprocess.Popen(command, cwd=node.temp_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    node.session = process.pid
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, f"ray start on {ip} failed:\n{out}"
    return node


def loopback_can_take(*ips: str) -> bool:
    for ip in ips:
        try:
            with socket.socket() as probe:
                probe.bind((ip, 0))
        except OSError:
            return False
    return True


@pytest.fixture
def ray_cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    """A head and a worker node, each started with ``ray start``, one CPU each so episodes land on both;
    every process of both is killed afterwards, and their directories removed."""
    needs_extra("ray")
    if not loopback_can_take(HEAD_IP, WORKER_IP):
        pytest.skip(f"the loopback interface here does not take {HEAD_IP} and {WORKER_IP}")
    # the token reaches every node (ray start's environment) and every driver (ise run's, copied from ours)
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    monkeypatch.setenv("RAY_AUTH_TOKEN", secrets.token_hex(32))
    nodes: list[Node] = []
    try:
        head = start_node(nodes, HEAD_IP, "--head", "--port=0", "--include-dashboard=false",
                          "--dashboard-host=127.0.0.1")
        address = (head.temp_dir / "ray_current_cluster").read_text().strip()
        worker = start_node(nodes, WORKER_IP, f"--address={address}")
        yield Cluster(address, head, worker)
    finally:
        for node in nodes:
            node.kill()
            shutil.rmtree(node.temp_dir, ignore_errors=True)


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    """The ``ise run`` processes a test starts, killed (their process group) if one is still running at
    the end, so a failed test leaves no driver behind either."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def finish_watching(process: subprocess.Popen[str], watch: Callable[[], None],
                    timeout: float = 300) -> tuple[int, str, str]:
    """Wait for ``process`` while reading its output, calling ``watch`` about five times a second."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            out, err = process.communicate(timeout=0.2)
            return process.returncode, out, err
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                raise
            watch()


def process_name(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()


def listening_sockets(pids: list[int]) -> list[tuple[str, Any, int]]:
    """``(process name, address, port)`` of every TCP socket the processes ``pids`` listen on."""
    by_inode: dict[str, tuple[Any, int]] = {}
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            columns = line.split()
            if columns[3] != "0A":  # LISTEN
                continue
            hex_address, hex_port = columns[1].split(":")
            raw = b"".join(bytes.fromhex(hex_address[i:i + 8])[::-1] for i in range(0, len(hex_address), 8))
            by_inode[columns[9]] = (ipaddress.ip_address(raw), int(hex_port, 16))
    found = []
    for pid in pids:
        try:
            name = process_name(pid)
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except (FileNotFoundError, ProcessLookupError):
            continue
        for link in links:
            if link.startswith("socket:[") and (inode := link[8:-1]) in by_inode:
                found.append((name, *by_inode[inode]))
    return found


def check_loopback_only(cluster: Cluster) -> None:
    """Every node advertises its loopback address, and nothing of the cluster listens off loopback but the
    gRPC servers Ray binds to all interfaces (see the module's docstring)."""
    for node in cluster.nodes:
        raylets = [pid for pid in node.pids() if process_name(pid) == "raylet"]
        assert len(raylets) == 1, f"the node at {node.ip} has raylets {raylets}"
        arguments = Path(f"/proc/{raylets[0]}/cmdline").read_bytes().split(b"\0")
        assert f"--node_ip_address={node.ip}".encode() in arguments, arguments
    sockets = listening_sockets([pid for node in cluster.nodes for pid in node.pids()])
    gcs_port = int(cluster.address.rsplit(":", 1)[1])
    assert any(name == "gcs_server" and port == gcs_port for name, _, port in sockets), sockets
    for name, address, port in sockets:
        loopback = address.is_loopback or (address.version == 6 and address.ipv4_mapped is not None
                                           and address.ipv4_mapped.is_loopback)
        assert loopback or (address.is_unspecified and name in WILDCARD_LISTENERS), \
            f"{name} listens on {address}:{port}"


def test_episodes_on_a_two_node_cluster_are_those_of_a_local_run(tmp_path: Path, sandbox_home: Path,
                                                                  ray_cluster: Cluster,
                                                                  started: list[subprocess.Popen[str]]) -> None:
    check_loopback_only(ray_cluster)
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    ran_on: dict[str, set[int]] = {node.ip: set() for node in ray_cluster.nodes}

    def note_episodes() -> None:
        for node in ray_cluster.nodes:
            ran_on[node.ip] |= node.running_episodes()

    # the local run samples and renders the intents; the cluster's run takes them as they came out (Stage I
    # runs in the driver whatever the executor, so rendering them again would only take time)
    same_intents = ["-c", f"intents.file={tmp_path / 'local' / 'intents' / 'intents.jsonl'}"]
    for executor, where in (("local", []), ("ray", ["--address", ray_cluster.address, *same_intents])):
        run_dir = tmp_path / executor
        started.append(ise_run(run_dir, sandbox_home, "-c", "intents.count=3", *CHEAP, "--executor", executor,
                               *where))
        code, _, err = finish_watching(started[-1], note_episodes)
        assert code == 0, err
        # the config hash is the one thing the intents file changes
        runs[executor] = {e.episode_id: same_under_any_executor(e) | {"config_hash": None} for e in check_run(run_dir)}
    assert len(runs["local"]) == 3 and runs["ray"].keys() == runs["local"].keys()
    for episode_id, episode in runs["local"].items():
        assert runs["ray"][episode_id] == episode, f"episode {episode_id} differs on the cluster"
    # one CPU a node and three episodes at once: Ray places one on each node, in workers of the cluster
    assert all(ran_on.values()), f"workers that ran an episode, by node: {ran_on}"


def test_a_node_killed_mid_run_loses_and_duplicates_no_episode(tmp_path: Path, sandbox_home: Path,
                                                               ray_cluster: Cluster,
                                                               started: list[subprocess.Popen[str]]) -> None:
    toys = [json.loads(line) for line in TOY_INTENTS.read_text().splitlines()]
    intents = tmp_path / "intents.jsonl"  # eight sessions: the three toy intents again and again
    intents.write_text("".join(json.dumps({**toys[n % len(toys)], "id": f"toy-{n}"}) + "\n" for n in range(8)))
    run_dir = tmp_path / "run"
    started.append(ise_run(run_dir, sandbox_home, "-c", f"intents.file={intents}", *CHEAP, *SLOW_MODELS,
                           "--executor", "ray", "--address", ray_cluster.address))
    killed: set[int] = set()

    def kill_the_worker_node_mid_episode() -> None:
        if killed:
            return
        episodes = run_dir / "episodes.jsonl"
        recorded = load_jsonl(episodes, Episode)[0] if episodes.exists() else []
        # some episodes recorded, one running on the worker node: its raylet and workers die at once
        if recorded and (running := ray_cluster.worker.running_episodes()):
            ray_cluster.worker.kill()
            killed.update(running)

    code, out, err = finish_watching(started[-1], kill_the_worker_node_mid_episode)
    assert killed, "the run ended before an episode ran on the worker node after the first was recorded"
    if "resume with: ise run --resume" not in err:
        # Ray ran the killed node's episodes again on the head, within the run
        assert code == 0, err
    else:  # Ray gave up on one: the run stopped without recording it, and a resume runs it
        assert code == 0 and "Ray could not run an episode" in err, err
        started.append(ise_run(run_dir, sandbox_home, resume=True))
        code, out, err = finish_watching(started[-1], lambda: None)
        assert code == 0, err
    check_run(run_dir)  # every intent's episode exactly once
    failures = run_dir / "failures.jsonl"
    assert not failures.exists() or failures.read_text() == "", "an episode was recorded as failed: its node died"
    assert "episode failures: 0" in out, out
