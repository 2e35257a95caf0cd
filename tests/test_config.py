"""Configuration: layers, errors with dotted paths, the offline config, and masking."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import annotated_types
import pytest
from pydantic import BaseModel

from isetrace.config import (
    DEFAULT_EXPORTS,
    HASH_IGNORES,
    PricesConfig,
    RunConfig,
    config_hash,
    load_config,
    masked_view,
)
from isetrace.errors import ConfigError
from isetrace.records import Termination

REAL = """
endpoints:
  agent:
    provider: openai
    base_url: https://user:hunter2@llm.example.test/v1
    model: Qwen/Qwen3-32B
    api_key_env: AGENT_API_KEY
    extra_headers: {Authorization: Bearer sk-live-123456, X-Team: data}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_offline_config_puts_every_role_on_the_scripted_endpoint() -> None:
    config = load_config("configs/offline.yaml", environ={})
    for role in ("agent", "user", "renderer", "judge"):
        assert config.endpoint(role).provider == "scripted"
    assert load_config("offline", environ={}) == config  # the built-in name resolves to the same file


def test_layers_apply_file_then_environment_then_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, REAL)
    env = {"ISE_ENDPOINTS__AGENT__CONCURRENCY": "64", "ISE_ENDPOINTS__AGENT__TEMPERATURE": "0.2"}
    config = load_config(path, ["endpoints.agent.temperature=0.9", "intents.count=3"], environ=env)
    agent = config.endpoint("agent")
    assert agent.concurrency == 64 and agent.temperature == 0.9 and config.intents.count == 3
    assert agent.model == "Qwen/Qwen3-32B"


def test_config_file_can_come_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, REAL)
    assert load_config(environ={"ISE_CONFIG": str(path)}).endpoint("agent").model == "Qwen/Qwen3-32B"


def test_unknown_key_names_its_dotted_path_and_a_suggestion(tmp_path: Path) -> None:
    expected = r"endpoints\.agent\.modle: unknown key \(did you mean endpoints\.agent\.model"
    with pytest.raises(ConfigError, match=expected):
        load_config(write(tmp_path, REAL), ["endpoints.agent.modle=x"], environ={})


def test_bad_value_names_its_dotted_path_and_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, REAL), environ={"ISE_ENDPOINTS__AGENT__TEMPERATURE": "hot"})
    message = str(caught.value)
    assert "endpoints.agent.temperature:" in message
    assert "environment variable ISE_ENDPOINTS__AGENT__TEMPERATURE" in message


def test_openai_endpoint_without_base_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="base_url is required"):
        load_config(None, ["endpoints.judge.provider=openai", "endpoints.judge.model=m"], environ={})


def test_an_endpoint_names_its_model() -> None:
    with pytest.raises(ConfigError, match=r"endpoints\.judge\.model: Field required"):
        load_config(None, ["endpoints.judge.base_url=http://127.0.0.1:9/v1"], environ={})


def test_an_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown provider 'vllm' \(known: openai, scripted\)"):
        load_config(None, ["endpoints.judge.provider=vllm", "endpoints.judge.model=m"], environ={})


def test_provider_options_belong_to_provider_plugins_only() -> None:
    with pytest.raises(ConfigError, match="provider_options apply only to provider plugins"):
        load_config(None, ["endpoints.judge.base_url=http://127.0.0.1:9/v1", "endpoints.judge.model=m",
                           "endpoints.judge.provider_options.latency_ms=5"], environ={})


def test_a_role_without_endpoint_names_the_offline_config() -> None:
    with pytest.raises(ConfigError, match=r"configs/offline\.yaml"):
        RunConfig().endpoint("agent")


@pytest.mark.parametrize(("text", "message"), [
    ("endpoints: [1, 2]", "endpoints: Input should be"),
    ("- a\n- b", "top level must be a mapping"),
    ("endpoints: {agent: {model: [}", "not valid YAML"),
])
def test_malformed_files_are_explained(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), environ={})


def test_missing_file_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config("nowhere/run.yaml", environ={})


def test_bad_override_syntax() -> None:
    with pytest.raises(ConfigError, match=r"dotted\.key=value"):
        load_config(None, ["intents.count"], environ={})


