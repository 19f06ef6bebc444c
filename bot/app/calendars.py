"""Workday calendars from the `holidays` package, the company's own calendar file, and the
fallback for years whose official schedule is not out yet.

China's make-up workdays (调休) are announced by the State Council each year; the package carries
them up to a known year. For a later year the statutory holidays it knows (New Year, Spring
Festival, Qingming, Labour Day, Dragon Boat, Mid-Autumn, National Day) are still skipped, with
weekends, and we warn once with the dates an admin should check.

The company calendar (BOT_CALENDAR_FILE, default prompts/calendars/company.yaml) adds days off
and make-up workdays to every subscription:

    days_off: [2027-02-11, 2027-02-12]
    workdays: [2027-02-07]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import holidays
import yaml

from bot.core.workdays import WORKING, YearCalendar, days_to_check, why
from bot.words.packs import PROMPTS

log = logging.getLogger(__name__)
COMPANY_CALENDAR = PROMPTS / "calendars" / "company.yaml"


class CalendarError(ValueError):
    """The company calendar file cannot be read; the message says where and why."""


@dataclass(frozen=True)
class CompanyCalendar:
    days_off: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    path: str = ""

    @classmethod
    def load(cls, path: Path) -> CompanyCalendar:
        """The file at `path`; an absent file is an empty calendar."""
        if not path.exists():
            return cls(path=str(path))
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
            raise CalendarError(f"{path}: not a readable UTF-8 YAML file ({error})") from None
        if not isinstance(data, dict) or set(data) - {"days_off", "workdays"}:
            raise CalendarError(f"{path}: expected only the lists days_off and workdays")
        lists = {key: _dates(path, key, data.get(key)) for key in ("days_off", "workdays")}
        return cls(lists["days_off"], lists["workdays"], str(path))


def _dates(path: Path, key: str, raw: object) -> frozenset[date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise CalendarError(f"{path}: {key} should be a list of dates (YYYY-MM-DD)")
    found = set()
    for item in raw:
        try:
            found.add(item if isinstance(item, date) else date.fromisoformat(str(item)))
        except ValueError:
            raise CalendarError(f"{path}: {key}: {item!r} is not a date (YYYY-MM-DD)") from None
    return frozenset(found)


@cache
def _announced_until(country: str) -> int | None:
    """The last year whose official schedule the package knows, for yearly-announced calendars."""
    if country.upper() != "CN":
        return None
    from holidays.countries.china import ChinaStaticHolidays

    return max(ChinaStaticHolidays.special_public_holidays)


def known_country(country: str) -> bool:
    return country.upper() in holidays.list_supported_countries()


@cache
def _zone_countries() -> dict[str, str]:
    """Time zone -> the ISO country it belongs to, from tzdata's zone.tab."""
    from importlib.resources import files

    found: dict[str, str] = {}
    try:
        table = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return found
    for line in table.splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, zone, *_ = line.split("\t")
            found[zone] = code
    return found


def country_of(zone: str, default: str = "CN") -> str:
    """The holiday calendar a time zone implies (Asia/Tokyo: JP); `default` when it implies
    none the holidays package knows (UTC, Etc/…)."""
    country = _zone_countries().get(zone, "")
    return country if country and known_country(country) else default


class Calendars:
    """Year calendars per country, built once and cached, with the company's own days."""

    def __init__(self, company: CompanyCalendar | None = None, *, warn: bool = True) -> None:
        """`warn`: log a warning for a year whose official schedule is not out yet."""
        self.company = company or CompanyCalendar()
        self.warn = warn
        self._years: dict[tuple[str, int], YearCalendar] = {}

    def year(self, country: str, year: int) -> YearCalendar:
        key = (country.upper(), year)
        if key not in self._years:
            self._years[key] = self._build(*key)
        return self._years[key]

    def is_workday(
        self,
        day: date,
        country: str,
        days_off: frozenset[date] = frozenset(),
        workdays: frozenset[date] = frozenset(),
    ) -> bool:
        return self.why(day, country, days_off, workdays) in WORKING

    def why(
        self,
        day: date,
        country: str,
        days_off: frozenset[date] = frozenset(),
        workdays: frozenset[date] = frozenset(),
    ) -> str:
        return why(
            day,
            self.year(country, day.year),
            days_off | self.company.days_off,
            workdays | self.company.workdays,
        )

    def to_check(self, country: str, year: int) -> list[date]:
        """Dates an admin should check, for a year whose official schedule is not out yet."""
        return days_to_check(self.year(country, year))

    def _build(self, country: str, year: int) -> YearCalendar:
        try:
            source = holidays.country_holidays(country, years=year)
        except NotImplementedError:
            log.warning("No holiday calendar for country %s: using weekends only.", country)
            return YearCalendar(year=year, covered=False)
        days_off = frozenset(d for d in source if d.year == year)
        until = _announced_until(country)
        if (until is not None and year > until) or not (
            source.start_year <= year <= source.end_year
        ):
            calendar = YearCalendar(year=year, holidays=days_off, covered=False)
            (log.warning if self.warn else log.debug)(
                "The official %d schedule for %s (make-up workdays, 调休) is not known yet: "
                "skipping weekends and the statutory holidays only. Check these dates and add "
                "the company's with `subscribe --workdays/--days-off` or %s: %s",
                year,
                country,
                COMPANY_CALENDAR.name,
                ", ".join(d.isoformat() for d in days_to_check(calendar)),
            )
            return calendar
        make_up = frozenset(d for d in getattr(source, "weekend_workdays", ()) if d.year == year)
        return YearCalendar(year=year, holidays=days_off, make_up_workdays=make_up)
