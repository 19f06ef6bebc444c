"""A small fake DingTalk OpenAPI on 127.0.0.1, over real HTTP (and a Stream gateway over WS).

It records token and send calls, answers the endpoints values-bot uses, and can answer with
flow control, throttling and expired tokens:

    POST /v1.0/oauth2/accessToken              {"accessToken", "expireIn"}
    POST /v1.0/robot/groupMessages/send        {"processQueryKey"}; 401 for a stale token
    POST /v1.0/robot/oToMessages/batchSend     flowControlledStaffIdList for chosen people
    POST /robot/sendBySession?session=…       a message's sessionWebhook
    POST /topapi/v2/user/get?access_token=…    a colleague's name (and manager, departments)
    POST /topapi/v2/department/listsubid, /topapi/v2/department/get, /topapi/user/listid
                                               the directory, for `people sync`
    POST /media/upload?access_token=…&type=…   a file, for one-to-one file messages
    POST /v1.0/gateway/connections/open        a ticket for the fake Stream gateway (WebSocket)

    python -m tests.fake_dingtalk --port 8091     # for trying the bot by hand
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from websockets.sync.server import ServerConnection, serve

CLIENT_ID, CLIENT_SECRET = "dingvaluesbot1234", "s3cret-Value5-B0t-AppSecret-xyz"
ROBOT_CODE = CLIENT_ID


@dataclass
class Call:
    path: str
    body: dict[str, Any]
    token: str
    query: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    status: int = 0  # what the fake answered

    @property
    def param(self) -> dict[str, Any]:
        """The decoded msgParam of a robot message."""
        raw = self.body.get("msgParam")
        return json.loads(raw) if isinstance(raw, str) else {}


class FakeDingTalk:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.groups: set[str] | None = None  # None: the robot is in every group
        self.names: dict[str, str] = {}
        # the directory: department id → (name, child department ids, member userids), and
        # each member's details as topapi/v2/user/get answers them (manager_userid, …)
        self.departments: dict[int, tuple[str, list[int], list[str]]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.expire_in = 7200
        self.token_delay = 0.0  # seconds before answering a token request
        self.flow_controlled: dict[str, int] = {}  # staffId -> times to answer "flow-controlled"
        self.throttle_every = 0  # answer every n-th send with 429
        self.fail_sends = 0  # answer the next n sends with 500
        self.send_delay = 0.0  # seconds a group message takes to be answered (it is delivered)
        self.delays: dict[str, float] = {}  # path -> seconds before answering it
        self.files: dict[str, bytes] = {}
        self.verbose = False
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self._counter = itertools.count(1)
        self._token_ids = itertools.count(1)
        self._sends = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.frames: list[dict[str, Any]] = []  # pushed by the Stream gateway
        self.acks: list[dict[str, Any]] = []  # what the client answered
        self._ws = serve(self._stream, "127.0.0.1", 0)
        self._ws_thread = threading.Thread(target=self._ws.serve_forever, daemon=True)

    # ---- life -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self._ws.socket.getsockname()[1]}/connect"

    def session_webhook(self, name: str = "s1") -> str:
        return f"{self.url}/robot/sendBySession?session={name}"

    def start(self) -> FakeDingTalk:
        self._thread.start()
        self._ws_thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._ws.shutdown()

    # ---- what happened ----------------------------------------------------------------------

    def of(self, path: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(path)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) to {path}, saw {len(self.of(path))}")

    def tokens_issued(self) -> int:
        return len(self.of("/v1.0/oauth2/accessToken"))

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (as after 7200 s)."""
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def group_messages(self, conversation: str | None = None) -> list[Call]:
        """Group messages DingTalk accepted (refused, throttled and failed calls left out)."""
        return [
            c
            for c in self.of("/v1.0/robot/groupMessages/send")
            if c.status == 200
            and (conversation is None or c.body.get("openConversationId") == conversation)
        ]

    def direct_messages(self, staff: str | None = None) -> list[Call]:
        return [
            c
            for c in self.of("/v1.0/robot/oToMessages/batchSend#delivered")
            if staff is None or staff in c.body.get("userIds", [])
        ]

    def session_replies(self) -> list[Call]:
        return self.of("/robot/sendBySession")

    def texts(self, calls: list[Call]) -> list[str]:
        """The markdown (or text) of each recorded message."""
        out = []
        for call in calls:
            if call.path == "/robot/sendBySession":
                body = call.body
                out.append(str((body.get("markdown") or body.get("text") or {}).get("text", "")))
            else:
                out.append(str(call.param.get("text") or call.param.get("content") or ""))
        return out

    # ---- answers ----------------------------------------------------------------------------

    def answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        path = call.path
        if self.delays.get(path):
            time.sleep(self.delays[path])
        if path == "/v1.0/oauth2/accessToken":
            if self.token_delay:
                time.sleep(self.token_delay)
            body = call.body
            if body.get("appKey") != CLIENT_ID or body.get("appSecret") != CLIENT_SECRET:
                return 400, {
                    "code": "invalidClientIdOrSecret",
                    "message": "无效的clientId或者clientSecret",
                }
            token = f"token-{next(self._token_ids)}"
            with self._lock:
                self._tokens[token] = time.monotonic() + self.expire_in
            return 200, {"accessToken": token, "expireIn": self.expire_in}
        if path == "/v1.0/gateway/connections/open":
            if call.body.get("clientId") != CLIENT_ID:
                return 400, {"code": "invalidClientId", "message": "bad client"}
            return 200, {"endpoint": self.ws_url, "ticket": f"ticket-{next(self._counter)}"}
        if path == "/robot/sendBySession":
            return 200, {"errcode": 0, "errmsg": "ok"}
        if not self._valid(call.token):
            return 401, {"code": "InvalidAuthentication", "message": "不合法的access_token"}
        if path in (
            "/topapi/v2/department/listsubid",
            "/topapi/v2/department/get",
            "/topapi/user/listid",
        ):
            found = self.departments.get(int(call.body.get("dept_id", -1)))
            if found is None:
                return 200, {"errcode": 60003, "errmsg": "部门不存在"}
            name, children, members = found
            result = {
                "/topapi/v2/department/listsubid": {"dept_id_list": children},
                "/topapi/v2/department/get": {"dept_id": call.body["dept_id"], "name": name},
                "/topapi/user/listid": {"userid_list": members},
            }[path]
            return 200, {"errcode": 0, "result": result}
        if path == "/topapi/v2/user/get" and str(call.body.get("userid")) in self.users:
            detail = self.users[str(call.body.get("userid"))]
            return 200, {"errcode": 0, "result": {"userid": call.body["userid"], **detail}}
        if path == "/topapi/v2/user/get":
            name = self.names.get(str(call.body.get("userid")))
            if name is None:
                return 200, {"errcode": 60121, "errmsg": "找不到该用户"}
            return 200, {"errcode": 0, "result": {"userid": call.body["userid"], "name": name}}
        if path == "/media/upload":
            media = f"@media-{next(self._counter)}"
            self.files[media] = call.body.get("_file", b"")
            return 200, {"errcode": 0, "media_id": media, "type": "file"}
        if call.body.get("robotCode") != ROBOT_CODE:
            return 400, {"code": "robot.not.exist", "message": "robotCode 不存在"}
        with self._lock:
            self._sends += 1
            throttled = self.throttle_every and self._sends % self.throttle_every == 0
            failing = self.fail_sends > 0
            if failing:
                self.fail_sends -= 1
        if throttled:
            return 429, {"code": "Throttling.Api", "message": "请求被流控"}
        if failing:
            return 500, {"code": "ServiceUnavailable", "message": "服务暂不可用"}
        if len(call.body.get("msgParam", "").encode()) > 15_000:
            return 400, {"code": "param.tooLong", "message": "msgParam 超过 15000 字节"}
        if path == "/v1.0/robot/groupMessages/send":
            group = call.body.get("openConversationId")
            if self.groups is not None and group not in self.groups:
                return 400, {"code": "resource.not.found", "message": "机器人不在该群中"}
            if self.send_delay:
                time.sleep(self.send_delay)  # delivered, but the answer comes late
            return 200, {"processQueryKey": f"pqk-{next(self._counter)}"}
        if path == "/v1.0/robot/oToMessages/batchSend":
            users = call.body.get("userIds") or []
            if len(users) > 20:
                return 400, {"code": "param.userIds", "message": "userIds 最多 20 个"}
            throttled_users = []
            with self._lock:
                for user in users:
                    if self.flow_controlled.get(user, 0) > 0:
                        self.flow_controlled[user] -= 1
                        throttled_users.append(user)
            delivered = [u for u in users if u not in throttled_users]
            if delivered:
                self._record(
                    Call(path + "#delivered", call.body | {"userIds": delivered}, call.token)
                )
            return 200, {
                "processQueryKey": f"pqk-{next(self._counter)}",
                "invalidStaffIdList": [],
                "flowControlledStaffIdList": throttled_users,
                "filteredStaffIdList": [],
            }
        return 404, {"code": "NotFound", "message": path}

    def _valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._tokens.get(token)
        return expiry is not None and expiry > time.monotonic()

    # ---- the Stream gateway -------------------------------------------------------------------

    def push(self, frame: dict[str, Any]) -> None:
        """Queue a frame for the connected Stream client (sent as soon as it is connected)."""
        with self._lock:
            self.frames.append(frame)

    def _stream(self, connection: ServerConnection) -> None:
        sent = 0
        connection.socket.settimeout(None)
        while True:
            with self._lock:
                pending = self.frames[sent:]
            for frame in pending:
                connection.send(json.dumps(frame, ensure_ascii=False))
                sent += 1
            try:
                raw = connection.recv(timeout=0.05)
            except TimeoutError:
                continue
            except Exception:
                return
            with contextlib.suppress(ValueError), self._lock:
                self.acks.append(json.loads(raw))

    def wait_for_acks(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.acks) >= count:
                    return list(self.acks)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} ack(s), saw {len(self.acks)}")

    # ---- HTTP -------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                url = urlparse(self.path)
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                query = dict(parse_qsl(url.query))
                kind = self.headers.get("content-type", "")
                body = _multipart(raw, kind) if kind.startswith("multipart/") else _json(raw)
                token = self.headers.get("x-acs-dingtalk-access-token") or query.get(
                    "access_token", ""
                )
                call = Call(url.path, body, token, query)
                fake._record(call)
                status, answer = fake.answer(call)
                call.status = status
                if fake.verbose:
                    print(f"{status} {url.path} {json.dumps(body, ensure_ascii=False)[:300]}")
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _multipart(raw: bytes, kind: str) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + raw)
    found: dict[str, Any] = {}
    for part in message.iter_parts():
        if part.get_filename():
            found["_file"] = part.get_payload(decode=True)
            found["_filename"] = part.get_filename()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake DingTalk OpenAPI for trying values-bot.")
    parser.add_argument("--port", type=int, default=8091)
    args = parser.parse_args()
    fake = FakeDingTalk()
    fake._server.server_close()
    fake._server = ThreadingHTTPServer(("127.0.0.1", args.port), fake._handler())
    fake.verbose = True
    print(f"fake DingTalk on {fake.url} (client id {CLIENT_ID}, secret {CLIENT_SECRET})")
    with contextlib.suppress(KeyboardInterrupt):
        fake._ws_thread.start()
        fake._server.serve_forever()


if __name__ == "__main__":
    main()
