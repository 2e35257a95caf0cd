"""Exports and ``ise stats`` at corpus size, against an orjson round trip of the same file in the same run.

Makes a realistic corpus itself — trajectories of 40–70 messages with reasoning, tool calls (shell, file
and web tools, JSON arguments) and tool results, a few failed, each with the tool schemas and skills a
session offers, written as ``episodes.jsonl`` — then, each
in a child process so its peak RSS is its own, measures:

- the baseline: read every line, ``orjson.loads``, ``orjson.dumps``, write (what any tool must at least do);
- every export format as ``ise export`` writes it (``export_file``: the secret scan on, on one worker process
  per core, ``--workers``), and ``ise-openai`` again in one process, for comparison;
- the corpus statistics (``corpus_stats``, as ``ise stats`` computes them).

Prints each one's seconds, its ratio to the baseline (goal ≤ 3) and its peak RSS (goal ≤ 1 GB); the last
line is one JSON object with every figure. Peak RSS of an export on workers counts this process and, for
each worker, the largest worker's peak.

    .venv/bin/python benchmarks/export.py [--trajectories 25000] [--quick] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORMATS = ("ise-openai", "openai-strict", "sharegpt", "hf")
WORDS = ["depot", "parcels", "late", "rate", "north", "south", "east", "west", "totals", "invoice", "ledger",
         "quarter", "report", "summary", "draft", "review", "branch", "commit", "test", "fails", "passes", "column",
         "rows", "mean", "median", "sensor", "reading", "clinic", "ward"]


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def make_corpus(path: Path, trajectories: int, seed: int = 0) -> int:
    """Write ``trajectories`` episodes to ``path``; the bytes written."""
    from isetrace.records import Episode, Intent, Message, Termination, ToolCall, ToolResult
    from isetrace.skills import load_skills, skill_entry
    from isetrace.tools import get_dialect

    rng = random.Random(seed)
    size = 0
    # what a real episode carries besides its messages: the tool schemas offered and the skills listed
    tools = get_dialect("openclaw").schemas()
    skills = [skill_entry(skill, "/workspace") for skill in load_skills()]
    with path.open("w", encoding="utf-8") as out:
        for number in range(trajectories):
            intent = Intent(id=f"bench-{number:06d}", natural_language_intent=_text(rng, 80),
                            domains=["file-io", "code-runtime"], tasks=["convert", "summarise"], complexity="medium")
            messages = [Message(role="system", content=_text(rng, 300))]
            calls = 0
            while len(messages) < rng.randint(40, 70):
                messages.append(Message(role="user", content=_text(rng, rng.randint(20, 80))))
                for _ in range(rng.randint(2, 5)):
                    calls += 1
                    name = rng.choice(("exec", "read", "write", "web_fetch"))
                    arguments = {"command": f"python3 step_{calls}.py --rows {rng.randint(1, 999)}"} \
                        if name == "exec" else {"path": f"out/file_{calls}.md", "content": _text(rng, 60)}
                    call = ToolCall(id=f"call_{number}_{calls}", name=name, arguments=arguments,
                                    arguments_raw=json.dumps(arguments))
                    messages.append(Message(role="assistant", content="", reasoning_content=_text(rng, 40),
                                            tool_calls=[call]))
                    ok = rng.random() > 0.1
                    output = _text(rng, rng.randint(10, 200))
                    result = ToolResult(call_id=call.id, tool=name, ok=ok, exit_code=0 if ok else 1, stdout=output,
                                        stderr="" if ok else "error: " + _text(rng, 8), duration_s=0.05)
                    messages.append(Message(role="tool", tool_call_id=call.id, name=name, content=output,
                                            result=result))
                messages.append(Message(role="assistant", content=_text(rng, 60), reasoning_content=_text(rng, 30)))
            episode = Episode(episode_id=intent.id, intents=[intent], messages=messages, tools=tools, skills=skills,
                              termination=Termination.SUCCESS, provenance="benchmark", verified=True)
            line = episode.model_dump_json() + "\n"
            size += len(line.encode("utf-8"))
            out.write(line)
    return size


def _round_trip(source: Path, target: Path) -> None:
    import orjson

    with source.open("rb") as lines, target.open("wb") as out:
        for line in lines:
            out.write(orjson.dumps(orjson.loads(line)) + b"\n")


def _measure(what: str, source: Path, work: Path, workers: int) -> None:
    """Run one measurement in this (child) process and print ``seconds peak_rss_mb``: the peak of this
    process plus, for an export on worker processes, the largest worker's peak for each worker."""
    from isetrace.export import export_file
    from isetrace.jsonl import iter_jsonl
    from isetrace.records import Episode
    from isetrace.stats import corpus_stats

    started = time.perf_counter()
    if what == "round-trip":
        _round_trip(source, work / "round-trip.jsonl")
    elif what == "stats":
        corpus_stats(iter_jsonl(source, Episode, lambda error: None))
    else:  # as ise export does it
        suffix = "parquet" if what == "hf" else "jsonl"
        export_file(source, what, work / f"{what}.{suffix}", on_error=lambda error: None, environ={}, workers=workers)
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss += workers * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{seconds:.3f} {rss:.1f}")


