"""Settings: read once from the environment, validated, every problem reported together."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app.calendars import COMPANY_CALENDAR, CalendarError, CompanyCalendar
from bot.ops.logs import FORMATS, LEVELS
from bot.words.packs import DEFAULT_PACK, available_packs, pack_path
from bot.words.templates import LOCALES
from storage.engine import database_problems


def data_dir() -> Path:
    """Where values-bot keeps its files by default, whatever the working directory: the
    platform's data folder (~/.local/share/values-bot, or $XDG_DATA_HOME/values-bot)."""
    from platformdirs import user_data_path

    return user_data_path("values-bot", appauthor=False)


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'values-bot.db'}"


def default_spool_dir() -> str:
    return str(data_dir() / "spool")


DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DINGTALK_API_URL = "https://api.dingtalk.com"
LEGACY_DINGTALK_API_URL = "https://oapi.dingtalk.com"
_PERSON = re.compile(r"^[a-z]+:\S+$")
_PLACEHOLDER = re.compile(r"\.\.\.|…|<|>|your|changeme|placeholder|todo|x{6,}", re.IGNORECASE)


def looks_real(value: str, prefix: str = "") -> bool:
    """A credential that is set, has the expected prefix, and is not a copied placeholder."""
    return (
        len(value) > len(prefix) + 6 and value.startswith(prefix) and not _PLACEHOLDER.search(value)
    )


