"""Stream mode: the SDK's client against a fake gateway over a real WebSocket, fed sample frames."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.platforms.dingtalk.stream import StreamClient, stream_client
from tests.dingtalk.conftest import GROUP, MEMBER, NOMINEE, ROBOT_ID, DingTalkWorld, sample

STORY = "@王五 客户半夜反馈数据异常，他十分钟内响应并在凌晨两点前修复完毕"


def group_frame(world: DingTalkWorld, message_id: str) -> dict[str, Any]:
    """The documented Stream frame, carrying a nomination in our group."""
    frame = copy.deepcopy(sample("stream_frame_group_at_message.json"))
    data = json.loads(frame["data"])
    now_ms = int(world.clock.now().timestamp() * 1000)
    data |= {
        "conversationId": GROUP,
        "chatbotUserId": ROBOT_ID,
        "msgId": f"msg-{message_id}",
        "senderStaffId": MEMBER,  # the documented frame's ids are redacted with ***
        "createAt": now_ms,
        "sessionWebhook": world.fake.session_webhook(message_id),
        "sessionWebhookExpiredTime": now_ms + 5_400_000,
        "text": {"content": STORY},
    }
    data["atUsers"] = [{"dingtalkId": ROBOT_ID}, {"dingtalkId": "$:LWCP_v1:$x", "staffId": NOMINEE}]
    frame["headers"]["messageId"] = message_id
    frame["data"] = json.dumps(data, ensure_ascii=False)
    return frame


@pytest.fixture
def streaming(world: DingTalkWorld) -> Iterator[StreamClient]:
    client, _handler = stream_client(world.bot.settings, world.bot)
    stop = threading.Event()
    thread = threading.Thread(target=client.run_until, args=(stop,), daemon=True)
    thread.start()
    yield client
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_stream_frame_becomes_evidence_and_is_acknowledged(
    world: DingTalkWorld, streaming: StreamClient
) -> None:
    world.post_today()
    world.fake.push(group_frame(world, "frame-1"))
    [ack] = world.fake.wait_for_acks(1)
    assert ack["code"] == 200 and ack["headers"]["messageId"] == "frame-1"
    assert json.loads(ack["data"]) == {"response": None}
    world.fake.wait_for("/robot/sendBySession")
    assert [nominee for nominee, _, _ in world.evidence()] == [f"dingtalk:{NOMINEE}"]
    opened = world.fake.of("/v1.0/gateway/connections/open")[0].body
    assert opened["subscriptions"] == [{"type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get"}]


def test_frames_are_acknowledged_only_once_stored_without_stalling_the_socket(
    world: DingTalkWorld, streaming: StreamClient
) -> None:
    """A crash before the ack leaves the frame for DingTalk to redeliver (nothing lost)."""
    release = threading.Event()
    entered: list[str] = []
    acked_before_stored: list[str] = []
    real = world.bot.receive

    def slow(payload: Any) -> None:
        entered.append(payload["msgId"])
        release.wait(10)  # a database that takes its time
        real(payload)
        acked = {a["headers"]["messageId"] for a in world.fake.acks}
        acked_before_stored.extend(m for m in acked if m == payload["msgId"])

    world.bot.receive = slow  # type: ignore[method-assign]
    world.post_today()
    for n in range(3):
        world.fake.push(group_frame(world, f"slow-{n}"))
    deadline = time.monotonic() + 10
    while len(entered) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(entered) == 3  # all three are being handled at once: the socket is not stalled
    time.sleep(0.3)
    assert world.fake.acks == []  # nothing acknowledged while nothing is stored
    release.set()
    acks = world.fake.wait_for_acks(3)
    assert {a["headers"]["messageId"] for a in acks} == {"slow-0", "slow-1", "slow-2"}
    assert {a["code"] for a in acks} == {200}
    assert acked_before_stored == []
    assert len(world.evidence()) == 3  # three messages (three msgIds): three cases


def test_the_captured_one_to_one_frame_gets_a_hint_through_the_openapi(
    world: DingTalkWorld, streaming: StreamClient
) -> None:
    frame = sample("stream_frame_1to1_text_captured.json")
    world.fake.push(frame)
    [ack] = world.fake.wait_for_acks(1)
    assert ack["headers"]["messageId"] == frame["headers"]["messageId"]
    world.fake.wait_for("/v1.0/robot/oToMessages/batchSend#delivered")
    [hint] = world.fake.direct_messages("032615015535634423")
    assert "提名要在群里发" in hint.param["text"]  # its sessionWebhook expired in March 2026
    assert world.evidence() == []
