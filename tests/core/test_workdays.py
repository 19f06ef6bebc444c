import logging
from datetime import date

import pytest

from bot.app.calendars import CalendarError, Calendars, CompanyCalendar
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


def test_an_uncovered_year_still_skips_its_statutory_holidays_with_one_warning(caplog):
    """2027's make-up workdays are not published in the data: weekends and the statutory
    holidays it does know (New Year, Spring Festival, National Day) are off; one warning,
    which names dates to check."""
    calendars = Calendars()
    with caplog.at_level(logging.WARNING):
        national_day_2027 = calendars.is_workday(date(2027, 10, 1), "CN")
        calendars.is_workday(date(2027, 10, 2), "CN")
        calendars.is_workday(date(2027, 10, 4), "CN")

    warnings = [r.getMessage() for r in caplog.records if "2027" in r.getMessage()]
    assert national_day_2027 is False
    assert not calendars.is_workday(date(2027, 1, 1), "CN")
    assert not any(calendars.is_workday(date(2027, 2, d), "CN") for d in range(5, 11))
    assert calendars.is_workday(date(2027, 2, 11), "CN") and calendars.is_workday(
        date(2027, 1, 4), "CN"
    )
    assert not calendars.is_workday(date(2027, 10, 2), "CN")  # a Saturday
    assert len(warnings) == 1 and "2027-02-13" in warnings[0]  # the Saturday after 春节


def test_company_make_up_workdays_and_days_off_from_the_company_calendar(tmp_path):
    path = tmp_path / "company.yaml"
    path.write_text("days_off: [2027-02-11]\nworkdays: [2027-02-20]\n", encoding="utf-8")
    calendars = Calendars(CompanyCalendar.load(path))

    assert calendars.is_workday(date(2027, 2, 20), "CN")  # a Saturday the company works
    assert not calendars.is_workday(date(2027, 2, 11), "CN")  # a Thursday it does not
    assert calendars.is_workday(date(2027, 2, 13), "CN", workdays=frozenset({date(2027, 2, 13)}))
    assert not calendars.is_workday(date(2027, 2, 13), "CN")


@pytest.mark.parametrize(
    "text", ["days_off: 2027-02-11\n", "workdays: [2027-02-30]\n", "holidays: []\n", "- a\n"]
)
def test_a_broken_company_calendar_is_one_clear_problem(tmp_path, text):
    path = tmp_path / "company.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError, match="company.yaml"):
        CompanyCalendar.load(path)


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
