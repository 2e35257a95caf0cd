"""A closing message's claims held against the turn's record and the real workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.sandbox.backends import BEST_BACKEND

from isetrace.config import SandboxConfig
from isetrace.records import Message, ToolCall, ToolResult
from isetrace.sandbox import Sandbox, SandboxHome, open_sandbox
from isetrace.verify.claims import turn_claims


@pytest.fixture
async def box(sandbox_home: Path) -> AsyncIterator[Sandbox]:
    sandbox = await open_sandbox(SandboxConfig(backend=BEST_BACKEND), SandboxHome(sandbox_home))
    try:
        await sandbox.write_file("report.md", b"total 642\n")
        yield sandbox
    finally:
        await sandbox.close()


def shell(ident: str, command: str, output: str, exit_code: int) -> list[Message]:
    call = ToolCall(id=ident, name="exec", arguments={"command": command}, arguments_raw="{}")
    return [Message(role="assistant", tool_calls=[call]),
            Message(role="tool", tool_call_id=ident, name="exec", content=output,
                    result=ToolResult(call_id=ident, tool="exec", ok=exit_code == 0, exit_code=exit_code,
                                      stdout=output))]


async def test_claims_without_evidence_are_found_and_supported_ones_are_not(box: Sandbox) -> None:
    user = Message(role="user", content="Parcels: Porto 412, Braga 230. Write report.md with the total.")
    turn = [*shell("c1", "python3 total.py > report.md", "642\n", 0)]
    reply = Message(role="assistant", content=(
        "Done. I created `report.md` and saved `summary.csv`, ran `python3 total.py` and `make lint`; all tests "
        "pass. Porto had 412 parcels, the total is 642, the mean is 321.5, as of 2026."))
    episode = [user, *turn, reply]
    claims = await turn_claims(reply.content or "", [*turn, reply], episode, box, index=3)
    found = {(c.kind, c.claim) for c in claims}
    assert found == {("file", "summary.csv"), ("command", "make lint"), ("tests", "all tests pass"),
                     ("number", "321.5")}
    assert all(c.message == 3 for c in claims)
    missing = next(c for c in claims if c.kind == "file")
    assert missing.evidence == "summary.csv is not in the workspace at the end of the turn"


async def test_tests_said_to_pass_must_have_passed_on_their_last_run(box: Sandbox) -> None:
    failing = [*shell("t1", "pytest -q", "1 failed", 1)]
    passing = [*shell("t1", "pytest -q", "1 failed", 1), *shell("t2", "python -m pytest", "3 passed", 0)]
    reply = "The tests now pass."
    [claim] = await turn_claims(reply, failing, failing, box, index=2)
    assert claim.kind == "tests" and "exited 1" in claim.evidence
    assert await turn_claims(reply, passing, passing, box, index=4) == []
