"""The Parquet dataset opens with ``datasets.load_dataset`` offline and gives back what was written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.export.episodes import SYSTEM, TOOLS, episode, plain_episode
from tests.extras import needs_extra

from isetrace.export import export_episodes, hf_schema, to_hf_row, to_ise_openai
from isetrace.export.hf import MESSAGE_FIELDS
from isetrace.records import Termination

datasets = needs_extra("hf", "datasets")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading a local file must not touch the network."""
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True, raising=False)


def load(path: Path, cache: Path) -> Any:
    return datasets.load_dataset("parquet", data_files=str(path), split="train", cache_dir=str(cache))


def test_parquet_round_trips_through_load_dataset(tmp_path: Path) -> None:
    source = [episode(), plain_episode(termination=Termination.USER_JUDGED_FAILURE)]
    path = tmp_path / "train.parquet"
    summary = export_episodes(source, "hf", path, include=set(Termination), environ={})  # hf keeps success alone
    assert summary.written == 2 and summary.path == path                               # unless told otherwise

    rows = load(path, tmp_path / "cache")
    assert rows.num_rows == 2
    assert rows["session_id"] == ["ep-1", "ep-plain"] and rows["status"] == ["success", "user_judged_failure"]
    first = rows[0]
    assert first["system"] == SYSTEM and first["messages"][0]["content"] == SYSTEM
    assert json.loads(first["tools"]) == TOOLS
    assert first["total_steps"] == 4 and first["enable_thinking"] is True
    assert first["source_intent_ids"] == ["i1"] and first["provenance"] == "agent=m-agent, user=m-user"
    assert json.loads(first["metadata"]) == to_ise_openai(source[0])["metadata"]
    assert first["final_output"] == "The check exited with code 1, as expected."


def test_messages_come_back_as_openai_messages(tmp_path: Path) -> None:
    path = tmp_path / "train.parquet"
    export_episodes([episode()], "hf", path, environ={})
    messages = load(path, tmp_path / "cache")[0]["messages"]
    assert all(tuple(m) == MESSAGE_FIELDS for m in messages)  # one schema: absent keys come back as None
    parallel = messages[2]
    assert parallel["role"] == "assistant" and parallel["reasoning_content"].startswith("I will save")
    assert [c["function"]["name"] for c in parallel["tool_calls"]] == ["write", "exec"]
    assert json.loads(parallel["tool_calls"][0]["function"]["arguments"])["path"] == "deliveries.csv"
    assert parallel["tool_calls"][1]["function"]["arguments"] == "{'command': wc -l deliveries.csv"
    assert messages[3]["tool_call_id"] == "c1" and messages[3]["name"] == "write" and messages[3]["success"] is True
    assert messages[4]["success"] is False and messages[1]["tool_calls"] is None
    # what a trainer does: drop the nulls and the row is an ISE OpenAI message list with string arguments
    cleaned = [{k: v for k, v in m.items() if v is not None} for m in messages]
    lenient = to_ise_openai(episode())["messages"]
    assert [m["role"] for m in cleaned] == [m["role"] for m in lenient]
    assert cleaned[3] == lenient[3]


def test_rows_match_the_schema_even_when_no_message_has_optional_fields(tmp_path: Path) -> None:
    path = tmp_path / "empty-ish.parquet"
    bare = episode([], tools=[])
    export_episodes([bare], "hf", path, environ={})
    row = load(path, tmp_path / "cache")[0]
    assert row["messages"] == [] and row["tools"] == "[]" and row["system"] == ""
    assert to_hf_row(bare)["enable_thinking"] is False


def test_an_export_with_every_episode_filtered_out_is_still_a_valid_parquet_file(tmp_path: Path) -> None:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    path = tmp_path / "none.parquet"
    summary = export_episodes([plain_episode()], "hf", path, include={Termination.BUDGET}, environ={})
    assert summary.written == 0 and summary.skipped_by_reason == {"success": 1}
    table = pq.read_table(path)  # (datasets itself refuses a split with no rows)
    assert table.num_rows == 0 and table.schema.equals(hf_schema())


def test_a_corpus_of_several_batches_comes_back_row_for_row_as_converted(tmp_path: Path) -> None:
    import pyarrow.parquet as parquet  # type: ignore[import-untyped]

    from isetrace.export.hf import _BATCH_ROWS

    source = [episode(ident=f"ep-{n:04d}") for n in range(_BATCH_ROWS * 2 + 7)]
    path = tmp_path / "train.parquet"
    assert export_episodes(source, "hf", path, environ={}).written == len(source)
    table = parquet.read_table(path)
    assert table.schema.equals(hf_schema())
    assert table.to_pylist() == [to_hf_row(e) for e in source]  # every value, null and type as converted
