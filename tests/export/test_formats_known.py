"""The export formats a config may name are exactly those the exporter has."""

from __future__ import annotations

from typing import get_args

from isetrace.config import ExportFormat
from isetrace.export import FORMATS


def test_the_config_names_every_export_format_and_no_other() -> None:
    assert set(get_args(ExportFormat)) == set(FORMATS)
