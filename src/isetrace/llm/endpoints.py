"""Opening the model endpoints a run needs: one :class:`ChatClient` per role.

A role whose provider is ``openai`` talks to the server at its ``base_url``. Any other provider is a
plugin (:mod:`isetrace.llm.providers`) started here, in-process on a loopback port, and its client then
talks to it over real HTTP exactly as it would to vLLM: the offline path and the real path are the same
code. Roles with the same provider and options share one server.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from isetrace.config import RunConfig
from isetrace.errors import ConfigError
from isetrace.llm.cache import ResponseCache
from isetrace.llm.client import ChatClient
from isetrace.llm.model import ChatModel
from isetrace.llm.providers import EXTERNAL, load_provider, provider_options
from isetrace.llm.usage import UsageMeter

__all__ = ["Endpoints", "open_endpoints"]


@dataclass
class Endpoints:
    """The open models of a run, by role, and the usage they share.

    :func:`open_endpoints` fills it with HTTP clients; code that drives the episode loop itself may build
    one from any :class:`ChatModel` (a :class:`~isetrace.llm.replay.ReplayModel` in a unit test).
    """

    clients: dict[str, ChatModel]
    usage: UsageMeter = field(default_factory=UsageMeter)

    def __getitem__(self, role: str) -> ChatModel:
        try:
            return self.clients[role]
        except KeyError:
            raise ConfigError(f"the {role} endpoint was not opened for this run") from None

    @property
    def provenance(self) -> dict[str, str]:
        """Role → the provider's provenance label or the model name."""
        return {role: client.provenance for role, client in self.clients.items()}


@asynccontextmanager
async def open_endpoints(
    config: RunConfig,
    roles: Iterable[str],
    *,
    usage: UsageMeter | None = None,
    environ: Mapping[str, str] | None = None,
) -> AsyncIterator[Endpoints]:
    """Open a client for each of ``roles``, starting in-process providers as needed; close all on exit.

    Raises :class:`ConfigError` when a role has no endpoint (naming the offline config), its key
    variable is unset, or its provider is unknown or refuses its ``provider_options``.
    """
    meter = usage or UsageMeter()
    wanted = list(dict.fromkeys(roles))
    settings = {role: config.endpoint(role) for role in wanted}
    async with AsyncExitStack() as stack:
        cache = None
        if config.cache.enabled:
            cache = ResponseCache(Path(config.cache.path))
            stack.callback(cache.close)
        servers: dict[str, str] = {}
        clients: dict[str, ChatModel] = {}
        for role, endpoint in settings.items():
            provenance = None
            if endpoint.provider == EXTERNAL:
                assert endpoint.base_url is not None  # the config validator guarantees it
                base_url = endpoint.base_url
            else:
                provider = load_provider(endpoint.provider)
                provenance = provider.provenance
                options = provider_options(provider, endpoint.provider_options,
                                           f"endpoints.{role}.provider_options")
                shape = json.dumps([endpoint.provider, options.model_dump(mode="json")], sort_keys=True)
                if shape not in servers:
                    servers[shape] = await stack.enter_async_context(provider.serve(options))
                base_url = servers[shape]
            client = ChatClient(role, endpoint, base_url, usage=meter.role(role), cache=cache, environ=environ,
                                provenance=provenance)
            stack.push_async_callback(client.aclose)
            clients[role] = client
        yield Endpoints(clients, meter)
