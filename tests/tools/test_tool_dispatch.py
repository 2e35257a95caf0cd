"""Dispatch keeps the model's mistakes, tool errors, a broken sandbox and our own bugs apart."""

from __future__ import annotations

import asyncio
import logging

import pytest
from tests.tools.conftest import CLAUDE, caller, make_ctx

from isetrace.config import RunConfig
from isetrace.errors import EndpointUnavailable, SandboxUnavailable, ToolError
from isetrace.records import ToolCall
from isetrace.sandbox import Sandbox
from isetrace.tools import Dialect, ToolContext, check_arguments, get_dialect, tool

OPENCLAW = get_dialect("openclaw")


async def test_arguments_that_are_not_json_are_reported_with_the_problem(local_box: Sandbox) -> None:
    call = ToolCall(id="c1", name="exec", arguments=None, arguments_raw='{"command": "ls"',
                    problem="not valid JSON: Expecting ',' delimiter")
    outcome = await OPENCLAW.dispatch(call, make_ctx(local_box))
    assert outcome.content.startswith("Error: the arguments of exec could not be read: not valid JSON")
    assert "exec(command: string" in outcome.content
    assert outcome.result.ok is False and outcome.result.error_kind == "bad_arguments"
    assert outcome.result.call_id == "c1" and outcome.result.tool == "exec"


async def test_schema_violations_name_every_argument_at_fault(local_box: Sandbox) -> None:
    call = caller(make_ctx(local_box))
    missing = await call("exec")
    assert missing.result.error_kind == "bad_arguments"
    assert "missing required argument 'command'" in missing.content
    wrong = await call("exec", command=5, timeout="30", background="yes", cmd="ls")
    assert wrong.content.startswith("Error: invalid arguments for exec: unexpected argument 'cmd'")
    for expected in ("'command' must be a string, got an integer (5)", "'timeout' must be a number, got a string",
                     "'background' must be a boolean, got a string ('yes')"):
        assert expected in wrong.content
    enum = await call("web_fetch", url="http://x", extractMode="html")
    assert "'extractMode' must be one of 'markdown', 'text'" in enum.content
    action = await call("process", action="explode")  # a plain string in openclaw's schema, checked by the tool
    assert action.content.startswith("Error: unknown action 'explode' (actions: list, poll, log, write, send-keys")
    as_null = await call("exec", command=None)
    assert "'command' is required and cannot be null" in as_null.content
    array = await call("exec", command="true", env={"A": 1})
    assert "'env' must be an object of string values" in array.content


async def test_integral_floats_and_nulls_for_optional_parameters_are_accepted(local_box: Sandbox) -> None:
    call = caller(make_ctx(local_box))
    outcome = await call("exec", command="echo fine", timeout=5, workdir=None, yieldMs=None)
    assert outcome.content == "exit code: 0\nfine"
    kwargs, problems = check_arguments(OPENCLAW.tools["read"], {"path": "a", "offset": 3.0, "limit": None})
    assert problems == [] and kwargs == {"path": "a", "offset": 3}
    _, problems = check_arguments(OPENCLAW.tools["read"], {"path": "a", "offset": 3.5})
    assert problems == ["'offset' must be a whole number, got a number (3.5)"]
    _, problems = check_arguments(OPENCLAW.tools["read"], {"path": "a", "offset": True})
    assert problems == ["'offset' must be a number, got a boolean (True)"]
    _, problems = check_arguments(CLAUDE.tools["Read"], {"file_path": "a", "offset": 3.5})
    assert problems == ["'offset' must be an integer, got a number (3.5)"]


async def test_unknown_tool_lists_the_available_ones(local_box: Sandbox) -> None:
    outcome = await OPENCLAW.dispatch(ToolCall(id="x", name="Bash", arguments={"command": "ls"}),
                                      make_ctx(local_box))
    assert outcome.content == ("Error: unknown tool 'Bash'. The available tools are: exec, process, read, write, "
                               "edit, apply_patch, web_fetch, web_search, memory_search, memory_get, tts, "
                               "sessions_list, sessions_history, sessions_send, sessions_spawn, subagents, "
                               "agents_list, "
                               "session_status.")
    assert outcome.result.error_kind == "unknown_tool" and outcome.result.ok is False


@tool(mutating=False, name="refuse")
async def refuse(ctx: ToolContext, why: str) -> str:
    """Refuse with a reason.

    Args:
        why: The reason.
    """
    raise ToolError(f"refused: {why}")


