"""Starting for Slack: every missing or placeholder setting named in one message."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings
from tests.fake_slack import FakeSlack
from tests.slack.conftest import TOKEN


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> pytest.MonkeyPatch:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return monkeypatch


def test_placeholder_tokens_stop_socket_mode_with_one_message_naming_each(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-your-bot-token")
    clean_env.setenv("SLACK_APP_TOKEN", "xapp-...")

    assert main(["run"]) == 2

    err = capsys.readouterr().err
    assert "Socket Mode" in err and "SLACK_BOT_TOKEN" in err and "SLACK_APP_TOKEN" in err


def test_http_mode_needs_the_signing_secret_and_says_so_with_the_token(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    assert main(["run", "--http"]) == 2

    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "SLACK_SIGNING_SECRET" in err
    assert "SLACK_APP_TOKEN" not in err


def test_a_token_slack_refuses_is_reported_clearly(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fake_slack: FakeSlack
):
    original = fake_slack.answer
    fake_slack.answer = lambda method, params: (  # type: ignore[method-assign]
        (200, {"ok": False, "error": "invalid_auth"})
        if method == "auth.test"
        else original(method, params)
    )
    clean_env.setenv("SLACK_BOT_TOKEN", TOKEN)
    clean_env.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5")
    clean_env.setenv("SLACK_API_URL", fake_slack.api_url)

    assert main(["run", "--http", "--port", "0"]) == 2

    assert "invalid_auth" in capsys.readouterr().err


def test_slack_api_url_must_be_a_url_and_gets_its_slash():
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"SLACK_API_URL": "localhost:8090"})
    assert "SLACK_API_URL" in str(error.value)

    settings = Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:8090/api"})
    assert settings.section("slack").api_url == "http://127.0.0.1:8090/api/"
    assert Settings.from_env({}).section("slack").api_url == "https://slack.com/api/"
