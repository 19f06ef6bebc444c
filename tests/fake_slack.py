"""A small fake Slack Web API on 127.0.0.1, over real HTTP.

It records every call and answers the methods values-bot uses; it can answer 429 with
Retry-After. Response URLs (`/respond/…`) and file uploads (`/upload/…`) point back at it.
`apps.connections.open` hands out a Socket Mode WebSocket of its own: `push()` sends it
envelopes, `acks` holds what the client answered.

    python -m tests.fake_slack --port 8090     # for trying the bot by hand
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from websockets.sync.server import ServerConnection, serve

TEAM, BOT_USER, BOT_ID = "T111", "UVALUESBOT", "BVALUESBOT"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str
    at: float = field(default_factory=time.monotonic)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.names: dict[str, str] = {}  # user id → real_name, as users.info answers
        self.emails: dict[str, str] = {}  # e-mail → user id, as users.lookupByEmail answers
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> posted messages
        self.bots: set[str] = {BOT_USER}
        self.group_members: list[str] | None = None  # None: the plan has no user groups
        self.rate_limit_every = 0  # answer every n-th call of a limited method with 429
        self.rate_limited: set[str] = {"chat.postMessage"}
        self.retry_after = 1
        self.delay = 0.0  # seconds to wait before answering chat.postMessage
        self.fail_every = 0  # answer every n-th chat.postMessage with a 503 …
        self.fail_after_accept = False  # … after keeping the message (Slack took it, then failed)
        self.verbose = False  # print each call (when run by hand)
        self.delays: dict[str, float] = {}  # method -> seconds before answering it
        self.envelopes: list[dict[str, Any]] = []  # for the Socket Mode client
        self.acks: list[dict[str, Any]] = []
        self.socket_clients = 0  # Socket Mode connections open now
        self.connections = 0  # HTTP connections opened to the Web API so far
        self._open: set[Any] = set()
        self._ws: Any = None
        self._ts = itertools.count(1)
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # ---- life -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._ws is not None:
            self._ws.shutdown()

    # ---- Socket Mode ----------------------------------------------------------------------------

    def push(self, envelope: dict[str, Any]) -> None:
        """Queue an envelope for the Socket Mode client (sent once it is connected)."""
        with self._lock:
            self.envelopes.append(envelope)

    def wait_for_acks(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.acks) >= count:
                    return list(self.acks)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} ack(s), saw {len(self.acks)}")

    def _socket_url(self) -> str:
        with self._lock:
            if self._ws is None:
                self._ws = serve(self._socket, "127.0.0.1", 0)
                threading.Thread(target=self._ws.serve_forever, daemon=True).start()
        return f"ws://127.0.0.1:{self._ws.socket.getsockname()[1]}/link"

    def _socket(self, connection: ServerConnection) -> None:
        with self._lock:
            self.socket_clients += 1
        try:
            connection.send(json.dumps({"type": "hello", "num_connections": 1}))
            sent = 0
            while True:
                with self._lock:
                    pending = self.envelopes[sent:]
                for envelope in pending:
                    connection.send(json.dumps(envelope))
                    sent += 1
                try:
                    raw = connection.recv(timeout=0.05)
                except TimeoutError:
                    continue
                except Exception:
                    return
                with contextlib.suppress(ValueError), self._lock:
                    self.acks.append(json.loads(raw))
        finally:
            with self._lock:
                self.socket_clients -= 1

    # ---- what happened ----------------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) of {method}, got {len(self.of(method))}")

    def responses(self) -> list[Call]:
        return self.of("respond")

    # ---- answers ----------------------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.delays.get(method):
            time.sleep(self.delays[method])
        if method == "apps.connections.open":
            return 200, {"ok": True, "url": self._socket_url()}
        if method == "auth.test":
            return 200, {
                "ok": True,
                "url": "https://values-test.slack.com/",
                "team": "Values Test",
                "user": "values-bot",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
            }
        if method == "chat.postMessage":
            if self.delay:
                time.sleep(self.delay)
            ts = f"{1700000000 + next(self._ts)}.000100"
            message = {
                "type": "message",
                "ts": ts,
                "text": params.get("text", ""),
                "bot_id": BOT_ID,
                "thread_ts": params.get("thread_ts"),
                "metadata": _json(params.get("metadata")),
                "blocks": _json(params.get("blocks")),
            }
            failing = self._failing()
            if failing and not self.fail_after_accept:
                return 503, {"ok": False, "error": "service_unavailable"}
            with self._lock:
                self.messages.setdefault(str(params.get("channel")), []).append(message)
            if failing:
                return 503, {"ok": False, "error": "service_unavailable"}
            return 200, {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
        if method == "chat.postEphemeral":
            return 200, {"ok": True, "message_ts": f"{1700000000 + next(self._ts)}.000200"}
        if method == "views.open":
            return 200, {"ok": True, "view": {"id": f"V{next(self._ts):06d}"}}
        if method == "users.info":
            user = str(params.get("user"))
            return 200, {
                "ok": True,
                "user": {
                    "id": user,
                    "name": user.lower(),
                    "real_name": self.names.get(user, ""),
                    "is_bot": user in self.bots,
                },
            }
        if method == "users.lookupByEmail":
            found = self.emails.get(str(params.get("email", "")).casefold())
            if found is None:
                return 200, {"ok": False, "error": "users_not_found"}
            return 200, {"ok": True, "user": {"id": found, "name": found.lower(), "deleted": False}}
        if method == "conversations.history":
            channel = str(params.get("channel"))
            with self._lock:
                found = list(reversed(self.messages.get(channel, [])))
            return 200, {"ok": True, "messages": found, "has_more": False}
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": "D" + str(params.get("users"))[1:]}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):06d}"
            return 200, {
                "ok": True,
                "upload_url": f"{self.url}upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.completeUploadExternal":
            files = _json(params.get("files")) or []
            return 200, {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title")} for f in files],
            }
        if method == "usergroups.users.list":
            if self.group_members is None:
                return 200, {"ok": False, "error": "plan_upgrade_required"}
            return 200, {"ok": True, "users": self.group_members}
        return 200, {"ok": True}

    def _failing(self) -> bool:
        if not self.fail_every:
            return False
        with self._lock:
            self._counts["fail"] = self._counts.get("fail", 0) + 1
            return self._counts["fail"] % self.fail_every == 0

    def posts_in(self, channel: str) -> list[dict[str, Any]]:
        """The daily posts (messages with our metadata) in a channel."""
        with self._lock:
            return [
                m
                for m in self.messages.get(channel, [])
                if (m.get("metadata") or {}).get("event_type") == "values_daily_post"
            ]

    def hang_up(self) -> None:
        """Close every open connection, as Slack does with idle ones."""
        import contextlib
        import socket

        with self._lock:
            open_now = list(self._open)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _limited(self, method: str) -> bool:
        if not self.rate_limit_every or method not in self.rate_limited:
            return False
        with self._lock:
            self._counts[method] = self._counts.get(method, 0) + 1
            return self._counts[method] % self.rate_limit_every == 0

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # as Slack: connections stay open between calls

            def log_message(self, *_args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with fake._lock:
                    fake.connections += 1
                    fake._open.add(self.connection)

            def finish(self) -> None:
                with fake._lock:
                    fake._open.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = urlparse(self.path).path
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if path.startswith("/upload/"):
                    fake._record(Call("upload", {"file": path[8:], "body": raw}, token))
                    return self._send(200, b"OK - " + str(len(raw)).encode(), "text/plain")
                params = _params(raw, self.headers.get("Content-Type") or "")
                if path.startswith("/respond/"):
                    fake._record(Call("respond", params, token))
                    return self._send(200, b"ok", "text/plain")
                method = path.rsplit("/", 1)[-1]
                fake._record(Call(method, params, token))
                if not token.startswith("xoxb-") and not token.startswith("xapp-"):
                    return self._json(200, {"ok": False, "error": "not_authed"})
                if fake._limited(method):
                    return self._json(
                        429,
                        {"ok": False, "error": "ratelimited"},
                        {"Retry-After": str(fake.retry_after)},
                    )
                status, body = fake.answer(method, params)
                self._json(status, body)

            do_GET = do_POST

            def _json(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                self._send(status, json.dumps(body).encode(), "application/json", headers)

            def _send(
                self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
        if self.verbose:
            shown = {k: v for k, v in call.params.items() if k not in ("blocks", "body")}
            print(f"{call.method} {json.dumps(shown, ensure_ascii=False)[:400]}", flush=True)


def _params(raw: bytes, kind: str) -> dict[str, Any]:
    text = raw.decode("utf-8", "replace")
    if "json" in kind and text:
        loaded = json.loads(text)
        return loaded if isinstance(loaded, dict) else {"body": loaded}
    return dict(parse_qsl(text))


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description="a fake Slack Web API for trying values-bot")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--quiet", action="store_true", help="do not print each call")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per chat.postMessage")
    args = parser.parse_args()
    fake = FakeSlack()
    fake._server.server_close()
    fake._server = ThreadingHTTPServer(("127.0.0.1", args.port), fake._handler())
    fake._server.daemon_threads = True
    fake.verbose = not args.quiet
    fake.delay = args.delay
    print(f"fake Slack Web API at {fake.api_url} (Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake._server.serve_forever()


if __name__ == "__main__":
    main()
