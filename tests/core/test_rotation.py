from bot.core.rotation import criterion_at, rotation_order
from bot.words.packs import load_pack, pack_path


def test_the_rotation_shows_every_criterion_once_per_round(rubric):
    """All 30 criteria come up once before any repeats."""
    order = rotation_order(rubric)

    assert len(order) == 30
    assert len({c.key for c in order}) == 30


def test_consecutive_posts_show_different_values(rubric):
    """Two workdays in a row never show the same value, across the wrap-around too."""
    shown = [criterion_at(rubric, cursor).value_key for cursor in range(90)]

    assert all(a != b for a, b in zip(shown, shown[1:], strict=False))


def test_each_values_levels_come_in_order(rubric):
    """Within a round a value's levels go 1, 2, 3, 4, 5."""
    levels = {}
    for cursor in range(30):
        criterion = criterion_at(rubric, cursor)
        levels.setdefault(criterion.value_key, []).append(criterion.level)

    assert {v.key: [1, 2, 3, 4, 5] for v in rubric.values} == levels


def test_a_one_value_pack_walks_its_levels_in_order():
    """The JD pack (one value, three steps) cycles 1, 2, 3, 1, …"""
    jd = load_pack(pack_path("jd-customer-first"))

    assert [criterion_at(jd, c).level for c in range(4)] == [1, 2, 3, 1]