def test_secrets_are_masked_and_key_variable_names_kept(tmp_path: Path) -> None:
    view = masked_view(load_config(write(tmp_path, REAL), environ={}))
    agent = view["endpoints"]["agent"]
    assert agent["base_url"] == "https://user:***@llm.example.test/v1"
    assert agent["extra_headers"] == {"Authorization": "***", "X-Team": "***"}
    assert agent["api_key_env"] == "AGENT_API_KEY"
    assert "hunter2" not in str(view) and "sk-live" not in str(view)


def test_hash_is_stable_and_sensitive() -> None:
    a = load_config("offline", environ={})
    assert config_hash(a) == config_hash(load_config("offline", environ={}))
    assert config_hash(a) != config_hash(load_config("offline", ["intents.seed=1"], environ={}))


def test_override_values_read_as_yaml_scalars_but_sentences_stay_text() -> None:
    config = load_config(None, ["simulate.appended_question=Before we close: what changed?",
                                "simulate.max_user_turns=7", "sandbox.network=on", "simulate.date=2026-01-15"],
                         environ={})
    assert config.simulate.appended_question == "Before we close: what changed?"
    assert config.simulate.max_user_turns == 7 and config.sandbox.network is True
    assert config.simulate.date is not None and config.simulate.date.isoformat() == "2026-01-15"


def test_hash_ignores_where_and_how_fast_a_run_goes() -> None:
    base = config_hash(load_config("offline", environ={}))
    moved = load_config("offline", ["run.dir=elsewhere", "run.concurrency=64", "run.executor=ray"], environ={})
    assert config_hash(moved) == base


def test_exports_take_plain_names_or_say_which_terminations_they_keep(tmp_path: Path) -> None:
    path = write(tmp_path, "run:\n  exports:\n    - ise-openai\n    - {format: sharegpt, include: [success, "
                           "user_judged_failure]}\n    - {format: hf, include: all}\n")
    exports = load_config(path, environ={}).run.exports
    assert [(e.format, e.include) for e in exports[:2]] == [
        ("ise-openai", None), ("sharegpt", [Termination.SUCCESS, Termination.USER_JUDGED_FAILURE])]
    assert exports[2].include is not None and set(exports[2].include) == set(Termination)
    # written back as it was written, so a run directory's config.yaml reads the same and loads again
    stored = masked_view(load_config(path, environ={}))["run"]["exports"]
    assert stored == ["ise-openai", {"format": "sharegpt", "include": ["success", "user_judged_failure"]},
                      {"format": "hf", "include": "all"}]
    assert RunConfig.model_validate({"run": {"exports": stored}}).run.exports == exports
    assert [e.format for e in RunConfig().run.exports] == list(DEFAULT_EXPORTS)


