"""Talking to the Slack Web API: a client that retries 429s and keeps its connections, and a
pacer for posting.

chat.postMessage allows about one message per second per channel (platforms.md S8); the pacer
keeps every post into one channel at least that far apart, whichever thread sends it.
"""

from __future__ import annotations

import http.client
import io
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from bot.platforms.slack.settings import SlackSettings


def web_client(
    settings: SlackSettings,
    *,
    timeout: int = 15,
    retry_rate_limits: bool = True,
    for_posting: bool = False,
) -> WebClient:
    """A WebClient on SLACK_API_URL; 429s wait for Retry-After, then retry (up to 5 times).

    `for_posting`: only 429s are retried here (Slack did not take the message); a 5xx or a
    dropped connection may hide a post Slack accepted, so the poster checks history instead;
    it opens a connection per call, so nothing it sends is ever sent twice. Every other
    client keeps its connections alive (`KeptAliveClient`).
    """
    handlers: list[RetryHandler] = []
    if not for_posting:
        handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    if retry_rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))
    if retry_rate_limits and not for_posting:
        handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    kind = WebClient if for_posting else KeptAliveClient
    return kind(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=timeout,
        retry_handlers=handlers,
    )


class ChannelPacer:
    """At most one send per `interval` seconds into each channel; other channels never wait."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval, self.clock, self.sleep = interval, clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        with self._lock:
            now = self.clock()
            start = max(now, self._next.get(channel, now))
            self._next[channel] = start + self.interval
            if len(self._next) > 10_000:  # forget channels whose slot has long passed
                self._next = {c: t for c, t in self._next.items() if t > now}
        if start > now:
            self.sleep(start - now)


class KeptAliveClient(WebClient):
    """slack_sdk's WebClient, each thread keeping its connection to the Web API open.

    slack_sdk opens a new TCP (and TLS) connection for every call; an answer makes two or three
    calls. Here each thread reuses its own HTTP/1.1 connection while Slack keeps it open. A
    reused connection found closed before any answer came is opened again once; everything
    else (HTTP errors, retries, rate limits) is slack_sdk's own handling, unchanged.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._local = threading.local()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(req.header_items())
        for attempt in range(2):
            connection, reused = self._connection(parts.scheme, parts.netloc)
            try:
                connection.request(req.get_method(), target, body=req.data, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                self._drop()
                if reused and attempt == 0:
                    continue  # Slack closed an idle connection before reading the request
                raise URLError(error) from error
            except (OSError, http.client.HTTPException) as error:
                self._drop()
                raise URLError(error) from error
            if response.will_close:
                self._drop()
            return _answer(url, response, body)
        raise AssertionError("unreachable")

    def _connection(self, scheme: str, netloc: str) -> tuple[http.client.HTTPConnection, bool]:
        kept = getattr(self._local, "connection", None)
        if kept is not None and self._local.origin == (scheme, netloc):
            return kept, True
        self._drop()
        if scheme == "https":
            fresh: http.client.HTTPConnection = http.client.HTTPSConnection(
                netloc, timeout=self.timeout, context=self.ssl
            )
        else:
            fresh = http.client.HTTPConnection(netloc, timeout=self.timeout)
        self._local.connection, self._local.origin = fresh, (scheme, netloc)
        return fresh, False

    def _drop(self) -> None:
        kept = getattr(self._local, "connection", None)
        if kept is not None:
            kept.close()
        self._local.connection = None


def _answer(url: str, response: http.client.HTTPResponse, body: bytes) -> dict[str, Any]:
    """What slack_sdk's urllib path returns (or raises, for an HTTP error status)."""
    if response.status >= 400:
        raise HTTPError(url, response.status, response.reason, response.headers, io.BytesIO(body))
    if response.headers.get_content_type() == "application/gzip":
        return {"status": response.status, "headers": response.headers, "body": body}
    charset = response.headers.get_content_charset() or "utf-8"
    return {"status": response.status, "headers": response.headers, "body": body.decode(charset)}
