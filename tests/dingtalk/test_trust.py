"""DingTalk callbacks treat the body as unauthenticated (issue 11), on SQLite and PostgreSQL.

The `sign` header covers only the timestamp: these are the attacks a captured header pair
allows, each refused, and the guarantees that nothing acknowledged is lost or posted twice.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from bot.platforms.dingtalk.app import DingTalkBot, credentials
from bot.platforms.dingtalk.callback import Callbacks
from bot.platforms.dingtalk.openapi import OpenApi
from bot.platforms.dingtalk.spool import Spool
from storage.repository import Repository
from tests.dingtalk.conftest import (
    GROUP,
    MANAGER,
    MEMBER,
    NOMINEE,
    DingTalkWorld,
    signed,
)
from tests.fakes import shanghai

STORY = "@王五 客户的订单出错后，他当天下午就上门道歉并重新安排了发货"


def now_ms(world: DingTalkWorld) -> int:
    return int(world.clock.now().timestamp() * 1000)


def test_a_captured_header_pair_signs_nothing_else(world: DingTalkWorld) -> None:
    """The attack: one real callback's headers, a body of the attacker's choosing."""
    world.post_today()
    headers = signed(now_ms=now_ms(world))
    assert world.send(world.message(STORY, at=(NOMINEE,)), headers=headers).status_code == 200
    forged = world.message("summary", sender=MANAGER, nick="赵主管")
    response = world.send(forged, headers=headers)
    assert response.status_code == 401
    world.settle()
    assert world.fake.direct_messages(MANAGER) == []  # no summary went anywhere
    assert len(world.evidence()) == 1


def test_every_replica_refuses_a_pair_used_once(world: DingTalkWorld) -> None:
    """Another replica (its own bot and repository, the same database) refuses it too."""
    world.post_today()
    headers = signed(now_ms=now_ms(world))
    body = world.message(STORY, at=(NOMINEE,))
    assert world.send(body, headers=headers).status_code == 200
    other_repo = Repository.on(world.repo.engine)
    other = Callbacks(
        world.bot.settings.client_secret,
        lambda payload: None,
        trust=other_repo.trust,
        clock=world.clock,
    )
    raw = json.dumps(world.message(STORY, at=(NOMINEE,), sender=NOMINEE, nick="x")).encode()
    assert other(headers, raw)[0] == 401


@pytest.mark.parametrize(
    ("ahead_ms", "status"), [(4 * 60_000, 200), (6 * 60_000, 401)], ids=["4min", "6min"]
)
def test_a_header_from_the_future_is_refused_past_five_minutes(
    world: DingTalkWorld, ahead_ms: int, status: int
) -> None:
    world.post_today()
    headers = signed(age_ms=-ahead_ms, now_ms=now_ms(world))
    body = world.message(STORY, at=(NOMINEE,)) | {"createAt": int(headers["timestamp"])}
    assert world.send(body, headers=headers).status_code == status
    assert len(world.evidence()) == (1 if status == 200 else 0)


@pytest.mark.parametrize("skew_ms", [61_000, -61_000, None])
def test_the_body_must_be_created_within_a_minute_of_its_signature(
    world: DingTalkWorld, skew_ms: int | None
) -> None:
    world.post_today()
    headers = signed(now_ms=now_ms(world))
    body = world.message(STORY, at=(NOMINEE,))
    if skew_ms is None:
        body.pop("createAt")
    else:
        body["createAt"] = int(headers["timestamp"]) + skew_ms
    assert world.send(body, headers=headers).status_code == 401
    assert world.evidence() == []


def test_digits_that_are_not_ascii_are_not_a_timestamp(world: DingTalkWorld) -> None:
    headers: dict[str, Any] = signed(now_ms=now_ms(world))
    headers["timestamp"] = (headers["timestamp"][:-1] + "²").encode("latin-1")
    raw = json.dumps(world.message(STORY, at=(NOMINEE,))).encode()
    assert world.http.post(world.url, content=raw, headers=headers).status_code == 401
    assert world.evidence() == []


def test_http_mode_never_answers_through_a_session_webhook(world: DingTalkWorld) -> None:
    """Even DingTalk's own session endpoint: the body naming it is unauthenticated."""
    world.post_today()
    world.send(world.message(STORY, at=(NOMINEE,)))
    world.send(world.message("今天"))
    world.send(world.message("summary", sender=MANAGER, nick="赵主管"))
    world.send(world.message("我的", sender=NOMINEE, group=False, conversation="cidDirectX"))
    world.settle()
    assert world.fake.session_replies() == []
    assert any("已记录" in t for t in world.answers(private=False))
    assert any("上门道歉" in t for t in world.private_answers(MANAGER))
    assert any("关于你的案例" in t for t in world.private_answers(NOMINEE))


