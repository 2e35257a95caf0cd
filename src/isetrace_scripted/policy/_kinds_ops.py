"""Plan builders for operations work done with the shell: organising files, git, log triage, scheduled
jobs and documents. Every command is ordinary POSIX shell for Debian (coreutils, grep, sed, awk, git)
and works on relative paths in the workspace."""

from __future__ import annotations

import random
import re
from collections import Counter

from ._extract import (
    find_log_lines,
    listed_files,
    log_level,
    named_branch,
    named_directory,
    named_files,
    numbers,
    requested_outputs,
)
from ._phrasing import bare_request, starts_with_verb
from ._plans import Plan, Shell, Step, Write, misspell, read_step, writes
from ._text import SENTENCE_SPLIT, pick, truncate, upper_first
from ._tools import Toolkit


def files_plan(text: str, rng: random.Random, kit: Toolkit, with_failure: bool) -> Plan:
    """Organise a pasted file listing into one folder per extension, or inventory the real workspace."""
    names = listed_files(text)
    reports = requested_outputs(text, ("md", "txt"))
    if len(names) < 2:
        return _inventory_plan(reports[-1] if reports else "inventory.md", rng, with_failure)
    inbox = named_directory(text) or "inbox"
    root = pick(rng, ("sorted", "organised", "by_type"))
    create = (
        f"mkdir -p {inbox} && touch " + " ".join(f"{inbox}/{name}" for name in names) + f" && ls -la {inbox}"
    )
    organise = (
        f'for f in {inbox}/*; do [ -e "$f" ] || continue; ext="${{f##*.}}"; mkdir -p "{root}/$ext"; '
        f'mv "$f" "{root}/$ext/"; done && find {root} -type f | sort'
    )
    index = reports[-1] if reports else f"{root}/INDEX.md"
    listing = "\n".join(
        f"- `{entry}`" for entry in sorted(f"{name.rpartition('.')[2]}/{name}" for name in names)
    )
    steps = [
        Step(
            f"create the {len(names)} listed files in `{inbox}/`",
            f"created the {len(names)} listed files as empty placeholders in `{inbox}/` (the originals are "
            "not in this workspace)",
            (Shell(create),),
        ),
        Step(
            f"sort them into `{root}/<extension>/`",
            f"moved them into one folder per extension under `{root}/`",
            (Shell(organise),),
        ),
        Step(
            f"write the index `{index}`",
            f"wrote the index `{index}`",
            (Write(index, f"# Index of `{root}/`\n\n{listing}\n"),),
        ),
    ]
    if with_failure:
        steps.append(read_step(index, rng, with_typo=True))
    else:
        steps.append(
            Step(
                "check the result",
                f"checked the size of `{root}/`",
                (Shell(f"du -sh {root} && find {root} -type f | wc -l"),),
            )
        )
    return Plan(
        f"organise {len(names)} files by type",
        tuple(steps),
        (index,),
        f"Every file now sits under `{root}/<extension>/`; `{index}` lists them.",
    )


def _inventory_plan(output: str, rng: random.Random, with_failure: bool) -> Plan:
    """List every file in the workspace with its size in bytes, from the real file system."""
    collect = (
        f"{{ printf '# Inventory\\n\\n'; find . -type f ! -path '*/.git/*' ! -name '{output}' | sort | "
        "while read -r f; do printf -- '- `%s` — %s bytes\\n' \"$f\" "
        '"$(wc -c < "$f" | tr -d \' \')"; done; } '
        f"> {output} && wc -l {output}"
    )
    steps = (
        Step("look at the workspace", "listed the workspace", (Shell("ls -la"),)),
        Step(
            f"write the inventory to `{output}`",
            f"wrote every file with its size to `{output}`",
            (Shell(collect),),
        ),
        read_step(output, rng, with_typo=with_failure),
    )
    return Plan(
        "inventory the files in the workspace", steps, (output,), f"`{output}` lists each file with its size."
    )


