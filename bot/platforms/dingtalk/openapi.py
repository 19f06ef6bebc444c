"""DingTalk's OpenAPI over httpx: the access token, group and one-to-one robot messages.

Facts in platforms.md D4: the token lasts 7200 s (cached, refreshed five minutes early and
fetched by one thread while the others wait); group messages take at most 15,000 bytes of
`msgParam`; one-to-one batches take at most 20 users, and users DingTalk reports as
flow-controlled are retried with backoff.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from bot.core.messages import plain_name

log = logging.getLogger(__name__)
TOKEN_MARGIN = 300.0  # refresh this many seconds before DingTalk says the token expires
BATCH = 20
RETRIES = 4  # throttled or failing calls, and flow-controlled users
MAX_PARAM_BYTES = 15_000
SESSION_PATH = "/robot/sendBySession"


class DingTalkError(OSError):
    """DingTalk answered with an error (or not at all)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}" if status else f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    robot_code: str
    api_url: str  # https://api.dingtalk.com
    legacy_url: str  # https://oapi.dingtalk.com


@dataclass
class BatchResult:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # invalid, filtered, or still throttled


def _throttled(status: int, code: str) -> bool:
    lowered = code.lower()
    return (
        status == 429 or "qpslimit" in lowered or "throttl" in lowered or "flowcontrol" in lowered
    )


def _token_refused(status: int, code: str, message: str) -> bool:
    return status == 401 or code == "InvalidAuthentication" or "access_token" in message


