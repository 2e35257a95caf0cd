"""Finding the original OpenClaw runtime: every problem that keeps it from running says what to do.

The version parsing and the problem texts are checked on made-up findings, so they hold on any machine;
the tests of this machine's install skip, saying how to install, where ``make install-openclaw`` has not
run.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from tests.runtimes.installed import HERE, needs_openclaw

from isetrace.runtimes import (
    INSTALL_HINT,
    OPENCLAW_VERSION,
    OpenClawInstall,
    locate_openclaw,
    node_supported,
    openclaw_problems,
    parse_node_version,
)
from isetrace.runtimes.openclaw_install import install_problems

ROOT = Path(__file__).resolve().parents[2]


def found(tmp_path: Path, node: str | None = "/x/bin/node", node_version: tuple[int, int, int] | None = (24, 19, 0),
          version: str | None = OPENCLAW_VERSION, entry: bool = True) -> OpenClawInstall:
    return OpenClawInstall(runtime_dir=tmp_path, node=Path(node) if node else None, node_version=node_version,
                           node_error=None if node_version else "'node --version' gave no version: boom",
                           version=version, entry=tmp_path / "openclaw.mjs" if entry else None)


@pytest.mark.parametrize(("text", "expected"), [
    ("v24.19.0\n", (24, 19, 0)), ("24.16.0", (24, 16, 0)), ("v26.1.0-nightly2026+abc", (26, 1, 0)),
    ("v20", None), ("node: not found", None), ("", None),
])
def test_node_versions_are_read_as_node_prints_them(text: str, expected: tuple[int, int, int] | None) -> None:
    assert parse_node_version(text) == expected


def test_only_the_node_versions_openclaw_starts_on_are_supported() -> None:
    supported = [(24, 16, 0), (24, 19, 0), (24, 99, 9), (26, 1, 0), (27, 0, 0)]
    unsupported = [(20, 20, 2), (22, 20, 0), (24, 15, 9), (25, 0, 0), (25, 9, 0), (26, 0, 9)]
    assert all(node_supported(v) for v in supported)
    assert not any(node_supported(v) for v in unsupported)


def test_a_complete_install_has_no_problems_before_the_cli_starts(tmp_path: Path) -> None:
    assert install_problems(found(tmp_path)) == []


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"node": None, "node_version": None}, "Node.js is not installed"),
    ({"node_version": None}, "'node --version' gave no version: boom"),
    ({"node_version": (20, 20, 2)}, "Node.js 20.20.2 at /x/bin/node is too old for OpenClaw"),
    ({"version": None}, "OpenClaw is not installed in"),
    ({"version": "2026.1.1"}, f"OpenClaw 2026.1.1 is installed in {{dir}}, not the pinned {OPENCLAW_VERSION}"),
    ({"entry": False}, "has no CLI script"),
])
def test_each_problem_names_what_is_wrong_and_how_to_fix_it(tmp_path: Path, kwargs: dict[str, object],
                                                             says: str) -> None:
    problems = install_problems(found(tmp_path, **kwargs))  # type: ignore[arg-type]
    assert len(problems) == 1, problems
    assert says.format(dir=tmp_path) in problems[0] and INSTALL_HINT in problems[0], problems[0]


def test_a_missing_node_and_a_missing_package_are_both_reported(tmp_path: Path) -> None:
    problems = openclaw_problems(found(tmp_path, node=None, node_version=None, version=None))
    assert [p.split(":")[0] for p in problems] == ["Node.js is not installed",
                                                   f"OpenClaw is not installed in {tmp_path}"]


def test_a_package_in_another_directory_is_read_from_its_manifest(tmp_path: Path) -> None:
    package = tmp_path / "node_modules" / "openclaw"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"version": "2026.1.1", "bin": {"openclaw": "openclaw.mjs"}}))
    (package / "openclaw.mjs").write_text("")
    install = locate_openclaw(tmp_path)
    assert (install.version, install.entry) == ("2026.1.1", package / "openclaw.mjs")
    assert locate_openclaw(tmp_path / "elsewhere").version is None


@pytest.mark.skipif(shutil.which("node") is None, reason="no node on PATH")
def test_the_node_on_path_is_read_and_judged(tmp_path: Path) -> None:
    node = Path(shutil.which("node") or "")
    install = locate_openclaw(tmp_path, node=node)
    assert install.node_version is not None, install.node_error
    too_old = [p for p in install_problems(install) if "too old" in p]
    assert bool(too_old) != node_supported(install.node_version)


def test_the_makefile_installs_the_pinned_version() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^OPENCLAW_VERSION := (\S+)$", makefile, re.M)[1] == OPENCLAW_VERSION  # type: ignore[index]


@needs_openclaw
def test_the_installed_runtime_starts_here() -> None:
    assert HERE.version == OPENCLAW_VERSION and HERE.node_version is not None
    assert openclaw_problems(HERE) == []


@needs_openclaw
def test_a_cli_that_does_not_start_is_a_problem(tmp_path: Path) -> None:
    broken = tmp_path / "openclaw.mjs"
    broken.write_text("console.error('cannot load dist'); process.exit(3)\n")
    install = OpenClawInstall(runtime_dir=HERE.runtime_dir, node=HERE.node, node_version=HERE.node_version,
                              node_error=None, version=OPENCLAW_VERSION, entry=broken)
    assert openclaw_problems(install) == [
        f"'openclaw --version' failed (exit code 3): cannot load dist: {INSTALL_HINT} to reinstall"]
