"""The Slack Web API client keeps its connections: one TCP connection for many calls."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.platforms.slack.client import web_client


class _Counting(ThreadingHTTPServer):
    connections = 0
    statuses: list[int]


class _Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Slack's API serves
    server: _Counting

    def setup(self) -> None:
        super().setup()
        self.server.connections += 1

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        ok = status == 200
        body = json.dumps({"ok": ok, "team_id": "T1"} if ok else {"ok": False, "error": "x"})
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if status == 429:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[_Counting]:
    server = _Counting(("127.0.0.1", 0), _Api)
    server.statuses = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _client(server: _Counting) -> object:
    url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    return web_client(Settings(slack_bot_token="xoxb-test-token", slack_api_url=url))


def test_many_calls_share_one_connection(api: _Counting) -> None:
    client = _client(api)
    answers = [client.auth_test()["team_id"] for _ in range(5)]  # type: ignore[attr-defined]

    assert answers == ["T1"] * 5
    assert api.connections == 1


def test_a_rate_limit_is_waited_out_and_an_error_still_raises(api: _Counting) -> None:
    client = _client(api)
    api.statuses = [429, 200]

    assert client.auth_test()["team_id"] == "T1"  # type: ignore[attr-defined]

    api.statuses = [400]
    with pytest.raises(SlackApiError):
        client.auth_test()  # type: ignore[attr-defined]


def test_an_unreachable_api_raises_a_connection_error() -> None:
    settings = Settings(slack_bot_token="xoxb-test-token", slack_api_url="http://127.0.0.1:9/api/")
    client = web_client(settings, retry_rate_limits=False, for_posting=True)

    with pytest.raises(URLError):
        client.auth_test()
