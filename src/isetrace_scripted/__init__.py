"""The scripted endpoint: an offline OpenAI-compatible HTTP server with a deterministic policy.

A plugin outside the product packages. isetrace starts it by name (``provider: scripted`` in an
endpoint's config, registry kind ``provider``) through :data:`PROVIDER`; its settings come from the
endpoint's ``provider_options`` and are read by :class:`ScriptedOptions`. Everything it says is labelled
``scripted``, never passed off as model output. Nothing heavy is imported here: the HTTP server
(:mod:`.server`) loads when an endpoint starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import BaseModel, ConfigDict, Field

from isetrace_scripted.faults import FaultSettings
from isetrace_scripted.policy._sloppiness import Sloppiness

__all__ = ["PROVENANCE", "PROVIDER", "ScriptedOptions", "ScriptedProvider"]

PROVENANCE = "scripted"
"""The provenance label of everything the scripted endpoint says."""


class ScriptedOptions(BaseModel):
    """The scripted endpoint's settings: an endpoint's ``provider_options`` when its provider is ``scripted``."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    faults: FaultSettings = Field(default_factory=FaultSettings)
    """Faults to inject (rate_limit, server_error, slow, disconnect, stream_cut, fenced_json,
    malformed_json, bad_tool_args, unknown_tool, empty_reply, role_drift), their seed and timings."""
    latency_ms: int = Field(0, ge=0)
    """The time every reply takes from its request's arrival (the policy's own work counts within it),
    to imitate a model server with a fixed time per call."""
    sloppiness: Sloppiness = Field(default_factory=Sloppiness)
    """How often the agent does less than it says: ``wrong_deliverable`` (the deliverable written under
    another name) and ``overclaim`` (a file claimed that was never written), rates per conversation."""


class ScriptedProvider:
    """Starts a scripted endpoint on a loopback port (:class:`isetrace.llm.providers.Provider`)."""

    provenance = PROVENANCE
    options = ScriptedOptions

    @asynccontextmanager
    async def serve(self, options: ScriptedOptions) -> AsyncIterator[str]:
        """Run a scripted endpoint with ``options`` in this event loop; yields its ``…/v1`` base URL."""
        from isetrace_scripted.server import scripted_server  # aiohttp's server: loaded only when one starts

        async with scripted_server(options.faults, latency_ms=options.latency_ms,
                                   sloppiness=options.sloppiness) as (url, _):
            yield url


PROVIDER = ScriptedProvider()
"""The registered provider (``isetrace.registry``: kind ``provider``, name ``scripted``)."""
