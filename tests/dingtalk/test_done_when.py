"""Issue 4's "done when", as a new user would try it: the bot running with --http.

A real `values-bot run --http` process with DINGTALK_API_URL pointing at the fake OpenAPI,
the CLI for the admin's steps, and signed callbacks for what DingTalk would send.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.cli import main
from tests.dingtalk.conftest import (
    ADMIN,
    MANAGER,
    MEMBER,
    NOMINEE,
    OTHER,
    ROBOT_ID,
    sample,
    signed,
)
from tests.fake_dingtalk import CLIENT_ID, CLIENT_SECRET, ROBOT_CODE, FakeDingTalk
from tests.serving import bot_process

GROUP = "cidDoneWhen0Group=="
STORY = "客户凌晨两点打来电话说系统登录不了，他马上远程排查并在半小时内恢复了服务"


@pytest.fixture
def env(
    fake_dingtalk: FakeDingTalk, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    values = {
        "DATABASE_URL": sqlite_url,
        "DINGTALK_CLIENT_ID": CLIENT_ID,
        "DINGTALK_CLIENT_SECRET": CLIENT_SECRET,
        "DINGTALK_ROBOT_CODE": ROBOT_CODE,
        "DINGTALK_API_URL": fake_dingtalk.url,
        "BOT_ADMINS": f"dingtalk:{ADMIN}",
        "BOT_TICK_SECONDS": "86400",  # the admin posts by hand here
    }
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[str]:
    with bot_process(env) as base:
        yield f"{base}/dingtalk/events"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    if "--format" in args and args[args.index("--format") + 1] == "json":
        return code, captured.out  # the notes on stderr are no part of the JSON
    return code, captured.out + captured.err


def callback(
    text: str, *, sender: str, at: tuple[str, ...] = (), group: bool = True
) -> dict[str, Any]:
    body = sample("http_callback_group_at_message.json")
    now_ms = int(time.time() * 1000)
    body |= {
        "conversationId": GROUP if group else f"cidDirect{sender}",
        "conversationType": "2" if group else "1",
        "chatbotUserId": ROBOT_ID,
        "msgId": f"msgDone{time.monotonic_ns()}",
        "senderStaffId": sender,
        "senderNick": "李四",
        "createAt": now_ms,
        "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=expired",
        "sessionWebhookExpiredTime": now_ms - 1,  # so every answer goes through the OpenAPI
        "text": {"content": text},
        "atUsers": [{"dingtalkId": ROBOT_ID}]
        + [{"dingtalkId": f"$:LWCP_v1:${s}", "staffId": s} for s in at],
    }
    return body


def test_the_done_when_day(
    server: str, fake_dingtalk: FakeDingTalk, capsys: pytest.CaptureFixture[str]
) -> None:
    http = httpx.Client(timeout=10)

    def send(body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        raw = json.dumps(body, ensure_ascii=False).encode()
        if headers is None:
            headers = signed(now_ms=int(time.time() * 1000))
        return http.post(server, content=raw, headers=headers)

    # a group is subscribed; `values-bot post` sends the markdown post with the cached token
    assert (
        cli(capsys, "subscribe", "--platform", "dingtalk", "--channel", GROUP, "--at", "09:30")[0]
        == 0
    )
    tokens_before = fake_dingtalk.tokens_issued()  # the running bot checked its credentials
    assert cli(capsys, "post", "--platform", "dingtalk", "--channel", GROUP)[0] == 0
    [post] = fake_dingtalk.group_messages(GROUP)
    assert post.body["msgKey"] == "sampleMarkdown" and "@机器人 @同事 + 案例" in post.param["text"]
    assert post.token.startswith("token-")
    assert fake_dingtalk.tokens_issued() == tokens_before + 1

    # a signed callback @bot @同事 story becomes evidence visible in `summary --format json`
    nomination = callback(f"@王五 {STORY}", sender=MEMBER, at=(NOMINEE,))
    assert send(nomination).status_code == 200

    def cases() -> list[dict[str, Any]]:
        code, out = cli(capsys, "summary", "--format", "json")
        assert code == 0
        return [c for p in json.loads(out) for c in p["newest"]]

    assert [(c["story"]) for c in cases()] == [STORY]
    confirmation = fake_dingtalk.wait_for("/v1.0/robot/groupMessages/send", 2)[-1]
    assert "已记录" in confirmation.param["text"]

    # the same callback again adds nothing
    assert send(nomination).status_code == 200
    assert len(cases()) == 1

    # a bad or stale signature gets 401 and stores nothing
    forged = callback(f"@王五 {STORY}（伪造）", sender=MEMBER, at=(NOMINEE,))
    assert send(forged, signed("forged secret")).status_code == 401
    assert (
        send(forged, signed(age_ms=2 * 3_600_000, now_ms=int(time.time() * 1000))).status_code
        == 401
    )
    assert len(cases()) == 1

    # `summary` one-to-one: refused for a member, answered for a manager (granted by CLI)
    granted = cli(
        capsys, "roles", "grant", "--role", "manager", "--user", f"dingtalk:{MANAGER}",
        "--channel", GROUP,
    )  # fmt: skip
    assert granted[0] == 0
    assert send(callback("summary", sender=OTHER, group=False)).status_code == 200
    assert send(callback("summary", sender=MANAGER, group=False)).status_code == 200
    direct = "/v1.0/robot/oToMessages/batchSend#delivered"
    fake_dingtalk.wait_for(direct, 3)  # the nominee's notice, the refusal, the summary
    [refusal] = fake_dingtalk.direct_messages(OTHER)
    assert "只有主管和管理员" in refusal.param["text"]
    [answer] = fake_dingtalk.direct_messages(MANAGER)
    assert "价值观案例汇总" in answer.param["text"] and STORY in answer.param["text"]
    assert fake_dingtalk.tokens_issued() == tokens_before + 1  # still the bot's cached token
