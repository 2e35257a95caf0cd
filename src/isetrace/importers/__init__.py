"""Transcripts made elsewhere → isetrace Episodes, so they export and measure like our own.

One module per source. :mod:`.openclaw` reads OpenClaw session logs (the runtime the original ISE recipe
ran; the OpenClaw runtime reads its own sessions back the same way). Every
importer treats its input as untrusted: it reads within :class:`ImportLimits`, reports each malformed line
as ``file:line: reason`` and goes on, and counts in an :class:`ImportReport` whatever it read but could
not carry, so nothing is dropped unseen.
"""

from __future__ import annotations

from isetrace.importers.openclaw import IMPORT_PROVENANCE, OpenClawSession, import_openclaw, read_openclaw_session
from isetrace.importers.report import ImportLimits, ImportReport

__all__ = [
    "IMPORT_PROVENANCE",
    "ImportLimits",
    "ImportReport",
    "OpenClawSession",
    "import_openclaw",
    "read_openclaw_session",
]