@pytest.mark.parametrize(("value", "message"), [
    ("[{format: sharegpt, include: [sucess]}]", r"run\.exports\.0\.include\.0: Input should be 'success'"),
    ("[csv]", r"run\.exports\.0\.format: Input should be 'ise-openai'"),
    ("[{format: sharegpt, includ: all}]", r"exports\.0\.includ: unknown key \(did you mean run\.exports\.0\.include"),
    ("[{format: sharegpt, include: []}]", r"run\.exports\.0\.include: List should have at least 1 item"),
    ("[sharegpt, {format: sharegpt, include: all}]", r"run\.exports: .*named more than once: sharegpt"),
])
def test_bad_exports_are_explained(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(None, [f"run.exports={value}"], environ={})


def test_a_stream_request_in_extra_body_is_refused_with_why() -> None:
    with pytest.raises(ConfigError, match="reads whole replies: leave 'stream' out of extra_body"):
        load_config("offline", ["endpoints.agent.extra_body={stream: true}"], environ={})


def test_an_export_can_keep_only_verified_work_and_is_written_back_so() -> None:
    config = load_config("offline", ["run.exports=[ise-openai, {format: sharegpt, verified: true}]"], environ={})
    assert [spec.verified for spec in config.run.exports] == [False, True]
    assert masked_view(config)["run"]["exports"] == ["ise-openai", {"format": "sharegpt", "verified": True}]


def test_prices_are_per_endpoint_in_usd_per_million_tokens(tmp_path: Path) -> None:
    path = write(tmp_path, REAL + "    prices: {prompt: 0.15, completion: 0.6, cached_prompt: 0.075}\n")
    prices = load_config(path, environ={}).endpoint("agent").prices
    assert prices is not None and (prices.prompt, prices.completion, prices.cached_prompt) == (0.15, 0.6, 0.075)
    plain = load_config(path, ["endpoints.agent.prices={prompt: 3, completion: 15}"], environ={})
    assert plain.endpoint("agent").prices == PricesConfig(prompt=3.0, completion=15.0)  # cached_prompt: unset
    assert load_config(write(tmp_path, REAL), environ={}).endpoint("agent").prices is None


@pytest.mark.parametrize(("value", "message"), [
    ("{prompt: -0.15, completion: 0.6}", r"endpoints\.agent\.prices\.prompt: Input should be greater than or equal"),
    ("{prompt: 0.15, completion: 0.6, cached_prompt: -1}", r"endpoints\.agent\.prices\.cached_prompt: Input should be"),
    ("{prompt: 0.15}", r"endpoints\.agent\.prices\.completion: Field required"),
    ("{prompt: .inf, completion: 0.6}", r"endpoints\.agent\.prices\.prompt: Input should be a finite number"),
    ("{prompt: cheap, completion: 0.6}", r"endpoints\.agent\.prices\.prompt: Input should be a valid number"),
    ("{prompt: 0.15, completion: 0.6, cached: 0.075}",
     r"endpoints\.agent\.prices\.cached: unknown key \(did you mean endpoints\.agent\.prices\.cached_prompt\?\)"),
])
def test_bad_prices_are_refused_with_the_dotted_path(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, REAL), [f"endpoints.agent.prices={value}"], environ={})


def test_prices_do_not_change_what_a_run_makes_so_not_its_hash() -> None:
    base = load_config("offline", environ={})
    priced = load_config("offline", ["endpoints.agent.prices={prompt: 0.15, completion: 0.6}",
                                      "endpoints.judge.prices={prompt: 1, completion: 2, cached_prompt: 0.5}"],
                         environ={})
    assert config_hash(priced) == config_hash(base)
    assert {f"endpoints.{role}.prices" for role in ("agent", "user", "renderer", "judge")} <= set(HASH_IGNORES)
    assert masked_view(priced)["endpoints"]["agent"]["prices"] == {"prompt": 0.15, "completion": 0.6,
                                                                   "cached_prompt": None}
    assert config_hash(load_config("offline", ["endpoints.agent.temperature=0.1"], environ={})) != config_hash(base)


def _numbers(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every int or float setting under ``model``, with its dotted path and its pydantic field (a mapping of
    numbers, like worlds.faults.rates, has a validator of its own)."""
    for name, field in model.model_fields.items():
        if typing.get_origin(field.annotation) is dict:
            continue
        kinds = typing.get_args(field.annotation) or (field.annotation,)
        for kind in kinds:
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                yield from _numbers(kind, f"{prefix}{name}.")
        if any(kind in (int, float) for kind in kinds):
            yield f"{prefix}{name}", field


UNBOUNDED = {"intents.seed", "simulate.seed", "worlds.faults.seed"}
"""Seeds: any whole number is one."""


def test_every_count_size_and_limit_in_the_config_has_a_lower_bound() -> None:
    found = dict(_numbers(RunConfig))
    assert len(found) > 40 and set(found) >= UNBOUNDED  # the walk reached the nested sections
    unbounded = [path for path, field in found.items() if path not in UNBOUNDED
                 and not any(isinstance(rule, annotated_types.Ge | annotated_types.Gt) for rule in field.metadata)]
    assert not unbounded


@pytest.mark.parametrize("setting", ["intents.count=0", "intents.count=-1", "run.concurrency=0",
                                     "simulate.max_user_turns=0", "sandbox.limits.output_bytes=0",
                                     "sandbox.limits.timeout_s=inf", "endpoints.agent.timeout_s=nan",
                                     "worlds.faults.rates={timeout: 2}"])
def test_a_count_or_size_that_makes_no_sense_is_refused_naming_the_setting(setting: str) -> None:
    with pytest.raises(ConfigError, match=setting.partition("=")[0].rpartition(".")[0] or setting):
        load_config("offline", [setting])
