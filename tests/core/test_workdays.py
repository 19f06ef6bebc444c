import logging
from datetime import date

import pytest

from bot.calendars import Calendars
from bot.core.workdays import YearCalendar, answers_post, is_workday


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 23), True),  # an ordinary Monday
        (date(2026, 11, 21), False),  # Saturday
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),  # National Day holiday week
        (date(2026, 2, 14), True),  # Saturday make-up workday (调休) for the Spring Festival
        (date(2026, 10, 10), True),  # Saturday make-up workday after National Day
        (date(2026, 1, 4), True),  # Sunday make-up workday
    ],
)
def test_china_workdays_follow_the_official_schedule(day, expected):
    """Weekends and public holidays are off, make-up workdays are on."""
    assert expected == Calendars().is_workday(day, "CN")


def test_company_days_off_are_skipped():
    """An extra company day off is not a workday even when the country works."""
    assert not Calendars().is_workday(date(2026, 11, 23), "CN", frozenset({date(2026, 11, 23)}))


def test_another_country_has_its_own_holidays():
    """A US subscription skips Independence Day (observed), a Chinese one does not."""
    assert not Calendars().is_workday(date(2026, 7, 3), "US")
    assert Calendars().is_workday(date(2026, 7, 3), "CN")


def test_an_uncovered_year_falls_back_to_weekends_with_one_warning(caplog):
    """2027's schedule is not published in the data: weekdays work, one clear warning."""
    calendars = Calendars()
    with caplog.at_level(logging.WARNING):
        national_day_2027 = calendars.is_workday(date(2027, 10, 1), "CN")
        calendars.is_workday(date(2027, 10, 2), "CN")
        calendars.is_workday(date(2027, 10, 4), "CN")

    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert national_day_2027 is True
    assert not calendars.is_workday(date(2027, 10, 2), "CN")  # a Saturday
    assert len(warnings) == 1


def test_make_up_workdays_beat_weekends_in_the_pure_calendar():
    calendar = YearCalendar(
        2030, holidays=frozenset({date(2030, 1, 1)}), make_up_workdays=frozenset({date(2030, 1, 5)})
    )

    assert [
        is_workday(date(2030, 1, 1), calendar),
        is_workday(date(2030, 1, 5), calendar),
        is_workday(date(2030, 1, 7), calendar),
    ] == [False, True, True]


def test_a_message_answers_the_latest_post_on_its_day_or_the_next_workday() -> None:
    def weekdays(day: date) -> bool:
        return day.weekday() < 5

    friday = date(2026, 11, 27)
    assert answers_post(friday, friday, weekdays)
    assert answers_post(friday, date(2026, 11, 29), weekdays)  # Sunday
    assert answers_post(friday, date(2026, 11, 30), weekdays)  # Monday: the next workday
    assert not answers_post(friday, date(2026, 12, 1), weekdays)  # Tuesday
    assert not answers_post(friday, date(2026, 11, 26), weekdays)  # before the post
    assert not answers_post(friday, date(2027, 3, 1), lambda day: False)  # no workday at all
