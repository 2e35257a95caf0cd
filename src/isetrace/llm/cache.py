"""An on-disk cache of model replies, so a re-run can replay answers instead of paying for them again.

Keys are a SHA-256 of the request's content (model, messages, tools, sampling settings) — data, never
code — so the same request always finds the same entry and any change to a prompt misses. It is plain
stdlib ``sqlite3`` in WAL mode: one small file, safe for several processes, and every lookup is a
local read measured in microseconds, so it runs inline on the event loop.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson

__all__ = ["ResponseCache", "request_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    completion TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def request_key(request: dict[str, Any]) -> str:
    """A stable hash of a request body; the key under which its reply is cached."""
    return hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()


class ResponseCache:
    """Completion JSON by request key, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached completion for ``key``, or ``None``."""
        row = self._db.execute("SELECT completion FROM replies WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        value: dict[str, Any] = json.loads(row[0])
        return value

    def put(self, key: str, model: str, completion: dict[str, Any]) -> None:
        """Store (or replace) the completion for ``key``."""
        self._db.execute(
            "INSERT OR REPLACE INTO replies (key, model, completion, created) VALUES (?, ?, ?, ?)",
            (key, model, json.dumps(completion, ensure_ascii=False), time.time()),
        )

    def close(self) -> None:
        self._db.close()
