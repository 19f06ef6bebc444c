"""Stopping on SIGTERM and SIGINT: stop taking work, finish what is in flight, exit 0.

`Stopping.install()` turns both signals into an event the main thread waits on (Socket Mode,
Stream mode) or, for a terminal chat blocked in `input()`, into a `Stop` raised there. uvicorn
captures the signals itself while it serves and raises them again once it has stopped, which
lands here too. What is left in flight then gets a bounded time (BOT_SHUTDOWN_SECONDS).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterable
from types import FrameType
from typing import Protocol

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Stop(Exception):
    """A stop signal arrived while the main thread was blocked (a terminal chat's prompt)."""


class Drains(Protocol):
    def pending(self) -> int: ...


class Stopping:
    """The stop signals (SIGTERM, SIGINT) caught once: the first sets `event` and
    remembers the signal; the main loop ends its wait and shuts down in order.
    """

    def __init__(self, *, raise_in_main: bool = False) -> None:
        self.event = threading.Event()
        self.raise_in_main = raise_in_main
        self.signal: str | None = None

    def install(self) -> Stopping:
        for number in STOP_SIGNALS:
            signal.signal(number, self._on_signal)
        return self

    def _on_signal(self, number: int, _frame: FrameType | None) -> None:
        first = not self.event.is_set()
        self.signal = signal.Signals(number).name
        self.event.set()
        if first:
            log.info("event=stopping signal=%s", self.signal)
            if self.raise_in_main:
                raise Stop(self.signal)

    def wait(self) -> None:
        while not self.event.wait(0.5):  # a timeout, so signals are handled promptly
            pass


class Deadline:
    """One bound shared by every step of a shutdown."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())


def drain(work: Iterable[Drains], deadline: Deadline) -> int:
    """Wait until nothing is pending in any of `work`, or the deadline; returns what is left."""
    pools = list(work)
    while True:
        left = sum(pool.pending() for pool in pools)
        if left == 0 or deadline.left() == 0:
            return left
        time.sleep(0.02)
