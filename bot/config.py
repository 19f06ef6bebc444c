"""Settings: read once from the environment, validated, every problem reported together."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app.calendars import COMPANY_CALENDAR, CalendarError, CompanyCalendar
from bot.ops.env import Reader
from bot.ops.logs import FORMATS, LEVELS
from bot.platforms.registry import PLATFORMS
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


_PERSON = re.compile(r"^[a-z]+:\S+$")


class ConfigError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    """Every setting values-bot reads, checked together at start (`from_env` raises
    `ConfigError` listing every problem); each platform's own section in `sections`.
    """

    database_url: str = field(default_factory=default_database_url)
    locale: str = "zh"
    timezone: str = "Asia/Shanghai"
    rubric: str = DEFAULT_PACK
    min_story: int = 10
    cutoff: time = time(12, 0)
    tick_seconds: int = 30
    admins: frozenset[str] = frozenset()
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
    public_url: str = ""  # where the web app's links point (BOT_PUBLIC_URL); "" = worked out
    web_address: str = ""  # HOST:PORT of the web app apart from --http (BOT_WEB_PORT); "off"
    sections: Mapping[str, Any] = field(default_factory=dict)  # each platform's own settings

    @property
    def company_calendar(self) -> Path:
        return Path(self.calendar_file) if self.calendar_file else COMPANY_CALENDAR

    def section(self, platform: str) -> Any:
        """A platform's own settings (its defaults when the environment said nothing)."""
        found = self.sections.get(platform)
        return found if found is not None else PLATFORMS[platform].read_settings(Reader({}))

    @property
    def platforms(self) -> tuple[str, ...]:
        """The platforms whose credentials are set: `values-bot run` starts these."""
        return tuple(name for name, section in self.sections.items() if section.enabled)

    def half_configured(self) -> list[str]:
        """A platform's credentials given in part: said, rather than starting the terminal chat."""
        return [p for section in self.sections.values() for p in section.half_given()]

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Every setting from the environment; every problem reported together (ConfigError)."""
        read = Reader(environ)
        sections = {name: p.read_settings(read) for name, p in PLATFORMS.items()}
        settings = cls(**_content(read), **_operations(read), sections=sections)
        if read.problems:
            raise ConfigError(read.problems)
        return settings


def _zone(read: Reader) -> str:
    zone = read.text("BOT_TIMEZONE", "Asia/Shanghai")
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError):
        read.problems.append(f"BOT_TIMEZONE is not a known time zone: {zone!r}")
    return zone


def _cutoff(read: Reader) -> time:
    try:
        return time.fromisoformat(read.text("BOT_CUTOFF", "12:00"))
    except ValueError:
        read.problems.append(f"BOT_CUTOFF should be HH:MM, not {read.text('BOT_CUTOFF')!r}")
        return time(12, 0)


def _content(read: Reader) -> dict[str, Any]:
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
        "fanout_concurrency": read.number("BOT_FANOUT_CONCURRENCY", 8, 1),
        "retention_days": read.number("BOT_RETENTION_DAYS", 0, 0),
        "cycle_grace_days": read.number("BOT_CYCLE_GRACE_DAYS", 3, 0),
        "spool_dir": read.text("BOT_SPOOL_DIR") or default_spool_dir(),
        "calendar_file": calendar_file,
    }


def _operations(read: Reader) -> dict[str, Any]:
    return {
        "metrics_token": read.text("BOT_METRICS_TOKEN"),
        "metrics_address": read.address("BOT_METRICS_ADDRESS", "127.0.0.1:9100"),
        "admin_address": read.address("BOT_ADMIN_PORT", "9000 or 127.0.0.1:9000"),
        "shutdown_seconds": read.number("BOT_SHUTDOWN_SECONDS", 10, 1),
        "log_level": read.choice("LOG_LEVEL", "", LEVELS, case=str.upper)
        if read.text("LOG_LEVEL")
        else "",
        "log_format": read.choice("LOG_FORMAT", "text", FORMATS, case=str.lower),
        **_web(read),
    }


def _web(read: Reader) -> dict[str, Any]:
    """BOT_PUBLIC_URL (http(s), no query) and BOT_WEB_PORT (PORT, HOST:PORT or off)."""
    public_url = read.url("BOT_PUBLIC_URL", "") if read.text("BOT_PUBLIC_URL") else ""
    if public_url and ("?" in public_url or "#" in public_url):
        read.problems.append(f"BOT_PUBLIC_URL should have no query or fragment: {public_url!r}")
    off = read.text("BOT_WEB_PORT").lower() == "off"
    return {
        "public_url": public_url.rstrip("/"),
        "web_address": "off" if off else read.address("BOT_WEB_PORT", "8765 or 127.0.0.1:8765"),
    }
