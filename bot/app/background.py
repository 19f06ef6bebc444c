"""Work done after a platform has its acknowledgement: a small thread pool that counts.

Failures are logged, never raised at the platform; `pending()` says how much is still running
(for an orderly shutdown, and for tests that wait for answers to be sent).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class Background:
    """A small thread pool for work done after the platform is acknowledged (answers,
    notices); `pending()` counts what is queued or running, and `close` drains it.
    """

    def __init__(self, name: str, *, workers: int = 8) -> None:
        self.name = name
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._pending = 0
        self._lock = threading.Lock()

    def submit(self, work: Callable[..., None], *args: Any) -> None:
        def run() -> None:
            try:
                work(*args)
            except Exception:
                log.exception("%s: %s failed", self.name, getattr(work, "__name__", "work"))
            finally:
                with self._lock:
                    self._pending -= 1

        with self._lock:
            self._pending += 1
        self._pool.submit(run)

    def pending(self) -> int:
        with self._lock:
            return self._pending

    def close(self, *, wait: bool = True) -> None:
        """Stop; `wait=False` drops work not started yet (a shutdown past its deadline)."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
