"""A platform is one package plus one registry line: a made-up fourth platform, "echo"
(tests/echo_platform.py, written only against bot.platforms.base), is configured, started,
served, posted to and named by the CLI without an edit to any module of bot/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from tests import echo_platform
from tests.serving import free_port

ROOT = Path(__file__).resolve().parents[1]
STORY = "客户账号被盗后，他用其他凭证核实身份，帮客户绑定新号码并找回账号"
TOKEN = "echo-token-8c1f2e"


def echo(args: list[str], env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess[str]:
    """`values-bot ARGS` with the echo platform registered, as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "tests.echo_platform", *args],
        env=os.environ | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        **kw,
    )


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> dict[str, str]:
    clean = {name: "" for name in os.environ if name.startswith(("SLACK_", "DINGTALK_"))}
    return clean | {
        "DATABASE_URL": sqlite_url,
        "ECHO_TOKEN": TOKEN,
        "ECHO_OUTBOX": str(tmp_path / "outbox.jsonl"),
        "BOT_ADMINS": "echo:ann",
        "BOT_LOCALE": "en",
        "BOT_TICK_SECONDS": "1",
    }


def outbox(env: dict[str, str]) -> list[dict[str, Any]]:
    path = Path(env["ECHO_OUTBOX"])
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def wait_for(env: dict[str, str], kind: str, to: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [line for line in outbox(env) if line["kind"] == kind and line.get("to") == to]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no {kind} to {to} in {outbox(env)}")


def test_settings_read_a_registered_platform_section(monkeypatch):
    from bot.platforms import registry

    monkeypatch.setitem(registry.PLATFORMS, "echo", echo_platform.PLATFORM)

    on = Settings.from_env({"ECHO_TOKEN": TOKEN, "ECHO_OUTBOX": "/tmp/x"})
    half = Settings.from_env({"ECHO_OUTBOX": "/tmp/x"})

    assert on.platforms == ("echo",) and on.section("echo").token == TOKEN
    assert half.platforms == () and half.half_configured() == [
        "ECHO_OUTBOX is set but ECHO_TOKEN is not"
    ]


def test_a_fourth_platform_runs_end_to_end_with_no_edit_to_bot(env):
    """Subscribe, post, nominate, read back: through `run --http`, `post` and `summary`."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.echo_platform", "run", "--http"]
        + ["--host", "127.0.0.1", "--port", str(port)],
        env=os.environ | env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert server.poll() is None, server.communicate()[0]

        def event(user: str, text: str, token: str = TOKEN) -> httpx.Response:
            body = {"channel": "room1", "user": user, "text": text}
            return httpx.post(f"{base}/echo/events", json=body, headers={"x-echo-token": token})

        assert event("ann", "/values subscribe", token="forged").status_code == 401
        assert event("ann", "/values subscribe").status_code == 200
        assert event("ann", "garbage", token="").status_code == 401

        posted = echo(["post", "--platform", "echo", "--channel", "room1"], env)
        assert posted.returncode == 0, posted.stderr
        posts = [line for line in outbox(env) if line["kind"] == "post"]
        assert len(posts) == 1 and posts[0]["channel"] == "room1"  # by the CLI or the scheduler

        assert event("ann", f"@bob {STORY}").status_code == 200
        assert "bob" in wait_for(env, "confirm", "echo:ann")["text"]
        assert wait_for(env, "notify", "echo:bob")

        assert event("bob", "/values me").status_code == 200
        assert STORY[:12] in wait_for(env, "private", "echo:bob")["text"]
        assert event("ann", "/values summary").status_code == 200  # ann is an admin
        summarised = wait_for(env, "private", "echo:ann")["text"]
        assert "echo:bob" in summarised and STORY[:12] in summarised

        # the operator hides the case from the shell; the running bot tells its author
        listed = echo(["cases", "list", "--person", "echo:bob"], env)
        number = listed.stdout.split("\t", 1)[0]
        hidden = echo(["cases", "hide", number, "--reason", "a duplicate"], env)
        assert hidden.returncode == 0, hidden.stderr
        told = wait_for(env, "tell", "echo:ann")["text"]
        assert number in told and "a duplicate" in told
    finally:
        server.terminate()
        out = server.communicate(timeout=20)[0]
    assert f"{base}/echo/events" in out  # the platform's own greeting, printed by `run`

    summary = echo(["summary", "--user", "echo:bob"], env)
    hidden = echo(["cases", "list", "--state", "hidden"], env)
    assert summary.returncode == 0, summary.stderr
    assert STORY[:12] not in summary.stdout  # hidden from appraisal: counted nowhere
    assert STORY[:12] in hidden.stdout and "a duplicate" in hidden.stdout


def test_a_fourth_platform_is_checked_before_it_starts(env):
    refused = echo(["run", "--http"], env | {"ECHO_TOKEN": "changeme-please"})

    assert refused.returncode == 2
    assert "ECHO_TOKEN looks like a placeholder" in refused.stderr


def test_the_cli_names_a_fourth_platform_from_the_registry(env):
    helped = echo(["post", "--help"], env)
    wrong = echo(["summary", "--user", "feishu:ou_1"], env)

    assert "echo" in helped.stdout and "room1 (echo)" in helped.stdout
    assert wrong.returncode == 2 and "echo:ann" in wrong.stderr