class ConfigError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    locale: str = "zh"
    timezone: str = "Asia/Shanghai"
    rubric: str = DEFAULT_PACK
    min_story: int = 10
    cutoff: time = time(12, 0)
    tick_seconds: int = 30
    admins: frozenset[str] = frozenset()
    console_user: str = "me"
    platforms: tuple[str, ...] = ()
    fanout_concurrency: int = 8
    retention_days: int = 0  # 0: keep evidence; else delete it this long after its cycle closed
    cycle_grace_days: int = 3  # workdays after a cycle ends during which its evidence may change
    spool_dir: str = field(default_factory=default_spool_dir)  # Stream messages not yet stored
    metrics_token: str = ""  # a bearer token /metrics requires, when set
    metrics_address: str = ""  # HOST:PORT to serve /metrics on, apart from the bot's port
    admin_address: str = ""  # HOST:PORT for /livez, /readyz, /metrics in Socket/Stream mode
    shutdown_seconds: int = 10  # on SIGTERM: how long answers in flight may take
    log_level: str = ""  # "" = INFO for `run`, WARNING for the other commands
    log_format: str = "text"
    calendar_file: str = ""  # the company calendar; "" = prompts/calendars/company.yaml
    slack_bot_token: str = ""
    slack_app_token: str = ""
    slack_signing_secret: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_manager_group: str = ""
    dingtalk_client_id: str = ""
    dingtalk_client_secret: str = ""
    dingtalk_robot_code: str = ""
    dingtalk_api_url: str = DEFAULT_DINGTALK_API_URL

    @property
    def company_calendar(self) -> Path:
        return Path(self.calendar_file) if self.calendar_file else COMPANY_CALENDAR

    @property
    def dingtalk_legacy_url(self) -> str:
        """Where DingTalk's older `oapi` endpoints live (user lookup, file upload, sessions).

        The real OpenAPI has them on oapi.dingtalk.com; a DINGTALK_API_URL pointing anywhere
        else (a proxy, a test's fake) serves both.
        """
        if self.dingtalk_api_url == DEFAULT_DINGTALK_API_URL:
            return LEGACY_DINGTALK_API_URL
        return self.dingtalk_api_url

    def dingtalk_problems(self) -> list[str]:
        """Every DingTalk setting missing or still a placeholder."""
        problems = []
        if not looks_real(self.dingtalk_client_id):
            problems.append(
                "DINGTALK_CLIENT_ID: the app's Client ID (AppKey) from the developer console, "
                "凭证与基础信息"
            )
        if not looks_real(self.dingtalk_client_secret):
            problems.append("DINGTALK_CLIENT_SECRET: the app's Client Secret (AppSecret)")
        if not looks_real(self.dingtalk_robot_code):
            problems.append(
                "DINGTALK_ROBOT_CODE: the robot's RobotCode (机器人 page; usually the Client ID)"
            )
        return problems

    def half_configured(self) -> list[str]:
        """A platform's credentials given in part: said, rather than opening the console."""
        problems = []
        slack = [n for n, v in (("SLACK_APP_TOKEN", self.slack_app_token),
                                ("SLACK_SIGNING_SECRET", self.slack_signing_secret)) if v]  # fmt: skip
        if slack and not self.slack_bot_token:
            problems.append(
                f"SLACK_BOT_TOKEN is missing ({' and '.join(slack)} set): the bot token xoxb-… "
                "from OAuth & Permissions"
            )
        if self.dingtalk_client_secret and not self.dingtalk_client_id:
            problems.append(
                "DINGTALK_CLIENT_ID is missing (DINGTALK_CLIENT_SECRET set): the app's Client ID"
            )
        return problems

    def slack_problems(self, *, http: bool) -> list[str]:
        """Every Slack setting missing or still a placeholder, for the mode about to start."""
        problems = []
        if not looks_real(self.slack_bot_token, "xoxb-"):
            problems.append("SLACK_BOT_TOKEN: the bot token (xoxb-…) from OAuth & Permissions")
        if http and not looks_real(self.slack_signing_secret):
            problems.append(
                "SLACK_SIGNING_SECRET: the signing secret from Basic Information (HTTP mode)"
            )
        if not http and not looks_real(self.slack_app_token, "xapp-"):
            problems.append(
                "SLACK_APP_TOKEN: an app-level token (xapp-…) with connections:write, for "
                "Socket Mode; or run with --http"
            )
        return problems

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Every setting from the environment; every problem reported together (ConfigError)."""
        read = _Reader(environ)
        settings = cls(**_content(read), **_operations(read), **_slack(read), **_dingtalk(read))
        if read.problems:
            raise ConfigError(read.problems)
        return settings


class _Reader:
    """Reads settings, noting each problem instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def text(self, name: str, default: str = "") -> str:
        return self.environ.get(name, "").strip() or default

    def number(self, name: str, default: int, low: int) -> int:
        raw = self.environ.get(name, str(default))
        if not raw.isdigit() or int(raw) < low:
            self.problems.append(f"{name} should be a whole number of at least {low}, not {raw!r}")
            return default
        return int(raw)

    def choice(
        self, name: str, default: str, allowed: tuple[str, ...], *, case: Callable[[str], str] = str
    ) -> str:
        """One of `allowed`, after `case` (str.upper for LOG_LEVEL: `debug` is DEBUG)."""
        value = case(self.text(name, default))
        if value not in allowed:
            self.problems.append(f"{name} should be one of {', '.join(allowed)}, not {value!r}")
            return default
        return value

    def address(self, name: str, example: str) -> str:
        value = self.text(name)
        if value.isdigit() and name == "BOT_ADMIN_PORT":
            value = f"0.0.0.0:{value}"
        if value and not re.match(r"^[\w.\-\[\]:]*:\d{1,5}$", value):
            self.problems.append(f"{name} should be HOST:PORT (e.g. {example}), not {value!r}")
        return value

    def url(self, name: str, default: str) -> str:
        value = self.text(name, default)
        if not re.match(r"^https?://[^/\s]+", value):
            self.problems.append(f"{name} should be an http(s) URL, not {value!r}")
        return value


def _zone(read: _Reader) -> str:
    zone = read.text("BOT_TIMEZONE", "Asia/Shanghai")
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError):
        read.problems.append(f"BOT_TIMEZONE is not a known time zone: {zone!r}")
    return zone


def _cutoff(read: _Reader) -> time:
    try:
        return time.fromisoformat(read.text("BOT_CUTOFF", "12:00"))
    except ValueError:
        read.problems.append(f"BOT_CUTOFF should be HH:MM, not {read.text('BOT_CUTOFF')!r}")
        return time(12, 0)


