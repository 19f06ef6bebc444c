"""The OpenAPI client against the fake: token caching, expiry, flow control, limits, fan-out."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.app.posting import DeliveryRefused
from bot.platforms.dingtalk.openapi import Credentials, DingTalkError, OpenApi
from tests.dingtalk.conftest import GROUP, DingTalkWorld
from tests.fake_dingtalk import CLIENT_ID, CLIENT_SECRET, ROBOT_CODE, FakeDingTalk
from tests.fakes import shanghai

HELLO = {"title": "hi", "text": "你好"}


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticking() -> Ticking:
    return Ticking()


@pytest.fixture
def api(fake_dingtalk: FakeDingTalk, ticking: Ticking) -> Iterator[OpenApi]:
    creds = Credentials(CLIENT_ID, CLIENT_SECRET, ROBOT_CODE, fake_dingtalk.url, fake_dingtalk.url)
    client = OpenApi(creds, monotonic=ticking, backoff=0.001)
    yield client
    client.close()


def test_the_token_is_fetched_once_and_reused(api: OpenApi, fake_dingtalk: FakeDingTalk) -> None:
    for _ in range(5):
        api.send_group(GROUP, "sampleMarkdown", HELLO)
    assert fake_dingtalk.tokens_issued() == 1
    assert len(fake_dingtalk.group_messages(GROUP)) == 5


def test_many_sends_starting_together_fetch_one_token(
    api: OpenApi, fake_dingtalk: FakeDingTalk
) -> None:
    fake_dingtalk.token_delay = 0.3
    threads = [
        threading.Thread(target=api.send_group, args=(GROUP, "sampleMarkdown", HELLO))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fake_dingtalk.tokens_issued() == 1
    assert len(fake_dingtalk.group_messages(GROUP)) == 8


def test_the_token_is_refreshed_before_it_expires(
    api: OpenApi, fake_dingtalk: FakeDingTalk, ticking: Ticking
) -> None:
    api.send_group(GROUP, "sampleMarkdown", HELLO)
    ticking.now += 6800  # 7200 s minus the five-minute margin is 6900 s
    api.send_group(GROUP, "sampleMarkdown", HELLO)
    assert fake_dingtalk.tokens_issued() == 1
    ticking.now += 200
    api.send_group(GROUP, "sampleMarkdown", HELLO)
    assert fake_dingtalk.tokens_issued() == 2


def test_a_token_dingtalk_no_longer_accepts_is_renewed_and_the_send_retried(
    api: OpenApi, fake_dingtalk: FakeDingTalk
) -> None:
    api.send_group(GROUP, "sampleMarkdown", HELLO)
    fake_dingtalk.expire_tokens()
    api.send_group(GROUP, "sampleMarkdown", HELLO)
    assert fake_dingtalk.tokens_issued() == 2
    attempts = fake_dingtalk.of("/v1.0/robot/groupMessages/send")
    assert [(c.token, c.status) for c in attempts] == [
        ("token-1", 200),
        ("token-1", 401),
        ("token-2", 200),
    ]


def test_wrong_credentials_say_so(fake_dingtalk: FakeDingTalk) -> None:
    creds = Credentials(CLIENT_ID, "wrong", ROBOT_CODE, fake_dingtalk.url, fake_dingtalk.url)
    with pytest.raises(DingTalkError) as raised:
        OpenApi(creds).token()
    assert raised.value.code == "invalidClientIdOrSecret"


def test_flow_controlled_people_are_retried_with_backoff(
    api: OpenApi, fake_dingtalk: FakeDingTalk
) -> None:
    fake_dingtalk.flow_controlled = {"u1": 2}
    result = api.send_to_people(["u1", "u2"], "sampleMarkdown", HELLO)
    assert sorted(result.sent) == ["u1", "u2"] and result.failed == []
    assert len(fake_dingtalk.of("/v1.0/robot/oToMessages/batchSend")) == 3
    assert len(fake_dingtalk.direct_messages("u1")) == 1
    assert len(fake_dingtalk.direct_messages("u2")) == 1


def test_people_still_flow_controlled_after_the_retries_are_reported(
    api: OpenApi, fake_dingtalk: FakeDingTalk
) -> None:
    fake_dingtalk.flow_controlled = {"u1": 99}
    result = api.send_to_people(["u1", "u2"], "sampleMarkdown", HELLO)
    assert result.sent == ["u2"] and result.failed == ["u1"]


def test_one_to_one_batches_hold_at_most_twenty_people(
    api: OpenApi, fake_dingtalk: FakeDingTalk
) -> None:
    people = [f"u{n}" for n in range(45)]
    result = api.send_to_people(people, "sampleMarkdown", HELLO)
    calls = fake_dingtalk.of("/v1.0/robot/oToMessages/batchSend")
    assert [len(c.body["userIds"]) for c in calls] == [20, 20, 5]
    assert sorted(result.sent) == sorted(people)


def test_throttling_is_waited_out_but_a_server_error_is_never_sent_again(
    api: OpenApi, fake_dingtalk: FakeDingTalk
) -> None:
    """A 429 provably did not post; a 500 may have: group messages are not repeated after it."""
    fake_dingtalk.throttle_every = 3
    for n in range(6):
        api.send_group(GROUP, "sampleMarkdown", {"title": "x", "text": f"message {n}"})
    attempts = fake_dingtalk.of("/v1.0/robot/groupMessages/send")
    assert {c.status for c in attempts} == {200, 429}
    delivered = [c.param["text"] for c in fake_dingtalk.group_messages(GROUP)]
    assert delivered == [f"message {n}" for n in range(6)]  # each once, in order
    fake_dingtalk.throttle_every, fake_dingtalk.fail_sends = 0, 2
    with pytest.raises(DingTalkError) as failed:
        api.send_group(GROUP, "sampleMarkdown", {"title": "x", "text": "after a 500"})
    assert failed.value.status == 500
    assert len(fake_dingtalk.of("/v1.0/robot/groupMessages/send")) == len(attempts) + 1


def test_a_message_over_fifteen_thousand_bytes_is_never_sent(
    api: OpenApi, fake_dingtalk: FakeDingTalk
) -> None:
    with pytest.raises(ValueError, match="15000"):
        api.send_group(GROUP, "sampleMarkdown", {"title": "x", "text": "字" * 5001})
    assert fake_dingtalk.group_messages() == []


def test_a_group_the_robot_is_not_in_releases_the_day(world: DingTalkWorld) -> None:
    world.fake.groups = {"cidSomewhereElse"}
    sub = world.subscribe()
    with pytest.raises(DeliveryRefused, match="resource.not.found"):
        world.runtime.posts.post_now(sub, world.bot.poster())
    world.fake.groups = None  # the robot was added to the group: the day can be posted
    assert world.runtime.posts.post_now(sub, world.bot.poster()).post is not None


def test_a_fan_out_to_many_groups_under_throttling_posts_once_each(world: DingTalkWorld) -> None:
    world.fake.throttle_every = 7
    groups = [f"cidFan{n:03d}" for n in range(60)]
    for group in groups:
        world.subscribe(group)
    world.clock.set(shanghai(2026, 11, 23, 9, 31))
    outcomes = world.runtime.posts.tick(world.bot.poster_for)
    assert len(outcomes) == 60
    assert any(c.status == 429 for c in world.fake.of("/v1.0/robot/groupMessages/send"))
    sent = [c.body["openConversationId"] for c in world.fake.group_messages()]
    assert sorted(sent) == groups  # exactly one accepted post per group
    assert world.runtime.posts.tick(world.bot.poster_for) == []  # nothing twice


def test_an_unreachable_dingtalk_releases_the_day(world: DingTalkWorld) -> None:
    sub = world.subscribe()
    reachable = world.bot.api.creds
    world.bot.api.creds = replace(reachable, api_url="http://127.0.0.1:9")
    with pytest.raises(DeliveryRefused, match="Unreachable"):
        world.runtime.posts.post_now(sub, world.bot.poster())
    world.bot.api.creds = reachable
    assert world.runtime.posts.post_now(sub, world.bot.poster()).post is not None
    assert len(world.fake.group_messages(GROUP)) == 1


def test_an_expired_claim_is_marked_unknown_never_posted_twice(
    world: DingTalkWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """DingTalk cannot be asked whether a group message arrived (R3): at most once, and said."""
    from bot.app.posting import LEASE

    world.clock.set(shanghai(2026, 11, 23, 9, 31))
    sub = world.subscribe()
    assert world.runtime.posts.claim(sub, world.clock.now().date()) is not None  # then: killed
    world.clock.advance(seconds=LEASE.total_seconds() + 1)

    with caplog.at_level("WARNING"):
        world.runtime.posts.tick(world.bot.poster_for)
        world.runtime.posts.tick(world.bot.poster_for)

    assert world.fake.group_messages() == []
    post = world.repo.posts.latest(platform="dingtalk", workspace=ROBOT_CODE, channel=GROUP)
    assert post is not None and post.status == "unknown"
    assert any("marked unknown" in r.getMessage() for r in caplog.records)
