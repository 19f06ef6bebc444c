"""The Web API client keeps its connection open between calls, as Slack allows, and still
behaves as slack_sdk's own: a closed connection is opened again, a 429 waits and retries."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.platforms.slack.client import KeptAliveClient, web_client
from bot.platforms.slack.settings import SlackSettings
from tests.fake_slack import FakeSlack

TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


def client(fake: FakeSlack, **kwargs: bool) -> KeptAliveClient:
    made = web_client(SlackSettings(bot_token=TOKEN, api_url=fake.api_url), **kwargs)
    assert isinstance(made, KeptAliveClient)
    return made


def test_calls_from_one_thread_share_one_connection(fake):
    slack = client(fake)

    for _ in range(5):
        assert slack.auth_test()["ok"]
    slack.reactions_add(channel="C1", timestamp="1.2", name="white_check_mark")

    assert fake.connections == 1
    assert [c.method for c in fake.calls] == ["auth.test"] * 5 + ["reactions.add"]


def test_a_connection_slack_closed_is_opened_again_and_the_call_made_once(fake):
    slack = client(fake)
    slack.auth_test()
    fake.hang_up()  # Slack drops the idle connection
    time.sleep(0.05)

    slack.chat_postMessage(channel="U1", text="hi")

    assert fake.connections == 2
    assert [c.method for c in fake.calls].count("chat.postMessage") == 1


def test_a_rate_limit_is_waited_for_and_retried(fake):
    fake.rate_limit_every, fake.retry_after = 1, 0  # every chat.postMessage: 429 …
    slack = client(fake)
    with pytest.raises(Exception, match="ratelimited"):
        slack.chat_postMessage(channel="U1", text="hi")  # … so the retries run out
    fake.rate_limit_every = 2  # every second one: the retry goes through

    answer = slack.chat_postMessage(channel="U1", text="again")

    assert answer["ok"] and fake.connections == 1


def test_the_poster_s_client_opens_a_connection_per_call(fake):
    poster = web_client(SlackSettings(bot_token=TOKEN, api_url=fake.api_url), for_posting=True)

    poster.auth_test()
    poster.auth_test()

    assert not isinstance(poster, KeptAliveClient) and fake.connections == 2
