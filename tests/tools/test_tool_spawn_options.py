"""sessions_spawn's options, session_status's model, sessions_send by label, subagents' defaults: for real.

Sub-agents run on the scripted endpoint in a real sandbox (the rig of the sub-agent tests). What the
runtime can honour changes what happens; what it cannot is refused before anything runs or is written.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from tests.simulate.conftest import make_config  # noqa: F401  (a fixture the rig needs)
from tests.simulate.test_subagents import TASK, Rig, open_rig
from tests.tools.conftest import caller, make_ctx

from isetrace.config import RunConfig
from isetrace.sandbox import Sandbox
from isetrace.tools import Dialect, ToolContext
from isetrace.tools.spawn_options import MAX_ATTACHMENTS


@pytest.fixture
async def rig(make_config: Callable[..., RunConfig]) -> AsyncIterator[Rig]:  # noqa: F811
    """An episode's session machinery on the scripted endpoint, with a fixed system prompt for sub-agents."""

    def fixed_prompt(ctx: ToolContext) -> Callable[[Dialect], Awaitable[str]]:
        async def system_prompt(dialect: Dialect) -> str:
            return f"You are a careful assistant in {ctx.workspace}. Tools: {', '.join(dialect.names)}."
        return system_prompt

    async with open_rig(make_config("simulate.max_turn_steps=12"), fixed_prompt) as made:
        yield made


async def test_attachments_land_in_the_workspace_and_in_the_task(rig: Rig) -> None:
    spawned = await rig.call("sessions_spawn", task=TASK, label="numbers", attachments=[
        {"name": "prices.csv", "content": "sku,price\nA-7,3.50\n"},
        {"name": "logo.bin", "content": base64.b64encode(b"\x89PNG\x00").decode(), "encoding": "base64",
         "mimeType": "image/png"}], attachAs={"mountPath": "inbox"})
    assert spawned.result.ok, spawned.content
    files = await rig.call("exec", command="cat inbox/prices.csv; od -An -tx1 inbox/logo.bin")
    assert "A-7,3.50" in files.content and "89 50 4e 47 00" in files.content
    task = rig.runtime.transcript("subagent:1")[1].content or ""
    assert task.startswith(TASK) and task.endswith("Attached files (in the workspace):\n- inbox/prices.csv\n"
                                                   "- inbox/logo.bin")


async def test_bad_attachments_write_nothing(rig: Rig) -> None:
    cases = [
        ({"name": "../escape.txt", "content": "x"}, "must be a plain file name"),
        ({"name": "a/b.txt", "content": "x"}, "must be a plain file name"),
        ({"name": "x.bin", "content": "not base64!", "encoding": "base64"}, "is not valid base64"),
        ({"name": "big.txt", "content": "x" * (3 << 20)}, "is larger than 1 MiB"),
        ({"name": "x.txt", "content": "x", "encoding": "utf16"}, "must be one of 'utf8', 'base64'"),
        ({"name": "x.txt"}, "is missing the field(s) 'content'"),
        ({"name": "x.txt", "content": "x", "path": "/etc"}, "has unexpected fields: 'path'"),
    ]
    for attachment, expected in cases:
        outcome = await rig.call("sessions_spawn", task=TASK, attachments=[{"name": "ok.txt", "content": "1"},
                                                                          attachment])
        assert not outcome.result.ok and expected in outcome.content, outcome.content
    many = [{"name": f"f{i}.txt", "content": "x"} for i in range(MAX_ATTACHMENTS + 1)]
    assert "give at most 50" in (await rig.call("sessions_spawn", task=TASK, attachments=many)).content
    outside = await rig.call("sessions_spawn", task=TASK, attachments=[{"name": "a.txt", "content": "x"}],
                             attachAs={"mountPath": "/etc"})
    assert "outside the workspace" in outside.content
    assert (await rig.call("exec", command="ls ok.txt attachments 2>&1; true")).content.count("No such file") == 2
    assert rig.runtime.sessions()[1:] == []  # nothing was spawned


