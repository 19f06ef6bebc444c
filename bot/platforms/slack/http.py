"""`POST /slack/events` in HTTP mode: events, slash commands and interactivity.

Verified first (401 before any parsing), then parsed (400), replays of commands and clicks
refused, and `response_url`s outside Slack's hooks host dropped, before Bolt dispatches it.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.ops.web import Answer, Request

log = logging.getLogger(__name__)
PATH = "/slack/events"
SLACK_WINDOW = 300  # seconds: Slack's own, and how long a signed request is remembered
SLACK_HOOKS = "https://hooks.slack.com"


class SlackEvents:
    """The route: `seen(timestamp, signature)` is True the first time a signed request is seen;
    `response_hosts` are origins (scheme://host) besides hooks.slack.com that response_urls
    may name (the configured API's, for a proxy or a test's fake)."""

    def __init__(
        self,
        app: App,
        secret: str,
        *,
        seen: Callable[[str, str], bool] | None = None,
        response_hosts: tuple[str, ...] = (),
    ) -> None:
        self.app, self.secret, self.seen = app, secret, seen
        self.response_hosts = response_hosts

    def __call__(self, request: Request) -> Answer:
        response = self.dispatch(request)
        content_type = response.headers.get("content-type")
        return Answer(
            response.status,
            (response.body or "").encode(),
            (content_type[0] if content_type else "") or "text/plain;charset=utf-8",
        )

    def dispatch(self, request: Request) -> BoltResponse:
        text = request.body.decode("utf-8", "replace")
        if not slack_signed(request, text, self.secret, now=time.time()):
            return BoltResponse(status=401, body='{"error": "invalid request"}')
        try:
            payload, form = parse_slack_body(text, request.header("content-type"))
        except (ValueError, TypeError, RecursionError):
            return BoltResponse(status=400, body='{"error": "malformed body"}')
        if form:  # a slash command or interactivity runs once: a repeat is only acknowledged
            stamp = request.header("x-slack-request-timestamp")
            signature = request.header("x-slack-signature")
            if self.seen is not None and not self.seen(stamp, signature):
                log.warning("slack: a signed request was replayed; acknowledged and ignored")
                return BoltResponse(status=200, body="")
        self._drop_foreign_response_urls(payload)
        try:
            bolt_request = BoltRequest(
                body=payload,  # parsed here; verified above, so Bolt's own check is skipped
                query=request.query,
                headers=request.headers,  # type: ignore[arg-type]
                mode="socket_mode",
            )
        except (ValueError, TypeError, AttributeError, KeyError):  # fields Bolt cannot read
            return BoltResponse(status=400, body='{"error": "malformed body"}')
        try:
            return self.app.dispatch(bolt_request)
        except Exception:
            log.exception("slack request failed")
            return BoltResponse(status=500, body='{"error": "internal"}')

    def _drop_foreign_response_urls(self, payload: dict[str, Any]) -> None:
        """`response_url`s are answered only on Slack's hooks host (or the configured API's)."""
        url = payload.get("response_url")
        if url is not None and not (isinstance(url, str) and self.response_allowed(url)):
            log.warning("slack: a response_url outside hooks.slack.com was dropped")
            payload.pop("response_url")
        urls = payload.get("response_urls")
        if isinstance(urls, list):
            kept = [
                u
                for u in urls
                if isinstance(u, dict)
                and isinstance(u.get("response_url"), str)
                and self.response_allowed(u["response_url"])
            ]
            if len(kept) != len(urls):
                log.warning("slack: a response_url outside hooks.slack.com was dropped")
            payload["response_urls"] = kept

    def response_allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        return (parts.scheme == "https" and origin == SLACK_HOOKS) or any(
            origin == allowed.rstrip("/") for allowed in self.response_hosts
        )


def slack_signed(request: Request, body: str, secret: str, *, now: float) -> bool:
    """Slack's v0 signature over `v0:timestamp:body`, within 5 minutes; ASCII digits only."""
    stamp = request.header("x-slack-request-timestamp")
    signature = request.header("x-slack-signature")
    if not secret or not (0 < len(stamp) <= 12 and stamp.isascii() and stamp.isdigit()):
        return False
    if abs(now - int(stamp)) > SLACK_WINDOW or not signature.isascii():
        return False
    expected = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body) or ""
    return hmac.compare_digest(expected.encode(), signature.encode())


def parse_slack_body(text: str, content_type: str | None) -> tuple[dict[str, Any], bool]:
    """(payload, whether it came as a form). A JSON object (events), or a form (commands);
    a form with a `payload` key is interactivity, whose payload must be a JSON object. The
    word "payload" inside a command's text is just a word. Raises ValueError otherwise."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json" or text.lstrip().startswith("{"):
        payload, form = json.loads(text), False
    else:
        fields = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
        payload = json.loads(fields["payload"]) if "payload" in fields else fields
        form = True
    if not isinstance(payload, dict):
        raise ValueError("not a JSON object")
    for name, shape in _SHAPES.items():  # Bolt reads these without checking their type
        if name in payload and not isinstance(payload[name], shape):
            raise ValueError(f"{name} is not a JSON {shape.__name__}")
    actions = payload.get("actions")
    if isinstance(actions, list) and not all(isinstance(a, dict) for a in actions):
        raise ValueError("actions are not JSON objects")
    return payload, form


_SHAPES: dict[str, type] = {"view": dict, "event": dict, "actions": list}
