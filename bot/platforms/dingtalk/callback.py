"""DingTalk's HTTP callback mode: the `timestamp` + `sign` check, then the shared handler.

sign = Base64(HmacSHA256(key=AppSecret, msg=timestamp + "\\n" + AppSecret)), timestamp in
milliseconds (platforms.md D3). The signature covers only the timestamp, never the body
(reliability.md R9), so one header pair seen anywhere could sign any body for an hour. Here:

- a pair is accepted once, remembered in the database so that no replica takes it again;
- a timestamp more than an hour old, or more than five minutes ahead, is refused;
- the body's `createAt` must lie within 60 seconds of the header's timestamp;
- the body is otherwise unauthenticated: the bot never answers through an address taken
  from it (its `sessionWebhook`), only through the OpenAPI (see `DingTalkBot.receive`).

A callback that could not be stored is answered 503, so DingTalk delivers it again; its pair
is released for that redelivery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.app.chat import Replays
from bot.app.clock import Clock
from bot.app.outage import database_away
from bot.ops.web import Answer, Request

log = logging.getLogger(__name__)
MAX_AGE_MS = 3_600_000  # DingTalk's own window
MAX_AHEAD_MS = 300_000  # a clock a little fast is fine; a header from the future is not
MAX_BODY_SKEW_MS = 60_000  # the body's createAt against the header's timestamp
OK = b'{"msgtype": "empty"}'
UNSIGNED = b'{"error": "invalid signature"}'


def sign(timestamp: str, secret: str) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def digits(value: str, longest: int = 16) -> bool:
    """ASCII digits only: `'²'.isdigit()` is true in Python, and int() takes Arabic-Indic digits."""
    return 0 < len(value) <= longest and value.isascii() and value.isdigit()


def verified(headers: Mapping[str, str], secret: str, *, now_ms: int) -> bool:
    """Whether the `timestamp` and `sign` headers are DingTalk's, and recent enough."""
    stamp, signature = headers.get("timestamp", ""), headers.get("sign", "")
    if not secret or not digits(stamp) or not signature or not signature.isascii():
        return False
    age = now_ms - int(stamp)
    if age > MAX_AGE_MS or age < -MAX_AHEAD_MS:
        return False
    return hmac.compare_digest(sign(stamp, secret).encode(), signature.strip().encode())


def created_near(payload: dict[str, Any], stamp: str) -> bool:
    created = payload.get("createAt")
    if isinstance(created, bool) or not isinstance(created, int):
        return False
    return abs(created - int(stamp)) <= MAX_BODY_SKEW_MS


class Callbacks:
    """`POST /dingtalk/events`: verify, refuse replays, hand to the bot; 401 for anything unsigned."""

    def __init__(
        self, secret: str, receive: Callable[[Any], None], *, trust: Replays, clock: Clock
    ) -> None:
        self.secret, self.receive, self.trust, self.clock = secret, receive, trust, clock

    def route(self, request: Request) -> Answer:
        """The HTTP route: the first value of each header counts."""
        headers = {name: values[0] for name, values in request.headers.items() if values}
        status, body = self(headers, request.body)
        return Answer(status, body)

    def __call__(self, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        now = self.clock.now()
        if not verified(headers, self.secret, now_ms=int(now.timestamp() * 1000)):
            return 401, UNSIGNED
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return 400, b'{"error": "malformed body"}'
        if not isinstance(payload, dict):
            return 400, b'{"error": "malformed body"}'
        stamp, signature = headers["timestamp"], headers["sign"].strip()
        if not created_near(payload, stamp):
            log.warning("dingtalk: a signed callback whose createAt is not its timestamp's")
            return 401, b'{"error": "body does not match its signature time"}'
        try:
            fresh = self._first_use(stamp, signature, now)
        except Exception as error:
            if database_away(error):
                return 503, b'{"error": "try again"}'
            raise
        if not fresh:
            log.warning("dingtalk: a callback's timestamp and sign were used before: refused")
            return 401, b'{"error": "replayed"}'
        try:
            self.receive(payload)
        except Exception as error:
            self._release(stamp, signature)
            if not database_away(error):
                log.exception("dingtalk: a callback could not be handled")
            else:
                log.warning("dingtalk: the database is away; DingTalk will deliver again")
            return 503, b'{"error": "not stored; deliver again"}'
        return 200, OK

    def _first_use(self, stamp: str, signature: str, now: datetime) -> bool:
        until = datetime.fromtimestamp(int(stamp) / 1000, now.tzinfo) + timedelta(
            milliseconds=MAX_AGE_MS
        )
        return self.trust.first_use(
            platform="dingtalk", stamp=stamp, signature=signature, now=now, until=until
        )

    def _release(self, stamp: str, signature: str) -> None:
        try:
            self.trust.release(platform="dingtalk", stamp=stamp, signature=signature)
        except Exception:  # the database is away: the redelivery will have its own pair
            log.warning("dingtalk: could not release a callback's pair for its redelivery")
