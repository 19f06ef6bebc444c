"""Files sent one-to-one on DingTalk: a cycle's export, and a summary too long for messages.

Both are spreadsheets (xlsx), sent only to the person who asked, through the OpenAPI.
"""

from __future__ import annotations

import logging
from io import BytesIO
from typing import TYPE_CHECKING

from bot.app.export import write_xlsx
from bot.app.reading import ReadError
from bot.app.spreadsheet import XLSX, summary_workbook
from bot.core.commands import CommandError, parse_command
from bot.core.messages import Reply
from bot.core.summaries import Summary
from bot.platforms.dingtalk.openapi import DingTalkError
from bot.platforms.dingtalk.translate import Message, staff_id

if TYPE_CHECKING:
    from bot.platforms.dingtalk.app import DingTalkBot

log = logging.getLogger(__name__)
MAX_SUMMARY_MESSAGES = 5  # a longer summary comes as a spreadsheet instead


def send_export(bot: DingTalkBot, message: Message, words: str) -> None:
    reading = bot.rt.service.reading
    command = parse_command(words)
    if isinstance(command, CommandError):
        bot._say_privately(message, bot.render.reply(Reply(command.key, {"word": command.word})))
        return
    if not reading.access(message.author).is_admin:
        bot._say_privately(message, bot.render.reply(Reply("not_allowed_admin")))
        return
    try:
        cycle = reading.cycle(command.cycle)
    except ReadError as refused:
        bot._say_privately(message, bot.render.reply(refused.reply))
        return
    if not reading.has_cases(cycle):
        bot._say_privately(message, [bot.render.plain("export_empty", cycle=cycle.id)])
        return
    out = BytesIO()
    count = write_xlsx(out, bot.rt, message.author, cycle)
    try:
        send_file(bot, message, f"values-{cycle.id}.xlsx", out.getvalue())
    except DingTalkError:
        bot._say_privately(message, [bot.render.plain("dingtalk_export_failed", cycle=cycle.id)])
        raise
    bot._say_privately(
        message, [bot.render.plain("dingtalk_export_sent", cycle=cycle.id, count=count)]
    )
    log.info("dingtalk export %s (%d cases) sent to %s", cycle.id, count, message.author)


def send_summary(
    bot: DingTalkBot, message: Message, summary: Summary, names: dict[str, str]
) -> None:
    """A summary as a spreadsheet: its totals and each person's newest cases (the read was
    authorised and audited when the summary was made)."""
    people = {p.person for p in summary.people} | {
        c.nominator for p in summary.people for c in p.newest
    }
    known = bot.rt.repo.people.names(people) | names
    rt = bot.rt
    content = summary_workbook(summary, rt.templates, rt.rubric, rt.settings.timezone, known)
    send_file(bot, message, f"values-summary-{summary.cycle.id}.xlsx", content)
    bot._say_privately(
        message,
        [
            bot.render.plain(
                "dingtalk_summary_as_file", cycle=summary.cycle.id, people=len(summary.people)
            )
        ],
    )


def send_file(bot: DingTalkBot, message: Message, name: str, content: bytes) -> None:
    staff = staff_id(message.author)
    if not staff:
        return
    media = bot.api.upload_file(name, content, kind=XLSX)
    bot.api.send_to_people(
        [staff], "sampleFile", {"mediaId": media, "fileName": name, "fileType": "xlsx"}
    )
