"""The DingTalk harness: the real HTTP callback endpoint and bot, a fake DingTalk OpenAPI.

Callbacks are built from the sample bodies in ../shared/design/samples/dingtalk/ (copied into
tests/dingtalk/samples/ so a clone runs alone) and signed exactly as DingTalk signs them.
"""

from __future__ import annotations

import copy
import itertools
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.cli.run import web_app
from bot.config import Settings
from bot.core.model import Subscription
from bot.core.permissions import Role
from bot.platforms.dingtalk.app import DingTalkBot, credentials
from bot.platforms.dingtalk.callback import sign
from bot.platforms.dingtalk.openapi import OpenApi
from bot.platforms.dingtalk.settings import DingTalkSettings
from bot.platforms.dingtalk.spool import Spool
from bot.wiring import Runtime, build
from storage.repository import Repository
from tests.fake_dingtalk import CLIENT_ID, CLIENT_SECRET, ROBOT_CODE, FakeDingTalk
from tests.fakes import FakeClock, settle, shanghai
from tests.serving import served

SAMPLES = Path(__file__).parent / "samples"
GROUP = "cidGroupValues01=="
ROBOT_ID = "$:LWCP_v1:$robotVALUES"
ADMIN, MANAGER, MEMBER, NOMINEE, OTHER = (
    "0101admin",
    "0202manager",
    "0303member",
    "0404nominee",
    "0505other",
)
_ids = itertools.count(1)
_stamps = itertools.count(1)
DEFAULT_NOW_MS = int(shanghai(2026, 11, 23, 10, 0).timestamp() * 1000)  # the `clock` fixture


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def signed(
    secret: str = CLIENT_SECRET, *, age_ms: int = 0, now_ms: int | None = None
) -> dict[str, str]:
    """Headers as DingTalk signs them; `now_ms` defaults to the test clock's start.

    Each call signs a different millisecond (up to 30 s before `now_ms`), as real callbacks
    do: a pair is accepted once.
    """
    base = DEFAULT_NOW_MS if now_ms is None else now_ms
    stamp = str(base - age_ms - next(_stamps) % 30_000)
    return {"content-type": "application/json", "timestamp": stamp, "sign": sign(stamp, secret)}


