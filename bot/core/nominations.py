"""Reading a nomination out of a chat message: who is nominated and the story.

Adapters find the mentions (the syntax is per platform) and hand over their character spans;
the core removes them to get the story and decides whether the nomination stands.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.core.tone import Tone, tone_of

DEFAULT_MIN_STORY = 10
MAX_STORY = 4_000  # characters: a page of appraisal evidence; Slack allows 40,000 per message


@dataclass(frozen=True)
class Mention:
    """A mentioned person (`PLATFORM:ID`) and where the mention sits in the text."""

    person: str
    start: int
    end: int


@dataclass(frozen=True)
class Nomination:
    nominees: tuple[str, ...]
    story: str
    skipped_self: bool = False  # the author named themselves too: left out, and told so
    doubtful: bool = False  # it reads as criticism and praise both: ask the author first


class Refusal(StrEnum):
    """Why a nomination was not taken. Each one has its own message template."""

    NO_MENTION = "refusal_no_mention"
    SELF = "refusal_self"
    BOT = "refusal_bot"
    STORY_TOO_SHORT = "refusal_story_too_short"
    STORY_TOO_LONG = "refusal_story_too_long"
    QUESTION = "refusal_question"
    CRITICISM = "refusal_criticism"


_INVISIBLE = {"Cf", "Cc", "Co", "Cs", "Cn"}
_ZWJ = "\u200d"


def clean_story(text: str) -> str:
    """Collapse white space and drop control, format (zero-width, bidi) and NUL characters.

    A zero-width joiner between two symbols stays: it joins emoji (👨‍👩‍👧 is one picture).
    """
    kept = []
    for i, ch in enumerate(text):
        if ch.isspace():
            kept.append(" ")
        elif unicodedata.category(ch) not in _INVISIBLE or (ch == _ZWJ and _joins(text, i)):
            kept.append(ch)
    return " ".join("".join(kept).split())


def _joins(text: str, i: int) -> bool:
    before, after = text[i - 1 : i], text[i + 1 : i + 2]
    return bool(before and after) and all(
        unicodedata.category(c) in ("So", "Sk", "Mn") for c in (before, after)
    )


def story_without_mentions(text: str, mentions: list[Mention]) -> str:
    parts, last = [], 0
    for mention in sorted(mentions, key=lambda m: m.start):
        if mention.start < last:
            continue
        parts.append(text[last : mention.start])
        last = mention.end
    parts.append(text[last:])
    return clean_story(" ".join(parts))


def _meaningful(ch: str) -> bool:
    """Letters, digits and ideographs: not spaces, punctuation, emoji or other symbols, nor
    the marks and joiners that build emoji (a "👍👍👍" or a "+1" says nothing)."""
    return not ch.isspace() and unicodedata.category(ch)[0] not in "PSMC"


def story_length(story: str) -> int:
    """Characters that count towards the minimum: the meaningful ones, in words that hold a
    letter or an ideograph (a "+1" or a "100%" standing alone says nothing)."""
    return sum(
        sum(1 for ch in word if _meaningful(ch))
        for word in story.split()
        if any(unicodedata.category(ch)[0] == "L" for ch in word)
    )


_QUESTION_MARKS = ("?", "？")
_QUESTION_ENDINGS = ("吗",)  # 能把纪要发我吗: a question without its mark


def is_question(story: str) -> bool:
    """A story whose last words ask something (emoji and spaces after them aside)."""
    end = len(story)
    while end and not _meaningful(story[end - 1]) and story[end - 1] not in _QUESTION_MARKS:
        end -= 1
    tail = story[:end].rstrip("".join(_QUESTION_MARKS) + " ")
    if not any(_meaningful(ch) for ch in tail):
        return False  # only marks: too short to say anything, question or not
    return story[:end].endswith(_QUESTION_MARKS) or tail.endswith(_QUESTION_ENDINGS)


def parse_nomination(
    text: str,
    mentions: list[Mention],
    *,
    author: str,
    bots: frozenset[str] = frozenset(),
    min_story: int = DEFAULT_MIN_STORY,
) -> Nomination | Refusal:
    """A nomination from `author`, or the reason it is refused."""
    nominees = tuple(dict.fromkeys(m.person for m in mentions))
    if not nominees:
        return Refusal.NO_MENTION
    skipped_self = author in nominees
    if skipped_self:
        nominees = tuple(n for n in nominees if n != author)
        if not nominees:
            return Refusal.SELF
    if any(person in bots for person in nominees):
        return Refusal.BOT
    story = story_without_mentions(text, mentions)
    if is_question(story):
        return Refusal.QUESTION
    if story_length(story) < min_story:
        return Refusal.STORY_TOO_SHORT
    if len(story) > MAX_STORY:
        return Refusal.STORY_TOO_LONG
    tone = tone_of(story)
    if tone is Tone.CRITICISM:
        return Refusal.CRITICISM
    return Nomination(
        nominees=nominees, story=story, skipped_self=skipped_self, doubtful=tone is Tone.MIXED
    )
