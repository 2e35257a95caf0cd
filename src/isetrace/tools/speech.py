"""openclaw's ``tts``: text becomes a real audio file in the workspace, and the answer names its path.

When the sandbox has ``espeak-ng``, it speaks the text (intelligible speech, its own WAV). Without it, a
built-in synthesizer writes the file: a deterministic sketch of speech made of tones and noise, one short
segment per character (vowels as two-formant tones over a 120 Hz pulse, voiced consonants as low hums,
unvoiced ones as noise bursts, pauses at spaces and punctuation). It is **not intelligible**; it exists so
that an episode which asks for audio gets a valid, non-silent WAV whose length fits the text, and the
tools after it (ffprobe, file sizes, players) see a real file. Either way the answer says which engine
spoke, so the data never claims speech it did not make.

The file lands in ``tts/`` under a name derived from the text (the same text gives the same file), and
the answer carries openclaw's ``MEDIA:<path>`` line. The text is bounded, like everything from the model.
"""

from __future__ import annotations

import array
import functools
import hashlib
import io
import math
import wave

from isetrace.errors import ToolError
from isetrace.tools._reading import refusal
from isetrace.tools.context import ToolContext
from isetrace.tools.declare import ToolOutput
from isetrace.tools.paths import resolve_path
from isetrace.tools.shell import decode

__all__ = ["MAX_TEXT_CHARS", "SAMPLE_RATE", "synthesize_wav", "text_to_speech"]

MAX_TEXT_CHARS = 4096
"""Longest text one call speaks."""
SAMPLE_RATE = 8000
"""The built-in synthesizer's rate: telephone quality keeps the longest file under 5 MB."""
TTS_DIR = "tts"
_ESPEAK_TIMEOUT_S = 60.0
_CHANNEL_CHARS = 64
_VOWELS = {"a": (730, 1090), "e": (530, 1840), "i": (270, 2290), "o": (570, 840), "u": (300, 870),
           "y": (300, 2000)}
_VOICED = set("bdgjlmnrvwz")
_UNVOICED = set("cfhkpqstx")
_PAUSES = {" ": 0.07, "\t": 0.07, "\n": 0.25, ",": 0.15, ";": 0.18, ":": 0.18, ".": 0.3, "!": 0.3, "?": 0.3}
_F0 = 120.0


