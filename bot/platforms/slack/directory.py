"""Slack's side of `values-bot people import`: a row with an e-mail and no id is matched with
users.lookupByEmail (scope users:read.email). Slack has no reporting lines: HR's file gives
them."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.directory import Member
from bot.platforms.slack.client import web_client
from bot.platforms.slack.settings import SlackSettings
from bot.platforms.slack.translate import person


class SlackPeople:
    """E-mails matched to Slack users (users.lookupByEmail)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def by_email(self, email: str) -> str | None:
        try:
            found = self.client.users_lookupByEmail(email=email).get("user") or {}
        except SlackApiError:
            return None  # users_not_found, or a scope missing: reported as unmatched
        uid = found.get("id") if isinstance(found, dict) else None
        deleted = isinstance(found, dict) and found.get("deleted")
        return person(uid) if isinstance(uid, str) and uid and not deleted else None

    def members(self) -> list[Member]:
        return []


def people(settings: SlackSettings) -> SlackPeople:
    return SlackPeople(web_client(settings))
