"""Markup at the edges (issue 11): every value put into a DingTalk or Slack message is escaped
by the renderer, whatever the call site: names from senderNick, group titles, echoed command
words, stories. A link or an image in a nick must stay text."""

from __future__ import annotations

import re

from tests.dingtalk.conftest import MANAGER, NOMINEE, DingTalkWorld

BAIT = "[点我领取年终奖](http://x)![p](http://x/p.png)"
STORY = "@王五 客户的订单出错后，他当天下午就上门道歉并重新安排了发货"


def _live_markup(text: str) -> bool:
    """A markdown link or image DingTalk would render: `[` or `](` not escaped."""
    return bool(re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", text))


def test_a_dingtalk_nick_with_a_link_stays_text(world: DingTalkWorld) -> None:
    world.post_today()
    world.send(world.message(STORY, at=(NOMINEE,), nick=BAIT))  # the confirmation names them
    world.send(world.message("summary", sender=MANAGER, nick=BAIT))  # "answered privately, NICK"
    answers = world.answers()
    named = [a for a in answers if "点我领取年终奖" in a]
    assert len(named) >= 2
    assert not any(_live_markup(a) for a in answers), named


def test_a_dingtalk_command_argument_with_a_link_stays_text(world: DingTalkWorld) -> None:
    world.send(world.message(f"summary {BAIT}", sender=MANAGER))
    world.send(world.message(f"today {BAIT}", sender=MANAGER))
    answers = world.answers()
    assert any("点我领取年终奖" in a for a in answers)
    assert not any(_live_markup(a) for a in answers)


def test_a_dingtalk_group_title_with_markup_stays_text(world: DingTalkWorld) -> None:
    world.post_today()
    body = world.message(STORY, at=(NOMINEE,))
    body["conversationTitle"] = BAIT
    world.send(body)
    notices = world.private_answers(NOMINEE)
    assert notices and "点我领取年终奖" in notices[0] and not _live_markup(notices[0])
