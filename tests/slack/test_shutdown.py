"""SIGTERM stops Slack's HTTP mode and Socket Mode gracefully: a real `values-bot run`
process, its acknowledged nomination answered (✅ reaction, the nominee's DM) before it exits 0.

The fake Slack takes two seconds over the reaction, so the answer is still in flight when the
signal arrives; the DM only follows the reaction, so it is sent only if the bot waits.
"""

from __future__ import annotations

import json
import signal
import time
from typing import Any

import httpx
import pytest

from tests.fake_slack import TEAM, FakeSlack
from tests.serving import Spawned, free_port
from tests.slack.conftest import MEMBER, NOMINEE, sample, signed_headers
from tests.slack.test_done_when import CHANNEL, STORY, cli, env  # noqa: F401 (fixture)

APP_TOKEN = "xapp-1-A0VALUESBOT-1795399999-0f4e2b"


def _reply(post_ts: str) -> dict[str, Any]:
    reply = sample("event_thread_reply_in_channel.json")
    reply["team_id"] = TEAM
    reply["event"] |= {
        "user": MEMBER, "text": f"<@{NOMINEE}> {STORY}", "ts": f"{time.time():.6f}",
        "thread_ts": post_ts, "channel": CHANNEL,
    }  # fmt: skip
    return reply


def _posted(fake: FakeSlack, capsys: pytest.CaptureFixture[str]) -> str:
    cli(capsys, "subscribe", "--platform", "slack", "--channel", CHANNEL, "--at", "09:30")
    assert cli(capsys, "post", "--platform", "slack", "--channel", CHANNEL)[0] == 0
    return str(fake.messages[CHANNEL][0]["ts"])


def http_bot(environ: dict[str, str]) -> tuple[Spawned, str]:
    """A real `values-bot run --http` on a free port, and its base URL once it serves."""
    port = free_port()
    bot = Spawned(["run", "--http", "--host", "127.0.0.1", "--port", str(port)], environ)
    base = f"http://127.0.0.1:{port}"
    try:
        bot.wait_serving(base)
    except BaseException:
        bot.kill()
        raise
    return bot, base


def nominate(base: str, post_ts: str) -> httpx.Response:
    """A signed thread reply nominating NOMINEE, as Slack delivers it."""
    raw = json.dumps(_reply(post_ts))
    return httpx.post(f"{base}/slack/events", content=raw, headers=signed_headers(raw))


def _answered(fake: FakeSlack) -> list[str]:
    """Where the bot's messages after the daily post went (the nominee's DM is to U…)."""
    return [str(c.params.get("channel")) for c in fake.of("chat.postMessage")][1:]


def test_sigterm_in_http_mode_answers_what_it_acknowledged_then_exits_0(
    env: dict[str, str],  # noqa: F811
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    post_ts = _posted(fake_slack, capsys)
    fake_slack.delays["reactions.add"] = 2.0
    bot, base = http_bot(env)
    try:
        assert nominate(base, post_ts).status_code == 200
        code, seconds = bot.stop(signal.SIGTERM)
    finally:
        bot.kill()

    assert code == 0, "\n".join(bot.lines)
    assert seconds < 10
    assert len(fake_slack.of("reactions.add")) == 1
    assert _answered(fake_slack) == [NOMINEE]
    assert any("event=stopped answers_dropped=0" in line for line in bot.lines)


def test_sigterm_in_socket_mode_answers_what_it_acknowledged_then_exits_0(
    env: dict[str, str],  # noqa: F811
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    post_ts = _posted(fake_slack, capsys)
    fake_slack.delays["reactions.add"] = 2.0
    envelope = sample("socket_envelope_message_user_mention_retry.json")
    envelope["payload"] = _reply(post_ts)
    envelope["retry_attempt"] = 0
    fake_slack.push(envelope)
    port = free_port()
    socket_env = env | {"SLACK_APP_TOKEN": APP_TOKEN, "BOT_ADMIN_PORT": f"127.0.0.1:{port}"}
    bot = Spawned(["run"], socket_env)
    try:
        bot.wait_for("Socket Mode")
        bot.wait_serving(f"http://127.0.0.1:{port}")  # /livez on BOT_ADMIN_PORT
        assert fake_slack.wait_for_acks(1)[0]["envelope_id"] == envelope["envelope_id"]
        code, seconds = bot.stop(signal.SIGTERM)
    finally:
        bot.kill()

    assert code == 0, "\n".join(bot.lines)
    assert seconds < 10
    assert _answered(fake_slack) == [NOMINEE]
    assert fake_slack.socket_clients == 0  # the socket was closed, not dropped


def test_an_answer_that_outlasts_the_bound_is_left_and_the_exit_still_comes_in_time(
    env: dict[str, str],  # noqa: F811
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    post_ts = _posted(fake_slack, capsys)
    fake_slack.delays["reactions.add"] = 20.0  # Slack hangs far past BOT_SHUTDOWN_SECONDS
    bot, base = http_bot(env | {"BOT_SHUTDOWN_SECONDS": "2"})
    try:
        assert nominate(base, post_ts).status_code == 200
        fake_slack.wait_for("reactions.add")
        code, seconds = bot.stop(signal.SIGTERM)
    finally:
        bot.kill()

    assert code == 0 and seconds < 8, "\n".join(bot.lines)
    assert any("answers_dropped=1" in line for line in bot.lines)
    assert _answered(fake_slack) == []  # the DM after the hanging reaction never went
