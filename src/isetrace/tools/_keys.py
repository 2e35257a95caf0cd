"""Keys as a terminal sends them: what openclaw's ``process`` send-keys and paste write to a program.

Key tokens follow openclaw (whose names come from tmux): named keys (``Enter``, ``Tab``, ``Escape``,
``Space``, ``BSpace``, ``Up``/``Down``/``Left``/``Right``, ``Home``, ``End``, ``PageUp``, ``PageDown``,
``Insert``, ``Delete``, ``BTab``, ``F1``–``F12``, keypad ``KP0``…), single characters, and modifiers as
prefixes: ``C-`` (Ctrl), ``M-`` (Alt/Meta), ``S-`` (Shift), so ``C-c``, ``M-x``, ``C-Up``; ``^c`` is
Ctrl-C too. Modified cursor keys use xterm's ``ESC [ 1 ; m X`` form. Names are case-insensitive.

Unlike openclaw, which sends an unknown token's text as it is and warns, an unknown multi-character
token or a malformed hex byte is refused whole, nothing sent: a model that typed ``Ctrl+C`` should learn
the right name, not have ``Ctrl+C`` typed into its program. Everything is bounded: the model writes this
input, and a program's stdin is no place for megabytes.
"""

from __future__ import annotations

import re

from isetrace.errors import ToolError

__all__ = ["BRACKETED_PASTE_END", "BRACKETED_PASTE_START", "MAX_INPUT_BYTES", "MAX_KEYS", "encode_keys",
           "encode_paste", "utf8"]

ESC = "\x1b"
BRACKETED_PASTE_START = f"{ESC}[200~"
BRACKETED_PASTE_END = f"{ESC}[201~"
MAX_KEYS = 512
"""Most key tokens (and most hex bytes) one call sends."""
MAX_INPUT_BYTES = 64 * 1024
"""Most bytes one write, send-keys or paste sends to a process."""
_TOKEN_CHARS = 32

_NAMED = {
    "enter": "\r", "return": "\r", "tab": "\t", "escape": ESC, "esc": ESC, "space": " ",
    "bspace": "\x7f", "backspace": "\x7f",
    "up": f"{ESC}[A", "down": f"{ESC}[B", "right": f"{ESC}[C", "left": f"{ESC}[D",
    "home": f"{ESC}[1~", "end": f"{ESC}[4~",
    "pageup": f"{ESC}[5~", "pgup": f"{ESC}[5~", "ppage": f"{ESC}[5~",
    "pagedown": f"{ESC}[6~", "pgdn": f"{ESC}[6~", "npage": f"{ESC}[6~",
    "insert": f"{ESC}[2~", "ic": f"{ESC}[2~", "delete": f"{ESC}[3~", "del": f"{ESC}[3~", "dc": f"{ESC}[3~",
    "btab": f"{ESC}[Z",
    "f1": f"{ESC}OP", "f2": f"{ESC}OQ", "f3": f"{ESC}OR", "f4": f"{ESC}OS", "f5": f"{ESC}[15~",
    "f6": f"{ESC}[17~", "f7": f"{ESC}[18~", "f8": f"{ESC}[19~", "f9": f"{ESC}[20~", "f10": f"{ESC}[21~",
    "f11": f"{ESC}[23~", "f12": f"{ESC}[24~",
    "kp/": f"{ESC}Oo", "kp*": f"{ESC}Oj", "kp-": f"{ESC}Om", "kp+": f"{ESC}Ok", "kp.": f"{ESC}On",
    "kpenter": f"{ESC}OM", **{f"kp{digit}": f"{ESC}O{chr(ord('p') + digit)}" for digit in range(10)},
}
_MODIFIABLE = {"up", "down", "left", "right", "home", "end", "pageup", "pgup", "ppage", "pagedown", "pgdn",
               "npage", "insert", "ic", "delete", "del", "dc"}
_CSI_NUMBER = re.compile(r"^\x1b\[(\d+)([~A-Z])$")
_CSI_LETTER = re.compile(r"^\x1b\[([A-Z])$")
_HEX = re.compile(r"^(?:0x)?([0-9a-f]{1,2})$")


def _ctrl(char: str) -> str | None:
    if char == "?":
        return "\x7f"
    code = ord(char.upper())
    return chr(code & 0x1F) if 64 <= code <= 95 else None


