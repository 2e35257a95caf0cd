"""Assembling a :class:`~isetrace.config.models.RunConfig`: YAML file, then ``ISE_*`` environment, then
``-c dotted.key=value``; every error names the dotted path and where its value came from."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from isetrace.config.models import RunConfig
from isetrace.errors import ConfigError

__all__ = ["builtin_config_path", "load_config"]

ENV_PREFIX = "ISE_"
ENV_CONFIG_FILE = "ISE_CONFIG"


def builtin_config_path(name: str) -> Path | None:
    """The path of a config shipped with the package (``offline``), or ``None`` if there is none."""
    candidate = resources.files("isetrace") / "configs" / f"{name}.yaml"
    return Path(str(candidate)) if candidate.is_file() else None


def _read_yaml_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections, got {type(data).__name__}")
    return data


def _resolve_file(config: str | Path) -> Path:
    path = Path(config)
    if path.exists():
        return path
    builtin = builtin_config_path(str(config)) if "/" not in str(config) else None
    if builtin is not None:
        return builtin
    raise ConfigError(f"config file {path} does not exist (built-in configs: offline)")


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = data
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value


def _parse_scalar(text: str) -> Any:
    """Read an override value the way YAML would; fall back to the plain string."""
    if text == "":
        return ""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, dict | list) and not text.lstrip().startswith(("{", "[")):
        return text  # "Note: keep it short" is a sentence, not a mapping
    return value


def _env_overrides(environ: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """``(dotted key, raw value, source)`` for every ``ISE_*`` variable that sets a field."""
    found = []
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name == ENV_CONFIG_FILE:
            continue
        dotted = name[len(ENV_PREFIX) :].lower().replace("__", ".")
        found.append((dotted, value, f"environment variable {name}"))
    return found


def _cli_overrides(overrides: Sequence[str]) -> list[tuple[str, str, str]]:
    found = []
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override {item!r} must look like dotted.key=value")
        found.append((key.strip(), value, f"-c {item}"))
    return found


def _known_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names valid at ``loc`` (used to suggest a fix for a misspelt key)."""
    current: Any = model
    for part in loc:
        if str(part).isdigit():  # an item of a list: its model is the one the list holds
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        current = next((a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)),
                       None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _explain(error: ValidationError, sources: Mapping[str, str]) -> str:
    lines = []
    for problem in error.errors():
        loc = [str(p) for p in problem["loc"]]
        dotted = ".".join(loc) or "(root)"
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
            close = difflib.get_close_matches(loc[-1], _known_keys(RunConfig, loc[:-1]), n=1)
            if close:
                message += f" (did you mean {'.'.join([*loc[:-1], close[0]])}?)"
        source = next((src for key, src in sources.items() if dotted == key or dotted.startswith(key + ".")),
                      None)
        lines.append(f"{dotted}: {message}" + (f" [from {source}]" if source else ""))
    return "invalid configuration:\n  " + "\n  ".join(lines)


def load_config(
    config: str | Path | None = None,
    overrides: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> RunConfig:
    """Build the run configuration from a file, ``ISE_*`` variables and ``-c`` overrides, in that order.

    ``config`` is a YAML path or the name of a built-in config (``offline``); when ``None``, the file
    named by ``ISE_CONFIG`` is used if set, else only defaults. Raises :class:`ConfigError` with the
    dotted path of every bad field.
    """
    env = dict(os.environ if environ is None else environ)
    if config is None and env.get(ENV_CONFIG_FILE):
        config = env[ENV_CONFIG_FILE]
    data: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if config is not None:
        path = _resolve_file(config)
        data = _read_yaml_file(path)
    for dotted, raw, source in [*_env_overrides(env), *_cli_overrides(overrides)]:
        _set_dotted(data, dotted, _parse_scalar(raw))
        sources[dotted] = source
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, sources)) from None
