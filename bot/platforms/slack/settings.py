"""Slack's settings section: read from SLACK_* variables, checked for the mode about to start."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ops.env import Reader, looks_real

DEFAULT_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class SlackSettings:
    """Slack's section: SLACK_BOT_TOKEN, SLACK_APP_TOKEN (Socket Mode), SLACK_SIGNING_SECRET
    (HTTP mode), SLACK_API_URL; enabled when the bot token is set.
    """

    bot_token: str = ""
    app_token: str = ""
    signing_secret: str = ""
    api_url: str = DEFAULT_API_URL
    manager_group: str = ""

    @classmethod
    def read(cls, read: Reader) -> SlackSettings:
        api = read.url("SLACK_API_URL", DEFAULT_API_URL)
        return cls(
            bot_token=read.text("SLACK_BOT_TOKEN"),
            app_token=read.text("SLACK_APP_TOKEN"),
            signing_secret=read.text("SLACK_SIGNING_SECRET"),
            api_url=api if api.endswith("/") else api + "/",
            manager_group=read.text("SLACK_MANAGER_GROUP"),
        )

    @property
    def enabled(self) -> bool:
        """A bot token is set: `values-bot run` connects to Slack."""
        return bool(self.bot_token)

    def half_given(self) -> list[str]:
        """Credentials given in part: said, rather than opening the console."""
        given = [n for n, v in (("SLACK_APP_TOKEN", self.app_token),
                                ("SLACK_SIGNING_SECRET", self.signing_secret)) if v]  # fmt: skip
        if given and not self.bot_token:
            return [
                f"SLACK_BOT_TOKEN is missing ({' and '.join(given)} set): the bot token xoxb-… "
                "from OAuth & Permissions"
            ]
        return []

    def problems(self, *, http: bool) -> list[str]:
        """Every Slack setting missing or still a placeholder, for the mode about to start."""
        problems = []
        if not looks_real(self.bot_token, "xoxb-"):
            problems.append("SLACK_BOT_TOKEN: the bot token (xoxb-…) from OAuth & Permissions")
        if http and not looks_real(self.signing_secret):
            problems.append(
                "SLACK_SIGNING_SECRET: the signing secret from Basic Information (HTTP mode)"
            )
        if not http and not looks_real(self.app_token, "xapp-"):
            problems.append(
                "SLACK_APP_TOKEN: an app-level token (xapp-…) with connections:write, for "
                "Socket Mode; or run with --http"
            )
        return problems
