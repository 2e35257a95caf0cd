"""memory_search ranks real notes in the workspace; memory_get reads only notes, only within bounds."""

from __future__ import annotations

import pytest
from tests.tools.conftest import Call

from isetrace.sandbox import Sandbox
from isetrace.tools import _reading, memory
from isetrace.tools.memory import Chunk, bm25_rank, chunk_note

MEMORY = """# Preferences
The user prefers concise answers.
Reports go out every Friday.

# Infrastructure
The staging database is postgres 15 on db-staging.
Backups run nightly at 02:00.
"""
MIGRATION = """Meeting notes, 2024-05-01

Decided: the postgres migration to version 16 happens in June.
Owner of the migration: Dana. Rollback plan is in the runbook.

Unrelated: lunch order for Friday.
"""


def test_notes_are_cut_into_paragraphs_and_headings() -> None:
    chunks = chunk_note("MEMORY.md", MEMORY)
    assert [(c.start, c.end) for c in chunks] == [(1, 3), (5, 7)]
    long = chunk_note("memory/long.md", "\n".join(f"line {n}" for n in range(30)))
    assert [(c.start, c.end) for c in long] == [(1, 12), (13, 24), (25, 30)]


def test_bm25_prefers_rare_words_and_dense_matches() -> None:
    chunks = [Chunk("a.md", 1, 1, "the report the report the report"), Chunk("b.md", 1, 1, "the kubernetes report"),
              Chunk("c.md", 1, 1, "nothing relevant")]
    ranked = bm25_rank("kubernetes report", chunks)
    assert [chunk.path for _, chunk in ranked] == ["b.md", "a.md"]
    assert bm25_rank("absent words", chunks) == []


async def test_memory_search_ranks_real_notes(call: Call, box: Sandbox) -> None:
    empty = await call("memory_search", query="postgres")
    assert empty.content.startswith("No memory notes yet")
    await box.write_file("MEMORY.md", MEMORY.encode())
    await box.write_file("memory/2024-05-01.md", MIGRATION.encode())
    await box.write_file("memory/ignored.txt", b"postgres migration postgres migration")
    await box.write_file("README.md", b"postgres migration everywhere")
    found = await call("memory_search", query="Postgres migration")
    lines = found.content.splitlines()
    assert lines[0] == "2 memory match(es) for 'Postgres migration' (searched 2 note files):"
    assert lines[1].startswith("1. memory/2024-05-01.md lines 3-4 (score ")
    assert lines[2] == "   Decided: the postgres migration to version 16 happens in June."
    assert any(line.startswith("2. MEMORY.md lines 5-7") for line in lines)
    assert "README" not in found.content and "ignored" not in found.content
    one = await call("memory_search", query="postgres migration", maxResults=1)
    assert one.content.startswith("1 memory match(es)")
    nothing = await call("memory_search", query="kubernetes")
    assert nothing.content == "No memory matches for 'kubernetes' (searched 2 note files)."


async def test_memory_get_reads_a_range_of_one_note(call: Call, box: Sandbox) -> None:
    await box.write_file("MEMORY.md", MEMORY.encode())
    await box.write_file("memory/2024-05-01.md", MIGRATION.encode())
    await box.write_file("README.md", b"not a note\n")
    got = await call("memory_get", path="memory/2024-05-01.md", **{"from": 3, "lines": 2})
    assert got.content == ("memory/2024-05-01.md lines 3-4 of 6:\nDecided: the postgres migration to version 16 "
                           "happens in June.\nOwner of the migration: Dana. Rollback plan is in the runbook.\n"
                           "[more below: continue with from=5]")
    whole = await call("memory_get", path="MEMORY.md")
    assert whole.content.startswith("MEMORY.md lines 1-7 of 7:\n# Preferences") and "more below" not in whole.content
    past = await call("memory_get", path="MEMORY.md", **{"from": 8})
    assert past.content == "Error: from=8 is past the end of MEMORY.md (7 lines)"
    zero = await call("memory_get", path="MEMORY.md", **{"from": 0})
    assert zero.content == "Error: from is a 1-based line number (got 0)"
    for path in ("README.md", "memory/../README.md", "memory/sub/x.md", "memory/notes.txt"):
        refused = await call("memory_get", path=path)
        assert refused.content.startswith("Error: memory_get reads only MEMORY.md and memory/*.md"), path
    outside = await call("memory_get", path="../MEMORY.md")
    assert outside.content.startswith("Error: path '../MEMORY.md' is outside the workspace")
    missing = await call("memory_get", path="memory/none.md")
    assert missing.content == "Error: memory/none.md: no such file"


