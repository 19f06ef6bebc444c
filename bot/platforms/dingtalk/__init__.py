"""The DingTalk adapter: Stream mode and HTTP callbacks, the OpenAPI, markdown out."""

from bot.platforms.base import Platform

PLATFORM = Platform(
    name="dingtalk",
    channel_example="cidAbC123==",
    person_example="manager4711",
    workspace_hint="DingTalk robot code",
)
