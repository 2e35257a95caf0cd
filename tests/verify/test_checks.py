"""Each kind of check, passing and failing on a real workspace in a real sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox.backends import BEST_BACKEND

from isetrace.config import SandboxConfig
from isetrace.sandbox import Sandbox, SandboxHome, open_sandbox
from isetrace.verify import CheckContext, CheckError, check_kinds, checks_schema, parse_check

FILES = {
    "report.md": "# Late rates\n\nBraga 6.1%\nPorto 2.2%\n",
    "data/summary.json": '{"totals": {"late": 26, "parcels": 840}, "depots": ["Porto", "Braga"]}',
    "config.yaml": "retries: 3\nowner: ops\n",
    "deliveries.csv": "depot,parcels,late\nPorto,412,9\nBraga,230,14\nAveiro,198,3\n",
    "original.txt": "keep me\n",
    "empty.txt": "",
}


@pytest.fixture
async def box(tmp_path: Path, sandbox_home: Path) -> AsyncIterator[tuple[Sandbox, Path]]:
    template = tmp_path / "template"
    template.mkdir()
    (template / "original.txt").write_text("keep me\n")
    (template / "changed.txt").write_text("before\n")
    sandbox = await open_sandbox(SandboxConfig(backend=BEST_BACKEND), SandboxHome(sandbox_home))
    try:
        for path, text in FILES.items():
            await sandbox.write_file(path, text.encode())
        await sandbox.write_file("changed.txt", b"after\n")
        await sandbox.run("ln -s report.md link.md && mkdir out && git init -q repo && cd repo && "
                          "git config user.email a@b && git config user.name A && echo x > f && git add f && "
                          "git commit -qm 'Add the late-rate report' && git branch release")
        yield sandbox, template
    finally:
        await sandbox.close()


CASES: list[tuple[dict[str, Any], bool, str]] = [
    ({"kind": "file_exists", "path": "report.md"}, True, "report.md exists"),
    ({"kind": "file_exists", "path": "missing.md"}, False, "does not exist"),
    ({"kind": "file_exists", "path": "empty.txt"}, False, "exists but is empty"),
    ({"kind": "file_exists", "path": "empty.txt", "non_empty": False}, True, "exists"),
    ({"kind": "file_exists", "path": "out"}, False, "is a directory"),
    ({"kind": "file_exists", "path": "link.md"}, False, "cannot be read as a file"),
    ({"kind": "file_absent", "path": "tmp.txt"}, True, "is absent"),
    ({"kind": "file_absent", "path": "link.md"}, False, "still there"),
    ({"kind": "file_contains", "path": "report.md", "text": "Braga 6.1%"}, True, "contains"),
    ({"kind": "file_contains", "path": "report.md", "text": "braga", "ignore_case": True}, True, "contains"),
    ({"kind": "file_contains", "path": "report.md", "text": "Aveiro"}, False, "does not contain"),
    ({"kind": "file_matches", "path": "report.md", "pattern": r"^Porto \d+\.\d%$"}, True, "'Porto 2.2%'"),
    ({"kind": "file_matches", "path": "report.md", "pattern": r"^Aveiro"}, False, "nothing in"),
    ({"kind": "structured_value", "path": "data/summary.json", "key": "totals.late", "equals": 26.0}, True, "is 26"),
    ({"kind": "structured_value", "path": "data/summary.json", "key": "depots.1", "equals": "Braga"}, True, "Braga"),
    ({"kind": "structured_value", "path": "data/summary.json", "key": "totals.lost", "equals": 0}, False, "missing"),
    ({"kind": "structured_value", "path": "config.yaml", "format": "yaml", "key": "retries", "equals": 3}, True, "3"),
    ({"kind": "structured_value", "path": "config.yaml", "format": "yaml", "key": "owner", "equals": "dev"}, False,
     "not \"dev\""),
    ({"kind": "structured_value", "path": "report.md", "key": "a", "equals": 1}, False, "is not JSON"),
    ({"kind": "csv_table", "path": "deliveries.csv", "columns": ["depot", "late"], "rows": 3}, True, "3 data rows"),
    ({"kind": "csv_table", "path": "deliveries.csv", "sum_column": "late", "column_sum": 26}, True, "as asked"),
    ({"kind": "csv_table", "path": "deliveries.csv", "sum_column": "late", "column_sum": 27}, False, "sums to 26"),
    ({"kind": "csv_table", "path": "deliveries.csv", "columns": ["rate"], "rows": 4}, False, "lack ['rate']"),
    ({"kind": "file_unchanged", "path": "original.txt"}, True, "unchanged"),
    ({"kind": "file_unchanged", "path": "changed.txt"}, False, "changed from the template"),
    ({"kind": "file_unchanged", "path": "report.md"}, False, "template has no file"),
    ({"kind": "command", "command": "python3 -c 'print(6 * 7)'", "output_contains": "42"}, True, "exited 0"),
    ({"kind": "command", "command": "grep -c Porto report.md", "output_matches": r"^1$"}, True, "exited 0"),
    ({"kind": "command", "command": "exit 3"}, False, "exited 3, not 0"),
    ({"kind": "command", "command": "echo no", "output_contains": "yes"}, False, "output lacks 'yes'"),
    ({"kind": "git_state", "repo": "repo", "branch": "release", "last_commit_matches": "late-rate", "clean": True},
     True, "branch release exists"),
    ({"kind": "git_state", "repo": "repo", "branch": "main-2"}, False, "branch main-2 is missing"),
    ({"kind": "git_state", "repo": "out"}, False, "not a git repository"),
]


@pytest.mark.parametrize(("spec", "passed", "evidence"), CASES,
                         ids=[f"{case[0]['kind']}-{index}" for index, case in enumerate(CASES)])
async def test_a_check_decides_on_the_real_workspace_and_says_what_it_saw(
        box: tuple[Sandbox, Path], spec: dict[str, Any], passed: bool, evidence: str) -> None:
    sandbox, template = box
    outcome = await parse_check(spec).evaluate(CheckContext(sandbox, template, timeout_s=20))
    assert (outcome.passed, evidence in outcome.evidence) == (passed, True), outcome.evidence


def test_every_kind_is_in_the_vocabulary_and_its_schema() -> None:
    kinds = {"file_exists", "file_absent", "file_contains", "file_matches", "structured_value", "csv_table",
             "file_unchanged", "command", "git_state"}
    assert kinds <= set(check_kinds())
    schema = checks_schema()
    workspace_kinds = [kind for kind, model in check_kinds().items() if model.world is None]
    assert schema["type"] == "array" and len(schema["items"]["anyOf"]) == len(workspace_kinds)
    every_world = checks_schema(["web", "git", "office", "packages"])  # a world's kinds only where it runs
    assert len(every_world["items"]["anyOf"]) == len(check_kinds())
    assert {case[0]["kind"] for case in CASES} == kinds  # every kind is tested above, passing and failing


@pytest.mark.parametrize(("spec", "problem"), [
    ("file_exists", "an object with a string kind"),
    ({"kind": "slack_posted"}, "unknown check kind 'slack_posted'"),
    ({"kind": "file_exists"}, "path"),
    ({"kind": "file_exists", "path": "../etc/passwd"}, "not a path inside the workspace"),
    ({"kind": "file_exists", "path": "/etc/passwd"}, "not a path inside the workspace"),
    ({"kind": "file_matches", "path": "a", "pattern": "("}, "not a regular expression"),
    ({"kind": "csv_table", "path": "a.csv"}, "needs columns, rows or column_sum"),
    ({"kind": "file_exists", "path": "a", "extra": 1}, "extra"),
])
def test_a_spec_outside_the_vocabulary_is_refused_with_its_reason(spec: object, problem: str) -> None:
    with pytest.raises(CheckError, match=problem.replace("(", r"\(").replace("[", r"\[")):
        parse_check(spec)