def _key(raw: str) -> str:
    token = raw.strip()
    if not token:
        return ""
    if len(token) > _TOKEN_CHARS:
        raise ToolError(f"key token {token[:_TOKEN_CHARS]!r}… is too long to be a key name")
    if len(token) == 2 and token[0] == "^" and (caret := _ctrl(token[1])):
        return caret
    ctrl = alt = shift = False
    base = token
    while len(base) > 2 and base[1] == "-" and base[0].lower() in "cms":
        flag = base[0].lower()
        ctrl, alt, shift = ctrl or flag == "c", alt or flag == "m", shift or flag == "s"
        base = base[2:]
    name = base.lower()
    if name == "tab" and shift:
        return f"{ESC}[Z"
    if name in _NAMED:
        sequence = _NAMED[name]
        modifier = 1 + shift + 2 * alt + 4 * ctrl
        if name in _MODIFIABLE and modifier > 1:
            if match := _CSI_NUMBER.match(sequence):
                return f"{ESC}[{match.group(1)};{modifier}{match.group(2)}"
            if match := _CSI_LETTER.match(sequence):
                return f"{ESC}[1;{modifier}{match.group(1)}"
        return ESC + sequence if alt else sequence
    if len(base) == 1:
        char = base.upper() if shift and base.isalpha() else base
        if ctrl:
            control = _ctrl(char)
            if control is None:
                raise ToolError(f"key {token!r}: Ctrl cannot be combined with {base!r}")
            char = control
        return ESC + char if alt else char
    raise ToolError(f"unknown key {token!r}; use names like Enter, Tab, Escape, Space, BSpace, Up, Down, Left, "
                    "Right, Home, End, PageUp, PageDown, Delete, F1-F12, single characters, and the prefixes "
                    "C- (Ctrl), M- (Alt), S- (Shift), e.g. C-c")


def utf8(text: str, what: str) -> bytes:
    """``text`` as UTF-8; a :class:`ToolError` for a lone surrogate (JSON can carry one, UTF-8 cannot)."""
    try:
        return text.encode()
    except UnicodeEncodeError as exc:
        raise ToolError(f"{what} contains a character that is not valid Unicode ({exc.reason})") from None


def _hex_byte(raw: str) -> int:
    match = _HEX.match(raw.strip().lower())
    if match is None:
        raise ToolError(f"hex {raw[:20]!r} is not one byte in hex (like '1b', '0x03' or 'ff')")
    return int(match.group(1), 16)


def _bounded(data: bytes, what: str) -> bytes:
    if len(data) > MAX_INPUT_BYTES:
        raise ToolError(f"{what} is {len(data)} bytes; send at most {MAX_INPUT_BYTES} bytes at a time")
    return data


def encode_keys(keys: list[str] | None, hex_bytes: list[str] | None, literal: str | None) -> bytes:
    """The bytes send-keys writes: ``literal`` as it is, then the ``hex`` bytes, then the ``keys`` (openclaw's
    order). A :class:`ToolError` for an unknown key, a bad hex byte, or too much input."""
    for name, items in (("keys", keys), ("hex", hex_bytes)):
        if items is not None and len(items) > MAX_KEYS:
            raise ToolError(f"{name} has {len(items)} entries; send at most {MAX_KEYS} at a time")
    if literal is not None and len(literal) > MAX_INPUT_BYTES:
        raise ToolError(f"literal is {len(literal)} characters; send at most {MAX_INPUT_BYTES} at a time")
    data = utf8(literal or "", "literal")
    data += bytes(_hex_byte(raw) for raw in hex_bytes or [])
    data += utf8("".join(_key(token) for token in keys or []), "keys")
    if not data:
        raise ToolError("send-keys needs keys, hex or literal (for example keys=['C-c'] or keys=['y', 'Enter'])")
    return _bounded(data, "the input")


def encode_paste(text: str, bracketed: bool) -> bytes:
    """Pasted text, inside bracketed-paste markers unless ``bracketed`` is false (programs that enable the
    mode then take it as one paste, not as typed keys)."""
    if len(text) > MAX_INPUT_BYTES:
        raise ToolError(f"text is {len(text)} characters; paste at most {MAX_INPUT_BYTES} at a time")
    if BRACKETED_PASTE_END in text:
        raise ToolError("text contains the end-of-paste marker ESC [201~; paste it with bracketed=false")
    body = utf8(text, "text")
    return _bounded((BRACKETED_PASTE_START.encode() + body + BRACKETED_PASTE_END.encode()) if bracketed else body,
                    "the paste")
