"""Bolt's listeners: each Slack payload translated and handed to the conversation pipeline.

Messages are stored before Slack is acknowledged (process_before_response, reliability.md R7);
`/values` answers in the acknowledgement or, for private commands, later on the pool; the
pager re-reads a summary for whoever clicked; the Nominate form's refusals come back as field
errors in its acknowledgement.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.app.chat import ChatService
from bot.app.conversation import PRIVATE_COMMANDS, Conversation, StoreUnavailable, command_name
from bot.core.messages import Kind, Place, plain_id
from bot.ops.metrics import METRICS
from bot.platforms.slack import translate
from bot.platforms.slack.case_blocks import CASE_ACTION
from bot.platforms.slack.managers import Identity
from bot.platforms.slack.outbound import Said
from bot.platforms.slack.people import Bots
from bot.platforms.slack.render import MODAL_CALLBACK, NOMINATE_ACTION, PAGE_ACTION, SlackRenderer
from bot.platforms.slack.translate import person

log = logging.getLogger("bot.platforms.slack.app")
MODAL_FIELD = {
    "refusal_story_too_short": "story",
    "refusal_story_too_long": "story",
    "refusal_question": "story",
    "refusal_criticism": "story",
}
KEPT = (
    "nomination_ack",
    "nomination_doubt",
    "nomination_held",
)  # the form closes: recorded, or asked about
NO_POST = ("refusal_not_daily_post", "refusal_no_post")


class Listeners:
    """What the bot does with each kind of Slack payload."""

    def __init__(
        self,
        chat: ChatService,
        conversation: Conversation[Said],
        render: SlackRenderer,
        bots: Bots,
        me: Identity,
    ) -> None:
        self.chat, self.t, self.conversation = chat, chat.templates, conversation
        self.render, self.bots, self.me = render, bots, me

    def on_error(self, error: Exception) -> BoltResponse | None:
        """A listener failed: 503 (Slack redelivers) when the database is away, else 500."""
        if isinstance(error, StoreUnavailable):
            return BoltResponse(status=503, body="")
        METRICS.errors.inc(where="slack")
        log.error("slack listener failed", exc_info=error)
        return None

    def on_message(self, body: dict[str, Any]) -> None:
        incoming = translate.incoming(body, base_url=self.me.url)
        if incoming is None:
            return
        if incoming.kind != Kind.DELETE:
            incoming = replace(incoming, bots=self.bots.among(incoming.mentions))
        said = Said(incoming.place, incoming.author, incoming.message_id, incoming.thread_of)
        self.conversation.message(incoming, said)  # StoreUnavailable: 503, Slack redelivers
        self.conversation.later(self._learn_names, incoming.author)

    def _learn_names(self, author: str) -> None:
        """The author's name too (cached), and every name found: remembered for summaries."""
        uid = translate.user_id(author)
        if uid is not None:
            self.bots.learn(uid)
        names = self.bots.learned()
        if names:
            self.chat.remember_names(names)

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

    def on_case(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """[Record], [No], [Undo] or a criterion chosen, under one of the clicker's cases."""
        ack()
        pressed = translate.click(body)
        action = _case_action(body)
        if pressed is None or action is None:
            return
        try:
            value = json.loads(pressed.value)
            message_id, thread = plain_id(value["m"]), plain_id(value.get("t")) or None
            key = str(value.get("k") or "")
        except (KeyError, TypeError, ValueError, AttributeError):
            return
        if not message_id or (action in ("move", "move_to") and not key):
            return
        verb = f"move:{key}" if action in ("move", "move_to") else action
        said = Said(pressed.place, pressed.person, message_id, thread, pressed=respond)
        self.conversation.later(self._case, said, verb)

    def _case(self, said: Said, verb: str) -> None:
        replies = self.chat.case_action(said.place, said.author, said.message_id, verb)
        self.conversation.deliver(None, said, replies)

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
        refusal = next((r for r in replies if r.key not in KEPT), None)
        if refusal is None or any(r.key in KEPT for r in replies):  # recorded, or asked
            ack()
            return
        text = (
            self.t.render("slack_modal_no_post")
            if refusal.key in NO_POST
            else self.render.reply(refusal).text
        )
        ack(response_action="errors", errors={MODAL_FIELD.get(refusal.key, "nominees"): text})


def _case_action(body: dict[str, Any]) -> str | None:
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    action_id = first.get("action_id") if isinstance(first, dict) else None
    if not isinstance(action_id, str) or not action_id.startswith(f"{CASE_ACTION}_"):
        return None
    action = action_id.removeprefix(f"{CASE_ACTION}_")
    return action if action in ("record", "discard", "undo", "move", "move_to") else None


def bolt_app(listeners: Listeners, *, client: WebClient, signing_secret: str, token: str) -> App:
    """One synchronous Bolt App for one workspace and one bot token, with the listeners."""
    me = listeners.me

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        # One workspace, one bot token: no auth.test per request.
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or me.team,
            bot_token=token,
            bot_id=me.bot_id,
            bot_user_id=me.user,
        )

    client.token = None  # Bolt sets each request's token from `authorize`
    bolt_log = logging.getLogger("slack_bolt")
    level = bolt_log.level
    bolt_log.setLevel(logging.ERROR)  # Bolt warns that SLACK_BOT_TOKEN is unused: it is
    try:
        app = App(
            client=client,
            signing_secret=signing_secret,
            authorize=authorize,
            process_before_response=True,
            token_verification_enabled=False,
            logger=bolt_log,
        )
    finally:
        bolt_log.setLevel(level)
    app.event("message")(listeners.on_message)
    app.event("app_mention")(lambda: None)  # also arrives as a message event
    app.command("/values")(listeners.on_command)
    app.action(NOMINATE_ACTION)(listeners.on_nominate)
    app.action(re.compile(rf"^{CASE_ACTION}_[a-z_]+$"))(listeners.on_case)
    app.action(re.compile(rf"^{PAGE_ACTION}_\d+$"))(listeners.on_page)
    app.view(MODAL_CALLBACK)(listeners.on_modal)
    app.error(listeners.on_error)
    return app
