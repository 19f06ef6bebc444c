"""The Slack platform as `values-bot run` drives it: one Bolt App in front of the pipeline.

Bolt's listeners (`listeners.py`) translate each payload and hand it to `bot.app.conversation`,
which stores it before Slack is acknowledged (process_before_response, reliability.md R7) and
answers afterwards on its worker pool through Slack's outbound port (`outbound.py`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app.background import Background
from bot.app.chat import ChatService
from bot.app.conversation import ANSWER_WORKERS, Conversation, StoreUnavailable
from bot.app.outage import StoreLater
from bot.app.posting import Poster
from bot.core.messages import Reply
from bot.ops.env import looks_real
from bot.ops.shutdown import Deadline
from bot.ops.web import Route
from bot.platforms.base import CannotStart, Host
from bot.platforms.slack.client import ChannelPacer, web_client
from bot.platforms.slack.http import PATH, SLACK_WINDOW, SlackEvents
from bot.platforms.slack.listeners import Listeners, bolt_app
from bot.platforms.slack.managers import Identity, ManagerGroup
from bot.platforms.slack.outbound import SlackOutbound
from bot.platforms.slack.people import Bots
from bot.platforms.slack.poster import SlackPoster
from bot.platforms.slack.render import SlackRenderer
from bot.platforms.slack.settings import SlackSettings
from bot.platforms.slack.translate import PLATFORM

log = logging.getLogger(__name__)


class SlackBot:
    """Slack, started: the Bolt app and its listeners, the outbound port, the poster, and the
    HTTP route or Socket Mode connection that feeds them."""

    name = PLATFORM

    def __init__(
        self,
        chat: ChatService,
        settings: SlackSettings,
        *,
        client: WebClient | None = None,
        pacer: ChannelPacer | None = None,
        workers: int = ANSWER_WORKERS,
    ) -> None:
        self.chat, self.t, self.settings = chat, chat.templates, settings
        self._socket: Any = None
        self.client = client or web_client(settings)
        self.render = SlackRenderer(chat.templates, chat.rubric, min_story=chat.min_story)
        self.me = Identity(self.client.auth_test().data)  # type: ignore[arg-type]
        self.bots = Bots(web_client(settings, timeout=3, retry_rate_limits=False), self.me.user)
        self.managers = ManagerGroup(self.client, settings.manager_group, chat)
        chat.add_role_source(self.managers.channels_for)
        self.pacer = pacer or ChannelPacer()
        self.outbound = SlackOutbound(self.client, self.render, self.pacer, chat.templates)
        self.conversation = Conversation(chat, self.outbound, name="slack", workers=workers)
        self._poster = SlackPoster(web_client(settings, for_posting=True), self.render, self.pacer)
        listeners = Listeners(chat, self.conversation, self.render, self.bots, self.me)
        requests = web_client(settings)
        self.app = bolt_app(
            listeners,
            client=requests,
            signing_secret=settings.signing_secret,
            token=settings.bot_token,
        )

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

    def tell(self, person: str, reply: Reply) -> None:
        self.outbound.tell(None, person, reply)

    def close(self, *, wait: bool = True) -> None:
        """Stop; `wait=False` after a shutdown's deadline drops answers not yet started."""
        self.conversation.close(wait=wait)

    # ---- how `values-bot run` drives it ---------------------------------------------------------

    def routes(self) -> Mapping[str, Route]:
        api = urlsplit(self.settings.api_url)
        events = SlackEvents(
            self.app,
            self.settings.signing_secret,
            seen=self._first_seen,
            response_hosts=(f"{api.scheme}://{api.netloc}",),
        )
        return {PATH: events}

    def _first_seen(self, stamp: str, signature: str) -> bool:
        now = datetime.now(UTC)  # Slack signs with the real time, not the bot's clock
        until = datetime.fromtimestamp(int(stamp), UTC) + timedelta(seconds=SLACK_WINDOW)
        try:
            return self.chat.replays.first_use(
                platform=PLATFORM, stamp=stamp, signature=signature, now=now, until=until
            )
        except StoreUnavailable:  # the database is away: every command needs it anyway
            log.warning("slack: replay check skipped, the database is away")
            return True

    def http_greeting(self, base: str) -> str:
        return self.t.render("slack_run_http", url=f"{base}{PATH}", team=self.me.team)

    def open_socket(self, stopping: threading.Event) -> str:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        self._socket = SocketModeHandler(self.app, self.settings.app_token)
        self._socket.connect()
        return self.t.render("slack_run_socket", team=self.me.team)

    def close_socket(self, deadline: Deadline) -> None:
        if self._socket is not None:
            self._socket.close()


def start(host: Host) -> SlackBot:
    """The Slack bot for `values-bot run`; CannotStart when Slack refuses or cannot be reached."""
    t, settings = host.chat.templates, host.settings
    try:
        return SlackBot(host.chat, settings)
    except SlackApiError as error:
        raise CannotStart(
            t.render("slack_run_refused", error=error.response.get("error"))
        ) from error
    except (URLError, OSError) as error:
        said = t.render("slack_run_unreachable", url=settings.api_url, error=error)
        raise CannotStart(said) from error


def workspace(settings: SlackSettings) -> str | None:
    """The Slack team id the bot token belongs to (auth.test), or None if it cannot be asked."""
    if not looks_real(settings.bot_token, "xoxb-"):
        return None
    try:
        return str(web_client(settings, timeout=10).auth_test()["team_id"])
    except (SlackApiError, URLError, OSError):
        return None


def poster(chat: ChatService, settings: SlackSettings) -> Poster:
    """A poster on its own, for `values-bot post`."""
    render = SlackRenderer(chat.templates, chat.rubric, min_story=chat.min_story)
    return SlackPoster(web_client(settings, for_posting=True), render, ChannelPacer())
