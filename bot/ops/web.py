"""The HTTP mode: a small ASGI app served by uvicorn.

    POST /slack/events     events, slash commands and interactivity, verified by Bolt
    POST /dingtalk/events  DingTalk robot callbacks, verified by their timestamp and sign
    GET  /livez, /readyz, /healthz, /metrics   the operator's endpoints (bot.ops.admin)

Bolt's App is synchronous, so each request is dispatched on a thread pool and the event loop
stays free to take the next one.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import h11
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.ops.admin import AdminApp, Health, Receive, Send, headers_of, respond
from bot.ops.metrics import METRICS

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; anything bigger is not from Slack
SLACK_WINDOW = 300  # seconds: Slack's own, and how long a signed request is remembered
SLACK_HOOKS = "https://hooks.slack.com"
SLOW_SECONDS = 10.0  # a client that has not sent its headers, or its body, by then is cut off
MAX_CONNECTIONS = 200
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
        seen: Callable[[str, str], bool] | None = None,
        response_hosts: tuple[str, ...] = (),
        metrics_token: str = "",
        metrics: bool = True,
    ) -> None:
        """`seen(timestamp, signature)`: True the first time a signed Slack request is seen.
        `response_hosts`: origins (scheme://host) besides hooks.slack.com that response_urls
        may name. `metrics_token`: a bearer token /metrics asks for; `metrics`: False when
        /metrics is served on an address of its own."""
        self.slack, self.slack_secret = slack, slack_secret
        self.dingtalk = dingtalk
        self.seen = seen
        self.response_hosts = (SLACK_HOOKS, *response_hosts)
        self.admin = AdminApp(health=health, metrics_token=metrics_token, metrics=metrics)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="http")

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if await self.admin.handle(scope, send):
            return
        if path == "/slack/events" and self.slack is not None:
            started = time.perf_counter()
            body = await _posted_body(method, receive, send)
            if body is None:
                return
            response = await self._in_pool(self._dispatch_slack, scope, body)
            await respond(
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
            status, answer = await self._in_pool(self.dingtalk, headers_of(scope), body)
            await respond(send, status, answer, "application/json")
            METRICS.ack.observe(time.perf_counter() - started, platform="dingtalk")
            return
        await respond(send, 404, b"not found", "text/plain")

    def _dispatch_slack(self, scope: dict[str, Any], body: bytes) -> BoltResponse:
        """Verify first (401 before any parsing), then parse (400), refuse replays, dispatch."""
        assert self.slack is not None
        headers: dict[str, list[str]] = {}
        for name, value in scope.get("headers") or ():
            headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        text = body.decode("utf-8", "replace")
        if not slack_signed(headers, text, self.slack_secret, now=time.time()):
            return BoltResponse(status=401, body='{"error": "invalid request"}')
        try:
            payload, form = parse_slack_body(text, _first(headers.get("content-type")))
        except (ValueError, TypeError, RecursionError):
            return BoltResponse(status=400, body='{"error": "malformed body"}')
        if form:  # a slash command or interactivity runs once: a repeat is only acknowledged
            stamp = _first(headers.get("x-slack-request-timestamp")) or ""
            signature = _first(headers.get("x-slack-signature")) or ""
            if not self._first_use(stamp, signature):
                log.warning("slack: a signed request was replayed; acknowledged and ignored")
                return BoltResponse(status=200, body="")
        self._drop_foreign_response_urls(payload)
        try:
            request = BoltRequest(
                body=payload,  # parsed here; verified above, so Bolt's own check is skipped
                query=scope.get("query_string", b"").decode("latin-1"),
                headers=headers,  # type: ignore[arg-type]
                mode="socket_mode",
            )
        except (ValueError, TypeError, AttributeError, KeyError):  # fields Bolt cannot read
            return BoltResponse(status=400, body='{"error": "malformed body"}')
        try:
            return self.slack.dispatch(request)
        except Exception:
            log.exception("slack request failed")
            return BoltResponse(status=500, body='{"error": "internal"}')

    def _first_use(self, stamp: str, signature: str) -> bool:
        return True if self.seen is None else self.seen(stamp, signature)

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

    def response_allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        return (parts.scheme == "https" and origin == SLACK_HOOKS) or any(
            origin == allowed.rstrip("/") for allowed in self.response_hosts[1:]
        )


def slack_signed(headers: dict[str, list[str]], body: str, secret: str, *, now: float) -> bool:
    """Slack's v0 signature over `v0:timestamp:body`, within 5 minutes; ASCII digits only."""
    stamp = _first(headers.get("x-slack-request-timestamp")) or ""
    signature = _first(headers.get("x-slack-signature")) or ""
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
    return payload, form


def _first(values: Any) -> str | None:
    if isinstance(values, (list, tuple)):
        return str(values[0]) if values else None
    return None if values is None else str(values)


async def _posted_body(method: str, receive: Receive, send: Send) -> bytes | None:
    """The body of a POST; anything else, or a body over MAX_BODY, is answered here (None)."""
    if method != "POST":
        await respond(send, 405, b"use POST", "text/plain")
        return None
    try:
        body = await asyncio.wait_for(_read_body(receive), SLOW_SECONDS)
    except TimeoutError:
        await respond(send, 408, b"request body too slow", "text/plain")
        return None
    if body is None:
        await respond(send, 413, b"request too large", "text/plain")
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


class GuardedH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection that has not sent a whole request's
    headers within `slow_seconds` of opening (or of its last answer): slow-header clients
    would otherwise hold a connection for as long as they like."""

    slow_seconds = SLOW_SECONDS
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(self.slow_seconds, self._too_slow)

    def _cancel_deadline(self) -> None:
        deadline = getattr(self, "_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._deadline = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the headers are in
            self._cancel_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.info("http: a client sent no complete request in %.0f s; closed", self.slow_seconds)
            self.transport.close()


def server_config(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    slow_seconds: float = SLOW_SECONDS,
    max_connections: int = MAX_CONNECTIONS,
    grace: float = 5.0,
) -> Any:
    """uvicorn's settings for values-bot: slow clients cut off, connections capped (503 past
    the cap), keep-alive idle connections closed after 5 s, requests in flight given `grace`
    seconds to finish once a stop signal arrives."""
    import uvicorn

    protocol = type("Guarded", (GuardedH11,), {"slow_seconds": slow_seconds})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        http=protocol,
        limit_concurrency=max_connections,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=max(1, round(grace)),
    )


def serve(
    app: WebApp,
    *,
    host: str,
    port: int,
    metrics_at: tuple[str, int] | None = None,
    grace: float = 5.0,
) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn stops taking connections and lets the requests in
    flight finish within `grace` seconds); /metrics apart if asked."""
    import threading

    import uvicorn

    if metrics_at is not None:
        metrics = uvicorn.Server(
            server_config(
                AdminApp(metrics_token=app.admin.metrics_token),
                host=metrics_at[0],
                port=metrics_at[1],
            )
        )
        threading.Thread(target=metrics.run, name="metrics", daemon=True).start()
    uvicorn.Server(server_config(app, host=host, port=port, grace=grace)).run()
