"""A case's commands in a DingTalk group (issue 14): `@机器人 记录` confirms what the bot asked
about, `撤回` withdraws, `改到 诚信 3` moves; managers hide one privately to its author."""

from __future__ import annotations

from bot.core.permissions import Role
from bot.platforms.dingtalk.translate import person
from tests.dingtalk.conftest import GROUP, MANAGER, MEMBER, NOMINEE, DingTalkWorld

STORY = "@王五 客户的订单出错后，他当天下午就上门道歉并重新安排了发货"
MIXED = "@王五 虽然他上周开会又迟到了，但是这次主动帮我把客户的方案改完了"


def say(world: DingTalkWorld, text: str, **fields: object) -> None:
    at = (NOMINEE,) if text.startswith("@王五") else ()
    assert world.send(world.message(text, at=at, **fields)).status_code == 200  # type: ignore[arg-type]
    world.settle()


def test_the_bot_asks_and_record_confirms(world: DingTalkWorld) -> None:
    world.post_today()
    say(world, MIXED)
    asked = world.answers()[-1]
    assert "要把它记录为" in asked and "@机器人 记录" in asked
    assert world.evidence() == []
    assert not world.fake.direct_messages(NOMINEE)

    say(world, "记录")

    assert "已记录" in world.answers(private=False)[-1]
    assert [e[0] for e in world.evidence()] == [person(NOMINEE)]
    assert world.fake.direct_messages(NOMINEE)  # told once it counts


def test_every_recorded_case_says_how_to_withdraw_it_and_undo_does(world: DingTalkWorld) -> None:
    world.post_today()
    say(world, STORY)
    ack = world.answers(private=False)[-1]
    assert "撤回：@机器人 撤回" in ack and "改到" in ack

    say(world, "撤回")

    assert "不再计入" in world.answers(private=False)[-1]
    assert world.evidence() == []
    assert any(e.action == "case_withdraw" for e in world.repo.governance.audit_log())


def test_move_and_a_managers_hide_reach_the_author(world: DingTalkWorld) -> None:
    world.post_today()
    say(world, STORY)
    say(world, "改到 诚信 4")
    assert "诚信 第 4 分" in world.answers(private=False)[-1]

    world.repo.governance.grant(
        person=person(MANAGER),
        role=Role.MANAGER,
        channel=f"dingtalk:{GROUP}",
        by="t",
        now=world.clock.now(),
    )
    [case] = world.repo.cases.listing(
        starts_on=world.clock.now().date().replace(day=1), ends_on=world.clock.now().date()
    )
    say(world, f"隐藏 c{case.id} 重复提交", sender=MANAGER, nick="赵主管")

    assert "从考核中隐藏" in world.answers(private=False)[-1]
    told = world.private_answers(MEMBER)
    assert any("重复提交" in text and f"c{case.id}" in text for text in told)
    assert world.evidence() == []


def test_a_story_told_after_its_posts_day_is_kept_and_recorded_on_request(
    world: DingTalkWorld,
) -> None:
    world.post_today()  # Monday 2026-11-23
    world.clock.advance(days=2)  # Wednesday: Monday's post no longer takes nominations
    say(world, STORY)

    held = world.answers(private=False)[-1]
    assert "2026-11-23" in held and "故事先替你留着" in held and "@机器人 记录" in held
    assert world.evidence() == [] and not world.fake.direct_messages(NOMINEE)

    say(world, "记录")  # nobody types the story again

    assert world.evidence() == [(person(NOMINEE), person(MEMBER), STORY[4:])]
    [case] = world.repo.cases.listing(
        starts_on=world.clock.now().date().replace(day=1), ends_on=world.clock.now().date()
    )
    assert case.nominated_on.isoformat() == "2026-11-25"  # the day it was told


def test_a_story_kept_for_a_post_of_a_closed_quarter_is_refused_instead(
    world: DingTalkWorld,
) -> None:
    world.clock.set(world.clock.now().replace(month=12, day=31))
    world.post_today()
    world.clock.advance(days=5)  # January: another quarter
    say(world, STORY)

    assert "提名只在当天和下一个工作日内有效" in world.answers(private=False)[-1]
    assert (
        world.repo.cases.listing(
            starts_on=world.clock.now().date().replace(month=1, day=1),
            ends_on=world.clock.now().date(),
        )
        == []
    )


def test_a_story_told_before_the_first_post_is_offered_when_the_post_is_out(
    world: DingTalkWorld,
) -> None:
    from bot.app.notices import send_notices

    world.subscribe()  # subscribed, nothing posted yet
    say(world, STORY)
    assert "故事先替你留着" in world.answers(private=False)[-1]
    assert world.evidence() == []

    world.post_today()  # the post is out: the story waits under it for its author's word
    assert world.evidence() == []
    sent = send_notices(world.repo, world.clock, {"dingtalk": world.bot.tell})
    assert sent == 1
    [offer] = world.private_answers(MEMBER)
    assert "可以记在新帖子" in offer and "上门道歉" in offer

    say(world, "记录")

    assert world.evidence() == [(person(NOMINEE), person(MEMBER), STORY[4:])]
    assert send_notices(world.repo, world.clock, {"dingtalk": world.bot.tell}) == 0  # once
