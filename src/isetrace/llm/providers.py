"""Endpoints started in-process, by name: the ``provider`` plugins of :mod:`isetrace.registry`.

An endpoint whose ``provider`` is not ``openai`` names a plugin that runs an OpenAI-compatible server
inside the run (on a loopback port); its client then talks to it over real HTTP exactly as it would to
vLLM. The plugin reads its own settings (the endpoint's ``provider_options``) with its own pydantic
model, and says how the text it produces is labelled in the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from isetrace.errors import ConfigError
from isetrace.registry import load

__all__ = ["EXTERNAL", "Provider", "load_provider", "provider_options"]

EXTERNAL = "openai"
"""The provider name of an OpenAI-compatible server that runs elsewhere, at the endpoint's ``base_url``."""


class Provider(Protocol):
    """An OpenAI-compatible endpoint that a run starts itself."""

    provenance: str | None
    """The label of everything this endpoint says, recorded instead of the model name (``None``: the
    model name)."""
    options: type[BaseModel]
    """The schema of the endpoint's ``provider_options``."""

    def serve(self, options: Any) -> AbstractAsyncContextManager[str]:
        """Start the endpoint with ``options`` (an instance of :attr:`options`); yields its ``…/v1`` URL and
        stops it on exit."""
        ...


def load_provider(name: str) -> Provider:
    """The provider registered as ``name``; :class:`ConfigError` for unknown names or missing modules."""
    provider: Provider = load("provider", name)
    return provider


def provider_options(provider: Provider, options: Mapping[str, Any], where: str) -> BaseModel:
    """``options`` read by the provider's own schema; :class:`ConfigError` naming ``where`` when they do not fit."""
    try:
        return provider.options.model_validate(dict(options))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join([where, *(str(part) for part in error['loc'])])}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigError(f"bad provider options: {problems}") from None