def _child(what: str, source: Path, work: Path, workers: int = 1) -> tuple[float, float]:
    done = subprocess.run([sys.executable, __file__, "--measure", what, "--source", str(source), "--work", str(work),
                           "--workers", str(workers)], capture_output=True, text=True, check=True)
    seconds, rss = done.stdout.split()[-2:]
    return float(seconds), float(rss)


def _measure_all(work: Path, count: int, workers: int) -> dict[str, object]:
    """Make the corpus in ``work`` and measure everything against its round trip; each output is removed
    once measured, so the disk holds the corpus and one output at a time."""
    source = work / "episodes.jsonl"
    started = time.perf_counter()
    size = make_corpus(source, count)
    print(f"corpus: {count:,} trajectories, {size / 1e6:,.0f} MB, made in {time.perf_counter() - started:.0f} s")
    baseline, baseline_rss = _child("round-trip", source, work)
    print(f"orjson round trip              {baseline:8.1f} s   peak RSS {baseline_rss:6.0f} MB")
    figures: dict[str, object] = {"trajectories": count, "corpus_mb": round(size / 1e6, 1),
                                  "round_trip_s": round(baseline, 2), "workers": workers}
    runs = [(what, what, workers) for what in FORMATS] + [("stats", "stats", 1)]
    if workers > 1:  # what one process does, for comparison
        runs.insert(1, ("ise-openai, one process", "ise-openai", 1))
    for label, what, count_workers in runs:
        _clear_outputs(work, keep=source)
        seconds, rss = _child(what, source, work, count_workers)
        ratio = seconds / baseline
        print(f"{label:30} {seconds:8.1f} s   ×{ratio:5.2f} of the round trip (goal ≤ 3)   peak RSS {rss:6.0f} MB",
              flush=True)
        figures[label] = {"seconds": round(seconds, 2), "over_round_trip": round(ratio, 2), "peak_rss_mb": round(rss)}
    return figures


def _clear_outputs(work: Path, keep: Path) -> None:
    for path in work.iterdir():
        if path != keep and path.is_file():
            path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trajectories", type=int, default=25_000)
    parser.add_argument("--quick", action="store_true", help="1,000 trajectories, for a check in CI time")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes an export uses, as ise export --workers (default: one per core)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args.measure, args.source, args.work, args.workers)
        return
    from isetrace.export.files import default_workers

    workers = args.workers or default_workers()
    count = 1_000 if args.quick else args.trajectories
    work = Path(tempfile.mkdtemp(prefix="ise-bench-export-"))
    try:
        figures = _measure_all(work, count, workers)
    finally:  # a corpus-size run writes gigabytes: none of it is kept
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
