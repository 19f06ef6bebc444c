"""DingTalk's outbound port: how the conversation's answers reach people on DingTalk.

In a group the bot answers where it was asked: the message's sessionWebhook while it is valid
and DingTalk's own, else the OpenAPI. `me`, `summary` and `export` go one-to-one to the sender,
always through the OpenAPI (never to an address from the body); a summary longer than five
messages comes as one spreadsheet, and an export is a file.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.app.chat import ChatService
from bot.app.conversation import ExportFile
from bot.app.spreadsheet import XLSX
from bot.core.messages import Reply
from bot.platforms.dingtalk.names import Names, people_in
from bot.platforms.dingtalk.openapi import DingTalkError, OpenApi
from bot.platforms.dingtalk.render import DingTalkRenderer, Markdown
from bot.platforms.dingtalk.translate import Message, staff_id

log = logging.getLogger(__name__)
SESSION_MARGIN = timedelta(seconds=30)
MAX_SUMMARY_MESSAGES = 5  # a longer summary comes as a spreadsheet instead


class DingTalkOutbound:
    """DingTalk's outbound port: confirmations in the group (or through the session
    webhook), private answers one to one, nominee notices, files, a long summary as a file.
    """

    def __init__(
        self, api: OpenApi, render: DingTalkRenderer, names: Names, chat: ChatService
    ) -> None:
        self.api, self.render, self.names, self.chat = api, render, names, chat

    # ---- the port -----------------------------------------------------------------------------

    def confirm(self, said: Message, ack: Reply) -> None:
        self.say(said, self.render.reply(ack, self._names_of(said, ack)))

    def notify(self, said: Message, ack: Reply) -> None:
        names = self._names_of(said, ack)
        notice = self.render.nominee_notice(ack, said.title or said.place.channel, names)
        people = [s for s in (staff_id(n) for n in ack.context["nominees"]) if s]
        if people:
            self.api.send_to_people(people, "sampleMarkdown", notice.param())

    def answer(self, said: Message, reply: Reply) -> None:
        self.say(said, self.render.reply(reply))

    def answer_privately(self, said: Message, reply: Reply) -> None:
        names = self.names.of(people_in(reply))
        parts = self.render.reply(reply, names)
        if reply.key == "summary" and len(parts) > MAX_SUMMARY_MESSAGES:
            summary = reply.context["summary"]
            content = self.chat.summary_file(summary, names)
            self._send_file(said, f"values-summary-{summary.cycle.id}.xlsx", content)
            parts = [
                self.render.plain(
                    "dingtalk_summary_as_file", cycle=summary.cycle.id, people=len(summary.people)
                )
            ]
        for part in parts:
            self._send_direct(said, part)

    def tell(self, said: Message | None, person: str, reply: Reply) -> None:
        """One to one, through the OpenAPI: a case's author or a channel's manager."""
        staff = staff_id(person)
        if staff:
            for part in self.render.reply(reply, self.names.of(people_in(reply))):
                self.api.send_to_people([staff], "sampleMarkdown", part.param())

    def send_file(self, said: Message, file: ExportFile) -> None:
        try:
            self._send_file(said, file.name, file.content)
        except DingTalkError:
            self.answer_privately(said, Reply("dingtalk_export_failed", {"cycle": file.cycle}))
            raise
        self.answer_privately(
            said, Reply("dingtalk_export_sent", {"cycle": file.cycle, "count": file.count})
        )
        log.info("dingtalk export %s (%d cases) sent to %s", file.cycle, file.count, said.author)

    # ---- sending --------------------------------------------------------------------------------

    def say(self, said: Message, parts: list[Markdown]) -> None:
        """Answer where the message was said: its sessionWebhook while valid, else the OpenAPI."""
        for part in parts:
            if self._session_open(said):
                try:
                    self.api.reply_session(
                        said.session_webhook, {"msgtype": "markdown", "markdown": part.param()}
                    )
                    continue
                except DingTalkError as error:
                    log.info("dingtalk: session reply refused (%s); using the OpenAPI", error)
            if said.group:
                self.api.send_group(said.place.channel, "sampleMarkdown", part.param())
            else:
                self._send_direct(said, part)

    def _names_of(self, said: Message, ack: Reply) -> dict[str, str]:
        nominees = list(ack.context["nominees"])
        names = self.names.of([said.author, *nominees], look_up=nominees)
        if said.author_name:  # said in this very message: fresher than anything stored
            names[said.author] = said.author_name
        return names

    def _send_direct(self, said: Message, part: Markdown) -> None:
        staff = staff_id(said.author)
        if staff:
            self.api.send_to_people([staff], "sampleMarkdown", part.param())

    def _send_file(self, said: Message, name: str, content: bytes) -> None:
        staff = staff_id(said.author)
        if not staff:
            return
        media = self.api.upload_file(name, content, kind=XLSX)
        self.api.send_to_people(
            [staff], "sampleFile", {"mediaId": media, "fileName": name, "fileType": "xlsx"}
        )

    def _session_open(self, said: Message) -> bool:
        expires = said.session_expires
        return (
            bool(said.session_webhook)
            and expires is not None
            and expires - SESSION_MARGIN > self.chat.now()
            and self.api.trusted_session(said.session_webhook)
        )
