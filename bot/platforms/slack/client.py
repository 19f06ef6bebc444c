"""Talking to the Slack Web API: a client that retries 429s, and a pacer for posting.

chat.postMessage allows about one message per second per channel (platforms.md S8); the pacer
keeps every post into one channel at least that far apart, whichever thread sends it.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from http.client import HTTPMessage
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

import httpx
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from bot.config import Settings


def web_client(
    settings: Settings,
    *,
    timeout: int = 15,
    retry_rate_limits: bool = True,
    for_posting: bool = False,
) -> WebClient:
    """A WebClient on SLACK_API_URL; 429s wait for Retry-After, then retry (up to 5 times).

    `for_posting`: only 429s are retried here (Slack did not take the message); a 5xx or a
    dropped connection may hide a post Slack accepted, so the poster checks history instead.
    """
    handlers: list[RetryHandler] = []
    if not for_posting:
        handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    if retry_rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))
    if retry_rate_limits and not for_posting:
        handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    return KeptAliveClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=handlers,
    )


class KeptAliveClient(WebClient):
    """slack_sdk's WebClient over one pool of kept-alive connections (httpx).

    The SDK sends every call through `urllib.request.urlopen`, which opens a new TCP (and TLS)
    connection each time: two per nomination (the reaction, the nominee's message). Here the
    same request is sent through an httpx.Client, and its answer handed back in urllib's
    shapes (an HTTPError for a status of 400 or more, URLError or TimeoutError when the
    connection fails), so the SDK's parsing and retry handlers work unchanged.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._http = httpx.Client(timeout=self.timeout, verify=self.ssl or True)

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None or not url.lower().startswith("http"):
            return super()._perform_urllib_http_request_internal(url, req)
        data = req.data if isinstance(req.data, bytes) else None
        try:
            answer = self._http.request(
                req.get_method(), url, headers=dict(req.header_items()), content=data
            )
        except httpx.TimeoutException as error:
            raise TimeoutError(str(error)) from error
        except httpx.TransportError as error:
            raise URLError(error) from error
        headers = HTTPMessage()
        for name, value in answer.headers.multi_items():
            headers[name] = value
        if answer.status_code >= 400:
            raise HTTPError(
                url, answer.status_code, answer.reason_phrase, headers, io.BytesIO(answer.content)
            )
        return {"status": answer.status_code, "headers": headers, "body": answer.text}


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