def test_a_summary_goes_to_the_sender_never_to_an_address_in_the_body(
    world: DingTalkWorld,
) -> None:
    world.post_today()
    world.send(world.message(STORY, at=(NOMINEE,)))
    body = world.message("summary", sender=MANAGER, group=False, conversation="cidAttacker")
    body["sessionWebhook"] = world.fake.session_webhook("attacker")
    body["conversationId"] = GROUP  # the attacker's choice of group
    world.send(body)
    world.settle()
    assert world.fake.session_replies() == []
    assert all("上门道歉" not in t for t in world.answers(private=False))
    assert any("上门道歉" in t for t in world.private_answers(MANAGER))


@pytest.mark.parametrize(
    ("path", "trusted"),
    [
        ("/robot/sendBySession?session=abc", True),
        ("/robot/send?access_token=abc", False),
        ("/robot/sendBySession/../send?session=abc", False),
        ("/robot/sendBySession?session=abc&access_token=x", False),
        ("/robot/sendBySession?session=", False),
    ],
)
def test_stream_mode_trusts_only_the_session_endpoint(
    world: DingTalkWorld, path: str, trusted: bool
) -> None:
    assert world.bot.api.trusted_session(world.fake.url + path) is trusted
    assert not world.bot.api.trusted_session("https://evil.example" + path)


def test_a_late_delivery_attaches_to_the_post_current_when_it_was_said(
    world: DingTalkWorld,
) -> None:
    world.post_today()  # Monday's post
    monday = world.repo.posts.latest(
        platform="dingtalk", workspace=world.bot.robot_code, channel=GROUP
    )
    said = world.message(STORY, at=(NOMINEE,))  # said on Monday ...
    world.clock.set(shanghai(2026, 11, 24, 10, 0))
    world.post_today()  # ... delivered after Tuesday's post went out
    tuesday = world.repo.posts.latest(
        platform="dingtalk", workspace=world.bot.robot_code, channel=GROUP
    )
    assert monday is not None and tuesday is not None and monday.id != tuesday.id
    headers = signed(now_ms=int(said["createAt"]) + 5_000)
    world.clock.set(shanghai(2026, 11, 23, 10, 1))  # the redelivery comes seconds later
    assert world.send(said, headers=headers).status_code == 200
    from sqlmodel import Session, select

    from storage.tables import EvidenceRow

    with Session(world.repo.engine) as session:
        [row] = session.exec(
            select(EvidenceRow).where(EvidenceRow.source_message_id == said["msgId"])
        )
    assert row.daily_post_id == monday.id and row.criterion_key == monday.criterion_key


def test_a_callback_that_could_not_be_stored_is_answered_503_and_taken_again(
    world: DingTalkWorld,
) -> None:
    world.post_today()
    real = world.runtime.service.handle
    away = [True]

    def database_away(incoming: Any) -> Any:
        if away[0]:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(incoming)

    world.runtime.service.handle = database_away  # type: ignore[method-assign]
    body = world.message(STORY, at=(NOMINEE,))
    headers = signed(now_ms=now_ms(world))
    assert world.send(body, headers=headers).status_code == 503
    assert world.evidence() == []
    away[0] = False
    assert world.send(body, headers=headers).status_code == 200  # the same pair, redelivered
    assert len(world.evidence()) == 1


