"""Skills as OpenClaw has them: SKILL.md folders read, checked, chosen by the intents, listed for the prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from isetrace.errors import DataError
from isetrace.records import Intent
from isetrace.skills import (
    MAX_SKILL_FILES,
    configured_skills,
    load_skills,
    offered_skills,
    skill_entry,
    skills_prompt,
)


def write_skill(root: Path, folder: str, front: str, body: str = "Do it well.\n") -> Path:
    path = root / folder
    path.mkdir(parents=True)
    (path / "SKILL.md").write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    return path


def test_the_bundled_skills_load_with_names_descriptions_and_ids() -> None:
    skills = load_skills()
    assert [s.name for s in skills] == ["data-report", "memory-notes", "python-script", "web-research"]
    assert all(s.description and s.id and s.files[0] == "SKILL.md" for s in skills)
    assert configured_skills(None) == tuple(skills) and configured_skills("") == ()


@pytest.mark.parametrize(("front", "message"), [
    ("name: x", "needs a name and a description"),
    ("description: no name", "needs a name and a description"),
    ("name: ../up\ndescription: d", "plain folder name"),
    ("[not, a, mapping]", "must be a mapping"),
    ("name: [unclosed\ndescription: d", "not YAML"),
])
def test_a_broken_skill_is_refused_naming_its_file(tmp_path: Path, front: str, message: str) -> None:
    write_skill(tmp_path, "broken", front)
    with pytest.raises(DataError, match=message) as refused:
        load_skills(tmp_path)
    assert "broken" in str(refused.value)


def test_no_front_matter_two_skills_of_one_name_and_an_oversize_skill_are_refused(tmp_path: Path) -> None:
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "SKILL.md").write_text("# just text\n", encoding="utf-8")
    with pytest.raises(DataError, match="starts with YAML front matter"):
        load_skills(tmp_path)
    twice = tmp_path / "twice"
    write_skill(twice, "a", "name: same\ndescription: one")
    write_skill(twice, "b", "name: same\ndescription: two")
    with pytest.raises(DataError, match="more than one skill is called same"):
        load_skills(twice)
    big = write_skill(tmp_path / "big", "many", "name: many\ndescription: d")
    for index in range(MAX_SKILL_FILES):
        (big / f"f{index}.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match=f"at most {MAX_SKILL_FILES} files"):
        load_skills(tmp_path / "big")
    with pytest.raises(DataError, match="no skills directory"):
        load_skills(tmp_path / "nowhere")


def test_the_intents_skills_used_choose_by_id_or_name_and_otherwise_all_are_offered() -> None:
    skills = load_skills()
    by_id = Intent(id="a", natural_language_intent="x", skills_used=[skills[2].id, "some-unknown-skill"])
    by_name = Intent(id="b", natural_language_intent="x", skills_used=["web-research"])
    unknown = Intent(id="c", natural_language_intent="x", skills_used=["ef720151-66ad-4749-b504-38cc7a298efd"])
    assert [s.name for s in offered_skills(skills, [by_id, by_name])] == ["python-script", "web-research"]
    assert offered_skills(skills, [unknown]) == skills


def test_the_prompt_block_and_the_entries_have_openclaws_shape(tmp_path: Path) -> None:
    write_skill(tmp_path, "hidden", "name: hidden\ndescription: not for the model\ndisable-model-invocation: true")
    write_skill(tmp_path, "shown", "name: shown\ndescription: |\n  two\n  lines", "See ./notes.md\n")
    (tmp_path / "shown" / "notes.md").write_text("notes", encoding="utf-8")
    hidden, shown = load_skills(tmp_path)
    assert shown.files == ("SKILL.md", "notes.md") and shown.description == "two lines"
    entries = [skill_entry(s, "/workspace") for s in (hidden, shown)]
    assert entries[1] == {"name": "shown", "description": "two lines", "filePath": "/workspace/skills/shown/SKILL.md",
                          "baseDir": "/workspace/skills/shown", "source": "openclaw-workspace",
                          "disableModelInvocation": False}
    block = skills_prompt(entries)
    assert "<available_skills>" in block and "<name>shown</name>" in block and "hidden" not in block
    assert "<location>/workspace/skills/shown/SKILL.md</location>" in block
    assert skills_prompt([]) == "" and skills_prompt(entries[:1]) == ""
