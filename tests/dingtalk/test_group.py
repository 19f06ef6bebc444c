"""In a DingTalk group: the daily post, @bot @colleague nominations, refusals, subscriptions."""

from __future__ import annotations

import pytest

from tests.dingtalk.conftest import ADMIN, GROUP, MEMBER, NOMINEE, OTHER, DingTalkWorld
from tests.fake_dingtalk import ROBOT_CODE

STORY = "@王五 昨晚客户系统故障，他主动通宵排查并在早上七点前恢复了服务"


def test_the_daily_post_goes_out_as_markdown_through_the_openapi(world: DingTalkWorld) -> None:
    world.post_today()
    [call] = world.fake.group_messages(GROUP)
    assert call.body["robotCode"] == ROBOT_CODE and call.body["msgKey"] == "sampleMarkdown"
    assert call.token.startswith("token-")
    text = call.param["text"]
    assert "### 📌 今日价值观" in text and "@机器人 @同事 + 案例" in text
    assert "|" not in text.replace("\\|", "")  # no tables in DingTalk markdown
    assert call.param["title"].startswith("今日价值观")


def test_a_nomination_becomes_evidence_and_is_confirmed_in_the_group(
    world: DingTalkWorld,
) -> None:
    world.post_today()
    world.fake.names[NOMINEE] = "王五"
    response = world.send(world.message(STORY, at=(NOMINEE,), nick="李四"))
    assert response.status_code == 200
    # stored before DingTalk got its answer
    assert world.evidence() == [
        (
            f"dingtalk:{NOMINEE}",
            f"dingtalk:{MEMBER}",
            "昨晚客户系统故障，他主动通宵排查并在早上七点前恢复了服务",
        )
    ]
    world.settle()
    [reply] = world.answers(private=False)
    assert "李四" in reply and "王五" in reply and "已记录" in reply
    [notice] = world.fake.direct_messages(NOMINEE)
    assert "李四" in notice.param["text"] and "通宵排查" in notice.param["text"]
    assert world.repo.people.names([f"dingtalk:{MEMBER}", f"dingtalk:{NOMINEE}"]) == {
        f"dingtalk:{MEMBER}": "李四",
        f"dingtalk:{NOMINEE}": "王五",
    }


def test_the_same_msg_id_twice_changes_nothing_and_confirms_once(world: DingTalkWorld) -> None:
    world.post_today()
    body = world.message(STORY, at=(NOMINEE,))
    assert world.send(body).status_code == 200
    assert world.send(body).status_code == 200
    world.settle()
    assert len(world.evidence()) == 1
    assert len(world.answers(private=False)) == 1


def test_a_restarted_bot_still_stores_a_repeated_msg_id_once(world: DingTalkWorld) -> None:
    world.post_today()
    body = world.message(STORY, at=(NOMINEE,))
    world.send(body)
    world.bot.robot.seen.clear()  # as after a restart: only the database remembers
    world.send(body)
    world.settle()
    assert len(world.evidence()) == 1
    assert len(world.answers(private=False)) == 1  # the second delivery stays quiet


def test_the_robot_itself_is_not_a_nominee(world: DingTalkWorld) -> None:
    world.post_today()
    world.send(world.message(STORY, at=(NOMINEE, OTHER)))
    assert {nominee for nominee, _, _ in world.evidence()} == {
        f"dingtalk:{NOMINEE}",
        f"dingtalk:{OTHER}",
    }


@pytest.mark.parametrize(
    ("text", "at", "sender", "expected"),
    [
        ("@李四 我自己昨天加班把客户的问题全解决了", (MEMBER,), MEMBER, "不能提名自己"),
        ("@王五 好", (NOMINEE,), MEMBER, "故事太短"),
        ("昨天有同事帮客户解决了一个很棘手的问题", (), MEMBER, "没有看到被提名的同事"),
    ],
)
def test_refusals_are_answered_in_the_group_and_store_nothing(
    world: DingTalkWorld, text: str, at: tuple[str, ...], sender: str, expected: str
) -> None:
    world.post_today()
    assert world.send(world.message(text, at=at, sender=sender)).status_code == 200
    world.settle()
    assert world.evidence() == []
    [reply] = world.answers()
    assert expected in reply


def test_a_group_without_a_post_is_told_so(world: DingTalkWorld) -> None:
    world.send(world.message(STORY, at=(NOMINEE,)))
    world.settle()
    assert world.evidence() == []
    assert "还没有价值观帖子" in world.answers()[0]


def test_a_nomination_counts_on_the_next_workday_but_not_later(world: DingTalkWorld) -> None:
    world.post_today()  # Monday 2026-11-23
    world.clock.advance(days=1)  # Tuesday: the next workday
    world.send(world.message(STORY, at=(NOMINEE,)))
    assert len(world.evidence()) == 1
    world.clock.advance(days=1)  # Wednesday: Monday's post is too old to guess at
    world.send(world.message(STORY, at=(OTHER,)))
    world.settle()
    assert len(world.evidence()) == 1
    # the answers go out on a worker pool: the refusal may arrive before the first thanks
    assert any("2026-11-23" in answer for answer in world.answers(private=False))


