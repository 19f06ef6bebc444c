"""Criticism is not a nomination; praise and criticism together are asked about (issue 14)."""

from __future__ import annotations

import pytest

from bot.core.nominations import Mention, Nomination, Refusal, parse_nomination
from bot.core.tone import Tone, tone_of


@pytest.mark.parametrize(
    "story",
    [
        "又迟到了…太不专业了",
        "开会总是迟到，害得大家等了半小时",
        "He was late again and so unprofessional",
        "not helpful at all, really sloppy work",
        "做事很敷衍，还甩锅给别人",
    ],
)
def test_criticism_of_the_person_reads_as_criticism(story: str) -> None:
    assert tone_of(story) is Tone.CRITICISM


@pytest.mark.parametrize(
    "story",
    [
        "客户的订单出错后，他当天下午就上门道歉并重新安排了发货",  # a problem, handled well
        "处理了客户投诉，耐心解释到客户满意",
        "Thanks for staying late to fix the deploy after the outage",
        "他很负责，也很专业",  # 负责 and 专业 alone are praise
        "the migration failed twice and she still got it done by Friday",
    ],
)
def test_a_problem_well_handled_is_praise(story: str) -> None:
    assert tone_of(story) is Tone.PRAISE


def test_praise_beside_criticism_is_mixed() -> None:
    assert tone_of("虽然上次又迟到了，但是这次主动帮我改完了方案") is Tone.MIXED
    assert tone_of("He is always late, but thanks for fixing my build") is Tone.MIXED


def test_a_negated_praise_word_is_no_praise() -> None:
    assert tone_of("一点都不认真，不负责") is Tone.CRITICISM
    assert tone_of("not helpful, and rude to the customer") is Tone.CRITICISM


def _parse(text: str):  # type: ignore[no-untyped-def]
    return parse_nomination(
        "@bob " + text, [Mention("slack:bob", 0, 4)], author="slack:alice", min_story=10
    )


def test_parse_refuses_criticism_and_marks_mixed_stories_doubtful() -> None:
    assert _parse("又迟到了…太不专业了，害得大家等了半个小时") is Refusal.CRITICISM
    doubtful = _parse("虽然上次又迟到了，但是这次主动帮我改完了方案")
    plain = _parse("客户的订单出错后，他当天下午就上门道歉并重新安排了发货")
    assert isinstance(doubtful, Nomination) and doubtful.doubtful
    assert isinstance(plain, Nomination) and not plain.doubtful
