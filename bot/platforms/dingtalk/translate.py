"""The DingTalk adapter's only reader of robot messages: a callback body to neutral values.

The same JSON arrives as a Stream frame's `data` and as an HTTP callback's body
(platforms.md D2-D3). Pure functions over dicts; nothing here calls DingTalk or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.core.commands import COMMANDS
from bot.core.messages import Place, plain_id, plain_name
from bot.core.nominations import Mention

PLATFORM = "dingtalk"
GROUP, DIRECT = "2", "1"
TEXT_KINDS = ("text", "richText")
# Chinese command words, so nobody has to switch keyboards: 帮助 = help, 今天 = today, …
ALIASES = {
    "帮助": "help",
    "今天": "today",
    "今日": "today",
    "我的": "me",
    "汇总": "summary",
    "总结": "summary",
    "导出": "export",
    "网页": "web",
    "网页版": "web",
    "登录": "web",
    "订阅": "subscribe",
    "取消订阅": "unsubscribe",
    "退订": "unsubscribe",
    "记录": "record",
    "确认": "record",
    "不记录": "discard",
    "放弃": "discard",
    "撤回": "undo",
    "撤销": "undo",
    "改到": "move",
    "移到": "move",
    "隐藏": "hide",
    "恢复": "restore",
    "复核": "flag",
}
_AT_TOKEN = re.compile(r"@[^\s@]{1,64}")
_STAFF_ID = re.compile(r"^[\w\-$:.]{1,64}$")
MAX_TEXT = 50_000  # DingTalk's own limit is far lower; anything longer is cut before parsing


def _obj(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one: payload fields are never trusted."""
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def person(staff_id: str) -> str:
    return f"{PLATFORM}:{staff_id}"


def staff_id(person_key: str) -> str | None:
    """The staffId inside `dingtalk:…`, or None for another platform's person."""
    platform, _, ident = person_key.partition(":")
    return ident if platform == PLATFORM and _STAFF_ID.match(ident) else None


@dataclass(frozen=True)
class Message:
    """One robot message, read."""

    place: Place  # workspace: the robot code; channel: the conversation id
    group: bool
    author: str
    author_name: str
    message_id: str
    kind: str  # "text", "richText", or what else DingTalk sent (picture, file, audio, …)
    text: str  # the words, with colleagues' @names taken out where they were nominations
    mentions: list[Mention] = field(default_factory=list)
    at: datetime = datetime.fromtimestamp(0, UTC)
    session_webhook: str = ""
    session_expires: datetime | None = None
    title: str = ""  # the group's name

    @property
    def has_text(self) -> bool:
        return self.kind in TEXT_KINDS and bool(self.text.strip())


def _moment(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        millis = int(value)
        return datetime.fromtimestamp(millis / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def words_of(payload: dict[str, Any]) -> tuple[str, str]:
    """(kind, text): the words of a text or rich-text message; other kinds carry none."""
    kind = _str(payload.get("msgtype")) or "unknown"
    if kind == "text":
        return kind, _str(_obj(payload.get("text")).get("content"))
    if kind == "richText":
        items = _obj(payload.get("content")).get("richText")
        parts = (
            [_str(item.get("text")) for item in items or () if isinstance(item, dict)]
            if isinstance(items, list)
            else []
        )
        return kind, " ".join(p for p in parts if p)
    return kind, ""


def message(payload: Any, *, robot_code: str, now: datetime) -> Message | None:
    """A robot message, or None when the payload is not one we can attribute."""
    data = _obj(payload)
    conversation = plain_id(data.get("conversationId"))
    sender = _str(data.get("senderStaffId"))
    message_id = plain_id(data.get("msgId"))
    if not conversation or not message_id or not _STAFF_ID.match(sender):
        return None
    kind, raw = words_of(data)
    robot = _str(data.get("chatbotUserId"))
    colleagues: list[str] = []
    for entry in data.get("atUsers") or () if isinstance(data.get("atUsers"), list) else ():
        entry = _obj(entry)
        if robot and entry.get("dingtalkId") == robot:
            continue  # the robot itself is in atUsers (D5)
        staff = _str(entry.get("staffId"))  # absent for people outside the organisation
        if _STAFF_ID.match(staff) and person(staff) not in colleagues:
            colleagues.append(person(staff))
    text, mentions = _mentions(raw[:MAX_TEXT], colleagues)
    expires = _moment(data.get("sessionWebhookExpiredTime"))
    return Message(
        place=Place(PLATFORM, robot_code, conversation),
        group=_str(data.get("conversationType")) != DIRECT,
        author=person(sender),
        author_name=plain_name(data.get("senderNick")),
        message_id=message_id,
        kind=kind,
        text=text,
        mentions=mentions,
        at=_moment(data.get("createAt")) or now,
        session_webhook=_str(data.get("sessionWebhook")),
        session_expires=expires,
        title=plain_name(data.get("conversationTitle")),
    )


def _mentions(text: str, colleagues: list[str]) -> tuple[str, list[Mention]]:
    """Pair the first `@name` tokens in the text with the @-mentioned colleagues, in order.

    DingTalk strips the robot's own @name from the text but keeps the colleagues' (D5);
    atUsers does not say where each sits, so the first tokens are taken to be theirs.
    """
    mentions = []
    tokens = list(_AT_TOKEN.finditer(text))
    for index, colleague in enumerate(colleagues):
        if index < len(tokens):
            mentions.append(Mention(colleague, tokens[index].start(), tokens[index].end()))
        else:
            mentions.append(Mention(colleague, 0, 0))
    return text, mentions


def command_words(message: Message) -> str | None:
    """The command in a message (`help`, `summary @张三 cycle:2026Q4`, …), or None.

    A message is a command when its first word is one: `@bot summary`, `/values summary` and
    `汇总` all are; `@bot @张三 story…` is not (it starts with a colleague). Mentions become
    `@dingtalk:staffId`, as the core's command parser expects.
    """
    if message.kind not in TEXT_KINDS:
        return None
    words = message.text.split()
    if words and words[0].lower() == "/values":
        words = words[1:]
    if not words:
        return None if message.mentions else "help"  # a bare @bot asks for help
    first = words[0].lstrip("/").lower()
    name = ALIASES.get(first, first)
    if name not in COMMANDS:
        return None
    rest = message.text
    for mention in sorted(message.mentions, key=lambda m: m.start, reverse=True):
        if mention.end > mention.start:
            rest = rest[: mention.start] + f" @{mention.person} " + rest[mention.end :]
    tail = rest.split()[len(message.text.split()) - len(words) + 1 :]
    spoken = {f"@{m.person}" for m in message.mentions}
    tail = [w for w in tail if not w.startswith("@") or w in spoken]  # unknown @names dropped
    tail += [f"@{m.person}" for m in message.mentions if m.end == m.start]
    return " ".join([name, *tail])