def test_a_friday_post_still_takes_nominations_over_the_weekend_and_monday(
    world: DingTalkWorld,
) -> None:
    world.clock.advance(days=4)  # Friday 2026-11-27
    world.post_today()
    world.clock.advance(days=2)  # Sunday
    world.send(world.message(STORY, at=(NOMINEE,)))
    world.clock.advance(days=1)  # Monday, no new post yet
    world.send(world.message(STORY, at=(OTHER,)))
    assert len(world.evidence()) == 2


def test_rich_text_is_read_and_pictures_are_politely_ignored(world: DingTalkWorld) -> None:
    world.post_today()
    body = world.message("", at=(NOMINEE,))
    del body["text"]
    body["msgtype"] = "richText"
    body["content"] = {
        "richText": [
            {"text": "@王五 客户凌晨来电，"},
            {"type": "picture", "downloadCode": "abc", "pictureDownloadCode": "def"},
            {"text": "他十分钟内就给出了解决方案并跟进到底"},
        ]
    }
    world.send(body)
    assert [story for _, _, story in world.evidence()] == [
        "客户凌晨来电， 他十分钟内就给出了解决方案并跟进到底"
    ]
    picture = world.message("", at=(NOMINEE,))
    del picture["text"]
    picture["msgtype"] = "picture"
    picture["content"] = {"downloadCode": "xyz"}
    assert world.send(picture).status_code == 200
    world.settle()
    assert len(world.evidence()) == 1
    assert any("只能读文字" in text for text in world.answers())


def test_a_quoted_reply_is_read_by_its_own_text(world: DingTalkWorld) -> None:
    world.post_today()
    body = world.message("@王五 在客户投诉后当天就上门道歉并给出了补偿方案", at=(NOMINEE,))
    body["text"] |= {
        "isReplyMsg": True,
        "repliedMsg": {"msgId": "msgOld", "msgType": "text", "content": {"text": "原消息"}},
    }
    world.send(body)
    assert [story for _, _, story in world.evidence()] == [
        "在客户投诉后当天就上门道歉并给出了补偿方案"
    ]


def test_admins_subscribe_a_group_by_writing_to_the_robot(world: DingTalkWorld) -> None:
    world.send(world.message("subscribe 09:45", sender=MEMBER))
    world.send(world.message("subscribe 09:45", sender=ADMIN))
    world.settle()
    replies = world.answers()
    assert "只有管理员" in replies[0]
    assert "09:45" in replies[1]
    sub = world.repo.subscriptions.get(platform="dingtalk", workspace=ROBOT_CODE, channel=GROUP)
    assert sub is not None and sub.post_at == "09:45"
    world.send(world.message("取消订阅", sender=ADMIN))
    sub = world.repo.subscriptions.get(platform="dingtalk", workspace=ROBOT_CODE, channel=GROUP)
    assert sub is not None and not sub.active


def test_an_expired_session_webhook_falls_back_to_the_openapi(world: DingTalkWorld) -> None:
    world.post_today()
    world.send(world.message(STORY, at=(NOMINEE,), session_minutes=-1))
    world.settle()
    assert world.fake.session_replies() == []
    confirmations = world.fake.group_messages(GROUP)[1:]  # after the daily post
    assert len(confirmations) == 1 and "已记录" in confirmations[0].param["text"]


def test_a_session_webhook_on_a_foreign_host_is_never_called(world: DingTalkWorld) -> None:
    world.post_today()
    body = world.message(STORY, at=(NOMINEE,))
    body["sessionWebhook"] = "http://169.254.169.254/latest/meta-data"
    world.send(body)
    world.settle()
    assert len(world.fake.group_messages(GROUP)) == 2  # the post, then the confirmation


def test_nominee_notices_can_be_switched_off(world: DingTalkWorld) -> None:
    world.post_today(notify_nominees=False)
    world.send(world.message(STORY, at=(NOMINEE,)))
    world.settle()
    assert world.fake.direct_messages() == []


def test_a_delivery_that_failed_midway_can_be_delivered_again(world: DingTalkWorld) -> None:
    world.post_today()
    body = world.message(STORY, at=(NOMINEE,))
    real = world.runtime.service.handle
    calls = []

    def failing_once(incoming):  # type: ignore[no-untyped-def]
        calls.append(incoming)
        if len(calls) == 1:
            raise OSError("the database went away")
        return real(incoming)

    world.runtime.service.handle = failing_once  # type: ignore[method-assign]
    assert world.send(body).status_code == 503  # DingTalk delivers it again
    assert world.evidence() == []
    assert world.send(body).status_code == 200
    assert len(world.evidence()) == 1
