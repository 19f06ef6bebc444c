"""Daily posts into Slack channels: Block Kit, paced, tagged with their post key (R3)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app.posting import DeliveryRefused, DeliveryUnconfirmed
from bot.core.model import DailyPost, Subscription
from bot.core.rubric import Criterion
from bot.platforms.slack.client import ChannelPacer
from bot.platforms.slack.render import SlackRenderer

POST_EVENT = "values_daily_post"
ATTEMPTS = 3
HISTORY_PAGES = 5
log = logging.getLogger(__name__)


def post_key(post: DailyPost) -> str:
    """Names one daily post everywhere: in the claim row's terms and in the message metadata."""
    return f"{post.platform}:{post.workspace}:{post.channel}:{post.local_date.isoformat()}"


def post_metadata(post: DailyPost) -> dict[str, Any]:
    return {
        "event_type": POST_EVENT,
        "event_payload": {"post_key": post_key(post), "criterion": post.criterion_key},
    }


class SlackPoster:
    """A `Poster` (bot.app.posting) for Slack: returns the message's ts, its id in the channel.

    Slack has no idempotency key (reliability.md R3), so a 5xx or a lost answer is never retried
    blindly: the channel's history is searched for the post key first, and the post is sent
    again only if it is not there. 429s are waited out by the client (Retry-After).
    """

    def __init__(
        self,
        client: WebClient,
        render: SlackRenderer,
        pacer: ChannelPacer,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client, self.render, self.pacer, self.sleep = client, render, pacer, sleep

    def __call__(
        self, subscription: Subscription, post: DailyPost, criterion: Criterion, workday: bool
    ) -> str:
        message = self.render.daily_post(criterion, workday=workday, nominate=post_key(post))
        for attempt in range(ATTEMPTS):
            self.pacer.wait(subscription.channel)
            try:
                response = self.client.chat_postMessage(
                    channel=subscription.channel,
                    metadata=post_metadata(post),
                    unfurl_links=False,
                    unfurl_media=False,
                    **message.kwargs(),
                )
                return str(response["ts"])
            except SlackApiError as error:
                status = error.response.status_code if error.response is not None else 0
                if status == 200:  # Slack answered ok=false: e.g. not_in_channel
                    raise DeliveryRefused(str(error.response.get("error"))) from error
                if status < 500:
                    raise
                log.warning("chat.postMessage to %s answered %s", subscription.channel, status)
            except OSError as error:  # a timeout or a dropped connection: it may have arrived
                log.warning("chat.postMessage to %s: %s", subscription.channel, error)
            found = self.find(subscription, post)
            if found is not None:
                return found
            self.sleep(2.0**attempt)
        raise DeliveryUnconfirmed(post_key(post))

    def find(self, subscription: Subscription, post: DailyPost) -> str | None:
        """The ts of this daily post in the channel's history since local midnight, or None."""
        key = post_key(post)
        midnight = datetime.combine(
            post.local_date, datetime.min.time(), ZoneInfo(subscription.timezone)
        )
        cursor = None
        for _ in range(HISTORY_PAGES):
            page = self.client.conversations_history(
                channel=subscription.channel,
                oldest=f"{midnight.timestamp():.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == POST_EVENT and payload.get("post_key") == key:
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None
