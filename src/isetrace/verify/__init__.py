"""Verified data: checks on the final workspace, answers against references, and who decided.

:mod:`.checks` is the vocabulary (a registry of typed check kinds); :mod:`.file_checks` and
:mod:`.command_checks` are its kinds for a workspace; :mod:`.verdicts` evaluates an intent's checks in the
episode's sandbox, compares a direct query's answer with its reference, and turns the verdicts into the
episode's ``verified`` label.
"""

from isetrace.verify import command_checks, file_checks, world_checks  # noqa: F401  (their kinds register on import)
from isetrace.verify.checks import (
    Check,
    CheckContext,
    CheckError,
    Outcome,
    check_kinds,
    checks_schema,
    describe_kinds,
    parse_check,
    register_check,
)
from isetrace.verify.verdicts import check_intent, decide, reference_verdict

__all__ = [
    "Check",
    "CheckContext",
    "CheckError",
    "Outcome",
    "check_intent",
    "check_kinds",
    "checks_schema",
    "decide",
    "describe_kinds",
    "parse_check",
    "reference_verdict",
    "register_check",
]
