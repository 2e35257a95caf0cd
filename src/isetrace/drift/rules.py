"""Role-drift detection by phrase rules: the fast, dependency-free half of the drift detector.

The simulated user must speak as the person *delegating* the work: instructions, decisions, corrections,
data, "check it and show me". An LLM asked to play that part slides back into its trained role and
starts offering help, apologising, reporting work it never did, or pasting the whole brief again. A
drifted turn poisons a training trajectory (the agent learns to answer an assistant), so the episode
loop asks :mod:`isetrace.drift.detector` about every simulator turn and regenerates the ones it flags;
that detector runs these rules and, where the ``embed`` extra is installed, the learned model of
:mod:`isetrace.drift.adapter`, which weighs the rules' findings with what the turn means. Intent
validation asks the rules alone whether a rendered request speaks as the user.

Design
------
* **Rules, not a model.** Compiled, case-insensitive regexes with word boundaries, one small table per
  drift kind. Pure, deterministic and fast enough to run on every turn of every episode; each finding
  carries the text that triggered it, so a flagged turn can be audited by eye.
* **Sentence by sentence.** Rules run on single sentences (split on ``.!?`` and newlines), which lets a
  rule look at where a phrase sits: "Sorry, I meant column B" is a user correcting themselves, "Sorry
  for the confusion, the totals were from the draft" is an assistant apologising.
* **Exemptions encode who is speaking, not particular sentences.** A delegating user may offer to
  *supply* inputs ("do you want me to upload the other files?"), apologise for their *own* timing or
  mess, say they lack access to a system, or report what they did themselves before giving an order
  ("I've created archive/ — move the old files into it"). Reports in the first person are therefore
  flagged only when the turn gives the agent no instruction, or when they carry an assistant's
  hand-over cue ("successfully", "you can now review it").
* **Whole-intent restatement** is lexical: the share of the intent's content words the turn covers,
  and the turn's length relative to the intent. Turn 0 may open with a summary, so it is flagged only
  when it is close to a paste; later turns are flagged at a lower bar.

Limits (known)
--------------
* **Recall on unseen phrasing is far below the labelled-set figure.** On fresh batches written after
  the rules and scored before any retuning, recall was 0.29 and then 0.50 (precision 0.71, 0.78), against
  about 0.92 on tests/data/drift/rules_shaped.jsonl, which the rules were shaped on; on the held-out
  sets of ``benchmarks/drift.py`` it is 0.44 and 0.50 (precision 0.92, 0.88). Treat "not drifted" as
  "no known drift phrase", not as proof: that is why the detector adds the learned model.
* Phrase lists are English and finite: "that's a great point, I'll adjust it", "I've taken care of the
  renaming", or a passive report without a cue ("the cron job is fixed") pass.
* The user/agent exemptions are heuristics. A drifted turn that reports work *and* gives an order
  ("I've updated the script. Now run it.") passes; a user who opens "Of course the committee wants it
  yesterday. Just get it done." is flagged when the order uses a verb the directive list lacks; a user's
  own apology ("so sorry to keep changing this") is flagged unless it is a self-correction, a complaint or
  about their own timing or mess.
* Overlap is lexical: a restatement in wholly different words is missed, and an intent of fewer than
  eight distinct content words is never compared.
* Pointed questions about the agent's work are allowed by design; only open, service-desk questions
  ("how can I assist?", "what format do you prefer?") are flagged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["DRIFT_KINDS", "PERSPECTIVE_KINDS", "DriftFinding", "DriftVerdict", "detect_drift", "excerpt"]

DRIFT_KINDS: tuple[str, ...] = (
    "assistant_offer",
    "open_question",
    "apology",
    "ai_identity",
    "agent_voice",
    "whole_intent",
)
PERSPECTIVE_KINDS: tuple[str, ...] = DRIFT_KINDS[:-1]
"""The kinds that judge the turn alone: all but whole-intent restatement, which needs the intent too."""

_FLAGS = re.IGNORECASE
_EVIDENCE_CHARS = 80

# Verbs with which a delegating user offers *inputs* rather than service: "shall I send you the log?".
_SUPPLY = r"(?:upload|send|paste|share|attach|forward|provide|give|dig|find|look up|ask|check with|email|copy)"


def _compile(pattern: str) -> re.Pattern[str]:
    """Case-insensitive, and every apostrophe also matches the typographic one models like to emit."""
    return re.compile(pattern.replace("'", "['’]"), _FLAGS)


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(_compile(p) for p in patterns)


_RULES: dict[str, tuple[re.Pattern[str], ...]] = {
    "assistant_offer": _rx(
        r"\bI(?: can| could)(?: also)? (?:help|assist)\b",
        r"\b(?:would you like|(?:do you )?want|do you need) me to (?!" + _SUPPLY + r"\b)",
        r"\bshall I (?!" + _SUPPLY + r"\b)",
        r"\bshould I (?:go ahead|proceed|continue|start|begin)\b",
        r"\bif you(?:'d| would)? (?:like|want|prefer|wish),? I(?:'ll| will| can| could)\b",
        r"\blet me know if (?:you (?:need|want|would like|'d like|have any)|there(?:'s| is) anything|I can|anything)",
        r"\bfeel free to (?:ask|reach out|let me know|contact|ping)\b",
        r"\bdon't hesitate to (?:ask|reach out|let me know|contact)\b",
        r"\bshould you (?:need|require|have any)\b",
        r"\bif you (?:need|require) (?:anything|any) (?:else|further|more)\b(?! from me)",
        r"\b(?:happy|glad|here) to (?:help|assist)\b",
        r"\bI(?:'d| would)? be (?:more than |very |so )?(?:happy|glad|delighted) to\b",
        r"\bhere(?:'s| is) what I can do\b",
        r"\bI can (?:also )?\w+ (?:\w+ ){0,4}for you\b",
        r"\bI can (?:take|have) a look\b",
        r"\blet me know (?:what you think|your thoughts|if (?:this|that|it) (?:works|looks|meets|helps))\b",
        r"\bI hope (?:this|that|it) (?:helps|was helpful)\b",
        r"\bI(?:'ll| will) (?:take care of|get started|get right on|handle)\b(?![^.!?]*\bmyself\b)",
        # Service-desk courtesies: said to a customer, never by the person who owns the task.
        r"\bthank(?:s| you) for your (?:patience|understanding)\b(?! with my)",
        r"\bI understand your (?:concern|frustration)\b",
    ),
    "open_question": _rx(
        r"\bwhat would you like\b",
        r"\bwhat do you want me to (?:do|work on|focus on|change|start with|look at)\b",
        r"\b(?:what|how)(?: else)? (?:can|may|could|might) I (?:help|assist|do for you|be of)\b",
        r"\bcan I help you\b",
        r"\b(?:like|want|wish) (?:me )?to proceed\b",
        r"\bis there anything else(?= (?:I|you|we)\b|\s*\?)",
        r"\banything else (?:I can|I could|you(?:'d| would)? (?:like|want|need)|on your (?:list|mind|plate))\b",
        r"\byou(?:'d| would) like me to (?!" + _SUPPLY + r"\b)",
        r"\bso (?:that )?I can (?:begin|start|proceed|get started|take a look|look into|analy[sz]e|work on|"
        r"help|assist|continue)\b",
        r"\b(?:anything|something) (?:specific|particular|in particular)\b[^.!?]*\byou(?:'d| would)? (?:like|want)",
        r"\b(?:do|would) you prefer\b",
        r"\b(?:which|what|how)\b[^.!?]*\byou(?:'d| would) prefer\b",
        r"\bdo you have any (?:specific |particular |other |further |additional )?"
        r"(?:requirements|preferences|questions|instructions|constraints|feedback)\b",
        r"\bwhat (?:you(?:'re| are)|are you) (?:trying|hoping|looking|aiming) to (?:achieve|accomplish|do|get)\b",
        r"\bclarify what you(?: mean|'re referring to| are referring to| are looking for|'re looking for)\b",
        r"\bI should (?:keep in mind|be aware of|know about|consider|focus on)\b",
    ),
    "apology": _rx(
        r"\bI (?:sincerely |truly )?apologi[sz]e\b",
        r"\b(?:my )?apologies\b",
        r"\bI(?:'m| am) (?:so |very |truly |really )?sorry\b",
        r"\bsorry (?:for|about) (?:the|any|my|that|this)\b",
        r"\b(?:an? |the )?(?:error|mistake|oversight) on my part\b",
        r"\byou(?:'re| are) absolutely right\b",
    ),
    "ai_identity": _rx(
        r"\bas your (?:AI|assistant|virtual assistant|helper)\b",
        r"\bas an? (?:AI|artificial intelligence|(?:large )?language model|LLM|virtual assistant|chatbot)\b",
        r"\bI(?:'m| am) (?:just |only |merely )?an? (?:AI|language model|LLM|virtual assistant|chatbot)\b",
        r"\bI (?:don't|do not) have (?:access to (?:the internet|real[- ]time|the web|external|your "
        r"(?:file ?system|files|computer|device|machine|email|account|screen))|the ability to|"
        r"personal (?:preferences|opinions|feelings|experiences))",
        r"\bI(?: cannot| can't| can not| am unable to|'m unable to| am not able to|'m not able to) (?:browse|"
        r"access (?:the internet|external|real[- ]time|the web|your)|see your|view your|execute code|run code)",
        # A capability claim about a whole class of things, not a particular link or file.
        r"\bI(?: cannot| can't| can not| am unable to|'m unable to| am not able to|'m not able to) "
        r"(?:open|read|view|see|process|access) (?:attachments|images|files|links|URLs|websites|PDFs)\b",
        r"\bmy (?:training data|knowledge cutoff)\b",
    ),
    "agent_voice": _rx(
        r"\bhere(?:'s| is| are) (?:the |your |a )?(?:quick |brief |short |full )?(?:updated|revised|final|"
        r"corrected|completed|modified|fixed|improved|requested|summary|results?|report|breakdown|analysis|"
        r"overview|findings)\b",
        r"\bbelow (?:is|are) (?:the |your )?(?:updated|revised|final|corrected|completed|new|summary|results?|"
        r"report|breakdown|analysis|findings)\b",
        r"\bI went ahead and\b",
        r"\bbased on my (?:analysis|review|findings)\b",
        r"\bthe (?:analysis|task|work|migration|fix|review|report) (?:is|has been) (?:now )?(?:complete|done|finished)",
        r"\bI(?:'ll| will) (?:now )?proceed to\b",
        r"\blet me (?:check|look|take a look|run|analy[sz]e|investigate|fix|create|examine|review|open|"
        r"search|update|write|draft|verify)\b(?! (?:with|my|on my)\b)",
        r"\b(?:it|the \w+) now (?:handles|supports|skips|includes|uses|logs|correctly|properly|checks|"
        r"validates|returns|produces|outputs|generates|writes|reads)\b",
    ),
}

# First-person and passive reports of work. A user says these too, about what *they* did before handing
# over ("I've created archive/, move the old files there"), so they count only without an instruction.
_REPORTS: tuple[re.Pattern[str], ...] = _rx(
    r"\bI(?:'ve| have) (?:now |also |just |successfully )*(?:created|written|updated|fixed|implemented|"
    r"modified|refactored|generated|run|ran|executed|completed|finished|analy[sz]ed|reviewed|saved|"
    r"scheduled|drafted|compiled|normali[sz]ed|merged|deployed|added|built|configured|set up|cleaned|"
    r"removed|deleted|renamed|moved|installed|pushed|committed|sent|posted|extracted|parsed|calculated|"
    r"computed|tested|verified|checked|gone ahead|gone through)\b",
    r"\bI (?:also |then |first )?(?:created|updated|fixed|implemented|modified|refactored|generated|"
    r"normali[sz]ed|merged|removed|deleted|renamed|extracted|parsed|computed|drafted|added|cleaned up)\b",
    r"\b(?:has|have) been (?:successfully )?(?:created|saved|written|updated|generated|fixed|scheduled|"
    r"completed|implemented|added|drafted|committed|pushed|deployed|sent|posted|applied|resolved|reviewed|"
    r"analy[sz]ed|processed|extracted|checked|verified)\b",
    r"\b(?:is|are) attached (?:above|below)\b",
    r"\b(?:to summari[sz]e|to recap|here(?:'s| is)|summary of) what I(?:'ve| have)? (?:did|done|changed|fixed)",
    r"\b(?:the )?changes I(?:'ve| have)? made\b",
    r"\bI(?:'ll| will) (?:make sure|ensure|get (?:it|that|this) (?:sorted|done|fixed))\b",
)

# An assistant's compliance opener. A user says "Sure, go ahead" too, so it counts only in a turn that
# gives the agent no instruction: accepting a task without delegating anything is the agent's part.
_COMPLIANCE_OPENER = _compile(
    r"^\W*(?:sure thing|of course|certainly|absolutely|no problem(?: at all)?|good question|great question|"
    r"you got it|will do|my pleasure|with pleasure)\b",
)

# Apology exemptions: the user correcting their own words, apologising for their own timing or mess, or
# complaining about the work ("I'm sorry, but this is still wrong"; an assistant's "sorry, but" is about I).
_SELF_CORRECTION = _compile(r"\bI meant\b(?! to say)|\btypo\b|\bI should have said\b|\bmy bad\b")
_OWN_FAULT = _compile(
    r"(?:for|about) (?:the |my |this |that )?(?:(?:late|slow|delayed) (?:reply|response|answer)|mess|"
    r"being late|wait|long message|noise|formatting)\b",
)
_COMPLAINT = _compile(r"\bsorry,? but (?:this|that|it|you|the)\b")

# A turn that tells the agent to do something is a user's turn even when it reports what the user did.
_DIRECTIVE_VERBS = (
    "use|run|rerun|check|move|make|add|fix|show|send|write|read|load|start|open|drop|delete|remove|create|"
    "put|subtract|compute|calculate|tell|give|list|find|look|grep|search|keep|try|go|do|don't|redo|merge|"
    "push|commit|email|post|follow|ignore|skip|leave|work|set|change|update|replace|include|exclude|sort|"
    "filter|group|sum|export|save|print|draft|summari[sz]e|extract|compare|test|verify|confirm|schedule|"
    "deploy|install|rename|scrape|fetch|pull|download|convert|format|generate|build|clean|translate|"
    "review|proceed|continue|stop|hold|wait|paste|retry|restart|plot|split|archive|revert|let's"
)
_DIRECTIVE = _compile(
    r"(?:^|[.;:!?\n—–]\s*|,\s*(?:and|then|so)\s+)(?:(?:ok(?:ay)?|now|so|then|and|just|also|first|"
    r"next|please|kindly)[,]?\s+)*(?:" + _DIRECTIVE_VERBS + r")\b"
    r"|\b(?:can|could|would|will) you\b|\bplease\b|\bI (?:need|want) you to\b",
)
# Hand-over cues that mark a report as the agent's even when an instruction follows.
_HANDOVER = _compile(
    r"\bsuccessfully\b|\bas requested\b|\byou can now\b|\byou can (?:review|check|find|see) (?:it|them)\b|"
    r"\bfor you\b|\ball \d+ (?:tests? )?passed\b",
)
_MYSELF = _compile(r"\bmyself\b")

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE_END = re.compile(r"[,;:.!?\n—–]")

# Whole-intent restatement: content words, a crude stemmer, and the calibrated thresholds.
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?", _FLAGS)
_STOPWORD_TEXT = (
    "a an the and or but if then so to of in on at by for from with as into onto over under about is are "
    "was were be been being am do does did done have has had having it its this that these those there "
    "here i me my we us our you your he she they them their his her what which who whom when where why "
    "how all any each every some no not just also very can could would should will shall may might must "
    "please let let's i'm i've i'd i'll it's that's out up down off again once than too own same such "
    "only more most other both few nor now"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_MIN_INTENT_WORDS = 8
# (share of the intent's distinct content words the turn contains, turn length / intent length). Clean
# one-sub-goal turns in tests/data/drift/rules_shaped.jsonl reach about 0.4 coverage; paraphrased restatements 0.6+.
_FIRST_TURN_BAR = (0.8, 0.7)
_LATER_TURN_BAR = (0.55, 0.5)


@dataclass(frozen=True)
class DriftFinding:
    """One sign of drift: which kind, and the turn text that shows it."""

    kind: str
    evidence: str


@dataclass(frozen=True)
class DriftVerdict:
    """Whether a turn drifted out of the delegating user's role, with every finding behind the call."""

    drifted: bool
    findings: tuple[DriftFinding, ...]

    @property
    def reason(self) -> str:
        """A short line for logs and regeneration prompts, e.g. ``apology: 'My apologies'``."""
        if not self.findings:
            return "no drift"
        return "; ".join(f"{f.kind}: {f.evidence!r}" for f in self.findings)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def _evidence(sentence: str, match: re.Match[str]) -> str:
    """The matched phrase carried to the end of its clause, so the evidence reads as a phrase."""
    end = match.end()
    stop = _CLAUSE_END.search(sentence, end)
    end = stop.start() if stop else len(sentence)
    return sentence[match.start() : max(end, match.end())][:_EVIDENCE_CHARS].strip()


