import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.ceiling import ceiling_stop, evidence_ceiling


@pytest.mark.parametrize(
    ("value_key", "conforming", "nonconforming", "expected"),
    [
        # 客户第一: L1-2 unless non-conforming, L3-4 need a case, L5 needs a case and no bad one
        ("customer-first", {}, {}, 2),
        ("customer-first", {3: 1}, {}, 3),
        ("customer-first", {3: 1, 4: 2}, {}, 4),
        (
            "customer-first",
            {4: 2, 5: 1},
            {},
            2,
        ),  # 通关制: level 3 is missing, so 4 and 5 don't count
        ("customer-first", {3: 1, 4: 1, 5: 1}, {}, 5),
        ("teamwork", {3: 1, 4: 1, 5: 1}, {5: 1}, 4),  # L5 needs a case and no non-conforming one
        ("customer-first", {3: 1, 4: 1, 5: 1}, {5: 1}, 5),  # L5 needs a case only (seed l.33)
        ("customer-first", {3: 1}, {1: 1}, 0),  # a non-conforming case at level 1 stops everything
        ("teamwork", {}, {2: 1}, 1),
    ],
)
def test_the_ceiling_is_the_last_level_passed_in_order(
    rubric, value_key, conforming, nonconforming, expected
):
    """Levels count only cumulatively, under each level's scoring rule."""
    assert expected == evidence_ceiling(rubric.value(value_key), conforming, nonconforming)


@given(
    value_index=st.integers(0, 5),
    counts=st.dictionaries(st.integers(1, 5), st.integers(0, 3), max_size=5),
)
def test_the_level_that_stops_the_ceiling_is_the_one_above_it(rubric, value_index, counts):
    """The ledger names the level that set the ceiling: the first that fails its rule."""
    value = rubric.values[value_index]

    stop = ceiling_stop(value, counts)
    ceiling = evidence_ceiling(value, counts)

    if stop is None:
        assert ceiling == max(c.level for c in value.criteria)
    else:
        assert stop.level == ceiling + 1
        assert counts.get(stop.level, 0) == 0  # with no non-conforming cases, only a lack stops
