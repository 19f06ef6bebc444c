"""Workday calendars from the `holidays` package, with the fallback for years it does not cover.

China's make-up workdays (调休) are announced by the State Council each year; the package carries
them up to a known year. For a later year we fall back to weekends only and warn once.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import cache

import holidays

from bot.core.workdays import YearCalendar, is_workday

log = logging.getLogger(__name__)


@cache
def _announced_until(country: str) -> int | None:
    """The last year whose official schedule the package knows, for yearly-announced calendars."""
    if country.upper() != "CN":
        return None
    from holidays.countries.china import ChinaStaticHolidays

    return max(ChinaStaticHolidays.special_public_holidays)


class Calendars:
    """Year calendars per country, built once and cached."""

    def __init__(self) -> None:
        self._years: dict[tuple[str, int], YearCalendar] = {}

    def year(self, country: str, year: int) -> YearCalendar:
        key = (country.upper(), year)
        if key not in self._years:
            self._years[key] = self._build(*key)
        return self._years[key]

    def is_workday(self, day: date, country: str, days_off: frozenset[date] = frozenset()) -> bool:
        return is_workday(day, self.year(country, day.year), days_off)

    def _build(self, country: str, year: int) -> YearCalendar:
        try:
            source = holidays.country_holidays(country, years=year)
        except NotImplementedError:
            log.warning("No holiday calendar for country %s: using weekends only.", country)
            return YearCalendar(year=year, covered=False)
        until = _announced_until(country)
        if (until is not None and year > until) or not (
            source.start_year <= year <= source.end_year
        ):
            log.warning(
                "The holiday calendar for %s does not cover %d yet: treating only weekends as "
                "days off that year. Upgrade the 'holidays' package once the official schedule "
                "is out.",
                country,
                year,
            )
            return YearCalendar(year=year, covered=False)
        make_up = frozenset(d for d in getattr(source, "weekend_workdays", ()) if d.year == year)
        return YearCalendar(year=year, holidays=frozenset(source), make_up_workdays=make_up)