def git_plan(text: str, rng: random.Random, kit: Toolkit, with_failure: bool) -> Plan:
    """Initialise a repository, add a README and ignore rules, commit, show the log; a changelog if asked."""
    repo = pick(rng, ("repo", "project", "workspace_repo", "analysis_repo"))
    lowered = text.lower()
    branch = named_branch(text) or (
        f"feature/{pick(rng, ('cleanup', 'report', 'export'))}" if "branch" in lowered else None
    )
    message = pick(
        rng, ("Add README and ignore rules", "Initial commit: project skeleton", "Add project notes")
    )
    asks = [bare_request(part) for part in re.split(r"(?<=[.!?])\s+", text)]
    summary = next((ask for ask in asks if starts_with_verb(ask)), "project notes")
    readme = Step(
        f"write `{repo}/README.md`",
        f"wrote `{repo}/README.md`",
        (Write(f"{repo}/README.md", f"# {repo}\n\n{upper_first(truncate(summary, 160))}.\n"),),
    )
    ignore = Step(
        f"write `{repo}/.gitignore`",
        f"wrote `{repo}/.gitignore`",
        (Write(f"{repo}/.gitignore", "__pycache__/\n*.pyc\n.env\n"),),
    )
    checkout = f"git checkout -q -B {branch} && " if branch else ""

    def commit(verb: str) -> str:
        return (
            f"cd {repo} && {checkout}git add -A && (git diff --cached --quiet || git -c user.name='Scripted "
            f"Agent' -c user.email=agent@example.invalid {verb} -q -m '{message}') && git log --oneline -n 5"
        )

    on_branch = f" on `{branch}`" if branch else ""
    retry = Step(
        "commit with the right command", f'committed "{message}"{on_branch}', (Shell(commit("commit")),)
    )
    steps = [
        Step(
            f"initialise `{repo}`",
            f"initialised the repository `{repo}`",
            (
                Shell(
                    f"git -c init.defaultBranch=main init -q {repo} && git -C {repo} status --short --branch"
                ),
            ),
        ),
        *writes(rng, readme, ignore),
        Step(
            "commit the work",
            f'committed "{message}"{on_branch}',
            (Shell(commit("comit" if with_failure else "commit")),),
            recovery=(retry,) if with_failure else (),
        ),
    ]
    outputs = [f"{repo}/README.md", f"{repo}/.gitignore"]
    notes = requested_outputs(text, ("md", "txt"))
    if notes or "changelog" in lowered or "release" in lowered:
        out = notes[-1] if notes else "CHANGELOG.md"
        steps.append(
            Step(
                f"write `{out}` from the log",
                f"wrote `{out}` from `git log`",
                (Shell(f"git -C {repo} log --format='- %h %s' > {out} && cat {out}"),),
            )
        )
        outputs.append(out)
    return Plan(
        f"put the work under git in `{repo}`",
        tuple(steps),
        tuple(outputs),
        f"The repository `{repo}` has the commit{on_branch}.",
    )


def _made_up_log(rng: random.Random, service: str) -> list[str]:
    events = (
        ("INFO", "request served in {n} ms"),
        ("WARN", "slow query ({n} ms)"),
        ("ERROR", "timeout calling upstream after 30s"),
        ("ERROR", "connection refused by cache"),
        ("INFO", "health check ok"),
        ("WARN", "retrying job {n}"),
    )
    lines = [f"2024-03-14T10:00:00Z INFO {service} started on port 8080"]
    for minute in range(1, 9):
        level, message = events[2] if minute == 4 else pick(rng, events)
        lines.append(
            f"2024-03-14T10:{minute:02d}:{rng.randint(0, 59):02d}Z {level} {service} "
            + message.format(n=rng.randint(120, 4000))
        )
    return lines


def system_plan(text: str, rng: random.Random, kit: Toolkit, with_failure: bool) -> Plan:
    """Triage a log: save it, count the worst level, summarise levels and disk use, write a report."""
    pasted = find_log_lines(text)
    services = [
        line.split()[2]
        for line in pasted
        if len(line.split()) > 2 and re.fullmatch(r"[\w.-]+", line.split()[2])
    ]
    service = services[0] if services else pick(rng, ("api", "worker", "billing", "scheduler"))
    lines = pasted or _made_up_log(rng, service)
    logs = named_files(text, ("log",))
    log = logs[0] if logs else f"{service}.log"
    counts = Counter(level for level in map(log_level, lines) if level)
    level = "ERROR" if "ERROR" in counts else counts.most_common(1)[0][0]
    count = Step(
        f"count the {level} lines",
        f"counted {counts[level]} {level} lines",
        (Shell(f"grep -c {level} {log}"),),
    )
    if with_failure:
        wrong = misspell(log, rng)
        look = Step("list the folder", "listed the folder and found the log", (Shell("ls -la"),))
        count = Step(
            f"count the {level} lines in `{wrong}`",
            f"tried `{wrong}` (a typo)",
            (Shell(f"grep -c {level} {wrong}"),),
            recovery=(look, count),
        )
    overview = f"grep -owE 'DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL' {log} | sort | uniq -c | sort -rn"
    if {"process", "processes", "memory", "cpu"} & set(re.findall(r"[a-z]+", text.lower())):
        overview += "; (ps -eo pid,comm,%mem --sort=-%mem 2>/dev/null || ps) | head -n 6"
    reports = requested_outputs(text, ("md", "txt"))
    report = reports[-1] if reports else f"{service}_health_report.md"
    flagged = [line for line in lines if log_level(line) == level]
    table = "\n".join(f"| {name} | {number} |" for name, number in counts.most_common())
    body = (
        f"# Health report: {service}\n\n| level | count |\n|---|---|\n{table}\n\n## {level} lines\n\n"
        f"- first: `{flagged[0]}`\n- last: `{flagged[-1]}`\n\n## Next steps\n\n"
        f"- look at the {counts[level]} {level} lines first\n- re-check disk usage after the fix\n"
    )
    steps = (
        Step(
            f"save the log to `{log}`",
            f"saved the {len(lines)} log lines to `{log}`",
            (Write(log, "\n".join(lines) + "\n"),),
        ),
        count,
        Step(
            "summarise levels and disk usage",
            "summarised log levels and disk usage",
            (Shell(overview + "; df -h . | tail -n 1"),),
        ),
        Step(f"write `{report}`", f"wrote `{report}`", (Write(report, body),)),
        Step(f"show `{report}`", f"printed the top of `{report}`", (Shell(f"head -n 12 {report}"),)),
    )
    return Plan(
        f"triage the `{service}` log",
        steps,
        (log, report),
        f"`{report}` has {counts[level]} {level} lines out of {len(lines)}, with the first and last one.",
    )


