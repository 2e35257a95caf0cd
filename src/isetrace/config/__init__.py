"""The one root configuration of a run, and how it is assembled.

A run is described by a single :class:`RunConfig`, built in three layers, each overriding the one
before: a YAML file, then ``ISE_*`` environment variables (``ISE_ENDPOINTS__AGENT__MODEL=…``; a double
underscore separates levels), then ``-c dotted.key=value`` overrides. Values from the environment and
from ``-c`` are read as YAML scalars, so ``32``, ``true`` and ``[a, b]`` mean what they look like.
Every model forbids unknown keys, and every error names the dotted path of the field and where its
value came from. Secrets are never part of the config: endpoints name the environment variable that
holds their key.


The pieces: the sections in :mod:`.models`, the assembling in :mod:`.loading`, the hash and the masked
view in :mod:`.digest`.
"""

from __future__ import annotations

from isetrace.config.digest import HASH_IGNORES, MASK, config_hash, masked_view
from isetrace.config.loading import builtin_config_path, load_config
from isetrace.config.models import (
    DEFAULT_EXPORTS,
    FAULT_KINDS,
    ROLES,
    AgentConfig,
    CacheConfig,
    DedupConfig,
    EndpointConfig,
    EndpointsConfig,
    ExportFormat,
    ExportSpec,
    IntentsConfig,
    PricesConfig,
    RunConfig,
    RunSection,
    SandboxConfig,
    SandboxLimits,
    SimulateConfig,
    ToolsConfig,
    ValidationConfig,
    VerifyConfig,
    WebSearchConfig,
    WorldFaultsConfig,
    WorldsConfig,
)

__all__ = [
    "DEFAULT_EXPORTS",
    "FAULT_KINDS",
    "HASH_IGNORES",
    "MASK",
    "ROLES",
    "AgentConfig",
    "CacheConfig",
    "DedupConfig",
    "EndpointConfig",
    "EndpointsConfig",
    "ExportFormat",
    "ExportSpec",
    "IntentsConfig",
    "PricesConfig",
    "RunConfig",
    "RunSection",
    "SandboxConfig",
    "SandboxLimits",
    "SimulateConfig",
    "ToolsConfig",
    "ValidationConfig",
    "VerifyConfig",
    "WebSearchConfig",
    "WorldFaultsConfig",
    "WorldsConfig",
    "builtin_config_path",
    "config_hash",
    "load_config",
    "masked_view",
]