def _any_of(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    """One pattern matching where any of ``patterns`` does: most sentences match none, and one search
    rules them out (detection runs on every simulated turn)."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), _FLAGS)


_RULES_ANY = {kind: _any_of(patterns) for kind, patterns in _RULES.items()}
_REPORTS_ANY = _any_of(_REPORTS)


def _first(patterns: tuple[re.Pattern[str], ...], any_of: re.Pattern[str], sentence: str) -> re.Match[str] | None:
    """The match of the first pattern, in order, that matches: the evidence a rule quotes. ``any_of`` is
    the patterns in one, to rule a sentence out with one search."""
    if any_of.search(sentence) is None:
        return None
    for pattern in patterns:
        match = pattern.search(sentence)
        if match is not None:
            return match
    return None


def _report_is_users(sentence: str, turn_has_directive: bool) -> bool:
    """A first-person report belongs to the user when it comes with an order and no hand-over cue."""
    if _HANDOVER.search(sentence):
        return False
    return turn_has_directive or _MYSELF.search(sentence) is not None


def _apology_is_users(sentence: str) -> bool:
    return any(rx.search(sentence) for rx in (_SELF_CORRECTION, _OWN_FAULT, _COMPLAINT))


def _rule_findings(turn: str) -> Iterator[DriftFinding]:
    """At most one finding per kind per sentence: one phrase is enough to explain it."""
    has_directive = _DIRECTIVE.search(turn) is not None
    opener = _COMPLIANCE_OPENER.search(turn)
    if opener is not None and not has_directive:
        yield DriftFinding("assistant_offer", _evidence(turn, opener))
    for sentence in _sentences(turn):
        for kind, patterns in _RULES.items():
            match = _first(patterns, _RULES_ANY[kind], sentence)
            if kind == "agent_voice" and match is None:
                match = _first(_REPORTS, _REPORTS_ANY, sentence)
                if match is not None and _report_is_users(sentence, has_directive):
                    match = None
            if kind == "apology" and match is not None and _apology_is_users(sentence):
                match = None
            if match is not None:
                yield DriftFinding(kind, _evidence(sentence, match))


def _stem(word: str) -> str:
    """Crude suffix stripping, enough that "fixing", "fixed" and "fix" count as one word."""
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    return word.removesuffix("e") if len(word) > 3 else word


def _content_words(text: str) -> list[str]:
    words: list[str] = []
    for raw in _WORD.findall(text.lower().replace("’", "'")):
        if raw in _STOPWORDS or len(raw) < 2:
            continue
        words.append(_stem(raw.split("'")[0]))
    return words


@functools.lru_cache(maxsize=256)
def _intent_words(intent: str) -> tuple[int, frozenset[str]]:
    """How many content words the intent has, and which: the same for every turn of its conversation.

    Kept for the intents in flight (``run.concurrency`` sessions, a few intents each), not for the run: an
    entry is some 14 KB, and 1,024 of them were a run's memory growing for its first thousand episodes."""
    words = _content_words(intent)
    return len(words), frozenset(words)


def _restates_intent(turn: str, intent: str, turn_index: int) -> bool:
    intent_length, intent_words = _intent_words(intent)
    if len(intent_words) < _MIN_INTENT_WORDS:
        return False
    turn_words = _content_words(turn)
    coverage = len(intent_words & set(turn_words)) / len(intent_words)
    length = len(turn_words) / intent_length
    min_coverage, min_length = _FIRST_TURN_BAR if turn_index == 0 else _LATER_TURN_BAR
    return coverage >= min_coverage and length >= min_length


def excerpt(text: str) -> str:
    """A turn's opening, whitespace collapsed, as evidence for a finding about the whole turn."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _EVIDENCE_CHARS else flat[: _EVIDENCE_CHARS - 1] + "…"


def detect_drift(turn: str, *, intent: str = "", turn_index: int = 0) -> DriftVerdict:
    """Judge one simulated-user turn; ``intent`` and ``turn_index`` enable the whole-intent check.

    Findings are deduplicated and ordered as they occur in the turn, the whole-intent finding last.
    Rule evidence is quoted verbatim from the turn; whole-intent evidence is the turn's opening, with
    whitespace collapsed.
    """
    findings = list(dict.fromkeys(_rule_findings(turn)))
    if intent and _restates_intent(turn, intent, turn_index):
        findings.append(DriftFinding("whole_intent", excerpt(turn)))
    return DriftVerdict(drifted=bool(findings), findings=tuple(findings))
