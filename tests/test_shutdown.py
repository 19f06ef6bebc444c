"""SIGTERM and SIGINT stop the console gracefully: a real process, exit 0, nothing lost."""

from __future__ import annotations

import json
import signal

import pytest

from bot.cli import main
from tests.serving import Spawned

STORY = "stayed late to walk the new customer through every step of the migration"
NO_PLATFORM = {"SLACK_BOT_TOKEN": "", "SLACK_APP_TOKEN": "", "DINGTALK_CLIENT_ID": ""}


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_the_console_stops_on_a_signal_and_keeps_what_was_said(
    sqlite_url: str,
    signal_number: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = NO_PLATFORM | {"DATABASE_URL": sqlite_url, "BOT_LOCALE": "en", "LOG_LEVEL": "INFO"}
    bot = Spawned(["run", "--as", "alice"], env, stdin=True)
    try:
        bot.wait_for("you are console:alice")
        bot.type(f"@bob {STORY}")
        bot.wait_for("Recorded")
        code, seconds = bot.stop(signal_number)
    finally:
        bot.kill()

    assert code == 0, "\n".join(bot.lines)
    assert seconds < 10
    stopped = [line for line in bot.lines if "event=stopped" in line]
    assert stopped and stopped[0][:4].isdigit()  # one line, with its timestamp first
    assert not any("Traceback" in line for line in bot.lines)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["summary", "--format", "json"]) == 0
    cases = [c["story"] for p in json.loads(capsys.readouterr().out) for c in p["newest"]]
    assert cases == [STORY]