class OpenApi:
    """The DingTalk Open API over one kept-alive httpx client: the access token (cached,
    refreshed when refused), group and one-to-one messages, files, and the directory.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        http: httpx.Client | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 1.0,
    ) -> None:
        self.creds = credentials
        self.http = http or httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0))
        self.monotonic, self.sleep, self.backoff = monotonic, sleep, backoff
        self._token: tuple[str, float] | None = None
        self._token_lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    # ---- the access token -----------------------------------------------------------------

    def token(self) -> str:
        """A valid access token; one request fetches it however many threads ask at once."""
        current = self._token
        if current is not None and self.monotonic() < current[1]:
            return current[0]
        with self._token_lock:
            current = self._token
            if current is not None and self.monotonic() < current[1]:
                return current[0]
            answer = self._post(
                "/v1.0/oauth2/accessToken",
                {"appKey": self.creds.client_id, "appSecret": self.creds.client_secret},
                token=None,
            )
            token = answer.get("accessToken")
            if not isinstance(token, str) or not token:
                raise DingTalkError(200, "NoToken", "the token answer carried no accessToken")
            lifetime = answer.get("expireIn")
            seconds = float(lifetime) if isinstance(lifetime, int | float) else 7200.0
            self._token = (token, self.monotonic() + max(60.0, seconds - TOKEN_MARGIN))
            return token

    def forget_token(self, token: str) -> None:
        with self._token_lock:
            if self._token is not None and self._token[0] == token:
                self._token = None

    # ---- calls ------------------------------------------------------------------------------

    def call(self, path: str, body: dict[str, Any], *, once: bool = False) -> dict[str, Any]:
        """POST to the OpenAPI with the token; a refused token is renewed once, throttling waited out.

        `once`: the call must not be repeated unless it provably did not arrive (a refused
        connection, an explicit throttling answer); a read timeout or a 5xx is raised at once.
        """
        token = self.token()
        try:
            return self._post(path, body, token=token, once=once)
        except DingTalkError as error:
            if not _token_refused(error.status, error.code, error.message):
                raise
            log.info("dingtalk: the access token was refused; fetching a new one")
            self.forget_token(token)
            return self._post(path, body, token=self.token(), once=once)

    def _post(
        self, path: str, body: dict[str, Any], *, token: str | None, once: bool = False
    ) -> dict[str, Any]:
        headers = {"x-acs-dingtalk-access-token": token} if token else {}
        url = self.creds.api_url + path
        for attempt in range(RETRIES + 1):
            try:
                response = self.http.post(url, json=body, headers=headers)
            except httpx.TransportError as error:
                # a refused connection sent nothing; a timeout may have been delivered
                unsent = isinstance(error, httpx.ConnectError)
                if attempt == RETRIES or (once and not unsent):
                    code = "Unreachable" if unsent else "NoAnswer"
                    raise DingTalkError(0, code, str(error) or type(error).__name__) from error
                self.sleep(self.backoff * 2**attempt)
                continue
            answer = _json(response)
            if response.status_code < 300:
                return answer
            code, message = str(answer.get("code", "")), str(answer.get("message", ""))
            retry = _throttled(response.status_code, code) or (
                response.status_code >= 500 and not once
            )
            if not retry or attempt == RETRIES:
                raise DingTalkError(response.status_code, code, message)
            self.sleep(_wait(response, self.backoff * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    # ---- robot messages ---------------------------------------------------------------------

    def send_group(self, conversation: str, msg_key: str, param: dict[str, Any]) -> str:
        """Send a robot message to a group; returns DingTalk's processQueryKey."""
        answer = self.call(
            "/v1.0/robot/groupMessages/send",
            {
                "robotCode": self.creds.robot_code,
                "openConversationId": conversation,
                "msgKey": msg_key,
                "msgParam": _param(param),
            },
            once=True,
        )
        return str(answer.get("processQueryKey") or "")

    def send_to_people(
        self, staff_ids: list[str], msg_key: str, param: dict[str, Any]
    ) -> BatchResult:
        """One-to-one messages, 20 people a call; flow-controlled people are retried with backoff."""
        result = BatchResult()
        people = list(dict.fromkeys(staff_ids))
        for start in range(0, len(people), BATCH):
            waiting = people[start : start + BATCH]
            for attempt in range(RETRIES + 1):
                answer = self.call(
                    "/v1.0/robot/oToMessages/batchSend",
                    {
                        "robotCode": self.creds.robot_code,
                        "userIds": waiting,
                        "msgKey": msg_key,
                        "msgParam": _param(param),
                    },
                )
                refused = set(_ids(answer, "invalidStaffIdList")) | set(
                    _ids(answer, "filteredStaffIdList")
                )
                throttled = [p for p in _ids(answer, "flowControlledStaffIdList") if p in waiting]
                result.failed += [p for p in waiting if p in refused]
                result.sent += [p for p in waiting if p not in refused and p not in throttled]
                waiting = throttled
                if not waiting:
                    break
                if attempt < RETRIES:
                    self.sleep(self.backoff * 2**attempt)
            result.failed += waiting
        return result

    def reply_session(self, webhook: str, body: dict[str, Any]) -> None:
        """Answer through a message's sessionWebhook (valid about 90 minutes; D2)."""
        response = self.http.post(webhook, json=body)
        answer = _json(response)
        errcode = answer.get("errcode", 0)
        if response.status_code >= 300 or errcode not in (0, "0", None):
            raise DingTalkError(
                response.status_code, str(errcode), str(answer.get("errmsg", "session reply"))
            )

    def trusted_session(self, webhook: str) -> bool:
        """Only DingTalk's own session endpoint gets our replies, and only in Stream mode.

        Exactly `https://oapi.dingtalk.com/robot/sendBySession?session=…` (or that path on a
        configured DINGTALK_API_URL, for a proxy or a test's fake): scheme, host and path,
        with nothing in the query but the session.
        """
        parts = urlsplit(webhook)
        legacy = urlsplit(self.creds.legacy_url)
        query = parse_qs(parts.query, keep_blank_values=True)
        return (
            (parts.scheme, parts.netloc) == (legacy.scheme, legacy.netloc)
            and parts.path == SESSION_PATH
            and not parts.fragment
            and not parts.username
            and list(query) == ["session"]
            and len(query["session"]) == 1
            and bool(query["session"][0])
        )

    def legacy(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A directory call on the legacy OpenAPI (oapi): its `result`, or DingTalkError."""
        response = self.http.post(
            f"{self.creds.legacy_url}{path}", params={"access_token": self.token()}, json=body
        )
        answer = _json(response)
        if response.status_code >= 300 or answer.get("errcode") not in (0, "0"):
            code = str(answer.get("errcode", response.status_code))
            raise DingTalkError(response.status_code, code, str(answer.get("errmsg", "")))
        return _obj(answer.get("result"))

    def user_name(self, staff: str) -> str | None:
        """A colleague's name from the contact API (topapi/v2/user/get), or None."""
        token = self.token()
        try:
            response = self.http.post(
                f"{self.creds.legacy_url}/topapi/v2/user/get",
                params={"access_token": token},
                json={"userid": staff, "language": "zh_CN"},
            )
        except httpx.TransportError:
            return None
        answer = _json(response)
        if answer.get("errcode") not in (0, "0"):
            return None
        name = _obj(answer.get("result")).get("name")
        return plain_name(name) or None

    def upload_file(self, name: str, content: bytes, *, kind: str = "text/csv") -> str:
        """Upload a file for a one-to-one message; returns its media id."""
        token = self.token()
        response = self.http.post(
            f"{self.creds.legacy_url}/media/upload",
            params={"access_token": token, "type": "file"},
            files={"media": (name, content, kind)},
        )
        answer = _json(response)
        media = answer.get("media_id")
        if response.status_code >= 300 or not isinstance(media, str) or not media:
            raise DingTalkError(
                response.status_code, str(answer.get("errcode", "")), str(answer.get("errmsg", ""))
            )
        return media


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        return _obj(response.json())
    except ValueError:
        return {}


def _ids(answer: dict[str, Any], key: str) -> list[str]:
    found = answer.get(key)
    return [str(item) for item in found] if isinstance(found, list) else []


def _param(param: dict[str, Any]) -> str:
    text = json.dumps(param, ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_PARAM_BYTES:
        raise ValueError(
            f"msgParam is {len(text.encode())} bytes; DingTalk takes {MAX_PARAM_BYTES}"
        )
    return text


def _wait(response: httpx.Response, fallback: float) -> float:
    raw = response.headers.get("retry-after", "")
    return min(float(raw), 60.0) if raw.replace(".", "", 1).isdigit() else fallback
