"""The offline scripted endpoint: an OpenAI-compatible HTTP server with a deterministic policy."""

from __future__ import annotations