def _ramp(samples: list[float]) -> list[float]:
    """Fade a segment in and out over 5 ms, so segments join without clicks."""
    edge = min(len(samples) // 2, SAMPLE_RATE // 200)
    for k in range(edge):
        factor = k / edge
        samples[k] *= factor
        samples[-1 - k] *= factor
    return samples


def _tone(duration_s: float, formants: tuple[float, float], level: float) -> list[float]:
    count = int(duration_s * SAMPLE_RATE)
    out = []
    for n in range(count):
        t = n / SAMPLE_RATE
        pulse = 0.5 + 0.5 * math.sin(2 * math.pi * _F0 * t)
        value = 0.6 * math.sin(2 * math.pi * formants[0] * t) + 0.3 * math.sin(2 * math.pi * formants[1] * t)
        out.append(level * pulse * value)
    return _ramp(out)


def _noise(duration_s: float, seed: int, level: float) -> list[float]:
    state = seed * 2654435761 % (1 << 32) or 1
    out = []
    for _ in range(int(duration_s * SAMPLE_RATE)):
        state = (1103515245 * state + 12345) % (1 << 31)
        out.append(level * (state / (1 << 30) - 1.0))
    return _ramp(out)


@functools.cache
def _segment(char: str) -> array.array[int]:
    """The samples of one character (cached: the synthesizer is deterministic)."""
    if char in _PAUSES:
        samples = [0.0] * int(_PAUSES[char] * SAMPLE_RATE)
    elif char in _VOWELS:
        samples = _tone(0.09, _VOWELS[char], 0.8)
    elif char in _VOICED:
        samples = _tone(0.06, (250.0 + 10 * (ord(char) % 7), 900.0), 0.5)
    elif char in _UNVOICED:
        samples = _noise(0.06, ord(char), 0.35)
    elif char.isdigit():
        samples = _tone(0.12, (400.0 + 40 * int(char), 1500.0), 0.7)
    elif char.isalpha():
        samples = _tone(0.08, (500.0 + ord(char) % 300, 1500.0), 0.6)
    else:
        samples = [0.0] * int(0.04 * SAMPLE_RATE)
    return array.array("h", (max(-32767, min(32767, round(value * 32767 * 0.7))) for value in samples))


def synthesize_wav(text: str) -> bytes:
    """A mono 16-bit WAV of ``text`` from the built-in synthesizer (see the module docstring)."""
    samples = array.array("h")
    for char in text.lower():
        samples.extend(_segment(char))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def _duration(data: bytes) -> float:
    try:
        with wave.open(io.BytesIO(data), "rb") as audio:
            return audio.getnframes() / audio.getframerate()
    except (wave.Error, EOFError, ZeroDivisionError):
        return 0.0


def _clean(text: str) -> str:
    if not text.strip():
        raise ToolError("text is empty: give the words to speak")
    if len(text) > MAX_TEXT_CHARS:
        raise ToolError(f"text is {len(text)} characters; speak at most {MAX_TEXT_CHARS} per call (split it)")
    cleaned = "".join(c if c.isprintable() or c in "\n\t" else " " for c in text)
    try:
        cleaned.encode()
    except UnicodeEncodeError:
        raise ToolError("text contains a character that is not valid Unicode") from None
    return cleaned


async def _espeak(ctx: ToolContext, text: str, directory: str, path: str) -> bool:
    """Speak with the sandbox's espeak-ng into ``path``; ``False`` when the sandbox has none."""
    found = await ctx.sandbox.run(["sh", "-c", "command -v espeak-ng"], timeout_s=10.0)
    if found.exit_code != 0:
        return False
    result = await ctx.sandbox.run(["sh", "-c", 'mkdir -p -- "$1" && exec espeak-ng -w "$2" --stdin', "sh",
                                    directory, path], stdin=text.encode(),
                                   timeout_s=min(_ESPEAK_TIMEOUT_S, ctx.max_timeout_s))
    if result.exit_code != 0:
        raise ToolError(f"espeak-ng failed (exit code {result.exit_code}): {decode(result.stderr).strip()[:500]}")
    return True


async def text_to_speech(ctx: ToolContext, text: str, channel: str | None = None) -> ToolOutput:
    """Speak ``text`` into a WAV file under ``tts/`` and say where it is (see the module docstring)."""
    spoken = _clean(text)
    if channel is not None and (len(channel) > _CHANNEL_CHARS or not channel.isprintable()):
        raise ToolError(f"channel must be a short name like telegram (at most {_CHANNEL_CHARS} printable characters)")
    name = f"tts-{hashlib.sha256(spoken.encode()).hexdigest()[:12]}.wav"
    where = await resolve_path(ctx, f"{TTS_DIR}/{name}", param="the audio path")
    directory = where.real.rpartition("/")[0]
    if await _espeak(ctx, spoken, directory, where.real):
        engine = "espeak-ng"
        try:
            data = await ctx.sandbox.read_file(where.real)
        except OSError as exc:
            raise refusal(where, exc, "read") from None
    else:
        engine = "the built-in tone synthesizer (not intelligible speech; espeak-ng is not installed)"
        data = synthesize_wav(spoken)
        try:
            await ctx.sandbox.write_file(where.real, data)
        except OSError as exc:
            raise refusal(where, exc, "write") from None
    seconds = _duration(data)
    if seconds <= 0:
        raise ToolError(f"{engine} wrote no audio to {where.shown}")
    note = f" for {channel}" if channel else ""
    content = (f"Spoke {len(spoken)} characters into {where.shown} (WAV, {seconds:.1f} s{note}; engine: {engine}).\n"
               f"MEDIA:{where.real}")
    return ToolOutput(content=content, files_changed=(where.shown,))
