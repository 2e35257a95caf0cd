"""Validation: each check rejects what it should and names itself; good requests pass."""

from __future__ import annotations

import pytest

from isetrace.config import ValidationConfig
from isetrace.intents.library import load_library
from isetrace.intents.validate import rejection_counts, validate_intent, validate_intents
from isetrace.records import Intent

GOOD = ("I run the treasury desk at a bank in Lagos. Here are last week's balances:\n"
        "```csv\ndate,balance\n2026-03-02,1200\n2026-03-03,1350\n```\n"
        "Compute the day-on-day change and save it as changes.csv, then write a two-line summary for me.")


def check(text: str, network: bool = False, **fields: object) -> str | None:
    intent = Intent.model_validate({"id": "t1", "natural_language_intent": text, "complexity": "simple", **fields})
    rejection = validate_intent(intent, ValidationConfig(), network=network, library=load_library())
    return None if rejection is None else rejection.check


def test_a_good_request_passes() -> None:
    assert check(GOOD) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("", "well_formed"),
    ('{"intent": "I need the totals"} please', "well_formed"),
    ("Compute the totals in {{ data }} for my report and save them as totals.csv for me, thank you kindly.",
     "well_formed"),
    ("I need totals.", "length"),
    ("Compute the day-on-day change of the balances and save it as changes.csv; then write a short summary file.",
     "user_voice"),
    ("I can help you with that! As an AI, I will compute the day-on-day change of my balances and save the file.",
     "user_voice"),
    ("I need the latest exchange rates: search the web for today's EUR/NGN rate and add it to my report file.",
     "capability"),
    ("I put the numbers in the attached spreadsheet. Please total my columns and save them as totals.csv.",
     "capability"),
])
def test_each_check_rejects_and_names_itself(text: str, expected: str) -> None:
    assert check(text) == expected


def test_network_requests_pass_when_the_run_has_the_network() -> None:
    text = "I need the latest exchange rates: search the web for today's EUR/NGN rate and add it to my report."
    assert check(text, network=True) is None


def test_metadata_must_agree_with_itself() -> None:
    fields = {"domains": ["file-io"], "metadata": {"domains": [{"name": "code-runtime", "selected_tasks": []}]}}
    assert check(GOOD, **fields) == "metadata"
    assert check(GOOD, complexity="extreme") == "metadata"


def test_rejections_are_counted_by_check() -> None:
    intents = [Intent(id=str(i), natural_language_intent=t, complexity="simple")
               for i, t in enumerate([GOOD, "", "I need totals.", "I need totals too."])]
    kept, rejected = validate_intents(intents, ValidationConfig(), network=False, library=load_library())
    assert [i.id for i in kept] == ["0"]
    assert rejection_counts(rejected) == {"well_formed": 1, "length": 2}
    assert str(rejected[0]).startswith("1: well_formed:")


def test_inline_data_and_mere_links_are_fine_offline() -> None:
    text = (GOOD + "\nThe config is:\n```json\n{\"retries\": 3}\n```\n"
            "Our wiki page is https://wiki.example.org/treasury for background.")
    assert check(text) is None
    fetching = "I need the rates table for my report: fetch https://rates.example.org/eur and save it as rates.csv."
    assert check(fetching) == "capability"
