"""Episodes → training data: the ISE OpenAI format, a strict OpenAI variant, ShareGPT, Hugging Face Parquet.

Every export is a pure function of the episodes: no model is called, and re-exporting the same episodes
gives the same rows. Every row carries the tools that were offered and the system prompt the agent saw,
and every row is scanned for secrets before anything is written (:mod:`isetrace.export.secrets`).

Formats, by name (:data:`FORMATS`): ``ise-openai``, ``openai-strict``, ``sharegpt``, ``hf``. Importing this
package loads no optional dependency; ``pyarrow`` is imported when a Parquet file is written.
"""

from __future__ import annotations

from isetrace.export.episode_parts import Unrepresentable
from isetrace.export.files import export_file
from isetrace.export.hf import hf_schema, to_hf_row
from isetrace.export.openai import STRICT_DROPS, strict_problems, to_ise_openai, to_openai_strict
from isetrace.export.secrets import SecretFinding, SecretScanner
from isetrace.export.sharegpt import sharegpt_problems, to_sharegpt
from isetrace.export.writer import FORMATS, ExportFormat, ExportSummary, export_episodes, get_format

__all__ = [
    "FORMATS",
    "STRICT_DROPS",
    "ExportFormat",
    "ExportSummary",
    "SecretFinding",
    "SecretScanner",
    "Unrepresentable",
    "export_episodes",
    "export_file",
    "get_format",
    "hf_schema",
    "sharegpt_problems",
    "strict_problems",
    "to_hf_row",
    "to_ise_openai",
    "to_openai_strict",
    "to_sharegpt",
]
