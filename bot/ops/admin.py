"""The operator's endpoints: liveness, readiness and metrics, as a small ASGI app.

    GET /livez    the process serves (always 200 while it does)
    GET /readyz   the database answers and the scheduler ticks (503 otherwise)
    GET /healthz  the same as /readyz, kept for existing probes
    GET /metrics  Prometheus text format (a bearer token when BOT_METRICS_TOKEN is set)

`run --http` mounts these in its own app; Socket Mode and Stream workers, which serve nothing
else, serve them on BOT_ADMIN_PORT; BOT_METRICS_ADDRESS moves /metrics alone elsewhere.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from bot.ops.metrics import METRICS, PROMETHEUS

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Health = Callable[[], dict[str, Any]]
READINESS = ("/readyz", "/healthz")


class AdminApp:
    """The operator's endpoints: /livez, /readyz, /healthz and /metrics (behind a bearer
    token when BOT_METRICS_TOKEN is set).
    """

    def __init__(
        self,
        *,
        health: Health | None = None,
        metrics_token: str = "",
        metrics: bool = True,
    ) -> None:
        """`health`: None serves /metrics alone; `metrics`: False when it is served elsewhere."""
        self.health, self.metrics_token, self.metrics = health, metrics_token, metrics

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not await self.handle(scope, send):
            await respond(send, 404, b"not found", "text/plain")

    async def handle(self, scope: dict[str, Any], send: Send) -> bool:
        """Answer an admin path; False for any other request."""
        path = scope["path"]
        if scope["method"] not in ("GET", "HEAD"):
            return False
        if path == "/livez" and self.health is not None:
            await respond(send, 200, b'{"ok": true}', "application/json")
        elif path in READINESS and self.health is not None:
            report = await asyncio.get_running_loop().run_in_executor(None, self.health)
            status = 200 if report.get("ok") else 503
            await respond(send, status, json.dumps(report).encode(), "application/json")
        elif path == "/metrics" and self.metrics:
            if not bearer_ok(headers_of(scope), self.metrics_token):
                await respond(send, 401, b"bearer token required", "text/plain")
            else:
                await respond(send, 200, METRICS.render().encode(), PROMETHEUS)
        else:
            return False
        return True


def bearer_ok(headers: dict[str, str], token: str) -> bool:
    if not token:
        return True
    given = headers.get("authorization", "")
    return hmac.compare_digest(given.encode("latin-1"), f"Bearer {token}".encode("latin-1"))


def headers_of(scope: dict[str, Any]) -> dict[str, str]:
    """Request headers, lower-cased names, the first value of each."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers") or ():
        found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return found


async def respond(send: Send, status: int, body: bytes, kind: str) -> None:
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
