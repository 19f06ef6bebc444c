"""Daily posts: which subscriptions are due, claiming each one, delivering, recording the result.

The claim is written before the platform call and no platform call happens inside a database
transaction (DESIGN.md invariants 1 and 3; reliability.md R2-R3).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.calendars import Calendars
from bot.clock import Clock
from bot.core.model import DailyPost, Subscription
from bot.core.rotation import criterion_at
from bot.core.rubric import Criterion, Rubric
from storage.repository import Repository

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
GRACE_AFTER_CUTOFF = timedelta(hours=1)

# Sends one daily post to its channel; returns the platform's message id.
Poster = Callable[[Subscription, DailyPost, Criterion, bool], str]


class DeliveryRefused(Exception):
    """The platform answered that this post cannot be delivered (not merely a timeout).

    The claim is released, so nothing was posted and the day can be tried again.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PostOutcome:
    subscription: Subscription
    local_date: date
    post: DailyPost | None  # None: already posted that day
    workday: bool


def local_now(subscription: Subscription, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(subscription.timezone))


class DailyPosts:
    def __init__(
        self,
        repo: Repository,
        rubric: Rubric,
        calendars: Calendars,
        clock: Clock,
        *,
        cutoff: time = time(12, 0),
        replica: str | None = None,
        concurrency: int = 8,
    ) -> None:
        self.repo, self.rubric, self.calendars, self.clock = repo, rubric, calendars, clock
        self.cutoff = cutoff
        self.replica = replica or socket.gethostname()
        self.concurrency = concurrency
        self.last_tick: datetime | None = None

    def is_due(self, subscription: Subscription, now: datetime) -> bool:
        """Due on a workday from the post time until the cut-off (or an hour past a late time)."""
        local = local_now(subscription, now)
        if not self.calendars.is_workday(local.date(), subscription.country, subscription.days_off):
            return False
        post_at = time.fromisoformat(subscription.post_at)
        start = datetime.combine(local.date(), post_at, local.tzinfo)
        end = datetime.combine(local.date(), self.cutoff, local.tzinfo)
        end = max(end, start + GRACE_AFTER_CUTOFF)
        return start <= local < end

    def claim(self, subscription: Subscription, local_date: date) -> DailyPost | None:
        now = self.clock.now()
        return self.repo.posts.claim(
            subscription_id=subscription.id,
            local_date=local_date,
            pick=lambda cursor: criterion_at(self.rubric, cursor).key,
            claimed_by=self.replica,
            lease_until=now + LEASE,
        )

    def deliver(
        self, subscription: Subscription, post: DailyPost, poster: Poster, workday: bool
    ) -> None:
        criterion = self.rubric.criterion(post.criterion_key)
        if criterion is None:  # the pack changed under a claimed post: show the rotation's pick
            criterion = criterion_at(self.rubric, subscription.rotation_cursor)
        try:
            message_id = poster(subscription, post, criterion, workday)
        except DeliveryRefused:
            self.repo.posts.release(post_id=post.id)
            raise
        self.repo.posts.mark_posted(post_id=post.id, message_id=message_id, at=self.clock.now())

    def tick(self, poster_for: Callable[[str], Poster | None]) -> list[PostOutcome]:
        """One scheduler tick: claim every due post this replica wins, then deliver them.

        Claims are short transactions of their own; deliveries run outside any transaction,
        `concurrency` at a time (the platform poster paces each channel).
        """
        now = self.clock.now()
        self.last_tick = now
        claimed: list[tuple[Subscription, DailyPost, Poster, date]] = []
        for subscription in self.repo.subscriptions.list():
            poster = poster_for(subscription.platform)
            if poster is None or not self.is_due(subscription, now):
                continue
            local_date = local_now(subscription, now).date()
            post = self.claim(subscription, local_date)
            if post is not None:
                claimed.append((subscription, post, poster, local_date))
        if not claimed:
            return []

        def send(item: tuple[Subscription, DailyPost, Poster, date]) -> PostOutcome | None:
            subscription, post, poster, local_date = item
            try:
                self.deliver(subscription, post, poster, workday=True)
            except Exception:
                log.exception("daily post for %s failed", subscription.channel_key)
                return None
            return PostOutcome(subscription, local_date, post, workday=True)

        workers = max(1, min(self.concurrency, len(claimed)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fan-out") as pool:
            return [outcome for outcome in pool.map(send, claimed) if outcome is not None]

    def post_now(self, subscription: Subscription, poster: Poster) -> PostOutcome:
        """Post today's criterion now, even early or on a day off; still once per local date."""
        local_date = local_now(subscription, self.clock.now()).date()
        workday = self.calendars.is_workday(local_date, subscription.country, subscription.days_off)
        post = self.claim(subscription, local_date)
        if post is not None:
            self.deliver(subscription, post, poster, workday=workday)
        return PostOutcome(subscription, local_date, post, workday)
