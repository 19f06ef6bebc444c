"""The DingTalk adapter's only formatter: daily posts and replies in DingTalk's markdown subset.

DingTalk markdown has headings, quotes, bold, links and lists, but no tables or code blocks
(platforms.md D4). A group message's `msgParam` must stay within 15,000 bytes, so long
answers are split into several messages on person boundaries, never cut; a daily post that
would not fit (a pack with very long cases) is trimmed with a pointer to the full text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.messages import Reply
from bot.core.rubric import Criterion, Rubric
from bot.platforms.dingtalk.translate import PLATFORM, staff_id
from bot.words.chunks import fill
from bot.words.render_text import TextRenderer
from bot.words.templates import Markup, Safe, Templates

# how to undo, move or confirm a case here: TextRenderer(hints=PLATFORM) renders them
CASE_HINTS = ("dingtalk_undo_hint", "dingtalk_record_hint")

PART_BYTES = 9_000  # markdown text per message: JSON quoting and the title stay under 15,000
_MARKUP = re.compile(r"([\\`*_\[\]#|~])")


def escape(text: str) -> str:
    """People's words made inert in DingTalk markdown (no stray bold, links, headings or tags)."""
    return _MARKUP.sub(r"\\\1", text).replace("<", "‹").replace(">", "›")


def as_markdown(text: str) -> str:
    """Plain lines to markdown lines: DingTalk needs two spaces before a single line break."""
    return "  \n".join(text.split("\n"))


def size(text: str) -> int:
    return len(text.encode("utf-8"))


@dataclass(frozen=True)
class Markdown:
    title: str  # what the notification and the chat list show
    text: str

    def param(self) -> dict[str, str]:
        return {"title": self.title, "text": self.text}


class DingTalkRenderer:
    """Replies and daily posts as DingTalk markdown (a subset: no tables, no code blocks),
    every value escaped.
    """

    def __init__(self, templates: Templates, rubric: Rubric, *, min_story: int) -> None:
        self.templates = templates
        self.t = Markup(templates, escape)  # every value filled in is escaped unless Safe
        self.rubric, self.min_story = rubric, min_story

    def text(self, names: Mapping[str, str] | None = None) -> TextRenderer:
        """The plain renderer, with people written by name where a name is known."""
        known = dict(names or {})

        def label(person: str) -> str:
            return known.get(person) or staff_id(person) or person

        return TextRenderer(
            self.templates,
            self.rubric,
            min_story=self.min_story,
            person_label=label,
            escape=escape,
            hints=PLATFORM,
        )

    # ---- daily post ---------------------------------------------------------------------------

    def daily_post(self, criterion: Criterion, *, workday: bool = True) -> Markdown:
        text = self.text()
        value = self.rubric.value(criterion.value_key)
        value_name = value.name(self.t.locale) if value else criterion.value_key
        head: list[str] = [
            self.t.render(
                "dingtalk_post_header", value_name=Safe(value_name), level=criterion.level
            )
        ]
        if value is not None and value.motto:
            head.append(f"> {escape(value.motto_in(self.t.locale))}")
        head.append(f"**{escape(criterion.title(self.t.locale))}**")
        body: list[str] = [] if workday else [self.t.render("daily_post_off_day")]
        body += text.criterion_parts(criterion)
        tail = [
            as_markdown(text.scoring(criterion)),
            self.t.render("dingtalk_how_to", min_story=self.min_story),
        ]
        markdown = "\n\n".join([*head, *(as_markdown(part) for part in body), *tail])
        if size(markdown) > PART_BYTES:  # trimmed with a pointer, the how-to kept
            pointer = self.t.render("dingtalk_trimmed", criterion=criterion.key)
            room = PART_BYTES - size("\n\n".join([pointer, *tail])) - 4
            kept = "\n\n".join([*head, *(as_markdown(p) for p in body)])
            markdown = "\n\n".join([_cut(kept, room), pointer, *tail])
        title = self.t.render(
            "dingtalk_post_title", value_name=Safe(value_name), level=criterion.level
        )
        return Markdown(title, markdown)

    # ---- replies ------------------------------------------------------------------------------

    def reply(self, reply: Reply, names: Mapping[str, str] | None = None) -> list[Markdown]:
        """One reply as one or more messages, each within DingTalk's size limit."""
        text = self.text(names)
        criterion = self.rubric.criterion(str(reply.context.get("criterion_key", "")))
        if reply.key == "daily_post" and criterion is not None:
            return [self.daily_post(criterion, workday=bool(reply.context.get("workday", True)))]
        if reply.key in ("summary", "me"):
            parts = text.summary_parts(
                reply.context["summary"], reply.context.get("scope"), me=reply.key == "me"
            )
        else:
            parts = [text.render(reply)]
        chunks = pack([as_markdown(part) for part in parts], PART_BYTES)
        title = _title(chunks[0])
        if len(chunks) == 1:
            return [Markdown(title, chunks[0])]
        return [
            Markdown(
                f"{title} {self.t.render('dingtalk_part', part=i, parts=len(chunks))}",
                f"{self.t.render('dingtalk_part', part=i, parts=len(chunks))}\n\n{chunk}",
            )
            for i, chunk in enumerate(chunks, start=1)
        ]

    def plain(self, key: str, **context: object) -> Markdown:
        text = as_markdown(self.t.render(key, **context))
        return Markdown(_title(text), text)

    def nominee_notice(self, ack: Reply, group: str, names: Mapping[str, str]) -> Markdown:
        text = self.text(names)
        criterion = self.rubric.criterion(ack.context["criterion_key"])
        value = self.rubric.value(criterion.value_key) if criterion else None
        notice = self.t.render(
            "dingtalk_nominee_notice",
            nominator=text.label(ack.context["nominator"]),
            channel=group,
            value_name=Safe(value.name(self.t.locale) if value else ""),
            level=criterion.level if criterion else "?",
            title=Safe(criterion.title(self.t.locale) if criterion else ""),
            story=ack.context["story"],
        )
        return Markdown(_title(notice), as_markdown(notice))


def pack(parts: list[str], limit: int) -> list[str]:
    """Join parts into as few messages as fit in `limit` bytes; an oversized part is split."""
    pieces = [
        piece
        for part in parts
        for piece in fill(part.split("\n"), limit, sep="\n", measure=size, cut=_cut)
    ]
    return fill(pieces, limit, sep="\n\n", measure=size, cut=_cut) or [" "]


def _cut(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-8 bytes."""
    return text.encode("utf-8")[: max(0, limit)].decode("utf-8", "ignore")


def _title(markdown: str) -> str:
    first = next((line for line in markdown.split("\n") if line.strip()), "values-bot")
    return first.strip().lstrip("#").strip()[:60] or "values-bot"
