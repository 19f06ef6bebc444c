"""Slack's outbound port: how the conversation's answers reach people on Slack.

A nomination in a thread is confirmed with a reaction; one from the form is posted in the post's
thread (unless the channel keeps cases private). Refusals are ephemeral, to the author only;
`me`, `summary` and `export` answer through the command's response_url; nominees get a direct
message; an export is a file in the admin's direct messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app.conversation import ExportFile
from bot.core.messages import Place, Reply
from bot.platforms.slack.client import ChannelPacer
from bot.platforms.slack.render import SlackRenderer
from bot.platforms.slack.translate import user_id
from bot.words.templates import Templates

log = logging.getLogger(__name__)
ACK_REACTION = "white_check_mark"
ASKED = ("nomination_doubt", "nomination_held")  # the author's answer is awaited: always said
QUIET = ("refusal_not_daily_post", "refusal_no_post", "refusal_deleted", "nomination_retracted")


@dataclass(frozen=True)
class Said:
    """A Slack message, form or command, as far as answering it goes."""

    place: Place
    author: str
    message_id: str = ""
    thread_of: str | None = None
    form: bool = False  # from the Nominate form: refusals went back in its acknowledgement
    words: str = ""  # a command's words (the pager's buttons repeat them)
    respond: Respond | None = None  # a command's response_url
    pressed: Respond | None = None  # a button's response_url: answers replace its message


class SlackOutbound:
    """Slack's outbound port: a reaction on a nomination (a form's case said in the
    thread), ephemeral answers in the thread, nominee DMs, files uploaded to the author's DM.
    """

    def __init__(
        self, client: WebClient, render: SlackRenderer, pacer: ChannelPacer, templates: Templates
    ) -> None:
        self.client, self.render, self.pacer, self.t = client, render, pacer, templates

    def confirm(self, said: Said, ack: Reply) -> None:
        """A reaction on the message (a form's case said in the thread), then, to its author
        only, what was recorded with *Undo* and a menu to change the criterion."""
        if not said.form and said.message_id:
            self.client.reactions_add(
                channel=said.place.channel, timestamp=said.message_id, name=ACK_REACTION
            )
        elif said.form and not ack.private:
            self.pacer.wait(said.place.channel)
            self.client.chat_postMessage(
                channel=said.place.channel,
                thread_ts=said.thread_of,
                text=self.render.case_in_thread(ack),
                unfurl_links=False,
            )
        recorded = self.render.recorded(ack)
        uid = user_id(said.author)
        if said.pressed is not None:  # [Record] pressed: the question becomes the answer
            said.pressed(replace_original=True, **recorded.kwargs())
        elif uid is not None:
            self.client.chat_postEphemeral(
                channel=said.place.channel, user=uid, thread_ts=said.thread_of, **recorded.kwargs()
            )

    def tell(self, said: Said | None, person: str, reply: Reply) -> None:
        uid = user_id(person)
        if uid is not None:
            self.client.chat_postMessage(
                channel=uid, unfurl_links=False, **self.render.reply(reply).kwargs()
            )

    def notify(self, said: Said, ack: Reply) -> None:
        text = self.render.nominee_notice(ack, said.place.channel)
        for nominee in ack.context["nominees"]:
            uid = user_id(nominee)
            if uid is not None:
                self.client.chat_postMessage(channel=uid, text=text, unfurl_links=False)

    def answer(self, said: Said, reply: Reply) -> None:
        """Ephemeral, to the author, in the thread; quiet refusals are not answered at all.
        A button's answer replaces the message the button was on."""
        uid = user_id(said.author)
        if said.pressed is not None:
            said.pressed(replace_original=True, **self.render.reply(reply).kwargs())
            return
        if (said.form and reply.key not in ASKED) or reply.key in QUIET or uid is None:
            return
        self.client.chat_postEphemeral(
            channel=said.place.channel,
            user=uid,
            thread_ts=said.thread_of,
            **self.render.reply(reply).kwargs(),
        )

    def answer_privately(self, said: Said, reply: Reply) -> None:
        """The command's first page, in place of its "working on it" message."""
        if said.respond is None:
            return
        page = self.render.pages(reply, said.words)[0]
        said.respond(response_type="ephemeral", replace_original=True, **page.kwargs())

    def send_file(self, said: Said, file: ExportFile) -> None:
        uid = user_id(said.author)
        if uid is None or said.respond is None:
            return
        try:
            dm = self.client.conversations_open(users=uid)["channel"]["id"]
            self.client.files_upload_v2(
                channel=dm,
                file=file.content,
                filename=file.name,
                title=file.name,
                initial_comment=self.t.render(
                    "slack_export_comment", cycle=file.cycle, count=file.count
                ),
            )
        except SlackApiError:
            said.respond(text=self.t.render("slack_export_failed", cycle=file.cycle))
            raise
        said.respond(
            response_type="ephemeral",
            replace_original=True,
            text=self.t.render("slack_export_sent", cycle=file.cycle, count=file.count),
        )