@dataclass
class DingTalkWorld:
    fake: FakeDingTalk
    runtime: Runtime
    bot: DingTalkBot
    url: str
    http: httpx.Client
    clock: FakeClock
    posted: list[Any] = field(default_factory=list)  # the daily posts' calls

    @property
    def repo(self) -> Repository:
        return self.runtime.repo

    # ---- what DingTalk sends ------------------------------------------------------------------

    def message(
        self,
        text: str,
        *,
        sender: str = MEMBER,
        nick: str = "李四",
        at: tuple[str, ...] = (),
        group: bool = True,
        conversation: str = GROUP,
        msg_id: str | None = None,
        session_minutes: float = 90,
    ) -> dict[str, Any]:
        """A robot message, from the sample HTTP callback body with our fields."""
        body = copy.deepcopy(sample("http_callback_group_at_message.json"))
        now_ms = int(self.clock.now().timestamp() * 1000)
        body |= {
            "conversationId": conversation,
            "chatbotUserId": ROBOT_ID,
            "robotCode": ROBOT_CODE,
            "msgId": msg_id or f"msg{next(_ids):06d}==",
            "senderNick": nick,
            "senderStaffId": sender,
            "createAt": now_ms,
            "sessionWebhook": self.fake.session_webhook(f"s{next(_ids)}"),
            "sessionWebhookExpiredTime": now_ms + int(session_minutes * 60_000),
            "conversationType": "2" if group else "1",
            "text": {"content": text},
        }
        body["atUsers"] = [{"dingtalkId": ROBOT_ID}] + [
            {"dingtalkId": f"$:LWCP_v1:${staff}", "staffId": staff} for staff in at
        ]
        if not group:
            body.pop("conversationTitle", None)
            body.pop("isInAtList", None)
            body["atUsers"] = []
        return body

    def send(
        self, body: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        raw = json.dumps(body, ensure_ascii=False).encode()
        if headers is None:
            headers = signed(now_ms=int(self.clock.now().timestamp() * 1000))
        return self.http.post(self.url, content=raw, headers=headers)

    def answers(self, *, private: bool = True) -> list[str]:
        """What the bot said, oldest first: in groups (daily posts left out), through session
        webhooks and, unless `private` is False, one-to-one."""
        self.settle()
        posts = {id(call) for call in self.posted}
        paths = ["/robot/sendBySession", "/v1.0/robot/groupMessages/send"]
        if private:
            paths.append("/v1.0/robot/oToMessages/batchSend#delivered")
        calls = [
            call
            for path in paths
            for call in self.fake.of(path)
            if id(call) not in posts and (call.status in (0, 200))
        ]
        return self.fake.texts(sorted(calls, key=lambda call: call.at))

    def private_answers(self, staff: str) -> list[str]:
        self.settle()
        return self.fake.texts(self.fake.direct_messages(staff))

    def settle(self) -> None:
        """Wait until every answer the bot queued has been sent."""
        settle(self.bot.work)

    # ---- the day's post -----------------------------------------------------------------------

    def subscribe(self, conversation: str = GROUP, **switches: bool) -> Subscription:
        return self.repo.subscriptions.save(
            platform="dingtalk",
            workspace=ROBOT_CODE,
            channel=conversation,
            post_at="09:30",
            timezone="Asia/Shanghai",
            country="CN",
            days_off=frozenset(),
            now=self.clock.now(),
            **switches,
        )

    def post_today(self, conversation: str = GROUP, **switches: bool) -> None:
        sub = self.subscribe(conversation, **switches)
        outcome = self.runtime.posts.post_now(sub, self.bot.poster())
        assert outcome.post is not None
        self.posted += self.fake.group_messages(conversation)[-1:]

    def evidence(self) -> list[tuple[str, str, str]]:
        """(nominee, nominator, story) of every active case, oldest first."""
        from bot.core.cycles import quarter_of
        from storage.evidence import EvidenceFilter

        cycle = quarter_of(self.clock.now().date())
        records = self.repo.exports.records(
            EvidenceFilter(starts_on=cycle.starts_on, ends_on=cycle.ends_on)
        )
        return [(r.nominee, r.nominator, r.story) for r in records]


def dingtalk_settings(fake: FakeDingTalk, database_url: str, **extra: Any) -> Settings:
    extra.setdefault("spool_dir", tempfile.mkdtemp(prefix="values-bot-spool-"))
    return Settings(
        database_url=database_url,
        locale=extra.pop("locale", "zh"),
        admins=frozenset({f"dingtalk:{ADMIN}"}),
        sections={
            "dingtalk": DingTalkSettings(
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                robot_code=ROBOT_CODE,
                api_url=fake.url,
            )
        },
        **extra,
    )


@pytest.fixture
def fake_dingtalk() -> Iterator[FakeDingTalk]:
    fake = FakeDingTalk().start()
    yield fake
    fake.stop()


@pytest.fixture
def dingtalk_extra() -> dict[str, Any]:
    """Override in a test module to change the Settings."""
    return {}


@pytest.fixture
def world(
    fake_dingtalk: FakeDingTalk, repo: Repository, clock: FakeClock, dingtalk_extra: dict[str, Any]
) -> Iterator[DingTalkWorld]:
    settings = dingtalk_settings(fake_dingtalk, "sqlite://", **dingtalk_extra)
    runtime = build(settings, clock=clock, repo=repo)
    section = settings.section("dingtalk")
    bot = DingTalkBot(
        runtime.chat,
        section,
        api=OpenApi(credentials(section), backoff=0.01),
        spool=Spool(settings.spool_dir),
    )
    runtime.repo.governance.grant(
        person=f"dingtalk:{MANAGER}",
        role=Role.MANAGER,
        channel=f"dingtalk:{GROUP}",
        by="test",
        now=clock.now(),
    )
    app = web_app(runtime, [bot])
    with served(app) as base, httpx.Client(timeout=10) as client:
        yield DingTalkWorld(
            fake=fake_dingtalk,
            runtime=runtime,
            bot=bot,
            url=f"{base}/dingtalk/events",
            http=client,
            clock=clock,
        )
    bot.close()
