"""The Slack adapter's only formatter: Replies and daily posts to Block Kit (+ plain text).

Block Kit limits (platforms.md S7): 50 blocks a message, 3,000 characters a section, 150 a
header, button values 2,000. Long summaries are split into pages, never cut.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.core.messages import Reply
from bot.core.rubric import Criterion, Rubric
from bot.platforms.slack.case_blocks import criterion_options, doubt_actions, recorded_actions
from bot.platforms.slack.translate import label, user_id
from bot.words.chunks import fill
from bot.words.render_text import TextRenderer
from bot.words.templates import Markup, Safe, Templates

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
PAGE_BLOCKS = 40  # leaves room for the page line and the buttons under Slack's 50
PAGE_CHARS = 11_000  # stays clear of the ~13k total Slack reportedly refuses
NOMINATE_ACTION = "values_nominate"
PAGE_ACTION = "values_page"
MODAL_CALLBACK = "values_nomination"
Blocks = list[dict[str, Any]]


def escape(text: str) -> str:
    """Text written by people, made inert in mrkdwn (no stray links, mentions or @channel)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def mention(person_key: str) -> str:
    """A Slack user as a mention Slack shows as their name (Safe); anyone else as text."""
    return Safe(label(person_key)) if user_id(person_key) else person_key


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def sections(text: str) -> Blocks:
    """`text` as one or more sections of at most 3,000 characters, split between lines."""
    chunks = fill(text.split("\n"), SECTION_LIMIT, sep="\n") or [" "]
    return [section(chunk or " ") for chunk in chunks]


@dataclass(frozen=True)
class Message:
    text: str  # the notification fallback
    blocks: Blocks

    def kwargs(self) -> dict[str, Any]:
        return {"text": self.text[:39_000], "blocks": self.blocks}


