"""APScheduler 3.x, in memory: one interval tick; the database decides what is due (R2)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app.posting import DailyPosts, Poster

log = logging.getLogger(__name__)


def start_ticking(
    posts: DailyPosts,
    poster_for: Callable[[str], Poster | None],
    *,
    seconds: int,
    hourly: Callable[[], object] | None = None,
    each_tick: Callable[[], object] | None = None,
) -> BackgroundScheduler:
    """Tick now and every `seconds`; each tick claims and delivers whatever is due.

    `hourly` (retention) runs once an hour; every replica may run it: it only deletes.
    """

    def tick() -> None:
        try:
            posts.tick(poster_for)
            if each_tick is not None:  # the outbox's notices
                each_tick()
        except Exception:  # a failed tick must not stop the next one
            log.exception("scheduler tick failed")

    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        tick,
        "interval",
        seconds=seconds,
        id="tick",
        coalesce=True,
        max_instances=1,
        next_run_time=datetime.now(UTC),
    )
    if hourly is not None:

        def housekeeping() -> None:
            try:
                hourly()
            except Exception:
                log.exception("hourly housekeeping failed")

        scheduler.add_job(
            housekeeping,
            "interval",
            hours=1,
            id="hourly",
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )
    scheduler.start()
    return scheduler
