"""`/values …` command words to a Command, or the reason they cannot be understood.

Adapters hand over the words after `/values` with mentions already written as
`@PLATFORM:ID` and channels as `#PLATFORM:CHANNEL`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COMMANDS = (
    "help", "today", "me", "summary", "export", "subscribe", "unsubscribe",
    "record", "discard", "undo", "move", "hide", "restore", "flag", "web",
)  # fmt: skip
# the commands that change one case (`c123` names it; else the author's newest here)
CASE_COMMANDS = ("record", "discard", "undo", "move", "hide", "restore", "flag")
_FREE_TEXT = ("move", "hide", "flag")  # the rest of the words: a criterion, or a reason
_ARGS = {
    "help": set(),
    "today": set(),
    "me": {"cycle", "value"},
    "summary": {"person", "channel", "cycle", "value"},
    "export": {"cycle"},
    "subscribe": {"time", "zone"},
    "unsubscribe": set(),
    "record": set(),
    "discard": set(),
    "undo": {"case"},
    "move": {"case", "text"},
    "hide": {"case", "text"},
    "restore": {"case"},
    "flag": {"case", "text"},
    "web": set(),
}
_CASE = re.compile(r"^[cC](\d{1,12})$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_ZONE = re.compile(r"^[A-Za-z_]+(/[A-Za-z0-9_+\-]+)+$|^UTC$")


@dataclass(frozen=True)
class Command:
    name: str
    person: str | None = None
    channel: str | None = None
    cycle: str | None = None
    value: str | None = None
    time: str | None = None
    zone: str | None = None
    case: int | None = None  # a case's number, typed `c123`
    text: str | None = None  # a move's criterion ("integrity 3"), a hide's or a flag's reason


@dataclass(frozen=True)
class CommandError:
    """`key` names the message template; `word` is what could not be understood."""

    key: str
    word: str = ""


def parse_command(text: str) -> Command | CommandError:
    words = text.split()
    if not words:
        return Command("help")
    name = words[0].lower()
    if name not in COMMANDS:
        return CommandError("unknown_command", words[0])
    found: dict[str, str] = {}
    free: list[str] = []
    for word in words[1:]:
        case = _CASE.match(word)
        if case and "case" in _ARGS[name] and "case" not in found and not free:
            found["case"] = case[1]
            continue
        if name in _FREE_TEXT:
            free.append(word)
            continue
        kind, arg = _classify(word)
        if kind not in _ARGS[name] or kind in found:
            return CommandError("unknown_argument", word)
        found[kind] = arg
    number = found.pop("case", None)
    return Command(
        name=name,
        case=int(number) if number is not None else None,
        text=" ".join(free) or None,
        **found,
    )


def _classify(word: str) -> tuple[str, str]:
    lowered = word.lower()
    if word.startswith("@") and len(word) > 1:
        return "person", word[1:]
    if word.startswith("#") and len(word) > 1:
        return "channel", word[1:]
    for prefix in ("cycle:", "value:"):
        if lowered.startswith(prefix) and len(word) > len(prefix):
            return prefix[:-1], word[len(prefix) :]
    if _TIME.match(word):
        hours, minutes = word.split(":")
        return "time", f"{int(hours):02d}:{minutes}"
    if _ZONE.match(word):
        return "zone", word
    return "?", word
