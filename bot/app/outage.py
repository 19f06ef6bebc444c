"""When the database is away: keep the message, tell its author, store it once it answers.

A message that could not be stored is retried here with backoff (one thread for all of them),
and the platform is also told "not stored" where it redelivers (it is answered non-2xx and
retries), so a crash during the outage loses nothing. Storing is idempotent (invariant 2): the
retry and a platform's redelivery store the case once.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

from bot.core.messages import Incoming, Reply
from bot.ops.metrics import METRICS
from storage.store import database_away

__all__ = ["StoreLater", "database_away"]

log = logging.getLogger(__name__)
DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)  # then every 30 s
GIVE_UP_SECONDS = 3600.0


class StoreLater:
    """Messages kept while the database is away; `stored(incoming, replies)` once they are in."""

    def __init__(
        self,
        handle: Callable[[Incoming], list[Reply]],
        stored: Callable[[Incoming, list[Reply]], None],
        *,
        name: str,
        delays: tuple[float, ...] = DELAYS,
        give_up_after: float = GIVE_UP_SECONDS,
    ) -> None:
        self.handle, self.stored, self.name = handle, stored, name
        self.delays, self.give_up_after = delays, give_up_after
        self._queue: list[tuple[float, int, int, float, Incoming]] = []
        self._keys: set[tuple[str, str, str, str]] = set()
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"{name}-store-later", daemon=True)
        self._thread.start()

    def keep(self, incoming: Incoming) -> bool:
        """Keep a message for a retry; False if it is kept already (a redelivery)."""
        key = _key(incoming)
        with self._wake:
            if key in self._keys:
                return False
            self._keys.add(key)
            now = time.monotonic()
            heapq.heappush(self._queue, (now + self.delays[0], next(self._order), 0, now, incoming))
            self._wake.notify()
        METRICS.retries.inc(platform=incoming.place.platform)
        log.warning(
            "%s: database away; message %s/%s kept for a retry",
            self.name,
            incoming.place.channel,
            incoming.message_id,
        )
        return True

    def pending(self) -> int:
        with self._wake:
            return len(self._queue)

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._closed and (
                    not self._queue or self._queue[0][0] > time.monotonic()
                ):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._wake.wait(timeout)
                if self._closed:
                    return
                due, order, attempt, first, incoming = heapq.heappop(self._queue)
            self._try(attempt, first, incoming)

    def _try(self, attempt: int, first: float, incoming: Incoming) -> None:
        try:
            replies = self.handle(incoming)
        except Exception as error:
            if database_away(error) and time.monotonic() - first < self.give_up_after:
                delay = self.delays[min(attempt + 1, len(self.delays) - 1)]
                with self._wake:
                    heapq.heappush(
                        self._queue,
                        (time.monotonic() + delay, next(self._order), attempt + 1, first, incoming),
                    )
                return
            METRICS.errors.inc(where="store_later")
            log.error(
                "%s: message %s/%s could not be stored and is dropped: %s",
                self.name,
                incoming.place.channel,
                incoming.message_id,
                type(error).__name__,
            )
        else:
            log.info(
                "%s: message %s/%s stored after %d retries",
                self.name,
                incoming.place.channel,
                incoming.message_id,
                attempt + 1,
            )
            try:
                self.stored(incoming, replies)
            except Exception:
                log.exception("%s: answering a retried message failed", self.name)
        self._forget(incoming)

    def _forget(self, incoming: Incoming) -> None:
        with self._wake:
            self._keys.discard(_key(incoming))


def _key(incoming: Incoming) -> tuple[str, str, str, str]:
    return (incoming.place.channel_key, incoming.message_id, incoming.kind, str(incoming.revised))
