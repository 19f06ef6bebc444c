"""`values-bot calendar`: the days a subscription posts in a year, and why every other day
is skipped; for a year whose official schedule is not out yet, the dates worth checking."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from typing import Any

import holidays

from bot.app.calendars import Calendars, CompanyCalendar, known_country
from bot.config import Settings
from bot.core.workdays import WORKING
from bot.wiring import opened
from bot.words.templates import Templates

LANGUAGES = {"zh": "zh_CN", "en": "en_US"}


def add_commands(commands: Any) -> None:
    calendar = commands.add_parser(
        "calendar", help="the days a subscription posts in a year, and why others are skipped"
    )
    calendar.add_argument("--year", type=int, default=date.today().year)
    calendar.add_argument("--country", default=None, help="ISO code (default CN, or the channel's)")
    calendar.add_argument("--channel", help="a subscribed channel: PLATFORM:CHANNEL or CHANNEL")
    calendar.set_defaults(handler=cmd_calendar)


def cmd_calendar(settings: Settings, args: argparse.Namespace) -> int:
    if not 1900 < args.year < 2200:
        print(Templates(settings.locale).render("cli_bad_year", year=args.year), file=sys.stderr)
        return 2
    templates = Templates(settings.locale)
    calendars = Calendars(CompanyCalendar.load(settings.company_calendar), warn=False)
    country, where = args.country or "CN", ""
    days_off: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    if args.channel:
        from bot.cli.governance import find_subscription

        with opened(settings, create=False) as rt:
            sub = find_subscription(rt, args.channel)
        if sub is None:
            return 1
        country = args.country or sub.country
        days_off, workdays, where = sub.days_off, sub.workdays, f" · {sub.channel_key}"
    if not known_country(country):
        print(templates.render("calendar_unknown_country", country=country), file=sys.stderr)
        return 2
    year = Year(calendars, templates, country.upper(), args.year)
    for line in year.lines(days_off, workdays, where):
        print(line)
    return 0


class Year:
    """One country's posting year as `values-bot calendar` prints it: each month's posting
    days and why every other weekday is skipped.
    """

    def __init__(self, calendars: Calendars, templates: Templates, country: str, year: int):
        self.calendars, self.t, self.country, self.year = calendars, templates, country, year
        self.names = _holiday_names(country, year, templates)
        self.weekday = templates.render("weekdays").split()

    def lines(self, days_off: frozenset[date], workdays: frozenset[date], where: str) -> list[str]:
        posting: dict[int, list[int]] = {}
        notes: list[str] = []
        weekends = 0
        day = date(self.year, 1, 1)
        while day.year == self.year:
            reason = self.calendars.why(day, self.country, days_off, workdays)
            if reason in WORKING:
                posting.setdefault(day.month, []).append(day.day)
            if reason == "weekend":
                weekends += 1
            elif reason != "workday":
                notes.append(self._note(reason, day))
            day += timedelta(days=1)
        total = sum(len(days) for days in posting.values())
        t = self.t
        lines = [
            t.render(
                "calendar_header", country=self.country, year=self.year, where=where, count=total
            )
        ]
        lines += self._checks()
        for month in range(1, 13):
            days = posting.get(month, [])
            lines.append(
                t.render(
                    "calendar_month",
                    month=f"{self.year}-{month:02d}",
                    count=len(days),
                    days=" ".join(map(str, days)),
                )
            )
        return [*lines, *notes, t.render("calendar_weekends", count=weekends)]

    def _note(self, reason: str, day: date) -> str:
        return self.t.render(
            f"calendar_{reason}",
            date=day.isoformat(),
            weekday=self.weekday[day.weekday()],
            name=self.names.get(day, ""),
        )

    def _checks(self) -> list[str]:
        checks = self.calendars.to_check(self.country, self.year)
        if not checks:
            return []
        dates = ", ".join(f"{d.isoformat()} {self.weekday[d.weekday()]}" for d in checks)
        where = self.calendars.company.path or "prompts/calendars/company.yaml"
        return [
            self.t.render(
                "calendar_unannounced",
                country=self.country,
                year=self.year,
                file=where,
                dates=dates,
            )
        ]


def _holiday_names(country: str, year: int, templates: Templates) -> dict[date, str]:
    try:
        found = holidays.country_holidays(
            country, years=year, language=LANGUAGES.get(templates.locale)
        )
    except NotImplementedError:
        return {}
    return {d: str(n) for d, n in found.items()}
