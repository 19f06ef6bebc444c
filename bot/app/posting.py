"""Daily posts: which subscriptions are due, claiming each one, delivering, recording the result.

The claim is written before the platform call and no platform call happens inside a database
transaction (DESIGN.md invariants 1 and 3; reliability.md R2-R3).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from bot.app.calendars import Calendars
from bot.app.clock import Clock
from bot.core.model import DailyPost, PostStatus, Subscription
from bot.core.rotation import criterion_at
from bot.core.rubric import Criterion, Rubric
from bot.ops.metrics import METRICS
from storage.repository import Repository
from storage.store import database_away

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
GRACE_AFTER_CUTOFF = timedelta(hours=1)

# Sends one daily post to its channel; returns the platform's message id.
Poster = Callable[[Subscription, DailyPost, Criterion, bool], str]


@runtime_checkable
class Findable(Protocol):
    """A poster that can look a daily post up on the platform after a lost answer (in the
    channel's history).

    `find` returns the post's message id if the platform has it, None if it surely has not.
    """

    def find(self, subscription: Subscription, post: DailyPost) -> str | None: ...


class DeliveryRefused(Exception):
    """The platform answered that this post cannot be delivered (not merely a timeout).

    The claim is released, so nothing was posted and the day can be tried again.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryUnknown(Exception):
    """The request may have reached a platform that cannot be asked afterwards (one without
    a history to search: a read timeout or a 5xx answer). The post is marked `unknown` at once and never sent again."""


class DeliveryUnconfirmed(Exception):
    """The platform never confirmed the post; the claim stays until the reconciler settles it."""


@dataclass(frozen=True)
class PostOutcome:
    subscription: Subscription
    local_date: date
    post: DailyPost | None  # None: already posted that day
    workday: bool


def local_now(subscription: Subscription, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(subscription.timezone))


class DailyPosts:
    """The daily posts of every subscription: what is due, the claim written before each
    platform call, the delivery and its settlement (posted, unknown, missed), and the
    reconciliation of posts whose answer was lost.
    """

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
        lease: timedelta = LEASE,
        on_posted: Callable[[DailyPost], object] | None = None,
    ) -> None:
        self.repo, self.rubric, self.calendars, self.clock = repo, rubric, calendars, clock
        self.on_posted = on_posted  # what follows a post: stories held for it are offered
        self.cutoff = cutoff
        self.replica = replica or f"{socket.gethostname()}:{os.getpid()}"
        self.concurrency = concurrency
        self.lease = lease
        self.last_tick: datetime | None = None

    def is_due(self, subscription: Subscription, now: datetime) -> bool:
        """Due on a workday from the post time until the cut-off (or an hour past a late time)."""
        local = local_now(subscription, now)
        if not self.calendars.is_workday(
            local.date(), subscription.country, subscription.days_off, subscription.workdays
        ):
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
            lease_until=now + self.lease,
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
            METRICS.posts.inc(platform=post.platform, outcome="refused")
            raise
        except DeliveryUnknown as error:
            self._unknown(post, f"may or may not have arrived ({error})")
            return
        except Exception:
            METRICS.posts.inc(platform=post.platform, outcome="failed")
            raise
        self.repo.posts.mark_posted(post_id=post.id, message_id=message_id, at=self.clock.now())
        METRICS.posts.inc(platform=post.platform, outcome="posted")
        if self.on_posted is not None:
            try:
                self.on_posted(post)
            except Exception:  # the post is out: what follows it must not undo that
                log.exception("after posting %s %s", post.channel, post.local_date)
        log.info(
            "daily post %s %s %s posted as %s",
            post.platform,
            post.channel,
            post.local_date,
            message_id,
        )

    def _unknown(self, post: DailyPost, why: str) -> None:
        """Settle a post that may have arrived: `unknown`, logged, never sent again."""
        self.repo.posts.settle(post_id=post.id, status=PostStatus.UNKNOWN)
        METRICS.posts.inc(platform=post.platform, outcome="unknown")
        log.warning(
            "daily post %s %s %s: %s; marked unknown, not posted again",
            post.platform,
            post.channel,
            post.local_date,
            why,
        )

    def reconcile(self, poster_for: Callable[[str], Poster | None]) -> list[DailyPost]:
        """Settle claims whose lease ran out: a replica died, or the platform never answered.

        A platform that can be asked (its channel's history, by post key) is asked first;
        the post is sent again only if the platform surely has none and the day is still due.
        A platform that cannot be asked gets `unknown` and a warning: a possible gap
        is better than a second post. Returns the posts delivered again.
        """
        now = self.clock.now()
        delivered: list[DailyPost] = []
        for post in self.repo.posts.expired(now=now):
            poster = poster_for(post.platform)
            if poster is None:
                continue
            if not self.repo.posts.renew(
                post_id=post.id, claimed_by=self.replica, now=now, lease_until=now + self.lease
            ):
                continue  # another replica took it over first
            if self._settle_one(post, poster, now):
                delivered.append(post)
        return delivered

    def _settle_one(self, post: DailyPost, poster: Poster, now: datetime) -> bool:
        """One expired claim, renewed by this replica: found, missed, unknown or sent again
        (True)."""
        subscription = self.repo.subscriptions.get(
            platform=post.platform, workspace=post.workspace, channel=post.channel
        )
        if subscription is None or not isinstance(poster, Findable):
            self._unknown(
                post, f"its claim expired and {post.platform} cannot be asked whether it arrived"
            )
            return False
        try:
            found = poster.find(subscription, post)
        except Exception:
            log.exception("looking up daily post %s %s failed", post.channel, post.local_date)
            return False  # the lease runs out again and the next tick asks again
        if found is not None:
            self.repo.posts.mark_posted(post_id=post.id, message_id=found, at=now)
            METRICS.posts.inc(platform=post.platform, outcome="recovered")
            return False
        still_due = local_now(subscription, now).date() == post.local_date and self.is_due(
            subscription, now
        )
        if not still_due:
            self.repo.posts.settle(post_id=post.id, status=PostStatus.MISSED)
            METRICS.posts.inc(platform=post.platform, outcome="missed")
            log.warning("daily post %s %s missed", post.channel, post.local_date)
            return False
        try:
            self.deliver(subscription, post, poster, workday=True)
        except Exception:
            log.exception("daily post for %s failed again", subscription.channel_key)
            return False
        return True

    def tick(self, poster_for: Callable[[str], Poster | None]) -> list[PostOutcome]:
        """One scheduler tick: settle expired claims, then claim and deliver what is due.

        Each due post is claimed by the worker about to deliver it, right before it does, so a
        lease never runs out while the post waits in a queue (replicas share the work, and a
        claim outlives its lease only if one delivery takes longer than the lease). Claims are
        short transactions of their own; deliveries run outside any transaction, `concurrency`
        at a time (the platform poster paces each channel).
        """
        now = self.clock.now()
        self.last_tick = now
        self.reconcile(poster_for)
        due = []
        for subscription in self.repo.subscriptions.list():
            poster = poster_for(subscription.platform)
            if poster is not None and self.is_due(subscription, now):
                due.append((subscription, poster, local_now(subscription, now).date()))
        done = self.repo.posts.existing(day for _s, _p, day in due)  # one read, not N writes
        due = [
            (sub, poster, day)
            for sub, poster, day in due
            if (sub.platform, sub.workspace, sub.channel, day) not in done
        ]
        if not due:
            return []

        def send(item: tuple[Subscription, Poster, date]) -> PostOutcome | None:
            subscription, poster, local_date = item
            try:
                post = self.claim(subscription, local_date)
            except Exception as error:
                if not database_away(error):
                    raise
                log.warning("daily post for %s: database busy; next tick", subscription.channel_key)
                return None  # nothing claimed, nothing sent: the next tick tries again
            if post is None:
                return None  # another replica was first
            try:
                self.deliver(subscription, post, poster, workday=True)
            except Exception:
                log.exception("daily post for %s failed", subscription.channel_key)
                return None
            return PostOutcome(subscription, local_date, post, workday=True)

        workers = max(1, min(self.concurrency, len(due)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fan-out") as pool:
            return [outcome for outcome in pool.map(send, due) if outcome is not None]

    def post_now(self, subscription: Subscription, poster: Poster) -> PostOutcome:
        """Post today's criterion now, even early or on a day off; still once per local date."""
        local_date = local_now(subscription, self.clock.now()).date()
        workday = self.calendars.is_workday(
            local_date, subscription.country, subscription.days_off, subscription.workdays
        )
        post = self.claim(subscription, local_date)
        if post is not None:
            self.deliver(subscription, post, poster, workday=workday)
        return PostOutcome(subscription, local_date, post, workday)
