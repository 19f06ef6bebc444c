"""DingTalk's settings section: read from DINGTALK_* variables, every problem said."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ops.env import Reader, looks_real

DEFAULT_API_URL = "https://api.dingtalk.com"
LEGACY_API_URL = "https://oapi.dingtalk.com"


@dataclass(frozen=True)
class DingTalkSettings:
    """DingTalk's section: DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET, DINGTALK_ROBOT_CODE,
    DINGTALK_API_URL; enabled when the app credentials are set.
    """

    client_id: str = ""
    client_secret: str = ""
    robot_code: str = ""
    api_url: str = DEFAULT_API_URL

    @classmethod
    def read(cls, read: Reader) -> DingTalkSettings:
        client_id = read.text("DINGTALK_CLIENT_ID")
        return cls(
            client_id=client_id,
            client_secret=read.text("DINGTALK_CLIENT_SECRET"),
            robot_code=read.text("DINGTALK_ROBOT_CODE", client_id),
            api_url=read.url("DINGTALK_API_URL", DEFAULT_API_URL).rstrip("/"),
        )

    @property
    def enabled(self) -> bool:
        """A client id is set: `values-bot run` connects to DingTalk."""
        return bool(self.client_id)

    @property
    def legacy_url(self) -> str:
        """Where DingTalk's older `oapi` endpoints live (user lookup, file upload, sessions).

        The real OpenAPI has them on oapi.dingtalk.com; a DINGTALK_API_URL pointing anywhere
        else (a proxy, a test's fake) serves both.
        """
        return LEGACY_API_URL if self.api_url == DEFAULT_API_URL else self.api_url

    def half_given(self) -> list[str]:
        if self.client_secret and not self.client_id:
            return [
                "DINGTALK_CLIENT_ID is missing (DINGTALK_CLIENT_SECRET set): the app's Client ID"
            ]
        return []

    def problems(self, *, http: bool = False) -> list[str]:
        """Every DingTalk setting missing or still a placeholder (the same in both modes)."""
        problems = []
        if not looks_real(self.client_id):
            problems.append(
                "DINGTALK_CLIENT_ID: the app's Client ID (AppKey) from the developer console, "
                "凭证与基础信息"
            )
        if not looks_real(self.client_secret):
            problems.append("DINGTALK_CLIENT_SECRET: the app's Client Secret (AppSecret)")
        if not looks_real(self.robot_code):
            problems.append(
                "DINGTALK_ROBOT_CODE: the robot's RobotCode (机器人 page; usually the Client ID)"
            )
        return problems
