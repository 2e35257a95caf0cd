"""The run's resolved config on disk: stored masked, read back, and compared with another."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from isetrace.config import MASK, RunConfig, config_hash, masked_view
from isetrace.errors import ConfigError
from isetrace.outputs import replace_file
from isetrace.pipeline.layout import RunPaths

__all__ = ["config_diff", "masked_keys", "read_config_data", "refresh_config", "store_config"]


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, Mapping) and node:
        flat: dict[str, Any] = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: node}


_ABSENT = object()


def _show(value: Any) -> str:
    return "(absent)" if value is _ABSENT else json.dumps(value, ensure_ascii=False, default=str)


def config_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """``dotted.key: old → new`` for every leaf that differs between two plain-data configs, sorted."""
    before, after = _flatten(old), _flatten(new)
    lines = []
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key, _ABSENT), after.get(key, _ABSENT)
        if was != now or type(was) is not type(now):
            lines.append(f"{key}: {_show(was)} → {_show(now)}")
    return lines


def read_config_data(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of config sections, got {type(data).__name__}")
    return data


_CONFIG_HEADER = "# The resolved configuration of this run, secrets masked. Written by isetrace; do not edit.\n"


def store_config(paths: RunPaths, config: RunConfig) -> None:
    """Write config.yaml, then config.hash: the hash is written last, so it marks a complete config."""
    text = _CONFIG_HEADER + yaml.safe_dump(masked_view(config), sort_keys=False, allow_unicode=True)
    replace_file(paths.config, text.encode("utf-8"))
    replace_file(paths.config_hash, f"{config_hash(config)}\n".encode())


def refresh_config(paths: RunPaths, config: RunConfig) -> None:
    """Store ``config`` again when it differs from the stored one only in what the hash ignores (new prices,
    more concurrency): config.yaml then says what the run goes on with, and ``ise stats`` prices the run
    with the prices it was last resumed under."""
    try:
        same = read_config_data(paths.config) == masked_view(config)
    except ConfigError:  # unreadable: the hash still vouches for the config, so write it whole again
        same = False
    if not same:
        store_config(paths, config)


def masked_keys(data: Mapping[str, Any]) -> list[str]:
    """Dotted keys whose stored value was masked (a secret, or a list holding one)."""
    return sorted(key for key, value in _flatten(data).items()
                  if value == MASK or (isinstance(value, list) and MASK in value))
