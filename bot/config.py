"""Settings: read once from the environment, validated, every problem reported together."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.calendars import COMPANY_CALENDAR, CalendarError, CompanyCalendar
from bot.logs import FORMATS, LEVELS
from bot.packs import DEFAULT_PACK, available_packs, pack_path
from bot.templates import LOCALES
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
        problems: list[str] = []

        def number(name: str, default: int, low: int) -> int:
            raw = environ.get(name, str(default))
            if not raw.isdigit() or int(raw) < low:
                problems.append(f"{name} should be a whole number of at least {low}, not {raw!r}")
                return default
            return int(raw)

        locale = environ.get("BOT_LOCALE", "zh")
        if locale not in LOCALES:
            problems.append(f"BOT_LOCALE should be one of {', '.join(LOCALES)}, not {locale!r}")
        zone = environ.get("BOT_TIMEZONE", "Asia/Shanghai")
        try:
            ZoneInfo(zone)
        except (KeyError, ValueError):
            problems.append(f"BOT_TIMEZONE is not a known time zone: {zone!r}")
        cutoff = time(12, 0)
        try:
            cutoff = time.fromisoformat(environ.get("BOT_CUTOFF", "12:00"))
        except ValueError:
            problems.append(f"BOT_CUTOFF should be HH:MM, not {environ['BOT_CUTOFF']!r}")
        admins = frozenset(a.strip() for a in environ.get("BOT_ADMINS", "").split(",") if a.strip())
        problems += [
            f"BOT_ADMINS: {a!r} should be written PLATFORM:ID"
            for a in sorted(admins)
            if not _PERSON.match(a)
        ]
        slack_api_url = environ.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        if not re.match(r"^https?://[^/\s]+", slack_api_url):
            problems.append(f"SLACK_API_URL should be an http(s) URL, not {slack_api_url!r}")
        elif not slack_api_url.endswith("/"):
            slack_api_url += "/"
        dingtalk_api_url = (environ.get("DINGTALK_API_URL") or DEFAULT_DINGTALK_API_URL).rstrip("/")
        if not re.match(r"^https?://[^/\s]+", dingtalk_api_url):
            problems.append(f"DINGTALK_API_URL should be an http(s) URL, not {dingtalk_api_url!r}")
        dingtalk_client_id = environ.get("DINGTALK_CLIENT_ID", "").strip()
        metrics_address = environ.get("BOT_METRICS_ADDRESS", "").strip()
        if metrics_address and not re.match(r"^[\w.\-\[\]:]*:\d{1,5}$", metrics_address):
            problems.append(
                f"BOT_METRICS_ADDRESS should be HOST:PORT (e.g. 127.0.0.1:9100), not {metrics_address!r}"
            )
        admin_address = environ.get("BOT_ADMIN_PORT", "").strip()
        if admin_address.isdigit():
            admin_address = f"0.0.0.0:{admin_address}"
        if admin_address and not re.match(r"^[\w.\-\[\]:]*:\d{1,5}$", admin_address):
            problems.append(
                f"BOT_ADMIN_PORT should be PORT or HOST:PORT (e.g. 9000), not {admin_address!r}"
            )
        log_level = environ.get("LOG_LEVEL", "").strip().upper()
        if log_level and log_level not in LEVELS:
            problems.append(f"LOG_LEVEL should be one of {', '.join(LEVELS)}, not {log_level!r}")
        log_format = environ.get("LOG_FORMAT", "text").strip().lower() or "text"
        if log_format not in FORMATS:
            problems.append(f"LOG_FORMAT should be one of {', '.join(FORMATS)}, not {log_format!r}")
        rubric = environ.get("BOT_RUBRIC", "").strip() or DEFAULT_PACK
        if not pack_path(rubric).exists():
            problems.append(
                f"BOT_RUBRIC: no pack named {rubric!r} (known: {', '.join(available_packs())}; "
                "or the path of a pack file)"
            )
        database_url = environ.get("DATABASE_URL", "").strip() or default_database_url()
        problems += database_problems(database_url)
        calendar_file = environ.get("BOT_CALENDAR_FILE", "").strip()
        try:
            CompanyCalendar.load(Path(calendar_file) if calendar_file else COMPANY_CALENDAR)
        except CalendarError as error:
            problems.append(f"BOT_CALENDAR_FILE: {error}")
        platforms = tuple(
            name
            for name, keys in (
                ("slack", ("SLACK_BOT_TOKEN",)),
                ("dingtalk", ("DINGTALK_CLIENT_ID",)),
            )
            if any(environ.get(k) for k in keys)
        )
        settings = cls(
            database_url=database_url,
            locale=locale,
            timezone=zone,
            rubric=rubric,
            min_story=number("BOT_MIN_STORY", 10, 1),
            cutoff=cutoff,
            tick_seconds=number("BOT_TICK_SECONDS", 30, 1),
            admins=admins,
            console_user=environ.get("BOT_CONSOLE_USER", "me"),
            platforms=platforms,
            fanout_concurrency=number("BOT_FANOUT_CONCURRENCY", 8, 1),
            retention_days=number("BOT_RETENTION_DAYS", 0, 0),
            cycle_grace_days=number("BOT_CYCLE_GRACE_DAYS", 3, 0),
            spool_dir=environ.get("BOT_SPOOL_DIR", "").strip() or default_spool_dir(),
            metrics_token=environ.get("BOT_METRICS_TOKEN", "").strip(),
            metrics_address=metrics_address,
            admin_address=admin_address,
            shutdown_seconds=number("BOT_SHUTDOWN_SECONDS", 10, 1),
            log_level=log_level if log_level in LEVELS else "",
            log_format=log_format if log_format in FORMATS else "text",
            calendar_file=calendar_file,
            slack_bot_token=environ.get("SLACK_BOT_TOKEN", "").strip(),
            slack_app_token=environ.get("SLACK_APP_TOKEN", "").strip(),
            slack_signing_secret=environ.get("SLACK_SIGNING_SECRET", "").strip(),
            slack_api_url=slack_api_url,
            slack_manager_group=environ.get("SLACK_MANAGER_GROUP", "").strip(),
            dingtalk_client_id=dingtalk_client_id,
            dingtalk_client_secret=environ.get("DINGTALK_CLIENT_SECRET", "").strip(),
            dingtalk_robot_code=environ.get("DINGTALK_ROBOT_CODE", "").strip()
            or dingtalk_client_id,
            dingtalk_api_url=dingtalk_api_url,
        )
        if problems:
            raise ConfigError(problems)
        return settings
