"""Scores follow the rubric (通关制): a level holds by its rule, with its citations."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.core.appraisal import Citation, Lack, Needs, Written, lacks, scale, supported
from bot.core.ceiling import evidence_ceiling

STAR = Written("客户投诉", "当天解决", "上门道歉并重新发货", "客户续约")
levels = st.sets(st.integers(1, 5))
against = st.dictionaries(st.integers(1, 5), st.integers(0, 2), max_size=5)


def cited(on: set[int]) -> list[Citation]:
    return [Citation(level, case_id=100 + level) for level in sorted(on)]


def test_the_scale_has_half_points_where_the_pack_has_a_note(rubric):
    customer = rubric.value("customer-first")

    assert scale(customer)[:3] == (0.0, 0.5, 1.0)  # L1's note allows 0.5
    assert scale(rubric.value("teamwork")) == (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)


def test_a_score_above_its_citations_is_refused_naming_the_level_and_what_it_lacks(rubric):
    customer = rubric.value("customer-first")  # L1-2 unless non-conforming, L3-4 need a case

    assert lacks(customer, 2, []) == []
    assert lacks(customer, 4, cited({3})) == [Lack(4, Needs.CASE)]
    assert lacks(customer, 3, [Citation(3, written=STAR)]) == []
    assert lacks(customer, 2, [], {1: 1}) == [Lack(1, Needs.NO_NONCONFORMING)]
    assert lacks(customer, 2.5, [])[0].needs is Needs.OFF_SCALE


def test_a_written_case_counts_only_with_every_part_told(rubric):
    customer = rubric.value("customer-first")
    half = Written("客户投诉", "", "上门道歉", "客户续约")

    assert lacks(customer, 3, [Citation(3, written=half)]) == [Lack(3, Needs.CASE)]


@given(value_index=st.integers(0, 5), on=levels, bad=against)
def test_the_supported_score_holds_and_the_next_one_does_not(rubric, value_index, on, bad):
    value = rubric.values[value_index]
    start = supported(value, cited(on), bad)

    assert lacks(value, start, cited(on), bad) == []
    if start < 5:
        refused = lacks(value, start + 1, cited(on), bad)
        assert refused and refused[0].level == int(start) + 1


@given(value_index=st.integers(0, 5), on=levels, bad=against)
def test_the_supported_score_is_the_evidence_ceiling_of_the_same_cases(
    rubric, value_index, on, bad
):
    value = rubric.values[value_index]

    assert supported(value, cited(on), bad) == evidence_ceiling(value, dict.fromkeys(on, 1), bad)


@given(value_index=st.integers(0, 5), on=levels, more=st.integers(1, 5), bad=against)
def test_a_citation_more_never_lowers_and_a_nonconforming_case_never_raises(
    rubric, value_index, on, more, bad
):
    value = rubric.values[value_index]
    base = supported(value, cited(on), bad)

    assert supported(value, cited(on | {more}), bad) >= base
    assert supported(value, cited(on), {**bad, more: bad.get(more, 0) + 1}) <= base


def test_the_reporting_line_s_reports_and_loops():
    from bot.core.directory import chain, loops, reports

    managers = {"a": "", "b": "a", "c": "b", "d": "c", "x": "y", "y": "x"}

    assert chain("d", managers) == ["c", "b", "a"]
    assert reports("b", managers) == {"c", "d"}
    assert reports("a", managers) == {"b", "c", "d"}
    assert loops(managers) == {"x", "y"}
    assert chain("x", managers) == ["y"]  # a loop is cut, never followed forever


def test_guidance_reads_bands_and_refuses_what_does_not_add_up():
    import pytest

    from bot.core.calibration import distribution, parse_guidance
    from bot.core.review import ReviewError

    bands = parse_guidance("C>=0:10, A>=24:20, B>=15:70")

    assert [b.name for b in bands] == ["A", "B", "C"]
    counted = distribution({"p": 25, "q": 15, "r": 14.5, "s": 30}, bands)
    assert [(c.band.name, c.people, c.share) for c in counted] == [
        ("A", 2, 50),
        ("B", 1, 25),
        ("C", 1, 25),
    ]
    for bad in ("A>=24:20,B>=15:70", "A>=24:20,B>=1:80", "nonsense", "A>=0:50,A>=0:50", ""):
        with pytest.raises(ReviewError):
            parse_guidance(bad)


@given(
    manager=st.sampled_from([0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
    own=st.sampled_from([None, 0.0, 2.5, 5.0]),
    ceiling=st.sampled_from([None, 0.0, 3.0]),
)
def test_an_outlier_is_flagged_exactly_when_its_rule_says(manager, own, ceiling):
    from bot.core.calibration import Scores, Why, outliers_of

    found = {o.why for o in outliers_of("p", "v", Scores(manager, own, ceiling))}

    assert (Why.ABOVE_CEILING in found) == (ceiling is not None and manager > ceiling)
    assert (Why.FAR_FROM_SELF in found) == (own is not None and abs(manager - own) >= 2)


@given(start=st.dates(max_value=date(9000, 1, 1)), days=st.integers(1, 30))
def test_the_appeal_window_is_that_many_workdays_by_the_calendar_given(start, days):
    from datetime import timedelta

    from bot.core.review import add_workdays, appeal_open

    def weekday(day):
        return day.weekday() < 5

    end = add_workdays(start, days, weekday)

    assert appeal_open(start, end, days, weekday)
    assert not appeal_open(start, end + timedelta(days=1), days, weekday)
    assert sum(weekday(start + timedelta(days=n)) for n in range(1, (end - start).days + 1)) == days
