"""SIGTERM stops DingTalk's Stream mode gracefully: a real `values-bot run` process stores and
acknowledges the frame, sends the confirmation and the nominee's message still in flight, closes
its Stream socket and exits 0."""

from __future__ import annotations

import copy
import json
import signal
import time

import httpx
import pytest

from tests.dingtalk.conftest import MEMBER, NOMINEE, ROBOT_ID, sample
from tests.dingtalk.test_done_when import GROUP, cli, env  # noqa: F401 (fixture)
from tests.fake_dingtalk import FakeDingTalk
from tests.serving import Spawned, free_port

STORY = "客户半夜反馈数据异常，他十分钟内响应并在凌晨两点前修复完毕"


def test_sigterm_in_stream_mode_answers_what_it_acknowledged_then_exits_0(
    env: dict[str, str],  # noqa: F811
    fake_dingtalk: FakeDingTalk,
    capsys: pytest.CaptureFixture[str],
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    assert cli(capsys, "subscribe", "--platform", "dingtalk", "--channel", GROUP)[0] == 0
    assert cli(capsys, "post", "--platform", "dingtalk", "--channel", GROUP)[0] == 0
    frame = copy.deepcopy(sample("stream_frame_group_at_message.json"))
    data = json.loads(frame["data"])
    now_ms = int(time.time() * 1000)
    data |= {
        "conversationId": GROUP, "chatbotUserId": ROBOT_ID, "msgId": "msgShutdown1",
        "senderStaffId": MEMBER, "createAt": now_ms, "text": {"content": f"@王五 {STORY}"},
        "sessionWebhook": fake_dingtalk.session_webhook("shutdown"),
        "sessionWebhookExpiredTime": now_ms + 5_400_000,
    }  # fmt: skip
    data["atUsers"] = [{"dingtalkId": ROBOT_ID}, {"dingtalkId": "$:LWCP_v1:$x", "staffId": NOMINEE}]
    frame["headers"]["messageId"] = "stream-shutdown-1"
    frame["data"] = json.dumps(data, ensure_ascii=False)
    fake_dingtalk.delays["/robot/sendBySession"] = 2.0  # the confirmation takes its time
    fake_dingtalk.push(frame)
    port = free_port()
    bot = Spawned(
        ["run"], env | {"BOT_ADMIN_PORT": str(port), "BOT_SPOOL_DIR": str(tmp_path / "spool")}
    )
    try:
        bot.wait_for("Stream")
        bot.wait_serving(f"http://127.0.0.1:{port}")
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz")
        assert ready.status_code == 200 and ready.json()["database"] == "ok"
        assert fake_dingtalk.wait_for_acks(1)[0]["code"] == 200
        code, seconds = bot.stop(signal.SIGTERM)
    finally:
        bot.kill()

    assert code == 0, "\n".join(bot.lines)
    assert seconds < 10
    assert len(fake_dingtalk.of("/robot/sendBySession")) == 1
    notices = fake_dingtalk.of("/v1.0/robot/oToMessages/batchSend")
    assert [c.body["userIds"] for c in notices] == [[NOMINEE]]
    assert any("event=stopped answers_dropped=0" in line for line in bot.lines)