def automation_plan(text: str, rng: random.Random, kit: Toolkit, with_failure: bool) -> Plan:
    """Write an export job and a report job chained after it, run the chain once, and write a crontab
    entry for it; installing the crontab is left to the user and reported as such."""
    minute, hour = pick(rng, (0, 15, 30, 45)), rng.randint(5, 9)
    export = (
        "#!/bin/sh\n# Export job: writes a timestamped snapshot of the workspace listing.\nset -e\n"
        'mkdir -p exports\nls -la > "exports/snapshot_$(date +%Y%m%d).txt"\necho "export done"\n'
    )
    report = (
        "#!/bin/sh\n# Report job: counts the snapshots the export job produced.\nset -e\n"
        'echo "snapshots: $(ls exports | wc -l)" > exports/report.txt\ncat exports/report.txt\n'
    )
    crontab = (
        "printf '# m h dom mon dow command\\n%s %s * * 1-5 cd %s && "
        "{ ./export_job.sh && ./report_job.sh; } "
        f'>> jobs.log 2>&1\\n\' {minute} {hour} "$PWD" > jobs.crontab'
    )
    chain = "chmod +x export_job.sh report_job.sh && ./export_job.sh && ./report_job.sh"
    steps = [
        *writes(
            rng,
            Step("write `export_job.sh`", "wrote `export_job.sh`", (Write("export_job.sh", export),)),
            Step("write `report_job.sh`", "wrote `report_job.sh`", (Write("report_job.sh", report),)),
        ),
        Step("run the chain once", "ran the chain once (export, then report)", (Shell(chain),)),
        Step(
            "write the schedule to `jobs.crontab`",
            f"wrote `jobs.crontab` (weekdays at {hour:02d}:{minute:02d})",
            (Shell(crontab),),
        ),
    ]
    check = (
        "cat jobs.crontab && "
        "(command -v crontab >/dev/null && echo 'crontab: available' || echo 'crontab: not installed here')"
    )
    steps.append(
        read_step("jobs.crontab", rng, with_typo=True)
        if with_failure
        else Step("check the schedule", "checked the schedule file", (Shell(check),))
    )
    return Plan(
        "set up the chained jobs and their schedule",
        tuple(steps),
        ("export_job.sh", "report_job.sh", "jobs.crontab"),
        f"The chain runs weekdays at {hour:02d}:{minute:02d} UTC once `jobs.crontab` is installed with "
        "`crontab jobs.crontab`; I did not install it.",
    )


def docs_plan(text: str, rng: random.Random, kit: Toolkit, with_failure: bool) -> Plan:
    """Write the requested document (Markdown) from the message, then check its length and top."""
    lowered = text.lower()
    named = requested_outputs(text, ("md", "txt"))
    default = (
        "email_draft.md"
        if "email" in lowered
        else "MEMORY.md"
        if "remember" in lowered or "memory" in lowered
        else "status_update.md"
        if "status" in lowered
        else pick(rng, ("summary.md", "brief.md"))
    )
    name = named[-1] if named else default
    prose = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    parts = [bare_request(part) for part in SENTENCE_SPLIT.split(prose)]
    asks = [part for part in parts if part and starts_with_verb(part)][:5] or [
        part for part in parts if part
    ][:3]
    figures = numbers(text, 6)
    sections = [f"# {upper_first(truncate(asks[0], 70)) if asks else 'Summary'}", "", "## Points", ""]
    sections += [f"- {upper_first(truncate(ask, 140))}" for ask in asks] or ["- (nothing specific asked)"]
    if figures:
        sections += ["", "## Figures mentioned", "", ", ".join(f"{value:g}" for value in figures)]
    sections += ["", "## Next steps", "", "- review and adjust the wording", "- share it with the team"]
    write = Step(
        f"write `{name}`",
        f"wrote `{name}` ({len(asks)} point{'s' if len(asks) != 1 else ''})",
        (Write(name, "\n".join(sections) + "\n"),),
    )
    check = (
        read_step(name, rng, with_typo=True)
        if with_failure
        else Step(
            f"check `{name}`",
            f"checked the length and top of `{name}`",
            (Shell(f"wc -w {name} && head -n 12 {name}"),),
        )
    )
    return Plan(f"write `{name}`", (write, check), (name,), f"`{name}` is ready for review.")
