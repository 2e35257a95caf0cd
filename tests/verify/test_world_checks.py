"""The world checks against real sessions: what the agent did to the services passes, what it did not (or
only claimed, or forged in its workspace) fails."""

from __future__ import annotations

from pathlib import Path

from tests.sandbox.backends import needs_bwrap
from tests.worlds.sessions import world_config, world_session

from isetrace.records import Intent, ToolCall
from isetrace.tools.context import ToolContext
from isetrace.tools.dialects import get_dialect
from isetrace.verify import CheckContext, parse_check

pytestmark = needs_bwrap

SEED = Intent(id="i-1", natural_language_intent="x", world={
    "pages": [{"url": "http://status.example.net/today", "title": "Status today",
               "body": "<html><head><title>Status today</title></head><body>All ferries run.</body></html>"}],
    "mail": [{"from": "me@office.test", "to": ["old@office.test"], "subject": "Old news", "folder": "sent"}],
    "tickets": [{"title": "Printer jams on floor 2", "status": "open"}],
    "repos": [{"name": "ferry-times", "commits": [{"message": "Start", "files": {"times.csv": "dep,arr\n"}}]}]})


async def _verdicts(box, host, *specs: dict[str, object]) -> list[bool]:  # type: ignore[no-untyped-def]
    context = CheckContext(box, None, 30.0, host)
    return [(await parse_check(spec).evaluate(context)).passed for spec in specs]


async def test_office_checks_pass_on_what_the_agent_did_and_fail_on_the_seed_or_a_forgery(sandbox_home: Path) -> None:
    config = world_config(sandbox_home, "worlds.office=true")
    async with world_session(config, [SEED]) as (box, host):
        mail = {"kind": "mail_sent", "to": "ops@office.test", "subject_contains": "ferries"}
        event = {"kind": "event_created", "title_contains": "review", "start": "2026-12-03T10"}
        ticket = {"kind": "ticket_state", "title_contains": "printer", "status": "resolved"}
        seeded = {"kind": "mail_sent", "subject_contains": "old news"}
        assert await _verdicts(box, host, mail, event, ticket, seeded) == [False] * 4
        # a forgery in the workspace changes nothing the checks read
        await box.run(["sh", "-c", "mkdir -p sent && echo 'To: ops@office.test' > sent/ferries.eml"], timeout_s=10)
        commands = [
            ["office", "mail", "send_message", "--to", "ops@office.test", "--subject", "Ferries today",
             "--body", "All run."],
            ["office", "calendar", "create_event", "--title", "Timetable review", "--start", "2026-12-03T10:30"],
            ["office", "tickets", "update", "--ticket_id", "tkt_1", "--status", "resolved"],
        ]
        for command in commands:
            ran = await box.run(command, timeout_s=20)
            assert ran.exit_code == 0, ran.stderr
        assert await _verdicts(box, host, mail, event, ticket, seeded) == [True, True, True, False]
        assert await _verdicts(box, host, {"kind": "event_created", "start": "2026-12-04"}) == [False]


async def test_git_and_web_checks_read_the_remote_and_the_log(sandbox_home: Path) -> None:
    config = world_config(sandbox_home, "worlds.git=true", "worlds.web=true")
    async with world_session(config, [SEED]) as (box, host):
        pushed = {"kind": "branch_pushed", "repo": "ferry-times", "branch": "weekend", "message_contains": "saturday",
                  "file": "times.csv", "file_contains": "09:15"}
        main = {"kind": "branch_pushed", "repo": "ferry-times", "branch": "main"}
        page = {"kind": "page_fetched", "url": "https://status.example.net/today"}
        assert await _verdicts(box, host, pushed, main, page) == [False, False, False]
        script = ("git clone -q http://git.test/ferry-times.git && cd ferry-times && git checkout -q -b weekend && "
                  "echo '09:15,10:05' >> times.csv && git -c user.name=A -c user.email=a@b commit -qam "
                  "'Add Saturday departures' && git push -q origin weekend && curl -s http://status.example.net/today")
        ran = await box.run(["sh", "-c", script], timeout_s=60)
        assert ran.exit_code == 0 and b"All ferries run." in ran.stdout, ran.stderr
        assert await _verdicts(box, host, pushed, main, page) == [True, False, True]
        other = {**pushed, "file_contains": "23:59"}
        assert await _verdicts(box, host, other) == [False]


async def test_the_host_side_tools_reach_the_same_worlds_and_are_logged_as_tools(sandbox_home: Path) -> None:
    config = world_config(sandbox_home, "worlds.office=true", "worlds.web=true", "tools.dialect=services")
    dialect = get_dialect("services")
    async with world_session(config, [SEED]) as (box, host):
        context = ToolContext.for_run(box, config, {}, worlds=host)
        calls = [ToolCall(id="c1", name="web_search", arguments={"query": "ferries status"}),
                 ToolCall(id="c2", name="web_fetch", arguments={"url": "https://status.example.net/today"}),
                 ToolCall(id="c3", name="mail_send_message",
                          arguments={"to": ["ops@office.test"], "subject": "Ferries", "body": "All run."}),
                 ToolCall(id="c4", name="tickets_update", arguments={"ticket_id": "tkt_404", "status": "closed"}),
                 ToolCall(id="c5", name="web_fetch", arguments={"url": "http://no-such-site.example.org/"})]
        outcomes = [await dialect.dispatch(call, context) for call in calls]
        assert "http://status.example.net/today" in outcomes[0].content
        assert "All ferries run." in outcomes[1].content
        assert outcomes[2].result.ok and '"sent"' in outcomes[2].content
        assert not outcomes[3].result.ok and "tkt_404" in outcomes[3].content
        assert not outcomes[4].result.ok and "cannot resolve" in outcomes[4].content
        logged = [(e.via, e.world, e.detail.get("tool_call")) for e in host.audit]
        assert logged == [("tool", "web", "c1"), ("tool", "web", "c2"), ("tool", "office", "c3"),
                          ("tool", "office", "c4")]
        assert await _verdicts(box, host, {"kind": "mail_sent", "to": "ops@office.test"},
                               {"kind": "page_fetched", "url": "http://status.example.net/today"}) == [True, True]


async def test_without_worlds_every_world_check_fails_saying_so(sandbox_home: Path) -> None:
    config = world_config(sandbox_home, "worlds.office=true")
    async with world_session(config) as (box, _):
        context = CheckContext(box, None, 30.0, None)
        outcome = await parse_check({"kind": "mail_sent"}).evaluate(context)
        assert not outcome.passed and "no office world" in outcome.evidence
