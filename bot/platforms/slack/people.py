"""Which mentioned Slack users are bots, and their names (users.info, cached): a bot is never
nominated, and summaries, exports and the CLI show a name beside each id."""

from __future__ import annotations

import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.messages import plain_name
from bot.core.nominations import Mention
from bot.platforms.slack.managers import CACHE_SECONDS
from bot.platforms.slack.translate import person, user_id

UNKNOWN_SECONDS = 30.0  # a failed lookup counts as human, and is asked again this soon


class Bots:
    """Which Slack users are bots (users.info, cached), so a bot is never nominated."""

    def __init__(self, lookups: WebClient, me: str) -> None:
        self.lookups = lookups
        self._known: dict[str, tuple[bool, float]] = {me: (True, float("inf"))}
        self._learned: dict[str, str] = {}  # person → name, looked up since last asked
        self._lock = threading.Lock()

    def learned(self) -> dict[str, str]:
        """Names found by lookups since the last call (for the database to remember)."""
        with self._lock:
            found, self._learned = self._learned, {}
        return found

    def learn(self, uid: str) -> None:
        """Look a person up (an author, say), so their name is learned; cached like the rest."""
        self._is_bot(uid)

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
                name = _name_of(info)
                if name and not is_bot:
                    with self._lock:
                        self._learned[person(uid)] = name
                cached = (is_bot, time.monotonic() + CACHE_SECONDS)
            except (SlackApiError, OSError):
                cached = (False, time.monotonic() + UNKNOWN_SECONDS)
            self._known[uid] = cached
        return cached[0]


def _name_of(info: dict[str, object]) -> str:
    """The name Slack shows: the display name, else the real name, else the handle."""
    profile = info.get("profile") if isinstance(info.get("profile"), dict) else {}
    for candidate in (
        profile.get("display_name") if isinstance(profile, dict) else None,
        info.get("real_name"),
        profile.get("real_name") if isinstance(profile, dict) else None,
        info.get("name"),
    ):
        name = plain_name(candidate)
        if name:
            return name
    return ""
