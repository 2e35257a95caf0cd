"""What a run's config is known by: its hash, and its view with secrets masked (what a run directory
stores and ``ise config show`` prints)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from isetrace.config.models import ROLES, RunConfig

__all__ = ["HASH_IGNORES", "MASK", "config_hash", "masked_view"]


HASH_IGNORES = ("run.dir", "run.concurrency", "run.executor", "run.ray_address", "run.exports", "cache.path",
                *(f"endpoints.{role}.prices" for role in ROLES))
"""Settings that change where or how fast a run goes, or what its statistics say, never what it produces:
left out of the hash, so a run can be resumed from a moved directory, with more concurrency, on Ray, or
with new prices."""


def _drop(data: dict[str, Any], dotted: str) -> None:
    """Remove the setting at ``dotted`` from ``data``, if it is there (an unset endpoint has no prices)."""
    *parents, key = dotted.split(".")
    node: Any = data
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(key, None)


def config_hash(config: RunConfig) -> str:
    """A stable hash of what the resolved config makes: a run resumed under a config that would produce
    different data can be told apart (see :data:`HASH_IGNORES`)."""
    data = config.model_dump(mode="json")
    for dotted in HASH_IGNORES:
        _drop(data, dotted)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


_SECRET_KEY = re.compile(r"(key|token|secret|password|passwd|authorization|cookie|credential)", re.I)
MASK = "***"


def _mask_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:{MASK}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _mask(node: Any, key: str = "") -> Any:
    if isinstance(node, dict):
        return {k: _mask(v, str(k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_mask(v, key) for v in node]
    if isinstance(node, str) and node:
        if _SECRET_KEY.search(key) and not key.endswith("_env"):
            return MASK
        if key == "base_url":
            return _mask_url(node)
    return node


def masked_view(config: RunConfig) -> dict[str, Any]:
    """The resolved config as plain data with every secret-looking value masked.

    Header values and fields whose names look secret (key, token, password…) are masked, and so are
    passwords inside URLs; ``api_key_env`` stays, since it is only the name of a variable.
    """
    masked: dict[str, Any] = _mask(config.model_dump(mode="json"))
    for endpoint in (masked.get("endpoints") or {}).values():
        if isinstance(endpoint, dict):
            endpoint["extra_headers"] = {k: MASK for k in endpoint.get("extra_headers") or {}}
    return masked
