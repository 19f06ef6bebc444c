"""The app manifests ask for what the bot uses, and nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"
NEEDED = {
    "chat:write",
    "commands",
    "channels:history",
    "groups:history",
    "reactions:write",
    "users:read",
    "users:read.email",
    "usergroups:read",
    "im:write",
    "files:write",
}


@pytest.mark.parametrize(
    ("name", "socket"), [("slack-manifest.yaml", True), ("slack-manifest-http.yaml", False)]
)
def test_the_manifest_has_the_command_events_interactivity_and_least_scopes(
    name: str, socket: bool
):
    manifest = yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))

    assert set(manifest["oauth_config"]["scopes"]["bot"]) == NEEDED
    assert "user" not in manifest["oauth_config"]["scopes"]  # no user tokens
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/values" and command["should_escape"] is True
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "message.channels",
        "message.groups",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is socket
    urls = [
        command.get("url"),
        settings["event_subscriptions"].get("request_url"),
        settings["interactivity"].get("request_url"),
    ]
    if socket:
        assert urls == [None, None, None]
    else:
        assert all(url and url.endswith("/slack/events") for url in urls)
