"""The HTTP mode: a small ASGI app served by uvicorn.

    POST /slack/events     events, slash commands and interactivity, verified by Bolt
    POST /dingtalk/events  DingTalk robot callbacks, verified by their timestamp and sign
    GET  /healthz          whether the database answers and the scheduler ticks
    GET  /metrics          Prometheus text format: posts, nominations, refusals, errors, ack time

Bolt's App is synchronous, so each request is dispatched on a thread pool and the event loop
stays free to take the next one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.metrics import METRICS

log = logging.getLogger(__name__)
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; anything bigger is not from Slack
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Health = Callable[[], dict[str, Any]]
DingTalkCallbacks = Callable[[dict[str, str], bytes], tuple[int, bytes]]


class WebApp:
    def __init__(
        self,
        *,
        slack: App | None,
        health: Health,
        slack_secret: str = "",
        dingtalk: DingTalkCallbacks | None = None,
        workers: int = 16,
    ) -> None:
        self.slack, self.health, self.slack_secret = slack, health, slack_secret
        self.dingtalk = dingtalk
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="http")

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if path == "/healthz" and method in ("GET", "HEAD"):
            report = await self._in_pool(self.health)
            status = 200 if report.get("ok") else 503
            await _respond(send, status, json.dumps(report).encode(), "application/json")
            return
        if path == "/metrics" and method in ("GET", "HEAD"):
            await _respond(send, 200, METRICS.render().encode(), PROMETHEUS)
            return
        if path == "/slack/events" and self.slack is not None:
            started = time.perf_counter()
            body = await _posted_body(method, receive, send)
            if body is None:
                return
            response = await self._in_pool(self._dispatch_slack, scope, body)
            await _respond(
                send,
                response.status,
                (response.body or "").encode(),
                _first(response.headers.get("content-type")) or "text/plain;charset=utf-8",
            )
            METRICS.ack.observe(time.perf_counter() - started, platform="slack")
            return
        if path == "/dingtalk/events" and self.dingtalk is not None:
            started = time.perf_counter()
            body = await _posted_body(method, receive, send)
            if body is None:
                return
            status, answer = await self._in_pool(self.dingtalk, _headers(scope), body)
            await _respond(send, status, answer, "application/json")
            METRICS.ack.observe(time.perf_counter() - started, platform="dingtalk")
            return
        await _respond(send, 404, b"not found", "text/plain")

    def _dispatch_slack(self, scope: dict[str, Any], body: bytes) -> BoltResponse:
        assert self.slack is not None
        headers: dict[str, list[str]] = {}
        for name, value in scope.get("headers") or ():
            headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        stamp = _first(headers.get("x-slack-request-timestamp"))
        if stamp is None or not stamp.strip().isdigit():
            # slack_sdk raises on a non-numeric timestamp, which Bolt turns into a 500 (R8)
            return BoltResponse(status=401, body='{"error": "invalid request"}')
        text = body.decode("utf-8", "replace")
        try:
            request = BoltRequest(
                body=text,
                query=scope.get("query_string", b"").decode("latin-1"),
                headers=headers,  # type: ignore[arg-type]
            )
            malformed = not _slack_shaped(request.body)
        except (ValueError, TypeError, AttributeError, KeyError):
            malformed = True  # neither JSON nor a form Bolt can read
        if malformed:  # 400 if Slack signed it, else 401
            verifier = SignatureVerifier(self.slack_secret or "-")
            signature = _first(headers.get("x-slack-signature")) or ""
            if verifier.is_valid(body=text, timestamp=stamp, signature=signature):
                return BoltResponse(status=400, body='{"error": "malformed body"}')
            return BoltResponse(status=401, body='{"error": "invalid request"}')
        try:
            return self.slack.dispatch(request)
        except Exception:
            log.exception("slack request failed")
            return BoltResponse(status=500, body='{"error": "internal"}')

    async def _in_pool(self, work: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, work, *args)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.pool.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _slack_shaped(payload: Any) -> bool:
    """Slack sends a JSON object, or a form whose `payload` (if any) is a JSON object."""
    if not isinstance(payload, dict):
        return False
    inner = payload.get("payload")
    return inner is None or isinstance(inner, dict)


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    """Request headers, lower-cased names, the first value of each."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers") or ():
        found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return found


def _first(values: Any) -> str | None:
    if isinstance(values, (list, tuple)):
        return str(values[0]) if values else None
    return None if values is None else str(values)


async def _posted_body(method: str, receive: Receive, send: Send) -> bytes | None:
    """The body of a POST; anything else, or a body over MAX_BODY, is answered here (None)."""
    if method != "POST":
        await _respond(send, 405, b"use POST", "text/plain")
        return None
    body = await _read_body(receive)
    if body is None:
        await _respond(send, 413, b"request too large", "text/plain")
    return body


async def _read_body(receive: Receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes, kind: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", kind.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def serve(app: WebApp, *, host: str, port: int) -> None:
    """Serve until interrupted (uvicorn handles SIGINT/SIGTERM)."""
    import uvicorn

    uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    ).run()
