"""tts writes a real WAV into the workspace and names it, like openclaw's ``MEDIA:<path>`` answer.

A bakery owner wants her opening-hours announcement as audio. Machines without espeak-ng get the built-in
synthesizer, which is checked to be a valid, non-silent WAV whose length fits the text.
"""

from __future__ import annotations

import array
import io
import wave

from tests.tools.conftest import Call

from isetrace.sandbox import Sandbox
from isetrace.tools.speech import MAX_TEXT_CHARS, synthesize_wav

ANNOUNCEMENT = "We open at seven on weekdays and at eight on Saturdays. Fresh rye bread every morning!"


def _audio(data: bytes) -> tuple[float, int]:
    """Duration in seconds, and the loudest sample."""
    with wave.open(io.BytesIO(data), "rb") as audio:
        assert audio.getsampwidth() == 2
        frames = audio.readframes(audio.getnframes())
        duration = audio.getnframes() / audio.getframerate()
    samples = array.array("h", frames)
    return duration, max(abs(s) for s in samples)


async def test_tts_writes_a_wav_in_the_workspace(call: Call, box: Sandbox) -> None:
    outcome = await call("tts", text=ANNOUNCEMENT, channel="telegram")
    assert outcome.result.ok
    path = outcome.content.rsplit("MEDIA:", 1)[1]
    assert path.startswith(box.info.workspace) and path.endswith(".wav")
    relative = path[len(box.info.workspace):].lstrip("/")
    assert f"into {relative} (WAV" in outcome.content and outcome.result.files_changed == [relative]
    duration, peak = _audio(await box.read_file(path))
    words = len(ANNOUNCEMENT.split())
    assert 0.15 * words <= duration <= 1.5 * words
    assert peak > 1000  # not silence
    listed = await call("exec", command=f"ls tts && od -An -c -N 4 {relative}")
    assert "R   I   F   F" in listed.content


async def test_same_text_same_file_and_longer_text_longer_audio(call: Call, box: Sandbox) -> None:
    first = await call("tts", text="Rye bread.")
    again = await call("tts", text="Rye bread.")
    assert first.content == again.content
    longer = await call("tts", text="Rye bread. " * 10)
    short_s = _audio(await box.read_file(first.content.rsplit("MEDIA:", 1)[1]))[0]
    long_s = _audio(await box.read_file(longer.content.rsplit("MEDIA:", 1)[1]))[0]
    assert long_s > 5 * short_s


async def test_tts_refuses_what_it_cannot_speak(call: Call) -> None:
    assert (await call("tts", text="   ")).content == "Error: text is empty: give the words to speak"
    too_long = await call("tts", text="a" * (MAX_TEXT_CHARS + 1))
    assert too_long.content.startswith(f"Error: text is {MAX_TEXT_CHARS + 1} characters; speak at most")
    assert "channel must be a short name" in (await call("tts", text="hi", channel="x" * 100)).content
    control = await call("tts", text="bell\x07 and \x00 nul, lone \ud800 surrogate")
    assert control.result.ok  # unprintable characters are spoken as pauses, never passed on


async def test_a_symlinked_tts_directory_cannot_lead_out(call: Call) -> None:
    await call("exec", command="ln -s /tmp tts")
    outcome = await call("tts", text="hello")
    assert outcome.result.error_kind == "tool_error" and "outside the workspace" in outcome.content


def test_the_fallback_is_deterministic_and_valid() -> None:
    assert synthesize_wav("abc, def.") == synthesize_wav("abc, def.")
    duration, peak = _audio(synthesize_wav("hello world"))
    assert 0.4 < duration < 2.0 and peak > 1000
