"""apply_patch: the Codex format, parsed fully and applied all-or-nothing."""

from __future__ import annotations

import pytest
from tests.tools.conftest import Call

from isetrace.errors import ToolError
from isetrace.sandbox import Sandbox
from isetrace.tools.patch import apply_hunks, parse_patch

APP = "import os\n\n\ndef main():\n    print('hello')\n    return 0\n\n\ndef other():\n    return 0\n"


def test_parse_every_section() -> None:
    ops = parse_patch("*** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** Delete File: b.txt\n"
                      "*** Update File: c.py\n*** Move to: d.py\n@@ def main():\n-    x = 1\n+    x = 2\n"
                      " keep\n*** End of File\n*** End Patch\n")
    assert [(op.kind, op.path) for op in ops] == [("add", "a.txt"), ("delete", "b.txt"), ("update", "c.py")]
    assert ops[0].content == ["one", "two"]
    update = ops[2]
    assert update.move_to == "d.py" and len(update.hunks) == 1
    hunk = update.hunks[0]
    assert hunk.contexts == ["def main():"] and hunk.end_of_file
    assert hunk.old == ["    x = 1", "keep"] and hunk.new == ["    x = 2", "keep"]


@pytest.mark.parametrize(("text", "message"), [
    ("*** Add File: a\n+x\n*** End Patch", "must start with the line '\\*\\*\\* Begin Patch'"),
    ("*** Begin Patch\n*** Add File: a\n+x", "must end with the line '\\*\\*\\* End Patch'"),
    ("*** Begin Patch\n*** Add File: a\nx\n*** End Patch", "patch line 3: in Add File a, every line must start"),
    ("*** Begin Patch\n*** Update File: a\n*** End Patch", "Update File a has no hunks"),
    ("*** Begin Patch\n*** Update File: a\n@@\n?odd\n*** End Patch", "patch line 4: unexpected line"),
    ("*** Begin Patch\n*** Frobnicate: a\n*** End Patch", "patch line 2: expected"),
    ("*** Begin Patch\n*** End Patch", "changes no files"),
])
def test_malformed_patches_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ToolError, match=message):
        parse_patch(text)


def _update(body: str) -> str:
    return "*** Begin Patch\n*** Update File: app.py\n" + body + "*** End Patch"


def test_hunks_use_context_and_tolerate_only_trailing_whitespace() -> None:
    hunks = parse_patch(_update("@@ def other():\n-    return 0\n+    return 1\n"))[0].hunks
    assert apply_hunks(APP, hunks, "app.py") == APP[:APP.rindex("    return 0")] + "    return 1\n"
    trailing = parse_patch(_update("@@\n     print('hello')   \n-    return 0\n+    return 2\n"))[0].hunks
    assert "    return 2\n\n\ndef other" in apply_hunks(APP, trailing, "app.py")
    indented = parse_patch(_update("@@\n-  print('hello')\n+  print('bye')\n"))[0].hunks
    with pytest.raises(ToolError, match=r"Update File app\.py, hunk 1 does not apply"):
        apply_hunks(APP, indented, "app.py")
    at_end = parse_patch(_update("@@\n-    return 0\n+    return 9\n*** End of File\n"))[0].hunks
    assert apply_hunks(APP, at_end, "app.py").endswith("def other():\n    return 9\n")
    insert = parse_patch(_update("@@ import os\n+import sys\n"))[0].hunks
    assert apply_hunks(APP, insert, "app.py").startswith("import os\nimport sys\n\n")


async def test_add_update_move_and_delete(call: Call, box: Sandbox) -> None:
    await box.write_file("app.py", APP.encode())
    await box.write_file("old_name.txt", b"alpha\nbeta\ngamma\n")
    await box.write_file("obsolete.txt", b"bye\n")
    patch = ("*** Begin Patch\n"
             "*** Add File: docs/README.md\n+# Project\n+\n+Hello.\n"
             "*** Update File: app.py\n@@ def main():\n-    print('hello')\n+    print('hello, world')\n"
             "@@ def other():\n-    return 0\n+    return 42\n"
             "*** Update File: old_name.txt\n*** Move to: new/name.txt\n@@\n alpha\n-beta\n+BETA\n"
             "*** Delete File: obsolete.txt\n"
             "*** End Patch\n")
    outcome = await call("apply_patch", input=patch)
    assert outcome.content == ("Success. Updated the following files:\nA docs/README.md\nM app.py\n"
                               "M new/name.txt (moved from old_name.txt)\nD obsolete.txt")
    assert sorted(outcome.result.files_changed) == sorted(["docs/README.md", "app.py", "old_name.txt",
                                                           "new/name.txt", "obsolete.txt"])
    assert await box.read_file("docs/README.md") == b"# Project\n\nHello.\n"
    app = (await box.read_file("app.py")).decode()
    assert "print('hello, world')" in app and "return 42" in app and app.count("return 0") == 1
    assert await box.read_file("new/name.txt") == b"alpha\nBETA\ngamma\n"
    listing = await call("exec", command="ls old_name.txt obsolete.txt 2>&1; true")
    assert listing.content.count("No such file") == 2


async def test_a_patch_that_does_not_apply_changes_nothing(call: Call, box: Sandbox) -> None:
    await box.write_file("app.py", APP.encode())
    await box.write_file("keep.txt", b"one\ntwo\n")
    patch = ("*** Begin Patch\n"
             "*** Add File: created.txt\n+should not appear\n"
             "*** Update File: keep.txt\n@@\n-one\n+ONE\n"
             "*** Update File: app.py\n@@\n-    print('hello')\n+    print('x')\n@@\n-    return 5\n+    return 6\n"
             "*** Delete File: keep.txt\n"
             "*** End Patch")
    outcome = await call("apply_patch", input=patch)
    assert outcome.content.startswith("Error: Update File app.py, hunk 2 does not apply: these lines were not found")
    assert "    return 5" in outcome.content and outcome.result.error_kind == "tool_error"
    assert await box.read_file("app.py") == APP.encode()
    assert await box.read_file("keep.txt") == b"one\ntwo\n"
    with pytest.raises(FileNotFoundError):
        await box.read_file("created.txt")


async def test_file_level_conflicts_are_refused(call: Call, box: Sandbox) -> None:
    await box.write_file("here.txt", b"x\n")
    exists = await call("apply_patch", input="*** Begin Patch\n*** Add File: here.txt\n+y\n*** End Patch")
    assert exists.content == ("Error: Add File here.txt: the file already exists; use Update File to change it")
    gone = await call("apply_patch", input="*** Begin Patch\n*** Delete File: gone.txt\n*** End Patch")
    assert gone.content == "Error: Delete File gone.txt: no such file"
    escape = await call("apply_patch", input="*** Begin Patch\n*** Add File: ../escape.txt\n+y\n*** End Patch")
    assert escape.content.startswith("Error: patch path '../escape.txt' is outside the workspace")
    assert await box.read_file("here.txt") == b"x\n"
