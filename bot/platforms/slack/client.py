"""Talking to the Slack Web API: a client that retries 429s, and a pacer for posting.

chat.postMessage allows about one message per second per channel (platforms.md S8); the pacer
keeps every post into one channel at least that far apart, whichever thread sends it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

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
    dropped connection may hide a post Slack accepted, so the poster checks history instead.
    """
    handlers: list[RetryHandler] = []
    if not for_posting:
        handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    if retry_rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))
    if retry_rate_limits and not for_posting:
        handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    return WebClient(
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
