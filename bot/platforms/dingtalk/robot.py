"""One DingTalk robot message, from Stream mode or an HTTP callback, through the pipeline.

A nomination in a group is stored at once (`bot.app.conversation`), so DingTalk gets its
acknowledgement only once the case is safe; commands are answered in the group or, for `me`,
`summary` and `export`, one to one; media and direct chatter get a short hint. An HTTP
callback's body is unsigned, so its sessionWebhook is dropped on arrival. A message that
cannot be stored fails an HTTP callback (DingTalk redelivers) and is spooled in Stream mode.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from bot.app.chat import ChatService
from bot.app.conversation import PRIVATE_COMMANDS, Conversation, StoreUnavailable
from bot.core.messages import Incoming, Reply
from bot.platforms.dingtalk import translate
from bot.platforms.dingtalk.names import Names
from bot.platforms.dingtalk.outbound import DingTalkOutbound
from bot.platforms.dingtalk.render import DingTalkRenderer
from bot.platforms.dingtalk.spool import Spool
from bot.platforms.dingtalk.translate import PLATFORM, Message

log = logging.getLogger("bot.platforms.dingtalk.app")
GROUP_COMMANDS = ("subscribe", "unsubscribe")
SEEN_SECONDS = 3600.0  # a callback's signature stays valid for an hour: so does our memory
SEEN_MAX = 20_000


class RecentlySeen:
    """Message ids handled in the last hour, in this process (the database remembers too)."""

    def __init__(self) -> None:
        self._at: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, message_id: object) -> bool:
        with self._lock:
            return message_id in self._at

    def add(self, message_id: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._at[message_id] = now
            while self._at:
                oldest, at = next(iter(self._at.items()))
                if at > now - SEEN_SECONDS and len(self._at) <= SEEN_MAX:
                    break
                del self._at[oldest]

    def clear(self) -> None:
        with self._lock:
            self._at.clear()


class Robot:
    """What the robot does with each message it is sent."""

    def __init__(
        self,
        chat: ChatService,
        conversation: Conversation[Message],
        outbound: DingTalkOutbound,
        render: DingTalkRenderer,
        names: Names,
        *,
        robot_code: str,
        spool: Spool,
    ) -> None:
        self.chat, self.conversation, self.outbound = chat, conversation, outbound
        self.render, self.names, self.robot_code, self.spool = render, names, robot_code, spool
        self.seen = RecentlySeen()

    def receive(self, payload: Any, *, stream: bool) -> None:
        message = translate.message(payload, robot_code=self.robot_code, now=self.chat.now())
        if message is None:
            log.info("dingtalk: a callback without conversation, sender or msgId: ignored")
            return
        if not stream:
            message = replace(message, session_webhook="", session_expires=None)
        if message.message_id in self.seen:
            log.info("dingtalk: %s delivered again: nothing to do", message.message_id)
            return
        self.conversation.later(self.names.learn, {message.author: message.author_name})
        if message.kind not in translate.TEXT_KINDS:
            self._say_later(message, "dingtalk_media_ignored")
        elif (words := translate.command_words(message)) is not None:
            self._command(message, words)
        elif not message.group:
            self._say_later(message, "dingtalk_direct_hint")
        else:
            self._nomination(message, payload if stream else None)
        self.seen.add(message.message_id)  # only once handled: a failed try can be repeated

    def stored(self, incoming: Incoming, _replies: list[Reply]) -> None:
        """A message kept while the database was away is in: its spooled copy can go."""
        self.spool.done(incoming.message_id)

    def _nomination(self, message: Message, frame: dict[str, Any] | None) -> None:
        """Store a nomination. `frame`: the Stream payload, spooled if it cannot be stored."""
        incoming = Incoming(
            place=message.place,
            author=message.author,
            message_id=message.message_id,
            text=message.text,
            at=message.at,
            mentions=message.mentions,
        )
        try:
            self.conversation.message(incoming, message, keep=frame is not None)
        except StoreUnavailable:
            if frame is None:
                raise  # an HTTP callback: answered non-2xx, and DingTalk delivers it again
            self.spool.keep(incoming.message_id, frame)  # acknowledged: must survive a crash
            return
        if frame is not None:
            self.spool.done(incoming.message_id)  # kept by an earlier try, perhaps

    def _command(self, message: Message, words: str) -> None:
        name = words.split()[0]
        if name in GROUP_COMMANDS and not message.group:
            self._say_later(message, "dingtalk_group_only")
            return
        if name in PRIVATE_COMMANDS and message.group:
            label = message.author_name or message.author
            self._say_later(message, "dingtalk_answered_privately", person=label)
        if name == "today" and not message.group:
            self.conversation.later(self._today_direct, message)
            return
        reply = self.conversation.command(message.place, message.author, words, message)
        if reply is not None:
            self.conversation.later(self.outbound.answer, message, _dingtalk_help(reply))

    def _today_direct(self, message: Message) -> None:
        """`today` one-to-one: the newest post of any subscribed DingTalk group."""
        latest = self.chat.newest_post(PLATFORM)
        if latest is None:
            self.outbound.answer(message, Reply("today_none"))
            return
        reply = Reply("daily_post", {"criterion_key": latest.criterion_key, "workday": True})
        self.outbound.answer(message, reply)

    def _say_later(self, message: Message, key: str, **context: object) -> None:
        self.conversation.later(self.outbound.say, message, [self.render.plain(key, **context)])


def _dingtalk_help(reply: Reply) -> Reply:
    return Reply("dingtalk_help") if reply.key == "help" else reply
