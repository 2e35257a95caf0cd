"""A whole run at corpus size on one host: time and memory per stage, flat memory, and what a resume costs.

Runs ``ise run`` stage by stage (intents: sampling, rendering, validation, dedup, Vendi; episodes in real
sandboxes; the exports; the statistics), each stage a process of its own so that its time and peak RSS are
its own, against the scripted endpoint with zero latency in a process of its own (a model server's CPU is
not ours). Episodes run at a cheap setting (two user turns, worlds off, rule-based drift checks): what is
measured is the pipeline's own cost, not the model's.

While episodes run, the runner's RSS is sampled against the episodes done: memory that grows with every
episode (a result kept, a cache that is never emptied) shows as a slope, reported in KB per episode over
the second half of the resumed episode stage (the first half is the warm-up, while bounded caches fill).
The episode stage is killed (SIGKILL) halfway and resumed, as a crash
would; the time to reopen the run directory — repair its torn tail and rebuild the done-set from
``episodes.jsonl`` — is measured then and again on the finished run, against the run's whole time
(goal: under 5 %).

    .venv/bin/python benchmarks/scale.py [--intents 100000] [--quick] [--concurrency 32] [--keep]

``--quick`` is 5,000 intents. Each stage's figures are printed as it ends (at 100,000 intents the run
takes hours), and the last line is one JSON object with every figure. The run directory is removed at
the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import start_server  # benchmarks/pipeline.py: this folder is first on the path of a script

ROLES = ("agent", "user", "renderer", "judge")


@dataclass
class Stage:
    """One ``ise run --stage`` process: its wall time, peak RSS and, for episodes, its RSS samples."""

    name: str
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    samples: list[tuple[int, float]] = field(default_factory=list)
    """(episodes done, RSS MB) while it ran."""


def overrides(args: argparse.Namespace, run_dir: Path, home: Path, url: str) -> list[str]:
    """The run's settings: every role on the scripted endpoint at ``url``, episodes at a cheap setting."""
    settings = [f"run.dir={run_dir}", f"sandbox.home={home}", f"intents.count={args.intents}", "intents.seed=7",
                f"run.concurrency={args.concurrency}", "simulate.max_user_turns=2", "simulate.drift_detector=rules",
                "simulate.date=2026-01-15", f"intents.embedder={args.embedder}",
                *(f"worlds.{world}=false" for world in ("web", "git", "office", "packages")),
                # two user turns end most episodes at the turn limit: export them all, to measure the exports
                "run.exports=[ise-openai, {format: openai-strict, include: all}, {format: sharegpt, include: all}, "
                "{format: hf, include: all}]"]
    for role in ROLES:
        settings += [f"endpoints.{role}.provider=openai", f"endpoints.{role}.base_url={url}",
                     f"endpoints.{role}.concurrency={max(64, args.concurrency * 2)}"]
    return [item for setting in settings for item in ("-c", setting)]


class LineCounter:
    """Counts the lines of a file that only grows, reading each new byte once."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset, self.lines = path, 0, 0

    def count(self) -> int:
        if self.path.exists():
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                while chunk := handle.read(1 << 22):
                    self.lines += chunk.count(b"\n")
                    self.offset += len(chunk)
        return self.lines


def rss_mb(pid: int) -> float:
    """The resident memory of ``pid`` now, or 0 when it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_stage(name: str, command: list[str], log: Path, episodes: LineCounter | None = None,
              kill_at: int | None = None) -> Stage:
    """Run one stage to its end (or SIGKILL it once ``kill_at`` episodes are done); its figures. Its output
    goes to ``log`` (a pipe could fill and stall it)."""
    stage = Stage(name)
    started = time.perf_counter()
    with log.open("a") as output:
        process = subprocess.Popen(command, stdout=output, stderr=output, start_new_session=True)
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)  # the child's own rusage, not all children's
        if pid:
            break
        if episodes is not None:
            done = episodes.count()
            stage.samples.append((done, rss_mb(process.pid)))
            if kill_at is not None and done >= kill_at:
                os.killpg(process.pid, signal.SIGKILL)
        time.sleep(1.0)
    process.returncode = os.waitstatus_to_exitcode(status)
    stage.seconds = time.perf_counter() - started
    stage.peak_rss_mb = usage.ru_maxrss / 1024
    if process.returncode != 0 and kill_at is None:
        raise SystemExit(f"stage {name} failed with exit code {process.returncode}; see {log}")
    # said as each stage ends: a run of hours that is stopped early still tells what it measured
    print(f"  {stage.name:28} {stage.seconds:9.1f} s   peak RSS {stage.peak_rss_mb:7.0f} MB", flush=True)
    return stage


