"""Daily posts into DingTalk group chats: markdown through the robot's group-message API."""

from __future__ import annotations

from bot.app.posting import DeliveryRefused, DeliveryUnknown
from bot.core.model import DailyPost, Subscription
from bot.core.rubric import Criterion
from bot.platforms.dingtalk.openapi import DingTalkError, OpenApi
from bot.platforms.dingtalk.render import DingTalkRenderer

MAX_ID = 64  # the claim row's message_id column


class DingTalkPoster:
    """A `Poster` (bot.app.posting) for DingTalk: returns DingTalk's processQueryKey for the post.

    DingTalk has no threads, so the id is kept only to show the post went out; nominations
    attach to the group's latest post (DESIGN.md flow 2).
    """

    def __init__(self, api: OpenApi, render: DingTalkRenderer) -> None:
        self.api, self.render = api, render

    def __call__(
        self, subscription: Subscription, post: DailyPost, criterion: Criterion, workday: bool
    ) -> str:
        markdown = self.render.daily_post(criterion, workday=workday)
        try:
            key = self.api.send_group(subscription.channel, "sampleMarkdown", markdown.param())
        except DingTalkError as error:
            if error.code == "Unreachable":  # never connected: certainly not posted
                raise DeliveryRefused(str(error)) from error
            if error.status == 429:  # throttled: DingTalk said no, so nothing was posted
                raise DeliveryRefused(f"throttled: {error.message}") from error
            if 400 <= error.status < 500:
                # e.g. the robot is not in that group, or the conversation id is wrong
                raise DeliveryRefused(f"{error.code or error.status}: {error.message}") from error
            # a read timeout or a 5xx: DingTalk may have posted it, and cannot be asked
            raise DeliveryUnknown(str(error)) from error
        return (key or f"dingtalk-post-{post.id}")[:MAX_ID]
