"""exec under a pseudo-terminal, and process driving a running program with keys, pastes and submits.

A shop clerk's helper script asks questions on a terminal; the agent answers them the way a person at a
keyboard would. Everything runs for real in each available sandbox; the input comes from the model, so
the attacks (huge hex, unknown keys, binary text) are here too.
"""

from __future__ import annotations

import asyncio

import pytest
from tests.tools.conftest import Call

from isetrace.errors import ToolError
from isetrace.tools._keys import MAX_INPUT_BYTES, MAX_KEYS, encode_keys, encode_paste


async def _poll_until(call: Call, session_id: str, wanted: str, attempts: int = 20) -> str:
    seen = ""
    for _ in range(attempts):
        seen += (await call("process", action="poll", sessionId=session_id, timeout=500)).content
        if wanted in seen:
            return seen
    raise AssertionError(f"{wanted!r} never appeared in {seen!r}")


async def test_pty_gives_the_command_a_terminal(call: Call) -> None:
    outcome = await call("exec", command="test -t 0 && test -t 1 && echo on-a-tty; echo oops >&2; exit 3", pty=True)
    assert outcome.content == "exit code: 3\non-a-tty\noops"  # one merged stream, CR LF back to LF
    plain = await call("exec", command="test -t 1 && echo tty || echo pipe")
    assert plain.content == "exit code: 0\npipe"


async def test_pty_command_sees_end_of_input_and_its_timeout(call: Call) -> None:
    assert (await call("exec", command="cat; echo done", pty=True)).content == "exit code: 0\ndone"
    slow = await call("exec", command="sleep 30", pty=True, timeout=1)
    assert slow.result.timed_out and "[timed out after 1s" in slow.content


async def test_send_keys_answers_a_prompt(call: Call) -> None:
    started = await call("exec", command="read -p 'SKU? ' sku; echo \"stock for $sku: 12\"", pty=True,
                         background=True)
    assert "started in the background under a terminal" in started.content
    await _poll_until(call, "bg_1", "SKU?")
    sent = await call("process", action="send-keys", sessionId="bg_1", keys=["A", "-", "7", "Enter"])
    assert sent.content == "Sent 4 bytes of keys to bg_1."
    assert "stock for A-7: 12" in await _poll_until(call, "bg_1", "stock for")


async def test_ctrl_c_interrupts_the_program_not_the_terminal(call: Call) -> None:
    await call("exec", command="trap 'echo interrupted; exit 7' INT; echo ready; while :; do sleep 0.1; done",
               pty=True, background=True)
    await _poll_until(call, "bg_1", "ready")
    await call("process", action="send-keys", sessionId="bg_1", keys=["C-c"])
    for _ in range(20):
        polled = await call("process", action="poll", sessionId="bg_1", timeout=500)
        if "exited" in polled.content:
            break
    assert "exited with code 7" in polled.content


async def test_write_paste_submit_literal_and_hex_reach_stdin(call: Call) -> None:
    await call("exec", command="cat > typed.bin", background=True)
    await call("process", action="write", sessionId="bg_1", data="w|")
    await call("process", action="send-keys", sessionId="bg_1", literal="lit|", hex=["0x41", "42"], keys=["Up"])
    pasted = await call("process", action="paste", sessionId="bg_1", text="p|")
    assert pasted.content == "Pasted 2 characters to bg_1 (as a bracketed paste)."
    await call("process", action="paste", sessionId="bg_1", text="raw|", bracketed=False)
    assert (await call("process", action="submit", sessionId="bg_1")).content.startswith("Submitted bg_1")
    await call("process", action="write", sessionId="bg_1", eof=True)
    await asyncio.sleep(0.3)
    data = await call("exec", command="od -An -c typed.bin | tr -s ' '")
    assert data.content.split("\n", 1)[1].split() == [
        "w", "|", "l", "i", "t", "|", "A", "B", "033", "[", "A", "033", "[", "2", "0", "0", "~", "p", "|",
        "033", "[", "2", "0", "1", "~", "r", "a", "w", "|", "\\r"]