def growth_kb_per_episode(samples: list[tuple[int, float]]) -> float | None:
    """The least-squares slope of RSS over episodes done in the second half of a stage: the first half is
    the warm-up, while bounded caches fill (a cache that never stops growing still shows)."""
    if not samples:
        return None
    first, last = min(done for done, _ in samples), max(done for done, _ in samples)
    points = [(done, rss) for done, rss in samples if done >= (first + last) / 2 and rss > 0]
    if len(points) < 3 or len({done for done, _ in points}) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
    return slope * 1024


REOPEN = """
import sys, time
from isetrace.pipeline import RunDir
started = time.perf_counter()
run = RunDir.open_for_resume(sys.argv[1], RunDir.load_config(sys.argv[1]))
seconds = time.perf_counter() - started
print(seconds, len(run.done_keys()))
run.close()
"""


def reopen_seconds(run_dir: Path) -> tuple[float, int]:
    """How long reopening the run directory takes (repair and done-set), in a fresh process; and its size."""
    done = subprocess.run([sys.executable, "-c", REOPEN, str(run_dir)], capture_output=True, text=True, check=True)
    seconds, keys = done.stdout.split()
    return float(seconds), int(keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--intents", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 intents")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--embedder", default="tfidf", help="intents.embedder (default tfidf; minilm is slower)")
    parser.add_argument("--keep", action="store_true", help="keep the run directory (gigabytes at 100,000 intents)")
    args = parser.parse_args()
    if args.quick:
        args.intents = 5_000
    print(f"{args.intents:,} intents; each stage's figures as it ends", flush=True)
    work = Path(tempfile.mkdtemp(prefix="ise-bench-scale-", dir="/tmp"))
    home = work / "home"
    home.mkdir()
    work.chmod(0o755)
    home.chmod(0o755)
    run_dir = work / "run"
    print(f"run directory {run_dir}, its log {work / 'run.log'}", flush=True)
    ise = [sys.executable, "-m", "isetrace", "run"]
    server, url = start_server(0)
    stages: list[Stage] = []
    try:
        settings = overrides(args, run_dir, home, url)
        log = work / "run.log"
        stages.append(run_stage("intents", [*ise, "--config", "offline", *settings, "--stage", "intents"], log))
        counter = LineCounter(run_dir / "episodes.jsonl")
        resume = [*ise, "--resume", str(run_dir)]
        intents = LineCounter(run_dir / "intents" / "intents.jsonl").count()  # those kept, each an episode
        first = run_stage("episodes (killed halfway)", [*resume, "--stage", "episodes"], log, counter,
                          kill_at=max(1, intents // 2))
        killed_reopen, killed_keys = reopen_seconds(run_dir)
        print(f"  reopen after the kill: {killed_reopen:.2f} s for {killed_keys:,} done", flush=True)
        second = run_stage("episodes (resumed)", [*resume, "--stage", "episodes"], log, counter)
        stages += [first, second]
        finished_reopen, finished_keys = reopen_seconds(run_dir)
        stages.append(run_stage("export", [*resume, "--stage", "export"], log))
        stages.append(run_stage("stats", [*resume, "--stage", "stats"], log))
    finally:
        server.terminate()
        server.wait(timeout=10)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    total = sum(stage.seconds for stage in stages)
    episodes = counter.count()
    samples = first.samples + second.samples
    growth = growth_kb_per_episode(second.samples)
    print(f"{args.intents:,} intents asked for, {episodes:,} episodes; run {total:.0f} s in all")
    rss = [r for _, r in samples if r]
    print(f"episode RSS: {min(rss, default=0):.0f}–{max(rss, default=0):.0f} MB; growth after warm-up "
          f"{growth if growth is not None else float('nan'):.2f} KB per episode (second half of the resumed stage)")
    print(f"reopen after the kill: {killed_reopen:.2f} s for {killed_keys:,} done "
          f"({killed_reopen / total:.2%} of the run; goal < 5 %)")
    print(f"reopen of the finished run: {finished_reopen:.2f} s for {finished_keys:,} done "
          f"({finished_reopen / total:.2%} of the run; goal < 5 %)")
    print(json.dumps({
        "intents": args.intents, "episodes": episodes, "concurrency": args.concurrency, "run_s": round(total, 1),
        "stages": {s.name: {"seconds": round(s.seconds, 1), "peak_rss_mb": round(s.peak_rss_mb)} for s in stages},
        "episode_rss_growth_kb_per_episode": round(growth, 3) if growth is not None else None,
        "reopen_killed_s": round(killed_reopen, 3), "reopen_killed_share": round(killed_reopen / total, 5),
        "reopen_finished_s": round(finished_reopen, 3), "reopen_finished_share": round(finished_reopen / total, 5),
        "done_keys": finished_keys,
    }))


if __name__ == "__main__":
    main()
