"""Scores follow the rubric (通关制): a level holds by its rule, with its citations."""

from __future__ import annotations

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
