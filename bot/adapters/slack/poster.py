"""Daily posts into Slack channels: Block Kit, paced, tagged with their post key (R3)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.client import ChannelPacer
from bot.adapters.slack.render import SlackRenderer
from bot.core.model import DailyPost, Subscription
from bot.core.rubric import Criterion
from bot.posting import DeliveryRefused

POST_EVENT = "values_daily_post"


def post_key(post: DailyPost) -> str:
    """Names one daily post everywhere: in the claim row's terms and in the message metadata."""
    return f"{post.platform}:{post.workspace}:{post.channel}:{post.local_date.isoformat()}"


def post_metadata(post: DailyPost) -> dict[str, Any]:
    return {
        "event_type": POST_EVENT,
        "event_payload": {"post_key": post_key(post), "criterion": post.criterion_key},
    }


class SlackPoster:
    """A `Poster` (bot.posting) for Slack: returns the message's ts, its id in the channel."""

    def __init__(self, client: WebClient, render: SlackRenderer, pacer: ChannelPacer) -> None:
        self.client, self.render, self.pacer = client, render, pacer

    def __call__(
        self, subscription: Subscription, post: DailyPost, criterion: Criterion, workday: bool
    ) -> str:
        message = self.render.daily_post(criterion, workday=workday, nominate=post_key(post))
        self.pacer.wait(subscription.channel)
        try:
            response = self.client.chat_postMessage(
                channel=subscription.channel,
                metadata=post_metadata(post),
                unfurl_links=False,
                unfurl_media=False,
                **message.kwargs(),
            )
        except SlackApiError as error:
            status = error.response.status_code if error.response is not None else 0
            if status == 200:  # Slack answered ok=false: e.g. not_in_channel, channel_not_found
                raise DeliveryRefused(str(error.response.get("error"))) from error
            raise
        return str(response["ts"])
