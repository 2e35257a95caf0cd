"""The appended query: one direct query from a pool file, put to the agent before a session closes.

The original recipe's appended-query mode ends some sessions with an unrelated question (a fact to look
up, say) so the data also teaches switching from delegated work to a direct answer. The pool is a JSONL
file of direct queries in the recipe's shapes; which one a session gets depends only on the seed and
the session's last intent, so a resumed or re-run session, or one on another Ray worker, asks the same.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

from isetrace.errors import ConfigError
from isetrace.jsonl import load_jsonl
from isetrace.records import Intent

__all__ = ["choose_query", "load_query_pool"]

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def load_query_pool(path: str) -> tuple[Intent, ...]:
    """The queries of the pool file at ``path`` (read once per process); bad lines are logged and left out.

    Raises :class:`ConfigError` when the file cannot be read or holds no usable query.
    """
    source = Path(path)
    try:
        queries, errors = load_jsonl(source, Intent)
    except OSError as exc:
        raise ConfigError(f"simulate.appended_query_file: cannot read {source} ({exc.strerror})") from None
    for error in errors:
        log.warning("appended query pool: skipped %s", error)
    if not queries:
        raise ConfigError(f"simulate.appended_query_file: no usable query in {source}")
    return tuple(queries)


def choose_query(pool: Sequence[Intent], seed: int, anchor_id: str) -> Intent:
    """The query for the session whose last intent is ``anchor_id``: a digest of seed and id, modulo the pool."""
    digest = hashlib.md5(f"{seed}:{anchor_id}".encode(), usedforsecurity=False).hexdigest()
    return pool[int(digest[:8], 16) % len(pool)]
