"""The Slack adapter: one synchronous Bolt App in front of the conversation pipeline.

Bolt's listeners translate each payload and hand it to `bot.app.conversation`, which stores it
before Slack is acknowledged (process_before_response, reliability.md R7) and answers afterwards
on its worker pool through Slack's outbound port, so acknowledgements stay fast.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app.background import Background
from bot.app.chat import ChatService
from bot.app.conversation import PRIVATE_COMMANDS, Conversation, StoreUnavailable, command_name
from bot.app.outage import StoreLater
from bot.app.posting import Poster
from bot.core.messages import Kind, Place, plain_id
from bot.ops.env import looks_real
from bot.ops.metrics import METRICS
from bot.ops.shutdown import Deadline
from bot.ops.web import Route
from bot.platforms.base import CannotStart, Host
from bot.platforms.slack import translate
from bot.platforms.slack.client import ChannelPacer, web_client
from bot.platforms.slack.http import PATH, SLACK_WINDOW, SlackEvents
from bot.platforms.slack.managers import Identity, ManagerGroup
from bot.platforms.slack.outbound import Said, SlackOutbound
from bot.platforms.slack.people import Bots
from bot.platforms.slack.poster import SlackPoster
from bot.platforms.slack.render import MODAL_CALLBACK, NOMINATE_ACTION, PAGE_ACTION, SlackRenderer
from bot.platforms.slack.settings import SlackSettings
from bot.platforms.slack.translate import PLATFORM, person

log = logging.getLogger(__name__)
MODAL_FIELD = {"refusal_story_too_short": "story", "refusal_story_too_long": "story"}
NO_POST = ("refusal_not_daily_post", "refusal_no_post")


class SlackBot:
    """Bolt's listeners for messages, `/values`, the pager and the Nominate form."""

    name = PLATFORM

    def __init__(
        self,
        chat: ChatService,
        settings: SlackSettings,
        *,
        client: WebClient | None = None,
        pacer: ChannelPacer | None = None,
        workers: int = 8,
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
        outbound = SlackOutbound(self.client, self.render, self.pacer, chat.templates)
        self.conversation = Conversation(chat, outbound, name="slack", workers=workers)
        self._poster = SlackPoster(web_client(settings, for_posting=True), self.render, self.pacer)
        self.app = self._build_app(settings)

    @property
    def work(self) -> Background:
        return self.conversation.work

    @property
    def retry(self) -> StoreLater:
        return self.conversation.retry

    def _build_app(self, settings: SlackSettings) -> App:
        me, token = self.me, settings.bot_token

        def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            # One workspace, one bot token: no auth.test per request.
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id or me.team,
                bot_token=token,
                bot_id=me.bot_id,
                bot_user_id=me.user,
            )

        requests_client = web_client(settings)
        requests_client.token = None  # Bolt sets each request's token from `authorize`
        bolt_log = logging.getLogger("slack_bolt")
        level = bolt_log.level
        bolt_log.setLevel(logging.ERROR)  # Bolt warns that SLACK_BOT_TOKEN is unused: it is
        try:
            app = App(
                client=requests_client,
                signing_secret=settings.signing_secret,
                authorize=authorize,
                process_before_response=True,
                token_verification_enabled=False,
                logger=bolt_log,
            )
        finally:
            bolt_log.setLevel(level)
        app.event("message")(self.on_message)
        app.event("app_mention")(lambda: None)  # also arrives as a message event
        app.command("/values")(self.on_command)
        app.action(NOMINATE_ACTION)(self.on_nominate)
        app.action(re.compile(rf"^{PAGE_ACTION}_\d+$"))(self.on_page)
        app.view(MODAL_CALLBACK)(self.on_modal)
        app.error(self.on_error)
        return app

    def on_error(self, error: Exception) -> BoltResponse | None:
        """A listener failed: 503 (Slack redelivers) when the database is away, else 500."""
        if isinstance(error, StoreUnavailable):
            return BoltResponse(status=503, body="")
        METRICS.errors.inc(where="slack")
        log.error("slack listener failed", exc_info=error)
        return None

    def poster(self) -> Poster:
        return self._poster

    def poster_for(self, platform: str) -> Poster | None:
        return self.poster() if platform == PLATFORM else None

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

    # ---- listeners ------------------------------------------------------------------------------

    def on_message(self, body: dict[str, Any]) -> None:
        incoming = translate.incoming(body, base_url=self.me.url)
        if incoming is None:
            return
        if incoming.kind != Kind.DELETE:
            incoming = replace(incoming, bots=self.bots.among(incoming.mentions))
        said = Said(incoming.place, incoming.author, incoming.message_id, incoming.thread_of)
        self.conversation.message(incoming, said)  # StoreUnavailable: 503, Slack redelivers

    def on_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        words = translate.command_words(str(body.get("text") or ""))
        place = translate.command_place(body)
        author = person(plain_id(body.get("user_id")))
        private = command_name(words) in PRIVATE_COMMANDS
        if private and respond is None:  # its response_url was not Slack's: nowhere to answer
            log.warning("slack: %s asked without a response_url we answer; dropped", author)
        said = Said(place, author, words=words, respond=respond)
        reply = (
            None
            if private and respond is None
            else self.conversation.command(place, author, words, said)
        )
        if reply is None:
            ack(response_type="ephemeral", text=self.t.render("slack_working"))
        else:
            ack(response_type="ephemeral", **self.render.reply(reply).kwargs())

    def on_page(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        pressed = translate.click(body)
        if pressed is None:
            return
        try:
            value = json.loads(pressed.value)
            words, number = str(value["w"]), int(value["p"])
        except (KeyError, TypeError, ValueError):
            return
        if command_name(words) not in ("summary", "me"):
            return
        self.conversation.later(self._page, pressed.place, pressed.person, words, number, respond)

    def _page(self, place: Place, reader: str, words: str, number: int, respond: Respond) -> None:
        reply = self.chat.command(place, reader, words)[0]  # re-authorised for the clicker
        pages = self.render.pages(reply, words)
        page = pages[max(1, min(number, len(pages))) - 1]
        respond(response_type="ephemeral", replace_original=True, **page.kwargs())

    def on_nominate(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        pressed = translate.click(body)
        if pressed is None or not pressed.message_ts or not pressed.trigger_id:
            return
        metadata = translate.modal_metadata(pressed.place, pressed.message_ts)
        client.views_open(trigger_id=pressed.trigger_id, view=self.render.modal(metadata))

    def on_modal(self, ack: Ack, body: dict[str, Any]) -> None:
        """A nomination from the form: refusals go back in the acknowledgement, as field errors."""
        form = translate.submission(body)
        if form is None:
            ack(response_action="errors", errors={"nominees": self.t.render("slack_modal_no_post")})
            return
        incoming = translate.form_incoming(form, at=self.chat.now(), base_url=self.me.url)
        incoming = replace(incoming, bots=self.bots.among(incoming.mentions))
        said = Said(form.place, form.author, incoming.message_id, form.thread_ts, form=True)
        try:
            replies = self.conversation.message(incoming, said, keep=False)
        except StoreUnavailable:
            ack(response_action="errors", errors={"story": self.t.render("store_unavailable")})
            return
        refusal = next((r for r in replies if r.key != "nomination_ack"), None)
        if refusal is None:
            ack()
            return
        text = (
            self.t.render("slack_modal_no_post")
            if refusal.key in NO_POST
            else self.render.reply(refusal).text
        )
        ack(response_action="errors", errors={MODAL_FIELD.get(refusal.key, "nominees"): text})


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