async def test_poll_timeout_waits_for_output(call: Call) -> None:
    await call("exec", command="sleep 0.5; echo late", background=True)
    polled = await call("process", action="poll", sessionId="bg_1", timeout=5000)
    assert "late" in polled.content
    quick = await call("exec", command="sleep 5", background=True)
    assert "bg_2" in quick.content
    empty = await call("process", action="poll", sessionId="bg_2", timeout=200)
    assert "(no new output)" in empty.content
    negative = await call("process", action="poll", sessionId="bg_2", timeout=-1)
    assert negative.content == "Error: timeout must not be negative (got -1 ms)"


async def test_remove_kills_and_forgets(call: Call) -> None:
    await call("exec", command="sleep 30", background=True)
    assert "still running; kill it first" in (await call("process", action="clear", sessionId="bg_1")).content
    removed = await call("process", action="remove", sessionId="bg_1")
    assert removed.content == "Removed sessionId bg_1 (killed it first)."
    assert (await call("process", action="list")).content == "No background sessions."


async def test_model_input_is_bounded_and_checked(call: Call) -> None:
    await call("exec", command="cat >/dev/null", background=True)
    cases = {
        "unknown key 'Ctrl+C'": {"keys": ["Ctrl+C"]},
        "is too long to be a key name": {"keys": ["x" * 5000]},
        "Ctrl cannot be combined with '1'": {"keys": ["C-1"]},
        "is not one byte in hex": {"hex": ["zz"]},
        "hex 'fff'": {"hex": ["fff"]},
        f"send at most {MAX_KEYS} at a time": {"hex": ["41"] * (MAX_KEYS + 1)},
        "literal is": {"literal": "x" * (MAX_INPUT_BYTES + 1)},
        "needs keys, hex or literal": {"keys": []},
        "not valid Unicode": {"literal": "\ud800"},
    }
    for expected, arguments in cases.items():
        outcome = await call("process", action="send-keys", sessionId="bg_1", **arguments)
        assert outcome.result.error_kind == "tool_error" and expected in outcome.content, (expected, outcome.content)
    huge = await call("process", action="write", sessionId="bg_1", data="y" * (MAX_INPUT_BYTES + 1))
    assert f"write at most {MAX_INPUT_BYTES} bytes" in huge.content
    marker = await call("process", action="paste", sessionId="bg_1", text="a\x1b[201~b")
    assert "end-of-paste marker" in marker.content
    binary = await call("process", action="paste", sessionId="bg_1", text="\x00\x01\xff", bracketed=False)
    assert binary.result.ok  # binary text is bytes like any other, within the bound
    assert "needs text" in (await call("process", action="paste", sessionId="bg_1")).content
    bad_keys = await call("process", action="send-keys", sessionId="bg_1", keys="Enter")
    assert "'keys' must be an array of strings" in bad_keys.content


async def test_keys_to_a_finished_process_are_refused(call: Call) -> None:
    await call("exec", command="true", background=True)
    await asyncio.sleep(0.3)
    outcome = await call("process", action="submit", sessionId="bg_1")
    assert "is not running" in outcome.content


@pytest.mark.parametrize(("keys", "expected"), [
    (["Enter", "Tab", "Escape", "Space", "BSpace"], b"\r\t\x1b \x7f"),
    (["C-c", "^d", "M-x", "S-a", "S-Tab", "btab"], b"\x03\x04\x1bxA\x1b[Z\x1b[Z"),
    (["Up", "C-Up", "M-Left", "S-Delete", "PageDown", "F1", "F12", "KP5"],
     b"\x1b[A\x1b[1;5A\x1b[1;3D\x1b[3;2~\x1b[6~\x1bOP\x1b[24~\x1bOu"),
    (["enter", "  ", "home", "END"], b"\r\x1b[1~\x1b[4~"),
])
def test_key_names_encode_like_a_terminal(keys: list[str], expected: bytes) -> None:
    assert encode_keys(keys, None, None) == expected


def test_paste_and_order_of_parts() -> None:
    assert encode_keys(["Enter"], ["41"], "x") == b"xA\r"
    assert encode_paste("hi", True) == b"\x1b[200~hi\x1b[201~"
    with pytest.raises(ToolError):
        encode_keys(None, ["0x100"], None)
