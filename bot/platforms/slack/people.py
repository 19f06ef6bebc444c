"""Which mentioned Slack users are bots (users.info, cached): a bot is never nominated."""

from __future__ import annotations

import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.nominations import Mention
from bot.platforms.slack.managers import CACHE_SECONDS
from bot.platforms.slack.translate import user_id

UNKNOWN_SECONDS = 30.0  # a failed lookup counts as human, and is asked again this soon


class Bots:
    """Which Slack users are bots (users.info, cached), so a bot is never nominated."""

    def __init__(self, lookups: WebClient, me: str) -> None:
        self.lookups = lookups
        self._known: dict[str, tuple[bool, float]] = {me: (True, float("inf"))}

    def among(self, mentions: list[Mention]) -> frozenset[str]:
        """Mentioned people Slack knows as bots (unknown counts as human)."""
        found = set()
        for mention in mentions:
            uid = user_id(mention.person)
            if uid is not None and self._is_bot(uid):
                found.add(mention.person)
        return frozenset(found)

    def _is_bot(self, uid: str) -> bool:
        cached = self._known.get(uid)
        if cached is None or cached[1] < time.monotonic():
            try:
                info = self.lookups.users_info(user=uid).get("user") or {}
                is_bot = bool(info.get("is_bot")) or bool(info.get("is_app_user"))
                cached = (is_bot, time.monotonic() + CACHE_SECONDS)
            except (SlackApiError, OSError):
                cached = (False, time.monotonic() + UNKNOWN_SECONDS)
            self._known[uid] = cached
        return cached[0]