@tool(mutating=False, name="buggy")
async def buggy(ctx: ToolContext, kind: str) -> str:
    """A tool with a bug.

    Args:
        kind: Which exception to raise.
    """
    if kind == "os":  # a race in the sandbox the tool did not expect, e.g. a file gone between two calls
        raise FileNotFoundError(2, "No such file or directory", "gone.txt")
    if kind == "type":  # a bug in our code, or a reply frame of the wrong shape
        raise TypeError("write() got an unexpected keyword argument 'mode'\n  (second line)")
    if kind == "key":
        raise KeyError("size")
    if kind == "endpoint":  # a sub-agent tool whose endpoint failed
        raise EndpointUnavailable("the agent endpoint is down", role="agent")
    if kind == "long":
        raise RuntimeError("x" * 5000)
    raise RuntimeError("a bug in isetrace")


@tool(mutating=False, name="wait")
async def wait(ctx: ToolContext, seconds: float) -> str:
    """Wait.

    Args:
        seconds: How long.
    """
    await asyncio.sleep(seconds)
    return "waited"


TEST_DIALECT = Dialect("test", [refuse, buggy, wait])


def buggy_call(kind: str) -> ToolCall:
    return ToolCall(id="b", name="buggy", arguments={"kind": kind})


async def test_a_tool_error_is_shown_to_the_model(local_box: Sandbox) -> None:
    outcome = await TEST_DIALECT.dispatch(ToolCall(id="r", name="refuse", arguments={"why": "no"}),
                                          make_ctx(local_box))
    assert outcome.content == "Error: refused: no"
    assert outcome.result.ok is False and outcome.result.error_kind == "tool_error"
    assert outcome.result.stderr == "refused: no"


@pytest.mark.parametrize(("kind", "error", "reason"), [
    ("os", FileNotFoundError, "FileNotFoundError: [Errno 2] No such file or directory: 'gone.txt'"),
    ("type", TypeError, "TypeError: write() got an unexpected keyword argument 'mode' (second line)"),
    ("key", KeyError, "KeyError: 'size'"),
    ("runtime", RuntimeError, "RuntimeError: a bug in isetrace"),
])
async def test_any_other_exception_fails_the_sandbox_with_the_reason_and_is_logged_once(
        local_box: Sandbox, caplog: pytest.LogCaptureFixture, kind: str, error: type[Exception], reason: str) -> None:
    with caplog.at_level(logging.WARNING, logger="isetrace"), pytest.raises(SandboxUnavailable) as raised:
        await TEST_DIALECT.dispatch(buggy_call(kind), make_ctx(local_box))
    assert str(raised.value) == f"tool buggy failed: {reason}"
    assert isinstance(raised.value.__cause__, error)  # the bug stays visible: the original is the cause
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[1] is raised.value.__cause__]
    assert len(logged) == 1 and logged[0].levelno == logging.WARNING  # its traceback, once


async def test_the_reason_of_a_failed_tool_is_one_bounded_line(local_box: Sandbox) -> None:
    with pytest.raises(SandboxUnavailable) as raised:
        await TEST_DIALECT.dispatch(buggy_call("long"), make_ctx(local_box))
    message = str(raised.value)
    assert message.startswith("tool buggy failed: RuntimeError: xxx") and len(message) <= 300
    assert "\n" not in message


async def test_a_failing_endpoint_propagates_as_itself(local_box: Sandbox) -> None:
    with pytest.raises(EndpointUnavailable, match="the agent endpoint is down") as raised:
        await TEST_DIALECT.dispatch(buggy_call("endpoint"), make_ctx(local_box))
    assert raised.value.role == "agent"


async def test_cancellation_reaches_the_caller_untouched(local_box: Sandbox) -> None:
    running = asyncio.create_task(TEST_DIALECT.dispatch(ToolCall(id="w", name="wait", arguments={"seconds": 30}),
                                                        make_ctx(local_box)))
    await asyncio.sleep(0.05)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert running.cancelled()


async def test_a_broken_sandbox_ends_the_episode(box: Sandbox) -> None:
    context = make_ctx(box)
    await box.close()
    with pytest.raises(SandboxUnavailable):
        await caller(context)("exec", command="echo never")


def test_a_dialect_refuses_two_tools_with_one_name() -> None:
    with pytest.raises(ValueError, match="twice"):
        Dialect("twice", [refuse, refuse])


async def test_a_context_for_a_run_takes_its_settings(local_box: Sandbox) -> None:
    config = RunConfig.model_validate({"sandbox": {"network": True, "limits": {"timeout_s": 7}},
                                       "tools": {"read_max_lines": 50}})
    context = ToolContext.for_run(local_box, config, {"SEARCH_KEY": "k"})
    assert context.network is True and context.max_timeout_s == 7 and context.config.read_max_lines == 50
    assert context.environ["SEARCH_KEY"] == "k" and context.allow_private_network is False
    assert context.workspace == local_box.info.workspace
