"""Checks that run something in the session: a command's exit code and output, a git repository's state.

They run after the conversation, under the session's limits and the check's time cap, in the workspace the
agent left; what the command prints is the agent's work and is judged, never trusted further.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import field_validator

from isetrace.verify.checks import Check, CheckContext, Outcome, register_check, workspace_path

__all__ = ["CommandCheck", "GitState"]


def _pattern(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
    return value


@register_check
class CommandCheck(Check):
    """``command`` (a shell line, run in the workspace) exits with ``exit_code`` and its output (stdout and
    stderr) contains ``output_contains`` and/or matches ``output_matches``."""

    kind: Literal["command"] = "command"
    command: str
    exit_code: int = 0
    output_contains: str | None = None
    output_matches: str | None = None

    @field_validator("output_matches")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        return _pattern(value)

    async def evaluate(self, context: CheckContext) -> Outcome:
        ran = await context.sandbox.run(self.command, timeout_s=context.timeout_s)
        output = (ran.stdout + ran.stderr).decode("utf-8", errors="replace")
        if ran.timed_out:
            return Outcome.of(False, f"{self.command!r} ran past {context.timeout_s:g} s")
        problems = []
        if ran.exit_code != self.exit_code:
            problems.append(f"exited {ran.exit_code}, not {self.exit_code}")
        if self.output_contains is not None and self.output_contains not in output:
            problems.append(f"output lacks {self.output_contains!r}")
        if self.output_matches is not None and re.search(self.output_matches, output, re.MULTILINE) is None:
            problems.append(f"output does not match {self.output_matches!r}")
        tail = output.strip().splitlines()[-1] if output.strip() else "(no output)"
        if problems:
            return Outcome.of(False, f"{self.command!r} " + "; ".join(problems) + f"; last line: {tail}")
        return Outcome.of(True, f"{self.command!r} exited {ran.exit_code}; last line: {tail}")


@register_check
class GitState(Check):
    """The git repository at ``repo`` is in a state: ``branch`` exists, the last commit's message matches
    ``last_commit_matches``, the working tree is ``clean`` (nothing modified or untracked)."""

    kind: Literal["git_state"] = "git_state"
    repo: str = "."
    branch: str | None = None
    last_commit_matches: str | None = None
    clean: bool | None = None

    @field_validator("repo")
    @classmethod
    def _inside(cls, value: str) -> str:
        return "." if value.strip() in ("", ".") else workspace_path(value)

    @field_validator("last_commit_matches")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        return _pattern(value)

    async def _git(self, context: CheckContext, *args: str) -> tuple[int, str]:
        ran = await context.sandbox.run(["git", "-C", self.repo, *args], timeout_s=context.timeout_s)
        return ran.exit_code, (ran.stdout or ran.stderr).decode("utf-8", errors="replace").strip()

    async def evaluate(self, context: CheckContext) -> Outcome:
        code, _ = await self._git(context, "rev-parse", "--git-dir")
        if code != 0:
            return Outcome.of(False, f"{self.repo} is not a git repository")
        problems: list[str] = []
        seen: list[str] = []
        if self.branch is not None:
            code, _ = await self._git(context, "rev-parse", "--verify", "--quiet", f"refs/heads/{self.branch}")
            (seen if code == 0 else problems).append(f"branch {self.branch} {'exists' if code == 0 else 'is missing'}")
        if self.last_commit_matches is not None:
            code, message = await self._git(context, "log", "-1", "--format=%B")
            ok = code == 0 and re.search(self.last_commit_matches, message, re.MULTILINE) is not None
            (seen if ok else problems).append(f"last commit {message.splitlines()[0] if message else '(none)'!r}")
        if self.clean is not None:
            code, status = await self._git(context, "status", "--porcelain")
            is_clean = code == 0 and not status
            (seen if is_clean == self.clean else problems).append(
                "working tree clean" if is_clean else f"working tree has changes ({len(status.splitlines())})")
        if problems:
            return Outcome.of(False, f"{self.repo}: " + "; ".join(problems))
        return Outcome.of(True, f"{self.repo}: " + ("; ".join(seen) or "a git repository"))
