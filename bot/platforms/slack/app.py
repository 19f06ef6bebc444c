"""The Slack adapter: one synchronous Bolt App in front of the values service.

Events are stored before they are acknowledged (process_before_response, reliability.md R7);
everything that talks back to Slack (reactions, ephemeral refusals, direct messages, slow
command answers) runs afterwards on a small worker pool, so acknowledgements stay fast.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app.background import Background
from bot.app.events import log_event
from bot.app.export import write_xlsx
from bot.app.outage import StoreLater, database_away
from bot.app.posting import Poster
from bot.app.reading import ReadError
from bot.core.commands import CommandError, parse_command
from bot.core.messages import Incoming, Kind, Place, Reply, plain_id
from bot.core.model import Subscription
from bot.core.nominations import Mention
from bot.ops.metrics import METRICS
from bot.platforms.slack import translate
from bot.platforms.slack.client import ChannelPacer, web_client
from bot.platforms.slack.managers import CACHE_SECONDS, Identity, ManagerGroup
from bot.platforms.slack.poster import SlackPoster
from bot.platforms.slack.render import MODAL_CALLBACK, NOMINATE_ACTION, PAGE_ACTION, SlackRenderer
from bot.platforms.slack.translate import PLATFORM, person, user_id
from bot.wiring import Runtime

log = logging.getLogger(__name__)
ACK_REACTION = "white_check_mark"
SLOW_COMMANDS = ("me", "summary", "export")
QUIET = ("refusal_not_daily_post", "refusal_no_post", "refusal_deleted", "nomination_retracted")
MODAL_FIELD = {"refusal_story_too_short": "story", "refusal_story_too_long": "story"}


class StoreDeferred(Exception):
    """The database is away: the message is kept for a retry and Slack is told to redeliver."""


class SlackBot:
    def __init__(
        self,
        runtime: Runtime,
        *,
        client: WebClient | None = None,
        pacer: ChannelPacer | None = None,
        workers: int = 8,
    ) -> None:
        self.rt = runtime
        settings = runtime.settings
        self.client = client or web_client(settings)
        self.lookups = web_client(settings, timeout=3, retry_rate_limits=False)
        self.render = SlackRenderer(runtime.templates, runtime.rubric, min_story=settings.min_story)
        self.pacer = pacer or ChannelPacer()
        self.me = Identity(self.client.auth_test().data)  # type: ignore[arg-type]
        self.work = Background("slack", workers=workers)
        self.retry = StoreLater(runtime.service.handle, self._after_retry, name="slack")
        self._bots: dict[str, tuple[bool, float]] = {self.me.user: (True, float("inf"))}
        self.managers = ManagerGroup(self.client, settings.slack_manager_group, runtime)
        runtime.service.reading.role_sources.append(self.managers.channels_for)
        self._poster = SlackPoster(web_client(settings, for_posting=True), self.render, self.pacer)
        self.app = self._build_app()

    # ---- wiring -------------------------------------------------------------------------------

    def _build_app(self) -> App:
        me, token = self.me, self.rt.settings.slack_bot_token

        def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            # One workspace, one bot token: no auth.test per request.
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id or me.team,
                bot_token=token,
                bot_id=me.bot_id,
                bot_user_id=me.user,
            )

        requests_client = web_client(self.rt.settings)
        requests_client.token = None  # Bolt sets each request's token from `authorize`
        bolt_log = logging.getLogger("slack_bolt")
        level = bolt_log.level
        bolt_log.setLevel(logging.ERROR)  # Bolt warns that SLACK_BOT_TOKEN is unused: it is
        try:
            app = App(
                client=requests_client,
                signing_secret=self.rt.settings.slack_signing_secret,
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
        if isinstance(error, StoreDeferred):
            return BoltResponse(status=503, body="")
        METRICS.errors.inc(where="slack")
        log.error("slack listener failed", exc_info=error)
        return None

    def poster(self) -> Poster:
        return self._poster

    def poster_for(self, platform: str) -> Poster | None:
        return self.poster() if platform == PLATFORM else None

    def later(self, work: Callable[..., None], *args: Any) -> None:
        """Run after the acknowledgement; failures are logged, never raised at Slack."""
        self.work.submit(work, *args)

    def close(self, *, wait: bool = True) -> None:
        """Stop; `wait=False` after a shutdown's deadline drops answers not yet started."""
        self.retry.close()
        self.work.close(wait=wait)

    # ---- messages -----------------------------------------------------------------------------

    def on_message(self, body: dict[str, Any]) -> None:
        incoming = translate.incoming(body, base_url=self.me.url)
        if incoming is None:
            return
        if incoming.kind != Kind.DELETE:
            incoming = replace(incoming, bots=self._bots_among(incoming.mentions))
        try:
            replies = self.rt.service.handle(incoming)  # stored before the acknowledgement
        except Exception as error:
            if not database_away(error):
                raise
            if self.retry.keep(incoming) and incoming.kind == Kind.MESSAGE:
                self.later(self._ephemeral, incoming, Reply("store_retrying"))
            raise StoreDeferred from error
        log_event(incoming, replies)
        if replies:
            self.later(self._answer, incoming, replies)

    def _after_retry(self, incoming: Incoming, replies: list[Reply]) -> None:
        log_event(incoming, replies)
        if replies:
            self._answer(incoming, replies)

    def _answer(self, incoming: Incoming, replies: list[Reply]) -> None:
        channel = incoming.place.channel
        for reply in replies:
            if reply.key == "nomination_ack":
                self.client.reactions_add(
                    channel=channel, timestamp=incoming.message_id, name=ACK_REACTION
                )
                self._notify_nominees(self._subscription(incoming.place), incoming.place, reply)
            elif reply.key not in QUIET:
                self._ephemeral(incoming, reply)

    def _ephemeral(self, incoming: Incoming, reply: Reply) -> None:
        uid = user_id(incoming.author)
        if uid is None:
            return
        message = self.render.reply(reply)
        self.client.chat_postEphemeral(
            channel=incoming.place.channel,
            user=uid,
            thread_ts=incoming.thread_of,
            **message.kwargs(),
        )

    def _subscription(self, place: Place) -> Subscription | None:
        return self.rt.repo.subscriptions.get(
            platform=place.platform, workspace=place.workspace, channel=place.channel
        )

    def _notify_nominees(self, sub: Subscription | None, place: Place, ack: Reply) -> None:
        if sub is not None and not sub.notify_nominees:
            return
        text = self.render.nominee_notice(ack, place.channel)
        for nominee in ack.context["nominees"]:
            uid = user_id(nominee)
            if uid is not None:
                self.client.chat_postMessage(channel=uid, text=text, unfurl_links=False)

    def _bots_among(self, mentions: list[Mention]) -> frozenset[str]:
        """Mentioned people Slack knows as bots (users.info, cached; unknown counts as human)."""
        found = set()
        for mention in mentions:
            uid = user_id(mention.person)
            if uid is None:
                continue
            cached = self._bots.get(uid)
            if cached is None or cached[1] < time.monotonic():
                try:
                    info = self.lookups.users_info(user=uid).get("user") or {}
                    is_bot = bool(info.get("is_bot")) or bool(info.get("is_app_user"))
                    cached = (is_bot, time.monotonic() + CACHE_SECONDS)
                except SlackApiError:
                    cached = (False, time.monotonic() + 30)
                except OSError:
                    cached = (False, time.monotonic() + 30)
                self._bots[uid] = cached
            if cached[0]:
                found.add(mention.person)
        return frozenset(found)

    # ---- commands -----------------------------------------------------------------------------

    def on_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        words = translate.command_words(str(body.get("text") or ""))
        place = translate.command_place(body)
        author = person(plain_id(body.get("user_id")))
        name = (words.split() or ["help"])[0].lower()
        if name in SLOW_COMMANDS:
            ack(response_type="ephemeral", text=self.rt.templates.render("slack_working"))
            self.later(self._slow_command, place, author, words, respond)
            return
        try:
            reply = self.rt.service.command(place, author, words)[0]
        except Exception as error:
            if not database_away(error):
                raise
            reply = Reply("store_unavailable")
        ack(response_type="ephemeral", **self.render.reply(reply).kwargs())

    def _slow_command(self, place: Place, author: str, words: str, respond: Respond) -> None:
        if respond is None:  # its response_url was not Slack's: nowhere safe to answer
            log.warning("slack: %s asked without a response_url we answer; dropped", author)
            return
        try:
            if words.split()[0].lower() == "export":
                self._export(author, words, respond)
                return
            reply = self.rt.service.command(place, author, words)[0]
            page = self.render.pages(reply, words)[0]
            respond(response_type="ephemeral", replace_original=True, **page.kwargs())
        except Exception as error:
            key = "store_unavailable" if database_away(error) else "slack_failed"
            respond(response_type="ephemeral", text=self.rt.templates.render(key))
            raise

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
        if (words.split() or [""])[0].lower() not in ("summary", "me"):
            return
        self.later(self._page, pressed.place, pressed.person, words, number, respond)

    def _page(self, place: Place, reader: str, words: str, number: int, respond: Respond) -> None:
        reply = self.rt.service.command(place, reader, words)[0]  # re-authorised for the clicker
        pages = self.render.pages(reply, words)
        page = pages[max(1, min(number, len(pages))) - 1]
        respond(response_type="ephemeral", replace_original=True, **page.kwargs())

    def _export(self, author: str, words: str, respond: Respond) -> None:
        t = self.rt.templates
        command = parse_command(words)
        if isinstance(command, CommandError):
            respond(text=self.render.reply(Reply(command.key, {"word": command.word})).text)
            return
        reading = self.rt.service.reading
        uid = user_id(author)
        if uid is None or not reading.access(author).is_admin:
            respond(text=self.render.reply(Reply("not_allowed_admin")).text)
            return
        try:
            cycle = reading.cycle(command.cycle)
        except ReadError as refused:
            respond(text=self.render.reply(refused.reply).text)
            return
        if not reading.has_cases(cycle):
            respond(text=t.render("export_empty", cycle=cycle.id))
            return
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"values-{cycle.id}.xlsx"
            with path.open("wb") as out:
                count = write_xlsx(out, self.rt, author, cycle)
            try:
                dm = self.client.conversations_open(users=uid)["channel"]["id"]
                self.client.files_upload_v2(
                    channel=dm,
                    file=str(path),
                    filename=path.name,
                    title=path.name,
                    initial_comment=t.render("slack_export_comment", cycle=cycle.id, count=count),
                )
            except SlackApiError:
                respond(text=t.render("slack_export_failed", cycle=cycle.id))
                raise
        respond(
            response_type="ephemeral",
            replace_original=True,
            text=t.render("slack_export_sent", cycle=cycle.id, count=count),
        )

    # ---- the Nominate button and its modal -------------------------------------------------------

    def on_nominate(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        pressed = translate.click(body)
        if pressed is None or not pressed.message_ts or not pressed.trigger_id:
            return
        metadata = translate.modal_metadata(pressed.place, pressed.message_ts)
        client.views_open(trigger_id=pressed.trigger_id, view=self.render.modal(metadata))

    def on_modal(self, ack: Ack, body: dict[str, Any]) -> None:
        form = translate.submission(body)
        if form is None:
            no_post = self.rt.templates.render("slack_modal_no_post")
            ack(response_action="errors", errors={"nominees": no_post})
            return
        mentions = [Mention(nominee, 0, 0) for nominee in form.nominees]
        incoming = Incoming(
            place=form.place,
            author=form.author,
            message_id=f"{translate.MODAL_PREFIX}{form.view_id}",
            text=form.story,
            at=self.rt.clock.now(),
            mentions=mentions,
            thread_of=form.thread_ts,
            link=translate.message_link(self.me.url, form.place.channel, form.thread_ts),
            bots=self._bots_among(mentions),
        )
        try:
            replies = self.rt.service.handle(incoming)
        except Exception as error:
            if not database_away(error):
                raise
            unavailable = self.rt.templates.render("store_unavailable")
            ack(response_action="errors", errors={"story": unavailable})
            return
        log_event(incoming, replies)
        refusals = [r for r in replies if r.key != "nomination_ack"]
        if refusals:
            refusal = refusals[0]
            text = (
                self.rt.templates.render("slack_modal_no_post")
                if refusal.key in ("refusal_not_daily_post", "refusal_no_post")
                else self.render.reply(refusal).text
            )
            ack(response_action="errors", errors={MODAL_FIELD.get(refusal.key, "nominees"): text})
            return
        ack()
        if replies:
            self.later(self._after_modal, incoming, replies[0])

    def _after_modal(self, incoming: Incoming, ack: Reply) -> None:
        place = incoming.place
        sub = self._subscription(place)
        if sub is None or not sub.private_cases:
            self.pacer.wait(place.channel)
            self.client.chat_postMessage(
                channel=place.channel,
                thread_ts=incoming.thread_of,
                text=self.render.case_in_thread(ack),
                unfurl_links=False,
            )
        self._notify_nominees(sub, place, ack)
