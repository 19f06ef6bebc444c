from datetime import date

import pytest

from bot.core.cycles import (
    Cycle,
    CycleError,
    current_cycle,
    new_cycle,
    previous_cycle,
    quarter_of,
    resolve_cycle,
    weeks_of,
)

H2 = Cycle("2026H2", date(2026, 7, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 1), Cycle("2026Q1", date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 11, 21), Cycle("2026Q4", date(2026, 10, 1), date(2026, 12, 31))),
        (date(2024, 5, 31), Cycle("2024Q2", date(2024, 4, 1), date(2024, 6, 30))),
    ],
)
def test_cycles_are_calendar_quarters_by_default(day, expected):
    assert expected == quarter_of(day)


def test_quarters_and_named_cycles_resolve_by_id():
    assert [date(2025, 7, 1), H2] == [
        resolve_cycle("2025q3", [H2]).starts_on,
        resolve_cycle("2026h2", [H2]),
    ]
    assert resolve_cycle("2026H1", [H2]) is None


def test_the_chosen_cycle_is_current_while_it_covers_today_else_the_quarter():
    assert current_cycle(date(2026, 11, 21), H2) == H2
    assert current_cycle(date(2027, 1, 5), H2).id == "2027Q1"
    assert current_cycle(date(2026, 11, 21)).id == "2026Q4"  # covering today is not enough


def test_cycle_names_may_be_chinese():
    assert new_cycle("2026下半年", date(2026, 7, 1), date(2026, 12, 31), []).id == "2026下半年"
    with pytest.raises(CycleError):
        new_cycle("2026 下半年", date(2026, 7, 1), date(2026, 12, 31), [])


@pytest.mark.parametrize(
    ("cycle_id", "start", "end", "key"),
    [
        ("2026Q4", date(2026, 10, 1), date(2026, 12, 31), "cycle_reserved"),
        ("bad name!", date(2026, 1, 1), date(2026, 2, 1), "cycle_bad_name"),
        ("2026H1", date(2026, 6, 30), date(2026, 1, 1), "cycle_bad_dates"),
        ("2026h2", date(2026, 1, 1), date(2026, 2, 1), "cycle_exists"),
    ],
)
def test_bad_named_cycles_are_refused_with_a_reason(cycle_id, start, end, key):
    with pytest.raises(CycleError) as refused:
        new_cycle(cycle_id, start, end, [H2])

    assert key == refused.value.key


def test_retention_deletes_only_cycles_closed_longer_ago_than_the_period():
    from bot.core.cycles import retention_boundary

    # 2027-03-15 minus 365 days = 2026-03-15: 2026Q1 is still within a year of closing
    assert retention_boundary(date(2027, 3, 15), 365, []) == date(2025, 12, 31)
    assert retention_boundary(date(2027, 4, 1), 365, []) == date(2026, 3, 31)
    # a named cycle still open at the cut-off keeps every day it covers
    annual = Cycle("FY2026", date(2026, 2, 1), date(2027, 1, 31))
    assert retention_boundary(date(2027, 4, 1), 365, [annual]) == date(2026, 1, 31)
    # …but not once it closed long enough ago
    assert retention_boundary(date(2028, 3, 1), 365, [annual]) == date(2026, 12, 31)


def test_the_cycle_before_is_the_named_one_ending_last_before_it_else_the_quarter_before():
    q4 = quarter_of(date(2026, 11, 1))
    h1 = Cycle("2026H1", date(2026, 1, 1), date(2026, 6, 30))
    early = Cycle("2025H2", date(2025, 7, 1), date(2025, 12, 31))

    assert previous_cycle(q4, []) == quarter_of(date(2026, 9, 30))
    assert previous_cycle(q4, [early, h1]) == h1
    assert previous_cycle(quarter_of(date(2026, 1, 5)), []).id == "2025Q4"


def test_cases_per_week_cover_every_week_of_the_period_from_monday():
    weeks = weeks_of(
        {date(2026, 10, 1): 2, date(2026, 10, 4): 1, date(2026, 10, 5): 5, date(2027, 1, 1): 9},
        date(2026, 10, 1),
        date(2026, 12, 31),
    )

    assert weeks[0] == (date(2026, 9, 28), 3)  # Thursday 1 and Sunday 4 October
    assert weeks[1] == (date(2026, 10, 5), 5)
    assert len(weeks) == 14 and weeks[-1][0] == date(2026, 12, 28)
    assert sum(n for _, n in weeks) == 8  # a day outside the period is left out
