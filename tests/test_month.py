"""Issue 14's "done when": a team's month on Slack and DingTalk, through a real
`values-bot run --http` process serving both, the fake Slack and DingTalk APIs, signed requests
and the CLI. November 2026's twenty workdays each had a post; people reply as people do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from bot.cli import main
from bot.core.permissions import Role
from storage.repository import open_repository
from tests.dingtalk.conftest import ADMIN as DT_ADMIN
from tests.dingtalk.conftest import CLIENT_ID, CLIENT_SECRET, ROBOT_ID, signed
from tests.dingtalk.conftest import MEMBER as DT_MEMBER
from tests.dingtalk.conftest import NOMINEE as DT_NOMINEE
from tests.dingtalk.conftest import sample as dingtalk_sample
from tests.fake_dingtalk import ROBOT_CODE, FakeDingTalk
from tests.fake_slack import TEAM, FakeSlack
from tests.serving import running_bot
from tests.slack.conftest import (
    ADMIN,
    MANAGER,
    MEMBER,
    NOMINEE,
    OTHER,
    SECRET,
    TOKEN,
    signed_headers,
)
from tests.slack.conftest import sample as slack_sample

pytestmark = pytest.mark.slow
CHANNEL, GROUP = "C0MONTH", "cidMonthGroup=="
SHANGHAI = timedelta(hours=8)
WORKDAYS = [date(2026, 11, 2) + timedelta(days=i) for i in range(26)]
WORKDAYS = [d for d in WORKDAYS if d.weekday() < 5][:20]
TEAMWORK_DAY = WORKDAYS[5]
STORIES = [  # long ones, as real appraisal evidence often is: twenty of them fill pages
    f"第{i + 1}周的版本发布前，他主动把客户反馈的{i + 3}个问题逐一复现、修好，并回电告知了客户。"
    + "".join(
        f"第{k + 1}个问题他先查日志、再复现、最后写了回归测试并请客户确认；" for k in range(25)
    )
    for i in range(20)
]
NOT_NOMINATIONS = [
    "又迟到了…太不专业了，害得大家等了半个小时",
    "能把今天会议的纪要发我吗？",
    "+1",
    "👍👍👍👍👍👍👍👍👍👍👍",
]
MIXED = "虽然他上周开会又迟到了，但是这次主动帮我把客户的方案改完了，客户很满意"
CUSTOMER = "客户打电话来投诉发货延迟，语气很冲，他一直微笑着听完，当天就帮客户查到物流并解决了问题"


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - SHANGHAI


def _criterion(day: date) -> str:
    if day == TEAMWORK_DAY or day not in WORKDAYS:
        return "teamwork:1"
    return f"customer-first:{1 + WORKDAYS.index(day) % 5}"


@pytest.fixture
def fake_dingtalk() -> Iterator[FakeDingTalk]:
    fake = FakeDingTalk().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def month(sqlite_url: str, fake_slack: FakeSlack, fake_dingtalk: FakeDingTalk) -> dict[str, Any]:
    """The month as the scheduler left it: a post each workday in both places."""
    repo = open_repository(sqlite_url)
    now = datetime.now(UTC)
    for platform, workspace, channel in (("slack", TEAM, CHANNEL), ("dingtalk", ROBOT_CODE, GROUP)):
        sub = repo.subscriptions.save(
            platform=platform, workspace=workspace, channel=channel, post_at="09:30",
            timezone="Asia/Shanghai", country="CN", days_off=frozenset(), now=now,
        )  # fmt: skip
        today = (now + SHANGHAI).date()  # DingTalk messages are signed as they are said: today
        for day in WORKDAYS + ([today] if platform == "dingtalk" else []):
            post = repo.posts.claim(
                subscription_id=sub.id, local_date=day, pick=lambda _c, d=day: _criterion(d),
                claimed_by="month", lease_until=now + timedelta(minutes=5),
            )  # fmt: skip
            assert post is not None
            stamp = f"{_at(day, 9, 30).timestamp():.6f}"
            repo.posts.mark_posted(post_id=post.id, message_id=stamp, at=_at(day, 9, 30))
    repo.governance.grant(
        person=f"slack:{MANAGER}", role=Role.MANAGER, channel=f"slack:{CHANNEL}", by="t", now=now
    )
    repo.close()
    return {
        "DATABASE_URL": sqlite_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DINGTALK_CLIENT_ID": CLIENT_ID,
        "DINGTALK_CLIENT_SECRET": CLIENT_SECRET,
        "DINGTALK_ROBOT_CODE": ROBOT_CODE,
        "DINGTALK_API_URL": fake_dingtalk.url,
        "BOT_ADMINS": f"slack:{ADMIN},dingtalk:{DT_ADMIN}",
        "BOT_LOCALE": "zh",
        "BOT_TICK_SECONDS": "1",
        "SLACK_APP_TOKEN": "",
    }


class Team:
    """What Slack and DingTalk would send the running bot, signed."""

    def __init__(self, base: str, slack: FakeSlack, dingtalk: FakeDingTalk) -> None:
        self.base, self.slack, self.dingtalk = base, slack, dingtalk
        self.http = httpx.Client(timeout=10)
        self.n = 0

    def _slack(self, raw: str, kind: str = "application/json") -> httpx.Response:
        answer = self.http.post(
            f"{self.base}/slack/events", content=raw, headers=signed_headers(raw, kind=kind)
        )
        assert answer.status_code == 200, answer.text
        return answer

    def reply(self, day: date, user: str, nominee: str, text: str) -> str:
        """A thread reply under the day's post; returns its ts."""
        self.n += 1
        body = json.loads(json.dumps(slack_sample("event_thread_reply_in_channel.json")))
        stamp = f"{_at(day, 10).timestamp() + self.n:.6f}"
        body["event"] |= {
            "user": user, "text": f"<@{nominee}> {text}", "ts": stamp, "event_ts": stamp,
            "thread_ts": f"{_at(day, 9, 30).timestamp():.6f}", "channel": CHANNEL,
        }  # fmt: skip
        body["event_id"] = f"EvMonth{self.n}"
        self._slack(json.dumps(body))
        return stamp

    def command(self, user: str, text: str) -> None:
        fields = {
            "team_id": TEAM, "channel_id": CHANNEL, "user_id": user, "command": "/values",
            "text": text, "response_url": f"{self.slack.url}respond/{user}-{self.n}",
        }  # fmt: skip
        self.n += 1
        self._slack(urlencode(fields), "application/x-www-form-urlencoded")

    def press(self, user: str, element: dict[str, Any], option: int | None = None) -> None:
        action = {"action_id": element["action_id"], "block_id": "b", "action_ts": "1.2"}
        if option is None:
            action |= {"type": "button", "value": element["value"]}
        else:
            action |= {"type": "static_select", "selected_option": element["options"][option]}
        payload = {
            "type": "block_actions", "team": {"id": TEAM}, "user": {"id": user},
            "channel": {"id": CHANNEL}, "api_app_id": "A1", "trigger_id": "1.2",
            "container": {"type": "message", "channel_id": CHANNEL},
            "response_url": f"{self.slack.url}respond/press-{self.n}", "actions": [action],
        }  # fmt: skip
        self.n += 1
        self._slack(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    def group(self, sender: str, text: str, at: tuple[str, ...] = ()) -> None:
        """A DingTalk group message, said and signed now (DingTalk refuses a body whose
        createAt is far from its signature's time: no back-dating here)."""
        self.n += 1
        body = dingtalk_sample("http_callback_group_at_message.json")
        said_ms = int(time.time() * 1000)
        body |= {
            "conversationId": GROUP, "conversationType": "2", "chatbotUserId": ROBOT_ID,
            "msgId": f"msgMonth{self.n}==", "senderStaffId": sender, "senderNick": "李四",
            "createAt": said_ms, "robotCode": ROBOT_CODE,
            "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=x",
            "sessionWebhookExpiredTime": int(time.time() * 1000) - 1,
            "text": {"content": text},
            "atUsers": [{"dingtalkId": ROBOT_ID}]
            + [{"dingtalkId": f"$:LWCP_v1:${s}", "staffId": s} for s in at],
        }  # fmt: skip
        raw = json.dumps(body, ensure_ascii=False).encode()
        answer = self.http.post(
            f"{self.base}/dingtalk/events",
            content=raw,
            headers=signed(now_ms=int(time.time() * 1000)),
        )
        assert answer.status_code == 200, answer.text


def _ephemeral(slack: FakeSlack, count: int) -> dict[str, Any]:
    return slack.wait_for("chat.postEphemeral", count)[-1].params


def _elements(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    blocks = message["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return {
        e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b.get("elements", [])
    }


def _group_texts(dingtalk: FakeDingTalk) -> list[str]:
    return dingtalk.texts(dingtalk.group_messages(GROUP))


def _wait(predicate: Any, what: str, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"waited in vain for {what}")


def test_a_team_month(month, fake_slack, fake_dingtalk, monkeypatch, capsys):
    for name, value in month.items():
        monkeypatch.setenv(name, value)
    with running_bot(month) as (base, _process):
        team = Team(base, fake_slack, fake_dingtalk)
        ephemerals = 0

        # every workday, MEMBER tells a real story about NOMINEE: twenty cases
        for day, story in zip(WORKDAYS, STORIES, strict=True):
            team.reply(day, MEMBER, NOMINEE, story)
        ephemerals += 20
        _ephemeral(fake_slack, ephemerals)

        # what is plainly no nomination is not recorded, and OTHER is told nothing
        for text in NOT_NOMINATIONS:
            team.reply(WORKDAYS[1], MEMBER, OTHER, text)
        ephemerals += 4
        refusals = [c.params["text"] for c in fake_slack.wait_for("chat.postEphemeral", ephemerals)]
        assert sum("批评" in t for t in refusals) == 1 and sum("问题" in t for t in refusals) >= 1
        assert sum("故事太短了" in t for t in refusals) == 2

        # a doubtful reply is recorded only once its author presses [Record]
        team.reply(WORKDAYS[2], MEMBER, OTHER, MIXED)
        ephemerals += 1
        asked = _ephemeral(fake_slack, ephemerals)
        assert "要把它记录为" in asked["text"]
        team.press(MEMBER, _elements(asked)["values_case_record"])
        _wait(
            lambda: any(
                c.params.get("channel") == OTHER for c in fake_slack.of("chat.postMessage")
            ),
            "OTHER's notice",
        )

        # a customer story on the teamwork day is offered 客户第一
        team.reply(TEAMWORK_DAY, OTHER, MEMBER, CUSTOMER)
        ephemerals += 1
        offered = _ephemeral(fake_slack, ephemerals)
        assert "读起来更像 客户第一" in offered["text"]
        team.press(OTHER, _elements(offered)["values_case_move_to"])  # moved, audited

        # a slip undone with [Undo]
        team.reply(
            WORKDAYS[3], OTHER, ADMIN, "帮忙把会议室的投影仪修好了，会议准时开始，客户很满意"
        )
        ephemerals += 1
        team.press(OTHER, _elements(_ephemeral(fake_slack, ephemerals))["values_case_undo"])

        # DingTalk: criticism refused, a doubt confirmed with 记录, a case withdrawn with 撤回
        team.group(DT_MEMBER, f"@王五 {NOT_NOMINATIONS[0]}", at=(DT_NOMINEE,))
        team.group(DT_MEMBER, f"@王五 {MIXED}", at=(DT_NOMINEE,))
        _wait(lambda: any("要把它记录为" in t for t in _group_texts(fake_dingtalk)), "the question")
        team.group(DT_MEMBER, "记录")
        team.group(DT_MEMBER, f"@王五 {CUSTOMER}", at=(DT_NOMINEE,))
        team.group(DT_MEMBER, "改到 诚信 4")
        _wait(lambda: any("诚信 第 4 分" in t for t in _group_texts(fake_dingtalk)), "the move")
        team.group(DT_MEMBER, f"@王五 {STORIES[0]}", at=(DT_NOMINEE,))
        team.group(DT_MEMBER, "撤回")
        _wait(lambda: any("不再计入" in t for t in _group_texts(fake_dingtalk)), "the undo")
        assert sum("读起来是批评" in t for t in _group_texts(fake_dingtalk)) == 1
        dingtalk_told = fake_dingtalk.direct_messages(DT_NOMINEE)
        assert all("太不专业" not in t for t in fake_dingtalk.texts(dingtalk_told))

        # the manager hides one of OTHER's cases with a reason; its author is told
        repo = open_repository(month["DATABASE_URL"])
        about_other = [
            c
            for c in repo.cases.listing(starts_on=WORKDAYS[0], ends_on=WORKDAYS[-1])
            if c.nominee == f"slack:{OTHER}"
        ]
        team.command(MANAGER, f"hide c{about_other[0].id} 与另一条案例重复")
        _wait(
            lambda: any(
                c.params.get("channel") == MEMBER and "与另一条案例重复" in str(c.params)
                for c in fake_slack.of("chat.postMessage")
            ),
            "the author's notice",
        )

        # the manager pages through all twenty of NOMINEE's cases
        seen: set[str] = set()
        answered = len(fake_slack.of("respond")) + 1
        team.command(MANAGER, f"summary <@{NOMINEE}>")
        page, number = fake_slack.wait_for("respond", answered)[-1].params, 1
        while True:
            seen |= {s for s in STORIES if s in json.dumps(page, ensure_ascii=False)}
            following = [
                e for a, e in _elements(page).items()
                if a.startswith("values_page_") and json.loads(e["value"])["p"] == number + 1
            ]  # fmt: skip
            if not following:
                break
            team.press(MANAGER, following[0])
            answered += 1
            page, number = fake_slack.wait_for("respond", answered)[-1].params, number + 1
        assert seen == set(STORIES) and number > 1  # every one of the twenty, page by page

        # the team's summary names who took part but has no counted case: OTHER, whose one
        # case is hidden; nobody was told of the four replies that were no nominations
        team.command(MANAGER, "summary")
        answered += 1
        everyone = json.dumps(
            fake_slack.wait_for("respond", answered)[-1].params, ensure_ascii=False
        )
        assert "参与了" in everyone and f"<@{OTHER}>" in everyone.split("参与了", 1)[1]
        told_other = [
            str(c.params.get("text")) for c in fake_slack.of("chat.postMessage")
            if c.params.get("channel") == OTHER
        ]  # fmt: skip
        assert len(told_other) == 1 and "虽然" in told_other[0]  # the confirmed one only

        audit = [e.action for e in repo.governance.audit_log(limit=500)]
        assert {"case_withdraw", "case_move", "case_hide"} <= set(audit)
        repo.close()

    # switching the pack is refused at start until the cases are mapped
    refused = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--http", "--port", "0"],
        env=os.environ | month | {"BOT_RUBRIC": "jd-customer-first"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2 and "rubric migrate" in refused.stderr
    monkeypatch.setenv("BOT_RUBRIC", "jd-customer-first")
    assert main(["rubric", "check", "--database"]) == 1
    assert "alibaba-six-vein" in capsys.readouterr().out
