"""The HTTP mode: a small ASGI app served by uvicorn.

    POST <each platform's routes>              its events, verified by the platform
    GET  /livez, /readyz, /healthz, /metrics   the operator's endpoints (bot.ops.admin)

Each platform hands in a route table (path → handler); a handler is synchronous, so each
request is dispatched on a thread pool and the event loop stays free to take the next one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.ops.admin import AdminApp, Health, Receive, Send, respond
from bot.ops.metrics import METRICS

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000  # chat platforms' payloads are far smaller; anything bigger is not theirs
SLOW_SECONDS = 10.0  # a client that has not sent its headers, or its body, by then is cut off
MAX_CONNECTIONS = 200
# requests handled at once: SQLite takes one writer at a time, so more threads only switch
HTTP_WORKERS = 8


@dataclass(frozen=True)
class Request:
    """A POST to a platform's route: headers (lower-case names), query string, body."""

    headers: dict[str, list[str]]
    query: str
    body: bytes

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"


Route = Callable[[Request], Answer]


class WebApp:
    """The ASGI app of the HTTP mode: each platform's routes (a handler per path, run on
    the thread pool) and the operator's endpoints.
    """

    def __init__(
        self,
        *,
        health: Health,
        routes: Mapping[str, tuple[str, Route]] | None = None,
        workers: int = HTTP_WORKERS,
        metrics_token: str = "",
        metrics: bool = True,
        mounts: Mapping[str, Any] | None = None,
    ) -> None:
        """`routes`: path → (platform, handler), timed per platform. `metrics_token`: a bearer
        token /metrics asks for; `metrics`: False when /metrics is served on its own address.
        `mounts`: path prefix → an ASGI app served under it (the web app under /app)."""
        self.routes = dict(routes or {})
        self.mounts = dict(mounts or {})
        self.admin = AdminApp(health=health, metrics_token=metrics_token, metrics=metrics)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="http")

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        for prefix, mounted in self.mounts.items():
            if path == prefix or path.startswith(prefix + "/"):
                await mounted(scope, receive, send)
                return
        if await self.admin.handle(scope, send):
            return
        route = self.routes.get(path)
        if route is None:
            await respond(send, 404, b"not found", "text/plain")
            return
        platform, handle = route
        started = time.perf_counter()
        body = await _posted_body(method, receive, send)
        if body is None:
            return
        request = Request(_headers(scope), scope.get("query_string", b"").decode("latin-1"), body)
        answer = await self._in_pool(handle, request)
        await respond(send, answer.status, answer.body, answer.content_type)
        METRICS.ack.observe(time.perf_counter() - started, platform=platform)

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


def _headers(scope: dict[str, Any]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in scope.get("headers") or ():
        headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    return headers


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
