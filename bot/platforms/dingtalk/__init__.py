"""The DingTalk adapter: Stream mode and HTTP callbacks, the OpenAPI, markdown out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.platforms.base import Host, PeopleSource, Platform
from bot.platforms.dingtalk.settings import DingTalkSettings

if TYPE_CHECKING:
    from bot.app.chat import ChatService
    from bot.app.posting import Poster
    from bot.platforms.dingtalk.app import DingTalkBot


def _start(host: Host) -> DingTalkBot:
    from bot.platforms.dingtalk.app import start

    return start(host)


def _poster(chat: ChatService, settings: DingTalkSettings) -> Poster | None:
    from bot.platforms.dingtalk.app import poster

    return poster(chat, settings)


def _workspace(settings: DingTalkSettings) -> str | None:
    """One app robot, one organisation: its robot code."""
    return settings.robot_code or None


def _people(settings: Any) -> PeopleSource:
    from bot.platforms.dingtalk.directory import people

    return people(settings)


PLATFORM = Platform(
    name="dingtalk",
    channel_example="cidAbC123==",
    person_example="manager4711",
    workspace_hint="DingTalk robot code",
    read_settings=DingTalkSettings.read,
    start=_start,
    directory=_people,
    poster=_poster,
    own_workspace=_workspace,
    fixed_workspace=True,
    workspace_unknown=(
        "Set DINGTALK_CLIENT_ID (and DINGTALK_ROBOT_CODE if it differs) first, or pass "
        "--workspace ROBOT_CODE."
    ),
    post_refused="dingtalk_post_refused",
    loggers=("dingtalk_stream",),
)