async def test_refused_options_say_why_and_spawn_nothing(rig: Rig) -> None:
    cases = {
        "runtime=acp": {"runtime": "acp"},
        "needs it) is not available": {"resumeSessionId": "0d8e-uuid"},
        "thinking cannot be set per sub-agent": {"thinking": "high"},
        "thread=true is not available": {"thread": True},
        "model 'gpt-9' is not available": {"model": "gpt-9"},
        "runTimeoutSeconds and timeoutSeconds disagree": {"runTimeoutSeconds": 5, "timeoutSeconds": 9},
        "cwd 'nowhere' is not a directory": {"cwd": "nowhere"},
        "cwd '../..' is outside the workspace": {"cwd": "../.."},
    }
    for expected, options in cases.items():
        outcome = await rig.call("sessions_spawn", task=TASK, **options)
        assert outcome.result.error_kind == "tool_error" and expected in outcome.content, outcome.content
    assert rig.runtime.sessions()[1:] == []


async def test_honoured_options(rig: Rig) -> None:
    await rig.call("exec", command="mkdir -p reports")
    spawned = await rig.call("sessions_spawn", task=TASK, label="n", runtime="subagent", model="default",
                             mode="run", sandbox="inherit", streamTo="parent", thread=False, cwd="reports",
                             timeoutSeconds=120, cleanup="delete")
    assert spawned.result.ok, spawned.content
    report = json.loads(spawned.content)
    assert report["cleanup"] == "deleted: this sub-agent's session takes no more messages"
    task = rig.runtime.transcript("subagent:1")[1].content or ""
    assert task.endswith("/reports (file tools take paths relative to the workspace).")
    assert rig.runtime.session("subagent:1").status == "killed"
    refused = await rig.call("sessions_send", label="n", message="one more thing")
    assert "was killed and takes no more messages" in refused.content
    same_model = await rig.call("sessions_spawn", task=TASK, model=rig.runtime.model, mode="session")
    assert same_model.result.ok, same_model.content
    isolated = rig.ctx.sandbox.info.isolated
    required = await rig.call("sessions_spawn", task=TASK, sandbox="require")
    assert required.result.ok == isolated, required.content


async def test_send_by_label_status_model_and_subagents_defaults(rig: Rig) -> None:
    await rig.call("sessions_spawn", task=TASK, label="numbers")
    sent = await rig.call("sessions_send", label="numbers", message="Add 6 too.", agentId="main")
    assert json.loads(sent.content)["sessionKey"] == "subagent:1"
    assert "no session labelled 'nope' (labels: numbers)" in (await rig.call("sessions_send", label="nope",
                                                                             message="x")).content
    assert "give sessionKey or label" in (await rig.call("sessions_send", message="x")).content
    assert "unknown agentId 'ops'" in (await rig.call("sessions_send", label="numbers", message="x",
                                                      agentId="ops")).content
    assert "name different sessions" in (await rig.call("sessions_send", label="numbers", sessionKey="main",
                                                        message="x")).content
    assert (await rig.call("session_status", model="default")).result.ok
    assert "cannot be changed" in (await rig.call("session_status", model="claude-opus")).content
    listed = await rig.json("subagents")  # action defaults to list
    assert listed["count"] == 1
    assert (await rig.json("subagents", action="list", recentMinutes=10))["count"] == 1
    assert "recentMinutes must be at least 1" in (await rig.call("subagents", recentMinutes=0)).content


async def test_exec_policy_values_that_mean_the_sandbox_are_accepted(local_box: Sandbox) -> None:
    call = caller(make_ctx(local_box))
    ok = await call("exec", command="echo fine", host="sandbox", security="full", ask="off", elevated=False)
    assert ok.content == "exit code: 0\nfine"
    refused = {
        "elevated=true is not available": {"elevated": True},
        "host='gateway' is not available": {"host": "gateway"},
        "node is for host=node": {"node": "mac-mini"},
        "security='allowlist' is not available": {"security": "allowlist"},
        "ask='always' is not available": {"ask": "always"},
    }
    for expected, options in refused.items():
        outcome = await call("exec", command="touch should-not-exist", **options)
        assert outcome.result.error_kind == "tool_error" and expected in outcome.content, outcome.content
    assert "No such file" in (await call("exec", command="ls should-not-exist")).content


async def test_default_workdir_is_where_commands_run(local_box: Sandbox) -> None:
    await caller(make_ctx(local_box))("exec", command="mkdir -p sub")
    workspace = await make_ctx(local_box).workspace_real()
    call = caller(make_ctx(local_box, default_workdir=f"{workspace}/sub"))
    assert (await call("exec", command="pwd")).content == f"exit code: 0\n{workspace}/sub"
    assert (await call("exec", command="pwd", workdir=".")).content == f"exit code: 0\n{workspace}"
