"""The session's name server: the worlds' host names resolve to the session's loopback, nothing else does.

A session's ``/etc/resolv.conf`` names ``127.0.0.1`` (``sandbox.etc_files``); this answers there (a UDP
socket the host holds in the session's namespace, see :mod:`isetrace.sandbox.netns`). A name the worlds
know gets an ``A`` record for ``127.0.0.1`` (and an empty ``AAAA`` answer, so resolvers fall back to
IPv4); any other name gets NXDOMAIN, as an unknown host would on a network. Queries come from the
agent: a malformed one is dropped.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable

__all__ = ["RESOLV_CONF", "NameServer", "answer"]

RESOLV_CONF = "nameserver 127.0.0.1\noptions timeout:1 attempts:2\n"
"""What a session with worlds has as ``/etc/resolv.conf`` (``sandbox.etc_files``)."""

_A, _AAAA, _IN = 1, 28, 1
_MAX_QUERY = 512


def _question(query: bytes) -> tuple[str, int, int] | None:
    """The name, type and end offset of the query's one question, or ``None`` when it is not one."""
    if len(query) < 12 or len(query) > _MAX_QUERY:
        return None
    flags, qdcount = struct.unpack(">HH", query[2:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    labels, offset = [], 12
    while True:
        if offset >= len(query):
            return None
        length = query[offset]
        offset += 1
        if length == 0:
            break
        if length > 63 or offset + length > len(query):
            return None  # compression pointers have no place in a question
        labels.append(query[offset:offset + length].decode("ascii", errors="replace"))
        offset += length
    if offset + 4 > len(query):
        return None
    qtype, qclass = struct.unpack(">HH", query[offset:offset + 4])
    return ".".join(labels).lower(), qtype if qclass == _IN else -1, offset + 4


def answer(query: bytes, known: Callable[[str], bool]) -> bytes | None:
    """The reply to one DNS query: ``127.0.0.1`` for a known name's ``A``, NXDOMAIN for an unknown name."""
    parsed = _question(query)
    if parsed is None:
        return None
    name, qtype, end = parsed
    header_id, flags = query[:2], struct.unpack(">H", query[2:4])[0]
    rd = flags & 0x0100
    question = query[12:end]
    if not known(name):
        return header_id + struct.pack(">HHHHH", 0x8080 | rd | 3, 1, 0, 0, 0) + question  # NXDOMAIN
    if qtype != _A:
        return header_id + struct.pack(">HHHHH", 0x8080 | rd, 1, 0, 0, 0) + question  # the name, no such record
    record = b"\xc0\x0c" + struct.pack(">HHIH", _A, _IN, 60, 4) + bytes([127, 0, 0, 1])
    return header_id + struct.pack(">HHHHH", 0x8080 | rd, 1, 1, 0, 0) + question + record


class NameServer(asyncio.DatagramProtocol):
    """Answers every query on its socket with :func:`answer`."""

    def __init__(self, known: Callable[[str], bool]) -> None:
        self._known = known
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a datagram transport, typed as the base

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = answer(data, self._known)
        if reply is not None and self._transport is not None:
            self._transport.sendto(reply, addr)
