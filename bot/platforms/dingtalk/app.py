"""The DingTalk adapter: one handler for robot messages from Stream mode and HTTP callbacks.

`receive(payload)` (Stream) and `receive_callback(payload)` (HTTP) read the message and hand
it to `bot.app.conversation`, which stores a nomination at once, so DingTalk gets its
acknowledgement only once the case is safe, and answers afterwards through DingTalk's outbound
port. Groups get nominations and subscriptions; `me`, `summary` and `export` are answered only
one-to-one, through the OpenAPI, to the sender.

An HTTP callback's body is unsigned, so its sessionWebhook is dropped on arrival; in Stream
mode one is used only when it is DingTalk's own session endpoint. A message that cannot be
stored fails an HTTP callback (DingTalk redelivers) and is spooled to disk in Stream mode.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.app.background import Background
from bot.app.chat import ChatService
from bot.app.conversation import PRIVATE_COMMANDS, Conversation, StoreUnavailable
from bot.app.outage import StoreLater
from bot.app.posting import Poster
from bot.core.messages import Incoming, Reply
from bot.ops.shutdown import Deadline, drain
from bot.ops.web import Route
from bot.platforms.base import CannotStart, Host
from bot.platforms.dingtalk import translate
from bot.platforms.dingtalk.callback import Callbacks
from bot.platforms.dingtalk.names import Names
from bot.platforms.dingtalk.openapi import Credentials, DingTalkError, OpenApi
from bot.platforms.dingtalk.outbound import DingTalkOutbound
from bot.platforms.dingtalk.poster import DingTalkPoster
from bot.platforms.dingtalk.render import DingTalkRenderer
from bot.platforms.dingtalk.settings import DingTalkSettings
from bot.platforms.dingtalk.spool import Spool
from bot.platforms.dingtalk.translate import PLATFORM, Message

log = logging.getLogger(__name__)
GROUP_COMMANDS = ("subscribe", "unsubscribe")
SEEN_SECONDS = 3600.0  # a callback's signature stays valid for an hour: so does our memory
SEEN_MAX = 20_000


PATH = "/dingtalk/events"


def credentials(settings: DingTalkSettings) -> Credentials:
    return Credentials(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        robot_code=settings.robot_code,
        api_url=settings.api_url,
        legacy_url=settings.legacy_url,
    )


class DingTalkBot:
    """Robot messages in, through the conversation pipeline; the spool for Stream outages."""

    name = PLATFORM

    def __init__(
        self,
        chat: ChatService,
        settings: DingTalkSettings,
        *,
        spool: Spool,
        api: OpenApi | None = None,
        workers: int = 8,
    ) -> None:
        self.chat, self.settings, self.t = chat, settings, chat.templates
        self._stream: Any = None
        self.api = api or OpenApi(credentials(settings))
        self.robot_code = settings.robot_code
        self.render = DingTalkRenderer(chat.templates, chat.rubric, min_story=chat.min_story)
        self.names = Names(self.api, chat)
        self.outbound = DingTalkOutbound(self.api, self.render, self.names, chat)
        self.conversation = Conversation(
            chat, self.outbound, name="dingtalk", workers=workers, after=self._stored
        )
        self._poster = DingTalkPoster(self.api, self.render)
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._seen_lock = threading.Lock()
        self.spool = spool

    @property
    def work(self) -> Background:
        return self.conversation.work

    @property
    def retry(self) -> StoreLater:
        return self.conversation.retry

    def poster(self) -> Poster:
        return self._poster

    def poster_for(self, platform: str) -> Poster | None:
        return self.poster() if platform == PLATFORM else None

    def close(self, *, wait: bool = True) -> None:
        """Stop; `wait=False` after a shutdown's deadline drops answers not yet started."""
        self.conversation.close(wait=wait)
        self.api.close()

    # ---- how `values-bot run` drives it ---------------------------------------------------------

    def routes(self) -> Mapping[str, Route]:
        callbacks = Callbacks(
            self.settings.client_secret,
            self.receive_callback,
            trust=self.chat.replays,
            clock=self.chat,
        )
        return {PATH: callbacks.route}

    def http_greeting(self, base: str) -> str:
        return self.t.render("dingtalk_run_callbacks", url=f"{base}{PATH}")

    def open_socket(self, stopping: threading.Event) -> str:
        from bot.platforms.dingtalk.stream import stream_client

        self.replay_spool()  # acknowledged before a crash, never stored: stored now
        client, self._stream = stream_client(self.settings, self)
        self._thread = threading.Thread(
            target=client.run_until, args=(stopping,), name="dingtalk-stream", daemon=True
        )
        self._thread.start()
        return self.t.render(
            "dingtalk_run_stream", url=self.settings.api_url, robot=self.settings.robot_code
        )

    def close_socket(self, deadline: Deadline) -> None:
        if self._stream is not None:
            self._stream.accepting = False  # frames from now on are delivered again, elsewhere
            drain([self._stream], deadline)
            self._thread.join(timeout=deadline.left())

    # ---- one robot message ----------------------------------------------------------------------

    def receive(self, payload: Any) -> None:
        """Handle one robot message from Stream mode (authenticated by the socket)."""
        self._receive(payload, stream=True)

    def receive_callback(self, payload: Any) -> None:
        """Handle one HTTP callback body: unauthenticated, so no address in it is ever used.

        Raises when the message could not be stored, so DingTalk is told to deliver it again.
        """
        self._receive(payload, stream=False)

    def replay_spool(self) -> int:
        """Hand every message kept in the spool (acknowledged, never stored) to the bot again."""
        count = 0
        for payload in self.spool.waiting():
            self._receive(payload, stream=True)
            count += 1
        if count:
            log.warning("dingtalk: %d message(s) from the spool handed in again", count)
        return count

    def _receive(self, payload: Any, *, stream: bool) -> None:
        message = translate.message(payload, robot_code=self.robot_code, now=self.chat.now())
        if message is None:
            log.info("dingtalk: a callback without conversation, sender or msgId: ignored")
            return
        if not stream:
            message = replace(message, session_webhook="", session_expires=None)
        if self._seen_recently(message.message_id):
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
        self._remember(message.message_id)  # only once handled: a failed try can be repeated

    def _seen_recently(self, message_id: str) -> bool:
        with self._seen_lock:
            return message_id in self._seen

    def _remember(self, message_id: str) -> None:
        now = time.monotonic()
        with self._seen_lock:
            self._seen[message_id] = now
            while self._seen:
                oldest, at = next(iter(self._seen.items()))
                if at > now - SEEN_SECONDS and len(self._seen) <= SEEN_MAX:
                    break
                del self._seen[oldest]

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

    def _stored(self, incoming: Incoming, _replies: list[Reply]) -> None:
        self.spool.done(incoming.message_id)

    # ---- commands -----------------------------------------------------------------------------

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


def start(host: Host) -> DingTalkBot:
    """The DingTalk bot for `values-bot run`; wrong credentials are said now, not at 09:30."""
    t, settings = host.chat.templates, host.settings
    bot = DingTalkBot(host.chat, settings, spool=Spool(host.spool_dir))
    try:
        bot.api.token()
    except DingTalkError as error:
        bot.close()
        reason = (
            t.render("dingtalk_run_unreachable", url=settings.api_url)
            if error.status == 0
            else t.render("dingtalk_run_refused", code=error.code or error.status)
        )
        raise CannotStart(t.render("dingtalk_run_cannot_start", reason=reason)) from error
    return bot


def poster(chat: ChatService, settings: DingTalkSettings) -> Poster | None:
    """A poster on its own, for `values-bot post`; None until the credentials are set."""
    if settings.problems(http=False):
        return None
    render = DingTalkRenderer(chat.templates, chat.rubric, min_story=chat.min_story)
    return DingTalkPoster(OpenApi(credentials(settings)), render)
