"""POST /dingtalk/events: only DingTalk's signed, recent callbacks get in; nothing else is stored."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.platforms.dingtalk.callback import sign, verified
from tests.dingtalk.conftest import NOMINEE, DingTalkWorld, signed

STORY = "@王五 周末主动回访了三位老客户，把他们的意见整理成了改进清单"


def test_the_documented_sanity_value() -> None:
    # platforms.md D3: computed from the official formula
    assert (
        sign("1577262236757", "this is a secret") == "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA="
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},  # unsigned
        {"timestamp": "1700000000000"},  # no sign
        signed("another app's secret"),  # bad sign
        signed(age_ms=3_600_000 + 60_000),  # stale: over an hour old
        signed(age_ms=-(3_600_000 + 60_000)),  # from the future
        {"timestamp": "soon", "sign": "abc"},  # not a number
        {"timestamp": "9" * 40, "sign": "abc"},  # absurd
    ],
    ids=["unsigned", "no-sign", "bad-sign", "stale", "future", "non-numeric", "huge"],
)
def test_forged_and_stale_callbacks_get_401_and_store_nothing(
    world: DingTalkWorld, headers: dict[str, str]
) -> None:
    world.post_today()
    response = world.send(world.message(STORY, at=(NOMINEE,)), headers=headers)
    assert response.status_code == 401
    world.settle()
    assert world.evidence() == []
    assert world.fake.session_replies() == []


def test_a_signed_callback_within_the_hour_is_accepted(world: DingTalkWorld) -> None:
    world.post_today()
    headers = signed(age_ms=3_000_000)
    body = world.message(STORY, at=(NOMINEE,)) | {"createAt": int(headers["timestamp"]) + 1000}
    response = world.send(body, headers=headers)
    assert response.status_code == 200
    assert len(world.evidence()) == 1


def test_a_replayed_callback_adds_nothing(world: DingTalkWorld) -> None:
    world.post_today()
    body = world.message(STORY, at=(NOMINEE,))
    headers = signed()
    assert world.send(body, headers=headers).status_code == 200
    for _ in range(3):
        assert world.send(body, headers=headers).status_code == 401
    world.settle()
    assert len(world.evidence()) == 1
    assert len(world.answers(private=False)) == 1


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe\x00", b'{"msgId": 5, "atUsers": "x"}'],
)
def test_signed_garbage_is_refused_without_a_500(world: DingTalkWorld, raw: bytes) -> None:
    response = world.http.post(world.url, content=raw, headers=signed())
    assert response.status_code in (400, 401)  # no createAt matching the signature: 401
    assert world.evidence() == []


def test_garbage_without_a_signature_is_401(world: DingTalkWorld) -> None:
    assert world.http.post(world.url, content=b"not json").status_code == 401


def test_oversized_bodies_are_refused(world: DingTalkWorld) -> None:
    raw = json.dumps({"text": {"content": "x" * 2_000_000}}).encode()
    assert world.http.post(world.url, content=raw, headers=signed()).status_code == 413


def test_only_post_is_allowed(world: DingTalkWorld) -> None:
    assert world.http.get(world.url).status_code == 405


def test_verification_is_constant_time_and_needs_a_secret() -> None:
    stamp = "1577262236757"
    good = {"timestamp": stamp, "sign": sign(stamp, "s")}
    assert verified(good, "s", now_ms=int(stamp))
    assert not verified(good, "", now_ms=int(stamp))
    assert not verified(good, "s", now_ms=int(stamp) + 3_600_001)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=10,
)
_FIELDS = ["conversationId", "conversationType", "senderStaffId", "msgId", "msgtype", "text",
           "content", "atUsers", "sessionWebhook", "sessionWebhookExpiredTime", "createAt",
           "chatbotUserId", "robotCode", "senderNick"]  # fmt: skip


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_JSON, changes=st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=5))
def test_signed_callbacks_of_any_shape_never_fail(world: DingTalkWorld, body, changes) -> None:
    """Arbitrary JSON, and the sample message with fields of any type: never a 500."""
    assert world.send(body).status_code < 500
    message = world.message(f"@{NOMINEE} stayed late for the customer", at=(NOMINEE,))
    message.update(changes)
    assert world.send(message).status_code < 500
    world.settle()


@pytest.mark.parametrize("field", ["msgId", "conversationId"])
def test_an_id_with_a_nul_byte_is_ignored_not_a_500(world: DingTalkWorld, field: str) -> None:
    """PostgreSQL refuses NUL in text: such an id must never reach the database."""
    world.post_today()
    message = world.message(STORY, at=(NOMINEE,))
    message[field] = message[field] + "\x00"

    assert world.send(message).status_code == 200
    world.settle()
    assert world.evidence() == []


def test_a_sender_name_with_control_characters_is_stored_without_them(
    world: DingTalkWorld,
) -> None:
    world.post_today()
    message = world.message(STORY, at=(NOMINEE,), nick="李\x00四\u202e\n")

    assert world.send(message).status_code == 200
    world.settle()
    assert len(world.evidence()) == 1
    author = message["senderStaffId"]
    assert world.repo.people.names([f"dingtalk:{author}"]) == {f"dingtalk:{author}": "李四"}
