"""Starting for DingTalk: missing settings named together, refused credentials said plainly."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import Settings
from tests.fake_dingtalk import CLIENT_ID, FakeDingTalk

NAMES = ("DINGTALK_CLIENT_ID", "DINGTALK_CLIENT_SECRET", "DINGTALK_ROBOT_CODE", "DINGTALK_API_URL")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> pytest.MonkeyPatch:
    for name in (*NAMES, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return monkeypatch


def test_a_client_id_without_its_secret_names_what_is_missing(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("DINGTALK_CLIENT_ID", "your-client-id")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "DINGTALK_CLIENT_ID" in err and "DINGTALK_CLIENT_SECRET" in err


def test_credentials_dingtalk_refuses_stop_the_start(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fake_dingtalk: FakeDingTalk
) -> None:
    clean_env.setenv("DINGTALK_CLIENT_ID", CLIENT_ID)
    clean_env.setenv("DINGTALK_CLIENT_SECRET", "a-wrong-but-real-looking-secret")
    clean_env.setenv("DINGTALK_API_URL", fake_dingtalk.url)
    assert main(["run", "--http", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "invalidClientIdOrSecret" in err and "DINGTALK_CLIENT_SECRET" in err


def test_the_robot_code_defaults_to_the_client_id_and_urls_are_checked() -> None:
    settings = Settings.from_env(
        {"DINGTALK_CLIENT_ID": "dingabc123456", "DINGTALK_API_URL": "http://127.0.0.1:9/"}
    )
    assert settings.platforms == ("dingtalk",)
    dingtalk = settings.section("dingtalk")
    assert dingtalk.robot_code == "dingabc123456"
    assert dingtalk.api_url == "http://127.0.0.1:9"
    assert dingtalk.legacy_url == "http://127.0.0.1:9"
    assert Settings.from_env({}).section("dingtalk").legacy_url == "https://oapi.dingtalk.com"
    with pytest.raises(ValueError, match="DINGTALK_API_URL"):
        Settings.from_env({"DINGTALK_API_URL": "api.dingtalk.com"})


def test_posting_to_dingtalk_without_credentials_says_what_to_set(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["subscribe", "--platform", "dingtalk", "--channel", "cid1", "--workspace", "r"]) == 0
    )
    assert main(["post", "--platform", "dingtalk", "--channel", "cid1", "--workspace", "r"]) == 2
    assert "DINGTALK_CLIENT_SECRET" in capsys.readouterr().err
