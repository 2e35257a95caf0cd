"""The judge role: grades an episode on the evidence it is shown, never on the agent's words.

The request names its deliverable; the scripted judge passes the episode when that file is in the
workspace listing and the digest shows no tool failure left unresolved, and says so item by item of
the rubric. A pure function of the request body, like every scripted role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from ._conversation import named_output
from ._reply import PolicyInputError, PolicyReply
from ._text import first_fenced_json, message_text

__all__ = ["respond"]

_BLOCK = re.compile(r"```(listing|digest)\n(.*?)\n```", re.S)


def respond(body: Mapping[str, object]) -> PolicyReply:
    messages = body.get("messages")
    listed = messages if isinstance(messages, list) else []
    setup = first_fenced_json(listed, "json", "rubric")
    if setup is None:
        raise PolicyInputError("judge request has no ```json block with a rubric")
    blocks = dict(_BLOCK.findall(message_text(listed[0]) if listed else ""))
    paths = {line.split(" ", 2)[-1].rsplit("/", 1)[-1] for line in blocks.get("listing", "").splitlines() if line}
    try:
        digest = json.loads(blocks.get("digest", "{}"))
    except ValueError:
        digest = {}
    unresolved = int(digest.get("unresolved_failures", 0)) if isinstance(digest, dict) else 0
    deliverable = named_output(str(setup.get("request", "")))
    items = setup.get("rubric")
    rubric = [str(item) for item in items] if isinstance(items, list) else []
    there = deliverable is not None and deliverable in paths
    holds = [there if index == 0 else unresolved == 0 for index in range(len(rubric))]
    reasons = [f"{'holds' if ok else 'does not hold'}: {item}"
               + (f" ({deliverable} {'is' if there else 'is not'} in the workspace)" if index == 0 and deliverable
                  else "")
               for index, (item, ok) in enumerate(zip(rubric, holds, strict=True))]
    score = sum(holds) / len(holds) if holds else 0.0
    verdict = {"passed": bool(holds) and all(holds), "score": round(score, 3), "reasons": reasons}
    return PolicyReply(content=json.dumps(verdict, ensure_ascii=False))
