"""Commands: help and today anywhere; me, summary and export only one-to-one."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from bot.core.messages import Place
from bot.platforms.dingtalk.translate import person
from tests.dingtalk.conftest import (
    ADMIN,
    GROUP,
    MANAGER,
    MEMBER,
    NOMINEE,
    DingTalkWorld,
)
from tests.fake_dingtalk import ROBOT_CODE

STORY = "@王五 客户的订单出错后，他当天下午就上门道歉并重新安排了发货"


def nominate(world: DingTalkWorld, nominee: str = NOMINEE, story: str = STORY) -> None:
    assert world.send(world.message(story, at=(nominee,))).status_code == 200


def test_summary_one_to_one_answers_with_the_summary(world: DingTalkWorld) -> None:
    world.post_today()
    world.fake.names[NOMINEE] = "王五"
    nominate(world)
    world.settle()
    world.send(
        world.message(
            "summary", sender=MANAGER, nick="赵主管", group=False, conversation="cidDirect1"
        )
    )
    world.settle()
    answer = world.answers()[-1]
    assert "价值观案例汇总" in answer and "王五" in answer and "上门道歉" in answer
    [entry] = [e for e in world.repo.governance.audit_log() if e.action == "summary"]
    assert entry.actor == person(MANAGER) and person(NOMINEE) in entry.subjects


def test_summary_asked_in_the_group_is_answered_privately(world: DingTalkWorld) -> None:
    world.post_today()
    nominate(world)
    world.settle()
    before = len(world.fake.group_messages(GROUP))
    world.send(world.message("summary", sender=MANAGER, nick="赵主管"))
    world.settle()
    group_texts = world.answers(private=False)
    assert "已经私信你了" in group_texts[-1] and "赵主管" in group_texts[-1]
    assert all("上门道歉" not in text for text in group_texts)
    assert len(world.fake.group_messages(GROUP)) == before + 1  # only the notice, in the group
    [private] = world.fake.direct_messages(MANAGER)
    assert "上门道歉" in private.param["text"]


def test_a_member_cannot_read_a_summary_but_sees_their_own_cases(world: DingTalkWorld) -> None:
    world.post_today()
    nominate(world)
    world.settle()
    world.send(world.message("summary", sender=MEMBER, group=False, conversation="cidDirect2"))
    world.send(world.message("我的", sender=NOMINEE, group=False, conversation="cidDirect3"))
    world.settle()
    texts = world.answers()
    assert any("只有主管和管理员" in t for t in texts)
    assert any("关于你的案例" in t and "上门道歉" in t for t in texts)
    assert all(not ("上门道歉" in t and "汇总" in t) for t in texts)


def test_help_today_and_a_bare_mention(world: DingTalkWorld) -> None:
    world.post_today()
    world.send(world.message(" "))
    world.send(world.message("today"))
    world.send(world.message("/values help", group=False, conversation="cidDirect4"))
    world.send(world.message("今天", group=False, conversation="cidDirect5"))
    world.settle()
    texts = world.answers()
    assert sum("values-bot 用法" in t for t in texts) == 2
    assert sum("今日价值观" in t for t in texts) == 2
    assert all("/values help" not in t for t in texts)


def test_one_to_one_messages_that_are_not_commands_get_a_hint(world: DingTalkWorld) -> None:
    world.send(world.message(STORY, group=False, conversation="cidDirect6"))
    world.send(
        world.message("subscribe 09:30", sender=ADMIN, group=False, conversation="cidDirect7")
    )
    world.settle()
    texts = world.answers()
    assert any("提名要在群里发" in t for t in texts)
    assert any("订阅要在群里发" in t for t in texts)
    assert world.repo.subscriptions.list() == []


def _many_cases(world: DingTalkWorld, count: int) -> list[str]:
    world.post_today()
    post = world.repo.posts.latest(platform="dingtalk", workspace=ROBOT_CODE, channel=GROUP)
    assert post is not None
    story = "在客户现场连续三天驻守，逐条核对需求并把每一次沟通都整理成纪要发给团队。" * 12
    people = [f"07{n:04d}" for n in range(count)]
    for n, staff in enumerate(people):
        world.repo.evidence.record(
            place=Place("dingtalk", ROBOT_CODE, GROUP),
            message_id=f"msgBulk{n}",
            nominees=(person(staff),),
            nominator=person(MEMBER),
            daily_post_id=post.id,
            criterion_key=post.criterion_key,
            story=story,
            link="",
            nominated_on=world.clock.now().date(),
            now=world.clock.now(),
        )
    return people


def test_a_long_summary_is_split_into_messages_within_the_limit(world: DingTalkWorld) -> None:
    people = _many_cases(world, 20)
    world.send(world.message("summary", sender=ADMIN, group=False, conversation="cidDirect8"))
    world.settle()
    parts = world.fake.direct_messages(ADMIN)  # one-to-one through the OpenAPI, never a session
    assert 1 < len(parts) <= 5 and world.fake.session_replies() == []
    for part in parts:
        assert len(part.body["msgParam"].encode()) <= 15_000
    text = "\n".join(world.fake.texts(parts))
    assert all(staff in text for staff in people)  # every person reached, nothing cut
    assert f"（1/{len(parts)}）" in world.fake.texts(parts)[0]


def test_a_summary_longer_than_five_messages_comes_as_one_spreadsheet(world: DingTalkWorld) -> None:
    people = _many_cases(world, 60)
    world.send(world.message("summary", sender=ADMIN, group=False, conversation="cidDirect8"))
    world.settle()
    sent = world.fake.direct_messages(ADMIN)
    [file_message] = [m for m in sent if "mediaId" in m.param]
    assert file_message.param["fileType"] == "xlsx" and len(sent) == 2
    assert any("60 人" in t and "表格" in t for t in world.fake.texts(sent))
    book = load_workbook(io.BytesIO(world.fake.files[file_message.param["mediaId"]]))
    totals = [row[0].value for row in book.worksheets[0].iter_rows(min_row=2)]
    assert totals == sorted(totals) or set(totals) == {person(p) for p in people}
    assert set(totals) == {person(p) for p in people}


def test_export_sends_a_spreadsheet_one_to_one_to_an_admin_only(world: DingTalkWorld) -> None:
    world.post_today()
    nominate(world)
    world.settle()
    world.send(world.message("export", sender=MEMBER, group=False, conversation="cidDirect9"))
    world.send(
        world.message("导出", sender=ADMIN, nick="HR", group=False, conversation="cidDirectA")
    )
    world.settle()
    texts = world.answers()
    assert any("只有主管" in t for t in texts)
    assert any("已发给你" in t and "1 条案例" in t for t in texts)
    [upload] = world.fake.of("/media/upload")
    [media] = [
        m.param["mediaId"] for m in world.fake.direct_messages(ADMIN) if "mediaId" in m.param
    ]
    book = load_workbook(io.BytesIO(world.fake.files[media]))
    cells = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert any(isinstance(v, str) and "上门道歉" in v for v in cells)
    assert [s.title for s in book.worksheets] == ["案例", "每人汇总"]
    assert upload.query["type"] == "file"
    [file_message] = [m for m in world.fake.direct_messages(ADMIN) if "mediaId" in m.param]
    assert file_message.body["msgKey"] == "sampleFile"
    assert any(
        e.action == "export" and e.actor == person(ADMIN) for e in world.repo.governance.audit_log()
    )


def test_names_come_from_the_message_and_a_cached_lookup(world: DingTalkWorld) -> None:
    world.post_today()
    world.fake.names[NOMINEE] = "王五"
    nominate(world)
    nominate(world, story=STORY.replace("当天下午", "当天上午"))
    world.settle()
    assert len(world.fake.of("/topapi/v2/user/get")) == 1  # asked once, then remembered
    assert world.repo.people.names([person(NOMINEE)]) == {person(NOMINEE): "王五"}
    texts = world.answers()
    assert sum("王五" in t for t in texts) == 2


def test_forgetting_a_person_also_forgets_their_name(world: DingTalkWorld) -> None:
    world.post_today()
    world.fake.names[NOMINEE] = "王五"
    nominate(world)
    world.settle()
    world.runtime.service.reading.forget(person(ADMIN), person(NOMINEE))
    assert world.repo.people.names([person(NOMINEE)]) == {}
    assert world.evidence() == []


def test_values_web_in_the_group_sends_the_link_one_to_one(world: DingTalkWorld) -> None:
    world.runtime.service.signin.public_url = "https://values.example.com"
    world.post_today()
    before = len(world.fake.group_messages(GROUP))

    world.send(world.message("web", sender=MEMBER))
    world.send(world.message("网页版", sender=MEMBER))
    world.settle()

    group = world.fake.group_messages(GROUP)[before:]
    assert group and all("signin?t=" not in str(m.param) for m in group)
    links = [m.param["text"] for m in world.fake.direct_messages(MEMBER)]
    assert len(links) == 2
    tokens = [re.search(r"/app/signin\?t=(\S+)", text)[1] for text in links]  # type: ignore[index]
    assert all("https://values.example.com/app/signin?t=" in text for text in links)
    assert tokens[0] != tokens[1]  # a new link each time
    assert all(re.fullmatch(r"[0-9a-f]{64}", t) for t in tokens)  # nothing markdown would escape
