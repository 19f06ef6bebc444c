"""Who the bot is in its workspace, and managers from an optional Slack user group."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app.chat import ChatService
from bot.platforms.slack.translate import PLATFORM, user_id

log = logging.getLogger(__name__)
CACHE_SECONDS = 600.0


class Identity:
    """Who the bot is in its workspace, from auth.test."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.team = str(answer.get("team_id") or "")
        self.user = str(answer.get("user_id") or "")
        self.bot_id = str(answer.get("bot_id") or "")
        self.url = str(answer.get("url") or "")
        self.enterprise = answer.get("enterprise_id")


class ManagerGroup:
    """Members of a Slack user group manage every subscribed Slack channel (optional).

    User groups need a paid plan; on a free plan the bot says so once in its log and keeps to
    the managers from configuration (`values-bot roles grant`).
    """

    def __init__(self, client: WebClient, group: str, chat: ChatService) -> None:
        self.client, self.group, self.chat = client, group, chat
        self.members: frozenset[str] = frozenset()
        self.fetched_at = -CACHE_SECONDS
        self.available = bool(group)
        self._lock = threading.Lock()

    def channels_for(self, person_key: str) -> frozenset[str]:
        ident = user_id(person_key)
        if ident is None or not self.available or ident not in self._current():
            return frozenset()
        return frozenset(s.channel_key for s in self.chat.subscriptions(PLATFORM))

    def _current(self) -> frozenset[str]:
        with self._lock:
            if time.monotonic() - self.fetched_at < CACHE_SECONDS:
                return self.members
            try:
                answer = self.client.usergroups_users_list(usergroup=self.group)
                self.members = frozenset(answer.get("users") or [])
            except SlackApiError as error:
                code = error.response.get("error") if error.response else "unknown"
                if code in ("plan_upgrade_required", "missing_scope", "no_such_subteam"):
                    log.warning(
                        "SLACK_MANAGER_GROUP %s cannot be read (%s): managers come from "
                        "configuration only (values-bot roles grant)",
                        self.group,
                        code,
                    )
                    self.available = False
                else:
                    log.warning("could not read user group %s: %s", self.group, code)
            self.fetched_at = time.monotonic()
            return self.members