def _content(read: _Reader) -> dict[str, Any]:
    """Where the data lives, the rubric and the posts, people and evidence."""
    admins = frozenset(a.strip() for a in read.text("BOT_ADMINS").split(",") if a.strip())
    read.problems += [
        f"BOT_ADMINS: {a!r} should be written PLATFORM:ID"
        for a in sorted(admins)
        if not _PERSON.match(a)
    ]
    rubric = read.text("BOT_RUBRIC", DEFAULT_PACK)
    if not pack_path(rubric).exists():
        read.problems.append(
            f"BOT_RUBRIC: no pack named {rubric!r} (known: {', '.join(available_packs())}; "
            "or the path of a pack file)"
        )
    database_url = read.text("DATABASE_URL") or default_database_url()
    read.problems += database_problems(database_url)
    calendar_file = read.text("BOT_CALENDAR_FILE")
    try:
        CompanyCalendar.load(Path(calendar_file) if calendar_file else COMPANY_CALENDAR)
    except CalendarError as error:
        read.problems.append(f"BOT_CALENDAR_FILE: {error}")
    return {
        "database_url": database_url,
        "locale": read.choice("BOT_LOCALE", "zh", LOCALES),
        "timezone": _zone(read),
        "rubric": rubric,
        "min_story": read.number("BOT_MIN_STORY", 10, 1),
        "cutoff": _cutoff(read),
        "tick_seconds": read.number("BOT_TICK_SECONDS", 30, 1),
        "admins": admins,
        "console_user": read.text("BOT_CONSOLE_USER", "me"),
        "fanout_concurrency": read.number("BOT_FANOUT_CONCURRENCY", 8, 1),
        "retention_days": read.number("BOT_RETENTION_DAYS", 0, 0),
        "cycle_grace_days": read.number("BOT_CYCLE_GRACE_DAYS", 3, 0),
        "spool_dir": read.text("BOT_SPOOL_DIR") or default_spool_dir(),
        "calendar_file": calendar_file,
        "platforms": tuple(
            name
            for name, key in (("slack", "SLACK_BOT_TOKEN"), ("dingtalk", "DINGTALK_CLIENT_ID"))
            if read.text(key)
        ),
    }


def _operations(read: _Reader) -> dict[str, Any]:
    return {
        "metrics_token": read.text("BOT_METRICS_TOKEN"),
        "metrics_address": read.address("BOT_METRICS_ADDRESS", "127.0.0.1:9100"),
        "admin_address": read.address("BOT_ADMIN_PORT", "9000 or 127.0.0.1:9000"),
        "shutdown_seconds": read.number("BOT_SHUTDOWN_SECONDS", 10, 1),
        "log_level": read.choice("LOG_LEVEL", "", LEVELS, case=str.upper)
        if read.text("LOG_LEVEL")
        else "",
        "log_format": read.choice("LOG_FORMAT", "text", FORMATS, case=str.lower),
    }


def _slack(read: _Reader) -> dict[str, Any]:
    api = read.url("SLACK_API_URL", DEFAULT_SLACK_API_URL)
    return {
        "slack_bot_token": read.text("SLACK_BOT_TOKEN"),
        "slack_app_token": read.text("SLACK_APP_TOKEN"),
        "slack_signing_secret": read.text("SLACK_SIGNING_SECRET"),
        "slack_api_url": api if api.endswith("/") else api + "/",
        "slack_manager_group": read.text("SLACK_MANAGER_GROUP"),
    }


def _dingtalk(read: _Reader) -> dict[str, Any]:
    client_id = read.text("DINGTALK_CLIENT_ID")
    return {
        "dingtalk_client_id": client_id,
        "dingtalk_client_secret": read.text("DINGTALK_CLIENT_SECRET"),
        "dingtalk_robot_code": read.text("DINGTALK_ROBOT_CODE", client_id),
        "dingtalk_api_url": read.url("DINGTALK_API_URL", DEFAULT_DINGTALK_API_URL).rstrip("/"),
    }
