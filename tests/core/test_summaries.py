"""Summaries from case counts: per value, the ceiling, levels without a case, the newest cases."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.ceiling import evidence_ceiling
from bot.core.cycles import Cycle
from bot.core.summaries import Case, Tally, summarise

CYCLE = Cycle("2026Q4", date(2026, 10, 1), date(2026, 12, 31))


def case(nominee: str, key: str, day: int) -> Case:
    return Case(nominee, "slack:U9", key, f"story {day}", date(2026, 11, day))


def test_counts_are_added_up_per_person_and_value(rubric):
    tally = Tally(rubric).add(
        [("ann", "customer-first:3", 2), ("ann", "customer-first:4", 1), ("ann", "teamwork:1", 1),
         ("ben", "teamwork:2", 1), ("ann", "customer-first:3", 1)]
    )  # fmt: skip
    summary = summarise(CYCLE, tally, {})

    ann, ben = summary.people
    assert (ann.person, ann.total, ben.person, ben.total) == ("ann", 5, "ben", 1)
    first = {v.value_key: v for v in ann.values}["customer-first"]
    # levels 1 and 2 hold without a case (unless_nonconforming): not "lacking" one
    assert (first.cases, first.ceiling, first.levels_without_evidence) == (4, 4, (5,))
    assert first.levels_holding_unless == (1, 2)
    assert [v.value_key for v in ann.values] == [v.key for v in rubric.values]


def test_people_are_in_the_order_of_their_names_not_of_their_counts(rubric):
    tally = Tally(rubric).add([("u3", "teamwork:1", 1), ("u2", "teamwork:1", 1),
                               ("u1", "teamwork:1", 1), ("u4", "teamwork:1", 3)])  # fmt: skip
    names = {"u1": "Zoe", "u2": "amy", "u4": "Bob"}  # u3 has no name: its id sorts it

    ordered = summarise(CYCLE, tally, {}, names=names).people
    assert [p.person for p in ordered] == ["u2", "u4", "u3", "u1"]  # amy, Bob, u3, Zoe
    assert [p.person for p in summarise(CYCLE, tally, {}).people] == ["u1", "u2", "u3", "u4"]


def test_a_summary_of_many_lists_the_newest_and_says_how_many_more(rubric):
    tally = Tally(rubric).add([("ann", "teamwork:1", 5)])
    newest = {"ann": [case("ann", "teamwork:1", day) for day in range(20, 15, -1)]}

    few = summarise(CYCLE, tally, newest).people[0]
    every = summarise(CYCLE, tally, newest, per_person=1000).people[0]

    assert (len(few.newest), few.more) == (3, 2)
    assert (len(every.newest), every.more) == (5, 0)


def test_a_value_filter_and_unknown_criteria_leave_the_rest_out(rubric):
    rows = [("ann", "teamwork:1", 1), ("ann", "customer-first:3", 1), ("ann", "gone:1", 7)]
    summary = summarise(CYCLE, Tally(rubric, "teamwork").add(rows), {})

    [ann] = summary.people
    assert summary.value_key == "teamwork"
    assert [(v.value_key, v.cases) for v in ann.values] == [("teamwork", 1)]
    assert ann.total == 1


def test_a_person_asked_about_is_listed_even_without_cases(rubric):
    summary = summarise(CYCLE, Tally(rubric), {}, always_include=["zoe"])

    [zoe] = summary.people
    assert zoe.total == 0
    assert all(v.cases == 0 and v.ceiling == evidence_ceiling(rubric.value(v.value_key), {})
               for v in zoe.values)  # fmt: skip


def test_at_most_three_newest_cases_of_the_values_shown(rubric):
    tally = Tally(rubric, "teamwork").add([("ann", "teamwork:1", 4)])
    newest = {"ann": [case("ann", "customer-first:1", 9), case("ann", "teamwork:1", 8),
                      case("ann", "teamwork:1", 7), case("ann", "teamwork:1", 6),
                      case("ann", "teamwork:1", 5)]}  # fmt: skip

    [ann] = summarise(CYCLE, tally, newest).people
    assert [c.nominated_on.day for c in ann.newest] == [8, 7, 6]


COUNTS = st.lists(
    st.tuples(
        st.sampled_from(["ann", "ben", "cat", "dan"]),
        st.sampled_from(
            [
                "customer-first:1",
                "customer-first:3",
                "customer-first:4",
                "teamwork:1",
                "teamwork:2",
                "integrity:5",
                "unknown:2",
            ]
        ),  # fmt: skip
        st.integers(min_value=1, max_value=3),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(rows=COUNTS, value=st.sampled_from([None, "customer-first", "teamwork"]))
def test_the_fast_summary_equals_a_plain_one(rubric, rows, value):
    """The tally and the per-pattern caching give what a plain loop over the rows gives."""
    summary = summarise(CYCLE, Tally(rubric, value).add(rows), {})

    values = [v for v in rubric.values if value in (None, v.key)]
    plain: dict[str, dict[str, dict[int, int]]] = {}
    for person, key, n in rows:
        criterion = rubric.criterion(key)
        if criterion is None or criterion.value_key not in {v.key for v in values}:
            continue
        levels = plain.setdefault(person, {}).setdefault(criterion.value_key, {})
        levels[criterion.level] = levels.get(criterion.level, 0) + n
    expected = []
    for person, by_value in plain.items():
        total = sum(sum(levels.values()) for levels in by_value.values())
        shown = [
            (v.key, sum(by_value.get(v.key, {}).values()),
             evidence_ceiling(v, by_value.get(v.key, {})),
             tuple(c.level for c in v.criteria if not by_value.get(v.key, {}).get(c.level)))
            for v in values
        ]  # fmt: skip
        expected.append((person, total, shown))
    expected.sort(key=lambda e: (e[0].casefold(), e[0]))  # by name (no names: the id)

    assert expected == [
        (p.person, p.total,
         [(v.value_key, v.cases, v.ceiling,
           tuple(sorted(v.levels_without_evidence + v.levels_holding_unless))) for v in p.values])
        for p in summary.people
    ]  # fmt: skip
    unless = {
        (c.value_key, c.level) for c in rubric.criteria if c.rule.value == "unless_nonconforming"
    }
    for p in summary.people:
        for v in p.values:  # the levels with no case, told apart by whether they hold anyway
            assert all((v.value_key, level) in unless for level in v.levels_holding_unless)
            assert not any((v.value_key, level) in unless for level in v.levels_without_evidence)