class SlackRenderer:
    """Replies and daily posts as Slack Block Kit and mrkdwn, every value escaped."""

    def __init__(self, templates: Templates, rubric: Rubric, *, min_story: int) -> None:
        self.t = Markup(templates, escape)  # every value filled in is escaped unless Safe
        self.rubric = rubric
        self.text = TextRenderer(
            templates, rubric, min_story=min_story, person_label=mention, escape=escape
        )

    # ---- daily post ---------------------------------------------------------------------------

    def daily_post(
        self, criterion: Criterion, *, workday: bool = True, nominate: str | None = None
    ) -> Message:
        """The post: value, level, criterion, meaning, cases, scoring rule, how to nominate."""
        t = self.t
        value = self.rubric.value(criterion.value_key)
        header = t.templates.render(  # plain_text: no mrkdwn to escape
            "slack_post_header",
            value_name=value.name(t.locale) if value else criterion.value_key,
            level=criterion.level,
        )
        blocks: Blocks = [
            {"type": "header", "text": {"type": "plain_text", "text": header[:HEADER_LIMIT]}}
        ]
        intro = f"*{criterion.title(t.locale)}*"
        if value and value.motto:
            intro = f"_{value.motto_in(t.locale)}_\n{intro}"
        if not workday:
            intro += "\n" + t.render("daily_post_off_day")
        blocks += sections(intro)
        for part in self.text.criterion_parts(criterion):
            blocks += sections(part)
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": self.text.scoring(criterion)}],
            }
        )
        blocks += sections(t.render("slack_how_to", min_story=self.text.min_story))
        if nominate is not None:
            blocks.append(
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": NOMINATE_ACTION,
                            "style": "primary",
                            "text": {"type": "plain_text", "text": t.render("slack_nominate")},
                            "value": nominate,
                        }
                    ],
                }
            )
        fallback = self.text.daily_post(criterion, workday=workday)
        return Message(fallback, blocks)

    # ---- replies ------------------------------------------------------------------------------

    def reply(self, reply: Reply) -> Message:
        if reply.key == "daily_post":
            criterion = self.rubric.criterion(reply.context["criterion_key"])
            if criterion is not None:
                return self.daily_post(criterion, workday=bool(reply.context.get("workday", True)))
        text = self.text.render(reply)
        blocks = sections(text)
        if reply.key in ("nomination_doubt", "nomination_held"):
            blocks.append(
                doubt_actions(self.t.templates, reply.context["message_id"], self._thread(reply))
            )
        return Message(text, blocks)

    def recorded(self, ack: Reply) -> Message:
        """To its author: the case recorded, with [Undo] and [Change criterion]."""
        text = self.text.render(ack)  # with the suggestion, if there is one
        context = ack.context
        suggested = str(context.get("suggested_criterion_key") or "")
        blocks = sections(text)
        if context.get("message_id"):
            blocks.append(
                recorded_actions(
                    self.t.templates,
                    self.rubric,
                    context["message_id"],
                    self._thread(ack),
                    current=context["criterion_key"],
                    suggested=suggested,
                )
            )
        return Message(text, blocks)

    @staticmethod
    def _thread(reply: Reply) -> str | None:
        return reply.context.get("thread_of") or None

    def pages(self, reply: Reply, words: str) -> list[Message]:
        """A summary (or `me`) as pages that each fit one message, with buttons between them."""
        if reply.key not in ("summary", "me"):
            return [self.reply(reply)]
        parts = self.text.summary_parts(
            reply.context["summary"], reply.context.get("scope"), me=reply.key == "me"
        )
        chunks: list[Blocks] = [[]]
        size = 0
        for part in parts:
            blocks = sections(part)
            length = sum(len(b["text"]["text"]) for b in blocks)
            if chunks[-1] and (
                len(chunks[-1]) + len(blocks) > PAGE_BLOCKS or size + length > PAGE_CHARS
            ):
                chunks.append([])
                size = 0
            chunks[-1].extend(blocks)
            size += length
        total = len(chunks)
        messages = []
        for number, chunk in enumerate(chunks, start=1):
            blocks = list(chunk)
            if total > 1:
                blocks += self._pager(words, number, total)
            text = "\n".join(b["text"]["text"] for b in chunk if b.get("type") == "section")
            messages.append(Message(text, blocks))
        return messages

    def _pager(self, words: str, number: int, total: int) -> Blocks:
        elements: list[dict[str, Any]] = []
        for target, key in ((number - 1, "slack_previous_page"), (number + 1, "slack_next_page")):
            if 1 <= target <= total:
                elements.append(
                    {
                        "type": "button",
                        "action_id": f"{PAGE_ACTION}_{target}",
                        "text": {"type": "plain_text", "text": self.t.render(key)},
                        "value": json.dumps({"w": words[:1500], "p": target}),
                    }
                )
        page = self.t.render("slack_page", page=number, pages=total)
        return [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": page}]},
            {"type": "actions", "block_id": f"pager_{number}", "elements": elements},
        ]

    # ---- modal and notices ----------------------------------------------------------------------

    def modal(self, metadata: str) -> dict[str, Any]:
        t = self.t
        return {
            "type": "modal",
            "callback_id": MODAL_CALLBACK,
            "private_metadata": metadata,
            "title": {"type": "plain_text", "text": t.render("slack_modal_title")[:24]},
            "submit": {"type": "plain_text", "text": t.render("slack_modal_submit")[:24]},
            "close": {"type": "plain_text", "text": t.render("slack_modal_cancel")[:24]},
            "blocks": [
                {
                    "type": "input",
                    "block_id": "nominees",
                    "label": {"type": "plain_text", "text": t.render("slack_modal_people")},
                    "element": {"type": "multi_users_select", "action_id": "nominees"},
                },
                {
                    "type": "input",
                    "block_id": "story",
                    "label": {"type": "plain_text", "text": t.render("slack_modal_story")},
                    "hint": {
                        "type": "plain_text",
                        "text": t.render("slack_modal_hint", min_story=self.text.min_story),
                    },
                    "element": {
                        "type": "plain_text_input",
                        "action_id": "story",
                        "multiline": True,
                        "max_length": 3000,
                    },
                },
                {
                    "type": "input",
                    "block_id": "criterion",
                    "optional": True,
                    "label": {"type": "plain_text", "text": t.render("slack_modal_criterion")},
                    "element": {
                        "type": "static_select",
                        "action_id": "criterion",
                        "placeholder": {
                            "type": "plain_text",
                            "text": t.render("slack_modal_criterion_default"),
                        },
                        "options": criterion_options(self.rubric, t.locale),
                    },
                },
            ],
        }

    def case_in_thread(self, ack: Reply) -> str:
        return self.t.render(
            "slack_case_in_thread",
            nominator=self.text.label(ack.context["nominator"]),
            nominees=self.text.people(ack.context["nominees"]),
            story=ack.context.get("story", ""),
        )

    def nominee_notice(self, ack: Reply, channel: str) -> str:
        criterion = self.rubric.criterion(ack.context["criterion_key"])
        value = self.rubric.value(criterion.value_key) if criterion else None
        return self.t.render(
            "slack_nominee_dm",
            nominator=self.text.label(ack.context["nominator"]),
            channel=Safe(f"<#{channel}>") if _CHANNEL_ID.match(channel) else channel,
            value_name=Safe(value.name(self.t.locale) if value else ""),
            level=criterion.level if criterion else "?",
            title=Safe(criterion.title(self.t.locale) if criterion else ""),
            story=ack.context.get("story", ""),
            link=ack.context.get("link", ""),
        )
