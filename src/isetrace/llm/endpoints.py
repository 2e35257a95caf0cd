"""Opening the model endpoints a run needs: one :class:`ChatClient` per role.

A role whose provider is ``scripted`` gets an in-process scripted endpoint on a loopback port, and its
client then talks to it over real HTTP exactly as it would to vLLM: the offline path and the real
path are the same code. Roles with identical scripted settings share one server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from isetrace.config import RunConfig
from isetrace.errors import ConfigError
from isetrace.llm.cache import ResponseCache
from isetrace.llm.client import ChatClient
from isetrace.llm.scripted.server import scripted_server
from isetrace.llm.usage import UsageMeter

__all__ = ["Endpoints", "open_endpoints"]


@dataclass
class Endpoints:
    """The open clients of a run, by role, and the usage they share."""

    clients: dict[str, ChatClient]
    usage: UsageMeter

    def __getitem__(self, role: str) -> ChatClient:
        try:
            return self.clients[role]
        except KeyError:
            raise ConfigError(f"the {role} endpoint was not opened for this run") from None

    @property
    def provenance(self) -> dict[str, str]:
        """Role → ``scripted`` or the model name."""
        return {role: client.provenance for role, client in self.clients.items()}


@asynccontextmanager
async def open_endpoints(
    config: RunConfig,
    roles: Iterable[str],
    *,
    usage: UsageMeter | None = None,
    environ: Mapping[str, str] | None = None,
) -> AsyncIterator[Endpoints]:
    """Open a client for each of ``roles``, starting scripted servers as needed; close all on exit.

    Raises :class:`ConfigError` when a role has no endpoint (naming the offline config) or its key
    variable is unset.
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
        clients: dict[str, ChatClient] = {}
        for role, endpoint in settings.items():
            if endpoint.provider == "scripted":
                shape = endpoint.model_dump_json(include={"faults", "latency_ms"})
                if shape not in servers:
                    url, _ = await stack.enter_async_context(
                        scripted_server(endpoint.faults, latency_ms=endpoint.latency_ms)
                    )
                    servers[shape] = url
                base_url = servers[shape]
            else:
                assert endpoint.base_url is not None  # the config validator guarantees it
                base_url = endpoint.base_url
            client = ChatClient(role, endpoint, base_url, usage=meter.role(role), cache=cache, environ=environ)
            stack.push_async_callback(client.aclose)
            clients[role] = client
        yield Endpoints(clients, meter)
