"""The criterion suggester: the rubric is the model (issue 14). Its accuracy on the labelled
stories is reported in BENCHMARKS.md; here, what a user would notice if it broke."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.core.rubric import Rubric, find_criterion
from bot.core.suggest import Suggester

LABELLED = Path(__file__).parents[1] / "data" / "labelled-stories.yaml"


def stories() -> list[dict[str, str]]:
    return yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["stories"]


def test_the_labelled_set_is_large_enough_and_bilingual(rubric: Rubric) -> None:
    rows = stories()
    keys = {c.key for c in rubric.criteria}
    assert len(rows) >= 150
    assert {r["lang"] for r in rows} == {"zh", "en"}
    assert all(r["label"] in keys and r["day"] in keys for r in rows)


def test_the_suggester_ranks_far_better_than_the_days_criterion(rubric: Rubric) -> None:
    suggester = Suggester(rubric)
    rows = stories()
    top3 = sum(
        r["label"] in [f.criterion_key for f in suggester.rank(r["story"])[:3]] for r in rows
    )
    baseline = sum(r["day"] == r["label"] for r in rows)
    assert top3 > 2 * baseline  # a regression in the model shows here first


def test_a_customer_story_on_a_teamwork_day_is_offered_customer_first(rubric: Rubric) -> None:
    story = "客户打电话来投诉发货延迟，语气很冲，他一直微笑着听完，当天就帮客户查到物流并解决了问题"
    suggested = Suggester(rubric).suggest(story, "teamwork:1")
    assert suggested is not None and suggested.startswith("customer-first:")


def test_no_suggestion_when_the_day_fits_or_the_story_says_nothing(rubric: Rubric) -> None:
    suggester = Suggester(rubric)
    on_topic = "Before the holiday peak, Tom load-tested the client's checkout and fixed it"
    assert suggester.suggest(on_topic, "customer-first:5") is None
    assert suggester.suggest("zzz qqq xxx", "teamwork:1") is None


def test_criteria_are_found_as_people_write_them(rubric: Rubric) -> None:
    for text in ("integrity 3", "integrity:3", "诚信 3", "诚信第3分", "Integrity L3"):
        found = find_criterion(rubric, text)
        assert found is not None and found.key == "integrity:3", text
    for text in ("integrity", "快乐 3", "integrity 9", ""):
        assert find_criterion(rubric, text) is None, text
