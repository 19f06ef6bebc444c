"""DingTalk's HTTP callback mode: the `timestamp` + `sign` check, then the shared handler.

sign = Base64(HmacSHA256(key=AppSecret, msg=timestamp + "\\n" + AppSecret)), timestamp in
milliseconds and at most an hour away from now (platforms.md D3). The signature does not cover
the body (reliability.md R9): msgIds are deduplicated and replies go only to DingTalk's hosts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)
MAX_SKEW_MS = 3_600_000
OK = b'{"msgtype": "empty"}'


def sign(timestamp: str, secret: str) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def verified(headers: Mapping[str, str], secret: str, *, now_ms: int | None = None) -> bool:
    """Whether the `timestamp` and `sign` headers are DingTalk's, and recent enough."""
    stamp, signature = headers.get("timestamp", ""), headers.get("sign", "")
    if not secret or not stamp.isdigit() or not signature or len(stamp) > 16:
        return False
    now = int(time.time() * 1000) if now_ms is None else now_ms
    if abs(now - int(stamp)) > MAX_SKEW_MS:
        return False
    return hmac.compare_digest(sign(stamp, secret).encode(), signature.strip().encode())


class Callbacks:
    """`POST /dingtalk/events`: verify, parse, hand to the bot; 401 for anything unsigned."""

    def __init__(self, secret: str, receive: Callable[[Any], None]) -> None:
        self.secret, self.receive = secret, receive

    def __call__(self, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        if not verified(headers, self.secret):
            return 401, b'{"error": "invalid signature"}'
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, b'{"error": "malformed body"}'
        if not isinstance(payload, dict):
            return 400, b'{"error": "malformed body"}'
        try:
            self.receive(payload)
        except Exception:
            log.exception("dingtalk: a callback could not be handled")
            return 500, b'{"error": "internal"}'
        return 200, OK