async def test_a_note_linked_out_of_the_workspace_is_not_read(call: Call, box: Sandbox) -> None:
    await box.run("mkdir -p memory && ln -s /etc/passwd memory/passwd.md")
    searched = await call("memory_search", query="root")
    assert searched.content.startswith("No memory notes yet")
    got = await call("memory_get", path="memory/passwd.md")
    assert "through a symbolic link" in got.content


async def test_memory_search_says_what_the_budgets_left_out(call: Call, box: Sandbox,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "NOTE_MAX_BYTES", 64)
    monkeypatch.setattr(memory, "SEARCH_MAX_BYTES", 62)  # MEMORY.md 48 + a.md 14
    await box.write_file("MEMORY.md", MEMORY.encode())  # 161 bytes: searched as far as its last whole line in 62
    await box.write_file("memory/a.md", b"postgres in a\n")
    await box.write_file("memory/b.md", b"postgres in b\n")
    found = await call("memory_search", query="postgres preferences")
    lines = found.content.splitlines()
    assert lines[0] == "2 memory match(es) for 'postgres preferences' (searched 2 note files):"
    matches = sorted(line.split(" (score")[0][3:] for line in lines[1:] if line[:1].isdigit())
    assert matches == ["MEMORY.md lines 1-2", "memory/a.md lines 1-1"]  # MEMORY.md: its first 62 bytes only
    assert lines[-1] == ("Not searched in full: MEMORY.md (only its first 62 bytes); memory/b.md (past the 62 "
                         "bytes one search reads). Read a note with memory_get, or search it with a shell command "
                         "(grep -n -i).")
    monkeypatch.setattr(memory, "MAX_NOTES", 1)
    monkeypatch.setattr(memory, "SEARCH_DEADLINE_S", 0.0)
    late = await call("memory_search", query="postgres")
    assert late.content == ("No memory matches for 'postgres' (searched 0 note files).\nNot searched in full: "
                            "2 more notes (beyond the first 1); MEMORY.md (not reached within the 0s one search "
                            "may take). Read a note with memory_get, or search it with a shell command (grep -n -i).")


async def test_a_linked_memory_directory_holds_no_notes(call: Call, box: Sandbox) -> None:
    made = await box.run("mkdir -p notes && printf 'the postgres runbook\\n' > notes/db.md && ln -s notes memory")
    assert made.ok, made.stderr
    searched = await call("memory_search", query="runbook")
    assert searched.content.startswith("No memory notes yet")
    got = await call("memory_get", path="memory/db.md")
    assert got.content == "Error: memory_get reads only MEMORY.md and memory/*.md notes, not 'memory/db.md'"


async def test_memory_get_pages_a_long_note_by_lines(call: Call, box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_reading, "READ_CHUNK_BYTES", 5)
    await box.write_file("memory/long.md", "".join(f"fact {n} é\r\n" for n in range(1, 31)).encode() + b"\xff\n")
    got = await call("memory_get", path="memory/long.md", **{"from": 9, "lines": 2})
    assert got.content == "memory/long.md lines 9-10 of 31:\nfact 9 é\nfact 10 é\n[more below: continue with from=11]"
    end = await call("memory_get", path="memory/long.md", **{"from": 30})
    assert end.content == "memory/long.md lines 30-31 of 31:\nfact 30 é\n\ufffd"


async def test_min_score_leaves_out_weak_matches(call: Call) -> None:
    await call("write", path="MEMORY.md", content="Supplier: Rye & Co delivers rye flour on Mondays.\n\n"
                                                  "Flour prices rose in March.\n")
    everything = await call("memory_search", query="rye flour", minScore=0)
    assert everything.content.startswith("2 memory match(es)")
    strong = await call("memory_search", query="rye flour", minScore=0.5)
    assert strong.content.startswith("1 memory match(es)") and "Rye & Co" in strong.content
    assert (await call("memory_search", query="rye flour", minScore=1000)).content.startswith("No memory matches")
