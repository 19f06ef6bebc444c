"""The DingTalk adapter: one handler for robot messages from Stream mode and HTTP callbacks.

`receive(payload)` (Stream) and `receive_callback(payload)` (HTTP) read the message and store a
nomination at once, so DingTalk gets its acknowledgement only once the case is safe; every
answer to DingTalk (confirmations, refusals, summaries, notices) runs afterwards on a small
worker pool. Groups get nominations and subscriptions; `me`, `summary` and `export` are
answered only one-to-one, through the OpenAPI, to the sender.

An HTTP callback's body is unsigned, so its sessionWebhook is dropped on arrival; in Stream
mode one is used only when it is DingTalk's own session endpoint. A message that cannot be
stored fails an HTTP callback (DingTalk redelivers) and is spooled to disk in Stream mode.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.app.background import Background
from bot.app.events import log_event
from bot.app.outage import StoreLater, database_away
from bot.app.posting import Poster
from bot.config import Settings
from bot.core.messages import Incoming, Reply
from bot.core.model import DailyPost
from bot.core.summaries import Summary
from bot.platforms.dingtalk import files, translate
from bot.platforms.dingtalk.openapi import Credentials, DingTalkError, OpenApi
from bot.platforms.dingtalk.poster import DingTalkPoster
from bot.platforms.dingtalk.render import DingTalkRenderer, Markdown
from bot.platforms.dingtalk.spool import Spool
from bot.platforms.dingtalk.translate import PLATFORM, Message, staff_id
from bot.wiring import Runtime

log = logging.getLogger(__name__)
PRIVATE_COMMANDS = ("me", "summary", "export")
GROUP_COMMANDS = ("subscribe", "unsubscribe")
SEEN_SECONDS = 3600.0  # a callback's signature stays valid for an hour: so does our memory
SEEN_MAX = 20_000
SESSION_MARGIN = timedelta(seconds=30)
NAME_SECONDS = 24 * 3600.0


def credentials(settings: Settings) -> Credentials:
    return Credentials(
        client_id=settings.dingtalk_client_id,
        client_secret=settings.dingtalk_client_secret,
        robot_code=settings.dingtalk_robot_code,
        api_url=settings.dingtalk_api_url,
        legacy_url=settings.dingtalk_legacy_url,
    )


class DingTalkBot:
    def __init__(
        self,
        runtime: Runtime,
        *,
        api: OpenApi | None = None,
        workers: int = 8,
        spool: Spool | None = None,
    ) -> None:
        self.rt = runtime
        settings = runtime.settings
        self.api = api or OpenApi(credentials(settings))
        self.robot_code = settings.dingtalk_robot_code
        self.render = DingTalkRenderer(
            runtime.templates, runtime.rubric, min_story=settings.min_story
        )
        self.work = Background("dingtalk", workers=workers)
        self._poster = DingTalkPoster(self.api, self.render)
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._seen_lock = threading.Lock()
        self._names: dict[str, tuple[str, float]] = {}
        self._lookup_lock = threading.Lock()
        self._waiting: dict[str, Message] = {}  # kept while the database is away, by msgId
        self.retry = StoreLater(runtime.service.handle, self._after_retry, name="dingtalk")
        self.spool = spool if spool is not None else Spool(settings.spool_dir)

    def poster(self) -> Poster:
        return self._poster

    def poster_for(self, platform: str) -> Poster | None:
        return self.poster() if platform == PLATFORM else None

    def later(self, work: Callable[..., None], *args: Any) -> None:
        """Run after the acknowledgement; failures are logged, never raised at DingTalk."""
        self.work.submit(work, *args)

    def close(self, *, wait: bool = True) -> None:
        """Stop; `wait=False` after a shutdown's deadline drops answers not yet started."""
        self.retry.close()
        self.work.close(wait=wait)
        self.api.close()

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
        message = translate.message(payload, robot_code=self.robot_code, now=self.rt.clock.now())
        if message is None:
            log.info("dingtalk: a callback without conversation, sender or msgId: ignored")
            return
        if not stream:
            message = replace(message, session_webhook="", session_expires=None)
        if self._seen_recently(message.message_id):
            log.info("dingtalk: %s delivered again: nothing to do", message.message_id)
            return
        self.later(self._learn_names, {message.author: message.author_name})
        if message.kind not in translate.TEXT_KINDS:
            self.later(self._say, message, [self.render.plain("dingtalk_media_ignored")])
        elif (words := translate.command_words(message)) is not None:
            self._command(message, words)
        elif not message.group:
            self.later(self._say, message, [self.render.plain("dingtalk_direct_hint")])
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
            replies = self.rt.service.handle(incoming)  # stored before the acknowledgement
        except Exception as error:
            if not database_away(error) or frame is None:
                raise  # an HTTP callback: answered non-2xx, and DingTalk delivers it again
            self.spool.keep(incoming.message_id, frame)  # acknowledged: must survive a crash
            self._waiting[incoming.message_id] = message
            if self.retry.keep(incoming):
                self.later(self._say, message, [self.render.plain("store_retrying")])
            return
        if frame is not None:
            self.spool.done(incoming.message_id)  # kept by an earlier try, perhaps
        self._answer(message, incoming, replies)

    def _after_retry(self, incoming: Incoming, replies: list[Reply]) -> None:
        self.spool.done(incoming.message_id)
        message = self._waiting.pop(incoming.message_id, None)
        if message is not None:
            self._answer(message, incoming, replies)

    def _answer(self, message: Message, incoming: Incoming, replies: list[Reply]) -> None:
        log_event(incoming, replies)
        for reply in replies:
            if reply.key == "nomination_ack":
                self.later(self._confirm, message, reply)
            else:
                self.later(self._say, message, self.render.reply(reply))

    def _confirm(self, message: Message, ack: Reply) -> None:
        nominees = list(ack.context["nominees"])
        names = self._names_for([message.author, *nominees], look_up=nominees)
        if message.author_name:  # said in this very message: fresher than anything stored
            names[message.author] = message.author_name
        self._say(message, self.render.reply(ack, names))
        sub = self.rt.repo.subscriptions.get(
            platform=PLATFORM, workspace=message.place.workspace, channel=message.place.channel
        )
        if sub is not None and not sub.notify_nominees:
            return
        notice = self.render.nominee_notice(ack, message.title or message.place.channel, names)
        people = [s for s in (staff_id(n) for n in nominees) if s]
        if people:
            self.api.send_to_people(people, "sampleMarkdown", notice.param())

    # ---- commands -----------------------------------------------------------------------------

    def _command(self, message: Message, words: str) -> None:
        name = words.split()[0]
        if name in GROUP_COMMANDS and not message.group:
            self.later(self._say, message, [self.render.plain("dingtalk_group_only")])
            return
        if name in PRIVATE_COMMANDS:
            if message.group:
                label = message.author_name or message.author
                self.later(
                    self._say,
                    message,
                    [self.render.plain("dingtalk_answered_privately", person=label)],
                )
            self.later(self._private, message, words)
            return
        if name == "today" and not message.group:
            self.later(self._today_direct, message)
            return
        try:
            reply = self.rt.service.command(message.place, message.author, words)[0]
        except Exception as error:
            if not database_away(error):
                raise
            reply = Reply("store_unavailable")
        if reply.key == "help":
            reply = Reply("dingtalk_help")
        self.later(self._say, message, self.render.reply(reply))

    def _private(self, message: Message, words: str) -> None:
        """me / summary / export, answered in the one-to-one chat (split, never cut)."""
        try:
            if words.split()[0] == "export":
                files.send_export(self, message, words)
                return
            reply = self.rt.service.command(message.place, message.author, words)[0]
            names = self._names_for(_people_in(reply))
            parts = self.render.reply(reply, names)
            if reply.key == "summary" and len(parts) > files.MAX_SUMMARY_MESSAGES:
                files.send_summary(self, message, reply.context["summary"], names)
                return
            self._say_privately(message, parts)
        except Exception as error:
            key = "store_unavailable" if database_away(error) else "dingtalk_failed"
            self._say_privately(message, [self.render.plain(key)])
            raise

    def _today_direct(self, message: Message) -> None:
        """`today` one-to-one: the newest post of any subscribed DingTalk group."""
        latest: DailyPost | None = None
        for sub in self.rt.repo.subscriptions.list():
            if sub.platform != PLATFORM:
                continue
            post = self.rt.repo.posts.latest(
                platform=PLATFORM, workspace=sub.workspace, channel=sub.channel
            )
            if post is not None and (latest is None or post.local_date > latest.local_date):
                latest = post
        if latest is None:
            self._say(message, [self.render.plain("today_none")])
            return
        reply = Reply("daily_post", {"criterion_key": latest.criterion_key, "workday": True})
        self._say(message, self.render.reply(reply))

    # ---- talking back -------------------------------------------------------------------------

    def _say(self, message: Message, parts: list[Markdown]) -> None:
        """Answer where the message was said: its sessionWebhook while valid, else the OpenAPI."""
        for part in parts:
            if self._session_open(message):
                try:
                    self.api.reply_session(
                        message.session_webhook, {"msgtype": "markdown", "markdown": part.param()}
                    )
                    continue
                except DingTalkError as error:
                    log.info("dingtalk: session reply refused (%s); using the OpenAPI", error)
            if message.group:
                self.api.send_group(message.place.channel, "sampleMarkdown", part.param())
            else:
                self._send_direct(message, part)

    def _say_privately(self, message: Message, parts: list[Markdown]) -> None:
        """One-to-one, through the OpenAPI, to the sender: never to an address from the body."""
        for part in parts:
            self._send_direct(message, part)

    def _send_direct(self, message: Message, part: Markdown) -> None:
        staff = staff_id(message.author)
        if staff:
            self.api.send_to_people([staff], "sampleMarkdown", part.param())

    def _session_open(self, message: Message) -> bool:
        expires = message.session_expires
        return (
            bool(message.session_webhook)
            and expires is not None
            and expires - SESSION_MARGIN > self.rt.clock.now()
            and self.api.trusted_session(message.session_webhook)
        )

    # ---- names ----------------------------------------------------------------------------------

    def _learn_names(self, names: dict[str, str]) -> None:
        now = time.monotonic()
        fresh = {
            person: name
            for person, name in names.items()
            if name and self._names.get(person, ("", 0.0))[0] != name
        }
        if fresh:
            self.rt.repo.people.remember(fresh, now=self.rt.clock.now())
            self._names.update({p: (n, now + NAME_SECONDS) for p, n in fresh.items()})

    def _names_for(self, people: Iterable[str], *, look_up: Iterable[str] = ()) -> dict[str, str]:
        """Names of `people` from the database and memory; `look_up` ones asked of DingTalk."""
        wanted = list(dict.fromkeys(people))
        names = self.rt.repo.people.names(wanted)
        learned: dict[str, str] = {}
        with self._lookup_lock:  # one lookup per person, however many answers need it
            now = time.monotonic()
            for person in wanted:
                cached = self._names.get(person)
                if person not in names and cached is not None and cached[0]:
                    names[person] = cached[0]
            for person in look_up:
                cached = self._names.get(person)
                if person in names or (cached is not None and cached[1] > now):
                    continue
                staff = staff_id(person)
                found = self.api.user_name(staff) if staff else None
                self._names[person] = (found or "", now + NAME_SECONDS)
                if found:
                    learned[person] = names[person] = found
        if learned:
            self.rt.repo.people.remember(learned, now=self.rt.clock.now())
        return names


def _people_in(reply: Reply) -> list[str]:
    summary = reply.context.get("summary")
    if not isinstance(summary, Summary):
        return []
    people = []
    for person in summary.people:
        people.append(person.person)
        people += [case.nominator for case in person.newest]
    scope = reply.context.get("scope")
    if scope is not None and getattr(scope, "person", None):
        people.append(scope.person)
    return people