def test_a_stream_message_acknowledged_during_an_outage_survives_a_restart(
    world: DingTalkWorld, tmp_path: Any
) -> None:
    world.post_today()
    spool = Spool(tmp_path / "spool")
    crashing = DingTalkBot(world.runtime.chat, world.bot.settings, api=world.bot.api, spool=spool)
    real = world.runtime.service.handle

    def database_away(incoming: Any) -> Any:
        raise OperationalError("INSERT", {}, Exception("could not connect"))

    world.runtime.service.handle = database_away  # type: ignore[method-assign]
    crashing.retry.close()  # the process is killed: its in-memory retry never runs
    frame = world.message(STORY, at=(NOMINEE,))
    crashing.receive(frame)  # Stream mode: acknowledged (no exception)
    assert world.evidence() == [] and len(spool) == 1
    world.runtime.service.handle = real  # type: ignore[method-assign]
    settings = world.bot.settings
    restarted = DingTalkBot(
        world.runtime.chat, settings, api=OpenApi(credentials(settings)), spool=spool
    )
    try:
        assert restarted.replay_spool() == 1
        assert [n for n, _, _ in world.evidence()] == [f"dingtalk:{NOMINEE}"]
        assert len(spool) == 0
    finally:
        restarted.close()


def test_a_daily_post_that_timed_out_is_marked_unknown_and_sent_once(
    world: DingTalkWorld,
) -> None:
    world.fake.send_delay = 1.0
    settings = world.bot.settings
    api = OpenApi(
        credentials(settings), http=httpx.Client(timeout=httpx.Timeout(0.3)), backoff=0.01
    )
    bot = DingTalkBot(world.runtime.chat, settings, api=api, spool=world.bot.spool)
    try:
        sub = world.subscribe()
        world.runtime.posts.post_now(sub, bot.poster())
    finally:
        bot.close()
    time.sleep(1.2)  # the fake finishes answering
    assert len(world.fake.group_messages(GROUP)) == 1  # measured before the fix: 5
    post = world.repo.posts.latest(platform="dingtalk", workspace=bot.robot_code, channel=GROUP)
    assert post is not None and post.status == "unknown"


def test_a_daily_post_answered_500_is_marked_unknown_never_repeated(
    world: DingTalkWorld,
) -> None:
    world.fake.fail_sends = 5
    sub = world.subscribe()
    world.runtime.posts.post_now(sub, world.bot.poster())
    assert len(world.fake.of("/v1.0/robot/groupMessages/send")) == 1
    post = world.repo.posts.latest(
        platform="dingtalk", workspace=world.bot.robot_code, channel=GROUP
    )
    assert post is not None and post.status == "unknown"
    assert world.runtime.posts.post_now(sub, world.bot.poster()).post is None


def test_members_cannot_be_told_apart_from_the_group_by_a_forged_sender(
    world: DingTalkWorld,
) -> None:
    """A member's own summary request goes to the member, whatever the body says."""
    world.post_today()
    world.send(world.message(STORY, at=(NOMINEE,)))
    world.send(world.message("summary", sender=MEMBER))
    world.settle()
    assert all("上门道歉" not in t for t in world.answers(private=False))
    assert all("上门道歉" not in t for t in world.private_answers(MEMBER))
    assert any("只有主管和管理员" in t for t in world.private_answers(MEMBER))


def test_a_redelivery_after_a_restart_does_not_bring_an_erased_person_back(
    world: DingTalkWorld,
) -> None:
    world.post_today()
    body = world.message(STORY, at=(NOMINEE,))
    assert world.send(body).status_code == 200
    world.runtime.service.reading.forget("cli:hr", f"dingtalk:{NOMINEE}")
    world.bot.robot.seen.clear()  # as after a restart, or on another replica
    assert world.send(body).status_code == 200  # DingTalk delivers it again, freshly signed
    assert world.evidence() == []
