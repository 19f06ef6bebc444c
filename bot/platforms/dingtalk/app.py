"""The DingTalk platform as `values-bot run` drives it: Stream mode or HTTP callbacks.

`receive(payload)` (Stream) and `receive_callback(payload)` (HTTP) hand each robot message to
the `Robot` (`robot.py`), which passes it through `bot.app.conversation` and answers through
DingTalk's outbound port (`outbound.py`). In Stream mode a sessionWebhook is used only when it is
DingTalk's own session endpoint; messages acknowledged but not stored wait in the spool.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from bot.app.background import Background
from bot.app.chat import ChatService
from bot.app.conversation import ANSWER_WORKERS, Conversation
from bot.app.outage import StoreLater
from bot.app.posting import Poster
from bot.core.messages import Incoming, Reply
from bot.ops.shutdown import Deadline, drain
from bot.ops.web import Route
from bot.platforms.base import CannotStart, Host
from bot.platforms.dingtalk.callback import Callbacks
from bot.platforms.dingtalk.names import Names
from bot.platforms.dingtalk.openapi import Credentials, DingTalkError, OpenApi
from bot.platforms.dingtalk.outbound import DingTalkOutbound
from bot.platforms.dingtalk.poster import DingTalkPoster
from bot.platforms.dingtalk.render import DingTalkRenderer
from bot.platforms.dingtalk.robot import Robot
from bot.platforms.dingtalk.settings import DingTalkSettings
from bot.platforms.dingtalk.spool import Spool
from bot.platforms.dingtalk.translate import PLATFORM

log = logging.getLogger(__name__)
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
        workers: int = ANSWER_WORKERS,
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
        self.spool = spool
        self.robot = Robot(
            chat,
            self.conversation,
            self.outbound,
            self.render,
            self.names,
            robot_code=settings.robot_code,
            spool=spool,
        )

    @property
    def work(self) -> Background:
        return self.conversation.work

    @property
    def retry(self) -> StoreLater:
        return self.conversation.retry

    def _stored(self, incoming: Incoming, replies: list[Reply]) -> None:
        self.robot.stored(incoming, replies)

    def poster(self) -> Poster:
        return self._poster

    def poster_for(self, platform: str) -> Poster | None:
        return self.poster() if platform == PLATFORM else None

    def tell(self, person: str, reply: Reply) -> None:
        self.outbound.tell(None, person, reply)

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
        self.robot.receive(payload, stream=True)

    def receive_callback(self, payload: Any) -> None:
        """Handle one HTTP callback body: unauthenticated, so no address in it is ever used.

        Raises when the message could not be stored, so DingTalk is told to deliver it again.
        """
        self.robot.receive(payload, stream=False)

    def replay_spool(self) -> int:
        """Hand every message kept in the spool (acknowledged, never stored) to the bot again."""
        count = 0
        for payload in self.spool.waiting():
            self.robot.receive(payload, stream=True)
            count += 1
        if count:
            log.warning("dingtalk: %d message(s) from the spool handed in again", count)
        return count


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
